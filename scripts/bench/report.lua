-- report.lua - the benchmark's table of medians from results.csv (written by run.sh).
-- usage: lua5.4 report.lua results.csv
-- Ratios: x_floor = setup / the raw-C floor's (topo_mnl setup N batched);
-- x_netlab = setup / netlab's (how many times slower than netlab);
-- teardown is measured until the names are free again (free_ms) and compared
-- with the floor's own figure for `topo_mnl teardown N ns` (td_x_floor) and
-- with the floor's time until its names are free (free_x_floor).
-- settle_ms: how long the machine stayed busy after the setup program
-- returned (the kernel handling the IPv6 chatter of links that came up late in
-- the build); setup + settle is the time until the star is built and quiet.
local path = arg[1] or "results.csv"
local rows, header = {}, nil
for line in io.lines(path) do
  local f = {}
  for v in (line .. ","):gmatch("([^,]*),") do f[#f + 1] = v end
  if not header then
    header = f
  else
    local r = {}
    for i, k in ipairs(header) do r[k] = tonumber(f[i]) or f[i] end
    rows[#rows + 1] = r
  end
end

local function median(t)
  if #t == 0 then return nil end
  table.sort(t)
  local n = #t
  return n % 2 == 1 and t[(n + 1) // 2] or (t[n // 2] + t[n // 2 + 1]) / 2
end

local order = { "netlab", "netlab-v4", "netlab-phased", "netlab-lateup", "netlab-lab", "netlab-lab-v4", "netlab-lab-v4-rootless", "netlab-lab-alt", "topo_mnl", "floor_netns", "ip_batch", "ip_n", "ip_naive", "pyroute2" }
local med, ns = {}, {}
for _, r in ipairs(rows) do
  local key = r.n .. "/" .. r.method
  med[key] = med[key] or { setup = {}, teardown = {}, free = {}, rss = {}, ready = {}, reps = 0 }
  local m = med[key]
  m.reps = m.reps + 1
  if type(r.setup_ms) == "number" then m.setup[#m.setup + 1] = r.setup_ms end
  if type(r.teardown_ms) == "number" then m.teardown[#m.teardown + 1] = r.teardown_ms end
  if type(r.free_ms) == "number" then m.free[#m.free + 1] = r.free_ms end
  if type(r.maxrss_kb) == "number" then m.rss[#m.rss + 1] = r.maxrss_kb end
  if type(r.setup_ms) == "number" and type(r.settle_ms) == "number" then m.ready[#m.ready + 1] = r.setup_ms + r.settle_ms end
  ns[r.n] = true
end
for _, m in pairs(med) do
  m.setup, m.teardown, m.free, m.rss, m.ready = median(m.setup), median(m.teardown), median(m.free), median(m.rss), median(m.ready)
end
local nlist = {}
for n in pairs(ns) do nlist[#nlist + 1] = n end
table.sort(nlist)

local function fmt(v, f) return v and (f or "%.1f"):format(v) or "-" end
local function ratio(a, b) return a and b and b > 0 and a / b or nil end

print(("%-5s %-14s %4s %10s %8s %7s %8s %10s %7s %11s %9s %8s %10s %8s"):format("N", "method", "reps", "setup_ms",
  "us/node", "x_floor", "x_netlab", "+settle_ms", "x_floor", "teardown_ms", "free_ms", "td_x_flr", "free_x_flr", "rss_MB"))
for _, n in ipairs(nlist) do
  local floor, nl = med[n .. "/topo_mnl"], med[n .. "/netlab"]
  for _, name in ipairs(order) do
    local m = med[n .. "/" .. name]
    if m then
      local free = m.free or m.teardown
      print(("%-5d %-14s %4d %10s %8s %7s %8s %10s %7s %11s %9s %8s %10s %8s"):format(n, name, m.reps, fmt(m.setup),
        fmt(m.setup and m.setup * 1e3 / n, "%.0f"),
        fmt(ratio(m.setup, floor and floor.setup), "%.2f"), fmt(ratio(m.setup, nl and nl.setup), "%.2f"),
        fmt(m.ready), fmt(ratio(m.ready, floor and floor.ready), "%.2f"),
        fmt(m.teardown), fmt(free),
        name ~= "floor_netns" and fmt(ratio(free, floor and floor.teardown), "%.2f") or "-",
        name ~= "floor_netns" and fmt(ratio(free, floor and floor.free), "%.2f") or "-",
        fmt(m.rss and m.rss / 1024)))
    end
  end
end

-- the issue's targets, for netlab (the netns module) and the lab
print()
for _, name in ipairs { "netlab", "netlab-v4", "netlab-phased", "netlab-lateup", "netlab-lab", "netlab-lab-v4", "netlab-lab-alt" } do
  if not med[nlist[1] .. "/" .. name] then goto continue end
  local function get(n, k) local m = med[n .. "/" .. name]; return m and m[k] end
  local function base(n, b, k) local m = med[n .. "/" .. b]; return m and m[k or "setup"] end
  local n0 = ns[100] and 100 or nlist[#nlist]
  local lo, hi = nlist[1], nlist[#nlist]
  local s = get(n0, "setup")
  local function line(label, v, ok) print(("%-14s %-58s %s"):format(name, label, v and (ok(v) and "met   " or "NOT met") .. " " .. v or "n/a")) end
  local function show(label, v, f, ok) line(label, v and f:format(v), function() return ok(v) end) end
  show(("N=%d setup / topo_mnl batched (<= 1.3)"):format(n0), ratio(s, base(n0, "topo_mnl")), "%.2fx", function(v) return v <= 1.3 end)
  show(("N=%d ip_batch / setup (>= 2)"):format(n0), ratio(base(n0, "ip_batch"), s), "%.2fx", function(v) return v >= 2 end)
  show(("N=%d ip_n / setup (>= 8)"):format(n0), ratio(base(n0, "ip_n"), s), "%.2fx", function(v) return v >= 8 end)
  show(("N=%d ip_naive / setup (>= 20)"):format(n0), ratio(base(n0, "ip_naive"), s), "%.2fx", function(v) return v >= 20 end)
  local plo, phi = get(lo, "setup"), get(hi, "setup")
  show(("per-node setup N=%d / N=%d (<= 1.3)"):format(hi, lo), plo and phi and (phi / hi) / (plo / lo), "%.2fx",
    function(v) return v <= 1.3 end)
  local flo, fhi = base(lo, "topo_mnl"), base(hi, "topo_mnl")
  show(("  (the floor's own: N=%d / N=%d)"):format(hi, lo), flo and fhi and (fhi / hi) / (flo / lo), "%.2fx",
    function() return true end)
  local rlo, rhi = get(lo, "ready"), get(hi, "ready")
  show(("  built and quiet (setup + settle): N=%d / N=%d"):format(hi, lo), rlo and rhi and (rhi / hi) / (rlo / lo), "%.2fx",
    function(v) return v <= 1.3 end)
  local qlo, qhi = base(lo, "topo_mnl", "ready"), base(hi, "topo_mnl", "ready")
  show(("    (the floor's own, built and quiet: N=%d / N=%d)"):format(hi, lo), qlo and qhi and (qhi / hi) / (qlo / lo), "%.2fx",
    function() return true end)
  local m = med[n0 .. "/" .. name]
  show(("N=%d teardown until free / topo_mnl teardown ns (<= 1.3)"):format(n0),
    m and ratio(m.free or m.teardown, base(n0, "topo_mnl", "teardown")), "%.2fx", function(v) return v <= 1.3 end)
  show(("N=%d teardown until free / topo_mnl until free"):format(n0),
    m and ratio(m.free or m.teardown, base(n0, "topo_mnl", "free")), "%.2fx", function() return true end)
  local r = med[hi .. "/" .. name]
  show(("N=%d peak RSS (< 40 MB)"):format(hi), r and r.rss and r.rss / 1024, "%.1f MB", function(v) return v < 40 end)
  ::continue::
end

-- issue 16: what the lab costs over the module (the IPv4-only star both ways), and a rootless
-- lab over a root one
print()
for _, n in ipairs(nlist) do
  local module, lab, rootless = med[n .. "/netlab-v4"], med[n .. "/netlab-lab-v4"], med[n .. "/netlab-lab-v4-rootless"]
  local r = lab and module and ratio(lab.setup, module.setup)
  if r then
    print(("N=%-5d lab / module setup (netlab-lab-v4 / netlab-v4, <= 1.15)          %s %.2fx"):format(n,
      r <= 1.15 and "met   " or "NOT met", r))
  end
  r = rootless and lab and ratio(rootless.setup, lab.setup)
  if r then
    print(("N=%-5d rootless / root lab setup (netlab-lab-v4-rootless / -v4, <= 1.1) %s %.2fx"):format(n,
      r <= 1.1 and "met   " or "NOT met", r))
  end
end
