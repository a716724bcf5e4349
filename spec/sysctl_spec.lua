-- spec/sysctl_spec.lua - per-namespace sysctls: read and written by ns:sysctl, checked through /proc/sys as seen from inside (ip netns exec).
local netns = require "netns"
local ip = require "support.ip"
local proc = require "support.proc"

local P = "t-sc-"
local A, B = P .. "a", P .. "b"

-- the value of /proc/sys/REL inside namespace ns, read by cat run there
local function inside(ns, rel)
	local out, code = ip.netns_exec(ns, { "cat", "/proc/sys/" .. rel })
	assert.equal(0, code, "cat /proc/sys/" .. rel .. " in " .. ns)
	return (out:gsub("\n$", ""))
end

describe("sysctl", function()
	local a, own_forward

	before_each(function()
		own_forward = proc.proc_sys("net/ipv4/ip_forward")
		a = netns.add(A)
	end)

	after_each(function()
		a = nil
		ip.cleanup(P)
		-- nothing any spec did reached the suite's own namespace
		assert.equal(own_forward, proc.proc_sys("net/ipv4/ip_forward"))
	end)

	it("reads net.ipv4.ip_forward of a new namespace as \"0\" #root", function()
		assert.equal("0", inside(A, "net/ipv4/ip_forward"))
		assert.equal("0", a:sysctl("net.ipv4.ip_forward"))
	end)

	it("reads what the namespace has, not what the suite's namespace has #root", function()
		ip.ip("netns", "exec", A, "sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward")
		assert.equal("1", a:sysctl("net.ipv4.ip_forward"))
		assert.equal("0", own_forward)
		local host <close> = netns.host()
		assert.equal(own_forward, host:sysctl("net.ipv4.ip_forward"))
	end)

	it("writes \"1\" into the namespace only #root", function()
		assert.is_nil(a:sysctl("net.ipv4.ip_forward", "1"))
		assert.equal("1", inside(A, "net/ipv4/ip_forward"))
		assert.equal("1", a:sysctl("net.ipv4.ip_forward"))
		assert.equal(own_forward, proc.proc_sys("net/ipv4/ip_forward"))
		-- nor into another namespace
		local b <close> = netns.add(B)
		assert.equal("0", inside(B, "net/ipv4/ip_forward"))
		assert.equal("0", b:sysctl("net.ipv4.ip_forward"))
	end)

	it("writes a number #root", function()
		a:sysctl("net.ipv4.ip_forward", 1)
		assert.equal("1", inside(A, "net/ipv4/ip_forward"))
		a:sysctl("net.ipv4.ip_forward", 0)
		assert.equal("0", inside(A, "net/ipv4/ip_forward"))
		assert.equal(own_forward, proc.proc_sys("net/ipv4/ip_forward"))
	end)

	it("reads and writes an IPv6 key #root", function()
		local own = proc.proc_sys("net/ipv6/conf/all/forwarding")
		assert.equal("0", inside(A, "net/ipv6/conf/all/forwarding"))
		assert.equal("0", a:sysctl("net.ipv6.conf.all.forwarding"))
		a:sysctl("net.ipv6.conf.all.forwarding", "1")
		assert.equal("1", inside(A, "net/ipv6/conf/all/forwarding"))
		assert.equal("1", a:sysctl("net.ipv6.conf.all.forwarding"))
		assert.equal(own, proc.proc_sys("net/ipv6/conf/all/forwarding"))
	end)

	it("reads and writes a per-interface key, of that interface only #root", function()
		a:link_add("veth-a", "veth", { peer = "veth-b" })
		local own = proc.proc_sys("net/ipv4/conf/all/forwarding")
		assert.equal("0", inside(A, "net/ipv4/conf/veth-a/forwarding"))
		assert.equal("0", a:sysctl("net.ipv4.conf.veth-a.forwarding"))
		a:sysctl("net.ipv4.conf.veth-a.forwarding", "1")
		assert.equal("1", inside(A, "net/ipv4/conf/veth-a/forwarding"))
		assert.equal("0", inside(A, "net/ipv4/conf/veth-b/forwarding"))
		assert.equal("1", a:sysctl("net.ipv4.conf.veth-a.forwarding"))
		assert.equal(own, proc.proc_sys("net/ipv4/conf/all/forwarding"))
		-- the suite's namespace has no such interface at all
		assert.is_nil(proc.proc_sys("net/ipv4/conf/veth-a/forwarding"))
	end)

	it("takes the slashed form #root", function()
		a:sysctl("net/ipv4/ip_forward", "1")
		assert.equal("1", inside(A, "net/ipv4/ip_forward"))
		assert.equal("1", a:sysctl("net/ipv4/ip_forward"))
		assert.equal(own_forward, proc.proc_sys("net/ipv4/ip_forward"))
	end)

	it("reaches an interface whose name holds a dot through the slashed form #root", function()
		a:link_add("veth.5", "veth", { peer = "veth.6" })
		a:sysctl("net/ipv4/conf/veth.5/forwarding", "1")
		assert.equal("1", inside(A, "net/ipv4/conf/veth.5/forwarding"))
		assert.equal("0", inside(A, "net/ipv4/conf/veth.6/forwarding"))
		assert.equal("1", a:sysctl("net/ipv4/conf/veth.5/forwarding"))
	end)

	it("reads a multi-value key with its inner whitespace #root", function()
		local expected = inside(A, "net/ipv4/ip_local_port_range")
		assert.is_truthy(expected:match("^%d+%s+%d+$"))
		assert.equal(expected, a:sysctl("net.ipv4.ip_local_port_range"))
	end)

	describe("bad input", function()
		local before

		local function snapshot()
			return {
				inside(A, "net/ipv4/ip_forward"), inside(A, "net/ipv6/conf/all/forwarding"),
				proc.proc_sys("net/ipv4/ip_forward"), proc.proc_sys("net/ipv6/conf/all/forwarding"),
			}
		end

		before_each(function()
			before = snapshot()
		end)

		-- both the read and the write with key are refused with message
		local function refuses(key, message)
			assert.equal(message, proc.error_of(a.sysctl, a, key))
			assert.equal(message, proc.error_of(a.sysctl, a, key, "1"))
			assert.same(before, snapshot())
		end

		local function bad_key(key, why)
			return "netns: sysctl: sysctl key '" .. key .. "' " .. why
		end

		it("refuses a key outside net.*, naming it #root", function()
			local why = "is not a net.* key (only those belong to a network namespace)"
			refuses("kernel.hostname", bad_key("kernel.hostname", why))
			refuses("kernel/hostname", bad_key("kernel/hostname", why))
			refuses("/proc/sys/net/ipv4/ip_forward", bad_key("/proc/sys/net/ipv4/ip_forward", why))
			refuses("network.x", bad_key("network.x", why))
		end)

		it("refuses a key that does not exist with ENOENT, naming it #root", function()
			refuses("net.ipv4.nope", "netns: sysctl net.ipv4.nope in " .. A .. ": No such file or directory (ENOENT)")
			refuses("net.ipv4.conf.nodev.forwarding",
				"netns: sysctl net.ipv4.conf.nodev.forwarding in " .. A .. ": No such file or directory (ENOENT)")
		end)

		it("refuses a key with an empty part #root", function()
			refuses("net..ipv4", bad_key("net..ipv4", "has an empty part"))
			refuses("net.ipv4.", bad_key("net.ipv4.", "has an empty part"))
			refuses("net/ipv4//ip_forward", bad_key("net/ipv4//ip_forward", "has an empty part"))
		end)

		it("refuses a key that climbs out of /proc/sys/net #root", function()
			local why = "contains '.' or '..' as a part"
			refuses("net/../../etc/passwd", bad_key("net/../../etc/passwd", why))
			refuses("net/ipv4/..", bad_key("net/ipv4/..", why))
			refuses("net/./ipv4/ip_forward", bad_key("net/./ipv4/ip_forward", why))
		end)

		it("refuses an empty key and characters that are not in sysctl names #root", function()
			refuses("", bad_key("", "is not a net.* key (only those belong to a network namespace)"))
			refuses("net.ipv4.ip forward", bad_key("net.ipv4.ip forward", "contains a character that is not in sysctl names"))
			-- a control character: how the message shows it is not this spec's business
			local head, tail = "netns: sysctl: sysctl key 'net.ipv4.ip_forward", "' contains a character that is not in sysctl names"
			for _, value in ipairs({ false, "1" }) do
				local err = proc.error_of(a.sysctl, a, "net.ipv4.ip_forward\n", value or nil)
				assert.equal(head, err:sub(1, #head))
				assert.equal(tail, err:sub(-#tail))
			end
			assert.same(before, snapshot())
		end)

		it("refuses a directory #root", function()
			refuses("net.ipv4", "netns: sysctl net.ipv4 in " .. A .. ": Is a directory (EISDIR)")
		end)

		it("refuses a value the kernel rejects, and keeps the old one #root", function()
			local err = proc.error_of(a.sysctl, a, "net.ipv4.ip_forward", "yes")
			assert.equal("netns: sysctl net.ipv4.ip_forward in " .. A .. ": Invalid argument (EINVAL)", err)
			assert.same(before, snapshot())
		end)

		it("refuses a value or key of the wrong type #root", function()
			assert.equal("netns: sysctl: sysctl value for 'net.ipv4.ip_forward' must be a string or number, not table",
				proc.error_of(a.sysctl, a, "net.ipv4.ip_forward", {}))
			assert.equal("netns: sysctl: sysctl value for 'net.ipv4.ip_forward' must be a string or number, not boolean",
				proc.error_of(a.sysctl, a, "net.ipv4.ip_forward", true))
			assert.equal("netns: sysctl: sysctl key must be a string, not nil", proc.error_of(a.sysctl, a, nil))
			assert.equal("netns: sysctl: sysctl key must be a string, not number", proc.error_of(a.sysctl, a, 1))
			assert.same(before, snapshot())
		end)
	end)
end)
