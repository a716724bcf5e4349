-- spec/net_helper.lua - shared by the route, neigh, sysctl, spawn and probe specs: topologies, oracles for routes and neighbours, clocks and processes.
-- Load it with dofile (relative to the spec file), as helper.lua; it loads helper.lua itself.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local h = dofile(dir .. "helper.lua")
local netns = require "netns"

local M = { h = h }

-- ---- time ----

-- A monotonic clock in seconds: lua-system (a busted dependency) when it is
-- there, else /proc/uptime (10 ms steps).
do
	local ok, system = pcall(require, "system")
	if ok and type(system) == "table" and system.monotime then
		M.now = system.monotime
	else
		M.now = h.now
	end
end

-- Seconds fn(...) took, then what it returned.
function M.timed(fn, ...)
	local t0 = M.now()
	local r = table.pack(fn(...))
	return M.now() - t0, table.unpack(r, 1, r.n)
end

-- Poll fn until it returns a true value or timeout seconds pass; its last value.
function M.wait_until(fn, timeout)
	local deadline = M.now() + (timeout or 3)
	while true do
		local v = fn()
		if v or M.now() > deadline then
			return v
		end
		h.exec({ "sleep", "0.02" })
	end
end

-- ---- files and processes ----

M.read = h.read

function M.write(path, s)
	local f = assert(io.open(path, "w"))
	f:write(s)
	f:close()
end

function M.tmpname(tag)
	local dir = "/run/netlab"
	local f = io.open(dir .. "/.probe", "w")
	if f then
		f:close()
		os.remove(dir .. "/.probe")
	else
		dir = "/tmp"
	end
	return string.format("%s/t-%s-%s-%d", dir, tag, h.pid(), math.random(1, 1e9))
end

-- The first line of a /proc/sys file as this process (the suite's namespace) sees it.
function M.proc_sys(rel)
	local s = M.read("/proc/sys/" .. rel)
	return s and (s:gsub("\n$", ""))
end

-- `readlink path` inside namespace ns (nil: here)
function M.readlink(ns, path)
	local out
	if ns then
		out = h.netns_exec(ns, { "readlink", path })
	else
		out = h.exec({ "readlink", path })
	end
	return (out:gsub("\n$", ""))
end

function M.alive(pid)
	local stat = M.read("/proc/" .. pid .. "/stat")
	if not stat then
		return false
	end
	-- a zombie still has /proc/PID: it is not running, but it was not reaped
	return stat:match("^%d+ %b() (%a)") ~= "Z" and true or "zombie"
end

function M.exists(pid)
	return M.read("/proc/" .. pid .. "/stat") ~= nil
end

-- pids of this process's children (any state), from /proc/PID/task/PID/children
function M.children()
	local pid = h.pid()
	local s = M.read("/proc/" .. pid .. "/task/" .. pid .. "/children") or ""
	local list = {}
	for c in s:gmatch("%d+") do
		list[#list + 1] = c
	end
	return list
end

-- The program to run a Python script with: the system's, not a version
-- manager's shim (a shell script that forks on its own).
function M.python()
	local f = io.open("/usr/bin/python3")
	if f then
		f:close()
		return "/usr/bin/python3"
	end
	return "python3"
end

-- ---- a TCP server and client (Python's standard library) ----

-- Serves "hello from NAME\n" to every connection on port, IPv4 and IPv6.
local server_code = [[
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", int(sys.argv[1])))
s.listen(16)
print("ready", flush=True)
while True:
    c, _ = s.accept()
    c.sendall(("hello from %s\n" % sys.argv[2]).encode())
    c.close()
]]

-- Start the server in namespace handle ns with ns:spawn and return its handle
-- once it listens; log is the file its stdout and stderr go to.
function M.tcp_server(ns, port, name, log)
	local p = ns:spawn({ M.python(), "-c", server_code, tostring(port), name },
			   { stdout = log, stderr = "stdout" })
	local ready = M.wait_until(function()
		return (M.read(log) or ""):find("ready", 1, true) or not p:running()
	end, 5)
	assert(ready and p:running(), "the TCP server did not start: " .. (M.read(log) or ""))
	return p
end

local client_code = [[
import socket, sys
c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2)
sys.stdout.write(c.recv(100).decode())
]]

-- A real client in namespace ns (by name, through ip netns exec): what the
-- server said, and the exit code.
function M.tcp_client(ns, addr, port)
	return h.netns_exec(ns, { M.python(), "-c", client_code, addr, tostring(port) })
end

-- ---- topologies ----

-- Two namespaces joined by a veth, up, with 192.168.15.1/24 + fd00:15::1/64 on
-- the red end and .2 / ::2 on the blue end, lo up in both.
-- Returns red, blue (handles); the names are prefix.."red" / prefix.."blue".
function M.pair(prefix, opts)
	opts = opts or {}
	local red = netns.add(prefix .. "red")
	local blue = netns.add(prefix .. "blue")
	red:link_add("veth-red", "veth", { peer = "veth-blue", peer_ns = blue })
	for _, x in ipairs({ { red, "veth-red", "1" }, { blue, "veth-blue", "2" } }) do
		local ns, dev, n = x[1], x[2], x[3]
		ns:link_set("lo", { up = true })
		ns:link_set(dev, { up = true })
		ns:addr_add(dev, "192.168.15." .. n .. "/24")
		if not opts.no_ipv6 then
			ns:addr_add(dev, "fd00:15::" .. n .. "/64", { nodad = true })
		end
	end
	M.settle(red, "veth-red")
	M.settle(blue, "veth-blue")
	return red, blue
end

-- Wait until the kernel has finished bringing dev of namespace handle ns up.
-- Carrier and queueing discipline are switched on asynchronously (linkwatch)
-- after the link is set up: a packet sent in that window is dropped, and
-- when it was an ARP request, the kernel asks again only a second later.
function M.settle(ns, dev)
	M.wait_until(function()
		local l = ns:link(dev)
		return l and l.operstate == "UP"
	end, 3)
end

-- `ip netns exec ns ping -c1 -W wait addr` succeeds?
function M.can_ping(ns, addr, wait)
	local _, code = h.netns_exec(ns, { "ping", "-c1", "-W" .. tostring(wait or 2), addr })
	return code == 0
end

-- ---- routes as iproute2 shows them ----

-- "-n", ns, or nothing for the suite's own namespace
local function nsargs(ns)
	if ns then
		return "-n", ns
	end
	return nil, nil
end

local function full_dst(dst, family)
	if dst == "default" or dst:find("/", 1, true) then
		return dst
	end
	return dst .. (family == "inet6" and "/128" or "/32")
end

local table_ids = { main = 254, default = 253, ["local"] = 255 }

-- Every unicast (or blackhole, unreachable, prohibit) route of ns of family
-- ("inet"/"inet6"), every table but local, from `ip -j route show table all`,
-- in the module's words: { dst, via, dev, metric, table, proto, scope, type, family }.
function M.ip_routes(ns, family)
	local list = {}
	local flag = family == "inet6" and "-6" or "-4"
	local a, b = nsargs(ns)
	for _, r in ipairs(h.ipj(a, b, flag, "route", "show", "table", "all")) do
		local rtype = r.type or "unicast"
		local tab = r.table and (table_ids[r.table] or tonumber(r.table)) or 254
		if tab ~= 255 and (rtype == "unicast" or rtype == "blackhole" or rtype == "unreachable"
				   or rtype == "prohibit") then
			list[#list + 1] = {
				dst = full_dst(r.dst, family), via = r.gateway, dev = r.dev, metric = r.metric,
				table = tab, proto = r.protocol or "boot", scope = r.scope or "global",
				type = rtype, family = family, src = r.prefsrc,
			}
		end
	end
	return list
end

local route_keys = { "family", "table", "dst", "via", "dev", "metric", "proto", "scope", "type", "src" }

-- one line per route, sorted: what two route lists are compared by
function M.route_lines(list)
	local lines = {}
	for _, r in ipairs(list) do
		local words = {}
		for _, k in ipairs(route_keys) do
			if r[k] ~= nil then
				words[#words + 1] = k .. "=" .. tostring(r[k])
			end
		end
		lines[#lines + 1] = table.concat(words, " ")
	end
	table.sort(lines)
	return lines
end

-- Every route of ns, both families, as lines: the "nothing changed" picture.
function M.route_state(ns)
	local all = M.route_lines(M.ip_routes(ns, "inet"))
	for _, l in ipairs(M.route_lines(M.ip_routes(ns, "inet6"))) do
		all[#all + 1] = l
	end
	return all
end

-- The route of ns (family, table given or main) to dst, as ip shows it, or nil.
function M.ip_route(ns, family, dst, tab)
	local found
	for _, r in ipairs(M.ip_routes(ns, family)) do
		if r.dst == dst and r.table == (tab or 254) then
			assert(not found, "more than one route to " .. dst)
			found = r
		end
	end
	return found
end

-- The routes of ns (family, table given or main) to dst, as ip shows them.
function M.ip_routes_to(ns, family, dst, tab)
	local found = {}
	for _, r in ipairs(M.ip_routes(ns, family)) do
		if r.dst == dst and r.table == (tab or 254) then
			found[#found + 1] = r
		end
	end
	return found
end

-- ---- neighbours as iproute2 shows them ----

-- { dst, dev, lladdr, state = "A|B", family } of ns (on dev, or all)
function M.ip_neighs(ns, dev)
	local list = {}
	local a, b = nsargs(ns)
	local out = dev and h.ipj(a, b, "neigh", "show", "dev", dev) or h.ipj(a, b, "neigh", "show")
	for _, n in ipairs(out) do
		list[#list + 1] = {
			dst = n.dst, dev = n.dev or dev, lladdr = n.lladdr,
			state = type(n.state) == "table" and table.concat(n.state, "|") or n.state,
			family = n.dst:find(":", 1, true) and "inet6" or "inet",
		}
	end
	return list
end

function M.find_neigh(list, dst)
	local found
	for _, n in ipairs(list) do
		if n.dst == dst then
			assert(not found, "more than one neighbour entry for " .. dst)
			found = n
		end
	end
	return found
end

-- one line per entry, sorted, with the given keys
function M.neigh_lines(list, keys)
	local lines = {}
	for _, n in ipairs(list) do
		local words = {}
		for _, k in ipairs(keys) do
			words[#words + 1] = k .. "=" .. tostring(n[k])
		end
		lines[#lines + 1] = table.concat(words, " ")
	end
	table.sort(lines)
	return lines
end

return M
