-- spec/link_kinds_spec.lua - link_add's kinds besides veth and bridge (dummy, vlan, macvlan, ipvlan,
-- vxlan, vrf, bond): each checked through `ip -j -d link show` (the oracle), links()'s readback
-- compared with ip's; their refusals; a kind the kernel lacks names its module. Traffic between
-- namespaces: a vxlan (id 42, none to id 43), vlans (10 and 20 in one subnet: only the tag
-- separates them; 802.1ad), an active-backup bond failing over (/proc/net/bonding the oracle), two
-- vrfs with overlapping tenants and a route leaked between them. Tests tagged #dummy, #vlan,
-- #ipvlan, #vrf, #bond run in the VM (scripts/test.sh --vm --tags=...).
local netns = require "netns"
local ip = require "support.ip"
local kernel = require "support.kernel"
local proc = require "support.proc"
local trace = require "netlab.trace"
local kinds = require "support.kinds"

local P = "t-lkk-"
local A, B = P .. "a", P .. "b"
local info, entry, refused = kinds.info, kinds.entry, kinds.refused

-- the state `ip -j -d link` shows, as one comparable string per namespace
local function state(...)
	local out = {}
	for _, n in ipairs { ... } do
		local names = {}
		for _, l in ipairs(ip.links(n)) do
			names[#names + 1] = l.ifname .. ":" .. tostring(ip.kind(l)) .. ":" .. tostring(l.master)
		end
		table.sort(names)
		out[#out + 1] = table.concat(names, " ")
	end
	return table.concat(out, " | ")
end

-- a's routes in vrf's table as `ip -j route show vrf NAME` shows them: "DST DEV", sorted
local function vrf_routes(vrf)
	local t = {}
	for _, r in ipairs(ip.ipj("-n", A, "route", "show", "vrf", vrf)) do t[#t + 1] = r.dst .. " " .. r.dev end
	table.sort(t)
	return t
end

-- the devices of a's routes to dst in table n, as `ip -j route show table N` shows them
local function table_devs(n, dst)
	local t = {}
	for _, r in ipairs(ip.ipj("-n", A, "route", "show", "table", tostring(n))) do
		if r.dst == dst then t[#t + 1] = r.dev end
	end
	return t
end

describe("link kinds", function()
	local a, b

	before_each(function()
		a, b = kinds.pair(netns, P)
	end)

	after_each(function()
		kinds.close(P, a, b)
	end)

	-- ---- macvlan and vxlan: this kernel has them --------------------------

	it("makes a macvlan on a parent, each mode, as ip shows it #root #macvlan", function()
		local why = kernel.lacks("macvlan") if why then pending(why) return end
		for i, mode in ipairs { "bridge", "private", "vepa", "passthru", "source" } do
			local name = "mv" .. i
			a:link_add(name, "macvlan", { link = "v0", mode = mode })
			local d, l = info(A, name)
			assert.equal("macvlan", ip.kind(l))
			assert.equal(mode, d.mode)
			assert.equal("v0", l.link)
			local e = entry(a, name)
			assert.same({ mode = mode, link = "v0" }, e.macvlan)
			-- passthru takes the parent whole: one at a time
			a:link_del(name)
		end
		-- the default mode is bridge
		a:link_add("mv0", "macvlan", { link = "v0" })
		assert.equal("bridge", (info(A, "mv0")).mode)
		assert.same({ mode = "bridge", link = "v0" }, entry(a, "mv0").macvlan)
		assert.same({ mode = "bridge", link = "v0" }, a:link("mv0").macvlan)
		-- moved away from its parent: ip shows the parent's namespace, links() no name of this one
		a:link_set("mv0", { ns = b })
		local _, l = info(B, "mv0")
		assert.is_not_nil(l.link_netnsid)
		assert.same({ mode = "bridge" }, entry(b, "mv0").macvlan)
		assert.same({ mode = "bridge" }, b:link("mv0").macvlan)
	end)

	it("makes a vxlan with every option, and links() reads back what ip shows #root #vxlan", function()
		local why = kernel.lacks("vxlan") if why then pending(why) return end
		a:link_add("vx0", "vxlan", { id = 42, remote = "192.0.2.1", ["local"] = "192.0.2.9", dev = "v0",
			port = 4790, learning = false, ttl = 10 })
		local d = info(A, "vx0")
		assert.same({ 42, "192.0.2.1", "192.0.2.9", "v0", 4790, false, 10 },
			{ d.id, d.remote, d["local"], d.link, d.port, d.learning, d.ttl })
		local e = entry(a, "vx0").vxlan
		assert.same({ id = d.id, remote = d.remote, ["local"] = d["local"], dev = d.link, port = d.port,
			learning = d.learning, ttl = d.ttl }, e)
		-- a multicast group, the default port (ip's 4789, not the kernel's 8472), VNI 0 and 2^24-1
		a:link_add("vx1", "vxlan", { id = 0, group = "239.1.1.1", dev = "v0" })
		d = info(A, "vx1")
		assert.same({ 0, "239.1.1.1", 4789 }, { d.id, d.group, d.port })
		e = entry(a, "vx1").vxlan
		assert.same({ 0, "239.1.1.1", 4789, "v0" }, { e.id, e.group, e.port, e.dev })
		assert.is_nil(e.remote)
		a:link_add("vx2", "vxlan", { id = 0xffffff, remote = "2001:db8::1", group = 7 })
		d = info(A, "vx2")
		assert.same({ 0xffffff, "2001:db8::1" }, { d.id, d.remote6 or d.remote })
		assert.equal("2001:db8::1", entry(a, "vx2").vxlan.remote)
		-- group = N is still the device group
		assert.equal("7", (select(2, info(A, "vx2"))).group)
	end)

	it("carries traffic through a vxlan with id 42 between two namespaces, not to another id #root #vxlan", function()
		local why = kernel.lacks("vxlan") if why then pending(why) return end
		kinds.joined(a, b, "vxlan", { id = 42 })	-- over the underlay 192.0.2.1 - .2
		a:addr_add("tn0", "10.10.0.1/24")
		b:addr_add("tn0", "10.10.0.2/24")
		assert.same({ 42, "192.0.2.2" }, { (info(A, "tn0")).id, (info(A, "tn0")).remote })
		assert.is_true(ip.can_ping(A, "10.10.0.2"))
		-- another VNI on one side: nothing gets through
		b:link_del("tn0")
		b:link_add("tn0", "vxlan", { id = 43, remote = "192.0.2.1", ["local"] = "192.0.2.2", up = true })
		b:addr_add("tn0", "10.10.0.2/24")
		assert.equal(43, (info(B, "tn0")).id)
		assert.is_false(ip.can_ping(A, "10.10.0.2", 1))
	end)

	-- ---- refusals, before anything is sent ---------------------------------

	it("refuses bad options naming the value, and changes nothing #root", function()
		local before = state(A)
		local e = refused({ "'id'", "'0'" }, a.link_add, a, "x0", "vlan", { link = "v0", id = 0 })
		assert.equal("id", e.arg)
		refused({ "'id'", "'4095'" }, a.link_add, a, "x0", "vlan", { link = "v0", id = 4095 })
		refused({ "vlan needs option 'link'" }, a.link_add, a, "x0", "vlan", { id = 5 })
		refused({ "'protocol'", "'802.1x'" }, a.link_add, a, "x0", "vlan", { link = "v0", id = 5, protocol = "802.1x" })
		refused({ "vxlan needs option 'id'" }, a.link_add, a, "x0", "vxlan", { remote = "192.0.2.1" })
		refused({ "vxlan needs option 'id'" }, a.link_add, a, "x0", "vxlan")
		refused({ "'16777216'" }, a.link_add, a, "x0", "vxlan", { id = 1 << 24 })
		refused({ "'remote' or option 'group', not both" }, a.link_add, a, "x0", "vxlan",
			{ id = 1, remote = "192.0.2.1", group = "239.1.1.1" })
		refused({ "'remote'", "'192.0.2.300'" }, a.link_add, a, "x0", "vxlan", { id = 1, remote = "192.0.2.300" })
		refused({ "vrf needs option 'table'" }, a.link_add, a, "x0", "vrf")
		refused({ "'table'", "'0'" }, a.link_add, a, "x0", "vrf", { table = 0 })
		e = refused({ "'mode'", "'fastest'", "active-backup" }, a.link_add, a, "x0", "bond", { mode = "fastest" })
		assert.equal("mode", e.arg)
		refused({ "'xmit_hash_policy'", "'layer9'" }, a.link_add, a, "x0", "bond", { xmit_hash_policy = "layer9" })
		refused({ "'mode'", "'l4'" }, a.link_add, a, "x0", "ipvlan", { link = "v0", mode = "l4" })
		refused({ "'mode'", "'bridged'" }, a.link_add, a, "x0", "macvlan", { link = "v0", mode = "bridged" })
		refused({ "unknown option 'miimonn' (did you mean 'miimon'?)" }, a.link_add, a, "x0", "bond", { miimonn = 100 })
		refused({ "unknown option 'tabel' (did you mean 'table'?)" }, a.link_add, a, "x0", "vrf", { tabel = 5 })
		refused({ "option 'id' is not an option of a dummy" }, a.link_add, a, "x0", "dummy", { id = 5 })
		refused({ "option 'table' is not an option of an ipvlan" }, a.link_add, a, "x0", "ipvlan", { link = "v0", table = 5 })
		refused({ "option 'peer' is not an option of a vxlan" }, a.link_add, a, "x0", "vxlan", { id = 1, peer = "y" })
		refused({ "kind 'geneve' is not one of veth, bridge, dummy, vlan" }, a.link_add, a, "x0", "geneve")
		assert.equal(before, state(A))
	end)

	it("refuses a parent that is not there, and makes nothing #root #macvlan", function()
		local why = kernel.lacks("macvlan") if why then pending(why) return end
		local before = state(A)
		local ok, err = pcall(a.link_add, a, "x0", "macvlan", { link = "nope" })
		assert.is_false(ok)
		assert.equal("ENODEV", err.code)
		assert.is_truthy(tostring(err):find("link nope not found", 1, true), tostring(err))
		ok, err = pcall(a.link_add, a, "x0", "vxlan", { id = 1, dev = "nope" })
		assert.is_false(ok)
		assert.is_truthy(tostring(err):find("dev nope not found", 1, true), tostring(err))
		assert.equal(before, state(A))
	end)

	it("names the module to load for a kind the kernel lacks, and leaves nothing #root", function()
		if not kernel.lacks("dummy") then pending("this kernel has dummy") return end
		local before = state(A)
		local ok, err = pcall(a.link_add, a, "d0", "dummy")
		assert.is_false(ok)
		assert.is_truthy(tostring(err):find("load the kernel module dummy", 1, true), tostring(err))
		assert.equal(before, state(A))
		if kernel.lacks("vlan") then
			ok, err = pcall(a.link_add, a, "vl0", "vlan", { link = "v0", id = 5 })
			assert.is_truthy(tostring(err):find("load the kernel module 8021q", 1, true), tostring(err))
		end
		if kernel.lacks("bond") then
			ok, err = pcall(a.link_add, a, "b0", "bond")
			assert.is_truthy(tostring(err):find("load the kernel module bonding", 1, true), tostring(err))
		end
		assert.equal(before, state(A))
	end)

	it("refuses a master that is not a bridge, bond or vrf #root", function()
		local ok, err = pcall(a.link_set, a, "v0", { master = "v1" })
		assert.is_false(ok)
		assert.is_truthy(tostring(err):find("master v1 is a veth, not a bridge, bond or vrf", 1, true), tostring(err))
	end)

	-- ---- --trace: the printed command builds the same ----------------------

	it("prints each new kind's link_add as an ip command that builds the same #root #vxlan #macvlan", function()
		local why = kernel.lacks("vxlan") or kernel.lacks("macvlan") if why then pending(why) return end
		local calls = {
			{ "mv0", "macvlan", { link = "v0", mode = "vepa" } },
			{ "vx0", "vxlan", { id = 9, group = "239.1.1.2", dev = "v0", learning = false, ttl = 4 } },
			{ "vx1", "vxlan", { id = 10, remote = "192.0.2.1", ["local"] = "192.0.2.2", port = 5000 } },
		}
		b:link_add("v0", "veth", { peer = "v1" })
		for _, c in ipairs(calls) do
			a:link_add(c[1], c[2], c[3])
			for _, line in ipairs(trace.formats.link_add(b, c[1], c[2], c[3])) do
				local _, code = proc.exec { "sh", "-c", line }
				assert.equal(0, code, line)
			end
			local da, la = info(A, c[1])
			local db, lb = info(B, c[1])
			assert.equal(ip.kind(la), ip.kind(lb))
			for _, k in ipairs { "mode", "id", "group", "remote", "local", "link", "port", "learning", "ttl" } do
				assert.equal(da[k], db[k], c[1] .. " " .. k)
			end
		end
	end)

	-- ---- the kinds this kernel lacks: in the VM -----------------------------

	it("makes a dummy #root #dummy", function()
		local why = kernel.lacks("dummy") if why then pending(why) return end
		a:link_add("d0", "dummy", { up = true, mtu = 9000 })
		local _, l = info(A, "d0")
		assert.equal("dummy", ip.kind(l))
		assert.equal(9000, l.mtu)
		assert.equal("dummy", entry(a, "d0").kind)
		assert.is_nil(entry(a, "d0").dummy)
	end)

	it("makes a vlan with its id and protocol, read back as ip shows it #root #vlan", function()
		local why = kernel.lacks("vlan") if why then pending(why) return end
		a:link_add("vl5", "vlan", { link = "v0", id = 5 })
		a:link_add("vl6", "vlan", { link = "v0", id = 4094, protocol = "802.1ad" })
		local d, l = info(A, "vl5")
		assert.same({ 5, "802.1Q", "v0" }, { d.id, d.protocol, l.link })
		assert.same({ id = 5, protocol = "802.1q", link = "v0" }, entry(a, "vl5").vlan)
		d, l = info(A, "vl6")
		assert.same({ 4094, "802.1ad", "v0" }, { d.id, d.protocol, l.link })
		assert.same({ id = 4094, protocol = "802.1ad", link = "v0" }, entry(a, "vl6").vlan)
	end)

	it("carries traffic between vlans of the same id, not across ids in one subnet #root #vlan", function()
		local why = kernel.lacks("vlan") if why then pending(why) return end
		a:link_set("v0", { ns = b })	-- b: v0, a: v1
		a:link_set("v1", { up = true })
		b:link_set("v0", { up = true })
		-- vlans 10 and 20 on each end, one subnet over both: only the tag keeps them apart. The
		-- vlan 10 routes come first; b's reply to a's vlan 20 address goes out of vlan 20 by a host
		-- route. b answers ARP only for the addresses of the device asked on (arp_ignore 1): else
		-- its vl10 would answer for vl20's address (Linux's addresses belong to the host).
		b:sysctl("net.ipv4.conf.all.arp_ignore", "1")
		for _, side in ipairs { { a, "v1", 1 }, { b, "v0", 2 } } do
			local ns, dev, n = side[1], side[2], side[3]
			ns:link_add("vl10", "vlan", { link = dev, id = 10, up = true })
			ns:link_add("vl20", "vlan", { link = dev, id = 20, up = true })
			ns:addr_add("vl10", ("10.5.0.%d/24"):format(n))
		end
		a:addr_add("vl20", "10.5.0.11/24")
		b:addr_add("vl20", "10.5.0.12/24")
		b:route_add { dst = "10.5.0.11/32", dev = "vl20" }
		assert.same({ 10, 20 }, { (info(B, "vl10")).id, (info(B, "vl20")).id })
		assert.is_true(kinds.can_ping_from(A, "vl10", "10.5.0.2"))
		assert.is_true(kinds.can_ping_from(A, "vl20", "10.5.0.12"))
		-- 10.5.0.12 is b's on vlan 20 only: a's vlan 10 does not reach it
		assert.is_false(kinds.can_ping_from(A, "vl10", "10.5.0.12", 1))
		-- 802.1ad (an S-tag) on both ends carries traffic too, and ip reads the protocol back
		a:link_add("ad30", "vlan", { link = "v1", id = 30, protocol = "802.1ad", up = true })
		b:link_add("ad30", "vlan", { link = "v0", id = 30, protocol = "802.1ad", up = true })
		a:addr_add("ad30", "10.30.0.1/24")
		b:addr_add("ad30", "10.30.0.2/24")
		assert.same({ 30, "802.1ad" }, { (info(B, "ad30")).id, (info(B, "ad30")).protocol })
		assert.is_true(ip.can_ping(A, "10.30.0.2"))
	end)

	it("makes an ipvlan in each mode #root #ipvlan", function()
		local why = kernel.lacks("ipvlan") if why then pending(why) return end
		for i, mode in ipairs { "l2", "l3", "l3s" } do
			a:link_add("ipv" .. i, "ipvlan", { link = "v0", mode = mode })
			assert.equal(mode, (info(A, "ipv" .. i)).mode)
			assert.same({ mode = mode, link = "v0" }, entry(a, "ipv" .. i).ipvlan)
		end
		a:link_add("ipv0", "ipvlan", { link = "v0" })
		assert.equal("l3", (info(A, "ipv0")).mode)
	end)

	it("makes a vrf with its table and enslaves a veth to it #root #vrf", function()
		local why = kernel.lacks("vrf") if why then pending(why) return end
		a:link_add("vrf1", "vrf", { table = 1001, up = true })
		assert.equal(1001, (info(A, "vrf1")).table)
		assert.same({ table = 1001 }, entry(a, "vrf1").vrf)
		a:link_set("v0", { master = "vrf1" })
		assert.equal("vrf1", (select(2, info(A, "v0"))).master)
		assert.equal("vrf1", entry(a, "v0").master)
		a:link_set("v0", { master = false })
		assert.is_nil((select(2, info(A, "v0"))).master)
		-- made enslaved, in the creating request
		a:link_add("v2", "veth", { peer = "v3", master = "vrf1" })
		assert.equal("vrf1", (select(2, info(A, "v2"))).master)
	end)

	it("makes a bond with its mode, miimon and hash policy, and enslaves veths #root #bond", function()
		local why = kernel.lacks("bond") if why then pending(why) return end
		a:link_add("bd0", "bond", { mode = "802.3ad", miimon = 50, xmit_hash_policy = "layer3+4" })
		local d = info(A, "bd0")
		assert.same({ "802.3ad", 50, "layer3+4" }, { d.mode, d.miimon, d.xmit_hash_policy })
		assert.same({ mode = "802.3ad", miimon = 50, xmit_hash_policy = "layer3+4" }, entry(a, "bd0").bond)
		assert.equal("IEEE 802.3ad Dynamic link aggregation", kinds.bonding(A, "bd0").mode)
		a:link_add("bd1", "bond")
		d = info(A, "bd1")
		assert.equal(d.mode, entry(a, "bd1").bond.mode)
		a:link_set("v0", { master = "bd0" })
		assert.equal("bd0", (select(2, info(A, "v0"))).master)
		assert.equal("bd0", entry(a, "v0").master)
		assert.is_not_nil(kinds.bonding(A, "bd0").slaves.v0)
	end)

	it("pings from an active-backup bond of two veths to a bridge, and again after it fails over #root #bond", function()
		local why = kernel.lacks("bond") if why then pending(why) return end
		a:link_del("v0")
		a:link_add("a1", "veth", { peer = "b1", peer_ns = b })
		a:link_add("a2", "veth", { peer = "b2", peer_ns = b })
		a:link_add("bd0", "bond", { mode = "active-backup", miimon = 100 })
		b:link_add("br0", "bridge", { up = true })
		for _, p in ipairs { "1", "2" } do
			a:link_set("a" .. p, { master = "bd0" })
			b:link_set("b" .. p, { master = "br0", up = true })
			a:link_set("a" .. p, { up = true })
		end
		a:link_set("bd0", { up = true })
		a:addr_add("bd0", "10.7.0.1/24")
		b:addr_add("br0", "10.7.0.2/24")
		assert.equal("bd0", (select(2, info(A, "a2"))).master)
		assert.is_true(ip.can_ping(A, "10.7.0.2"))
		-- miimon sees both members up within its 100 ms
		local bond = proc.wait_until(function()
			local bd = kinds.bonding(A, "bd0")
			return bd.slaves.a1 == "up" and bd.slaves.a2 == "up" and bd
		end)
		assert.is_truthy(bond, "bd0's members are not both up")
		assert.equal("fault-tolerance (active-backup)", bond.mode)
		local active = assert(bond.active, "no active slave")
		assert.equal(active, (info(A, "bd0")).active_slave)
		-- the active member goes down: once the bond has made the other active, pings get through
		a:link_set(active, { up = false })
		local now = kinds.failed_over(A, "bd0", active)
		assert.is_truthy(now, "bd0 did not fail over from " .. active)
		assert.equal(active == "a1" and "a2" or "a1", now)
		assert.equal("down", kinds.bonding(A, "bd0").slaves[active])
		assert.equal(now, (info(A, "bd0")).active_slave)
		assert.is_true(ip.can_ping(A, "10.7.0.2"))
	end)

	it("keeps overlapping tenants apart in two vrfs, and leaks a route between them #root #vrf", function()
		local why = kernel.lacks("vrf") if why then pending(why) return end
		-- a is the router R with 10.0.0.1/24 in both vrfs; b and c the tenants, 10.0.0.2/24 and
		-- 10.0.0.3/24: one subnet, each in its own vrf
		local c = netns.add(P .. "c")
		finally(function() c:close() end)
		local C = P .. "c"
		a:link_del("v0")
		a:sysctl("net.ipv4.ip_forward", "1")
		for _, t in ipairs { { 10, b, 2 }, { 20, c, 3 } } do
			local n, tenant = t[1], t[2]
			local vrf, dev = "vrf" .. n, "r" .. n
			a:link_add(vrf, "vrf", { table = n, up = true })
			a:link_add(dev, "veth", { peer = "t0", peer_ns = tenant, master = vrf, up = true })
			a:addr_add(dev, "10.0.0.1/24")
			tenant:link_set("t0", { up = true })
			tenant:addr_add("t0", ("10.0.0.%d/24"):format(t[3]))
			tenant:route_add { dst = "default", via = "10.0.0.1" }
			assert.equal(vrf, (select(2, info(A, dev))).master)
			assert.same({ "10.0.0.0/24 " .. dev }, vrf_routes(vrf))
		end
		-- 172.16.20.1 lives in vrf20 only
		a:addr_add("r20", "172.16.20.1/32")
		assert.is_true(ip.can_ping(B, "10.0.0.1"))
		assert.is_true(ip.can_ping(C, "10.0.0.1"))
		assert.is_true(ip.can_ping(C, "172.16.20.1"))
		assert.is_false(ip.can_ping(B, "172.16.20.1", 1))
		-- one subnet, but c is not on b's wire
		assert.is_false(ip.can_ping(B, "10.0.0.3", 1))
		-- the leak: vrf10's table sends 172.16.20.1 into vrf20, and vrf20's sends b's address back
		-- into vrf10 (without it the reply would look for 10.0.0.2 on c's side)
		a:route_add { dst = "172.16.20.1/32", dev = "vrf20", table = 10 }
		a:route_add { dst = "10.0.0.2/32", dev = "vrf10", table = 20 }
		assert.same({ "10.0.0.0/24 r10", "172.16.20.1 vrf20" }, vrf_routes("vrf10"))
		assert.same({ "vrf20" }, table_devs(10, "172.16.20.1"))
		assert.same({ "vrf10" }, table_devs(20, "10.0.0.2"))
		assert.is_true(ip.can_ping(B, "172.16.20.1"))
		-- c keeps its own: R's address and 172.16.20.1
		assert.is_true(ip.can_ping(C, "10.0.0.1"))
		assert.is_true(ip.can_ping(C, "172.16.20.1"))
	end)
end)
