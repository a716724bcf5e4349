-- netlab.timeline: faults on a schedule (lab:at, lab:every) played from lab:start() by a process beside the script.
--
-- The timeline is played by a child process (netns.fork) that sleeps until
-- each event and calls its function, so that events come on time whatever
-- the script does meanwhile: a node:run of a client for 30 s, a busted
-- suite, nothing at all (netlab up). Its functions change the network (the
-- kernel's state, seen by everyone); they run in that process, so the
-- variables they set are not the script's.
local netns = require "netns"
local check = require "netlab.check"

local fail = check.fail
local clock = netns.clock

local EVERY_OPTS = check.set("jitter", "count", "start")

return { install = function(Lab, is_lab)

  local function events(lab)
    lab._events = lab._events or {}
    return lab._events
  end

  local function not_started(lab, call)
    if lab.closed then fail(call .. ": the lab is torn down", 3) end
    if lab._t0 then
      fail(("%s: the timeline is playing since lab:start(): schedule every event before it"):format(call), 3)
    end
  end

  -- lab:at(seconds, fn): fn(lab, t, due) at `seconds` after lab:start()
  -- (t: when it runs, due: when it was due; both seconds since the start)
  function Lab:at(seconds, fn)
    check.self(self, is_lab, "at", "lab", 2)
    not_started(self, "at")
    if type(seconds) ~= "number" or seconds < 0 or seconds ~= seconds or seconds == math.huge then
      fail(("at: the time must be a number of seconds >= 0, not %s"):format(check.shown(seconds)), 2)
    end
    check.arg("at", "the function", fn, "function", 2)
    local list = events(self)
    list[#list + 1] = { due = seconds, fn = fn, n = 1, seq = #list }
    return self
  end

  -- lab:every(period, fn [, { jitter =, count =, start = }]): fn(lab, t, due)
  -- every period seconds from start (default: one period after lab:start()),
  -- each time moved by up to ±jitter (drawn from the lab's seed), count
  -- times (default: until teardown). The k-th call is due at start +
  -- (k-1) * period whatever the earlier ones took: no drift.
  function Lab:every(period, fn, opts)
    check.self(self, is_lab, "every", "lab", 2)
    not_started(self, "every")
    check.arg("every", "the period", period, "seconds", 2)
    check.arg("every", "the function", fn, "function", 2)
    opts = check.options("every", opts, EVERY_OPTS, 2)
    local jitter, count, start = opts.jitter or 0, opts.count, opts.start or period
    if type(jitter) ~= "number" or jitter < 0 or jitter >= period then
      fail(("every: option 'jitter' must be a number of seconds in [0, period), not %s"):format(check.shown(opts.jitter)), 2)
    end
    if count ~= nil and (math.type(count) ~= "integer" or count < 1) then
      fail(("every: option 'count' must be an integer >= 1, not %s"):format(check.shown(count)), 2)
    end
    if type(start) ~= "number" or start < 0 or start == math.huge then
      fail(("every: option 'start' must be a number of seconds >= 0, not %s"):format(check.shown(opts.start)), 2)
    end
    local list = events(self)
    list[#list + 1] = { base = start, due = start, period = period, jitter = jitter, count = count,
      fn = fn, n = 1, seq = #list }
    return self
  end

  -- seconds since lab:start(), or nil before it
  function Lab:now()
    check.self(self, is_lab, "now", "lab", 2)
    return self._t0 and clock() - self._t0
  end

  -- the seed of this run, said once where a replay needs it
  function Lab:_announce_seed()
    if self.seed and not self._seed_said then
      self._seed_said = true
      io.stderr:write(("# netlab: seed %d (--seed %d replays this run)\n"):format(self.seed, self.seed))
      io.stderr:flush()
    end
  end

  -- the next event (earliest due; the earlier scheduled first on a tie)
  local function next_event(list)
    local best
    for _, e in ipairs(list) do
      if not e.done and (not best or e.due < best.due or (e.due == best.due and e.seq < best.seq)) then
        best = e
      end
    end
    return best
  end

  local function play(lab, list, t0)
    lab._in_timeline = true
    -- its own generator, from the lab's seed: the same jitter every run
    math.randomseed(lab.seed or 0, 0x74696d65)
    for _, e in ipairs(list) do
      if e.period and e.jitter > 0 then e.due = math.max(0, e.base + (2 * math.random() - 1) * e.jitter) end
    end
    while true do
      local e = next_event(list)
      if not e then return 0 end
      local wait = t0 + e.due - clock()
      if wait > 0 then netns.sleep(wait) end
      e.fn(lab, clock() - t0, e.due)
      if e.period and (not e.count or e.n < e.count) then
        local base = e.base + e.n * e.period
        e.n = e.n + 1
        e.due = e.jitter > 0 and math.max(0, base + (2 * math.random() - 1) * e.jitter) or base
      else
        e.done = true
      end
    end
  end

  -- lab:start(): the build is over; the timeline plays from now on (the
  -- interpreter calls it after the script of netlab up and netlab run)
  function Lab:start()
    check.self(self, is_lab, "start", "lab", 2)
    if self.closed then fail("start: the lab is torn down", 2) end
    if self._t0 then return self end
    self._t0 = clock()
    local list = self._events
    if not list or #list == 0 then return self end
    self:_announce_seed()
    local t0 = self._t0
    self._player = netns.fork(function()
      return play(self, list, t0)
    end)
    return self
  end

  -- at teardown: the player goes first; one that ended with an error failed
  function Lab:_stop_timeline()
    local p = self._player
    if not p then
      if self._events and #self._events > 0 and not self._t0 then
        io.stderr:write(("netlab: lab %s: %d timeline events never played: the script did not call lab:start()\n")
          :format(self.name, #self._events))
      end
      return
    end
    self._player = nil
    local ended = not p:running()
    if not ended then p:kill("KILL") end
    local status, sig = p:wait(2)
    -- (one a signal ended, Ctrl-C say, did not fail: it was stopped)
    if ended and status ~= 0 and not sig then
      self:_report(false, "the timeline played", clock(), ("a timeline function failed (exit status %s): its error is above")
        :format(tostring(status)), 0)
    end
  end
end }
