-- spec/qdisc_spec.lua - qdiscs: netem and tbf requests byte for byte against tc's, tbf for real, netem where the kernel has it.
local netns = require "netns"
local ip = require "support.ip"
local json = require "support.json"
local proc = require "support.proc"
local tcreq = require "support.tcreq"

local P = "t-qd-"

local function tcj(ns, dev)
	local argv = { "tc", "-j", "-s" }
	if ns then argv[#argv + 1] = "-n"; argv[#argv + 1] = ns end
	for _, w in ipairs { "qdisc", "show" } do argv[#argv + 1] = w end
	if dev then argv[#argv + 1] = "dev"; argv[#argv + 1] = dev end
	local out = proc.exec(argv)
	return out:match("^%s*$") and {} or json.decode(out)
end

-- what tc shows of ns without the counters, as one string: the "nothing changed" picture
local function state(ns)
	local t = {}
	for _, q in ipairs(tcj(ns)) do
		t[#t + 1] = table.concat({ q.dev, q.kind, q.handle, tostring(q.parent or "root"),
			json.encode(q.options or {}) }, " ")
	end
	table.sort(t)
	return table.concat(t, "\n")
end

describe("qdisc requests, byte for byte with tc #root", function()
	local host = netns.host()
	setup(function()
		pcall(host.link_del, host, "tq0")
		host:link_add("tq0", "veth", { peer = "tq1", up = true })
	end)
	teardown(function() pcall(host.link_del, host, "tq0") end)

	-- tc's words after `qdisc VERB dev tq0`, and the same as netlab's arguments
	local cases = {
		{ "root netem delay 20ms", "netem", { delay = "20ms" } },
		{ "root netem delay 20ms 5ms", "netem", { delay = "20ms", jitter = "5ms" } },
		{ "root netem delay 20ms 5ms 25%", "netem", { delay = 0.02, jitter = 0.005, correlation = 25 } },
		{ "root netem delay 250us", "netem", { delay = 0.00025 } },
		{ "root netem delay 1.5s", "netem", { delay = "1.5s" } },
		{ "root netem delay 100usec", "netem", { delay = "100usec" } },
		{ "root netem delay 100ms 20ms distribution normal", "netem",
			{ delay = "100ms", jitter = "20ms", distribution = "normal" } },
		{ "root netem delay 100ms 20ms distribution pareto", "netem",
			{ delay = "100ms", jitter = "20ms", distribution = "pareto" } },
		{ "root netem delay 100ms 20ms 10% distribution paretonormal", "netem",
			{ delay = "100ms", jitter = "20ms", correlation = "10%", distribution = "paretonormal" } },
		{ "root netem loss 1%", "netem", { loss = "1%" } },
		{ "root netem loss random 0.01%", "netem", { loss = 0.01 } },
		{ "root netem loss random 0.5% 25%", "netem", { loss = 0.5, loss_correlation = "25%" } },
		{ "root netem loss gemodel 1% 10% 70% 0.1%", "netem",
			{ loss_model = { model = "gemodel", p = "1%", r = "10%", h = "70%", k = "0.1%" } } },
		{ "root netem loss gemodel 1%", "netem", { loss_model = { model = "gemodel", p = 1 } } },
		{ "root netem loss state 1% 30% 0.5% 40% 0.1%", "netem",
			{ loss_model = { model = "state", p13 = 1, p31 = 30, p32 = 0.5, p23 = 40, p14 = 0.1 } } },
		{ "root netem loss state 2%", "netem", { loss_model = { model = "state", p13 = "2%" } } },
		{ "root netem loss 1% ecn", "netem", { loss = 1, ecn = true } },
		{ "root netem duplicate 1%", "netem", { duplicate = 1 } },
		{ "root netem delay 1ms 1ms 0% duplicate 1% 10%", "netem",
			{ delay = "1ms", jitter = "1ms", correlation = 0, duplicate = 1, duplicate_correlation = 10 } },
		{ "root netem corrupt 0.1% 25%", "netem", { corrupt = 0.1, corrupt_correlation = 25 } },
		{ "root netem delay 10ms reorder 25% 50%", "netem",
			{ delay = "10ms", reorder = "25%", reorder_correlation = "50%" } },
		{ "root netem delay 10ms reorder 25% gap 5", "netem", { delay = "10ms", reorder = 25, gap = 5 } },
		{ "root netem rate 10mbit", "netem", { rate = "10mbit" } },
		{ "root netem rate 1.5Mbit", "netem", { rate = "1.5Mbit" } },
		{ "root netem rate 100kbps", "netem", { rate = "100kbps" } },
		{ "root netem rate 1000000", "netem", { rate = 1e6 } },
		{ "root netem rate 10gbit 20 1500 -4", "netem",
			{ rate = "10gbit", packet_overhead = 20, cell_size = 1500, cell_overhead = -4 } },
		{ "root netem rate 5gbit", "netem", { rate = 5e9 } },
		{ "root netem limit 5000", "netem", { limit = 5000 } },
		{ "root netem limit 64kb", "netem", { limit = "64kb" } },
		{ "root netem slot 1ms 10ms packets 8 bytes 64kb", "netem",
			{ slot = { min = "1ms", max = "10ms", packets = 8, bytes = "64kb" } } },
		{ "root netem slot 2ms", "netem", { slot = { min = 0.002 } } },
		{ "root netem limit 10000 delay 50ms 10ms 25% distribution normal loss random 0.1% duplicate 0.2% corrupt 0.01% rate 100mbit",
			"netem", { limit = 10000, delay = "50ms", jitter = "10ms", correlation = 25, distribution = "normal",
				loss = 0.1, duplicate = 0.2, corrupt = 0.01, rate = "100mbit" } },
		{ "root tbf rate 10mbit burst 32kb latency 50ms", "tbf", { rate = "10mbit", burst = "32kb", latency = "50ms" } },
		{ "root tbf rate 1gbit burst 10kb limit 100kb peakrate 2gbit mtu 1600", "tbf",
			{ rate = "1gbit", burst = "10kb", limit = "100kb", peakrate = "2gbit", mtu = 1600 } },
		{ "root tbf rate 10gbit burst 1mb latency 1ms", "tbf", { rate = 1e10, burst = "1mb", latency = 0.001 } },
		{ "root tbf rate 8gbit burst 1mb latency 1ms peakrate 9gbit minburst 64kb", "tbf",
			{ rate = "8gbit", burst = "1mb", latency = "1ms", peakrate = "9gbit", minburst = "64kb" } },
		{ "root tbf rate 100kbps burst 1500 limit 3000 mpu 64 overhead 14", "tbf",
			{ rate = "100kbps", burst = 1500, limit = 3000, mpu = 64, overhead = 14 } },
		{ "handle 1: root tbf rate 1mbit burst 10kb latency 70ms", "tbf",
			{ rate = "1mbit", burst = "10kb", latency = "70ms" }, { handle = "1:" } },
		{ "parent 1:1 handle 10: netem delay 5ms", "netem", { delay = "5ms" }, { parent = "1:1", handle = "10:" } },
	}

	for _, verb in ipairs { "replace", "add", "change" } do
		for _, c in ipairs(cases) do
			if verb == "replace" or c[2] == "netem" then
				it(("sends what `tc qdisc %s dev tq0 %s` sends"):format(verb, c[1]), function()
					pcall(host.qdisc_del, host, "tq0")
					local theirs = tcreq.tc(("qdisc %s dev tq0 %s"):format(verb, c[1]))
					pcall(host.qdisc_del, host, "tq0")
					local ours = tcreq.netlab("qdisc_" .. verb, "tq0", c[2], c[3], c[4])
					assert.are.equal(1, #theirs, "tc sent no qdisc request")
					assert.are.equal(1, #ours, "netlab sent no qdisc request")
					assert.is_nil(tcreq.diff(theirs[1], ours[1]))
				end)
			end
		end
	end

	it("sends what `tc qdisc del dev tq0 root` sends", function()
		host:qdisc_replace("tq0", "tbf", { rate = "1mbit", burst = "10kb", latency = "10ms" })
		local theirs = tcreq.tc("qdisc del dev tq0 root")
		host:qdisc_replace("tq0", "tbf", { rate = "1mbit", burst = "10kb", latency = "10ms" })
		local ours = tcreq.netlab("qdisc_del", "tq0")
		assert.is_nil(tcreq.diff(theirs[1], ours[1]))
	end)

	it("sends a delay whose ticks overflow 32 bits as TCA_NETEM_LATENCY64, as later tc does", function()
		local ours = tcreq.netlab("qdisc_replace", "tq0", "netem", { delay = "300s", jitter = "1ms" })[1]
		local text = table.concat(ours, "\n")
		-- the qopt's latency and jitter are 0; 300e9 ns and 1e6 ns follow it
		assert.truthy(text:find("/2 len=%d+ qopt=00000000e80300000000000000000000000000000000000000", 1) ~= nil
			or text:find("qopt=00000000e8030000", 1, true), text)
		assert.truthy(text:find("/2/10 len=12: 00b864d945000000", 1, true), text)
		assert.truthy(text:find("/2/11 len=12: 40420f0000000000", 1, true), text)
		-- a bare number is microseconds in both fields (tc 6.1's reading), not
		-- nanoseconds in the 64-bit one: 300e6 us is 300e9 ns here too
		local bare = table.concat(tcreq.netlab("qdisc_replace", "tq0", "netem", { delay = "300000000", jitter = "1ms" })[1], "\n")
		assert.truthy(bare:find("/2/10 len=12: 00b864d945000000", 1, true), bare)
	end)

	it("sends seed as TCA_NETEM_PRNG_SEED, as later tc does (tc 6.1 does not know it)", function()
		local text = table.concat(tcreq.netlab("qdisc_replace", "tq0", "netem", { delay = "1ms", seed = 5 })[1], "\n")
		assert.truthy(text:find("/2/14 len=12: 0500000000000000", 1, true), text)
	end)

	it("sends duplicate's correlation, which tc 6.1 drops when no other correlation is given", function()
		local text = table.concat(tcreq.netlab("qdisc_replace", "tq0", "netem",
			{ duplicate = 1, duplicate_correlation = 10 })[1], "\n")
		assert.truthy(text:find("/2/1 len=16: 0000000000000000", 1, true), text)
	end)
end)

describe("tbf on a veth #root", function()
	local a, b
	setup(function()
		a = netns.add(P .. "a")
		b = netns.add(P .. "b")
		a:link_add("eth0", "veth", { peer = "eth0", peer_ns = b, up = true })
		b:link_set("eth0", { up = true })
		a:addr_add("eth0", "10.9.0.1/24")
		b:addr_add("eth0", "10.9.0.2/24")
	end)
	teardown(function()
		for _, n in ipairs { a, b } do pcall(n.delete, n) end
	end)

	local function like_tc(ns, dev)
		local ours = ns:qdiscs(dev)
		local theirs = tcj(ns.name, dev)
		assert.are.equal(#theirs, #ours)
		for i, t in ipairs(theirs) do
			local q = ours[i]
			if t.dev then assert.are.equal(t.dev, q.dev) end  -- tc leaves it out with `dev`
			assert.are.equal(t.kind, q.kind)
			assert.are.equal(t.handle, q.handle)
			assert.are.equal(t.root, q.root)
			if not t.root then assert.are.equal(t.parent, q.parent) end
			for _, k in ipairs { "bytes", "packets", "drops", "overlimits", "requeues", "backlog", "qlen" } do
				assert.is_true(q.stats[k] >= 0, k)
			end
			if t.kind == "tbf" then
				assert.are.equal(t.options.rate * 8, q.options.rate)
				assert.are.equal(t.options.burst, q.options.burst)
				assert.are.equal(t.options.lat, math.floor(q.options.latency * 1e6 + 0.5))
				if t.options.minburst then assert.are.equal(t.options.minburst, q.options.mtu) end
			end
		end
		return ours
	end

	it("replaces, reads back as tc shows it, changes and deletes", function()
		a:qdisc_replace("eth0", "tbf", { rate = "10mbit", burst = "32kb", latency = "50ms" })
		local q = like_tc(a, "eth0")[1]
		assert.are.equal("tbf", q.kind)
		assert.are.equal(10e6, q.options.rate)
		a:qdisc_change("eth0", "tbf", { rate = "20mbit", burst = "32kb", latency = "50ms" })
		q = like_tc(a, "eth0")[1]
		assert.are.equal(20e6, q.options.rate)
		a:qdisc_replace("eth0", "tbf", { rate = "1gbit", burst = "10kb", limit = "100kb", peakrate = "2gbit", mtu = 1600 },
			{ handle = "1:" })
		q = like_tc(a, "eth0")[1]
		assert.are.equal("1:", q.handle)
		a:qdisc_del("eth0")
		assert.are_not.equal("tbf", tcj(a.name, "eth0")[1].kind)
		like_tc(a)
	end)

	it("counts the traffic that passes (ping across the veth)", function()
		a:qdisc_replace("eth0", "tbf", { rate = "100mbit", burst = "64kb", latency = "50ms" })
		assert.is_true(ip.can_ping(a.name, "10.9.0.2"))
		-- tc's count first: the counters only grow (the kernel's own IPv6
		-- chatter goes through too), so netlab's, read after, is at least it
		local t = tcj(a.name, "eth0")[1]
		local q = like_tc(a, "eth0")[1]
		assert.is_true(q.stats.packets > 0 and q.stats.bytes > 0)
		assert.is_true(q.stats.packets >= t.packets, ("%d < %d"):format(q.stats.packets, t.packets))
		a:qdisc_del("eth0")
	end)

	it("refuses tbf add where one is (EEXIST), naming the device, nothing changed", function()
		a:qdisc_replace("eth0", "tbf", { rate = "10mbit", burst = "32kb", latency = "50ms" }, { handle = "1:" })
		local before = state(a.name)
		local ok, err = pcall(a.qdisc_add, a, "eth0", "tbf", { rate = "1mbit", burst = "32kb", latency = "5ms" },
			{ handle = "1:" })
		assert.is_false(ok)
		assert.are.equal("EEXIST", err.code)
		assert.are.equal("eth0", err.object)
		assert.are.equal(before, state(a.name))
		a:qdisc_del("eth0")
	end)
end)

describe("netem on a veth #root", function()
	local a, b
	setup(function()
		a = netns.add(P .. "na")
		b = netns.add(P .. "nb")
		a:link_add("eth0", "veth", { peer = "eth0", peer_ns = b, up = true })
	end)
	teardown(function()
		for _, n in ipairs { a, b } do pcall(n.delete, n) end
	end)

	it("replaces, reads back as tc -j shows it, deletes #netem", function()
		local why = require("support.kernel").lacks("netem") if why then pending(why) return end
		a:qdisc_replace("eth0", "netem", { delay = "20ms", jitter = "5ms", correlation = 25, loss = "1%",
			duplicate = 0.5, rate = "10mbit", limit = 2000 })
		local q = a:qdiscs("eth0")[1]
		local t = tcj(a.name, "eth0")[1].options
		assert.are.equal("netem", q.kind)
		assert.are.equal(t.limit, q.options.limit)
		assert.are.equal(t.delay.delay, q.options.delay)
		assert.are.equal(t.delay.jitter, q.options.jitter)
		assert.is_true(math.abs(t.delay.correlation * 100 - q.options.correlation) < 1e-6)
		assert.is_true(math.abs(t["loss-random"].loss * 100 - q.options.loss) < 1e-6)
		assert.is_true(math.abs(t.duplicate.duplicate * 100 - q.options.duplicate) < 1e-6)
		assert.are.equal(t.rate.rate * 8, q.options.rate)
		a:qdisc_replace("eth0", "netem", { loss_model = { model = "gemodel", p = 1, r = 10, h = 70, k = 0.1 } })
		q = a:qdiscs("eth0")[1]
		t = tcj(a.name, "eth0")[1].options["loss-gemodel"]
		assert.is_true(math.abs(t.p * 100 - q.options.loss_model.p) < 1e-6)
		assert.is_true(math.abs(t["1-h"] * 100 - q.options.loss_model.h) < 1e-6)
		a:qdisc_del("eth0")
		assert.are_not.equal("netem", tcj(a.name, "eth0")[1].kind)
	end)

	it("says which module is missing when the kernel has no netem", function()
		if not require("support.kernel").lacks("netem") then pending("this kernel has netem") return end
		local before = state(a.name)
		local ok, err = pcall(a.qdisc_replace, a, "eth0", "netem", { delay = "20ms" })
		assert.is_false(ok)
		assert.are.equal("ENOENT", err.code)
		assert.truthy(proc.contains(tostring(err), "sch_netem"), tostring(err))
		assert.are.equal(before, state(a.name))
	end)
end)

describe("qdisc bad input #root", function()
	local a
	setup(function()
		a = netns.add(P .. "bad")
		a:link_add("eth0", "veth", { peer = "eth1", up = true })
		a:qdisc_replace("eth0", "tbf", { rate = "10mbit", burst = "32kb", latency = "50ms" })
	end)
	teardown(function() pcall(a.delete, a) end)

	local bad = {
		{ "netem", { delay = "-20ms" }, "-20ms" },
		{ "netem", { delay = -0.02 }, "-0.02" },
		{ "netem", { delay = "20parsecs" }, "20parsecs" },
		{ "netem", { delay = "" }, "''" },
		{ "netem", { delay = 0 / 0 }, "nan" },
		{ "netem", { delay = math.huge }, "inf" },
		{ "netem", { delay = "nan" }, "nan" },
		{ "netem", { loss = "101%" }, "101%" },
		{ "netem", { loss = 100.5 }, "100.5" },
		{ "netem", { loss = "1%%" }, "1%%" },
		{ "netem", { rate = 0 }, "'0'" },
		{ "netem", { rate = "0mbit" }, "0mbit" },
		{ "netem", { rate = "10mbyte" }, "10mbyte" },
		{ "netem", { rate = "10%" }, "10%" },
		{ "netem", { limit = "1.3kb" }, "1.3kb" },
		{ "netem", { limit = 2 ^ 40 }, "limit" },
		{ "netem", { dela = "20ms" }, "did you mean 'delay'" },
		{ "netem", { jitter = "5ms" }, "'jitter' needs 'delay'" },
		{ "netem", { delay = "5ms", correlation = 25 }, "'correlation' needs 'jitter'" },
		{ "netem", { gap = 5 }, "'gap' needs 'reorder'" },
		{ "netem", { reorder = 25 }, "'reorder' needs a 'delay'" },
		{ "netem", { ecn = true }, "'ecn' needs" },
		{ "netem", { delay = "1ms", distribution = "normal" }, "'distribution' needs" },
		{ "netem", { delay = "1ms", jitter = "1ms", distribution = "gauss" }, "gauss" },
		{ "netem", { loss = 1, loss_model = { model = "state", p13 = 1 } }, "loss_model" },
		{ "netem", { loss_model = { model = "markov", p = 1 } }, "markov" },
		{ "netem", { loss_model = { model = "gemodel" } }, "needs 'p'" },
		{ "netem", { seed = -1 }, "seed" },
		{ "netem", { slot = { min = "2ms", max = "1ms" } }, "'max' is less than 'min'" },
		{ "tbf", { rate = "1mbit", burst = "10kb" }, "'latency' or a 'limit'" },
		{ "tbf", { rate = "1mbit", burst = "10kb", latency = "1ms", limit = 1000 }, "not both" },
		{ "tbf", { burst = "10kb", latency = "1ms" }, "needs a 'rate'" },
		{ "tbf", { rate = "1mbit", burst = 0, latency = "1ms" }, "'burst'" },
		{ "tbf", { rate = "1mbit", burst = "10kb", latency = "1ms", peakrate = "2mbit" }, "'peakrate' needs an 'mtu'" },
		{ "tbf", { rate = "8bit", burst = "10kb", latency = "1ms" }, "takes too long" },
		{ "cake", {}, "cake" },
	}
	for _, c in ipairs(bad) do
		it(("refuses %s %s naming %s, nothing changed"):format(c[1], tcreq.source(c[2]), c[3]), function()
			local before = state(a.name)
			local ok, err = pcall(a.qdisc_replace, a, "eth0", c[1], c[2])
			assert.is_false(ok)
			assert.are.equal("EINVAL", err.code)
			assert.truthy(proc.contains(tostring(err), c[3]), tostring(err))
			assert.are.equal(before, state(a.name))
		end)
	end

	it("refuses a bad parent or handle", function()
		for _, w in ipairs { { parent = "x:y" }, { parent = "10000:1" }, { handle = "1:1" }, { handle = "0:" } } do
			local ok, err = pcall(a.qdisc_replace, a, "eth0", "tbf", { rate = "1mbit", burst = "10kb", latency = "1ms" }, w)
			assert.is_false(ok)
			assert.are.equal("EINVAL", err.code)
		end
	end)

	it("refuses a missing device with ENODEV naming it, nothing changed", function()
		local before = state(a.name)
		local ok, err = pcall(a.qdisc_replace, a, "nope0", "tbf", { rate = "1mbit", burst = "10kb", latency = "1ms" })
		assert.is_false(ok)
		assert.are.equal("ENODEV", err.code)
		assert.are.equal("nope0", err.object)
		assert.are.equal(before, state(a.name))
	end)
end)

describe("qdisc_batch #root", function()
	local a
	setup(function()
		a = netns.add(P .. "batch")
		for i = 1, 10 do a:link_add("v" .. i, "veth", { peer = "w" .. i, up = true }) end
	end)
	teardown(function() pcall(a.delete, a) end)

	it("sets 10 veths in one sendmsg, as tc shows", function()
		local ops = {}
		for i = 1, 10 do
			ops[i] = { "replace", "v" .. i, "tbf", { rate = i .. "mbit", burst = "32kb", latency = "50ms" } }
		end
		a:qdisc_batch(ops)
		for i = 1, 10 do
			local t = tcj(a.name, "v" .. i)[1]
			assert.are.equal("tbf", t.kind)
			assert.are.equal(i * 1e6 / 8, t.options.rate)
		end
		local dels = {}
		for i = 1, 10 do dels[i] = { "del", "v" .. i } end
		a:qdisc_batch(dels)
		for i = 1, 10 do assert.are_not.equal("tbf", tcj(a.name, "v" .. i)[1].kind) end
	end)

	it("sends the whole batch in one sendmsg", function()
		local reqs = tcreq.requests(proc.lua(([[
			local ns = require("netns").open(%q)
			local ops = {}
			for i = 1, 10 do ops[i] = { "replace", "v" .. i, "tbf", { rate = "1mbit", burst = "32kb", latency = "5ms" } } end
			ns:qdisc_batch(ops)]]):format(a.name)))
		assert.are.equal(10, #reqs)
	end)

	it("checks every op first: a bad one names its device, nothing changed", function()
		local before = state(a.name)
		local ok, err = pcall(a.qdisc_batch, a, {
			{ "replace", "v1", "tbf", { rate = "1mbit", burst = "32kb", latency = "50ms" } },
			{ "replace", "v2", "tbf", { rate = "1mbit", burst = "32kb" } },
		})
		assert.is_false(ok)
		assert.are.equal("EINVAL", err.code)
		assert.truthy(proc.contains(tostring(err), "v2"), tostring(err))
		assert.are.equal(before, state(a.name))
		ok, err = pcall(a.qdisc_batch, a, {
			{ "replace", "v1", "tbf", { rate = "1mbit", burst = "32kb", latency = "50ms" } },
			{ "replace", "nope", "tbf", { rate = "1mbit", burst = "32kb", latency = "50ms" } },
		})
		assert.is_false(ok)
		assert.are.equal("ENODEV", err.code)
		assert.are.equal("nope", err.object)
		assert.are.equal(before, state(a.name))
	end)
end)

describe("netns.rate and netns.qdisc_check", function()
	it("parse as the qdisc calls do, sending nothing", function()
		-- tc's units: bit/s multiples of 1000, *ibit of 1024, *bps of bytes
		assert.are.equal(1e7, netns.rate("10mbit"))
		assert.are.equal(1.5e9, netns.rate("1.5gbit"))
		assert.are.equal(8e5, netns.rate("100kbps"))
		assert.are.equal(2 * 1024 * 1024, netns.rate("2mibit"))
		assert.are.equal(5e6, netns.rate(5e6))
		for _, v in ipairs({ "3parsec", "", "-1mbit", 0 }) do
			local ok, err = pcall(netns.rate, v)
			assert.is_false(ok)
			assert.are.equal("EINVAL", err.code)
			assert.truthy(tostring(err):find("'" .. tostring(v) .. "'", 1, true), tostring(err))
		end
		assert.is_true(netns.qdisc_check("netem", { delay = "20ms", loss = "1%" }))
		assert.is_true(netns.qdisc_check("tbf", { rate = "1mbit", burst = "10kb", latency = "50ms" }))
		local ok, err = pcall(netns.qdisc_check, "netem", { delay = "-1ms" })
		assert.is_false(ok)
		assert.are.equal("EINVAL", err.code)
		assert.matches("option 'delay' '-1ms' is negative", tostring(err), 1, true)
	end)
end)
