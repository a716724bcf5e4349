-- netlab.trace: print every kernel operation of the netns module as the ip / tc / nft / sysctl command that does the same.
--
-- Each line is a command that really runs: replayed as a shell script in a
-- fresh namespace, the trace of a lab builds the same devices, addresses,
-- routes and nftables rules (spec/trace_spec.lua checks this). Probes, which
-- run no command, are printed as comments.
local netns = require "netns"
local check = require "netlab.check"

local M = {}

-- shell quoting: bare when safe, else single quotes
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

-- "ip" for the host handle, "ip -n NAME" for a named namespace
local function ip(ns)
  return ns.name and ("ip -n " .. quote(ns.name)) or "ip"
end

-- a command run inside the namespace of ns
local function inside(ns, cmd)
  return (ns.name and ("ip netns exec " .. quote(ns.name) .. " ") or "") .. cmd
end

-- what `ip ... netns X` takes: a name, or the namespace of the replaying shell
local function netns_arg(x)
  if type(x) == "string" then return quote(x) end
  return x.name and quote(x.name) or "/proc/$$/ns/net"
end

local function words(list)
  return table.concat(list, " ")
end

local formats = {}

function formats.add(name, o)
  local lines = { "ip netns add " .. quote(name) }
  o = type(o) == "table" and o or {}
  -- as netns.add does them: the sysctls, then lo up
  local keys = {}
  for k in pairs(o.sysctl or {}) do keys[#keys + 1] = k end
  table.sort(keys)
  for _, k in ipairs(keys) do
    lines[#lines + 1] = ("ip netns exec %s sysctl -qw %s"):format(quote(name), quote(k .. "=" .. tostring(o.sysctl[k])))
  end
  if o.lo_up then lines[#lines + 1] = ("ip -n %s link set lo up"):format(quote(name)) end
  return lines
end

-- netns.delete(name) and ns:delete()
function formats.delete(x)
  return { "ip netns del " .. quote(type(x) == "string" and x or x.name) }
end

-- the words after `type KIND` of the kinds besides veth, as link_add sends them
local kind_words = {
  vlan = function(w, o)
    w[#w + 1] = "protocol " .. (o.protocol or "802.1q")
    w[#w + 1] = "id " .. tostring(o.id)
  end,
  macvlan = function(w, o) w[#w + 1] = "mode " .. (o.mode or "bridge") end,
  ipvlan = function(w, o) w[#w + 1] = "mode " .. (o.mode or "l3") end,
  vxlan = function(w, o)
    w[#w + 1] = "id " .. tostring(o.id)
    if o.remote then w[#w + 1] = "remote " .. o.remote end
    if type(o.group) == "string" then w[#w + 1] = "group " .. o.group end
    if o["local"] then w[#w + 1] = "local " .. o["local"] end
    if o.dev then w[#w + 1] = "dev " .. quote(o.dev) end
    w[#w + 1] = "dstport " .. tostring(o.port or 4789)
    if o.learning ~= nil then w[#w + 1] = o.learning and "learning" or "nolearning" end
    if o.ttl then w[#w + 1] = "ttl " .. tostring(o.ttl) end
  end,
  vrf = function(w, o) w[#w + 1] = "table " .. tostring(o.table) end,
  bridge = function(w, o)
    if o.vlan_filtering ~= nil then w[#w + 1] = "vlan_filtering " .. (o.vlan_filtering and 1 or 0) end
    if o.vlan_protocol then w[#w + 1] = "vlan_protocol " .. (o.vlan_protocol == "802.1ad" and "802.1ad" or "802.1Q") end
    if o.default_pvid then w[#w + 1] = "vlan_default_pvid " .. tostring(o.default_pvid) end
  end,
  bond = function(w, o)
    if o.mode then w[#w + 1] = "mode " .. o.mode end
    if o.miimon then w[#w + 1] = "miimon " .. tostring(o.miimon) end
    if o.xmit_hash_policy then w[#w + 1] = "xmit_hash_policy " .. o.xmit_hash_policy end
  end,
}

-- the tunnels: ip link add NAME type gre local A remote B ttl N key K dev D
local function tunnel_words(w, o)
  if o["local"] then w[#w + 1] = "local " .. o["local"] end
  if o.remote then w[#w + 1] = "remote " .. o.remote end
  if o.ttl then w[#w + 1] = "ttl " .. tostring(o.ttl) end
  if o.key then w[#w + 1] = "key " .. tostring(o.key) end
  if o.dev then w[#w + 1] = "dev " .. quote(o.dev) end
end
for _, k in ipairs { "gre", "gretap", "ipip", "sit", "ip6gre", "ip6tnl" } do kind_words[k] = tunnel_words end

---------------------------------------------------------------------------
-- wireguard: the keys, port and peers go by `wg set` inside the namespace;
-- a key is handed over as a file, as wg wants it (bash's process substitution)

local function keyfile(k) return "<(printf '%s\\n' " .. quote(k) .. ")" end

-- what `wg show NAME allowed-ips` lists for peer pub, as "a,b," (nothing for none): the command
-- substitution that keeps a peer's allowed IPs where wg set would replace them
local function current_ips(ns, name, pub)
  return ("\"$(%s show %s allowed-ips | awk -v p=%s '$1 == p && $2 != \"(none)\" "
    .. "{ for (i = 2; i <= NF; i++) printf \"%%s,\", $i }')\""):format(inside(ns, "wg"), quote(name), quote(pub))
end

-- the words after `wg set NAME` (nil when there are none); ns with a device that exists (wg_set)
local function wg_words(o, ns, name)
  local w = {}
  if o.listen_port then w[#w + 1] = "listen-port " .. tostring(o.listen_port) end
  if o.fwmark then w[#w + 1] = "fwmark " .. tostring(o.fwmark) end
  if o.private_key then w[#w + 1] = "private-key " .. keyfile(o.private_key) end
  for _, p in ipairs(type(o.peers) == "table" and o.peers or {}) do
    w[#w + 1] = "peer " .. quote(p.public_key)
    if p.remove then w[#w + 1] = "remove" end
    if p.preshared_key then w[#w + 1] = "preshared-key " .. keyfile(p.preshared_key) end
    if p.endpoint then w[#w + 1] = "endpoint " .. quote(p.endpoint) end
    if p.persistent_keepalive then w[#w + 1] = "persistent-keepalive " .. tostring(p.persistent_keepalive) end
    local ips = type(p.allowed_ips) == "string" and { p.allowed_ips } or p.allowed_ips
    -- wg set replaces a peer's allowed IPs; wg_set without replace_allowed_ips adds them to
    -- those the peer has (a new device's peers have none)
    if ips and #ips > 0 and not p.remove then
      local keep = ns and not p.replace_allowed_ips and current_ips(ns, name, p.public_key) or ""
      w[#w + 1] = "allowed-ips " .. keep .. quote(table.concat(ips, ","))
    end
  end
  if #w == 0 then return nil end
  return words(w)
end

local function wg_line(ns, name, o, exists)
  local w = wg_words(o, exists and ns, name)
  return w and inside(ns, "wg set " .. quote(name) .. " " .. w)
end

function formats.wg_set(ns, name, o)
  local lines = {}
  -- replace_peers: the peers there now go first, one by one
  if o.replace_peers then
    local wg = inside(ns, "wg")
    lines[1] = ("for p in $(%s show %s peers); do %s set %s peer \"$p\" remove; done"):format(wg, quote(name), wg, quote(name))
  end
  lines[#lines + 1] = wg_line(ns, name, o, true)
  return lines
end

function formats.link_add(ns, name, kind, o)
  o = o or {}
  local w = { ip(ns), "link add", quote(name) }
  -- the parent of a vlan, macvlan, ipvlan comes before the type, as ip wants it
  if o.link and (kind == "vlan" or kind == "macvlan" or kind == "ipvlan") then w[#w + 1] = "link " .. quote(o.link) end
  if o.mtu then w[#w + 1] = "mtu " .. o.mtu end
  if o.address then w[#w + 1] = "address " .. o.address end
  local devgroup = o.group and not (kind == "vxlan" and type(o.group) == "string")
  if devgroup then w[#w + 1] = "group " .. o.group end
  if o.master then w[#w + 1] = "master " .. quote(o.master) end
  if o.up then w[#w + 1] = "up" end
  -- born in another namespace (the vxlan's socket stays in this one)
  if o.ns and kind ~= "veth" then w[#w + 1] = "netns " .. netns_arg(o.ns) end
  w[#w + 1] = "type " .. kind
  if kind == "veth" then
    w[#w + 1] = "peer name " .. quote(o.peer)
    if o.mtu then w[#w + 1] = "mtu " .. o.mtu end
    if o.peer_ns then w[#w + 1] = "netns " .. netns_arg(o.peer_ns) end
  elseif kind_words[kind] then
    kind_words[kind](w, o)
  end
  local lines = { words(w) }
  -- the kernel ignores an alias in the request that creates: a second one
  local home = o.ns and kind ~= "veth" and (type(o.ns) == "string" and { name = o.ns } or o.ns) or ns
  if o.alias then lines[2] = ("%s link set %s alias %s"):format(ip(home), quote(name), quote(o.alias)) end
  if kind == "wireguard" then lines[#lines + 1] = wg_line(ns, name, o) end
  return lines
end

function formats.link_set(ns, name, o)
  local lines, w = {}, { ip(ns), "link set", quote(name) }
  -- the address generation mode goes first, on its own, when the link
  -- comes up (as link_set sends it: up first would make a link-local address)
  if o.addrgenmode and o.up then
    lines[1] = ("%s link set %s addrgenmode %s"):format(ip(ns), quote(name), o.addrgenmode)
  elseif o.addrgenmode then
    w[#w + 1] = "addrgenmode " .. o.addrgenmode
  end
  if o.ns then w[#w + 1] = "netns " .. netns_arg(o.ns) end
  if o.name then w[#w + 1] = "name " .. quote(o.name) end
  if o.address then w[#w + 1] = "address " .. o.address end
  if o.mtu then w[#w + 1] = "mtu " .. o.mtu end
  if o.master == false then w[#w + 1] = "nomaster" elseif o.master then w[#w + 1] = "master " .. quote(o.master) end
  if o.alias then w[#w + 1] = "alias " .. quote(o.alias) end
  if o.up ~= nil then w[#w + 1] = o.up and "up" or "down" end
  if o.vlan_filtering ~= nil then w[#w + 1] = "type bridge vlan_filtering " .. (o.vlan_filtering and 1 or 0) end
  if #w > 3 then lines[#lines + 1] = words(w) end
  return lines
end

-- bridge vlan add/del: one line per run of contiguous vids ("vid 10-12", as the request's
-- ranges); "self" on the bridge itself, as bridge_vlan_add sends it
local function bridge_vlan(verb, ns, dev, vids, o)
  local list = type(vids) == "table" and { table.unpack(vids) } or { vids }
  table.sort(list)
  local ok, l = check.protect(ns.link, ns, dev)
  local tail = ""
  if verb == "add" and o and o.pvid then tail = tail .. " pvid" end
  if verb == "add" and o and o.untagged then tail = tail .. " untagged" end
  if ok and l and l.kind == "bridge" then tail = tail .. " self" end
  local lines, i = {}, 1
  while i <= #list do
    local j = i
    while list[j + 1] and list[j + 1] <= list[j] + 1 do j = j + 1 end
    local vid = list[i] == list[j] and tostring(list[i]) or ("%d-%d"):format(list[i], list[j])
    lines[#lines + 1] = ("bridge%s vlan %s dev %s vid %s%s"):format(ns.name and (" -n " .. quote(ns.name)) or "",
      verb, quote(dev), vid, tail)
    i = j + 1
  end
  return lines
end

function formats.bridge_vlan_add(ns, dev, vids, o) return bridge_vlan("add", ns, dev, vids, o) end
function formats.bridge_vlan_del(ns, dev, vids) return bridge_vlan("del", ns, dev, vids) end

-- up = true waits already (built in); an explicit wait is a comment too
function formats.link_wait(ns, name)
  return { ("# %s link show %s  (built-in wait: until it can transmit)"):format(ip(ns), quote(name)) }
end

function formats.link_del(ns, name) return { ("%s link del %s"):format(ip(ns), quote(name)) } end
function formats.link_del_group(ns, group) return { ("%s link del group %s"):format(ip(ns), group) } end

function formats.addr_add(ns, dev, p, o)
  return { ("%s addr add %s dev %s%s"):format(ip(ns), p, quote(dev), o and o.nodad and " nodad" or "") }
end
function formats.addr_wait(ns, dev)
  return { ("# %s -6 addr show %s  (built-in wait: until none is tentative)"):format(ip(ns), quote(dev)) }
end
function formats.addr_del(ns, dev, p) return { ("%s addr del %s dev %s"):format(ip(ns), p, quote(dev)) } end

local function route(ns, verb, r)
  local family = r.family
  if not family then
    local p = netns.prefix(r.dst ~= "default" and r.dst or r.via or "0.0.0.0")
    family = p and p.family
  end
  local w = { ip(ns) .. (family == "inet6" and " -6" or ""), "route", verb, r.dst }
  if r.via then w[#w + 1] = "via " .. r.via end
  if r.dev then w[#w + 1] = "dev " .. quote(r.dev) end
  if r.metric then w[#w + 1] = "metric " .. r.metric end
  if r.table then w[#w + 1] = "table " .. r.table end
  -- route_add marks its routes as static ones, as a routing daemon would see them
  if verb == "add" then w[#w + 1] = "proto static" end
  return { words(w) }
end

function formats.route_add(ns, r) return route(ns, "add", r) end
function formats.route_del(ns, r) return route(ns, "del", r) end

function formats.neigh_add(ns, n)
  return { ("%s neigh replace %s lladdr %s dev %s nud permanent"):format(ip(ns), n.dst, n.lladdr, quote(n.dev)) }
end
-- a vxlan's forwarding entry: as bridge(8) writes it
local function fdb(verb)
  return function(ns, e)
    return { ("%s fdb %s %s dev %s dst %s self%s"):format(ns.name and ("bridge -n " .. quote(ns.name)) or "bridge",
      verb, e.lladdr or "00:00:00:00:00:00", quote(e.dev), e.dst, verb == "append" and " permanent" or "") }
  end
end
formats.fdb_append, formats.fdb_del = fdb("append"), fdb("del")
function formats.neigh_del(ns, n) return { ("%s neigh del %s dev %s"):format(ip(ns), n.dst, quote(n.dev)) } end

function formats.sysctl(ns, key, value)
  if value == nil then return nil end   -- a read changes nothing
  return { inside(ns, "sysctl -qw " .. quote(key .. "=" .. tostring(value))) }
end

function formats.run(ns, argv) return { inside(ns, argv_line(argv)) } end
function formats.spawn(ns, argv) return { inside(ns, argv_line(argv)) .. " &" } end
function formats.ping(ns, dst, o)
  return { "# " .. inside(ns, ("ping -c 1 -W %s %s"):format(o and o.timeout or 2, dst)) .. "  (built-in probe)" }
end
function formats.connect(ns, addr, port)
  return { "# " .. inside(ns, ("nc -z %s %s"):format(addr, port)) .. "  (built-in probe)" }
end

---------------------------------------------------------------------------
-- NAT: each call is one nf_tables transaction that also makes the table and
-- the base chains it needs; nft's "add" leaves what exists alone

-- the priorities as nft 1.0.6 accepts them (it has no "dstnat" for output)
local CHAINS = {
  postrouting = "type nat hook postrouting priority srcnat; policy accept;",
  prerouting = "type nat hook prerouting priority dstnat; policy accept;",
  output = "type nat hook output priority -100; policy accept;",
}

local function nft(ns, ...)
  local lines = {}
  for _, cmd in ipairs { ... } do lines[#lines + 1] = inside(ns, "nft " .. quote(cmd)) end
  return lines
end

local function chain(table, name)
  return ("add chain inet %s %s { %s }"):format(table, name, CHAINS[name])
end

local function table_of(o)
  return type(o) == "table" and o.table or "netlab"
end

local function family_of(addr)
  local p = netns.prefix(addr)
  return p and p.family == "inet6" and "ip6" or "ip"
end

-- the rule's matches as netlab writes them: the family first
local function nfproto(fam) return "meta nfproto " .. (fam == "ip6" and "ipv6" or "ipv4") end

local function srcnat(ns, o, action)
  local fam = family_of(o.src)
  local m = { nfproto(fam) }
  local p = netns.prefix(o.src)
  if p and p.prefix > 0 then m[#m + 1] = ("%s saddr %s"):format(fam, o.src) end
  if o.oif then m[#m + 1] = ("oifname %q"):format(o.oif) end
  m[#m + 1] = action
  local t = table_of(o)
  return nft(ns, "add table inet " .. t, chain(t, "postrouting"),
    ("add rule inet %s postrouting "):format(t) .. words(m))
end

function formats.nat_masquerade(ns, o) return srcnat(ns, o, "masquerade") end
function formats.nat_snat(ns, o) return srcnat(ns, o, ("snat %s to %s"):format(family_of(o.to), o.to)) end

function formats.nat_dnat(ns, o)
  local fam = o.to:match("^%[") and "ip6" or family_of(o.to:match("^(.-):%d+$") or o.to)
  local match = ("%s %s dport %s dnat %s to %s"):format(nfproto(fam), o.proto, o.dport, fam, o.to)
  local t = table_of(o)
  local lines = nft(ns, "add table inet " .. t, chain(t, "prerouting"),
    ("add rule inet %s prerouting "):format(t) .. (o.iif and ("iifname %q "):format(o.iif) or "") .. match)
  -- what the namespace sends itself never passes prerouting: a copy in output
  if not o.iif then
    for _, l in ipairs(nft(ns, chain(t, "output"), ("add rule inet %s output "):format(t) .. match)) do
      lines[#lines + 1] = l
    end
  end
  return lines
end

-- "add" then "delete" in one transaction: gone either way, no error when absent
function formats.nat_flush(ns, o)
  local t = table_of(o)
  return nft(ns, ("add table inet %s; delete table inet %s"):format(t, t))
end

---------------------------------------------------------------------------
-- qdiscs: the tc command line that sends the same request. Numbers are
-- netlab's units (seconds, bit/s, bytes, percent), written in tc's.

local function tc(ns)
  return ns.name and ("tc -n " .. quote(ns.name)) or "tc"
end

local function tctime(v)
  if type(v) == "number" then return ("%.0fus"):format(v * 1e6) end
  return quote(v)
end
local function tcrate(v) return type(v) == "number" and ("%.0fbit"):format(v) or quote(v) end
local function tcsize(v) return type(v) == "number" and ("%d"):format(v) or quote(v) end
local function tcpct(v) return type(v) == "number" and ("%.17g%%"):format(v) or quote(v) end

local function netem_args(p)
  local w = {}
  local function add(...) for _, x in ipairs { ... } do w[#w + 1] = x end end
  if p.limit then add("limit", tcsize(p.limit)) end
  if p.delay then
    add("delay", tctime(p.delay))
    if p.jitter then add(tctime(p.jitter)) end
    if p.correlation then add(tcpct(p.correlation)) end
  end
  if p.distribution then add("distribution", quote(p.distribution)) end
  if p.loss then
    add("loss", "random", tcpct(p.loss))
    if p.loss_correlation then add(tcpct(p.loss_correlation)) end
  end
  local m = p.loss_model
  if type(m) == "table" and m.model == "gemodel" then
    add("loss", "gemodel", tcpct(m.p), tcpct(m.r or 100 - (tonumber(tostring(m.p):match("[%d.]+")) or 0)),
      tcpct(m.h or 0), tcpct(m.k or 0))
  elseif type(m) == "table" then
    local p13 = tonumber(tostring(m.p13):match("[%d.]+")) or 0
    add("loss", "state", tcpct(m.p13), tcpct(m.p31 or 100 - p13), tcpct(m.p32 or 0),
      tcpct(m.p23 or 100), tcpct(m.p14 or 0))
  end
  if p.ecn then add("ecn") end
  for _, k in ipairs { "duplicate", "reorder", "corrupt" } do
    if p[k] then
      add(k, tcpct(p[k]))
      if p[k .. "_correlation"] then add(tcpct(p[k .. "_correlation"])) end
    end
  end
  if p.gap then add("gap", p.gap) end
  if p.rate then
    add("rate", tcrate(p.rate))
    if p.packet_overhead or p.cell_size or p.cell_overhead then
      add(p.packet_overhead or 0, p.cell_size or 0, p.cell_overhead or 0)
    end
  end
  if p.slot then
    add("slot", tctime(p.slot.min))
    if p.slot.max then add(tctime(p.slot.max)) end
    if p.slot.packets then add("packets", p.slot.packets) end
    if p.slot.bytes then add("bytes", tcsize(p.slot.bytes)) end
  end
  if p.seed then add("seed", p.seed) end
  return w
end

local function tbf_args(p)
  local w = {}
  if p.rate then w[#w + 1] = "rate " .. tcrate(p.rate) end
  if p.burst then w[#w + 1] = "burst " .. tcsize(p.burst) end
  if p.latency then w[#w + 1] = "latency " .. tctime(p.latency) end
  if p.limit then w[#w + 1] = "limit " .. tcsize(p.limit) end
  if p.peakrate then w[#w + 1] = "peakrate " .. tcrate(p.peakrate) end
  if p.mtu or p.minburst then w[#w + 1] = "mtu " .. tcsize(p.mtu or p.minburst) end
  if p.mpu then w[#w + 1] = "mpu " .. tcsize(p.mpu) end
  if p.overhead then w[#w + 1] = "overhead " .. p.overhead end
  return w
end

local function parent_words(parent)
  if parent == nil or parent == "root" then return "root" end
  return "parent " .. quote(parent)
end

-- one `tc qdisc VERB ...` line (without the tc prefix)
local function qdisc_line(verb, dev, kind, p, where)
  p, where = p or {}, where or {}
  local w = { "qdisc", verb, "dev", quote(dev), parent_words(where.parent) }
  if where.handle then w[#w + 1] = "handle " .. quote(where.handle) end
  w[#w + 1] = kind
  for _, a in ipairs(kind == "netem" and netem_args(p) or tbf_args(p)) do w[#w + 1] = tostring(a) end
  return words(w)
end

for _, verb in ipairs { "replace", "add", "change" } do
  formats["qdisc_" .. verb] = function(ns, dev, kind, p, where)
    return { tc(ns) .. " " .. qdisc_line(verb, dev, kind, p, where) }
  end
end

function formats.qdisc_del(ns, dev, parent)
  return { ("%s qdisc del dev %s %s"):format(tc(ns), quote(dev), parent_words(parent)) }
end

-- one batch: `tc -batch` reads the same lines from stdin
function formats.qdisc_batch(ns, ops)
  local lines = {}
  for _, op in ipairs(ops) do
    if op[1] == "del" then
      lines[#lines + 1] = ("qdisc del dev %s %s"):format(quote(op[2]), parent_words(op[3]))
    else
      lines[#lines + 1] = qdisc_line(op[1], op[2], op[3], op[4], op[5])
    end
  end
  return { tc(ns) .. " -batch - <<'EOF'\n" .. table.concat(lines, "\n") .. "\nEOF" }
end

local installed = false

-- Print every call through the module's hook, so every caller (the lab,
-- the script, netns used directly) is traced alike.
function M.install(out)
  if installed then return end
  installed = true
  out = out or io.stderr
  local last
  netns.hook(function(name, ...)
    local fmt = formats[name]
    if not fmt then return end
    local ok, lines = check.protect(fmt, ...)
    if not ok or not lines then return end   -- bad arguments: the call itself will say so
    for _, line in ipairs(lines) do
      -- a probe retried in a wait loop is said once
      if not (line == last and line:sub(1, 1) == "#") then out:write("+ ", line, "\n") end
      last = line
    end
    out:flush()
  end)
end

M.formats = formats

return M
