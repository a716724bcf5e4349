-- spec/wireguard_spec.lua - wireguard: keys (libsodium) checked against `wg pubkey`; link_add's
-- wireguard options and wg_set over generic netlink, checked through `wg show NAME dump` (the
-- oracle); ns:wg()'s readback; a real handshake and traffic between two namespaces; the refusals
-- and the missing-module message natively. Tests tagged #wireguard run in the VM
-- (scripts/test.sh --vm --tags=wireguard spec/wireguard_spec.lua).
local netns = require "netns"
local ip = require "support.ip"
local kernel = require "support.kernel"
local proc = require "support.proc"
local trace = require "netlab.trace"

local P = "t-wg-"
local A, B = P .. "a", P .. "b"

-- `wg pubkey` with the key on its stdin
local function wg_pubkey(key)
	assert(key:match("^[%w+/=]+$"), key)
	local f = assert(io.popen("printf '%s\\n' '" .. key .. "' | wg pubkey 2>&1"))
	local out = f:read("a")
	f:close()
	return (out:gsub("%s+$", ""))
end

local function wg_genkey()
	local out, code = proc.exec { "wg", "genkey" }
	assert.equal(0, code)
	return (out:gsub("%s+$", ""))
end

local B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

local function unbase64(s)
	local bits, out = "", {}
	for c in s:gsub("=", ""):gmatch(".") do
		local v = B64:find(c, 1, true) - 1
		for i = 5, 0, -1 do bits = bits .. ((v >> i) & 1) end
	end
	for i = 1, #bits - 7, 8 do out[#out + 1] = tonumber(bits:sub(i, i + 7), 2) end
	return out
end

local function base64(bytes)
	local bits, out = "", {}
	for _, b in ipairs(bytes) do
		for i = 7, 0, -1 do bits = bits .. ((b >> i) & 1) end
	end
	while #bits % 6 ~= 0 do bits = bits .. "0" end
	for i = 1, #bits, 6 do
		local v = tonumber(bits:sub(i, i + 5), 2)
		out[#out + 1] = B64:sub(v + 1, v + 1)
	end
	local s = table.concat(out)
	return s .. ("="):rep((4 - #s % 4) % 4)
end

local function refused(words, f, ...)
	local ok, err = pcall(f, ...)
	assert.is_false(ok, "not refused")
	assert.equal("table", type(err), tostring(err))
	assert.equal("EINVAL", err.code, tostring(err))
	local msg = tostring(err)
	for _, w in ipairs(words) do
		assert.is_truthy(msg:find(w, 1, true), ("'%s' not in: %s"):format(w, msg))
	end
	return err
end

local function names(ns)
	local t = {}
	for _, l in ipairs(ip.links(ns)) do t[#t + 1] = l.ifname end
	table.sort(t)
	return table.concat(t, " ")
end

-- `wg show NAME dump` in ns: { private_key, public_key, listen_port, fwmark, peers = { [pub] = {...} } }
local function dump(ns, name)
	local out, code = ip.netns_exec(ns, { "wg", "show", name, "dump" }, true)
	assert.equal(0, code, out)
	local d, n = { peers = {} }, 0
	for line in out:gmatch("[^\n]+") do
		local f = {}
		for w in line:gmatch("[^\t]+") do f[#f + 1] = w end
		n = n + 1
		if n == 1 then
			d.private_key, d.public_key, d.listen_port = f[1], f[2], tonumber(f[3])
			d.fwmark = f[4] == "off" and 0 or tonumber(f[4])
		else
			local ips = {}
			if f[4] ~= "(none)" then
				for a in f[4]:gmatch("[^,]+") do ips[#ips + 1] = a end
			end
			table.sort(ips)
			d.peers[f[1]] = { preshared_key = f[2] ~= "(none)" and f[2] or nil,
				endpoint = f[3] ~= "(none)" and f[3] or nil, allowed_ips = ips,
				last_handshake = tonumber(f[5]), rx_bytes = tonumber(f[6]), tx_bytes = tonumber(f[7]),
				persistent_keepalive = f[8] == "off" and 0 or tonumber(f[8]) }
		end
	end
	d.count = n - 1
	return d
end

-- ns:wg() in dump()'s shape (no keys but the public ones; handshake seconds as wg shows them)
local function readback(ns, name)
	local w = assert(ns:wg(name))
	local d = { public_key = w.public_key, listen_port = w.listen_port, fwmark = w.fwmark, peers = {}, count = #w.peers }
	for _, p in ipairs(w.peers) do
		local ips = {}
		for i, a in ipairs(p.allowed_ips) do ips[i] = a end
		table.sort(ips)
		d.peers[p.public_key] = { endpoint = p.endpoint, allowed_ips = ips, persistent_keepalive = p.persistent_keepalive,
			last_handshake = math.floor(p.last_handshake), rx_bytes = p.rx_bytes, tx_bytes = p.tx_bytes }
	end
	return d
end

-- dump() without what ns:wg() never tells
local function public(d)
	local c = { public_key = d.public_key, listen_port = d.listen_port, fwmark = d.fwmark, peers = {}, count = d.count }
	for k, p in pairs(d.peers) do
		c.peers[k] = { endpoint = p.endpoint, allowed_ips = p.allowed_ips, persistent_keepalive = p.persistent_keepalive,
			last_handshake = p.last_handshake, rx_bytes = p.rx_bytes, tx_bytes = p.tx_bytes }
	end
	return c
end

describe("wireguard keys", function()
	it("wg_pubkey agrees with wg pubkey, for netns's keys and wg's", function()
		for _ = 1, 4 do
			local k = netns.wg_genkey()
			assert.equal(wg_pubkey(k), netns.wg_pubkey(k))
			local w = wg_genkey()
			assert.equal(wg_pubkey(w), netns.wg_pubkey(w))
		end
		-- an unclamped key: both clamp it the same way
		local raw = {}
		for i = 1, 32 do raw[i] = (i * 37 + 255) % 256 end
		raw[1], raw[32] = 0xff, 0xff
		local k = base64(raw)
		assert.equal(wg_pubkey(k), netns.wg_pubkey(k))
	end)

	it("wg_genkey gives distinct keys of 44 base64 characters, clamped", function()
		local seen = {}
		for _ = 1, 32 do
			local k = netns.wg_genkey()
			assert.equal(44, #k)
			assert.truthy(k:match("^[%w+/]+=$"), k)
			assert.is_nil(seen[k])
			seen[k] = true
			local b = unbase64(k)
			assert.equal(32, #b)
			assert.equal(0, b[1] & 7, k)
			assert.equal(0, b[32] & 128, k)
			assert.equal(64, b[32] & 64, k)
		end
	end)

	it("refuses what is not the base64 of 32 bytes, naming the value", function()
		local k = netns.wg_genkey()
		local thirty_three = {}
		for i = 1, 33 do thirty_three[i] = i end
		-- bytes above 0x7f: libsodium alone would read "\x95\xcd" as "//"
		local high = "yAnz5TF+lXXJte14tji3zlMNq+h\x95\xcdrYUIgJBgB3fBmk="
		for _, bad in ipairs { k:sub(1, 43), base64(thirty_three), ("!"):rep(43) .. "=", k:sub(1, 42) .. "==", "", high } do
			local e = refused({ "private key '" .. bad .. "'", "not a key" }, netns.wg_pubkey, bad)
			assert.equal("private key", e.arg)
		end
		assert.equal(44, #base64(thirty_three))
		refused({ "private key", "required", "nil" }, netns.wg_pubkey, nil)
		refused({ "private key", "number", "'42'" }, netns.wg_pubkey, 42)
		refused({ "NUL" }, netns.wg_pubkey, k:sub(1, 10) .. "\0" .. k:sub(12))
	end)
end)

describe("wireguard devices", function()
	local a, b

	before_each(function()
		a = netns.add(A)
		b = netns.add(B)
	end)

	after_each(function()
		a:close()
		b:close()
		ip.cleanup(P)
	end)

	-- ---- natively: refused before anything is sent -------------------------

	it("refuses bad wireguard options naming the value, and makes nothing #root", function()
		local before = names(A)
		local pub = netns.wg_pubkey(netns.wg_genkey())
		local function add(o) return a:link_add("wg0", "wireguard", o) end
		local function peer(p)
			p.public_key = p.public_key or pub
			return add { peers = { p } }
		end
		local e = refused({ "'endpoint'", "'192.0.2.1'", "no port" }, peer, { endpoint = "192.0.2.1" })
		assert.equal("endpoint", e.arg)
		refused({ "'192.0.2.1:0'", "port" }, peer, { endpoint = "192.0.2.1:0" })
		refused({ "'192.0.2.1:65536'", "port" }, peer, { endpoint = "192.0.2.1:65536" })
		refused({ "'2001:db8::1:51820'", "brackets" }, peer, { endpoint = "2001:db8::1:51820" })
		refused({ "'[192.0.2.1]:51820'" }, peer, { endpoint = "[192.0.2.1]:51820" })
		refused({ "'192.0.2.300:51820'" }, peer, { endpoint = "192.0.2.300:51820" })
		refused({ "'wg.example:51820'" }, peer, { endpoint = "wg.example:51820" })
		e = refused({ "'listen_port'", "'70000'" }, add, { listen_port = 70000 })
		assert.equal("listen_port", e.arg)
		refused({ "'listen_port'", "'-1'" }, add, { listen_port = -1 })
		refused({ "'fwmark'", "'4294967296'" }, add, { fwmark = 1 << 32 })
		e = refused({ "allowed ip '10.0.0.300/32'" }, peer, { allowed_ips = { "10.0.0.0/24", "10.0.0.300/32" } })
		assert.equal("allowed_ips", e.arg)
		refused({ "allowed ip '10.0.0.0/33'" }, peer, { allowed_ips = "10.0.0.0/33" })
		refused({ "allowed_ips[1] must be a string" }, peer, { allowed_ips = { 7 } })
		e = refused({ "'private_key'", "'abc'", "not a key" }, add, { private_key = "abc" })
		assert.equal("private_key", e.arg)
		refused({ "peer 1", "'public_key'", "'" .. pub:sub(1, 43) .. "'" }, peer, { public_key = pub:sub(1, 43) })
		refused({ "peer 1", "'preshared_key'", "'xyz'" }, peer, { preshared_key = "xyz" })
		refused({ "peer 2 needs option 'public_key'" }, add, { peers = { { public_key = pub }, { endpoint = "192.0.2.1:1" } } })
		refused({ "'persistent_keepalive'", "'65536'" }, peer, { persistent_keepalive = 65536 })
		refused({ "peer 1 must be a table" }, add, { peers = { "x" } })
		refused({ "'peers' must be a list" }, add, { peers = "x" })
		-- what only wg_set takes, a key of another kind, a typo
		refused({ "unknown option 'remove'" }, peer, { remove = true })
		refused({ "unknown option 'replace_peers'" }, add, { replace_peers = true })
		refused({ "option 'address' is not an option of a wireguard" }, add, { address = "02:00:00:00:00:01" })
		refused({ "option 'peer' is not an option of a wireguard" }, add, { peer = "x" })
		refused({ "unknown option 'listen_prot' (did you mean 'listen_port'?)" }, add, { listen_prot = 1 })
		refused({ "unknown option 'endpiont' (did you mean 'endpoint'?)" }, peer, { endpiont = "192.0.2.1:1" })
		-- wg_set's refusals, before it looks for the device
		refused({ "unknown option 'mtu'" }, a.wg_set, a, "wg0", { mtu = 1400 })
		refused({ "'endpoint'", "'192.0.2.1'" }, a.wg_set, a, "wg0", { peers = { { public_key = pub, endpoint = "192.0.2.1" } } })
		refused({ "options must be a table" }, a.wg_set, a, "wg0", nil)
		assert.equal(before, names(A))
	end)

	it("names the module to load when the kernel has no wireguard, and leaves nothing #root", function()
		if not kernel.lacks("wireguard") then pending("this kernel has wireguard") return end
		local before = names(A)
		local msg = "the kernel has no wireguard (load the kernel module wireguard)"
		local ok, err = pcall(a.link_add, a, "wg0", "wireguard", { private_key = netns.wg_genkey(), listen_port = 51820 })
		assert.is_false(ok)
		assert.is_truthy(tostring(err):find(msg, 1, true), tostring(err))
		a:link_add("v0", "veth", { peer = "v1" })
		for _, f in ipairs { function() return a:wg("v0") end, function() return a:wg_set("v0", { listen_port = 1 }) end } do
			ok, err = pcall(f)
			assert.is_false(ok)
			assert.equal("EOPNOTSUPP", err.code, tostring(err))
			assert.is_truthy(tostring(err):find(msg, 1, true), tostring(err))
		end
		a:link_del("v0")
		assert.equal(before, names(A))
	end)

	it("prints link_add and wg_set as ip link add ... type wireguard and wg set lines", function()
		local k, pub, psk = "cHJpdmF0ZS1rZXktMzItYnl0ZXMtbG9uZy0uLi4uLi4=", "cHVibGljLWtleS0zMi1ieXRlcy1sb25nLS4uLi4uLi4=",
			"cHJlc2hhcmVkLWtleS0zMi1ieXRlcy1sb25nLS4uLi4="
		assert.same({
			("ip -n %s link add wg0 mtu 1420 up type wireguard"):format(A),
			("ip netns exec %s wg set wg0 listen-port 51820 fwmark 7 private-key <(printf '%%s\\n' %s) "
				.. "peer %s preshared-key <(printf '%%s\\n' %s) endpoint '[2001:db8::1]:51820' persistent-keepalive 25 "
				.. "allowed-ips 10.0.0.0/24,fd00::/64 peer %s endpoint 192.0.2.2:1"):format(A, k, pub, psk, k),
		}, trace.formats.link_add(a, "wg0", "wireguard", { mtu = 1420, up = true, private_key = k, listen_port = 51820,
			fwmark = 7, peers = { { public_key = pub, preshared_key = psk, endpoint = "[2001:db8::1]:51820",
				persistent_keepalive = 25, allowed_ips = { "10.0.0.0/24", "fd00::/64" } },
				{ public_key = k, endpoint = "192.0.2.2:1" } } }))
		assert.same({ ("ip -n %s link add wg1 type wireguard"):format(A) }, trace.formats.link_add(a, "wg1", "wireguard"))
		assert.same({
			("for p in $(ip netns exec %s wg show wg0 peers); do ip netns exec %s wg set wg0 peer \"$p\" remove; done"):format(A, A),
			("ip netns exec %s wg set wg0 peer %s allowed-ips 10.0.0.2/32 peer %s remove"):format(A, pub, k),
		}, trace.formats.wg_set(a, "wg0", { replace_peers = true, peers = {
			{ public_key = pub, replace_allowed_ips = true, allowed_ips = { "10.0.0.2/32" } }, { public_key = k, remove = true } } }))
		-- without replace_allowed_ips, wg_set adds to what the peer has; wg set would replace it
		assert.same({
			("ip netns exec %s wg set wg0 peer %s allowed-ips \"$(ip netns exec %s wg show wg0 allowed-ips | awk -v p=%s "
				.. "'$1 == p && $2 != \"(none)\" { for (i = 2; i <= NF; i++) printf \"%%s,\", $i }')\"10.0.0.3/32,fd00::/64")
				:format(A, pub, A, pub),
		}, trace.formats.wg_set(a, "wg0", { peers = { { public_key = pub, allowed_ips = { "10.0.0.3/32", "fd00::/64" } } } }))
	end)

	-- ---- in the VM: the kernel makes them ------------------------------------

	local function key_pair()
		local k = netns.wg_genkey()
		return k, netns.wg_pubkey(k)
	end

	it("makes a wireguard with a key, a port, a mark and two peers, as wg show tells #root #wireguard", function()
		local why = kernel.lacks("wireguard") if why then pending(why) return end
		local k, pub = key_pair()
		local _, p1 = key_pair()
		local _, p2 = key_pair()
		local psk = netns.wg_genkey()
		a:link_add("wg0", "wireguard", { private_key = k, listen_port = 51820, fwmark = 42, mtu = 1400, up = true,
			peers = {
				{ public_key = p1, preshared_key = psk, endpoint = "192.0.2.2:51821", persistent_keepalive = 25,
					allowed_ips = { "10.0.0.0/24", "fd00::/64" } },
				{ public_key = p2, endpoint = "[2001:db8::2]:4500", allowed_ips = "10.0.1.2/32" },
			} })
		local l = assert(ip.link(A, "wg0"))
		assert.equal("wireguard", ip.kind(l))
		assert.equal(1400, l.mtu)
		local d = dump(A, "wg0")
		assert.same({ private_key = k, public_key = pub, listen_port = 51820, fwmark = 42, count = 2, peers = {
			[p1] = { preshared_key = psk, endpoint = "192.0.2.2:51821", allowed_ips = { "10.0.0.0/24", "fd00::/64" },
				last_handshake = 0, rx_bytes = 0, tx_bytes = 0, persistent_keepalive = 25 },
			[p2] = { endpoint = "[2001:db8::2]:4500", allowed_ips = { "10.0.1.2/32" }, last_handshake = 0,
				rx_bytes = 0, tx_bytes = 0, persistent_keepalive = 0 },
		} }, d)
		assert.same(public(d), readback(a, "wg0"))
		-- links() names its kind; a device that is not there reads nil
		local kinds = {}
		for _, x in ipairs(a:links()) do kinds[x.name] = x.kind end
		assert.equal("wireguard", kinds.wg0)
		assert.is_nil(a:wg("nothere"))
		-- a device without settings: only what the kernel chose
		a:link_add("wg1", "wireguard")
		local w = a:wg("wg1")
		assert.is_nil(w.public_key)
		assert.same({}, w.peers)
		assert.equal(0, dump(A, "wg1").count)
	end)

	it("wg_set changes a device: its port, peers replaced, a peer removed, allowed ips replaced or added #root #wireguard", function()
		local why = kernel.lacks("wireguard") if why then pending(why) return end
		local k = netns.wg_genkey()
		local _, p1 = key_pair()
		local _, p2 = key_pair()
		local _, p3 = key_pair()
		a:link_add("wg0", "wireguard", { private_key = k, peers = { { public_key = p1, allowed_ips = { "10.0.0.1/32" } } } })
		a:wg_set("wg0", { listen_port = 4000, replace_peers = true, peers = {
			{ public_key = p2, allowed_ips = { "10.0.0.2/32" } }, { public_key = p3, allowed_ips = { "10.0.0.3/32" } } } })
		local d = dump(A, "wg0")
		assert.equal(4000, d.listen_port)
		assert.equal(k, d.private_key)
		assert.equal(2, d.count)
		assert.is_nil(d.peers[p1])
		assert.same({ "10.0.0.2/32" }, d.peers[p2].allowed_ips)
		a:wg_set("wg0", { peers = { { public_key = p2, remove = true },
			{ public_key = p3, allowed_ips = { "10.0.0.4/32" } } } })
		d = dump(A, "wg0")
		assert.equal(1, d.count)
		assert.same({ "10.0.0.3/32", "10.0.0.4/32" }, d.peers[p3].allowed_ips)
		a:wg_set("wg0", { peers = { { public_key = p3, replace_allowed_ips = true, allowed_ips = { "10.0.0.5/32" } } } })
		assert.same({ "10.0.0.5/32" }, dump(A, "wg0").peers[p3].allowed_ips)
		assert.same(public(dump(A, "wg0")), readback(a, "wg0"))
		-- a device that is not a wireguard, or not there
		a:link_add("v0", "veth", { peer = "v1" })
		local ok, err = pcall(a.wg_set, a, "v0", { listen_port = 1 })
		assert.is_false(ok)
		assert.equal("EOPNOTSUPP", err.code, tostring(err))
		ok, err = pcall(a.wg_set, a, "nothere", { listen_port = 1 })
		assert.is_false(ok)
		assert.equal("ENODEV", err.code, tostring(err))
		ok, err = pcall(a.wg_set, a, "nothere", {})
		assert.is_false(ok)
		assert.equal("ENODEV", err.code, tostring(err))
	end)

	it("sends and reads back more peers and allowed ips than one message holds #root #wireguard", function()
		local why = kernel.lacks("wireguard") if why then pending(why) return end
		local peers, want = {}, {}
		for i = 1, 150 do
			local _, pub = key_pair()
			peers[i] = { public_key = pub, endpoint = ("192.0.2.%d:%d"):format(i, 1000 + i),
				allowed_ips = { ("10.1.%d.0/24"):format(i), ("fd00:%x::/64"):format(i) } }
			want[pub] = true
		end
		-- one peer with a thousand allowed ips: split in the middle of a peer
		local _, big = key_pair()
		local ips = {}
		for i = 0, 999 do ips[#ips + 1] = ("10.200.%d.%d/32"):format(i // 250, i % 250) end
		peers[#peers + 1] = { public_key = big, allowed_ips = ips, persistent_keepalive = 9 }
		a:link_add("wg0", "wireguard", { private_key = netns.wg_genkey(), peers = peers })
		local d = dump(A, "wg0")
		assert.equal(151, d.count)
		for pub in pairs(want) do assert.truthy(d.peers[pub], pub) end
		assert.equal(1000, #d.peers[big].allowed_ips)
		assert.equal(9, d.peers[big].persistent_keepalive)
		assert.equal("192.0.2.77:1077", d.peers[peers[77].public_key].endpoint)
		assert.same(public(d), readback(a, "wg0"))
	end)

	it("deletes the device again when the kernel refuses its configuration #root #wireguard", function()
		local why = kernel.lacks("wireguard") if why then pending(why) return end
		a:link_add("wg0", "wireguard", { listen_port = 51820, up = true })
		local before = names(A)
		-- up, the second one must bind the port the first holds
		local ok, err = pcall(a.link_add, a, "wg1", "wireguard", { listen_port = 51820, up = true })
		assert.is_false(ok)
		assert.equal("EADDRINUSE", err.code, tostring(err))
		assert.equal("wireguard", err.part)
		assert.equal(before, names(A))
	end)

	-- two namespaces joined by a veth (underlay 192.0.2.1/24 - .2), a wireguard each side with
	-- the other as its peer, inner 10.99.0.1/24 - .2
	local function joined(wrong_key)
		a:link_add("v0", "veth", { peer = "v1", peer_ns = b })
		a:addr_add("v0", "192.0.2.1/24")
		b:addr_add("v1", "192.0.2.2/24")
		a:link_set("v0", { up = true })
		b:link_set("v1", { up = true })
		local ka, pa = key_pair()
		local kb, pb = key_pair()
		a:link_add("wg0", "wireguard", { private_key = ka, listen_port = 51820, up = true,
			peers = { { public_key = pb, endpoint = "192.0.2.2:51820", allowed_ips = { "10.99.0.2/32" } } } })
		b:link_add("wg0", "wireguard", { private_key = kb, listen_port = 51820, up = true,
			peers = { { public_key = wrong_key or pa, endpoint = "192.0.2.1:51820", allowed_ips = { "10.99.0.1/32" } } } })
		a:addr_add("wg0", "10.99.0.1/24")
		b:addr_add("wg0", "10.99.0.2/24")
		return pa, pb
	end

	it("makes a handshake and carries traffic between two namespaces #root #wireguard", function()
		local why = kernel.lacks("wireguard") if why then pending(why) return end
		local pa, pb = joined()
		assert.is_true(ip.can_ping(A, "10.99.0.2"))
		local out, code = ip.netns_exec(A, { "wg", "show", "wg0", "latest-handshakes" }, true)
		assert.equal(0, code, out)
		local shown = tonumber(out:match(pb:gsub("%p", "%%%0") .. "%s+(%d+)"))
		assert.truthy(shown and shown > 0, out)
		local w = a:wg("wg0").peers[1]
		assert.equal(pb, w.public_key)
		assert.truthy(w.last_handshake > 0)
		assert.equal(shown, math.floor(w.last_handshake))
		assert.truthy(w.rx_bytes > 0 and w.tx_bytes > 0)
		assert.equal("192.0.2.1:51820", b:wg("wg0").peers[1].endpoint)
		assert.equal(pa, b:wg("wg0").peers[1].public_key)
		-- more traffic, more bytes
		assert.is_true(ip.can_ping(A, "10.99.0.2"))
		assert.truthy(a:wg("wg0").peers[1].tx_bytes > w.tx_bytes)
	end)

	it("carries nothing to a peer that has the wrong public key #root #wireguard", function()
		local why = kernel.lacks("wireguard") if why then pending(why) return end
		local _, wrong = key_pair()
		joined(wrong)
		assert.is_false(ip.can_ping(A, "10.99.0.2", 2))
		assert.equal(0, a:wg("wg0").peers[1].last_handshake)
		assert.equal(0, b:wg("wg0").peers[1].rx_bytes)
	end)

	it("prints link_add and wg_set as commands that build the same device #root #wireguard", function()
		local why = kernel.lacks("wireguard") if why then pending(why) return end
		local k = netns.wg_genkey()
		local _, p1 = key_pair()
		local _, p2 = key_pair()
		local o = { private_key = k, listen_port = 51820, fwmark = 3, mtu = 1300, up = true, peers = {
			{ public_key = p1, preshared_key = netns.wg_genkey(), endpoint = "[2001:db8::1]:51820",
				persistent_keepalive = 25, allowed_ips = { "10.0.0.0/24", "fd00::/64" } },
			{ public_key = p2, endpoint = "192.0.2.2:1", allowed_ips = "10.0.1.0/24" } } }
		local set = { replace_peers = true, listen_port = 4000, peers = { { public_key = p2, allowed_ips = "10.0.2.0/24" } } }
		local function replay(ns, lines)
			for _, line in ipairs(lines) do
				local out, code = proc.exec({ "bash", "-c", line }, true)
				assert.equal(0, code, line .. "\n" .. out)
			end
		end
		a:link_add("wg0", "wireguard", o)
		replay(b, trace.formats.link_add(b, "wg0", "wireguard", o))
		assert.same(dump(A, "wg0"), dump(B, "wg0"))
		assert.equal(1300, ip.link(B, "wg0").mtu)
		a:wg_set("wg0", set)
		replay(b, trace.formats.wg_set(b, "wg0", set))
		assert.same(dump(A, "wg0"), dump(B, "wg0"))
		assert.equal(1, dump(B, "wg0").count)
		-- allowed ips added to a peer's, to a new peer's, and replaced
		local _, p3 = key_pair()
		for _, s in ipairs {
			{ peers = { { public_key = p2, allowed_ips = { "10.0.3.0/24", "fd01::/64" } }, { public_key = p3, allowed_ips = "10.0.4.0/24" } } },
			{ peers = { { public_key = p3, replace_allowed_ips = true, allowed_ips = "10.0.5.0/24" } } },
		} do
			a:wg_set("wg0", s)
			replay(b, trace.formats.wg_set(b, "wg0", s))
			assert.same(dump(A, "wg0"), dump(B, "wg0"))
		end
		local d = dump(B, "wg0")
		assert.same({ "10.0.2.0/24", "10.0.3.0/24", "fd01::/64" }, d.peers[p2].allowed_ips)
		assert.same({ "10.0.5.0/24" }, d.peers[p3].allowed_ips)
	end)
end)
