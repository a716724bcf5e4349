-- 04-router.lua - two subnets joined by a router namespace with forwarding on.
--
--   ip netns add left; ip netns add right; ip netns add router
--   ip link add l0 netns left type veth peer name r-left netns router
--   ip link add r0 netns right type veth peer name r-right netns router
--   ip -n left  addr add 10.0.1.2/24 dev l0;  ip -n router addr add 10.0.1.1/24 dev r-left
--   ip -n right addr add 10.0.2.2/24 dev r0;  ip -n router addr add 10.0.2.1/24 dev r-right
--   ip netns exec router sysctl -w net.ipv4.ip_forward=1
--   ip -n left  route add default via 10.0.1.1
--   ip -n right route add default via 10.0.2.1
--   ip netns exec left ping 10.0.2.2
--   ip -n left route; ip -n router route; ip -n right route
--
-- IPv6 runs beside IPv4 on the same links. Run it with scripts/run-example.sh 04-router.
local netns = require "netns"

local made = {}
local cleanup <close> = setmetatable({}, { __close = function()
  for i = #made, 1, -1 do pcall(made[i].delete, made[i]) end
end })
local function node(name)
  local ns = netns.add(name)
  made[#made + 1] = ns
  ns:link_set("lo", { up = true })
  -- no duplicate address detection: IPv6 addresses, link-local ones too,
  -- are usable at once instead of after a second or two
  ns:sysctl("net.ipv6.conf.all.accept_dad", "0")
  ns:sysctl("net.ipv6.conf.default.accept_dad", "0")
  return ns
end

local left, right, router = node "left", node "right", node "router"

local sides = {
  { ns = left, dev = "l0", rdev = "r-left", net = 1 },
  { ns = right, dev = "r0", rdev = "r-right", net = 2 },
}
for _, s in ipairs(sides) do
  s.ns:link_add(s.dev, "veth", { peer = s.rdev, peer_ns = router })
  s.ns:addr_add(s.dev, ("10.0.%d.2/24"):format(s.net))
  s.ns:addr_add(s.dev, ("fd00:%d::2/64"):format(s.net))
  router:addr_add(s.rdev, ("10.0.%d.1/24"):format(s.net))
  router:addr_add(s.rdev, ("fd00:%d::1/64"):format(s.net))
  s.ns:link_set(s.dev, { up = true })
  router:link_set(s.rdev, { up = true })
  s.ns:route_add { dst = "default", via = ("10.0.%d.1"):format(s.net) }
  s.ns:route_add { dst = "default", via = ("fd00:%d::1"):format(s.net) }
end

router:sysctl("net.ipv4.ip_forward", "1")
router:sysctl("net.ipv6.conf.all.forwarding", "1")

local failed = 0
for _, check in ipairs {
  { left, "10.0.2.2", "left reaches right" },
  { right, "10.0.1.2", "right reaches left" },
  { left, "fd00:2::2", "left reaches right over IPv6" },
  { right, "fd00:1::2", "right reaches left over IPv6" },
} do
  local ok, rtt = check[1]:ping(check[2], { timeout = 2 })
  print(("%s - %s (%s)"):format(ok and "ok" or "not ok", check[3], ok and ("%.3f ms"):format(rtt) or rtt))
  if not ok then failed = failed + 1 end
end

for _, ns in ipairs { left, router, right } do
  print("routing table of " .. ns.name .. ":")
  for _, r in ipairs(ns:routes()) do
    if not r.dst:match "^fe80" then
      print(("  %-14s %-16s dev %-8s %s"):format(r.dst, r.via and ("via " .. r.via) or "", r.dev or "-",
        r.proto == "kernel" and "proto kernel scope " .. r.scope or ""))
    end
  end
end
assert(failed == 0, failed .. " checks failed")
