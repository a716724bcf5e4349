-- 01-red-blue.lua - the tutorial's first network: two namespaces joined by a veth cable.
--
--   ip netns add red                                    netns.add "red"
--   ip netns add blue                                   netns.add "blue"
--   ip link add veth-red type veth peer name veth-blue  red:link_add("veth-red", "veth", ...)
--   ip link set veth-blue netns blue                      (the peer is born in blue)
--   ip -n red addr add 192.168.15.1/24 dev veth-red     red:addr_add(...)
--   ip -n blue addr add 192.168.15.2/24 dev veth-blue   blue:addr_add(...)
--   ip -n red link set veth-red up                      red:link_set(..., { up = true })
--   ip -n blue link set veth-blue up                    blue:link_set(...)
--   ip netns exec red ping 192.168.15.2                 red:run{ "ping", ... }
--
-- Run it with scripts/run-example.sh 01-red-blue (as root).
local netns = require "netns"

-- to-be-closed: whatever happens below, both namespaces are deleted on the way out
local function namespace(name)
  local ns = netns.add(name)
  return setmetatable({ ns = ns }, {
    __close = function() pcall(ns.delete, ns) end,
  }), ns
end

local _ <close>, red = namespace "red"
local _ <close>, blue = namespace "blue"

red:link_add("veth-red", "veth", { peer = "veth-blue", peer_ns = blue })
red:addr_add("veth-red", "192.168.15.1/24")
blue:addr_add("veth-blue", "192.168.15.2/24")
red:link_set("veth-red", { up = true })
blue:link_set("veth-blue", { up = true })

local r = red:run({ "ping", "-c", "1", "-W", "2", "192.168.15.2" }, { timeout = 5 })
io.write(r.stdout)
assert(r.status == 0, "red cannot ping blue: " .. r.stderr)

-- the same check without forking: netns's own ICMP probe
local ok, rtt = red:ping("192.168.15.2")
assert(ok, rtt)
print(("ok - red reaches blue (%.3f ms)"):format(rtt))

for _, ns in ipairs { red, blue } do
  for _, a in ipairs(ns:addrs()) do
    if a.family == "inet" and a.dev ~= "lo" then
      print(("%-5s %-10s %s/%d"):format(ns.name, a.dev, a.address, a.prefix))
    end
  end
end
