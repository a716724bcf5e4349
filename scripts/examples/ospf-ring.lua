-- ospf-ring.lua - four routers in a ring running OSPF (BIRD 2): the ring converges, reroutes
-- around a link that goes down and around one that fails silently, and comes back each time.
-- Run: netlab scripts/examples/ospf-ring.lua   (needs bird2: scripts/setup.sh installs it)
--
--    h1 10.1.0.10             the ring's links are /30s, with these OSPF costs: h1 -> h3 goes
--     |                       r1-r2-r3 (20); the other way round, r1-r4-r3, costs 40
--    r1 ----10---- r2
--     |             |
--     30            10
--     |             |
--    r4 ----10---- r3 -- h3 10.3.0.10
--
-- Each router runs its own bird with its own /etc/bird/bird.conf (node:file: a file only that
-- node sees) and its control socket at the usual /run/bird/bird.ctl (each node has a /run of
-- its own), so birdc works in a node as it does on a real router: netlab exec r1 birdc show route.
lab.ipv6 = false -- OSPFv2 only: no IPv6 chatter on the links

local clock = require("netns").clock

local r = {}
for i = 1, 4 do r[i] = lab:node("r" .. i, { forward = true }) end
local h1, h3 = lab:node "h1", lab:node "h3"

-- the ring: r[a] gets .1 of the /30, r[b] .2; cost is OSPF's for both ends
local ring = {
  { 1, 2, "10.0.12", cost = 10 },
  { 2, 3, "10.0.23", cost = 10 },
  { 3, 4, "10.0.34", cost = 10 },
  { 4, 1, "10.0.41", cost = 30 },
}
local ifaces = { {}, {}, {}, {} } -- each router's OSPF interfaces: { dev =, cost = }
local links = {}
for _, l in ipairs(ring) do
  local a, b = l[1], l[2]
  local link = lab:link(r[a], r[b], { addr = { l[3] .. ".1/30", l[3] .. ".2/30" } })
  table.insert(ifaces[a], { dev = link.dev_a, cost = l.cost })
  table.insert(ifaces[b], { dev = link.dev_b, cost = l.cost })
  links[a .. "-" .. b] = link
end
local lan1 = lab:link(r[1], h1, { addr = { "10.1.0.1/24", "10.1.0.10/24" } })
local lan3 = lab:link(r[3], h3, { addr = { "10.3.0.1/24", "10.3.0.10/24" } })
h1:gateway(r[1])
h3:gateway(r[3])
local stubs = { [1] = lan1.dev_a, [3] = lan3.dev_a } -- the hosts' networks: announced, no OSPF spoken there

-- Fast timers, so that the whole example takes seconds: a hello every second, a neighbour dead
-- after 4 s of silence, a lost database packet sent again after 2 s (BIRD's defaults: 10 s, 40 s,
-- 5 s; BIRD takes no less than 2 s there). A point-to-point link elects no designated router, so
-- it has no `wait` before its adjacency forms. What BIRD does not let one shorten is RFC 2328's
-- MinLSInterval: a router announces a change of its links at most once every 5 s, so each step
-- below takes 4 to 7 s (FRR's `timers throttle lsa all 0` makes the same steps take about 1 s:
-- ospf-ring-frr.lua).
local function bird_conf(i)
  local lines = {
    ("router id 10.255.0.%d;"):format(i),
    "log stderr { info, remote, warning, error, auth, fatal, bug };",
    "protocol device {}",
    "protocol kernel { ipv4 { export all; }; }  # OSPF's routes into the kernel (proto bird)",
    "protocol ospf v2 {",
    "  ipv4 { import all; };",
    "  area 0 {",
  }
  for _, f in ipairs(ifaces[i]) do
    lines[#lines + 1] = ('    interface "%s" { type ptp; cost %d; hello 1; dead 4; retransmit 2; };'):format(f.dev, f.cost)
  end
  if stubs[i] then
    lines[#lines + 1] = ('    interface "%s" { stub yes; };'):format(stubs[i])
  end
  lines[#lines + 1] = "  };"
  lines[#lines + 1] = "}"
  return table.concat(lines, "\n") .. "\n"
end

-- what the routers think, shown once, at the first expectation that fails
lab:on_failure(function()
  lab:run_all({ "birdc", "-r", "show", "ospf", "neighbors" }, { show = true })
  lab:run_all({ "birdc", "-r", "show", "route" }, { show = true })
end)

local started = clock()
for i, router in ipairs(r) do
  router:file("/etc/bird/bird.conf", bird_conf(i))
  -- bird makes its socket in /run/bird, not the directory (Debian's unit makes it beforehand)
  assert(router:run({ "mkdir", "-p", "/run/bird" }).status == 0)
  -- in the foreground, as root (Debian's unit adds -u bird -g bird), with its usual paths: the lab
  -- tracks it, stops it (SIGTERM) and keeps its log
  router:service({ "bird", "-f" }, { ready = { unix = "/run/bird/bird.ctl" }, name = "bird" })
end

local H3 = h3:address()
local R2, R4 = "10.0.12.2", "10.0.41.1" -- r1's neighbours on each way round

-- r1's next hop to h3's network, when OSPF put it there
local function r1_via()
  for _, rt in ipairs(r[1]:routes("inet")) do
    if rt.dst == "10.3.0.0/24" and rt.proto == "bird" then return rt.via end
  end
end

-- h1 reaches h3, and r1 sends h3's traffic to `via`
local function through(via)
  return function() return r1_via() == via and h1:ping(H3, { timeout = 0.3 }) end
end

local function took(t0) return clock() - t0 end
local function step(what, t) print(("# %s: %.1f s"):format(what, t)) end

lab:wait_until(through(R2), 30, "converged: h1 reaches h3 through r2 (the shortest way)")
step("OSPF converged (from bird's start)", took(started))

local cut = links["1-2"]
local t0 = clock()
cut:down()
lab:wait_until(through(R4), 15, "r1-r2 down (carrier lost): h1 reaches h3 through r4")
step("rerouted around the link that went down", took(t0))

t0 = clock()
cut:up()
lab:wait_until(through(R2), 15, "r1-r2 up: h1 reaches h3 through r2 again")
step("back on the shortest way", took(t0))

t0 = clock()
cut:blackhole()
-- the carrier stays up: nothing tells OSPF but the silence of its neighbour
lab:expect_unreachable(h1, H3, { label = "r1-r2 drops everything: h1 cannot reach h3 until OSPF notices" })
lab:wait_until(through(R4), 15, "r1-r2 silent: h1 reaches h3 through r4 after the dead interval")
step("rerouted around the silent link (dead interval 4 s)", took(t0))

t0 = clock()
cut:restore()
lab:wait_until(through(R2), 15, "r1-r2 restored: h1 reaches h3 through r2 again")
step("back on the shortest way", took(t0))
