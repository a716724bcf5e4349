-- spec/bridge_vlan_spec.lua - VLAN-aware bridges: link_add's vlan_filtering, default_pvid and
-- vlan_protocol (read back by `ip -d -j link show`), bridge_vlan_add/del (checked by
-- `bridge -j vlan show`, which bridge_vlans() must agree with), their refusals and trace lines;
-- the lab's VLAN-aware bridges, access and trunk ports and trunks between two bridges, checked by
-- real traffic (ping between namespaces in one subnet: only the VLANs keep them apart). Tests
-- tagged #bridge_vlan run in the VM (scripts/test.sh --vm --tags=bridge_vlan).
local netns = require "netns"
local ip = require "support.ip"
local json = require "support.json"
local kernel = require "support.kernel"
local proc = require "support.proc"
local trace = require "netlab.trace"

local P = "t-bv-"
local A = P .. "a"

local ws = require("support.netlab").workspace("bv")

-- `bridge -j vlan show` in namespace ns, as bridge_vlans() gives it
local function oracle(ns, dev)
	local argv = { "bridge", "-j", "-n", ns, "vlan", "show" }
	if dev then
		argv[#argv + 1] = "dev"
		argv[#argv + 1] = dev
	end
	local out, code = proc.exec(argv)
	assert(code == 0, "bridge vlan show failed: " .. tostring(out))
	local list = out:match("^%s*$") and {} or json.decode(out)
	local res = {}
	for _, d in ipairs(list) do
		local vlans = {}
		for _, v in ipairs(d.vlans or {}) do
			local e = { vlan = v.vlan }
			for _, f in ipairs(v.flags or {}) do
				if f == "PVID" then e.pvid = true end
				if f == "Egress Untagged" then e.untagged = true end
			end
			assert(not v.vlanEnd, "a range in bridge's output")
			vlans[#vlans + 1] = e
		end
		res[#res + 1] = { ifname = d.ifname, vlans = vlans }
	end
	return res
end

local function names(ns)
	local t = {}
	for _, l in ipairs(ip.links(ns)) do t[#t + 1] = l.ifname .. ":" .. tostring(l.master) end
	table.sort(t)
	return table.concat(t, " ")
end

-- call f(...); it must raise an error value of code (EINVAL) whose message has each of the words
local function refused(words, f, ...)
	local ok, err = pcall(f, ...)
	assert.is_false(ok, "not refused")
	assert.equal("table", type(err), tostring(err))
	local msg = tostring(err)
	for _, w in ipairs(words) do
		assert.is_truthy(msg:find(w, 1, true), ("'%s' not in: %s"):format(w, msg))
	end
	return err
end

local function entry(ns, name)
	for _, l in ipairs(ns:links()) do
		if l.name == name then return l end
	end
	return nil
end

-- run a lab script with the netlab interpreter: exit code, stdout, stderr
local function run(name, text)
	return ws:run({ ws:write(name, text) })
end

describe("bridge VLANs", function()
	local a

	teardown(function() ws:cleanup() end)

	before_each(function()
		a = netns.add(A)
		a:link_add("br0", "bridge", { up = true })
		a:link_add("v0", "veth", { peer = "v1", master = "br0" })
		a:link_add("w0", "veth", { peer = "w1" })
	end)

	after_each(function()
		a:close()
		ip.cleanup(P)
	end)

	-- ---- natively: refused before anything is sent ---------------------------

	it("refuses bad VLAN input naming the value, and sends nothing #root", function()
		local before, vlans = names(A), a:bridge_vlans()
		for _, c in ipairs {
			{ 0, "'0'" }, { 4095, "'4095'" }, { 5000, "'5000'" }, { 10.5, "'10.5'" }, { -1, "'-1'" },
			{ { 10, 4095 }, "vids[2] must be an integer in 1..4094 (a VLAN id), not '4095'" },
			{ { 10, "20" }, "vids[2]" }, { {}, "vids is an empty list" }, { "10", "not string" },
		} do
			local e = refused({ c[2] }, a.bridge_vlan_add, a, "v0", c[1])
			assert.equal("EINVAL", e.code)
			assert.equal("vids", e.arg)
			e = refused({ c[2] }, a.bridge_vlan_del, a, "v0", c[1])
			assert.equal("EINVAL", e.code)
		end
		local e = refused({ "option 'pvid' must be a boolean, not string" }, a.bridge_vlan_add, a, "v0", 10, { pvid = "yes" })
		assert.equal("pvid", e.arg)
		refused({ "option 'untagged' must be a boolean" }, a.bridge_vlan_add, a, "v0", 10, { untagged = 1 })
		refused({ "unknown option 'pvdi'" }, a.bridge_vlan_add, a, "v0", 10, { pvdi = true })
		refused({ "option 'pvid' goes with one vid, not 2" }, a.bridge_vlan_add, a, "v0", { 10, 11 }, { pvid = true })
		refused({ "takes no options" }, a.bridge_vlan_del, a, "v0", 10, { pvid = true })
		-- a device that is no bridge and no bridge's port: the kernel's own code, and why
		e = refused({ "dev w0 is not a bridge or a bridge's port" }, a.bridge_vlan_add, a, "w0", 10)
		assert.equal("EOPNOTSUPP", e.code)
		e = refused({ "dev nope not found in " .. A }, a.bridge_vlan_add, a, "nope", 10)
		assert.equal("ENODEV", e.code)
		-- the bridge's own options
		e = refused({ "option 'vlan_filtering' must be a boolean" }, a.link_add, a, "br1", "bridge", { vlan_filtering = 1 })
		assert.equal("EINVAL", e.code)
		refused({ "option 'default_pvid' must be an integer in 0..4094, not '4095'" }, a.link_add, a, "br1", "bridge",
			{ default_pvid = 4095 })
		refused({ "option 'vlan_protocol' '802.1x' is not one of 802.1q, 802.1ad" }, a.link_add, a, "br1", "bridge",
			{ vlan_protocol = "802.1x" })
		refused({ "option 'id' is not an option of a bridge" }, a.link_add, a, "br1", "bridge", { id = 5 })
		refused({ "unknown option 'vlan_filter' (did you mean 'vlan_filtering'?)" }, a.link_add, a, "br1", "bridge",
			{ vlan_filter = true })
		refused({ "option 'vlan_filtering' must be a boolean" }, a.link_set, a, "br0", { vlan_filtering = "on" })
		e = refused({ "w0 is a veth, not a bridge" }, a.link_set, a, "w0", { vlan_filtering = true })
		assert.equal("EOPNOTSUPP", e.code)
		assert.equal(before, names(A))
		assert.same(vlans, a:bridge_vlans())
	end)

	it("names what a kernel without bridge VLAN filtering lacks, and leaves nothing #root", function()
		if not kernel.lacks("bridge_vlan") then pending("this kernel filters VLANs on bridges") return end
		local before = names(A)
		local e = refused({ "the kernel's bridge has no VLAN filtering (kernel module bridge built with CONFIG_BRIDGE_VLAN_FILTERING)" },
			a.link_add, a, "br1", "bridge", { vlan_filtering = true })
		assert.equal("EOPNOTSUPP", e.code)
		assert.equal(before, names(A))
		-- a plain bridge still reads back as one that does not filter
		assert.same({ vlan_filtering = false }, entry(a, "br0").bridge)
	end)

	it("prints link_add, link_set and bridge_vlan_add/del as ip and bridge commands #root", function()
		assert.same({ ("ip -n %s link add br1 up type bridge vlan_filtering 1 vlan_protocol 802.1ad vlan_default_pvid 0"):format(A) },
			trace.formats.link_add(a, "br1", "bridge", { up = true, vlan_filtering = true, vlan_protocol = "802.1ad", default_pvid = 0 }))
		assert.same({ ("ip -n %s link set br0 type bridge vlan_filtering 0"):format(A) },
			trace.formats.link_set(a, "br0", { vlan_filtering = false }))
		assert.same({
			("bridge -n %s vlan add dev v0 vid 10-12 untagged"):format(A),
			("bridge -n %s vlan add dev v0 vid 20 untagged"):format(A),
		}, trace.formats.bridge_vlan_add(a, "v0", { 20, 12, 10, 11 }, { untagged = true }))
		assert.same({ ("bridge -n %s vlan add dev v0 vid 30 pvid untagged"):format(A) },
			trace.formats.bridge_vlan_add(a, "v0", 30, { pvid = true, untagged = true }))
		-- on the bridge itself: self, as the request says
		assert.same({ ("bridge -n %s vlan add dev br0 vid 10 self"):format(A) }, trace.formats.bridge_vlan_add(a, "br0", 10))
		assert.same({ ("bridge -n %s vlan del dev v0 vid 1"):format(A), ("bridge -n %s vlan del dev v0 vid 5-6"):format(A) },
			trace.formats.bridge_vlan_del(a, "v0", { 6, 1, 5 }))
		assert.same({ "bridge vlan add dev v0 vid 7" }, trace.formats.bridge_vlan_add(netns.host(), "v0", 7))
	end)

	-- ---- the lab: mistakes at the user's line, natively ---------------------------

	it("lab: refuses VLAN mistakes at the user's line, naming the value #root", function()
		local code, out, err = run("mistakes.lua", [[
local function refused(f)
  local ok, e = pcall(f)
  assert(not ok, "accepted")
  print(e)
end
local h1, h2 = lab:node "h1", lab:node "h2"
local plain = lab:bridge "plain"
refused(function() lab:bridge("sw", { vlan_filtering = "yes" }) end)
refused(function() lab:bridge("sw", { vlan_filter = true }) end)
refused(function() lab:link(h1, plain, { pvid = 10, untagged = true }) end)
refused(function() lab:link(h1, h2, { vlans = { 10 } }) end)
refused(function() lab:link(h1, plain, { pvid = 4095 }) end)
refused(function() lab:link(h1, plain, { vlans = { 10, 5000 } }) end)
refused(function() lab:link(h1, plain, { vlans = 0 }) end)
refused(function() lab:link(h1, plain, { pvid = 10, untagged = { 10, 20 } }) end)
refused(function() lab:link(h1, plain, { untagged = true }) end)
refused(function() lab:link(plain, h1) end)
refused(function() lab:link(plain, lab:bridge "other", { addr = "10.0.0.1/24" }) end)
print(#lab.links, io.popen("ip -br link"):read("a"):find("h1", 1, true) == nil)
]])
		assert.equal(0, code, err)
		local f = ws.dir .. "/mistakes.lua"
		assert.equal(table.concat({
			f .. ":8: netlab: bridge: option 'vlan_filtering' must be true or false, not 'yes'",
			f .. ":9: netlab: bridge: unknown option 'vlan_filter' (did you mean 'vlan_filtering'?)",
			f .. ":10: netlab: link: bridge plain filters no VLANs: make it with lab:bridge(\"plain\", { vlan_filtering = true })",
			f .. ":11: netlab: link: options 'vlans', 'pvid' and 'untagged' are for a link to a VLAN-aware bridge, not between two nodes",
			f .. ":12: netlab: link: option 'pvid' must be a VLAN id (an integer in 1..4094), not '4095'",
			f .. ":13: netlab: link: option 'vlans' holds '5000', not a VLAN id (an integer in 1..4094)",
			f .. ":14: netlab: link: option 'vlans' must be a VLAN id (an integer in 1..4094) or a list of them, not '0'",
			f .. ":15: netlab: link: untagged VLAN 20 is not a member of the port (option 'vlans' or 'pvid')",
			f .. ":16: netlab: link: option 'untagged' = true means the pvid, and there is no option 'pvid'",
			f .. ":17: netlab: link: a link from a bridge goes to another bridge, not node h1",
			f .. ":18: netlab: link: option 'addr' is not for a link between two bridges",
			"0\ttrue",
		}, "\n") .. "\n", out)
	end)

	it("lab: a link between two bridges carries traffic, and goes with the lab #root", function()
		local code, out, err = run("trunk0.lua", [[
local sw1, sw2 = lab:bridge "sw1", lab:bridge "sw2"
local h1, h2 = lab:node "h1", lab:node "h2"
lab:link(h1, sw1, { addr = "10.0.0.1/24" })
lab:link(h2, sw2, { addr = "10.0.0.2/24" })
local t = lab:link(sw1, sw2)
print(t.dev_a, t.dev_b)
print(io.popen("ip -j link show master sw1"):read("a"))
print(io.popen("ip -j link show master sw2"):read("a"))
print(os.execute("ip netns exec h1 ping -n -c1 -i0.2 -w10 10.0.0.2 >/dev/null"))
t:down()
print(os.execute("ip netns exec h1 ping -n -c1 -W1 10.0.0.2 >/dev/null"))
t:up()
print(os.execute("ip netns exec h1 ping -n -c1 -i0.2 -w10 10.0.0.2 >/dev/null"))
]])
		assert.equal(0, code, err)
		local lines = {}
		for l in out:gmatch("[^\n]+") do lines[#lines + 1] = l end
		assert.equal("sw2-0\tsw1-0", lines[1])
		local function has(list, name)
			for _, l in ipairs(json.decode(list)) do
				if l.ifname == name then return true end
			end
			return false
		end
		assert.is_true(has(lines[2], "sw2-0"), lines[2])
		assert.is_true(has(lines[3], "sw1-0"), lines[3])
		assert.equal("true\texit\t0", lines[4])
		assert.equal("nil\texit\t1", lines[5])
		assert.equal("true\texit\t0", lines[6])
	end)

	it("lab: a --host lab removes its link between two bridges, and so does netlab clean after a crash #root", function()
		finally(function() os.remove("/run/netlab/t-bv-crash.journal") end)
		local code, out, err = ws:run({ "--host", "--name", "t-bv-host", "-e",
			'local t = lab:link(lab:bridge "t-bv-s1", lab:bridge "t-bv-s2") print(t.dev_a, t.dev_b)' })
		assert.equal(0, code, (out or "") .. (err or ""))
		assert.equal("t-bv-s2-0\tt-bv-s1-0\n", out)
		assert.equal("lo:nil", names(nil))
		-- what a crash leaves: the journal's lines and the devices they name
		ip.ip("link", "add", "t-bv-s1", "type", "bridge")
		ip.ip("link", "add", "t-bv-s2-0", "type", "veth", "peer", "name", "t-bv-s1-0")
		ip.ip("link", "set", "t-bv-s2-0", "master", "t-bv-s1")
		local function index(name) return ip.link(nil, name).ifindex end
		proc.write("/run/netlab/t-bv-crash.journal", table.concat({
			"want bridge t-bv-s1", "bridge t-bv-s1 " .. index("t-bv-s1"),
			"hostend t-bv-s2-0 " .. index("t-bv-s2-0") .. " pair", "hostend t-bv-s1-0 " .. index("t-bv-s1-0") .. " pair", "" }, "\n"))
		code, out, err = ws:run({ "clean", "t-bv-crash" })
		assert.equal(0, code, (out or "") .. (err or ""))
		assert.is_truthy(out:find("removed interface t-bv-s1-0", 1, true), out)	-- and its peer with it
		assert.equal("lo:nil", names(nil))
	end)

	-- ---- in the VM: the kernel filters ---------------------------------------------

	it("makes a VLAN-aware bridge in one request; ip and links() read it back; link_set toggles it #root #bridge_vlan", function()
		local why = kernel.lacks("bridge_vlan") if why then pending(why) return end
		a:link_add("br1", "bridge", { vlan_filtering = true, default_pvid = 0, vlan_protocol = "802.1ad" })
		local d = ip.link(A, "br1").linkinfo.info_data
		assert.equal(1, d.vlan_filtering)
		assert.equal(0, d.vlan_default_pvid)
		assert.equal("802.1ad", d.vlan_protocol)
		assert.same({ vlan_filtering = true, default_pvid = 0, vlan_protocol = "802.1ad" }, entry(a, "br1").bridge)
		-- a plain bridge: the kernel's defaults
		d = ip.link(A, "br0").linkinfo.info_data
		assert.equal(0, d.vlan_filtering)
		assert.same({ vlan_filtering = false, default_pvid = d.vlan_default_pvid, vlan_protocol = "802.1q" }, entry(a, "br0").bridge)
		a:link_set("br0", { vlan_filtering = true, mtu = 1400 })
		local l = ip.link(A, "br0")
		assert.equal(1, l.linkinfo.info_data.vlan_filtering)
		assert.equal(1400, l.mtu)
		assert.is_true(a:link("br0").bridge.vlan_filtering)
		a:link_set("br1", { vlan_filtering = false })
		assert.equal(0, ip.link(A, "br1").linkinfo.info_data.vlan_filtering)
		assert.is_false(a:link("br1").bridge.vlan_filtering)
	end)

	it("adds and deletes VLANs of a port and of the bridge itself as bridge vlan shows them #root #bridge_vlan", function()
		local why = kernel.lacks("bridge_vlan") if why then pending(why) return end
		a:link_set("br0", { vlan_filtering = true })
		-- the kernel's default: VLAN 1, PVID, untagged, on the bridge and its port
		assert.same({ { ifname = "br0", vlans = { { vlan = 1, pvid = true, untagged = true } } },
			{ ifname = "v0", vlans = { { vlan = 1, pvid = true, untagged = true } } } }, oracle(A))
		assert.same(oracle(A), a:bridge_vlans())
		a:bridge_vlan_add("v0", { 20, 10, 11, 12, 40, 12 })
		a:bridge_vlan_add("v0", 30, { pvid = true, untagged = true })
		a:bridge_vlan_add("v0", { 50, 51 }, { untagged = true })
		a:bridge_vlan_add("br0", 10)
		local want = {
			{ ifname = "br0", vlans = { { vlan = 1, pvid = true, untagged = true }, { vlan = 10 } } },
			{ ifname = "v0", vlans = { { vlan = 1, untagged = true }, { vlan = 10 }, { vlan = 11 }, { vlan = 12 },
				{ vlan = 20 }, { vlan = 30, pvid = true, untagged = true }, { vlan = 40 },
				{ vlan = 50, untagged = true }, { vlan = 51, untagged = true } } },
		}
		assert.same(want, oracle(A))
		assert.same(want, a:bridge_vlans())
		assert.same(oracle(A, "v0"), a:bridge_vlans("v0"))
		assert.same({ want[1] }, a:bridge_vlans("br0"))
		assert.same({}, a:bridge_vlans("w0"))
		a:bridge_vlan_del("v0", { 1, 11, 12, 40, 51 })
		a:bridge_vlan_del("br0", 10)
		want = {
			{ ifname = "br0", vlans = { { vlan = 1, pvid = true, untagged = true } } },
			{ ifname = "v0", vlans = { { vlan = 10 }, { vlan = 20 }, { vlan = 30, pvid = true, untagged = true },
				{ vlan = 50, untagged = true } } },
		}
		assert.same(want, oracle(A))
		assert.same(want, a:bridge_vlans())
		-- a VLAN the port is not in: gone already, as the kernel (and bridge vlan del) has it
		a:bridge_vlan_del("v0", 99)
		assert.same(want, oracle(A))
		-- every vid at once: one request, ranges
		a:bridge_vlan_add("v0", (function() local t = {} for i = 1, 4094 do t[i] = i end return t end)())
		assert.equal(4094, #oracle(A, "v0")[1].vlans)
		assert.same(oracle(A), a:bridge_vlans())
	end)

	it("lab: access ports of VLANs 10 and 20 on one bridge, a trunk to a second, a tagged node port #root #bridge_vlan", function()
		local why = kernel.lacks("bridge_vlan") if why then pending(why) return end
		local code, out, err = run("vlans.lua", [[
local function ping(from, to, must)
  local cmd = must and "ping -n -c1 -i0.2 -w10 " or "ping -n -c1 -W1 "
  local ok = os.execute(("ip netns exec %s %s%s >/dev/null"):format(from, cmd, to))
  print(("%s -> %s %s"):format(from, to, ok and "reached" or "not reached"))
end
local sw1 = lab:bridge("sw1", { vlan_filtering = true })
local sw2 = lab:bridge("sw2", { vlan_filtering = true })
local h = {}
for i = 1, 6 do h[i] = lab:node("h" .. i) end
-- one subnet: only the VLANs keep them apart
lab:link(h[1], sw1, { pvid = 10, untagged = true, addr = "10.0.0.1/24" })
lab:link(h[2], sw1, { pvid = 10, untagged = true, addr = "10.0.0.2/24" })
lab:link(h[3], sw1, { pvid = 20, untagged = { 20 }, addr = "10.0.0.3/24" })
lab:link(h[4], sw1, { pvid = 20, untagged = true, addr = "10.0.0.4/24" })
lab:link(sw1, sw2, { vlans = { 10, 20 } })
lab:link(h[5], sw2, { pvid = 10, untagged = true, addr = "10.0.0.5/24" })
lab:link(h[6], sw2, { pvid = 20, untagged = true, addr = "10.0.0.6/24" })
-- a node on a trunk port, tagging itself
local t = lab:node "t"
lab:link(t, sw2, { vlans = { 10, 20 } })
t:link_add("eth0.10", "vlan", { link = "eth0", id = 10, up = true })
t:addr_add("eth0.10", "10.0.0.9/24")
print(io.popen("bridge -j vlan show"):read("a"))
ping("h1", "10.0.0.2", true)
ping("h3", "10.0.0.4", true)
ping("h1", "10.0.0.3")
ping("h1", "10.0.0.5", true)
ping("h3", "10.0.0.6", true)
ping("h1", "10.0.0.6")
ping("t", "10.0.0.1", true)
ping("t", "10.0.0.3")
local d = lab:describe(function(name) return name or "host" end)
print((require("netlab.describe").json(d):gsub("\n", " ")))
print((require("netlab.dot").render(d):gsub("\n", " ")))
]])
		assert.equal(0, code, err .. out)
		local lines = {}
		for l in out:gmatch("[^\n]+") do lines[#lines + 1] = l end
		assert.equal(11, #lines, out)
		-- the ports as the kernel has them
		local ports = {}
		for _, d in ipairs(json.decode(lines[1])) do
			local t = {}
			for _, v in ipairs(d.vlans) do
				local f = {}
				for _, x in ipairs(v.flags or {}) do f[#f + 1] = x end
				t[#t + 1] = v.vlan .. (#f > 0 and ("(" .. table.concat(f, ",") .. ")") or "")
			end
			ports[d.ifname] = table.concat(t, " ")
		end
		assert.equal("10(PVID,Egress Untagged)", ports["h1-0"])
		assert.equal("20(PVID,Egress Untagged)", ports["h3-0"])
		assert.equal("10 20", ports["sw2-0"])	-- the trunk, on sw1 (named after sw2) and on sw2
		assert.equal("10 20", ports["sw1-0"])
		assert.equal("10 20", ports["t-0"])
		assert.same({
			"h1 -> 10.0.0.2 reached", "h3 -> 10.0.0.4 reached", "h1 -> 10.0.0.3 not reached",
			"h1 -> 10.0.0.5 reached", "h3 -> 10.0.0.6 reached", "h1 -> 10.0.0.6 not reached",
			"t -> 10.0.0.1 reached", "t -> 10.0.0.3 not reached",
		}, { table.unpack(lines, 2, 9) })
		-- --json: the bridges' filtering, each port's VLANs; graph: the VLANs on the edges
		local d = json.decode(lines[10])
		for _, b in ipairs(d.bridges) do assert.is_true(b.vlan_filtering, b.name) end
		local by = {}
		for _, l in ipairs(d.links) do by[l.dev_b or l.b.dev] = l.vlans end
		assert.same({ pvid = 10, untagged = { 10 } }, by["h1-0"])
		assert.same({ vlans = { 10, 20 } }, by["sw1-0"])
		assert.same({ vlans = { 10, 20 } }, by["t-0"])
		local dot = lines[11]
		assert.is_truthy(dot:find('"h1" -- "bridge:sw1" [taillabel="eth0\\n10.0.0.1/24", headlabel="h1-0", label="vlan 10"]', 1, true), dot)
		assert.is_truthy(dot:find('"bridge:sw1" -- "bridge:sw2" [taillabel="sw2-0", headlabel="sw1-0", label="10,20"]', 1, true), dot)
	end)

	it("lab: --trace of a VLAN lab, replayed by a shell in a fresh namespace, builds the same VLANs #root #bridge_vlan", function()
		local why = kernel.lacks("bridge_vlan") if why then pending(why) return end
		-- the lab's host's bridges, ports and VLANs: what the replay must build again
		local dump = ws:write("dump.sh", [=[
{ ip -j -d link show; echo; bridge -j vlan show; echo; ip -n t -j -d link show; } >"$1"
]=])
		local script = ws:write("tracelab.lua", ([=[
local sw1 = lab:bridge("sw1", { vlan_filtering = true })
local sw2 = lab:bridge("sw2", { vlan_filtering = true })
lab:link(lab:node "h1", sw1, { pvid = 10, untagged = true, addr = "10.0.0.1/24" })
lab:link(sw1, sw2, { vlans = { 10, 20 } })
local t = lab:node "t"
lab:link(t, sw2, { vlans = { 10, 20, 30, 31, 32 }, pvid = 40, untagged = { 30 } })
t:link_add("eth0.10", "vlan", { link = "eth0", id = 10, up = true })
io.stderr:write("=== built\n")
assert(os.execute("sh %s %s"))
]=]):format(dump, ws.dir .. "/built"))
		local code, out, err = ws:run({ "--trace", script })
		assert.equal(0, code, (out or "") .. (err or ""))
		local trace = assert(err:match("^(.-)=== built\n"), err)
		local lines = {}
		for line in trace:gmatch("[^\n]+") do
			assert.truthy(line:match("^%+ "), "not a trace line: " .. line)
			lines[#lines + 1] = line:sub(3)
		end
		assert.is_truthy(trace:find("vlan_filtering 1", 1, true), trace)
		assert.is_truthy(trace:find("bridge vlan add dev t-0 vid 31-32\n+ bridge vlan add dev t-0 vid 30 untagged\n+ bridge vlan add dev t-0 vid 40 pvid\n", 1, true), trace)
		local replay = ws:write("replay.sh", "set -e\n" .. table.concat(lines, "\n") .. "\n")
		local rout, rcode = proc.exec({ "unshare", "--net", "--mount", "--propagation", "private", "sh", "-c",
			("mount -t tmpfs bv-replay /run/netns && bash %s && sh %s %s"):format(proc.quote(replay), proc.quote(dump),
				proc.quote(ws.dir .. "/again")) }, true)
		assert.equal(0, rcode, rout)
		-- names, kinds, masters, a bridge's filtering; every port's VLANs
		local function state(path)
			local parts, out = {}, {}
			for part in proc.read(path):gmatch("[^\n]+") do parts[#parts + 1] = json.decode(part) end
			for _, i in ipairs { 1, 3 } do
				for _, l in ipairs(parts[i]) do
					local info = l.linkinfo or {}
					out[#out + 1] = ("%d %s %s %s %s"):format(i, l.ifname, tostring(info.info_kind), tostring(l.master),
						tostring(info.info_data and info.info_data.vlan_filtering))
				end
			end
			table.sort(out)
			return out, parts[2]
		end
		local want_links, want_vlans = state(ws.dir .. "/built")
		local got_links, got_vlans = state(ws.dir .. "/again")
		assert.same(want_links, got_links)
		assert.same(want_vlans, got_vlans)
		assert.is_true(#want_vlans >= 4)
	end)
end)
