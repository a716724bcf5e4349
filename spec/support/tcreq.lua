-- spec/support/tcreq.lua - the RTM_NEWQDISC/RTM_DELQDISC requests a program sends, captured with strace and
-- parsed into attribute lines: what compares netlab's requests with tc's byte for byte.
local proc = require "support.proc"

local M = {}

local RTM_NEWQDISC, RTM_DELQDISC = 36, 37

-- the bytes of every sendmsg/sendto argv makes, from strace's hex dumps
local function capture(argv)
	local out = os.tmpname()
	local full = { "strace", "-f", "-qq", "-e", "trace=sendmsg,sendto", "-e", "write=all", "-o", out }
	for _, a in ipairs(argv) do full[#full + 1] = a end
	proc.exec(full)
	local bufs, cur = {}, nil
	for line in io.lines(out) do
		-- " | 00000  28 00 00 00 12 00 01 03  b2 00 ...  ascii |": 16 bytes in two groups
		local hex = line:match("^ | %x%x%x%x%x  ") and line:sub(11, 59)
		if hex then
			for b in hex:gmatch("%x%x") do cur[#cur + 1] = tonumber(b, 16) end
		elseif line:match("^%d+%s+send") then
			cur = {}
			bufs[#bufs + 1] = cur
		end
	end
	os.remove(out)
	return bufs
end

local function u16(b, i) return b[i] | b[i + 1] << 8 end
local function u32(b, i) return u16(b, i) | u16(b, i + 2) << 16 end
local function hex(b, i, j)
	local t = {}
	for k = i, j do t[#t + 1] = ("%02x"):format(b[k]) end
	return table.concat(t)
end

-- attributes of b[i..j] (1-based, inclusive) as lines "path type=T len=L: hex";
-- nested(type) says which to open: "nested", "netem" (a qopt first) or nil
local function attrs(b, i, j, path, lines, nested)
	while i + 3 <= j do
		local len, typ = u16(b, i), u16(b, i + 2)
		if len < 4 or i + len - 1 > j then
			lines[#lines + 1] = path .. " truncated at " .. i
			return
		end
		local name = ("%s/%d%s"):format(path, typ & 0x3fff, typ & 0x8000 ~= 0 and "N" or "")
		local how = nested and nested(path, typ & 0x3fff)
		if how == "netem" then
			lines[#lines + 1] = ("%s len=%d qopt=%s"):format(name, len, hex(b, i + 4, i + 27))
			attrs(b, i + 28, i + len - 1, name, lines, nested)
		elseif how == "nested" then
			lines[#lines + 1] = ("%s len=%d"):format(name, len)
			attrs(b, i + 4, i + len - 1, name, lines, nested)
		else
			lines[#lines + 1] = ("%s len=%d: %s"):format(name, len, hex(b, i + 4, i + len - 1))
		end
		i = i + ((len + 3) & ~3)
	end
end

-- one qdisc request as lines; seq, pid and ifindex left out
function M.parse(b)
	local lines = {
		("nlmsg_len=%d type=%d flags=0x%x"):format(u32(b, 1), u16(b, 5), u16(b, 7)),
		("tcm_family=%d handle=%08x parent=%08x info=%08x"):format(b[17], u32(b, 25), u32(b, 29), u32(b, 33)),
	}
	local kind
	-- TCA_KIND first, to know how TCA_OPTIONS is laid out
	local k = 37
	while k + 3 <= #b do
		local len, typ = u16(b, k), u16(b, k + 2)
		if len < 4 then break end
		if typ == 1 then kind = string.char(table.unpack(b, k + 4, k + len - 2)) end
		k = k + ((len + 3) & ~3)
	end
	attrs(b, 37, u32(b, 1), "", lines, function(path, typ)
		if path == "" and typ == 2 then return kind == "netem" and "netem" or "nested" end
		if path == "/2" and kind == "netem" and typ == 5 then return "nested" end
	end)
	return lines
end

-- the qdisc requests argv sends, each as lines
function M.requests(argv)
	local reqs = {}
	for _, b in ipairs(capture(argv)) do
		if #b >= 36 and (u16(b, 5) == RTM_NEWQDISC or u16(b, 5) == RTM_DELQDISC) then
			-- a batch: several messages in one buffer
			local i = 1
			while i + 15 <= #b do
				local len = u32(b, i)
				if len < 16 then break end
				reqs[#reqs + 1] = M.parse(table.move(b, i, i + len - 1, 1, {}))
				i = i + ((len + 3) & ~3)
			end
		end
	end
	return reqs
end

-- Lua source for a value (tables, strings, numbers, booleans)
local function source(v)
	if type(v) == "table" then
		local parts = {}
		for key, x in pairs(v) do
			parts[#parts + 1] = ("[%s] = %s"):format(source(key), source(x))
		end
		table.sort(parts)
		return "{ " .. table.concat(parts, ", ") .. " }"
	elseif type(v) == "string" then
		return ("%q"):format(v)
	elseif math.type(v) == "float" then
		return ("%.17g"):format(v)
	end
	return tostring(v)
end
M.source = source

-- the requests netlab sends for ns:METHOD(args...) on the host handle, in a child lua5.4
function M.netlab(method, ...)
	local args = {}
	for i = 1, select("#", ...) do args[i] = source((select(i, ...))) end
	local script = ("local h = require('netns').host(); pcall(h.%s, h, %s)"):format(method, table.concat(args, ", "))
	return M.requests(proc.lua(script))
end

function M.tc(words)
	local argv = { "tc" }
	for w in words:gmatch("%S+") do argv[#argv + 1] = w end
	return M.requests(argv)
end

-- nil when a and b are the same lines, else both, side by side
function M.diff(a, b)
	local same = #a == #b
	for i = 1, math.max(#a, #b) do
		if a[i] ~= b[i] then same = false end
	end
	if same then return nil end
	local out = { "tc's request:" }
	for _, l in ipairs(a) do out[#out + 1] = "  " .. l end
	out[#out + 1] = "netlab's request:"
	for _, l in ipairs(b) do out[#out + 1] = "  " .. l end
	return table.concat(out, "\n")
end

return M
