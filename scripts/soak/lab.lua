-- scripts/soak/lab.lua - the lab scripts/soak.sh builds and kills: 20 nodes (19 on a bridge, one
-- "outside"), the host forwarding and masquerading them, a port forward, and forking services
-- nested up to four deep, one of them setsid'd, some in the lab's host, and a server that forks
-- a child per connection. Every process started runs `sleep D` somewhere (D: the round's own
-- duration, the soak's second way to find them). With --host, it first tries two names the
-- soak's foreign objects hold.
-- Usage: netlab [--host] scripts/soak/lab.lua D [host]
local d, mode = ...
assert(d, "usage: lab.lua DURATION [host]")
local sleep = "sleep " .. d

if mode == "host" then
  -- names someone else holds (the soak's foreign namespace and bridge): the lab is refused
  -- them, and neither its teardown nor `netlab clean` after a kill may take them for its own
  assert(not pcall(lab.node, lab, "soak-foreign"), "soak-foreign is someone else's")
  assert(not pcall(lab.bridge, lab, "soak-fbr"), "soak-fbr is someone else's")
end

local sw = lab:bridge "soak-br0"
lab.host:addr_add("soak-br0", "10.201.0.254/24")
lab:forward()                       -- host sysctls: net.ipv4.ip_forward, net.ipv6.conf.all.forwarding

local outside = lab:node "outside"
local up = lab:link(lab.host, outside, { addr = { "10.202.0.1/24", "10.202.0.2/24" } })
lab.host:nat_masquerade { src = "10.201.0.0/24", oif = up.dev_a }   -- the lab's nftables table
lab.host:nat_dnat { proto = "tcp", dport = 8080, to = "10.201.0.1:8000" }

-- the services: each a tree at least two deep; nested subshells, a setsid'd one, a daemon
-- whose parent exits (reparented to the lab's init)
local trees = {
  { "sh", "-c", sleep .. "; true" },
  { "sh", "-c", "setsid sh -c '" .. sleep .. " & wait' & wait" },
  { "sh", "-c", "(sh -c '" .. sleep .. " & " .. sleep .. "' &); " .. sleep },
  { "sh", "-c", "sh -c 'sh -c \"setsid " .. sleep .. " & wait\" & wait' & wait" },
}

local nodes = {}
for i = 1, 19 do
  -- every fourth forwards (node sysctls); even ones IPv6-less (disable_ipv6 on their host ends)
  local n = lab:node(("n%02d"):format(i), { forward = i % 4 == 0, ipv6 = i % 2 == 1 })
  lab:link(n, sw, { addr = ("10.201.0.%d/24"):format(i) })
  n:gateway(lab.host)
  n:service(trees[i % #trees + 1])
  nodes[i] = n
end
lab.host:service { "sh", "-c", "(setsid sh -c '" .. sleep .. " & wait' &); " .. sleep }
-- a forking server behind the port forward: each connection leaves a child (sleep D) behind
nodes[1]:service({ "python3", "-S", "-c", [=[
import os, socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.201.0.1", 8000))
s.listen(64)
while True:
    c, _ = s.accept()
    if os.fork() == 0:
        c.close()
        os.execvp("sleep", ["sleep", sys.argv[1]])
    c.close()
]=], d }, { port = 8000, timeout = 30 })

-- the run: every node reaches the outside through the masquerade; the outside reaches the
-- server through the port forward, a few times, a little apart
for i = 1, 19 do lab:expect_reach(nodes[i], outside, { timeout = 5 }) end
for k = 1, 10 do
  lab:expect(outside:connect("10.202.0.1", 8080, { timeout = 5 }), "outside reaches n01's server through the port forward " .. k)
  netns.sleep(0.03)
end
print("# the run is over")   -- what tells the soak a kill from here on landed in the teardown
io.stdout:flush()
