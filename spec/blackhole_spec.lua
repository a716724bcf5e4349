-- spec/blackhole_spec.lua - a silent failure: ns:blackhole_add/del and link:blackhole/restore drop every frame while the carrier stays up; checked with nft, ip and real traffic.
local netns = require "netns"
local ip = require "support.ip"
local json = require "support.json"
local nft = require "support.nft"
local nl = require "support.netlab"
local proc = require "support.proc"
local topo = require "support.topo"

local P = "t-bh-"
local RED, BLUE = P .. "red", P .. "blue"

-- the chains of table netdev netlab-bh in ns, as nft -j lists them: { ["in-eth0"] = "ingress drop -1000" }
local function bh_chains(ns)
	local out, tables = {}, 0
	for _, o in ipairs(nft.objects(ns)) do
		if o.table and o.table.family == "netdev" and o.table.name == "netlab-bh" then tables = tables + 1 end
		local c = o.chain
		if c and c.family == "netdev" and c.table == "netlab-bh" then
			out[c.name] = ("%s %s %s %s"):format(c.type, c.hook, c.policy, c.prio)
		end
	end
	return out, tables
end

-- the device each chain of netlab-bh is bound to, from nft's text (its JSON leaves it out)
local function bh_devices(ns)
	local out = {}
	local text = nft.nft(ns, "list", "ruleset")
	for name, dev in text:gmatch("chain (%S+) {%s*type filter hook %a+ device \"?([^\";%s]+)") do out[name] = dev end
	return out
end

describe("ns:blackhole_add", function()
	local red, blue

	before_each(function()
		red, blue = topo.pair(P)
	end)

	after_each(function()
		red, blue = nil, nil
		ip.cleanup(P)
	end)

	it("drops what a device sends and receives, IPv4, IPv6 and ARP, with its carrier up, in netdev netlab-bh #root", function()
		assert.is_true(ip.can_ping(RED, "192.168.15.2"))
		red:blackhole_add("veth-red")
		local chains, tables = bh_chains(RED)
		assert.equal(1, tables)
		assert.same({ ["in-veth-red"] = "filter ingress drop -1000", ["out-veth-red"] = "filter egress drop -1000" }, chains)
		assert.same({ ["in-veth-red"] = "veth-red", ["out-veth-red"] = "veth-red" }, bh_devices(RED))
		assert.same({ { dev = "veth-red", ingress = true, egress = true } }, red:blackholes())
		-- the carrier stays: both ends up, operstate UP
		assert.equal("UP", ip.link(RED, "veth-red").operstate)
		assert.equal("UP", ip.link(BLUE, "veth-blue").operstate)
		-- nothing passes: IPv4, IPv6, and ARP (a neighbour asked for anew is never answered)
		red:run({ "ip", "neigh", "flush", "dev", "veth-red" })
		assert.is_false(ip.can_ping(RED, "192.168.15.2", 1))
		assert.is_false(ip.can_ping(RED, "fd00:15::2", 1))
		assert.is_false(ip.can_ping(BLUE, "192.168.15.1", 1))
		local n = ip.find_neigh(ip.neighs(RED, "veth-red"), "192.168.15.2")
		assert.truthy(n and (n.state == "INCOMPLETE" or n.state == "FAILED"), n and n.state)
		red:blackhole_del("veth-red")
		assert.same({}, red:blackholes())
		local _, left = bh_chains(RED)
		assert.equal(0, left)
		-- what asked meanwhile failed, and a failed neighbour answers the next packet with an
		-- error at once: forgotten, it is asked for anew (link:restore does the same)
		red:run({ "ip", "neigh", "flush", "dev", "veth-red" })
		assert.is_true(ip.can_ping(RED, "192.168.15.2"))
		assert.is_true(ip.can_ping(BLUE, "fd00:15::1"))
	end)

	it("drops one direction alone: egress lets what comes in through, ingress what goes out #root", function()
		red:blackhole_add("veth-red", "egress")
		assert.same({ ["out-veth-red"] = "filter egress drop -1000" }, (bh_chains(RED)))
		red:run({ "ip", "neigh", "flush", "dev", "veth-red" })
		blue:run({ "ip", "neigh", "flush", "dev", "veth-blue" })
		-- blue asks red: the request comes in (red learns blue), the answer never goes out
		assert.is_false(ip.can_ping(BLUE, "192.168.15.1", 1))
		local learned = ip.find_neigh(ip.neighs(RED, "veth-red"), "192.168.15.2")
		assert.truthy(learned, "red heard blue's ARP request")
		local asked = ip.find_neigh(ip.neighs(BLUE, "veth-blue"), "192.168.15.1")
		assert.truthy(asked and (asked.state == "INCOMPLETE" or asked.state == "FAILED"), asked and asked.state)
		-- the other direction too: both chains; then the egress one goes, the ingress one stays
		red:blackhole_add("veth-red", "ingress")
		assert.same({ { dev = "veth-red", ingress = true, egress = true } }, red:blackholes())
		red:blackhole_del("veth-red", "egress")
		assert.same({ ["in-veth-red"] = "filter ingress drop -1000" }, (bh_chains(RED)))
		assert.same({ { dev = "veth-red", ingress = true, egress = false } }, red:blackholes())
		assert.is_false(ip.can_ping(RED, "192.168.15.2", 1))
		red:blackhole_del("veth-red", "ingress")
		local _, left = bh_chains(RED)
		assert.equal(0, left)
	end)

	it("is idempotent, keeps devices apart, and leaves every other table alone #root", function()
		red:link_add("veth-x", "veth", { peer = "veth-y", up = true })
		-- someone else's tables, a netdev one at the same hook among them
		nft.nft(RED, "add", "table", "netdev", "theirs")
		nft.nft(RED, "add", "chain", "netdev", "theirs", "ing", "{ type filter hook ingress device veth-red priority 0; policy accept; }")
		nft.nft(RED, "add", "table", "inet", "netlab")
		local theirs = {}
		for _, o in ipairs(nft.objects(RED)) do
			if (o.table or o.chain) and (o.table or o.chain).table ~= "netlab-bh" and (o.table or o.chain).name ~= "netlab-bh" then
				theirs[#theirs + 1] = json.encode(o)
			end
		end
		red:blackhole_add("veth-red")
		red:blackhole_add("veth-red")
		red:blackhole_add("veth-x", "egress")
		red:blackhole_add("veth-x", "egress")
		assert.same({ { dev = "veth-red", ingress = true, egress = true }, { dev = "veth-x", ingress = false, egress = true } },
			red:blackholes())
		local chains = bh_chains(RED)
		assert.same({ "in-veth-red", "out-veth-red", "out-veth-x" }, (function()
			local names = {}
			for k in pairs(chains) do names[#names + 1] = k end
			table.sort(names)
			return names
		end)())
		red:blackhole_del("veth-red")
		red:blackhole_del("veth-red")
		assert.same({ { dev = "veth-x", ingress = false, egress = true } }, red:blackholes())
		assert.is_true(ip.can_ping(RED, "192.168.15.2"))
		red:blackhole_del("veth-x")
		local _, left = bh_chains(RED)
		assert.equal(0, left)
		-- theirs, untouched
		local after = {}
		for _, o in ipairs(nft.objects(RED)) do
			if (o.table or o.chain) and (o.table or o.chain).table ~= "netlab-bh" and (o.table or o.chain).name ~= "netlab-bh" then
				after[#after + 1] = json.encode(o)
			end
		end
		assert.same(theirs, after)
		-- a call for a device with no blackhole changes nothing, even a device that is gone
		red:blackhole_del("veth-red")
		red:blackhole_del("nosuchdev")
	end)

	it("refuses what it cannot do, naming the value, before anything is sent #root", function()
		local function err(...)
			local ok, e = pcall(...)
			assert.is_false(ok)
			return e
		end
		local e = err(red.blackhole_add, red, "eth9")
		assert.equal("ENODEV", e.code)
		assert.equal("netns: blackhole_add eth9 in " .. RED .. ": No such device (ENODEV): device eth9 not found in " .. RED,
			tostring(e))
		e = err(red.blackhole_add, red, "veth-red", "ingres")
		assert.equal("EINVAL", e.code)
		assert.equal("hook", e.arg)
		assert.equal("netns: blackhole_add: the direction 'ingres' is not \"ingress\" or \"egress\" (nil: both)", tostring(e))
		e = err(red.blackhole_del, red, "veth-red", 1)
		assert.equal("EINVAL", e.code)
		assert.truthy(proc.contains(tostring(e), "must be \"ingress\" or \"egress\""), tostring(e))
		e = err(red.blackhole_add, red, "a/b")
		assert.equal("EINVAL", e.code)
		e = err(red.blackhole_add, red)
		assert.equal("EINVAL", e.code)
		local _, tables = bh_chains(RED)
		assert.equal(0, tables)
	end)
end)

-- the lab: link:blackhole and link:restore, in scripts run by the interpreter
local ws = nl.workspace("bh")

local PRELUDE = [[
local dkjson = require "dkjson"
local function sh(cmd)
  local f = io.popen(cmd)
  local text = f:read("a")
  f:close()
  return text
end
local function ipj(node, what)
  local text = sh(("ip -j %s%s"):format(node and ("-n " .. node .. " ") or "", what))
  return text:match("%S") and dkjson.decode(text) or {}
end
local function operstate(node, dev) return ipj(node, "link show dev " .. dev)[1].operstate end
local function neigh_state(node, dev, addr)
  local n = ipj(node, ("neigh show dev %s %s"):format(dev, addr))[1]
  return n and n.state[1] or "none"
end
local function bh_tables(node)
  local n = 0
  for _, o in ipairs(dkjson.decode(sh("ip netns exec " .. node .. " nft -j list ruleset")).nftables) do
    if o.table and o.table.family == "netdev" and o.table.name == "netlab-bh" then n = n + 1 end
  end
  return n
end
local function chains(node)
  local names = {}
  for _, o in ipairs(dkjson.decode(sh("ip netns exec " .. node .. " nft -j list ruleset")).nftables) do
    if o.chain and o.chain.table == "netlab-bh" then names[#names + 1] = o.chain.name .. ":" .. o.chain.hook .. ":" .. o.chain.policy end
  end
  table.sort(names)
  return table.concat(names, " ")
end
]]

local function run(name, text, ...)
	local args = { ... }
	args[#args + 1] = ws:write(name, PRELUDE .. text)
	return ws:run(args)
end

describe("link:blackhole", function()
	teardown(function() ws:cleanup() end)

	it("drops everything on the wire with the carrier up: ping, TCP, ARP fail; restore brings it all back and the table goes #root", function()
		local code, out, err = run("bh.lua", [[
local a, b = lab:node "a", lab:node "b"
local l = lab:link(a, b, { addr = { { "10.0.1.1/24", "fd00:1::1/64" }, { "10.0.1.2/24", "fd00:1::2/64" } } })
b:service({ "python3", "-m", "http.server", "8080" }, { port = 8080 })
lab:expect_reach(a, b)
lab:expect(a:connect("10.0.1.2", 8080), "TCP before")
print("returns the link", l:blackhole() == l)
l:blackhole()
print("operstate", operstate("a", l.dev_a), operstate("b", l.dev_b))
print("chains a", chains("a"))
print("chains b", chains("b"))
lab:expect_unreachable(a, b, { timeout = 0.5 })
lab:expect_unreachable(a, "fd00:1::2", { timeout = 0.5 })
lab:expect_unreachable(b, a, { timeout = 0.5 })
lab:expect(not a:connect("10.0.1.2", 8080, { timeout = 0.5 }), "TCP fails")
sh("ip -n a neigh flush dev eth0; ip -n b neigh flush dev eth0")
a:ping("10.0.1.2", { timeout = 0.5 })
print("neigh", neigh_state("a", "eth0", "10.0.1.2"), neigh_state("b", "eth0", "10.0.1.1"))
print("returns the link", l:restore() == l)
-- the first packet after it is answered at once: what failed meanwhile is forgotten
local t0 = netns.clock()
print("first", a:ping("10.0.1.2", { timeout = 0.3 }), netns.clock() - t0 < 0.3)
l:restore()
print("tables", bh_tables("a"), bh_tables("b"))
lab:expect_reach(a, b)
lab:expect_reach(a, "fd00:1::2")
lab:expect(a:connect("10.0.1.2", 8080), "TCP after")
]])
		assert.equal(0, code, err)
		assert.truthy(proc.contains(out, "operstate\tUP\tUP\n"), out)
		assert.truthy(proc.contains(out, "chains a\tin-eth0:ingress:drop out-eth0:egress:drop\n"), out)
		assert.truthy(proc.contains(out, "chains b\tin-eth0:ingress:drop out-eth0:egress:drop\n"), out)
		local na, nb = out:match("\nneigh\t(%S+)\t(%S+)\n")
		assert.truthy(na == "INCOMPLETE" or na == "FAILED", out)
		-- b never learned a either (its own asking, from before, was never answered)
		assert.truthy(nb == "none" or nb == "INCOMPLETE" or nb == "FAILED", out)
		assert.truthy(proc.contains(out, "tables\t0\t0\n"), out)
		assert.truthy(proc.contains(out, "first\ttrue\ttrue\n"), out)
		assert.truthy(proc.contains(out, "returns the link\ttrue\n"), out)
		assert.truthy(proc.contains(out, "9 passed, 0 failed"), out)
	end)

	it("keeps links apart: two blackholed links of one node, one restored, only it passes; a link to a bridge drops at the node's end #root", function()
		local code, out, err = run("two.lua", [[
local r = lab:node("r", { forward = true })
local a, b = lab:node "a", lab:node "b"
local la = lab:link(a, r, { addr = { "10.0.1.2/24", "10.0.1.1/24" } })
local lb = lab:link(b, r, { addr = { "10.0.2.2/24", "10.0.2.1/24" } })
local sw = lab:bridge "sw"
local c = lab:node "c"
local lc = lab:link(r, sw, { addr = "10.0.3.1/24" })
lab:link(c, sw, { addr = "10.0.3.2/24" })
la:blackhole()
lb:blackhole()
lc:blackhole()
print("chains r", chains("r"))
lab:expect_unreachable(r, a, { timeout = 0.3 })
lab:expect_unreachable(r, b, { timeout = 0.3 })
lab:expect_unreachable(r, c, { timeout = 0.3 })
print("bridge port up", operstate(nil, lc.dev_b) == "UP" or operstate(nil, lc.dev_b))
la:restore()
print("chains r", chains("r"))
lab:expect_reach(r, a)
lab:expect_unreachable(r, b, { timeout = 0.3 })
lab:expect_unreachable(r, c, { timeout = 0.3 })
lb:restore()
lc:restore()
print("tables", bh_tables("r"), bh_tables("a"), bh_tables("b"), bh_tables("c"))
lab:expect_reach(r, b)
lab:expect_reach(r, c)
]])
		assert.equal(0, code, err)
		assert.truthy(proc.contains(out, "chains r\tin-eth0:ingress:drop in-eth1:ingress:drop in-eth2:ingress:drop "
			.. "out-eth0:egress:drop out-eth1:egress:drop out-eth2:egress:drop\n"), out)
		assert.truthy(proc.contains(out, "chains r\tin-eth1:ingress:drop in-eth2:ingress:drop out-eth1:egress:drop out-eth2:egress:drop\n"), out)
		assert.truthy(proc.contains(out, "tables\t0\t0\t0\t0\n"), out)
		assert.truthy(proc.contains(out, "bridge port up\ttrue\n"), out)
		assert.truthy(proc.contains(out, "8 passed, 0 failed"), out)
	end)
end)
