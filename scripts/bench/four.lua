-- four.lua - the fixture of fixture.sh: four nodes on one bridge, an address
-- each, one expectation. Prints build_ms= (the build, timed inside the script)
-- on stderr. usage: netlab run four.lua -- true; netlab up four.lua
local netns = require "netns"
local t0 = netns.clock()
local sw = lab:bridge "sw"
local n = {}
for i = 1, 4 do
  n[i] = lab:node("n" .. i)
  lab:link(n[i], sw, { addr = ("10.9.0.%d/24"):format(i) })
end
lab:expect_reach(n[1], n[4])
io.stderr:write(("build_ms=%.2f\n"):format((netns.clock() - t0) * 1e3))
