-- spec/helper.lua - shared by the netns specs: iproute2 as the oracle, a JSON decoder, cleanup.
-- Load it with dofile (relative to the spec file), not require: see any *_spec.lua.
local M = {}

-- ---- JSON (enough for `ip -j`: objects, arrays, strings, numbers, literals) ----

M.null = setmetatable({}, { __tostring = function() return "null" end })

local escapes = {
	['"'] = '"', ["\\"] = "\\", ["/"] = "/",
	b = "\b", f = "\f", n = "\n", r = "\r", t = "\t",
}

function M.decode(s)
	local pos = 1
	local value

	local function fail(msg)
		error(string.format("json: %s at byte %d", msg, pos), 0)
	end
	local function ws()
		pos = s:find("[^ \t\r\n]", pos) or #s + 1
	end
	local function hex4(at)
		local h = s:match("^%x%x%x%x", at)
		if not h then
			fail("bad \\u escape")
		end
		return tonumber(h, 16)
	end
	local function str()
		local parts = {}
		pos = pos + 1
		while true do
			local i = s:find('["\\%c]', pos)
			if not i then
				fail("unterminated string")
			end
			parts[#parts + 1] = s:sub(pos, i - 1)
			local c = s:sub(i, i)
			if c == '"' then
				pos = i + 1
				return table.concat(parts)
			elseif c ~= "\\" then
				pos = i
				fail("control character in string")
			end
			local e = s:sub(i + 1, i + 1)
			if e == "u" then
				local cp = hex4(i + 2)
				pos = i + 6
				if cp >= 0xD800 and cp <= 0xDBFF and s:sub(pos, pos + 1) == "\\u" then
					local lo = hex4(pos + 2)
					if lo >= 0xDC00 and lo <= 0xDFFF then
						cp = 0x10000 + (cp - 0xD800) * 0x400 + (lo - 0xDC00)
						pos = pos + 6
					end
				end
				parts[#parts + 1] = utf8.char(cp)
			elseif escapes[e] then
				parts[#parts + 1] = escapes[e]
				pos = i + 2
			else
				pos = i + 1
				fail("bad escape")
			end
		end
	end
	local function num()
		local int, frac, exp = s:match("^(-?%d+)(%.?%d*)([eE]?[-+]?%d*)", pos)
		if not int or (frac ~= "" and not frac:match("^%.%d+$"))
		   or (exp ~= "" and not exp:match("^[eE][-+]?%d+$")) then
			fail("bad number")
		end
		local text = int .. frac .. exp
		pos = pos + #text
		local n = tonumber(text)
		if frac == "" and exp == "" then
			n = math.tointeger(n) or n
		end
		return n
	end
	local literals = { ["true"] = true, ["false"] = false, ["null"] = M.null }
	function value()
		ws()
		local c = s:sub(pos, pos)
		if c == "{" then
			local obj = {}
			pos = pos + 1
			ws()
			if s:sub(pos, pos) == "}" then
				pos = pos + 1
				return obj
			end
			while true do
				ws()
				if s:sub(pos, pos) ~= '"' then
					fail("expected a key")
				end
				local k = str()
				ws()
				if s:sub(pos, pos) ~= ":" then
					fail("expected ':'")
				end
				pos = pos + 1
				obj[k] = value()
				ws()
				c = s:sub(pos, pos)
				pos = pos + 1
				if c == "}" then
					return obj
				elseif c ~= "," then
					pos = pos - 1
					fail("expected ',' or '}'")
				end
			end
		elseif c == "[" then
			local arr = {}
			pos = pos + 1
			ws()
			if s:sub(pos, pos) == "]" then
				pos = pos + 1
				return arr
			end
			while true do
				arr[#arr + 1] = value()
				ws()
				c = s:sub(pos, pos)
				pos = pos + 1
				if c == "]" then
					return arr
				elseif c ~= "," then
					pos = pos - 1
					fail("expected ',' or ']'")
				end
			end
		elseif c == '"' then
			return str()
		elseif c == "-" or c:match("%d") then
			return num()
		end
		for word, v in pairs(literals) do
			if s:sub(pos, pos + #word - 1) == word then
				pos = pos + #word
				return v
			end
		end
		fail("unexpected " .. (c == "" and "end of input" or "'" .. c .. "'"))
	end

	local v = value()
	ws()
	if pos <= #s then
		fail("trailing characters")
	end
	return v
end

-- ---- shell and iproute2 ----

local function quote(s)
	return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

-- Run argv (a table, quoted word by word); stdout and the exit code.
function M.exec(argv, merge_stderr)
	local words = {}
	for i, a in ipairs(argv) do
		words[i] = quote(a)
	end
	local f = assert(io.popen(table.concat(words, " ") .. (merge_stderr and " 2>&1" or " 2>/dev/null")))
	local out = f:read("a")
	local _, _, code = f:close()
	return out, code
end

-- `ip ARGS...` (nil arguments are skipped, so `M.ip("-n", ns, ...)` works with ns == nil
-- only through M.nsargs); raises when ip fails.
function M.ip(...)
	local argv = { "ip" }
	for i = 1, select("#", ...) do
		local a = select(i, ...)
		if a ~= nil then
			argv[#argv + 1] = a
		end
	end
	local out, code = M.exec(argv)
	if code ~= 0 then
		local err = M.exec(argv, true)
		error("spec helper: `" .. table.concat(argv, " ") .. "` failed (" .. tostring(code) .. "): " .. err, 2)
	end
	return out
end

function M.ipj(...)
	local out = M.ip("-j", ...)
	if out:match("^%s*$") then
		return {}
	end
	return M.decode(out)
end

-- "-n", ns or nothing for the suite's own namespace
local function nsarg(ns)
	if ns then
		return "-n", ns
	end
	return nil, nil
end

-- every device of namespace ns (nil: the suite's), as `ip -j -d link show` gives it
function M.links(ns)
	local a, b = nsarg(ns)
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

-- addresses of ns (on dev, or all), flattened: { dev, address, prefix, family, scope, tentative }
function M.addrs(ns, dev)
	local a, b = nsarg(ns)
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
	return M.exec(full, merge_stderr)
end

-- ---- files and the process itself ----

-- a whole file, or nil when it cannot be opened
function M.read(path)
	local f = io.open(path)
	if not f then
		return nil
	end
	local s = f:read("a")
	f:close()
	return s
end

function M.now()
	local f = assert(io.open("/proc/uptime"))
	local t = f:read("n")
	f:close()
	return t
end

function M.pid()
	local f = assert(io.open("/proc/self/stat"))
	local pid = f:read("a"):match("^(%d+)")
	f:close()
	return pid
end

-- Descriptors this process holds. Listing them runs ls through io.popen, and
-- the popen pipe's far end may still be open in this process while ls looks:
-- take the smallest of a few counts (a real leak shows in every one).
function M.fd_count()
	local best
	for _ = 1, 3 do
		local n = 0
		for _ in M.exec({ "ls", "/proc/" .. M.pid() .. "/fd" }):gmatch("[^\n]+") do
			n = n + 1
		end
		best = math.min(best or n, n)
	end
	return best
end

-- children of this process that are zombies (state Z), read from /proc
function M.zombies()
	local me = M.pid()
	local z = {}
	for pid in M.exec({ "ls", "/proc" }):gmatch("%d+") do
		local f = io.open("/proc/" .. pid .. "/stat")
		local stat = f and f:read("a")
		if f then
			f:close()
		end
		-- pid (comm) state ppid ...; comm may hold spaces and parentheses
		local comm, state, ppid = (stat or ""):match("^%d+ %((.*)%) (%S) (%d+)")
		if ppid == me and state == "Z" then
			z[#z + 1] = pid .. " " .. comm
		end
	end
	return z
end

-- Poll fn until it returns a true value (returned), or give up after timeout seconds (nil).
function M.wait_until(fn, timeout)
	local deadline = M.now() + (timeout or 3)
	while true do
		local v = fn()
		if v then
			return v
		end
		if M.now() > deadline then
			return nil
		end
		M.exec({ "sleep", "0.02" })
	end
end

-- Operstate and carrier follow a change asynchronously (the kernel's linkwatch):
-- wait until no device of ns changes them for a moment.
function M.settle(ns)
	local function picture()
		local s = {}
		for _, l in ipairs(M.links(ns)) do
			s[#s + 1] = l.ifname .. " " .. l.operstate .. " " .. table.concat(l.flags or {}, ",")
		end
		return table.concat(s, "\n")
	end
	local last = picture()
	for _ = 1, 100 do
		M.exec({ "sleep", "0.03" })
		local now = picture()
		if now == last then
			return
		end
		last = now
	end
end

-- ---- cleanup ----

local function starts(s, prefix)
	return s:sub(1, #prefix) == prefix
end

-- Delete every namespace and suite-level device whose name starts with prefix,
-- and return only when the names are free again.
function M.cleanup(prefix)
	collectgarbage()
	collectgarbage()
	for _, l in ipairs(M.links(nil)) do
		if starts(l.ifname, prefix) then
			M.exec({ "ip", "link", "del", "dev", l.ifname })
		end
	end
	for _, n in ipairs(M.netns_names()) do
		if starts(n, prefix) then
			M.exec({ "ip", "netns", "delete", n })
			os.remove("/run/netns/" .. n)	-- a plain file left by a spec
		end
	end
	-- a veth whose other end sat in a deleted namespace goes a little later
	local deadline = M.now() + 3
	while true do
		local left = {}
		for _, l in ipairs(M.links(nil)) do
			if starts(l.ifname, prefix) then
				left[#left + 1] = l.ifname
			end
		end
		if #left == 0 then
			return
		end
		if M.now() > deadline then
			error("spec helper: devices still present after cleanup: " .. table.concat(left, ", "))
		end
		M.exec({ "sleep", "0.02" })
	end
end

-- What a spec could have left behind: namespaces and suite-level devices with prefix.
function M.leftovers(prefix)
	local left = {}
	for _, n in ipairs(M.netns_names()) do
		if starts(n, prefix) then
			left[#left + 1] = "netns " .. n
		end
	end
	for _, l in ipairs(M.links(nil)) do
		if starts(l.ifname, prefix) then
			left[#left + 1] = "link " .. l.ifname
		end
	end
	return left
end

-- A picture of a namespace's devices and addresses, to compare before and after.
function M.state(ns)
	local s = {}
	for _, l in ipairs(M.links(ns)) do
		s[#s + 1] = string.format("link %s mtu=%s address=%s master=%s up=%s",
			l.ifname, l.mtu, l.address, l.master, M.flags(l).UP and "yes" or "no")
	end
	for _, a in ipairs(M.addrs(ns)) do
		s[#s + 1] = string.format("addr %s %s/%s", a.dev, a.address, a.prefix)
	end
	table.sort(s)
	return s
end

-- Plain-text search: error messages contain '(', '.', '-' ...
function M.contains(s, part)
	return type(s) == "string" and s:find(part, 1, true) ~= nil
end

-- The error message of fn(...), which must fail.
function M.error_of(fn, ...)
	local ok, err = pcall(fn, ...)
	assert(not ok, "expected an error, but the call succeeded")
	return tostring(err)
end

-- ---- refuse to run anywhere but in a private network namespace ----
-- The specs create and delete devices in the namespace they run in; the real
-- host has devices other than lo (eth0, ...), a fresh namespace does not.
for _, l in ipairs(M.links(nil)) do
	if l.ifname ~= "lo" and not starts(l.ifname, "t-") then
		error("spec/helper.lua: refusing to run in a network namespace that has device '"
			.. l.ifname .. "': run the specs inside a private one, e.g. "
			.. "unshare --net --mount --propagation private (see scripts/test.sh)", 0)
	end
end

return M
