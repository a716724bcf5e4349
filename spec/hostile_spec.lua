-- spec/hostile_spec.lua - hostile input: every call with wrong types, nil, huge strings, NUL bytes, path tricks, NaN and dead handles raises a clear error or succeeds, and a refused call changes nothing.
local netns = require "netns"
local ip = require "support.ip"
local proc = require "support.proc"
local rootless = require "support.rootless"
local nft = require "support.nft"
local nl = require "support.netlab"

local P = "t-ho-"
local A = P .. "a"

-- what a call could have touched: names, the namespace's and the suite's
-- devices and addresses, its routes and its nftables ruleset
local function world()
	return {
		netns = ip.netns_names(), a = ip.state(A), suite = ip.state(nil),
		routes = ip.route_state(A), nft = nft.ruleset(A),
	}
end

-- the values a hostile caller passes
local BAD = {
	{ "nil", nil }, { "a number", 42 }, { "NaN", 0 / 0 }, { "infinity", math.huge }, { "-1", -1 },
	{ "true", true }, { "an empty table", {} }, { "a function", print },
	{ "a huge string", ("x"):rep(100000) }, { "a NUL byte", "a\0b" }, { "a path trick", "../../etc/passwd" },
	{ "a slash", "/" }, { "an empty string", "" }, { "whitespace", "x y" },
}

-- the handle's methods and a valid call of each to vary one argument of
-- (exec and close are left out: one replaces the process, the other the handle)
local METHODS = {
	delete = {}, links = {}, link = { "lo" }, link_add = { "t-ho-x", "bridge", {} },
	link_set = { "lo", { mtu = 1500 } }, link_del = { "t-ho-none" }, link_del_group = { 4242 },
	addr_add = { "lo", "10.9.9.9/32" }, addr_del = { "lo", "10.9.9.8/32" }, addrs = { "lo" },
	route_add = { { dst = "10.8.0.0/16", dev = "lo" } }, route_del = { { dst = "10.7.0.0/16" } },
	routes = { "inet" }, neigh_add = { { dst = "10.9.9.7", lladdr = "02:00:00:00:00:01", dev = "lo" } },
	neigh_del = { { dst = "10.9.9.7", dev = "lo" } }, neighs = { "lo" },
	sysctl = { "net.ipv4.conf.lo.forwarding" }, run = { { "true" }, { timeout = 5 } },
	spawn = { { "true" } }, ping = { "127.0.0.1", { timeout = 0.2, count = 1 } },
	connect = { "127.0.0.1", 9, { timeout = 0.2 } },
	nat_masquerade = { { src = "10.1.0.0/16" } }, nat_snat = { { src = "10.1.0.0/16", to = "10.2.0.1" } },
	nat_dnat = { { proto = "tcp", dport = 80, to = "10.1.0.2" } }, nat_rules = {}, nat_flush = {},
	qdisc_replace = { "lo", "tbf", { rate = "1mbit", burst = "10kb", latency = "1ms" }, { parent = "root" } },
	qdisc_change = { "lo", "netem", { delay = "1ms", loss = 1 } }, qdisc_del = { "lo", "root" },
	qdisc_batch = { { { "del", "lo" } } }, qdiscs = { "lo" },
}

-- fn(...) either returns, or raises a netns error value of this call whose
-- message names it; never a raw Lua error
local function clear(call, fn, ...)
	local ok, err = pcall(fn, ...)
	if ok then return true end
	assert.equal("table", type(err), call .. ": a raw error: " .. tostring(err))
	assert.truthy(err.code, call .. ": an error without a code: " .. tostring(err))
	local msg = tostring(err)
	assert.truthy(msg:match("^netns: ") and not msg:find("\n", 1, true), call .. ": " .. msg)
	-- the handle's and the module's own calls name themselves
	if err.op then assert.equal(call, err.op, msg) end
	return false, err
end

describe("hostile input", function()
	local a

	before_each(function()
		a = netns.add(A)
		a:link_set("lo", { up = true })
	end)

	after_each(function()
		a:close()
		ip.cleanup(P)
		proc.exec({ "sh", "-c", "rm -f /tmp/t-ho-*" })
	end)

	it("to every method: a clear error naming the call, or success; nothing changed by a refusal #root", function()
		local calls = 0
		for method, args in pairs(METHODS) do
			for pos = 1, math.max(1, #args) do
				for _, bad in ipairs(BAD) do
					local argv = { table.unpack(args) }
					argv[pos] = bad[2]
					local before = world()
					local ok = clear(method, a[method], a, table.unpack(argv, 1, math.max(#args, pos)))
					calls = calls + 1
					if not ok then
						assert.same(before, world(), ("%s with %s as argument %d changed something"):format(method, bad[1], pos))
					elseif method == "delete" then
						a = netns.add(A)	-- it was a valid call after all
						a:link_set("lo", { up = true })
					end
					collectgarbage()	-- spawned handles go, their processes with them
				end
			end
		end
		assert.truthy(calls > 300, calls)
	end)

	it("to the module's functions: the same #root", function()
		local before = world()
		for _, f in ipairs { "add", "open", "open_path", "delete", "prefix", "contains", "sleep", "list" } do
			for _, bad in ipairs(BAD) do
				for pos = 1, 2 do
					local argv = { "t-ho-never", "10.0.0.1" }
					argv[pos] = bad[2]
					-- sleep: a valid duration would only wait; keep it short
					if f == "sleep" and pos == 1 and type(bad[2]) == "number" and bad[2] > 0 and bad[2] < 1e300 then
						argv[1] = 0
					end
					local ok = clear(f, netns[f], table.unpack(argv, 1, 2))
					if ok and f == "add" then netns.delete(argv[1]) end
				end
			end
		end
		assert.same(before, world())
	end)

	it("to the methods of a closed handle and of a deleted namespace's handle #root", function()
		local gone = netns.add(P .. "gone")
		netns.delete(P .. "gone")	-- the handle keeps the namespace alive, nameless
		local closed = netns.add(P .. "closed")
		closed:close()
		for method, args in pairs(METHODS) do
			local ok, err = clear(method, closed[method], closed, table.unpack(args))
			assert.is_false(ok, method)
			assert.equal("EBADF", err.code, method)
			-- the nameless one answers (its own links) or refuses clearly
			clear(method, gone[method], gone, table.unpack(args))
		end
		gone:close()
		netns.delete(P .. "closed")
		assert.same({ A }, ip.netns_names())
	end)

	it("refuses a NUL byte in any string, naming the argument, where C would cut it short #root", function()
		local before = world()
		for _, c in ipairs {
			{ "netns: add: namespace name 'a\\x00b' contains a NUL byte", netns.add, "a\0b" },
			{ "netns: run: argv element 'tr\\x00ue' contains a NUL byte", a.run, a, { "tr\0ue" } },
			{ "netns: link_add: option 'alias' 'x\\x00y' contains a NUL byte", a.link_add, a, "t-ho-br", "bridge", { alias = "x\0y" } },
			{ "netns: spawn: option 'stdout' '/tmp/t-ho-x\\x00y' contains a NUL byte", a.spawn, a, { "true" }, { stdout = "/tmp/t-ho-x\0y" } },
			{ "netns: run: option 'env': value 'b\\x00c' contains a NUL byte", a.run, a, { "true" }, { env = { B = "b\0c" } } },
			{ "netns: sysctl: sysctl value '1\\x00' contains a NUL byte", a.sysctl, a, "net.ipv4.ip_forward", "1\0" },
		} do
			assert.equal(c[1], proc.error_of(table.unpack(c, 2)))
		end
		local none, why = netns.prefix("10.9.0.1\0/8")
		assert.is_nil(none)
		assert.equal("address '10.9.0.1\\x00/8' contains a NUL byte", why)
		assert.same(before, world())
		assert.is_nil(proc.read("/tmp/t-ho-x"))
	end)

	it("refuses NaN, infinities and durations a poll cannot hold, with one message each #root", function()
		local p <close> = a:spawn({ "sleep", "30" })
		for _, c in ipairs {
			{ "netns: wait: timeout '10000000.0' is more than 24 days", p.wait, p, 1e7 },
			{ "netns: wait: timeout must be a number of seconds >= 0, not 'nan'", p.wait, p, 0 / 0 },
			{ "netns: sleep: duration must be a number of seconds >= 0, not '-nan'", netns.sleep, -(0 / 0) },
			{ "netns: sleep: duration 'inf' is more than 24 days", netns.sleep, math.huge },
			{ "netns: run: option 'timeout' must be a number of seconds > 0, not 'nan'", a.run, a, { "true" }, { timeout = 0 / 0 } },
			{ "netns: ping: option 'timeout' 'inf' is more than 24 days", a.ping, a, "127.0.0.1", { timeout = math.huge } },
		} do
			local got = proc.error_of(table.unpack(c, 2))
			-- NaN prints as "nan" or "-nan" depending on its sign bit
			assert.equal(c[1]:gsub("%-?nan", "nan"), (got:gsub("%-?nan", "nan")))
		end
		assert.is_true(p:running())
	end)

	it("never follows a symbolic link for a spawned process's output #root", function()
		local target = proc.tmpname("ho-target")
		proc.write(target, "precious\n")
		local link = "/tmp/t-ho-link.log"
		os.remove(link)
		assert(os.execute(("ln -s %s %s"):format(target, link)))
		local ok, err = pcall(a.spawn, a, { "echo", "overwritten" }, { stdout = link })
		assert.is_false(ok)
		assert.equal("ELOOP", err.code)
		assert.equal("netns: spawn echo in " .. A .. ": Too many levels of symbolic links (ELOOP): "
			.. "stdout file " .. link .. " is a symbolic link: not followed", tostring(err))
		assert.equal("precious\n", proc.read(target))
		os.remove(target)
	end)
end)

describe("hostile input to the interpreter", function()
	local ws = nl.workspace("ho")

	teardown(function() ws:cleanup() end)

	it("takes no path for a lab name: netlab down ../../tmp/x touches no file #root", function()
		proc.write("/tmp/t-ho-victim.json", "{}")
		local code, _, err = ws:run({ "down", "../../../tmp/t-ho-victim" })
		assert.equal(1, code)
		assert.truthy(proc.contains(err, "lab name '../../../tmp/t-ho-victim' must be"), err)
		assert.equal("{}", proc.read("/tmp/t-ho-victim.json"))
		os.remove("/tmp/t-ho-victim.json")
	end)

	it("tells a user who is not root, in one line, what needs root: --host, clean and --sites #root", function()
		local why = rootless.needs_root("it runs netlab as another user, nobody")
		if why then pending(why) return end
		if proc.missing("setpriv", "util-linux") then pending(proc.missing("setpriv", "util-linux")) return end
		local script = ws:write("t.lua", "lab:node 'x'\n")
		-- nobody may read the script and the binary: a copy in /tmp
		local bin = proc.tmpname("ho-netlab")
		assert(os.execute(("cp %s %s && chmod 755 %s %s"):format(nl.bin, bin, bin, script)))
		-- (the rest runs rootless: spec/rootless_spec.lua)
		for _, args in ipairs { { "--host", script }, { "up", "--host", script }, { "run", "--host", script, "--", "true" },
				{ "clean" }, { "clean", "t" }, { "up", script, "--site", "a", "--sites", "a=192.0.2.1" },
				{ "run", script, "--sites-file", "/dev/null", "--", "true" } } do
			local argv = { "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", bin }
			for _, x in ipairs(args) do argv[#argv + 1] = x end
			local out, code = proc.exec(argv, true)
			local what = table.concat(args, " ")
			assert.equal(1, code, what .. ": " .. out)
			assert.truthy(out:match("^netlab: [^\n]*root[^\n]*sudo\n$"), what .. ": " .. out)
		end
		os.remove(bin)
	end)

	it("refuses lab calls with wrong arguments at the caller's line, naming the call #root", function()
		local script = ws:write("bad.lua", [[
local other = require("netlab").lab { name = "other", quiet = true }
local calls = {
  { "node: unknown option 'forwad' (did you mean 'forward'?)", function() lab:node("t-ho-n", { forwad = true }) end },
  { "forward: the node must be a node of this lab, not '42'", function() lab:forward(42) end },
  { "wait_until: the timeout must be a number of seconds > 0, not 'x'", function() lab:wait_until(function() return true end, "x") end },
  { "bridge: the name must be a non-empty string, not table", function() lab:bridge({}) end },
  { "link: options must be a table, not '10.0.0.1/24' (an address goes in { addr = \"10.0.0.1/24\" })",
    function() lab:link(lab:node "t-ho-a", lab:bridge "t-ho-br", "10.0.0.1/24") end },
  { "node: call it as lab:node(...), with a colon", function() lab.node("x") end },
  { "link: t-ho-o is of lab other, not of lab bad", function() lab:link(lab.nodes["t-ho-a"], other:node "t-ho-o") end },
  { "expect_reach: unknown option 'timout' (did you mean 'timeout'?)", function() lab:expect_reach(lab.nodes["t-ho-a"], "10.0.0.9", { timout = 1 }) end },
  { "service: option 'port' must be an integer in 1..65535, not '0'", function() lab.nodes["t-ho-a"]:service({ "true" }, { port = 0 }) end },
  { "gateway: call it as node:gateway(...), with a colon", function() lab.nodes["t-ho-a"].gateway("1.2.3.4") end },
}
for i, c in ipairs(calls) do
  local ok, err = pcall(c[2])
  local line = debug.getinfo(c[2], "S").linedefined
  local want = ("bad.lua:%d: netlab: %s"):format(line, c[1])
  if ok or not tostring(err):find(want, 1, true) then
    print(("MISMATCH %d: %s"):format(i, tostring(err)))
  end
end
other:close()
print("done")
]])
		local code, out, err = ws:run({ script })
		assert.equal(0, code, err)
		assert.equal("done\n", out)
	end)
end)
