-- netlab.expect: the lab's assertions (expect_reach, expect_unreachable, expect, wait_until): one line each, counted for the closing summary.
local netns = require "netns"
local check = require "netlab.check"
local is_node = require("netlab.node").is
local sites = require "netlab.sites"
local ELSEWHERE = sites.ELSEWHERE

local clock, set, fail = netns.clock, check.set, check.fail

-- Lab gets the methods; is_lab tells a lab, out writes a line of the lab's
return function(Lab, is_lab, out)

  function Lab:_report(ok, label, t0, detail, ms)
    if self._in_timeline then
      fail("a timeline function changes the network; check what it did from the script, not inside it", 3)
    end
    self.count = self.count + 1
    if ok then self.passed = self.passed + 1 else self.failed = self.failed + 1 end
    self._probe = nil  -- a probe made before this report is told
    ms = ms or (clock() - t0) * 1000
    out(self, ("%s %d - %s (%.1f ms)%s"):format(ok and "ok" or "not ok", self.count, label, ms,
      detail and detail ~= "" and (": " .. detail) or ""))
    if not ok and self._on_failure and not self._failure_told then
      -- once, at the first failure, while the network is as it failed
      self._failure_told = true
      local called, err = check.protect(self._on_failure, self, label)
      if not called then out(self, "# on_failure: " .. tostring(err):gsub("\n", "\n# ")) end
    end
    return ok
  end

  -- fn(lab, label) is called once, at the first expectation that fails, before teardown
  -- (each router's routing table, say: lab:run_all with show = true)
  function Lab:on_failure(fn)
    check.self(self, is_lab, "on_failure", "lab", 2)
    check.arg("on_failure", "the function", fn, "function", 2)
    self._on_failure = fn
    return self
  end

  -- the lab's nodes of this site, in the order they were made (not the lab's host)
  local function local_nodes(lab)
    local list = {}
    for _, n in ipairs(lab.node_list) do
      if not n.remote then list[#list + 1] = n end
    end
    return list
  end

  -- fn(node) for every node, in the order they were made
  function Lab:each(fn)
    check.self(self, is_lab, "each", "lab", 2)
    check.arg("each", "the function", fn, "function", 2)
    for _, n in ipairs(local_nodes(self)) do fn(n) end
    return self
  end

  local RUN_ALL_OPTS = set("timeout", "env", "stdin", "show")

  -- argv run on every node: { [name] = { status, stdout, stderr } }; with show = true each
  -- node's output is also written as comment lines of the lab's report ("# r1$ ip route")
  function Lab:run_all(argv, opts)
    check.self(self, is_lab, "run_all", "lab", 2)
    check.arg("run_all", "argv", argv, "table", 2)
    opts = check.options("run_all", opts, RUN_ALL_OPTS, 2)
    local run_opts = { timeout = opts.timeout or 10, env = opts.env, stdin = opts.stdin }
    local results = {}
    for _, n in ipairs(local_nodes(self)) do
      local r = n.ns:run(argv, run_opts)
      results[n.name] = r
      if opts.show then
        out(self, ("# %s$ %s%s"):format(n.name, table.concat(argv, " "),
          r.status ~= 0 and (" (status %d)"):format(r.status) or ""))
        for line in (r.stdout .. r.stderr):gmatch("[^\n]+") do out(self, "#   " .. line) end
      end
    end
    return results
  end

  -- over several machines, what is checked may be another site's: before the first check, every
  -- site has built as far (each waits for the others at the same line of the same script)
  local function sites_ready(lab)
    if lab.sites and not lab.sites.all_answered then
      sites.wait(lab, lab.wait_sites or 60)
    end
  end

  -- a check that is another site's to make: a comment line, not counted
  local function elsewhere(lab, label, site)
    out(lab, ("# %s: checked on site %s"):format(label, site))
    return ELSEWHERE
  end

  local function target(to)
    if is_node(to) then
      local addr = to:address()
      if not addr then fail(("%s has no address to reach"):format(to.name), 4) end
      return addr, ("%s (%s)"):format(to.name, addr)
    end
    if type(to) ~= "string" then fail("the target must be a node or an address", 4) end
    return to, to
  end

  local function source(from)
    if not is_node(from) then fail("the source must be a node", 4) end
    return from
  end

  local EXPECT_OPTS = set("timeout", "label")

  -- one probe from a node to a node or an address, reported as an assertion
  -- that it answered (want true) or did not (want false)
  local function expect_ping(lab, from, to, opts, want)
    local call = want and "expect_reach" or "expect_unreachable"
    check.self(lab, is_lab, call, "lab", 3)
    opts = check.options(call, opts, EXPECT_OPTS, 3)
    check.arg(call, "option 'timeout'", opts.timeout, "seconds", 3, true)
    check.arg(call, "option 'label'", opts.label, "string", 3, true)
    from = source(from)
    local addr, label = target(to)
    sites_ready(lab)
    local text = want and "%s reaches %s" or "%s cannot reach %s"
    if from.remote then return elsewhere(lab, opts.label or text:format(from.name, label), from.site) end
    local t0 = clock()
    local ok, why = from.ns:ping(addr, { timeout = opts.timeout or (want and 2 or 0.5) })
    local ms = (clock() - t0) * 1000  -- the probe's time, not the diagnosis's
    local detail = want and not ok and why or (not want and ok and "it answered") or nil
    if want and not ok then
      -- what the lab can see on the way: routes, forwarding, addresses, links
      local diagnosed, seen = check.protect(require("netlab.diagnose").why, lab, from, addr)
      if diagnosed and seen then detail = detail .. "; " .. seen end
    end
    return lab:_report(not ok == not want, opts.label or text:format(from.name, label), t0, detail, ms)
  end

  -- (not tail calls: the frame tells a mistake's line)
  function Lab:expect_reach(from, to, opts)
    local ok = expect_ping(self, from, to, opts, true)
    return ok
  end

  function Lab:expect_unreachable(from, to, opts)
    local ok = expect_ping(self, from, to, opts, false)
    return ok
  end

  function Lab:expect(cond, label)
    check.self(self, is_lab, "expect", "lab", 2)
    check.arg("expect", "the label", label, "string", 2, true)
    sites_ready(self)
    if cond == ELSEWHERE then return elsewhere(self, label or "expectation", "of its node") end
    local t0 = clock()
    local ok, detail, ms = cond, nil, nil
    if type(cond) == "function" then
      local success, v = check.protect(cond)
      if v == ELSEWHERE then return elsewhere(self, label or "expectation", "of its node") end
      if success then ok = v else ok, detail = false, tostring(v) end
    elseif type(cond) == "boolean" and self._probe and self._probe.ok == cond then
      -- lab:expect(node:connect(...), label): cond is the probe's result, which
      -- came with a reason and took its own time
      detail, ms = not cond and self._probe.why or nil, self._probe.ms
    end
    return self:_report(not not ok, label or "expectation", t0, detail, ms)
  end

  -- call fn until it returns true or the timeout (seconds) passes; with a
  -- label, the outcome is an assertion
  function Lab:wait_until(fn, timeout, label)
    check.self(self, is_lab, "wait_until", "lab", 2)
    check.arg("wait_until", "the condition", fn, "function", 2)
    check.arg("wait_until", "the timeout", timeout, "seconds", 2, true)
    check.arg("wait_until", "the label", label, "string", 2, true)
    sites_ready(self)
    timeout = timeout or 5
    local t0 = clock()
    local ok = self:_poll(fn, timeout)
    if ok == ELSEWHERE then return label and elsewhere(self, label, "of its node") or ELSEWHERE end
    if label then return self:_report(ok, label, t0, not ok and ("not within %gs"):format(timeout) or nil) end
    return ok
  end

  -- call fn until it returns true or timeout seconds pass: true or false (ELSEWHERE when fn
  -- says it is another site's); no waiting for the other sites (a service's port, say)
  function Lab:_poll(fn, timeout)
    local t0 = clock()
    repeat
      local success, v = check.protect(fn)
      if v == ELSEWHERE then return ELSEWHERE end
      if success and v then return true end
      netns.sleep(0.02)
    until clock() - t0 >= timeout
    return false
  end
end
