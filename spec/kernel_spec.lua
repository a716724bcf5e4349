-- spec/kernel_spec.lua - the kernel features other specs need, checked with iproute2 as the
-- oracle: here they are skipped (this machine's kernel lacks them), in the VM they must pass.
-- A check of scripts/test.sh --vm as much as of the kernel (see spec/support/kernel.lua).
local ip = require "support.ip"
local json = require "support.json"
local kernel = require "support.kernel"
local proc = require "support.proc"

local P = "t-kn-"
local NS = P .. "a"

-- `tc ARGS...` in namespace NS; raises when tc fails
local function tc(...)
	local argv = { "tc", "-n", NS, ... }
	local out, code = proc.exec(argv, true)
	assert(code == 0, "`" .. table.concat(argv, " ") .. "` failed (" .. tostring(code) .. "): " .. out)
	return out
end

describe("kernel features", function()
	after_each(function()
		ip.cleanup(P)
	end)

	it("a netem qdisc on a veth delays by what it was asked #netem", function()
		local why = kernel.lacks("netem") if why then pending(why) return end
		ip.ip("netns", "add", NS)
		ip.ip("-n", NS, "link", "add", "t-kn-v0", "type", "veth", "peer", "name", "t-kn-v1")
		tc("qdisc", "add", "dev", "t-kn-v0", "root", "netem", "delay", "25ms")
		local qdiscs = json.decode(tc("-j", "qdisc", "show", "dev", "t-kn-v0"))
		assert.equal(1, #qdiscs)
		assert.equal("netem", qdiscs[1].kind)
		assert.is_true(qdiscs[1].root)
		assert.equal(0.025, qdiscs[1].options.delay.delay)
	end)

	it("a dummy link is made #dummy", function()
		local why = kernel.lacks("dummy") if why then pending(why) return end
		ip.ip("netns", "add", NS)
		ip.ip("-n", NS, "link", "add", "t-kn-d0", "type", "dummy")
		local l = ip.link(NS, "t-kn-d0")
		assert.is_not_nil(l, "ip -j -d link shows t-kn-d0")
		assert.equal("dummy", ip.kind(l))
	end)
end)
