-- netlab.names: interface names and aliases the lab generates: deterministic, unique, at most 15 bytes.
local M = {}

-- FNV-1a, 32 bits: a short stable fingerprint of a long name
local function fnv(s)
  local h = 0x811c9dc5
  for i = 1, #s do
    h = ((h ~ s:byte(i)) * 0x01000193) & 0xffffffff
  end
  return h
end

-- "<base>-<suffix>", the base shortened with a fingerprint when too long
local function short_name(base, suffix)
  -- a namespace name may hold a ':', a device name may not
  local clean = base:gsub(":", "_")
  local name = clean .. "-" .. suffix
  if #name <= 15 and clean == base then return name end
  local room = 15 - #suffix - 1 - 4
  return ("%s%04x-%s"):format(clean:sub(1, room), fnv(base) & 0xffff, suffix)
end

-- "a -> b" for an end's alias, within the kernel's 255 bytes
local function alias(a, b)
  local s = ("%s -> %s"):format(a, b)
  return #s <= 255 and s or s:sub(1, 252) .. "..."
end

M.fnv, M.short_name, M.alias = fnv, short_name, alias

return M
