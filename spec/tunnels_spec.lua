-- spec/tunnels_spec.lua - link_add's tunnels: gre, gretap, ipip, sit (IPv4 outer), ip6gre, ip6tnl
-- (IPv6 outer). Each checked through `ip -j -d link show` (the oracle), links()'s readback (its
-- `tunnel` field) compared with ip's; traffic between two namespaces joined by a veth through a
-- gre (key 7), an ipip, a sit (IPv6 inner), a gretap (key 9, addressed, then a bridge port), an
-- ip6gre and an ip6tnl (IPv6 outer), and none with a wrong key or the far end gone; the refusals
-- and the missing-module message natively. Tests tagged #gre, #gretap, #ipip, #sit, #ip6gre,
-- #ip6tnl run in the VM (scripts/test.sh --vm --tags=...).
local netns = require "netns"
local ip = require "support.ip"
local kernel = require "support.kernel"
local proc = require "support.proc"
local trace = require "netlab.trace"
local kinds = require "support.kinds"

local P = "t-tun-"
local A, B = P .. "a", P .. "b"
local info, entry, refused = kinds.info, kinds.entry, kinds.refused

-- ip prints a GRE key as a dotted quad ("0.0.0.7") or a number, depending on its version
local function key_number(k)
	if type(k) == "number" or k == nil then return k end
	local a, b, c, d = k:match("^(%d+)%.(%d+)%.(%d+)%.(%d+)$")
	if a then return ((tonumber(a) * 256 + tonumber(b)) * 256 + tonumber(c)) * 256 + tonumber(d) end
	return tonumber(k)
end

-- ip's view of a tunnel as links() reports it: { local, remote, ttl, key, dev }
local function oracle(ns, name)
	local d = info(ns, name)
	local ttl = d.ttl or d.hoplimit or 0
	if ttl == "inherit" then ttl = 0 end
	local key = d.ikey and key_number(d.ikey) or nil
	if key == 0 and not d.ikey then key = nil end
	return { ["local"] = d["local"] ~= "any" and d["local"] or nil, remote = d.remote ~= "any" and d.remote or nil,
		ttl = ttl, key = key, dev = d.link }
end

local function names(ns)
	local t = {}
	for _, l in ipairs(ip.links(ns)) do t[#t + 1] = l.ifname end
	table.sort(t)
	return table.concat(t, " ")
end

describe("tunnels", function()
	local a, b

	before_each(function()
		a, b = kinds.pair(netns, P)
	end)

	after_each(function()
		kinds.close(P, a, b)
	end)

	-- ---- natively: refused before anything is sent ---------------------------

	it("refuses bad tunnel options naming the value, and changes nothing #root", function()
		local before = names(A)
		local e = refused({ "a gre needs option 'remote'" }, a.link_add, a, "t0", "gre", { ["local"] = "192.0.2.1" })
		assert.equal("remote", e.arg)
		refused({ "an ipip needs option 'remote' (the far end's IPv4 address)" }, a.link_add, a, "t0", "ipip")
		e = refused({ "'remote'", "'2001:db8::1'", "not an IPv4 address" }, a.link_add, a, "t0", "gre", { remote = "2001:db8::1" })
		assert.equal("remote", e.arg)
		refused({ "'local'", "'2001:db8::2'", "IPv4" }, a.link_add, a, "t0", "sit",
			{ remote = "192.0.2.1", ["local"] = "2001:db8::2" })
		refused({ "'remote'", "'192.0.2.1'", "not an IPv6 address" }, a.link_add, a, "t0", "ip6gre", { remote = "192.0.2.1" })
		refused({ "'local'", "'192.0.2.2'", "IPv6" }, a.link_add, a, "t0", "ip6tnl",
			{ remote = "2001:db8::1", ["local"] = "192.0.2.2" })
		refused({ "'remote'", "'192.0.2.300'" }, a.link_add, a, "t0", "gretap", { remote = "192.0.2.300" })
		e = refused({ "'ttl'", "'300'" }, a.link_add, a, "t0", "gre", { remote = "192.0.2.1", ttl = 300 })
		assert.equal("ttl", e.arg)
		refused({ "'ttl'", "'-1'" }, a.link_add, a, "t0", "ipip", { remote = "192.0.2.1", ttl = -1 })
		refused({ "'key'", "'4294967296'" }, a.link_add, a, "t0", "gre", { remote = "192.0.2.1", key = 1 << 32 })
		refused({ "'key'", "'-1'" }, a.link_add, a, "t0", "ip6gre", { remote = "2001:db8::1", key = -1 })
		e = refused({ "option 'key' is not an option of an ipip" }, a.link_add, a, "t0", "ipip", { remote = "192.0.2.1", key = 7 })
		assert.equal("key", e.arg)
		refused({ "option 'key' is not an option of a sit" }, a.link_add, a, "t0", "sit", { remote = "192.0.2.1", key = 7 })
		refused({ "option 'key' is not an option of an ip6tnl" }, a.link_add, a, "t0", "ip6tnl", { remote = "2001:db8::1", key = 7 })
		refused({ "option 'id' is not an option of a gre" }, a.link_add, a, "t0", "gre", { remote = "192.0.2.1", id = 7 })
		refused({ "option 'peer' is not an option of a gretap" }, a.link_add, a, "t0", "gretap", { remote = "192.0.2.1", peer = "x" })
		refused({ "unknown option 'remot' (did you mean 'remote'?)" }, a.link_add, a, "t0", "gre", { remot = "192.0.2.1" })
		refused({ "unknown option 'kye' (did you mean 'key'?)" }, a.link_add, a, "t0", "gre", { remote = "192.0.2.1", kye = 7 })
		assert.equal(before, names(A))
	end)

	it("names the module to load for a tunnel the kernel lacks, and leaves nothing #root", function()
		if not kernel.lacks("gre") then pending("this kernel has gre") return end
		local before = names(A)
		local ok, err = pcall(a.link_add, a, "t0", "gre", { remote = "192.0.2.1", key = 7 })
		assert.is_false(ok)
		assert.is_truthy(tostring(err):find("the kernel has no gre (load the kernel module ip_gre)", 1, true), tostring(err))
		for _, c in ipairs {
			{ "gretap", "ip_gre", "192.0.2.1" }, { "ipip", "ipip", "192.0.2.1" }, { "sit", "sit", "192.0.2.1" },
			{ "ip6gre", "ip6_gre", "2001:db8::1" }, { "ip6tnl", "ip6_tunnel", "2001:db8::1" },
		} do
			if kernel.lacks(c[1]) then
				ok, err = pcall(a.link_add, a, "t0", c[1], { remote = c[3] })
				assert.is_false(ok)
				assert.is_truthy(tostring(err):find("load the kernel module " .. c[2], 1, true), tostring(err))
			end
		end
		assert.equal(before, names(A))
	end)

	it("prints a tunnel's link_add as ip link add ... type KIND local A remote B ttl N key K", function()
		assert.same({ ("ip -n %s link add gre1 type gre local 192.0.2.1 remote 192.0.2.2 ttl 64 key 7 dev v0"):format(A) },
			trace.formats.link_add(a, "gre1", "gre",
				{ ["local"] = "192.0.2.1", remote = "192.0.2.2", ttl = 64, key = 7, dev = "v0" }))
		assert.same({ ("ip -n %s link add t1 type ipip remote 192.0.2.2"):format(A) },
			trace.formats.link_add(a, "t1", "ipip", { remote = "192.0.2.2" }))
	end)

	-- ---- in the VM: the kernel makes them --------------------------------------

	it("makes a gre with every option, and links() reads back what ip shows #root #gre", function()
		local why = kernel.lacks("gre") if why then pending(why) return end
		a:link_add("gre1", "gre", { ["local"] = "192.0.2.1", remote = "192.0.2.2", ttl = 64, key = 7, dev = "v0" })
		local _, l = info(A, "gre1")
		assert.equal("gre", ip.kind(l))
		local want = { ["local"] = "192.0.2.1", remote = "192.0.2.2", ttl = 64, key = 7, dev = "v0" }
		assert.same(want, oracle(A, "gre1"))
		assert.same(want, entry(a, "gre1").tunnel)
		-- the least: remote only; ttl 0 (inherit), no key, no local; the biggest key
		a:link_add("gre2", "gre", { remote = "192.0.2.3" })
		assert.same({ remote = "192.0.2.3", ttl = 0 }, oracle(A, "gre2"))
		assert.same({ remote = "192.0.2.3", ttl = 0 }, entry(a, "gre2").tunnel)
		a:link_add("gre3", "gre", { remote = "192.0.2.4", key = 0xffffffff, ttl = 255 })
		assert.same({ remote = "192.0.2.4", ttl = 255, key = 0xffffffff }, oracle(A, "gre3"))
		assert.same(oracle(A, "gre3"), entry(a, "gre3").tunnel)
	end)

	it("makes a gretap, an ethernet over gre #root #gretap", function()
		local why = kernel.lacks("gretap") if why then pending(why) return end
		a:link_add("gt1", "gretap", { ["local"] = "192.0.2.1", remote = "192.0.2.2", key = 9 })
		local _, l = info(A, "gt1")
		assert.equal("gretap", ip.kind(l))
		assert.equal("ether", l.link_type)
		assert.same({ ["local"] = "192.0.2.1", remote = "192.0.2.2", ttl = 0, key = 9 }, oracle(A, "gt1"))
		assert.same(oracle(A, "gt1"), entry(a, "gt1").tunnel)
	end)

	it("makes an ipip and a sit, read back as ip shows them #root #ipip #sit", function()
		local why = kernel.lacks("ipip") or kernel.lacks("sit") if why then pending(why) return end
		a:link_add("ip1", "ipip", { ["local"] = "192.0.2.1", remote = "192.0.2.2", ttl = 10, dev = "v0" })
		a:link_add("st1", "sit", { remote = "192.0.2.5", ttl = 20 })
		assert.equal("ipip", ip.kind((select(2, info(A, "ip1")))))
		assert.equal("sit", ip.kind((select(2, info(A, "st1")))))
		assert.same({ ["local"] = "192.0.2.1", remote = "192.0.2.2", ttl = 10, dev = "v0" }, oracle(A, "ip1"))
		assert.same(oracle(A, "ip1"), entry(a, "ip1").tunnel)
		assert.same({ remote = "192.0.2.5", ttl = 20 }, oracle(A, "st1"))
		assert.same(oracle(A, "st1"), entry(a, "st1").tunnel)
	end)

	it("makes an ip6gre and an ip6tnl over IPv6 #root #ip6gre #ip6tnl", function()
		local why = kernel.lacks("ip6gre") or kernel.lacks("ip6tnl") if why then pending(why) return end
		a:link_add("g6", "ip6gre", { ["local"] = "2001:db8::1", remote = "2001:db8::2", ttl = 30, key = 11 })
		a:link_add("t6", "ip6tnl", { ["local"] = "2001:db8::1", remote = "2001:db8::3", ttl = 40 })
		assert.equal("ip6gre", ip.kind((select(2, info(A, "g6")))))
		assert.equal("ip6tnl", ip.kind((select(2, info(A, "t6")))))
		local g, t = oracle(A, "g6"), oracle(A, "t6")
		assert.same({ "2001:db8::1", "2001:db8::2", 11 }, { g["local"], g.remote, g.key })
		assert.same({ "2001:db8::1", "2001:db8::3" }, { t["local"], t.remote })
		local eg, et = entry(a, "g6").tunnel, entry(a, "t6").tunnel
		assert.same({ ["local"] = "2001:db8::1", remote = "2001:db8::2", ttl = 30, key = 11 }, eg)
		assert.same({ ["local"] = "2001:db8::1", remote = "2001:db8::3", ttl = 40 }, et)
	end)

	-- two namespaces joined by a veth (underlay 192.0.2.1/24 - .2, or 2001:db8::1/64 - ::2 when
	-- family is "inet6"), a tunnel tn0 of kind each side, inner addresses on the tunnels: a's and
	-- b's of each pair in inner (default 10.99.0.1/30 - .2; IPv6 ones without DAD)
	local function joined(kind, o, family, inner)
		kinds.joined(a, b, kind, o, family)
		for _, pair in ipairs(inner or { { "10.99.0.1/30", "10.99.0.2/30" } }) do
			a:addr_add("tn0", pair[1], { nodad = true })
			b:addr_add("tn0", pair[2], { nodad = true })
		end
	end

	it("carries traffic through a gre with key 7, and not with another key #root #gre", function()
		local why = kernel.lacks("gre") if why then pending(why) return end
		joined("gre", { key = 7 })
		assert.is_true(ip.can_ping(A, "10.99.0.2"))
		b:link_del("tn0")
		b:link_add("tn0", "gre", { ["local"] = "192.0.2.2", remote = "192.0.2.1", key = 8, up = true })
		b:addr_add("tn0", "10.99.0.2/30")
		assert.is_false(ip.can_ping(A, "10.99.0.2", 1))
	end)

	it("carries traffic through an ipip #root #ipip", function()
		local why = kernel.lacks("ipip") if why then pending(why) return end
		joined("ipip")
		assert.is_true(ip.can_ping(A, "10.99.0.2"))
	end)

	it("carries IPv6 through a sit over IPv4 #root #sit", function()
		local why = kernel.lacks("sit") if why then pending(why) return end
		joined("sit", nil, "inet", { { "2001:db8:5::1/64", "2001:db8:5::2/64" } })
		assert.equal("sit", ip.kind((select(2, info(B, "tn0")))))
		assert.is_true(ip.can_ping(A, "2001:db8:5::2"))
		-- the far end's tunnel gone: nothing answers
		b:link_del("tn0")
		assert.is_false(ip.can_ping(A, "2001:db8:5::2", 1))
	end)

	it("carries ethernet through a gretap with key 9, addressed and bridged, not with another key #root #gretap", function()
		local why = kernel.lacks("gretap") if why then pending(why) return end
		joined("gretap", { key = 9 })
		assert.is_true(ip.can_ping(A, "10.99.0.2"))
		-- ethernet: b's end as a bridge port, the address on the bridge; ARP goes through the tunnel
		b:addr_del("tn0", "10.99.0.2/30")
		b:link_add("br0", "bridge", { up = true })
		b:link_set("tn0", { master = "br0" })
		b:addr_add("br0", "10.99.0.2/30")
		assert.equal("br0", (select(2, info(B, "tn0"))).master)
		ip.ip("-n", A, "neigh", "flush", "dev", "tn0")
		assert.is_true(ip.can_ping(A, "10.99.0.2"))
		local l = assert(ip.find_neigh(ip.neighs(A, "tn0"), "10.99.0.2"), "no neighbour 10.99.0.2 on a's gretap")
		assert.equal((select(2, info(B, "br0"))).address, l.lladdr)
		b:link_del("tn0")
		b:link_add("tn0", "gretap", { ["local"] = "192.0.2.2", remote = "192.0.2.1", key = 10, up = true, master = "br0" })
		ip.ip("-n", A, "neigh", "flush", "dev", "tn0")
		assert.is_false(ip.can_ping(A, "10.99.0.2", 1))
	end)

	it("carries IPv4 through an ip6gre over IPv6, and not with another key #root #ip6gre", function()
		local why = kernel.lacks("ip6gre") if why then pending(why) return end
		joined("ip6gre", { key = 11 }, "inet6")
		assert.is_true(ip.can_ping(A, "10.99.0.2"))
		b:link_del("tn0")
		b:link_add("tn0", "ip6gre", { ["local"] = "2001:db8::2", remote = "2001:db8::1", key = 12, up = true })
		b:addr_add("tn0", "10.99.0.2/30")
		assert.is_false(ip.can_ping(A, "10.99.0.2", 1))
	end)

	it("carries IPv4 and IPv6 through an ip6tnl over IPv6 #root #ip6tnl", function()
		local why = kernel.lacks("ip6tnl") if why then pending(why) return end
		joined("ip6tnl", nil, "inet6", { { "10.99.0.1/30", "10.99.0.2/30" }, { "2001:db8:6::1/64", "2001:db8:6::2/64" } })
		assert.is_true(ip.can_ping(A, "10.99.0.2"))
		assert.is_true(ip.can_ping(A, "2001:db8:6::2"))
		b:link_del("tn0")
		assert.is_false(ip.can_ping(A, "10.99.0.2", 1))
	end)

	it("prints a tunnel's link_add as an ip command that builds the same #root #gre #ipip", function()
		local why = kernel.lacks("gre") or kernel.lacks("ipip") if why then pending(why) return end
		b:link_add("v0", "veth", { peer = "v1" })
		for _, c in ipairs {
			{ "gre1", "gre", { ["local"] = "192.0.2.1", remote = "192.0.2.2", ttl = 64, key = 7, dev = "v0" } },
			{ "ip1", "ipip", { remote = "192.0.2.9", ttl = 3 } },
		} do
			a:link_add(c[1], c[2], c[3])
			for _, line in ipairs(trace.formats.link_add(b, c[1], c[2], c[3])) do
				local _, code = proc.exec { "sh", "-c", line }
				assert.equal(0, code, line)
			end
			assert.same(oracle(A, c[1]), oracle(B, c[1]))
		end
	end)
end)
