-- spec/trace_spec.lua - --trace prints commands that really run: the tutorial's trace, replayed by a shell in a fresh namespace, builds what netlab built.
local ip = require "support.ip"
local json = require "support.json"
local nl = require "support.netlab"
local proc = require "support.proc"

local ws = nl.workspace("trace")
local tutorial = proc.root .. "/scripts/examples/tutorial.lua"

-- Dumps the state of the namespace of the shell that runs it (the lab's
-- host) and of each named one, into DIR/NAME.{link,addr,route4,route6,nft}.
local dump_sh = ws:write("dump.sh", [[
dir=$1; shift
mkdir -p "$dir"
for ns in host "$@"; do
  if [ "$ns" = host ]; then n=""; x=""; else n="-n $ns"; x="ip netns exec $ns"; fi
  ip $n -j -d link show >"$dir/$ns.link"
  ip $n -j addr show >"$dir/$ns.addr"
  ip $n -4 -j route show table all >"$dir/$ns.route4"
  ip $n -6 -j route show table all >"$dir/$ns.route6"
  $x nft -j list ruleset >"$dir/$ns.nft"
done
]])

-- The tutorial, then the state it built, dumped before the teardown; the
-- marker line tells the build's trace from the teardown's.
local wrapper = ws:write("wrapper.lua", [[
local tutorial, dump, dir = ...
dofile(tutorial)
io.stderr:write("=== built\n")
io.stderr:flush()
local names = {}
for _, n in ipairs(lab.node_list) do names[#names + 1] = n.name end
assert(os.execute(("sh %s %s %s"):format(dump, dir, table.concat(names, " "))))
local f = assert(io.open(dir .. "/nodes", "w"))
f:write(table.concat(names, " "))
f:close()
]])

local function decode(path)
	local text = assert(proc.read(path), path)
	if text:match("^%s*$") then return {} end
	return json.decode(text)
end

-- what must be the same: names, kinds, settings, addresses, routes, rules
-- (not ifindexes, not what derives from a veth's random MAC, not what the
-- kernel settles later: operstate, carrier, DAD)
local function links(path)
	local out = {}
	for _, l in ipairs(decode(path)) do
		local info = l.linkinfo or {}
		local words = { l.ifname, "kind=" .. tostring(info.info_kind), "slave=" .. tostring(info.info_slave_kind),
			"mtu=" .. l.mtu, "master=" .. tostring(l.master), "group=" .. tostring(l.group),
			"alias=" .. tostring(l.ifalias), "up=" .. tostring(ip.flags(l).UP == true),
			"addrgenmode=" .. tostring(l.inet6_addr_gen_mode) }
		-- a bridge's MAC is netlab's choice; a veth's is the kernel's dice
		if info.info_kind == "bridge" then words[#words + 1] = "mac=" .. l.address end
		out[#out + 1] = table.concat(words, " ")
	end
	table.sort(out)
	return out
end

local function addrs(path)
	local out = {}
	for _, l in ipairs(decode(path)) do
		for _, a in ipairs(l.addr_info or {}) do
			if a.scope ~= "link" then
				out[#out + 1] = ("%s %s/%d %s"):format(l.ifname, a["local"], a.prefixlen, a.scope)
			end
		end
	end
	table.sort(out)
	return out
end

local function routes(path)
	local out = {}
	for _, r in ipairs(decode(path)) do
		-- the local routes of link-local addresses carry a random MAC
		if not (r.dst:match("^fe80:") and r.dst ~= "fe80::/64") then
			out[#out + 1] = table.concat({ r.type or "unicast", r.dst, "via=" .. tostring(r.gateway),
				"dev=" .. tostring(r.dev), "proto=" .. tostring(r.protocol), "scope=" .. tostring(r.scope),
				"table=" .. tostring(r.table), "metric=" .. tostring(r.metric) }, " ")
		end
	end
	table.sort(out)
	return out
end

-- a value as one line, keys sorted: what two rule lists are compared by
local function canon(v)
	if v == json.null then return "null" end
	if type(v) ~= "table" then return ("%q"):format(v) end
	local keys, parts = {}, {}
	for k in pairs(v) do keys[#keys + 1] = k end
	table.sort(keys, function(x, y) return tostring(x) < tostring(y) end)
	for _, k in ipairs(keys) do parts[#parts + 1] = tostring(k) .. "=" .. canon(v[k]) end
	return "{" .. table.concat(parts, ",") .. "}"
end

local function rules(path)
	local out = {}
	for _, o in ipairs(decode(path).nftables or {}) do
		if not o.metainfo then
			for _, v in pairs(o) do v.handle = nil end
			out[#out + 1] = canon(o)
		end
	end
	table.sort(out)
	return out
end

local function state(dir, names)
	local s = {}
	for _, ns in ipairs(names) do
		local p = dir .. "/" .. ns
		s[ns] = { links = links(p .. ".link"), addrs = addrs(p .. ".addr"),
			routes4 = routes(p .. ".route4"), routes6 = routes(p .. ".route6"), nft = rules(p .. ".nft") }
	end
	return s
end

describe("--trace", function()
	teardown(function() ws:cleanup() end)

	it("replayed as a shell script in a fresh namespace, builds what netlab built #root", function()
		local built = ws.dir .. "/netlab"
		local code, out, err = ws:run({ "--trace", wrapper, tutorial, dump_sh, built })
		assert.equal(0, code, (out or "") .. (err or ""))
		local trace = err:match("^(.-)=== built\n")
		assert.truthy(trace, err)
		-- every line of the build is a command or, for the probes, a comment
		local lines = {}
		for line in trace:gmatch("[^\n]+") do
			assert.truthy(line:match("^%+ "), "not a trace line: " .. line)
			lines[#lines + 1] = line:sub(3)
		end
		assert.truthy(#lines > 40, trace)
		local replay = ws:write("replay.sh", "set -e\n" .. table.concat(lines, "\n") .. "\n")
		local names = {}
		for n in proc.read(built .. "/nodes"):gmatch("%S+") do names[#names + 1] = n end
		local again = ws.dir .. "/replay"
		-- a fresh network, mount and PID namespace: what the replay starts
		-- (the web server) dies with it
		local rout, rcode = proc.exec({ "unshare", "--net", "--mount", "--propagation", "private", "--pid", "--fork",
			"sh", "-c", ("mount -t tmpfs netlab-replay /run/netns && bash %s && sh %s %s %s"):format(
				proc.quote(replay), proc.quote(dump_sh), proc.quote(again), table.concat(names, " ")) }, true)
		assert.equal(0, rcode, rout)
		table.insert(names, 1, "host")
		local want, got = state(built, names), state(again, names)
		for _, ns in ipairs(names) do
			assert.same(want[ns], got[ns], ns)
		end
		-- it is a real comparison: the lab has links, addresses, routes and rules
		assert.truthy(#want.host.links >= 6 and #want.red.addrs >= 1 and #want.host.nft >= 3)
	end)
end)
