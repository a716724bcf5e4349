-- netlab.node: a lab's node: a namespace handle with every netns method, plus a few of the lab's (addresses, gateway, service).
local netns = require "netns"
local check = require "netlab.check"

local M = {}

-- In the interpreter, a creation and its record for teardown happen with
-- SIGINT/SIGTERM deferred; plain Lua has no such interruption to defer.
M.atomic = package.preload["netlab.sys"] and require("netlab.sys").atomic
  or function(f, ...) return f(...) end
local atomic = M.atomic

local fail = check.fail


local Node = {}

-- node:addr_add / addr_del keep the lab's book of who holds which address:
-- an address a node of the lab has already is refused, naming the holder
local function addr_change(lab, node, k, f, dev, p, ...)
  if k == "addr_add" and type(p) == "string" then
    local holder = lab:_holder(p, node, dev)
    if holder then fail(("addr_add: address '%s' is already %s"):format(p, holder), 3) end
  end
  local res = table.pack(f(node.ns, dev, p, ...))
  if k == "addr_add" then lab:_claim(p, node, dev) else lab:_release(p, node, dev) end
  return table.unpack(res, 1, res.n)
end

-- the key of a route in the book of the routes a script made: its table and destination as
-- routes() says them (main is 254; "default", or the network and its length)
local function route_key(tbl, dst)
  if tbl == nil or tbl == "main" then tbl = 254 end
  if dst ~= "default" then
    local ok, p = pcall(netns.prefix, dst)
    if ok then dst = ("%s/%d"):format(p.address, p.prefix) end
  end
  return ("%s %s"):format(tostring(tbl), tostring(dst))
end
M.route_key = route_key

-- node:route_add / route_del keep the node's book of the routes the script made, whatever
-- their protocol: link:up puts those back, and leaves a routing daemon's to the daemon
local function route_change(node, k, f, opts, ...)
  local res = table.pack(f(node.ns, opts, ...))
  if type(opts) == "table" and opts.dst ~= nil then
    local made = rawget(node, "routes_made")
    if not made then
      made = {}
      rawset(node, "routes_made", made)
    end
    made[route_key(opts.table, opts.dst)] = k == "route_add" or nil
  end
  return table.unpack(res, 1, res.n)
end

-- node:ping / node:connect: the lab keeps the last result, so that
-- lab:expect(a:connect(...), label) can tell the probe's reason and time
-- (the call gets only the first of the probe's results)
local function probe(lab, node, f, ...)
  local t0 = netns.clock()
  local ok, why = f(node.ns, ...)
  lab._probe = { ok = ok, why = why, ms = (netns.clock() - t0) * 1000 }
  return ok, why
end

local function node_index(node, k)
  local own = Node[k]
  if own ~= nil then return own end
  local ns = rawget(node, "ns")
  local v = ns[k]
  if type(v) == "function" then
    -- node:addr_add(...) is ns:addr_add(...): cache the forwarder
    local lab = rawget(node, "lab")
    local nat = rawget(node, "is_host") and k:sub(1, 4) == "nat_"
    local f = function(self, ...)
      if self ~= node then return v(self, ...) end
      if k == "ping" or k == "connect" then
        local ok, why = probe(lab, node, v, ...)
        return ok, why
      end
      if k == "addr_add" or k == "addr_del" then
        local res = table.pack(addr_change(lab, node, k, v, ...))  -- not a tail call: level 3 is the user
        return table.unpack(res, 1, res.n)
      end
      if k == "route_add" or k == "route_del" then
        local res = table.pack(route_change(node, k, v, ...))  -- not a tail call: level 3 is the user
        return table.unpack(res, 1, res.n)
      end
      if not nat then return v(ns, ...) end
      -- NAT in the lab's host goes to the lab's own table (two labs, or
      -- a lab and someone else, never share one), the one change teardown
      -- must undo by hand: recorded before the first rule is written
      local opts = ...
      -- a table of another name would outlive a --host lab: neither its
      -- teardown nor netlab clean knows it (a private host goes whole)
      if type(opts) == "table" and opts.table ~= nil and opts.table ~= lab.nat_table
          and not lab.private_host and k ~= "nat_rules" then
        fail(("%s: the lab's host keeps its NAT in the lab's own table inet %s, which teardown and netlab clean remove; "
          .. "not in table '%s'"):format(k, lab.nat_table, tostring(opts.table)), 2)
      end
      if type(opts) == "table" and opts.table == nil then
        local copy = { table = lab.nat_table }
        for key, value in pairs(opts) do copy[key] = value end
        opts = copy
      elseif opts == nil and (k == "nat_rules" or k == "nat_flush") then
        opts = { table = lab.nat_table }
      end
      if not lab.nat_used then
        lab.nat_used = true
        lab:_record("nat", lab.nat_table)
      end
      return v(ns, opts, select(2, ...))
    end
    rawset(node, k, f)
    return f
  end
  return v
end

local function new_node(lab, name, ns)
  return setmetatable({ lab = lab, name = name, ns = ns, ifcount = 0 },
    { __index = node_index, __tostring = function() return "netlab node " .. name end })
end

local function is_node(x)
  return type(x) == "table" and getmetatable(x) and getmetatable(x).__index == node_index
end

local function check_family(call, family)
  if family ~= nil and family ~= "inet" and family ~= "inet6" then
    check.fail(("%s: family must be \"inet\" or \"inet6\", not %s"):format(call, check.shown(family)), 3)
  end
end

-- the addresses of a node, without loopback and link-local ones
function Node:addresses(family)
  check.self(self, is_node, "addresses", "node", 2)
  check_family("addresses", family)
  local out = {}
  if rawget(self, "remote") then
    -- a node of another site: the addresses the script gave it, as that site has them
    for _, e in pairs(self.lab.addresses) do
      local p = e.node == self and e.prefix and netns.prefix(e.prefix)
      if p and (not family or p.family == family) and not (p.family == "inet6" and p.address:match("^fe80:")) then
        out[#out + 1] = { address = p.address, prefix = p.prefix, family = p.family, dev = e.dev, scope = "global",
          seq = e.seq }
      end
    end
    table.sort(out, function(x, y) return x.seq < y.seq end)
    return out
  end
  for _, a in ipairs(self.ns:addrs()) do
    if a.dev ~= "lo" and a.scope == "global" and (not family or a.family == family) then
      out[#out + 1] = a
    end
  end
  return out
end

-- the first global address of the node (IPv4 first), as a string
function Node:address(family)
  check.self(self, is_node, "address", "node", 2)
  check_family("address", family)
  local v4 = self:addresses(family or "inet")
  if v4[1] then return v4[1].address end
  if not family then
    local v6 = self:addresses("inet6")
    if v6[1] then return v6[1].address end
  end
  return nil
end

-- default route(s) via a node (its address on a subnet we share, per family)
-- or via an address
function Node:gateway(via)
  check.self(self, is_node, "gateway", "node", 2)
  if type(via) == "string" then
    self.ns:route_add { dst = "default", via = via }
    return self
  end
  if not is_node(via) then fail("gateway: 'via' must be a node or an address", 2) end
  if rawget(self, "remote") then return self end  -- its own site sets it
  local added = 0
  for _, family in ipairs { "inet", "inet6" } do
    local done = false
    for _, mine in ipairs(self:addresses(family)) do
      for _, theirs in ipairs(via:addresses(family)) do
        if not done and netns.contains(("%s/%d"):format(mine.address, mine.prefix), theirs.address) then
          self.ns:route_add { dst = "default", via = theirs.address }
          done, added = true, added + 1
        end
      end
    end
  end
  if added == 0 then
    fail(("gateway: %s shares no subnet with %s"):format(self.name, via.name), 2)
  end
  return self
end

-- a background command the lab waits for (opts.ready), watches and stops at teardown
function Node:service(argv, opts)
  check.self(self, is_node, "service", "node", 2)
  local svc = require("netlab.service").start(self, argv, opts, atomic)  -- not a tail call: the user is 3 levels up
  return svc
end

local FILE_OPTS = check.set("mode")

-- a file only this node's commands see (netlab.private, src/private_file.c):
-- under /run, /var/run, /tmp and /var/tmp in its own directories, elsewhere in
-- its own copy of the file's directory (of the file, when that is too big)
function Node:file(path, content, opts)
  check.self(self, is_node, "file", "node", 2)
  if type(path) ~= "string" or path:sub(1, 1) ~= "/" then
    fail(("file: the path must be absolute (a string starting with '/'), not %s"):format(check.shown(path)), 2)
  end
  check.arg("file", "content", content, "string", 2)
  opts = check.options("file", opts, FILE_OPTS, 2)
  local mode = opts.mode
  if mode ~= nil then
    -- octal digits, as chmod takes them: a Lua number 0755 is decimal 755
    local m = type(mode) == "string" and mode:match("^[0-7]+$") and tonumber(mode, 8)
    if not m or m > 4095 then
      fail(("file: option 'mode' must be octal digits in a string (\"0644\", \"0755\"), not %s"):format(
        check.shown(mode)), 2)
    end
    mode = m
  end
  if rawget(self, "is_host") then
    fail("file: the lab's host has no files of its own: its commands see the machine's", 2)
  end
  -- another site's node: its own site writes it
  if rawget(self, "remote") then return require("netlab.sites").ELSEWHERE end
  self.ns:file(path, content, mode)
  return self
end

M.new, M.is = new_node, is_node

return M
