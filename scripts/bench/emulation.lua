-- emulation.lua - what link emulation costs the N-node star: the star built plain, and with a
-- qdisc on every link (both directions), interleaved; then link:set on every link, in one
-- lab:batch and one by one.
-- usage: lua5.4 emulation.lua N REPS KIND    (as root, in a private namespace; KIND tbf | netem)
-- Prints one line per build and a summary with the medians and their ratio.
local netns = require "netns"
local netlab = require "netlab"

local N, REPS, KIND = tonumber(arg[1]), tonumber(arg[2]), arg[3] or "tbf"
if not N or not REPS or (KIND ~= "tbf" and KIND ~= "netem") then
  io.stderr:write("usage: emulation.lua N REPS tbf|netem\n")
  os.exit(2)
end
local clock = netns.clock
-- tbf: a rate alone (every kernel has it); netem: delay and loss
local EMUL = KIND == "tbf" and { rate = "100mbit" } or { delay = "5ms", loss = "0.1%" }
local CHANGE = KIND == "tbf" and { rate = "50mbit" } or { delay = "10ms" }

-- the host's names are free again before the next build starts
local function settle()
  local host = netns.host()
  while #host:links() > 1 do netns.sleep(0.01) end
  host:close()
end

local function build(emulated)
  local lab = netlab.lab { name = "bench", quiet = true, private_host = true, ipv6 = false }
  local t0 = clock()
  local br = lab:bridge("embr0")
  lab.host:addr_add("embr0", "10.250.0.1/16")
  for i = 1, N do
    local node = lab:node("em" .. i)
    local opts = { addr = ("10.250.%d.%d/16"):format((i + 1) // 256, (i + 1) % 256) }
    if emulated then for k, v in pairs(EMUL) do opts[k] = v end end
    lab:link(node, br, opts)
  end
  return lab, (clock() - t0) * 1e3
end

local function median(t)
  table.sort(t)
  local n = #t
  return n % 2 == 1 and t[(n + 1) // 2] or (t[n // 2] + t[n // 2 + 1]) / 2
end

local plain, emulated, batched, single = {}, {}, {}, {}
for rep = 1, REPS do
  -- the order alternates: neither always runs on a warmer machine
  for _, mode in ipairs(rep % 2 == 1 and { "plain", "emulated" } or { "emulated", "plain" }) do
    local lab, ms = build(mode == "emulated")
    if mode == "plain" then
      plain[#plain + 1] = ms
    else
      emulated[#emulated + 1] = ms
      -- every link changed: in one batch, then one by one
      local t0 = clock()
      lab:batch(function() for _, l in ipairs(lab.links) do l:set(CHANGE) end end)
      batched[#batched + 1] = (clock() - t0) * 1e3
      t0 = clock()
      for _, l in ipairs(lab.links) do l:set(EMUL) end
      single[#single + 1] = (clock() - t0) * 1e3
    end
    print(("rep %d %-8s build %.1f ms"):format(rep, mode, ms))
    lab:close()
    settle()
  end
end
local p, e = median(plain), median(emulated)
print(("N=%d kind=%s reps=%d: build plain %.1f ms, emulated %.1f ms: ratio %.2f"):format(N, KIND, REPS, p, e, e / p))
print(("link:set on %d links: in lab:batch %.1f ms, one by one %.1f ms: ratio %.2f")
  :format(N, median(batched), median(single), median(batched) / median(single)))
