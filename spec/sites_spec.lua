-- spec/sites_spec.lua - one lab over three machines: three "machine" namespaces on an underlay
-- bridge (192.0.2.0/24, inside the suite's private namespace), netlab up in each with the same
-- script and its own --site; links and a bridge between sites ride VXLAN.
local ip = require "support.ip"
local proc = require "support.proc"
local json = require "support.json"
local nl = require "support.netlab"

local ws = nl.workspace("sites")
local dir, q = ws.dir, proc.quote
local MACHINES = { a = "st-ma", b = "st-mb", c = "st-mc" }
local ADDR = { a = "192.0.2.1", b = "192.0.2.2", c = "192.0.2.3" }
local SITES = "a=192.0.2.1,b=192.0.2.2,c=192.0.2.3"
local ADDR6 = { a = "2001:db8:77::1", b = "2001:db8:77::2", c = "2001:db8:77::3" }

local function sh(cmd)
	local ok = os.execute(cmd .. " >/dev/null 2>&1")
	return ok
end

-- netlab ARGS on machine m (its network namespace, its own list of labs): code, stdout, stderr
local function on(m, args, tag)
	tag = tag or ("run-" .. m)
	local words = { "timeout", "-k", "5", "200", "ip", "netns", "exec", MACHINES[m], "env",
		"NETLAB_STATE_DIR=" .. dir .. "/state-" .. m, nl.bin }
	for _, a in ipairs(args) do words[#words + 1] = a end
	for i, w in ipairs(words) do words[i] = q(w) end
	local out, err = dir .. "/" .. tag .. ".out", dir .. "/" .. tag .. ".err"
	return table.concat(words, " ") .. " >" .. q(out) .. " 2>" .. q(err) .. " </dev/null", out, err
end

local function run_on(m, args)
	local cmd, out, err = on(m, args)
	local _, _, code = os.execute(cmd)
	return code, proc.read(out), proc.read(err)
end

-- netlab up on every machine at once (each waits for the others): { m = { code, out, err } }
-- (machine c reads the list from a file: "NAME ADDRESS" lines, a comment)
local SITES_FILE = ws:write("sites", "# the three machines\na 192.0.2.1\nb=192.0.2.2\n  c   192.0.2.3  # this one\n")

local function up_all(script, name, extra, which)
	which = which or { "a", "b", "c" }
	local lines = {}
	for _, m in ipairs(which) do
		local args = { "up", script, "--name", name, "--site", m }
		if m == "c" then
			args[#args + 1], args[#args + 2] = "--sites-file", SITES_FILE
		else
			args[#args + 1], args[#args + 2] = "--sites", SITES
		end
		for _, x in ipairs(extra or {}) do args[#args + 1] = x end
		local cmd = on(m, args, "up-" .. m)
		lines[#lines + 1] = ("(%s; echo $? >%s) &"):format(cmd, q(dir .. "/up-" .. m .. ".code"))
	end
	lines[#lines + 1] = "wait"
	os.execute(table.concat(lines, "\n"))
	local r = {}
	for _, m in ipairs(which) do
		r[m] = { code = tonumber(proc.read(dir .. "/up-" .. m .. ".code")), out = proc.read(dir .. "/up-" .. m .. ".out"),
			err = proc.read(dir .. "/up-" .. m .. ".err") }
	end
	return r
end

local function down_all(name)
	for m in pairs(MACHINES) do run_on(m, { "down", name }) end
end

-- ip -j ... inside a machine (the underlay, never the lab)
local function ipj_machine(m, ...)
	local argv = { "ip", "-j", "-d", "-n", MACHINES[m] }
	for _, a in ipairs { ... } do argv[#argv + 1] = a end
	local out, code = proc.exec(argv)
	assert(code == 0, table.concat(argv, " "))
	return json.decode(out)
end

-- the UDP ports a machine's own namespace listens on
local function udp_ports(m)
	local out = proc.exec({ "ip", "netns", "exec", MACHINES[m], "ss", "-H", "-u", "-l", "-n" })
	local ports = {}
	for port in out:gmatch(":(%d+)%s") do ports[tonumber(port)] = true end
	return ports
end

-- ip -j inside a node of a running lab, through netlab exec on machine m
local function ipj_node(m, lab, node, ...)
	local args = { "exec", lab, node, "--", "ip", "-j", "-d" }
	for _, a in ipairs { ... } do args[#args + 1] = a end
	local code, out, err = run_on(m, args)
	assert(code == 0, err)
	return json.decode(out)
end

local function ping_in(m, lab, node, addr, size)
	local args = { "exec", lab, node, "--", "ping", "-n", "-c1", "-W2" }
	if size then
		args[#args + 1] = "-M"
		args[#args + 1] = "do"
		args[#args + 1] = "-s"
		args[#args + 1] = tostring(size)
	end
	args[#args + 1] = addr
	local code = run_on(m, args)
	return code == 0
end

-- the example's script (scripts/examples/sites/lab.lua): the one its README runs on real machines
local TOPO = proc.root .. "/scripts/examples/sites/lab.lua"

local function setup_machines()
	assert(sh("ip link add st-ul0 type bridge && ip link set st-ul0 up"))
	for m, ns in pairs(MACHINES) do
		assert(sh(("ip netns add %s && ip link add st-u%s type veth peer name eth0 netns %s && "
			.. "ip link set st-u%s master st-ul0 up && ip -n %s addr add %s/24 dev eth0 && "
			.. "ip -n %s addr add %s/64 dev eth0 nodad && "
			.. "ip -n %s link set eth0 up && ip -n %s link set lo up"):format(ns, m, ns, m, ns, ADDR[m], ns, ADDR6[m], ns, ns)))
		assert(sh("mkdir -p " .. q(dir .. "/state-" .. m)))
	end
end

local function remove_machines()
	for m in pairs(MACHINES) do
		-- whatever a failed test left running on a machine
		local cmd = on(m, { "down", "--all" }, "cleanup-" .. m)
		os.execute(cmd)
	end
	for _, ns in pairs(MACHINES) do sh("ip netns del " .. ns) end
	-- a machine goes once the last lab namespace whose tunnel sat on it is gone (the kernel's cleanup)
	proc.wait_until(function()
		for m in pairs(MACHINES) do
			if sh("ip link show st-u" .. m) then return false end
		end
		return true
	end, 20)
	sh("ip link del st-ul0")
end

-- a machine's own namespace holds nothing of a lab: its eth0 and lo only, no UDP socket
local function machine_clean(m)
	local names = {}
	for _, l in ipairs(ipj_machine(m, "link", "show")) do names[#names + 1] = l.ifname end
	table.sort(names)
	local ports = {}
	for p in pairs(udp_ports(m)) do ports[#ports + 1] = p end
	return table.concat(names, ",") == "eth0,lo" and #ports == 0,
		table.concat(names, ",") .. " udp " .. table.concat(ports, ",")
end

-- machine_clean, once the kernel's asynchronous cleanup of a lab's namespaces had its time
local function settled(m)
	local ok = proc.wait_until(function() return machine_clean(m) end, 10)
	return ok, select(2, machine_clean(m))
end

local why = require("support.rootless").needs_root("each site's tunnels are made in its machine's own network")

describe("a lab over three machines", function()
	if why then
		it("(skipped)", function() pending(why) end)
		return
	end
	setup(setup_machines)
	teardown(function()
		remove_machines()
		ws:cleanup()
	end)

	it("builds a bridged and a routed topology across the sites, over VXLAN in each machine's network #root", function()
		local r = up_all(TOPO, "three", { "--wait-sites", "60" })
		finally(function() down_all("three") end)
		local desc = {}
		for _, m in ipairs { "a", "b", "c" } do
			assert.equal(0, r[m].code, m .. ": " .. r[m].err)
			assert.falsy(r[m].err:find("not ok", 1, true), r[m].err)
			desc[m] = json.decode(r[m].out)
		end
		-- every check ran once, on the site of its source, and passed
		local ok_lines = 0
		for _, m in ipairs { "a", "b", "c" } do
			for _ in r[m].err:gmatch("\nok %d+") do ok_lines = ok_lines + 1 end
			if r[m].err:match("^ok %d+") then ok_lines = ok_lines + 1 end
		end
		assert.equal(8, ok_lines, r.a.err .. r.b.err .. r.c.err)

		-- the description: each node's site, this machine's tunnels
		local a = desc.a
		assert.equal("a", a.sites.here)
		assert.equal(1450, a.sites.mtu)
		assert.equal(50, a.sites.overhead)
		local site_of = {}
		for _, n in ipairs(a.nodes) do site_of[n.name] = n.site end
		assert.same({ ha = "a", hb = "b", hc = "c", ra = "a", rb = "b", rc = "c", srv = "a", user = "b" }, site_of)
		-- the link ra-rb is one VXLAN on each of a and b: the same VNI and port, the ends swapped
		local function tunnel(d, node)
			for _, t in ipairs(d.sites.tunnels) do
				if t.node == node then return t end
			end
		end
		local ta, tb = tunnel(desc.a, "ra"), tunnel(desc.b, "rb")
		assert.truthy(ta and tb)
		assert.equal(ta.vni, tb.vni)
		assert.equal(ta.port, tb.port)
		assert.same({ ADDR.a, ADDR.b }, { ta["local"], ta.remote })
		assert.same({ ADDR.b, ADDR.a }, { tb["local"], tb.remote })
		-- the link's own entry says the same
		for _, l in ipairs(desc.a.links) do
			if l.a.node == "ra" and l.b.node == "rb" then
				assert.same({ vni = ta.vni, port = ta.port, ["local"] = ADDR.a, remote = ADDR.b, remote_site = "b", mtu = 1450 },
					l.tunnel)
				assert.same({ "a", "b" }, { l.a.site, l.b.site })
			end
		end

		-- the kernel's view: ra's eth0 is a vxlan with that VNI, port and remote, 1450 bytes, its
		-- underlay in another namespace (the machine's)
		local eth0 = ipj_node("a", "three", "ra", "link", "show", "eth0")[1]
		local data = eth0.linkinfo.info_data
		assert.equal("vxlan", eth0.linkinfo.info_kind)
		assert.same({ ta.vni, ta.port, ADDR.a, ADDR.b }, { data.id, data.port, data["local"], data.remote })
		assert.equal(1450, eth0.mtu)
		assert.truthy(eth0.link_netnsid, "the tunnel's socket is in the machine's namespace")
		-- the tunnels' socket listens in the machine's own namespace; no device of the lab is there
		assert.truthy(udp_ports("a")[ta.port])
		local names = {}
		for _, l in ipairs(ipj_machine("a", "link", "show")) do names[#names + 1] = l.ifname end
		table.sort(names)
		assert.equal("eth0,lo", table.concat(names, ","))

		-- the bridge spans the sites: one vxlan port, flooding to the two other machines
		local code, fdb_out, fdb_err = run_on("a", { "exec", "three", "host", "--", "bridge", "-j", "fdb", "show" })
		assert.equal(0, code, fdb_err)
		local fdb = json.decode(fdb_out)
		local flood = {}
		for _, e in ipairs(fdb) do
			if e.mac == "00:00:00:00:00:00" and e.ifname == "lan-vx" then flood[#flood + 1] = e.dst end
		end
		table.sort(flood)
		assert.same({ ADDR.b, ADDR.c }, flood)
		local br = ipj_node("a", "three", "host", "link", "show", "lan")[1]
		assert.equal(1450, br.mtu)
		-- ha's port got the tunnel's MTU too: a full frame crosses, a byte more is refused, not fragmented
		assert.equal(1450, ipj_node("a", "three", "ha", "link", "show", "eth0")[1].mtu)
		-- (hb's port was made once the bridge spanned a and b: with that MTU at once)
		assert.equal(1450, ipj_node("b", "three", "hb", "link", "show", "eth0")[1].mtu)
		assert.truthy(ping_in("a", "three", "ha", "10.1.0.3", 1422))
		assert.falsy(ping_in("a", "three", "ha", "10.1.0.3", 1423))

		-- graph marks the sites and the VNI; exec into another site's node says where it is
		local _, dot = run_on("a", { "graph", "three" })
		assert.truthy(dot:find('"rb" [label="rb\\n(site b)", style="rounded,dashed"]', 1, true), dot)
		assert.truthy(dot:find('xlabel="vxlan ' .. ta.vni .. '"', 1, true), dot)
		local xcode, _, xerr = run_on("a", { "exec", "three", "hb", "--", "true" })
		assert.equal(1, xcode)
		assert.equal("netlab: lab 'three': node 'hb' is on site b: run this on that machine\n", xerr)
		-- ls on each machine: the other sites answer
		local _, ls = run_on("a", { "ls" })
		assert.truthy(ls:find("site a of 3, VXLAN port " .. ta.port .. ": b, c answer", 1, true), ls)
	end)

	it("a site killed leaves nothing on its machine, and the others keep working #root", function()
		local r = up_all(TOPO, "kill", { "--wait-sites", "60" })
		finally(function() down_all("kill") end)
		for _, m in ipairs { "a", "b", "c" } do assert.equal(0, r[m].code, m .. ": " .. r[m].err) end
		local pid = json.decode(r.c.out).pid
		assert(sh("kill -KILL " .. pid))
		assert.truthy(proc.wait_until(function() return proc.alive(pid) ~= true end, 10))
		-- machine c: its eth0 and lo, no socket: the lab went with its holder
		assert.truthy(settled("c"))
		local _, ls_c = run_on("c", { "ls" })
		assert.truthy(ls_c:find("holder gone", 1, true), ls_c)
		-- a and b go on; a sees that c does not answer
		assert.truthy(ping_in("a", "kill", "ha", "10.1.0.2"))
		assert.truthy(ping_in("b", "kill", "hb", "10.1.0.1"))
		assert.falsy(ping_in("a", "kill", "ha", "10.1.0.3"))
		local _, ls_a = run_on("a", { "ls" })
		assert.truthy(ls_a:find("b answer; c do not answer", 1, true), ls_a)
		down_all("kill")
		for _, m in ipairs { "a", "b", "c" } do
			assert.truthy(settled(m))
		end
	end)

	it("rides an IPv6 underlay too, its 70 bytes taken from the MTU; each site's copy of a bridge has a MAC of its own #root", function()
		-- each site's lab host has an address on its copy of lan: they reach each other and the
		-- other site's node only if the copies' MACs differ
		local script = ws:write("v6.lua", [[
local lan = lab:bridge("lan")
local x = lab:node("x", { site = "a" })
local y = lab:node("y", { site = "b" })
lab:link(x, lan, { addr = "10.5.0.1/24" })
lab:link(y, lan, { addr = "10.5.0.2/24" })
lab:link(x, y, { addr = { "10.6.0.1/30", "10.6.0.2/30" } })
local mine, theirs = "10.5.0.101", "10.5.0.102"
if lab.site == "b" then mine, theirs = theirs, mine end
lab.host:addr_add("lan", mine .. "/24")
lab:expect_reach(x, y)
lab:expect_reach(y, "10.6.0.1")
lab:expect_reach(lab.host, theirs)
lab:expect_reach(lab.host, lab.site == "a" and "10.5.0.2" or "10.5.0.1")
]])
		local sites6 = ("a=%s,b=%s"):format(ADDR6.a, ADDR6.b)
		local lines = {}
		for _, m in ipairs { "a", "b" } do
			lines[#lines + 1] = ("(%s; echo $? >%s) &"):format(on(m, { "up", script, "--name", "six", "--site", m,
				"--sites", sites6, "--wait-sites", "60" }, "six-" .. m), q(dir .. "/six-" .. m .. ".code"))
		end
		os.execute(table.concat(lines, "\n") .. "\nwait")
		finally(function() down_all("six") end)
		for _, m in ipairs { "a", "b" } do
			assert.equal("0\n", proc.read(dir .. "/six-" .. m .. ".code"), proc.read(dir .. "/six-" .. m .. ".err"))
		end
		local d = json.decode(proc.read(dir .. "/six-a.out"))
		assert.same({ 1430, 70 }, { d.sites.mtu, d.sites.overhead })
		local eth1 = ipj_node("a", "six", "x", "link", "show", "eth1")[1]
		assert.same({ "vxlan", ADDR6.a, ADDR6.b, 1430 }, { eth1.linkinfo.info_kind, eth1.linkinfo.info_data.local6 or
			eth1.linkinfo.info_data["local"], eth1.linkinfo.info_data.remote6 or eth1.linkinfo.info_data.remote, eth1.mtu })
		assert.truthy(ping_in("a", "six", "x", "10.5.0.2", 1402))
		assert.falsy(ping_in("a", "six", "x", "10.5.0.2", 1403))
		-- the script's expectations ran on each site (the hosts' addresses across), and the kernel agrees
		for _, m in ipairs { "a", "b" } do
			local err = proc.read(dir .. "/six-" .. m .. ".err")
			assert.truthy(err:find("ok %d+ %- [^\n]*reaches 10%.5%.0%.10[12]"), err)
		end
		local mac = {}
		for _, m in ipairs { "a", "b" } do
			local path = json.decode(proc.read(dir .. "/six-" .. m .. ".out")).host.netns
			local out, code = proc.exec({ "nsenter", "--net=" .. path, "ip", "-j", "link", "show", "lan" })
			assert.equal(0, code, out)
			mac[m] = json.decode(out)[1].address
		end
		assert.are_not.equal(mac.a, mac.b)
		assert.truthy(ping_in("a", "six", "x", "10.5.0.102"))
	end)

	it("a link between sites is emulated, cut and restored on the timeline at each site's end #root", function()
		local script = ws:write("timeline.lua", [[
local x = lab:node("x", { site = "a" })
local y = lab:node("y", { site = "b" })
local l = lab:link(x, y, { addr = { "10.7.0.1/30", "10.7.0.2/30" }, rate = "8mbit" })
lab:expect_reach(x, y)
lab:at(1, function() l:down() end)
lab:at(4, function() l:up() end)
]])
		local lines = {}
		for _, m in ipairs { "a", "b" } do
			lines[#lines + 1] = ("(%s; echo $? >%s) &"):format(on(m, { "up", script, "--name", "tl", "--site", m,
				"--sites", "a=192.0.2.1,b=192.0.2.2", "--wait-sites", "60" }, "tl-" .. m), q(dir .. "/tl-" .. m .. ".code"))
		end
		os.execute(table.concat(lines, "\n") .. "\nwait")
		finally(function() down_all("tl") end)
		for _, m in ipairs { "a", "b" } do
			assert.equal("0\n", proc.read(dir .. "/tl-" .. m .. ".code"), proc.read(dir .. "/tl-" .. m .. ".err"))
		end
		-- the rate is a tbf on each site's own end
		for _, e in ipairs { { "a", "x" }, { "b", "y" } } do
			local code, out = run_on(e[1], { "exec", "tl", e[2], "--", "tc", "-j", "qdisc", "show", "dev", "eth0" })
			assert.equal(0, code)
			local kinds = {}
			for _, qd in ipairs(json.decode(out)) do kinds[#kinds + 1] = qd.kind end
			assert.truthy(table.concat(kinds, ","):find("tbf", 1, true), e[2] .. ": " .. out)
		end
		-- the timeline cuts the wire at both ends (each site's player its own), then brings it back
		local function state(m, node)
			return ipj_node(m, "tl", node, "link", "show", "eth0")[1].operstate
		end
		assert.truthy(proc.wait_until(function() return state("a", "x") == "DOWN" and state("b", "y") == "DOWN" end, 20))
		assert.falsy(ping_in("a", "tl", "x", "10.7.0.2"))
		assert.truthy(proc.wait_until(function() return state("a", "x") ~= "DOWN" and state("b", "y") ~= "DOWN" end, 20))
		assert.truthy(proc.wait_until(function() return ping_in("a", "tl", "x", "10.7.0.2") end, 10))
	end)

	it("the same script runs on one machine, every site local #root", function()
		local code, _, err = run_on("a", { "run", TOPO, "--name", "one", "--", "true" })
		assert.equal(0, code, err)
		local code2, out = run_on("a", { "up", TOPO, "--name", "one" })
		assert.equal(0, code2)
		finally(function() run_on("a", { "down", "one" }) end)
		local d = json.decode(out)
		assert.is_nil(d.sites)
		for _, n in ipairs(d.nodes) do assert.truthy(n.netns, n.name) end
		assert.truthy(settled("a"))
	end)

	it("--wait-sites gives up naming the sites that never answered, and leaves nothing #root", function()
		local t0 = proc.now()
		local r = up_all(TOPO, "alone", { "--wait-sites", "2" }, { "a" })
		assert.equal(1, r.a.code)
		assert.truthy(r.a.err:find("sites b, c did not answer within 2s", 1, true), r.a.err)
		assert.truthy(proc.now() - t0 < 30)
		assert.truthy(settled("a"))
		local _, ls = run_on("a", { "ls" })
		assert.equal("", ls)
	end)

	describe("mistakes are one line naming the value, and nothing is made", function()
		local function refused(args, pattern)
			local code, out, err = run_on("a", args)
			assert.equal(1, code, out .. err)
			assert.truthy(err:find(pattern, 1, true), err)
			assert.truthy(settled("a"))
			local _, ls = run_on("a", { "ls" })
			assert.equal("", ls)
		end
		it("on the command line #root", function()
			refused({ "up", TOPO, "--site", "a" }, "netlab: --site needs --sites (or --sites-file)")
			refused({ "up", TOPO, "--sites", SITES }, "netlab: --sites needs --site NAME")
			refused({ "up", TOPO, "--site", "d", "--sites", SITES }, "site 'd' is not one of the sites (a, b, c)")
			refused({ "up", TOPO, "--site", "a", "--sites", "a=192.0.2.1,b=192.0.2.300" },
				"site b's address '192.0.2.300' is not an IPv4 or IPv6 address")
			refused({ "up", TOPO, "--site", "a", "--sites", "a=192.0.2.1,a=192.0.2.2" }, "site 'a' is given twice")
			refused({ "up", TOPO, "--site", "a", "--sites", "a=192.0.2.1,b=192.0.2.1" }, "sites a and b have the same address 192.0.2.1")
			refused({ "up", TOPO, "--site", "a", "--sites-file", dir .. "/none" }, "--sites-file: " .. dir .. "/none: No such file")
			refused({ "up", TOPO, "--site", "a", "--sites-file", ws:write("bad-sites", "a 192.0.2.1\nb\n") },
				"--sites: 'b' is not NAME=ADDRESS")
			refused({ "up", TOPO, "--site", "b", "--sites", SITES }, "site b's address 192.0.2.2 is not an address of this machine")
			refused({ "up", TOPO, "--site", "a", "--sites", "a=192.0.2.1,b=198.51.100.7" },
				"site b (198.51.100.7): this machine has no route to it")
			refused({ "up", TOPO, "--site", "a", "--sites", SITES, "--host" }, "not with --host")
			refused({ "up", TOPO, "--site", "a", "--sites", SITES, "--wait-sites", "soon" }, "--wait-sites: 'soon'")
		end)
		it("from plain Lua, at the caller's line #root", function()
			local function lua_refused(opts, pattern)
				refused({ "-e", ("local ok, e = pcall(require('netlab').lab, %s) io.stderr:write(tostring(e), '\\n') "
					.. "os.exit(ok and 0 or 1)"):format(opts) }, pattern)
			end
			lua_refused("{ name = 'x', site = 'a' }", "lab: option 'site' is for a lab over several machines: it needs option 'sites'")
			lua_refused("{ name = 'x', underlay = 1 }", "option 'underlay' is for a lab over several machines")
			lua_refused("{ name = 'x', sites = 'a=192.0.2.1' }", "lab: option 'sites' needs option 'site' (which of them this machine is)")
			lua_refused("{ name = 'x', sites = 42, site = 'a' }", "the sites must be \"a=ADDR,b=ADDR\" or a list, not '42'")
			lua_refused("{ name = 'x', sites = { { 'a', '192.0.2.1' } }, site = 'a', wait_sites = -1 }", "option 'wait_sites'")
			lua_refused("{ name = 'x', sites = 'a=192.0.2.1,b=2001:db8::2', site = 'a' }", "the sites' addresses mix IPv4 and IPv6")
		end)

		it("in the script, at the script's line #root", function()
			local function script(name, text)
				return ws:write(name, "local lan = lab:bridge('lan')\n" .. text)
			end
			refused({ "up", script("nosite.lua", "lab:node('x')\n"), "--site", "a", "--sites", SITES },
				"nosite.lua:2: netlab: node: 'x' needs a site: the lab spans sites a, b, c ({ site = ... })")
			refused({ "up", script("badsite.lua", "lab:node('x', { site = 'z' })\n"), "--site", "a", "--sites", SITES },
				"badsite.lua:2: netlab: node: site 'z' of 'x' is not one of the sites (a, b, c)")
			refused({ "up", script("trunk.lua", "lab:link(lan, lab:bridge('b2', { site = 'a' }))\n"), "--site", "a", "--sites", SITES },
				"trunk.lua:2: netlab: link: a trunk between bridges lan and b2 needs both on one site")
			refused({ "up", script("hostbr.lua", "lab:link(lab.host, lan)\n"), "--site", "a", "--sites", SITES },
				"hostbr.lua:2: netlab: link: the lab's host is each site's own: give bridge lan a site")
			refused({ "up", script("tunnel.lua", [[
local x = lab:node('x', { site = 'a' })
local y = lab:node('y', { site = 'b' })
lab:tunnel(x, y, { kind = 'gre' })
]]), "--site", "a", "--sites", SITES }, "tunnel.lua:4: netlab: tunnel: x is on site a and y on site b")
		end)
	end)
end)
