-- sysctl_cost.lua - what one /proc/sys write costs when N namespaces have used
-- /proc/sys/net: every namespace's entries hang in the same dentry hash chains,
-- newest first, so a lookup is linear in how many sit before its own.
-- usage: lua5.4 sysctl_cost.lua N      (as root, in a private namespace)
local netns = require "netns"

local N = tonumber(arg[1])
if not N then
  io.stderr:write("usage: sysctl_cost.lua N\n")
  os.exit(2)
end
local key = "net.ipv4.conf.all.forwarding"
local nss = {}
for i = 1, N do nss[i] = netns.add("scb" .. i, { sysctl = { [key] = 0 } }) end

local function per_write(ns)
  local t = netns.clock()
  for _ = 1, 100 do ns:sysctl(key, "0") end
  return (netns.clock() - t) / 100 * 1e6
end
local function add_us(name, opts)
  local t = netns.clock()
  local ns = netns.add(name, opts)
  t = (netns.clock() - t) * 1e6
  ns:close()
  netns.delete(name)
  return t
end
-- a namespace made with one write, and one without: the first write in a new
-- namespace makes its dentries, walking every chain in full
local with, without = {}, {}
for i = 1, 5 do
  with[i] = add_us("scbx", { sysctl = { [key] = 0 } })
  without[i] = add_us("scby")
end
table.sort(with)
table.sort(without)
print(("N=%d  write in the newest namespace %.0f us, in the oldest %.0f us; netns.add with one sysctl %.0f us, without %.0f us (medians of 5)")
  :format(N, per_write(nss[N]), per_write(nss[1]), with[3], without[3]))
for i = 1, N do
  nss[i]:close()
  netns.delete("scb" .. i)
end
