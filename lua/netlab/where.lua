-- netlab.where: where an error is the user's: the message located at the script's line, the traceback of the script's frames (all frames with --debug).
--
-- An error raised inside a lab or node call (a refused prefix, a name the
-- kernel will not take) happens in netlab's own Lua or C; the user wants the
-- line of their script that made the call, and the frames of their script.
local M = {
  debug = false,  -- set by --debug: netlab's own frames too
}

-- netlab's own code: its embedded modules ("@netlab/...") and C functions
local function internal(info)
  return info.what == "C" or info.source:sub(1, 8) == "@netlab/"
end

-- the text of an error of any kind
local function text_of(e)
  local mt = getmetatable(e)
  if type(e) == "string" then return e end
  if mt and mt.__tostring then return tostring(e) end
  return ("(error object is a %s value)"):format(type(e))
end

-- how a traceback names a frame, as Lua's own does
local function frame_name(info)
  if info.what == "main" then return "main chunk" end
  if info.namewhat ~= "" then
    return ("%s '%s'"):format(info.namewhat == "global" and "function" or info.namewhat, info.name)
  end
  return ("function <%s:%d>"):format(info.short_src, info.linedefined)
end

-- the frames above the handler, innermost first
local function frames(from)
  local out, level = {}, from
  while true do
    local info = debug.getinfo(level, "Slnt")
    if not info then return out end
    out[#out + 1] = info
    level = level + 1
  end
end

-- "src:line: " at the start of a message, and where it points
local function position(text)
  local src, line = text:match("^([^\n:]+):(%d+): ")
  return src, line
end

-- e, as the user should read it: located at the innermost frame of theirs,
-- with their frames as the traceback (netlab's too with M.debug). A plain
-- "netlab: ..." or "netns: ..." message with no script frame at all (a
-- subcommand's refusal) stays one line.
function M.message(e, level)
  local text = text_of(e)
  local stack = frames((level or 1) + 1)
  local user
  for _, info in ipairs(stack) do
    if not internal(info) and info.currentline > 0 then user = info break end
  end
  if not user then
    if not text:find("\n", 1, true) and (text:match("^netlab: ") or text:match("^netns: ")) then return text end
    return debug.traceback(text, (level or 1) + 1)
  end
  if text:find("\nstack traceback:", 1, true) then return text end  -- handled already
  -- a position inside netlab is not the user's: theirs replaces it
  local src = position(text)
  if src and src:sub(1, 7) == "netlab/" then
    text = text:gsub("^[^\n:]+:%d+: ", "", 1)
    src = nil
  end
  if not src then text = ("%s:%d: %s"):format(user.short_src, user.currentline, text) end
  if M.debug then return debug.traceback(text, (level or 1) + 1) end
  local lines = { text, "stack traceback:" }
  for _, info in ipairs(stack) do
    if not internal(info) and info.currentline > 0 then
      lines[#lines + 1] = ("\t%s:%d: in %s"):format(info.short_src, info.currentline, frame_name(info))
    end
  end
  return table.concat(lines, "\n")
end

function M.set_debug() M.debug = true end

-- a message handler for xpcall
function M.handler(e)
  return M.message(e, 2)
end

return M
