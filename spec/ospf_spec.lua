-- spec/ospf_spec.lua - the routing-lab examples: OSPF on a ring of four routers with BIRD 2
-- (scripts/examples/ospf-ring.lua) and with FRR (ospf-ring-frr.lua), each run as a user runs it,
-- through the interpreter, and nothing of the daemons left behind: no process, no file in the
-- machine's /run, /var/tmp, /etc, no namespace.
local proc = require "support.proc"
local nl = require "support.netlab"
local rootless = require "support.rootless"

local ws = nl.workspace("ospf")

-- The example, to its end, its environment marked: every process it starts (bird, zebra,
-- ospfd, what they start) inherits the mark, and one that outlives the run carries it.
local function run_example(name, mark)
	local out, err = ws.dir .. "/" .. name .. ".out", ws.dir .. "/" .. name .. ".err"
	local cmd = ("env NETLAB_SPEC_MARK=%s timeout -k 10 300 %s %s >%s 2>%s </dev/null"):format(
		proc.quote(mark), proc.quote(nl.bin), proc.quote(proc.root .. "/scripts/examples/" .. name .. ".lua"),
		proc.quote(out), proc.quote(err))
	local _, _, code = os.execute(cmd)
	return code, proc.read(out) or "", proc.read(err) or ""
end

-- processes (pid and command) whose environment carries the mark
local function marked(mark)
	local want, found = "NETLAB_SPEC_MARK=" .. mark .. "\0", {}
	for pid in proc.exec({ "ls", "/proc" }):gmatch("%d+") do
		local env = proc.read("/proc/" .. pid .. "/environ")
		if env and env:find(want, 1, true) then
			found[#found + 1] = pid .. " " .. (proc.read("/proc/" .. pid .. "/cmdline") or ""):gsub("%z", " ")
		end
	end
	return found
end

-- what the daemons would write in the machine's directories were a node's not its own: files
-- newer than the marker under /etc/bird, /etc/frr, /etc/netns, /var/tmp, or named after a
-- daemon under /run (/var/run) and /tmp. The suite's own /run/netns and /run/netlab are mounts
-- of their own (-xdev).
local function new_files(marker)
	local out = proc.exec({ "find", "/run", "/var/tmp", "/etc", "/tmp", "-xdev", "-mindepth", "1", "-newer", marker })
	local found = {}
	for path in out:gmatch("[^\n]+") do
		if path:match("^/etc/bird") or path:match("^/etc/frr") or path:match("^/etc/netns")
			or path:match("^/var/tmp/") or path:match("bird") or path:match("frr")
			or path:match("zebra") or path:match("ospf") then
			found[#found + 1] = path
		end
	end
	return found
end

local function netns_list()
	return (proc.exec({ "ip", "netns", "list" }):gsub("%s+$", ""))
end

-- every expectation of the example passed, each step printed its time
local function check_report(code, out, err, steps)
	assert.equal(0, code, out .. err)
	assert.falsy(out:find("not ok", 1, true), out)
	assert.matches("\n6 passed, 0 failed\n$", "\n" .. out)
	for _, step in ipairs(steps) do
		assert.matches("\n# " .. step .. ": %d+%.%d s\n", "\n" .. out)
	end
	local oks = 0
	for _ in ("\n" .. out):gmatch("\nok %d+ %- ") do oks = oks + 1 end
	assert.equal(6, oks, out)
end

local STEPS = {
	"OSPF converged %([^)]*%)",
	"rerouted around the link that went down",
	"back on the shortest way",
	"rerouted around the silent link %(dead interval 4 s%)",
}

-- run the example, then look for what it left
local function example_leaves_nothing(name)
	local marker = ws:write(name .. ".marker", "")
	local mark = ("%s-%d-%d"):format(name, proc.pid(), math.random(1, 1e9))
	local t0 = proc.now()
	local code, out, err = run_example(name, mark)
	local took = proc.now() - t0
	check_report(code, out, err, STEPS)
	assert.is_true(took < 60, ("%s took %.1f s"):format(name, took))
	-- the lab's processes are gone with its interpreter (its PID namespace)
	local left = marked(mark)
	assert.same({}, left, "processes left: " .. table.concat(left, "; "))
	assert.same({}, new_files(marker), "files left in the machine's directories")
	assert.equal("", netns_list(), "namespaces left")
	return out
end

describe("the routing-lab examples", function()
	teardown(function() ws:cleanup() end)

	it("ospf-ring: BIRD 2 on a ring converges, reroutes around a link down and a silent one, comes back; leaves nothing #root #bird", function()
		local why = proc.missing("bird", "bird2") or proc.missing("birdc", "bird2")
		if why then pending(why) return end
		-- node:file keeps the other files of the machine's /etc/bird in the node's copy, and Debian
		-- keeps that directory to root and bird (0750): a user's lab cannot read it
		local _, readable = proc.exec({ "test", "-r", "/etc/bird", "-a", "-x", "/etc/bird" })
		why = readable ~= 0 and rootless.needs_root("node:file copies /etc/bird, which Debian keeps to root and bird (0750)")
		if why then pending(why) return end
		example_leaves_nothing("ospf-ring")
	end)

	it("ospf-ring-frr: the same with FRR (zebra and ospfd per router, no path flags); leaves nothing #root #frr", function()
		local _, zebra = proc.exec({ "test", "-x", "/usr/lib/frr/zebra" })
		local _, ospfd = proc.exec({ "test", "-x", "/usr/lib/frr/ospfd" })
		if zebra ~= 0 or ospfd ~= 0 or not proc.has("vtysh") then
			pending("needs FRR (/usr/lib/frr/zebra, ospfd, vtysh), which is not installed (Debian package frr; scripts/setup.sh installs it)")
			return
		end
		-- FRR's daemons switch to the user frr: a user namespace with root alone mapped has no such user
		local why = rootless.needs_root("FRR's daemons switch to the user frr, which a user namespace mapping root alone lacks")
		if why then pending(why) return end
		example_leaves_nothing("ospf-ring-frr")
	end)
end)
