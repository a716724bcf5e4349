-- netlab.describe: a lab as the kernel has it (interfaces, addresses, routes, bridges, links), and as JSON for other programs.
local json = require "dkjson"
local vlans = require "netlab.vlans"

local M = {}

local KIND_FIELDS = { "vlan", "macvlan", "ipvlan", "vxlan", "vrf", "bond", "tunnel", "bridge", "wireguard" }

local function interfaces(ns)
  local addrs = {}
  for _, a in ipairs(ns:addrs()) do
    local list = addrs[a.dev] or {}
    addrs[a.dev] = list
    list[#list + 1] = ("%s/%d"):format(a.address, a.prefix)
  end
  local out = {}
  for _, l in ipairs(ns:links()) do
    if l.name ~= "lo" then
      local i = {
        name = l.name, kind = l.kind, mac = l.address, mtu = l.mtu, up = l.up,
        master = l.master, alias = l.alias, addresses = addrs[l.name] or {},
      }
      -- a kind's own settings, as links() reads them back (a VLAN's id, a tunnel's ends ...)
      for _, k in ipairs(KIND_FIELDS) do i[k] = l[k] end
      out[#out + 1] = i
    end
  end
  return out
end

local function routes(ns)
  local out = {}
  for _, r in ipairs(ns:routes()) do
    if not (r.family == "inet6" and r.dst:match("^fe80:")) then
      out[#out + 1] = { dst = r.dst, via = r.via, dev = r.dev, metric = r.metric,
        family = r.family, proto = r.proto, scope = r.scope, table = r.table }
    end
  end
  return out
end

-- lab(lab, path_of [, extra]): the description, a plain table; path_of(name)
-- is the namespace path other programs open (nsenter --net=, setns), name
-- nil for the lab's host; extra's fields are added at the top
function M.lab(lab, path_of, extra, sites)
  local d = { name = lab.name, nodes = {}, bridges = {}, links = {}, seed = lab.seed, sites = sites }
  for k, v in pairs(extra or {}) do d[k] = v end
  local host = lab.host.ns
  d.host = { netns = path_of(nil), interfaces = interfaces(host), routes = routes(host) }
  for _, node in ipairs(lab.node_list) do
    -- a node of another site: its name and site (that site's description has the rest)
    d.nodes[#d.nodes + 1] = node.remote and { name = node.name, site = node.site, interfaces = {}, routes = {} } or {
      name = node.name, netns = path_of(node.name), site = node.site,
      interfaces = interfaces(node.ns), routes = routes(node.ns),
    }
  end
  local names = {}
  for name in pairs(lab.bridges) do names[#names + 1] = name end
  table.sort(names)
  for _, name in ipairs(names) do
    local br = host:link(name)
    local ports = {}
    for _, l in ipairs(host:links()) do
      if l.master == name then ports[#ports + 1] = l.name end
    end
    local addrs = {}
    for _, a in ipairs(host:addrs(name)) do addrs[#addrs + 1] = ("%s/%d"):format(a.address, a.prefix) end
    local b = lab.bridges[name]
    local spans
    if b.site_order and #b.site_order > 1 then spans = { table.unpack(b.site_order) } table.sort(spans) end
    d.bridges[#d.bridges + 1] = { name = name, mac = br and br.address, ports = ports, addresses = addrs,
      vlan_filtering = br and br.bridge and br.bridge.vlan_filtering or nil,
      site = b.site, here = lab.sites and (b.made or false) or nil, sites = spans, vni = spans and b.vni or nil }
  end
  for _, l in ipairs(lab.links) do
    local b = l.b.is_bridge and { bridge = l.b.name, dev = l.dev_b }
      or { node = l.b.is_host and "host" or l.b.name, dev = l.dev_b }
    local e = l.emulation
    local emulation = e and (next(e.a_to_b) or next(e.b_to_a)) and { a_to_b = e.a_to_b, b_to_a = e.b_to_a } or nil
    local a = l.a.is_bridge and { bridge = l.a.name, dev = l.dev_a }
      or { node = l.a.is_host and "host" or l.a.name, dev = l.dev_a }
    -- a port of a VLAN-aware bridge: its VLANs as the kernel has them (a trunk's ends alike)
    local port = not l.elsewhere and (l.b.is_bridge and l.b.vlan_filtering or l.a.is_bridge and l.a.vlan_filtering)
      and vlans.port(host, l.b.is_bridge and l.dev_b or l.dev_a) or nil
    a.site, b.site = l.a.site, l.b.site
    d.links[#d.links + 1] = { a = a, b = b, emulation = emulation, down = l.is_down or nil, vlans = port,
      vni = l.vni, elsewhere = l.elsewhere, tunnel = l.tunnel and { vni = l.tunnel.vni, port = l.tunnel.port,
        ["local"] = l.tunnel["local"], remote = l.tunnel.remote, remote_site = l.tunnel.remote_site, mtu = l.tunnel.mtu } }
  end
  for _, t in ipairs(lab.tunnels or {}) do
    d.tunnels = d.tunnels or {}
    d.tunnels[#d.tunnels + 1] = {
      kind = t.kind, id = t.id, port = t.port, key = t.key, behind_nat = t.nat,
      a = { node = t.a.name, dev = t.dev_a, underlay = t.underlay[1], public_key = t.public_keys and t.public_keys[1] },
      b = { node = t.b.name, dev = t.dev_b, underlay = t.underlay[2], public_key = t.public_keys and t.public_keys[2] },
    }
  end
  -- the services, as they are now (pid as this machine's process list shows it)
  for _, s in ipairs(lab.procs) do
    d.services = d.services or {}
    d.services[#d.services + 1] = { node = s.node.name, name = s.name, argv = s.argv, pid = s.proc.pid,
      running = s.proc:alive() }
  end
  return d
end

-- every string key anywhere in v, sorted: dkjson writes the keys it is
-- given in that order, so the output is the same from run to run
local function all_keys(v, set)
  if type(v) == "table" then
    for k, x in pairs(v) do
      if type(k) == "string" then set[k] = true end
      all_keys(x, set)
    end
  end
  return set
end

-- json(d): the description as indented JSON text, keys sorted
function M.json(d)
  local order = {}
  for k in pairs(all_keys(d, {})) do order[#order + 1] = k end
  table.sort(order)
  return json.encode(d, { indent = true, keyorder = order }) .. "\n"
end

return M
