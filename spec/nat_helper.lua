-- spec/nat_helper.lua - for nat_spec: nft's JSON as the oracle, a router topology, Python servers that tell who called.
-- Load it with dofile (relative to the spec file); it loads helper.lua itself.
local dir = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
local h = dofile(dir .. "helper.lua")
local netns = require "netns"

local M = { h = h }

-- ---- nft as the oracle ----

-- `ip netns exec ns nft ARGS...`: stdout; raises when nft fails
function M.nft(ns, ...)
	local argv = { "nft", ... }
	local out, code = h.netns_exec(ns, argv)
	if code ~= 0 then
		local err = h.netns_exec(ns, argv, true)
		error("nat helper: `nft " .. table.concat(argv, " ", 2) .. "` in " .. ns
			.. " failed (" .. tostring(code) .. "): " .. err, 2)
	end
	return out
end

-- the raw `nft -j list ruleset` text, to compare before and after
function M.ruleset(ns)
	return M.nft(ns, "-j", "list", "ruleset")
end

-- the decoded objects of `nft -j list ruleset`: { { table = {...} }, { chain = {...} }, ... }
function M.objects(ns)
	local list = {}
	for _, o in ipairs(h.decode(M.ruleset(ns)).nftables) do
		if not o.metainfo then
			list[#list + 1] = o
		end
	end
	return list
end

-- the tables of ns as "family name" strings, sorted
function M.tables(ns)
	local names = {}
	for _, o in ipairs(M.objects(ns)) do
		if o.table then
			names[#names + 1] = o.table.family .. " " .. o.table.name
		end
	end
	table.sort(names)
	return names
end

-- the chains of table inet netlab, by name: { type=, hook=, prio=, policy= }
function M.chains(ns)
	local chains = {}
	for _, o in ipairs(M.objects(ns)) do
		local c = o.chain
		if c and c.family == "inet" and c.table == "netlab" then
			chains[c.name] = { type = c.type, hook = c.hook, prio = c.prio, policy = c.policy }
		end
	end
	return chains
end

-- the expression lists of the rules of table inet netlab, by chain: { prerouting = { expr, ... } }
function M.rules(ns)
	local rules = {}
	for _, o in ipairs(M.objects(ns)) do
		local r = o.rule
		if r and r.family == "inet" and r.table == "netlab" then
			rules[r.chain] = rules[r.chain] or {}
			table.insert(rules[r.chain], r.expr)
		end
	end
	return rules
end

-- ---- expressions as nft -j writes them ----

function M.match(left, right)
	return { match = { op = "==", left = left, right = right } }
end

function M.saddr(proto, addr, len)
	local right = addr
	if len then
		right = { prefix = { addr = addr, len = len } }
	end
	return M.match({ payload = { protocol = proto, field = "saddr" } }, right)
end

function M.meta(key, value)
	return M.match({ meta = { key = key } }, value)
end

function M.dport(proto, port)
	return M.match({ payload = { protocol = proto, field = "dport" } }, port)
end

M.masquerade = { masquerade = h.null }

-- ---- a router and three namespaces around it ----
--
--   red  eth0 10.1.0.2/24 fd00:1::2/64 --- h-red  10.1.0.1/24   fd00:1::1/64 \
--   blue eth0 10.2.0.2/24 fd00:2::2/64 --- h-blue 10.2.0.1/24   fd00:2::1/64  router
--   out  eth0 203.0.113.2/24 fd00:9::2/64 - h-out 203.0.113.1/24 fd00:9::1/64 /
--
-- red and blue route everything through the router, which forwards; out
-- knows only its own link: without NAT it cannot answer red or blue.
-- Returns { router=, red=, blue=, out= } (handles), names prefix .. key.
function M.topology(prefix)
	local t = {}
	for _, k in ipairs({ "router", "red", "blue", "out" }) do
		t[k] = netns.add(prefix .. k)
		t[k]:link_set("lo", { up = true })
	end
	local legs = {
		{ t.red, "h-red", "10.1.0.", "fd00:1::", true },
		{ t.blue, "h-blue", "10.2.0.", "fd00:2::", true },
		{ t.out, "h-out", "203.0.113.", "fd00:9::", false },
	}
	for _, l in ipairs(legs) do
		local ns, dev, v4, v6, routed = l[1], l[2], l[3], l[4], l[5]
		t.router:link_add(dev, "veth", { peer = "eth0", peer_ns = ns })
		t.router:addr_add(dev, v4 .. "1/24")
		t.router:addr_add(dev, v6 .. "1/64", { nodad = true })
		t.router:link_set(dev, { up = true })
		ns:addr_add("eth0", v4 .. "2/24")
		ns:addr_add("eth0", v6 .. "2/64", { nodad = true })
		ns:link_set("eth0", { up = true })
		if routed then
			ns:route_add({ dst = "default", via = v4 .. "1" })
			ns:route_add({ dst = "default", via = v6 .. "1" })
		end
	end
	-- what the forwarding namespace needs; the NAT calls leave sysctls alone
	t.router:sysctl("net.ipv4.ip_forward", "1")
	t.router:sysctl("net.ipv6.conf.all.forwarding", "1")
	return t
end

-- ---- servers that say who called, and their clients ----

-- Answers every TCP connection / UDP datagram on port (IPv4 and IPv6) with
-- "TAG PEER-ADDRESS\n".
local server_code = [[
import socket, sys
port, tag, kind = int(sys.argv[1]), sys.argv[2], sys.argv[3]
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM if kind == "tcp" else socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.bind(("::", port))
def who(a):
    return "%s %s\n" % (tag, a[0][7:] if a[0].startswith("::ffff:") else a[0])
if kind == "tcp":
    s.listen(16)
print("ready", flush=True)
while True:
    if kind == "tcp":
        c, a = s.accept()
        c.sendall(who(a).encode())
        c.close()
    else:
        d, a = s.recvfrom(100)
        s.sendto(who(a).encode(), a)
]]

local function python()
	local f = io.open("/usr/bin/python3")
	if f then
		f:close()
		return "/usr/bin/python3"
	end
	return "python3"
end

local read = h.read

local function sleep(s)
	h.exec({ "sleep", tostring(s) })
end

-- Start a server in namespace handle ns (kind "tcp" or "udp") and return its
-- process handle (close it to stop it) once it is listening.
function M.server(ns, kind, port, tag)
	local log = string.format("/tmp/t-nat-%s-%s-%d.log", h.pid(), tag, math.random(1, 1e9))
	local p = ns:spawn({ python(), "-c", server_code, tostring(port), tag, kind },
			   { stdout = log, stderr = "stdout" })
	local deadline = h.now() + 5
	while not (read(log) or ""):find("ready", 1, true) and p:running() and h.now() < deadline do
		sleep(0.02)
	end
	local text = read(log) or ""
	os.remove(log)
	assert(p:running() and text:find("ready", 1, true), "the " .. kind .. " server did not start: " .. text)
	return p
end

-- Connect (tcp) or send a datagram (udp) to addr:port from namespace ns
-- (by name, through ip netns exec), retrying for up to patience seconds
-- (default 6: IPv6 neighbour discovery waits for link-local DAD, a second
-- or two; an answer that must not come needs less); the answer
-- ("TAG PEER") or "" when none came.
local client_code = [[
import socket, sys, time
addr, port, kind = sys.argv[1], int(sys.argv[2]), sys.argv[3]
fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
deadline = time.time() + float(sys.argv[4])
while time.time() < deadline:
    try:
        if kind == "tcp":
            c = socket.create_connection((addr, port), timeout=1)
            sys.stdout.write(c.recv(100).decode())
        else:
            c = socket.socket(fam, socket.SOCK_DGRAM)
            c.settimeout(0.3)
            c.connect((addr, port))
            c.send(b"who")
            sys.stdout.write(c.recv(100).decode())
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
]]

function M.ask(ns, kind, addr, port, patience)
	local out = h.netns_exec(ns, { python(), "-c", client_code, addr, tostring(port), kind, tostring(patience or 6) })
	return (out:gsub("\n$", ""))
end

return M
