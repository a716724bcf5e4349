-- spec/support/nft.lua - nft as the oracle for the NAT calls: `nft -j list ruleset` inside a
-- namespace, decoded, and expressions written the way nft -j writes them.
local json = require "support.json"
local ip = require "support.ip"

local M = {}

-- `ip netns exec ns nft ARGS...`: stdout; raises when nft fails
function M.nft(ns, ...)
	local argv = { "nft", ... }
	local out, code = ip.netns_exec(ns, argv)
	if code ~= 0 then
		local err = ip.netns_exec(ns, argv, true)
		error("spec support: `nft " .. table.concat(argv, " ", 2) .. "` in " .. ns
			.. " failed (" .. tostring(code) .. "): " .. err, 2)
	end
	return out
end

-- the raw `nft -j list ruleset` text, to compare before and after
function M.ruleset(ns)
	return M.nft(ns, "-j", "list", "ruleset")
end

-- the decoded objects of `nft -j list ruleset`: { { table = {...} }, { chain = {...} }, ... }
function M.objects(ns)
	local list = {}
	for _, o in ipairs(json.decode(M.ruleset(ns)).nftables) do
		if not o.metainfo then
			list[#list + 1] = o
		end
	end
	return list
end

-- the tables of ns as "family name" strings, sorted
function M.tables(ns)
	local names = {}
	for _, o in ipairs(M.objects(ns)) do
		if o.table then
			names[#names + 1] = o.table.family .. " " .. o.table.name
		end
	end
	table.sort(names)
	return names
end

-- the chains of table inet netlab (or inet TABLE), by name: { type=, hook=, prio=, policy= }
function M.chains(ns, table_name)
	local chains = {}
	for _, o in ipairs(M.objects(ns)) do
		local c = o.chain
		if c and c.family == "inet" and c.table == (table_name or "netlab") then
			chains[c.name] = { type = c.type, hook = c.hook, prio = c.prio, policy = c.policy }
		end
	end
	return chains
end

-- the expression lists of the rules of table inet netlab (or inet TABLE), by chain:
-- { prerouting = { expr, ... } }
function M.rules(ns, table_name)
	local rules = {}
	for _, o in ipairs(M.objects(ns)) do
		local r = o.rule
		if r and r.family == "inet" and r.table == (table_name or "netlab") then
			rules[r.chain] = rules[r.chain] or {}
			table.insert(rules[r.chain], r.expr)
		end
	end
	return rules
end

-- how many rules each chain of table inet netlab has: { postrouting = 2, ... }
function M.rule_counts(ns)
	local counts = {}
	for chain, list in pairs(M.rules(ns)) do
		counts[chain] = #list
	end
	return counts
end

-- ---- expressions as nft -j writes them ----

function M.match(left, right)
	return { match = { op = "==", left = left, right = right } }
end

function M.saddr(proto, addr, len)
	local right = addr
	if len then
		right = { prefix = { addr = addr, len = len } }
	end
	return M.match({ payload = { protocol = proto, field = "saddr" } }, right)
end

function M.meta(key, value)
	return M.match({ meta = { key = key } }, value)
end

function M.dport(proto, port)
	return M.match({ payload = { protocol = proto, field = "dport" } }, port)
end

M.masquerade = { masquerade = json.null }

return M
