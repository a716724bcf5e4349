-- spec/support/proc.lua - processes, time and files for the specs: commands by argv, the one
-- wait_until, the clock (lua-system), the one file reader, what this process holds and started.
local system = require "system"

local M = {}

-- ---- time (lua-system: CLOCK_MONOTONIC and nanosleep, no fork) ----

M.now = system.monotime
M.sleep = system.sleep

-- Seconds fn(...) took, then what it returned.
function M.timed(fn, ...)
	local t0 = M.now()
	local r = table.pack(fn(...))
	return M.now() - t0, table.unpack(r, 1, r.n)
end

-- The one way a spec waits: poll fn until it returns a true value, which is
-- returned; nil when timeout seconds (default 10: generous, a wait that holds
-- costs only the time the condition takes) pass first.
function M.wait_until(fn, timeout)
	local deadline = M.now() + (timeout or 10)
	while true do
		local v = fn()
		if v then
			return v
		end
		if M.now() > deadline then
			return nil
		end
		M.sleep(0.02)
	end
end

-- ---- commands ----

function M.quote(s)
	return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

-- Run argv (a table of words, never a shell string), stdin from /dev/null:
-- its stdout (with stderr when merge_stderr) and exit code.
function M.exec(argv, merge_stderr)
	local words = {}
	for i, a in ipairs(argv) do
		words[i] = M.quote(a)
	end
	local f = assert(io.popen(table.concat(words, " ") .. " </dev/null"
		.. (merge_stderr and " 2>&1" or " 2>/dev/null")))
	local out = f:read("a")
	local _, _, code = f:close()
	return out, code
end

-- A duration for `sleep` that no other process on the machine sleeps (other
-- suites may run beside this one): what sleeping() finds it by.
function M.unique_duration()
	return ("%d.%06d"):format(600 + math.random(0, 399), math.random(0, 999999))
end

-- How many processes now run `sleep DURATION`, at any depth of any
-- namespace (a zombie has no command line: it does not count).
function M.sleeping(duration)
	local want, n = "sleep\0" .. duration .. "\0", 0
	for pid in M.exec({ "ls", "/proc" }):gmatch("%d+") do
		if M.read("/proc/" .. pid .. "/cmdline") == want then
			n = n + 1
		end
	end
	return n
end

-- Is program on the PATH?
function M.has(program)
	local _, code = M.exec({ "sh", "-c", 'command -v "$0" >/dev/null', program })
	return code == 0
end

-- nil when program is there, else why a spec that needs it is skipped:
--   local why = proc.missing("strace", "strace"); if why then pending(why) end
function M.missing(program, package)
	if M.has(program) then
		return nil
	end
	return ("needs %s, which is not installed (Debian package %s; scripts/setup.sh installs it)")
		:format(program, package)
end

-- The program to run a Python script with: the system's, not a version
-- manager's shim (a shell script that forks on its own).
function M.python()
	if M.read("/usr/bin/python3") then
		return "/usr/bin/python3"
	end
	return "python3"
end

-- argv for a Lua 5.4 child that finds what this process finds (netns, the
-- lab library): the search paths go in with -e, not through `env`, so the
-- child is one exec, lua5.4 itself.
function M.lua(script)
	return { "lua5.4", "-e", ("package.path = %q; package.cpath = %q"):format(package.path, package.cpath),
		"-e", script }
end

-- The error message of fn(...), which must fail.
function M.error_of(fn, ...)
	local ok, err = pcall(fn, ...)
	assert(not ok, "expected an error, but the call succeeded")
	return tostring(err)
end

-- Plain-text search: error messages contain '(', '.', '-' ...
function M.contains(s, part)
	return type(s) == "string" and s:find(part, 1, true) ~= nil
end

-- ---- files ----

-- The one file reader: the whole file, or nil when it cannot be opened.
function M.read(path)
	local f = io.open(path, "rb")
	if not f then
		return nil
	end
	local s = f:read("a")
	f:close()
	return s
end

function M.write(path, s)
	local f = assert(io.open(path, "wb"))
	f:write(s)
	f:close()
	return path
end

-- A fresh path for a scratch file (not created): under /run/netlab when the
-- suite has its private one there, else /tmp.
function M.tmpname(tag)
	local dir = "/run/netlab"
	local probe = dir .. "/.probe-" .. M.pid()
	local f = io.open(probe, "w")
	if f then
		f:close()
		os.remove(probe)
	else
		dir = "/tmp"
	end
	return ("%s/t-%s-%s-%d"):format(dir, tag or "x", M.pid(), math.random(1, 1e9))
end

-- A fresh directory (created); remove it with M.rmtree.
function M.tmpdir(tag)
	local d = M.tmpname(tag)
	local _, code = M.exec({ "mkdir", "-p", d })
	assert(code == 0, "cannot make " .. d)
	return d
end

function M.rmtree(d)
	assert(type(d) == "string" and #d > 5 and d:match("^/"), "rmtree: refusing " .. tostring(d))
	M.exec({ "rm", "-rf", d })
end

-- `readlink path`, run inside namespace ns (a name; nil: here)
function M.readlink(ns, path)
	local argv = { "readlink", path }
	if ns then
		argv = { "ip", "netns", "exec", ns, "readlink", path }
	end
	return (M.exec(argv):gsub("\n$", ""))
end

-- The first line of a /proc/sys file as this process (the suite's namespace) sees it.
function M.proc_sys(rel)
	local s = M.read("/proc/sys/" .. rel)
	return s and (s:gsub("\n$", ""))
end

-- ---- this process and its children ----

function M.pid()
	return M.read("/proc/self/stat"):match("^(%d+)")
end

-- true while pid runs, "zombie" when it ended and was not reaped, false when gone
function M.alive(pid)
	local stat = M.read("/proc/" .. pid .. "/stat")
	if not stat then
		return false
	end
	return stat:match("^%d+ %b() (%a)") ~= "Z" and true or "zombie"
end

-- pid still has a /proc entry (running or a zombie)
function M.exists(pid)
	return M.read("/proc/" .. pid .. "/stat") ~= nil
end

-- pids of this process's children (any state)
function M.children()
	local pid = M.pid()
	local s = M.read("/proc/" .. pid .. "/task/" .. pid .. "/children") or ""
	local list = {}
	for c in s:gmatch("%d+") do
		list[#list + 1] = c
	end
	return list
end

-- Descriptors this process holds. Listing them runs ls through io.popen, and
-- the popen pipe's far end may still be open in this process while ls looks:
-- take the smallest of a few counts (a real leak shows in every one).
function M.fd_count()
	local best
	for _ = 1, 3 do
		local n = 0
		for _ in M.exec({ "ls", "/proc/" .. M.pid() .. "/fd" }):gmatch("[^\n]+") do
			n = n + 1
		end
		best = math.min(best or n, n)
	end
	return best
end

-- The descriptor of this process that holds the namespace with inode id: a
-- path nsenter accepts, or nil.
function M.ns_fd_path(id)
	local me = M.pid()
	for fd in M.exec({ "ls", "/proc/" .. me .. "/fd" }):gmatch("%d+") do
		local path = "/proc/" .. me .. "/fd/" .. fd
		if M.exec({ "readlink", path }) == "net:[" .. id .. "]\n" then
			return path
		end
	end
	return nil
end

-- children of this process that are zombies (state Z), read from /proc
function M.zombies()
	local me = M.pid()
	local z = {}
	for pid in M.exec({ "ls", "/proc" }):gmatch("%d+") do
		local stat = M.read("/proc/" .. pid .. "/stat")
		-- pid (comm) state ppid ...; comm may hold spaces and parentheses
		local comm, state, ppid = (stat or ""):match("^%d+ %((.*)%) (%S) (%d+)")
		if ppid == me and state == "Z" then
			z[#z + 1] = pid .. " " .. comm
		end
	end
	return z
end

-- ---- where the repository is ----

-- The repository's root, absolute (this file is spec/support/proc.lua).
M.root = (function()
	local here = debug.getinfo(1, "S").source:match("^@(.*)/spec/support/[^/]*$") or "."
	local abs = M.exec({ "readlink", "-f", here }):gsub("\n$", "")
	return abs ~= "" and abs or here
end)()

return M
