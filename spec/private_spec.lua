-- spec/private_spec.lua - each node's own /run, /tmp, /var/tmp, hostname and files (node:file), and
-- /etc/netns/NODE over /etc as ip netns exec binds it: what a node's commands see, what another
-- node's and the machine do not, netlab exec and shell alike, and that nothing is left behind.
--
-- A script that needs a directory of the machine's (node:file outside /run, /tmp, /var/tmp) runs
-- in a mount namespace of its own whose /mnt is a fresh tmpfs: the machine's files stay as they
-- are, and what the machine sees there is listed by a shell in the same namespace afterwards.
local netns = require "netns"
local netlab = require "netlab"
local proc = require "support.proc"
local nl = require "support.netlab"
local json = require "support.json"
local ip = require "support.ip"
local rootless = require "support.rootless"

local ws = nl.workspace("pv")
local q = proc.quote

-- the lines of a text
local function lines(s)
	local t = {}
	for l in (s or ""):gmatch("[^\n]*\n?") do
		if l ~= "" then t[#t + 1] = (l:gsub("\n$", "")) end
	end
	return t
end

-- netlab ARGS with the script `text` (written as name), in a mount namespace of its own with a
-- fresh tmpfs on /mnt: `prepare` (shell) runs there first, `after` once netlab has ended.
-- Everything said, stdout and stderr together, and the shell's exit code.
local function confined(name, text, prepare, after, args)
	local words = { q(nl.bin) }
	for _, a in ipairs(args or {}) do words[#words + 1] = q(a) end
	words[#words + 1] = q(ws:write(name, text))
	local cmd = ("mount -t tmpfs pv-mnt /mnt && (%s) && %s; echo \"--- netlab exited $?\"; %s"):format(
		prepare or "true", table.concat(words, " "), after or "true")
	return proc.exec({ "timeout", "-k", "5", "120", "unshare", "--mount", "--propagation", "private",
		"sh", "-c", cmd }, true)
end

-- this process's working directory (netlab's, as ws:run starts it)
local function cwd()
	local f = io.popen("pwd")
	local d = f:read("l")
	f:close()
	return d
end

-- a script's own run through the interpreter: code, stdout, stderr
local function run(name, text, args)
	local argv = {}
	for _, a in ipairs(args or {}) do argv[#argv + 1] = a end
	argv[#argv + 1] = ws:write(name, text)
	return ws:run(argv)
end

-- the mounts of the netlab-private tmpfs (the nodes' own directories) this process's namespace has
local function private_mounts(pid)
	local n = 0
	for l in (proc.read("/proc/" .. (pid or "self") .. "/mountinfo") or ""):gmatch("[^\n]+") do
		if l:find(" netlab-private ", 1, true) then n = n + 1 end
	end
	return n
end

-- what a directory holds, sorted (nil when it is not there)
local function listing(dir)
	local out, code = proc.exec({ "ls", "-A", dir })
	if code ~= 0 then return nil end
	return lines(out)
end

-- a script's helper: `show(node, shell command)` writes "NODE: <stdout and stderr>"
local SHOW = [[
local function show(n, cmd)
  local r = n:run { "sh", "-c", "exec 2>&1; " .. cmd }
  io.write(n.name, ": ", r.stdout)
end
-- wait until `cmd` succeeds in n (5 s at most)
local function await(n, cmd)
  for _ = 1, 250 do
    if n:run({ "sh", "-c", cmd }).status == 0 then return true end
    netns.sleep(0.02)
  end
  error("never: " .. cmd)
end
]]

describe("a node's own directories", function()
	teardown(function() ws:cleanup() end)

	after_each(function()
		os.execute(q(nl.bin) .. " down --all >/dev/null 2>&1")
	end)

	describe("node:file", function()
		it("writes a file that node's commands see and another node's and the machine do not #root", function()
			-- (a group of its own where there is one to give: the rootless run maps only root)
			local group = rootless.active and "root" or "daemon"
			local out = confined("file.lua", SHOW .. [[
local a, b = lab:node "a", lab:node "b"
a:file("/mnt/conf/app.conf", "for a\n")
show(a, "cat /mnt/conf/app.conf /mnt/conf/keep")
show(b, "cat /mnt/conf/app.conf; cat /mnt/conf/keep")
-- written again: the node's copy changes, for the next command
a:file("/mnt/conf/app.conf", "again\n", { mode = "0600" })
show(a, "cat /mnt/conf/app.conf; stat -c '%a %U:%G' /mnt/conf /mnt/conf/keep /mnt/conf/app.conf")
-- the lab's host is the machine
show(lab.host, "ls /mnt/conf")
-- in the node's copy, as in the machine's directory, a file's directory must be there
local ok, e = pcall(a.file, a, "/mnt/conf/sub/x", "x")
print(e.code, e.text)
]], "mkdir /mnt/conf && echo host >/mnt/conf/keep && chmod 0750 /mnt/conf && chmod 0640 /mnt/conf/keep && "
				.. (rootless.active and "true" or "chown 0:1 /mnt/conf /mnt/conf/keep"),
				"ls /mnt/conf; cat /mnt/conf/keep")
			assert.same({
				"a: for a", "host",
				"b: cat: /mnt/conf/app.conf: No such file or directory", "host",
				"a: again",
				-- the directory and the machine's file keep their owners and modes; the new file
				-- is the directory's owner's
				"750 root:" .. group, "640 root:" .. group, "600 root:" .. group,
				"host: keep",
				"ENOENT\tdirectory /mnt/conf/sub does not exist",
				"--- netlab exited 0",
				"keep", "host",
			}, lines(out))
		end)

		it("puts a file under /run, /var/run, /tmp or /var/tmp in the node's own, with the directories on the way #root", function()
			local code, out, err = run("areas.lua", SHOW .. [[
local a, b = lab:node "a", lab:node "b"
a:file("/run/pv/x.pid", "1\n")
a:file("/var/run/pv/y", "2\n")
a:file("/tmp/pv/deep/z", "3\n")
a:file("/var/tmp/pv-w", "4\n")
show(a, "cat /run/pv/x.pid /run/pv/y /tmp/pv/deep/z /var/tmp/pv-w")
show(b, "ls /run/pv /tmp/pv /var/tmp/pv-w")
show(lab.host, "ls /run/pv /tmp/pv /var/tmp/pv-w")
]])
			assert.equal(0, code, err)
			assert.same({
				"a: 1", "2", "3", "4",
				"b: ls: cannot access '/run/pv': No such file or directory",
				"ls: cannot access '/tmp/pv': No such file or directory",
				"ls: cannot access '/var/tmp/pv-w': No such file or directory",
				"host: ls: cannot access '/run/pv': No such file or directory",
				"ls: cannot access '/tmp/pv': No such file or directory",
				"ls: cannot access '/var/tmp/pv-w': No such file or directory",
			}, lines(out))
			for _, p in ipairs { "/run/pv", "/tmp/pv", "/var/tmp/pv-w" } do
				assert.is_nil(listing(p), p)
			end
		end)

		it("follows the machine's symbolic link to where it points in the node's view, and binds a file of a directory too big to copy #root", function()
			local out = confined("links.lua", SHOW .. [[
local a, b = lab:node "a", lab:node "b"
a:file("/mnt/resolv.conf", "nameserver 10.9.9.9\n")   -- a link into /run, as resolv.conf often is
a:file("/mnt/big/f7", "mine\n")                        -- 600 files: the file alone is the node's
show(a, "cat /mnt/resolv.conf /run/pv-resolve/stub.conf /mnt/big/f7; ls /mnt/big | wc -l")
show(b, "cat /mnt/big/f7; ls /run/pv-resolve")
local ok, e = pcall(a.file, a, "/mnt/big/new", "x")
print(e.code, e.text)
-- a top-level directory (/etc, here /mnt) is never copied: its files are bound one by one
a:file("/mnt/top", "top of a\n")
show(a, "cat /mnt/top")
show(b, "cat /mnt/top")
ok, e = pcall(a.file, a, "/mnt/pv-new", "x")
print(e.code, e.text)
]], "ln -s ../run/pv-resolve/stub.conf /mnt/resolv.conf && mkdir /mnt/big && "
				.. "for i in $(seq 1 600); do echo $i >/mnt/big/f$i; done && echo top >/mnt/top",
				"cat /mnt/big/f7 /mnt/top; ls /run/pv-resolve")
			assert.same({
				"a: nameserver 10.9.9.9", "nameserver 10.9.9.9", "mine", "600",
				"b: 7", "ls: cannot access '/run/pv-resolve': No such file or directory",
				"EFBIG\t/mnt/big/new does not exist, and its directory /mnt/big is too big to copy for one node "
					.. "(more than 512 files or 32 MiB): write it into a directory of its own",
				"a: top of a", "b: top",
				"EINVAL\t/mnt/pv-new does not exist, and a node gets no copy of a top-level directory such as /mnt: "
					.. "write it into a directory of its own",
				"--- netlab exited 0",
				"7", "top", "ls: cannot access '/run/pv-resolve': No such file or directory",
			}, lines(out))
		end)

		it("is a comment in --trace: no command of ip's makes it #root", function()
			local code, _, err = run("trace.lua", [[
local a = lab:node "a"
a:file("/etc/pv-some where/x", "abc")
]], { "--trace" })
			assert.equal(1, code)
			assert.truthy(err:find("\n+ # a: its own '/etc/pv-some where/x' (3 bytes; node:file)\n", 1, true), err)
		end)

		it("refuses its mistakes at the caller's line, naming the value #root", function()
			local code, out, err = run("mistakes.lua", [[
local a = lab:node "a"
local function refused(f) local ok, e = pcall(f) assert(not ok, "accepted") print(tostring(e)) end
refused(function() a:file("etc/frr/frr.conf", "x") end)
refused(function() a:file("/etc/pv-nowhere/frr.conf", "x") end)
refused(function() a:file("/tmp/x", { "not", "text" }) end)
refused(function() a:file("/tmp/x", "x", { mode = 755 }) end)
refused(function() a:file("/tmp/x", "x", { mdoe = "0755" }) end)
refused(function() a:file("/etc/../tmp/x", "x") end)
refused(function() a:file("/tmp/dir/", "x") end)
refused(function() a:file("/proc/sys/kernel/hostname", "x") end)
refused(function() lab.host:file("/tmp/x", "x") end)
refused(function() a.file("/tmp/x", "x") end)
a:file("/tmp/x", "x")
refused(function() a:file("/tmp/x/y", "x") end)
-- not caught: located at the script's line by the interpreter
a:file("/etc/pv-nowhere/frr.conf", "x")
]])
			assert.equal(1, code, out)
			local script = ws.dir .. "/mistakes.lua"
			assert.same({
				script .. ":3: netlab: file: the path must be absolute (a string starting with '/'), not 'etc/frr/frr.conf'",
				"netns: file /etc/pv-nowhere/frr.conf in a: No such file or directory (ENOENT): directory /etc/pv-nowhere does not exist",
				script .. ":5: netlab: file: content must be a string, not table",
				script .. ":6: netlab: file: option 'mode' must be octal digits in a string (\"0644\", \"0755\"), not '755'",
				script .. ":7: netlab: file: unknown option 'mdoe' (did you mean 'mode'?)",
				"netns: file: path '/etc/../tmp/x' has a '.' or '..' part",
				"netns: file: path '/tmp/dir/' names a directory (it ends with '/')",
				"netns: file /proc/sys/kernel/hostname in a: Invalid argument (EINVAL): /proc/sys/kernel/hostname is on "
					.. "the kernel's own file systems (/proc, /sys, /dev): no node has a copy of its own",
				script .. ":11: netlab: file: the lab's host has no files of its own: its commands see the machine's",
				script .. ":12: netlab: file: call it as node:file(...), with a colon",
				"netns: file /tmp/x/y in a: Not a directory (ENOTDIR): /tmp/x is a symbolic link or not a directory: not followed",
			}, lines(out))
			assert.equal(script .. ":16: netns: file /etc/pv-nowhere/frr.conf in a: No such file or directory (ENOENT): "
				.. "directory /etc/pv-nowhere does not exist", lines(err)[1])
		end)

		it("of another site's node does nothing here and says so, its mistakes refused all the same #root", function()
			local u <close> = netns.add("t-pv-under")
			finally(function() pcall(netns.delete, "t-pv-under") end)
			u:link_add("t-pv-u0", "veth", { peer = "t-pv-u1" })
			u:addr_add("t-pv-u0", "192.0.2.1/24")
			u:link_set("t-pv-u0", { up = true })
			local lab <close> = netlab.lab { name = "t-pv-sites", sites = "a=192.0.2.1,b=192.0.2.2", site = "a",
				underlay = u, quiet = true }
			local far = lab:node("t-pv-far", { site = "b" })
			assert.equal(netlab.ELSEWHERE or require("netlab.sites").ELSEWHERE, far:file("/etc/frr/frr.conf", "x"))
			local line = debug.getinfo(1, "l").currentline + 1
			local ok, e = pcall(function() far:file("etc/frr/frr.conf", "x") end)
			assert.is_false(ok)
			assert.equal("netlab: file: the path must be absolute (a string starting with '/'), not 'etc/frr/frr.conf'",
				e:gsub("^[^:]*:%d+: ", ""))
			assert.equal(("spec/private_spec.lua:%d:"):format(line), e:match("^[^:]*:%d+:"):gsub("^.*/spec/", "spec/"))
			-- nothing of the far node here: no namespace, no directory
			assert.same({ "t-pv-under" }, ip.netns_names())
			lab:close()
		end)
	end)

	describe("/run, /tmp, /var/tmp", function()
		it("are the node's own and kept from one command to the next: a daemon's socket and pid file in /run are there for the node's later commands, not for another node's nor the machine #root", function()
			-- a working directory under /tmp (a clone there) is put back at its path in the node's own
			local top = cwd():match("^/tmp/([^/]+)") or cwd():match("^/var/tmp/([^/]+)") or cwd():match("^/run/([^/]+)")
			local hide = top and (" | grep -vx " .. q(top)) or ""
			local code, out, err = run("daemon.lua", SHOW .. ("local HIDE = %q\n"):format(hide) .. [[
local a, b = lab:node "a", lab:node "b"
a:service { "python3", "-c", "import os, socket, time\n"
  .. "s = socket.socket(socket.AF_UNIX); s.bind('/run/pv-d.sock'); s.listen(1)\n"
  .. "open('/tmp/pv-t', 'w').write('tmp\\n'); open('/var/tmp/pv-vt', 'w').write('var-tmp\\n')\n"
  .. "open('/var/run/pv-d.pid', 'w').write(str(os.getpid()))\n"
  .. "while True: s.accept()[0].sendall(b'hello from a\\n')\n" }
await(a, "test -e /run/pv-d.pid")
local connect = "python3 -c \"import socket; s = socket.socket(socket.AF_UNIX); s.connect('/run/pv-d.sock'); print(s.recv(64).decode().strip())\""
show(a, connect .. "; cat /tmp/pv-t /var/tmp/pv-vt; test -s /run/pv-d.pid && echo pid")
show(b, "(" .. connect .. ") 2>&1 | tail -n 1; ls -A /run /tmp /var/tmp" .. HIDE)
show(lab.host, "ls /run/pv-d.sock /tmp/pv-t /var/tmp/pv-vt")
-- the lab's namespaces stay in reach inside: ip netns, ip -n
show(a, "ip netns list | sort; ls -ld /run/lock | cut -c1-10")
]])
			assert.equal(0, code, err)
			assert.same({
				"a: hello from a", "tmp", "var-tmp", "pid",
				"b: FileNotFoundError: [Errno 2] No such file or directory",
				"/run:", "lock", "netns", "", "/tmp:", "", "/var/tmp:",
				"host: ls: cannot access '/run/pv-d.sock': No such file or directory",
				"ls: cannot access '/tmp/pv-t': No such file or directory",
				"ls: cannot access '/var/tmp/pv-vt': No such file or directory",
				"a: a", "b", "drwxrwxrwt",
			}, lines(out))
			for _, p in ipairs { "/run/pv-d.sock", "/run/pv-d.pid", "/tmp/pv-t", "/var/tmp/pv-vt" } do
				assert.is_nil(proc.read(p), p)
			end
		end)

		it("keep the caller's working directory in reach at its path when it lies under them (a clone in /tmp) #root", function()
			local dir = "/tmp/netlab-pv-cwd-" .. proc.pid()
			local secret = "/tmp/netlab-pv-secret-" .. proc.pid()
			finally(function() proc.rmtree(dir) os.remove(secret) end)
			assert(os.execute("mkdir -p " .. q(dir .. "/sub") .. " && echo machine > " .. q(secret)))
			local script = ws:write("cwd.lua", [[
local a = lab:node "a"
for _, cmd in ipairs { 'cd "$PWD" && pwd && ls', "cat ]] .. secret .. [[ 2>&1; ls -A /tmp" } do
  local r = a:run { "sh", "-c", cmd }
  io.write(r.stdout, r.stderr)
end
]])
			local out, code = proc.exec({ "sh", "-c", ("cd %s/sub && %s %s"):format(q(dir), q(nl.bin), q(script)) }, true)
			assert.equal(0, code, out)
			-- the working directory by its name; the machine's /tmp otherwise hidden, only the
			-- way to the working directory in the node's own
			assert.same({ dir .. "/sub", "cat: " .. secret .. ": No such file or directory", "netlab-pv-cwd-" .. proc.pid() },
				lines(out))
		end)
	end)

	describe("the hostname", function()
		it("is the node's name, in a UTS namespace of its own, and resolves there; the machine's stays #root", function()
			local long = ("n"):rep(70)
			local code, out, err = run("host.lua", SHOW .. [[
local a, b, l = lab:node "a", lab:node "b", lab:node "]] .. long .. [["
show(a, "hostname; getent hosts a")
show(b, "cat /proc/sys/kernel/hostname; readlink /proc/self/ns/uts")
show(l, "hostname")
show(lab.host, "hostname; readlink /proc/self/ns/uts")
]])
			assert.equal(0, code, err)
			local machine = proc.read("/proc/sys/kernel/hostname"):gsub("\n$", "")
			local uts = proc.readlink(nil, "/proc/self/ns/uts")
			local got = lines(out)
			assert.same({ "a: a", "127.0.1.1       a", "b: b" }, { got[1], got[2], got[3] })
			assert.matches("^uts:%[%d+%]$", got[4])
			assert.are_not.equal(uts, got[4])
			assert.same({ long:sub(1, 64), "host: " .. machine, uts }, { got[5]:gsub("^[^:]*: ", ""), got[6], got[7] })
			assert.equal(machine, proc.read("/proc/sys/kernel/hostname"):gsub("\n$", ""))
		end)
	end)

	describe("/etc/netns/NODE", function()
		it("is bound over /etc for the node's commands, and for a plain namespace's, as ip netns exec does #root", function()
			local why = rootless.needs_root("it writes /etc/netns on the machine") if why then pending(why) return end
			-- a file of /etc every Debian has
			local name
			for _, f in ipairs { "issue", "issue.net", "debian_version", "hostname" } do
				local s = proc.read("/etc/" .. f)
				if s and s ~= "pv-etc\n" then name = f break end
			end
			assert.truthy(name, "no file in /etc to bind over")
			local node = "t-pv-etc-" .. proc.pid()
			local made_netns = not listing("/etc/netns")
			local dir = "/etc/netns/" .. node
			finally(function()
				proc.rmtree(dir)
				if made_netns then os.remove("/etc/netns") end
			end)
			proc.exec({ "mkdir", "-p", dir })
			proc.write(dir .. "/" .. name, "pv-etc\n")
			proc.write(dir .. "/hosts", "10.1.2.3 pv-etc-host\n")
			-- a plain namespace, against iproute2's own ip netns exec
			local ns <close> = netns.add(node)
			assert.equal("pv-etc\n", ns:run({ "cat", "/etc/" .. name }).stdout)
			assert.equal("pv-etc\n", (proc.exec({ "ip", "netns", "exec", node, "cat", "/etc/" .. name })))
			ns:delete()
			-- a lab's node, beside one without
			local code, out, err = run("etc.lua", SHOW .. ([[
local n, b = lab:node "%s", lab:node "b"
show(n, "cat /etc/%s /etc/hosts")
show(b, "cat /etc/%s | grep -c pv-etc")
]]):format(node, name, name))
			assert.equal(0, code, err)
			assert.same({ node .. ": pv-etc", "10.1.2.3 pv-etc-host", "127.0.1.1\t" .. node, "b: 0" }, lines(out))
		end)
	end)

	describe("netlab exec and shell", function()
		it("see the node's own directories, files and hostname, as the lab's commands do #root", function()
			local script = ws:write("up.lua", [[
local a, b = lab:node "a", lab:node "b"
a:file("/run/pv/from-file", "from node:file\n")
a:service { "sh", "-c", "echo from-service >/tmp/pv-s; exec sleep 600" }
for _ = 1, 250 do
  if a:run({ "test", "-e", "/tmp/pv-s" }).status == 0 then break end
  netns.sleep(0.02)
end
]])
			local code, out, err = ws:run({ "up", script, "--name", "t-pv-up" })
			assert.equal(0, code, err)
			local desc = json.decode(out)
			local _, a = ws:run({ "exec", "t-pv-up", "a", "--", "sh", "-c", "hostname; cat /run/pv/from-file /tmp/pv-s" })
			assert.equal("a\nfrom node:file\nfrom-service\n", a)
			local bcode, b = ws:run({ "exec", "t-pv-up", "b", "--", "sh", "-c", "hostname; ls /run/pv /tmp/pv-s 2>&1" })
			assert.equal(2, bcode)
			assert.equal("b\nls: cannot access '/run/pv': No such file or directory\n"
				.. "ls: cannot access '/tmp/pv-s': No such file or directory\n", b)
			local _, sh = ws:run({ "shell", "t-pv-up", "a" }, "hostname; cat /run/pv/from-file\n")
			assert.truthy(sh:find("a\nfrom node:file\n", 1, true), sh)
			-- where the description says a node's own directories are, the node's files are
			for _, n in ipairs(desc.nodes) do
				if n.name == "a" then
					assert.equal("from node:file\n", proc.read(n.private .. "/run/pv/from-file"))
				end
			end
			assert.equal(0, (ws:run({ "down", "t-pv-up" })))
		end)
	end)

	describe("nothing is left", function()
		it("of an isolated lab: its directories are a tmpfs only its process has, gone with it, SIGKILL included #root", function()
			local script = ws:write("kill.lua", [[
local a = lab:node "a"
a:file("/run/pv/k", "k\n")
a:file("/tmp/pv-k", "k\n")
a:run { "true" }
]])
			local code, out, err = ws:run({ "up", script, "--name", "t-pv-kill" })
			assert.equal(0, code, err)
			local desc = json.decode(out)
			-- the holder has it, the machine's namespace does not
			assert.is_true(private_mounts(desc.pid) > 0)
			assert.equal(0, private_mounts())
			os.execute("kill -KILL " .. desc.pid)
			assert.truthy(proc.wait_until(function() return not proc.exists(desc.pid) end))
			assert.equal(0, (ws:run({ "down", "t-pv-kill" })))
			assert.equal(0, private_mounts())
			for _, f in ipairs(listing("/run/netlab") or {}) do
				assert.is_nil(f:match("%.private$") or f:match("^nodes%-"), f)
			end
			assert.is_nil(listing("/run/pv"))
			assert.is_nil(proc.read("/tmp/pv-k"))
		end)

		it("of a --host lab: its directory next to the journal goes at teardown, and with netlab down or clean after SIGKILL #root", function()
			local why = rootless.needs_root("--host is root's") if why then pending(why) return end
			local script = ws:write("host.lua", SHOW .. [[
local a = lab:node "t-pv-hn"
a:file("/etc/pv-absent-dir-check/x", "x") -- refused: nothing made for it
]])
			local code, _, err = ws:run({ "--host", "--name", "t-pv-host", script })
			assert.equal(1, code)
			assert.truthy(err:find("directory /etc/pv-absent-dir-check does not exist", 1, true), err)
			assert.is_nil(listing("/run/netlab/t-pv-host.private"))
			assert.is_nil(proc.read("/run/netlab/t-pv-host.journal"))
			script = ws:write("host2.lua", SHOW .. [[
local a = lab:node "t-pv-hn"
a:file("/tmp/pv-h", "h\n")
show(a, "cat /tmp/pv-h; hostname")
io.write("made: ", table.concat((function() local t = {} for f in io.popen("ls /run/netlab/t-pv-host.private"):lines() do t[#t + 1] = f end return t end)(), " "), "\n")
]])
			local out
			code, out, err = ws:run({ "--host", "--name", "t-pv-host", script })
			assert.equal(0, code, err)
			assert.same({ "t-pv-hn: h", "t-pv-hn", "made: t-pv-hn" }, lines(out))
			assert.is_nil(listing("/run/netlab/t-pv-host.private"))
			for _, finish in ipairs { "down", "clean" } do
				code, out, err = ws:run({ "up", "--host", "--name", "t-pv-host", script })
				assert.equal(0, code, err)
				local desc = json.decode(out)
				assert.equal("/run/netlab/t-pv-host.private/t-pv-hn", desc.nodes[1].private)
				assert.same({ "t-pv-hn" }, listing("/run/netlab/t-pv-host.private"))
				os.execute("kill -KILL " .. desc.pid)
				assert.truthy(proc.wait_until(function() return not proc.exists(desc.pid) end))
				code, out = ws:run({ finish, "t-pv-host" })
				assert.equal(0, code, out)
				assert.truthy(out:find("removed directory /run/netlab/t-pv-host.private", 1, true), out)
				assert.is_nil(listing("/run/netlab/t-pv-host.private"))
				assert.is_nil(proc.read("/run/netlab/t-pv-host.journal"))
				assert.same({}, ip.netns_names())
				if finish == "clean" then ws:run({ "down", "t-pv-host" }) end
			end
		end)

		it("of a lab in plain Lua: lab:close removes its nodes' directories #root", function()
			local lab = netlab.lab { name = "t-pv-plain", quiet = true }
			local a = lab:node "t-pv-pa"
			a:file("/tmp/pv-plain", "p\n")
			assert.equal("p\n", a:run({ "cat", "/tmp/pv-plain" }).stdout)
			assert.equal("t-pv-pa\n", a:run({ "hostname" }).stdout)
			-- an exec that fails comes back: this process's hostname, /tmp and mounts are its own again
			local mounts = proc.read("/proc/self/mountinfo")
			local ok = pcall(a.exec, a, { "/nonexistent-pv-command" })
			assert.is_false(ok)
			assert.equal(proc.exec({ "hostname" }), proc.read("/proc/sys/kernel/hostname"))
			assert.are_not.equal("t-pv-pa\n", proc.read("/proc/sys/kernel/hostname"))
			assert.is_nil(proc.read("/tmp/pv-plain"))
			assert.equal(mounts, proc.read("/proc/self/mountinfo"))
			local area = lab.private_area
			assert.same({ "t-pv-pa" }, listing(area))
			lab:close()
			assert.is_nil(listing(area))
			assert.is_nil(proc.read("/tmp/pv-plain"))
		end)
	end)

	describe("daemons with fixed paths", function()
		it("run one per node without flags: FRR's zebra and staticd, each with its own /etc/frr, /run/frr and /var/tmp/frr #root", function()
			local why = rootless.needs_root("FRR drops to its own uid, and /etc/frr is frr's")
			if why then pending(why) return end
			if not proc.read("/usr/lib/frr/zebra") then pending("FRR is not installed (apt-get install frr)") return end
			local code, out, err = run("frr.lua", SHOW .. [[
local sw = lab:bridge "sw"
local routers = {}
for i, name in ipairs { "ra", "rb" } do
  local r = lab:node(name)
  lab:link(r, sw, { addr = ("10.0.0.%d/24"):format(i) })
  r:file("/etc/frr/frr.conf", ("ip route 192.0.2.%d/32 10.0.0.9\n"):format(i))
  r:service { "/usr/lib/frr/zebra" }
  await(r, "test -S /run/frr/zserv.api")
  r:service { "/usr/lib/frr/staticd" }
  await(r, "test -S /run/frr/staticd.vty")
  routers[i] = r
end
for i, r in ipairs(routers) do
  assert(r:run({ "vtysh", "-b" }).status == 0)
  await(r, "ip route show 192.0.2." .. i .. " | grep -q static")
end
for _, r in ipairs(routers) do
  show(r, "ip route show root 192.0.2.0/24; ls /var/tmp/frr | sed 's/[.].*//' | sort; vtysh -c 'show running-config' | grep ^hostname")
end
]])
			assert.equal(0, code, err)
			assert.same({
				"ra: 192.0.2.1 nhid 6 via 10.0.0.9 dev eth0 proto static metric 20 ", "staticd", "zebra", "hostname ra",
				"rb: 192.0.2.2 nhid 6 via 10.0.0.9 dev eth0 proto static metric 20 ", "staticd", "zebra", "hostname rb",
			}, lines(out:gsub("nhid %d+", "nhid 6")))
		end)
	end)
end)
