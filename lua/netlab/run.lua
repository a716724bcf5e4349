-- netlab.run: the interpreter's Lua half: the ready-made lab, its host-mode journal, the summary, the prompt, `netlab clean`.
local netns = require "netns"
-- the lab library is required where a lab is made: `netlab down`, `ls` and
-- `exec` come here for the journal and the names only, and compiling the
-- library is most of a short command's start
local function netlab() return require "netlab" end

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

-- A lab name becomes a file name: keep it plain (every name from the
-- command line comes through here: no path can reach a file outside).
local function check_name(name)
  if type(name) ~= "string" or not name:match("^[%w][%w%-_.]*$") or #name > 64 or name:find("..", 1, true) then
    error(("netlab: lab name '%s' must be 1..64 letters, digits, '-', '_' or '.'"):format(tostring(name)), 0)
  end
  return name
end

-- The journal of a --host lab: one line per change it makes in the real
-- host, so `netlab clean` can undo exactly that after a crash. A change is
-- announced before it is made (write-ahead: a kill in between leaves a
-- line that says what may be half there), and an object's line once made
-- carries the kernel's identity of it (namespace inode and cookie,
-- ifindex): a same-named object made later by someone else is left alone.
--   want ns NAME / want bridge NAME   about to be made (never a name someone holds)
--   drop ns NAME / drop bridge NAME   not made after all: the "want" is withdrawn
--   ns NAME INODE COOKIE              made
--   bridge NAME IFINDEX, hostend NAME IFINDEX [pair]   (pair: a veth between two bridges, both ends here)
--   nat TABLE                         the lab's nftables table, before its first rule
--   sysctl KEY OLD NEW                before KEY is set from OLD to NEW
local function journal_line(e, host)
  if e.intent then return ("want %s %s"):format(e.kind, e.name) end
  if e.drop then return ("drop %s %s"):format(e.kind, e.name) end
  if e.kind == "ns" then
    -- the cookie, not only the inode: a namespace made after a crash may
    -- get the crashed lab's inode back, never its cookie
    return ("ns %s %s %s"):format(e.name, e.ns.id, e.ns.cookie)
  elseif e.kind == "bridge" or e.kind == "hostend" then
    local l = host:link(e.name)
    return ("%s %s %d%s"):format(e.kind, e.name, l and l.index or 0, e.pair and " pair" or "")
  elseif e.kind == "nat" then
    return "nat " .. e.name
  elseif e.kind == "sysctl" then
    return ("sysctl %s %s %s"):format(e.name, e.old, e.new)
  end
end

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
    local line = journal_line(e, host)
    if line then
      f:write(line, "\n")
      f:flush()
    end
  end
  local close = function()
    f:close()
    os.remove(path)
  end
  return writer, close
end

-- --seed N, or a fresh one: what the lab's randomness (netem's, the
-- timeline's jitter, math.random in the script) starts from
local function seed_of(s)
  if s == nil then
    local f = io.open("/dev/urandom", "rb")
    local bytes = f and f:read(4) or ""
    if f then f:close() end
    if #bytes == 4 then return string.unpack("<I4", bytes) & 0x7fffffff end
    return math.floor(netns.clock() * 1e6) & 0x7fffffff
  end
  local n = math.tointeger(tonumber(s))
  if not n or n < 0 or tostring(n) ~= tostring(s):gsub("^%+", "") then
    error(("netlab: --seed must be an integer >= 0, not '%s'"):format(tostring(s)), 0)
  end
  return n
end

-- Called by the interpreter before the script: the ready-made `lab`.
function M.start(opts)
  local name = check_name(opts.name or "lab")
  local seed = seed_of(opts.seed)
  math.randomseed(seed)
  local host = netns.host()
  if opts.trace then require("netlab.trace").install(io.stderr) end
  if opts.isolated then
    -- a fresh namespace: its loopback starts down
    host:link_set("lo", { up = true })
  end
  local journal, close_journal
  if opts.host then journal, close_journal = open_journal(name, host) end
  local so = opts.sites or {}
  local lab = netlab().lab { name = name, host = host, journal = journal, quiet = opts.quiet,
    private_host = opts.isolated, seed = seed,
    site = so.site, sites = so.sites, underlay = so.underlay, wait_sites = so.wait_sites }
  lab.close_journal = close_journal
  if require("netlab.sys").isatty(2) then lab.progress = io.stderr end
  return lab
end

-- Called after the script, whatever happened: teardown, summary, exit status.
function M.finish(lab, script_ok)
  -- the process ends after this: an isolated lab's namespaces go with it
  lab.leaving = true
  -- a service that died while the lab was up is a failure, told before teardown stops the rest
  if not lab.closed then pcall(require("netlab.service").check, lab) end
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
  io.stdout:write("netlab " .. netlab().version .. " (the lab stays up until you leave: Ctrl-D)\n")
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

-- the journal's lines, split into words; for each object, the index of its
-- last line: a "want" still open is one that no "made" or "drop" line follows
local function read_journal(path)
  local entries, last = {}, {}
  for line in io.lines(path) do
    local w = {}
    for word in line:gmatch("%S+") do w[#w + 1] = word end
    if #w >= 2 then
      entries[#entries + 1] = w
      if w[1] == "want" or w[1] == "drop" then
        if w[3] then last[w[2] .. " " .. w[3]] = #entries end
      else
        last[w[1] .. " " .. w[2]] = #entries
      end
    end
  end
  return entries, last
end

-- the namespace NAME, when it is the lab's (inode and cookie as journaled;
-- with no identity, any: a "want" line whose object held the name), or a
-- plain file left where a namespace was half made or half deleted
local function clean_ns(name, id, cookie)
  local ok, h = pcall(netns.open, name)
  if not ok then
    if h.code == "ENOENT" then return end
    if h.code ~= "EINVAL" then error(h, 0) end
  else
    local same = not id or (tostring(h.id) == id and (cookie == "" or tostring(h.cookie) == cookie))
    h:close()
    if not same then return end
  end
  netns.delete(name)
  io.stdout:write(("removed namespace %s\n"):format(name))
end

-- undo line i of the journal; a device whose name must come free goes to wait
local function clean_entry(i, w, last, host, wait)
  local kind, name = w[1], w[2]
  if kind == "want" and last[name .. " " .. w[3]] == i then
    local what, obj = name, w[3]
    if what == "ns" then
      clean_ns(obj)
    elseif what == "bridge" then
      local l = host:link(obj)
      if l and l.kind == "bridge" then
        host:link_del(obj)
        io.stdout:write(("removed bridge %s\n"):format(obj))
      end
    end
  elseif kind == "ns" then
    clean_ns(name, w[3], w[4] or "")
  elseif kind == "bridge" or kind == "hostend" then
    local l = host:link(name)
    if kind == "bridge" and l and tostring(l.index) == w[3] then
      host:link_del(name)
      io.stdout:write(("removed bridge %s\n"):format(name))
    elseif w[4] == "pair" and l and tostring(l.index) == w[3] then
      -- no namespace takes it along: the veth between two bridges (and its peer) goes here
      host:link_del(name)
      io.stdout:write(("removed interface %s\n"):format(name))
    end
    wait[#wait + 1] = { name = name, id = w[3] }
  elseif kind == "nat" then
    -- "host": a journal of before the lab's own table, the shared one
    local table = name == "host" and "netlab" or name
    host:nat_flush { table = table }
    io.stdout:write(("removed nftables table inet %s\n"):format(table))
  elseif kind == "sysctl" and w[3] and w[4] then
    -- put back only what is still the lab's value
    if host:sysctl(name) == w[4] then
      host:sysctl(name, w[3])
      io.stdout:write(("restored %s = %s\n"):format(name, w[3]))
    end
  end
end

-- `netlab clean [name]`: undo what crashed host-mode labs recorded, and
-- nothing else. Every step can be done again: a clean that was itself
-- interrupted is finished by the next one.
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
    local entries, last = read_journal(path)
    local wait, failed = {}, false
    for i = #entries, 1, -1 do
      local ok, err = pcall(clean_entry, i, entries[i], last, host, wait)
      if not ok then
        io.stderr:write(tostring(err), "\n")
        failed = true
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
    if failed then status = 1 else os.remove(path) end
  end
  return status
end

M.check_name = check_name

return M
