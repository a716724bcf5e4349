-- spec/support/ip.lua - iproute2 and iputils as the independent oracle: what `ip -j` shows of
-- links, addresses, routes, neighbours and namespaces, whether ping gets through; cleanup.
local json = require "support.json"
local proc = require "support.proc"

local M = {}

-- `ip ARGS...` (nil arguments are skipped, so `M.ip(M.nsargs(ns))` works for
-- the suite's own namespace); raises when ip fails.
function M.ip(...)
	local argv = { "ip" }
	for i = 1, select("#", ...) do
		local a = select(i, ...)
		if a ~= nil then
			argv[#argv + 1] = a
		end
	end
	local out, code = proc.exec(argv)
	if code ~= 0 then
		local err = proc.exec(argv, true)
		error("spec support: `" .. table.concat(argv, " ") .. "` failed (" .. tostring(code) .. "): " .. err, 2)
	end
	return out
end

-- `ip -j ARGS...`, decoded ({} when ip prints nothing)
function M.ipj(...)
	local out = M.ip("-j", ...)
	if out:match("^%s*$") then
		return {}
	end
	return json.decode(out)
end

-- "-n", ns or nothing for the suite's own namespace (ns a name or nil)
function M.nsargs(ns)
	if ns then
		return "-n", ns
	end
	return nil, nil
end
local nsargs = M.nsargs

-- ---- links ----

-- every device of namespace ns (nil: the suite's), as `ip -j -d link show` gives it
function M.links(ns)
	local a, b = nsargs(ns)
	return M.ipj("-d", a, b, "link", "show")
end

function M.link(ns, name)
	for _, l in ipairs(M.links(ns)) do
		if l.ifname == name then
			return l
		end
	end
	return nil
end

function M.link_names(ns)
	local names = {}
	for _, l in ipairs(M.links(ns)) do
		names[#names + 1] = l.ifname
	end
	table.sort(names)
	return names
end

function M.flags(l)
	local set = {}
	for _, f in ipairs(l.flags or {}) do
		set[f] = true
	end
	return set
end

function M.kind(l)
	return l.linkinfo and l.linkinfo.info_kind or nil
end

-- Wait until dev of ns (a name or a handle) is operationally up, as ip shows
-- it. Carrier and queueing discipline are switched on asynchronously
-- (linkwatch) after the link is set up: a packet sent in that window is
-- dropped, and when it was an ARP request, the kernel asks again only a
-- second later. Raises when it does not come up.
function M.settle(ns, dev)
	local name = type(ns) == "string" and ns or ns.name
	local up = proc.wait_until(function()
		local l = M.link(name, dev)
		return l and l.operstate == "UP"
	end)
	assert(up, ("spec support: %s of %s did not come up: %s"):format(dev, tostring(name),
		tostring(M.link(name, dev) and M.link(name, dev).operstate)))
end

-- ---- addresses ----

-- addresses of ns (on dev, or all), flattened: { dev, address, prefix, family, scope, tentative }
function M.addrs(ns, dev)
	local a, b = nsargs(ns)
	local list = {}
	local out = dev and M.ipj(a, b, "addr", "show", "dev", dev) or M.ipj(a, b, "addr", "show")
	for _, l in ipairs(out) do
		for _, ai in ipairs(l.addr_info or {}) do
			list[#list + 1] = {
				dev = l.ifname, address = ai["local"], prefix = ai.prefixlen,
				family = ai.family, scope = ai.scope, tentative = ai.tentative == true,
			}
		end
	end
	return list
end

-- the address entry of ns with that address, or nil
function M.addr(ns, address, dev)
	for _, a in ipairs(M.addrs(ns, dev)) do
		if a.address == address then
			return a
		end
	end
	return nil
end

-- ---- namespaces ----

-- names in `ip netns list`, sorted
function M.netns_names()
	local names = {}
	for line in M.ip("netns", "list"):gmatch("[^\n]+") do
		names[#names + 1] = line:match("^(%S+)")
	end
	table.sort(names)
	return names
end

function M.has_netns(name)
	for _, n in ipairs(M.netns_names()) do
		if n == name then
			return true
		end
	end
	return false
end

-- `ip netns exec ns argv...`: stdout and exit code
function M.netns_exec(ns, argv, merge_stderr)
	local full = { "ip", "netns", "exec", ns }
	for _, a in ipairs(argv) do
		full[#full + 1] = a
	end
	return proc.exec(full, merge_stderr)
end

-- ---- traffic (iputils ping) ----

-- Does ns (a name) get an echo reply from addr? Without window, the answer
-- to "it must get through": a request every 0.2 s until the first reply,
-- for up to 10 s (a lost first ARP or neighbour solicitation costs a second).
-- With window (seconds), the answer to "it must not get through": one
-- request, and a reply would have to come within window. Second result:
-- ping's output.
function M.ping(ns, addr, window)
	local argv
	if window then
		argv = { "ping", "-n", "-c1", "-W" .. tostring(window), addr }
	else
		argv = { "ping", "-n", "-c1", "-i0.2", "-w10", addr }
	end
	local out, code = M.netns_exec(ns, argv, true)
	return code == 0, out
end

function M.can_ping(ns, addr, window)
	return (M.ping(ns, addr, window))
end

-- ---- routes as iproute2 shows them ----

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
function M.routes(ns, family)
	local list = {}
	local flag = family == "inet6" and "-6" or "-4"
	local a, b = nsargs(ns)
	for _, r in ipairs(M.ipj(a, b, flag, "route", "show", "table", "all")) do
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

-- one line per record ("key=value ...", the keys it has of those given),
-- sorted: what two lists of routes or neighbours are compared by
function M.lines(list, keys)
	local lines = {}
	for _, r in ipairs(list) do
		local words = {}
		for _, k in ipairs(keys) do
			if r[k] ~= nil then
				words[#words + 1] = k .. "=" .. tostring(r[k])
			end
		end
		lines[#lines + 1] = table.concat(words, " ")
	end
	table.sort(lines)
	return lines
end

function M.route_lines(list)
	return M.lines(list, route_keys)
end

-- Every route of ns, both families, as lines: the "nothing changed" picture.
function M.route_state(ns)
	local all = M.route_lines(M.routes(ns, "inet"))
	for _, l in ipairs(M.route_lines(M.routes(ns, "inet6"))) do
		all[#all + 1] = l
	end
	return all
end

-- The routes of ns (family, table given or main) to dst, as ip shows them.
function M.routes_to(ns, family, dst, tab)
	local found = {}
	for _, r in ipairs(M.routes(ns, family)) do
		if r.dst == dst and r.table == (tab or 254) then
			found[#found + 1] = r
		end
	end
	return found
end

-- The route of ns (family, table given or main) to dst, as ip shows it, or nil.
function M.route(ns, family, dst, tab)
	local found = M.routes_to(ns, family, dst, tab)
	assert(#found <= 1, "more than one route to " .. dst)
	return found[1]
end

-- ---- neighbours as iproute2 shows them ----

-- { dst, dev, lladdr, state = "A|B", family } of ns (on dev, or all)
function M.neighs(ns, dev)
	local list = {}
	local a, b = nsargs(ns)
	local out = dev and M.ipj(a, b, "neigh", "show", "dev", dev) or M.ipj(a, b, "neigh", "show")
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

-- one line per neighbour entry, sorted, with the given keys
function M.neigh_lines(list, keys)
	return M.lines(list, keys)
end

-- ---- pictures and cleanup ----

-- A picture of a namespace's devices and addresses, to compare before and after.
function M.state(ns)
	local s = {}
	for _, l in ipairs(M.links(ns)) do
		s[#s + 1] = ("link %s mtu=%s address=%s master=%s up=%s"):format(
			l.ifname, l.mtu, l.address, l.master, M.flags(l).UP and "yes" or "no")
	end
	for _, a in ipairs(M.addrs(ns)) do
		s[#s + 1] = ("addr %s %s/%s"):format(a.dev, a.address, a.prefix)
	end
	table.sort(s)
	return s
end

local function starts(s, prefix)
	return s:sub(1, #prefix) == prefix
end

local function devices_with(prefix)
	local left = {}
	for _, l in ipairs(M.links(nil)) do
		if starts(l.ifname, prefix) then
			left[#left + 1] = l.ifname
		end
	end
	return left
end

-- Delete every namespace and suite-level device whose name starts with
-- prefix, and return only when the names are free again. Collects garbage
-- first: handles and spawned processes a failed spec left are closed.
function M.cleanup(prefix)
	collectgarbage()
	collectgarbage()
	for _, name in ipairs(devices_with(prefix)) do
		proc.exec({ "ip", "link", "del", "dev", name })
	end
	for _, n in ipairs(M.netns_names()) do
		if starts(n, prefix) then
			proc.exec({ "ip", "netns", "delete", n })
			os.remove("/run/netns/" .. n)	-- a plain file left by a spec
		end
	end
	-- a veth whose other end sat in a deleted namespace goes a little later
	local gone = proc.wait_until(function() return #devices_with(prefix) == 0 end)
	if not gone then
		error("spec support: devices still present after cleanup: " .. table.concat(devices_with(prefix), ", "))
	end
end

-- Refuse to run anywhere but in a private network namespace: the specs create
-- and delete devices in the namespace they run in; the real host has devices
-- other than lo (eth0, ...), a fresh namespace does not.
function M.assert_private()
	for _, l in ipairs(M.links(nil)) do
		if l.ifname ~= "lo" and not starts(l.ifname, "t-") then
			error("spec support: refusing to run in a network namespace that has device '"
				.. l.ifname .. "': run the specs inside a private one, e.g. "
				.. "unshare --net --mount --propagation private (see scripts/test.sh)", 0)
		end
	end
end

return M
