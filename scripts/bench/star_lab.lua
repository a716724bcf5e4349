-- star_lab.lua - the benchmark's N-node star built through the lab (require "netlab").
-- usage: lua5.4 star_lab.lua N [prefix]      (run as root, in a private namespace)
-- One process: setup, then the lab's own teardown (which returns once every
-- name is free again). Prints setup_ms= teardown_ms=; with BENCH_PHASES=1 also
-- the time spent in lab:node, lab:link and node:gateway.
local netns = require "netns"
-- BENCH_ROOTLESS=1 (run as an ordinary user): a user namespace of its own
-- first, where the user is root, with a private network + mount namespace
if os.getenv("BENCH_ROOTLESS") == "1" then netns.unshare_user() end
local netlab = require "netlab"

local N, P = tonumber(arg[1]), arg[2] or "nlbl"
if not N then
  io.stderr:write("usage: star_lab.lua N [prefix]\n")
  os.exit(2)
end
local clock = netns.clock
local timed = os.getenv("BENCH_PHASES") == "1"
local phases = { node = 0, link = 0, gateway = 0 }

-- the runner gives every method a private namespace: the lab may tear its
-- host down by link group, as the interpreter's isolated labs do
-- BENCH_IPV6=0: IPv4-only nodes (lab{ ipv6 = false })
local lab = netlab.lab { name = "bench", quiet = true, private_host = true, ipv6 = os.getenv("BENCH_IPV6") ~= "0" }
local t0 = clock()
local br = lab:bridge(P .. "br0")
lab.host:addr_add(P .. "br0", "10.250.0.1/16")
for i = 1, N do
  local a = clock()
  local node = lab:node(P .. i)
  local b = clock()
  lab:link(node, br, { addr = ("10.250.%d.%d/16"):format((i + 1) // 256, (i + 1) % 256) })
  local c = clock()
  node:gateway("10.250.0.1")
  if timed then
    phases.node = phases.node + (b - a)
    phases.link = phases.link + (c - b)
    phases.gateway = phases.gateway + (clock() - c)
  end
end
local t1 = clock()
lab:close()
local t2 = clock()
io.write(("setup_ms=%.2f teardown_ms=%.2f"):format((t1 - t0) * 1e3, (t2 - t1) * 1e3))
if timed then
  for _, k in ipairs { "node", "link", "gateway" } do io.write((" [%s]=%.1f"):format(k, phases[k] * 1e3)) end
end
io.write("\n")
