-- star.lua - the benchmark's N-node star, built with the netns module directly.
-- usage: lua5.4 star.lua setup|teardown N [prefix]      (run as root, in a private namespace)
-- The same star as baselines/topo_mnl.c: N namespaces PREFIX1..PREFIXN,
-- each with eth0, the peer of PREFIXh<i> enslaved to the bridge PREFIXbr0
-- (10.250.0.1/16) in this namespace; lo and eth0 up, 10.250.x.y/16, a default
-- route via the bridge. Prints setup_ms= / teardown_ms= like the baselines;
-- with BENCH_PHASES=1 also the time spent per kind of call; BENCH_ORDER=phased
-- builds in the floor's order (all namespaces, all veths, then each namespace).
local netns = require "netns"

local cmd, N, P = arg[1], tonumber(arg[2]), arg[3] or "nlbx"
if not (cmd == "setup" or cmd == "teardown") or not N then
  io.stderr:write("usage: star.lua setup|teardown N [prefix]\n")
  os.exit(2)
end

local clock = netns.clock
local host = netns.host()
local br = P .. "br0"
-- every host-side device of the star is in one link group of its own: teardown
-- deletes them all (and their peers) with one request
local group = 0x6e6c0000 + (#P * 131 + P:byte(1) * 7 + P:byte(-1)) % 0xffff

-- BENCH_IPV6=0: an IPv4-only star, as the lab's ipv6 = false makes it: each
-- eth0 gets addrgenmode none before it comes up, so it has no IPv6 address and
-- sends none of the IPv6 chatter the bridge would flood to every port
local nsopts = { lo_up = true }
-- (and, as the lab does, IPv6 off on the host-side end before it has carrier)
local eth0_up = { up = true }
-- a bulk builder: nothing waits for a link to be ready on the way (up means
-- ready in netns), every link is waited for once at the end, by which time
-- the kernel has mostly activated them already. (A netns without link_wait,
-- an older version under BENCH_LAB_ALT, neither waits nor takes the option.)
local can_wait = host.link_wait ~= nil
if can_wait then eth0_up.wait = false end
local v4 = os.getenv("BENCH_IPV6") == "0"
if v4 then eth0_up.addrgenmode = "none" end
local function host_end(i)
  if v4 then host:sysctl(("net/ipv6/conf/%sh%d/disable_ipv6"):format(P, i), "1") end
end

local phases, pt = {}, nil
local timed = os.getenv("BENCH_PHASES") == "1"
local function mark(name)
  if not timed then return end
  local t = clock()
  if pt then phases[pt[1]] = (phases[pt[1]] or 0) + (t - pt[2]) end
  pt = name and { name, t } or nil
end

local function addr(i)
  return ("10.250.%d.%d/16"):format((i + 1) // 256, (i + 1) % 256)
end

local t0 = clock()
if cmd == "setup" then
  host:link_add(br, "bridge", { up = true, group = group })
  host:addr_add(br, "10.250.0.1/16")
  local function config(ns, i)
    mark "link_set eth0 up"
    ns:link_set("eth0", eth0_up)
    mark "addr_add"
    ns:addr_add("eth0", addr(i))
    mark "route_add"
    ns:route_add { dst = "default", via = "10.250.0.1" }
    mark(nil)
  end
  local function node(i)
    mark "netns.add"
    return netns.add(P .. i, nsopts)
  end
  local function veth(i, ns)
    mark "link_add veth"
    host:link_add(P .. "h" .. i, "veth",
      { peer = "eth0", peer_ns = ns, master = br, up = true, group = group, wait = can_wait and false or nil })
    host_end(i)
  end
  local function config_all(nss)
    for i = 1, N do
      config(nss[i], i)
      nss[i]:close()
    end
  end
  local order = os.getenv("BENCH_ORDER")
  if order == "lateup" then
    -- node after node, but every eth0 comes up (with its address and route)
    -- in a last sweep
    local nss = {}
    for i = 1, N do
      nss[i] = node(i)
      veth(i, nss[i])
    end
    config_all(nss)
  elseif order == "phased" then
    -- the floor's order (topo_mnl): every namespace, every veth, then each
    -- namespace's own settings; the IPv6 chatter of the links that come up
    -- (flooded by the bridge to every port) then falls after the build
    local nss = {}
    for i = 1, N do nss[i] = node(i) end
    for i = 1, N do veth(i, nss[i]) end
    config_all(nss)
  else
    -- node after node, as a lab script does
    for i = 1, N do
      local ns <close> = node(i)
      veth(i, ns)
      config(ns, i)
    end
  end
  if can_wait then
    mark "link_wait"
    for i = 1, N do host:link_wait(P .. "h" .. i) end	-- and its peer, eth0 in the node
    host:link_wait(br)
    mark(nil)
  end
  io.write(("setup_ms=%.2f"):format((clock() - t0) * 1e3))
else
  -- the bridge, the host ends and (through them) the peers: one unregister batch;
  -- the namespaces then hold only lo and go asynchronously
  mark "link_del_group"
  host:link_del_group(group)
  mark "netns.delete"
  for i = 1, N do netns.delete(P .. i) end
  mark(nil)
  io.write(("teardown_ms=%.2f"):format((clock() - t0) * 1e3))
end
if timed then
  local keys = {}
  for k in pairs(phases) do keys[#keys + 1] = k end
  table.sort(keys)
  for _, k in ipairs(keys) do io.write((" [%s]=%.1f"):format(k:gsub(" ", "_"), phases[k] * 1e3)) end
end
io.write("\n")
