-- sites_lab.lua - the lab of sites.sh: N nodes per site, every node linked to one bridge "lan".
-- usage (script arguments after "--", each KEY=VALUE):
--   netlab up sites_lab.lua --site a --sites a=ADDR,b=ADDR,c=ADDR [--wait-sites S] -- n=300 [check=index|all]
--   netlab up sites_lab.lua -- n=300 sites=a          (a single-machine lab: site a's part alone)
--   n=N          nodes per site (default 300)
--   sites=LIST   the sites whose nodes the script declares (default a,b,c; sites=a with no --sites:
--                the same N nodes, every one placed on "a" and all of them built here)
--   check=none   nothing but the build (default)
--   check=index  reachability: every node of this site pings the node with the same index on every
--                other site (N x (sites - 1) probes per site)
--   check=all    reachability: every node of this site pings every node of every other site
--                (N x N x (sites - 1) probes per site: for a small N)
--   ipv6=0       IPv4-only nodes (node option ipv6 = false)
--   timeout=S    each probe's timeout (default 1 s)
-- Node i of site S (S the site's place in the list, from 1) is <site><i>, 10.S.(i>>8).(i&255)/8 on
-- the one L2 segment "lan" (the bridge spans every site that has a port on it, by VXLAN).
-- Prints on stderr (netlab up passes it on): build_ms=... (this site's own build, from the
-- script's start to its last node linked, in-script: no waiting for other sites), then for a
-- check reach_ok=... reach_fail=... reach_ms=... (this site's probes; a failure is also a
-- "not ok" line of the lab, and netlab up exits 1).
local netns = require "netns"
local clock = netns.clock
local t0 = clock()

local o = { n = "300", sites = "a,b,c", check = "none", ipv6 = "1", timeout = "1" }
for _, a in ipairs { ... } do
  local k, v = a:match("^([%w_]+)=(.*)$")
  if not k or not o[k] then error("sites_lab.lua: unknown argument '" .. tostring(a) .. "'", 0) end
  o[k] = v
end
local N, timeout = math.tointeger(tonumber(o.n)), tonumber(o.timeout)
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
  -- the first expectation waits until every site answers (--wait-sites, else 60 s): by then each
  -- has built everything above. A pair whose source is another site's is that site's to probe
  -- (expect_reach returns netlab.sites.ELSEWHERE and prints a comment line).
  local ok, bad, t1 = 0, 0, nil
  local function probe(a, b)
    local r = lab:expect_reach(a, b, { timeout = timeout })
    t1 = t1 or clock()  -- the first probe waited for the other sites: not counted in reach_ms
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
  io.stderr:write(("reach_ok=%d reach_fail=%d reach_ms=%.2f wait_ms=%.2f site=%s\n"):format(ok, bad,
    (clock() - (t1 or clock())) * 1e3, ((t1 or clock()) - built) * 1e3, here))
end
