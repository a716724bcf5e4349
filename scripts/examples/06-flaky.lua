-- 06-flaky.lua - links that break: a narrow uplink, a cut on a timeline while a client probes, a partition.
--
--   tc -n client qdisc add dev eth0 root tbf rate 10mbit ...         lab:link(client, sw, { rate = "10mbit", ... })
--   (1 s later) ip -n client link set eth0 down; ip link set client-0 down      lab:at(1, function() uplink:down() end)
--   (2 s later) ip -n client link set eth0 up; ...                   lab:at(2, function() uplink:up() end)
--   ip link set server-0 down ...                                     lab:partition({ client, sw }, { server })
--
-- Run it with scripts/run-example.sh 06-flaky (as root); --seed N replays the timeline.
local client, server = lab:node "client", lab:node "server"
local sw = lab:bridge "sw"
local uplink = lab:link(client, sw, { addr = "10.0.0.1/24", rate = "10mbit" })  -- both directions
lab:link(server, sw, { addr = "10.0.0.2/24", b_to_a = { rate = "50mbit" } })     -- toward the server only
lab:expect_reach(client, server)

-- the timeline: the uplink is cut 1 s after lab:start(), for 1 s
lab:at(1, function() uplink:down() end)
lab:at(2, function() uplink:up() end)
lab:start()

-- meanwhile the client probes every 100 ms: "." answered, "x" not
local seen = {}
for i = 1, 30 do
  local wait = i * 0.1 - lab:now()
  if wait > 0 then netns.sleep(wait) end
  seen[#seen + 1] = client:ping("10.0.0.2", { timeout = 0.05 }) and "." or "x"
end
print(table.concat(seen))   -- .........xxxxxxxxxx...........
lab:expect(table.concat(seen):match("^%.+x+%.+$") ~= nil, "the client saw one gap, then answers again")

-- a partition cuts every link between the groups; heal puts them back
lab:partition({ client, sw }, { server })
lab:expect_unreachable(client, server)
lab:heal()
lab:expect_reach(client, server)
