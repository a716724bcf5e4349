-- sites_lab.lua - the lab of sites.sh: N nodes per site, every node linked to one bridge "lan".
-- usage (script arguments after "--", each KEY=VALUE):
--   netlab up sites_lab.lua --site a --sites a=ADDR,b=ADDR,c=ADDR [--wait-sites S] -- n=300 [check=index|all]
--   netlab up sites_lab.lua -- n=300 sites=a          (a single-machine lab: site a's part alone)
--   n=N          nodes per site (default 300)
--   sites=LIST   the sites whose nodes the script declares (default a,b,c). With no --sites every
--                node is built here: sites=a is site a's N nodes as a lab of one machine, sites=a,b,c
--                the whole 3 N-node lab on one machine)
--   check=none   nothing but the build (default)
--   check=index  reachability: every node of this site pings the node with the same index on every
--                other site (N x (sites - 1) probes per site)
--   check=all    reachability: every node of this site pings every node of every other site
--                (N x N x (sites - 1) probes per site: for a small N)
--   ipv6=0       IPv4-only nodes (node option ipv6 = false)
--   timeout=S    each probe's timeout (default 1 s)
--   rate=R       at most R probes a second on this site (default 100; 0: as fast as they go)
--   settle=S     before the first probe, once every site answers, wait until the machine is quiet
--                (under 10 % of the CPUs busy over 250 ms, from /proc/stat), S seconds at most
--                (default 10; 0: probe at once)
--   sweep=S      every S seconds (default 0.5; 0: never) between its probes, this site deletes the
--                IPv4 neighbour (ARP) entries of its own nodes (neigh_del)
-- Why rate and sweep: every probe leaves two ARP entries (the source's for the target, and the
-- target's for the source, made from the request), each kept fresh for tens of seconds (DELAY,
-- a unicast probe 5 s later, REACHABLE for ~30 s). The kernel's ARP table is one for the whole
-- kernel, every namespace (here all three simulated machines) together: at most gc_thresh3 = 1024
-- entries by default, and its forced GC takes only entries idle for 5 s. Thousands of probes
-- within a few seconds overflow it ("neighbour: arp_cache: neighbor table overflow!" in the
-- kernel log) and probes then fail for want of an ARP entry, not because of the lab (a real
-- machine with its site's 300 nodes would hold ~1200 such entries after the index check: near
-- its limit too). A site's sweep runs in its
-- own process between its own probes; a remote probe in flight to a node just swept costs that
-- node one more ARP exchange, not the answer. 3 sites x 100/s, entries living <= 0.5 s: ~300.
-- Why settle: the build leaves the kernel busy for a while (the links' first packets, and with
-- IPv6 the DAD and MLD reports of every node), multicast that the bridge floods to every port of
-- every site: with 3 x 300 nodes on one kernel each such packet is 900 packets. It does not cure
-- IPv6: the nodes' router solicitations go on in waves (about 4, 12, 28, 60 s after the build,
-- then further apart), each wave overflowing the CPUs' backlog queues (netdev_max_backlog, 1000;
-- /proc/net/softnet_stat: ~500,000 drops during an index check at N = 300) with ARP requests among
-- the drops: sites.sh probes IPv4-only nodes (ipv6=0) by default.
-- Node i of site S (S the site's place in the list, from 1) is <site><i>, 10.S.(i>>8).(i&255)/8 on
-- the one L2 segment "lan" (the bridge spans every site that has a port on it, by VXLAN).
-- Prints on stderr (netlab up passes it on): build_ms=... (this site's own build, from the
-- script's start to its last node linked, in-script: no waiting for other sites), then for a
-- check reach_ok=... reach_fail=... (this site's probes; a failure is also a "not ok" line of the
-- lab, and netlab up exits 1), reach_ms=... (the probes), wait_ms=... (until every site answered on
-- the probe tunnel) and settle_ms=... (the wait for a quiet machine after that).
local netns = require "netns"
local clock = netns.clock
local t0 = clock()

local o = { n = "300", sites = "a,b,c", check = "none", ipv6 = "1", timeout = "1", rate = "100", sweep = "0.5",
  settle = "10" }
for _, a in ipairs { ... } do
  local k, v = a:match("^([%w_]+)=(.*)$")
  if not k or not o[k] then error("sites_lab.lua: unknown argument '" .. tostring(a) .. "'", 0) end
  o[k] = v
end
local N, timeout, rate = math.tointeger(tonumber(o.n)), tonumber(o.timeout), tonumber(o.rate)
local sweep_s, settle = tonumber(o.sweep), tonumber(o.settle)
if not (timeout and timeout > 0 and rate and rate >= 0 and sweep_s and sweep_s >= 0 and settle and settle >= 0) then
  error("sites_lab.lua: timeout=, rate=, sweep= or settle= is not a number", 0)
end
if not N or N < 1 or N > 65000 then error("sites_lab.lua: n=" .. o.n .. " is not a node count", 0) end
if not (o.check == "none" or o.check == "index" or o.check == "all") then
  error("sites_lab.lua: check=" .. o.check .. ": none, index or all", 0)
end
local site_names = {}
for s in o.sites:gmatch("[^,]+") do site_names[#site_names + 1] = s end
local nopts = o.ipv6 == "0" and { ipv6 = false } or {}

local lan = lab:bridge "lan"
local nodes = {}  -- nodes[site index][i]
for si, s in ipairs(site_names) do
  nodes[si] = {}
  for i = 1, N do
    local node = lab:node(s .. i, { site = s, ipv6 = nopts.ipv6 })
    lab:link(node, lan, { addr = ("10.%d.%d.%d/8"):format(si, i >> 8, i & 255) })
    nodes[si][i] = node
  end
end
local here = lab.site or site_names[1]
local built = clock()
io.stderr:write(("build_ms=%.2f site=%s nodes=%d\n"):format((built - t0) * 1e3, here, N))

if o.check ~= "none" and #site_names > 1 then
  -- wait until every site answers on the probe tunnel (--wait-sites, else 60 s; the wait the first
  -- expectation would make): by then each has built everything above. Then the machine settles.
  -- Each site probes from its own nodes only (a pair whose source is another site's would be a
  -- comment line here, netlab.sites.ELSEWHERE).
  require("netlab.sites").wait(lab, lab.wait_sites or 60)
  local t_all = clock()
  local function busy(dt)  -- the share of the CPUs busy over dt seconds, or nil
    local function stat()
      local f = io.open("/proc/stat")
      if not f then return nil end
      local v, line = {}, f:read("l")
      f:close()
      for x in line:gmatch("%d+") do v[#v + 1] = tonumber(x) end
      return v
    end
    local a = stat()
    netns.sleep(dt)
    local b = stat()
    if not (a and b and #a >= 8 and #b >= 8) then return nil end
    local total = 0
    for i = 1, 8 do total = total + b[i] - a[i] end
    local idle = b[4] - a[4] + b[5] - a[5]
    return total > 0 and (total - idle) / total or 0
  end
  while settle > 0 and clock() - t_all < settle do
    local u = busy(0.25)
    if not u or u < 0.10 then break end
  end
  local settled = clock()
  local ok, bad, t1, due, next_sweep, swept = 0, 0, nil, nil, nil, 0
  local mine = nodes[1]
  for si, s in ipairs(site_names) do if s == here then mine = nodes[si] end end
  local function sweep()
    for _, node in ipairs(mine) do
      for _, e in ipairs(node.ns:neighs("eth0")) do
        if e.family == "inet" and e.state ~= "PERMANENT" then
          if pcall(node.ns.neigh_del, node.ns, { dst = e.dst, dev = "eth0" }) then swept = swept + 1 end
        end
      end
    end
  end
  local function probe(a, b)
    local now = clock()
    if sweep_s > 0 and next_sweep and now >= next_sweep then
      sweep()
      now = clock()
      next_sweep = now + sweep_s
    end
    if due and due > now then netns.sleep(due - now) now = clock() end
    due = rate > 0 and now + 1 / rate or nil  -- probes start 1/rate apart (no burst after a slow one)
    local r = lab:expect_reach(a, b, { timeout = timeout })
    if not t1 then t1 = now next_sweep = t1 + sweep_s end
    if r == true then ok = ok + 1 elseif r == false then bad = bad + 1 end
  end
  for si in ipairs(site_names) do
    if site_names[si] == here then
      for ti in ipairs(site_names) do
        if ti ~= si then
          for i = 1, N do
            if o.check == "index" then
              probe(nodes[si][i], nodes[ti][i])
            else
              for j = 1, N do probe(nodes[si][i], nodes[ti][j]) end
            end
          end
        end
      end
    end
  end
  local t2 = clock()
  io.stderr:write(("reach_ok=%d reach_fail=%d reach_ms=%.2f wait_ms=%.2f settle_ms=%.2f swept=%d site=%s\n"):format(
    ok, bad, (t2 - (t1 or t2)) * 1e3, (t_all - built) * 1e3, (settled - t_all) * 1e3, swept, here))
end
