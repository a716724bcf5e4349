-- netlab.check: the lab's argument checks: a mistake is refused at the caller's line, naming the call, the argument and the value.
--
-- Each check takes `level`: how many frames above the check the user's
-- line is (2 from a method the user called: the check, the method, the user).
local M = {}

-- error "netlab: MSG" located `level` frames above the caller of fail
function M.fail(msg, level)
  error("netlab: " .. msg, level + 1)
end

-- pcall for the lab's own protected calls (a condition polled, a user's callback, a
-- diagnosis): like pcall, but the interpreter's "interrupted!" (SIGINT, SIGTERM) is never
-- taken for an ordinary failure: it goes on up, and the teardown starts at once
local sys = package.preload["netlab.sys"] and require "netlab.sys"
local interrupted = sys and sys.interrupted or function() return false end
local function rethrow(ok, ...)
  if not ok and interrupted() then error((...), 0) end
  return ok, ...
end
function M.protect(f, ...)
  return rethrow(pcall(f, ...))
end

-- a set of the words given
function M.set(...)
  local s = {}
  for _, k in ipairs { ... } do s[k] = true end
  return s
end

-- edit distance, for "did you mean": insertions, deletions, substitutions
-- and two neighbours swapped ("dealy" is one step from "delay")
local function distance(a, b)
  local d = {}
  for i = 0, #a do d[i] = { [0] = i } end
  for j = 0, #b do d[0][j] = j end
  for i = 1, #a do
    for j = 1, #b do
      local cost = a:byte(i) == b:byte(j) and 0 or 1
      d[i][j] = math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
      if i > 1 and j > 1 and a:byte(i) == b:byte(j - 1) and a:byte(i - 1) == b:byte(j) then
        d[i][j] = math.min(d[i][j], d[i - 2][j - 2] + 1)
      end
    end
  end
  return d[#a][#b]
end

-- the known word nearest to word, when near enough to be a typo
local function nearest(word, known)
  local best, best_d
  for k in pairs(known) do
    local d = distance(word, k)
    if d <= math.max(1, #word // 3) and (not best_d or d < best_d or (d == best_d and k < best)) then
      best, best_d = k, d
    end
  end
  return best
end

-- a value as a message shows it: strings quoted, the rest by type
local function shown(v)
  if type(v) == "string" then return ("'%s'"):format(v) end
  if type(v) == "number" or type(v) == "boolean" then return ("'%s'"):format(tostring(v)) end
  return type(v)
end
M.shown = shown

-- opts of call: nil (then {}) or a table whose keys are all in known (a
-- set); hint follows the message when opts is not a table
function M.options(call, opts, known, level, hint)
  if opts == nil then return {} end
  if type(opts) ~= "table" then
    M.fail(("%s: options must be a table, not %s%s"):format(call, shown(opts), hint or ""), level + 1)
  end
  for k in pairs(opts) do
    if type(k) ~= "string" then
      M.fail(("%s: option keys must be strings, not %s"):format(call, shown(k)), level + 1)
    end
    if not known[k] then
      local near = nearest(k, known)
      M.fail(("%s: unknown option '%s'%s"):format(call, k,
        near and (" (did you mean '%s'?)"):format(near) or ""), level + 1)
    end
  end
  return opts
end

-- what wanted: a Lua type name, or "seconds" (a finite number > 0),
-- "port" (an integer in 1..65535), "text" (a non-empty string)
local function fits(v, want)
  if want == "seconds" then return type(v) == "number" and v > 0 and v < math.huge end
  if want == "port" then return math.type(v) == "integer" and v >= 1 and v <= 65535 end
  if want == "text" then return type(v) == "string" and v ~= "" end
  if want == "count" then return math.type(v) == "integer" and v >= 0 end
  return type(v) == want
end

local wanted = {
  seconds = "a number of seconds > 0", port = "an integer in 1..65535", text = "a non-empty string",
  string = "a string", number = "a number", ["function"] = "a function", table = "a table",
  boolean = "true or false", count = "an integer >= 0",
}

-- v, when it is what call wants for what (nil allowed when optional)
function M.arg(call, what, v, want, level, optional)
  if (v == nil and optional) or fits(v, want) then return v end
  M.fail(("%s: %s must be %s, not %s"):format(call, what, wanted[want] or want, shown(v)), level + 1)
end

-- self of a method, which must be an object made with metatable mt (a
-- method called with '.' instead of ':' gets its first argument as self)
function M.self(self, is, call, object, level)
  if not is(self) then
    M.fail(("%s: call it as %s:%s(...), with a colon"):format(call, object, call), level + 1)
  end
  return self
end

return M
