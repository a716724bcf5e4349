-- scripts/examples/sites/lab.lua - one lab over three machines (sites a, b and c), the same
-- script on each; see README.md beside it. On one machine, without --sites, it builds all of it:
--   netlab scripts/examples/sites/lab.lua
-- On three, each runs:
--   netlab up lab.lua --site a --sites a=192.0.2.1,b=192.0.2.2,c=192.0.2.3 --wait-sites 120
--
-- The bridge lan spans the three sites (one VXLAN per machine, flooding to the two others); the
-- routers ra - rb - rc are a chain of links between sites (a VXLAN each); srv, on site a, knows no
-- way back to site b's user, so user reaches it only through ra's masquerade. Each check runs on
-- the site of its source; every site waits for the others before its first one.
local lan = lab:bridge("lan")
local ha = lab:node("ha", { site = "a" })
local hb = lab:node("hb", { site = "b" })
local hc = lab:node("hc", { site = "c" })
lab:link(ha, lan, { addr = { "10.1.0.1/24", "fd01::1/64" } })
lab:link(hb, lan, { addr = { "10.1.0.2/24", "fd01::2/64" } })
lab:link(hc, lan, { addr = { "10.1.0.3/24", "fd01::3/64" } })

local ra = lab:node("ra", { site = "a", forward = true })
local rb = lab:node("rb", { site = "b", forward = true })
local rc = lab:node("rc", { site = "c", forward = true })
lab:link(ra, rb, { addr = { "10.9.1.1/30", "10.9.1.2/30" } })
lab:link(rb, rc, { addr = { "10.9.2.1/30", "10.9.2.2/30" } })
ra:route_add { dst = "10.9.2.0/30", via = "10.9.1.2" }
rc:route_add { dst = "10.9.1.0/30", via = "10.9.2.1" }

-- a server behind ra that knows no way back to site b: only ra's masquerade answers for b
local srv = lab:node("srv", { site = "a" })
lab:link(ra, srv, { addr = { "10.3.0.1/24", "10.3.0.2/24" } })
local user = lab:node("user", { site = "b" })
lab:link(rb, user, { addr = { "10.2.0.1/24", "10.2.0.2/24" } })
user:gateway(rb)
rb:route_add { dst = "10.3.0.0/24", via = "10.9.1.1" }
ra:route_add { dst = "10.2.0.0/24", via = "10.9.1.2" }
ra:nat_masquerade { src = "10.2.0.0/24", oif = "eth1" }

lab:expect_reach(ha, hb)
lab:expect_reach(ha, hc)
lab:expect_reach(hb, hc)
lab:expect_reach(hc, "fd01::1")
lab:expect_reach(ra, rc)
lab:expect_reach(rc, ra)
lab:expect_reach(user, srv)
lab:expect_unreachable(srv, user)
