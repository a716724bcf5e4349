-- spec/support/kernel.lua - which optional kernel features this kernel has: lacks("netem") is nil,
-- or why a spec that needs it is skipped. (Minimal; the full module comes from another branch.)
local proc = require "support.proc"

local M = {}
local cache = {}

-- probe: add the qdisc on a throwaway veth in a throwaway namespace
local probes = {
	netem = { "netem", "delay", "1ms" },
	tbf = { "tbf", "rate", "1mbit", "burst", "10kb", "latency", "10ms" },
}

function M.lacks(feature)
	if cache[feature] == nil then
		local q = assert(probes[feature], "support.kernel: no probe for " .. tostring(feature))
		local ns = ("t-probe-%d"):format(math.random(1e6))
		local script = { "set -e", "ip netns add " .. ns, "trap 'ip netns del " .. ns .. "' EXIT",
			"ip -n " .. ns .. " link add p0 type veth peer name p1",
			"tc -n " .. ns .. " qdisc add dev p0 root " .. table.concat(q, " ") }
		local out, code = proc.exec({ "sh", "-c", table.concat(script, "\n") }, true)
		cache[feature] = code == 0 and false
			or ("the kernel has no %s (sch_%s): %s"):format(feature, feature, (out:gsub("%s+$", "")))
	end
	return cache[feature] or nil
end

return M
