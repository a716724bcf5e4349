-- spec/run_spec.lua - ns:run: commands inside a namespace, their output, status, input, timeout.
local netns = require "netns"
local ip = require "support.ip"
local proc = require "support.proc"
local rootless = require "support.rootless"
local json = require "support.json"

local P = "t-rn-"
local A = P .. "a"

-- sorted words of a string
local function words(s)
	local w = {}
	for x in s:gmatch("%S+") do
		w[#w + 1] = x
	end
	table.sort(w)
	return w
end

describe("run", function()
	local ns

	before_each(function()
		ns = netns.add(A)
		ip.ip("-n", A, "link", "add", P .. "br", "type", "bridge")
		-- a device of the suite's namespace that the command must not see
		ip.ip("link", "add", P .. "outside", "type", "bridge")
	end)

	after_each(function()
		ns:close()
		ip.cleanup(P)
	end)

	it("runs ip inside the namespace #root", function()
		local r = ns:run({ "ip", "-j", "link" })
		assert.equal(0, r.status)
		assert.is_true(r.ok)
		local names = {}
		for _, l in ipairs(json.decode(r.stdout)) do
			names[#names + 1] = l.ifname
		end
		table.sort(names)
		assert.same(ip.link_names(A), names)
		assert.same({ "lo", P .. "br" }, names)
	end)

	it("shows the namespace's devices in /sys/class/net, not the suite's #root", function()
		local r = ns:run({ "ls", "/sys/class/net" })
		assert.equal(0, r.status)
		assert.same({ "lo", P .. "br" }, words(r.stdout))
	end)

	it("does not change /sys for the caller #root", function()
		local before = words(proc.exec({ "ls", "/sys/class/net" }))
		assert.is_true(#before > 0)
		ns:run({ "ls", "/sys/class/net" })
		-- the caller's /sys is the one it had: the same devices, none of the namespace's
		assert.same(before, words(proc.exec({ "ls", "/sys/class/net" })))
		assert.is_nil(proc.read("/sys/class/net/" .. P .. "br/ifindex"))
	end)

	it("runs in the suite's own namespace through the host handle #root", function()
		local host <close> = netns.host()
		local r = host:run({ "ip", "-j", "link" })
		assert.equal(0, r.status)
		local names = {}
		for _, l in ipairs(json.decode(r.stdout)) do
			names[#names + 1] = l.ifname
		end
		table.sort(names)
		assert.same(ip.link_names(nil), names)
	end)

	it("captures stdout and stderr separately #root", function()
		local r = ns:run({ "sh", "-c", "echo out; echo err >&2; echo out2; echo err2 >&2" })
		assert.equal("out\nout2\n", r.stdout)
		assert.equal("err\nerr2\n", r.stderr)
		assert.equal(0, r.status)
		assert.is_true(r.ok)
		assert.is_false(r.timed_out)
		assert.is_nil(r.signal)
	end)

	it("keeps binary output intact #root", function()
		local r = ns:run({ "printf", "a\\000b\\377\\n" })
		assert.equal("a\0b\255\n", r.stdout)
	end)

	it("passes the exit status through #root", function()
		local r = ns:run({ "sh", "-c", "exit 3" })
		assert.equal(3, r.status)
		assert.is_false(r.ok)
		assert.is_false(r.timed_out)
		assert.is_nil(r.signal)
		assert.equal(1, ns:run({ "false" }).status)
	end)

	it("reports the signal that ended the command #root", function()
		local r = ns:run({ "sh", "-c", "kill -TERM $$" })
		assert.equal(15, r.signal)
		assert.equal(128 + 15, r.status)
		assert.is_false(r.ok)
		assert.is_false(r.timed_out)
	end)

	it("adds the env option's variables to the environment #root", function()
		local r = ns:run({ "sh", "-c", 'printf "%s|%s" "$NETLAB_A" "$NETLAB_B"' },
			{ env = { NETLAB_A = "one two", NETLAB_B = "x=y" } })
		assert.equal("one two|x=y", r.stdout)
		-- on top of the environment, not instead of it
		r = ns:run({ "sh", "-c", 'printf %s "$PATH"' }, { env = { NETLAB_A = "1" } })
		assert.equal(os.getenv("PATH"), r.stdout)
	end)

	it("feeds the stdin option to the command #root", function()
		local r = ns:run({ "cat" }, { stdin = "hello\0world\n" })
		assert.equal("hello\0world\n", r.stdout)
		assert.equal(0, r.status)
		local big = string.rep("0123456789abcdef", 200000)	-- 3.2 MB
		r = ns:run({ "cat" }, { stdin = big })
		assert.equal(#big, #r.stdout)
		assert.is_true(r.stdout == big)
		r = ns:run({ "wc", "-c" }, { stdin = "" })
		assert.equal("0", r.stdout:match("%d+"))
	end)

	it("gives the command an empty stdin when there is no stdin option #root", function()
		local r = ns:run({ "cat" }, { timeout = 5 })
		assert.is_false(r.timed_out)
		assert.equal("", r.stdout)
		assert.equal(0, r.status)
	end)

	it("captures several MB of output without deadlocking #root", function()
		local r = ns:run({ "head", "-c", "8000000", "/dev/zero" }, { timeout = 20 })
		assert.is_false(r.timed_out)
		assert.equal(0, r.status)
		assert.equal(8000000, #r.stdout)
		assert.is_true(r.stdout == string.rep("\0", 8000000))
	end)

	it("captures several MB on stdout and stderr at the same time #root", function()
		local r = ns:run({ "sh", "-c",
			"yes out | head -c 6000000 & yes err | head -c 6000000 >&2; wait" }, { timeout = 20 })
		assert.is_false(r.timed_out)
		assert.equal(0, r.status)
		assert.equal(6000000, #r.stdout)
		assert.equal(6000000, #r.stderr)
		assert.is_true(r.stdout == string.rep("out\n", 1500000))
		assert.is_true(r.stderr == string.rep("err\n", 1500000))
	end)

	it("feeds a large stdin while reading a large output #root", function()
		local big = string.rep("x", 5000000)
		local r = ns:run({ "sh", "-c", "cat; head -c 3000000 /dev/zero >&2" }, { stdin = big, timeout = 20 })
		assert.is_false(r.timed_out)
		assert.equal(#big, #r.stdout)
		assert.equal(3000000, #r.stderr)
	end)

	it("kills a command that outlives its timeout and says so #root", function()
		local t0 = proc.now()
		local r = ns:run({ "sleep", "10" }, { timeout = 0.3 })
		local took = proc.now() - t0
		assert.is_true(r.timed_out)
		assert.equal(9, r.signal)
		assert.equal(128 + 9, r.status)
		assert.is_false(r.ok)
		assert.is_true(took >= 0.25, "took " .. took)
		assert.is_true(took < 5, "took " .. took)
	end)

	it("keeps the output a command wrote before its timeout #root", function()
		local r = ns:run({ "sh", "-c", "echo before; exec sleep 10" }, { timeout = 0.3 })
		assert.is_true(r.timed_out)
		assert.equal("before\n", r.stdout)
	end)

	it("kills what a timed-out command started, too #root", function()
		-- a duration no other process on the machine sleeps (other suites may run beside this one)
		local marker = ("97.%d%06d"):format(tonumber(proc.pid()), math.random(0, 999999))
		local r = ns:run({ "sh", "-c", "sleep " .. marker .. " & sleep " .. marker }, { timeout = 0.3 })
		assert.is_true(r.timed_out)
		local pattern = "sleep " .. marker:gsub("%.", "[.]")	-- does not match the shell running pgrep
		local gone = proc.wait_until(function()
			local _, code = proc.exec({ "pgrep", "-f", pattern })
			return code == 1	-- no process matched
		end)
		assert.is_true(gone == true)
	end)

	it("kills a timed-out command's children that left its process group (setsid) #root", function()
		local why = rootless.needs_root(rootless.CGROUP)
		if why then pending(why) return end
		local d = proc.unique_duration()
		local r = ns:run({ "sh", "-c", "setsid sleep " .. d .. " & sleep " .. d }, { timeout = 0.5 })
		assert.is_true(r.timed_out)
		assert.truthy(proc.wait_until(function() return proc.sleeping(d) == 0 end), "a sleep " .. d .. " is left")
	end)

	it("kills what the command left running when it returns, at any depth #root", function()
		local why = rootless.needs_root(rootless.CGROUP)
		if why then pending(why) return end
		local d = proc.unique_duration()
		local r = ns:run({ "sh", "-c", ("sleep %s & setsid sleep %s & (sh -c 'sleep %s' &); echo bg"):format(d, d, d) })
		assert.equal("bg\n", r.stdout)
		assert.equal(0, r.status)
		assert.truthy(proc.wait_until(function() return proc.sleeping(d) == 0 end), "a sleep " .. d .. " is left")
	end)

	it("does not time out a command that ends in time #root", function()
		local r = ns:run({ "sh", "-c", "echo fast" }, { timeout = 5 })
		assert.is_false(r.timed_out)
		assert.equal("fast\n", r.stdout)
		assert.is_true(r.ok)
	end)

	it("survives a command that exits without reading a large stdin #root", function()
		local big = string.rep("y", 4000000)
		local r = ns:run({ "true" }, { stdin = big })
		assert.equal(0, r.status)
		r = ns:run({ "head", "-c", "1" }, { stdin = big })
		assert.equal(0, r.status)
		assert.equal("y", r.stdout)
		-- and the caller can still run things normally
		assert.equal("ok\n", ns:run({ "echo", "ok" }).stdout)
	end)

	it("returns when the command exits, not when a background child closes its output #root", function()
		local t0 = proc.now()
		-- the background sleep keeps stdout open for 60 s; the shell tells its pid and exits
		local r = ns:run({ "sh", "-c", "sleep 60 & echo $!" })
		local took = proc.now() - t0
		local pid = r.stdout:match("^(%d+)\n$")
		if pid then
			proc.exec({ "kill", pid })
		end
		assert.is_not_nil(pid, r.stdout)
		-- far from the 60 s the output stays open, whatever the machine's load
		assert.is_true(took < 20, "took " .. took)
		assert.equal(0, r.status)
	end)

	it("raises when the program does not exist #root", function()
		local err = proc.error_of(ns.run, ns, { P .. "no-such-program" })
		assert.equal("netns: run " .. P .. "no-such-program in " .. A
			.. ": No such file or directory (ENOENT)", err)
		err = proc.error_of(ns.run, ns, { "/nonexistent/" .. P .. "prog" })
		assert.equal("netns: run /nonexistent/" .. P .. "prog in " .. A
			.. ": No such file or directory (ENOENT)", err)
	end)

	it("passes argv as words, never through a shell #root", function()
		assert.equal("a; echo b\n", ns:run({ "echo", "a; echo b" }).stdout)
		assert.equal("$HOME|*|`id`|", ns:run({ "printf", "%s|", "$HOME", "*", "`id`" }).stdout)
	end)

	it("leaves no zombie and no descriptor behind #root", function()
		ns:run({ "true" })
		collectgarbage()
		local fds = proc.fd_count()
		for _ = 1, 10 do
			ns:run({ "true" })
			ns:run({ "sh", "-c", "exit 3" })
			ns:run({ "cat" }, { stdin = "x" })
			ns:run({ "sleep", "10" }, { timeout = 0.01 })
			pcall(ns.run, ns, { P .. "no-such-program" })
		end
		collectgarbage()
		assert.same({}, proc.zombies())
		assert.equal(fds, proc.fd_count())
	end)
end)
