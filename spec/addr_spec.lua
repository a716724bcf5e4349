-- spec/addr_spec.lua - addresses: addr_add, addr_del, addrs(), and traffic over them.
local netns = require "netns"
local ip = require "support.ip"

local P = "t-ad-"
local RED, BLUE = P .. "red", P .. "blue"

-- entries as "dev address/prefix family scope", sorted: addrs() and ip side by side
local function picture(list)
	local s = {}
	for _, a in ipairs(list) do
		s[#s + 1] = string.format("%s %s/%s %s %s", a.dev, a.address, a.prefix, a.family, a.scope)
	end
	table.sort(s)
	return s
end

describe("addresses", function()
	local red, blue

	before_each(function()
		red = netns.add(RED)
		blue = netns.add(BLUE)
		red:link_add("veth-red", "veth", { peer = "veth-blue", peer_ns = blue })
	end)

	after_each(function()
		red:close()
		blue:close()
		ip.cleanup(P)
	end)

	it("adds an IPv4 address #root", function()
		red:addr_add("veth-red", "192.168.15.1/24")
		local a = ip.addr(RED, "192.168.15.1", "veth-red")
		assert.is_not_nil(a)
		assert.equal(24, a.prefix)
		assert.equal("inet", a.family)
		assert.equal("global", a.scope)
		assert.is_nil(ip.addr(BLUE, "192.168.15.1"))
	end)

	it("adds an IPv6 address without duplicate address detection when nodad is set #root", function()
		red:addr_add("veth-red", "fd00::1/64", { nodad = true })
		local a = ip.addr(RED, "fd00::1", "veth-red")
		assert.is_not_nil(a)
		assert.equal(64, a.prefix)
		assert.equal("inet6", a.family)
		assert.is_false(a.tentative)
	end)

	it("adds an IPv6 address with duplicate address detection by default #root", function()
		red:addr_add("veth-red", "fd00::1/64")
		local a = ip.addr(RED, "fd00::1", "veth-red")
		assert.is_not_nil(a)
		assert.equal(64, a.prefix)
		assert.equal("inet6", a.family)
		-- the device is down: duplicate address detection has not run, the address waits for it
		assert.is_true(a.tentative)
	end)

	it("waits with addr_wait until fresh IPv6 addresses are answered for: the first echo after it is answered at once, every time #root", function()
		-- no DAD (as in a lab's nodes): the kernel's address work is all there
		-- is to wait for, and a solicitation before it is lost for a second
		for _, ns in ipairs { red, blue } do
			ns:sysctl("net.ipv6.conf.all.accept_dad", "0")
			ns:sysctl("net.ipv6.conf.default.accept_dad", "0")
			ns:sysctl("net.ipv6.conf.veth-" .. (ns == red and "red" or "blue") .. ".accept_dad", "0")
		end
		red:link_set("veth-red", { up = true, wait = false })
		blue:link_set("veth-blue", { up = true })
		for i = 1, 8 do
			red:addr_add("veth-red", ("fd00:%d::1/64"):format(i))
			blue:addr_add("veth-blue", ("fd00:%d::2/64"):format(i))
			red:addr_wait("veth-red")
			blue:addr_wait("veth-blue")
			local t0 = netns.clock()
			local ok, why = red:ping(("fd00:%d::2"):format(i), { timeout = 0.5 })
			assert.is_true(ok, why)
			assert.is_true(netns.clock() - t0 < 0.5)
			for _, a in ipairs(ip.addrs(BLUE, "veth-blue")) do
				assert.is_false(a.tentative, a.address)
			end
		end
	end)

	it("waits with addr_wait for duplicate address detection where it is on #root", function()
		red:link_set("veth-red", { up = true, wait = false })
		blue:link_set("veth-blue", { up = true })
		red:addr_add("veth-red", "fd00::1/64")
		assert.is_true(ip.addr(RED, "fd00::1", "veth-red").tentative)
		red:addr_wait("veth-red", 10)
		assert.is_false(ip.addr(RED, "fd00::1", "veth-red").tentative)
	end)

	it("refuses to wait for the addresses of a device that is down or absent, naming it #root", function()
		local ok, e = pcall(red.addr_wait, red, "veth-red")
		assert.is_false(ok)
		assert.equal("ENETDOWN", e.code)
		assert.matches("veth-red is down", tostring(e), 1, true)
		ok, e = pcall(red.addr_wait, red, "nosuch0")
		assert.is_false(ok)
		assert.matches("nosuch0", tostring(e), 1, true)
		ok, e = pcall(red.addr_wait, red, "veth-red", -1)
		assert.is_false(ok)
		assert.matches("timeout", tostring(e), 1, true)
	end)

	it("gives an address without a prefix length the host prefix #root", function()
		red:addr_add("veth-red", "1.2.3.4")
		red:addr_add("veth-red", "fd00::9", { nodad = true })
		assert.equal(32, ip.addr(RED, "1.2.3.4").prefix)
		assert.equal(128, ip.addr(RED, "fd00::9").prefix)
	end)

	it("keeps several addresses on one device #root", function()
		red:addr_add("veth-red", "10.1.0.1/16")
		red:addr_add("veth-red", "10.2.0.1/24")
		red:addr_add("veth-red", "fd00:1::1/64", { nodad = true })
		assert.same({
			"veth-red 10.1.0.1/16 inet global",
			"veth-red 10.2.0.1/24 inet global",
			"veth-red fd00:1::1/64 inet6 global",
		}, picture(ip.addrs(RED, "veth-red")))
	end)

	it("deletes IPv4 and IPv6 addresses and only those #root", function()
		red:addr_add("veth-red", "10.1.0.1/16")
		red:addr_add("veth-red", "10.2.0.1/24")
		red:addr_add("veth-red", "fd00:1::1/64", { nodad = true })
		red:addr_add("veth-red", "fd00:2::1/64", { nodad = true })
		red:addr_del("veth-red", "10.1.0.1/16")
		red:addr_del("veth-red", "fd00:1::1/64")
		assert.same({
			"veth-red 10.2.0.1/24 inet global",
			"veth-red fd00:2::1/64 inet6 global",
		}, picture(ip.addrs(RED, "veth-red")))
	end)

	it("deletes an address given without a prefix length #root", function()
		red:addr_add("veth-red", "1.2.3.4")
		red:addr_del("veth-red", "1.2.3.4")
		assert.same({}, ip.addrs(RED, "veth-red"))
	end)

	it("lists every address as ip -j addr shows it #root", function()
		ip.ip("-n", RED, "link", "set", "lo", "up")
		red:link_add("br0", "bridge")
		red:addr_add("veth-red", "192.168.15.1/24")
		red:addr_add("veth-red", "fd00::1/64", { nodad = true })
		red:addr_add("br0", "10.0.0.1/8")
		red:link_set("veth-red", { up = true })
		local mine = picture(red:addrs())
		assert.same(picture(ip.addrs(RED)), mine)
		-- lo's own and the ones added
		local text = table.concat(mine, "\n")
		assert.truthy(text:find("lo 127.0.0.1/8 inet host", 1, true))
		assert.truthy(text:find("veth-red 192.168.15.1/24 inet global", 1, true))
		assert.truthy(text:find("veth-red fd00::1/64 inet6 global", 1, true))
		assert.truthy(text:find("br0 10.0.0.1/8 inet global", 1, true))
	end)

	it("lists the addresses of one device as ip -j addr show dev does #root", function()
		ip.ip("-n", RED, "link", "set", "lo", "up")
		red:link_add("br0", "bridge")
		red:addr_add("veth-red", "192.168.15.1/24")
		red:addr_add("veth-red", "fd00::1/64", { nodad = true })
		red:addr_add("br0", "10.0.0.1/8")
		assert.same(picture(ip.addrs(RED, "veth-red")), picture(red:addrs("veth-red")))
		assert.same({ "veth-red 192.168.15.1/24 inet global", "veth-red fd00::1/64 inet6 global" },
			picture(red:addrs("veth-red")))
		assert.same(picture(ip.addrs(RED, "br0")), picture(red:addrs("br0")))
		assert.same({}, blue:addrs("veth-blue"))
		assert.same({}, ip.addrs(BLUE, "veth-blue"))
		assert.same(picture(ip.addrs(BLUE)), picture(blue:addrs()))
	end)

	it("lists more addresses than one netlink message holds #root", function()
		for i = 1, 250 do
			red:addr_add("veth-red", "10.7.0." .. i .. "/16")
		end
		for i = 1, 100 do
			red:addr_add("veth-red", string.format("fd00:7::%x/64", i), { nodad = true })
		end
		local mine = picture(red:addrs("veth-red"))
		assert.equal(350, #mine)
		assert.same(picture(ip.addrs(RED, "veth-red")), mine)
		assert.same(picture(ip.addrs(RED)), picture(red:addrs()))
	end)

	it("carries IPv4 traffic between two namespaces over a veth #root", function()
		red:addr_add("veth-red", "192.168.15.1/24")
		blue:addr_add("veth-blue", "192.168.15.2/24")
		red:link_set("veth-red", { up = true })
		blue:link_set("veth-blue", { up = true })
		local ok, out = ip.ping(RED, "192.168.15.2")
		assert.is_true(ok, out)
		ok, out = ip.ping(BLUE, "192.168.15.1")
		assert.is_true(ok, out)
	end)

	it("carries IPv6 traffic between two namespaces over a veth #root", function()
		red:addr_add("veth-red", "fd00::1/64", { nodad = true })
		blue:addr_add("veth-blue", "fd00::2/64", { nodad = true })
		red:link_set("veth-red", { up = true })
		blue:link_set("veth-blue", { up = true })
		local ok, out = ip.ping(RED, "fd00::2")
		assert.is_true(ok, out)
	end)

	it("stops the traffic when the address is deleted #root", function()
		red:addr_add("veth-red", "192.168.15.1/24")
		blue:addr_add("veth-blue", "192.168.15.2/24")
		red:link_set("veth-red", { up = true })
		blue:link_set("veth-blue", { up = true })
		assert.is_true(ip.can_ping(RED, "192.168.15.2"))
		blue:addr_del("veth-blue", "192.168.15.2/24")
		assert.is_nil(ip.addr(BLUE, "192.168.15.2"))
		assert.is_false(ip.can_ping(RED, "192.168.15.2", 0.5))
	end)
end)
