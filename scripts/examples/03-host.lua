-- 03-host.lua - the host joins the switch: an address on the bridge, and the ARP tables it fills.
--
--   (the bridge network of 02-bridge.lua, then)
--   ip addr add 192.168.15.5/24 dev v-net-0     lab.host:addr_add("v-net-0", ...)
--   ping 192.168.15.1 ...                       lab:expect_reach(lab.host, node)
--   ip netns exec red arp                       node:neighs()
--   arp                                         lab.host:neighs()
--
-- The host is the lab's host: a private namespace, unless netlab runs with
-- --host. Run it with scripts/run-example.sh 03-host (as root).
local sw = lab:bridge "v-net-0"
lab.host:addr_add("v-net-0", "192.168.15.5/24")

local nodes = {}
for i, name in ipairs { "red", "blue", "orange", "gray" } do
  nodes[i] = lab:node(name)
  lab:link(nodes[i], sw, { addr = ("192.168.15.%d/24"):format(i) })
  lab:expect_reach(lab.host, nodes[i])
end

local function arp(label, node)
  print(("# ARP table of %s:"):format(label))
  print(("#   %-16s %-18s %-8s %s"):format("Address", "HWaddress", "Iface", "State"))
  for _, n in ipairs(node:neighs()) do
    if n.family == "inet" then
      print(("#   %-16s %-18s %-8s %s"):format(n.dst, n.lladdr or "(incomplete)", n.dev, n.state))
    end
  end
end

-- each namespace learned the host's MAC (it answered the host's ping) ...
for _, node in ipairs(nodes) do arp(node.name, node) end
-- ... and the host learned every namespace's, on the bridge
arp("the host", lab.host)
lab:expect(#lab.host:neighs("v-net-0") >= #nodes, "the host knows the MAC of every namespace")
