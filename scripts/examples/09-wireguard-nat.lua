-- 09-wireguard-nat.lua - two sites joined by WireGuard, one of them behind NAT.
--
--   wg genkey | tee a.key | wg pubkey > a.pub                    (lab:tunnel makes the keys: libsodium)
--   ip -n a link add wg0 type wireguard                          lab:tunnel(a, b, { kind = "wireguard",
--   ip netns exec a wg set wg0 private-key a.key \                   addr = { ..., ... },
--      peer B.PUB endpoint 203.0.113.2:51820 \                       networks = { false, "10.2.0.0/24" } })
--      allowed-ips 10.99.0.2/32,10.2.0.0/24 persistent-keepalive 25
--   ip netns exec b wg set wg0 private-key b.key peer A.PUB allowed-ips 10.99.0.1/32
--
--   site A (192.168.1.0/24)          the internet (203.0.113.0/24)     site B (10.2.0.0/24)
--   a 192.168.1.10 --- nat 192.168.1.1 | 203.0.113.1 --- 203.0.113.2 b 10.2.0.1 --- server 10.2.0.10
--                      (masquerades site A)
--
-- b has no route to 192.168.1.0/24: site A is reachable only through nat's masquerade. lab:tunnel
-- sees that (b has no route to a's address), so b's peer for a gets no endpoint and a keeps the
-- NAT mapping open with keepalives; b learns a's public address from the first handshake. Then
-- a reaches the server behind b, and b reaches a, through the tunnel.
--
-- Needs a kernel with WireGuard (Linux 5.6+, the wireguard module; Debian's stock kernel has it):
-- scripts/test.sh --vm runs it there. Run it with scripts/run-example.sh 09-wireguard-nat (as root).

local a = lab:node("a")
local nat = lab:node("nat", { forward = true })
local b = lab:node("b", { forward = true })
local server = lab:node("server")

lab:link(a, nat, { addr = { "192.168.1.10/24", "192.168.1.1/24" } })
local wan = lab:link(nat, b, { addr = { "203.0.113.1/24", "203.0.113.2/24" } })
lab:link(b, server, { addr = { "10.2.0.1/24", "10.2.0.10/24" } })
a:gateway(nat)
server:gateway(b)
nat:nat_masquerade { src = "192.168.1.0/24", oif = wan.dev_a }

-- without the tunnel: site A reaches b's public address, nothing behind it
lab:expect_reach(a, "203.0.113.2")
lab:expect_unreachable(a, server, { timeout = 0.3 })

local _, wb = lab:tunnel(a, b, { kind = "wireguard", addr = { "10.99.0.1/30", "10.99.0.2/30" },
  networks = { false, "10.2.0.0/24" }, keepalive = 1 })

lab:expect_reach(a, server)
lab:expect_reach(b, "10.99.0.1")

-- b's view of a: the endpoint it learned is nat's public address, not a's own
local peer = b:wg(wb).peers[1]
print(("b sees a's peer at %s (handshake %s)"):format(peer.endpoint,
  peer.last_handshake > 0 and "done" or "never"))
lab:expect((peer.endpoint or ""):match("^203%.0%.113%.1:") ~= nil, "b reaches a through nat's public address")
local desc = lab:describe(function(name) return name end)
print(("tunnel %s: %s (%s) <-> %s (%s), %s is behind NAT"):format(desc.tunnels[1].kind,
  desc.tunnels[1].a.node, desc.tunnels[1].a.underlay, desc.tunnels[1].b.node, desc.tunnels[1].b.underlay,
  desc.tunnels[1].behind_nat))
