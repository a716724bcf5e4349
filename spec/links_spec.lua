-- spec/links_spec.lua - links that break: link:down/up, partitions, and faults on a timeline that replay with --seed.
local nl = require "support.netlab"
local json = require "support.json"

local ws = nl.workspace("lk")

-- run a script in an isolated lab: exit code, stdout, stderr
local function run(name, text, ...)
	local args = { ... }
	args[#args + 1] = ws:write(name, text)
	return ws:run(args)
end

-- what the scripts share: ip as the oracle, from inside the lab
local PRELUDE = [[
local dkjson = require "dkjson"
local function ipj(node, what)
  local f = io.popen(("ip -j -n %s %s"):format(node, what))
  local text = f:read("a")
  f:close()
  return dkjson.decode(text)
end
local function flags(node, dev)
  local l = ipj(node, "link show dev " .. dev)[1]
  local s = {}
  for _, f in ipairs(l.flags) do s[f] = true end
  return s
end
]]

describe("links that break", function()
	teardown(function() ws:cleanup() end)

	it("link:down cuts the wire (both ends down, no carrier), link:up brings it back with its routes and addresses #root", function()
		local code, out, err = run("downup.lua", PRELUDE .. [[
local a, b, r = lab:node "a", lab:node "b", lab:node("r", { forward = true })
local l1 = lab:link(a, r, { addr = { { "10.0.1.2/24", "fd00:1::2/64" }, { "10.0.1.1/24", "fd00:1::1/64" } } })
lab:link(r, b, { addr = { { "10.0.2.1/24", "fd00:2::1/64" }, { "10.0.2.2/24", "fd00:2::2/64" } } })
a:gateway(r) b:gateway(r)
a:neigh_add { dst = "10.0.1.99", lladdr = "02:00:00:00:00:01", dev = "eth0" }
lab:expect_reach(a, b)
local routes_before = #ipj("a", "route show") + #ipj("a", "-6 route show")
l1:down()
-- unreachable at once: the probe's answer within 100 ms of the cut
local t0 = netns.clock()
local ok = a:ping("10.0.2.2", { timeout = 0.1 })
print("unreachable within", not ok and (netns.clock() - t0) < 0.1 + 0.05)
-- both ends: not up, no carrier
local fa, fr = flags("a", "eth0"), flags("r", l1.dev_b)
print("down", fa.UP, fa.LOWER_UP, fr.UP, fr.LOWER_UP)
lab:expect_unreachable(a, b, { timeout = 0.1 })
l1:up()
fa, fr = flags("a", "eth0"), flags("r", l1.dev_b)
print("up", fa.UP, fa.LOWER_UP, fr.UP, fr.LOWER_UP)
lab:expect_reach(a, b)
lab:expect_reach(a, "fd00:2::2")
print("routes", #ipj("a", "route show") + #ipj("a", "-6 route show") == routes_before)
local n = ipj("a", "neigh show dev eth0 10.0.1.99")[1]
print("neigh", n and n.lladdr, n and n.state[1])
]])
		assert.equal(0, code, err)
		assert.matches("down\tnil\tnil\tnil\tnil\n", out, 1, true)
		assert.matches("unreachable within\ttrue\n", out, 1, true)
		assert.matches("up\ttrue\ttrue\ttrue\ttrue\n", out, 1, true)
		assert.matches("routes\ttrue\n", out, 1, true)
		assert.matches("neigh\t02:00:00:00:00:01\tPERMANENT\n", out, 1, true)
		assert.matches("4 passed, 0 failed", out, 1, true)
	end)

	it("link:up puts back the routes a script made, not a routing daemon's: those are the daemon's to make again #root", function()
		local code, out, err = run("daemonroutes.lua", PRELUDE .. [[
local a, b = lab:node "a", lab:node "b"
local l = lab:link(a, b, { addr = { "10.0.1.1/24", "10.0.1.2/24" } })
a:route_add { dst = "10.8.0.0/24", via = "10.0.1.2" }              -- static
a:route_add { dst = "10.8.4.0/24", via = "10.0.1.2", table = 100 }  -- static, in a table of its own
a:route_add { dst = "10.8.5.0/24", via = "10.0.1.2" }
a:route_del { dst = "10.8.5.0/24" }                                 -- made and deleted: not the script's now
local function ip(...)
  assert(a:run({ "ip", ... }).status == 0)
end
ip("route", "add", "10.8.1.0/24", "via", "10.0.1.2")                                 -- boot: ip's own
ip("route", "add", "10.8.2.0/24", "via", "10.0.1.2", "proto", "12", "metric", "32")  -- as BIRD makes them
ip("route", "add", "10.8.3.0/24", "via", "10.0.1.2", "proto", "188", "metric", "20") -- as FRR's zebra does OSPF's
ip("route", "add", "10.8.5.0/24", "via", "10.0.1.2", "proto", "12")                  -- BIRD's, once the script's
l:down()
l:up()
local got = {}
for _, t in ipairs { "main", "100" } do
  for _, r in ipairs(ipj("a", "route show table " .. t)) do
    if r.dst:match("^10%.8%.") then got[#got + 1] = r.dst end
  end
end
table.sort(got)
print("routes: " .. table.concat(got, ", "))
]])
		assert.equal(0, code, err)
		assert.matches("routes: 10.8.0.0/24, 10.8.1.0/24, 10.8.4.0/24\n", out, 1, true)
	end)

	it("link:up leaves no neighbour waiting on a probe lost while the wire came back: the first packet after it (and after the build) is answered at once #root", function()
		local code, out, err = run("lostarp.lua", PRELUDE .. [[
local a, b = lab:node "a", lab:node "b"
local l = lab:link(a, b, { addr = { { "10.0.1.1/24", "fd00:1::1/64" }, { "10.0.1.2/24", "fd00:1::2/64" } } })
-- just built: the first IPv6 packet is answered at once too (the kernel's
-- address work is done before lab:link returns)
local t0 = netns.clock()
print("built", a:ping("fd00:1::2", { timeout = 0.3 }), netns.clock() - t0 < 0.3)
lab:expect_reach(a, b)
l:down()
-- what a timeline's link:up races with: a's end is up, b's not yet, and
-- a packet asks for b's address; the ARP (and the IPv6 solicitation) is
-- lost, and the kernel asks again only a second later
a.ns:link_set(l.dev_a, { up = true, wait = false })
a:ping("10.0.1.2", { timeout = 0.05 })
a:ping("fd00:1::2", { timeout = 0.05 })
l:up()
t0 = netns.clock()
print("v4", a:ping("10.0.1.2", { timeout = 0.3 }), netns.clock() - t0 < 0.3)
t0 = netns.clock()
print("v6", a:ping("fd00:1::2", { timeout = 0.3 }), netns.clock() - t0 < 0.3)
]])
		assert.equal(0, code, err)
		assert.matches("built\ttrue\ttrue\n", out, 1, true)
		assert.matches("v4\ttrue\ttrue\n", out, 1, true)
		assert.matches("v6\ttrue\ttrue\n", out, 1, true)
	end)

	it("lab:partition cuts every link between two groups of a 6-node lab, lab:heal restores them #root", function()
		local code, out, err = run("partition.lua", PRELUDE .. [[
local core = lab:bridge "core"
local n = {}
for i, name in ipairs { "a", "b", "c", "d", "e", "f" } do
  n[name] = lab:node(name)
  lab:link(n[name], core, { addr = ("10.0.0.%d/24"):format(i) })
end
-- a direct link too, across the cut
lab:link(n.c, n.d, { addr = { "10.9.0.1/30", "10.9.0.2/30" } })
local order = { "a", "b", "c", "d", "e", "f" }
local function matrix()
  local rows = {}
  for _, x in ipairs(order) do
    local row = {}
    for _, y in ipairs(order) do
      row[#row + 1] = x == y and "-" or (n[x]:ping(n[y]:address(), { timeout = 0.2 }) and "1" or "0")
    end
    rows[#rows + 1] = table.concat(row)
  end
  print(table.concat(rows, " "))
end
matrix()
print("cut", lab:partition({ n.a, n.b, n.c, core }, { n.d, n.e, n.f }))
print("d down", flags("d", "eth0").UP, flags("d", "eth1").UP, flags("a", "eth0").UP)
print("c-d", n.c:ping("10.9.0.2", { timeout = 0.2 }))
matrix()
print("healed", lab:heal())
matrix()
print("c-d", n.c:ping("10.9.0.2", { timeout = 1 }))
-- a bridge in neither group that joins both is refused, naming it
local ok, e = pcall(function() lab:partition({ n.a }, { n.d }) end)
print(e)
]])
		assert.equal(0, code, err)
		assert.equal(table.concat({
			"-11111 1-1111 11-111 111-11 1111-1 11111-",
			"cut\t4",
			"d down\tnil\tnil\ttrue",
			"c-d\tfalse\tNetwork is unreachable",
			"-11000 1-1000 11-000 000-00 0000-0 00000-",
			"healed\t4",
			"-11111 1-1111 11-111 111-11 1111-1 11111-",
		}, "\n"), out:match("^(.-)\nc%-d\ttrue"))
		assert.matches("partition.lua:%d+: netlab: partition: bridge core joins a and d: name it in one of the groups", out)
	end)

	it("a timeline cuts a link at 1 s for 2 s while a client pings every 50 ms: the gap starts on time and lasts 2 s #root", function()
		local code, out, err = run("timeline.lua", [[
local a, b = lab:node "a", lab:node "b"
local l = lab:link(a, b, { addr = { "10.0.1.1/24", "10.0.1.2/24" } })
lab:expect_reach(a, b)
lab:at(1, function() l:down() end)
lab:at(3, function() l:up() end)
lab:start()
local gap_start, gap_end
for i = 1, 90 do
  local w = i * 0.05 - lab:now()
  if w > 0 then netns.sleep(w) end
  local t = lab:now()
  local ok = a:ping("10.0.1.2", { timeout = 0.04 })
  if not ok and not gap_start then gap_start = t end
  if ok and gap_start and not gap_end then gap_end = t end
end
print(("gap %.3f %.3f"):format(gap_start, gap_end))
]])
		assert.equal(0, code, err)
		local s, e = out:match("gap ([%d.]+) ([%d.]+)")
		s, e = tonumber(s), tonumber(e)
		assert.is_not_nil(s, out)
		-- the first probe without a reply: within 100 ms of 1 s (probes go every 50 ms)
		assert.is_true(s >= 1.0 - 0.05 and s <= 1.1, out)
		-- the first reply again: 2 s later, +/- 100 ms
		assert.is_true(math.abs((e - s) - 2) <= 0.1, out)
	end)

	it("netlab run plays the timeline while the command runs #root", function()
		local script = ws:write("runtl.lua", [[
local a, b = lab:node "a", lab:node "b"
local l = lab:link(a, b, { addr = { "10.0.1.1/24", "10.0.1.2/24" } })
lab:at(0.5, function() l:down() end)
lab:at(2, function() l:up() end)
]])
		local code, out, err = ws:run({ "run", script, "--", "sh", "-c",
			"ip -br -n a link show eth0; sleep 1; ip -br -n a link show eth0; sleep 1.5; ip -br -n a link show eth0" })
		assert.equal(0, code, err)
		local states = {}
		for state in out:gmatch("eth0@%S+%s+(%S+)") do states[#states + 1] = state end
		assert.same({ "UP", "DOWN", "UP" }, states)
	end)

	it("lab:every with jitter replays the same schedule with the same --seed, and says the seed #root", function()
		local script = ws:write("every.lua", [[
local path = ...
lab:every(0.1, function(lab, t, due)
  local f = io.open(path, "a")
  f:write(("%.6f\n"):format(due))
  f:close()
end, { jitter = 0.04, count = 8 })
lab:start()
netns.sleep(1.2)
]])
		local function schedule(seed, tag)
			local path = ws.dir .. "/due." .. tag
			os.remove(path)
			local code, _, err = ws:run({ "--seed", seed, script, path })
			assert.equal(0, code, err)
			assert.matches("# netlab: seed " .. seed .. " (--seed " .. seed .. " replays this run)", err, 1, true)
			return require("support.proc").read(path)
		end
		local one, two, other = schedule("42", "1"), schedule("42", "2"), schedule("43", "3")
		local n = 0
		for due in one:gmatch("[^\n]+") do
			n = n + 1
			-- k-th call due at k * 0.1 +/- 0.04
			assert.is_true(math.abs(tonumber(due) - n * 0.1) <= 0.04 + 1e-9, one)
		end
		assert.equal(8, n)
		assert.equal(one, two)
		assert.are_not.equal(one, other)
	end)

	it("netlab up puts the seed in the description #root", function()
		local script = ws:write("seeded.lua", [[
local a = lab:node "a"
lab:at(100, function() end)
]])
		local code, out, err = ws:run({ "up", "--seed", "1234", "--name", "seeded", script })
		assert.equal(0, code, err)
		assert.equal(1234, json.decode(out).seed)
		assert.matches("# netlab: seed 1234", err, 1, true)
		local dcode, _, derr = ws:run({ "down", "seeded" })
		assert.equal(0, dcode, derr)
	end)

	it("the example 06-flaky passes #root", function()
		local code, out, err = ws:run({ require("support.proc").root .. "/scripts/examples/06-flaky.lua" })
		assert.equal(0, code, err)
		assert.matches("\n%.+x+%.+\n", out)
		assert.matches("4 passed, 0 failed", out, 1, true)
	end)

	it("mistakes on the timeline and in partitions are caught at the user's line #root", function()
		local code, out, err = run("tlmistakes.lua", [[
local a, b, c = lab:node "a", lab:node "b", lab:node "c"
local l = lab:link(a, b, { addr = { "10.0.1.1/24", "10.0.1.2/24" } })
local function try(f) local ok, e = pcall(f) print(ok and "accepted" or e) end
try(function() lab:at(-1, function() end) end)
try(function() lab:at(1) end)
try(function() lab:every(0, function() end) end)
try(function() lab:every(1, function() end, { jitter = 1 }) end)
try(function() lab:every(1, function() end, { count = 0 }) end)
try(function() lab:every(1, function() end, { jiter = 0.1 }) end)
try(function() lab:partition({ a }, { a, b }) end)
try(function() lab:partition({ a }, {}) end)
try(function() lab:partition({ a }, { "b" }) end)
try(function() lab:link(a, c, { dealy = "10ms" }) end)
try(function() lab:link(a, c, { delay = "10ms", burst = "10kb" }) end)
try(function() lab:link(a, c, { a_to_b = { rate = "1mbit", lost = "1%" } }) end)
try(function() l:set { dealy = "1ms" } end)
try(function() l.set { delay = "1ms" } end)
print("links of c", #c:links())
lab:at(0, function() lab:expect(true, "inside") end)
lab:start()
try(function() lab:at(1, function() end) end)
netns.sleep(0.5)
]])
		assert.equal(1, code, err)
		local f = ws.dir .. "/tlmistakes.lua"
		assert.equal(table.concat({
			f .. ":4: netlab: at: the time must be a number of seconds >= 0, not '-1'",
			f .. ":5: netlab: at: the function must be a function, not nil",
			f .. ":6: netlab: every: the period must be a number of seconds > 0, not '0'",
			f .. ":7: netlab: every: option 'jitter' must be a number of seconds in [0, period), not '1'",
			f .. ":8: netlab: every: option 'count' must be an integer >= 1, not '0'",
			f .. ":9: netlab: every: unknown option 'jiter' (did you mean 'jitter'?)",
			f .. ":10: netlab: partition: a is in both groups",
			f .. ":11: netlab: partition: group 2 is empty",
			f .. ":12: netlab: partition: group 2's member 1 must be a node or bridge of this lab, not 'b'",
			f .. ":13: netlab: link: unknown option 'dealy' (did you mean 'delay'?)",
			f .. ":14: netlab: link: 'burst' goes with a rate alone (a token bucket); with delay, loss and the rest, rate is netem's",
			f .. ":15: netlab: link: option 'a_to_b': unknown option 'lost' (did you mean 'loss'?)",
			f .. ":16: netlab: set: unknown option 'dealy' (did you mean 'delay'?)",
			f .. ":17: netlab: set: call it as link:set(...), with a colon",
			"links of c\t1",
			f .. ":21: netlab: at: the timeline is playing since lab:start(): schedule every event before it",
		}, "\n"), out:match("^(.-)\nnot ok") or out)
		assert.matches("a timeline function changes the network; check what it did from the script, not inside it", err, 1, true)
		assert.matches("not ok 1 - the timeline played", out, 1, true)
	end)
end)
