-- spec/support/topo.lua - the topologies the specs build with the module: a veth pair, a router
-- with three namespaces around it. Each returns once its links are up as ip sees them.
local netns = require "netns"
local ip = require "support.ip"

local M = {}

-- Two namespaces joined by a veth, up, with 192.168.15.1/24 + fd00:15::1/64 on
-- the red end and .2 / ::2 on the blue end, lo up in both.
-- Returns red, blue (handles); the names are prefix.."red" / prefix.."blue".
function M.pair(prefix, opts)
	opts = opts or {}
	local red = netns.add(prefix .. "red")
	local blue = netns.add(prefix .. "blue")
	red:link_add("veth-red", "veth", { peer = "veth-blue", peer_ns = blue })
	for _, x in ipairs({ { red, "veth-red", "1" }, { blue, "veth-blue", "2" } }) do
		local ns, dev, n = x[1], x[2], x[3]
		ns:link_set("lo", { up = true })
		ns:link_set(dev, { up = true })
		ns:addr_add(dev, "192.168.15." .. n .. "/24")
		if not opts.no_ipv6 then
			ns:addr_add(dev, "fd00:15::" .. n .. "/64", { nodad = true })
		end
	end
	ip.settle(red, "veth-red")
	ip.settle(blue, "veth-blue")
	return red, blue
end

-- ---- a router and three namespaces around it ----
--
--   red  eth0 10.1.0.2/24 fd00:1::2/64 --- h-red  10.1.0.1/24   fd00:1::1/64 \
--   blue eth0 10.2.0.2/24 fd00:2::2/64 --- h-blue 10.2.0.1/24   fd00:2::1/64  router
--   out  eth0 203.0.113.2/24 fd00:9::2/64 - h-out 203.0.113.1/24 fd00:9::1/64 /
--
-- red and blue route everything through the router, which forwards; out
-- knows only its own link: without NAT it cannot answer red or blue.
-- Returns { router=, red=, blue=, out= } (handles), names prefix .. key.
function M.router(prefix)
	local t = {}
	for _, k in ipairs({ "router", "red", "blue", "out" }) do
		t[k] = netns.add(prefix .. k)
		t[k]:link_set("lo", { up = true })
	end
	local legs = {
		{ t.red, "h-red", "10.1.0.", "fd00:1::", true },
		{ t.blue, "h-blue", "10.2.0.", "fd00:2::", true },
		{ t.out, "h-out", "203.0.113.", "fd00:9::", false },
	}
	for _, l in ipairs(legs) do
		local ns, dev, v4, v6, routed = l[1], l[2], l[3], l[4], l[5]
		t.router:link_add(dev, "veth", { peer = "eth0", peer_ns = ns })
		t.router:addr_add(dev, v4 .. "1/24")
		t.router:addr_add(dev, v6 .. "1/64", { nodad = true })
		t.router:link_set(dev, { up = true })
		ns:addr_add("eth0", v4 .. "2/24")
		ns:addr_add("eth0", v6 .. "2/64", { nodad = true })
		ns:link_set("eth0", { up = true })
		if routed then
			ns:route_add({ dst = "default", via = v4 .. "1" })
			ns:route_add({ dst = "default", via = v6 .. "1" })
		end
	end
	-- what the forwarding namespace needs; the NAT calls leave sysctls alone
	t.router:sysctl("net.ipv4.ip_forward", "1")
	t.router:sysctl("net.ipv6.conf.all.forwarding", "1")
	for _, l in ipairs(legs) do
		ip.settle(t.router, l[2])
		ip.settle(l[1], "eth0")
	end
	return t
end

return M
