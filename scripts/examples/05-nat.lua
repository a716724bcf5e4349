-- 05-nat.lua - the tutorial's way out: the host masquerades red and blue, and forwards a port to blue.
--
--   (red and blue on the host's bridge v-net-0, host 192.168.15.5, as in 03-host.lua)
--   ip netns exec red ip route add default via 192.168.15.5     red:route_add{ ... }
--   sysctl -w net.ipv4.ip_forward=1                             host:sysctl(...)
--   iptables -t nat -A POSTROUTING -s 192.168.15.0/24 \
--            -j MASQUERADE                                      host:nat_masquerade{ ... }
--   iptables -t nat -A PREROUTING -p tcp --dport 8080 \
--            -j DNAT --to-destination 192.168.15.2:80           host:nat_dnat{ ... }
--
-- No real outside is involved: a namespace "outside" (192.168.1.3) stands
-- in for the LAN and the internet, joined to the host by a veth; it has no
-- route to 192.168.15.0/24, so only NAT gets red's answers back to red.
-- The rules go into netlab's own nf_tables table ("inet netlab") of the
-- host; see them with `nft list table inet netlab` while the script runs.
--
-- The "host" is the namespace the script starts in; run it with
-- scripts/run-example.sh 05-nat (as root), which makes that a private one.
local netns = require "netns"

local host = netns.host()

-- everything made is undone on the way out, in reverse, also after an error
local undo = {}
local cleanup <close> = setmetatable({}, { __close = function()
  for i = #undo, 1, -1 do pcall(undo[i]) end
end })

local function node(name)
  local ns = netns.add(name)
  undo[#undo + 1] = function() ns:delete() end
  ns:link_set("lo", { up = true })
  return ns
end

-- A TCP service that greets every caller with the address it sees.
local server = [[
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1])))
s.listen(8)
while True:
    c, peer = s.accept()
    c.sendall(("hello from %s, you are %s\n" % (sys.argv[2], peer[0])).encode())
    c.close()
]]

-- Its client: what the service said (it may still be starting: retry a while).
local client = [[
import socket, sys, time
deadline = time.time() + float(sys.argv[3])
while True:
    try:
        c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=1)
        print(c.recv(200).decode().strip())
        break
    except OSError as e:
        if time.time() > deadline:
            sys.exit("no answer from %s:%s: %s" % (sys.argv[1], sys.argv[2], e))
        time.sleep(0.1)
]]

local function serve(ns, port, name)
  local p = ns:spawn({ "python3", "-c", server, tostring(port), name })
  undo[#undo + 1] = function() p:kill(); p:wait(2) end
  return p
end

local function ask(ns, addr, port, patience)
  local r = ns:run({ "python3", "-c", client, addr, tostring(port), tostring(patience or 3) },
                   { timeout = 10 })
  return r.status == 0, (r.stdout .. r.stderr):gsub("%s+$", "")
end

local failed = 0
local function check(ok, what, detail)
  print(("%s - %s%s"):format(ok and "ok" or "not ok", what, detail and (": " .. detail) or ""))
  if not ok then failed = failed + 1 end
end

-- the switch and the host's leg on it
host:link_add("v-net-0", "bridge")
undo[#undo + 1] = function() host:link_del("v-net-0") end
host:link_set("v-net-0", { up = true })
host:addr_add("v-net-0", "192.168.15.5/24")

-- red and blue on the switch, the host as their gateway
local red, blue = node "red", node "blue"
for i, x in ipairs { { "red", red }, { "blue", blue } } do
  local name, ns = x[1], x[2]
  host:link_add("veth-" .. name .. "-br", "veth", { peer = "veth-" .. name, peer_ns = ns })
  -- gone with the namespace anyway, but only a little later: be done when we are
  undo[#undo + 1] = function() host:link_del("veth-" .. name .. "-br") end
  host:link_set("veth-" .. name .. "-br", { master = "v-net-0", up = true })
  ns:addr_add("veth-" .. name, ("192.168.15.%d/24"):format(i))
  ns:link_set("veth-" .. name, { up = true })
  ns:route_add { dst = "default", via = "192.168.15.5" }
end

-- the outside world, reached through the host's "LAN" interface
local outside = node "outside"
host:link_add("veth-lan", "veth", { peer = "eth0", peer_ns = outside })
undo[#undo + 1] = function() host:link_del("veth-lan") end
host:addr_add("veth-lan", "192.168.1.2/24")
host:link_set("veth-lan", { up = true })
outside:addr_add("eth0", "192.168.1.3/24")
outside:link_set("eth0", { up = true })

-- the host forwards between its interfaces (netns's NAT calls leave this to you)
local forward = host:sysctl("net.ipv4.ip_forward")
host:sysctl("net.ipv4.ip_forward", "1")
undo[#undo + 1] = function() host:sysctl("net.ipv4.ip_forward", forward) end

serve(outside, 8000, "outside")
serve(blue, 80, "blue")

-- red's packets reach the outside, but the answers have no way back ...
local ok = ask(red, "192.168.1.3", 8000, 1)
check(not ok, "without NAT red gets no answer from the outside")

-- ... until the host masquerades the bridge's network behind its own address
undo[#undo + 1] = function() host:nat_flush() end
host:nat_masquerade { src = "192.168.15.0/24", oif = "veth-lan" }
local said
ok, said = ask(red, "192.168.1.3", 8000)
check(ok and said:find("you are 192.168.1.2", 1, true) ~= nil,
  "red reaches the outside as the host (192.168.1.2)", said)

-- a port of the host leads to blue's service
host:nat_dnat { proto = "tcp", dport = 8080, to = "192.168.15.2:80" }
ok, said = ask(outside, "192.168.1.2", 8080)
check(ok and said:find("hello from blue", 1, true) ~= nil,
  "the outside reaches blue's service through 192.168.1.2:8080", said)

print("netlab's NAT rules on the host:")
for _, r in ipairs(host:nat_rules()) do
  if r.kind == "masquerade" then
    print(("  masquerade %s out of %s"):format(r.src, r.oif or "any interface"))
  elseif r.kind == "dnat" then
    print(("  %s port %d -> %s"):format(r.proto, r.dport, r.to))
  end
end

assert(failed == 0, failed .. " check(s) failed")
