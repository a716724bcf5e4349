-- spec/route_spec.lua - routes: route_add, route_del and routes(), checked against `ip -j route` and real traffic.
local netns = require "netns"
local ip = require "support.ip"
local proc = require "support.proc"
local topo = require "support.topo"

local P = "t-rt-"
local RED, BLUE = P .. "red", P .. "blue"

describe("routes", function()
	local red, blue

	before_each(function()
		red, blue = topo.pair(P)
		-- addresses only blue has, behind it: reachable from red only through a route
		blue:addr_add("lo", "10.99.0.1/32")
		blue:addr_add("lo", "fd99::1/128", { nodad = true })
	end)

	after_each(function()
		red, blue = nil, nil
		ip.cleanup(P)
	end)

	it("adds an IPv4 default route via a gateway #root", function()
		assert.is_false(ip.can_ping(RED, "10.99.0.1", 1))
		red:route_add{ dst = "default", via = "192.168.15.2" }
		local r = ip.route(RED, "inet", "default")
		assert.is_not_nil(r)
		assert.equal("192.168.15.2", r.via)
		assert.equal("veth-red", r.dev)
		assert.equal("global", r.scope)
		assert.is_true(ip.can_ping(RED, "10.99.0.1"))
	end)

	it("adds an IPv6 default route via a gateway #root", function()
		assert.is_false(ip.can_ping(RED, "fd99::1", 1))
		red:route_add{ dst = "default", via = "fd00:15::2" }
		local r = ip.route(RED, "inet6", "default")
		assert.is_not_nil(r)
		assert.equal("fd00:15::2", r.via)
		assert.equal("veth-red", r.dev)
		-- and no IPv4 default route came with it
		assert.is_nil(ip.route(RED, "inet", "default"))
		assert.is_true(ip.can_ping(RED, "fd99::1"))
	end)

	it("adds an IPv6 default route with family = inet6 and a device only #root", function()
		red:route_add{ dst = "default", dev = "veth-red", family = "inet6" }
		local r = ip.route(RED, "inet6", "default")
		assert.is_not_nil(r)
		assert.equal("veth-red", r.dev)
		assert.is_nil(r.via)
		assert.is_nil(ip.route(RED, "inet", "default"))
	end)

	it("adds a prefix route via a gateway, and only that prefix is reachable #root", function()
		blue:addr_add("lo", "10.98.0.1/32")
		red:route_add{ dst = "10.99.0.0/16", via = "192.168.15.2" }
		local r = ip.route(RED, "inet", "10.99.0.0/16")
		assert.is_not_nil(r)
		assert.equal("192.168.15.2", r.via)
		assert.equal("veth-red", r.dev)
		assert.equal("static", r.proto)
		assert.is_true(ip.can_ping(RED, "10.99.0.1"))
		assert.is_false(ip.can_ping(RED, "10.98.0.1", 1))
	end)

	it("adds an IPv6 prefix route via a gateway #root", function()
		red:route_add{ dst = "fd99::/64", via = "fd00:15::2", dev = "veth-red" }
		local r = ip.route(RED, "inet6", "fd99::/64")
		assert.is_not_nil(r)
		assert.equal("fd00:15::2", r.via)
		assert.equal("veth-red", r.dev)
		assert.is_true(ip.can_ping(RED, "fd99::1"))
	end)

	it("gives a route with a device and no gateway scope link, as ip route add does #root", function()
		red:route_add{ dst = "10.99.0.0/16", dev = "veth-red" }
		local raw = ip.ipj("-n", RED, "route", "show", "10.99.0.0/16")
		assert.equal(1, #raw)
		assert.equal("link", raw[1].scope)
		assert.equal("veth-red", raw[1].dev)
		assert.is_nil(raw[1].gateway)
		-- on-link: red asks for 10.99.0.1 on the wire, and blue (which has it) answers
		assert.is_true(ip.can_ping(RED, "10.99.0.1"))
	end)

	it("gives a route via a gateway scope global #root", function()
		red:route_add{ dst = "10.99.0.0/16", via = "192.168.15.2" }
		local raw = ip.ipj("-n", RED, "route", "show", "10.99.0.0/16")
		assert.equal(1, #raw)
		assert.is_nil(raw[1].scope)	-- ip omits "global"
	end)

	it("sets the metric #root", function()
		red:route_add{ dst = "10.99.0.0/16", via = "192.168.15.2", metric = 300 }
		local raw = ip.ipj("-n", RED, "route", "show", "10.99.0.0/16")
		assert.equal(1, #raw)
		assert.equal(300, raw[1].metric)
		red:route_add{ dst = "fd99::/64", via = "fd00:15::2", metric = 42 }
		local r = ip.route(RED, "inet6", "fd99::/64")
		assert.equal(42, r.metric)
	end)

	it("adds routes to one prefix with different metrics side by side #root", function()
		red:route_add{ dst = "10.99.0.0/16", via = "192.168.15.2", metric = 10 }
		red:route_add{ dst = "10.99.0.0/16", dev = "veth-red", metric = 20 }
		local metrics = {}
		for _, r in ipairs(ip.routes_to(RED, "inet", "10.99.0.0/16")) do
			metrics[#metrics + 1] = r.metric
		end
		table.sort(metrics)
		assert.same({ 10, 20 }, metrics)
	end)

	it("puts a route into table 100, not into main #root", function()
		red:route_add{ dst = "10.99.0.0/16", via = "192.168.15.2", table = 100 }
		local t100 = ip.ipj("-n", RED, "route", "show", "table", "100")
		assert.equal(1, #t100)
		assert.equal("10.99.0.0/16", t100[1].dst)
		assert.equal("192.168.15.2", t100[1].gateway)
		assert.equal("veth-red", t100[1].dev)
		assert.same({}, ip.ipj("-n", RED, "route", "show", "10.99.0.0/16"))
		-- main has none, so the table is not consulted: unreachable
		assert.is_false(ip.can_ping(RED, "10.99.0.1", 1))
	end)

	it("puts a route into a table above 255 and into main by name #root", function()
		red:route_add{ dst = "10.99.0.0/16", via = "192.168.15.2", table = 1000 }
		red:route_add{ dst = "10.98.0.0/16", via = "192.168.15.2", table = "main" }
		local t1000 = ip.ipj("-n", RED, "route", "show", "table", "1000")
		assert.equal(1, #t1000)
		assert.equal("10.99.0.0/16", t1000[1].dst)
		assert.is_not_nil(ip.route(RED, "inet", "10.98.0.0/16"))
	end)

	it("deletes exactly the route it names and leaves every other one #root", function()
		red:route_add{ dst = "default", via = "192.168.15.2" }
		red:route_add{ dst = "10.99.0.0/16", via = "192.168.15.2" }
		red:route_add{ dst = "10.98.0.0/16", via = "192.168.15.2" }
		red:route_add{ dst = "default", via = "fd00:15::2" }
		local before = ip.route_state(RED)
		red:route_del{ dst = "10.99.0.0/16", via = "192.168.15.2" }
		local after = ip.route_state(RED)
		assert.equal(#before - 1, #after)
		assert.is_nil(ip.route(RED, "inet", "10.99.0.0/16"))
		local removed = {}
		for _, l in ipairs(before) do
			removed[l] = true
		end
		for _, l in ipairs(after) do
			assert.is_true(removed[l], l)
			removed[l] = nil
		end
		local gone = next(removed)
		assert.is_truthy(gone:find("dst=10.99.0.0/16", 1, true))
		-- deleting the default route of one family leaves the other's
		red:route_del{ dst = "default", via = "fd00:15::2" }
		assert.is_nil(ip.route(RED, "inet6", "default"))
		assert.is_not_nil(ip.route(RED, "inet", "default"))
	end)

	it("deletes only the route with the metric it names #root", function()
		red:route_add{ dst = "10.99.0.0/16", via = "192.168.15.2", metric = 10 }
		red:route_add{ dst = "10.99.0.0/16", via = "192.168.15.2", metric = 20 }
		red:route_del{ dst = "10.99.0.0/16", metric = 20 }
		local left = ip.routes_to(RED, "inet", "10.99.0.0/16")
		assert.equal(1, #left)
		assert.equal(10, left[1].metric)
	end)

	it("deletes only the route in the table it names #root", function()
		red:route_add{ dst = "10.99.0.0/16", via = "192.168.15.2" }
		red:route_add{ dst = "10.99.0.0/16", via = "192.168.15.2", table = 100 }
		red:route_del{ dst = "10.99.0.0/16", table = 100 }
		assert.same({}, ip.ipj("-n", RED, "route", "show", "table", "100"))
		assert.is_not_nil(ip.route(RED, "inet", "10.99.0.0/16"))
		assert.is_true(ip.can_ping(RED, "10.99.0.1"))
	end)

	it("refuses to delete a route that does not exist and changes nothing #root", function()
		red:route_add{ dst = "10.99.0.0/16", via = "192.168.15.2", metric = 10 }
		local before = ip.route_state(RED)
		local err = proc.error_of(red.route_del, red, { dst = "10.97.0.0/16" })
		assert.equal("netns: route_del 10.97.0.0/16 in " .. RED .. ": No such process (ESRCH)", err)
		err = proc.error_of(red.route_del, red, { dst = "10.99.0.0/16", metric = 11 })
		assert.equal("netns: route_del 10.99.0.0/16 in " .. RED .. ": No such process (ESRCH)", err)
		assert.same(before, ip.route_state(RED))
	end)

	it("refuses to add a route that exists and leaves it as it was #root", function()
		red:route_add{ dst = "10.99.0.0/16", via = "192.168.15.2" }
		local before = ip.route_state(RED)
		local err = proc.error_of(red.route_add, red, { dst = "10.99.0.0/16", via = "192.168.15.2" })
		assert.equal("netns: route_add 10.99.0.0/16 in " .. RED .. ": File exists (EEXIST)", err)
		assert.same(before, ip.route_state(RED))
	end)

	describe("routes()", function()
		before_each(function()
			red:route_add{ dst = "default", via = "192.168.15.2" }
			red:route_add{ dst = "10.99.0.0/16", via = "192.168.15.2", metric = 50 }
			red:route_add{ dst = "10.98.0.0/16", dev = "veth-red" }
			red:route_add{ dst = "10.97.0.0/16", via = "192.168.15.2", table = 100 }
			red:route_add{ dst = "default", via = "fd00:15::2" }
			red:route_add{ dst = "fd99::/64", via = "fd00:15::2", metric = 7 }
			red:route_add{ dst = "fd98::/64", dev = "veth-red", table = 100 }
			-- a route made by iproute2, not by us: proto boot
			ip.ip("-n", RED, "route", "add", "10.96.0.0/16", "via", "192.168.15.2")
		end)

		local function ours(list)
			local inet, inet6 = {}, {}
			for _, r in ipairs(list) do
				assert.is_string(r.family)
				local t = r.family == "inet" and inet or inet6
				t[#t + 1] = r
			end
			return inet, inet6
		end

		it("lists every IPv4 and IPv6 route of every table but local, as ip -j does #root", function()
			local inet, inet6 = ours(red:routes())
			assert.same(ip.route_lines(ip.routes(RED, "inet")), ip.route_lines(inet))
			assert.same(ip.route_lines(ip.routes(RED, "inet6")), ip.route_lines(inet6))
			-- what this compared is not empty: the routes we made are there
			local lines = table.concat(ip.route_lines(inet), "\n")
			assert.is_truthy(lines:find("table=100 dst=10.97.0.0/16 via=192.168.15.2 dev=veth-red proto=static", 1, true))
			assert.is_truthy(lines:find("table=254 dst=10.99.0.0/16 via=192.168.15.2 dev=veth-red metric=50 proto=static", 1, true))
			assert.is_truthy(lines:find("table=254 dst=10.98.0.0/16 dev=veth-red proto=static scope=link", 1, true))
			assert.is_truthy(lines:find("table=254 dst=10.96.0.0/16 via=192.168.15.2 dev=veth-red proto=boot", 1, true))
			assert.is_truthy(lines:find("table=254 dst=192.168.15.0/24 dev=veth-red proto=kernel scope=link", 1, true))
			lines = table.concat(ip.route_lines(inet6), "\n")
			assert.is_truthy(lines:find("table=254 dst=default via=fd00:15::2 dev=veth-red", 1, true))
			assert.is_truthy(lines:find("table=254 dst=fd99::/64 via=fd00:15::2 dev=veth-red metric=7 proto=static", 1, true))
			assert.is_truthy(lines:find("table=100 dst=fd98::/64 dev=veth-red", 1, true))
		end)

		it("gives fields with the documented types #root", function()
			local routes = red:routes()
			-- as many as ip shows: the loop below checks every one
			assert.equal(#ip.routes(RED, "inet") + #ip.routes(RED, "inet6"), #routes)
			assert.is_true(#routes >= 8)
			for _, r in ipairs(routes) do
				assert.is_string(r.dst)
				assert.is_string(r.dev)
				assert.equal("integer", math.type(r.table))
				assert.is_string(r.proto)
				assert.is_string(r.scope)
				assert.is_true(r.family == "inet" or r.family == "inet6")
				if r.metric ~= nil then
					assert.equal("integer", math.type(r.metric))
				end
				if r.via ~= nil then
					assert.is_string(r.via)
				end
			end
		end)

		it("filters by family #root", function()
			local v6 = red:routes("inet6")
			assert.is_true(#v6 > 0)
			for _, r in ipairs(v6) do
				assert.equal("inet6", r.family)
			end
			assert.same(ip.route_lines(ip.routes(RED, "inet6")), ip.route_lines(v6))
			local v4 = red:routes("inet")
			assert.is_true(#v4 > 0)
			for _, r in ipairs(v4) do
				assert.equal("inet", r.family)
			end
			assert.same(ip.route_lines(ip.routes(RED, "inet")), ip.route_lines(v4))
			assert.equal(#v4 + #v6, #red:routes())
		end)

		it("follows a route deleted with ip route del #root", function()
			assert.is_not_nil(ip.route(RED, "inet", "10.99.0.0/16"))
			ip.ip("-n", RED, "route", "del", "10.99.0.0/16")
			for _, r in ipairs(red:routes("inet")) do
				assert.is_not.equal("10.99.0.0/16", r.dst)
			end
			assert.same(ip.route_lines(ip.routes(RED, "inet")), ip.route_lines(red:routes("inet")))
		end)

		it("refuses an unknown family #root", function()
			assert.equal("netns: routes: family 'ipx' is not inet or inet6", proc.error_of(red.routes, red, "ipx"))
		end)
	end)

	describe("bad input", function()
		local before

		before_each(function()
			red:route_add{ dst = "10.99.0.0/16", via = "192.168.15.2" }
			before = ip.route_state(RED)
		end)

		after_each(function()
			-- whatever the call, nothing reached the routing tables
			if red then
				assert.same(before, ip.route_state(RED))
			end
		end)

		local function refuses(route, expected, plain)
			local err = proc.error_of(red.route_add, red, route)
			if plain then
				assert.is_truthy(err:find(expected, 1, true), err)
			else
				assert.equal(expected, err)
			end
			assert.same(before, ip.route_state(RED))
		end

		it("refuses a malformed prefix, naming it #root", function()
			refuses({ dst = "10.0.0.0/33", via = "192.168.15.2" },
				"netns: route_add: option 'dst': prefix '10.0.0.0/33' has a prefix length outside 0..32")
			refuses({ dst = "foo", via = "192.168.15.2" },
				"netns: route_add: option 'dst': prefix 'foo' is not an IPv4 or IPv6 address")
			refuses({ dst = "fd99::/129", via = "fd00:15::2" },
				"netns: route_add: option 'dst': prefix 'fd99::/129' has a prefix length outside 0..128")
			refuses({ dst = "10.0.0.0/", via = "192.168.15.2" },
				"netns: route_add: option 'dst': prefix '10.0.0.0/' has no prefix length after '/'")
		end)

		it("refuses a prefix with host bits set, naming it #root", function()
			refuses({ dst = "10.0.0.1/8", via = "192.168.15.2" },
				"netns: route_add: option 'dst': prefix '10.0.0.1/8' has host bits set beyond its prefix length")
			refuses({ dst = "fd99::1/64", via = "fd00:15::2" },
				"netns: route_add: option 'dst': prefix 'fd99::1/64' has host bits set beyond its prefix length")
		end)

		it("refuses a malformed gateway, naming it #root", function()
			refuses({ dst = "10.0.0.0/8", via = "192.168.15" },
				"netns: route_add: option 'via': gateway '192.168.15' is not an IPv4 or IPv6 address")
		end)

		it("refuses an unknown device with ENODEV #root", function()
			refuses({ dst = "10.0.0.0/8", dev = "nodev" },
				"netns: route_add 10.0.0.0/8 in " .. RED .. ": No such device (ENODEV)", true)
		end)

		it("refuses a gateway that is not on-link with ENETUNREACH and the kernel's text #root", function()
			refuses({ dst = "10.0.0.0/8", via = "10.9.9.9" },
				"netns: route_add 10.0.0.0/8 in " .. RED .. ": Network is unreachable (ENETUNREACH): Nexthop has invalid gateway")
		end)

		it("refuses an IPv4 destination with an IPv6 gateway, and the reverse #root", function()
			refuses({ dst = "10.0.0.0/8", via = "fd00:15::2" },
				"netns: route_add: route to '10.0.0.0/8' mixes IPv4 and IPv6")
			refuses({ dst = "fd99::/64", via = "192.168.15.2" },
				"netns: route_add: route to 'fd99::/64' mixes IPv4 and IPv6")
			refuses({ dst = "10.0.0.0/8", dev = "veth-red", family = "inet6" },
				"netns: route_add: route to '10.0.0.0/8' mixes IPv4 and IPv6")
		end)

		it("refuses a route without a destination #root", function()
			refuses({ via = "192.168.15.2" },
				"netns: route_add: option 'dst' is required (\"default\" or a prefix)")
		end)

		it("refuses a route with neither gateway nor device #root", function()
			refuses({ dst = "10.0.0.0/8" }, "netns: route_add: route to '10.0.0.0/8' needs 'via' or 'dev'")
			refuses({ dst = "default" }, "netns: route_add: route to 'default' needs 'via' or 'dev'")
		end)

		it("refuses an unknown option, naming it #root", function()
			refuses({ dst = "10.0.0.0/8", via = "192.168.15.2", gw = "192.168.15.2" },
				"netns: route_add: unknown option 'gw'")
		end)

		it("refuses options of the wrong type or out of range #root", function()
			refuses({ dst = 10, via = "192.168.15.2" }, "netns: route_add: option 'dst' must be a string, not number")
			refuses({ dst = "10.0.0.0/8", via = "192.168.15.2", metric = -1 },
				"netns: route_add: option 'metric' must be an integer in 0..4294967295, not '-1'")
			refuses({ dst = "10.0.0.0/8", via = "192.168.15.2", table = 255 },
				"netns: route_add: option 'table': 255 is the kernel's local table")
			refuses({ dst = "10.0.0.0/8", via = "192.168.15.2", table = "mine" },
				"netns: route_add: option 'table' 'mine' is not \"main\" or a number")
			refuses({ dst = "10.0.0.0/8", via = "192.168.15.2", family = "ipx" },
				"netns: route_add: option 'family' 'ipx' is not inet or inet6")
			assert.equal("netns: route_add: route must be a table, not string",
				proc.error_of(red.route_add, red, "10.0.0.0/8"))
		end)

		it("checks route_del's arguments the same way #root", function()
			assert.equal("netns: route_del: option 'dst': prefix '10.99.0.1/16' has host bits set beyond its prefix length",
				proc.error_of(red.route_del, red, { dst = "10.99.0.1/16" }))
			assert.equal("netns: route_del: unknown option 'gw'",
				proc.error_of(red.route_del, red, { dst = "10.99.0.0/16", gw = "192.168.15.2" }))
			assert.equal("netns: route_del: option 'dst' is required (\"default\" or a prefix)",
				proc.error_of(red.route_del, red, {}))
		end)
	end)
end)

describe("a router between two subnets", function()
	local R, H1, H2 = P .. "rtr", P .. "h1", P .. "h2"

	after_each(function()
		ip.cleanup(P)
	end)

	it("forwards between hosts with default routes once ip_forward is 1 #root", function()
		local rtr <close> = netns.add(R)
		local h1 <close> = netns.add(H1)
		local h2 <close> = netns.add(H2)
		rtr:link_add("r-h1", "veth", { peer = "h1-r", peer_ns = h1 })
		rtr:link_add("r-h2", "veth", { peer = "h2-r", peer_ns = h2 })
		for _, x in ipairs({ { rtr, "r-h1", "10.1.0.1/24" }, { rtr, "r-h2", "10.2.0.1/24" },
				     { h1, "h1-r", "10.1.0.2/24" }, { h2, "h2-r", "10.2.0.2/24" } }) do
			x[1]:link_set(x[2], { up = true })
			x[1]:addr_add(x[2], x[3])
		end
		for _, x in ipairs({ { rtr, "r-h1" }, { rtr, "r-h2" }, { h1, "h1-r" }, { h2, "h2-r" } }) do
			ip.settle(x[1], x[2])
		end
		h1:route_add{ dst = "default", via = "10.1.0.1" }
		h2:route_add{ dst = "default", via = "10.2.0.1" }
		assert.equal("10.1.0.1", ip.route(H1, "inet", "default").via)
		assert.equal("10.2.0.1", ip.route(H2, "inet", "default").via)

		-- the router reaches both, but does not forward yet
		assert.is_true(ip.can_ping(R, "10.1.0.2"))
		assert.is_true(ip.can_ping(R, "10.2.0.2"))
		assert.equal("0", ip.netns_exec(R, { "cat", "/proc/sys/net/ipv4/ip_forward" }):match("%d"))
		assert.is_false(ip.can_ping(H1, "10.2.0.2", 0.3))

		rtr:sysctl("net.ipv4.ip_forward", "1")
		assert.equal("1", ip.netns_exec(R, { "cat", "/proc/sys/net/ipv4/ip_forward" }):match("%d"))
		assert.is_true(ip.can_ping(H1, "10.2.0.2"))
		assert.is_true(ip.can_ping(H2, "10.1.0.2"))
	end)
end)
