-- 05-nat.lua - the tutorial's way out: the host masquerades red and blue, and forwards a port to blue.
--
--   (red and blue on the host's bridge v-net-0, host 192.168.15.5, as in 03-host.lua)
--   ip netns exec red ip route add default via 192.168.15.5     red:gateway(lab.host)
--   sysctl -w net.ipv4.ip_forward=1                             lab:forward()
--   iptables -t nat -A POSTROUTING -s 192.168.15.0/24 \
--            -o LAN -j MASQUERADE                               lab.host:nat_masquerade{ ... }
--   iptables -t nat -A PREROUTING -p tcp --dport 8080 \
--            -j DNAT --to-destination 192.168.15.2:80           lab.host:nat_dnat{ ... }
--
-- No real outside is involved: a namespace "outside" (192.168.1.3) stands
-- in for the LAN and the internet, joined to the host by a veth; it has no
-- route to 192.168.15.0/24, so only NAT gets red's answers back to red.
-- The rules go into netlab's own nf_tables table ("inet netlab") of the
-- host; see them with `nft list table inet netlab` while the script runs.
--
-- The host is the lab's host: a private namespace unless netlab runs with
-- --host. Run it with scripts/run-example.sh 05-nat (as root).

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

local function ask(ns, addr, port, patience)
  local r = ns:run({ "python3", "-c", client, addr, tostring(port), tostring(patience or 3) },
                   { timeout = 10 })
  return r.status == 0, (r.stdout .. r.stderr):gsub("%s+$", "")
end

-- the switch, the host's leg on it, red and blue with the host as gateway
local sw = lab:bridge "v-net-0"
lab.host:addr_add("v-net-0", "192.168.15.5/24")
local red, blue = lab:node "red", lab:node "blue"
for i, node in ipairs { red, blue } do
  lab:link(node, sw, { addr = ("192.168.15.%d/24"):format(i) })
  node:gateway(lab.host)
end

-- the outside world, reached through the host's "LAN" interface
local outside = lab:node "outside"
local lan = lab:link(lab.host, outside, { addr = { "192.168.1.2/24", "192.168.1.3/24" } })

-- the host forwards between its interfaces (netns's NAT calls leave this to you)
lab:forward()

outside:service({ "python3", "-c", server, "8000", "outside" }, { port = 8000 })
blue:service({ "python3", "-c", server, "80", "blue" }, { port = 80 })

-- red's packets reach the outside, but the answers have no way back ...
lab:expect(not ask(red, "192.168.1.3", 8000, 1), "without NAT red gets no answer from the outside")

-- ... until the host masquerades the bridge's network behind its own address
lab.host:nat_masquerade { src = "192.168.15.0/24", oif = lan.dev_a }
local ok, said = ask(red, "192.168.1.3", 8000)
lab:expect(ok and said:find("you are 192.168.1.2", 1, true),
  "red reaches the outside as the host (192.168.1.2): " .. said)

-- a port of the host leads to blue's service
lab.host:nat_dnat { proto = "tcp", dport = 8080, to = "192.168.15.2:80" }
ok, said = ask(outside, "192.168.1.2", 8080)
lab:expect(ok and said:find("hello from blue", 1, true),
  "the outside reaches blue's service through 192.168.1.2:8080: " .. said)

print("# netlab's NAT rules on the host (nft list table inet netlab):")
for _, r in ipairs(lab.host:nat_rules()) do
  if r.kind == "masquerade" then
    print(("#   masquerade %s out of %s"):format(r.src, r.oif or "any interface"))
  elseif r.kind == "dnat" then
    print(("#   %s port %d -> %s"):format(r.proto, r.dport, r.to))
  end
end
