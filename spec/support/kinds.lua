-- spec/support/kinds.lua - what the link-kind specs (link_kinds_spec, tunnels_spec) share: the
-- two namespaces they start from, ip's view of a device, the refusal check, an underlay veth
-- between the two namespaces, a tunnel of a kind over it, ping from a device, and a bond as
-- /proc/net/bonding shows it.
local luassert = require "luassert"
local ip = require "support.ip"
local proc = require "support.proc"

local M = {}

-- Namespaces prefix.."a" and prefix.."b" (netns handles), a veth v0 - v1 in a.
function M.pair(netns, prefix)
	local a = netns.add(prefix .. "a")
	local b = netns.add(prefix .. "b")
	a:link_add("v0", "veth", { peer = "v1" })
	return a, b
end

-- Close the handles given and delete every namespace and device named prefix...
function M.close(prefix, ...)
	for i = 1, select("#", ...) do
		local h = select(i, ...)
		if h then h:close() end
	end
	ip.cleanup(prefix)
end

-- ip's info_data of device name in namespace ns (a name), and the whole entry
function M.info(ns, name)
	local l = assert(ip.link(ns, name), "ip does not show " .. name)
	return l.linkinfo and l.linkinfo.info_data or {}, l
end

-- links()'s entry for name
function M.entry(ns, name)
	for _, l in ipairs(ns:links()) do
		if l.name == name then return l end
	end
	return nil
end

-- call f(...); it must raise an EINVAL error value whose message has each of the words
function M.refused(words, f, ...)
	local ok, err = pcall(f, ...)
	luassert.is_false(ok, "not refused")
	luassert.equal("table", type(err), tostring(err))
	luassert.equal("EINVAL", err.code, tostring(err))
	local msg = tostring(err)
	for _, w in ipairs(words) do
		luassert.is_truthy(msg:find(w, 1, true), ("'%s' not in: %s"):format(w, msg))
	end
	return err
end

-- the underlay's addresses per family: a's end, b's end, prefix length
local under = { inet = { "192.0.2.1", "192.0.2.2", 24 }, inet6 = { "2001:db8::1", "2001:db8::2", 64 } }

-- M.pair's veth as the underlay between a and b: v0 moved to b, v1 left in a, both up with an
-- address of family ("inet", default, or "inet6", without duplicate address detection: usable at
-- once). Returns a's address and b's.
function M.underlay(a, b, family)
	local u = under[family or "inet"]
	a:link_set("v0", { ns = b })	-- b: v0, a: v1
	a:addr_add("v1", ("%s/%d"):format(u[1], u[3]), { nodad = true })
	b:addr_add("v0", ("%s/%d"):format(u[2], u[3]), { nodad = true })
	a:link_set("v1", { up = true })
	b:link_set("v0", { up = true })
	return u[1], u[2]
end

-- An underlay of family, and over it a link tn0 of kind on each side (local and remote the
-- underlay's addresses, the options o besides), up. The caller gives tn0 its inner addresses.
function M.joined(a, b, kind, o, family)
	local la, lb = M.underlay(a, b, family)
	local oa, ob = { ["local"] = la, remote = lb, up = true }, { ["local"] = lb, remote = la, up = true }
	for k, v in pairs(o or {}) do oa[k], ob[k] = v, v end
	a:link_add("tn0", kind, oa)
	b:link_add("tn0", kind, ob)
end

-- Does ns (a name) get an echo reply from addr, sent out of device dev (ping -I dev)? As
-- ip.ping: without window until the first reply for up to 10 s, with window one request.
function M.can_ping_from(ns, dev, addr, window)
	local argv = { "ping", "-n", "-c1", "-I", dev, addr }
	if window then
		argv[#argv + 1] = "-W" .. tostring(window)
	else
		for _, w in ipairs { "-i0.2", "-w10" } do argv[#argv + 1] = w end
	end
	local _, code = ip.netns_exec(ns, argv, true)
	return code == 0
end

-- bond of namespace ns (a name) as /proc/net/bonding/BOND there shows it: { mode = "fault-
-- tolerance (active-backup)", active = "a1" or nil, slaves = { a1 = "up", ... } }
function M.bonding(ns, bond)
	local out, code = ip.netns_exec(ns, { "cat", "/proc/net/bonding/" .. bond }, true)
	assert(code == 0, "no /proc/net/bonding/" .. bond .. " in " .. ns .. ": " .. out)
	local b, slave = { slaves = {} }, nil
	for line in out:gmatch("[^\n]+") do
		local k, v = line:match("^([^:]+):%s*(.-)%s*$")
		if k == "Bonding Mode" then b.mode = v
		elseif k == "Currently Active Slave" then b.active = v ~= "None" and v or nil
		elseif k == "Slave Interface" then slave = v
		elseif k == "MII Status" and slave then b.slaves[slave] = v
		end
	end
	return b
end

-- Wait (a gate, up to 10 s) until the active slave of bond in ns is not `was`; the new one.
function M.failed_over(ns, bond, was)
	return proc.wait_until(function()
		local now = M.bonding(ns, bond).active
		return now ~= was and now or nil
	end)
end

return M
