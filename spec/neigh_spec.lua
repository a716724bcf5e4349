-- spec/neigh_spec.lua - the neighbour table: neigh_add, neigh_del and neighs(), checked against `ip -j neigh` after real traffic.
local netns = require "netns"
local ip = require "support.ip"
local proc = require "support.proc"
local topo = require "support.topo"

local P = "t-nb-"
local RED, BLUE = P .. "red", P .. "blue"

describe("neighbours", function()
	local red, blue, red_mac, blue_mac

	before_each(function()
		red, blue = topo.pair(P)
		red_mac = ip.link(RED, "veth-red").address
		blue_mac = ip.link(BLUE, "veth-blue").address
		assert.is_string(red_mac)
		assert.is_string(blue_mac)
	end)

	after_each(function()
		red, blue = nil, nil
		ip.cleanup(P)
	end)

	it("are learned by traffic: each side maps the other's address to its MAC #root", function()
		assert.is_nil(ip.find_neigh(ip.neighs(RED), "192.168.15.2"))
		assert.is_nil(ip.find_neigh(red:neighs(), "192.168.15.2"))
		assert.is_true(ip.can_ping(RED, "192.168.15.2"))

		-- red asked for .2 and got blue's MAC
		local ip_red = ip.find_neigh(ip.neighs(RED), "192.168.15.2")
		assert.is_not_nil(ip_red)
		assert.equal(blue_mac, ip_red.lladdr)
		assert.equal("veth-red", ip_red.dev)
		local mod_red = ip.find_neigh(red:neighs(), "192.168.15.2")
		assert.is_not_nil(mod_red)
		assert.equal(blue_mac, mod_red.lladdr)
		assert.equal("veth-red", mod_red.dev)
		assert.equal("inet", mod_red.family)
		-- the state moves on by itself (REACHABLE, then STALE): the module's reading
		-- must be what ip shows around it, in a moment when ip's two readings agree
		local why
		assert.truthy(proc.wait_until(function()
			local before = ip.find_neigh(ip.neighs(RED), "192.168.15.2").state
			local mine = ip.find_neigh(red:neighs(), "192.168.15.2").state
			local after = ip.find_neigh(ip.neighs(RED), "192.168.15.2").state
			why = ("module %s, ip %s then %s"):format(mine, before, after)
			return before == after and mine == before
		end), why)

		-- blue learned .1 from red's request
		local ip_blue = ip.find_neigh(ip.neighs(BLUE), "192.168.15.1")
		assert.is_not_nil(ip_blue)
		assert.equal(red_mac, ip_blue.lladdr)
		local mod_blue = ip.find_neigh(blue:neighs(), "192.168.15.1")
		assert.is_not_nil(mod_blue)
		assert.equal(red_mac, mod_blue.lladdr)
		assert.equal("veth-blue", mod_blue.dev)

		-- the suite's own namespace saw none of it
		local host <close> = netns.host()
		for _, dst in ipairs({ "192.168.15.1", "192.168.15.2" }) do
			assert.is_nil(ip.find_neigh(host:neighs(), dst))
			assert.is_nil(ip.find_neigh(ip.neighs(nil), dst))
		end
	end)

	it("are learned by IPv6 traffic (NDP) too #root", function()
		assert.is_true(ip.can_ping(RED, "fd00:15::2"))
		local ip_red = ip.find_neigh(ip.neighs(RED), "fd00:15::2")
		assert.is_not_nil(ip_red)
		assert.equal(blue_mac, ip_red.lladdr)
		local mod_red = ip.find_neigh(red:neighs(), "fd00:15::2")
		assert.is_not_nil(mod_red)
		assert.equal(blue_mac, mod_red.lladdr)
		assert.equal("veth-red", mod_red.dev)
		assert.equal("inet6", mod_red.family)

		local mod_blue = ip.find_neigh(blue:neighs(), "fd00:15::1")
		assert.is_not_nil(mod_blue)
		assert.equal(red_mac, mod_blue.lladdr)
		assert.equal(red_mac, ip.find_neigh(ip.neighs(BLUE), "fd00:15::1").lladdr)

		local host <close> = netns.host()
		assert.is_nil(ip.find_neigh(host:neighs(), "fd00:15::2"))
	end)

	it("list the same entries as ip -j neigh #root", function()
		assert.is_true(ip.can_ping(RED, "192.168.15.2"))
		assert.is_true(ip.can_ping(RED, "fd00:15::2"))
		red:neigh_add{ dst = "192.168.15.50", lladdr = "02:00:00:00:00:50", dev = "veth-red" }
		-- states move on their own (STALE, DELAY, PROBE): compare what does not
		local keys = { "dst", "dev", "lladdr", "family" }
		for _, x in ipairs({ { red, RED }, { blue, BLUE } }) do
			-- an entry may come or go between two readings (IPv6 chatter): the
			-- module's list must be ip's in a moment when ip's two readings agree
			local mine, theirs
			assert.truthy(proc.wait_until(function()
				local before = ip.neigh_lines(ip.neighs(x[2]), keys)
				mine = ip.neigh_lines(x[1]:neighs(), keys)
				theirs = ip.neigh_lines(ip.neighs(x[2]), keys)
				return table.concat(before, "\n") == table.concat(theirs, "\n")
					and table.concat(mine, "\n") == table.concat(theirs, "\n")
			end), x[2] .. ": the module's list never matched ip's")
			assert.same(theirs, mine)
		end
		-- what was compared is not empty: both learned entries and the permanent one
		local red_entries = ip.neighs(RED)
		assert.is_not_nil(ip.find_neigh(red_entries, "192.168.15.2"))
		assert.is_not_nil(ip.find_neigh(red_entries, "fd00:15::2"))
		assert.is_not_nil(ip.find_neigh(red_entries, "192.168.15.50"))
		assert.is_true(#red:neighs() >= 3)
	end)

	it("adds a permanent entry that ip -j neigh shows, and deletes it #root", function()
		red:neigh_add{ dst = "192.168.15.50", lladdr = "02:00:00:00:00:50", dev = "veth-red" }
		local e = ip.find_neigh(ip.neighs(RED), "192.168.15.50")
		assert.is_not_nil(e)
		assert.equal("02:00:00:00:00:50", e.lladdr)
		assert.equal("veth-red", e.dev)
		assert.is_truthy(e.state:find("PERMANENT", 1, true))
		local m = ip.find_neigh(red:neighs(), "192.168.15.50")
		assert.equal("PERMANENT", m.state)
		assert.equal("02:00:00:00:00:50", m.lladdr)

		red:neigh_del{ dst = "192.168.15.50", dev = "veth-red" }
		assert.is_nil(ip.find_neigh(ip.neighs(RED), "192.168.15.50"))
		assert.is_nil(ip.find_neigh(red:neighs(), "192.168.15.50"))
	end)

	it("adds and deletes a permanent IPv6 entry #root", function()
		red:neigh_add{ dst = "fd00:15::50", lladdr = "02:00:00:00:01:50", dev = "veth-red" }
		local e = ip.find_neigh(ip.neighs(RED), "fd00:15::50")
		assert.is_not_nil(e)
		assert.equal("02:00:00:00:01:50", e.lladdr)
		assert.is_truthy(e.state:find("PERMANENT", 1, true))
		red:neigh_del{ dst = "fd00:15::50", dev = "veth-red" }
		assert.is_nil(ip.find_neigh(ip.neighs(RED), "fd00:15::50"))
	end)

	it("replaces a learned entry, and traffic follows the permanent one #root", function()
		assert.is_true(ip.can_ping(RED, "192.168.15.2"))
		red:neigh_add{ dst = "192.168.15.2", lladdr = "02:00:00:00:00:99", dev = "veth-red" }
		local e = ip.find_neigh(ip.neighs(RED), "192.168.15.2")
		assert.equal("02:00:00:00:00:99", e.lladdr)
		assert.is_truthy(e.state:find("PERMANENT", 1, true))
		-- frames now go to a MAC nobody has: blue drops them
		assert.is_false(ip.can_ping(RED, "192.168.15.2", 0.3))
		red:neigh_del{ dst = "192.168.15.2", dev = "veth-red" }
		assert.is_true(ip.can_ping(RED, "192.168.15.2"))
		assert.equal(blue_mac, ip.find_neigh(ip.neighs(RED), "192.168.15.2").lladdr)
	end)

	it("adds an entry that traffic uses and does not overwrite #root", function()
		-- blue's real MAC, fixed: red needs no ARP, and the reply does not demote it
		red:neigh_add{ dst = "192.168.15.2", lladdr = blue_mac, dev = "veth-red" }
		assert.is_true(ip.can_ping(RED, "192.168.15.2"))
		local e = ip.find_neigh(ip.neighs(RED), "192.168.15.2")
		assert.is_truthy(e.state:find("PERMANENT", 1, true))
		assert.equal(blue_mac, e.lladdr)
	end)

	it("filters by device #root", function()
		red:link_add("veth-red2", "veth", { peer = "veth-blue2", peer_ns = blue })
		red:link_set("veth-red2", { up = true })
		red:neigh_add{ dst = "192.168.15.50", lladdr = "02:00:00:00:00:50", dev = "veth-red" }
		red:neigh_add{ dst = "192.168.16.50", lladdr = "02:00:00:00:00:51", dev = "veth-red2" }
		red:neigh_add{ dst = "192.168.16.51", lladdr = "02:00:00:00:00:52", dev = "veth-red2" }
		local keys = { "dst", "dev", "lladdr", "state" }
		local only2 = red:neighs("veth-red2")
		assert.equal(2, #only2)
		for _, e in ipairs(only2) do
			assert.equal("veth-red2", e.dev)
		end
		assert.same(ip.neigh_lines(ip.neighs(RED, "veth-red2"), keys), ip.neigh_lines(only2, keys))
		local only1 = red:neighs("veth-red")
		assert.equal(1, #only1)
		assert.equal("192.168.15.50", only1[1].dst)
		assert.same(ip.neigh_lines(ip.neighs(RED, "veth-red"), keys), ip.neigh_lines(only1, keys))
		assert.same({}, red:neighs("lo"))
		assert.same({}, ip.neighs(RED, "lo"))
		-- and unfiltered, all three
		assert.equal(3, #ip.neighs(RED))
	end)

	describe("bad input", function()
		local before

		local function state()
			return ip.neigh_lines(ip.neighs(RED), { "dst", "dev", "lladdr" })
		end

		before_each(function()
			red:neigh_add{ dst = "192.168.15.50", lladdr = "02:00:00:00:00:50", dev = "veth-red" }
			before = state()
		end)

		local function refuses(fn, args, expected)
			assert.equal(expected, proc.error_of(fn, red, args))
			assert.same(before, state())
		end

		it("refuses a bad MAC address, naming it #root", function()
			local dst = "192.168.15.60"
			refuses(red.neigh_add, { dst = dst, lladdr = "zz:00:00:00:00:01", dev = "veth-red" },
				"netns: neigh_add: option 'lladdr': 'zz:00:00:00:00:01' is not a MAC address (aa:bb:cc:dd:ee:ff)")
			refuses(red.neigh_add, { dst = dst, lladdr = "02:00:00:00:00", dev = "veth-red" },
				"netns: neigh_add: option 'lladdr': '02:00:00:00:00' is not a MAC address (aa:bb:cc:dd:ee:ff)")
			refuses(red.neigh_add, { dst = dst, lladdr = "02-00-00-00-00-01", dev = "veth-red" },
				"netns: neigh_add: option 'lladdr': '02-00-00-00-00-01' is not a MAC address (aa:bb:cc:dd:ee:ff)")
			refuses(red.neigh_add, { dst = dst, lladdr = "01:00:5e:00:00:01", dev = "veth-red" },
				"netns: neigh_add: option 'lladdr': '01:00:5e:00:00:01' is a multicast MAC address")
			refuses(red.neigh_add, { dst = dst, lladdr = "00:00:00:00:00:00", dev = "veth-red" },
				"netns: neigh_add: option 'lladdr': '00:00:00:00:00:00' is the all-zero MAC address")
		end)

		it("refuses a bad address, naming it #root", function()
			refuses(red.neigh_add, { dst = "192.168.15.999", lladdr = "02:00:00:00:00:01", dev = "veth-red" },
				"netns: neigh_add: option 'dst': address '192.168.15.999' is not an IPv4 or IPv6 address")
			refuses(red.neigh_add, { dst = "192.168.15.0/24", lladdr = "02:00:00:00:00:01", dev = "veth-red" },
				"netns: neigh_add: option 'dst': address '192.168.15.0/24' is not an IPv4 or IPv6 address")
			refuses(red.neigh_del, { dst = "fd00::zz", dev = "veth-red" },
				"netns: neigh_del: option 'dst': address 'fd00::zz' is not an IPv4 or IPv6 address")
		end)

		it("refuses an unknown device with ENODEV, naming it #root", function()
			refuses(red.neigh_add, { dst = "192.168.15.60", lladdr = "02:00:00:00:00:01", dev = "nodev" },
				"netns: neigh_add 192.168.15.60 on nodev in " .. RED .. ": No such device (ENODEV)")
			refuses(red.neigh_del, { dst = "192.168.15.50", dev = "nodev" },
				"netns: neigh_del 192.168.15.50 on nodev in " .. RED .. ": No such device (ENODEV)")
			assert.equal("netns: neighs nodev in " .. RED .. ": No such device (ENODEV)",
				proc.error_of(red.neighs, red, "nodev"))
		end)

		it("refuses missing options #root", function()
			refuses(red.neigh_add, { dst = "192.168.15.60", dev = "veth-red" },
				"netns: neigh_add: option 'lladdr' (a MAC address) is required")
			refuses(red.neigh_add, { lladdr = "02:00:00:00:00:01", dev = "veth-red" },
				"netns: neigh_add: option 'dst' (an address) is required")
			refuses(red.neigh_add, { dst = "192.168.15.60", lladdr = "02:00:00:00:00:01" },
				"netns: neigh_add: option 'dev' (the device) is required")
			refuses(red.neigh_del, { dev = "veth-red" },
				"netns: neigh_del: option 'dst' (an address) is required")
		end)

		it("refuses an unknown option, naming it #root", function()
			refuses(red.neigh_add, { dst = "192.168.15.60", lladdr = "02:00:00:00:00:01", dev = "veth-red", state = "x" },
				"netns: neigh_add: unknown option 'state'")
			refuses(red.neigh_del, { dst = "192.168.15.50", dev = "veth-red", lladdr = "02:00:00:00:00:50" },
				"netns: neigh_del: unknown option 'lladdr'")
		end)

		it("refuses to delete an entry that does not exist #root", function()
			refuses(red.neigh_del, { dst = "192.168.15.61", dev = "veth-red" },
				"netns: neigh_del 192.168.15.61 on veth-red in " .. RED .. ": No such file or directory (ENOENT)")
		end)

		it("refuses a neighbour that is not a table #root", function()
			assert.equal("netns: neigh_add: neighbour must be a table, not string",
				proc.error_of(red.neigh_add, red, "192.168.15.60"))
			assert.same(before, state())
		end)
	end)
end)
