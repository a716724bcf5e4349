-- 04-router.lua - two subnets joined by a router namespace with forwarding on, IPv4 and IPv6.
--
--   ip netns add left; ip netns add right; ip netns add router
--   ip -n router sysctl: net.ipv4.ip_forward=1, net.ipv6.conf.all.forwarding=1   lab:node("router", { forward = true })
--   ip link add eth0 netns left type veth peer name eth0 netns router            lab:link(left, router, { addr = ... })
--   ip -n left addr add 10.0.1.2/24 dev eth0; ip -n router addr add 10.0.1.1/24 dev eth0
--   (the same for right on 10.0.2.0/24, router's eth1)
--   ip -n left route add default via 10.0.1.1                                     left:gateway(router)
--   ip netns exec left ping 10.0.2.2                                              lab:expect_reach(left, right)
--   ip -n left route; ip -n router route; ip -n right route                       node:routes()
--
-- Run it with scripts/run-example.sh 04-router (as root).
local router = lab:node("router", { forward = true })
local left, right = lab:node "left", lab:node "right"

lab:link(left, router, { addr = { { "10.0.1.2/24", "fd00:1::2/64" }, { "10.0.1.1/24", "fd00:1::1/64" } } })
lab:link(right, router, { addr = { { "10.0.2.2/24", "fd00:2::2/64" }, { "10.0.2.1/24", "fd00:2::1/64" } } })
left:gateway(router)    -- default routes via the router's address on each side, IPv4 and IPv6
right:gateway(router)

lab:expect_reach(left, right)
lab:expect_reach(right, left)
lab:expect_reach(left, "fd00:2::2", { timeout = 3 })
lab:expect_reach(right, "fd00:1::2", { timeout = 3 })

for _, node in ipairs { left, router, right } do
  print("# routing table of " .. node.name .. ":")
  for _, r in ipairs(node:routes()) do
    if not r.dst:match "^fe80" then
      print(("#   %-12s %-16s dev %-5s %s"):format(r.dst, r.via and ("via " .. r.via) or "", r.dev or "-",
        r.proto == "kernel" and ("proto kernel scope " .. r.scope) or ""))
    end
  end
end
