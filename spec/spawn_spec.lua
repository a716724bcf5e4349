-- spec/spawn_spec.lua - background processes: ns:spawn and its handle (pid, wait, kill, running, __close, __gc), checked through /proc and real connections.
local netns = require "netns"
local ip = require "support.ip"
local proc = require "support.proc"
local rootless = require "support.rootless"
local server = require "support.server"
local topo = require "support.topo"

local P = "t-sp-"
local A = P .. "a"

describe("spawn", function()
	local a
	local files = {}

	local function tmp()
		local path = proc.tmpname("sp")
		files[#files + 1] = path
		return path
	end

	before_each(function()
		a = netns.add(A)
	end)

	after_each(function()
		a = nil
		ip.cleanup(P)	-- collects what a failed spec left: handles kill on __gc
		for _, f in ipairs(files) do
			os.remove(f)
		end
		files = {}
		assert.same({}, proc.zombies())
	end)

	it("starts a process inside the namespace, in a process group of its own #root", function()
		local p <close> = a:spawn({ "sleep", "5" })
		assert.equal("integer", math.type(p.pid))
		assert.is_true(p.pid > 1)
		assert.is_true(p:running())
		assert.is_true(proc.alive(p.pid))
		local theirs = proc.readlink(nil, "/proc/" .. p.pid .. "/ns/net")
		assert.is_truthy(theirs:match("^net:%[%d+%]$"))
		assert.equal(proc.readlink(A, "/proc/self/ns/net"), theirs)
		assert.is_not.equal(proc.readlink(nil, "/proc/self/ns/net"), theirs)
		-- it is sleep itself, not a shell around it
		assert.equal("sleep", (proc.read("/proc/" .. p.pid .. "/comm"):gsub("\n$", "")))
		local pgrp = proc.read("/proc/" .. p.pid .. "/stat"):match("^%d+ %b() %a %d+ (%d+)")
		assert.equal(tostring(p.pid), pgrp)
		assert.equal("netns.proc (" .. p.pid .. ")", tostring(p))
	end)

	it("kills with SIGTERM: wait gives 128+15 and the signal, then it is gone #root", function()
		local p <close> = a:spawn({ "sleep", "5" })
		local pid = p.pid
		assert.is_true(p:kill())
		local status, sig = p:wait()
		assert.equal(143, status)
		assert.equal(15, sig)
		assert.is_false(p:running())
		assert.is_false(proc.exists(pid))
		assert.equal("netns.proc (" .. pid .. ", ended)", tostring(p))
		-- the same answer again, and nothing left to kill
		assert.same({ 143, 15 }, { p:wait() })
		assert.is_false(p:kill())
	end)

	it("kills with a named or numbered signal #root", function()
		local p1 <close> = a:spawn({ "sleep", "5" })
		local p2 <close> = a:spawn({ "sleep", "5" })
		local p3 <close> = a:spawn({ "sleep", "5" })
		p1:kill("KILL")
		p2:kill(2)
		p3:kill("SIGHUP")
		assert.same({ 137, 9 }, { p1:wait() })
		assert.same({ 130, 2 }, { p2:wait() })
		assert.same({ 129, 1 }, { p3:wait() })
	end)

	it("kills the whole process group, not only the first process #root", function()
		local pidfile = tmp()
		local p <close> = a:spawn({ "sh", "-c", 'sleep 30 & echo $! > "$0"; wait', pidfile })
		local child = proc.wait_until(function()
			return (proc.read(pidfile) or ""):match("%d+")
		end)
		assert.is_not_nil(child)
		assert.is_true(proc.alive(child))
		p:kill()
		p:wait()
		-- the orphan is reaped by init: at worst a zombie, never running
		assert.is_truthy(proc.wait_until(function() return proc.alive(child) ~= true end))
	end)

	it("kills what it started at any depth, setsid children too, with kill and on close #root", function()
		local why = rootless.needs_root(rootless.CGROUP)
		if why then pending(why) return end
		local d = proc.unique_duration()
		local script = ("setsid sleep %s & (sh -c 'sleep %s' &); sleep %s"):format(d, d, d)
		local p = a:spawn({ "sh", "-c", script })
		assert.truthy(proc.wait_until(function() return proc.sleeping(d) == 3 end), "three sleeps run")
		assert.is_true(p:kill("TERM"))
		assert.equal(143, (p:wait(10)))
		assert.truthy(proc.wait_until(function() return proc.sleeping(d) == 0 end), "a sleep " .. d .. " is left")
		-- and a handle that goes away takes the rest: a daemon whose parent exited
		local e = proc.unique_duration()
		do
			local q <close> = a:spawn({ "sh", "-c", ("setsid sleep %s & exit 0"):format(e) })
			assert.truthy(proc.wait_until(function() return proc.sleeping(e) == 1 end), "the daemon runs")
			assert.equal(0, (q:wait(10)))
			assert.equal(1, proc.sleeping(e), "it outlives its parent while the handle lives")
		end
		assert.truthy(proc.wait_until(function() return proc.sleeping(e) == 0 end), "the daemon went with the handle")
	end)

	it("times out a wait while the process runs #root", function()
		local p <close> = a:spawn({ "sleep", "5" })
		local took, status, why = proc.timed(p.wait, p, 0.2)
		assert.is_nil(status)
		assert.equal("timeout", why)
		assert.is_true(took >= 0.15, took)
		assert.is_true(took < 0.2 + 1, took)	-- the timeout, not the 5 s the process runs
		assert.same({ nil, "timeout" }, { p:wait(0) })
		assert.is_true(p:running())
	end)

	it("waits for a process that ends on its own #root", function()
		local p <close> = a:spawn({ "sleep", "0.2" })
		local took, status, sig = proc.timed(p.wait, p)
		assert.equal(0, status)
		assert.is_nil(sig)
		assert.is_true(took >= 0.1, took)
		assert.is_false(p:running())
	end)

	it("passes the exit status through #root", function()
		local p <close> = a:spawn({ "sh", "-c", "exit 7" })
		assert.equal(1, select("#", p:wait(10)))
		assert.equal(7, p:wait())
		assert.is_false(p:running())
		assert.is_false(p:kill())
	end)

	it("writes stdout to a file, and stderr to its own #root", function()
		local out, err = tmp(), tmp()
		local p <close> = a:spawn({ "sh", "-c", "echo out; echo err >&2" }, { stdout = out, stderr = err })
		assert.equal(0, p:wait(10))
		assert.equal("out\n", proc.read(out))
		assert.equal("err\n", proc.read(err))
	end)

	it("merges stderr into stdout with stderr = \"stdout\" #root", function()
		local out = tmp()
		local p <close> = a:spawn({ "sh", "-c", "echo out; echo err >&2; echo end" }, { stdout = out, stderr = "stdout" })
		assert.equal(0, p:wait(10))
		assert.equal("out\nerr\nend\n", proc.read(out))
	end)

	it("truncates the file, or appends with append = true #root", function()
		local out = tmp()
		proc.write(out, "old\n")
		local p <close> = a:spawn({ "echo", "new" }, { stdout = out })
		assert.equal(0, p:wait(10))
		assert.equal("new\n", proc.read(out))
		local q <close> = a:spawn({ "echo", "more" }, { stdout = out, append = true })
		assert.equal(0, q:wait(10))
		assert.equal("new\nmore\n", proc.read(out))
	end)

	it("discards output by default: stdin, stdout and stderr are /dev/null #root", function()
		local p <close> = a:spawn({ "sleep", "5" })
		for fd = 0, 2 do
			assert.equal("/dev/null", proc.readlink(nil, "/proc/" .. p.pid .. "/fd/" .. fd))
		end
	end)

	it("sets environment variables #root", function()
		local out = tmp()
		local p <close> = a:spawn({ "sh", "-c", 'echo "$NETLAB_T"' }, { stdout = out, env = { NETLAB_T = "x y" } })
		assert.equal(0, p:wait(10))
		assert.equal("x y\n", proc.read(out))
	end)

	it("runs a TCP server that another namespace reaches #root", function()
		local red, blue = topo.pair(P)
		local srv <close> = server.start(blue, { port = 8080, say = "hello from blue\n" })
		local theirs = proc.readlink(nil, "/proc/" .. srv.pid .. "/ns/net")
		assert.equal(proc.readlink(P .. "blue", "/proc/self/ns/net"), theirs)
		-- a real client in red
		local said, code = server.ask(P .. "red", "tcp", "192.168.15.2", 8080)
		assert.equal(0, code)
		assert.equal("hello from blue\n", said)
		said, code = server.ask(P .. "red", "tcp", "fd00:15::2", 8080)
		assert.equal(0, code)
		assert.equal("hello from blue\n", said)
		-- and the module's own probe
		assert.is_true(red:connect("192.168.15.2", 8080, { timeout = 2 }))
		-- once killed, the port is closed
		srv:kill()
		assert.same({ 143, 15 }, { srv:wait(10) })
		local _, code2 = server.ask(P .. "red", "tcp", "192.168.15.2", 8080, 1)
		assert.is_not.equal(0, code2)
	end)

	it("kills and reaps the process when a <close> handle goes out of scope #root", function()
		local pid, kept
		do
			local p <close> = a:spawn({ "sleep", "30" })
			pid, kept = p.pid, p
			assert.is_true(proc.alive(pid))
		end
		assert.is_false(proc.exists(pid))	-- neither running nor a zombie
		assert.is_false(kept:running())
		assert.is_false(kept:kill())
		assert.same({}, proc.zombies())
	end)

	it("kills and reaps the process on an error in the scope too #root", function()
		local pid
		local ok = pcall(function()
			local p <close> = a:spawn({ "sleep", "30" })
			pid = p.pid
			error("boom")
		end)
		assert.is_false(ok)
		assert.is_false(proc.exists(pid))
	end)

	it("kills and reaps the process when the handle is garbage-collected #root", function()
		local p = a:spawn({ "sleep", "30" })
		local pid = p.pid
		assert.is_true(proc.alive(pid))
		p = nil	-- luacheck: ignore
		collectgarbage()
		collectgarbage()
		assert.is_false(proc.exists(pid))
		assert.same({}, proc.zombies())
	end)

	it("reaps a process that ended by itself when the handle goes #root", function()
		local pid
		do
			local p <close> = a:spawn({ "true" })
			pid = p.pid
			assert.is_truthy(proc.wait_until(function() return proc.alive(pid) ~= true end))
		end
		assert.is_false(proc.exists(pid))
	end)

	it("keeps the last 4 KiB of stderr with stderr_tail, what it started wrote too, and still writes the file #root", function()
		local before = proc.children()
		do
			local p <close> = a:spawn({ "sh", "-c", "echo one >&2; sh -c 'echo grandchild >&2'; exit 3" }, { stderr_tail = true })
			assert.equal(3, p:wait(10))
			assert.equal("one\ngrandchild\n", p:stderr_tail())
			-- only the last bytes, in order; the file gets everything, once
			local out = tmp()
			local q <close> = a:spawn({ "sh", "-c", "seq 1 3000 >&2" }, { stderr = out, stderr_tail = true })
			assert.equal(0, q:wait(10))
			local all = proc.read(out)
			assert.equal(13893, #all)
			assert.equal(all:sub(-4096), q:stderr_tail())
			-- appended, as without the tail
			local r <close> = a:spawn({ "sh", "-c", "echo more >&2" }, { stderr = out, append = true, stderr_tail = true })
			assert.equal(0, r:wait(10))
			assert.equal(all .. "more\n", proc.read(out))
			-- without it, nothing is kept
			local s <close> = a:spawn({ "true" })
			s:wait(10)
			assert.is_nil(s:stderr_tail())
		end
		-- no copier left behind: every process it started is reaped
		assert.same(before, proc.children())
	end)

	it("kills the copier of stderr_tail with the process #root", function()
		local before = proc.children()
		do
			local p <close> = a:spawn({ "sh", "-c", "echo started >&2; sleep 300" }, { stderr_tail = true })
			assert.truthy(proc.wait_until(function() return p:stderr_tail() == "started\n" end))
			assert.equal(2, #proc.children() - #before)	-- sh and its copier
		end
		assert.same(before, proc.children())
	end)

	it("netns.fork runs a function in a child beside the caller, whose netlink requests are its own #root", function()
		local gate = tmp()
		-- the parent's socket in a is open before the fork; the child talks
		-- through its own while the parent talks through the parent's
		assert.equal(1, #a:links())
		local p = netns.fork(function()
			a:link_set("lo", { up = true })
			for _ = 1, 200 do assert(#a:links() == 1) end
			proc.write(gate, "done")
			return 7
		end)
		for _ = 1, 200 do assert.equal(1, #a:links()) end
		assert.equal(7, p:wait(10))
		assert.equal("done", proc.read(gate))
		assert.is_true(ip.flags(ip.link(A, "lo")).UP)
		-- an error: on stderr, status 1; the child never comes back to the
		-- caller's code (the line after the fork runs once)
		local out = proc.exec(proc.lua([[
local netns = require "netns"
local p = netns.fork(function() error("boom") end)
io.stderr:write("after the fork: ", p:wait(10), "\n")
]]), true)
		assert.matches("boom", out)
		assert.equal(1, select(2, out:gsub("after the fork", "")))
		assert.matches("after the fork: 1\n", out, 1, true)
		-- what the child started goes when it is killed: the cgroups it made
		-- for its commands are removed with what runs in them
		local duration = proc.unique_duration()
		local q = netns.fork(function()
			a:spawn({ "sleep", duration })
			netns.sleep(300)
		end)
		assert.truthy(proc.wait_until(function() return proc.sleeping(duration) == 1 end))
		q:kill("KILL")
		q:wait(10)
		assert.equal(0, proc.sleeping(duration))
	end)

	describe("bad input", function()
		local function no_new_children(before)
			assert.same(before, proc.children())
			assert.same({}, proc.zombies())
		end

		it("refuses a program that does not exist with ENOENT, naming it #root", function()
			local before = proc.children()
			assert.equal("netns: spawn t-sp-no-such-program in " .. A .. ": No such file or directory (ENOENT)",
				proc.error_of(a.spawn, a, { "t-sp-no-such-program", "x" }))
			assert.equal("netns: spawn /nonexistent/prog in " .. A .. ": No such file or directory (ENOENT)",
				proc.error_of(a.spawn, a, { "/nonexistent/prog" }))
			no_new_children(before)
		end)

		it("refuses a program that is not executable #root", function()
			local path = tmp()
			proc.write(path, "#!/bin/sh\n")
			local before = proc.children()
			assert.equal("netns: spawn " .. path .. " in " .. A .. ": Permission denied (EACCES)",
				proc.error_of(a.spawn, a, { path }))
			no_new_children(before)
		end)

		it("refuses an output file in a directory that does not exist, starting nothing #root", function()
			local before = proc.children()
			local err = proc.error_of(a.spawn, a, { "sleep", "5" }, { stdout = "/nonexistent/dir/out" })
			local head = "netns: spawn sleep in " .. A .. ": "
			assert.equal(head, err:sub(1, #head))
			assert.is_truthy(err:find("No such file or directory (ENOENT)", 1, true), err)
			err = proc.error_of(a.spawn, a, { "sleep", "5" }, { stderr = "/nonexistent/dir/err" })
			assert.is_truthy(err:find("(ENOENT)", 1, true), err)
			no_new_children(before)
		end)

		it("refuses an empty or malformed argv #root", function()
			assert.equal("netns: spawn: argv must be a non-empty table of strings", proc.error_of(a.spawn, a, {}))
			assert.equal("netns: spawn: argv must be a table, not string", proc.error_of(a.spawn, a, "sleep 5"))
			assert.equal("netns: spawn: argv[1] is empty", proc.error_of(a.spawn, a, { "" }))
			assert.equal("netns: spawn: argv[2] must be a string, not number", proc.error_of(a.spawn, a, { "sleep", 5 }))
		end)

		it("refuses unknown options and options of the wrong type #root", function()
			assert.equal("netns: spawn: unknown option 'stdin'", proc.error_of(a.spawn, a, { "sleep", "5" }, { stdin = "x" }))
			assert.equal("netns: spawn: option 'stdout' must be a string, not boolean",
				proc.error_of(a.spawn, a, { "sleep", "5" }, { stdout = true }))
			assert.equal("netns: spawn: option 'append' must be a boolean, not string",
				proc.error_of(a.spawn, a, { "sleep", "5" }, { append = "yes" }))
			assert.equal("netns: spawn: option 'env' must be a table of NAME = value",
				proc.error_of(a.spawn, a, { "sleep", "5" }, { env = "A=1" }))
		end)

		it("refuses a bad wait timeout and a bad signal #root", function()
			local p <close> = a:spawn({ "sleep", "5" })
			assert.equal("netns: wait: timeout must be a number of seconds >= 0, not '-1'", proc.error_of(p.wait, p, -1))
			assert.equal("netns: wait: timeout must be a number of seconds >= 0, not 'soon'", proc.error_of(p.wait, p, "soon"))
			assert.equal("netns: kill: signal 'NOPE' is not a known signal name", proc.error_of(p.kill, p, "NOPE"))
			assert.equal("netns: kill: signal '999' is not a signal number", proc.error_of(p.kill, p, 999))
			assert.is_true(p:running())
		end)
	end)
end)
