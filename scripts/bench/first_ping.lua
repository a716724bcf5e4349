-- first_ping.lua - the first ping after a build, as a user makes it: README's red/blue snippet exactly as
-- printed there (the netns module, call by call), then the same two namespaces as a lab, each RUNS times.
-- usage: lua5.4 first_ping.lua README.md [RUNS]   (as root, in a private namespace: first_ping.sh)
-- Prints, per way, the slowest first ping and how many took over 10 ms (a lost
-- first ARP reply costs a retry one second later).
local netns = require "netns"
local netlab = require "netlab"

local readme, runs = arg[1], tonumber(arg[2] or "40")
if not readme then
  io.stderr:write("usage: first_ping.lua README.md [RUNS]\n")
  os.exit(2)
end

-- the snippet: the first Lua block after the heading, as printed
local text = assert(io.open(readme)):read("a")
local at = assert(text:find("## The tutorial's first network, call by call", 1, true), "no such heading in " .. readme)
local snippet = assert(text:match("```lua\n(.-)```", at), "no Lua block after the heading")

local function summary(way, rtts)
  table.sort(rtts)
  local slow = 0
  for _, r in ipairs(rtts) do if r > 10 then slow = slow + 1 end end
  print(("%-8s runs=%d slowest_ms=%.3f median_ms=%.3f over_10ms=%d"):format(way, #rtts, rtts[#rtts],
    rtts[(#rtts + 1) // 2], slow))
end

-- the snippet prints ping's results: true and the round trip in ms
local rtts = {}
for _ = 1, runs do
  local got
  local env = setmetatable({ print = function(ok, rtt) got = ok and rtt or 1e9 end }, { __index = _G })
  assert(load(snippet, "=README snippet", "t", env))()
  rtts[#rtts + 1] = assert(got, "the snippet printed nothing")
end
summary("snippet", rtts)

rtts = {}
for _ = 1, runs do
  local lab = netlab.lab { name = "fp", quiet = true, private_host = true }
  local red, blue = lab:node "red", lab:node "blue"
  lab:link(red, blue, { addr = { "192.168.15.1/24", "192.168.15.2/24" } })
  local ok, rtt = red:ping "192.168.15.2"
  rtts[#rtts + 1] = ok and rtt or 1e9
  lab:close()
end
summary("lab", rtts)
