-- spec/spawn_spec.lua - background processes: ns:spawn and its handle (pid, wait, kill, running, __close, __gc), checked through /proc and real connections.
local n = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "net_helper.lua")
local h = n.h
local netns = require "netns"

local P = "t-sp-"
local A = P .. "a"

describe("spawn", function()
	local a
	local files = {}

	local function tmp()
		local path = n.tmpname("sp")
		files[#files + 1] = path
		return path
	end

	before_each(function()
		a = netns.add(A)
	end)

	after_each(function()
		a = nil
		h.cleanup(P)	-- collects what a failed spec left: handles kill on __gc
		for _, f in ipairs(files) do
			os.remove(f)
		end
		files = {}
		assert.same({}, h.zombies())
	end)

	it("starts a process inside the namespace, in a process group of its own #root", function()
		local p <close> = a:spawn({ "sleep", "5" })
		assert.equal("integer", math.type(p.pid))
		assert.is_true(p.pid > 1)
		assert.is_true(p:running())
		assert.is_true(n.alive(p.pid))
		local theirs = n.readlink(nil, "/proc/" .. p.pid .. "/ns/net")
		assert.is_truthy(theirs:match("^net:%[%d+%]$"))
		assert.equal(n.readlink(A, "/proc/self/ns/net"), theirs)
		assert.is_not.equal(n.readlink(nil, "/proc/self/ns/net"), theirs)
		-- it is sleep itself, not a shell around it
		assert.equal("sleep", (n.read("/proc/" .. p.pid .. "/comm"):gsub("\n$", "")))
		local pgrp = n.read("/proc/" .. p.pid .. "/stat"):match("^%d+ %b() %a %d+ (%d+)")
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
		assert.is_false(n.exists(pid))
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
		local child = n.wait_until(function()
			return (n.read(pidfile) or ""):match("%d+")
		end)
		assert.is_not_nil(child)
		assert.is_true(n.alive(child))
		p:kill()
		p:wait()
		-- the orphan is reaped by init: at worst a zombie, never running
		assert.is_truthy(n.wait_until(function() return n.alive(child) ~= true end))
	end)

	it("times out a wait while the process runs #root", function()
		local p <close> = a:spawn({ "sleep", "5" })
		local took, status, why = n.timed(p.wait, p, 0.2)
		assert.is_nil(status)
		assert.equal("timeout", why)
		assert.is_true(took >= 0.15, took)
		assert.is_true(took < 0.7, took)
		assert.same({ nil, "timeout" }, { p:wait(0) })
		assert.is_true(p:running())
	end)

	it("waits for a process that ends on its own #root", function()
		local p <close> = a:spawn({ "sleep", "0.2" })
		local took, status, sig = n.timed(p.wait, p)
		assert.equal(0, status)
		assert.is_nil(sig)
		assert.is_true(took >= 0.1, took)
		assert.is_false(p:running())
	end)

	it("passes the exit status through #root", function()
		local p <close> = a:spawn({ "sh", "-c", "exit 7" })
		assert.equal(1, select("#", p:wait(2)))
		assert.equal(7, p:wait())
		assert.is_false(p:running())
		assert.is_false(p:kill())
	end)

	it("writes stdout to a file, and stderr to its own #root", function()
		local out, err = tmp(), tmp()
		local p <close> = a:spawn({ "sh", "-c", "echo out; echo err >&2" }, { stdout = out, stderr = err })
		assert.equal(0, p:wait(5))
		assert.equal("out\n", n.read(out))
		assert.equal("err\n", n.read(err))
	end)

	it("merges stderr into stdout with stderr = \"stdout\" #root", function()
		local out = tmp()
		local p <close> = a:spawn({ "sh", "-c", "echo out; echo err >&2; echo end" }, { stdout = out, stderr = "stdout" })
		assert.equal(0, p:wait(5))
		assert.equal("out\nerr\nend\n", n.read(out))
	end)

	it("truncates the file, or appends with append = true #root", function()
		local out = tmp()
		n.write(out, "old\n")
		local p <close> = a:spawn({ "echo", "new" }, { stdout = out })
		p:wait(5)
		assert.equal("new\n", n.read(out))
		local q <close> = a:spawn({ "echo", "more" }, { stdout = out, append = true })
		q:wait(5)
		assert.equal("new\nmore\n", n.read(out))
	end)

	it("discards output by default: stdin, stdout and stderr are /dev/null #root", function()
		local p <close> = a:spawn({ "sleep", "5" })
		for fd = 0, 2 do
			assert.equal("/dev/null", n.readlink(nil, "/proc/" .. p.pid .. "/fd/" .. fd))
		end
	end)

	it("sets environment variables #root", function()
		local out = tmp()
		local p <close> = a:spawn({ "sh", "-c", 'echo "$NETLAB_T"' }, { stdout = out, env = { NETLAB_T = "x y" } })
		p:wait(5)
		assert.equal("x y\n", n.read(out))
	end)

	it("runs a TCP server that another namespace reaches #root", function()
		local red, blue = n.pair(P)
		local log = tmp()
		local server <close> = n.tcp_server(blue, 8080, "blue", log)
		local theirs = n.readlink(nil, "/proc/" .. server.pid .. "/ns/net")
		assert.equal(n.readlink(P .. "blue", "/proc/self/ns/net"), theirs)
		-- a real client in red
		local said, code = n.tcp_client(P .. "red", "192.168.15.2", 8080)
		assert.equal(0, code)
		assert.equal("hello from blue\n", said)
		said, code = n.tcp_client(P .. "red", "fd00:15::2", 8080)
		assert.equal(0, code)
		assert.equal("hello from blue\n", said)
		-- and the module's own probe
		assert.is_true(red:connect("192.168.15.2", 8080, { timeout = 2 }))
		-- once killed, the port is closed
		server:kill()
		assert.same({ 143, 15 }, { server:wait(2) })
		local _, code2 = n.tcp_client(P .. "red", "192.168.15.2", 8080)
		assert.is_not.equal(0, code2)
	end)

	it("kills and reaps the process when a <close> handle goes out of scope #root", function()
		local pid, kept
		do
			local p <close> = a:spawn({ "sleep", "30" })
			pid, kept = p.pid, p
			assert.is_true(n.alive(pid))
		end
		assert.is_false(n.exists(pid))	-- neither running nor a zombie
		assert.is_false(kept:running())
		assert.is_false(kept:kill())
		assert.same({}, h.zombies())
	end)

	it("kills and reaps the process on an error in the scope too #root", function()
		local pid
		local ok = pcall(function()
			local p <close> = a:spawn({ "sleep", "30" })
			pid = p.pid
			error("boom")
		end)
		assert.is_false(ok)
		assert.is_false(n.exists(pid))
	end)

	it("kills and reaps the process when the handle is garbage-collected #root", function()
		local p = a:spawn({ "sleep", "30" })
		local pid = p.pid
		assert.is_true(n.alive(pid))
		p = nil	-- luacheck: ignore
		collectgarbage()
		collectgarbage()
		assert.is_false(n.exists(pid))
		assert.same({}, h.zombies())
	end)

	it("reaps a process that ended by itself when the handle goes #root", function()
		local pid
		do
			local p <close> = a:spawn({ "true" })
			pid = p.pid
			assert.is_truthy(n.wait_until(function() return n.alive(pid) ~= true end))
		end
		assert.is_false(n.exists(pid))
	end)

	describe("bad input", function()
		local function no_new_children(before)
			assert.same(before, n.children())
			assert.same({}, h.zombies())
		end

		it("refuses a program that does not exist with ENOENT, naming it #root", function()
			local before = n.children()
			assert.equal("netns: spawn t-sp-no-such-program in " .. A .. ": No such file or directory (ENOENT)",
				h.error_of(a.spawn, a, { "t-sp-no-such-program", "x" }))
			assert.equal("netns: spawn /nonexistent/prog in " .. A .. ": No such file or directory (ENOENT)",
				h.error_of(a.spawn, a, { "/nonexistent/prog" }))
			no_new_children(before)
		end)

		it("refuses a program that is not executable #root", function()
			local path = tmp()
			n.write(path, "#!/bin/sh\n")
			local before = n.children()
			assert.equal("netns: spawn " .. path .. " in " .. A .. ": Permission denied (EACCES)",
				h.error_of(a.spawn, a, { path }))
			no_new_children(before)
		end)

		it("refuses an output file in a directory that does not exist, starting nothing #root", function()
			local before = n.children()
			local err = h.error_of(a.spawn, a, { "sleep", "5" }, { stdout = "/nonexistent/dir/out" })
			local head = "netns: spawn sleep in " .. A .. ": "
			assert.equal(head, err:sub(1, #head))
			assert.is_truthy(err:find("No such file or directory (ENOENT)", 1, true), err)
			err = h.error_of(a.spawn, a, { "sleep", "5" }, { stderr = "/nonexistent/dir/err" })
			assert.is_truthy(err:find("(ENOENT)", 1, true), err)
			no_new_children(before)
		end)

		it("refuses an empty or malformed argv #root", function()
			assert.equal("netns: spawn: argv must be a non-empty table of strings", h.error_of(a.spawn, a, {}))
			assert.equal("netns: spawn: argv must be a table, not string", h.error_of(a.spawn, a, "sleep 5"))
			assert.equal("netns: spawn: argv[1] is empty", h.error_of(a.spawn, a, { "" }))
			assert.equal("netns: spawn: argv[2] must be a string, not number", h.error_of(a.spawn, a, { "sleep", 5 }))
		end)

		it("refuses unknown options and options of the wrong type #root", function()
			assert.equal("netns: spawn: unknown option 'stdin'", h.error_of(a.spawn, a, { "sleep", "5" }, { stdin = "x" }))
			assert.equal("netns: spawn: option 'stdout' must be a string, not boolean",
				h.error_of(a.spawn, a, { "sleep", "5" }, { stdout = true }))
			assert.equal("netns: spawn: option 'append' must be a boolean, not string",
				h.error_of(a.spawn, a, { "sleep", "5" }, { append = "yes" }))
			assert.equal("netns: spawn: option 'env' must be a table of NAME = value",
				h.error_of(a.spawn, a, { "sleep", "5" }, { env = "A=1" }))
		end)

		it("refuses a bad wait timeout and a bad signal #root", function()
			local p <close> = a:spawn({ "sleep", "5" })
			assert.equal("netns: wait: timeout must be a number of seconds >= 0, not '-1'", h.error_of(p.wait, p, -1))
			assert.equal("netns: wait: timeout must be a number of seconds >= 0, not 'soon'", h.error_of(p.wait, p, "soon"))
			assert.equal("netns: kill: signal 'NOPE' is not a known signal name", h.error_of(p.kill, p, "NOPE"))
			assert.equal("netns: kill: signal '999' is not a signal number", h.error_of(p.kill, p, 999))
			assert.is_true(p:running())
		end)
	end)
end)
