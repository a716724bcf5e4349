-- 02-bridge.lua - the tutorial's virtual switch: a bridge v-net-0 joining four namespaces.
--
--   ip link add v-net-0 type bridge; ip link set v-net-0 up
--   for each of red blue orange gray:
--     ip netns add NS
--     ip link add veth-NS type veth peer name veth-NS-br
--     ip link set veth-NS netns NS
--     ip link set veth-NS-br master v-net-0; ip link set veth-NS-br up
--     ip -n NS addr add 192.168.15.N/24 dev veth-NS; ip -n NS link set veth-NS up
--   ip netns exec red ping 192.168.15.2 ...
--
-- Run it with scripts/run-example.sh 02-bridge (as root).
local netns = require "netns"

local host = netns.host()
local names = { "red", "blue", "orange", "gray" }
local nodes = {}

-- runs however the script ends: namespaces and the bridge go
local cleanup <close> = setmetatable({}, { __close = function()
  for _, ns in pairs(nodes) do pcall(ns.delete, ns) end
  pcall(host.link_del, host, "v-net-0")
end })

host:link_add("v-net-0", "bridge")
host:link_set("v-net-0", { up = true })

for i, name in ipairs(names) do
  local ns = netns.add(name)
  nodes[name] = ns
  local dev, br = "veth-" .. name, "veth-" .. name .. "-br"
  -- the namespace end is born inside the namespace; the other end stays here
  host:link_add(br, "veth", { peer = dev, peer_ns = ns })
  host:link_set(br, { master = "v-net-0", up = true })
  ns:addr_add(dev, ("192.168.15.%d/24"):format(i))
  ns:link_set(dev, { up = true })
  ns:link_set("lo", { up = true })
end

local failed = 0
for i, from in ipairs(names) do
  for j, to in ipairs(names) do
    if i ~= j then
      local addr = ("192.168.15.%d"):format(j)
      local r = nodes[from]:run({ "ping", "-c", "1", "-W", "2", addr }, { timeout = 5 })
      print(("%s - %s reaches %s (%s)"):format(r.status == 0 and "ok" or "not ok", from, to, addr))
      if r.status ~= 0 then failed = failed + 1 end
    end
  end
end

-- the bridge learned one MAC per port
print("ports of v-net-0:")
for _, l in ipairs(host:links()) do
  if l.master == "v-net-0" then print(("  %-16s %s"):format(l.name, l.operstate)) end
end
assert(failed == 0, failed .. " pairs cannot reach each other")
