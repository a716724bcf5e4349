-- spec/service_spec.lua - daemons in the nodes: an interrupt is never swallowed, services stop like
-- services (their signal, a grace period, then SIGKILL), readiness of every kind, output kept and a
-- death reported with its words, and commands on every node (lab:each, run_all, on_failure).
local proc = require "support.proc"
local nl = require "support.netlab"

local ws = nl.workspace("svc")
-- what the services write for the spec to read: not under /run, /tmp or /var/tmp, which are each
-- node's own
local dir = "/dev/shm/netlab-svc-" .. proc.pid()
assert(os.execute("mkdir -p " .. dir))
local PY = proc.python()

local function run(name, script, args)
	local argv = { ws:write(name, script) }
	for _, a in ipairs(args or {}) do argv[#argv + 1] = a end
	return ws:run(argv)
end

-- the realtime clock, as the services' own `date +%s.%N` writes it
local function now()
	local f = io.popen("date +%s.%N")
	local t = tonumber(f:read("l"))
	f:close()
	return t
end

local function lines(text)
	local out = {}
	for line in (text or ""):gmatch("[^\n]+") do out[#out + 1] = line end
	return out
end

-- a service (sh) that writes the time it got SIGTERM (or SIGINT) to FILE, then exits after DELAY
-- (it says "armed" once the trap is set: ready = ARMED waits for that)
local function graceful(file, delay, sig)
	return ("{ 'sh', '-c', %q }"):format(("trap 'date +%%s.%%N > %s; sleep %s; exit 0' %s; echo armed; sleep 1000 & wait")
		:format(file, delay or "0", sig or "TERM"))
end
local ARMED = "ready = { output = 'armed' }"

describe("services and signals", function()
	teardown(function()
		ws:cleanup()
		proc.rmtree(dir)
	end)

	for _, sig in ipairs { { "TERM", 15 }, { "INT", 2 } } do
		it(("SIG%s during wait_until with a probe inside starts the teardown at once #root"):format(sig[1]), function()
			local mark = dir .. "/term-" .. sig[1]
			local script = ws:write("wait-" .. sig[1] .. ".lua", ([[
local a = lab:node("a")
lab:link(a, lab.host, { addr = { "10.0.0.1/24", "10.0.0.2/24" } })
a:service(%s, { ready = { output = "armed" } })
io.stderr:write("waiting\n")
-- the probe never answers: every round is a 5 s ping, inside the lab's pcall
lab:wait_until(function() return a:ping("10.0.0.99", { timeout = 5 }) end, 60)
print("after wait_until")
]]):format(graceful(mark)))
			local p = ws:start({ script }, "wait-" .. sig[1])
			assert.truthy(proc.wait_until(function() return (proc.read(ws.dir .. "/wait-" .. sig[1] .. ".err") or ""):find("waiting") end, 30))
			proc.sleep(0.3)  -- inside the probe's poll by now
			local t0 = now()
			os.execute("kill -" .. sig[1] .. " " .. p.pid)
			local code, out, err = p.finish(30)
			assert.equal(128 + sig[2], code, err)
			assert.falsy(out:find("after wait_until", 1, true), out)
			assert.truthy(err:find("interrupted", 1, true), err)
			-- the teardown stopped the service (SIGTERM), well before the 5 s probe could have ended
			local t1 = tonumber(proc.read(mark))
			assert.truthy(t1, "the service got no SIGTERM")
			local ms = (t1 - t0) * 1000
			print(("# SIG%s: the teardown reached the service %.1f ms after the signal"):format(sig[1], ms))
			assert.truthy(ms < 1000, ("%.1f ms"):format(ms))
		end)
	end

	it("teardown stops every service at once with its stop signal, and SIGKILLs the ones that stay #root", function()
		local a_mark, b_mark, c_mark = dir .. "/stop-a", dir .. "/stop-b", dir .. "/stop-c"
		local code, out, err = run("stop.lua", ([[
local a = lab:node("a")
local b = lab:node("b")
-- two that take a second each to stop, one that stops on SIGINT, one that ignores SIGTERM
local s1 = a:service(%s, { name = "slow1", %s })
local s2 = b:service(%s, { name = "slow2", %s })
local s3 = a:service(%s, { name = "int", stop_signal = "INT", %s })
local s4 = b:service({ "sh", "-c", "trap '' TERM; echo armed; while :; do date +%%s.%%N > %s/stubborn; sleep 0.05; done" },
  { name = "stubborn", stop_timeout = 1.5, %s })
print("pids", s1.pid, s2.pid, s3.pid, s4.pid)
]]):format(graceful(a_mark, "1"), ARMED, graceful(b_mark, "1"), ARMED, graceful(c_mark, "0", "INT"), ARMED, dir, ARMED))
		assert.equal(0, code, err)
		local t_a, t_b, t_c = tonumber(proc.read(a_mark)), tonumber(proc.read(b_mark)), tonumber(proc.read(c_mark))
		assert.truthy(t_a and t_b and t_c, "a service was not signalled")
		-- both slow ones got their signal before either had stopped: in parallel, not one after the other
		assert.truthy(math.abs(t_a - t_b) < 0.8, ("%.3f s apart"):format(math.abs(t_a - t_b)))
		-- the stubborn one had its 1.5 s of grace from the signal, then SIGKILL: it writes no more
		local last = tonumber(proc.read(dir .. "/stubborn"))
		assert.truthy(last - t_a > 1.2 and last - t_a < 5, ("%.3f s"):format(last - t_a))
		proc.sleep(0.3)
		assert.equal(last, tonumber(proc.read(dir .. "/stubborn")))
		assert.truthy(out:find("pids", 1, true))
	end)

	it("svc:stop() stops one service now; a stopped service is no failure #root", function()
		local mark = dir .. "/stop-now"
		local code, out, err = run("stopnow.lua", ([[
local a = lab:node("a")
local s = a:service(%s, { ready = { output = "armed" } })
local status = s:stop()
print("status", status, s:running())
lab:expect(io.open(%q) ~= nil, "the service saw its SIGTERM")
]]):format(graceful(mark), mark))
		assert.equal(0, code, out .. err)
		assert.truthy(out:find("status\t0\tfalse", 1, true), out)
		assert.truthy(out:find("1 passed, 0 failed", 1, true), out)
	end)

	describe("readiness", function()
		it("waits for a TCP port, a UDP port, a unix socket, a file, a command and a line of output #root", function()
			local sock = "/tmp/nl-svc-" .. proc.pid() .. ".sock"  -- the node's own /tmp
			local file = dir .. "/ready-file"
			local code, out, err = run("ready.lua", ([[
local a = lab:node("a")
lab:link(a, lab.host, { addr = { "10.0.0.1/24", "10.0.0.2/24" } })
local py = %q
local function late(code) return { py, "-c", "import time; time.sleep(0.4)\n" .. code } end
local t = {}
local function timed(label, f)
  local t0 = netns.clock()
  local s = f()
  t[#t + 1] = label
  print(label, ("%%.2f"):format(netns.clock() - t0))
  return s
end
timed("tcp", function() return a:service(late("import socket,time\ns=socket.socket(); s.bind(('10.0.0.1', 7001)); s.listen(); time.sleep(60)"), { ready = { tcp = 7001 } }) end)
lab:expect(a:connect("10.0.0.1", 7001), "tcp: accepts once ready")
timed("udp", function() return a:service(late("import socket,time\ns=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('0.0.0.0', 7002)); time.sleep(60)"), { ready = { udp = 7002 } }) end)
lab:expect(a:run({ "sh", "-c", "grep -qi ':1B5A ' /proc/net/udp" }).status == 0, "udp: bound once ready")
timed("unix", function() return a:service(late("import socket,time\ns=socket.socket(socket.AF_UNIX); s.bind('%s'); s.listen(); time.sleep(60)"), { ready = { unix = %q } }) end)
lab:expect(a:run({ py, "-c", "import socket; socket.socket(socket.AF_UNIX).connect('%s')" }).status == 0, "unix: accepts once ready")
timed("file", function() return a:service({ "sh", "-c", "sleep 0.4; echo up > %s; exec sleep 60" }, { ready = { file = %q } }) end)
lab:expect(io.open(%q) ~= nil, "file: there once ready")
timed("command", function() return a:service({ "sh", "-c", "sleep 0.4; touch %s.cmd; exec sleep 60" }, { ready = { "test", "-e", %q } }) end)
lab:expect(io.open(%q) ~= nil, "command: succeeds once ready")
local s = timed("output", function() return a:service({ "sh", "-c", "echo loading; sleep 0.4; echo 'state: running' >&2; exec sleep 60" }, { ready = { output = "^state: running$" } }) end)
lab:expect(s:output():find("state: running", 1, true) ~= nil, "output: the line is there once ready")
lab:expect(s:output() == "loading\nstate: running\n", "output: stdout and stderr in order")
os.remove(%q)
]]):format(PY, sock, sock, sock, file, file, file, file, file .. ".cmd", file .. ".cmd", sock))
			assert.equal(0, code, out .. err)
			assert.truthy(out:find("7 passed, 0 failed", 1, true), out)
			-- each waited for its service (started 0.4 s late), none gave up
			for _, kind in ipairs { "tcp", "udp", "unix", "file", "command", "output" } do
				local s = tonumber(out:match(kind .. "\t([%d.]+)"))
				assert.truthy(s and s >= 0.35 and s < 5, kind .. ": " .. tostring(s))
			end
		end)

		it("a service that exits first fails at once, with its status and its own words #root", function()
			local code, out, err = run("bad.lua", [[
local a = lab:node("a")
local t0 = netns.clock()
local ok, e = pcall(a.service, a, { "sh", "-c", "echo 'bird: /etc/bird/bird.conf:3:1 syntax error, unexpected CF_SYM_UNDEFINED' >&2; exit 1" },
  { ready = { unix = "/run/bird/bird.ctl" }, timeout = 30, name = "bird" })
print(("took %.2f"):format(netns.clock() - t0))
print(e)
]])
			assert.equal(0, code, out .. err)
			local took = tonumber(out:match("took ([%d.]+)"))
			assert.truthy(took and took < 1, out)
			assert.truthy(out:find("service bird on a exited with status 1 before it was ready (waiting for connections on the unix socket /run/bird/bird.ctl); its output ended with:\n  bird: /etc/bird/bird.conf:3:1 syntax error", 1, true), out)
			-- told once: not again as a failure at the end
			assert.falsy(out:find("not ok", 1, true), out)
		end)

		it("BIRD with a wrong config fails within a second, in BIRD's own words #root #bird", function()
			local why = proc.missing("bird", "bird2")
			if why then pending(why) return end
			local _, readable = proc.exec({ "test", "-r", "/etc/bird", "-a", "-x", "/etc/bird" })
			why = readable ~= 0 and require("support.rootless").needs_root("node:file copies /etc/bird, which Debian keeps to root and bird (0750)")
			if why then pending(why) return end
			local code, out, err = run("badbird.lua", [[
local r = lab:node("r1")
r:file("/etc/bird/bird.conf", "router id 10.0.0.1;\nprotocol device {\n  scan tim 10;\n}\n")
r:run({ "mkdir", "-p", "/run/bird" })
local t0 = netns.clock()
local ok, e = pcall(r.service, r, { "bird", "-f", "-c", "/etc/bird/bird.conf" },
  { ready = { unix = "/run/bird/bird.ctl" }, timeout = 30, name = "bird" })
print(("took %.2f"):format(netns.clock() - t0))
print(e)
]])
			assert.equal(0, code, out .. err)
			local took = tonumber(out:match("took ([%d.]+)"))
			assert.truthy(took and took < 1, out)
			-- BIRD's own message: the file, the line, what it did not understand
			assert.truthy(out:find("service bird on r1 exited with status 1 before it was ready (waiting for connections on "
				.. "the unix socket /run/bird/bird.ctl); its output ended with:", 1, true), out)
			assert.truthy(out:find("/etc/bird/bird.conf:3:", 1, true), out)
		end)

		it("mistakes are named at the script's line #root", function()
			local code, out, err = run("readybad.lua", [[
local a = lab:node("a")
local function try(f) local ok, e = pcall(f) print(e) end
try(function() a:service({ "true" }, { ready = { tcp = 80, udp = 53 } }) end)
try(function() a:service({ "true" }, { ready = { unix = "run/x.sock" } }) end)
try(function() a:service({ "true" }, { ready = { output = "[" } }) end)
try(function() a:service({ "true" }, { ready = { tpc = 80 } }) end)
try(function() a:service({ "true" }, { ready = 80 }) end)
try(function() a:service({ "true" }, { port = 80, ready = { tcp = 80 } }) end)
try(function() a:service({ "true" }, { stop_signal = "TREM" }) end)
try(function() a:service({ "true" }, { stop_timeout = -1 }) end)
try(function() a:service({ "true" }, { ready = { "birdc", 3 } }) end)
]])
			assert.equal(0, code, out .. err)
			local path = ws.dir .. "/readybad.lua"
			local want = {
				":3: netlab: service: option 'ready' takes one of tcp, udp, unix, file, output, not tcp and udp",
				":4: netlab: service: option 'ready.unix': 'run/x.sock' is not an absolute path",
				":5: netlab: service: option 'ready.output': '[' is not a Lua pattern",
				":6: netlab: service: option 'ready': unknown option 'tpc' (did you mean 'tcp'?)",
				":7: netlab: service: option 'ready' must be a table",
				":8: netlab: service: options 'port' and 'ready' say the same: give one",
				":9: netlab: service: option 'stop_signal' must be one of TERM, INT, HUP, QUIT, USR1, USR2, KILL, not 'TREM'",
				":10: netlab: service: option 'stop_timeout' must be a number of seconds > 0, not '-1'",
				":11: netlab: service: option 'ready': the command's argument 2 must be a string, not '3'",
			}
			local got = lines(out)
			for i, w in ipairs(want) do
				assert.truthy(got[i] and got[i]:find(path .. w, 1, true), ("line %d: %s\nwant %s"):format(i, tostring(got[i]), w))
			end
		end)
	end)

	it("netlab up lists its services in the JSON; netlab down stops them like the end of a script #root", function()
		local mark = dir .. "/up-down"
		local script = ws:write("updown.lua", ([[
local a = lab:node("a")
a:service(%s, { name = "greeter", ready = { output = "armed" } })
]]):format(graceful(mark)))
		local code, out, err = ws:run({ "up", script, "--name", "svcup" })
		assert.equal(0, code, err)
		local d = require("support.json").decode(out)
		assert.equal(1, #d.services)
		local s = d.services[1]
		assert.same({ "a", "greeter", true }, { s.node, s.name, s.running })
		-- the pid is this machine's: its command line is the service's
		assert.truthy((proc.read("/proc/" .. s.pid .. "/cmdline") or ""):find("trap", 1, true))
		local code2, _, err2 = ws:run({ "down", "svcup" })
		assert.equal(0, code2, err2)
		assert.truthy(tonumber(proc.read(mark)), "netlab down did not send SIGTERM")
		assert.falsy(proc.exists(s.pid))
	end)

	describe("output", function()
		it("is kept and readable; files still work; a death while the lab is up fails the run with its words #root", function()
			local log = dir .. "/svc.log"
			local code, out, err = run("out.lua", ([[
local a = lab:node("a")
local s = a:service({ "sh", "-c", "echo hello; echo oops >&2; exec sleep 60" }, { ready = { output = "oops" } })
print("kept", ("%%q"):format(s:output()))
print("last", ("%%q"):format(s:output(5)))
local f = a:service({ "sh", "-c", "echo to-file; echo err-too >&2; sleep 60" }, { stdout = %q, stderr = "stdout" })
print("none", f:output())
local d = a:service({ "sh", "-c", "echo 'starting up'; sleep 0.3; echo 'fatal: lost my config' >&2; exit 4" }, { name = "dies" })
netns.sleep(0.6)
lab:expect(true, "the script goes on")
]]):format(log))
			assert.equal(1, code, out .. err)
			assert.truthy(out:find('kept\t"hello\\\noops\\\n"', 1, true), out)
			assert.truthy(out:find('last\t"oops\\\n"', 1, true), out)
			assert.truthy(out:find("none\tnil", 1, true), out)
			assert.equal("to-file\nerr-too\n", proc.read(log))
			assert.truthy(out:find("not ok 2 - service dies on a runs (0.0 ms): it exited with status 4 while the lab was up; "
				.. "its output ended with:\n  starting up\n  fatal: lost my config", 1, true), out)
			assert.truthy(out:find("1 passed, 1 failed", 1, true), out)
		end)
	end)

	describe("on every node", function()
		it("lab:each, lab:run_all and lab:on_failure, called once before teardown #root", function()
			local calls = dir .. "/on_failure"
			local code, out, err = run("each.lua", ([[
local r = {}
for i = 1, 3 do r[i] = lab:node("r" .. i) end
lab:link(r[1], r[2], { addr = { "10.1.0.1/30", "10.1.0.2/30" } })
lab:link(r[2], r[3], { addr = { "10.2.0.1/30", "10.2.0.2/30" } })
local names = {}
lab:each(function(n) names[#names + 1] = n.name end)
print("each", table.concat(names, ","))
local res = lab:run_all({ "ip", "-o", "-4", "addr", "show", "scope", "global" })
for _, n in ipairs(r) do print("ran", n.name, res[n.name].status, (res[n.name].stdout:gsub("\n", "|"))) end
lab:on_failure(function(l, label)
  local f = io.open(%q, "a")
  -- the lab is still up: its nodes answer
  f:write(label, " ", tostring(#r[2]:links()), "\n")
  f:close()
  l:run_all({ "ip", "route" }, { show = true })
end)
lab:expect_reach(r[1], "10.2.0.2", { timeout = 0.5 })  -- no route: fails
lab:expect(false, "second failure")
]]):format(calls))
			assert.equal(1, code, out .. err)
			assert.truthy(out:find("each\tr1,r2,r3", 1, true), out)
			-- each node ran it in its own namespace: its own addresses, as the kernel has them
			for i, want in ipairs { { "10.1.0.1/30" }, { "10.1.0.2/30", "10.2.0.1/30" }, { "10.2.0.2/30" } } do
				local line = out:match("ran\tr" .. i .. "\t0\t([^\n]*)")
				assert.truthy(line, out)
				for _, a in ipairs(want) do assert.truthy(line:find(a, 1, true), line) end
				local other = i == 1 and "10.2.0.2/30" or "10.1.0.1/30"
				if i ~= 2 then assert.falsy(line:find(other, 1, true), line) end
			end
			-- called once, for the first failure, with the lab up (r2 has lo, eth0, eth1)
			assert.equal("r1 reaches 10.2.0.2 3\n", proc.read(calls))
			assert.truthy(out:find("# r2$ ip route\n#   10.1.0.0/30 dev eth0", 1, true), out)
		end)

		it("mistakes are named at the script's line #root", function()
			local code, out = run("eachbad.lua", [[
local function try(f) local ok, e = pcall(f) print(e) end
try(function() lab:each("x") end)
try(function() lab:run_all({ "true" }, { shwo = true }) end)
try(function() lab:on_failure(42) end)
]])
			assert.equal(0, code)
			local path = ws.dir .. "/eachbad.lua"
			assert.truthy(out:find(path .. ":2: netlab: each: the function must be a function, not 'x'", 1, true), out)
			assert.truthy(out:find(path .. ":3: netlab: run_all: unknown option 'shwo' (did you mean 'show'?)", 1, true), out)
			assert.truthy(out:find(path .. ":4: netlab: on_failure: the function must be a function, not '42'", 1, true), out)
		end)
	end)
end)
