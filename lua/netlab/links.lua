-- netlab.links: a lab's links as objects: emulation (delay, loss, rate ... as qdiscs), cut and restore, partitions, batches.
local netns = require "netns"
local check = require "netlab.check"
local route_key = require("netlab.node").route_key

local set, fail, shown = check.set, check.fail, check.shown

-- what a link may emulate, per direction: netem's options (ns:qdisc_replace
-- takes them as they are), and burst, which goes with a rate alone (tbf)
local NETEM = set("delay", "jitter", "correlation", "distribution", "loss", "loss_correlation",
  "loss_model", "ecn", "duplicate", "duplicate_correlation", "corrupt", "corrupt_correlation",
  "reorder", "reorder_correlation", "gap", "rate", "limit")
local EMULATION = set("burst")
for k in pairs(NETEM) do EMULATION[k] = true end

local DIRECTIONS = set("a_to_b", "b_to_a")

local M = {}

---------------------------------------------------------------------------
-- emulation: what the user asked for, per direction, to a qdisc

-- the emulation keys of t (a link's options or one direction's), checked;
-- raises at the user's line (level frames above the caller)
local function emulation_of(call, t, what, level)
  local out = {}
  for k, v in pairs(t) do
    if EMULATION[k] then
      if v ~= false and type(v) ~= "string" and type(v) ~= "number" and type(v) ~= "table"
          and type(v) ~= "boolean" then
        fail(("%s: %s '%s' must be a value such as \"20ms\", \"1%%\" or \"10mbit\", not %s")
          :format(call, what, k, shown(v)), level + 1)
      end
      out[k] = v
    end
  end
  return out
end

-- opts of lab:link or link:set: the keys for both directions, then a_to_b
-- and b_to_a on top; returns the two directions' changes (false: remove)
function M.split(call, opts, level)
  local both = emulation_of(call, opts, "option", level + 1)
  local dirs = {}
  for dir in pairs(DIRECTIONS) do
    local d = {}
    for k, v in pairs(both) do d[k] = v end
    local own = opts[dir]
    if own ~= nil then
      check.options(call .. ": option '" .. dir .. "'", own, EMULATION, level + 1)
      for k, v in pairs(emulation_of(call, own, dir, level + 1)) do d[k] = v end
    end
    dirs[dir] = d
  end
  return dirs.a_to_b, dirs.b_to_a
end

-- the qdisc for one direction's settings: tbf for a rate alone (a kernel
-- without netem has it), netem for the rest; nil for none
local function qdisc_for(settings, seed)
  if next(settings) == nil then return nil end
  local only_rate = settings.rate ~= nil
  for k in pairs(settings) do
    if k ~= "rate" and k ~= "burst" then only_rate = false end
  end
  if only_rate then
    -- a bucket of 10 ms at the rate (at least two full frames), and a
    -- queue that waits at most 50 ms: a TCP flow sees the rate, not bursts
    local burst = settings.burst
    if burst == nil then
      -- (a bad rate gets no burst here: qdisc_check refuses it, naming it)
      local ok, bits = pcall(netns.rate, settings.rate)
      burst = ok and math.max(3028, math.floor(bits / 8 / 100)) or 3028
    end
    return "tbf", { rate = settings.rate, burst = burst, latency = "50ms" }
  end
  if settings.burst ~= nil then
    return nil, "'burst' goes with a rate alone (a token bucket); with delay, loss and the rest, rate is netem's"
  end
  local params = {}
  for k, v in pairs(settings) do params[k] = v end
  if seed then params.seed = seed end
  return "netem", params
end
M.qdisc_for = qdisc_for

-- a direction's qdisc as the kernel would get it, checked without sending
-- anything: a bad value is refused at the user's line, before the link
-- (or any change of it) is made
function M.check(call, dir, settings, level)
  local kind, params = qdisc_for(settings)
  if not kind then
    if params then fail(("%s: %s"):format(call, params), level + 1) end
    return
  end
  local ok, e = pcall(netns.qdisc_check, kind, params)
  if not ok then
    local text = tostring(e):gsub("^netns: qdisc_check: ", "")
    fail(("%s: %s (%s)"):format(call, text, dir), level + 1)
  end
end

-- the settings a direction has after changes (false removes a key)
local function merged(old, changes)
  local new = {}
  for k, v in pairs(old or {}) do new[k] = v end
  for k, v in pairs(changes) do
    if v == false then new[k] = nil else new[k] = v end
  end
  return new
end

-- a short text for a direction's settings: "20ms 1% 100mbit"
local LABEL_ORDER = { "delay", "jitter", "loss", "duplicate", "corrupt", "reorder", "rate" }
function M.label(settings)
  if not settings or next(settings) == nil then return nil end
  local parts = {}
  for _, k in ipairs(LABEL_ORDER) do
    local v = settings[k]
    if v ~= nil then
      local s = tostring(v)
      if k == "jitter" then s = "±" .. s
      elseif k == "duplicate" or k == "corrupt" or k == "reorder" then s = k .. " " .. s end
      parts[#parts + 1] = s
    end
  end
  if settings.loss_model then parts[#parts + 1] = "loss " .. tostring(settings.loss_model.model or "model") end
  return table.concat(parts, " ")
end

---------------------------------------------------------------------------
-- the link object

local Link = {}
Link.__index = Link

local function is_link(x) return getmetatable(x) == Link end
M.is = is_link

function M.new(lab, t)
  t.lab = lab
  t.emulation = { a_to_b = {}, b_to_a = {} }
  -- the namespace of each end: the lab's host for a bridge or the host
  t.a_node = t.a.is_bridge and lab.host or t.a
  t.b_node = (t.b.is_bridge or t.b.is_host) and lab.host or t.b
  return setmetatable(t, Link)
end

function Link:__tostring()
  return ("netlab link %s (%s) -- %s (%s)"):format(self.a.name, self.dev_a, self.b.name, self.dev_b)
end

-- where direction dir leaves: the namespace handle and device whose
-- egress carries it
function Link:_end(dir)
  if dir == "a_to_b" then return self.a_node.ns, self.dev_a end
  return self.b_node.ns, self.dev_b
end

-- the lab's seed for netem's own randomness on one direction: the same
-- lab seed gives every link the same loss pattern, run after run
local function direction_seed(lab, link, dir)
  if not lab.seed then return nil end
  local s = ("%d/%s/%s/%s"):format(lab.seed, link.a.name, link.b.name, dir)
  local h = 0xcbf29ce484222325
  for i = 1, #s do h = (h ~ s:byte(i)) * 0x100000001b3 end
  return h & 0x7fffffffffffffff
end

-- apply the settings of both directions (changes: per direction, from
-- M.split); everything is checked before the first request
function Link:_apply(call, a_changes, b_changes, level)
  local lab = self.lab
  local plan = {}
  for _, d in ipairs { { "a_to_b", a_changes }, { "b_to_a", b_changes } } do
    local dir, changes = d[1], d[2]
    if next(changes) ~= nil then
      local new = merged(self.emulation[dir], changes)
      M.check(call, dir, new, level + 1)
      local kind, params = qdisc_for(new, direction_seed(lab, self, dir))
      plan[#plan + 1] = { dir = dir, new = new, kind = kind, params = params }
    end
  end
  for _, p in ipairs(plan) do
    local ns, dev = self:_end(p.dir)
    local had = self.qdisc and self.qdisc[p.dir]
    local op
    if p.kind then
      op = { "replace", dev, p.kind, p.params }
    elseif had then
      op = { "del", dev }
    end
    if op then
      if lab._batch then
        lab:_batched(ns, op)
      else
        local ok, e = check.protect(function()
          if op[1] == "del" then ns:qdisc_del(dev) else ns:qdisc_replace(dev, p.kind, p.params) end
        end)
        -- a kernel without the qdisc: one line at the user's, naming the module
        local missing = not ok and type(e) == "table" and e.code == "ENOENT" and tostring(e):match("the kernel has no .*")
        if missing then
          fail(("%s: %s's %s: %s"):format(call, p.dir == "a_to_b" and self.a.name or self.b_node.name, dev, missing), level + 1)
        end
        if not ok then error(e, 0) end
      end
    end
    self.emulation[p.dir] = p.new
    self.qdisc = self.qdisc or {}
    self.qdisc[p.dir] = p.kind
  end
end

local SET_OPTS = set("a_to_b", "b_to_a")
for k in pairs(EMULATION) do SET_OPTS[k] = true end
M.OPTS = SET_OPTS

-- link:set{ delay = "20ms", loss = false, ... }: changes on top of what the
-- link has (false removes a setting), both directions or per direction;
-- one request per end (in lab:batch, one per namespace for them all)
function Link:set(opts)
  check.self(self, is_link, "set", "link", 2)
  if self.lab.closed then fail("set: the lab is torn down", 2) end
  check.options("set", opts, SET_OPTS, 2)
  check.arg("set", "the settings", opts, "table", 2)
  local a_changes, b_changes = M.split("set", opts, 2)
  self:_apply("set", a_changes, b_changes, 2)
  return self
end

-- link:clear(): an ideal wire again, both directions
function Link:clear()
  check.self(self, is_link, "clear", "link", 2)
  local off = {}
  for _, dir in ipairs { "a_to_b", "b_to_a" } do
    off[dir] = {}
    for k in pairs(self.emulation[dir]) do off[dir][k] = false end
  end
  self:_apply("clear", off.a_to_b, off.b_to_a, 2)
  return self
end

-- what the kernel forgets about a device set down, and gives back by itself
-- only in part: routes through it that a script made, its IPv6 addresses,
-- permanent neighbours. Saved at down, put back at up.
-- A script's routes are those it made with route_add (whatever their protocol) and those of
-- protocol "static" or "boot" (ip route add); the kernel's own come back by themselves, and a
-- routing daemon's (bird, zebra, ospf, bgp ...) are the daemon's to put back: made again by
-- the lab, it would hold one the daemon did not make and does not withdraw (the daemon's own
-- install then fails: EEXIST).
local RESTORED = { static = true, boot = true }
local function save_state(node, dev)
  local ns, made = node.ns, rawget(node, "routes_made") or {}
  local saved = { routes = {}, addrs = {}, neighs = {} }
  for _, r in ipairs(ns:routes()) do
    if r.dev == dev and (RESTORED[r.proto] or made[route_key(r.table, r.dst)])
        and not (r.dst or ""):match("^fe80:") then
      saved.routes[#saved.routes + 1] = { dst = r.dst, via = r.via, dev = dev, metric = r.metric,
        table = r.table ~= "main" and r.table or nil, family = r.family, proto = r.proto }
    end
  end
  for _, a in ipairs(ns:addrs(dev)) do
    if a.family == "inet6" and a.scope ~= "link" then
      saved.addrs[#saved.addrs + 1] = ("%s/%d"):format(a.address, a.prefix)
    end
  end
  for _, n in ipairs(ns:neighs(dev)) do
    if n.state == "PERMANENT" and n.lladdr then
      saved.neighs[#saved.neighs + 1] = { dst = n.dst, lladdr = n.lladdr, dev = dev }
    end
  end
  return saved
end

local function restore_state(ns, dev, saved)
  local function again(f, ...)
    local ok, e = check.protect(f, ns, ...)
    if not ok and not (type(e) == "table" and e.code == "EEXIST") then error(e, 0) end
  end
  for _, p in ipairs(saved.addrs) do again(ns.addr_add, dev, p) end
  for _, r in ipairs(saved.routes) do again(ns.route_add, r) end
  for _, n in ipairs(saved.neighs) do again(ns.neigh_add, n) end
end

-- A packet sent while one end was up and the other not yet (or before the
-- other's IPv6 addresses were answered for) left a neighbour whose probe
-- was lost; the kernel would ask again only after its retransmit time (1 s):
-- forget it, and the next packet asks at once
local function forget_unresolved(ns, dev)
  for _, n in ipairs(ns:neighs(dev)) do
    if n.state == "INCOMPLETE" or n.state == "FAILED" then
      local ok, e = check.protect(ns.neigh_del, ns, { dst = n.dst, dev = dev })
      if not ok and not (type(e) == "table" and e.code == "ENOENT") then error(e, 0) end
    end
  end
end

-- link:down(): the wire is cut: both ends go down and lose carrier (a
-- routing daemon sees its neighbour go); what the kernel drops with a
-- device that goes down comes back with link:up()
function Link:down()
  check.self(self, is_link, "down", "link", 2)
  if self.lab.closed then fail("down: the lab is torn down", 2) end
  if self.is_down then return self end
  self.saved = { a = save_state(self.a_node, self.dev_a), b = save_state(self.b_node, self.dev_b) }
  self.a_node.ns:link_set(self.dev_a, { up = false })
  self.b_node.ns:link_set(self.dev_b, { up = false })
  self.is_down = true
  return self
end

-- link:up(): the wire back, ready to carry traffic when it returns
function Link:up()
  check.self(self, is_link, "up", "link", 2)
  if self.lab.closed then fail("up: the lab is torn down", 2) end
  if not self.is_down then return self end
  self.a_node.ns:link_set(self.dev_a, { up = true, wait = false })
  self.b_node.ns:link_set(self.dev_b, { up = true })  -- waits for both ends
  for _, x in ipairs { self.a, self.b } do
    if x.is_bridge then self.lab.host.ns:link_wait(x.name) end
  end
  restore_state(self.a_node.ns, self.dev_a, self.saved.a)
  restore_state(self.b_node.ns, self.dev_b, self.saved.b)
  if #self.saved.a.addrs > 0 then self.a_node.ns:addr_wait(self.dev_a) end
  if #self.saved.b.addrs > 0 then self.b_node.ns:addr_wait(self.dev_b) end
  forget_unresolved(self.a_node.ns, self.dev_a)
  forget_unresolved(self.b_node.ns, self.dev_b)
  self.saved, self.is_down, self.partitioned = nil, nil, nil
  return self
end

---------------------------------------------------------------------------
-- a silent failure: every frame dropped on the wire, the carrier up

local BLACKHOLE_OPTS = set("direction")

-- the directions opts asks for ({ a_to_b = true, b_to_a = true } by default)
local function bh_directions(call, opts, level)
  opts = check.options(call, opts, BLACKHOLE_OPTS, level + 1)
  local d = opts.direction
  if d == nil or d == "both" then return { a_to_b = true, b_to_a = true } end
  if not DIRECTIONS[d] then
    fail(("%s: option 'direction' must be \"a_to_b\", \"b_to_a\" or \"both\", not %s"):format(call, shown(d)),
      level + 1)
  end
  return { [d] = true }
end

-- where the directions dirs are dropped: { ns, dev, hook } at each end in a node of this
-- site (a bridge's port and the lab's host are left alone), hook "egress" or "ingress" for
-- one direction (it leaves one end by its egress and enters the other by its ingress), nil
-- for both (one transaction)
function Link:_bh_plan(call, dirs, level)
  local plan, nodes = {}, 0
  for _, e in ipairs { { self.a_node, self.dev_a, "a_to_b", "b_to_a" }, { self.b_node, self.dev_b, "b_to_a", "a_to_b" } } do
    local node, dev, out, into = e[1], e[2], e[3], e[4]
    if node ~= self.lab.host and not node.is_host and not node.is_bridge then
      nodes = nodes + 1
      if not node.remote then
        local hook = not (dirs[out] and dirs[into]) and (dirs[out] and "egress" or "ingress") or nil
        plan[#plan + 1] = { ns = node.ns, dev = dev, hook = hook }
      end
    end
  end
  if nodes == 0 then
    fail(("%s: the link joins %s and %s, and neither end is in a node: a blackhole drops at a node's end")
      :format(call, self.a.name, self.b.name), level + 1)
  end
  return plan
end

-- link:blackhole([{ direction = "a_to_b" | "b_to_a" }]): every frame of the link (both
-- directions unless told) is dropped, IPv4, IPv6, ARP and the rest, while the carrier stays
-- up: a routing daemon notices only when its hellos stop (a dead interval), not at once as
-- with link:down(). nftables in the nodes (ns:blackhole_add); a second call is no change.
function Link:blackhole(opts)
  check.self(self, is_link, "blackhole", "link", 2)
  if self.lab.closed then fail("blackhole: the lab is torn down", 2) end
  local dirs = bh_directions("blackhole", opts, 2)
  for _, p in ipairs(self:_bh_plan("blackhole", dirs, 2)) do p.ns:blackhole_add(p.dev, p.hook) end
  self.blackholed = self.blackholed or {}
  for dir in pairs(dirs) do self.blackholed[dir] = true end
  return self
end

-- link:restore([{ direction = }]): the frames pass again (both directions unless told);
-- netlab's table in a node goes with its last blackhole
function Link:restore(opts)
  check.self(self, is_link, "restore", "link", 2)
  if self.lab.closed then fail("restore: the lab is torn down", 2) end
  local dirs = bh_directions("restore", opts, 2)
  local plan = self:_bh_plan("restore", dirs, 2)
  for _, p in ipairs(plan) do p.ns:blackhole_del(p.dev, p.hook) end
  -- a neighbour asked for while the frames were dropped has failed, and a failed one answers
  -- the next packet with an error at once: forgotten, the next packet asks anew
  for _, p in ipairs(plan) do forget_unresolved(p.ns, p.dev) end
  if self.blackholed then
    for dir in pairs(dirs) do self.blackholed[dir] = nil end
    if next(self.blackholed) == nil then self.blackholed = nil end
  end
  return self
end

---------------------------------------------------------------------------
-- the lab's methods over its links

function M.install(Lab, is_lab)
  -- lab:batch(fn): the emulation changes fn makes (link:set, link:clear)
  -- go out together at its end, one request per namespace
  function Lab:batch(fn)
    check.self(self, is_lab, "batch", "lab", 2)
    check.arg("batch", "the function", fn, "function", 2)
    if self._batch then return fn() end
    local b = { order = {}, ops = {} }
    self._batch = b
    local ok, err = check.protect(fn)
    self._batch = nil
    if not ok then error(err, 0) end
    for _, ns in ipairs(b.order) do ns:qdisc_batch(b.ops[ns]) end
  end

  function Lab:_batched(ns, op)
    local b = self._batch
    if not b.ops[ns] then
      b.ops[ns] = {}
      b.order[#b.order + 1] = ns
    end
    local list = b.ops[ns]
    list[#list + 1] = op
  end

  -- the members of a group: nodes and bridges of this lab, as a set
  local function group(lab, g, which)
    if type(g) ~= "table" then
      fail(("partition: group %d must be a list of nodes and bridges, not %s"):format(which, shown(g)), 3)
    end
    local s = {}
    for i, x in ipairs(g) do
      if type(x) ~= "table" or x.lab ~= lab or not (x.is_bridge or x.ns) then
        fail(("partition: group %d's member %d must be a node or bridge of this lab, not %s")
          :format(which, i, type(x) == "table" and tostring(x.name) or shown(x)), 3)
      end
      s[x] = true
    end
    if next(s) == nil then fail(("partition: group %d is empty"):format(which), 3) end
    return s
  end

  -- lab:partition({ a, b }, { c, d }): every link between the two groups
  -- is cut until lab:heal(). A bridge in neither group that joins both
  -- would carry traffic around the cut: it must be named in one.
  function Lab:partition(g1, g2)
    check.self(self, is_lab, "partition", "lab", 2)
    if self.closed then fail("partition: the lab is torn down", 2) end
    local s1, s2 = group(self, g1, 1), group(self, g2, 2)
    for x in pairs(s1) do
      if s2[x] then fail(("partition: %s is in both groups"):format(x.name), 2) end
    end
    local side = {}
    for x in pairs(s1) do side[x] = 1 end
    for x in pairs(s2) do side[x] = 2 end
    for name, br in pairs(self.bridges) do
      if not side[br] then
        local seen = {}
        for _, l in ipairs(self.links) do
          if l.b == br and side[l.a] then seen[side[l.a]] = l.a.name end
        end
        if seen[1] and seen[2] then
          fail(("partition: bridge %s joins %s and %s: name it in one of the groups"):format(name, seen[1], seen[2]), 2)
        end
      end
    end
    local cut = {}
    for _, l in ipairs(self.links) do
      local sa, sb = side[l.a], side[l.b]
      if sa and sb and sa ~= sb and not l.is_down then cut[#cut + 1] = l end
    end
    for _, l in ipairs(cut) do
      l:down()
      l.partitioned = true
    end
    return #cut
  end

  -- lab:heal(): the links partitions cut are back (those cut by link:down
  -- stay down)
  function Lab:heal()
    check.self(self, is_lab, "heal", "lab", 2)
    if self.closed then fail("heal: the lab is torn down", 2) end
    local n = 0
    for _, l in ipairs(self.links) do
      if l.partitioned then
        l:up()
        n = n + 1
      end
    end
    return n
  end
end

return M
