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

	it("drops one direction alone; --json, graph and a failed probe's diagnosis say so #root", function()
		local oneway = ws:write("oneway.lua", PRELUDE .. [[
local a, b = lab:node "a", lab:node "b"
local l = lab:link(a, b, { addr = { "10.0.1.1/24", "10.0.1.2/24" } })
lab:expect_reach(a, b)
l:blackhole { direction = "a_to_b" }
print("chains a", chains("a"))
print("chains b", chains("b"))
sh("ip -n a neigh flush dev eth0; ip -n b neigh flush dev eth0")
-- b asks a: the request gets through (a learns b), the answer does not
b:ping("10.0.1.1", { timeout = 0.3 })
print("neigh", neigh_state("a", "eth0", "10.0.1.2"), neigh_state("b", "eth0", "10.0.1.1"))
print("why", require("netlab.diagnose").why(lab, a, "10.0.1.2"))
l:blackhole { direction = "b_to_a" }
print("chains a", chains("a"))
l:restore { direction = "b_to_a" }
print("chains b", chains("b"))
print("why", require("netlab.diagnose").why(lab, b, "10.0.1.1"))
]])
		local code, out, err = ws:run({ "run", oneway, "--", "sh", "-c",
			'cat "$NETLAB_JSON"; echo ===; "$0" graph "$NETLAB_NAME"', nl.bin })
		assert.equal(0, code, err)
		assert.truthy(proc.contains(out, "chains a\tout-eth0:egress:drop\n"), out)
		assert.truthy(proc.contains(out, "chains b\tin-eth0:ingress:drop\n"), out)
		local na, nb = out:match("\nneigh\t(%S+)\t(%S+)\n")
		assert.truthy(na == "STALE" or na == "DELAY" or na == "REACHABLE" or na == "PROBE", out)
		assert.truthy(nb == "INCOMPLETE" or nb == "FAILED", out)
		assert.truthy(proc.contains(out, "why\ta's eth0 drops every frame it sends (link:blackhole)\n"), out)
		assert.truthy(proc.contains(out, "chains a\tin-eth0:ingress:drop out-eth0:egress:drop\n"), out)
		assert.truthy(proc.contains(out, "why\tb's eth0 drops every frame it receives (link:blackhole)\n"), out)
		local desc, dot = out:match("\n(%b{})%s*===\n(.*)$")
		assert.truthy(desc, out)
		local d = json.decode(desc)
		assert.same({ a_to_b = true }, d.links[1].blackholed)
		assert.truthy(proc.contains(dot, 'blackholed →'), dot)
		assert.truthy(proc.contains(dot, 'color="red"'), dot)
	end)

	it("plays on a timeline: blackholed at 0.5 s, restored at 1.5 s, the carrier up throughout #root", function()
		local code, out, err = run("timeline.lua", [[
local a, b = lab:node "a", lab:node "b"
local l = lab:link(a, b, { addr = { "10.0.1.1/24", "10.0.1.2/24" } })
lab:at(0.5, function() l:blackhole() end)
lab:at(1.5, function() l:restore() end)
lab:start()
local first, last, states = nil, nil, {}
while lab:now() < 2.5 do
  local t = lab:now()
  local ok = a:ping("10.0.1.2", { timeout = 0.05 })
  if not ok then
    first = first or t
    last = t
    if #states == 0 and t > 0.8 then states[1] = operstate("a", "eth0") states[2] = operstate("b", "eth0") end
  else
    netns.sleep(0.05)
  end
end
print(("gap %.2f %.2f"):format(first or -1, last or -1))
print("carrier", states[1], states[2])
lab:expect_reach(a, b)
]])
		assert.equal(0, code, err)
		local first, last = out:match("gap (%S+) (%S+)\n")
		first, last = tonumber(first), tonumber(last)
		assert.truthy(first and first >= 0.45 and first < 0.9, out)
		assert.truthy(last and last >= 1.3 and last < 2.0, out)
		assert.truthy(proc.contains(out, "carrier\tUP\tUP\n"), out)
		assert.truthy(proc.contains(out, "1 passed, 0 failed"), out)
	end)

	it("--trace says it as nft commands that build the same tables when replayed #root", function()
		local code, out, err = run("trace.lua", [[
local a, b = lab:node "a", lab:node "b"
local l1, l2 = lab:link(a, b), lab:link(a, b)
l1:blackhole()
l1:blackhole()
l2:blackhole { direction = "a_to_b" }
l2:blackhole()
io.stderr:write("=== built\n")
print(sh("ip netns exec a nft -j list ruleset"))
print(sh("ip netns exec b nft -j list ruleset"))
io.stderr:write("=== restore\n")
l1:restore()
l2:restore { direction = "b_to_a" }
l2:restore()
]], "--trace")
		assert.equal(0, code, err)
		local built, restore = err:match("^(.-)=== built\n"), err:match("=== restore\n(.*)$")
		local lines = {}
		for line in err:gmatch("[^\n]+") do
			if line:match("netlab%-bh") then lines[#lines + 1] = line end
		end
		local q = "'"
		local function chain(ns, c, hook, dev)
			return ("add chain netdev netlab-bh %s { type filter hook %s device \"%s\" priority -1000; policy drop; }"):format(c, hook, dev)
		end
		assert.same({
			"+ ip netns exec a nft " .. q .. "add table netdev netlab-bh; " .. chain("a", "in-eth0", "ingress", "eth0") .. "; "
				.. chain("a", "out-eth0", "egress", "eth0") .. q,
			"+ ip netns exec b nft " .. q .. "add table netdev netlab-bh; " .. chain("b", "in-eth0", "ingress", "eth0") .. "; "
				.. chain("b", "out-eth0", "egress", "eth0") .. q,
			"+ ip netns exec a nft " .. q .. "add table netdev netlab-bh; " .. chain("a", "out-eth1", "egress", "eth1") .. q,
			"+ ip netns exec b nft " .. q .. "add table netdev netlab-bh; " .. chain("b", "in-eth1", "ingress", "eth1") .. q,
			"+ ip netns exec a nft " .. q .. "add table netdev netlab-bh; " .. chain("a", "in-eth1", "ingress", "eth1") .. q,
			"+ ip netns exec b nft " .. q .. "add table netdev netlab-bh; " .. chain("b", "out-eth1", "egress", "eth1") .. q,
			"+ ip netns exec a nft " .. q .. "delete chain netdev netlab-bh in-eth0; delete chain netdev netlab-bh out-eth0" .. q,
			"+ ip netns exec b nft " .. q .. "delete chain netdev netlab-bh in-eth0; delete chain netdev netlab-bh out-eth0" .. q,
			"+ ip netns exec a nft " .. q .. "delete chain netdev netlab-bh in-eth1" .. q,
			"+ ip netns exec b nft " .. q .. "delete chain netdev netlab-bh out-eth1" .. q,
			"+ ip netns exec a nft " .. q .. "delete chain netdev netlab-bh out-eth1; delete table netdev netlab-bh" .. q,
			"+ ip netns exec b nft " .. q .. "delete chain netdev netlab-bh in-eth1; delete table netdev netlab-bh" .. q,
		}, lines)
		assert.truthy(built and restore, err)
		-- replayed in a fresh network: two namespaces with the same devices, the build's nft lines
		local replay = { "set -e", "ip netns add a", "ip netns add b",
			"ip -n a link add eth0 type veth peer name eth0 netns b", "ip -n a link add eth1 type veth peer name eth1 netns b" }
		for line in built:gmatch("[^\n]+") do
			if line:match("netlab%-bh") then replay[#replay + 1] = line:sub(3) end
		end
		replay[#replay + 1] = "ip netns exec a nft -j list ruleset; echo; ip netns exec b nft -j list ruleset; echo; echo ==="
		for line in restore:gmatch("[^\n]+") do
			if line:match("netlab%-bh") then replay[#replay + 1] = line:sub(3) end
		end
		replay[#replay + 1] = "ip netns exec a nft list ruleset; ip netns exec b nft list ruleset; echo end"
		local script = ws:write("replay.sh", table.concat(replay, "\n") .. "\n")
		local rout, rcode = proc.exec({ "unshare", "--net", "--mount", "--propagation", "private", "sh", "-c",
			"mount -t tmpfs bh-replay /run/netns && bash " .. proc.quote(script) }, true)
		assert.equal(0, rcode, rout)
		-- the chains of both namespaces, the handles left out
		local function canon(text)
			local out = {}
			for obj in text:gmatch("%b{}") do
				local d = json.decode(obj)
				for _, o in ipairs(d.nftables or {}) do
					local c = o.chain or o.table
					if c and (c.table == "netlab-bh" or c.name == "netlab-bh") then
						out[#out + 1] = table.concat({ c.family, c.table or "", c.name, c.hook or "", c.policy or "",
							tostring(c.prio or "") }, " ")
					end
				end
			end
			table.sort(out)
			return out
		end
		local lab_state, replayed = canon(out), canon(rout:match("^(.-)===\n"))
		assert.equal(10, #lab_state)	-- two tables, four chains in each
		assert.same(lab_state, replayed)
		assert.truthy(proc.contains(rout, "===\nend\n"), rout)
	end)

	it("refuses mistakes at the user's line, naming the value #root", function()
		local code, out, err = run("mistakes.lua", [[
local a, b, c = lab:node "a", lab:node "b", lab:node "c"
local l = lab:link(a, b, { addr = { "10.0.1.1/24", "10.0.1.2/24" } })
local s1, s2 = lab:bridge "s1", lab:bridge "s2"
local trunk = lab:link(s1, s2)
local gone = lab:link(a, c)
a:link_del(gone.dev_a)
local function try(f) local ok, e = pcall(f) print(ok and "accepted" or tostring(e)) end
try(function() l:blackhole { direciton = "a_to_b" } end)
try(function() l:blackhole { direction = "up" } end)
try(function() l:blackhole "a_to_b" end)
try(function() l.blackhole() end)
try(function() l:restore { direction = 1 } end)
try(function() trunk:blackhole() end)
try(function() gone:blackhole() end)
print("chains", chains("a"), chains("b"))
lab:close()
try(function() l:blackhole() end)
try(function() l:restore() end)
]])
		assert.equal(0, code, err)
		local f = ws.dir .. "/mistakes.lua"
		local n = select(2, PRELUDE:gsub("\n", "")) -- the prelude's lines come first
		local function at(line) return f .. ":" .. (n + line) .. ": netlab: " end
		assert.equal(table.concat({
			at(8) .. "blackhole: unknown option 'direciton' (did you mean 'direction'?)",
			at(9) .. "blackhole: option 'direction' must be \"a_to_b\", \"b_to_a\" or \"both\", not 'up'",
			at(10) .. "blackhole: options must be a table, not 'a_to_b'",
			at(11) .. "blackhole: call it as link:blackhole(...), with a colon",
			at(12) .. "restore: option 'direction' must be \"a_to_b\", \"b_to_a\" or \"both\", not '1'",
			at(13) .. "blackhole: the link joins s1 and s2, and neither end is in a node: a blackhole drops at a node's end",
			"netns: blackhole_add eth1 in a: No such device (ENODEV): device eth1 not found in a",
			"chains\t\t",
			at(17) .. "blackhole: the lab is torn down",
			at(18) .. "restore: the lab is torn down",
		}, "\n"), out:gsub("\n$", ""))
	end)
end)
