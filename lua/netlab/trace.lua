-- netlab.trace: print every kernel operation of the netns module as the equivalent ip / nft command.
local netns = require "netns"

local M = {}

local function where(ns)
  local name = ns.name
  return name and ("ip -n " .. name) or "ip"
end

local function exec(ns)
  local name = ns.name
  return name and ("ip netns exec " .. name .. " ") or ""
end

local function nsname(x)
  if type(x) == "string" then return x end
  if type(x) == "userdata" then return x.name or "1" end
  return tostring(x)
end

local function quote(s)
  s = tostring(s)
  if s:match("^[%w%-%./:=@_,+]+$") then return s end
  return "'" .. s:gsub("'", "'\\''") .. "'"
end

local function argv_line(argv)
  local out = {}
  for i, a in ipairs(argv) do out[i] = quote(a) end
  return table.concat(out, " ")
end

-- nft's word for the address family of a prefix
local function nft_family(prefix)
  return ({ [true] = "ip6", [false] = "ip" })[(prefix or ""):find(":", 1, true) ~= nil]
end

local function nft_table(ns)
  return exec(ns) .. "nft"
end

-- each formatter gets the handle and the call's arguments
local formats = {
  link_add = function(ns, name, kind, o)
    o = o or {}
    local s = ("%s link add %s"):format(where(ns), name)
    if o.mtu then s = s .. " mtu " .. o.mtu end
    if o.address then s = s .. " address " .. o.address end
    if o.group then s = s .. " group " .. o.group end
    if o.master then s = s .. " master " .. o.master end
    s = s .. " type " .. kind
    if kind == "veth" then
      s = s .. " peer name " .. tostring(o.peer)
      if o.peer_ns then s = s .. " netns " .. nsname(o.peer_ns) end
    end
    if o.alias then s = s .. "; " .. where(ns) .. " link set " .. name .. " alias " .. quote(o.alias) end
    if o.up then s = s .. "; " .. where(ns) .. " link set " .. name .. " up" end
    return s
  end,
  link_set = function(ns, name, o)
    local s = ("%s link set %s"):format(where(ns), name)
    if o.ns then s = s .. " netns " .. nsname(o.ns) end
    if o.name then s = s .. " name " .. o.name end
    if o.address then s = s .. " address " .. o.address end
    if o.mtu then s = s .. " mtu " .. o.mtu end
    if o.master == false then s = s .. " nomaster" elseif o.master then s = s .. " master " .. o.master end
    if o.alias then s = s .. " alias " .. quote(o.alias) end
    if o.addrgenmode then s = s .. " addrgenmode " .. o.addrgenmode end
    if o.up ~= nil then s = s .. (o.up and " up" or " down") end
    return s
  end,
  link_del = function(ns, name) return ("%s link del %s"):format(where(ns), name) end,
  link_del_group = function(ns, group) return ("%s link del group %s"):format(where(ns), group) end,
  addr_add = function(ns, dev, p, o)
    return ("%s addr add %s dev %s%s"):format(where(ns), p, dev, o and o.nodad and " nodad" or "")
  end,
  addr_del = function(ns, dev, p) return ("%s addr del %s dev %s"):format(where(ns), p, dev) end,
  route_add = function(ns, r)
    local s = ("%s%s route add %s"):format(where(ns), r.family == "inet6" and " -6" or "", r.dst)
    if r.via then s = s .. " via " .. r.via end
    if r.dev then s = s .. " dev " .. r.dev end
    if r.metric then s = s .. " metric " .. r.metric end
    if r.table then s = s .. " table " .. r.table end
    return s
  end,
  route_del = function(ns, r)
    local s = ("%s route del %s"):format(where(ns), r.dst)
    if r.via then s = s .. " via " .. r.via end
    if r.dev then s = s .. " dev " .. r.dev end
    return s
  end,
  neigh_add = function(ns, n)
    return ("%s neigh replace %s lladdr %s dev %s nud permanent"):format(where(ns), n.dst, n.lladdr, n.dev)
  end,
  neigh_del = function(ns, n) return ("%s neigh del %s dev %s"):format(where(ns), n.dst, n.dev) end,
  sysctl = function(ns, key, value)
    if value == nil then return nil end
    return ("%ssysctl -w %s=%s"):format(exec(ns), key, value)
  end,
  run = function(ns, argv) return exec(ns) .. argv_line(argv) end,
  spawn = function(ns, argv) return exec(ns) .. argv_line(argv) .. " &" end,
  ping = function(ns, dst) return ("%sping -c 1 %s  # built-in probe"):format(exec(ns), dst) end,
  connect = function(ns, addr, port)
    return ("%snc -z %s %s  # built-in probe"):format(exec(ns), addr, port)
  end,
  nat_masquerade = function(ns, o)
    return ("%s add rule inet netlab postrouting %s saddr %s%s masquerade"):format(nft_table(ns),
      nft_family(o.src), o.src, o.oif and (" oifname " .. o.oif) or "")
  end,
  nat_snat = function(ns, o)
    return ("%s add rule inet netlab postrouting %s saddr %s%s snat to %s"):format(nft_table(ns),
      nft_family(o.src), o.src, o.oif and (" oifname " .. o.oif) or "", o.to)
  end,
  nat_dnat = function(ns, o)
    return ("%s add rule inet netlab prerouting%s %s dport %s dnat to %s"):format(nft_table(ns),
      o.iif and (" iifname " .. o.iif) or "", o.proto, o.dport, o.to)
  end,
  nat_flush = function(ns) return nft_table(ns) .. " delete table inet netlab" end,
}

-- the namespace calls of the module itself
formats.add = function(name, o)
  local lines = { "ip netns add " .. tostring(name) }
  if type(o) == "table" then
    if o.lo_up then lines[#lines + 1] = ("ip -n %s link set lo up"):format(name) end
    local keys = {}
    for k in pairs(o.sysctl or {}) do keys[#keys + 1] = k end
    table.sort(keys)
    for _, k in ipairs(keys) do
      lines[#lines + 1] = ("ip netns exec %s sysctl -w %s=%s"):format(name, k, o.sysctl[k])
    end
  end
  return table.concat(lines, "\n")
end
-- netns.delete(name) and ns:delete()
formats.delete = function(x)
  return "ip netns del " .. tostring(type(x) == "string" and x or x.name)
end

local installed = false

-- Print every call through the module's hook, so every caller (the lab,
-- the script, netns used directly) is traced alike.
function M.install(out)
  if installed then return end
  installed = true
  out = out or io.stderr
  netns.hook(function(name, ...)
    local fmt = formats[name]
    if not fmt then return end
    local ok, text = pcall(fmt, ...)
    if ok and text then
      for line in text:gmatch("[^\n]+") do out:write("+ ", line, "\n") end
      out:flush()
    end
  end)
end

return M
