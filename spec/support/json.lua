-- spec/support/json.lua - JSON for the oracles (`ip -j`, `nft -j`, netlab's --json): Debian's lua-dkjson.
local dkjson = require "dkjson"

local M = {}

-- the value JSON's null decodes to (nft writes `"masquerade": null`)
M.null = dkjson.null

-- Decode s, which must be one JSON value and nothing else; raise on anything
-- else. Objects and arrays come back as plain tables (no metatables), null as M.null.
function M.decode(s)
	if type(s) ~= "string" then
		error("json: expected a string to decode, got " .. type(s), 2)
	end
	local v, pos, err = dkjson.decode(s, 1, M.null, nil, nil)
	if err then
		error(("json: %s at byte %d"):format(err, pos), 2)
	end
	if s:find("%S", pos) then
		error(("json: trailing characters at byte %d"):format(pos), 2)
	end
	return v
end

-- v as JSON with object keys sorted: two equal values give equal text
function M.encode(v)
	if type(v) ~= "table" or v == M.null then
		return dkjson.encode(v)
	end
	local out = {}
	if #v > 0 or next(v) == nil then
		for _, x in ipairs(v) do out[#out + 1] = M.encode(x) end
		return "[" .. table.concat(out, ",") .. "]"
	end
	local keys = {}
	for k in pairs(v) do keys[#keys + 1] = tostring(k) end
	table.sort(keys)
	for _, k in ipairs(keys) do out[#out + 1] = dkjson.encode(k) .. ":" .. M.encode(v[k]) end
	return "{" .. table.concat(out, ",") .. "}"
end

return M
