-- spec/errors_spec.lua - bad input and kernel failures: the message names what was wrong, nothing is left behind.
local netns = require "netns"
local ip = require "support.ip"
local proc = require "support.proc"

local P = "t-er-"
local A, B = P .. "a", P .. "b"

-- bad names, each with the reason the module gives: what both kinds refuse ...
local bad_names = {
	{ "", "is empty" },
	{ "a/b", "contains '/'" },
	{ "/", "contains '/'" },
	{ "a b", "contains whitespace or a control character" },
	{ "a\tb", "contains whitespace or a control character" },
	{ "a\nb", "contains whitespace or a control character" },
	{ "ab ", "contains whitespace or a control character" },
	{ ".", "is not a name" },
	{ "..", "is not a name" },
	{ "a..b", "contains '..'" },
}
-- ... and what only an interface name may not be (a namespace name is a
-- file name of up to 255 bytes, as `ip netns add` takes it)
local bad_ifnames = { { "0123456789abcdef", "is longer than 15 bytes" }, { "a:b", "contains ':'" } }
local bad_nsnames = { { ("n"):rep(256), "is longer than 255 bytes" } }
for _, c in ipairs(bad_names) do
	bad_ifnames[#bad_ifnames + 1] = c
	bad_nsnames[#bad_nsnames + 1] = c
end

-- how an error message shows a name: control bytes as \xNN, on one line
local function shown(name)
	return (name:gsub("%c", function(c) return ("\\x%02x"):format(c:byte()) end))
end

describe("bad input", function()
	local a, b, before

	-- everything a failed call could have touched
	local function world()
		return {
			netns = ip.netns_names(),
			a = ip.state(A),
			b = ip.state(B),
			suite = ip.state(nil),
		}
	end

	-- fn(...) must fail with exactly msg; each test ends with unchanged()
	local function refused(msg, fn, ...)
		local err = proc.error_of(fn, ...)
		assert.equal(msg, err)
		return err
	end

	-- the same with a message that starts with prefix (kernel text may follow)
	local function refused_with_prefix(prefix, fn, ...)
		local err = proc.error_of(fn, ...)
		assert.equal(prefix, err:sub(1, #prefix), err)
		return err
	end

	-- nothing was made, changed or left behind by the refused calls
	local function unchanged()
		assert.same(before, world())
	end

	before_each(function()
		a = netns.add(A)
		b = netns.add(B)
		a:link_add("veth0", "veth", { peer = "veth1" })
		a:link_add("br0", "bridge")
		a:addr_add("veth0", "10.0.0.1/24")
		b:link_add("taken", "bridge")
		before = world()
	end)

	after_each(function()
		a:close()
		b:close()
		ip.cleanup(P)
	end)

	describe("namespace names", function()
		it("are refused by add, open and delete, naming the bad value #root", function()
			for _, c in ipairs(bad_nsnames) do
				local name, why, seen = c[1], c[2], shown(c[1])
				refused("netns: add: namespace name '" .. seen .. "' " .. why, netns.add, name)
				refused("netns: open: namespace name '" .. seen .. "' " .. why, netns.open, name)
				refused("netns: delete: namespace name '" .. seen .. "' " .. why, netns.delete, name)
			end
			unchanged()
		end)

		it("are refused where an option names a namespace #root", function()
			for _, c in ipairs(bad_nsnames) do
				local name, why, seen = c[1], c[2], shown(c[1])
				refused("netns: link_set: option 'ns': namespace name '" .. seen .. "' " .. why,
					a.link_set, a, "veth0", { ns = name })
				refused("netns: link_add: option 'peer_ns': namespace name '" .. seen .. "' " .. why,
					a.link_add, a, "vnew", "veth", { peer = "vpeer", peer_ns = name })
			end
			unchanged()
		end)

		it("must be strings #root", function()
			refused("netns: add: namespace name must be a string, not number", netns.add, 42)
			refused("netns: open: namespace name must be a string, not nil", netns.open, nil)
			refused("netns: open: namespace name is required", netns.open)
			refused("netns: delete: namespace name must be a string, not table", netns.delete, {})
			unchanged()
		end)

		it("of 255 bytes, and with a ':', are accepted, as ip netns add takes them #root", function()
			for _, name in ipairs { P .. ("n"):rep(255 - #P), P .. "a:b" } do
				local ns <close> = netns.add(name)
				assert.is_true(ip.has_netns(name), name)
				ns:link_add("br0", "bridge")
				assert.truthy(ip.link(name, "br0"), name)
				netns.delete(name)
				assert.is_false(ip.has_netns(name), name)
			end
		end)
	end)

	describe("interface names", function()
		it("are refused by every method that takes one, naming the bad value #root", function()
			for _, c in ipairs(bad_ifnames) do
				local name, why, seen = c[1], c[2], shown(c[1])
				local msg = "interface name '" .. seen .. "' " .. why
				refused("netns: link_add: " .. msg, a.link_add, a, name, "bridge")
				refused("netns: link_set: " .. msg, a.link_set, a, name, { up = true })
				refused("netns: link_del: " .. msg, a.link_del, a, name)
				refused("netns: link: " .. msg, a.link, a, name)
				refused("netns: addr_add: " .. msg, a.addr_add, a, name, "10.0.9.1/24")
				refused("netns: addr_del: " .. msg, a.addr_del, a, name, "10.0.0.1/24")
				refused("netns: addrs: " .. msg, a.addrs, a, name)
			end
			unchanged()
		end)

		it("are refused in the peer, name and master options #root", function()
			for _, c in ipairs(bad_ifnames) do
				local name, why, seen = c[1], c[2], shown(c[1])
				refused("netns: link_add: option 'peer': name '" .. seen .. "' " .. why,
					a.link_add, a, "vnew", "veth", { peer = name, peer_ns = b })
				refused("netns: link_set: option 'name': name '" .. seen .. "' " .. why,
					a.link_set, a, "veth0", { name = name, up = true })
				refused("netns: link_set: option 'master': name '" .. seen .. "' " .. why,
					a.link_set, a, "veth0", { master = name, mtu = 1400 })
			end
			unchanged()
		end)

		it("of 15 bytes are accepted #root", function()
			a:link_add("veth-0123456789", "veth", { peer = "peer-0123456789", peer_ns = b })
			assert.is_not_nil(ip.link(A, "veth-0123456789"))
			assert.is_not_nil(ip.link(B, "peer-0123456789"))
		end)
	end)

	describe("link options", function()
		it("refuses a veth without a peer #root", function()
			refused("netns: link_add: a veth needs option 'peer' (the other end's name)",
				a.link_add, a, "vnew", "veth")
			refused("netns: link_add: a veth needs option 'peer' (the other end's name)",
				a.link_add, a, "vnew", "veth", { peer_ns = b })
			unchanged()
		end)

		it("refuses peer and peer_ns for a bridge #root", function()
			-- a bridge has its own options (its VLAN settings) as every kind but veth: named as theirs are
			refused("netns: link_add: option 'peer' is not an option of a bridge",
				a.link_add, a, "brx", "bridge", { peer = "x" })
			refused("netns: link_add: option 'peer_ns' is not an option of a bridge",
				a.link_add, a, "brx", "bridge", { peer_ns = b })
			unchanged()
		end)

		it("refuses an unknown kind #root", function()
			refused("netns: link_add: kind 'gre6' is not one of veth, bridge, dummy, vlan, macvlan, ipvlan, vxlan, vrf, bond, gre, gretap, ipip, sit, ip6gre, ip6tnl, wireguard",
				a.link_add, a, "d0", "gre6")
			refused("netns: link_add: kind 'Veth' is not one of veth, bridge, dummy, vlan, macvlan, ipvlan, vxlan, vrf, bond, gre, gretap, ipip, sit, ip6gre, ip6tnl, wireguard",
				a.link_add, a, "d0", "Veth", { peer = "d1" })
			refused("netns: link_add: kind must be a string, not nil", a.link_add, a, "d0", nil)
			unchanged()
		end)

		it("refuses an unknown option key, guessing the one meant, and applies none of the others #root", function()
			refused("netns: link_set: unknown option 'upp' (did you mean 'up'?)", a.link_set, a, "veth0", { upp = true, mtu = 1400 })
			refused("netns: link_add: unknown option 'peers' (did you mean 'peer'?)",
				a.link_add, a, "vnew", "veth", { peer = "vpeer", peers = "x" })
			refused("netns: addr_add: unknown option 'nodadd' (did you mean 'nodad'?)",
				a.addr_add, a, "veth0", "fd00::1/64", { nodadd = true })
			refused("netns: run: unknown option 'timeout_s' (did you mean 'timeout'?)", a.run, a, { "true" }, { timeout_s = 1 })
			-- a key too far from every known one gets no guess
			refused("netns: link_set: unknown option 'colour'", a.link_set, a, "veth0", { colour = "red" })
			refused("netns: link_set: option keys must be strings, not number '1'", a.link_set, a, "veth0", { true })
			unchanged()
		end)

		it("refuses options of the wrong type #root", function()
			refused("netns: link_set: options must be a table, not string", a.link_set, a, "veth0", "up")
			refused("netns: link_set: options must be a table, not nil", a.link_set, a, "veth0")
			refused("netns: link_add: options must be a table, not string", a.link_add, a, "brx", "bridge", "x")
			refused("netns: link_set: option 'up' must be a boolean, not string",
				a.link_set, a, "veth0", { up = "yes" })
			refused("netns: link_set: option 'master' must be a bridge's, bond's or vrf's name or false, not 'true'",
				a.link_set, a, "veth0", { master = true })
			refused("netns: link_set: option 'master' must be a bridge's, bond's or vrf's name or false, not '42'",
				a.link_set, a, "veth0", { master = 42 })
			refused("netns: link_set: option 'ns' must be a namespace handle or name, not number",
				a.link_set, a, "veth0", { ns = 42 })
			refused("netns: link_set: option 'name' must be a string, not boolean",
				a.link_set, a, "veth0", { name = true })
			refused("netns: link_set: option 'address' must be a string, not number",
				a.link_set, a, "veth0", { address = 2 })
			refused("netns: addr_add: option 'nodad' must be a boolean, not string",
				a.addr_add, a, "veth0", "fd00::1/64", { nodad = "yes" })
			unchanged()
		end)

		it("refuses a closed namespace handle as ns or peer_ns #root", function()
			local c = netns.open(B)
			c:close()
			refused("netns: link_set: option 'ns' is a closed namespace handle", a.link_set, a, "veth0", { ns = c })
			refused("netns: link_add: option 'peer_ns' is a closed namespace handle",
				a.link_add, a, "vnew", "veth", { peer = "vpeer", peer_ns = c })
			unchanged()
		end)

		it("refuses an mtu outside 68..65535 or not an integer #root", function()
			for _, mtu in ipairs({ 0, 10, 67, 65536, 70000, -1, 1.5, "big" }) do
				local msg = "option 'mtu' must be an integer in 68..65535, not '" .. tostring(mtu) .. "'"
				refused("netns: link_set: " .. msg, a.link_set, a, "veth0", { mtu = mtu })
				refused("netns: link_add: " .. msg, a.link_add, a, "vnew", "veth", { peer = "vpeer", mtu = mtu })
				refused("netns: link_add: " .. msg, a.link_add, a, "brx", "bridge", { mtu = mtu })
			end
			unchanged()
		end)

		it("refuses a malformed, multicast or all-zero MAC address #root", function()
			local cases = {
				{ "zz:00:00:00:00:01", "is not a MAC address (aa:bb:cc:dd:ee:ff)" },
				{ "02:00:00:00:01", "is not a MAC address (aa:bb:cc:dd:ee:ff)" },
				{ "02:00:00:00:00:01:02", "is not a MAC address (aa:bb:cc:dd:ee:ff)" },
				{ "02-00-00-00-00-01", "is not a MAC address (aa:bb:cc:dd:ee:ff)" },
				{ " 2:00:00:00:00:01", "is not a MAC address (aa:bb:cc:dd:ee:ff)" },
				{ "", "is not a MAC address (aa:bb:cc:dd:ee:ff)" },
				{ "01:00:5e:00:00:01", "is a multicast MAC address" },
				{ "ff:ff:ff:ff:ff:ff", "is a multicast MAC address" },
				{ "00:00:00:00:00:00", "is the all-zero MAC address" },
			}
			for _, c in ipairs(cases) do
				local msg = "option 'address': '" .. c[1] .. "' " .. c[2]
				refused("netns: link_set: " .. msg, a.link_set, a, "veth0", { address = c[1] })
				refused("netns: link_add: " .. msg, a.link_add, a, "brx", "bridge", { address = c[1] })
			end
			unchanged()
		end)
	end)

	describe("addresses", function()
		it("refuses malformed addresses and prefix lengths, naming the value #root", function()
			local cases = {
				{ "1.2.3.4/33", "has a prefix length outside 0..32" },
				{ "1.2.3.4/0033", "has a prefix length outside 0..32" },
				{ "1.2.3.4/24x", "has a prefix length outside 0..32" },
				{ "::1/129", "has a prefix length outside 0..128" },
				{ "fd00::1/1000", "has a prefix length outside 0..128" },
				{ "1.2.3", "is not an IPv4 or IPv6 address" },
				{ "foo", "is not an IPv4 or IPv6 address" },
				{ "256.1.1.1/24", "is not an IPv4 or IPv6 address" },
				{ "", "is not an IPv4 or IPv6 address" },
				{ "1.2.3.4/", "has no prefix length after '/'" },
				{ "1.2.3.4/-1", "has no prefix length after '/'" },
				{ "1.2.3.4/ 24", "has no prefix length after '/'" },
				{ "/24", "is not an address/prefix" },
			}
			for _, c in ipairs(cases) do
				local msg = "address '" .. c[1] .. "' " .. c[2]
				refused("netns: addr_add: " .. msg, a.addr_add, a, "veth0", c[1])
				refused("netns: addr_add: " .. msg, a.addr_add, a, "veth0", c[1], { nodad = true })
				refused("netns: addr_del: " .. msg, a.addr_del, a, "veth0", c[1])
			end
			unchanged()
		end)

		it("refuses an address that is not a string #root", function()
			refused("netns: addr_add: address must be a string, not number", a.addr_add, a, "veth0", 42)
			refused("netns: addr_del: address must be a string, not nil", a.addr_del, a, "veth0", nil)
			unchanged()
		end)
	end)

	describe("run arguments", function()
		it("are refused before anything runs #root", function()
			local cases = {
				{ "netns: run: argv must be a table, not string", "ls" },
				{ "netns: run: argv must be a non-empty table of strings", {} },
				{ "netns: run: argv[2] must be a string, not number", { "ls", 3 } },
				{ "netns: run: argv[1] is empty", { "" } },
				{ "netns: run: option 'timeout' must be a number of seconds > 0, not '-1'", { "true" }, { timeout = -1 } },
				{ "netns: run: option 'timeout' must be a number of seconds > 0, not '0'", { "true" }, { timeout = 0 } },
				{ "netns: run: option 'timeout' must be a number of seconds > 0, not 'x'", { "true" }, { timeout = "x" } },
				{ "netns: run: option 'env' must be a table of NAME = value", { "true" }, { env = "x" } },
				{ "netns: run: option 'env': '1' must map a string name to a string value", { "true" }, { env = { 1, 2 } } },
				{ "netns: run: option 'env': bad variable name 'A=B'", { "true" }, { env = { ["A=B"] = "x" } } },
				{ "netns: run: option 'env': bad variable name ''", { "true" }, { env = { [""] = "x" } } },
				{ "netns: run: option 'stdin' must be a string, not number", { "true" }, { stdin = 5 } },
				{ "netns: run: options must be a table, not string", { "true" }, "fast" },
			}
			-- a file the command would create if it ran
			local mark = proc.tmpname("er-mark")
			for _, c in ipairs(cases) do
				local argv = c[2]
				if type(argv) == "table" and argv[1] == "true" then
					argv = { "touch", mark }
				end
				refused(c[1], a.run, a, argv, c[3])
				assert.is_nil(proc.read(mark), c[1])
			end
			assert.same({}, proc.zombies())
			unchanged()
		end)
	end)

	describe("kernel errors", function()
		it("refuse a link name that exists and add no device #root", function()
			refused("netns: link_add br0 in " .. A .. ": File exists (EEXIST)", a.link_add, a, "br0", "bridge")
			refused("netns: link_add veth0 in " .. A .. ": File exists (EEXIST)",
				a.link_add, a, "veth0", "veth", { peer = "vnew", peer_ns = b })
			refused("netns: link_add br0 in " .. A .. ": File exists (EEXIST)",
				a.link_add, a, "br0", "veth", { peer = "vnew" })
			unchanged()
		end)

		it("leave neither veth end behind when the peer's name is taken in the peer namespace #root", function()
			refused("netns: link_add vnew in " .. A .. ": File exists (EEXIST)",
				a.link_add, a, "vnew", "veth", { peer = "taken", peer_ns = b })
			refused("netns: link_add vnew in " .. A .. ": File exists (EEXIST)",
				a.link_add, a, "vnew", "veth", { peer = "veth1" })
			refused("netns: link_add vnew in " .. A .. ": File exists (EEXIST)",
				a.link_add, a, "vnew", "veth", { peer = "vnew" })
			unchanged()
		end)

		it("name the missing device for addr_add and addr_del #root", function()
			refused("netns: addr_add 10.0.9.1/24 on nodev in " .. A .. ": No such device (ENODEV)",
				a.addr_add, a, "nodev", "10.0.9.1/24")
			refused("netns: addr_del 10.0.0.1/24 on nodev in " .. A .. ": No such device (ENODEV)",
				a.addr_del, a, "nodev", "10.0.0.1/24")
			refused("netns: addrs nodev in " .. A .. ": No such device (ENODEV)", a.addrs, a, "nodev")
			unchanged()
		end)

		it("refuse an address that is already there, or not there to delete #root", function()
			refused_with_prefix("netns: addr_add 10.0.0.1/24 on veth0 in " .. A .. ": File exists (EEXIST)",
				a.addr_add, a, "veth0", "10.0.0.1/24")
			refused_with_prefix("netns: addr_del 10.0.9.9/24 on veth0 in " .. A
				.. ": Cannot assign requested address (EADDRNOTAVAIL)",
				a.addr_del, a, "veth0", "10.0.9.9/24")
			unchanged()
		end)

		it("name the missing device for link_set and link_del #root", function()
			refused("netns: link_set nodev in " .. A .. ": No such device (ENODEV)", a.link_set, a, "nodev", { up = true })
			refused("netns: link_set nodev in " .. A .. ": No such device (ENODEV)",
				a.link_set, a, "nodev", { name = "x" })
			refused("netns: link_del nodev in " .. A .. ": No such device (ENODEV)", a.link_del, a, "nodev")
			unchanged()
			-- the peer of a veth in another namespace is not here
			a:link_add("vx", "veth", { peer = "vy", peer_ns = b })
			before = world()
			refused("netns: link_del vy in " .. A .. ": No such device (ENODEV)", a.link_del, a, "vy")
			unchanged()
		end)

		it("name a missing master and change nothing else #root", function()
			refused("netns: link_set veth0 in " .. A .. ": No such device (ENODEV): master nodev not found in " .. A,
				a.link_set, a, "veth0", { master = "nodev", mtu = 1400, up = true })
			-- the master is looked up where the device goes
			refused("netns: link_set veth0 in " .. A .. ": No such device (ENODEV): master br0 not found in " .. B,
				a.link_set, a, "veth0", { master = "br0", ns = b })
			unchanged()
		end)

		it("refuse a rename to a name that is taken #root", function()
			refused("netns: link_set veth0 in " .. A .. ": File exists (EEXIST): br0 exists in " .. A,
				a.link_set, a, "veth0", { name = "br0" })
			unchanged()
		end)

		it("name a namespace that does not exist #root", function()
			refused("netns: link_set veth0 (namespace " .. P .. "zz) in " .. A
				.. ": No such file or directory (ENOENT)", a.link_set, a, "veth0", { ns = P .. "zz" })
			refused("netns: link_add vnew (namespace " .. P .. "zz) in " .. A
				.. ": No such file or directory (ENOENT)", a.link_add, a, "vnew", "veth",
				{ peer = "vpeer", peer_ns = P .. "zz" })
			unchanged()
		end)

		it("append the kernel's own explanation when it gives one #root", function()
			-- a gateway that is not on a link: every kernel says why
			refused("netns: route_add 10.5.0.0/16 in " .. A .. ": Network is unreachable (ENETUNREACH): "
				.. "Nexthop has invalid gateway", a.route_add, a, { dst = "10.5.0.0/16", via = "10.9.9.9" })
			unchanged()
			-- a bridge cannot change namespace; Linux 6.14+ says why ("The
			-- interface netns is immutable"), an older one (6.1) only EINVAL:
			-- then nothing is appended, not even the ": "
			local prefix = "netns: link_set br0 in " .. A .. ": Invalid argument (EINVAL)"
			local err = refused_with_prefix(prefix, a.link_set, a, "br0", { ns = b })
			if err ~= prefix then
				assert.equal(prefix .. ": ", err:sub(1, #prefix + 2), err)
				assert.truthy(err:find("netns", #prefix + 3, true), err)
			end
			unchanged()
			-- a device whose name is taken in the target namespace
			b:link_add("veth0", "bridge")
			before = world()
			err = refused_with_prefix("netns: link_set veth0 in " .. A .. ": File exists (EEXIST): ",
				a.link_set, a, "veth0", { ns = b })
			assert.is_true(#err > #("netns: link_set veth0 in " .. A .. ": File exists (EEXIST): "), err)
			unchanged()
		end)

		it("leave no text from an earlier kernel error in a later message #root", function()
			proc.error_of(a.route_add, a, { dst = "10.5.0.0/16", via = "10.9.9.9" })	-- has kernel text
			refused("netns: link_del nodev in " .. A .. ": No such device (ENODEV)", a.link_del, a, "nodev")
			proc.error_of(a.link_set, a, "br0", { ns = b })	-- has kernel text on 6.14+
			refused("netns: link_del nodev in " .. A .. ": No such device (ENODEV)", a.link_del, a, "nodev")
			unchanged()
		end)

		-- link_set sends every attribute in one RTM_NEWLINK and the kernel applies
		-- them one after the other (namespace, address, mtu, name, master, flags),
		-- so what can be known to fail is refused before anything is sent.
		it("leave the mtu alone when enslaving to a device that is not a bridge fails #root", function()
			refused("netns: link_set veth0 in " .. A .. ": Operation not supported (EOPNOTSUPP): master veth1 is a veth, not a bridge, bond or vrf",
				a.link_set, a, "veth0", { mtu = 1400, master = "veth1" })
			unchanged()
		end)

		it("leave the device where it was when the new name is taken in the target namespace #root", function()
			a:link_add("vmove", "veth", { peer = "vstay" })
			before = world()
			refused("netns: link_set vmove in " .. A .. ": File exists (EEXIST): taken exists in " .. B,
				a.link_set, a, "vmove", { ns = b, name = "taken" })
			unchanged()
		end)
	end)
end)
