-- netlab.sites: one lab over several machines. Every machine runs the same script with its own
-- site; it builds the nodes and bridges placed there, and a link between sites, or a bridge that
-- spans them, rides the kernel's VXLAN over the machines' own network (the underlay). The VNIs
-- and the UDP port follow from the script (the lab's name, the links' ends, in order), so every
-- machine arrives at the same ones with no coordination.
local netns = require "netns"
local check = require "netlab.check"
local names = require "netlab.names"

local fnv, short_name, alias = names.fnv, names.short_name, names.alias

local M = {}

local function fail(msg, level)
  check.fail(msg, level + 1)
end

-- what a method of a node of another site returns: the node's own site does it
M.ELSEWHERE = setmetatable({}, { __name = "netlab.elsewhere",
  __tostring = function() return "(done on the node's own site)" end })
local ELSEWHERE = M.ELSEWHERE

-- the VXLAN header, UDP, IP and the inner Ethernet header: what a tunnel takes of the underlay's MTU
local OVERHEAD = { inet = 50, inet6 = 70 }
-- the probe tunnel between the sites' lab hosts: site i answers at PROBE_NET.i
local PROBE_NET, PROBE_DEV = "169.254.77.", "nl-sites"

---------------------------------------------------------------------------
-- the sites: "a=192.0.2.1,b=192.0.2.2", or lines "a 192.0.2.1" / "a=192.0.2.1" of a file

local function site_name_ok(s)
  return type(s) == "string" and s:match("^[%w][%w_.-]*$") and #s <= 32
end

-- { { name =, addr =, family = }, ... } in the order given; raises (level) on a bad entry
function M.parse(spec, level, where)
  local list, seen = {}, {}
  local function add(name, addr)
    if not site_name_ok(name) then
      fail(("%s: site name '%s' must be 1..32 letters, digits, '_', '-' or '.'"):format(where, tostring(name)), level + 1)
    end
    if seen[name] then fail(("%s: site '%s' is given twice"):format(where, name), level + 1) end
    local p = type(addr) == "string" and netns.prefix(addr)
    if not p or addr:find("/", 1, true) then
      fail(("%s: site %s's address '%s' is not an IPv4 or IPv6 address"):format(where, name, tostring(addr)), level + 1)
    end
    for other, addr2 in pairs(seen) do
      if addr2 == p.address then
        fail(("%s: sites %s and %s have the same address %s"):format(where, other, name, p.address), level + 1)
      end
    end
    seen[name] = p.address
    list[#list + 1] = { name = name, addr = p.address, family = p.family, index = #list + 1 }
  end
  if type(spec) == "table" then
    for _, e in ipairs(spec) do
      if type(e) ~= "table" then fail(("%s: a site must be { name, address }, not %s"):format(where, check.shown(e)), level + 1) end
      add(e[1] or e.name, e[2] or e.addr)
    end
  elseif type(spec) == "string" then
    for item in spec:gmatch("[^,%s]+") do
      local name, addr = item:match("^([^=]*)=(.*)$")
      if not name then fail(("%s: '%s' is not NAME=ADDRESS"):format(where, item), level + 1) end
      add(name, addr)
    end
  else
    fail(("%s: the sites must be \"a=ADDR,b=ADDR\" or a list, not %s"):format(where, check.shown(spec)), level + 1)
  end
  if #list == 0 then fail(where .. ": no sites given", level + 1) end
  local families = {}
  for _, s in ipairs(list) do families[s.family] = true end
  if families.inet and families.inet6 then fail(where .. ": the sites' addresses mix IPv4 and IPv6", level + 1) end
  return list
end

-- a sites file: one site per line, "NAME ADDRESS" or "NAME=ADDRESS", '#' comments
function M.read_file(path)
  local f, err = io.open(path)
  if not f then error("netlab: --sites-file: " .. tostring(err), 0) end
  local items = {}
  for line in f:lines() do
    line = line:gsub("#.*$", ""):gsub("^%s+", ""):gsub("%s+$", "")
    if line ~= "" then items[#items + 1] = (line:gsub("%s*=%s*", "=", 1):gsub("%s+", "=", 1)) end
  end
  f:close()
  return table.concat(items, ",")
end

---------------------------------------------------------------------------
-- the command line: --site NAME, --sites LIST or --sites-file FILE, --wait-sites SECONDS

M.CLI_OPTS = { ["--site"] = "value", ["--sites"] = "value", ["--sites-file"] = "value", ["--wait-sites"] = "value" }

M.USAGE = [[
Over several machines: --site NAME --sites a=ADDR,b=ADDR,... (or --sites-file FILE, a
line "NAME ADDRESS" per site) builds only the nodes and bridges of site NAME; links and
bridges between sites ride VXLAN over those addresses. --wait-sites SECONDS: return
only once every other site answers over it.
]]

-- the lab's options from parsed command-line options o (nil: a lab on this machine alone);
-- underlay is where the tunnels' sockets go: this machine's namespace, opened before isolating
function M.from_cli(o, host_mode)
  local list = o.sites
  if o["sites-file"] then
    if list then error("netlab: --sites and --sites-file: give one of them", 0) end
    list = M.read_file(o["sites-file"])
  end
  if not list then
    if o.site or o["wait-sites"] then
      error(("netlab: --%s needs --sites (or --sites-file): which machines the lab spans"):format(
        o.site and "site" or "wait-sites"), 0)
    end
    return nil
  end
  if not o.site then error("netlab: --sites needs --site NAME: which of the sites this machine is", 0) end
  if host_mode then
    error("netlab: --sites builds an isolated lab (its tunnels' sockets stay in this machine's network); not with --host", 0)
  end
  local wait = o["wait-sites"] and tonumber(o["wait-sites"])
  if o["wait-sites"] and not (wait and wait > 0 and wait < 1e6) then
    error(("netlab: --wait-sites: '%s' is not a number of seconds"):format(o["wait-sites"]), 0)
  end
  -- checked here, before anything is made: a mistake is one line
  local ok, e = pcall(M.parse, list, 1, "--sites")
  if not ok then error((tostring(e):gsub("^.-netlab: ", "netlab: ")), 0) end
  return { site = o.site, sites = list, wait_sites = wait, underlay = netns.host() }
end

---------------------------------------------------------------------------
-- setting a lab up: which site is this machine's, the underlay, the port, the MTU

-- the VNI of a key ("bridge/lan", "link/a/b/1"): from the lab's name and the key, the next free
-- one on a collision; every site asks for the same keys in the same order
local function vni(S, lab, key)
  local v = fnv(lab.name .. "/" .. key) & 0xffffff
  if v == 0 then v = 1 end
  while S.vnis[v] do v = v % 0xffffff + 1 end
  S.vnis[v] = key
  return v
end

-- lab.sites = { here =, list =, by =, underlay = ns, port =, mtu =, ... }; opts: site, sites,
-- underlay (a namespace handle: where the tunnels' sockets are; default: the current one)
function M.setup(lab, opts, level)
  local list = M.parse(opts.sites, level + 1, "lab: option 'sites'")
  local by = {}
  for _, s in ipairs(list) do by[s.name] = s end
  if opts.site == nil then fail("lab: option 'sites' needs option 'site' (which of them this machine is)", level + 1) end
  local here = by[opts.site]
  if not here then
    local known = {}
    for _, s in ipairs(list) do known[#known + 1] = s.name end
    fail(("lab: site '%s' is not one of the sites (%s)"):format(tostring(opts.site), table.concat(known, ", ")), level + 1)
  end
  local underlay = opts.underlay or netns.host()
  local family = here.family
  -- this machine must have its site's address, and a route to every other site
  local mine = false
  for _, a in ipairs(underlay:addrs()) do mine = mine or a.address == here.addr end
  if not mine then
    fail(("lab: site %s's address %s is not an address of this machine"):format(here.name, here.addr), level + 1)
  end
  local mtu
  for _, s in ipairs(list) do
    if s ~= here then
      local r = require("netlab.diagnose").route_to(underlay, s.addr, family)
      if not r or not r.dev then
        fail(("lab: site %s (%s): this machine has no route to it"):format(s.name, s.addr), level + 1)
      end
      local dev = underlay:link(r.dev)
      if dev and (not mtu or dev.mtu < mtu) then mtu = dev.mtu end
    end
  end
  for i, s in ipairs(list) do s.probe = PROBE_NET .. i end
  lab.sites = {
    here = here, list = list, by = by, underlay = underlay, family = family,
    -- one UDP port per lab name: two labs on the same machines never share a socket
    port = opts.port or (20000 + fnv("port/" .. lab.name) % 10000),
    -- the inner MTU: what the smallest way to another site carries, less the tunnel's overhead
    underlay_mtu = mtu or 1500,
    mtu = (mtu or 1500) - OVERHEAD[family],
    vnis = {},      -- VNI -> key: taken
    tunnels = {},   -- what the description lists
    pairs = {},     -- "a|b" -> how many links between a and b so far
  }
  lab.site = here.name
  -- the probe tunnel's VNI first: the same on every site whenever it is made
  lab.sites.probe_vni = vni(lab.sites, lab, "sites")
end

-- a MAC from a key: stable across runs and the same on every machine's view
local function mac_of(key)
  local h, g = fnv(key), fnv("mac/" .. key)
  return ("02:6c:%02x:%02x:%02x:%02x"):format(h >> 24, (h >> 16) & 0xff, (h >> 8) & 0xff, (h ~ g) & 0xff)
end

---------------------------------------------------------------------------
-- placement

-- the site of lab:node's / lab:bridge's option, checked (nil: none given)
function M.place(lab, call, name, site, is_bridge, level)
  if site == nil then
    if lab.sites and not is_bridge then
      local known = {}
      for _, s in ipairs(lab.sites.list) do known[#known + 1] = s.name end
      fail(("%s: '%s' needs a site: the lab spans sites %s ({ site = ... })"):format(call, name,
        table.concat(known, ", ")), level + 1)
    end
    return nil
  end
  if not site_name_ok(site) then
    fail(("%s: option 'site' must be a site's name, not %s"):format(call, check.shown(site)), level + 1)
  end
  if lab.sites and not lab.sites.by[site] then
    local known = {}
    for _, s in ipairs(lab.sites.list) do known[#known + 1] = s.name end
    fail(("%s: site '%s' of '%s' is not one of the sites (%s)"):format(call, site, name, table.concat(known, ", ")),
      level + 1)
  end
  return site
end

-- is x (a node, the host, a bridge) built on this machine?
function M.here(lab, x)
  if not lab.sites then return true end
  if x.is_host then return true end
  if x.is_bridge then return x.made == true end
  return x.site == lab.site
end

-- the namespace stand-in of a node of another site: every method is done there, not here
local any_ns  -- a real handle: which keys are methods
local remote_ns_mt = {
  __index = function(t, k)
    any_ns = any_ns or netns.host()
    if type(any_ns[k]) ~= "function" then return nil end
    local f = function() return ELSEWHERE end
    rawset(t, k, f)
    return f
  end,
  __tostring = function(t) return "netns on site " .. t.site end,
}

function M.remote_ns(site)
  return setmetatable({ site = site, remote = true }, remote_ns_mt)
end

---------------------------------------------------------------------------
-- links between sites: a VXLAN made in the underlay, born in the node's namespace

local function new_vxlan(lab, id, key, name, into, remote, extra)
  local S = lab.sites
  local opts = { id = id, port = S.port, ["local"] = S.here.addr, remote = remote, ns = into,
    mtu = S.mtu, address = mac_of(lab.name .. "/" .. key .. "/" .. S.here.name) }
  for k, v in pairs(extra or {}) do opts[k] = v end
  S.underlay:link_add(name, "vxlan", opts)
  return id
end

-- lab:link(a, b) where a and b are on different sites, one of them here (or neither: nothing
-- to make, but names and addresses are booked as on the sites that make it). Returns the link.
function M.link(lab, a, b, opts, addrs_a, addrs_b, links)
  local S = lab.sites
  local pair = a.name .. "|" .. b.name
  S.pairs[pair] = (S.pairs[pair] or 0) + 1
  local key = ("link/%s/%s/%d"):format(a.name, b.name, S.pairs[pair])
  local name_a = opts.names and opts.names[1] or lab:_ifname(a)
  local name_b = opts.names and opts.names[2] or lab:_ifname(b)
  local near, far, dev, addrs, far_addrs, far_dev
  if M.here(lab, a) then
    near, far, dev, addrs, far_dev, far_addrs = a, b, name_a, addrs_a, name_b, addrs_b
  elseif M.here(lab, b) then
    near, far, dev, addrs, far_dev, far_addrs = b, a, name_b, addrs_b, name_a, addrs_a
  end
  local id, tunnel = vni(S, lab, key), nil
  if near then
    local remote = S.by[far.site]
    new_vxlan(lab, id, key, dev, near.ns, remote.addr)
    near.ns:link_set(dev, { up = true, alias = alias(near.name, far.name),
      addrgenmode = near.ipv6 == false and "none" or nil })
    for _, p in ipairs(addrs) do near.ns:addr_add(dev, p) lab:_claim(p, near, dev) end
    for _, p in ipairs(far_addrs) do lab:_claim(p, far, far_dev) end
    for _, p in ipairs(addrs) do
      if p:find(":", 1, true) then near.ns:addr_wait(dev) break end
    end
    S.tunnels[#S.tunnels + 1] = { key = key, vni = id, port = S.port, ["local"] = S.here.addr,
      remote = remote.addr, remote_site = remote.name, node = near.name, dev = dev, mtu = S.mtu }
    tunnel = S.tunnels[#S.tunnels]
  else
    for _, p in ipairs(addrs_a) do lab:_claim(p, a, name_a) end
    for _, p in ipairs(addrs_b) do lab:_claim(p, b, name_b) end
  end
  local link = links.new(lab, { a = a, b = b, dev_a = name_a, dev_b = name_b })
  link.a_node = M.here(lab, a) and a or { remote = true, ns = M.remote_ns(a.site), name = a.name }
  link.b_node = M.here(lab, b) and b or { remote = true, ns = M.remote_ns(b.site), name = b.name }
  link.vni, link.cross, link.tunnel = id, true, tunnel
  return link
end

---------------------------------------------------------------------------
-- bridges: a copy on each site that has a port on it; the copies are joined by one VXLAN each,
-- which floods to every other site of the bridge (head-end replication: no multicast needed)

-- make the bridge's copy here, once
function M.make_bridge(lab, br)
  if br.made then return end
  br.made = true
  lab:_make_bridge(br)
end

-- site joins bridge br: the copy here gets its tunnel and a flood entry for every other site;
-- ports made before the bridge spanned sites get the tunnel's MTU (nothing is fragmented)
function M.span(lab, br, site)
  local S = lab.sites
  br.sites = br.sites or {}
  if not br.sites[site] then
    br.sites[site] = true
    br.site_order = br.site_order or {}
    br.site_order[#br.site_order + 1] = site
  end
  if not br.vni and #br.site_order > 1 then br.vni = vni(S, lab, "bridge/" .. br.name) end
  if not br.made or #br.site_order < 2 then return end
  local host = lab.host.ns
  if not br.vxlan then
    br.vxlan = short_name(br.name, "vx")
    new_vxlan(lab, br.vni, "bridge/" .. br.name, br.vxlan, host, nil, { group = lab.group, learning = true })
    lab:_record("bridge", br.vxlan)
    lab.host_names[br.vxlan] = true
    br.flood = {}
    for _, l in ipairs(lab.links) do
      if l.b == br and M.here(lab, l.a) then
        l.a_node.ns:link_set(l.dev_a, { mtu = S.mtu })
        host:link_set(l.dev_b, { mtu = S.mtu })
      end
    end
    host:link_set(br.name, { mtu = S.mtu })
    S.tunnels[#S.tunnels + 1] = { key = "bridge/" .. br.name, vni = br.vni, port = S.port,
      ["local"] = S.here.addr, bridge = br.name, dev = br.vxlan, mtu = S.mtu, remotes = {} }
    br.tunnel = S.tunnels[#S.tunnels]
  end
  for _, s in ipairs(br.site_order) do
    if s ~= S.here.name and not br.flood[s] then
      host:fdb_append { dev = br.vxlan, dst = S.by[s].addr }
      br.flood[s] = true
      local r = br.tunnel.remotes
      r[#r + 1] = { site = s, address = S.by[s].addr }
    end
  end
  -- up once it has somewhere to flood: a frame sent out of a vxlan with no entry at all was
  -- seen to keep later floods from leaving, entries or not
  if not br.vxlan_up then
    host:link_set(br.vxlan, { master = br.name, up = true, addrgenmode = "none" })
    br.vxlan_up = true
  end
end

-- a link that is all elsewhere: its names and addresses are booked as on the site that makes it
local function link_elsewhere(lab, a, b, to_bridge, opts, addrs_a, addrs_b, links)
  local name_a = opts.names and opts.names[1] or (not a.is_host and lab:_ifname(a)) or nil
  local name_b = opts.names and opts.names[2] or (not to_bridge and not b.is_host and lab:_ifname(b)) or nil
  for _, p in ipairs(addrs_a) do lab:_claim(p, a, name_a) end
  for _, p in ipairs(addrs_b) do lab:_claim(p, b, name_b) end
  local link = links.new(lab, { a = a, b = b, dev_a = name_a or "?", dev_b = name_b or "?" })
  link.a_node = { remote = true, ns = M.remote_ns(a.site or "?"), name = a.name }
  link.b_node = { remote = true, ns = M.remote_ns(b.site or "?"), name = b.name }
  link.elsewhere = true
  return link
end

-- lab:link in a lab over several machines: the link when it is not (only) this site's to make
-- as usual (made elsewhere, or across sites), else nil; a bridge gets its copy here and spans
-- the sites of its ports
function M.lab_link(lab, a, b, to_bridge, opts, addrs_a, addrs_b, level)
  local links = require "netlab.links"
  local here = lab.site
  if to_bridge then
    local site = a.is_host and b.site or a.site
    if a.is_host and not site then
      fail(("link: the lab's host is each site's own: give bridge %s a site (lab:bridge(name, { site = ... })) "
        .. "to say whose host joins it"):format(b.name), level + 1)
    end
    if site == here then M.make_bridge(lab, b) end
    M.span(lab, b, site)
    if site == here then return nil end
    return link_elsewhere(lab, a, b, to_bridge, opts, addrs_a, addrs_b, links)
  end
  local site_a = a.is_host and b.site or a.site
  local site_b = b.is_host and a.site or b.site
  if site_a == site_b then
    if site_a == here then return nil end
    return link_elsewhere(lab, a, b, to_bridge, opts, addrs_a, addrs_b, links)
  end
  return M.link(lab, a, b, opts, addrs_a, addrs_b, links)
end

---------------------------------------------------------------------------
-- readiness: every site's lab host answers on the probe tunnel once that site has built

local function probe_addr(site) return PROBE_NET .. site.index end

-- the probe tunnel here (once): made when this site reaches its first expectation or the end of
-- its build, so an answer from a site says it got as far
local function probe_up(lab)
  local S = lab.sites
  if S.probe or #S.list < 2 then return end
  local host = lab.host.ns
  new_vxlan(lab, S.probe_vni, "sites", PROBE_DEV, host, nil, { group = lab.group })
  for _, s in ipairs(S.list) do
    if s ~= S.here then host:fdb_append { dev = PROBE_DEV, dst = s.addr } end
  end
  lab:_record("bridge", PROBE_DEV)
  host:link_set(PROBE_DEV, { up = true, addrgenmode = "none" })
  host:addr_add(PROBE_DEV, probe_addr(S.here) .. "/24")
  S.probe = true
end

-- this site has built: the others may see it (the end of the script, when no check came before)
function M.built(lab)
  if lab.sites then probe_up(lab) end
end

-- the sites that answer (within timeout each), and those that do not, from the namespace ns
-- that holds the probe tunnel (ls asks from outside, with the description's list)
function M.answers(ns, list, here, timeout)
  local yes, no = {}, {}
  for i, s in ipairs(list) do
    if s.name ~= here then
      local ok = ns:ping(s.probe or PROBE_NET .. i, { timeout = timeout })
      if ok then yes[#yes + 1] = s.name else no[#no + 1] = s.name end
    end
  end
  return yes, no
end

-- wait until every other site answers (seconds); raises naming those that did not
function M.wait(lab, seconds)
  local S = lab.sites
  if not S or #S.list < 2 then return end
  probe_up(lab)
  if S.all_answered then return end
  local deadline = netns.clock() + seconds
  local no
  repeat
    local _
    _, no = M.answers(lab.host.ns, S.list, S.here.name, 0.3)
    if #no == 0 then S.all_answered = true return end
  until netns.clock() >= deadline
  error(("netlab: site%s %s did not answer within %gs over VXLAN (UDP port %d) from %s: is netlab up "
    .. "running there with this script, and does the underlay pass UDP %d?"):format(#no > 1 and "s" or "",
    table.concat(no, ", "), seconds, S.port, S.here.addr, S.port), 0)
end

-- after the script: this site has built; with --wait-sites, the others too
function M.ready(lab)
  if not lab.sites then return end
  M.built(lab)
  if lab.wait_sites then M.wait(lab, lab.wait_sites) end
end

-- netlab ls's line for a lab over several machines: which other sites answer now
function M.ls_line(d, host_netns, say)
  local ok, yes, no = check.protect(function()
    local ns = netns.open_path(host_netns)
    local y, n = M.answers(ns, d.sites, d.here, 0.3)
    ns:close()
    return y, n
  end)
  if not ok then say("  site %s: the other sites' answers unknown (%s)", d.here, tostring(yes)) return end
  say("  site %s of %d, VXLAN port %d: %s%s", d.here, #d.sites, d.port,
    #yes > 0 and (table.concat(yes, ", ") .. " answer") or "",
    #no > 0 and ((#yes > 0 and "; " or "") .. table.concat(no, ", ") .. " do not answer") or "")
end

-- the description's part: this machine's site, every site, the tunnels made here
function M.describe(lab)
  local S = lab.sites
  if not S then return nil end
  local list = {}
  for _, s in ipairs(S.list) do
    list[#list + 1] = { name = s.name, address = s.addr, probe = #S.list > 1 and probe_addr(s) or nil }
  end
  local tunnels = {}
  for _, t in ipairs(S.tunnels) do
    tunnels[#tunnels + 1] = { vni = t.vni, port = t.port, ["local"] = t["local"], remote = t.remote,
      remote_site = t.remote_site, remotes = t.remotes, node = t.node, bridge = t.bridge, dev = t.dev, mtu = t.mtu }
  end
  return { here = S.here.name, sites = list, port = S.port, mtu = S.mtu, underlay_mtu = S.underlay_mtu,
    overhead = S.underlay_mtu - S.mtu, tunnels = tunnels }
end

M.PROBE_DEV = PROBE_DEV

return M
