-- tutorial.lua - the whole `ip netns` tutorial as one lab: four namespaces on a bridge,
-- the host as their gateway, NAT to the outside, a port forward in. Run: netlab tutorial.lua
local sw = lab:bridge "v-net-0"                        -- ip link add v-net-0 type bridge; ip link set v-net-0 up
lab.host:addr_add("v-net-0", "192.168.15.5/24")        -- ip addr add 192.168.15.5/24 dev v-net-0
lab:forward()                                          -- sysctl -w net.ipv4.ip_forward=1

local names, ns = { "red", "blue", "orange", "gray" }, {}
for i, name in ipairs(names) do
  ns[name] = lab:node(name)                            -- ip netns add NAME; ip -n NAME link set lo up
  lab:link(ns[name], sw, { addr = ("192.168.15.%d/24"):format(i) })  -- veth, master v-net-0, addr, up
  ns[name]:gateway(lab.host)                           -- ip -n NAME route add default via 192.168.15.5
end
for _, a in ipairs(names) do
  for _, b in ipairs(names) do
    if a ~= b then lab:expect_reach(ns[a], ns[b]) end  -- ip netns exec A ping B
  end
  lab:expect_reach(lab.host, ns[a])                    -- ping 192.168.15.N
end

-- "the internet": a namespace on the host's LAN side, with no route back to 192.168.15.0/24
local outside = lab:node "outside"
local lan = lab:link(lab.host, outside, { addr = { "192.168.1.2/24", "192.168.1.3/24" } })
lab:expect_unreachable(ns.red, outside)                -- the answers cannot come back ...
lab.host:nat_masquerade { src = "192.168.15.0/24", oif = lan.dev_a }  -- iptables -t nat ... -j MASQUERADE
lab:expect_reach(ns.red, outside)                      -- ... until the host masquerades

-- a web server in blue, reached from the outside through port 8080 of the host
ns.blue:service({ "python3", "-m", "http.server", "80" }, { port = 80 })
lab.host:nat_dnat { proto = "tcp", dport = 8080, to = "192.168.15.2:80" }  -- iptables ... -j DNAT
lab:expect(outside:connect("192.168.1.2", 8080), "outside reaches blue's web server at 192.168.1.2:8080")

for _, node in ipairs { ns.red, outside } do           -- ip -n NAME neigh: the ARP tables
  for _, n in ipairs(node:neighs()) do
    if n.family == "inet" then print(("# %-8s %-14s %-18s %s"):format(node.name, n.dst, n.lladdr or "", n.state)) end
  end
end
