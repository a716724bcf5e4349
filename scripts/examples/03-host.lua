-- 03-host.lua - the host joins the switch: an address on the bridge, and the ARP tables it fills.
--
--   (the bridge network of 02-bridge.lua, then)
--   ip addr add 192.168.15.5/24 dev v-net-0
--   ping 192.168.15.1 ...                     host reaches each namespace
--   ip netns exec red arp                     red's ARP table
--   arp                                       the host's
--
-- The "host" is the namespace the script starts in; run it with
-- scripts/run-example.sh 03-host (as root), which makes that a private one.
local netns = require "netns"

local host = netns.host()
local names = { "red", "blue", "orange", "gray" }
local nodes = {}

local cleanup <close> = setmetatable({}, { __close = function()
  for _, ns in pairs(nodes) do pcall(ns.delete, ns) end
  pcall(host.link_del, host, "v-net-0")
end })

host:link_add("v-net-0", "bridge")
host:link_set("v-net-0", { up = true })
host:addr_add("v-net-0", "192.168.15.5/24")

for i, name in ipairs(names) do
  local ns = netns.add(name)
  nodes[name] = ns
  host:link_add("veth-" .. name .. "-br", "veth", { peer = "veth-" .. name, peer_ns = ns })
  host:link_set("veth-" .. name .. "-br", { master = "v-net-0", up = true })
  ns:addr_add("veth-" .. name, ("192.168.15.%d/24"):format(i))
  ns:link_set("veth-" .. name, { up = true })
end

local failed = 0
for i, name in ipairs(names) do
  local addr = ("192.168.15.%d"):format(i)
  local ok, rtt = host:ping(addr, { timeout = 2 })
  print(("%s - host reaches %s (%s)%s"):format(ok and "ok" or "not ok", name, addr,
    ok and (" %.3f ms"):format(rtt) or ": " .. rtt))
  if not ok then failed = failed + 1 end
end

local function arp(label, ns)
  print(label .. ":")
  print(("  %-16s %-18s %-12s %s"):format("Address", "HWaddress", "Iface", "State"))
  for _, n in ipairs(ns:neighs()) do
    if n.family == "inet" then
      print(("  %-16s %-18s %-12s %s"):format(n.dst, n.lladdr or "(incomplete)", n.dev, n.state))
    end
  end
end

-- each namespace learned the host's MAC (it answered the host's ping) ...
for _, name in ipairs(names) do arp("ARP table of " .. name, nodes[name]) end
-- ... and the host learned every namespace's
arp("ARP table of the host", host)
assert(failed == 0, failed .. " namespaces unreachable from the host")
