-- netlab: the lab library (nodes, links, bridges, addressing, assertions, teardown) over the netns module.
local netns = require "netns"

local M = { version = netns.version }

local check = require "netlab.check"
local node = require "netlab.node"
local links = require "netlab.links"
local vlans = require "netlab.vlans"
local sites = require "netlab.sites"
local new_node, is_node, atomic, set = node.new, node.is, node.atomic, check.set

local Lab = {}
Lab.__index = Lab

local function fail(msg, level)
  error("netlab: " .. msg, (level or 1) + 1)
end

local function is_lab(x)
  return getmetatable(x) == Lab
end

---------------------------------------------------------------------------
-- interface names: deterministic, unique, at most 15 bytes

local names = require "netlab.names"
local fnv, short_name, alias = names.fnv, names.short_name, names.alias

function Lab:_ifname(node, where)
  -- node ends are eth0, eth1, ... in the node's own namespace
  if where == nil then
    local n = node.ifcount
    node.ifcount = n + 1
    return "eth" .. n
  end
  -- ends in the lab's host are named after the node, unique among the host's
  local n, name = 0, nil
  repeat
    name = short_name(node.name, tostring(n))
    n = n + 1
  until not self.host_names[name]
  self.host_names[name] = true
  return name
end

---------------------------------------------------------------------------
-- the lab

local function clock()
  return netns.clock()
end

local function out(lab, line)
  if lab.progress_shown then
    lab.progress:write("\r\27[K")
    lab.progress_last = clock()
  end
  if not lab.quiet then
    lab.out:write(line, "\n")
    lab.out:flush()
  end
end

local LAB_OPTS = set("name", "ipv6", "host", "quiet", "out", "journal", "private_host", "seed", "site", "sites",
  "underlay", "wait_sites", "stop_timeout")

function M.lab(opts)
  opts = check.options("lab", opts, LAB_OPTS, 2)
  check.arg("lab", "option 'name'", opts.name, "text", 2, true)
  if opts.seed ~= nil and (math.type(opts.seed) ~= "integer" or opts.seed < 0) then
    fail(("lab: option 'seed' must be an integer >= 0, not %s"):format(check.shown(opts.seed)), 2)
  end
  local host = opts.host or netns.host()
  local lab = setmetatable({
    name = opts.name or "lab",
    made = {},        -- what teardown undoes, in creation order
    nodes = {},
    node_list = {},   -- the nodes in creation order
    links = {},
    bridges = {},
    procs = {},
    host_names = {},  -- interface names the lab made in the host
    addresses = {},   -- address (canonical, no prefix) -> { node, dev }: who holds it
    restore = {},     -- host sysctls to put back
    passed = 0,
    failed = 0,
    count = 0,
    quiet = opts.quiet,
    out = opts.out or io.stdout,
    journal = opts.journal,
    private_host = opts.private_host,  -- the lab's host is a namespace of its own
    ipv6 = opts.ipv6 == nil or opts.ipv6,  -- the default of lab:node's option
    seed = opts.seed,  -- randomness the lab sets (netem, the timeline's jitter) replays with it
  }, Lab)
  if type(lab.ipv6) ~= "boolean" then fail("lab: option 'ipv6' must be true or false", 2) end
  -- the grace period of every service at teardown (a service's own stop_timeout wins)
  lab.stop_timeout = check.arg("lab", "option 'stop_timeout'", opts.stop_timeout, "seconds", 2, true)
  -- the link group of every device the lab makes in its host: teardown
  -- deletes them all, with their veth peers, in one request
  lab.group = 0x6e000000 | (fnv(lab.name .. "/" .. tostring(lab)) & 0xffffff)
  -- the lab's own nf_tables table in its host, named after it
  lab.nat_table = ("netlab-" .. lab.name:gsub("[^%w_.-]", "_")):sub(1, 128)
  lab.host = new_node(lab, "host", host)
  lab.host.is_host = true
  -- a lab over several machines: this one builds its site's part (netlab.sites)
  if opts.sites ~= nil then
    check.arg("lab", "option 'wait_sites'", opts.wait_sites, "seconds", 2, true)
    sites.setup(lab, opts, 2)
    lab.wait_sites = opts.wait_sites
  elseif opts.site ~= nil or opts.underlay ~= nil then
    fail(("lab: option '%s' is for a lab over several machines: it needs option 'sites'"):format(
      opts.site ~= nil and "site" or "underlay"), 2)
  end
  return lab
end

function Lab:_record(kind, name, extra)
  local e = { kind = kind, name = name }
  for k, v in pairs(extra or {}) do e[k] = v end
  self.made[#self.made + 1] = e
  if self.journal then self.journal(e) end
  return e
end

-- The book of addresses: who holds each, so that the next call that would reuse one is refused
-- (a node that pings its own address would "reach" it). Addresses are unique within a realm:
-- the lab's, a tenant node's (lab:node's option tenant), or a VRF's on the node that has it
-- (lab:vrf) - tenants and VRFs may overlap, which is what they are for.
function Lab:_realm(node, dev)
  if not node then return "" end
  local vrf = dev and node.vrf_of and node.vrf_of[dev]
  return vrf or node.tenant or ""
end

local function book_key(realm, address)
  return realm == "" and address or (realm .. "%" .. address)
end

-- the book's entry of p in node's (and dev's) realm: { node, dev }, or nil
function Lab:_book(p, node, dev)
  local ok = netns.prefix(p)
  return ok and self.addresses[book_key(self:_realm(node, dev), ok.address)]
end

-- an address is made (a malformed p is not the lab's to track: the call that made it refused it)
function Lab:_claim(p, node, dev)
  local ok = netns.prefix(p)
  if ok then
    self.claims = (self.claims or 0) + 1
    self.addresses[book_key(self:_realm(node, dev), ok.address)] = { node = node, dev = dev, prefix = p, seq = self.claims }
  end
end

-- who holds address p in node's realm, as a message says it ("b's (eth0)"), or nil
function Lab:_holder(p, node, dev)
  local book = self:_book(p, node, dev)
  return book and ("%s's (%s)"):format(book.node.name, book.dev)
end

function Lab:_release(p, node, dev)
  local ok = netns.prefix(p)
  if ok then self.addresses[book_key(self:_realm(node, dev), ok.address)] = nil end
end

-- what is about to be made, written to the journal first: a crash in
-- between leaves a line that tells `netlab clean` where to look. Such a line
-- names no identity, so clean takes what holds the name for the lab's: a
-- name someone else holds is never announced (`taken` says so, and the call
-- that makes it then fails, EEXIST), and an announcement whose object was
-- not made after all is withdrawn. Returns whether the intent was written.
function Lab:_intend(kind, name, taken)
  if not self.journal or taken() then return false end
  self.journal { intent = true, kind = kind, name = name }
  return true
end

-- make(): the object announced by _intend, or its error with the announcement withdrawn
function Lab:_make(kind, name, announced, make)
  local ok, res = pcall(make)
  if not ok then
    if announced then self.journal { drop = true, kind = kind, name = name } end
    error(res, 0)
  end
  return res
end

local function ns_taken(name)
  local ok, h = check.protect(netns.open, name)
  if ok then h:close() return true end
  -- anything but "no such name" (a plain file there, say) is not free either
  return type(h) ~= "table" or h.code ~= "ENOENT"
end

local NODE_SYSCTL = { ["net.ipv6.conf.all.accept_dad"] = "0", ["net.ipv6.conf.default.accept_dad"] = "0" }
-- An IPv4-only node (ipv6 = false) writes no sysctl at all: its link ends get
-- addrgenmode none before they come up (netlink), so they have no IPv6
-- address and send none of the IPv6 chatter (MLD reports, router and
-- neighbour solicitations) that a bridge floods into every other port - in a
-- large star that flood is quadratic, and most of the build time. (A sysctl
-- write is itself linear in the number of namespaces: every namespace's
-- /proc/sys/net entries share one dentry hash chain.)

local NODE_OPTS = set("forward", "ipv6", "tenant", "site")

function Lab:node(name, opts)
  check.self(self, is_lab, "node", "lab", 2)
  if self.closed then fail("node: the lab is torn down", 2) end
  check.arg("node", "the name", name, "text", 2)
  opts = check.options("node", opts, NODE_OPTS, 2)
  check.arg("node", "option 'forward'", opts.forward, "boolean", 2, true)
  check.arg("node", "option 'tenant'", opts.tenant, "text", 2, true)
  if self.nodes[name] then fail(("node: '%s' exists already in this lab"):format(name), 2) end
  local ipv6 = opts.ipv6
  if ipv6 == nil then
    ipv6 = self.ipv6
    if type(ipv6) ~= "boolean" then fail("node: lab.ipv6 must be true or false", 2) end
  elseif type(ipv6) ~= "boolean" then
    fail("node: option 'ipv6' must be true or false", 2)
  end
  local site = sites.place(self, "node", name, opts.site, false, 2)
  if self.sites and site ~= self.site then
    -- another machine's: it makes it; here the node stands for it (its links, its addresses)
    local node = new_node(self, name, sites.remote_ns(site))
    node.ipv6, node.tenant, node.site, node.remote = ipv6, opts.tenant, site, true
    self.nodes[name] = node
    self.node_list[#self.node_list + 1] = node
    return node
  end
  local announced = self:_intend("ns", name, function() return ns_taken(name) end)
  local ns = atomic(function()
    -- lo up and IPv6 addresses usable at once (a lab has no duplicates to
    -- detect), done inside the namespace while it is made: no switching back in
    local ns = self:_make("ns", name, announced, function()
      return netns.add(name, { lo_up = true, sysctl = ipv6 and NODE_SYSCTL or nil })
    end)
    self:_record("ns", name, { ns = ns })
    return ns
  end)
  local node = new_node(self, name, ns)
  node.ipv6, node.site = ipv6, site
  node.tenant = opts.tenant  -- its addresses may be another tenant's too (Lab:_realm)
  self.nodes[name] = node
  self.node_list[#self.node_list + 1] = node
  self:_progress()
  if opts.forward then
    ns:sysctl("net.ipv4.ip_forward", "1")
    ns:sysctl("net.ipv6.conf.all.forwarding", "1")
  end
  return node
end

function Lab:bridge(name, opts)
  check.self(self, is_lab, "bridge", "lab", 2)
  if self.closed then fail("bridge: the lab is torn down", 2) end
  check.arg("bridge", "the name", name, "text", 2)
  opts = check.options("bridge", opts, vlans.BRIDGE_OPTS, 2)
  local extra = vlans.bridge_opts(opts, 2)
  if self.bridges[name] then fail(("bridge: '%s' exists already in this lab"):format(name), 2) end
  local site = sites.place(self, "bridge", name, opts.site, true, 2)
  local br = { name = name, lab = self, is_bridge = true, vlan_filtering = extra.vlan_filtering, site = site }
  -- over several machines a bridge is made where it has ports (or its site says), and spans them
  if not self.sites or site == self.site then
    br.made = true
    self:_make_bridge(br)
  end
  self.bridges[name] = br
  if self.sites and site then sites.span(self, br, site) end
  return br
end

function Lab:_make_bridge(br)
  local name, host = br.name, self.host.ns
  -- a MAC of its own: otherwise the bridge takes the lowest of its ports,
  -- changing as ports come, and every change flushes the host's ARP table; over several
  -- machines each site's copy has its own, or the copies' addresses could not reach each other
  local h = fnv(self.name .. "/" .. name .. (self.sites and "/" .. self.site or ""))
  local announced = self:_intend("bridge", name, function()
    -- a name link_add would refuse is left to link_add to refuse, in its words
    local ok, l = check.protect(host.link, host, name)
    return ok and l ~= nil
  end)
  atomic(function()
    self:_make("bridge", name, announced, function()
      host:link_add(name, "bridge", {
        address = ("02:6e:%02x:%02x:%02x:%02x"):format(h >> 24, (h >> 16) & 0xff, (h >> 8) & 0xff, h & 0xff),
        up = true, group = self.group, vlan_filtering = br.vlan_filtering,
      })
    end)
    self:_record("bridge", name)
  end)
  self.host_names[name] = true
end

-- a forwarding host in host mode changes the machine: remember what to restore
function Lab:forward(node)
  check.self(self, is_lab, "forward", "lab", 2)
  if node ~= nil and not (is_node(node) and node.lab == self) then
    check.fail(("forward: the node must be a node of this lab, not %s"):format(check.shown(node)), 2)
  end
  node = node or self.host
  for _, key in ipairs { "net.ipv4.ip_forward", "net.ipv6.conf.all.forwarding" } do
    if node.is_host and self.restore[key] == nil then
      local old = node.ns:sysctl(key)
      self.restore[key] = old
      -- journaled before it changes: `netlab clean` puts it back after a crash
      if self.journal then self.journal { kind = "sysctl", name = key, old = old, new = "1" } end
    end
    node.ns:sysctl(key, "1")
  end
  return node
end

-- option addr's part for one end: an address or a list of them
local function addr_list(x)
  if x == nil or x == false then return {} end
  if type(x) == "string" then return { x } end
  if type(x) ~= "table" then
    check.fail("link: option 'addr' must be an address or a list of them, not " .. check.shown(x), 4)
  end
  for _, p in ipairs(x) do
    if type(p) ~= "string" then
      check.fail("link: option 'addr' must hold addresses (strings), not " .. check.shown(p), 4)
    end
  end
  return x
end

-- option addr of lab:link: "a/24" for a's end, or { a_addrs, b_addrs }, each
-- a string or a list. Every address is checked before anything is made: its
-- form, its family, and that nobody else in the lab holds it (a node that
-- pings its own address would "reach" it). Raises at the caller's caller.
function Lab:_link_addresses(a, b, to_bridge, addr)
  local addrs_a, addrs_b
  if type(addr) == "table" and not to_bridge then
    addrs_a, addrs_b = addr_list(addr[1]), addr_list(addr[2])
  else
    addrs_a, addrs_b = addr_list(addr), {}
  end
  local claims = {}
  for i, list in ipairs { addrs_a, addrs_b } do
    local node = i == 1 and a or (not to_bridge and b or nil)
    for _, p in ipairs(list) do
      local ok, why = netns.prefix(p)
      if not ok then fail("link: " .. why, 3) end
      if ok.family == "inet6" and node and node.ipv6 == false then
        fail(("link: address '%s' is IPv6, but %s was made with ipv6 = false"):format(p, node.name), 3)
      end
      if claims[ok.address] then fail(("link: address '%s' is given twice on this link"):format(p), 3) end
      local holder = self:_holder(p, node)
      if holder then fail(("link: address '%s' is already %s"):format(p, holder), 3) end
      claims[ok.address] = true
    end
  end
  return addrs_a, addrs_b
end

-- lab:link's ends and names, checked; whether b is a bridge. Raises at
-- the caller's caller.
function Lab:_link_ends(a, b, opts)
  if not is_node(a) then fail("link: the first end must be a node (or a bridge, to another), not " .. check.shown(a), 3) end
  local to_bridge = type(b) == "table" and b.is_bridge
  if not to_bridge and not is_node(b) then fail("link: the second end must be a node or a bridge, not " .. check.shown(b), 3) end
  if a == b then fail("link: both ends are " .. a.name, 3) end
  for _, x in ipairs { a, b } do
    if x.lab ~= self then
      fail(("link: %s is of lab %s, not of lab %s"):format(x.name, x.lab.name, self.name), 3)
    end
  end
  if opts.names ~= nil and not (type(opts.names) == "table" and type(opts.names[1]) == "string"
      and type(opts.names[2]) == "string") then
    fail("link: option 'names' must be { name_a, name_b }, two strings", 3)
  end
  return to_bridge
end

-- a veth between two nodes, or a node and a bridge; both ends up; with
-- emulation (delay, loss, rate, ...; netlab.links) on the ends' egress
local LINK_OPTS = set("addr", "names", table.unpack(vlans.LINK_KEYS))
for k in pairs(links.OPTS) do LINK_OPTS[k] = true end

-- does a list of prefixes hold an IPv6 one?
local function has_ipv6(list)
  for _, p in ipairs(list) do
    if p:find(":", 1, true) then return true end
  end
  return false
end

function Lab:link(a, b, opts)
  check.self(self, is_lab, "link", "lab", 2)
  if self.closed then fail("link: the lab is torn down", 2) end
  opts = check.options("link", opts, LINK_OPTS, 2,
    type(opts) == "string" and (" (an address goes in { addr = %q })"):format(opts) or nil)
  -- between two bridges: a trunk (netlab.vlans)
  if type(a) == "table" and a.is_bridge then
    if self.sites and type(b) == "table" and b.is_bridge and not (a.site and a.site == b.site) then
      fail(("link: a trunk between bridges %s and %s needs both on one site ({ site = ... }); a bridge spans "
        .. "sites by itself"):format(a.name, b.name), 2)
    end
    if self.sites and a.site ~= self.site then return sites.ELSEWHERE end
    local link = vlans.link_bridges(self, a, b, opts, 2)  -- not a tail call: errors at the user's line
    return link
  end
  local to_bridge = self:_link_ends(a, b, opts)
  local vplan = vlans.plan(a, b, opts, 2)
  local addrs_a, addrs_b = self:_link_addresses(a, b, to_bridge, opts.addr)
  local emul_a, emul_b = links.split("link", opts, 2)
  local emulated = next(emul_a) ~= nil or next(emul_b) ~= nil
  links.check("link", "a_to_b", emul_a, 2)
  links.check("link", "b_to_a", emul_b, 2)
  -- over several machines: a link made elsewhere, or between sites (netlab.sites)
  if self.sites then
    local link = sites.lab_link(self, a, b, to_bridge, opts, addrs_a, addrs_b, 2)
    if link then
      if emulated then link:_apply("link", emul_a, emul_b, 2) end
      self.links[#self.links + 1] = link
      return link
    end
  end

  -- where each end lives: b's end is in the host when b is a bridge or the host
  local b_node = to_bridge and self.host or b
  -- an end in the host is named after the node at the other end
  local name_a = opts.names and opts.names[1]
      or (a.is_host and self:_ifname(b, "host") or self:_ifname(a))
  local name_b = opts.names and opts.names[2]
      or self:_ifname(to_bridge and a or b, (to_bridge or b.is_host) and "host" or nil)
  local label_b = b.name

  -- one request makes the pair, puts the far end in its namespace and sets
  -- the near end up (enslaved, aliased, in the lab's group when in the host);
  -- the far end is then set up from its own namespace (a veth peer cannot
  -- come up in the request that makes it). Only that last up waits, for
  -- both ends: before it, a peer is down and there is nothing to wait for.
  -- An end in an IPv4-only node gets addrgenmode none before it comes up.
  local agm_a = a.ipv6 == false and "none" or nil
  local agm_b = b_node.ipv6 == false and "none" or nil
  local alias_a, alias_b = alias(a.name, label_b), alias(label_b, a.name)
  atomic(function()
    if b_node.is_host then
      -- a port of a bridge that spans sites: both ends get the tunnels' MTU (netlab.sites)
      b_node.ns:link_add(name_b, "veth", { peer = name_a, peer_ns = a.ns, up = not emulated, wait = false,
        master = to_bridge and b.name or nil, alias = alias_b, group = self.group,
        mtu = to_bridge and b.vxlan and self.sites.mtu or nil })
    else
      a.ns:link_add(name_a, "veth", { peer = name_b, peer_ns = b_node.ns, up = not agm_a and not emulated, wait = false,
        alias = alias_a, group = a.is_host and self.group or nil })
    end
    if a.is_host then self:_record("hostend", name_a) end
    if b_node.is_host then self:_record("hostend", name_b) end
  end)
  -- the host's end of a link to an IPv4-only node has no use for IPv6 either:
  -- off before the link has carrier, it never gets an address or routes (in a
  -- big star each port's IPv6 routes make the next port's cost linear)
  if b_node.is_host and agm_a then
    b_node.ns:sysctl(("net/ipv6/conf/%s/disable_ipv6"):format(name_b), "1")
  elseif a.is_host and agm_b then
    a.ns:sysctl(("net/ipv6/conf/%s/disable_ipv6"):format(name_a), "1")
  end
  -- a port's VLANs (netlab.vlans) before any frame can cross it
  if vplan then vlans.apply(self, vplan, name_b) end
  -- the emulation goes on while both ends are down: a qdisc put on a
  -- device that is up costs the kernel an RCU grace period
  local link = links.new(self, { a = a, b = b, dev_a = name_a, dev_b = name_b })
  if emulated then link:_apply("link", emul_a, emul_b, 2) end
  if b_node.is_host then
    if emulated then b_node.ns:link_set(name_b, { up = true, wait = false }) end
    a.ns:link_set(name_a, { up = true, alias = alias_a, addrgenmode = agm_a })
  else
    if agm_a or emulated then a.ns:link_set(name_a, { up = true, wait = false, addrgenmode = agm_a }) end
    b_node.ns:link_set(name_b, { up = true, alias = alias_b, addrgenmode = agm_b })
  end
  -- up means ready (link_set waits for both ends of the veth); a bridge
  -- that just got its first working port comes up in the kernel's
  -- link-watch work too, and answers nothing until then
  if to_bridge then self.host.ns:link_wait(b.name) end
  for _, p in ipairs(addrs_a) do a.ns:addr_add(name_a, p) self:_claim(p, a, name_a) end
  for _, p in ipairs(addrs_b) do b_node.ns:addr_add(name_b, p) self:_claim(p, b_node, name_b) end
  -- an IPv6 address is answered for once the kernel's address work ran:
  -- a packet to it before would wait a second for the next solicitation
  if has_ipv6(addrs_a) then a.ns:addr_wait(name_a) end
  if has_ipv6(addrs_b) then b_node.ns:addr_wait(name_b) end
  self.links[#self.links + 1] = link
  self:_progress()
  return link
end

-- On a terminal, a long build says how far it got; short ones and
-- non-terminals stay quiet (lab.progress is the stream, set by the interpreter).
function Lab:_progress(done)
  local stream = self.progress
  if not stream then return end
  local now = clock()
  self.progress_start = self.progress_start or now
  if done then
    if self.progress_shown then stream:write("\r\27[K") stream:flush() end
    return
  end
  if now - self.progress_start < 0.5 or now - (self.progress_last or 0) < 0.1 then return end
  self.progress_last = now
  self.progress_shown = true
  stream:write(("\rbuilding lab %s: %d nodes, %d links"):format(self.name, #self.node_list, #self.links))
  stream:flush()
end

-- what the lab is, as the kernel has it (netlab.describe): path_of(name)
-- is the namespace path other programs open, name nil for the lab's host
function Lab:describe(path_of, extra)
  check.self(self, is_lab, "describe", "lab", 2)
  check.arg("describe", "path_of", path_of, "function", 2)
  check.arg("describe", "extra", extra, "table", 2, true)
  return require("netlab.describe").lab(self, path_of, extra, sites.describe(self))
end

---------------------------------------------------------------------------
-- assertions: one line each, counted for the closing summary (netlab.expect)

require("netlab.expect")(Lab, is_lab, out)

links.install(Lab, is_lab)
require("netlab.kinds").install(Lab, is_lab)
require("netlab.timeline").install(Lab, is_lab)

function Lab:summary()
  check.self(self, is_lab, "summary", "lab", 2)
  return ("%d passed, %d failed"):format(self.passed, self.failed)
end

-- teardown (netlab.teardown): reverse order, namespaces and bridges whole
require("netlab.teardown").install(Lab, is_lab, clock)

Lab.__close = Lab.close
Lab.__gc = function(lab) pcall(Lab.close, lab) end

M.is_node = is_node
M._short_name = short_name

return M
