-- netlab.run: the interpreter's Lua half: the ready-made lab, its host-mode journal, the summary, the prompt, `netlab clean`.
local netns = require "netns"
local netlab = require "netlab"

local M = {}

M.journal_dir = "/run/netlab"

local function journal_path(name)
  return M.journal_dir .. "/" .. name .. ".journal"
end

local function exists(path)
  local f = io.open(path, "r")
  if f then f:close() end
  return f ~= nil
end

-- A lab name becomes a file name: keep it plain.
local function check_name(name)
  if type(name) ~= "string" or not name:match("^[%w][%w%-_.]*$") or #name > 64 or name:find("..", 1, true) then
    error(("netlab: lab name '%s' must be 1..64 letters, digits, '-', '_' or '.'"):format(tostring(name)), 0)
  end
  return name
end

-- One line per object the lab made in the real host, written before the
-- next step, so `netlab clean` can undo exactly that after a crash. Each
-- line carries the kernel's identity of the object (namespace inode,
-- ifindex): a same-named object made later by someone else is left alone.
local function open_journal(lab_name, host)
  local path = journal_path(lab_name)
  if exists(path) then
    error(("netlab: lab '%s' left a journal at %s (a crashed run?): run 'netlab clean %s' first")
      :format(lab_name, path, lab_name), 0)
  end
  local ok, err = require("netlab.sys").mkdir(M.journal_dir)
  if not ok then error("netlab: cannot create " .. M.journal_dir .. ": " .. tostring(err), 0) end
  local f, ferr = io.open(path, "w")
  if not f then error("netlab: cannot write the journal: " .. tostring(ferr), 0) end
  f:setvbuf("line")
  local writer = function(e)
    if e.kind == "ns" then
      -- the cookie, not only the inode: a namespace made after a crash may
      -- get the crashed lab's inode back, never its cookie
      f:write(("ns %s %s %s\n"):format(e.name, e.ns.id, e.ns.cookie))
    elseif e.kind == "bridge" or e.kind == "hostend" then
      local l = host:link(e.name)
      f:write(("%s %s %d\n"):format(e.kind, e.name, l and l.index or 0))
    elseif e.kind == "nat" then
      f:write("nat host 0\n")
    end
    f:flush()
  end
  local close = function()
    f:close()
    os.remove(path)
  end
  return writer, close
end

-- Called by the interpreter before the script: the ready-made `lab`.
function M.start(opts)
  local name = check_name(opts.name or "lab")
  local host = netns.host()
  if opts.trace then require("netlab.trace").install(io.stderr) end
  if opts.isolated then
    -- a fresh namespace: its loopback starts down
    host:link_set("lo", { up = true })
  end
  local journal, close_journal
  if opts.host then journal, close_journal = open_journal(name, host) end
  local lab = netlab.lab { name = name, host = host, journal = journal, quiet = opts.quiet,
    private_host = opts.isolated }
  lab.close_journal = close_journal
  if require("netlab.sys").isatty(2) then lab.progress = io.stderr end
  return lab
end

-- Called after the script, whatever happened: teardown, summary, exit status.
function M.finish(lab, script_ok)
  local ok, err = pcall(lab.close, lab)
  if ok and lab.close_journal then lab.close_journal() end
  if not ok then io.stderr:write(tostring(err), "\n") end
  if lab.count > 0 then
    io.stdout:write(lab:summary(), "\n")
    io.stdout:flush()
  end
  if not script_ok or not ok or lab.failed > 0 then return 1 end
  return 0
end

-- `netlab -i`: statements and expressions, one line at a time, the lab up.
function M.repl()
  local env = _ENV
  io.stdout:write("netlab " .. netlab.version .. " (the lab stays up until you leave: Ctrl-D)\n")
  while true do
    io.stdout:write("> ")
    io.stdout:flush()
    local line = io.read("l")
    if not line then io.stdout:write("\n") break end
    local chunk = load("return " .. line, "=stdin", "t", env)
    if not chunk then
      local err
      chunk, err = load(line, "=stdin", "t", env)
      -- an unfinished statement: read on until it parses
      while not chunk and err:find("<eof>", 1, true) do
        io.stdout:write(">> ")
        io.stdout:flush()
        local more = io.read("l")
        if not more then break end
        line = line .. "\n" .. more
        chunk, err = load(line, "=stdin", "t", env)
      end
      if not chunk then io.stderr:write(err, "\n") end
    end
    if chunk then
      local res = table.pack(xpcall(chunk, debug.traceback))
      if not res[1] then
        io.stderr:write(tostring(res[2]), "\n")
      elseif res.n > 1 then
        local out = {}
        for i = 2, res.n do out[#out + 1] = tostring(res[i]) end
        io.stdout:write(table.concat(out, "\t"), "\n")
      end
    end
  end
end

-- `netlab clean [name]`: undo what crashed host-mode labs recorded, and
-- nothing else.
function M.clean(name)
  local names = {}
  if name then
    check_name(name)
    if not exists(journal_path(name)) then
      io.stdout:write(("netlab: no journal for lab '%s': nothing to clean\n"):format(name))
      return 0
    end
    names[1] = name
  else
    for _, file in ipairs(require("netlab.sys").listdir(M.journal_dir) or {}) do
      local n = file:match("^(.+)%.journal$")
      if n then names[#names + 1] = n end
    end
  end
  local host = netns.host()
  local status = 0
  for _, lab_name in ipairs(names) do
    local path = journal_path(lab_name)
    local entries = {}
    for line in io.lines(path) do
      local kind, obj, id, cookie = line:match("^(%S+) (%S+) (%S+) ?(%S*)$")
      if kind then entries[#entries + 1] = { kind = kind, name = obj, id = id, cookie = cookie } end
    end
    local wait = {}
    for i = #entries, 1, -1 do
      local e = entries[i]
      local ok, err = pcall(function()
        if e.kind == "ns" then
          local h = netns.open(e.name)
          local same = tostring(h.id) == e.id and (e.cookie == "" or tostring(h.cookie) == e.cookie)
          h:close()
          if same then
            netns.delete(e.name)
            io.stdout:write(("removed namespace %s\n"):format(e.name))
          end
        elseif e.kind == "bridge" then
          local l = host:link(e.name)
          if l and tostring(l.index) == e.id then
            host:link_del(e.name)
            io.stdout:write(("removed bridge %s\n"):format(e.name))
          end
          wait[#wait + 1] = e
        elseif e.kind == "hostend" then
          wait[#wait + 1] = e
        elseif e.kind == "nat" then
          host:nat_flush()
          io.stdout:write("removed netlab's nftables table\n")
        end
      end)
      -- a namespace already gone is what we want
      if not ok and not (type(err) == "table" and err.code == "ENOENT") then
        io.stderr:write(tostring(err), "\n")
        status = 1
      end
    end
    -- devices of deleted namespaces go asynchronously: wait for their names
    local deadline = netns.clock() + 5
    for _, e in ipairs(wait) do
      while netns.clock() < deadline do
        local l = host:link(e.name)
        if not l or tostring(l.index) ~= e.id then break end
        netns.sleep(0.01)
      end
    end
    if status == 0 then os.remove(path) end
  end
  return status
end

return M
