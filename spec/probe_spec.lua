-- spec/probe_spec.lua - the built-in probes ns:ping and ns:connect: answers checked against iputils ping and a real TCP server, timeouts by the clock, and no fork.
local n = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "net_helper.lua")
local h = n.h

local P = "t-pr-"
local RED, BLUE = P .. "red", P .. "blue"

local function has(program)
	local _, code = h.exec({ "sh", "-c", 'command -v "$0"', program })
	return code == 0
end

describe("probes", function()
	local red, blue

	before_each(function()
		red, blue = n.pair(P)
	end)

	after_each(function()
		red, blue = nil, nil
		h.cleanup(P)
	end)

	describe("ping", function()
		it("reaches an IPv4 neighbour: true and a round-trip time #root", function()
			assert.is_true(n.can_ping(RED, "192.168.15.2"))	-- the oracle agrees
			local ok, rtt = red:ping("192.168.15.2")
			assert.is_true(ok)
			assert.is_number(rtt)
			assert.is_true(rtt >= 0 and rtt < 1000, tostring(rtt))
			ok, rtt = blue:ping("192.168.15.1", { timeout = 1 })
			assert.is_true(ok)
			assert.is_true(rtt >= 0)
		end)

		it("reaches an IPv6 neighbour #root", function()
			assert.is_true(n.can_ping(RED, "fd00:15::2"))
			local ok, rtt = red:ping("fd00:15::2")
			assert.is_true(ok)
			assert.is_number(rtt)
			assert.is_true(rtt >= 0 and rtt < 1000, tostring(rtt))
		end)

		it("reaches its own addresses through lo #root", function()
			assert.is_true(red:ping("127.0.0.1"))
			assert.is_true(red:ping("192.168.15.1"))
			assert.is_true(red:ping("::1"))
		end)

		it("takes a count #root", function()
			assert.is_true(n.can_ping(RED, "192.168.15.2"))
			local ok, rtt = red:ping("192.168.15.2", { count = 3, timeout = 1 })
			assert.is_true(ok)
			assert.is_true(rtt >= 0)
			assert.is_true(red:ping("fd00:15::2", { count = 1 }))
		end)

		it("answers false and why for an address nobody has, within its timeout #root", function()
			assert.is_false(n.can_ping(RED, "192.168.15.99", 0.3))	-- the oracle agrees
			local took, ok, why = n.timed(red.ping, red, "192.168.15.99", { timeout = 0.4 })
			assert.is_false(ok)
			assert.is_string(why)
			assert.equal("no reply within 0.4s", why)
			assert.is_true(took >= 0.35, took)
			assert.is_true(took <= 0.4 + 0.5, took)
		end)

		it("answers false within its timeout for an IPv6 address nobody has #root", function()
			local took, ok, why = n.timed(red.ping, red, "fd00:15::99", { timeout = 0.3, count = 2 })
			assert.is_false(ok)
			assert.equal("no reply within 0.3s", why)
			assert.is_true(took <= 0.3 + 0.5, took)
		end)

		it("answers false at once when there is no route #root", function()
			local took, ok, why = n.timed(red.ping, red, "10.9.9.9", { timeout = 2 })
			assert.is_false(ok)
			assert.equal("Network is unreachable", why)
			assert.is_true(took < 0.5, took)
			ok, why = red:ping("fd09::9", { timeout = 2 })
			assert.is_false(ok)
			assert.equal("Network is unreachable", why)
		end)

		it("reports an unreachable host that a router names #root", function()
			-- blue routes 10.9.0.0/16 to "unreachable": it answers with an ICMP error
			h.ip("-n", BLUE, "route", "add", "unreachable", "10.9.0.0/16")
			h.ip("netns", "exec", BLUE, "sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward")
			red:route_add{ dst = "10.9.0.0/16", via = "192.168.15.2" }
			local took, ok, why = n.timed(red.ping, red, "10.9.9.9", { timeout = 2 })
			assert.is_false(ok)
			assert.equal("destination host unreachable", why)
			assert.is_true(took < 1, took)
		end)
	end)

	-- First contact through iputils' ping, which waits long enough for the
	-- kernel's ARP retry: a spec about something else must not fail on it.
	local function warm()
		assert.is_true(n.can_ping(RED, "192.168.15.2"))
		assert.is_true(n.can_ping(RED, "fd00:15::2"))
	end

	describe("connect", function()
		local files = {}

		before_each(warm)

		after_each(function()
			for _, f in ipairs(files) do
				os.remove(f)
			end
			files = {}
		end)

		local function server(port)
			local log = n.tmpname("pr")
			files[#files + 1] = log
			return n.tcp_server(blue, port, "blue", log)
		end

		it("succeeds against a listening server, IPv4 and IPv6 #root", function()
			local s <close> = server(8080)
			local said = n.tcp_client(RED, "192.168.15.2", 8080)	-- the oracle agrees
			assert.equal("hello from blue\n", said)
			assert.is_true(red:connect("192.168.15.2", 8080))
			assert.is_true(red:connect("fd00:15::2", 8080, { timeout = 1 }))
			assert.is_true(s:running())
		end)

		it("answers false, \"Connection refused\" for a closed port #root", function()
			local s <close> = server(8080)
			local took, ok, why = n.timed(red.connect, red, "192.168.15.2", 8081)
			assert.is_false(ok)
			assert.equal("Connection refused", why)
			assert.is_true(took < 0.5, took)
			local _, code = n.tcp_client(RED, "192.168.15.2", 8081)
			assert.is_not.equal(0, code)
			ok, why = red:connect("fd00:15::2", 8081)
			assert.is_false(ok)
			assert.equal("Connection refused", why)
		end)

		it("answers false and why within its timeout when nothing answers #root", function()
			local took, ok, why = n.timed(red.connect, red, "192.168.15.99", 80, { timeout = 0.4 })
			assert.is_false(ok)
			assert.is_string(why)
			assert.equal("Connection timed out", why)
			assert.is_true(took >= 0.35, took)
			assert.is_true(took <= 0.4 + 0.5, took)
		end)

		it("answers false at once when there is no route #root", function()
			local took, ok, why = n.timed(red.connect, red, "10.9.9.9", 80, { timeout = 2 })
			assert.is_false(ok)
			assert.equal("Network is unreachable", why)
			assert.is_true(took < 0.5, took)
		end)
	end)

	describe("without forking", function()
		before_each(warm)

		it("leaves no child process behind, in 200 calls #root", function()
			local before = n.children()
			for i = 1, 100 do
				assert.is_true(red:ping("192.168.15.2"))
				assert.same(before, n.children(), "after ping " .. i)
				assert.is_false(red:connect("192.168.15.2", 9))
				assert.same(before, n.children(), "after connect " .. i)
			end
		end)

		it("is far faster than forking a process per probe #root", function()
			red:ping("192.168.15.2")	-- ARP settled
			local pings = n.timed(function()
				for _ = 1, 100 do
					assert(red:ping("192.168.15.2"))
				end
			end)
			local runs = n.timed(function()
				for _ = 1, 20 do
					red:run({ "true" })
				end
			end)
			-- per call: a ping must cost far less than starting one `true`
			assert.is_true(pings / 100 < runs / 20 / 4,
				string.format("100 pings took %.4fs, 20 runs of true %.4fs", pings, runs))
		end)

		local it_strace = has("strace") and it or pending
		it_strace("makes no fork, clone or exec, as strace sees it #root", function()
			local trace = n.tmpname("pr-strace")
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
			local _, code = h.exec({ "strace", "-f", "-qq", "-o", trace,
						 "-e", "trace=fork,vfork,clone,clone3,execve",
						 "lua5.4", "-e", script }, true)
			assert.equal(0, code)
			local forks, execs = 0, {}
			for line in (n.read(trace) or ""):gmatch("[^\n]+") do
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
				h.error_of(red.ping, red, "192.168.15.256"))
			assert.equal("netns: ping: address '' is not an IPv4 or IPv6 address", h.error_of(red.ping, red, ""))
			assert.equal("netns: ping: address 'blue' is not an IPv4 or IPv6 address", h.error_of(red.ping, red, "blue"))
			assert.equal("netns: ping: address must be a string, not nil", h.error_of(red.ping, red, nil))
			assert.equal("netns: connect: address '192.168.15.2:80' is not an IPv4 or IPv6 address",
				h.error_of(red.connect, red, "192.168.15.2:80", 80))
		end)

		it("refuses a port outside 1..65535 #root", function()
			for _, port in ipairs({ 0, 70000, -1, 1.5 }) do
				assert.equal("netns: connect: port '" .. tostring(port) .. "' is not an integer in 1..65535",
					h.error_of(red.connect, red, "192.168.15.2", port))
			end
			assert.equal("netns: connect: port 'nil' is not an integer in 1..65535",
				h.error_of(red.connect, red, "192.168.15.2", nil))
		end)

		it("refuses a timeout that is not a positive number #root", function()
			for _, t in ipairs({ -1, 0, "soon" }) do
				local expected = "option 'timeout' must be a number of seconds > 0, not '" .. tostring(t) .. "'"
				assert.equal("netns: ping: " .. expected, h.error_of(red.ping, red, "192.168.15.2", { timeout = t }))
				assert.equal("netns: connect: " .. expected,
					h.error_of(red.connect, red, "192.168.15.2", 80, { timeout = t }))
			end
		end)

		it("refuses a count outside 1..64 and unknown options #root", function()
			assert.equal("netns: ping: option 'count' must be an integer in 1..64, not '0'",
				h.error_of(red.ping, red, "192.168.15.2", { count = 0 }))
			assert.equal("netns: ping: option 'count' must be an integer in 1..64, not '65'",
				h.error_of(red.ping, red, "192.168.15.2", { count = 65 }))
			assert.equal("netns: ping: unknown option 'port'", h.error_of(red.ping, red, "192.168.15.2", { port = 1 }))
			assert.equal("netns: connect: unknown option 'count'",
				h.error_of(red.connect, red, "192.168.15.2", 80, { count = 1 }))
		end)
	end)
end)
