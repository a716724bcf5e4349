-- spec/rootless_spec.lua - labs without root: an ordinary user (nobody, through setpriv) runs netlab
-- scripts in a user namespace of their own, and the netns module says what it lacks and offers
-- netns.unshare_user(); --host stays root's; a killed rootless lab leaves no process; the
-- preflight names the setting that forbids user namespaces. The binary, the module and the scripts
-- are copied into a directory the user can read (a clone may sit where it cannot).
local proc = require "support.proc"
local nl = require "support.netlab"
local json = require "support.json"

local NOBODY = { "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all" }

local dir

-- In the sanitized run (scripts/test.sh --sanitize) the user cannot write the suite's report
-- directory: its reports go to dir, and the spec reads them. LeakSanitizer is off there: a rootless
-- lab's children are born in the lab's PID namespace, its tracer too, and from there it cannot
-- attach to the process it checks ("LeakSanitizer has encountered a fatal error").
local sanitized = os.getenv("NETLAB_SAN_REPORTS") ~= nil
local function sanitizer_env()
	if not sanitized then return {} end
	return { "env", ("ASAN_OPTIONS=log_path=%s/asan:log_exe_name=1:detect_leaks=0:detect_stack_use_after_return=1"):format(dir) }
end

-- what the sanitizers reported as nobody (nothing outside the sanitized run)
local function reports()
	local out = proc.exec({ "sh", "-c", ("cat %s/asan.* 2>/dev/null || true"):format(proc.quote(dir)) })
	return out
end

-- argv as nobody, stdout and stderr together: output, exit code
local function as_nobody(argv)
	local full = {}
	for _, w in ipairs(NOBODY) do full[#full + 1] = w end
	for _, w in ipairs(sanitizer_env()) do full[#full + 1] = w end
	for _, w in ipairs(argv) do full[#full + 1] = w end
	local out, code = proc.exec(full, true)
	assert.equal("", reports())
	return out, code
end

-- a Lua script run by plain lua5.4 as nobody, with the copied netns module
local function lua_as_nobody(script)
	return as_nobody({ "lua5.4", "-e", ("package.cpath = %q"):format(dir .. "/?.so"), "-e", script })
end

local function write(name, text)
	local path = proc.write(dir .. "/" .. name, text)
	proc.exec({ "chmod", "0644", path })
	return path
end

-- the rootless run is one user's namespace with one uid: no nobody to become there
local why = require("support.rootless").needs_root("it runs netlab as other users through setpriv")
if why then
	describe("rootless labs", function() it("as other users", function() pending(why) end) end)
	return
end

describe("rootless labs", function()
	setup(function()
		local out, code = proc.exec({ "mktemp", "-d", "/tmp/t-rootless-XXXXXX" })
		assert(code == 0, out)
		dir = out:gsub("%s+$", "")
		proc.exec({ "chmod", "0777", dir })
		for _, f in ipairs { nl.bin, proc.root .. "/build/netns.so", proc.root .. "/scripts/examples/tutorial.lua" } do
			local _, c = proc.exec({ "cp", f, dir .. "/" })
			assert(c == 0, "cannot copy " .. f)
		end
		proc.exec({ "chmod", "-R", "a+rX", dir })
	end)
	teardown(function()
		if dir then proc.rmtree(dir) end
	end)

	it("the netns module tells an ordinary user which capabilities it lacks, and makes nothing #root", function()
		local out, code = lua_as_nobody([[
local netns = require "netns"
local ok, e = pcall(netns.add, "t-rootless-x")
print(ok, e.code)
print(e.text)
]])
		assert.equal(0, code, out)
		assert.matches("^false\tEPERM\n", out)
		assert.truthy(proc.contains(out, "this process lacks CAP_SYS_ADMIN or CAP_NET_ADMIN in its user namespace: "
			.. "run it as root, or call netns.unshare_user() first"), out)
		local list = proc.exec({ "ip", "netns", "list" })
		assert.falsy(proc.contains(list, "t-rootless-x"), list)
	end)

	it("netns.unshare_user() gives an ordinary user namespaces, a veth and traffic, as ip sees them from inside #root", function()
		local out, code = lua_as_nobody(([[
local netns = require "netns"
netns.unshare_user()
local a, b = netns.add("a"), netns.add("b")
a:link_add("v0", "veth", { peer = "v1", peer_ns = b, up = true })
b:link_set("v1", { up = true })
a:addr_add("v0", "10.0.0.1/24")
b:addr_add("v1", "10.0.0.2/24")
print("ping", (a:ping("10.0.0.2")))
local f = io.popen("ip -j -n b addr show dev v1")
print("ip", f:read("a"))
f:close()
f = io.popen("id -u")
print("uid inside", f:read("l"))
f:close()
-- what it writes outside belongs to the user
local w = io.open(%q, "w") w:write("x") w:close()
netns.delete("a") netns.delete("b")
]]):format(dir .. "/written"))
		assert.equal(0, code, out)
		assert.matches("\nping\ttrue\n", "\n" .. out)
		local addrs = json.decode(out:match("\nip\t(.-)\n"))
		assert.equal("10.0.0.2", addrs[1].addr_info[1]["local"])
		assert.matches("\nuid inside\t0\n", out)
		local owner = proc.exec({ "stat", "-c", "%u", dir .. "/written" })
		assert.equal("65534", owner:gsub("%s+$", ""))
	end)

	it("exec with as_user runs a command as the ordinary user again, without the capabilities of the user namespace #root", function()
		local out, code = lua_as_nobody([[
local netns = require "netns"
netns.unshare_user()
local ns = netns.add("t-rootless-u")
ns:exec({ "sh", "-c", "id -u; id -g; ip link set lo down 2>/dev/null || echo refused" }, { as_user = true })
]])
		assert.equal(0, code, out)
		assert.equal("65534\n65534\nrefused\n", out)
	end)

	it("netlab runs the tutorial as an ordinary user, in a user namespace of its own #root", function()
		local out, code = as_nobody({ dir .. "/netlab", dir .. "/tutorial.lua" })
		assert.equal(0, code, out)
		assert.matches("\n19 passed, 0 failed\n$", out)
	end)

	it("netlab --host is root's: an ordinary user is told so in one line #root", function()
		local out, code = as_nobody({ dir .. "/netlab", "--host", dir .. "/tutorial.lua" })
		assert.equal(1, code)
		assert.equal("netlab: --host builds the lab in the real host's network: it needs root: run it with sudo\n", out)
	end)

	it("a rootless lab killed with SIGKILL leaves no process behind #root", function()
		write("service.lua", [[
local a = lab:node "a"
a:service { "sleep", "7771" }
print("ready")
io.stdout:flush()
netns.sleep(300)
]])
		local log = dir .. "/service.out"
		local cmd = ("echo $$; exec %s %s %s %s >%s 2>&1"):format(table.concat(NOBODY, " "),
			table.concat(sanitizer_env(), " "), proc.quote(dir .. "/netlab"),
			proc.quote(dir .. "/service.lua"), proc.quote(log))
		-- (the shell would report "Killed": quiet)
		local f = assert(io.popen("sh -c " .. proc.quote(cmd) .. " 2>/dev/null"))
		local pid = assert(tonumber(f:read("l")))
		assert.truthy(proc.wait_until(function() return proc.contains(proc.read(log), "ready") end, 30), proc.read(log))
		local running = proc.exec({ "pgrep", "-u", "65534", "-f", "sleep 7771" })
		assert.truthy(running:match("%d"), "the service never ran")
		proc.exec({ "kill", "-KILL", tostring(pid) })
		f:close()
		assert.truthy(proc.wait_until(function()
			return not proc.exec({ "pgrep", "-u", "65534", "-f", "sleep 7771" }):match("%d")
		end, 10), "the lab's service outlived it")
	end)

	it("an ordinary user's netlab up, ls, exec and down: a lab listed under $XDG_RUNTIME_DIR/netlab, entered as the mapped root or with --as-user as the user, files written outside the user's #root", function()
		-- a /run the user cannot make /run/netns in (as on a machine where
		-- iproute2 never made it): the lab's /run is a tmpfs, and the user's
		-- $XDG_RUNTIME_DIR under /run/user is bound into it, where ls finds the lab
		write("pair.lua", [[
local a, b = lab:node "a", lab:node "b"
lab:link(a, b, { addr = { "10.0.1.1/24", "10.0.1.2/24" } })
lab:expect_reach(a, b)
]])
		local nb = table.concat(NOBODY, " ") .. " " .. table.concat(sanitizer_env(), " ")
			.. " env XDG_RUNTIME_DIR=/run/user/65534 " .. proc.quote(dir .. "/netlab")
		local script = ([[
set -u
mount -t tmpfs -o mode=0755 run /run
mkdir -p /run/user/65534 && chown 65534:65534 /run/user/65534 && chmod 0700 /run/user/65534
cd %s
%s up pair.lua --name mine >/dev/null 2>&1; echo "up $?"
%s ls | tee ls.out
pid=$(awk '$1 == "mine" { print $2 }' ls.out)
echo "state $(stat -c %%U /run/user/65534/netlab/labs/mine.json)"
%s exec mine a -- sh -c 'echo "inside $(id -u) $(pwd)"; ip -br -4 addr show dev eth0; ping -c1 -W2 10.0.1.2 >/dev/null && echo pinged; ls /run/netns | tr "
" " "; echo; echo x > written'
echo "written $(stat -c %%U written)"
%s exec --as-user mine a -- sh -c 'echo "as user $(id -u)"; ip link set eth0 down 2>/dev/null || echo "no link changes"; echo y > written2'
echo "written2 $(stat -c %%U written2)"
%s run pair.lua --name inrun -- %s exec --as-user inrun a -- sh -c 'echo "in run as $(id -u)"' 2>/dev/null
%s down mine
# (the holder, gone, may still wait for init to reap it: a zombie is no process left)
echo "after $(ls /run/user/65534/netlab/labs | wc -l) $(ps -o stat= -p "$pid" | grep -vc '^Z')"
]]):format(proc.quote(dir), nb, nb, nb, nb, nb, proc.quote(dir .. "/netlab"), nb)
		local out, code = proc.exec({ "unshare", "--mount", "sh", "-c", script }, true)
		assert.equal(0, code, out)
		assert.equal("", reports())
		assert.truthy(proc.contains(out, "up 0\n"), out)
		assert.matches("\nmine +%d+ +isolated +2 +up\n", out)
		assert.truthy(proc.contains(out, "state nobody\n"), out)
		assert.truthy(proc.contains(out, "inside 0 " .. dir .. "\n"), out)
		assert.matches("eth0@if%d+ +UP +10%.0%.1%.1/24", out)
		assert.truthy(proc.contains(out, "pinged\na b \n"), out)
		assert.truthy(proc.contains(out, "written nobody\n"), out)
		-- --as-user: the user's own uid, without the lab's capabilities
		assert.truthy(proc.contains(out, "as user 65534\nno link changes\nwritten2 nobody\n"), out)
		-- and from the command of netlab run, inside the lab's PID namespace
		assert.truthy(proc.contains(out, "in run as 65534\n"), out)
		assert.truthy(proc.contains(out, "lab mine is down\nafter 0 0\n"), out)
	end)

	it("two users' labs of the same name never see each other; root's ls lists neither, and clean and --host stay root's #root", function()
		write("named.lua", [[
local addr = ...
local a, b = lab:node "a", lab:node "b"
lab:link(a, b, { addr = { addr .. ".1/24", addr .. ".2/24" } })
]])
		local users = { { uid = 65534, net = "10.0.1" }, { uid = 65533, net = "10.0.2" } }
		local function as(u, argv)
			local full = { "setpriv", "--reuid=" .. u.uid, "--regid=" .. u.uid, "--clear-groups", "--inh-caps=-all" }
			for _, w in ipairs(sanitizer_env()) do full[#full + 1] = w end
			full[#full + 1] = "env"
			full[#full + 1] = "-u"
			full[#full + 1] = "XDG_RUNTIME_DIR"
			for _, w in ipairs(argv) do full[#full + 1] = w end
			local out, code = proc.exec(full, true)
			assert.equal("", reports())
			return out, code
		end
		local ok, err = pcall(function()
			for _, u in ipairs(users) do
				local out, code = as(u, { dir .. "/netlab", "up", dir .. "/named.lua", "--name", "same", "--", u.net })
				assert.equal(0, code, out)
				u.pid = assert(tonumber(json.decode(out:match("^.-(%b{})")).pid), out)
			end
			for _, u in ipairs(users) do
				local out = as(u, { dir .. "/netlab", "ls" })
				local _, n = out:gsub("\nsame ", "")
				assert.equal(1, n, out)
				out = as(u, { dir .. "/netlab", "exec", "same", "a", "--", "ip", "-br", "-4", "addr", "show", "dev", "eth0" })
				assert.truthy(proc.contains(out, u.net .. ".1/24"), out)
				out = proc.exec({ "stat", "-c", "%u %a", "/tmp/netlab-" .. u.uid, "/tmp/netlab-" .. u.uid .. "/labs/same.json" })
				assert.equal(("%d 700\n%d 644\n"):format(u.uid, u.uid), out)
			end
			local out = proc.exec({ nl.bin, "ls" }, true)
			assert.falsy(proc.contains(out, "same"), out)
			out = proc.exec({ nl.bin, "exec", "--as-user", "same", "a", "--", "true" }, true)
			assert.equal("netlab: --as-user runs the command as the ordinary user whose lab it is: lab 'same' is root's\n", out)
			out = as(users[1], { dir .. "/netlab", "clean" })
			assert.equal("netlab: clean removes what crashed --host labs left in the real host's network: it needs root: run it with sudo\n", out)
			out = as(users[1], { dir .. "/netlab", "up", "--host", dir .. "/named.lua" })
			assert.equal("netlab: --host builds the lab in the real host's network: it needs root: run it with sudo\n", out)
		end)
		for _, u in ipairs(users) do as(u, { dir .. "/netlab", "down", "same" }) end
		for _, u in ipairs(users) do proc.rmtree("/tmp/netlab-" .. u.uid) end
		assert(ok, err)
		for _, u in ipairs(users) do
			-- the holder is gone (or a zombie init has not reaped yet: no process)
			assert.equal("0\n", proc.exec({ "sh", "-c", ("ps -o stat= -p %d | grep -vc '^Z'"):format(u.pid) }))
		end
	end)

	it("maps the user's subordinate ids from /etc/subuid and /etc/subgid with newuidmap: a command inside drops to uid 100, outside the range's 100th id #root", function()
		if proc.missing("newuidmap", "uidmap") then pending(proc.missing("newuidmap", "uidmap")) return end
		-- (not under /tmp, /run or /var/tmp: a node has its own of those)
		local out_dir = ("/dev/shm/t-rootless-drop-%d"):format(proc.pid())
		proc.exec({ "mkdir", "-m", "1777", out_dir })
		finally(function() proc.rmtree(out_dir) end)
		write("ids.lua", ([[
local a = lab:node "a"
io.write(a:run { "cat", "/proc/self/uid_map", "/proc/self/gid_map" }.stdout)
local r = a:run { "setpriv", "--reuid=100", "--regid=100", "--clear-groups", "sh", "-c", "id -u; touch %s/by100" }
io.write(r.stdout, r.stderr)
]]):format(out_dir))
		write("sub.u", "nobody:300000:65536\n")
		write("sub.g", "65534:400000:65536\n")
		-- the ranges only in the spec's own mount namespace: the machine's files stay as they are
		local script = ("mount --bind %s /etc/subuid && mount --bind %s /etc/subgid && exec %s %s %s %s"):format(
			proc.quote(dir .. "/sub.u"), proc.quote(dir .. "/sub.g"), table.concat(NOBODY, " "),
			table.concat(sanitizer_env(), " "), proc.quote(dir .. "/netlab"), proc.quote(dir .. "/ids.lua"))
		local out, code = proc.exec({ "unshare", "--mount", "sh", "-c", script }, true)
		assert.equal("", reports())
		assert.equal(0, code, out)
		local maps = {}
		for a, b, c in out:gmatch("(%d+)%s+(%d+)%s+(%d+)\n") do maps[#maps + 1] = ("%s %s %s"):format(a, b, c) end
		assert.same({ "0 65534 1", "1 300000 65536", "0 65534 1", "1 400000 65536" }, maps)
		assert.matches("\n100\n", out)
		-- (1 inside is the range's first id outside)
		assert.equal("300099 400099\n", proc.exec({ "stat", "-c", "%u %g", out_dir .. "/by100" }))
	end)

	-- netlab as nobody where the user namespace is refused: simulated in a user namespace of the
	-- spec's own (mapping the uids), whose limit is its own (user.max_user_namespaces = 0: the
	-- kernel refuses for real), with `fake` run first in a mount namespace of its own: there a
	-- tmpfs over /proc/sys/kernel or /proc/sys/user shows the settings this kernel lacks (or
	-- hides the real limit), as the preflight reads them. Output and exit code.
	local function preflight(fake)
		local script = write("empty.lua", "print('made')\n")
		-- (mapped by hand: unshare --map-users needs newuidmap, which Debian has in a package of its own)
		-- (and a new exec once mapped: one made as an unmapped uid has no capabilities)
		local limited = ("echo 0 > /proc/sys/user/max_user_namespaces && %s exec %s %s %s %s"):format(
			fake, table.concat(NOBODY, " "), table.concat(sanitizer_env(), " "), proc.quote(dir .. "/netlab"), proc.quote(script))
		local inner = "until grep -q 65536 /proc/self/uid_map; do sleep 0.01; done; exec sh -c " .. proc.quote(limited)
		local outer = ("unshare --user --mount sh -c %s & p=$!; "
			.. "while [ \"$(readlink /proc/$p/ns/user)\" = \"$(readlink /proc/self/ns/user)\" ]; do sleep 0.01; done; "
			.. "echo '0 0 65536' > /proc/$p/uid_map && echo '0 0 65536' > /proc/$p/gid_map; wait $p"):format(proc.quote(inner))
		return proc.exec({ "sh", "-c", outer }, true)
	end
	local REFUSED = "netlab: cannot make a lab as an ordinary user: No space left on device: a user namespace for an ordinary user: "
	local FAKE_USER = "mount -t tmpfs -o mode=0755 fake /proc/sys/user && echo 15000 > /proc/sys/user/max_user_namespaces && "

	it("the preflight names user.max_user_namespaces = 0 when it forbids the user namespace #root", function()
		local out, code = preflight("")
		assert.equal(1, code, out)
		assert.equal(REFUSED .. "user.max_user_namespaces = 0 forbids it (as root, sysctl -w "
			.. "user.max_user_namespaces=15000)\n", out)
	end)

	it("the preflight names kernel.unprivileged_userns_clone = 0 (Debian's older kernels) when it forbids the user namespace #root", function()
		local out, code = preflight("mount -t tmpfs -o mode=0755 fake /proc/sys/kernel && "
			.. "echo 0 > /proc/sys/kernel/unprivileged_userns_clone && " .. FAKE_USER)
		assert.equal(1, code, out)
		assert.equal(REFUSED .. "kernel.unprivileged_userns_clone = 0 forbids it (as root, sysctl -w "
			.. "kernel.unprivileged_userns_clone=1)\n", out)
	end)

	it("the preflight names Ubuntu's kernel.apparmor_restrict_unprivileged_userns = 1 and netlab's AppArmor profile #root", function()
		local out, code = preflight("mount -t tmpfs -o mode=0755 fake /proc/sys/kernel && "
			.. "echo 1 > /proc/sys/kernel/apparmor_restrict_unprivileged_userns && " .. FAKE_USER)
		assert.equal(1, code, out)
		assert.equal(REFUSED .. "kernel.apparmor_restrict_unprivileged_userns = 1 forbids it (as root, either "
			.. "sysctl -w kernel.apparmor_restrict_unprivileged_userns=0, or load netlab's AppArmor profile "
			.. "(cmake -DNETLAB_APPARMOR_DIR=/etc/apparmor.d, cmake --install, apparmor_parser -r "
			.. "/etc/apparmor.d/netlab))\n", out)
	end)
end)
