-- spec/fdb_spec.lua - a VXLAN born in another namespace (link_add's ns: its socket stays where it
-- was asked for), and a VXLAN's forwarding entries (fdb_append, fdb_del): checked with ip -d,
-- bridge -j fdb, ss, and real traffic through the tunnel.
local netns = require "netns"
local ip = require "support.ip"
local proc = require "support.proc"
local json = require "support.json"
local topo = require "support.topo"

local P = "t-fdb-"
local RED, BLUE, IRED, IBLUE = P .. "red", P .. "blue", P .. "ired", P .. "iblue"

local function fdb(ns, dev)
	local out, code = proc.exec({ "bridge", "-j", "-n", ns, "fdb", "show", "dev", dev })
	assert(code == 0, "bridge fdb show failed")
	local list = {}
	for _, e in ipairs(json.decode(out)) do
		if e.mac == "00:00:00:00:00:00" then list[#list + 1] = e.dst end
	end
	table.sort(list)
	return list
end

local function udp_ports(ns)
	local out = ip.netns_exec(ns, { "ss", "-H", "-u", "-l", "-n" })
	local ports = {}
	for port in out:gmatch(":(%d+)%s") do ports[tonumber(port)] = true end
	return ports
end

describe("a vxlan between namespaces", function()
	local red, blue, ired, iblue

	before_each(function()
		red, blue = topo.pair(P, { no_ipv6 = true })
		ired, iblue = netns.add(IRED, { lo_up = true }), netns.add(IBLUE, { lo_up = true })
	end)

	after_each(function()
		red, blue, ired, iblue = nil, nil, nil, nil
		ip.cleanup(P)
	end)

	it("is born in the namespace given, its socket in the one that asked: traffic crosses #root", function()
		red:link_add("vx0", "vxlan", { id = 4242, port = 4790, ["local"] = "192.168.15.1", remote = "192.168.15.2",
			ns = ired, mtu = 1450 })
		blue:link_add("vx0", "vxlan", { id = 4242, port = 4790, ["local"] = "192.168.15.2", remote = "192.168.15.1",
			ns = iblue, mtu = 1450 })
		-- in the inner namespace, not in the outer one
		assert.is_nil(ip.link(RED, "vx0"))
		local out = proc.exec({ "ip", "-j", "-d", "-n", IRED, "link", "show", "vx0" })
		local l = json.decode(out)[1]
		assert.equal(1450, l.mtu)
		assert.equal(4242, l.linkinfo.info_data.id)
		for _, x in ipairs { { ired, "10.77.0.1/24" }, { iblue, "10.77.0.2/24" } } do
			x[1]:link_set("vx0", { up = true })
			x[1]:addr_add("vx0", x[2])
		end
		-- up, it listens where the request came from
		assert.truthy(udp_ports(RED)[4790])
		assert.falsy(udp_ports(IRED)[4790])
		assert.is_true(ip.can_ping(IRED, "10.77.0.2"))
	end)

	it("floods to every remote fdb_append gives it, and no more to one fdb_del takes #root", function()
		for _, x in ipairs { { red, ired, "192.168.15.1", "10.77.0.1/24" }, { blue, iblue, "192.168.15.2", "10.77.0.2/24" } } do
			x[1]:link_add("vx0", "vxlan", { id = 99, port = 4791, ["local"] = x[3], ns = x[2], learning = false })
			x[2]:link_set("vx0", { up = true })
			x[2]:addr_add("vx0", x[4])
		end
		ired:fdb_append { dev = "vx0", dst = "192.168.15.2" }
		ired:fdb_append { dev = "vx0", dst = "192.168.15.9" }
		iblue:fdb_append { dev = "vx0", dst = "192.168.15.1" }
		assert.same({ "192.168.15.2", "192.168.15.9" }, fdb(IRED, "vx0"))
		assert.is_true(ip.can_ping(IRED, "10.77.0.2"))
		ired:fdb_del { dev = "vx0", dst = "192.168.15.2" }
		assert.same({ "192.168.15.9" }, fdb(IRED, "vx0"))
		-- learning is off and the neighbour forgotten: the flood went only to .9
		proc.exec({ "ip", "-n", IRED, "neigh", "flush", "dev", "vx0" })
		assert.is_false(ip.can_ping(IRED, "10.77.0.2", 0.5))
	end)

	it("--trace says it as ip and bridge commands that build the same, replayed #root", function()
		local formats = require("netlab.trace").formats
		local calls = {
			{ "link_add", red, "vx0", "vxlan", { id = 31, port = 4792, ["local"] = "192.168.15.1", ns = ired, mtu = 1400 } },
			{ "fdb_append", ired, { dev = "vx0", dst = "192.168.15.2" } },
			{ "fdb_append", ired, { dev = "vx0", dst = "192.168.15.3" } },
			{ "fdb_del", ired, { dev = "vx0", dst = "192.168.15.3" } },
		}
		local lines = {}
		for _, c in ipairs(calls) do
			local target = c[2]
			target[c[1]](target, table.unpack(c, 3))
			for _, l in ipairs(formats[c[1]](table.unpack(c, 2))) do lines[#lines + 1] = l end
		end
		local function state()
			local l = json.decode(proc.exec({ "ip", "-j", "-d", "-n", IRED, "link", "show", "vx0" }))[1]
			local d = l.linkinfo.info_data
			return { mtu = l.mtu, id = d.id, port = d.port, ["local"] = d["local"], fdb = fdb(IRED, "vx0"),
				in_red = ip.link(RED, "vx0") ~= nil }
		end
		local built = state()
		assert.same({ mtu = 1400, id = 31, port = 4792, ["local"] = "192.168.15.1", fdb = { "192.168.15.2" },
			in_red = false }, built)
		-- the same namespaces again, empty; the trace builds the same
		red, blue, ired, iblue = nil, nil, nil, nil
		ip.cleanup(P)
		red, blue = topo.pair(P, { no_ipv6 = true })
		ired = netns.add(IRED, { lo_up = true })
		local out, code = proc.exec({ "bash", "-euc", table.concat(lines, "\n") }, true)
		assert.equal(0, code, table.concat(lines, "\n") .. "\n" .. out)
		assert.same(built, state())
	end)

	it("refuses bad input naming it, and changes nothing #root", function()
		red:link_add("vx0", "vxlan", { id = 5, ns = ired })
		local function refused(f, code, part)
			local ok, e = pcall(f)
			assert.is_false(ok)
			assert.equal(code, e.code, tostring(e))
			assert.truthy(tostring(e):find(part, 1, true), tostring(e))
		end
		refused(function() ired:fdb_append { dev = "vx0" } end, "EINVAL", "option 'dst' (the remote's address) is required")
		refused(function() ired:fdb_append { dst = "192.168.15.2" } end, "EINVAL", "option 'dev'")
		refused(function() ired:fdb_append { dev = "vx0", dst = "192.168.15.300" } end, "EINVAL", "192.168.15.300")
		refused(function() ired:fdb_append { dev = "vx0", dst = "192.168.15.2", mac = "x" } end, "EINVAL", "mac")
		refused(function() ired:fdb_append { dev = "vx9", dst = "192.168.15.2" } end, "ENODEV", "vx9")
		refused(function() red:link_add("v1", "veth", { peer = "v2", ns = ired }) end, "EINVAL", "option 'ns' is not for veth")
		refused(function() red:link_add("vx1", "vxlan", { id = 6, ns = 42 }) end, "EINVAL", "option 'ns' must be a namespace")
		assert.same({}, fdb(IRED, "vx0"))
		assert.is_nil(ip.link(RED, "v1"))
		assert.is_nil(ip.link(RED, "vx1"))
		assert.is_nil(ip.link(IRED, "vx1"))
	end)
end)
