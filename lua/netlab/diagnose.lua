-- netlab.diagnose: why a node gets no answer from an address, as far as the lab can see: routes, forwarding, addresses, links.
--
-- Walks the path hop by hop as the kernel would route it (the longest
-- prefix of each node's main table), then the way back, and names the
-- first thing on it that cannot work. Only for a probe that failed.
local netns = require "netns"
local check = require "netlab.check"

local M = {}

local MAX_HOPS = 16

-- the route ns takes to addr: the longest prefix of the main table holding it
local function route_to(ns, addr, family)
  local best, best_len
  for _, r in ipairs(ns:routes(family)) do
    if r.table == 254 and r.type == "unicast" then
      local len
      if r.dst == "default" then
        len = 0
      elseif netns.contains(r.dst, addr) then
        len = netns.prefix(r.dst).prefix
      end
      if len and (not best or len > best_len) then best, best_len = r, len end
    end
  end
  return best
end

-- the node of the lab that has addr on one of its devices (in the realm of node from, when
-- tenants or VRFs reuse it), and the device
local function holder(lab, addr, from)
  local want = netns.prefix(addr)
  local book = lab:_book(addr, from)
  if book then return book.node, book.dev end
  -- made outside the lab's calls: ask the kernel, node by node
  for _, node in ipairs({ lab.host, table.unpack(lab.node_list) }) do
    for _, a in ipairs(node.ns:addrs()) do
      if a.address == want.address then return node, a.dev end
    end
  end
end

-- the other end of the lab's link that has dev of node at one end: node, dev
local function other_end(lab, node, dev)
  for _, l in ipairs(lab.links) do
    local b = l.b.is_bridge and lab.host or l.b
    if l.a == node and l.dev_a == dev then return b, l.dev_b end
    if b == node and l.dev_b == dev then return l.a, l.dev_a end
  end
end

-- what keeps dev of node from carrying packets, or nil
local function link_problem(lab, node, dev)
  if node.remote or node.ns.remote then return nil end  -- another site's: not seen from here
  local l = node.ns:link(dev)
  if not l then return ("%s has no device %s"):format(node.name, dev) end
  if not l.up then return ("%s's %s is down"):format(node.name, dev) end
  if not l.carrier then
    local far, far_dev = other_end(lab, node, dev)
    if far then return ("%s's %s has no carrier: the other end, %s's %s, is down"):format(node.name, dev, far.name, far_dev) end
    return ("%s's %s has no carrier (the other end of its link is down)"):format(node.name, dev)
  end
end

local FORWARD = { inet = "net.ipv4.ip_forward", inet6 = "net.ipv6.conf.all.forwarding" }

-- the first thing on the way from node start to addr (held by target) that
-- cannot work, or nil; what goes in the message says which way (label)
local function walk(lab, start, addr, target, family, label)
  local node, seen = start, {}
  for _ = 1, MAX_HOPS do
    if node == target then return nil end
    -- a node of another site: the rest of the way is that site's to see
    if node.remote then return ("the way goes on at %s, on site %s%s"):format(node.name, node.site, label) end
    local r = route_to(node.ns, addr, family)
    if not r then return ("%s has no route to %s%s"):format(node.name, addr, label) end
    local bad = link_problem(lab, node, r.dev)
    if bad then return bad end
    if not r.via then
      -- on the link: the target must be on it (and its device working)
      if not target then return nil end
      if target.remote then
        return ("nothing wrong on this site's side; %s is on site %s: look there%s"):format(target.name, target.site, label)
      end
      local _, dev = holder(lab, addr, start)
      return dev and link_problem(lab, target, dev) or nil
    end
    local gw = holder(lab, r.via, node)
    if not gw then
      return ("%s routes %s via %s, which no node of the lab has%s"):format(node.name, addr, r.via, label)
    end
    if gw == target then return nil end
    if not gw.remote and gw.ns:sysctl(FORWARD[family]) ~= "1" then
      return ("%s (%s, %s's gateway to %s) does not forward: %s is 0"):format(gw.name, r.via, node.name, addr,
        FORWARD[family])
    end
    if seen[gw] then return ("the route to %s loops through %s"):format(addr, gw.name) end
    seen[gw] = true
    node = gw
  end
  return ("the route to %s takes more than %d hops"):format(addr, MAX_HOPS)
end

-- the address from uses towards addr: the route's src, else the first
-- global address on the route's device
local function source_address(from, addr, family)
  local r = route_to(from.ns, addr, family)
  if not r then return nil end
  if r.src then return r.src end
  for _, a in ipairs(from.ns:addrs(r.dev)) do
    if a.family == family and a.scope == "global" then return a.address end
  end
end

-- Why from gets no answer from addr: a sentence, or nil when the lab sees
-- nothing wrong (a firewall, a process, the timing).
function M.why(lab, from, addr)
  local ok, res = check.protect(function()
    local family = netns.prefix(addr).family
    local target = holder(lab, addr, from)
    local problem = walk(lab, from, addr, target, family, "")
    if problem then return problem end
    if not target then
      -- another site's lab host is not booked here: its addresses are that site's to know
      if lab.sites then return ("no node of the lab has the address %s (another site's lab.host may: look there)"):format(addr) end
      return ("no node of the lab has the address %s"):format(addr)
    end
    local src = source_address(from, addr, family)
    if src then return walk(lab, target, src, from, family, (" (the way back to %s)"):format(from.name)) end
  end)
  -- a diagnosis that fails itself says nothing rather than hide the probe's reason
  return ok and res or nil
end

M.route_to = route_to

return M
