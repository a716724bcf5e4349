-- 07-vlan-trunk.lua - two switches joined by a VLAN trunk, hosts in VLANs 10 and 20 that cannot
-- reach each other until a router on a stick routes between the VLANs.
--
--   ip link add sw1 type bridge vlan_filtering 1                lab:bridge("sw1", { vlan_filtering = true })
--   bridge vlan add dev PORT vid 10 pvid untagged               lab:link(h, sw1, { pvid = 10, untagged = true })
--   bridge vlan add dev TRUNK vid 10; ... vid 20                lab:link(sw1, sw2, { vlans = { 10, 20 } })
--   ip -n r link add link eth0 name eth0.10 type vlan id 10     lab:vlan(r, "eth0", 10, { addr = ... })
--
--        sw1 ====(trunk 10,20)==== sw2
--       /  |  \                   /  |  \
--    a10  a20  r               b10  b20  spy     VLAN 10: a10, b10 (10.0.10.0/24)
--                                                VLAN 20: a20, b20 (10.0.20.0/24), and spy
--    r: the router on a stick, on a trunk port, with eth0.10 and eth0.20
--
-- A spy in VLAN 20 takes an address of VLAN 10's subnet: one subnet, two VLANs, no way across.
--
-- Needs a kernel whose bridge filters VLANs and with the 8021q module (Debian's stock kernel):
-- scripts/test.sh --vm runs it there. Run it with scripts/run-example.sh 07-vlan-trunk (as root).

local sw1 = lab:bridge("sw1", { vlan_filtering = true })
local sw2 = lab:bridge("sw2", { vlan_filtering = true })
lab:link(sw1, sw2, { vlans = { 10, 20 } })

local hosts = {}
for _, h in ipairs {
  { "a10", sw1, 10, "10.0.10.2/24" }, { "a20", sw1, 20, "10.0.20.2/24" },
  { "b10", sw2, 10, "10.0.10.3/24" }, { "b20", sw2, 20, "10.0.20.3/24" },
  { "spy", sw2, 20, "10.0.10.66/24" },
} do
  local name, sw, vlan, addr = table.unpack(h)
  local node = lab:node(name)
  lab:link(node, sw, { pvid = vlan, untagged = true, addr = addr })
  hosts[name] = node
end
-- the gateways the router will have
for _, name in ipairs { "a10", "b10" } do hosts[name]:gateway("10.0.10.1") end
for _, name in ipairs { "a20", "b20" } do hosts[name]:gateway("10.0.20.1") end

-- the same VLAN across the trunk: yes; another VLAN: no, not even in the same subnet
lab:expect_reach(hosts.a10, hosts.b10)
lab:expect_reach(hosts.a20, hosts.b20)
lab:expect_unreachable(hosts.a10, hosts.spy, { timeout = 0.3 })
lab:expect_unreachable(hosts.a10, hosts.b20, { timeout = 0.3 })

-- the router on a stick: one trunk port on sw1, a VLAN subinterface per VLAN
local r = lab:node("r", { forward = true })
lab:link(r, sw1, { vlans = { 10, 20 } })
lab:vlan(r, "eth0", 10, { addr = "10.0.10.1/24" })
lab:vlan(r, "eth0", 20, { addr = "10.0.20.1/24" })

lab:expect_reach(hosts.a10, hosts.b20)
lab:expect_reach(hosts.b10, hosts.a20)
-- the spy is still alone: its subnet is not VLAN 20's
lab:expect_unreachable(hosts.a10, hosts.spy, { timeout = 0.3 })

-- the bridges' VLANs, as `bridge vlan show` has them
for _, l in ipairs(lab.host:bridge_vlans()) do
  local vids = {}
  for _, v in ipairs(l.vlans) do
    vids[#vids + 1] = v.vlan .. (v.pvid and " pvid" or "") .. (v.untagged and " untagged" or "")
  end
  print(("%-8s %s"):format(l.ifname, table.concat(vids, ", ")))
end
