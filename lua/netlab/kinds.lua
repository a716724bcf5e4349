-- netlab.kinds: the lab's devices besides veth links and bridges: VLAN subinterfaces, VRFs, bonds,
-- loopbacks (dummies), and tunnels between two nodes (gre, gretap, ipip, sit, ip6gre, ip6tnl, vxlan,
-- wireguard) set up from the addresses the lab already gave them.
--
-- Every device here lives in a node's namespace and goes with it at teardown, so nothing is
-- recorded for it; its addresses go in the lab's book like a link's.
local netns = require "netns"
local check = require "netlab.check"
local node_mod = require "netlab.node"

local is_node, set, shown = node_mod.is, check.set, check.shown

local M = {}

local function fail(msg, level)
  check.fail(msg, level + 1)
end

-- a node of lab (not its host: a device there would outlive a --host lab), for call's argument what
local function own_node(lab, call, what, x, level)
  if not is_node(x) then fail(("%s: %s must be a node, not %s"):format(call, what, shown(x)), level + 1) end
  if x.lab ~= lab then
    fail(("%s: %s is of lab %s, not of lab %s"):format(call, x.name, x.lab.name, lab.name), level + 1)
  end
  if x.is_host then
    fail(("%s: %s must be a node; the lab's host keeps only bridges and link ends"):format(call, what), level + 1)
  end
  return x
end

-- f(...), with a refusal of the netns module (bad input: an error value naming an argument) raised
-- at the user's line as the lab's own; kernel failures pass unchanged
local function core(call, level, f, ...)
  local ok, e = check.protect(f, ...)
  if ok then return e end
  if type(e) == "table" and e.code == "EINVAL" and e.object == nil and e.text then
    fail(("%s: %s"):format(call, e.text), level + 1)
  end
  error(e, 0)
end

-- an address option: a prefix or a list of them, checked and free in the lab (a node that pings
-- its own address would "reach" it)
local function addresses(lab, call, what, x, node, level)
  if x == nil then return {} end
  local list = type(x) == "string" and { x } or x
  if type(list) ~= "table" then
    fail(("%s: %s must be an address or a list of them, not %s"):format(call, what, shown(x)), level + 1)
  end
  for _, p in ipairs(list) do
    if type(p) ~= "string" then fail(("%s: %s must hold addresses, not %s"):format(call, what, shown(p)), level + 1) end
    local ok, why = netns.prefix(p)
    if not ok then fail(("%s: %s"):format(call, why), level + 1) end
    if ok.family == "inet6" and node.ipv6 == false then
      fail(("%s: address '%s' is IPv6, but %s was made with ipv6 = false"):format(call, p, node.name), level + 1)
    end
    local holder = lab:_holder(p, node)
    if holder then fail(("%s: address '%s' is already %s"):format(call, p, holder), level + 1) end
  end
  return list
end

local function add_addresses(lab, node, dev, list)
  for _, p in ipairs(list) do
    node.ns:addr_add(dev, p)
    lab:_claim(p, node, dev)
  end
end

-- a device name given by the user, or the first free in the node of base, base1, base2 ... (from
-- nil) or base<from>, base<from+1> ...
local function device_name(call, node, given, base, level, from)
  if given ~= nil then
    if type(given) ~= "string" or given == "" then
      fail(("%s: option 'name' must be a non-empty string, not %s"):format(call, shown(given)), level + 1)
    end
    if node.ns:link(given) then fail(("%s: %s has a device '%s' already"):format(call, node.name, given), level + 1) end
    return given
  end
  local n = from or 0
  while true do
    local name = (n == 0 and not from) and base or (base .. n)
    if #name > 15 then name = base:sub(1, 15 - #tostring(n)) .. n end
    if not node.ns:link(name) then return name end
    n = n + 1
  end
end

local function parent_dev(call, node, dev, level)
  if type(dev) ~= "string" or dev == "" then
    fail(("%s: the parent device must be a device name, not %s"):format(call, shown(dev)), level + 1)
  end
  if not node.ns:link(dev) then
    fail(("%s: %s has no device '%s'"):format(call, node.name, dev), level + 1)
  end
  return dev
end

local function vid(call, what, v, level)
  if math.type(v) ~= "integer" or v < 1 or v > 4094 then
    fail(("%s: %s must be a VLAN id, an integer in 1..4094, not %s"):format(call, what, shown(v)), level + 1)
  end
  return v
end

---------------------------------------------------------------------------
-- lab:vlan(node, parent, id [, opts]): an 802.1Q (or 802.1ad) subinterface of parent in node, up,
-- named parent.id (or vlanID when that is too long); returns its name

local VLAN_OPTS = set("name", "addr", "protocol", "mtu")

local function lab_vlan(lab, node, parent, id, opts)
  own_node(lab, "vlan", "the node", node, 3)
  parent_dev("vlan", node, parent, 3)
  vid("vlan", "the VLAN id", id, 3)
  opts = check.options("vlan", opts, VLAN_OPTS, 3)
  local addrs = addresses(lab, "vlan", "option 'addr'", opts.addr, node, 3)
  local base = parent .. "." .. id
  local name = device_name("vlan", node, opts.name, #base <= 15 and base or ("vlan" .. id), 3)
  core("vlan", 3, node.ns.link_add, node.ns, name, "vlan",
    { link = parent, id = id, protocol = opts.protocol, mtu = opts.mtu, up = true })
  add_addresses(lab, node, name, addrs)
  return name
end

---------------------------------------------------------------------------
-- lab:vrf(node, name, table [, opts]): a VRF device bound to routing table `table`, up, with
-- opts.devs enslaved to it (their connected routes move to the table); returns its name

local VRF_OPTS = set("devs")

-- dev into master; an IPv6 address survives the down and up that enslaving to a VRF does to dev
local function enslave_vrf(lab, node, dev, master)
  if node.ipv6 ~= false then node.ns:sysctl(("net/ipv6/conf/%s/keep_addr_on_down"):format(dev), "1") end
  node.ns:link_set(dev, { master = master })
end

local function dev_list(call, node, devs, level)
  if devs == nil then return {} end
  if type(devs) == "string" then devs = { devs } end
  if type(devs) ~= "table" then
    fail(("%s: option 'devs' must be a list of device names, not %s"):format(call, shown(devs)), level + 1)
  end
  for _, d in ipairs(devs) do parent_dev(call, node, d, level + 1) end
  return devs
end

-- the addresses the lab gave devs of node move to the VRF's realm of its book (VRFs may overlap);
-- one the realm has already is refused, before anything changes; returns the change to make
local function rebook(lab, node, devs, vrf, level)
  local moves = {}
  for _, d in ipairs(devs) do
    for _, a in ipairs(node.ns:addrs(d)) do
      local p = ("%s/%d"):format(a.address, a.prefix)
      local e = a.scope == "global" and lab:_book(p, node, d)
      if e and e.node == node and e.dev == d then moves[#moves + 1] = { p = p, d = d } end
    end
  end
  node.vrf_of = node.vrf_of or {}
  for _, m in ipairs(moves) do
    local was = node.vrf_of[m.d]
    node.vrf_of[m.d] = vrf
    local holder = lab:_holder(m.p, node, m.d)
    node.vrf_of[m.d] = was
    if holder then
      fail(("vrf: %s's address '%s' is already %s in %s"):format(m.d, m.p, holder, vrf), level + 1)
    end
  end
  return function()
    for _, m in ipairs(moves) do lab:_release(m.p, node, m.d) end
    for _, d in ipairs(devs) do node.vrf_of[d] = vrf end
    for _, m in ipairs(moves) do lab:_claim(m.p, node, m.d) end
  end
end

local function lab_vrf(lab, node, name, tbl, opts)
  own_node(lab, "vrf", "the node", node, 3)
  check.arg("vrf", "the name", name, "text", 3)
  if math.type(tbl) ~= "integer" or tbl < 1 or tbl > 0xffffffff or tbl == 253 or tbl == 254 or tbl == 255 then
    fail(("vrf: the table must be an integer in 1..4294967295 other than 253, 254 and 255 "
      .. "(default, main, local), not %s"):format(shown(tbl)), 3)
  end
  opts = check.options("vrf", opts, VRF_OPTS, 3)
  local devs = dev_list("vrf", node, opts.devs, 3)
  device_name("vrf", node, name, nil, 3)
  local rebooked = rebook(lab, node, devs, name, 3)
  core("vrf", 3, node.ns.link_add, node.ns, name, "vrf", { table = tbl, up = true })
  rebooked()
  node.vrf_of[name] = name  -- an address on the VRF device itself is the VRF's too
  for _, d in ipairs(devs) do enslave_vrf(lab, node, d, name) end
  return name
end

---------------------------------------------------------------------------
-- lab:bond(node, devs, opts): a bond of node's devices devs (default mode active-backup, link
-- monitoring every 100 ms), up; returns its name

local BOND_OPTS = set("name", "mode", "miimon", "xmit_hash_policy", "addr")

local function lab_bond(lab, node, devs, opts)
  own_node(lab, "bond", "the node", node, 3)
  if type(devs) ~= "table" or #devs == 0 then
    fail(("bond: the members must be a list of device names, not %s"):format(shown(devs)), 3)
  end
  dev_list("bond", node, devs, 3)
  opts = check.options("bond", opts, BOND_OPTS, 3)
  local addrs = addresses(lab, "bond", "option 'addr'", opts.addr, node, 3)
  local name = device_name("bond", node, opts.name, "bond", 3, 0)
  core("bond", 3, node.ns.link_add, node.ns, name, "bond", {
    mode = opts.mode or "active-backup", miimon = opts.miimon or 100,
    xmit_hash_policy = opts.xmit_hash_policy, up = false,
    })
  -- a member joins down (the bond brings it up), and before the bond is up: the bond then comes
  -- up with its members' carrier
  for _, d in ipairs(devs) do
    node.ns:link_set(d, { up = false, wait = false })
    node.ns:link_set(d, { master = name })
  end
  node.ns:link_set(name, { up = true, addrgenmode = node.ipv6 == false and "none" or nil })
  add_addresses(lab, node, name, addrs)
  return name
end

---------------------------------------------------------------------------
-- lab:loopback(node, addr [, opts]): addr (a prefix or a list) on node's loopback device, a
-- dummy made the first time (named loop0); returns the device's name

local LOOPBACK_OPTS = set("name")

local function lab_loopback(lab, node, addr, opts)
  own_node(lab, "loopback", "the node", node, 3)
  if addr == nil then fail("loopback: the address is required (a prefix such as '10.255.0.1/32')", 3) end
  local addrs = addresses(lab, "loopback", "the address", addr, node, 3)
  opts = check.options("loopback", opts, LOOPBACK_OPTS, 3)
  node.loopbacks = node.loopbacks or {}
  local name = opts.name or node.loopbacks[1]
  if not (name and node.loopbacks[name]) then
    name = device_name("loopback", node, opts.name, "loop", 3, 0)
    core("loopback", 3, node.ns.link_add, node.ns, name, "dummy", { up = true })
    node.loopbacks[name] = true
    node.loopbacks[#node.loopbacks + 1] = name
  end
  add_addresses(lab, node, name, addrs)
  return name
end

---------------------------------------------------------------------------
-- installation

function M.install(Lab, is_lab)
  local function method(call, f)
    Lab[call] = function(self, ...)
      check.self(self, is_lab, call, "lab", 2)
      if self.closed then fail(call .. ": the lab is torn down", 2) end
      -- over several machines: a device of another site's node is that site's to make
      if self.sites then
        local here, there = {}, {}
        for i = 1, select("#", ...) do
          local x = select(i, ...)
          if is_node(x) and not x.is_host then
            if x.remote then there[#there + 1] = x else here[#here + 1] = x end
          end
        end
        if #there > 0 and #here > 0 then
          fail(("%s: %s is on site %s and %s on site %s: a %s between sites is not made (lab:link carries "
            .. "a link between sites over VXLAN)"):format(call, here[1].name, here[1].site, there[1].name,
            there[1].site, call), 2)
        end
        if #there > 0 then return require("netlab.sites").ELSEWHERE end
      end
      -- not a tail call: the checks count the frames to the user's line
      local r = table.pack(f(self, ...))
      return table.unpack(r, 1, r.n)
    end
  end
  method("vlan", lab_vlan)
  method("vrf", lab_vrf)
  method("bond", lab_bond)
  method("loopback", lab_loopback)
  require("netlab.tunnels").install(Lab, method)
end

M.own_node, M.core, M.addresses, M.add_addresses, M.device_name = own_node, core, addresses, add_addresses, device_name

return M
