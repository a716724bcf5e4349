-- spec/route_proto_spec.lua - a route's protocol: named as iproute2 names it (rt_protos, rt_protos.d), set by route_add and route_del, checked against `ip -j route`.
local ip = require "support.ip"
local nl = require "support.netlab"
local proc = require "support.proc"
local topo = require "support.topo"

local P = "t-rp-"
local RED = P .. "red"

-- what `ip -j route` says each prefix's protocol is, in the suite's view of /etc/iproute2
local function ip_protos(ns)
	local out = {}
	for _, family in ipairs { "inet", "inet6" } do
		for _, r in ipairs(ip.routes(ns, family)) do out[r.dst] = r.proto end
	end
	return out
end

local function protos(handle)
	local out = {}
	for _, r in ipairs(handle:routes()) do out[r.dst] = r.proto end
	return out
end

-- what this machine's /etc/iproute2/rt_protos says a number is called, or nil
local function etc_name(id)
	for line in (proc.read("/etc/iproute2/rt_protos") or ""):gmatch("[^\n]+") do
		local n, name = line:match("^%s*(%d+)%s+(%S+)")
		if tonumber(n) == id then return name end
	end
end

describe("a route's protocol", function()
	local red

	before_each(function()
		red = topo.pair(P)
	end)

	after_each(function()
		red = nil
		ip.cleanup(P)
	end)

	it("comes back as the name ip shows: bird, ospf, zebra, static, and a number only when unnamed #root", function()
		-- 77 has no name in iproute2 nor in Debian's rt_protos (42 is babel's)
		assert.is_nil(etc_name(77))
		local made = {
			{ "10.51.0.0/16", 12 }, { "10.52.0.0/16", 188 }, { "10.53.0.0/16", 77 },
			{ "10.54.0.0/16", "static" }, { "10.55.0.0/16", "zebra" }, { "10.56.0.0/16", "77" },
			{ "10.57.0.0/16", "0x0c" }, { "fd51::/64", "ospf" }, { "fd52::/64", 77 },
			-- named by a file of rt_protos.d when one is there (FRR's frr.conf names 191 nhrp)
			{ "10.59.0.0/16", 191 },
		}
		for _, m in ipairs(made) do
			red:route_add { dst = m[1], via = m[1]:match(":") and "fd00:15::2" or "192.168.15.2", proto = m[2] }
		end
		local want = {
			["10.51.0.0/16"] = "bird", ["10.52.0.0/16"] = "ospf", ["10.53.0.0/16"] = "77",
			["10.54.0.0/16"] = "static", ["10.55.0.0/16"] = "zebra", ["10.56.0.0/16"] = "77",
			["10.57.0.0/16"] = "bird", ["fd51::/64"] = "ospf", ["fd52::/64"] = "77",
		}
		-- the names are this machine's (Debian's rt_protos names bird, zebra and ospf as iproute2 does)
		assert.equal("bird", etc_name(12) or "bird")
		local seen, by_ip = protos(red), ip_protos(RED)
		for dst, name in pairs(want) do
			assert.equal(name, seen[dst], dst)
			assert.equal(name, by_ip[dst], dst .. " as ip shows it")
		end
		-- every route, the kernel's own among them, named as ip names it
		for dst, name in pairs(by_ip) do assert.equal(name, seen[dst], dst) end
		assert.equal("kernel", seen["192.168.15.0/24"])
		-- a route made without proto is static, as before
		red:route_add { dst = "10.58.0.0/16", via = "192.168.15.2" }
		assert.equal("static", ip_protos(RED)["10.58.0.0/16"])
	end)

	it("route_del with proto removes only the route of that protocol #root", function()
		red:route_add { dst = "10.61.0.0/16", via = "192.168.15.2", proto = "bird" }
		local err = proc.error_of(red.route_del, red, { dst = "10.61.0.0/16", proto = "ospf" })
		assert.truthy(proc.contains(err, "ESRCH"), err)
		assert.equal("bird", ip_protos(RED)["10.61.0.0/16"])
		red:route_del { dst = "10.61.0.0/16", proto = 12 }
		assert.is_nil(ip_protos(RED)["10.61.0.0/16"])
	end)

	it("refuses a protocol that is neither a name nor a number in 0..255, naming it, and makes nothing #root", function()
		local before = ip.route_state(RED)
		for _, bad in ipairs { "bidr", "", "-1", "256", "0x100", " 12", "12 ", "bird\0x" } do
			local ok, e = pcall(red.route_add, red, { dst = "10.62.0.0/16", via = "192.168.15.2", proto = bad })
			assert.is_false(ok, bad)
			assert.equal("EINVAL", e.code, bad)
			assert.equal("proto", e.arg, bad)
			assert.truthy(proc.contains(tostring(e), "option 'proto'"), tostring(e))
		end
		local e = select(2, pcall(red.route_add, red, { dst = "10.62.0.0/16", via = "192.168.15.2", proto = "bidr" }))
		assert.equal("netns: route_add: option 'proto': 'bidr' is not a routing protocol's name (iproute2's, "
			.. "or one of /etc/iproute2/rt_protos and rt_protos.d) nor a number in 0..255", tostring(e))
		for _, bad in ipairs { 256, -1, 1.5, true, {} } do
			local ok, e2 = pcall(red.route_add, red, { dst = "10.62.0.0/16", via = "192.168.15.2", proto = bad })
			assert.is_false(ok, tostring(bad))
			assert.equal("EINVAL", e2.code)
			assert.truthy(proc.contains(tostring(e2), "option 'proto' must be an integer in 0..255"), tostring(e2))
		end
		local ok, e3 = pcall(red.route_del, red, { dst = "10.62.0.0/16", proto = "bidr" })
		assert.is_false(ok)
		assert.equal("proto", e3.arg)
		assert.same(before, ip.route_state(RED))
	end)

	it("reads rt_protos.d as iproute2 does: a private mount over it names 77 for ip and netns alike, the real /etc untouched #root", function()
		-- the machine's own directory, as it is (a routing suite installed here adds its file: FRR's frr.conf)
		local function listing()
			local f = io.popen("ls -Al --time-style=+%s /etc/iproute2/rt_protos.d")
			local text = f:read("a")
			f:close()
			return text
		end
		local listing_before = listing()
		local dir = proc.tmpdir("rtprotos")
		proc.write(dir .. "/lab.conf", table.concat({
			"# netlab's spec",
			"",
			"   \t",
			"\t0x4d\thexname # a comment after the name",
			"300 toobig",
			"-5 negative",
			"78 seventy_eight trailing words",
			"this line is what iproute2 calls corrupted",
			"79 after_the_bad_line",
		}, "\n") .. "\n")
		proc.write(dir .. "/other.conf", "80 eighty\n")
		proc.write(dir .. "/notconf.txt", "81 not_a_conf_file\n")
		proc.write(dir .. "/.hidden.conf", "82 hidden\n")
		-- the child: a mount namespace of its own with dir over /etc/iproute2/rt_protos.d; it makes
		-- routes by the new names and reads them back, and ip in the same mount namespace is asked too
		local child = [[
local netns = require "netns"
local red = netns.open(arg[1])
red:route_add { dst = "10.71.0.0/16", via = "192.168.15.2", proto = "hexname" }
red:route_add { dst = "10.72.0.0/16", via = "192.168.15.2", proto = "seventy_eight" }
red:route_add { dst = "10.73.0.0/16", via = "192.168.15.2", proto = 79 }
red:route_add { dst = "10.74.0.0/16", via = "192.168.15.2", proto = "eighty" }
red:route_add { dst = "10.75.0.0/16", via = "192.168.15.2", proto = 81 }
red:route_add { dst = "10.76.0.0/16", via = "192.168.15.2", proto = 82 }
for _, name in ipairs { "after_the_bad_line", "not_a_conf_file", "hidden", "toobig", "negative" } do
  local ok, e = pcall(red.route_add, red, { dst = "10.77.0.0/16", via = "192.168.15.2", proto = name })
  print("refused", name, not ok and e.code)
end
local names = {}
for _, r in ipairs(red:routes "inet") do
  if r.via then names[#names + 1] = r.dst .. "=" .. r.proto end
end
table.sort(names)
print("netns", table.concat(names, " "))
local f = io.popen("ip -n " .. arg[1] .. " -4 route show proto all 2>/dev/null")
local text = f:read("a")
f:close()
local seen = {}
for dst, proto in text:gmatch("(%S+) via %S+ dev %S+ proto (%S+)") do seen[#seen + 1] = dst .. "=" .. proto end
table.sort(seen)
print("ip", table.concat(seen, " "))
]]
		local script = proc.write(dir .. "/child.lua", child)
		local out, code = proc.exec({ "unshare", "--mount", "--propagation", "private", "sh", "-c",
			'mount --bind "$0" /etc/iproute2/rt_protos.d && exec lua5.4 -e "$1" "$2" "$3"', dir,
			("package.path = %q; package.cpath = %q"):format(package.path, package.cpath), script, RED }, true)
		proc.rmtree(dir)
		assert.equal(0, code, out)
		local named = "10.71.0.0/16=hexname 10.72.0.0/16=seventy_eight 10.73.0.0/16=79 10.74.0.0/16=eighty "
			.. "10.75.0.0/16=81 10.76.0.0/16=82"
		assert.truthy(proc.contains(out, "\nnetns\t" .. named .. "\n"), out)
		assert.truthy(proc.contains(out, "\nip\t" .. named .. "\n"), out)
		for _, name in ipairs { "after_the_bad_line", "not_a_conf_file", "hidden", "toobig", "negative" } do
			assert.truthy(proc.contains(out, "refused\t" .. name .. "\tEINVAL\n"), out)
		end
		-- outside that mount namespace nothing changed: the names were the child's alone
		local numbers = { ["10.71.0.0/16"] = "77", ["10.72.0.0/16"] = "78", ["10.74.0.0/16"] = "80" }
		local by_ip = ip_protos(RED)
		for dst, n in pairs(numbers) do assert.equal(n, by_ip[dst], dst) end
		assert.equal(listing_before, listing())
	end)

	it("survives link:down and link:up in a lab: the route comes back with its protocol, and --trace says it #root", function()
		local ws = nl.workspace("rp")
		local script = ws:write("proto.lua", [[
local a, b = lab:node "a", lab:node "b"
local l = lab:link(a, b, { addr = { "10.0.1.1/24", "10.0.1.2/24" } })
a:route_add { dst = "10.80.0.0/16", via = "10.0.1.2", proto = "bird" }
a:route_add { dst = "10.81.0.0/16", via = "10.0.1.2", proto = 77 }
l:down()
l:up()
local f = io.popen("ip -n a -4 route show 10.80.0.0/16; ip -n a -4 route show 10.81.0.0/16")
io.write(f:read("a"))
f:close()
]])
		local code, out, err = ws:run({ "--trace", script })
		ws:cleanup()
		assert.equal(0, code, err)
		assert.truthy(proc.contains(out, "10.80.0.0/16 via 10.0.1.2 dev eth0 proto bird"), out)
		assert.truthy(proc.contains(out, "10.81.0.0/16 via 10.0.1.2 dev eth0 proto 77"), out)
		assert.truthy(proc.contains(err, "+ ip -n a route add 10.80.0.0/16 via 10.0.1.2 proto bird\n"), err)
		assert.truthy(proc.contains(err, "+ ip -n a route add 10.81.0.0/16 via 10.0.1.2 proto 77\n"), err)
	end)
end)
