-- netlab.service: node:service, a daemon the lab starts, waits for, watches and stops like a service manager would.
--
-- A service's stdout and stderr are kept (in memory, svc:output()) unless
-- the script sends them to files. It is ready when what `ready` names
-- answers (a TCP or UDP port, a unix socket, a file, a command, a line of
-- its output); one that exits first fails at once, with its own last words.
-- Teardown stops every service at once with its stop signal (SIGTERM),
-- waits for them (stop_timeout), then kills what is left.
local netns = require "netns"
local check = require "netlab.check"

local M = {}
local fail, clock = check.fail, netns.clock

M.STOP_TIMEOUT = 5  -- seconds a service has to stop at teardown, by default

local OPTS = check.set("port", "addr", "timeout", "env", "stdout", "stderr", "append", "ready", "stop_signal",
  "stop_timeout", "name")
local READY_KINDS = check.set("tcp", "udp", "unix", "file", "output", "addr")
local SIGNALS = check.set("TERM", "INT", "HUP", "QUIT", "USR1", "USR2", "KILL")

local Service = {}

local function is_service(x) return getmetatable(x) == Service end

Service.__index = function(svc, k)
  local own = rawget(Service, k)
  if own ~= nil then return own end
  local p = rawget(svc, "proc")
  if k == "pid" then return p.pid end
  local v = p[k]
  if type(v) == "function" then
    -- svc:wait(), svc:kill(), svc:running(), ... are the process's
    local f = function(self, ...) return v(self == svc and p or self, ...) end
    rawset(svc, k, f)
    return f
  end
  return v
end
Service.__tostring = function(svc) return ("netlab service %s on %s"):format(svc.name, svc.node.name) end

-- what it wrote (stdout and stderr), the last max bytes; nil when it writes to files of the script's
function Service:output(max)
  check.self(self, is_service, "output", "service", 2)
  check.arg("output", "the byte count", max, "count", 2, true)
  return self.proc:output(max)
end

-- its last n lines (stdout and stderr, or its stderr's tail when it writes to files), for a message
function Service:tail(n)
  check.self(self, is_service, "tail", "service", 2)
  local text = self.proc:output(8192) or self.proc:stderr_tail() or ""
  local lines = {}
  for line in text:gmatch("[^\n]+") do lines[#lines + 1] = line end
  local first = math.max(1, #lines - (n or 5) + 1)
  return table.concat(lines, "\n", first)
end

local function said(svc)
  local t = svc:tail(8)
  if t == "" then return "; it wrote nothing" end
  return "; its output ended with:\n  " .. t:gsub("\n", "\n  ")
end

-- how it ended: "exited with status 1", "was killed by signal 9"
local function ending(status, sig)
  if sig then return ("was killed by signal %d"):format(sig) end
  return ("exited with status %d"):format(status)
end

-- a path as the service sees it: through one of its processes' root, so a node's private
-- directories are the node's; the path itself when none runs
local function seen(svc, path)
  local pid = svc.proc:running() and svc.proc.pid or svc.proc:pids()[1]
  if pid then return ("/proc/%d/root%s"):format(pid, path) end
  return path
end

-- is the UDP port bound in the node's network namespace (any address)?
local function udp_bound(svc, port)
  local pid = svc.proc:running() and svc.proc.pid or svc.proc:pids()[1]
  if not pid then return false end
  for _, file in ipairs { "udp", "udp6" } do
    local f = io.open(("/proc/%d/net/%s"):format(pid, file))
    if f then
      for line in f:lines() do
        local hex = line:match("^%s*%d+:%s+%x+:(%x+)%s")
        if hex and tonumber(hex, 16) == port then f:close() return true end
      end
      f:close()
    end
  end
  return false
end

-- ready: a function of svc answering whether it is ready, and what it waits for (for messages)
local function readiness(node, opts, level)
  local r = opts.ready
  if r == nil and opts.port then r = { tcp = opts.port, addr = opts.addr } end
  if r == nil then return nil end
  if type(r) == "function" then return function(svc) return r(svc) end, "its ready function" end
  if type(r) ~= "table" then
    fail(("service: option 'ready' must be a table ({ tcp = PORT }, { udp = PORT }, { unix = PATH }, "
      .. "{ file = PATH }, { output = PATTERN }, or a command's argv) or a function, not %s"):format(check.shown(r)), level)
  end
  if r[1] ~= nil then
    for i, a in ipairs(r) do
      if type(a) ~= "string" then
        fail(("service: option 'ready': the command's argument %d must be a string, not %s"):format(i, check.shown(a)), level)
      end
    end
    local argv = r
    return function() return node.ns:run(argv, { timeout = 2 }).status == 0 end,
      ("the command '%s' to succeed"):format(table.concat(argv, " "))
  end
  check.options("service: option 'ready'", r, READY_KINDS, level)
  local kinds = {}
  for k in pairs(r) do if k ~= "addr" then kinds[#kinds + 1] = k end end
  if #kinds ~= 1 then
    table.sort(kinds)
    fail(("service: option 'ready' takes one of tcp, udp, unix, file, output, not %s"):format(
      #kinds == 0 and "none" or table.concat(kinds, " and ")), level)
  end
  local kind, v = kinds[1], r[kinds[1]]
  if r.addr ~= nil and kind ~= "tcp" then fail("service: option 'ready': 'addr' goes with 'tcp' only", level) end
  if kind == "tcp" or kind == "udp" then
    check.arg("service", "option 'ready." .. kind .. "'", v, "port", level)
  elseif kind == "output" then
    check.arg("service", "option 'ready.output'", v, "string", level)
    local ok, err = pcall(string.find, "", v)
    if not ok then fail(("service: option 'ready.output': '%s' is not a Lua pattern: %s"):format(v, err), level) end
  else
    check.arg("service", "option 'ready." .. kind .. "'", v, "string", level)
    if not (v:sub(1, 1) == "/" or (kind == "unix" and v:sub(1, 1) == "@")) then
      fail(("service: option 'ready.%s': '%s' is not an absolute path"):format(kind, v), level)
    end
  end
  if kind == "tcp" then
    check.arg("service", "option 'ready.addr'", r.addr, "text", level, true)
    return function()
      local addr = r.addr or node:address() or "127.0.0.1"
      return node.ns:connect(addr, v, { timeout = 0.2 })
    end, ("connections on %s:%d"):format(r.addr or node:address() or "127.0.0.1", v)
  elseif kind == "udp" then
    return function(svc) return udp_bound(svc, v) end, ("UDP port %d bound"):format(v)
  elseif kind == "unix" then
    return function(svc)
      local path = v:sub(1, 1) == "@" and v or seen(svc, v)
      if #path > 107 then path = v end
      return node.ns:connect(path, { timeout = 0.2 })
    end, ("connections on the unix socket %s"):format(v)
  elseif kind == "file" then
    return function(svc) return netns.stat(seen(svc, v)) ~= nil end, ("the file %s"):format(v)
  end
  return function(svc)
    for line in (svc.proc:output() or ""):gmatch("[^\n]+") do
      if line:find(v) then return true end
    end
    return false
  end, ("a line of its output matching '%s'"):format(v)
end

local function check_signal(opts, level)
  local s = opts.stop_signal
  if s == nil then return "TERM" end
  if type(s) ~= "string" or not SIGNALS[(s:gsub("^SIG", ""))] then
    fail(("service: option 'stop_signal' must be one of TERM, INT, HUP, QUIT, USR1, USR2, KILL, not %s"):format(
      check.shown(s)), level)
  end
  return (s:gsub("^SIG", ""))
end

-- node:service(argv [, opts]): started, recorded for teardown, and (with ready) waited for
function M.start(node, argv, opts, atomic)
  check.arg("service", "argv", argv, "table", 3)
  opts = check.options("service", opts, OPTS, 3)
  check.arg("service", "option 'port'", opts.port, "port", 3, true)
  check.arg("service", "option 'addr'", opts.addr, "text", 3, true)
  check.arg("service", "option 'timeout'", opts.timeout, "seconds", 3, true)
  check.arg("service", "option 'stop_timeout'", opts.stop_timeout, "seconds", 3, true)
  check.arg("service", "option 'name'", opts.name, "text", 3, true)
  if opts.port and opts.ready then fail("service: options 'port' and 'ready' say the same: give one", 3) end
  local stop_signal = check_signal(opts, 4)
  local ready, what = readiness(node, opts, 4)
  if rawget(node, "remote") then return node.ns.spawn() end  -- runs on the node's own site
  local spawn_opts = { env = opts.env, stdout = opts.stdout, stderr = opts.stderr, append = opts.append }
  -- kept in memory unless the script sends it to files (then its stderr's tail is kept, for messages)
  if opts.stdout == nil and opts.stderr == nil then spawn_opts.output = true else spawn_opts.stderr_tail = true end
  local lab = node.lab
  local svc = atomic(function()
    local p = node.ns:spawn(argv, spawn_opts)
    local s = setmetatable({ proc = p, node = node, name = opts.name or argv[1], argv = argv, started = clock(),
      stop_signal = stop_signal, stop_timeout = opts.stop_timeout or lab.stop_timeout }, Service)
    lab.procs[#lab.procs + 1] = s
    return s
  end)
  if not ready then return svc end
  local timeout, status, sig = opts.timeout or 5, nil, nil
  local ok = lab:_poll(function()
    if not status and not svc.proc:running() then
      status, sig = svc.proc:wait(0)
      -- status 0 may be a daemon's parent, whose child is to answer; nothing left is a failure
      if status ~= 0 or not svc.proc:alive() then return true end
    end
    return ready(svc)
  end, timeout)
  local failed = status and (status ~= 0 or not svc.proc:alive())
  if failed or not ok then
    svc.reported = true  -- told here, not again at the end of the script
    local why = failed and ("%s before it was ready (waiting for %s)"):format(
      status == 0 and "exited with status 0, leaving nothing running," or ending(status, sig), what)
      or ("was not ready within %gs (waiting for %s)"):format(timeout, what)
    fail(("service %s on %s %s%s"):format(svc.name, node.name, why, said(svc)), 3)
  end
  return svc
end

-- svc:stop([timeout]): its stop signal, then SIGKILL after timeout seconds; how it ended
function Service:stop(timeout)
  check.self(self, is_service, "stop", "service", 2)
  check.arg("stop", "the timeout", timeout, "seconds", 2, true)
  self.stopped = true
  M.stop_all({ self }, timeout)
  return self.proc:wait(0)
end

-- stop every service of the list at once: its stop signal, a wait of its stop_timeout (or
-- timeout) for everything it started to end, then SIGKILL for what is left
function M.stop_all(list, timeout)
  local t0, pending = clock(), {}
  for _, s in ipairs(list) do
    if s.proc:alive() then
      pcall(s.proc.kill, s.proc, s.stop_signal or "TERM")
      pending[#pending + 1] = s
    end
  end
  while #pending > 0 do
    local left = {}
    for _, s in ipairs(pending) do
      s.proc:wait(0)
      if s.proc:alive() then
        if clock() - t0 >= (timeout or s.stop_timeout or M.STOP_TIMEOUT) then
          pcall(s.proc.kill, s.proc, "KILL")
          s.killed = true
          s.proc:wait(2)
        else
          left[#left + 1] = s
        end
      end
    end
    pending = left
    if #pending > 0 then netns.sleep(0.01) end
  end
end

-- at the end of the script: a service that died while the lab was up is a failed check
function M.check(lab)
  for _, s in ipairs(lab.procs) do
    if is_service(s) and not s.stopped and not s.reported and not s.proc:alive() then
      s.reported = true
      local status, sig = s.proc:wait(0)
      lab:_report(false, ("service %s on %s runs"):format(s.name, s.node.name), clock(),
        ("it %s while the lab was up%s"):format(ending(status, sig), said(s)), 0)
    end
  end
end

M.is = is_service

return M
