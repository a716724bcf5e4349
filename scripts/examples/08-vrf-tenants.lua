-- 08-vrf-tenants.lua - two tenants with the same addresses on one router, kept apart by VRFs.
--
--   ip -n pe link add red type vrf table 10 && ip -n pe link set red up      lab:vrf(pe, "red", 10, ...)
--   ip -n pe link set eth0 master red                                       { devs = { "eth0", "eth1" } }
--   ip -n pe route add 10.0.0.0/24 vrf red via ...                          pe:route_add{ ..., table = 10 }
--
-- Each tenant has a site with the same subnet, 10.0.0.0/24, and a server at 10.0.0.10; the
-- provider's router pe joins each tenant's two sites in the tenant's VRF (routing table), so a
-- tenant's sites reach each other and never the other tenant's, although every address exists
-- twice. The lab's address book is per tenant (lab:node's option tenant) and per VRF: the
-- overlap is allowed where it is the point, and still refused within one tenant.
--
-- Needs a kernel with VRFs (the vrf module; Debian's stock kernel has it): scripts/test.sh --vm
-- runs it there. Run it with scripts/run-example.sh 08-vrf-tenants (as root).

local pe = lab:node("pe", { forward = true })

local tenants = { red = 10, blue = 20 }
local sites = {}
for _, name in ipairs { "red", "blue" } do
  local table_id = tenants[name]
  -- site 1: a client at 10.0.0.2 behind pe's 10.0.0.1; site 2: a server at 10.0.1.10
  local client = lab:node(name .. "-1", { tenant = name })
  local server = lab:node(name .. "-2", { tenant = name })
  local l1 = lab:link(client, pe, { addr = { "10.0.0.2/24", false } })
  local l2 = lab:link(server, pe, { addr = { "10.0.1.10/24", false } })
  lab:vrf(pe, name, table_id, { devs = { l1.dev_b, l2.dev_b } })
  -- the same router addresses in both VRFs
  pe:addr_add(l1.dev_b, "10.0.0.1/24")
  pe:addr_add(l2.dev_b, "10.0.1.1/24")
  client:gateway(pe)
  server:gateway(pe)
  sites[name] = { client = client, server = server }
end

-- each tenant's client reaches its own server through its own VRF
lab:expect_reach(sites.red.client, "10.0.1.10")
lab:expect_reach(sites.blue.client, "10.0.1.10")

-- who answered: the server's own name, over TCP
for _, name in ipairs { "red", "blue" } do
  sites[name].server:service({ "python3", "-c", [[
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 8080))
s.listen(4)
while True:
    c, _ = s.accept()
    c.sendall(sys.argv[1].encode())
    c.close()
]], sites[name].server.name }, { port = 8080, timeout = 30 })
end
for _, name in ipairs { "red", "blue" } do
  local r = sites[name].client:run({ "python3", "-c", [[
import socket
c = socket.create_connection(("10.0.1.10", 8080), timeout=5)
print(c.recv(100).decode())
]] }, { timeout = 30 })
  lab:expect(r.stdout == sites[name].server.name .. "\n",
    ("%s's client at 10.0.1.10 reaches %s's server (it said %s)"):format(name, name, (r.stdout or ""):gsub("\n", "")))
end

-- the routing tables: the same prefixes in table 10 and table 20
for _, name in ipairs { "red", "blue" } do
  local routes = {}
  for _, r in ipairs(pe:routes()) do
    if r.table == tenants[name] and r.proto == "kernel" and r.scope == "link" then
      routes[#routes + 1] = r.dst .. " dev " .. r.dev
    end
  end
  table.sort(routes)
  print(("VRF %s (table %d): %s"):format(name, tenants[name], table.concat(routes, ", ")))
end

-- within one tenant the address is still the tenant's alone
local ok, e = pcall(function() pe:addr_add("red", "10.0.1.10/32") end)
lab:expect(not ok and tostring(e):find("already red%-2's") ~= nil, "red's 10.0.1.10 cannot be taken twice")
