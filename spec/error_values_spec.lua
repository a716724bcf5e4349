-- spec/error_values_spec.lua - errors are values: code, errno, op, object, part, ns, text, arg; tostring is the message; callers match code.
local netns = require "netns"
local ip = require "support.ip"
local proc = require "support.proc"
local nl = require "support.netlab"

local P = "t-ev-"

-- the error value of fn(...), which must fail
local function err_of(fn, ...)
	local ok, err = pcall(fn, ...)
	assert.is_false(ok, "expected an error, but the call succeeded")
	assert.equal("table", type(err), tostring(err))
	return err
end

describe("error values", function()
	local ws = nl.workspace("ev")

	teardown(function() ws:cleanup() end)
	after_each(function() ip.cleanup(P) end)

	it("of the kernel carry op, object, ns, errno and code, and print the message as before #root", function()
		local a <close> = netns.add(P .. "a")
		a:link_add("veth0", "veth", { peer = "veth1" })
		local before = ip.state(P .. "a")
		local err = err_of(a.link_add, a, "veth0", "bridge")
		assert.equal("EEXIST", err.code)
		assert.equal(17, err.errno)
		assert.equal("link_add", err.op)
		assert.equal("veth0", err.object)
		assert.equal(P .. "a", err.ns)
		assert.equal("", err.text)
		assert.is_nil(err.part)
		assert.equal("netns: link_add veth0 in t-ev-a: File exists (EEXIST)", tostring(err))
		assert.equal("netns.error", getmetatable(err).__name)
		assert.same(before, ip.state(P .. "a"))
	end)

	it("carry the kernel's own words in text #root", function()
		local a <close> = netns.add(P .. "a")
		a:link_add("veth0", "veth", { peer = "veth1" })
		local err = err_of(a.route_add, a, { dst = "10.5.0.0/16", via = "10.9.9.9", dev = "veth0" })
		assert.equal("ENETUNREACH", err.code)
		assert.equal("Nexthop has invalid gateway", err.text)
		assert.equal("netns: route_add 10.5.0.0/16 in t-ev-a: Network is unreachable (ENETUNREACH): "
			.. "Nexthop has invalid gateway", tostring(err))
		assert.same({}, ip.routes_to(P .. "a", "inet", "10.5.0.0/16"))
	end)

	it("of a device that is not there say ENODEV, and a second call has no text of the first #root", function()
		local a <close> = netns.add(P .. "a")
		local err = err_of(a.addr_add, a, "nope0", "10.0.0.1/24")
		assert.equal("ENODEV", err.code)
		assert.equal("10.0.0.1/24 on nope0", err.object)
		-- a failure with the kernel's words, then one without: none of the first is left
		a:link_add("veth0", "veth", { peer = "veth1" })
		err = err_of(a.route_add, a, { dst = "10.6.0.0/16", dev = "veth0" })
		assert.equal("ENETDOWN", err.code)
		assert.equal("Device for nexthop is not up", err.text)
		a:link_set("veth0", { up = true })
		a:route_add { dst = "10.6.0.0/16", dev = "veth0" }
		err = err_of(a.route_add, a, { dst = "10.6.0.0/16", dev = "veth0" })
		assert.equal("EEXIST", err.code)
		assert.equal("", err.text)
		assert.equal("netns: route_add 10.6.0.0/16 in t-ev-a: File exists (EEXIST)", tostring(err))
	end)

	it("name the part of a request made of several that failed, and leave nothing of it #root", function()
		local err = err_of(netns.add, P .. "b", { lo_up = true, sysctl = { ["net.ipv4.nope"] = "1" } })
		assert.equal("ENOENT", err.code)
		assert.equal("add", err.op)
		assert.equal(P .. "b", err.object)
		assert.equal("sysctl net.ipv4.nope", err.part)
		assert.equal("netns: add t-ev-b (sysctl net.ipv4.nope) in host: No such file or directory (ENOENT)", tostring(err))
		assert.is_false(ip.has_netns(P .. "b"))
	end)

	it("of bad input have code EINVAL and name the argument, before anything reaches the kernel #root", function()
		local a <close> = netns.add(P .. "a")
		local before = ip.state(P .. "a")
		local err = err_of(a.link_add, a, "veth0", "veth", { peer = "veth1", mtu = 20 })
		assert.equal("EINVAL", err.code)
		assert.equal(22, err.errno)
		assert.equal("link_add", err.op)
		assert.equal("mtu", err.arg)
		assert.is_nil(err.object)
		assert.equal("netns: link_add: option 'mtu' must be an integer in 68..65535, not '20'", tostring(err))
		err = err_of(a.addr_add, a, "lo", "10.0.0.1/33")
		assert.equal("address", err.arg)
		assert.equal("netns: addr_add: address '10.0.0.1/33' has a prefix length outside 0..32", tostring(err))
		err = err_of(a.link_set, a, "lo", { upp = true })
		assert.equal("upp", err.arg)
		assert.same(before, ip.state(P .. "a"))
	end)

	it("of a closed handle have code EBADF #root", function()
		local a = netns.add(P .. "a")
		a:close()
		local err = err_of(a.links, a)
		assert.equal("EBADF", err.code)
		assert.equal("netns: the namespace handle is closed", tostring(err))
	end)

	it("are matched by code, as the lab does when a namespace it made is gone already #root", function()
		local err = err_of(netns.open, P .. "never")
		assert.equal("ENOENT", err.code)
		-- the lab's teardown tells a namespace deleted behind its back by the
		-- code, and finishes without an error
		local code, out, stderr = ws:run({ "--host", "-e", ([[
local n = lab:node %q
os.execute("ip netns del %s")
]]):format(P .. "gone", P .. "gone") })
		assert.equal(0, code, (out or "") .. (stderr or ""))
		assert.equal("", stderr)
		assert.is_false(ip.has_netns(P .. "gone"))
	end)

	it("print as the message when nobody catches them, with the script's line #root", function()
		local script = ws:write("uncaught.lua", ("local a = lab:node %q\na:link_add('lo', 'bridge')\n"):format(P .. "u"))
		local code, _, err = ws:run({ script })
		assert.equal(1, code)
		-- the message, located at the script's line (a value has no position of its own)
		assert.equal(script .. ":2: netns: link_add lo in " .. P .. "u: File exists (EEXIST)", err:match("^[^\n]*"))
	end)
end)

describe("netns.hook", function()
	after_each(function()
		netns.hook(nil)
		ip.cleanup(P)
	end)

	it("sees every call with its name and arguments as given, before the call #root", function()
		local seen = {}
		assert.is_nil(netns.hook(function(name, ...)
			local args = table.pack(...)
			seen[#seen + 1] = { name = name, n = args.n, first = args[1], second = args[2] }
			-- before: the namespace the call makes is not there yet
			if name == "add" then seen[#seen].existed = ip.has_netns(args[1]) end
		end))
		local a <close> = netns.add(P .. "h")
		a:link_add("br0", "bridge", { up = true })
		pcall(a.link_add, a, "bad name", "bridge")
		local old = netns.hook(nil)
		assert.equal("function", type(old))
		a:links()
		assert.equal(3, #seen)
		assert.same({ name = "add", n = 1, first = P .. "h", existed = false }, seen[1])
		assert.equal("link_add", seen[2].name)
		assert.equal(a, seen[2].first)
		assert.equal("br0", seen[2].second)
		assert.equal("bad name", seen[3].second)
		assert.truthy(ip.link(P .. "h", "br0"), "the hooked call still ran")
	end)

	it("refuses what is not a function, naming it", function()
		local err = err_of(netns.hook, 42)
		assert.equal("EINVAL", err.code)
		assert.equal("netns: hook: hook must be a function or nil, not number", tostring(err))
	end)
end)
