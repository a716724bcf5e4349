-- spec/link_spec.lua - links: veth and bridge creation, link_set, link_del, links() and link().
local netns = require "netns"
local ip = require "support.ip"
local proc = require "support.proc"

local P = "t-lk-"
local A, B = P .. "a", P .. "b"

-- What differs between one entry of links()/link() and the same device in
-- `ip -j -d link`, or nil.
local function mismatch(l, ipl)
	if not ipl then
		return "ip does not show " .. tostring(l and l.name)
	end
	local flags = ip.flags(ipl)
	local want = {
		index = ipl.ifindex, name = ipl.ifname, mtu = ipl.mtu, address = ipl.address,
		operstate = ipl.operstate, up = flags.UP == true, carrier = flags.LOWER_UP == true,
		master = ipl.master, kind = ip.kind(ipl), qdisc = ipl.qdisc,
	}
	for k, v in pairs(want) do
		if l[k] ~= v then
			return string.format("%s: %s is %s, ip says %s", ipl.ifname, k, tostring(l[k]), tostring(v))
		end
	end
	return nil
end

-- Compare get() (one entry or the list) with ip's view of ns. Operstate and
-- carrier follow changes asynchronously (linkwatch): retry until they agree.
local function assert_like_ip(ns, get, name)
	local why
	proc.wait_until(function()
		local ip = ip.links(ns)
		local byname = {}
		for _, l in ipairs(ip) do
			byname[l.ifname] = l
		end
		if name then
			why = mismatch(get(), byname[name])
			return not why
		end
		local links = get()
		if #links ~= #ip then
			why = string.format("%d links, ip shows %d", #links, #ip)
			return false
		end
		for _, l in ipairs(links) do
			why = mismatch(l, byname[l.name])
			if why then
				return false
			end
		end
		return true
	end)
	assert.is_nil(why)
end

-- wait for the operstate ip reports for a device to be one of want's
-- ("DOWN|LOWERLAYERDOWN"); return it
local function operstate(ns, name, want)
	local got
	proc.wait_until(function()
		got = ip.link(ns, name).operstate
		return ("|" .. want .. "|"):find("|" .. got .. "|", 1, true)
	end)
	return got
end

describe("links", function()
	local a, b

	before_each(function()
		a = netns.add(A)
		b = netns.add(B)
	end)

	after_each(function()
		a:close()
		b:close()
		ip.cleanup(P)
	end)

	it("places the veth peer directly in the other namespace #root", function()
		a:link_add("veth-a", "veth", { peer = "veth-b", peer_ns = b })
		local va = ip.link(A, "veth-a")
		assert.equal("veth", ip.kind(va))
		assert.is_nil(ip.link(A, "veth-b"))
		local vb = ip.link(B, "veth-b")
		assert.equal("veth", ip.kind(vb))
		assert.is_nil(ip.link(B, "veth-a"))
		-- each end points at the other: the peer index in another namespace
		assert.equal(vb.ifindex, va.link_index)
		assert.equal(va.ifindex, vb.link_index)
		assert.is_not_nil(va.link_netnsid)
	end)

	it("never shows the veth peer in the creating namespace, not even for a moment #root", function()
		local log = proc.tmpname("lk-monitor")
		finally(function() os.remove(log) end)
		-- watch A's link events while the pair is made
		local pid = proc.exec({ "sh", "-c", 'ip -n "$1" monitor link >"$2" 2>&1 & echo $!', "sh", A, log })
		pid = assert(pid:match("%d+"))
		local function seen(what)
			local text = proc.read(log) or ""
			return text:find(what, 1, true) ~= nil, text
		end
		local ok, err = pcall(function()
			-- the gate: a marker device, made and removed again and again until
			-- the monitor reports it, so it surely listens before the pair is made
			assert(proc.wait_until(function()
				if not a:link("mark") then
					a:link_add("mark", "bridge")
				else
					a:link_del("mark")
				end
				return seen("mark")
			end), "ip monitor did not report mark")
			a:link_add("veth-a", "veth", { peer = "veth-b", peer_ns = b })
			a:link_add("end-mark", "bridge")
			-- events come in order: once end-mark is reported, the pair's are in too
			assert(proc.wait_until(function() return seen("end-mark") end), "ip monitor did not report end-mark")
		end)
		proc.exec({ "kill", pid })
		assert(ok, err)
		local _, text = seen("")
		assert.is_true(seen("veth-a"), text)
		assert.is_false(seen("veth-b"), text)
		assert.is_not_nil(ip.link(B, "veth-b"))
	end)

	it("accepts the peer namespace by name #root", function()
		a:link_add("veth-a", "veth", { peer = "veth-b", peer_ns = B })
		assert.is_not_nil(ip.link(A, "veth-a"))
		assert.is_nil(ip.link(A, "veth-b"))
		assert.is_not_nil(ip.link(B, "veth-b"))
	end)

	it("creates both veth ends in one namespace when peer_ns is absent #root", function()
		a:link_add("veth0", "veth", { peer = "veth1" })
		local v0, v1 = ip.link(A, "veth0"), ip.link(A, "veth1")
		assert.equal("veth", ip.kind(v0))
		assert.equal("veth", ip.kind(v1))
		-- ip names the peer when it is in the same namespace
		assert.equal("veth1", v0.link)
		assert.equal("veth0", v1.link)
		assert.same({ "lo" }, ip.link_names(B))
	end)

	it("creates a veth from the suite's namespace into another #root", function()
		local host <close> = netns.host()
		host:link_add(P .. "h", "veth", { peer = "veth-in-a", peer_ns = a })
		assert.equal("veth", ip.kind(ip.link(nil, P .. "h")))
		assert.is_nil(ip.link(nil, "veth-in-a"))
		assert.is_not_nil(ip.link(A, "veth-in-a"))
	end)

	it("gives both veth ends the mtu, and the first end the address, at creation #root", function()
		a:link_add("veth-a", "veth", { peer = "veth-b", peer_ns = b, mtu = 1400,
			address = "02:00:00:00:10:01" })
		local va, vb = ip.link(A, "veth-a"), ip.link(B, "veth-b")
		assert.equal(1400, va.mtu)
		assert.equal(1400, vb.mtu)
		assert.equal("02:00:00:00:10:01", va.address)
		assert.not_equal("02:00:00:00:10:01", vb.address)
	end)

	it("creates a bridge #root", function()
		a:link_add("br0", "bridge", { mtu = 1450, address = "02:00:00:00:10:02" })
		local br = ip.link(A, "br0")
		assert.equal("bridge", ip.kind(br))
		assert.equal(1450, br.mtu)
		assert.equal("02:00:00:00:10:02", br.address)
	end)

	it("brings a link up and down #root", function()
		a:link_add("veth-a", "veth", { peer = "veth-b", peer_ns = b })
		a:link_set("veth-a", { up = true })
		local fa = ip.flags(ip.link(A, "veth-a"))
		assert.is_true(fa.UP)
		assert.is_nil(fa.LOWER_UP)	-- no carrier while its peer is down
		b:link_set("veth-b", { up = true })
		assert.is_true(ip.flags(ip.link(A, "veth-a")).LOWER_UP)
		assert.is_true(ip.flags(ip.link(B, "veth-b")).LOWER_UP)
		-- operstate follows asynchronously
		assert.equal("UP", operstate(A, "veth-a", "UP"))
		assert.equal("UP", operstate(B, "veth-b", "UP"))
		a:link_set("veth-a", { up = false })
		assert.is_nil(ip.flags(ip.link(A, "veth-a")).UP)
		assert.is_nil(ip.flags(ip.link(B, "veth-b")).LOWER_UP)
		assert.is_true(ip.flags(ip.link(B, "veth-b")).UP)
	end)

	it("sets the mtu #root", function()
		a:link_add("veth0", "veth", { peer = "veth1" })
		a:link_set("veth0", { mtu = 9000 })
		assert.equal(9000, ip.link(A, "veth0").mtu)
		assert.equal(1500, ip.link(A, "veth1").mtu)
		a:link_set("veth0", { mtu = 68 })
		assert.equal(68, ip.link(A, "veth0").mtu)
	end)

	it("sets the MAC address #root", function()
		a:link_add("veth0", "veth", { peer = "veth1" })
		a:link_set("veth0", { address = "02:ab:cd:ef:01:23" })
		assert.equal("02:ab:cd:ef:01:23", ip.link(A, "veth0").address)
		a:link_set("veth0", { address = "0A:BC:DE:F0:12:34" })
		assert.equal("0a:bc:de:f0:12:34", ip.link(A, "veth0").address)
	end)

	it("enslaves a link to a bridge and releases it with master = false #root", function()
		a:link_add("br0", "bridge")
		a:link_add("veth0", "veth", { peer = "veth1" })
		a:link_set("veth0", { master = "br0" })
		assert.equal("br0", ip.link(A, "veth0").master)
		assert.is_nil(ip.link(A, "veth1").master)
		a:link_set("veth0", { master = false })
		assert.is_nil(ip.link(A, "veth0").master)
		assert.is_not_nil(ip.link(A, "br0"))
	end)

	it("moves a link to another namespace given as a handle #root", function()
		a:link_add("veth0", "veth", { peer = "veth1" })
		a:link_set("veth0", { ns = b })
		assert.is_nil(ip.link(A, "veth0"))
		assert.is_not_nil(ip.link(A, "veth1"))
		local moved = ip.link(B, "veth0")
		assert.equal("veth", ip.kind(moved))
		assert.equal(ip.link(A, "veth1").ifindex, moved.link_index)
		assert.is_not_nil(moved.link_netnsid)
	end)

	it("moves a link to another namespace given by name #root", function()
		a:link_add("veth0", "veth", { peer = "veth1" })
		a:link_set("veth0", { ns = B })
		assert.is_nil(ip.link(A, "veth0"))
		assert.is_not_nil(ip.link(B, "veth0"))
	end)

	it("renames a link #root", function()
		a:link_add("veth0", "veth", { peer = "veth1" })
		local index = ip.link(A, "veth0").ifindex
		a:link_set("veth0", { name = "renamed" })
		assert.is_nil(ip.link(A, "veth0"))
		assert.equal(index, ip.link(A, "renamed").ifindex)
	end)

	it("moves, renames and brings up a link in one call #root", function()
		a:link_add("veth0", "veth", { peer = "veth1" })
		a:link_set("veth0", { ns = b, name = "eth0", up = true, mtu = 1300 })
		assert.is_nil(ip.link(A, "veth0"))
		assert.is_nil(ip.link(A, "eth0"))
		local l = ip.link(B, "eth0")
		assert.is_not_nil(l)
		assert.is_true(ip.flags(l).UP)
		assert.equal(1300, l.mtu)
		assert.is_nil(ip.link(B, "veth0"))
	end)

	it("moves a link into a namespace where its old name is taken, under its new name #root", function()
		b:link_add("veth0", "bridge")
		a:link_add("veth0", "veth", { peer = "veth1" })
		a:link_set("veth0", { ns = b, name = "free" })
		assert.is_nil(ip.link(A, "veth0"))
		assert.equal("veth", ip.kind(ip.link(B, "free")))
		assert.equal("bridge", ip.kind(ip.link(B, "veth0")))
	end)

	it("moves a link and enslaves it to a bridge of the target namespace in one call #root", function()
		b:link_add("br0", "bridge")
		a:link_add("veth0", "veth", { peer = "veth1" })
		a:link_set("veth0", { ns = b, master = "br0", up = true })
		assert.is_nil(ip.link(A, "veth0"))
		local l = ip.link(B, "veth0")
		assert.equal("br0", l.master)
		assert.is_true(ip.flags(l).UP)
	end)

	it("deletes both ends of a veth, the peer in the other namespace too #root", function()
		a:link_add("veth-a", "veth", { peer = "veth-b", peer_ns = b })
		a:link_del("veth-a")
		assert.same({ "lo" }, ip.link_names(A))
		assert.same({ "lo" }, ip.link_names(B))
	end)

	it("deletes a veth by its peer's name #root", function()
		a:link_add("veth0", "veth", { peer = "veth1" })
		a:link_del("veth1")
		assert.same({ "lo" }, ip.link_names(A))
	end)

	it("deletes a bridge and frees its ports #root", function()
		a:link_add("br0", "bridge")
		a:link_add("veth0", "veth", { peer = "veth1" })
		a:link_set("veth0", { master = "br0" })
		a:link_del("br0")
		assert.is_nil(ip.link(A, "br0"))
		assert.is_nil(ip.link(A, "veth0").master)
	end)

	it("lists every link as ip -j link shows it #root", function()
		a:link_add("br0", "bridge")
		a:link_add("veth-a", "veth", { peer = "veth-b", peer_ns = b, mtu = 1420 })
		a:link_add("veth0", "veth", { peer = "veth1" })
		a:link_set("veth-a", { master = "br0", up = true })
		a:link_set("br0", { up = true })
		a:link_set("veth0", { address = "02:00:00:00:10:03" })
		ip.ip("-n", A, "link", "set", "lo", "up")
		assert_like_ip(A, function() return a:links() end)
		local links = a:links()
		-- and the interesting values explicitly
		local mine = {}
		for _, l in ipairs(links) do
			mine[l.name] = l
		end
		assert.equal("br0", mine["veth-a"].master)
		assert.equal("veth", mine["veth-a"].kind)
		assert.equal("bridge", mine.br0.kind)
		assert.equal(1420, mine["veth-a"].mtu)
		assert.is_true(mine["veth-a"].up)
		assert.is_false(mine.veth0.up)
		assert.is_nil(mine.lo.kind)
		assert.equal("02:00:00:00:10:03", mine.veth0.address)
	end)

	it("lists the links of the suite's namespace as ip -j link shows them #root", function()
		local host <close> = netns.host()
		host:link_add(P .. "br", "bridge")
		assert_like_ip(nil, function() return host:links() end)
		assert.is_not_nil(ip.link(nil, P .. "br"))
	end)

	it("lists a namespace with more links than one netlink message holds #root", function()
		for i = 1, 60 do
			a:link_add("va" .. i, "veth", { peer = "vb" .. i, peer_ns = b })
		end
		local names = {}
		for _, l in ipairs(a:links()) do
			names[#names + 1] = l.name
		end
		table.sort(names)
		assert.equal(61, #names)
		assert.same(ip.link_names(A), names)
		local names_b = {}
		for _, l in ipairs(b:links()) do
			names_b[#names_b + 1] = l.name
		end
		table.sort(names_b)
		assert.equal(61, #names_b)
		assert.same(ip.link_names(B), names_b)
	end)

	it("gives one link as ip -j link shows it, master by name #root", function()
		a:link_add("br0", "bridge")
		a:link_add("veth0", "veth", { peer = "veth1", mtu = 1280 })
		a:link_set("veth0", { master = "br0", up = true })
		assert_like_ip(A, function() return a:link("veth0") end, "veth0")
		local l = a:link("veth0")
		assert.equal("br0", l.master)
		assert.equal("veth", l.kind)
		assert.equal(1280, l.mtu)
		assert_like_ip(A, function() return a:link("br0") end, "br0")
		assert_like_ip(A, function() return a:link("lo") end, "lo")
	end)

	it("returns nil for a link that does not exist #root", function()
		assert.is_nil(a:link("missing"))
		assert.is_nil(ip.link(A, "missing"))
		a:link_add("veth0", "veth", { peer = "veth1", peer_ns = b })
		assert.is_nil(a:link("veth1"))
		-- as ip sees it: the name exists, but in the other namespace
		assert.is_nil(ip.link(A, "veth1"))
		assert.is_not_nil(ip.link(B, "veth1"))
		assert.is_not_nil(a:link("veth0"))
	end)
end)

describe("links made ready in one request", function()
	local a, b

	before_each(function()
		a = netns.add(A)
		b = netns.add(B)
	end)

	after_each(function()
		a:close()
		b:close()
		ip.cleanup(P)
	end)

	it("creates a device up, enslaved, aliased and grouped, and returns the kernel's ifindexes #root", function()
		local bi = a:link_add("br0", "bridge", { up = true, group = 77 })
		local vi, pi = a:link_add("veth0", "veth", { peer = "veth1", peer_ns = b, up = true,
			master = "br0", alias = "to b", group = 77 })
		local br, v, p = ip.link(A, "br0"), ip.link(A, "veth0"), ip.link(B, "veth1")
		assert.equal(br.ifindex, bi)
		assert.equal(v.ifindex, vi)
		assert.equal(p.ifindex, pi)
		assert.is_true(ip.flags(br).UP)
		assert.is_true(ip.flags(v).UP)
		assert.equal("br0", v.master)
		assert.equal("to b", v.ifalias)
		assert.equal("77", v.group)
		assert.equal("77", br.group)
		-- the peer is made as the kernel makes it: down, no alias, default group
		assert.is_nil(ip.flags(p).UP)
		assert.is_nil(p.ifalias)
		assert.equal("default", p.group)
	end)

	it("brings a device up without an IPv6 link-local address with addrgenmode = \"none\" #root", function()
		a:link_add("veth0", "veth", { peer = "veth1", peer_ns = b })
		b:link_set("veth1", { up = true })
		a:link_set("veth0", { up = true, addrgenmode = "none" })
		local l = ip.link(A, "veth0")
		assert.equal("none", l.inet6_addr_gen_mode)
		assert.same({}, ip.addrs(A, "veth0"))
		-- the other end, brought up as usual, has its fe80:: address
		assert.equal("link", ip.addrs(B, "veth1")[1].scope)
		assert.equal("netns: link_set: option 'addrgenmode' 'off' is not one of eui64, none, stable_secret, random",
			proc.error_of(a.link_set, a, "veth0", { addrgenmode = "off" }))
	end)

	it("refuses a master that is not a bridge, bond or vrf, and makes nothing #root", function()
		a:link_add("veth2", "veth", { peer = "veth3" })
		local before = ip.link_names(A)
		local err = proc.error_of(a.link_add, a, "veth0", "veth", { peer = "veth1", master = "veth2" })
		assert.equal("netns: link_add veth0 in " .. A .. ": Operation not supported (EOPNOTSUPP): master veth2 is a veth, not a bridge, bond or vrf", err)
		err = proc.error_of(a.link_add, a, "veth0", "veth", { peer = "veth1", master = "nobr" })
		assert.equal("netns: link_add veth0 in " .. A .. ": No such device (ENODEV): master nobr not found in " .. A, err)
		assert.same(before, ip.link_names(A))
		assert.same({ "lo" }, ip.link_names(B))
	end)

	it("deletes a whole group of devices, veth peers included, in one request #root", function()
		a:link_add("br0", "bridge", { group = 5 })
		a:link_add("v0", "veth", { peer = "p0", peer_ns = b, group = 5, master = "br0" })
		a:link_add("v1", "veth", { peer = "p1", peer_ns = b, group = 5 })
		a:link_add("keep", "veth", { peer = "kpeer", peer_ns = b })
		a:link_del_group(5)
		assert.same({ "keep", "lo" }, ip.link_names(A))
		assert.same({ "kpeer", "lo" }, ip.link_names(B))
		assert.equal("netns: link_del_group: group must be an integer in 1..4294967295, not '0'",
			proc.error_of(a.link_del_group, a, 0))
	end)
end)

describe("links that come up", function()
	local a, b

	before_each(function()
		a = netns.add(A)
		b = netns.add(B)
	end)

	after_each(function()
		a:close()
		b:close()
		ip.cleanup(P)
	end)

	-- what a dump shows (a dump, unlike ip link show DEV, does not make the
	-- kernel finish a device's link-watch work first)
	local function state(ns, dev)
		local l = ip.link(ns, dev)
		return l.operstate .. " " .. tostring(l.qdisc)
	end

	it("are ready to transmit at both ends when link_set returns, and the first ping is answered at once #root", function()
		for i = 1, 20 do
			a:link_add("veth-a", "veth", { peer = "veth-b", peer_ns = b })
			a:addr_add("veth-a", "192.168.15.1/24")
			b:addr_add("veth-b", "192.168.15.2/24")
			a:link_set("veth-a", { up = true })
			b:link_set("veth-b", { up = true })
			-- no waiting here: up means ready
			assert.equal("UP noqueue", state(A, "veth-a"), "round " .. i)
			assert.equal("UP noqueue", state(B, "veth-b"), "round " .. i)
			-- a first ARP reply lost costs a retry a second later
			local ok, why = a:ping("192.168.15.2", { count = 1, timeout = 0.9 })
			assert.is_true(ok, why)
			a:link_del("veth-a")
		end
	end)

	it("are ready when link_add makes them up, the peer already being up #root", function()
		b:link_add("br0", "bridge", { up = true })
		b:link_add("veth-b", "veth", { peer = "veth-a", peer_ns = a, up = true, master = "br0" })
		assert.equal("DOWN noop", state(A, "veth-a"))
		a:link_set("veth-a", { up = true })
		assert.equal("UP noqueue", state(A, "veth-a"))
		assert.equal("UP noqueue", state(B, "veth-b"))
		-- the bridge got a working port: ready once link_wait returns
		b:link_wait("br0")
		assert.equal("UP noqueue", state(B, "br0"))
	end)

	it("can be brought up without waiting, and waited for once with link_wait #root", function()
		a:link_add("veth-a", "veth", { peer = "veth-b", peer_ns = b })
		a:link_set("veth-a", { up = true, wait = false })
		b:link_set("veth-b", { up = true, wait = false })
		a:link_wait("veth-a")	-- both ends: the peer too
		assert.equal("UP noqueue", state(A, "veth-a"))
		assert.equal("UP noqueue", state(B, "veth-b"))
		-- a device without carrier waits for its other end, not for us
		a:link_add("lonely", "veth", { peer = "lonely-p", up = true })
		a:link_wait("lonely")
		assert.is_nil(ip.flags(ip.link(A, "lonely")).LOWER_UP)
		-- the operstate comes from the link-watch work, which the wait's look
		-- runs on Linux 6.8+; before (6.1), it can still be pending, the
		-- device UNKNOWN for up to a second (an event of a device that was
		-- down when it came is not urgent): it settles without us
		assert.equal("LOWERLAYERDOWN", operstate(A, "lonely", "LOWERLAYERDOWN"))
	end)

	it("refuses to wait for a device that is down, absent, or with a bad timeout #root", function()
		a:link_add("veth-a", "veth", { peer = "veth-b", peer_ns = b })
		local ok, err = pcall(a.link_wait, a, "veth-a")
		assert.is_false(ok)
		assert.equal("ENETDOWN", err.code)
		assert.equal("netns: link_wait veth-a in " .. A .. ": Network is down (ENETDOWN): veth-a is down", tostring(err))
		ok, err = pcall(a.link_wait, a, "nosuch")
		assert.equal("ENODEV", err.code)
		assert.equal("netns: link_wait: timeout must be a number of seconds >= 0, not '-1'",
			proc.error_of(a.link_wait, a, "veth-a", -1))
		assert.equal("netns: link_set: option 'wait' must be a boolean, not string",
			proc.error_of(a.link_set, a, "veth-a", { up = true, wait = "no" }))
		assert.same({ "lo", "veth-a" }, ip.link_names(A))
	end)
end)
