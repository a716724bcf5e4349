-- spec/support/kernel.lua - does this kernel have a feature a spec needs (a qdisc, a link kind)?
-- This machine's kernel is minimal; Debian's stock kernel, which scripts/test.sh --vm boots, has
-- them all. A test that needs feature F has `#F` in its name (a busted tag) and starts with
--   local why = kernel.lacks("F") if why then pending(why) return end
-- so it is skipped here, with a reason .ci/run reads to run it in the VM (test.sh --vm --tags=F).
local proc = require "support.proc"

local M = {}

-- One line per feature: the kernel module that provides it, and how to try it. A qdisc is added
-- as the root qdisc of a throwaway veth; a link kind is `ip link add NAME [link VETH] type ...`.
local features = {
	netem     = { module = "sch_netem",    qdisc = "netem delay 1ms" },
	fq        = { module = "sch_fq",       qdisc = "fq" },
	fq_codel  = { module = "sch_fq_codel", qdisc = "fq_codel" },
	prio      = { module = "sch_prio",     qdisc = "prio" },
	sfq       = { module = "sch_sfq",      qdisc = "sfq" },
	cake      = { module = "sch_cake",     qdisc = "cake" },
	dummy     = { module = "dummy",        link = "dummy" },
	vlan      = { module = "8021q",        link = "vlan id 5", lower = true },
	macvlan   = { module = "macvlan",      link = "macvlan", lower = true },
	ipvlan    = { module = "ipvlan",       link = "ipvlan", lower = true },
	vrf       = { module = "vrf",          link = "vrf table 4242" },
	bond      = { module = "bonding",      link = "bond" },
	-- a tunnel without endpoints is the module's fallback device (gre0 ...), which exists: EEXIST
	gre       = { module = "ip_gre",       link = "gre remote 192.0.2.1 local 192.0.2.2" },
	gretap    = { module = "ip_gre",       link = "gretap remote 192.0.2.1 local 192.0.2.2" },
	ipip      = { module = "ipip",         link = "ipip remote 192.0.2.1 local 192.0.2.2" },
	sit       = { module = "sit",          link = "sit remote 192.0.2.1 local 192.0.2.2" },
	ip6gre    = { module = "ip6_gre",      link = "ip6gre remote 2001:db8::1 local 2001:db8::2" },
	ip6tnl    = { module = "ip6_tunnel",   link = "ip6tnl remote 2001:db8::1 local 2001:db8::2" },
	geneve    = { module = "geneve",       link = "geneve id 5 remote 192.0.2.1" },
	vxlan     = { module = "vxlan",        link = "vxlan id 5 dstport 4789 remote 192.0.2.1" },
	macsec    = { module = "macsec",       link = "macsec", lower = true },
	wireguard = { module = "wireguard",    link = "wireguard" },
	-- a bridge that filters by VLAN: the bridge module built with CONFIG_BRIDGE_VLAN_FILTERING
	bridge_vlan = { module = "bridge built with CONFIG_BRIDGE_VLAN_FILTERING", link = "bridge vlan_filtering 1" },
}
M.features = features

local answers = {} -- feature -> false (has it) or the reason; per process
local serial = 0

local function words(s)
	local t = {}
	for w in s:gmatch("%S+") do t[#t + 1] = w end
	return t
end

local function run(argv)
	local _, code = proc.exec(argv)
	return code == 0
end

-- Try feature f in the current network namespace; true when the kernel accepts it. The veth (and
-- with it a link on top of it) is deleted whatever happened.
local function probe(f)
	serial = serial + 1
	-- unique per process and per probe ("t-": a test device, see ip.assert_private), and long:
	-- `ip link add a type ...` reads `a` as `address`
	local base = ("t-kp%d-%d"):format(proc.pid() % 1000000, serial)
	local veth, peer, dev = base .. "v", base .. "p", base .. "x"
	if not run { "ip", "link", "add", veth, "type", "veth", "peer", "name", peer } then
		error("spec support: kernel.lacks: cannot make the veth " .. veth .. " to probe with", 3)
	end
	local ok
	if f.qdisc then
		local argv = { "tc", "qdisc", "add", "dev", veth, "root" }
		for _, w in ipairs(words(f.qdisc)) do argv[#argv + 1] = w end
		ok = run(argv)
	else
		local argv = { "ip", "link", "add", dev }
		if f.lower then
			for _, w in ipairs { "link", veth } do argv[#argv + 1] = w end
		end
		argv[#argv + 1] = "type"
		for _, w in ipairs(words(f.link)) do argv[#argv + 1] = w end
		ok = run(argv)
		if ok then run { "ip", "link", "del", dev } end
	end
	run { "ip", "link", "del", veth }
	return ok
end

-- nil when this kernel has feature name, else why a test that needs it is skipped:
-- "needs netem (kernel module sch_netem), which this kernel lacks: runs in the VM (...)".
function M.lacks(name)
	local f = features[name]
	if not f then
		error("spec support: kernel.lacks: unknown feature '" .. tostring(name) .. "'", 2)
	end
	if answers[name] == nil then
		answers[name] = not probe(f)
			and ("needs %s (kernel module %s), which this kernel lacks: runs in the VM (scripts/test.sh --vm --tags=%s)")
				:format(name, f.module, name)
	end
	return answers[name] or nil
end

return M
