-- spec/fixture_spec.lua - netlab as a fixture: up, ls, exec, shell, down, run, graph, the busted helper, the examples.
local ip = require "support.ip"
local proc = require "support.proc"
local json = require "support.json"
local nl = require "support.netlab"

local ws = nl.workspace("fx")
local NETLAB, dir, read, q = nl.bin, ws.dir, proc.read, proc.quote
local function write(name, text) return ws:write(name, text) end
local function netlab(args, stdin) return ws:run(args, stdin) end

local function alive(pid)
	return proc.alive(pid) == true
end

local topo = write("topo.lua", [[
local sw = lab:bridge "v-net-0"
lab.host:addr_add("v-net-0", "192.168.15.5/24")
for i, name in ipairs { "red", "blue" } do
  local n = lab:node(name)
  lab:link(n, sw, { addr = { ("192.168.15.%d/24"):format(i), ("fd00::%d/64"):format(i) } })
  n:gateway(lab.host)
end
]])

-- ip -j inside a namespace given by path, through nsenter: the independent view
local function ipj_at(path, ...)
	local argv = { "nsenter", "--net=" .. path, "ip", "-j" }
	for _, a in ipairs { ... } do argv[#argv + 1] = a end
	local out, code = proc.exec(argv)
	assert(code == 0, "nsenter " .. path .. " failed")
	return json.decode(out)
end

describe("netlab as a fixture", function()
	teardown(function() ws:cleanup() end)

	after_each(function()
		-- a failed test may leave a lab up: take every one down
		os.execute(NETLAB .. " down --all >/dev/null 2>&1")
		for _, name in ipairs(ip.netns_names()) do
			if name == "red" or name == "blue" or name:match("^fx%-") then proc.exec({ "ip", "netns", "del", name }) end
		end
		proc.exec({ "ip", "link", "del", "v-net-0" })
	end)

	describe("up, ls, exec, down", function()
		it("keep an isolated lab up between commands and remove it with down #root", function()
			local json_path = dir .. "/lab.json"
			local code, out, err = netlab({ "up", topo, "--name", "fx1", "--json", json_path })
			assert.equal(0, code, err)
			local desc = json.decode(out)
			assert.same(desc, json.decode(read(json_path)))
			assert.equal("fx1", desc.name)
			assert.equal("isolated", desc.mode)
			assert.truthy(alive(desc.pid), "the holder runs")
			-- nothing of it in the host
			assert.same({}, ip.netns_names())

			local _, ls = netlab({ "ls" })
			assert.truthy(ls:match("fx1%s+" .. desc.pid .. "%s+isolated%s+2%s+up"), ls)

			-- ping between nodes through netlab exec
			local pcode, pout = netlab({ "exec", "fx1", "red", "--", "ping", "-n", "-c1", "-i0.2", "-w10", "192.168.15.2" })
			assert.equal(0, pcode, pout)
			assert.truthy(pout:find("1 received", 1, true))
			-- stdin, stdout and the exit status pass through
			local ccode, cout = netlab({ "exec", "fx1", "blue", "--", "sh", "-c", "cat; exit 4" }, "through\n")
			assert.equal(4, ccode)
			assert.equal("through\n", cout)
			-- the node's /sys, as ip netns exec gives it
			local _, sys = netlab({ "exec", "fx1", "red", "--", "ls", "/sys/class/net" })
			assert.equal("eth0\nlo\n", sys)

			-- the JSON matches ip -j inside each node
			for _, node in ipairs(desc.nodes) do
				local kernel = {}
				for _, l in ipairs(ipj_at(node.netns, "addr", "show")) do kernel[l.ifname] = l end
				for _, iface in ipairs(node.interfaces) do
					local k = kernel[iface.name]
					assert.truthy(k, node.name .. ": " .. iface.name .. " not in the kernel")
					assert.equal(k.address, iface.mac)
					assert.equal(k.mtu, iface.mtu)
					local addrs = {}
					for _, a in ipairs(k.addr_info) do addrs[#addrs + 1] = a["local"] .. "/" .. a.prefixlen end
					table.sort(addrs)
					local described = { table.unpack(iface.addresses) }
					table.sort(described)
					assert.same(addrs, described)
				end
				local routes = ipj_at(node.netns, "route", "show", "default")
				assert.equal("192.168.15.5", routes[1].gateway)
			end
			-- the lab's host and its bridge
			local host_links = ipj_at(desc.host.netns, "link", "show", "master", "v-net-0")
			local ports = {}
			for _, l in ipairs(host_links) do ports[#ports + 1] = l.ifname end
			assert.same(ports, desc.bridges[1].ports)
			assert.equal(2, #desc.links)

			local dcode, dout = netlab({ "down", "fx1" })
			assert.equal(0, dcode)
			assert.truthy(dout:find("lab fx1 is down", 1, true))
			assert.is_falsy(alive(desc.pid), "the holder is gone")
			assert.is_nil(read(desc.nodes[1].netns), "the node's namespace path is gone")
			local _, ls2 = netlab({ "ls" })
			assert.equal("", ls2)
		end)

		it("down cleans up after the holder was killed with SIGKILL #root", function()
			for _, mode in ipairs { "isolated", "host" } do
				local args = { "up", topo, "--name", "fx-kill" }
				if mode == "host" then table.insert(args, 2, "--host") end
				local code, out, err = netlab(args)
				assert.equal(0, code, err)
				local desc = json.decode(out)
				if mode == "host" then assert.same({ "blue", "red" }, ip.netns_names()) end
				os.execute("kill -KILL " .. desc.pid)
				-- gone, not only dead: netlab ls tells a zombie from a lost holder only once it is reaped
				assert.truthy(proc.wait_until(function() return not proc.exists(desc.pid) end))
				local _, ls = netlab({ "ls" })
				assert.truthy(ls:find("holder gone", 1, true), ls)
				assert.equal(0, (netlab({ "down", "fx-kill" })))
				assert.same({}, ip.netns_names())
				assert.same({ "lo" }, ip.link_names())
				local _, ls2 = netlab({ "ls" })
				assert.equal("", ls2)
			end
		end)

		it("refuses a second lab of the same name, and exec into a node that does not exist #root", function()
			assert.equal(0, (netlab({ "up", topo, "--name", "fx-twice" })))
			local code, _, err = netlab({ "up", topo, "--name", "fx-twice" })
			assert.equal(1, code)
			assert.truthy(err:find("lab 'fx-twice' is up already", 1, true), err)
			code, _, err = netlab({ "exec", "fx-twice", "green", "--", "true" })
			assert.equal(1, code)
			assert.truthy(err:find("lab 'fx-twice' has no node 'green'", 1, true), err)
			code, _, err = netlab({ "exec", "nolab", "red", "--", "true" })
			assert.equal(1, code)
			assert.truthy(err:find("no lab 'nolab' is up", 1, true), err)
		end)

		it("reports a script that fails to build, and leaves nothing up #root", function()
			local code, _, err = netlab({ "up", write("broken.lua", "lab:node 'red'\nerror('half built')\n"), "--name", "fx-broken" })
			assert.equal(1, code)
			assert.truthy(err:find("broken.lua:2: half built", 1, true), err)
			local _, ls = netlab({ "ls" })
			assert.equal("", ls)
		end)

		it("print only the JSON on stdout: what the script prints and its ok lines go to stderr #root", function()
			local chatty = write("chatty.lua", [[
print("hello from the script")
io.write("and io.write too\n")
local a, b = lab:node "fx-a", lab:node "fx-b"
lab:link(a, b, { addr = { "10.9.0.1/24", "10.9.0.2/24" } })
lab:expect_reach(a, b)
os.execute("echo and a child process")
]])
			local code, out, err = netlab({ "up", chatty, "--name", "fx-chatty" })
			assert.equal(0, code, err)
			-- the whole of stdout is one JSON document, as a pipe into a parser needs it
			local desc = json.decode(out)
			assert.equal("fx-chatty", desc.name)
			assert.equal("}", out:match("(%S)%s*$"))
			for _, line in ipairs { "hello from the script", "and io.write too", "ok 1 - fx-a reaches fx-b",
				"and a child process" } do
				assert.truthy(err:find(line, 1, true), err)
			end
			local py = proc.exec({ "sh", "-c", q(NETLAB) .. " down fx-chatty >/dev/null && " .. q(NETLAB) .. " up " .. q(chatty)
				.. " --name fx-chatty 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"name\"])'" })
			assert.equal("fx-chatty\n", py)
		end)

		it("exit 1 and tear the lab down when an expectation fails; --keep keeps it up and says so #root", function()
			local failing = write("failing.lua", [[
local a, b = lab:node "fx-a", lab:node "fx-b"
lab:link(a, b, { addr = { "10.9.0.1/24", "10.9.0.2/24" } })
lab:expect_reach(a, b)
lab:expect_reach(a, "10.9.0.3", { timeout = 0.2 })
]])
			local code, out, err = netlab({ "up", failing, "--name", "fx-fail" })
			assert.equal(1, code)
			assert.equal("", out)
			assert.truthy(err:find("netlab: up: 1 of 2 expectations failed; the lab is torn down (--keep keeps it up)", 1, true), err)
			local _, ls = netlab({ "ls" })
			assert.equal("", ls)
			assert.same({}, ip.netns_names())

			code, out, err = netlab({ "up", failing, "--name", "fx-fail", "--keep" })
			assert.equal(1, code)
			assert.equal("fx-fail", json.decode(out).name)
			assert.truthy(err:find("netlab: up: 1 of 2 expectations failed; lab 'fx-fail' stays up (--keep): netlab down fx-fail",
				1, true), err)
			local pcode = netlab({ "exec", "fx-fail", "fx-a", "--", "ping", "-n", "-c1", "-w10", "10.9.0.2" })
			assert.equal(0, pcode)
			assert.equal(0, (netlab({ "down", "fx-fail" })))
		end)

		it("opens a shell inside a node #root", function()
			assert.equal(0, (netlab({ "up", topo, "--name", "fx-sh" })))
			local code, out = netlab({ "shell", "fx-sh", "blue" }, "echo node=$NETLAB_NODE; ip -br addr show eth0; exit 0\n")
			assert.equal(0, code)
			assert.truthy(out:find("node=blue", 1, true), out)
			assert.truthy(out:find("192.168.15.2/24", 1, true), out)
		end)
	end)

	describe("an isolated lab's teardown", function()
		-- the lab's script: a service in a node, then its pid and the
		-- inode of the node's namespace in the marker
		local svc = write("svc.lua", [[
local marker, d = ...
local a = lab:node "fxlv-a"
lab:link(a, lab:bridge "sw", { addr = "10.9.0.1/24" })
local p = a:service { "sleep", d }
local f = io.open(marker, "w")
f:write(p.pid, " ", a.ns.id)
f:close()
]])

		-- the processes that still see the lab's private mount namespace:
		-- the node's name mounted there, with the node's namespace. (The
		-- inode alone is no identity: the kernel hands a freed namespace's
		-- inode to the next one made, by any suite on the machine.)
		local function holder(ino)
			local out = proc.exec({ "sh", "-c", [[
for p in /proc/[0-9]*; do
  grep -F " net:[$1] /run/netns/fxlv-a " "$p/mountinfo" 2>/dev/null | sed "s|^|$p: |"
done; true]], "sh", ino })
			if out ~= "" then return out end
		end

		local function marked(marker)
			local info = read(marker)
			assert.truthy(info, "the lab was built")
			return info:match("^(%d+) (%d+)$")
		end

		it("stops its services and leaves nothing holding its namespaces when run returns #root", function()
			local marker = dir .. "/m-run"
			os.remove(marker)
			local code, _, err = netlab({ "run", svc, marker, proc.unique_duration(), "--", "true" })
			assert.equal(0, code, err)
			local pid, ino = marked(marker)
			-- at once, no waiting: the service was killed and reaped, the
			-- lab's init reaped, and the private mount namespace with the
			-- namespaces' names went with the interpreter
			assert.is_false(proc.alive(pid), "the service is gone")
			local left = holder(ino)
			assert.is_nil(left, "the lab's namespaces are held by " .. tostring(left))
			assert.same({}, ip.netns_names())
			assert.same({ "lo" }, ip.link_names())
			assert.equal("", (select(2, netlab({ "ls" }))))
		end)

		it("stops its services and leaves no state and nothing holding its namespaces when down returns #root", function()
			local marker = dir .. "/m-up"
			os.remove(marker)
			local code, out, err = netlab({ "up", svc, "--name", "fx-leave", "--", marker, proc.unique_duration() })
			assert.equal(0, code, err)
			local desc = json.decode(out)
			local pid, ino = marked(marker)
			assert.truthy(alive(pid), "the service runs while the lab is up")
			assert.truthy(holder(ino), "the scan sees the lab while it is up")
			assert.equal(0, (netlab({ "down", "fx-leave" })))
			assert.is_false(proc.alive(pid), "the service is gone")
			assert.is_falsy(alive(desc.pid), "the holder is gone")
			local left = holder(ino)
			assert.is_nil(left, "the lab's namespaces are held by " .. tostring(left))
			assert.equal("", (select(2, netlab({ "ls" }))))
			-- no state file blocks the next up of the same name
			assert.equal(0, (netlab({ "up", svc, "--name", "fx-leave", "--", marker, proc.unique_duration() })))
			assert.equal(0, (netlab({ "down", "fx-leave" })))
		end)
	end)

	describe("run", function()
		it("passes the command's exit status through, 0 and not 0, and tears down #root", function()
			local code, out = netlab({ "run", topo, "--", "sh", "-c",
				"ip netns exec red ping -n -c1 -i0.2 -w10 192.168.15.2 >/dev/null && echo \"name=$NETLAB_NAME\" && test -s \"$NETLAB_JSON\"" })
			assert.equal(0, code)
			assert.truthy(out:find("name=topo", 1, true), out)
			code = netlab({ "run", topo, "--", "sh", "-c", "exit 42" })
			assert.equal(42, code)
			code = netlab({ "run", topo, "--", "no-such-command-here" })
			assert.equal(127, code)
			assert.same({}, ip.netns_names())
			assert.same({ "lo" }, ip.link_names())
		end)

		it("gives the command a JSON description that parses, the one up prints #root", function()
			local json_path = dir .. "/run.json"
			local code, out, err = netlab({ "run", topo, "--json", json_path, "--", "sh", "-c",
				"nsenter --net=\"$(python3 -c 'import json,os; print(json.load(open(os.environ[\"NETLAB_JSON\"]))[\"nodes\"][0][\"netns\"])')\" ip -br link show eth0" })
			assert.equal(0, code, err)
			assert.truthy(out:find("eth0@", 1, true), out)
			local desc = json.decode(read(json_path))
			assert.equal(2, #desc.nodes)
			assert.equal("isolated", desc.mode)
			assert.truthy(desc.nodes[1].netns:match("^/proc/" .. desc.pid .. "/root/run/netns/red$"), desc.nodes[1].netns)
			-- what up prints for the same script: the same document, but for the holder's pid
			code, out = netlab({ "up", topo, "--name", "topo" })
			assert.equal(0, code)
			local up = json.decode(out)
			assert.equal(0, (netlab({ "down", "topo" })))
			-- each run draws a fresh seed (--seed N replays one)
			local function shape(d)
				local text = json.encode(d)
				return (text:gsub("/proc/%d+/", "/proc/PID/"):gsub('"pid":%d+', '"pid":0'):gsub('"seed":%d+', '"seed":0')
					:gsub('"starttime":"%d+"', '"starttime":""'):gsub('"script":"[^"]*"', '"script":""')
					:gsub('"mac":"[^"]*"', '"mac":""'):gsub('"fe80::[^"]*"', '"fe80::"'))
			end
			assert.equal(shape(up), shape(desc))
		end)

		it("lets the command reach the lab by name: exec, ls and graph #root", function()
			local code, out, err = netlab({ "run", topo, "--name", "fx-run", "--", "sh", "-c",
				q(NETLAB) .. " ls && " .. q(NETLAB) .. " exec \"$NETLAB_NAME\" red -- ping -n -c1 -w10 192.168.15.2 && "
				.. q(NETLAB) .. " graph \"$NETLAB_NAME\"" })
			assert.equal(0, code, err)
			assert.truthy(out:match("fx%-run%s+%d+%s+isolated%s+2%s+up"), out)
			assert.truthy(out:find("1 received", 1, true), out)
			assert.truthy(out:find('graph "fx-run"', 1, true), out)
			-- gone with the run
			local _, ls = netlab({ "ls" })
			assert.equal("", ls)
		end)
	end)

	describe("graph", function()
		it("draws a script's topology as DOT that Graphviz accepts #root", function()
			local code, dot = netlab({ "graph", topo })
			assert.equal(0, code)
			assert.truthy(dot:match('^graph "topo" {'), dot)
			assert.truthy(dot:find('"red" -- "bridge:v-net-0"', 1, true), dot)
			assert.truthy(dot:find("192.168.15.1/24", 1, true), dot)
			local why = proc.missing("dot", "graphviz")
			if why then
				pending(why)
			end
			local dot_file = write("g.dot", dot)
			local _, _, status = os.execute("dot -Tsvg " .. q(dot_file) .. " -o " .. q(dir .. "/g.svg"))
			assert.equal(0, status, "Graphviz refused the DOT")
			assert.truthy(read(dir .. "/g.svg"):find("<svg", 1, true))
		end)

		it("draws a running lab, and renders SVG and PNG with -o #root", function()
			local why = proc.missing("dot", "graphviz")
			if why then
				pending(why)
			end
			assert.equal(0, (netlab({ "up", topo, "--name", "fx-g" })))
			assert.equal(0, (netlab({ "graph", "fx-g", "-o", dir .. "/lab.svg" })))
			assert.truthy(read(dir .. "/lab.svg"):find("blue", 1, true))
			assert.equal(0, (netlab({ "graph", "fx-g", "-o", dir .. "/lab.png" })))
			assert.equal("\137PNG", read(dir .. "/lab.png"):sub(1, 4))
		end)
	end)

	describe("help", function()
		it("is there for every subcommand", function()
			for _, cmd in ipairs { "up", "ls", "down", "exec", "shell", "run", "graph", "clean", "busted" } do
				local code, out = netlab({ cmd, "--help" })
				assert.equal(0, code, cmd)
				assert.truthy(out:match("^usage: netlab " .. cmd), cmd .. ": " .. tostring(out))
			end
		end)
	end)

	describe("progress", function()
		-- builds until it has been building for 1.5 s by its own clock: three
		-- times the 0.5 s after which a build shows progress, however fast the
		-- machine. Paced (5 ms between nodes) so a fast machine stays below a
		-- bridge's 1024 ports; bounded in case the clock stood still.
		local many = write("many.lua", [[
lab.ipv6 = false
local sw = lab:bridge "br0"
local i, t0 = 0, nil
repeat
  i = i + 1
  lab:link(lab:node("n" .. i), sw)
  t0 = t0 or netns.clock()
  netns.sleep(0.005)
until netns.clock() - t0 > 1.5 or i >= 1000
]])

		it("stays quiet when standard error is not a terminal #root", function()
			local code, out, err = netlab({ many })
			assert.equal(0, code, err)
			assert.equal("", out)
			assert.equal("", err)
		end)

		it("shows on a terminal for a long build #root", function()
			local why = proc.missing("script", "bsdutils")
			if why then
				pending(why)
			end
			local out, code = proc.exec({ "script", "-qec", q(NETLAB) .. " " .. q(many), "/dev/null" })
			assert.equal(0, code, out)
			assert.truthy(out:find("building lab many: %d+ nodes, %d+ links"), out)
		end)
	end)

	describe("the busted helper", function()
		local fixture = require "netlab.busted"
		local lab = fixture.lab(function(lab)
			local a, b = lab:node "bh-a", lab:node "bh-b"
			lab:link(a, b, { addr = { "10.9.0.1/24", "10.9.0.2/24" } })
		end)

		it("builds the lab before the block's tests #root", function()
			assert.same({ "bh-a", "bh-b" }, ip.netns_names())
			assert.truthy(ip.addr("bh-b", "10.9.0.2"))
			assert.is_true(ip.can_ping("bh-a", "10.9.0.2"))	-- the oracle
			assert.is_true((lab.nodes["bh-a"]:ping("10.9.0.2")))
		end)
	end)

	describe("netlab busted", function()
		it("runs README's busted snippet, as printed, with README's command #root", function()
			local readme = read(proc.root .. "/README.md")
			local at = assert(readme:find("From busted, `require \"netlab.busted\"`", 1, true))
			local command, file = readme:match("```sh\nsudo netlab (busted [^\n#]-)%s+#[^\n]-(spec/[%w_]+%.lua):\n```", at)
			local snippet = readme:match("```lua\n(.-)```", at)
			assert.truthy(command and snippet, "README's busted example")
			local d = dir .. "/busted-readme"
			assert(os.execute("rm -rf " .. q(d) .. " && mkdir -p " .. q(d .. "/spec")))
			proc.write(d .. "/" .. file, snippet)
			-- from the project's directory, where the user runs it; not root's
			-- paths: the same LUA_PATH a user has (none)
			local out, code = proc.exec({ "sh", "-c", "cd " .. q(d) .. " && env -u LUA_PATH -u LUA_CPATH -u LUA_PATH_5_4 "
				.. "-u LUA_CPATH_5_4 " .. q(NETLAB) .. " " .. command }, true)
			assert.equal(0, code, out)
			assert.truthy(out:find("1 success / 0 failures / 0 errors", 1, true), out)
			-- its lab was in a namespace of its own, gone with it
			assert.same({}, ip.netns_names())
		end)

		it("passes busted's failures on as its exit status #root", function()
			local d = dir .. "/busted-fail"
			assert(os.execute("rm -rf " .. q(d) .. " && mkdir -p " .. q(d)))
			proc.write(d .. "/fail_spec.lua", 'it("fails", function() assert.is_true(require("netns").host():ping("10.77.0.1", { count = 1, timeout = 0.2 })) end)\n')
			local out, code = proc.exec({ "sh", "-c", "cd " .. q(d) .. " && " .. q(NETLAB) .. " busted ." }, true)
			assert.equal(1, code, out)
			assert.truthy(out:find("0 successes / 1 failure", 1, true), out)
		end)
	end)

	describe("after the busted helper's block", function()
		it("its lab is gone #root", function()
			assert.same({}, ip.netns_names())
		end)
	end)

	describe("the example fixtures", function()
		for _, test in ipairs { { "sh", "test_lab.sh" }, { "python3", "test_lab.py" } } do
			it("pass: " .. test[2] .. " #root", function()
				local cmd = ("NETLAB=%s %s %s 2>&1"):format(q(NETLAB), test[1] == "sh" and "bash" or "python3",
					q(proc.root .. "/scripts/examples/fixtures/" .. test[2]))
				local f = io.popen(cmd)
				local out = f:read("a")
				local ok = f:close()
				assert.truthy(ok, out)
				local _, ls = netlab({ "ls" })
				assert.equal("", ls)
			end)
		end
	end)
end)
