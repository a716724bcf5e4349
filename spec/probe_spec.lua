-- spec/probe_spec.lua - the built-in probes ns:ping and ns:connect: answers checked against iputils ping and a real TCP server, timeouts by the clock, and no fork.
local ip = require "support.ip"
local proc = require "support.proc"
local server = require "support.server"
local topo = require "support.topo"

local P = "t-pr-"
local RED, BLUE = P .. "red", P .. "blue"

describe("probes", function()
	local red, blue

	before_each(function()
		red, blue = topo.pair(P)
	end)

	after_each(function()
		red, blue = nil, nil
		ip.cleanup(P)
	end)

	describe("ping", function()
		it("reaches an IPv4 neighbour: true and a round-trip time #root", function()
			assert.is_true(ip.can_ping(RED, "192.168.15.2"))	-- the oracle agrees
			local took, ok, rtt = proc.timed(red.ping, red, "192.168.15.2")
			assert.is_true(ok)
			assert.is_number(rtt)
			assert.is_true(rtt < 1000, tostring(rtt))
			-- a real measurement: above zero, within the time the call took by another clock
			assert.is_true(rtt > 0 and rtt <= took * 1000, ("rtt %s ms, the call took %.3f ms"):format(rtt, took * 1000))
			took, ok, rtt = proc.timed(blue.ping, blue, "192.168.15.1", { timeout = 1 })
			assert.is_true(ok)
			assert.is_true(rtt > 0 and rtt <= took * 1000, ("rtt %s ms, the call took %.3f ms"):format(rtt, took * 1000))
		end)

		it("reaches an IPv6 neighbour #root", function()
			assert.is_true(ip.can_ping(RED, "fd00:15::2"))
			local took, ok, rtt = proc.timed(red.ping, red, "fd00:15::2")
			assert.is_true(ok)
			assert.is_number(rtt)
			assert.is_true(rtt < 1000, tostring(rtt))
			assert.is_true(rtt > 0 and rtt <= took * 1000, ("rtt %s ms, the call took %.3f ms"):format(rtt, took * 1000))
		end)

		it("reaches its own addresses through lo #root", function()
			for _, addr in ipairs({ "127.0.0.1", "192.168.15.1", "::1" }) do
				assert.is_true(ip.can_ping(RED, addr), addr)	-- the oracle agrees
				assert.is_true(red:ping(addr), addr)
			end
		end)

		it("takes a count #root", function()
			assert.is_true(ip.can_ping(RED, "192.168.15.2"))
			local took, ok, rtt = proc.timed(red.ping, red, "192.168.15.2", { count = 3, timeout = 1 })
			assert.is_true(ok)
			assert.is_true(rtt > 0 and rtt <= took * 1000, ("rtt %s ms, the call took %.3f ms"):format(rtt, took * 1000))
			assert.is_true(ip.can_ping(RED, "fd00:15::2"))
			assert.is_true(red:ping("fd00:15::2", { count = 1 }))
		end)

		it("answers false and why for an address nobody has, within its timeout #root", function()
			assert.is_false(ip.can_ping(RED, "192.168.15.99", 0.3))	-- the oracle agrees
			local took, ok, why = proc.timed(red.ping, red, "192.168.15.99", { timeout = 0.4 })
			assert.is_false(ok)
			assert.is_string(why)
			assert.equal("no reply within 0.4s", why)
			assert.is_true(took >= 0.35, took)
			assert.is_true(took <= 0.4 + 1, took)	-- its timeout, and a loaded machine's second at most
		end)

		it("answers false within its timeout for an IPv6 address nobody has #root", function()
			local took, ok, why = proc.timed(red.ping, red, "fd00:15::99", { timeout = 0.3, count = 2 })
			assert.is_false(ok)
			assert.equal("no reply within 0.3s", why)
			assert.is_true(took >= 0.25, took)
			assert.is_true(took <= 0.3 + 1, took)
		end)

		it("answers false at once when there is no route #root", function()
			-- the timeout is long, the answer comes from the routing table at once
			local took, ok, why = proc.timed(red.ping, red, "10.9.9.9", { timeout = 10 })
			assert.is_false(ok)
			assert.equal("Network is unreachable", why)
			assert.is_true(took < 2, took)
			took, ok, why = proc.timed(red.ping, red, "fd09::9", { timeout = 10 })
			assert.is_false(ok)
			assert.equal("Network is unreachable", why)
			assert.is_true(took < 2, took)
			assert.is_false(ip.can_ping(RED, "10.9.9.9", 0.3))	-- the oracle agrees
		end)

		it("reports an unreachable host that a router names #root", function()
			-- blue routes 10.9.0.0/16 to "unreachable": it answers with an ICMP error
			ip.ip("-n", BLUE, "route", "add", "unreachable", "10.9.0.0/16")
			ip.ip("netns", "exec", BLUE, "sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward")
			red:route_add{ dst = "10.9.0.0/16", via = "192.168.15.2" }
			-- blue's MAC known first: the answer is then one round trip away
			assert.is_true(ip.can_ping(RED, "192.168.15.2"))
			local took, ok, why = proc.timed(red.ping, red, "10.9.9.9", { timeout = 10 })
			assert.is_false(ok)
			assert.equal("destination host unreachable", why)
			assert.is_true(took < 5, took)	-- the router's answer, not the timeout
		end)
	end)

	-- First contact through iputils' ping, which waits long enough for the
	-- kernel's ARP retry: a spec about something else must not fail on it.
	local function warm()
		assert.is_true(ip.can_ping(RED, "192.168.15.2"))
		assert.is_true(ip.can_ping(RED, "fd00:15::2"))
	end

	describe("connect", function()
		before_each(warm)

		it("succeeds against a listening server, IPv4 and IPv6 #root", function()
			local s <close> = server.start(blue, { port = 8080, say = "hello from blue\n" })
			local said = server.ask(RED, "tcp", "192.168.15.2", 8080)	-- the oracle agrees
			assert.equal("hello from blue\n", said)
			assert.is_true(red:connect("192.168.15.2", 8080))
			assert.is_true(red:connect("fd00:15::2", 8080, { timeout = 1 }))
			assert.is_true(s:running())
		end)

		it("answers false, \"Connection refused\" for a closed port #root", function()
			local s <close> = server.start(blue, { port = 8080, say = "hello from blue\n" })
			local took, ok, why = proc.timed(red.connect, red, "192.168.15.2", 8081, { timeout = 10 })
			assert.is_false(ok)
			assert.equal("Connection refused", why)
			assert.is_true(took < 2, took)	-- the refusal, not the timeout
			local _, code = server.ask(RED, "tcp", "192.168.15.2", 8081, 1)
			assert.is_not.equal(0, code)
			ok, why = red:connect("fd00:15::2", 8081)
			assert.is_false(ok)
			assert.equal("Connection refused", why)
		end)

		it("answers false and why within its timeout when nothing answers #root", function()
			local took, ok, why = proc.timed(red.connect, red, "192.168.15.99", 80, { timeout = 0.4 })
			assert.is_false(ok)
			assert.is_string(why)
			assert.equal("Connection timed out", why)
			assert.is_true(took >= 0.35, took)
			assert.is_true(took <= 0.4 + 1, took)
		end)

		it("answers false at once when there is no route #root", function()
			local took, ok, why = proc.timed(red.connect, red, "10.9.9.9", 80, { timeout = 10 })
			assert.is_false(ok)
			assert.equal("Network is unreachable", why)
			assert.is_true(took < 2, took)
		end)
	end)

	describe("without forking", function()
		before_each(warm)

		it("leaves no child process behind, in 200 calls #root", function()
			local before = proc.children()
			for i = 1, 100 do
				assert.is_true(red:ping("192.168.15.2"))
				assert.same(before, proc.children(), "after ping " .. i)
				assert.is_false(red:connect("192.168.15.2", 9))
				assert.same(before, proc.children(), "after connect " .. i)
			end
		end)

		it("is far faster than forking a process per probe #root", function()
			assert.is_true(red:ping("192.168.15.2"))	-- ARP settled
			-- the best of five interleaved rounds of each: a round the scheduler
			-- took the CPU from (a loaded machine) does not decide
			local ping_best, run_best = math.huge, math.huge
			for _ = 1, 5 do
				local pings = proc.timed(function()
					for _ = 1, 100 do
						assert(red:ping("192.168.15.2"))
					end
				end)
				local runs = proc.timed(function()
					for _ = 1, 20 do
						assert(red:run({ "true" }).ok)
					end
				end)
				ping_best = math.min(ping_best, pings / 100)
				run_best = math.min(run_best, runs / 20)
			end
			-- per call: a ping must cost far less than starting one `true`
			assert.is_true(ping_best < run_best / 4,
				string.format("a ping took %.4f ms at best, a run of true %.4f ms", ping_best * 1000, run_best * 1000))
		end)

		it("makes no fork, clone or exec, as strace sees it #root", function()
			local why = proc.missing("strace", "strace")
			if why then
				pending(why)
			end
			local trace = proc.tmpname("pr-strace")
			finally(function() os.remove(trace) end)
			local script = string.format([[
				local netns = require "netns"
				local red = netns.open(%q)
				for _ = 1, 20 do
					assert(red:ping("192.168.15.2"))
					assert(red:ping("fd00:15::2"))
					assert(not red:ping("192.168.15.99", { timeout = 0.01 }))
					assert(not red:connect("192.168.15.2", 9))
				end
				-- the control: a fork strace must see
				assert(red:run({ "true" }).ok)
			]], RED)
			local argv = { "strace", "-f", "-qq", "-o", trace, "-e", "trace=fork,vfork,clone,clone3,execve" }
			for _, word in ipairs(proc.lua(script)) do
				argv[#argv + 1] = word
			end
			local _, code = proc.exec(argv, true)
			assert.equal(0, code)
			local forks, execs = 0, {}
			for line in (proc.read(trace) or ""):gmatch("[^\n]+") do
				if line:match("^%d+%s+v?fork%(") or line:match("^%d+%s+clone3?%(") then
					forks = forks + 1
				elseif line:match("^%d+%s+execve%(") and line:match("= 0$") then
					execs[#execs + 1] = line:match('execve%("([^"]*)"')
				end
			end
			-- lua5.4 itself, then the control's true: nothing for 80 probes
			assert.equal(1, forks)
			assert.equal(2, #execs)
			assert.is_truthy(execs[1]:match("lua5%.4$"))
			assert.is_truthy(execs[2]:match("/true$"))
		end)
	end)

	describe("bad input", function()
		it("refuses an invalid address, naming it #root", function()
			assert.equal("netns: ping: address '192.168.15.256' is not an IPv4 or IPv6 address",
				proc.error_of(red.ping, red, "192.168.15.256"))
			assert.equal("netns: ping: address '' is not an IPv4 or IPv6 address", proc.error_of(red.ping, red, ""))
			assert.equal("netns: ping: address 'blue' is not an IPv4 or IPv6 address", proc.error_of(red.ping, red, "blue"))
			assert.equal("netns: ping: address must be a string, not nil", proc.error_of(red.ping, red, nil))
			assert.equal("netns: connect: address '192.168.15.2:80' is not an IPv4 or IPv6 address",
				proc.error_of(red.connect, red, "192.168.15.2:80", 80))
		end)

		it("refuses a port outside 1..65535 #root", function()
			for _, port in ipairs({ 0, 70000, -1, 1.5 }) do
				assert.equal("netns: connect: port '" .. tostring(port) .. "' is not an integer in 1..65535",
					proc.error_of(red.connect, red, "192.168.15.2", port))
			end
			assert.equal("netns: connect: port 'nil' is not an integer in 1..65535",
				proc.error_of(red.connect, red, "192.168.15.2", nil))
		end)

		it("refuses a timeout that is not a positive number #root", function()
			for _, t in ipairs({ -1, 0, "soon" }) do
				local expected = "option 'timeout' must be a number of seconds > 0, not '" .. tostring(t) .. "'"
				assert.equal("netns: ping: " .. expected, proc.error_of(red.ping, red, "192.168.15.2", { timeout = t }))
				assert.equal("netns: connect: " .. expected,
					proc.error_of(red.connect, red, "192.168.15.2", 80, { timeout = t }))
			end
		end)

		it("refuses a count outside 1..64 and unknown options #root", function()
			assert.equal("netns: ping: option 'count' must be an integer in 1..64, not '0'",
				proc.error_of(red.ping, red, "192.168.15.2", { count = 0 }))
			assert.equal("netns: ping: option 'count' must be an integer in 1..64, not '65'",
				proc.error_of(red.ping, red, "192.168.15.2", { count = 65 }))
			assert.equal("netns: ping: unknown option 'port'", proc.error_of(red.ping, red, "192.168.15.2", { port = 1 }))
			assert.equal("netns: connect: unknown option 'count'",
				proc.error_of(red.connect, red, "192.168.15.2", 80, { count = 1 }))
		end)
	end)
end)
