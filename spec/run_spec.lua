-- spec/run_spec.lua - ns:run: commands inside a namespace, their output, status, input, timeout.
local h = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "helper.lua")
local netns = require "netns"

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
		h.ip("-n", A, "link", "add", P .. "br", "type", "bridge")
		-- a device of the suite's namespace that the command must not see
		h.ip("link", "add", P .. "outside", "type", "bridge")
	end)

	after_each(function()
		ns:close()
		h.cleanup(P)
	end)

	it("runs ip inside the namespace #root", function()
		local r = ns:run({ "ip", "-j", "link" })
		assert.equal(0, r.status)
		assert.is_true(r.ok)
		local names = {}
		for _, l in ipairs(h.decode(r.stdout)) do
			names[#names + 1] = l.ifname
		end
		table.sort(names)
		assert.same(h.link_names(A), names)
		assert.same({ "lo", P .. "br" }, names)
	end)

	it("shows the namespace's devices in /sys/class/net, not the suite's #root", function()
		local r = ns:run({ "ls", "/sys/class/net" })
		assert.equal(0, r.status)
		assert.same({ "lo", P .. "br" }, words(r.stdout))
	end)

	it("does not change /sys for the caller #root", function()
		ns:run({ "ls", "/sys/class/net" })
		local f = io.open("/sys/class/net/" .. P .. "br/ifindex")
		assert.is_nil(f)
	end)

	it("runs in the suite's own namespace through the host handle #root", function()
		local host <close> = netns.host()
		local r = host:run({ "ip", "-j", "link" })
		assert.equal(0, r.status)
		local names = {}
		for _, l in ipairs(h.decode(r.stdout)) do
			names[#names + 1] = l.ifname
		end
		table.sort(names)
		assert.same(h.link_names(nil), names)
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
		local t0 = h.now()
		local r = ns:run({ "sleep", "10" }, { timeout = 0.3 })
		local took = h.now() - t0
		assert.is_true(r.timed_out)
		assert.equal(9, r.signal)
		assert.equal(128 + 9, r.status)
		assert.is_false(r.ok)
		assert.is_true(took >= 0.25, "took " .. took)
		assert.is_true(took < 3, "took " .. took)
	end)

	it("keeps the output a command wrote before its timeout #root", function()
		local r = ns:run({ "sh", "-c", "echo before; exec sleep 10" }, { timeout = 0.3 })
		assert.is_true(r.timed_out)
		assert.equal("before\n", r.stdout)
	end)

	it("kills what a timed-out command started, too #root", function()
		local marker = "97.5312"
		local r = ns:run({ "sh", "-c", "sleep " .. marker .. " & sleep " .. marker }, { timeout = 0.3 })
		assert.is_true(r.timed_out)
		local gone = h.wait_until(function()
			-- a pattern that does not match the shell running pgrep
			local _, code = h.exec({ "pgrep", "-f", "sleep 97[.]5312" })
			return code == 1	-- no process matched
		end)
		assert.is_true(gone == true)
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
		local t0 = h.now()
		-- the background sleep keeps stdout open; the shell tells its pid
		local r = ns:run({ "sh", "-c", "sleep 2.5 & echo $!" })
		local took = h.now() - t0
		local pid = r.stdout:match("^(%d+)\n$")
		if pid then
			h.exec({ "kill", pid })
		end
		assert.is_not_nil(pid, r.stdout)
		assert.is_true(took < 1.5, "took " .. took)
		assert.equal(0, r.status)
	end)

	it("raises when the program does not exist #root", function()
		local err = h.error_of(ns.run, ns, { P .. "no-such-program" })
		assert.equal("netns: run " .. P .. "no-such-program in " .. A
			.. ": No such file or directory (ENOENT)", err)
		err = h.error_of(ns.run, ns, { "/nonexistent/" .. P .. "prog" })
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
		local fds = h.fd_count()
		for _ = 1, 10 do
			ns:run({ "true" })
			ns:run({ "sh", "-c", "exit 3" })
			ns:run({ "cat" }, { stdin = "x" })
			ns:run({ "sleep", "10" }, { timeout = 0.01 })
			pcall(ns.run, ns, { P .. "no-such-program" })
		end
		collectgarbage()
		assert.same({}, h.zombies())
		assert.equal(fds, h.fd_count())
	end)
end)
