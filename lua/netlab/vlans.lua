-- netlab.vlans: VLAN-aware bridges in a lab: a bridge's vlan_filtering, a port's VLANs (access, trunk), trunks between two bridges.
--
-- lab:bridge(name, { vlan_filtering = true }) makes a bridge that forwards by VLAN. A link to it
-- takes the port's VLANs:
--   vlans    = { 10, 20 }   the VLANs the port carries tagged
--   pvid     = 10           the VLAN untagged frames that come in get (the port is its member)
--   untagged = { 10 }|true  the VLANs sent out untagged (true: the pvid)
-- An access port is { pvid = 10, untagged = true }, a trunk { vlans = { 10, 20 } }. A port given
-- any of them is in those VLANs only: the kernel's default (VLAN 1, PVID, untagged) goes. A link
-- without them keeps the kernel's default. lab:link(br1, br2, { vlans = ... }) is a veth in the
-- lab's host between two bridges, both ends with the same VLANs.
local check = require "netlab.check"
local node = require "netlab.node"

local set, fail, shown = check.set, check.fail, check.shown

local M = {}

M.BRIDGE_OPTS = set("vlan_filtering", "site")
M.LINK_KEYS = { "vlans", "pvid", "untagged" }

local VID_MAX = 4094

-- lab:bridge's options, checked; the link_add options they add
function M.bridge_opts(opts, level)
  check.arg("bridge", "option 'vlan_filtering'", opts.vlan_filtering, "boolean", level + 1, true)
  return opts.vlan_filtering and { vlan_filtering = true } or {}
end

local function is_vid(v)
  return math.type(v) == "integer" and v >= 1 and v <= VID_MAX
end

-- a list of VLAN ids (or one), checked: sorted, each once
local function vid_list(what, v, level)
  local list = type(v) == "table" and v or { v }
  if type(v) ~= "table" and not is_vid(v) or type(v) == "table" and #v == 0 then
    fail(("link: option '%s' must be a VLAN id (an integer in 1..%d) or a list of them, not %s")
      :format(what, VID_MAX, shown(v)), level + 1)
  end
  local seen, out = {}, {}
  for _, x in ipairs(list) do
    if not is_vid(x) then
      fail(("link: option '%s' holds %s, not a VLAN id (an integer in 1..%d)"):format(what, shown(x), VID_MAX), level + 1)
    end
    if not seen[x] then seen[x] = true out[#out + 1] = x end
  end
  table.sort(out)
  return out
end

-- the VLAN settings of lab:link(a, b, opts), checked: nil when it has none; raises at the
-- user's line (level frames above the caller)
function M.plan(a, b, opts, level)
  if opts.vlans == nil and opts.pvid == nil and opts.untagged == nil then return nil end
  local bridges = {}
  for _, x in ipairs { a, b } do
    if type(x) == "table" and x.is_bridge then bridges[#bridges + 1] = x end
  end
  if #bridges == 0 then
    fail("link: options 'vlans', 'pvid' and 'untagged' are for a link to a VLAN-aware bridge, not between two nodes", level + 1)
  end
  local p = { tagged = opts.vlans ~= nil and vid_list("vlans", opts.vlans, level + 1) or {} }
  if opts.pvid ~= nil then
    if not is_vid(opts.pvid) then
      fail(("link: option 'pvid' must be a VLAN id (an integer in 1..%d), not %s"):format(VID_MAX, shown(opts.pvid)), level + 1)
    end
    p.pvid = opts.pvid
  end
  local member = {}
  for _, v in ipairs(p.tagged) do member[v] = true end
  if p.pvid then member[p.pvid] = true end
  p.untagged = {}
  if opts.untagged == true then
    if not p.pvid then fail("link: option 'untagged' = true means the pvid, and there is no option 'pvid'", level + 1) end
    p.untagged[p.pvid] = true
  elseif opts.untagged ~= nil and opts.untagged ~= false then
    for _, v in ipairs(vid_list("untagged", opts.untagged, level + 1)) do
      if not member[v] then
        fail(("link: untagged VLAN %d is not a member of the port (option 'vlans' or 'pvid')"):format(v), level + 1)
      end
      p.untagged[v] = true
    end
  end
  p.member = member
  for _, br in ipairs(bridges) do
    if not br.vlan_filtering then
      fail(("link: bridge %s filters no VLANs: make it with lab:bridge(%q, { vlan_filtering = true })")
        :format(br.name, br.name), level + 1)
    end
  end
  return p
end

-- the port dev of the lab's host in exactly the VLANs of plan p: those it has that p has not go
-- (the kernel's VLAN 1), then p's, grouped by flags (tagged, untagged, the pvid): a few requests
function M.apply(lab, p, dev)
  local host = lab.host.ns
  local stale = {}
  for _, d in ipairs(host:bridge_vlans(dev)) do
    for _, v in ipairs(d.vlans) do
      if not p.member[v.vlan] then stale[#stale + 1] = v.vlan end
    end
  end
  if #stale > 0 then host:bridge_vlan_del(dev, stale) end
  local tagged, untagged = {}, {}
  for v in pairs(p.member) do
    if v ~= p.pvid then
      local list = p.untagged[v] and untagged or tagged
      list[#list + 1] = v
    end
  end
  table.sort(tagged)
  table.sort(untagged)
  if #tagged > 0 then host:bridge_vlan_add(dev, tagged) end
  if #untagged > 0 then host:bridge_vlan_add(dev, untagged, { untagged = true }) end
  if p.pvid then host:bridge_vlan_add(dev, p.pvid, { pvid = true, untagged = p.untagged[p.pvid] or nil }) end
end

local alias = require("netlab.names").alias

-- lab:link(br1, br2, opts): a veth in the lab's host, one end a port of each bridge, named after
-- the bridge at the other end; both ends get the VLANs of opts. The end made first is in the
-- lab's link group: teardown deletes it, and with it its peer.
function M.link_bridges(lab, a, b, opts, level)
  if not (type(b) == "table" and b.is_bridge) then
    local what = type(b) == "table" and b.ns and ("node " .. tostring(b.name)) or shown(b)
    fail("link: a link from a bridge goes to another bridge, not " .. what, level + 1)
  end
  if a == b then fail("link: both ends are " .. a.name, level + 1) end
  for _, x in ipairs { a, b } do
    if x.lab ~= lab then fail(("link: %s is of lab %s, not of lab %s"):format(x.name, x.lab.name, lab.name), level + 1) end
  end
  for k in pairs(opts) do
    if k ~= "names" and k ~= "vlans" and k ~= "pvid" and k ~= "untagged" then
      fail(("link: option '%s' is not for a link between two bridges"):format(k), level + 1)
    end
  end
  if opts.names ~= nil and not (type(opts.names) == "table" and type(opts.names[1]) == "string"
      and type(opts.names[2]) == "string") then
    fail("link: option 'names' must be { name_a, name_b }, two strings", level + 1)
  end
  local p = M.plan(a, b, opts, level + 1)
  local host = lab.host.ns
  local name_a = opts.names and opts.names[1] or lab:_ifname(b, "host")
  local name_b = opts.names and opts.names[2] or lab:_ifname(a, "host")
  lab.host_names[name_a], lab.host_names[name_b] = true, true
  -- no IPv6 on a port: addrgenmode none before it comes up
  node.atomic(function()
    host:link_add(name_a, "veth", { peer = name_b, master = a.name, alias = alias(a.name, b.name), group = lab.group })
    lab:_record("hostend", name_a, { pair = true })
    lab:_record("hostend", name_b, { pair = true })
  end)
  host:link_set(name_b, { master = b.name, alias = alias(b.name, a.name), addrgenmode = "none" })
  host:link_set(name_a, { addrgenmode = "none" })
  if p then
    M.apply(lab, p, name_a)
    M.apply(lab, p, name_b)
  end
  host:link_set(name_a, { up = true, wait = false })
  host:link_set(name_b, { up = true })  -- waits for both ends
  host:link_wait(a.name)
  host:link_wait(b.name)
  local link = require("netlab.links").new(lab, { a = a, b = b, dev_a = name_a, dev_b = name_b })
  lab.links[#lab.links + 1] = link
  return link
end

-- what the kernel has on port dev of the lab's host, as lab:link takes it: { vlans = the
-- members but the pvid, pvid =, untagged = { ... } }; nil when the port has no VLANs
function M.port(host, dev)
  local d = host:bridge_vlans(dev)[1]
  if not d or #d.vlans == 0 then return nil end
  local out = { vlans = {}, untagged = {} }
  for _, v in ipairs(d.vlans) do
    if v.pvid then out.pvid = v.vlan else out.vlans[#out.vlans + 1] = v.vlan end
    if v.untagged then out.untagged[#out.untagged + 1] = v.vlan end
  end
  if #out.vlans == 0 then out.vlans = nil end
  if #out.untagged == 0 then out.untagged = nil end
  return out
end

-- a short label of a port's VLANs (M.port's): "vlan 10" for an access port, "10,20" (and the
-- pvid) for the rest
function M.label(v)
  if not v then return nil end
  if not v.vlans and v.pvid then return "vlan " .. v.pvid end
  local all, seen = {}, {}
  for _, list in ipairs { v.vlans or {}, v.untagged or {}, { v.pvid } } do
    for _, x in ipairs(list) do
      if not seen[x] then seen[x] = true all[#all + 1] = x end
    end
  end
  table.sort(all)
  local s = table.concat(all, ",")
  if v.pvid then s = s .. " pvid " .. v.pvid end
  return s
end

return M
