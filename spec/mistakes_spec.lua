-- spec/mistakes_spec.lua - what a user meets: mistakes caught at the user's own line, with what the lab knows.
local proc = require "support.proc"
local nl = require "support.netlab"

local ws = nl.workspace("mi")

-- run a script in an isolated lab: exit code, stdout, stderr
local function run(name, text, option)
	return ws:run(option and { option, ws:write(name, text) } or { ws:write(name, text) })
end

describe("mistakes", function()
	teardown(function() ws:cleanup() end)

	describe("addresses", function()
		it("the lab refuses an address it has given already, and makes nothing for the refused call #root", function()
			local code, out, err = run("dup.lua", [[
local a, b, c = lab:node "a", lab:node "b", lab:node "c"
local function links(node) return io.popen("ip -br -n " .. node .. " link"):read("a") end
local function refused(f)
  local before = { links "a", links "b", links "c" }
  local ok, e = pcall(f)
  assert(not ok, "accepted")
  assert(links "a" == before[1] and links "b" == before[2] and links "c" == before[3], "something was made")
  print(e)
end
refused(function() lab:link(a, b, { addr = { "10.0.0.1/24", "10.0.0.1/24" } }) end)
lab:link(a, b, { addr = { "10.0.0.1/24", "10.0.0.2/24" } })
refused(function() lab:link(a, c, { addr = { "10.0.1.1/24", "10.0.0.2/25" } }) end)
refused(function() lab:link(b, c, { addr = { "fd00::1/64", "fd00:0::1/64" } }) end)
refused(function() c:addr_add("lo", "10.0.0.1/32") end)
-- an address given back can be given again
a:addr_add("lo", "10.9.0.1/32")
a:addr_del("lo", "10.9.0.1/32")
c:addr_add("lo", "10.9.0.1/32")
]])
			assert.equal(0, code, err)
			assert.equal(table.concat({
				ws.dir .. "/dup.lua:10: netlab: link: address '10.0.0.1/24' is given twice on this link",
				ws.dir .. "/dup.lua:12: netlab: link: address '10.0.0.2/25' is already b's (eth0)",
				ws.dir .. "/dup.lua:13: netlab: link: address 'fd00:0::1/64' is given twice on this link",
				ws.dir .. "/dup.lua:14: netlab: addr_add: address '10.0.0.1/32' is already a's (eth0)",
			}, "\n") .. "\n", out)
		end)
	end)

	describe("errors", function()
		local script = [[
local function build()
  lab:node "a"
  lab:node(("x"):rep(300))
end
build()
]]
		it("are located at the script's line, with the script's frames only #root", function()
			local code, out, err = run("loc.lua", script)
			assert.equal(1, code, out)
			local path = ws.dir .. "/loc.lua"
			local lines = {}
			for l in err:gmatch("[^\n]+") do lines[#lines + 1] = l end
			assert.equal(path .. ":3: netns: add: namespace name '" .. ("x"):rep(300) .. "' is longer than 255 bytes",
				lines[1])
			assert.same({ "stack traceback:", "\t" .. path .. ":3: in local 'build'", "\t" .. path .. ":5: in main chunk" },
				{ lines[2], lines[3], lines[4] })
			assert.is_nil(err:find("\tnetlab/", 1, true), err)
			assert.is_nil(err:find("[C]", 1, true), err)
		end)

		it("show netlab's own frames with --debug #root", function()
			local code, _, err = run("dbg.lua", script, "--debug")
			assert.equal(1, code)
			assert.truthy(err:find("netlab/init.lua:%d+: in method 'node'"), err)
			assert.truthy(err:find("dbg.lua:3: in local 'build'", 1, true), err)
		end)

		it("of the kernel, inside a lab call, point at the script's line #root", function()
			local code, _, err = run("kern.lua", [[
local a, b = lab:node "a", lab:node "b"
lab:link(a, b, { names = { "lo", "x" } })
]])
			assert.equal(1, code)
			assert.equal(ws.dir .. "/kern.lua:2: netns: link_add lo in a: File exists (EEXIST)", err:match("^[^\n]+"))
		end)
	end)

	describe("expect_reach that fails", function()
		it("says what the lab can see on the way: a missing route, a node that does not forward, the way back, a link down #root", function()
			local code, out = run("why.lua", [[
local a, r, b, c = lab:node "a", lab:node "r", lab:node "b", lab:node "c"
lab:link(a, r, { addr = { "10.0.1.2/24", "10.0.1.1/24" } })
lab:link(b, r, { addr = { "10.0.2.2/24", "10.0.2.1/24" } })
lab:link(c, r, { addr = { "10.0.3.2/24", "10.0.3.1/24" } })
local T = { timeout = 0.3 }
lab:expect_reach(a, b, T)
a:route_add { dst = "default", via = "10.0.1.1" }
lab:expect_reach(a, b, T)
lab:forward(r)
lab:expect_reach(a, b, T)
b:route_add { dst = "default", via = "10.0.2.1" }
lab:expect_reach(a, b, T)
lab:expect_reach(a, "10.0.2.9", T)
c:route_add { dst = "default", via = "10.0.3.1" }
c:link_set("eth0", { up = false })
lab:expect_reach(a, c, T)
a:route_add { dst = "10.9.0.0/16", via = "10.0.1.77" }
lab:expect_reach(a, "10.9.0.1", T)
]])
			assert.equal(1, code)
			local got = {}
			for line in out:gmatch("[^\n]+") do got[#got + 1] = (line:gsub(" %(%d+%.%d ms%)", "")) end
			assert.same({
				"not ok 1 - a reaches b (10.0.2.2): Network is unreachable; a has no route to 10.0.2.2",
				"not ok 2 - a reaches b (10.0.2.2): no reply within 0.3s; r (10.0.1.1, a's gateway to 10.0.2.2) does not forward: net.ipv4.ip_forward is 0",
				"not ok 3 - a reaches b (10.0.2.2): no reply within 0.3s; b has no route to 10.0.1.2 (the way back to a)",
				"ok 4 - a reaches b (10.0.2.2)",
				"not ok 5 - a reaches 10.0.2.9: no reply within 0.3s; no node of the lab has the address 10.0.2.9",
				"not ok 6 - a reaches c (10.0.3.2): no reply within 0.3s; r's eth2 has no carrier: the other end, c's eth0, is down",
				"not ok 7 - a reaches 10.9.0.1: no reply within 0.3s; a routes 10.9.0.1 via 10.0.1.77, which no node of the lab has",
				"1 passed, 6 failed",
			}, got)
		end)
	end)

	describe("services", function()
		it("that exit say their status and the last lines of their output #root", function()
			local code, out, err = run("svc.lua", [[
local a = lab:node "a"
local function try(f) local ok, e = pcall(f) print(e) end
try(function() a:service({ "sh", "-c", "echo starting >&2; echo 'bind: Address already in use' >&2; exit 3" }, { port = 80 }) end)
try(function() a:service({ "sh", "-c", "echo listening soon >&2; exec sleep 30" }, { port = 81, timeout = 0.3 }) end)
try(function() a:service({ "sh", "-c", "exit 2" }, { port = 82 }) end)
-- a daemon: its parent exits 0, its child serves
local p = a:service({ "sh", "-c", "(exec python3 -c 'import socket,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind((\"127.0.0.1\", 83)); s.listen(); time.sleep(30)' &) ; exit 0" }, { port = 83 })
print("daemon accepted")
try(function() a:service({ "sh", "-c", "echo detached >&2; exit 0" }, { port = 84, timeout = 0.3 }) end)
]])
			assert.equal(0, code, err)
			local path = ws.dir .. "/svc.lua"
			assert.equal(table.concat({
				path .. ":3: netlab: service sh on a exited with status 3 before it was ready (waiting for connections on 127.0.0.1:80); its output ended with:",
				"  starting",
				"  bind: Address already in use",
				path .. ":4: netlab: service sh on a was not ready within 0.3s (waiting for connections on 127.0.0.1:81); its output ended with:",
				"  listening soon",
				path .. ":5: netlab: service sh on a exited with status 2 before it was ready (waiting for connections on 127.0.0.1:82); it wrote nothing",
				"daemon accepted",
				path .. ":9: netlab: service sh on a exited with status 0, leaving nothing running, before it was ready (waiting for connections on 127.0.0.1:84); its output ended with:",
				"  detached",
			}, "\n") .. "\n", out)
		end)
	end)

	describe("NAT in the lab's host", function()
		it("goes to the lab's own table: another one, which would outlive a --host lab, is refused #root", function()
			local script = [[
local ok, err = pcall(function() lab.host:nat_masquerade { src = "10.0.0.0/24", table = "netlab" } end)
print(ok, err)
lab.host:nat_masquerade { src = "10.0.0.0/24" }
print(#lab.host:nat_rules())
]]
			local code, out, err = run("nathost.lua", script, "--host")
			assert.equal(0, code, err)
			assert.equal("false\t" .. ws.dir .. "/nathost.lua:1: netlab: nat_masquerade: the lab's host keeps its NAT in the "
				.. "lab's own table inet netlab-nathost, which teardown and netlab clean remove; not in table 'netlab'\n1\n", out)
			assert.equal("", (proc.exec({ "nft", "list", "tables" })))
			-- a private host goes whole with the lab: any table is the user's choice there
			code, out, err = run("natiso.lua", script)
			assert.equal(0, code, err)
			assert.equal("true\tnil\n1\n", out)
		end)
	end)

	describe("expectations", function()
		it("tell a probe's reason and its time on the line of lab:expect #root", function()
			local code, out = run("probe.lua", [[
local a, b = lab:node "a", lab:node "b"
lab:link(a, b, { addr = { "10.0.0.1/24", "10.0.0.2/24" } })
lab:expect(a:connect("10.0.0.2", 80), "b serves")
lab:expect(a:ping("10.0.0.9", { count = 1, timeout = 0.3 }), "a reaches nobody")
lab:expect(a:ping "10.0.0.2", "a reaches b")
lab:expect(1 == 2, "arithmetic")
]])
			assert.equal(1, code)
			local lines = {}
			for l in out:gmatch("[^\n]+") do lines[#lines + 1] = l end
			assert.truthy(lines[1]:match("^not ok 1 %- b serves %(%d+%.%d ms%): Connection refused$"), lines[1])
			-- the time is the probe's: 0.3 s of waiting for a reply
			local ms = tonumber(lines[2]:match("^not ok 2 %- a reaches nobody %((%d+%.%d) ms%): no reply within 0%.3s$"))
			assert.truthy(ms and ms >= 290, lines[2])
			assert.truthy(lines[3]:match("^ok 3 %- a reaches b %(%d+%.%d ms%)$"), lines[3])
			-- a plain condition has no probe's reason
			assert.truthy(lines[4]:match("^not ok 4 %- arithmetic %(%d+%.%d ms%)$"), lines[4])
		end)
	end)
end)
