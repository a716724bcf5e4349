-- ospf-ring-frr.lua - ospf-ring.lua with FRR 8.4 (zebra and ospfd on each router) instead of
-- BIRD: four routers in a ring running OSPF converge, reroute around a link that goes down and
-- around one that fails silently, and come back each time.
-- Run: netlab scripts/examples/ospf-ring-frr.lua   (needs frr: scripts/setup.sh installs it)
--
--    h1 10.1.0.10             the ring's links are /30s, with these OSPF costs: h1 -> h3 goes
--     |                       r1-r2-r3 (20); the other way round, r1-r4-r3, costs 40
--    r1 ----10---- r2
--     |             |
--     30            10
--     |             |
--    r4 ----10---- r3 -- h3 10.3.0.10
--
-- FRR keeps to fixed paths: its configuration in /etc/frr, its sockets and pid files in
-- /var/run/frr, its crash buffers in /var/tmp/frr. Each node has a /run, /tmp and /var/tmp of
-- its own, and node:file gives it its own /etc/frr/frr.conf (beside the machine's other files of
-- /etc/frr: daemons, vtysh.conf), so four FRRs run side by side unchanged, with no path flags,
-- and vtysh works in a node as on a real router: netlab exec r1 vtysh -c "show ip ospf neighbor".
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
-- after 4 s of silence, a lost database packet sent again after 1 s (FRR's defaults: 10 s, 40 s,
-- 5 s); the routes computed at once after a change (SPF throttle: 0 ms, then 50 ms .. 500 ms
-- between runs; defaults 0, 50 ms .. 5 s), and a change of a router's links announced at once
-- (the LSA throttle, RFC 2328's MinLSInterval, is 5 s by default; BIRD cannot shorten it:
-- ospf-ring.lua's steps take 4 to 7 s). A point-to-point link elects no designated router, so
-- it has no wait before its adjacency forms.
local function frr_conf(i)
  local lines = {
    ("hostname r%d"):format(i),
    "log stdout informational", -- into the service's output (svc:output())
    "!",
    -- first: vtysh -b applies the file line by line, and an interface put in an area before
    -- the router id is set would say hello with an id of ospfd's choosing, then with this one
    "router ospf",
    (" ospf router-id 10.255.0.%d"):format(i),
    " timers throttle spf 0 50 500",
    " timers throttle lsa all 0",
    " timers lsa min-arrival 0",
    "!",
  }
  for _, f in ipairs(ifaces[i]) do
    for _, l in ipairs {
      "interface " .. f.dev,
      " ip ospf area 0",
      " ip ospf network point-to-point",
      " ip ospf cost " .. f.cost,
      " ip ospf hello-interval 1",
      " ip ospf dead-interval 4",
      " ip ospf retransmit-interval 1",
      "!",
    } do lines[#lines + 1] = l end
  end
  if stubs[i] then
    for _, l in ipairs { "interface " .. stubs[i], " ip ospf area 0", " ip ospf passive", "!" } do
      lines[#lines + 1] = l
    end
  end
  return table.concat(lines, "\n") .. "\n"
end

-- what the routers think, shown once, at the first expectation that fails
lab:on_failure(function()
  lab:run_all({ "vtysh", "-c", "show ip ospf neighbor", "-c", "show ip route" }, { show = true })
end)

-- FRR's daemons as Debian's frrinit.sh starts them, but in the foreground (no -d), so that the
-- lab tracks, stops (SIGTERM) and keeps the log of each. They make /var/run/frr (/run/frr: the
-- ready paths name the directory itself, not the symlink) and /var/tmp/frr themselves, in the
-- node's own, and switch to the user frr as on a real router (not -u root: root is not in the
-- group frrvty, and FRR refuses to start; so a lab without root needs a subuid range, which
-- maps the user frr). Then vtysh -b reads the node's /etc/frr/frr.conf and gives each daemon its
-- part (FRR's integrated configuration: Debian's vtysh.conf says `service
-- integrated-vtysh-config`). -P 0: no vty on a TCP port, only the unix sockets vtysh uses.
local started = clock()
for i, router in ipairs(r) do
  router:file("/etc/frr/frr.conf", frr_conf(i))
  router:service({ "/usr/lib/frr/zebra", "-P", "0", "--log", "stdout" },
    { ready = { unix = "/run/frr/zserv.api" }, name = "zebra" })
  router:service({ "/usr/lib/frr/ospfd", "-P", "0", "--log", "stdout" },
    { ready = { unix = "/run/frr/ospfd.vty" }, name = "ospfd" })
  local vtysh = router:run({ "vtysh", "-b" })
  assert(vtysh.status == 0, "vtysh -b on " .. router.name .. ": " .. vtysh.stdout .. vtysh.stderr)
end

local H3 = h3:address()
local R2, R4 = "10.0.12.2", "10.0.41.1" -- r1's neighbours on each way round

-- r1's next hop to h3's network, when OSPF put it there
local function r1_via()
  for _, rt in ipairs(r[1]:routes("inet")) do
    if rt.dst == "10.3.0.0/24" and rt.proto == "ospf" then return rt.via end
  end
end

-- h1 reaches h3, and r1 sends h3's traffic to `via`
local function through(via)
  return function() return r1_via() == via and h1:ping(H3, { timeout = 0.3 }) end
end

local function took(t0) return clock() - t0 end
local function step(what, t) print(("# %s: %.1f s"):format(what, t)) end

lab:wait_until(through(R2), 30, "converged: h1 reaches h3 through r2 (the shortest way)")
step("OSPF converged (from the daemons' start)", took(started))

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
