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

return M
