-- spec/lab_spec.lua - the lab and the interpreter: teardown in every way a run can end, isolation, netlab clean, names.
local netns = require "netns"
local ip = require "support.ip"
local proc = require "support.proc"
local json = require "support.json"

local ws = require("support.netlab").workspace("lab")
local dir, read = ws.dir, proc.read
local function write(name, text) return ws:write(name, text) end
local function netlab(args, stdin) return ws:run(args, stdin) end
local function start(args, tag) return ws:start(args, tag) end

-- the gate a script opens when it got where the test waits for: its marker file
local function wait_file(path)
	return proc.wait_until(function() return read(path) end, 60)
end

local function kill(sig, pid)
	os.execute(("kill -%s %d"):format(sig, pid))
end

-- the suite's namespace as a host-mode lab leaves it: no namespace, only lo,
-- no nftables table, no journal
local function pristine()
	local names = {}
	for _, l in ipairs(ip.links()) do names[#names + 1] = l.ifname end
	local tables = proc.exec({ "nft", "list", "tables" })
	local journals = proc.exec({ "sh", "-c", "ls /run/netlab/*.journal 2>/dev/null" })
	return {
		netns = ip.netns_names(),
		links = names,
		tables = tables,
		journals = journals,
	}
end

local CLEAN = { netns = {}, links = { "lo" }, tables = "", journals = "" }

local function forward()
	return (read("/proc/sys/net/ipv4/ip_forward") or ""):gsub("%s+$", "")
end

-- a topology in the style of the tutorial: a bridge, nodes, NAT on the host.
-- Arguments: a marker file to write once two nodes are built (the gate a
-- test that signals the build waits on), how many nodes (past the 250th,
-- without an address: a build that goes on long after the marker), the node
-- to fail at.
local build = [[
local marker, count, fail_at = ...
count = tonumber(count or 3)
local sw = lab:bridge "v-net-0"
lab.host:addr_add("v-net-0", "192.168.15.5/24")
lab:forward()
lab.host:nat_masquerade { src = "192.168.15.0/24" }
for i = 1, count do
  local n = lab:node("n" .. i)
  if i <= 250 then
    lab:link(n, sw, { addr = ("192.168.15.%d/24"):format(i) })
    n:gateway(lab.host)
  else
    lab:link(n, sw)
  end
  if i == 2 and marker and marker ~= "" then
    local f = io.open(marker .. ".part", "w"); f:write(tostring(lab.host.ns.id)); f:close(); os.rename(marker .. ".part", marker)
  end
  if fail_at and tonumber(fail_at) == i then error("boom at node " .. i) end
end
lab:expect_reach(lab.nodes.n1, "192.168.15.5", { timeout = 10 })
]]

describe("the lab", function()
	teardown(function() ws:cleanup() end)

	local baseline_forward

	before_each(function()
		baseline_forward = forward()
	end)

	after_each(function()
		-- whatever a failed test left: the lab's own names only
		for _, name in ipairs(ip.netns_names()) do
			if name:match("^n%d+$") or name:match("^t%-lab") or name == "red" or name == "blue" then
				proc.exec({ "ip", "netns", "del", name })
			end
		end
		proc.exec({ "ip", "link", "del", "v-net-0" })
		proc.exec({ "ip", "link", "del", "v-net-1" })
		proc.exec({ "ip", "link", "del", "v-net-2" })
		-- the shared table and every lab's own ("netlab-NAME")
		for t in proc.exec({ "nft", "list", "tables" }):gmatch("table inet (netlab%S*)") do
			proc.exec({ "nft", "delete", "table", "inet", t })
		end
		proc.exec({ "sh", "-c", "rm -f /run/netlab/*.journal" })
		proc.wait_until(function() return #ip.links() == 1 end)
	end)

	describe("teardown in host mode", function()
		local script = write("build.lua", build)

		it("removes everything at the normal end, and puts the host's forwarding back #root", function()
			local code, out = netlab({ "--host", script, "", "4" })
			assert.equal(0, code)
			assert.truthy(out:find("1 passed, 0 failed", 1, true))
			assert.same(CLEAN, pristine())
			assert.equal(baseline_forward, forward())
		end)

		it("removes everything after an error halfway through building #root", function()
			local code, _, err = netlab({ "--host", script, "", "6", "3" })
			assert.equal(1, code)
			assert.truthy(err:find("boom at node 3", 1, true), err)
			assert.truthy(err:find("build.lua:", 1, true), "the traceback points at the script")
			assert.same(CLEAN, pristine())
			assert.equal(baseline_forward, forward())
		end)

		for _, case in ipairs { { "INT", 130 }, { "TERM", 143 } } do
			it("removes everything after SIG" .. case[1] .. " during building #root", function()
				local marker = dir .. "/marker-" .. case[1]
				os.remove(marker)
				-- 3000 nodes: the build goes on for far longer than the signal
				-- takes to land, however slow the machine, so it lands during building
				local p = start({ "--host", script, marker, "3000" })
				assert.truthy(wait_file(marker), "the lab started building")
				kill(case[1], p.pid)
				local code, out = p.finish()
				assert.equal(case[2], code)
				assert.is_nil(out:find("reaches", 1, true), "the build was stopped before its end: " .. out)
				assert.same(CLEAN, pristine())
				assert.equal(baseline_forward, forward())
			end)
		end

		it("runs the same script twice in a row, both times successfully #root", function()
			for _ = 1, 2 do
				local code, out, err = netlab({ "--host", script, "", "4" })
				assert.equal(0, code, err)
				assert.truthy(out:find("1 passed, 0 failed", 1, true))
			end
			assert.same(CLEAN, pristine())
		end)
	end)

	describe("netlab clean", function()
		local sleeper = write("sleeper.lua", [[
local marker = ...
local sw = lab:bridge "v-net-0"
lab:forward()
lab.host:nat_masquerade { src = "192.168.15.0/24" }
for i = 1, 3 do lab:link(lab:node("n" .. i), sw, { addr = ("192.168.15.%d/24"):format(i) }) end
local red = lab:node "red"
lab:link(red, sw)
local f = io.open(marker .. ".part", "w"); f:write("built"); f:close(); os.rename(marker .. ".part", marker)
while true do netns.sleep(1) end
]])

		local function crash(marker, name)
			os.remove(marker)
			local p = start({ "--host", "--name", name, sleeper, marker })
			assert.truthy(wait_file(marker), "the lab was built")
			kill("KILL", p.pid)
			assert.equal(137, (p.finish()))
			-- what the crash left
			assert.same({ "n1", "n2", "n3", "red" }, ip.netns_names())
			assert.truthy(read("/run/netlab/" .. name .. ".journal"))
		end

		local function inode(name)
			return (proc.exec({ "stat", "-L", "-c", "%i", "/run/netns/" .. name }):gsub("%s+$", ""))
		end

		it("after SIGKILL of a host-mode lab, leaves the host as it was, forwarding included #root", function()
			-- forwarding off before: the lab turns it on, the crash leaves it on
			local before = forward()
			proc.write("/proc/sys/net/ipv4/ip_forward", "0")
			crash(dir .. "/m-clean", "crashed")
			assert.equal("1", forward())
			local code, out = netlab({ "clean", "crashed" })
			assert.equal(0, code)
			assert.truthy(out:find("removed namespace red", 1, true))
			assert.same(CLEAN, pristine())
			assert.equal("0", forward(), "clean put forwarding back")
			proc.write("/proc/sys/net/ipv4/ip_forward", before)
		end)

		it("journals each object before it makes it, and its identity after #root", function()
			crash(dir .. "/m-journal", "crashed4")
			local lines = {}
			for line in read("/run/netlab/crashed4.journal"):gmatch("[^\n]+") do lines[#lines + 1] = line end
			local function at(pattern)
				for i, l in ipairs(lines) do if l:match(pattern) then return i end end
			end
			assert.truthy(at("^want bridge v%-net%-0$") < at("^bridge v%-net%-0 %d+$"))
			assert.truthy(at("^sysctl net%.ipv4%.ip_forward %d 1$") < at("^nat netlab%-crashed4$"))
			assert.truthy(at("^want ns red$") < at("^ns red %d+ %d+$"))
			assert.equal(0, (netlab({ "clean", "crashed4" })))
			assert.same(CLEAN, pristine())
		end)

		it("finishes what a crash left half made or half deleted, and a second clean finds nothing #root", function()
			-- the states a kill can leave: a namespace file not yet mounted, a
			-- namespace made but not yet journaled, a namespace unmounted but
			-- not yet unlinked, a bridge made but not yet journaled
			ip.ip("netns", "add", "t-lab-made")
			ip.ip("netns", "add", "t-lab-gone")
			local gone_id = inode("t-lab-gone")
			assert(os.execute("umount /run/netns/t-lab-gone"))
			proc.write("/run/netns/t-lab-half", "")
			ip.ip("link", "add", "v-net-0", "type", "bridge")
			proc.write("/run/netlab/half.journal", table.concat({
				"want bridge v-net-0", "want ns t-lab-half", "want ns t-lab-made",
				"want ns t-lab-gone", "ns t-lab-gone " .. gone_id .. " 1", "" }, "\n"))
			local code, out, err = netlab({ "clean", "half" })
			assert.equal(0, code, (out or "") .. (err or ""))
			assert.same(CLEAN, pristine())
			assert.is_nil(read("/run/netns/t-lab-half"))
			local again, said = netlab({ "clean", "half" })
			assert.equal(0, again)
			assert.truthy(said:find("nothing to clean", 1, true), said)
		end)

		it("removes only the lab's own nftables rules: not another lab's, not a foreign chain #root", function()
			-- a chain of someone else's in the table netlab's API uses by default
			proc.exec({ "nft", "add table inet netlab; add chain inet netlab foreign" })
			local gate = dir .. "/nat-gate"
			os.remove(gate)
			local other = start({ "--host", "--name", "other", "-e", ([[
lab.host:nat_masquerade { src = "10.66.0.0/16" }
io.open(%q, "w"):close()
while not io.open(%q .. ".end") do netns.sleep(0.02) end
]]):format(gate, gate) }, "nat-other")
			assert.truthy(wait_file(gate), "the other lab has its rule")
			local code, out, err = netlab({ "--host", "--name", "mine", "-e",
				'lab.host:nat_masquerade { src = "10.77.0.0/16" }' })
			assert.equal(0, code, (out or "") .. (err or ""))
			-- after "mine" ended: the other lab's table and rule, and the foreign chain
			local tables = proc.exec({ "nft", "list", "tables" })
			assert.truthy(tables:find("table inet netlab-other", 1, true), tables)
			assert.is_nil(tables:find("netlab-mine", 1, true), tables)
			assert.truthy(proc.exec({ "nft", "list", "table", "inet", "netlab-other" }):find("10.66.0.0/16", 1, true))
			assert.truthy(proc.exec({ "nft", "list", "table", "inet", "netlab" }):find("chain foreign", 1, true))
			proc.write(gate .. ".end", "")
			assert.equal(0, (other.finish()))
			assert.is_nil(proc.exec({ "nft", "list", "tables" }):find("netlab-other", 1, true))
			proc.exec({ "nft", "delete", "table", "inet", "netlab" })
		end)

		-- A name someone else holds is refused (EEXIST); a lab killed after that
		-- (a script that caught the refusal, or one killed in the teardown its
		-- error started) must not leave a journal that hands the name to clean.
		-- Nor may a lab whose creation failed for another reason, once someone
		-- else has taken the name.
		it("leaves alone namespaces and bridges whose names the lab was refused or failed to take #root", function()
			ip.ip("netns", "add", "red")
			ip.ip("link", "add", "v-net-0", "type", "bridge")
			local red <close> = netns.open("red")
			local marker = dir .. "/m-refused"
			os.remove(marker)
			local p = start({ "--host", "--name", "refused", write("refused.lua", [[
local marker = ...
assert(not pcall(lab.node, lab, "red"), "red is someone else's")
assert(not pcall(lab.bridge, lab, "v-net-0"), "v-net-0 is someone else's")
-- a failure of the making itself, after the journal announced it; someone
-- else then takes the names
netns.hook(function(op) if op == "add" or op == "link_add" then error("injected", 0) end end)
assert(not pcall(lab.node, lab, "blue"))
assert(not pcall(lab.bridge, lab, "v-net-2"))
netns.hook(nil)
assert(os.execute("ip netns add blue && ip link add v-net-2 type bridge"))
lab:link(lab:node "n1", lab:bridge "v-net-1")
local f = io.open(marker .. ".part", "w"); f:write("refused"); f:close(); os.rename(marker .. ".part", marker)
while true do netns.sleep(1) end
]]), marker }, "refused")
			assert.truthy(wait_file(marker), "the lab was refused the names")
			kill("KILL", p.pid)
			assert.equal(137, (p.finish()))
			local journal = read("/run/netlab/refused.journal")
			assert.truthy(journal:find("want ns blue\ndrop ns blue\n", 1, true), journal)
			assert.truthy(journal:find("want bridge v-net-2\ndrop bridge v-net-2\n", 1, true), journal)
			assert.is_nil(journal:find("red", 1, true), journal)
			local blue <close> = netns.open("blue")
			local code, out, err = netlab({ "clean", "refused" })
			assert.equal(0, code, (out or "") .. (err or ""))
			assert.same({ "blue", "red" }, ip.netns_names(), "the lab's n1 is gone, the other blue and red stay")
			assert.equal(tostring(red.id), inode("red"))
			assert.equal(tostring(blue.id), inode("blue"))
			assert.truthy(ip.link(nil, "v-net-0"), "the other v-net-0 stays")
			assert.truthy(ip.link(nil, "v-net-2"), "the other v-net-2 stays")
			assert.is_nil(ip.link(nil, "v-net-1"), "the lab's v-net-1 is gone")
			assert.is_nil(read("/run/netlab/refused.journal"))
		end)

		it("leaves alone a namespace and a link it did not create #root", function()
			crash(dir .. "/m-foreign", "crashed2")
			-- someone else takes the names after the crash. The crashed lab's red
			-- is held open meanwhile, so its inode is not free for the new red to
			-- get (see the pending spec below for when it is).
			local old_red <close> = netns.open("red")
			ip.ip("netns", "del", "red")
			ip.ip("netns", "add", "red")
			local new_red = inode("red")
			assert.not_equal(tostring(old_red.id), new_red)
			ip.ip("link", "del", "v-net-0")
			ip.ip("link", "add", "v-net-0", "type", "bridge")
			ip.ip("netns", "add", "t-lab-foreign")
			local code = netlab({ "clean" })
			assert.equal(0, code)
			assert.same({ "red", "t-lab-foreign" }, ip.netns_names())
			assert.equal(new_red, inode("red"), "the foreign red stays")
			assert.truthy(ip.link(nil, "v-net-0"), "the foreign bridge stays")
			assert.equal("", proc.exec({ "nft", "list", "tables" }))
			assert.equal("", proc.exec({ "sh", "-c", "ls /run/netlab/*.journal 2>/dev/null" }))
		end)

		-- The kernel hands a freed namespace's inode number to the next
		-- namespace made (the lowest free one): the journal's inode alone
		-- would take a foreign namespace that got it back for the lab's. Its
		-- cookie tells them apart.
		it("leaves alone a foreign namespace that got the crashed lab's namespace inode back #root", function()
			-- what clean finds when the kernel gave the crashed red's inode to a
			-- red made since: the journal's name and inode, another namespace.
			-- (Waiting for the kernel to hand the very number out again is a
			-- race with every other namespace made on the machine.)
			ip.ip("netns", "add", "red")
			local foreign <close> = netns.open("red")
			proc.write("/run/netlab/reused.journal", ("want ns red\nns red %s %d\n")
				:format(inode("red"), foreign.cookie + 1))
			local code, out, err = netlab({ "clean", "reused" })
			assert.equal(0, code, (out or "") .. (err or ""))
			assert.same({ "red" }, ip.netns_names())
			assert.equal(tostring(foreign.id), inode("red"), "the foreign red stays")
			assert.is_nil(read("/run/netlab/reused.journal"))
		end)

		it("says there is nothing to clean for an unknown lab #root", function()
			local code, out = netlab({ "clean", "never-ran" })
			assert.equal(0, code)
			assert.truthy(out:find("nothing to clean", 1, true))
		end)

		it("refuses to start a host-mode lab over a crashed one's journal #root", function()
			crash(dir .. "/m-again", "again")
			local code, _, err = netlab({ "--host", "--name", "again", "-e", "lab:node 'x'" })
			assert.equal(1, code)
			assert.truthy(err:find("netlab clean again", 1, true), err)
			assert.equal(0, (netlab({ "clean", "again" })))
			assert.same(CLEAN, pristine())
		end)
	end)

	describe("isolation", function()
		it("builds nothing visible to the host #root", function()
			local code, out, err = netlab({ write("iso.lua", build), "", "3" })
			assert.equal(0, code, err)
			assert.truthy(out:find("1 passed, 0 failed", 1, true))
			assert.same(CLEAN, pristine())
			assert.equal(baseline_forward, forward())
		end)

		it("leaves nothing after SIGKILL: no process holds the lab's namespaces #root", function()
			local marker = dir .. "/m-kill"
			os.remove(marker)
			local p = start({ write("killme.lua", [[
local marker = ...
local sw = lab:bridge "v-net-0"
local ids = { lab.host.ns.id }
for i = 1, 3 do
  local n = lab:node("n" .. i)
  lab:link(n, sw, { addr = ("192.168.15.%d/24"):format(i) })
  ids[#ids + 1] = n.ns.id
end
local p = lab.nodes.n1:spawn { "sleep", "300" }
local f = io.open(marker .. ".part", "w"); f:write(p.pid, " ", table.concat(ids, " ")); f:close(); os.rename(marker .. ".part", marker)
while true do netns.sleep(1) end
]]), marker })
			local info = wait_file(marker)
			assert.truthy(info, "the lab was built")
			local sleep_pid = tonumber(info:match("^(%d+)"))
			kill("KILL", p.pid)
			assert.equal(137, (p.finish()))
			-- the command it started dies with it (PDEATHSIG) ...
			assert.truthy(proc.wait_until(function()
				return not read("/proc/" .. sleep_pid .. "/stat")
			end), "the spawned process is gone")
			-- ... so no process is left in any of the lab's namespaces (the
			-- lab's init takes a moment to end the rest of its PID namespace)
			local inodes = {}
			for id in info:gmatch("%d+") do inodes[id] = true end
			inodes[tostring(sleep_pid)] = nil
			local function in_lab()
				for pid in proc.exec({ "ls", "/proc" }):gmatch("%d+") do
					local link = proc.exec({ "readlink", "/proc/" .. pid .. "/ns/net" })
					local ino = link:match("net:%[(%d+)%]")
					if ino and inodes[ino] then return pid end
				end
			end
			local left
			assert.truthy(proc.wait_until(function() left = in_lab() return not left end),
				"process " .. tostring(left) .. " is in a lab namespace")
			assert.same(CLEAN, pristine())
		end)

		it("leaves no process at any depth after SIGKILL, isolated, and with --host after clean #root", function()
			local script = write("deep.lua", [[
local marker, d = ...
local n = lab:node "t-lab-deep"
lab:link(n, lab:bridge "v-net-0")
n:service { "sh", "-c", "sleep " .. d .. "; true" }
n:service { "sh", "-c", "setsid sleep " .. d .. " & wait" }
lab.host:service { "sh", "-c", "(sh -c 'sleep " .. d .. "' &); sleep " .. d }
local f = io.open(marker .. ".part", "w"); f:write("built"); f:close(); os.rename(marker .. ".part", marker)
while true do netns.sleep(1) end
]])
			for _, mode in ipairs { "isolated", "host" } do
				local marker, d = dir .. "/m-deep-" .. mode, proc.unique_duration()
				os.remove(marker)
				local args = { script, marker, d }
				if mode == "host" then table.insert(args, 1, "--host") end
				local p = start(args, "deep-" .. mode)
				assert.truthy(wait_file(marker), "the lab was built")
				assert.truthy(proc.wait_until(function() return proc.sleeping(d) == 4 end), mode .. ": four sleeps run")
				kill("KILL", p.pid)
				assert.equal(137, (p.finish()))
				assert.truthy(proc.wait_until(function() return proc.sleeping(d) == 0 end),
					mode .. ": a sleep " .. d .. " outlived the lab")
				if mode == "host" then
					assert.equal(0, (netlab({ "clean" })))
				end
				assert.same(CLEAN, pristine(), mode)
			end
		end)

		it("runs four labs with the same node names at the same time #root", function()
			local gate = dir .. "/gate"
			assert(os.execute("rm -rf " .. gate .. " && mkdir -p " .. gate))
			local script = write("parallel.lua", [[
local gate, me = ...
local sw = lab:bridge "v-net-0"
local red, blue = lab:node "red", lab:node "blue"
lab:link(red, sw, { addr = "192.168.15.1/24" })
lab:link(blue, sw, { addr = "192.168.15.2/24" })
-- wait for the other three: all four labs exist at once
io.open(gate .. "/" .. me, "w"):close()
lab:wait_until(function()
  local n = 0
  for _ in io.popen("ls " .. gate):lines() do n = n + 1 end
  return n == 4
end, 60, "all four labs are up at the same time")
lab:expect_reach(red, blue, { timeout = 10 })
lab:expect_reach(blue, red, { timeout = 10 })
]])
			local runs = {}
			for i = 1, 4 do runs[i] = start({ script, gate, tostring(i) }, "par" .. i) end
			for i = 1, 4 do
				local code, out, err = runs[i].finish()
				assert.equal(0, code, err)
				assert.truthy(out:find("3 passed, 0 failed", 1, true), out)
			end
			assert.same(CLEAN, pristine())
		end)

		it("runs the same script twice in a row, both times successfully #root", function()
			local script = write("twice.lua", build)
			for _ = 1, 2 do
				local code, out, err = netlab({ script, "", "3" })
				assert.equal(0, code, err)
				assert.truthy(out:find("1 passed, 0 failed", 1, true))
			end
		end)
	end)

	describe("interface names", function()
		local script = write("names.lua", [[
-- long node names that share a prefix, each linked twice to a bridge
local sw = lab:bridge "bridge-long-nam"
for _, name in ipairs { "abcdefghijklmna", "abcdefghijklmnb", "abcdefghijklmnc", "x" } do
  local n = lab:node(name)
  lab:link(n, sw)
  lab:link(n, sw)
  lab:link(lab.host, n)
end
-- what ip shows in the lab's host and in one node: the oracle, not the module's own list
io.write("HOST ", lab.host:run({ "ip", "-j", "link" }).stdout)
io.write("NODE ", lab.nodes.abcdefghijklmna:run({ "ip", "-j", "link" }).stdout)
]])

		local function names_of_a_run()
			local code, out, err = netlab({ script })
			assert.equal(0, code, err)
			local host, node = {}, {}
			for _, l in ipairs(json.decode(out:match("HOST ([^\n]+)"))) do
				if l.ifname ~= "lo" and l.ifname ~= "bridge-long-nam" then
					host[#host + 1] = l.ifname .. " " .. tostring(l.ifalias)
				end
			end
			for _, l in ipairs(json.decode(out:match("NODE ([^\n]+)"))) do
				if l.ifname ~= "lo" then
					node[#node + 1] = l.ifname .. " " .. tostring(l.ifalias)
				end
			end
			return host, node
		end

		it("are at most 15 bytes, unique, readable in the alias and the same from run to run #root", function()
			local host, node = names_of_a_run()
			assert.equal(12, #host)
			local seen = {}
			for _, entry in ipairs(host) do
				local name = entry:match("^(%S+)")
				assert.truthy(#name <= 15, name)
				assert.is_nil(seen[name], "duplicate " .. name)
				seen[name] = true
			end
			-- the node's ends: eth0, eth1, eth2, each with an alias naming the other end
			assert.same({ "eth0 abcdefghijklmna -> bridge-long-nam", "eth1 abcdefghijklmna -> bridge-long-nam",
				"eth2 abcdefghijklmna -> host" }, node)
			local again_host, again_node = names_of_a_run()
			assert.same(host, again_host)
			assert.same(node, again_node)
		end)

		it("are what ip shows, with the alias, in a host-mode lab #root", function()
			local code, _, err = netlab({ "--host", "-e", [[
local sw = lab:bridge "v-net-0"
local n = lab:node "t-lab-long-name"
lab:link(n, sw)
local l = lab.host:links()
for _, x in ipairs(l) do if x.master == "v-net-0" then io.stderr:write("PORT ", x.name, " ", x.alias, "\n") end end
local r = lab.host:run { "ip", "-j", "link", "show", "master", "v-net-0" }
io.stderr:write("IP ", r.stdout, "\n")
]] })
			assert.equal(0, code, err)
			local port, alias = err:match("PORT (%S+) ([^\n]+)")
			local ipj = json.decode(err:match("IP ([^\n]+)"))
			assert.equal(1, #ipj)
			assert.equal(port, ipj[1].ifname)
			assert.equal(alias, ipj[1].ifalias)
			assert.equal("v-net-0 -> t-lab-long-name", alias)
			assert.truthy(#port <= 15)
		end)

		it("take node names as long as ip netns add does, and a ':', in a host-mode lab #root", function()
			local long = "t-lab-" .. ("n"):rep(240)
			local code, _, err = netlab({ "--host", "-e", ([[
local sw = lab:bridge "v-net-0"
local a, b = lab:node %q, lab:node "t-lab-a:b"
lab:link(a, sw)
lab:link(b, sw)
lab:link(a, b, { addr = { "10.0.0.1/24", "10.0.0.2/24" } })
lab:expect_reach(a, "10.0.0.2", { timeout = 10 })
io.stderr:write("NETNS ", lab.host:run({ "ip", "-j", "netns", "list" }).stdout, "\n")
io.stderr:write("PORTS ", lab.host:run({ "ip", "-j", "link", "show", "master", "v-net-0" }).stdout, "\n")
]]):format(long) })
			assert.equal(0, code, err)
			local names = {}
			for _, n in ipairs(json.decode(err:match("NETNS ([^\n]+)"))) do names[#names + 1] = n.name end
			table.sort(names)
			assert.same({ "t-lab-a:b", long }, names)
			local ports = json.decode(err:match("PORTS ([^\n]+)"))
			assert.equal(2, #ports)
			for _, l in ipairs(ports) do
				assert.truthy(#l.ifname <= 15 and not l.ifname:find(":", 1, true), l.ifname)
				assert.truthy(#l.ifalias <= 255, l.ifalias)
			end
			-- and nothing of it is left
			assert.same({}, ip.netns_names())
		end)
	end)

	describe("the interpreter", function()
		it("reports each expectation and ends with N passed, N failed, exiting 1 when one failed #root", function()
			local code, out = netlab({ "-e", [[
local a, b = lab:node "a", lab:node "b"
lab:link(a, b, { addr = { "10.0.0.1/24", "10.0.0.2/24" } })
lab:expect_reach(a, b, { timeout = 10 })
lab:expect_unreachable(a, "10.0.0.77", { timeout = 0.2 })
lab:expect(false, "a deliberate failure")
lab:expect(function() error("inside") end, "an expectation that raises")
lab:expect(lab:wait_until(function() return true end, 1), "wait_until returns true")
]] })
			assert.equal(1, code)
			assert.truthy(out:find("ok 1 - a reaches b (10.0.0.2)", 1, true), out)
			assert.truthy(out:find("ok 2 - a cannot reach 10.0.0.77", 1, true), out)
			assert.truthy(out:find("not ok 3 - a deliberate failure", 1, true), out)
			assert.truthy(out:find("not ok 4 - an expectation that raises", 1, true), out)
			assert.truthy(out:find("ok 5 - wait_until returns true", 1, true), out)
			assert.truthy(out:match("3 passed, 2 failed\n$"), out)
		end)

		it("prints each kernel operation as the ip command with --trace #root", function()
			local code, _, err = netlab({ "--trace", "-e", [[
local red, blue = lab:node "red", lab:node "blue"
lab:link(red, blue, { addr = { "192.168.15.1/24", "192.168.15.2/24" } })
red:route_add { dst = "default", via = "192.168.15.2" }
]] })
			assert.equal(0, code, err)
			for _, line in ipairs {
				"+ ip netns add red",
				"+ ip -n red link add eth0 up type veth peer name eth0 netns blue",
				"+ ip -n red addr add 192.168.15.1/24 dev eth0",
				"+ ip -n red route add default via 192.168.15.2",
			} do
				assert.truthy(err:find(line, 1, true), line .. " in:\n" .. err)
			end
			-- isolated, the namespaces go with the process: nothing is deleted one by one
			assert.falsy(err:find("ip netns del", 1, true), err)
			-- in the real host the teardown deletes them, and says so
			code, _, err = netlab({ "--host", "--trace", "-e", "lab:node 't-lab-tr'" })
			assert.equal(0, code, err)
			assert.truthy(err:find("+ ip netns del t-lab-tr", 1, true), err)
			assert.same(CLEAN, pristine())
		end)

		it("keeps the lab up for an interactive prompt with -i #root", function()
			local code, out = netlab({ "-i", "-e", "red = lab:node 'red'" },
				"return red:link('lo').up\n#netns.list()\nreturn red:run({ 'ip', '-o', 'link', 'show', 'up' }).stdout:match('lo')\n")
			assert.equal(0, code)
			-- ip inside the node, at the prompt: the lab is still up, lo up in red
			assert.truthy(out:find("> lo\n", 1, true), out)
			assert.truthy(out:find("> true\n", 1, true), out)
			assert.truthy(out:find("> 1\n", 1, true), out)
		end)

		it("refuses a malformed link address before making the link #root", function()
			local code, out, err = netlab({ "--host", "-e", [[
local a, b = lab:node "t-lab-a", lab:node "t-lab-b"
local ok, e = pcall(lab.link, lab, a, b, { addr = { "10.0.0.1/24", "10.0.0.300/24" } })
print(e)
local r = a:run { "ip", "-br", "link" }
io.write(r.stdout)
]] })
			assert.equal(0, code, err)
			assert.truthy(out:find("netlab: link: address '10.0.0.300/24' is not an IPv4 or IPv6 address", 1, true), out)
			assert.is_nil(out:find("eth0", 1, true), "no link was made: " .. out)
		end)

		it("makes IPv4-only nodes with ipv6 = false: no IPv6 on their links, nothing IPv6 sent, ::1 kept on lo #root", function()
			local code, out, err = netlab({ "-e", [[
lab.ipv6 = false
local a, b = lab:node "a", lab:node "b"
local c = lab:node("c", { ipv6 = true })
local sw = lab:bridge "sw"
local la = lab:link(a, sw, { addr = "10.0.0.1/24" })
local lb = lab:link(b, sw, { addr = "10.0.0.2/24" })
local lc = lab:link(c, sw, { addr = { "10.0.0.3/24", "fd00::3/64" } })
lab:link(a, b, { addr = { "10.0.1.1/24", "10.0.1.2/24" } })   -- made from a's side
lab:link(c, a, { addr = { "10.0.2.3/24", "10.0.2.1/24" } })   -- made from c's side
lab:expect_reach(a, b, { timeout = 10 })
lab:expect_reach(c, a, { timeout = 10 })
lab:expect_reach(c, "fd00::3", { timeout = 10 })
-- the gate: c's end of the last link made (c - a) has sent its first MLD
-- report, so the ends of a and b, made before it, had their time to send one
local function mld_reports(node, dev)
  local s = node:run({ "cat", "/proc/net/dev_snmp6/" .. dev }).stdout
  return tonumber(s:match("Icmp6OutMLDv2Reports%s+(%d+)")) or 0
end
print("gate: " .. tostring(lab:wait_until(function() return mld_reports(c, "eth1") > 0 end, 30)))
local function v6(node)
  local r = node:run { "ip", "-j", "-6", "addr" }
  local n = 0
  for _ in r.stdout:gmatch('"family":"inet6"') do n = n + 1 end
  local modes = {}
  for dev, mode in node:run({ "ip", "-d", "-j", "link" }).stdout:gmatch('"ifname":"([^"]+)".-"inet6_addr_gen_mode":"([^"]+)"') do
    if dev ~= "lo" then modes[#modes + 1] = dev .. "=" .. mode end
  end
  local sent = node:run({ "cat", "/proc/net/snmp6" }).stdout:match("Ip6OutRequests%s+(%d+)")
  return ("%d inet6, %s, sent %s"):format(n, table.concat(modes, " "), sent)
end
for _, n in ipairs { a, b, c } do print(n.name .. ": " .. v6(n)) end
-- the bridge ports: IPv6 off on those of a and b, not on c's
for _, l in ipairs { la, lb, lc } do
  print(l.a.name .. " port disable_ipv6 " .. lab.host:sysctl(("net/ipv6/conf/%s/disable_ipv6"):format(l.dev_b)))
end
local ok, e = pcall(lab.link, lab, a, c, { addr = { "fd00:1::1/64", "fd00:1::2/64" } })
print(e)
print("a links:", select(2, a:run({ "ip", "-o", "link" }).stdout:gsub("\n", "")))
]] })
			assert.equal(0, code, err)
			assert.truthy(out:find("gate: true\n", 1, true), out)
			-- a and b: only ::1 on lo, every link end without an IPv6 address, no IPv6 packet sent
			assert.truthy(out:find("a: 1 inet6, eth0=none eth1=none eth2=none, sent 0", 1, true), out)
			assert.truthy(out:find("b: 1 inet6, eth0=none eth1=none, sent 0", 1, true), out)
			-- c: as usual (::1, fd00::3 and a link-local on each of its two links)
			assert.truthy(out:find("c: 4 inet6, eth0=eui64 eth1=eui64, sent [1-9]"), out)
			assert.truthy(out:find("a port disable_ipv6 1\nb port disable_ipv6 1\nc port disable_ipv6 0\n", 1, true), out)
			assert.truthy(out:find("netlab: link: address 'fd00:1::1/64' is IPv6, but a was made with ipv6 = false", 1, true), out)
			assert.truthy(out:find("a links:\t4", 1, true), "no link was made: " .. out)
			assert.truthy(out:match("3 passed, 0 failed\n$"), out)
		end)

		it("refuses an ipv6 option that is not a boolean, naming it #root", function()
			local code, _, err = netlab({ "-e", "lab:node('red', { ipv6 = 'no' })" })
			assert.equal(1, code)
			assert.truthy(err:find("netlab: node: option 'ipv6' must be true or false", 1, true), err)
		end)

		it("refuses a node name used twice in one lab, naming it #root", function()
			local code, _, err = netlab({ "-e", "lab:node 'red'; lab:node 'red'" })
			assert.equal(1, code)
			assert.truthy(err:find("netlab: node: 'red' exists already in this lab", 1, true), err)
		end)
	end)
end)
