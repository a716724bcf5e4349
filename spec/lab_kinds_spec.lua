-- spec/lab_kinds_spec.lua - the lab's one-line link kinds: lab:vlan, lab:vrf, lab:bond, lab:loopback and
-- lab:tunnel (gre, ipip, vxlan, ...), checked by `ip -d -j` (the oracle) and by traffic; their
-- refusals at the user's line, leaving nothing made. The kinds this machine's kernel lacks are tagged
-- and run in the VM (scripts/test.sh --vm --tags=vlan,vrf,bond,dummy,gre,ipip).
local nl = require "support.netlab"
local kernel = require "support.kernel"

local ws = nl.workspace("lkind")

-- run a script in an isolated lab: exit code, stdout, stderr
local function run(name, text, ...)
	local args = { ... }
	args[#args + 1] = ws:write(name, text)
	return ws:run(args)
end

local function needs(...)
	for _, f in ipairs { ... } do
		local why = kernel.lacks(f)
		if why then pending(why) return true end
	end
	return false
end

-- what the scripts share: ip as the oracle, from inside the lab
local PRELUDE = [[
local dkjson = require "dkjson"
local function ipj(node, what)
  local f = io.popen(("ip -j -n %s %s"):format(node, what))
  local text = f:read("a")
  f:close()
  return dkjson.decode(text) or {}
end
local function info(node, dev)
  local l = ipj(node, "-d link show dev " .. dev)[1] or {}
  return l.linkinfo and l.linkinfo.info_data or {}, l
end
local function refused(f)
  local ok, e = pcall(f)
  print(ok and "made" or tostring(e))
end
]]

describe("the lab's link kinds", function()
	teardown(function() ws:cleanup() end)

	it("refuses mistakes at the user's line, naming the value, and makes nothing #root", function()
		local code, out, err = run("mistakes.lua", PRELUDE .. [[
local a, b = lab:node "a", lab:node "b"
lab:link(a, b, { addr = { "192.0.2.1/24", "192.0.2.2/24" } })
local before = #ipj("a", "link show") + #ipj("b", "link show")
refused(function() lab:vlan(a, "eth0", 0) end)
refused(function() lab:vlan(a, "eth0", 4095) end)
refused(function() lab:vlan(a, "eth9", 10) end)
refused(function() lab:vlan(a, "eth0", 10, { colour = "red" }) end)
refused(function() lab:vlan(lab.host, "eth0", 10) end)
refused(function() lab:vrf(a, "red") end)
refused(function() lab:vrf(a, "red", 254) end)
refused(function() lab:vrf(a, "red", 10, { devs = { "eth7" } }) end)
refused(function() lab:bond(a, { "eth0" }, { mode = "round-robin" }) end)
refused(function() lab:bond(a, {}) end)
refused(function() lab:loopback(a) end)
refused(function() lab:loopback(a, "10.255.0.300/32") end)
refused(function() lab:loopback(a, "192.0.2.2/32") end)
refused(function() lab:tunnel(a, b, {}) end)
refused(function() lab:tunnel(a, b, { kind = "l2tp" }) end)
refused(function() lab:tunnel(a, b, { kind = "ipip", key = 5 }) end)
refused(function() lab:tunnel(a, b, { kind = "gre", underlay = { "192.0.2.1", "2001:db8::2" } }) end)
refused(function() lab:tunnel(a, b, { kind = "gre", addr = "10.9.0.1/30" }) end)
refused(function() lab:tunnel(a, a, { kind = "gre" }) end)
local c = lab:node "c"
refused(function() lab:tunnel(a, c, { kind = "vxlan" }) end)
print("made", #ipj("a", "link show") + #ipj("b", "link show") - before)
-- at the user's own line
local line = debug.getinfo(1, "l").currentline
local ok, e = pcall(function() lab:vlan(a, "eth0", 0) end)
print(e:match("mistakes.lua:(%d+):") == tostring(line + 1))
]])
		assert.equal(0, code, out .. err)
		for _, line in ipairs {
			"vlan: the VLAN id must be a VLAN id, an integer in 1..4094, not '0'",
			"vlan: the VLAN id must be a VLAN id, an integer in 1..4094, not '4095'",
			"vlan: a has no device 'eth9'",
			"vlan: unknown option 'colour'",
			"vlan: the node must be a node; the lab's host keeps only bridges and link ends",
			"vrf: the table must be an integer in 1..4294967295 other than 253, 254 and 255 (default, main, local), not nil",
			"vrf: the table must be an integer in 1..4294967295 other than 253, 254 and 255 (default, main, local), not '254'",
			"vrf: a has no device 'eth7'",
		} do
			assert.truthy(out:find("mistakes.lua:%d+: netlab: " .. line:gsub("%p", "%%%0") .. "\n"), line .. "\n" .. out)
		end
		assert.matches("mistakes.lua:%d+: netlab: bond: .*'round%-robin'", out)
		assert.matches("mistakes.lua:%d+: netlab: bond: the members must be a list of device names, not table", out)
		assert.matches("mistakes.lua:%d+: netlab: loopback: the address is required", out)
		assert.matches("mistakes.lua:%d+: netlab: loopback: .*10.255.0.300/32", out)
		assert.matches("mistakes.lua:%d+: netlab: loopback: address '192.0.2.2/32' is already b's %(eth0%)", out)
		assert.matches("mistakes.lua:%d+: netlab: tunnel: option 'kind' is required", out)
		assert.matches("mistakes.lua:%d+: netlab: tunnel: option 'kind' must be one of gre, .* not 'l2tp'", out)
		assert.matches("mistakes.lua:%d+: netlab: tunnel: option 'key' is not an option of an ipip tunnel", out)
		assert.matches("mistakes.lua:%d+: netlab: tunnel: option 'underlay': a gre runs over IPv4, and '2001:db8::2' is not", out)
		assert.matches("mistakes.lua:%d+: netlab: tunnel: option 'addr' must be { a's, b's } %(false or {} for none%), not '10.9.0.1/30'", out)
		assert.matches("mistakes.lua:%d+: netlab: tunnel: both ends are a", out)
		assert.matches("mistakes.lua:%d+: netlab: tunnel: no underlay for a vxlan between a and c", out)
		assert.matches("\nmade\t0\ntrue\n", out)
	end)

	it("lab:tunnel makes a vxlan at both ends from the lab's addresses, routes the networks behind them, and --json and graph show it #root #vxlan", function()
		if needs("vxlan") then return end
		local code, out, err = run("vxlan.lua", PRELUDE .. [[
local a, r, b = lab:node "a", lab:node("r", { forward = true }), lab:node "b"
lab:link(a, r, { addr = { "192.0.2.1/24", "192.0.2.254/24" } })
lab:link(r, b, { addr = { "198.51.100.254/24", "198.51.100.2/24" } })
a:gateway(r) b:gateway(r)
-- a network behind b: an address on b's lo, reached from a only through the tunnel
b:addr_add("lo", "10.2.0.1/24")
local da, db = lab:tunnel(a, b, { kind = "vxlan", id = 4242, addr = { "10.9.0.1/24", "10.9.0.2/24" },
  networks = { nil, "10.2.0.0/24" } })
print(da, db)
local d = info("a", da)
print(d.id, d.remote, d["local"], d.port)
d = info("b", db)
print(d.id, d.remote, d["local"], d.port)
lab:expect_reach(a, "10.9.0.2")
lab:expect_reach(a, "10.2.0.1")
-- the route into the tunnel is a's, through the vxlan device
local rt = ipj("a", "route show 10.2.0.0/24")[1]
print(rt.dst, rt.dev)
-- the description: the tunnel with its VNI, port and underlay; the interfaces with their vxlan
local desc = lab:describe(function(name) return name or "host" end)
local t = desc.tunnels[1]
print(t.kind, t.id, t.port, t.a.node, t.a.dev, t.a.underlay, t.b.node, t.b.dev, t.b.underlay)
for _, i in ipairs(desc.nodes[1].interfaces) do
  if i.name == da then print("iface", i.kind, i.vxlan.id, i.vxlan.remote) end
end
print(dkjson.decode(require("netlab.describe").json(desc)).tunnels[1].id)
for line in require("netlab.dot").render(desc):gmatch("[^\n]+") do
  if line:find("style=dashed", 1, true) and line:find("vxlan", 1, true) then print("dot", line) end
end
]])
		assert.equal(0, code, out .. err)
		assert.matches("vxlan0\tvxlan0\n4242\t198.51.100.2\t192.0.2.1\t4789\n4242\t192.0.2.1\t198.51.100.2\t4789\n", out)
		assert.matches("ok 1 %- a reaches 10.9.0.2", out)
		assert.matches("ok 2 %- a reaches 10.2.0.1", out)
		assert.matches("10.2.0.0/24\tvxlan0", out)
		assert.matches("\nvxlan\t4242\t4789\ta\tvxlan0\t192.0.2.1\tb\tvxlan0\t198.51.100.2\n", out)
		assert.matches("\niface\tvxlan\t4242\t198.51.100.2\n", out)
		assert.matches("\n4242\n", out)
		assert.matches('dot\t  "a" %-%- "b" %[style=dashed, label="vxlan vni 4242"', out)
	end)

	it("lab:tunnel makes a gre with a key and an ipip over a routed underlay, and traffic goes through both #root #gre #ipip", function()
		if needs("gre", "ipip") then return end
		local code, out, err = run("gre.lua", PRELUDE .. [[
local a, r, b = lab:node "a", lab:node("r", { forward = true }), lab:node "b"
lab:link(a, r, { addr = { "192.0.2.1/24", "192.0.2.254/24" } })
lab:link(r, b, { addr = { "198.51.100.254/24", "198.51.100.2/24" } })
a:gateway(r) b:gateway(r)
local g = lab:tunnel(a, b, { kind = "gre", key = 7, ttl = 64, addr = { "10.9.0.1/30", "10.9.0.2/30" } })
local i = lab:tunnel(a, b, { kind = "ipip", addr = { "10.9.1.1/30", "10.9.1.2/30" } })
print(g, i)
local d = info("a", g)
print(d["local"], d.remote, d.ttl, d.ikey, d.okey)
d = info("b", i)
print(d["local"], d.remote)
lab:expect_reach(a, "10.9.0.2")
lab:expect_reach(b, "10.9.1.1")
-- the traffic really goes through: the tunnel device counted it
local s = ipj("a", "-s link show dev " .. g)[1].stats64
print("gre tx", s.tx.packets > 0)
]])
		assert.equal(0, code, out .. err)
		assert.matches("^gre1\tipip1\n192.0.2.1\t198.51.100.2\t64\t%S+\t%S+\n198.51.100.2\t192.0.2.1\n", out)
		assert.matches("ok 1 %- a reaches 10.9.0.2", out)
		assert.matches("ok 2 %- b reaches 10.9.1.1", out)
		assert.matches("gre tx\ttrue", out)
	end)

	it("lab:vlan tags frames: the same VLAN on both ends of a wire talks, different VLANs do not #root #vlan", function()
		if needs("vlan") then return end
		local code, out, err = run("vlan.lua", PRELUDE .. [[
local a, b = lab:node "a", lab:node "b"
lab:link(a, b)
print(lab:vlan(a, "eth0", 10, { addr = "10.0.0.1/24" }), lab:vlan(b, "eth0", 10, { addr = "10.0.0.2/24" }))
print(lab:vlan(a, "eth0", 20, { addr = "10.0.1.1/24", name = "v20" }), lab:vlan(b, "eth0", 30, { addr = "10.0.1.2/24" }))
local d, l = info("a", "eth0.10")
print(d.protocol, d.id, l.link)
print(info("a", "v20").id)
lab:expect_reach(a, "10.0.0.2")
-- one subnet, but a tags its frames 20 and b listens on 30: b's kernel drops them
lab:expect_unreachable(a, "10.0.1.2", { timeout = 0.3 })
]])
		assert.equal(0, code, out .. err)
		assert.matches("^eth0.10\teth0.10\nv20\teth0.30\n802.1Q\t10\teth0\n20\n", out)
		assert.matches("ok 1 %- a reaches 10.0.0.2", out)
		assert.matches("ok 2 %- a cannot reach 10.0.1.2", out)
	end)

	it("lab:vrf keeps two tenants with the same addresses apart on one router #root #vrf", function()
		if needs("vrf") then return end
		local code, out, err = run("vrf.lua", PRELUDE .. [[
local r = lab:node "r"
local t1, t2 = lab:node("t1", { tenant = "red" }), lab:node("t2", { tenant = "blue" })
-- the router's address 10.0.0.1 in both VRFs; the tenants' addresses differ only to tell them apart
local l1 = lab:link(t1, r, { addr = { "10.0.0.2/24", "10.0.0.1/24" } })
print(lab:vrf(r, "red", 10, { devs = { l1.dev_b } }))
local l2 = lab:link(t2, r, { addr = { "10.0.0.3/24", "10.0.0.1/24" } })
print(lab:vrf(r, "blue", 20, { devs = l2.dev_b }))
local _, l = info("r", l1.dev_b)
print(l.master, info("r", "red").table, info("r", "blue").table)
for _, rt in ipairs(ipj("r", "route show vrf blue")) do print("blue", rt.dst, rt.dev) end
-- from the router, each VRF reaches its own tenant and not the other
local function ping(vrf, addr)
  return os.execute(("ip netns exec r ping -c1 -W1 -I %s %s >/dev/null 2>&1"):format(vrf, addr)) == true
end
print(ping("red", "10.0.0.2"), ping("red", "10.0.0.3"), ping("blue", "10.0.0.3"), ping("blue", "10.0.0.2"))
lab:expect_reach(t1, "10.0.0.1")
lab:expect_reach(t2, "10.0.0.1")
-- the book is per tenant: red's 10.0.0.2 is taken, blue's is not
refused(function() r:addr_add("red", "10.0.0.2/32") end)
]])
		assert.equal(0, code, out .. err)
		assert.matches("^red\nblue\nred\t10\t20\n", out)
		assert.matches("\nblue\t10.0.0.0/24\teth1\n", out)
		assert.matches("\ntrue\tfalse\ttrue\tfalse\n", out)
		assert.matches("ok 1 %- t1 reaches 10.0.0.1", out)
		assert.matches("ok 2 %- t2 reaches 10.0.0.1", out)
		assert.matches("vrf.lua:%d+: netlab: addr_add: address '10.0.0.2/32' is already t1's %(eth0%)", out)
	end)

	it("lab:vrf: routing between two VRFs is refused until a leak route joins them #root #vrf", function()
		if needs("vrf") then return end
		local code, out, err = run("leak.lua", PRELUDE .. [[
local r = lab:node("r", { forward = true })
local t1, t2 = lab:node "t1", lab:node "t2"
lab:vrf(r, "red", 10)
lab:vrf(r, "blue", 20)
local l1 = lab:link(t1, r, { addr = { "10.0.0.2/24", false } })
local l2 = lab:link(t2, r, { addr = { "10.1.0.2/24", false } })
r:link_set(l1.dev_b, { master = "red" })
r:link_set(l2.dev_b, { master = "blue" })
r:addr_add(l1.dev_b, "10.0.0.1/24")
r:addr_add(l2.dev_b, "10.1.0.1/24")
t1:gateway(r) t2:gateway(r)
lab:expect_reach(t1, "10.0.0.1")
lab:expect_unreachable(t1, "10.1.0.2", { timeout = 0.3 })
-- leak routes, each VRF's table toward the other's device
r:route_add { dst = "10.1.0.0/24", dev = l2.dev_b, table = 10 }
r:route_add { dst = "10.0.0.0/24", dev = l1.dev_b, table = 20 }
lab:expect_reach(t1, "10.1.0.2")
]])
		assert.equal(0, code, out .. err)
		assert.matches("ok 1 %- t1 reaches 10.0.0.1", out)
		assert.matches("ok 2 %- t1 cannot reach 10.1.0.2", out)
		assert.matches("ok 3 %- t1 reaches 10.1.0.2", out)
	end)

	it("lab:bond bonds two links; when the active one goes down the other carries the traffic #root #bond", function()
		if needs("bond") then return end
		local code, out, err = run("bond.lua", PRELUDE .. [[
local a, b = lab:node "a", lab:node "b"
local l1 = lab:link(a, b)
local l2 = lab:link(a, b)
print(lab:bond(a, { "eth0", "eth1" }, { addr = "10.0.0.1/24" }), lab:bond(b, { "eth0", "eth1" }, { addr = "10.0.0.2/24" }))
local d, l = info("a", "bond0")
print(d.mode, d.miimon, ({ info("a", "eth0") })[2].master)
local function active()
  local f = io.open("/dev/null") f:close()
  local p = io.popen("ip netns exec a cat /proc/net/bonding/bond0")
  local text = p:read("a") p:close()
  return text:match("Currently Active Slave: (%S+)")
end
lab:expect_reach(a, "10.0.0.2")
local first = active()
print("active", first)
-- the active member's wire is cut: the bond fails over (miimon notices within 100 ms)
;(first == "eth0" and l1 or l2):down()
print("failed over", lab:wait_until(function() return active() ~= first end, 5))
lab:expect_reach(a, "10.0.0.2", { timeout = 3 })
]])
		assert.equal(0, code, out .. err)
		assert.matches("^bond0\tbond0\nactive%-backup\t100\tbond0\n", out)
		assert.matches("\nactive\teth[01]\n", out)
		assert.matches("failed over\ttrue", out)
		assert.matches("ok 2 %- a reaches 10.0.0.2", out)
	end)

	it("lab:loopback puts a node's router id on a dummy, reached through a route #root #dummy", function()
		if needs("dummy") then return end
		local code, out, err = run("loop.lua", PRELUDE .. [[
local a, b = lab:node "a", lab:node "b"
lab:link(a, b, { addr = { "192.0.2.1/24", "192.0.2.2/24" } })
print(lab:loopback(b, "10.255.0.2/32"), lab:loopback(b, { "10.255.0.22/32", "fd00:ff::2/128" }))
local _, l = info("b", "loop0")
print(l.linkinfo.info_kind, #ipj("b", "addr show dev loop0")[1].addr_info)
a:route_add { dst = "10.255.0.2/32", via = "192.0.2.2" }
lab:expect_reach(a, "10.255.0.2")
]])
		assert.equal(0, code, out .. err)
		assert.matches("^loop0\tloop0\ndummy\t%d\n", out)
		assert.matches("ok 1 %- a reaches 10.255.0.2", out)
	end)

	it("the example 08-vrf-tenants passes #root #vrf", function()
		if needs("vrf") then return end
		local code, out, err = ws:run({ require("support.proc").root .. "/scripts/examples/08-vrf-tenants.lua" })
		assert.equal(0, code, out .. err)
		assert.matches("VRF red %(table 10%): 10.0.0.0/24 dev eth0, 10.0.1.0/24 dev eth1", out)
		assert.matches("VRF blue %(table 20%): 10.0.0.0/24 dev eth2, 10.0.1.0/24 dev eth3", out)
		assert.matches("\n5 passed, 0 failed", out)
	end)

	it("the example 07-vlan-trunk passes #root #bridge_vlan #vlan", function()
		if needs("bridge_vlan", "vlan") then return end
		local code, out, err = ws:run({ require("support.proc").root .. "/scripts/examples/07-vlan-trunk.lua" })
		assert.equal(0, code, out .. err)
		assert.matches("\n7 passed, 0 failed", out)
	end)

	it("lab:tunnel makes a wireguard: a key pair per end, each the other's peer, a handshake and traffic #root #wireguard", function()
		if needs("wireguard") then return end
		local code, out, err = run("wg.lua", PRELUDE .. [[
local a, b = lab:node "a", lab:node "b"
lab:link(a, b, { addr = { "192.0.2.1/24", "192.0.2.2/24" } })
local wa, wb = lab:tunnel(a, b, { kind = "wireguard", port = 51000, addr = { "10.99.0.1/30", "10.99.0.2/30" } })
print(wa, wb)
-- wg show as the oracle: the device's line (private, public, port, fwmark), then one per peer
-- (public, preshared, endpoint, allowed ips, latest handshake, rx, tx, keepalive)
local function dump(node, dev)
  local f = io.popen(("ip netns exec %s wg show %s dump"):format(node, dev))
  local rows = {}
  for line in f:lines() do
    local row = {}
    for field in line:gmatch("[^\t]+") do row[#row + 1] = field end
    rows[#rows + 1] = row
  end
  f:close()
  return rows
end
local A, B = dump("a", wa), dump("b", wb)
print("ports", A[1][3], B[1][3], #A, #B)
print("peers", A[2][1] == B[1][2], B[2][1] == A[1][2])
print("endpoints", A[2][3], B[2][3])
print("allowed", A[2][4], B[2][4])
lab:expect_reach(a, "10.99.0.2")
lab:expect_reach(b, "10.99.0.1")
A = dump("a", wa)
print("handshake", tonumber(A[2][5]) > 0, tonumber(A[2][7]) > 0)
local t = lab:describe(function(n) return n end).tunnels[1]
print("json", t.kind, t.port, t.a.public_key == A[1][2], t.behind_nat)
]])
		assert.equal(0, code, out .. err)
		assert.matches("^wg0\twg0\nports\t51000\t51000\t2\t2\npeers\ttrue\ttrue\n", out)
		assert.matches("\nendpoints\t192.0.2.2:51000\t192.0.2.1:51000\n", out)
		assert.matches("\nallowed\t10.99.0.2/32\t10.99.0.1/32\n", out)
		assert.matches("ok 1 %- a reaches 10.99.0.2", out)
		assert.matches("ok 2 %- b reaches 10.99.0.1", out)
		assert.matches("\nhandshake\ttrue\ttrue\n", out)
		assert.matches("\njson\twireguard\t51000\ttrue\tnil\n", out)
	end)

	it("the example 09-wireguard-nat passes: the far site learns the NATed end's address from its handshake #root #wireguard", function()
		if needs("wireguard") then return end
		local code, out, err = ws:run({ require("support.proc").root .. "/scripts/examples/09-wireguard-nat.lua" })
		assert.equal(0, code, out .. err)
		assert.matches("b sees a's peer at 203%.0%.113%.1:%d+ %(handshake done%)", out)
		assert.matches("tunnel wireguard: a %(192.168.1.10%) <%-> b %(203.0.113.2%), a is behind NAT", out)
		assert.matches("\n5 passed, 0 failed", out)
	end)
end)
