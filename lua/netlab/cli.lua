-- netlab.cli: the subcommands that make a lab a fixture: up, ls, down, exec, shell, run, graph (and clean).
local netns = require "netns"
local sys = require "netlab.sys"
local run = require "netlab.run"
local json = require "dkjson"
local describe = require "netlab.describe"
local sites = require "netlab.sites"

local M = {}

-- where the running labs are listed: root's under /run/netlab/labs, an
-- ordinary user's under $XDG_RUNTIME_DIR/netlab/labs (or /tmp/netlab-UID):
-- labs of different users never see each other. Asked once, before a
-- rootless command moves into its user namespace.
local state_dir
local function STATE()
  -- NETLAB_STATE_DIR: another place (a container's, or one per simulated machine in a test)
  local env = os.getenv("NETLAB_STATE_DIR")
  state_dir = state_dir or (env and env ~= "" and env or sys.state_dir()) .. "/labs"
  return state_dir
end

local function fail(msg)
  error("netlab: " .. msg, 0)
end

local function say(fmt, ...)
  io.stdout:write(fmt:format(...), "\n")
end

local function read(path)
  local f = io.open(path)
  if not f then return nil end
  local s = f:read("a")
  f:close()
  return s
end

local function write_file(path, text)
  local f, err = io.open(path, "w")
  if not f then fail("cannot write " .. tostring(err)) end
  f:write(text)
  f:close()
end

---------------------------------------------------------------------------
-- running labs: one state file each, holding the description

local function state_path(name) return STATE() .. "/" .. name .. ".json" end

-- the process start time (clock ticks since boot): with the pid, it tells
-- a holder from an unrelated process that got the same pid later
local function starttime(pid)
  local stat = read("/proc/" .. pid .. "/stat")
  if not stat then return nil end
  local rest = stat:match("^%d+ %(.*%) (.*)$")
  -- a zombie is dead: its namespaces are already gone
  if rest:match("^Z") then return nil end
  local i = 0
  for field in rest:gmatch("%S+") do
    i = i + 1
    if i == 20 then return field end
  end
end

-- a running lab's description, as up wrote it (nil when there is none)
local function lab_state(name)
  local text = read(state_path(name))
  if not text then return nil end
  local d, _, err = json.decode(text)
  if type(d) ~= "table" then
    fail(("lab '%s': unreadable state %s: %s"):format(name, state_path(name), tostring(err or "not an object")))
  end
  local st = { name = name, desc = d, pid = d.pid, starttime = d.starttime, mode = d.mode,
    host_netns = d.host and d.host.netns, nodes = {} }
  for _, n in ipairs(d.nodes or {}) do st.nodes[n.name] = n.netns end
  return st
end

local function alive(st)
  return st.pid and starttime(st.pid) == st.starttime
end

local function lab_names()
  local names = {}
  for _, f in ipairs(sys.listdir(STATE()) or {}) do
    local n = f:match("^(.+)%.json$")
    if n then names[#names + 1] = n end
  end
  table.sort(names)
  return names
end

local function need_lab(name)
  if not name then fail("which lab? (netlab ls lists them)") end
  local st = lab_state(run.check_name(name))
  if not st then fail(("no lab '%s' is up (netlab ls lists them)"):format(name)) end
  return st
end

---------------------------------------------------------------------------
-- option parsing shared by the subcommands that run a script

local function parse(args, spec, usage, more)
  for k, v in pairs(more or {}) do spec[k] = v end
  local o, rest = {}, {}
  local i = 1
  while i <= #args do
    local a = args[i]
    if a == "-h" or a == "--help" then
      io.stdout:write(usage)
      os.exit(0)
    elseif a == "--" then
      o["--"] = { table.unpack(args, i + 1) }
      break
    elseif spec[a] == "flag" then
      o[a:gsub("^%-+", "")] = true
    elseif spec[a] == "value" then
      i = i + 1
      if not args[i] then
        io.stderr:write("netlab: missing value after ", a, "\n", usage)
        os.exit(2)
      end
      o[a:gsub("^%-+", "")] = args[i]
    elseif a:sub(1, 1) == "-" and #rest == 0 then
      io.stderr:write("netlab: unrecognized option '", a, "'\n", usage)
      os.exit(2)
    else
      rest[#rest + 1] = a
    end
    i = i + 1
  end
  return o, rest
end

-- an error value of netns becomes its message; anything else stays
local function message(e)
  local mt = type(e) == "table" and getmetatable(e)
  if mt and mt.__name == "netns.error" then return tostring(e) end
  return e
end

-- a message handler: the error at the script's line, with the script's
-- frames (netlab.where); a plain "netlab: ..." refusal stays one line
local trace = require("netlab.where").handler

local function base_name(script)
  return (script:match("([^/]+)$") or script):gsub("%.lua$", "")
end

-- load and run a topology script with `lab` set; errors carry a traceback
local function run_script(lab, script, args)
  local chunk, err = loadfile(script)
  if not chunk then fail(err) end
  _G.lab = lab
  local ok, e = xpcall(chunk, trace, table.unpack(args or {}))
  if not ok then error(e, 0) end
  lab:_progress(true)
end

local function paths_for(pid, isolated)
  return function(name)
    if not name then return ("/proc/%d/ns/net"):format(pid) end
    if isolated then return ("/proc/%d/root/run/netns/%s"):format(pid, name) end
    return "/run/netns/" .. name
  end
end

-- the description up prints, run hands its command (NETLAB_JSON) and both
-- keep as the lab's state for ls, exec, shell and graph
local function state_desc(lab, script, host)
  local me = sys.getpid()
  return lab:describe(paths_for(me, not host), {
    pid = me, starttime = starttime(me), mode = host and "host" or "isolated", script = script,
  })
end

-- a name no running lab has (a dead one's state is stale: it goes)
local function claim_name(name)
  local old = lab_state(name)
  if old and alive(old) then fail(("lab '%s' is up already (pid %d)"):format(name, old.pid)) end
  if old then os.remove(state_path(name)) end
  local dir = STATE()
  assert(sys.mkdir((dir:gsub("/labs$", ""))))
  assert(sys.mkdir(dir))
end

---------------------------------------------------------------------------
-- up: build, then keep the lab in a holder process

local USAGE_UP = [[
usage: netlab up script.lua [--name NAME] [--json FILE] [--host] [--trace] [--keep] [--debug] [--seed N] [-- script args]
Build the lab the script describes and keep it up after this command returns:
an isolated lab lives as long as a small holder process (netlab down stops it);
a --host lab lives in the real host namespace. Prints the lab's description as
JSON on stdout, and nothing else (what the script prints, and its ok / not ok
lines, go to stderr); each node's namespace path opens with nsenter --net=PATH
or setns. --json FILE writes the description to FILE too.
When an expectation of the script fails, the lab is torn down and up exits 1;
with --keep it stays up for a look (and up still exits 1). The script's
timeline (lab:at, lab:every) plays from when up returns until netlab down;
--seed N replays its randomness (the seed is in the JSON).
]] .. sites.USAGE

function M.up(args)
  local o, rest = parse(args, { ["--name"] = "value", ["--json"] = "value", ["--host"] = "flag",
    ["--trace"] = "flag", ["--keep"] = "flag", ["--debug"] = "flag", ["--seed"] = "value" },
    USAGE_UP, sites.CLI_OPTS)
  if o.debug then require("netlab.where").set_debug() end
  local script = rest[1]
  if not script then io.stderr:write(USAGE_UP) return 2 end
  local script_args = o["--"] or { table.unpack(rest, 2) }
  local name = run.check_name(o.name or base_name(script))
  local site_opts = sites.from_cli(o, o.host)
  claim_name(name)

  local who, pid, fd = sys.holder()
  if who == "parent" then
    local answer = sys.read_all(fd)
    sys.close(fd)
    local status, body = answer:match("^(%a+)\n(.*)$")
    if status ~= "ok" and status ~= "kept" then
      io.stderr:write(body or ("netlab: the lab's holder (pid " .. pid .. ") died while building\n"))
      return 1
    end
    if o.json then write_file(o.json, body) end
    io.stdout:write(body)
    if status == "kept" then return 1 end
    return 0
  end

  -- the holder: pid is its pipe's fd here; the JSON goes back through it,
  -- and nothing the script prints reaches up's stdout
  fd = pid
  sys.stdout_to_stderr()
  local lab
  local ok, err = xpcall(function()
    if not o.host then sys.isolate() end
    sys.pid_namespace()
    lab = run.start { name = name, host = o.host, isolated = not o.host, trace = o.trace, seed = o.seed,
      sites = site_opts }
    run_script(lab, script, script_args)
    sites.ready(lab)
    require("netlab.service").check(lab)
    if lab.failed > 0 then
      local what = ("up: %d of %d expectations failed"):format(lab.failed, lab.count)
      if not o.keep then fail(what .. "; the lab is torn down (--keep keeps it up)") end
      io.stderr:write(("netlab: %s; lab '%s' stays up (--keep): netlab down %s\n"):format(what, name, name))
    end
    local text = describe.json(state_desc(lab, script, o.host))
    write_file(state_path(name), text)
    return text
  end, trace)
  if not ok then
    if lab then run.finish(lab, false) end
    local msg = tostring(err)
    if not msg:match("^netlab: ") and not msg:match("^[^\n]*: netlab: ") then msg = "netlab: " .. msg end
    sys.write(fd, "error\n" .. msg .. "\n")
    os.exit(1)
  end
  if lab._events then lab:_announce_seed() end
  sys.write(fd, (lab.failed > 0 and "kept\n" or "ok\n") .. err)
  sys.close(fd)
  sys.detach()
  -- the timeline plays from here (after the answer and the detach: its
  -- player must hold neither up's pipe nor its stdio open)
  local started = pcall(lab.start, lab)
  if not started then io.stderr:write("netlab: the timeline did not start\n") end
  sys.wait_signal()
  local code = run.finish(lab, true)
  os.remove(state_path(name))
  os.exit(code)
end

---------------------------------------------------------------------------
-- ls, down

local USAGE_LS = "usage: netlab ls\nList the labs that netlab up started, with their holder and state.\n"

function M.ls(args)
  parse(args, {}, USAGE_LS)
  local names = lab_names()
  if #names == 0 then return 0 end
  say("%-20s %-8s %-9s %-6s %s", "NAME", "PID", "MODE", "NODES", "STATE")
  for _, name in ipairs(names) do
    local st = lab_state(name)
    local n = 0
    for _ in pairs(st.nodes) do n = n + 1 end
    say("%-20s %-8s %-9s %-6d %s", name, tostring(st.pid), st.mode or "?", n,
      alive(st) and "up" or "holder gone (netlab down " .. name .. " cleans up)")
    if st.desc.sites and alive(st) then sites.ls_line(st.desc.sites, st.host_netns, say) end
  end
  return 0
end

local USAGE_DOWN = [[
usage: netlab down NAME... | --all
Stop a lab that netlab up started and remove everything it made; also when
its holder was killed (an isolated lab's namespaces died with it; a --host
lab is cleaned from its journal).
]]

local function down(name)
  local st = need_lab(name)
  -- the holder through a pidfd: its end is seen the moment it comes, and a
  -- pid reused meanwhile is never signalled (checked alive once it is open)
  local pfd = sys.pidfd(st.pid)
  local running, stopped = pfd and alive(st), false
  if running then
    sys.pidfd_signal(pfd, 15)
    stopped = sys.pidfd_wait(pfd, 15)
  end
  if pfd then sys.close(pfd) end
  if running and not stopped then
    fail(("lab '%s': holder %d did not stop"):format(name, st.pid))
  elseif not running and st.mode == "host" then
    -- the holder died without its teardown: its journal knows what to undo
    if run.clean(name) ~= 0 then fail(("lab '%s': cleaning up from its journal failed"):format(name)) end
  end
  os.remove(state_path(name))
  say("lab %s is down", name)
end

function M.down(args)
  local o, names = parse(args, { ["--all"] = "flag" }, USAGE_DOWN)
  if o.all then names = lab_names() end
  if #names == 0 and not o.all then io.stderr:write(USAGE_DOWN) return 2 end
  for _, name in ipairs(names) do down(name) end
  return 0
end

---------------------------------------------------------------------------
-- exec, shell

local USAGE_EXEC = [[
usage: netlab exec [--as-user] NAME NODE -- command [args...]
Run a command inside a node of a running lab (NODE "host" is the lab's host),
with the node's view of /sys as ip netns exec gives it; stdin, stdout, stderr
and the exit status pass straight through. In an ordinary user's lab the
command runs as root there (the user, mapped); --as-user runs it as the
user's own uid, without capabilities.
]]

local function open_node(name, node)
  local st = need_lab(name)
  if not alive(st) then fail(("lab '%s' is not running (its holder is gone)"):format(name)) end
  local path = node == "host" and st.host_netns or st.nodes[node]
  if not path then
    -- over several machines: a node of another site is that machine's
    for _, n in ipairs(st.desc.nodes or {}) do
      if n.name == node and n.site and not n.netns then
        fail(("lab '%s': node '%s' is on site %s: run this on that machine"):format(name, node, n.site))
      end
    end
    fail(("lab '%s' has no node '%s'"):format(name, tostring(node)))
  end
  -- an isolated lab: into its holder's mount namespace (the command sees
  -- the lab's /run/netns), and its user namespace first when the lab is an
  -- ordinary user's
  if st.mode ~= "host" then sys.join_lab(st.pid) end
  return netns.open_path(path)
end

-- --as-user is for an ordinary user's lab: root's has no other user to be
local function as_user(o, name)
  if not o["as-user"] then return nil end
  if sys.state_dir() == "/run/netlab" then
    fail(("--as-user runs the command as the ordinary user whose lab it is: lab '%s' is root's"):format(name))
  end
  return true
end

function M.exec(args)
  local o, rest = parse(args, { ["--as-user"] = "flag" }, USAGE_EXEC)
  local argv = o["--"] or { table.unpack(rest, 3) }
  if #rest < 2 or #argv == 0 then io.stderr:write(USAGE_EXEC) return 2 end
  local user = as_user(o, rest[1])
  local ns = open_node(rest[1], rest[2])
  ns:exec(argv, { env = { NETLAB_LAB = rest[1], NETLAB_NODE = rest[2] }, as_user = user })
end

local USAGE_SHELL = [[
usage: netlab shell [--as-user] NAME NODE
An interactive shell ($SHELL, else /bin/sh) inside a node of a running lab
(--as-user: as exec's).
]]

function M.shell(args)
  local o, rest = parse(args, { ["--as-user"] = "flag" }, USAGE_SHELL)
  if #rest ~= 2 then io.stderr:write(USAGE_SHELL) return 2 end
  local user = as_user(o, rest[1])
  local ns = open_node(rest[1], rest[2])
  local shell = os.getenv("SHELL") or "/bin/sh"
  ns:exec({ shell, "-i" }, { env = { NETLAB_LAB = rest[1], NETLAB_NODE = rest[2],
    PS1 = ("[%s:%s] \\w %s "):format(rest[1], rest[2], user and "$" or "#") }, as_user = user })
end

---------------------------------------------------------------------------
-- run: build, one command, tear down

local USAGE_RUN = [[
usage: netlab run script.lua [--name NAME] [--json FILE] [--host] [--trace] [--debug] [--seed N] -- command [args...]
Build the lab, run one command in the lab's host with the lab described in
the environment, tear the lab down, and exit with the command's status (1
when the script failed or an expectation did not hold). The command gets
NETLAB_NAME, the lab's name, and NETLAB_JSON, the path of a file holding the
lab's description (what netlab up prints). While it runs the lab is up like
one of netlab up's: netlab ls lists it, netlab exec "$NETLAB_NAME" NODE -- ...
and netlab graph "$NETLAB_NAME" reach it, and ip netns exec NODE ... works.
The script's timeline (lab:at, lab:every) plays while the command runs;
--seed N replays its randomness.
]] .. sites.USAGE

function M.run(args)
  local o, rest = parse(args, { ["--name"] = "value", ["--json"] = "value", ["--host"] = "flag",
    ["--trace"] = "flag", ["--debug"] = "flag", ["--seed"] = "value" }, USAGE_RUN, sites.CLI_OPTS)
  if o.debug then require("netlab.where").set_debug() end
  local script, argv = rest[1], o["--"]
  if not script or not argv or #argv == 0 then io.stderr:write(USAGE_RUN) return 2 end
  local name = run.check_name(o.name or base_name(script))
  local site_opts = sites.from_cli(o, o.host)
  claim_name(name)
  if not o.host then sys.isolate() end
  sys.pid_namespace()
  local lab = run.start { name = name, host = o.host, isolated = not o.host, trace = o.trace, quiet = true,
    seed = o.seed, sites = site_opts }
  local json_path = o.json or os.tmpname()
  local status
  local ok, err = xpcall(function()
    run_script(lab, script, { table.unpack(rest, 2) })
    sites.ready(lab)
    local text = describe.json(state_desc(lab, script, o.host))
    write_file(json_path, text)
    write_file(state_path(name), text)
    lab:start()  -- the timeline plays while the command runs
    status = sys.command(argv, { NETLAB_NAME = name, NETLAB_JSON = json_path })
  end, trace)
  if not ok then io.stderr:write(tostring(err), "\n") end
  os.remove(state_path(name))
  local code = run.finish(lab, ok)
  if not o.json then os.remove(json_path) end
  if not ok or code ~= 0 then return status and status ~= 0 and status or 1 end
  return status
end

---------------------------------------------------------------------------
-- graph

local USAGE_GRAPH = [[
usage: netlab graph NAME | script.lua [-o FILE.dot|FILE.svg|FILE.png]
The topology of a running lab, or of a script after it built, as Graphviz DOT:
nodes, bridges, links labelled with interface names and addresses. With -o
FILE.svg or FILE.png, Graphviz's dot renders it (when it is installed).
]]

local function find_in_path(prog)
  for dir in (os.getenv("PATH") or "/usr/bin:/bin"):gmatch("[^:]+") do
    local f = io.open(dir .. "/" .. prog)
    if f then f:close() return dir .. "/" .. prog end
  end
end

-- a lab's description from its state file, or by building a script
local function describe_target(target)
  if target:match("%.lua$") then
    sys.isolate()
    sys.pid_namespace()
    local lab = run.start { name = base_name(target), isolated = true, quiet = true }
    local ok, desc = xpcall(function()
      run_script(lab, target, {})
      return lab:describe(paths_for(sys.getpid(), false))
    end, trace)
    run.finish(lab, ok)
    if not ok then error(desc, 0) end
    return desc
  end
  return need_lab(target).desc
end

function M.graph(args)
  local o, rest = parse(args, { ["-o"] = "value" }, USAGE_GRAPH)
  if #rest ~= 1 then io.stderr:write(USAGE_GRAPH) return 2 end
  local dot = require("netlab.dot").render(describe_target(rest[1]))
  local out = o.o
  if not out or out == "-" then io.stdout:write(dot) return 0 end
  local fmt = out:match("%.(%w+)$")
  if fmt == "dot" or fmt == "gv" or not fmt then write_file(out, dot) return 0 end
  if fmt ~= "svg" and fmt ~= "png" then fail("-o " .. out .. ": the format is .dot, .svg or .png") end
  local dotprog = find_in_path("dot")
  if not dotprog then fail("rendering " .. fmt .. " needs Graphviz's dot (apt-get install graphviz); -o FILE.dot works without it") end
  local tmp = os.tmpname()
  write_file(tmp, dot)
  local status = sys.command({ dotprog, "-T" .. fmt, "-o", out, tmp })
  os.remove(tmp)
  return status
end

---------------------------------------------------------------------------
-- busted: a Lua 5.4 test suite with labs, in a network of its own

local USAGE_BUSTED = [[
usage: netlab busted [busted options] [ROOT...]
Run busted under Lua 5.4 (Debian's busted runs Lua 5.1 by default) with the
netns module and the netlab library on its paths, inside a private network
and mount namespace: the labs the specs build with require "netlab.busted"
are nobody else's, and go with the run. The exit status is busted's.
(busted runs itself again under Lua 5.4 through a shell: an argument with
spaces, such as --filter="two words", arrives split; use a pattern, "two.words".)
]]

function M.busted(args)
  for _, a in ipairs(args) do
    if a == "-h" or a == "--help" then io.stdout:write(USAGE_BUSTED) return 0 end
  end
  local lua_dir, c_dir = sys.module_dirs()
  local function path(var, dirs)
    local old = os.getenv(var .. "_5_4") or os.getenv(var)
    return dirs .. ";" .. (old and old ~= "" and old .. ";" or "") .. ";"
  end
  sys.isolate()
  netns.host():link_set("lo", { up = true })
  local argv = { "busted", "--lua=lua5.4" }
  for _, a in ipairs(args) do argv[#argv + 1] = a end
  return sys.command(argv, {
    LUA_PATH_5_4 = path("LUA_PATH", lua_dir .. "/?.lua;" .. lua_dir .. "/?/init.lua"),
    LUA_CPATH_5_4 = path("LUA_CPATH", c_dir .. "/?.so"),
  })
end

M.clean = function(args)
  local _, rest = parse(args, {}, "usage: netlab clean [NAME]\nRemove what crashed --host labs left (from their journals), and nothing else.\n")
  return run.clean(rest[1])
end

-- the subcommands that make a lab (graph a script builds one)
local LAB_MAKERS = { up = true, run = true, graph = true, busted = true }

-- main(subcommand, args): the exit status
function M.main(cmd, args)
  local f = M[cmd]
  if not f or cmd == "main" then fail("unknown subcommand " .. tostring(cmd)) end
  local help = false
  for _, a in ipairs(args) do help = help or a == "-h" or a == "--help" end
  local ok, r = pcall(function()
    if help then return f(args) end
    STATE()
    if sys.geteuid() ~= 0 then
      -- an ordinary user's lab is made in a user namespace of the user's own;
      -- the real host's network is root's alone
      if cmd == "clean" then
        fail("clean removes what crashed --host labs left in the real host's network: it needs root: run it with sudo")
      end
      if LAB_MAKERS[cmd] then
        for _, a in ipairs(args) do
          if a == "--" then break end
          if a == "--host" then fail("--host builds the lab in the real host's network: it needs root: run it with sudo") end
          if a == "--sites" or a == "--sites-file" then
            fail(a .. ": the tunnels between sites are made in this machine's own network: it needs root: run it with sudo")
          end
        end
        sys.rootless()
      end
    end
    return f(args)
  end)
  if ok then return r or 0 end
  r = message(r)
  -- the user's mistakes and the kernel's refusals are told plainly; anything
  -- else (a bug, an interrupt) keeps its traceback
  if type(r) == "string" and (r:match("^netlab: ") or r:match("^netns: ")) and not r:find("\n", 1, true) then
    io.stderr:write(r, "\n")
    return 1
  end
  error(r, 0)
end

return M
