-- ping.lua - all-pairs reachability of a 20-node bridge (380 probes): the built-in
-- probe (ns:ping) against forking `ping -c1 -W1` for each pair (ns:run, which
-- enters the namespace as `ip netns exec` does).
-- usage: lua5.4 ping.lua [nodes] [rounds]     (root, in a private namespace)
-- Prints one line per round and a closing line with the medians and the ratio.
local netns = require "netns"

local N, ROUNDS = tonumber(arg[1]) or 20, tonumber(arg[2]) or 3
local P = "nlbp"
local clock = netns.clock
local host = netns.host()
local group = 0x6e6c7070

host:link_add(P .. "br0", "bridge", { up = true, group = group })
local nodes, addrs = {}, {}
for i = 1, N do
  local ns = netns.add(P .. i, { lo_up = true })
  host:link_add(P .. "h" .. i, "veth", { peer = "eth0", peer_ns = ns, master = P .. "br0", up = true, group = group })
  ns:link_set("eth0", { up = true })
  addrs[i] = ("10.251.0.%d"):format(i)
  ns:addr_add("eth0", addrs[i] .. "/24")
  nodes[i] = ns
end

local function builtin()
  local ok = 0
  for i = 1, N do
    for j = 1, N do
      if i ~= j and nodes[i]:ping(addrs[j], { count = 1, timeout = 1 }) then ok = ok + 1 end
    end
  end
  return ok
end

local function forked()
  local ok = 0
  for i = 1, N do
    for j = 1, N do
      if i ~= j and nodes[i]:run({ "ping", "-c1", "-W1", addrs[j] }, { timeout = 5 }).ok then ok = ok + 1 end
    end
  end
  return ok
end

local function median(t)
  table.sort(t)
  local n = #t
  return n % 2 == 1 and t[(n + 1) // 2] or (t[n // 2] + t[n // 2 + 1]) / 2
end

-- first pass not measured: the neighbour tables fill, every link settles
local warm = builtin()
local tb, tf = {}, {}
local probes = N * (N - 1)
for r = 1, ROUNDS do
  -- alternate which goes first
  local order = r % 2 == 1 and { "builtin", "fork" } or { "fork", "builtin" }
  for _, m in ipairs(order) do
    local t0 = clock()
    local ok = m == "builtin" and builtin() or forked()
    local ms = (clock() - t0) * 1e3
    if m == "builtin" then tb[#tb + 1] = ms else tf[#tf + 1] = ms end
    print(("round=%d method=%s probes=%d ok=%d ms=%.1f"):format(r, m, probes, ok, ms))
  end
end
host:link_del_group(group)
for i = 1, N do
  nodes[i]:close()
  netns.delete(P .. i)
end
local mb, mf = median(tb), median(tf)
print(("allpairs nodes=%d probes=%d warmup_ok=%d builtin_ms=%.1f fork_ms=%.1f per_probe_builtin_us=%.0f per_probe_fork_us=%.0f ratio=%.1f")
  :format(N, probes, warm, mb, mf, mb * 1e3 / probes, mf * 1e3 / probes, mf / mb))
