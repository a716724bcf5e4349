-- 02-bridge.lua - the tutorial's virtual switch: a bridge v-net-0 joining four namespaces, built in a loop.
--
--   ip link add v-net-0 type bridge; ip link set v-net-0 up      lab:bridge "v-net-0"
--   for each of red blue orange gray:
--     ip netns add NS; ip -n NS link set lo up                   lab:node(name)
--     ip link add veth-NS-br type veth peer name eth0 netns NS   lab:link(node, sw, { addr = ... })
--     ip link set veth-NS-br master v-net-0 up
--     ip -n NS addr add 192.168.15.N/24 dev eth0; ip -n NS link set eth0 up
--   ip netns exec red ping -c1 192.168.15.2 ...                 node:run{ "ping", ... }
--
-- Run it with scripts/run-example.sh 02-bridge (as root); the lab is torn
-- down when the script ends, however it ends.
local sw = lab:bridge "v-net-0"
local names, nodes = { "red", "blue", "orange", "gray" }, {}
for i, name in ipairs(names) do
  nodes[i] = lab:node(name)
  lab:link(nodes[i], sw, { addr = ("192.168.15.%d/24"):format(i) })
end

-- every namespace reaches every other, checked with the real ping
for i, from in ipairs(nodes) do
  for j, to in ipairs(nodes) do
    if i ~= j then
      local addr = ("192.168.15.%d"):format(j)
      local r = from:run({ "ping", "-c", "1", "-W", "2", addr }, { timeout = 5 })
      lab:expect(r.status == 0, ("%s pings %s (%s)"):format(from.name, to.name, addr))
    end
  end
end

print("# ports of v-net-0 (ip link show master v-net-0):")
for _, l in ipairs(lab.host:links()) do
  if l.master == "v-net-0" then print(("#   %-10s %-4s %s"):format(l.name, l.operstate, l.alias or "")) end
end
