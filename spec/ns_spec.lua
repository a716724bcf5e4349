-- spec/ns_spec.lua - namespaces: add, open, host, list, delete, and the handle's life (close, __close, __gc).
local netns = require "netns"
local ip = require "support.ip"
local proc = require "support.proc"
local json = require "support.json"

local P = "t-ns-"

local closed_msg = "netns: the namespace handle is closed"

describe("namespaces", function()
	after_each(function()
		ip.cleanup(P)
	end)

	it("creates a namespace that ip netns list shows and ip netns exec can enter #root", function()
		local ns <close> = netns.add(P .. "a")
		assert.is_true(ip.has_netns(P .. "a"))
		local out, code = ip.netns_exec(P .. "a", { "ip", "-j", "link" })
		assert.equal(0, code)
		local links = json.decode(out)
		assert.equal(1, #links)
		assert.equal("lo", links[1].ifname)
	end)

	it("makes namespaces that reach a mount namespace forked off before them, as iproute2's do #root", function()
		local first <close> = netns.add(P .. "a")
		-- a mount namespace copied from ours now: it sees a later namespace
		-- only if the bind mount propagates to it
		local mark = proc.tmpname("ns-mark")
		local f = assert(io.popen(("unshare --mount --propagation unchanged sh -c 'touch %s; read x; "
			.. "ip netns exec %sa true && ip netns exec %sb true' >/dev/null 2>&1"):format(mark, P, P), "w"))
		assert.truthy(proc.wait_until(function() return proc.read(mark) end), "the forked-off mount namespace started")
		os.remove(mark)
		local second <close> = netns.add(P .. "b")
		f:write("go\n")
		assert.is_true(f:close(), "the forked-off mount namespace could not enter both namespaces")
	end)

	it("creates a fresh namespace, not the suite's #root", function()
		local ns <close> = netns.add(P .. "a")
		ip.ip("link", "add", P .. "br", "type", "bridge")
		assert.is_nil(ip.link(P .. "a", P .. "br"))
		assert.is_nil(ns:link(P .. "br"))
	end)

	it("opens a namespace made by ip netns add and lists its links #root", function()
		ip.ip("netns", "add", P .. "ip")
		ip.ip("-n", P .. "ip", "link", "add", "br-ip", "type", "bridge")
		local ns <close> = netns.open(P .. "ip")
		assert.equal(P .. "ip", ns.name)
		local names = {}
		for _, l in ipairs(ns:links()) do
			names[#names + 1] = l.name
		end
		table.sort(names)
		assert.same(ip.link_names(P .. "ip"), names)
		assert.same({ "br-ip", "lo" }, names)
	end)

	it("opens the suite's own namespace with host() #root", function()
		ip.ip("link", "add", P .. "hbr", "type", "bridge")
		local host <close> = netns.host()
		assert.is_nil(host.name)
		assert.is_nil(host.path)
		assert.equal("netns.ns (host)", tostring(host))
		local names = {}
		for _, l in ipairs(host:links()) do
			names[#names + 1] = l.name
		end
		table.sort(names)
		assert.same(ip.link_names(nil), names)
		assert.is_not_nil(host:link(P .. "hbr"))
	end)

	it("lists the names of /run/netns sorted, as ip netns list does #root", function()
		local c <close> = netns.add(P .. "c")
		local a <close> = netns.add(P .. "a")
		ip.ip("netns", "add", P .. "b")
		local list = netns.list()
		local sorted = { table.unpack(list) }
		table.sort(sorted)
		assert.same(sorted, list)
		assert.same(ip.netns_names(), list)
		local ours = {}
		for _, n in ipairs(list) do
			if n:sub(1, #P) == P then
				ours[#ours + 1] = n
			end
		end
		assert.same({ P .. "a", P .. "b", P .. "c" }, ours)
	end)

	it("deletes a namespace by name, and the name can be used again at once #root", function()
		local ns <close> = netns.add(P .. "a")
		netns.delete(P .. "a")
		assert.is_false(ip.has_netns(P .. "a"))
		local again <close> = netns.add(P .. "a")
		assert.is_true(ip.has_netns(P .. "a"))
	end)

	it("deletes a namespace made by ip netns add #root", function()
		ip.ip("netns", "add", P .. "ip")
		netns.delete(P .. "ip")
		assert.is_false(ip.has_netns(P .. "ip"))
	end)

	it("deletes its own namespace with ns:delete() and closes the handle #root", function()
		local ns <close> = netns.add(P .. "a")
		ns:delete()
		assert.is_false(ip.has_netns(P .. "a"))
		assert.equal("netns.ns (closed)", tostring(ns))
		assert.equal(closed_msg, proc.error_of(ns.links, ns))
	end)

	it("refuses to add a name that exists and leaves that namespace alone #root", function()
		local ns <close> = netns.add(P .. "a")
		ns:link_add("br-keep", "bridge")
		local err = proc.error_of(netns.add, P .. "a")
		assert.equal("netns: add " .. P .. "a in host: File exists (EEXIST)", err)
		assert.is_true(ip.has_netns(P .. "a"))
		assert.is_not_nil(ip.link(P .. "a", "br-keep"))
		assert.is_not_nil(ns:link("br-keep"))
	end)

	it("refuses to open a namespace that does not exist #root", function()
		local err = proc.error_of(netns.open, P .. "missing")
		assert.equal("netns: open " .. P .. "missing in host: No such file or directory (ENOENT)", err)
		assert.is_false(ip.has_netns(P .. "missing"))
	end)

	it("refuses to delete a namespace that does not exist #root", function()
		local err = proc.error_of(netns.delete, P .. "missing")
		assert.equal("netns: delete " .. P .. "missing in host: No such file or directory (ENOENT)", err)
	end)

	it("refuses to open a plain file in /run/netns as a namespace #root", function()
		local path = "/run/netns/" .. P .. "plain"
		local f = assert(io.open(path, "w"))
		f:close()
		finally(function() os.remove(path) end)
		local err = proc.error_of(netns.open, P .. "plain")
		assert.equal("netns: open " .. P .. "plain in host: Invalid argument (EINVAL)", err)
	end)

	it("refuses to delete the host namespace #root", function()
		ip.ip("link", "add", P .. "hbr", "type", "bridge")
		local own = proc.readlink(nil, "/proc/self/ns/net")
		local names = ip.netns_names()
		local host <close> = netns.host()
		assert.equal("netns: delete: the host namespace cannot be deleted", proc.error_of(host.delete, host))
		-- nothing went: this process is where it was, every name and device is there
		assert.equal(own, proc.readlink(nil, "/proc/self/ns/net"))
		assert.equal("net:[" .. host.id .. "]", own)
		assert.same(names, ip.netns_names())
		assert.is_not_nil(ip.link(nil, P .. "hbr"))
		-- and the handle still works: it lists what ip lists
		local listed = {}
		for _, l in ipairs(host:links()) do
			listed[#listed + 1] = l.name
		end
		table.sort(listed)
		assert.same(ip.link_names(nil), listed)
	end)

	it("raises on every method of a closed handle #root", function()
		local ns = netns.add(P .. "a")
		ns:close()
		ns:close()	-- twice is harmless
		local calls = {
			delete = {}, links = {}, link = { "lo" },
			link_add = { "br", "bridge" }, link_set = { "lo", { up = true } }, link_del = { "lo" },
			addr_add = { "lo", "10.0.0.1/8" }, addr_del = { "lo", "10.0.0.1/8" }, addrs = {},
			run = { { "true" } },
		}
		for method, args in pairs(calls) do
			local ok, err = pcall(ns[method], ns, table.unpack(args))
			assert.is_false(ok, method)
			assert.equal(closed_msg, tostring(err), method)
			assert.equal("EBADF", err.code, method)
		end
		assert.equal("netns.ns (closed)", tostring(ns))
		-- closing did not delete the namespace
		assert.is_true(ip.has_netns(P .. "a"))
	end)

	it("closes a <close> handle at the end of its scope, also on an error #root", function()
		local kept
		do
			local ns <close> = netns.add(P .. "a")
			kept = ns
			assert.equal("netns.ns (" .. P .. "a)", tostring(kept))
		end
		assert.equal("netns.ns (closed)", tostring(kept))
		local ok = pcall(function()
			local ns <close> = netns.open(P .. "a")
			kept = ns
			error("boom")
		end)
		assert.is_false(ok)
		assert.equal("netns.ns (closed)", tostring(kept))
		assert.is_true(ip.has_netns(P .. "a"))
	end)

	it("releases its descriptors on close and on garbage collection #root", function()
		local ns <close> = netns.add(P .. "a")
		ns:links()	-- opens its netlink socket
		collectgarbage()
		collectgarbage()
		local before = proc.fd_count()
		for _ = 1, 20 do
			local x = netns.open(P .. "a")
			x:links()
			x:close()
			local y = netns.open(P .. "a")
			y:links()
			y = nil	-- luacheck: ignore
		end
		local dropped = netns.add(P .. "b")
		dropped:links()
		dropped = nil	-- luacheck: ignore
		collectgarbage()
		collectgarbage()
		assert.equal(before, proc.fd_count())
		-- collection closes, it does not delete
		assert.is_true(ip.has_netns(P .. "b"))
		assert.same({ "lo" }, ip.link_names(P .. "b"))
	end)

	it("describes itself with tostring, name and path #root", function()
		local ns <close> = netns.add(P .. "a")
		assert.equal("netns.ns (" .. P .. "a)", tostring(ns))
		assert.equal(P .. "a", ns.name)
		assert.equal("/run/netns/" .. P .. "a", ns.path)
		local f = io.open(ns.path)
		assert.is_not_nil(f)
		f:close()
		assert.is_nil(ns.no_such_field)
	end)

	it("lets two handles of one namespace work side by side #root", function()
		local a <close> = netns.add(P .. "a")
		local b <close> = netns.open(P .. "a")
		a:link_add("br0", "bridge")
		assert.is_not_nil(b:link("br0"))
		assert.is_not_nil(ip.link(P .. "a", "br0"))
		b:link_set("br0", { up = true })
		assert.is_true(ip.flags(ip.link(P .. "a", "br0")).UP)
		a:close()
		b:link_del("br0")
		assert.is_nil(ip.link(P .. "a", "br0"))
	end)

	it("keeps working through a handle after the name is deleted #root", function()
		local ns <close> = netns.add(P .. "a")
		netns.delete(P .. "a")
		assert.is_false(ip.has_netns(P .. "a"))
		ns:link_add("br0", "bridge")
		assert.is_not_nil(ns:link("br0"))
		-- the namespace has no name now: ip reaches it through the handle's own
		-- descriptor, /proc/PID/fd/N
		local path = proc.ns_fd_path(ns.id)
		assert.is_string(path, "no descriptor of this process holds net:[" .. ns.id .. "]")
		local out, code = proc.exec({ "nsenter", "--net=" .. path, "ip", "-j", "link", "show" })
		assert.equal(0, code)
		local names = {}
		for _, l in ipairs(json.decode(out)) do
			names[#names + 1] = l.ifname
		end
		table.sort(names)
		assert.same({ "br0", "lo" }, names)
	end)
end)

describe("the netns module", function()
	after_each(function()
		ip.cleanup(P)
	end)

	it("has a version string, the project's version", function()
		assert.is_string(netns.version)
		local cmake = proc.read(proc.root .. "/CMakeLists.txt")
		local version = cmake:match("project%(netlab VERSION ([%d.]+)")
		assert.is_string(version, "CMakeLists.txt names the project's version")
		assert.equal(version, netns.version)
	end)

	it("can be loaded twice in one Lua state #root", function()
		local first = netns
		package.loaded.netns = nil
		local second = require "netns"
		package.loaded.netns = first
		local a <close> = first.add(P .. "a")
		local b <close> = second.open(P .. "a")
		a:link_add("br0", "bridge")
		assert.is_not_nil(b:link("br0"))
		assert.equal("bridge", ip.kind(ip.link(P .. "a", "br0")))
		assert.equal(getmetatable(a), getmetatable(b))
		assert.same(first.list(), second.list())
		assert.same(ip.netns_names(), second.list())
	end)
end)

describe("namespaces made ready in one step", function()
	after_each(function()
		ip.cleanup("t-nx-")
	end)

	it("bring lo up and set sysctls inside the new namespace #root", function()
		local ns <close> = netns.add("t-nx-a", { lo_up = true, sysctl = {
			["net.ipv4.ip_forward"] = 1, ["net.ipv6.conf.default.accept_dad"] = "0" } })
		assert.is_true(ip.flags(ip.link("t-nx-a", "lo")).UP)
		assert.equal("1\n", ip.netns_exec("t-nx-a", { "cat", "/proc/sys/net/ipv4/ip_forward" }))
		assert.equal("0\n", ip.netns_exec("t-nx-a", { "cat", "/proc/sys/net/ipv6/conf/default/accept_dad" }))
		-- the suite's own namespace is untouched
		local f = assert(io.open("/proc/sys/net/ipv6/conf/default/accept_dad"))
		assert.equal("1", f:read("l"))
		f:close()
	end)

	it("leave nothing when a sysctl fails or is malformed #root", function()
		local err = proc.error_of(netns.add, "t-nx-b", { sysctl = { ["net.ipv4.nope"] = "1" } })
		assert.equal("netns: add t-nx-b (sysctl net.ipv4.nope) in host: No such file or directory (ENOENT)", err)
		err = proc.error_of(netns.add, "t-nx-b", { sysctl = { ["kernel.hostname"] = "x" } })
		assert.equal("netns: add: option 'sysctl': sysctl key 'kernel.hostname' is not a net.* key (only those belong to a network namespace)", err)
		err = proc.error_of(netns.add, "t-nx-b", { lo = true })
		assert.equal("netns: add: unknown option 'lo'", err)
		assert.same({}, ip.netns_names())
	end)
end)

describe("namespaces by path, identity, exec and time", function()
	after_each(function()
		ip.cleanup("t-np-")
	end)

	it("open by path, with the inode ip and readlink show as the id #root", function()
		local ns <close> = netns.add("t-np-a")
		local ino = proc.exec({ "stat", "-L", "-c", "%i", "/run/netns/t-np-a" }):match("%d+")
		assert.equal(tonumber(ino), ns.id)
		local by_path <close> = netns.open_path("/run/netns/t-np-a")
		assert.equal(ns.id, by_path.id)
		assert.is_nil(by_path.path)
		local self_id = tonumber(proc.exec({ "readlink", "/proc/self/ns/net" }):match("%[(%d+)%]"))
		local host <close> = netns.open_path("/proc/self/ns/net")
		assert.equal(self_id, host.id)
		assert.equal(self_id, netns.host().id)
		-- a device made through the handle opened by path is in that namespace
		by_path:link_add("vp0", "veth", { peer = "vp1" })
		assert.truthy(ip.link("t-np-a", "vp0"))
		assert.equal("netns: delete: a namespace opened by path has no name under /run/netns",
			proc.error_of(by_path.delete, by_path))
	end)

	it("refuses a relative path and a file that is not a network namespace #root", function()
		assert.equal("netns: open_path: namespace path 'run/netns/x' is not an absolute path",
			proc.error_of(netns.open_path, "run/netns/x"))
		assert.equal("netns: open_path /etc/hostname in host: Invalid argument (EINVAL)",
			proc.error_of(netns.open_path, "/etc/hostname"))
		assert.equal("netns: open_path /proc/self/ns/mnt in host: Invalid argument (EINVAL)",
			proc.error_of(netns.open_path, "/proc/self/ns/mnt"))
	end)

	it("exec replaces the calling process by the command inside the namespace #root", function()
		local ns <close> = netns.add("t-np-e")
		-- in a child Lua: exec does not return
		local out, code = proc.exec(proc.lua([[
			local netns = require "netns"
			netns.open("t-np-e"):exec({ "sh", "-c", "readlink /proc/self/ns/net; ls /sys/class/net; exit 3" },
				{ env = { GREETING = "hi" } })
		]]))
		assert.equal(3, code)
		assert.equal("net:[" .. ns.id .. "]\nlo\n", out)
		local _, code2 = proc.exec(proc.lua([[
			local netns = require "netns"
			local ok, err = pcall(netns.open("t-np-e").exec, netns.open("t-np-e"), { "no-such-program-here" })
			io.stderr:write(tostring(err), "\n")
			os.exit(ok and 0 or 9)
		]]))
		assert.equal(9, code2)
	end)

	it("leaves the caller as it was when exec fails: namespaces, environment, directory #root", function()
		local ns <close> = netns.add("t-np-e")
		local out, code = proc.exec(proc.lua([[
			local netns = require "netns"
			local function link(n) local f = io.popen("readlink /proc/self/ns/" .. n); local s = f:read("a"); f:close(); return s end
			local function here() local f = io.popen("pwd"); local s = f:read("a"); f:close(); return s end
			local before = { netns.host().id, link("net"), link("mnt"), here() }
			local red = netns.open("t-np-e")
			local ok, err = pcall(red.exec, red, { "/nonexistent/t-np-prog" }, { env = { T_NP_FOO = "bar" } })
			assert(not ok and err.code == "ENOENT", tostring(err))
			local after = { netns.host().id, link("net"), link("mnt"), here() }
			for i = 1, 4 do assert(before[i] == after[i], ("%d: %s ~= %s"):format(i, before[i], after[i])) end
			assert(os.getenv("T_NP_FOO") == nil, "the environment changed")
			-- and it goes on working where it is
			local again = netns.add("t-np-f")
			again:delete()
			io.write("same\n")
		]]), true)
		assert.equal(0, code, out)
		assert.equal("same\n", out)
		assert.is_false(ip.has_netns("t-np-f"))
	end)

	it("refuses exec as_user in root's user namespace (no ordinary user to run as) and leaves the caller as it was #root", function()
		local why = require("support.rootless").needs_root("its user namespace is root's only in the root run")
		if why then pending(why) return end
		local ns <close> = netns.add("t-np-u")
		local out, code = proc.exec(proc.lua([[
			local netns = require "netns"
			local function link(n) local f = io.popen("readlink /proc/self/ns/" .. n); local s = f:read("a"); f:close(); return s end
			local before = { link("user"), link("net"), link("mnt") }
			local ok, err = pcall(netns.open("t-np-u").exec, netns.open("t-np-u"), { "true" }, { as_user = true })
			assert(not ok and err.code == "EINVAL", tostring(err))
			io.write(tostring(err), "\n")
			local after = { link("user"), link("net"), link("mnt") }
			for i = 1, 3 do assert(before[i] == after[i], ("%d: %s ~= %s"):format(i, before[i], after[i])) end
		]]), true)
		assert.equal(0, code, out)
		assert.matches("this user namespace is root's: there is no ordinary user to run as\n$", out)
	end)

	it("tells monotonic time and sleeps", function()
		-- the clock is CLOCK_MONOTONIC, as lua-system reads it
		local before = proc.now()
		local t0 = netns.clock()
		local after = proc.now()
		assert.truthy(t0 >= before - 0.001 and t0 <= after + 0.001, ("%f not in %f..%f"):format(t0, before, after))
		-- a sleep takes at least its time, and not far more (a loaded machine may add up to a second)
		for _, s in ipairs({ 0.05, 0.5 }) do
			local t1 = netns.clock()
			local took = proc.timed(netns.sleep, s)
			local dt = netns.clock() - t1
			assert.truthy(took >= s and took < s + 1, took)
			assert.truthy(dt >= s and dt < s + 1, dt)
		end
		assert.truthy(netns.clock() - t0 >= 0.55)
		assert.equal("netns: sleep: duration must be a number of seconds >= 0, not '-1'", proc.error_of(netns.sleep, -1))
	end)
end)

describe("netns.prefix", function()
	it("parses as every call does, and says why not", function()
		assert.same({ address = "fd00::1", prefix = 64, family = "inet6" }, netns.prefix("fd00:0::1/64"))
		assert.same({ address = "10.0.0.1", prefix = 32, family = "inet" }, netns.prefix("10.0.0.1"))
		local none, why = netns.prefix("10.0.0.1/33")
		assert.is_nil(none)
		assert.equal("address '10.0.0.1/33' has a prefix length outside 0..32", why)
	end)
end)

describe("netns.contains", function()
	after_each(function()
		ip.cleanup("t-nc-")
	end)

	it("says what the kernel's routing says: is the address in the prefix #root", function()
		local ns <close> = netns.add("t-nc-a")
		ns:link_add("veth0", "veth", { peer = "veth1", up = true })
		ns:link_set("veth1", { up = true })
		local cases = {
			{ "10.0.0.0/24", "10.0.0.7", true }, { "10.0.0.0/24", "10.0.1.7", false },
			{ "0.0.0.0/0", "192.0.2.1", true }, { "10.1.2.3/32", "10.1.2.3", true },
			{ "10.1.2.3/32", "10.1.2.4", false }, { "10.128.0.0/9", "10.200.1.1", true },
			{ "fd00::/64", "fd00::1:2", true }, { "fd00::/64", "fd00:0:0:1::1", false },
			-- the lab's old parser took these for one subnet
			{ "::ffff:99.9.9.9/128", "::ffff:10.0.0.1", false },
			{ "::ffff:10.0.0.0/120", "::ffff:10.0.0.1", true },
		}
		for _, c in ipairs(cases) do
			local prefix, addr, inside = c[1], c[2], c[3]
			assert.equal(inside, netns.contains(prefix, addr), prefix .. " " .. addr)
			-- the kernel: with a route to just that prefix, does the lookup of the address take it?
			local six = prefix:find(":", 1, true) and "-6" or "-4"
			ip.ip("-n", "t-nc-a", six, "route", "add", prefix, "dev", "veth0")
			local _, code = ip.netns_exec("t-nc-a", { "ip", six, "route", "get", addr })
			ip.ip("-n", "t-nc-a", six, "route", "del", prefix, "dev", "veth0")
			assert.equal(inside, code == 0, "kernel: " .. prefix .. " " .. addr)
		end
		-- a prefix and an address of two families have nothing in common
		assert.is_false(netns.contains("10.0.0.0/8", "fd00::1"))
		assert.equal("netns: contains: address '10.0.0.300' is not an IPv4 or IPv6 address",
			proc.error_of(netns.contains, "10.0.0.0/8", "10.0.0.300"))
	end)
end)

