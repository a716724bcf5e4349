-- netlab.tunnels: lab:tunnel(a, b, { kind = ... }): both ends of a tunnel between two nodes, over
-- the addresses the lab already gave them (the underlay), with inner addresses and the networks
-- behind each end routed through it.
local netns = require "netns"
local check = require "netlab.check"
local kinds = require "netlab.kinds"
local diagnose = require "netlab.diagnose"

local set, shown = check.set, check.shown
local own_node, core, addresses, add_addresses, device_name =
  kinds.own_node, kinds.core, kinds.addresses, kinds.add_addresses, kinds.device_name

local M = {}

local function fail(msg, level)
  check.fail(msg, level + 1)
end

-- per kind: the underlay's family, the base of the device names (index 0 of the tunnel kinds is
-- the fallback device the module makes in every namespace), the kind's own options
local KINDS = {
  gre = { family = "inet", base = "gre", from = 1, opts = set("key", "ttl") },
  gretap = { family = "inet", base = "gretap", from = 1, opts = set("key", "ttl") },
  ipip = { family = "inet", base = "ipip", from = 1, opts = set("ttl") },
  sit = { family = "inet", base = "sit", from = 1, opts = set("ttl") },
  ip6gre = { family = "inet6", base = "ip6gre", from = 1, opts = set("key", "ttl") },
  ip6tnl = { family = "inet6", base = "ip6tnl", from = 1, opts = set("ttl") },
  vxlan = { family = "inet", base = "vxlan", from = 0, opts = set("id", "port", "ttl") },
  wireguard = { family = "inet", base = "wg", from = 0, opts = set("port", "keepalive") },
}
local KIND_NAMES = { "gre", "gretap", "ipip", "sit", "ip6gre", "ip6tnl", "vxlan", "wireguard" }
local COMMON = set("kind", "addr", "names", "underlay", "networks", "mtu")

local fnv = require("netlab.names").fnv

---------------------------------------------------------------------------
-- the underlay: which of a's and b's addresses each end uses

-- the route of node's main table that reaches addr (the longest prefix), or nil
local function route_to(node, addr, family)
  return diagnose.route_to(node.ns, addr, family)
end

-- node's address of family on dev (the source it sends from over that route)
local function source_on(node, dev, family)
  for _, a in ipairs(node:addresses(family)) do
    if a.dev == dev then return a.address end
  end
  return nil
end

-- { a = address a sends from, b = address b sends from, a_reaches_b =, b_reaches_a = }: the first
-- of b's addresses a has a route to, and a's address on that route; whether b reaches it back
local function find_underlay(a, b, family)
  local best
  for _, y in ipairs(b:addresses(family)) do
    local r = route_to(a, y.address, family)
    local x = r and source_on(a, r.dev, family)
    if x then
      local back = route_to(b, x, family)
      local u = { a = x, b = y.address, a_reaches_b = true, b_reaches_a = back ~= nil }
      if u.b_reaches_a then return u end
      best = best or u
    end
  end
  return best
end

-- the underlay of opts.underlay ({ a's address, b's address }) or found; raises naming what is missing
local function underlay(a, b, kind, opts, level)
  local family = KINDS[kind].family
  if opts.underlay ~= nil then
    local u = opts.underlay
    if type(u) ~= "table" or type(u[1]) ~= "string" or type(u[2]) ~= "string" then
      fail("tunnel: option 'underlay' must be { a's address, b's address }, two strings, not " .. shown(u), level + 1)
    end
    for _, x in ipairs { u[1], u[2] } do
      local p, why = netns.prefix(x)
      if not p then fail("tunnel: option 'underlay': " .. why, level + 1) end
      if p.family ~= family then
        fail(("tunnel: option 'underlay': a %s runs over %s, and '%s' is not"):format(kind,
          family == "inet" and "IPv4" or "IPv6", x), level + 1)
      end
    end
    return { a = u[1], b = u[2], a_reaches_b = true, b_reaches_a = true }
  end
  local u = find_underlay(a, b, family)
  if not u then
    -- only b reaches a: the same search from b's side, the roles swapped back
    local r = find_underlay(b, a, family)
    if r then u = { a = r.b, b = r.a, a_reaches_b = r.b_reaches_a, b_reaches_a = true } end
  end
  if not u then
    fail(("tunnel: no underlay for a %s between %s and %s: neither has a route to an %s address of the other "
      .. "(link them first, or give option 'underlay')"):format(kind, a.name, b.name,
      family == "inet" and "IPv4" or "IPv6"), level + 1)
  end
  if not (u.a_reaches_b and u.b_reaches_a) and kind ~= "wireguard" then
    local from, to = u.a_reaches_b and b or a, u.a_reaches_b and a or b
    fail(("tunnel: a %s needs each end to reach the other, and %s has no route to %s's %s (behind NAT? "
      .. "only a wireguard tunnel crosses it)"):format(kind, from.name, to.name,
      u.a_reaches_b and u.a or u.b), level + 1)
  end
  return u
end

---------------------------------------------------------------------------
-- checks of the options

local function kind_of(opts, level)
  local kind = opts.kind
  if kind == nil then
    fail("tunnel: option 'kind' is required: one of " .. table.concat(KIND_NAMES, ", "), level + 1)
  end
  if not KINDS[kind] then
    fail(("tunnel: option 'kind' must be one of %s, not %s"):format(table.concat(KIND_NAMES, ", "), shown(kind)), level + 1)
  end
  return kind
end

-- the option pairs { for a, for b } (names, addr, networks): each a value or a list
local function pair(opts, key, level)
  local v = opts[key]
  if v == nil then return {} end
  local ok = type(v) == "table" and (v[1] ~= nil or v[2] ~= nil)
  for k in pairs(type(v) == "table" and v or {}) do ok = ok and (k == 1 or k == 2) end
  if not ok then
    fail(("tunnel: option '%s' must be { a's, b's } (false or {} for none), not %s"):format(key, shown(v)), level + 1)
  end
  return { v[1] or nil, v[2] or nil }
end

-- the networks behind one end: prefixes (routed through the tunnel at the other end)
local function networks(x, who, level)
  if x == nil then return {} end
  local list = type(x) == "string" and { x } or x
  if type(list) ~= "table" then
    fail(("tunnel: option 'networks' of %s must be a prefix or a list of them, not %s"):format(who, shown(x)), level + 1)
  end
  for _, p in ipairs(list) do
    local ok, why = netns.prefix(type(p) == "string" and p or "")
    if not ok then fail(("tunnel: option 'networks' of %s: %s"):format(who, why or shown(p)), level + 1) end
  end
  return list
end

-- a prefix's host route form: the inner address a wireguard peer is allowed to send from
local function host_prefix(p)
  local ok = netns.prefix(p)
  return ("%s/%d"):format(ok.address, ok.family == "inet" and 32 or 128)
end

---------------------------------------------------------------------------
-- the ends

-- the link_add options of each end of kind (not wireguard)
local function plain_ends(lab, a, b, kind, opts, u, names)
  local common = { mtu = opts.mtu, up = true }
  local function opts_for(lcl, rmt)
    local o = { ["local"] = lcl, remote = rmt }
    for k, v in pairs(common) do o[k] = v end
    if kind == "vxlan" then
      -- the same VNI on both ends, from the lab and the nodes when not given
      o.id = opts.id or (fnv(("%s/%s/%s/%s"):format(lab.name, a.name, b.name, names[1])) % 16777214 + 1)
      o.port, o.ttl, o.remote = opts.port or 4789, opts.ttl, rmt
    else
      o.key, o.ttl = opts.key, opts.ttl
    end
    return o
  end
  return opts_for(u.a, u.b), opts_for(u.b, u.a)
end

-- the link_add options of each end of a wireguard: a key pair each, the other as the one peer,
-- with an endpoint where it can be reached; an end behind NAT keeps the way open
local function wireguard_ends(a, b, opts, u, inner, nets)
  local port = opts.port or 51820
  local keys = {}
  for i = 1, 2 do
    local priv = netns.wg_genkey()
    keys[i] = { private = priv, public = netns.wg_pubkey(priv) }
  end
  local function peer(i, reach, endpoint_addr, behind_nat)
    local allowed = {}
    for _, p in ipairs(inner[i]) do allowed[#allowed + 1] = host_prefix(p) end
    for _, p in ipairs(nets[i]) do allowed[#allowed + 1] = p end
    local ep = reach and (endpoint_addr:find(":") and ("[%s]:%d") or "%s:%d"):format(endpoint_addr, port) or nil
    return { public_key = keys[i].public, endpoint = ep, allowed_ips = allowed,
      persistent_keepalive = behind_nat and (opts.keepalive or 25) or opts.keepalive }
  end
  local ea = { private_key = keys[1].private, listen_port = port, mtu = opts.mtu, up = true,
    peers = { peer(2, u.a_reaches_b, u.b, not u.b_reaches_a) } }
  local eb = { private_key = keys[2].private, listen_port = port, mtu = opts.mtu, up = true,
    peers = { peer(1, u.b_reaches_a, u.a, not u.a_reaches_b) } }
  return ea, eb, keys
end

local TUNNEL_OPTS = {}
for k in pairs(COMMON) do TUNNEL_OPTS[k] = true end
for _, d in pairs(KINDS) do for k in pairs(d.opts) do TUNNEL_OPTS[k] = true end end

local function lab_tunnel(lab, a, b, opts)
  own_node(lab, "tunnel", "the first end", a, 3)
  own_node(lab, "tunnel", "the second end", b, 3)
  if a == b then fail("tunnel: both ends are " .. a.name, 3) end
  opts = check.options("tunnel", opts, TUNNEL_OPTS, 3)
  local kind = kind_of(opts, 3)
  for k in pairs(opts) do
    if not COMMON[k] and not KINDS[kind].opts[k] then
      fail(("tunnel: option '%s' is not an option of %s %s tunnel"):format(k,
        kind:match("^[aeiou]") and "an" or "a", kind), 3)
    end
  end
  local addr, names, nets = pair(opts, "addr", 3), pair(opts, "names", 3), pair(opts, "networks", 3)
  local inner = { addresses(lab, "tunnel", "option 'addr' of " .. a.name, addr[1], a, 3),
    addresses(lab, "tunnel", "option 'addr' of " .. b.name, addr[2], b, 3) }
  nets = { networks(nets[1], a.name, 3), networks(nets[2], b.name, 3) }
  local u = underlay(a, b, kind, opts, 3)
  local d = KINDS[kind]
  names = { device_name("tunnel", a, names[1], d.base, 3, d.from), device_name("tunnel", b, names[2], d.base, 3, d.from) }
  local oa, ob, keys
  if kind == "wireguard" then
    oa, ob, keys = wireguard_ends(a, b, opts, u, inner, nets)
  else
    oa, ob = plain_ends(lab, a, b, kind, opts, u, names)
  end
  -- the first end is checked by the kernel before the second is made; a refusal of the second
  -- takes the first away again. A wireguard end behind NAT starts its handshake the moment it is
  -- made (its keepalive): the other end is made first, to answer it
  local first, second = { a, names[1], oa }, { b, names[2], ob }
  if kind == "wireguard" and u.a_reaches_b and not u.b_reaches_a then first, second = second, first end
  core("tunnel", 3, first[1].ns.link_add, first[1].ns, first[2], kind, first[3])
  local ok, e = check.protect(second[1].ns.link_add, second[1].ns, second[2], kind, second[3])
  if not ok then
    check.protect(first[1].ns.link_del, first[1].ns, first[2])
    core("tunnel", 3, error, e, 0)
  end
  add_addresses(lab, a, names[1], inner[1])
  add_addresses(lab, b, names[2], inner[2])
  -- the networks behind each end, routed into the tunnel at the other
  for i, node in ipairs { a, b } do
    for _, p in ipairs(nets[3 - i]) do node.ns:route_add { dst = p, dev = names[i] } end
  end
  local t = { kind = kind, a = a, b = b, dev_a = names[1], dev_b = names[2], underlay = { u.a, u.b },
    id = oa.id, port = oa.port or oa.listen_port, key = oa.key,
    nat = not (u.a_reaches_b and u.b_reaches_a) and (u.a_reaches_b and a.name or b.name) or nil,
    public_keys = keys and { keys[1].public, keys[2].public } or nil }
  lab.tunnels = lab.tunnels or {}
  lab.tunnels[#lab.tunnels + 1] = t
  return names[1], names[2]
end

function M.install(Lab, method)
  method("tunnel", lab_tunnel)
end

return M
