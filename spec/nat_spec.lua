-- spec/nat_spec.lua - NAT and port forwarding (nat_masquerade, nat_snat, nat_dnat, nat_rules, nat_flush), checked through `nft -j list ruleset` and real traffic between namespaces.
local netns = require "netns"
local ip = require "support.ip"
local proc = require "support.proc"
local nft = require "support.nft"
local server = require "support.server"
local topo = require "support.topo"

-- a server in ns that answers "TAG PEER": who called, as the server sees it
local function serve(ns, proto, port, tag)
	return server.start(ns, { proto = proto, port = port, say = tag .. " {peer}" })
end

-- what a real client in namespace ns (by name) is told; "" when nothing came
-- (patience: the window for "it must not get through")
local function ask(ns, proto, addr, port, patience)
	return (server.ask(ns, proto, addr, port, patience))
end

local P = "t-nat-"
local A = P .. "a"

describe("nat", function()
	after_each(function()
		ip.cleanup(P)	-- collects handles and server processes a failed spec left
	end)

	describe("rules as nft sees them", function()
		it("creates table inet netlab with its nat base chains on first use #root", function()
			local ns <close> = netns.add(A)
			assert.same({}, nft.tables(A))
			ns:nat_masquerade{ src = "192.168.15.0/24", oif = "eth0" }
			assert.same({ "inet netlab" }, nft.tables(A))
			assert.same({
				postrouting = { type = "nat", hook = "postrouting", prio = 100, policy = "accept" },
			}, nft.chains(A))
			ns:nat_dnat{ proto = "tcp", dport = 8080, to = "192.168.15.2:80" }
			assert.same({
				postrouting = { type = "nat", hook = "postrouting", prio = 100, policy = "accept" },
				prerouting = { type = "nat", hook = "prerouting", prio = -100, policy = "accept" },
				output = { type = "nat", hook = "output", prio = -100, policy = "accept" },
			}, nft.chains(A))
			-- the table and chains are made again by every call, without harm
			ns:nat_masquerade{ src = "10.0.0.0/8" }
			assert.same({ "inet netlab" }, nft.tables(A))
			assert.equal(2, #nft.rules(A).postrouting)
		end)

		it("writes masquerade as nft does: source prefix, output interface, masquerade #root", function()
			local ns <close> = netns.add(A)
			ns:nat_masquerade{ src = "192.168.15.0/24", oif = "eth0" }
			ns:nat_masquerade{ src = "192.168.15.7" }
			ns:nat_masquerade{ src = "fd00:15::/64", oif = "veth-host" }
			ns:nat_masquerade{ src = "10.1.2.3/23" }	-- host bits go, as nft does it
			assert.same({ postrouting = {
				{ nft.saddr("ip", "192.168.15.0", 24), nft.meta("oifname", "eth0"), nft.masquerade },
				{ nft.saddr("ip", "192.168.15.7"), nft.masquerade },
				{ nft.saddr("ip6", "fd00:15::", 64), nft.meta("oifname", "veth-host"), nft.masquerade },
				{ nft.saddr("ip", "10.1.2.0", 23), nft.masquerade },
			} }, nft.rules(A))
		end)

		it("writes snat with the address family of its target #root", function()
			local ns <close> = netns.add(A)
			ns:nat_snat{ src = "192.168.15.0/24", to = "10.0.0.1", oif = "eth0" }
			ns:nat_snat{ src = "fd00:15::/64", to = "fd00:9::7" }
			assert.same({ postrouting = {
				{ nft.saddr("ip", "192.168.15.0", 24), nft.meta("oifname", "eth0"),
				  { snat = { family = "ip", addr = "10.0.0.1" } } },
				{ nft.saddr("ip6", "fd00:15::", 64), { snat = { family = "ip6", addr = "fd00:9::7" } } },
			} }, nft.rules(A))
		end)

		it("writes dnat with protocol, port, address and new port, in prerouting and output #root", function()
			local ns <close> = netns.add(A)
			ns:nat_dnat{ proto = "tcp", dport = 8080, to = "192.168.15.2:80" }
			ns:nat_dnat{ proto = "udp", dport = 53, to = "192.168.15.2" }
			ns:nat_dnat{ proto = "tcp", dport = 8443, to = "[fd00:15::2]:443" }
			ns:nat_dnat{ proto = "udp", dport = 5353, to = "fd00:15::2" }
			local want = {
				{ nft.meta("nfproto", "ipv4"), nft.dport("tcp", 8080),
				  { dnat = { family = "ip", addr = "192.168.15.2", port = 80 } } },
				{ nft.meta("nfproto", "ipv4"), nft.dport("udp", 53),
				  { dnat = { family = "ip", addr = "192.168.15.2" } } },
				{ nft.meta("nfproto", "ipv6"), nft.dport("tcp", 8443),
				  { dnat = { family = "ip6", addr = "fd00:15::2", port = 443 } } },
				{ nft.meta("nfproto", "ipv6"), nft.dport("udp", 5353),
				  { dnat = { family = "ip6", addr = "fd00:15::2" } } },
			}
			-- output too: connections made in the namespace itself pass there
			assert.same({ prerouting = want, output = want }, nft.rules(A))
		end)

		it("matches the input interface of a dnat in prerouting only #root", function()
			local ns <close> = netns.add(A)
			ns:nat_dnat{ proto = "tcp", dport = 8080, to = "192.168.15.2:80", iif = "eth0" }
			assert.same({ prerouting = {
				{ nft.meta("nfproto", "ipv4"), nft.meta("iifname", "eth0"), nft.dport("tcp", 8080),
				  { dnat = { family = "ip", addr = "192.168.15.2", port = 80 } } },
			} }, nft.rules(A))
			assert.is_nil(nft.chains(A).output)
		end)

		it("works in each namespace's own ruleset #root", function()
			local a <close> = netns.add(A)
			local b <close> = netns.add(P .. "b")
			a:nat_masquerade{ src = "192.168.15.0/24" }
			assert.same({ "inet netlab" }, nft.tables(A))
			assert.same({}, nft.tables(P .. "b"))
			assert.same({}, b:nat_rules())
		end)
	end)

	describe("nat_rules", function()
		it("describes every rule read back from the kernel #root", function()
			local ns <close> = netns.add(A)
			assert.same({}, ns:nat_rules())
			ns:nat_masquerade{ src = "192.168.15.0/24", oif = "eth0" }
			ns:nat_masquerade{ src = "fd00:15::/64" }
			ns:nat_snat{ src = "10.1.0.0/16", to = "203.0.113.7", oif = "h-out" }
			ns:nat_dnat{ proto = "tcp", dport = 8080, to = "192.168.15.2:80" }
			ns:nat_dnat{ proto = "udp", dport = 53, to = "192.168.15.2", iif = "eth0" }
			ns:nat_dnat{ proto = "tcp", dport = 8443, to = "[fd00:15::2]:443" }
			ns:nat_dnat{ proto = "tcp", dport = 22, to = "fd00:15::2" }
			-- what is there to describe, as nft sees it
			assert.same({ postrouting = 3, prerouting = 4, output = 3 }, nft.rule_counts(A))
			-- the output chain's copy of a dnat is not listed twice
			assert.same({
				{ kind = "masquerade", family = "inet", src = "192.168.15.0/24", oif = "eth0" },
				{ kind = "masquerade", family = "inet6", src = "fd00:15::/64" },
				{ kind = "snat", family = "inet", src = "10.1.0.0/16", to = "203.0.113.7", oif = "h-out" },
				{ kind = "dnat", family = "inet", proto = "tcp", dport = 8080, to = "192.168.15.2:80" },
				{ kind = "dnat", family = "inet", proto = "udp", dport = 53, to = "192.168.15.2", iif = "eth0" },
				{ kind = "dnat", family = "inet6", proto = "tcp", dport = 8443, to = "[fd00:15::2]:443" },
				{ kind = "dnat", family = "inet6", proto = "tcp", dport = 22, to = "fd00:15::2" },
			}, ns:nat_rules())
		end)

		it("reads rules nft wrote into the table, and marks the ones it does not know #root", function()
			local ns <close> = netns.add(A)
			ns:nat_masquerade{ src = "192.168.15.0/24" }
			-- nft loads only the two bytes a /16 needs: still a prefix match
			nft.nft(A, "add", "rule", "inet", "netlab", "postrouting", "ip", "saddr", "10.9.0.0/16",
			      "oifname", "eth1", "masquerade")
			nft.nft(A, "add", "rule", "inet", "netlab", "postrouting", "counter")
			local rules = ns:nat_rules()
			assert.equal(3, #rules)
			assert.same({ kind = "masquerade", family = "inet", src = "10.9.0.0/16", oif = "eth1" }, rules[2])
			assert.equal("other", rules[3].kind)
			assert.equal("postrouting", rules[3].chain)
			assert.equal("integer", math.type(rules[3].handle))
		end)
	end)

	describe("traffic", function()
		local t

		before_each(function()
			t = topo.router(P)
		end)

		after_each(function()
			t = nil
		end)

		it("masquerades red behind the router: the outside sees the router's address #root", function()
			local srv <close> = serve(t.out, "tcp", 7000, "out")
			-- out has no route back to red: without NAT there is no answer
			assert.equal("", ask(P .. "red", "tcp", "203.0.113.2", 7000, 2))
			t.router:nat_masquerade{ src = "10.1.0.0/24", oif = "h-out" }
			assert.equal("out 203.0.113.1", ask(P .. "red", "tcp", "203.0.113.2", 7000))
		end)

		it("masquerades IPv6 too #root", function()
			local srv <close> = serve(t.out, "tcp", 7000, "out")
			t.router:nat_masquerade{ src = "fd00:1::/64", oif = "h-out" }
			assert.equal("out fd00:9::1", ask(P .. "red", "tcp", "fd00:9::2", 7000))
		end)

		it("leaves traffic that leaves through another interface alone #root", function()
			local srv <close> = serve(t.blue, "tcp", 7000, "blue")
			t.router:nat_masquerade{ src = "10.1.0.0/24", oif = "h-out" }
			-- red to blue leaves through h-blue: red's own address arrives
			assert.equal("blue 10.1.0.2", ask(P .. "red", "tcp", "10.2.0.2", 7000))
		end)

		it("rewrites the source to the address snat names #root", function()
			local srv <close> = serve(t.out, "tcp", 7000, "out")
			t.router:addr_add("h-out", "203.0.113.7/24")
			t.router:nat_snat{ src = "10.1.0.0/24", to = "203.0.113.7", oif = "h-out" }
			assert.equal("out 203.0.113.7", ask(P .. "red", "tcp", "203.0.113.2", 7000))
		end)

		it("forwards a TCP port of the router to blue's service #root", function()
			local srv <close> = serve(t.blue, "tcp", 80, "blue")
			t.router:nat_dnat{ proto = "tcp", dport = 8080, to = "10.2.0.2:80", iif = "h-out" }
			-- blue sees the real client: only the destination changed
			assert.equal("blue 203.0.113.2", ask(P .. "out", "tcp", "203.0.113.1", 8080))
			-- the interface match holds: red's packets arrive through h-red
			assert.equal("", ask(P .. "red", "tcp", "10.1.0.1", 8080, 2))
		end)

		it("forwards connections the router makes itself (output hook) #root", function()
			local srv <close> = serve(t.blue, "tcp", 80, "blue")
			t.router:nat_dnat{ proto = "tcp", dport = 8080, to = "10.2.0.2:80" }
			assert.equal("blue 203.0.113.1", ask(P .. "router", "tcp", "203.0.113.1", 8080))
			assert.equal("blue 203.0.113.2", ask(P .. "out", "tcp", "203.0.113.1", 8080))
		end)

		it("forwards a UDP port #root", function()
			local srv <close> = serve(t.blue, "udp", 5353, "blue")
			t.router:nat_dnat{ proto = "udp", dport = 53, to = "10.2.0.2:5353" }
			assert.equal("blue 203.0.113.2", ask(P .. "out", "udp", "203.0.113.1", 53))
		end)

		it("forwards an IPv6 port, keeping it when none is given #root", function()
			local srv <close> = serve(t.blue, "tcp", 8080, "blue")
			t.router:nat_dnat{ proto = "tcp", dport = 8080, to = "fd00:2::2" }
			assert.equal("blue fd00:9::2", ask(P .. "out", "tcp", "fd00:9::1", 8080))
		end)

		it("stops forwarding after nat_flush #root", function()
			local srv <close> = serve(t.blue, "tcp", 80, "blue")
			t.router:nat_dnat{ proto = "tcp", dport = 8080, to = "10.2.0.2:80" }
			assert.equal("blue 203.0.113.2", ask(P .. "out", "tcp", "203.0.113.1", 8080))
			t.router:nat_flush()
			assert.equal("", ask(P .. "out", "tcp", "203.0.113.1", 8080, 2))
		end)
	end)

	describe("other tables", function()
		local function foreign(ns)
			nft.nft(ns, "add", "table", "inet", "foreign")
			nft.nft(ns, "add", "chain", "inet", "foreign", "input",
			      "{ type filter hook input priority 0; policy accept; }")
			nft.nft(ns, "add", "rule", "inet", "foreign", "input", "tcp", "dport", "22", "counter", "accept")
			nft.nft(ns, "add", "table", "ip", "theirnat")
			nft.nft(ns, "add", "chain", "ip", "theirnat", "post",
			      "{ type nat hook postrouting priority srcnat; policy accept; }")
			nft.nft(ns, "add", "rule", "ip", "theirnat", "post", "ip", "saddr", "172.16.0.0/12", "masquerade")
		end

		local function snapshot(ns)
			return { nft.nft(ns, "-j", "list", "table", "inet", "foreign"),
				 nft.nft(ns, "-j", "list", "table", "ip", "theirnat") }
		end

		it("never touches a foreign table, through every call and nat_flush #root", function()
			local ns <close> = netns.add(A)
			foreign(A)
			local before = snapshot(A)
			ns:nat_masquerade{ src = "192.168.15.0/24", oif = "eth0" }
			ns:nat_snat{ src = "10.1.0.0/16", to = "203.0.113.7" }
			ns:nat_dnat{ proto = "tcp", dport = 22, to = "192.168.15.2:2222" }
			ns:nat_dnat{ proto = "udp", dport = 53, to = "[fd00::2]:53", iif = "eth0" }
			assert.equal(4, #ns:nat_rules())
			-- as nft sees them: two in postrouting, two in prerouting, the one without iif in output
			assert.same({ postrouting = 2, prerouting = 2, output = 1 }, nft.rule_counts(A))
			assert.same(before, snapshot(A))
			ns:nat_flush()
			assert.same(before, snapshot(A))
			assert.same({ "inet foreign", "ip theirnat" }, nft.tables(A))
			assert.same({}, nft.rule_counts(A))
			-- the other tables' rules are not netlab's to list
			assert.same({}, ns:nat_rules())
		end)

		it("flushes only netlab's table, and an absent table is no error #root", function()
			local ns <close> = netns.add(A)
			ns:nat_flush()
			assert.same({}, nft.tables(A))
			foreign(A)
			ns:nat_flush()
			assert.same({ "inet foreign", "ip theirnat" }, nft.tables(A))
			ns:nat_masquerade{ src = "192.168.15.0/24" }
			assert.same({ "inet foreign", "inet netlab", "ip theirnat" }, nft.tables(A))
			ns:nat_flush()
			assert.same({ "inet foreign", "ip theirnat" }, nft.tables(A))
			ns:nat_flush()
		end)
	end)

	describe("a table of one's own", function()
		it("keeps rules in the table option names, and lists and flushes that one only #root", function()
			local ns <close> = netns.add(A)
			ns:nat_masquerade{ src = "192.168.15.0/24" }
			ns:nat_masquerade{ src = "10.1.0.0/16", table = "netlab-one" }
			ns:nat_dnat{ proto = "tcp", dport = 80, to = "10.1.0.2", table = "netlab-one" }
			assert.same({ "inet netlab", "inet netlab-one" }, nft.tables(A))
			local one = nft.rules(A, "netlab-one")
			assert.equal(1, #one.postrouting)
			assert.equal(1, #one.prerouting)
			assert.equal(1, #one.output)
			assert.equal(1, #nft.rules(A).postrouting)
			assert.equal(2, #ns:nat_rules{ table = "netlab-one" })
			assert.equal(1, #ns:nat_rules())
			ns:nat_flush{ table = "netlab-one" }
			assert.same({ "inet netlab" }, nft.tables(A))
			local before = nft.ruleset(A)
			for _, c in ipairs {
				{ "-x", "starts with '-'" }, { "a b", "has a character other than letters, digits, '_', '-' and '.'" },
				{ "", "is empty" }, { ("t"):rep(129), "is longer than 128 bytes" },
			} do
				assert.equal(("netns: nat_masquerade: option 'table': table name '%s' %s"):format(c[1], c[2]),
					proc.error_of(ns.nat_masquerade, ns, { src = "10.2.0.0/16", table = c[1] }))
			end
			assert.equal("netns: nat_flush: unknown option 'tabel' (did you mean 'table'?)", proc.error_of(ns.nat_flush, ns, { tabel = "x" }))
			assert.equal(before, nft.ruleset(A))
		end)
	end)

	describe("errors", function()
		it("refuses bad input before anything reaches the kernel, ruleset unchanged #root", function()
			local ns <close> = netns.add(A)
			ns:nat_masquerade{ src = "192.168.15.0/24" }
			local before = nft.ruleset(A)
			local cases = {
				{ "nat_masquerade", { src = "192.168.15.0/33" },
				  "netns: nat_masquerade: option 'src': prefix '192.168.15.0/33' has a prefix length outside 0..32" },
				{ "nat_masquerade", { src = "192.168.15/24" },
				  "netns: nat_masquerade: option 'src': prefix '192.168.15/24' is not an IPv4 or IPv6 address" },
				{ "nat_masquerade", { src = "fd00::/129" },
				  "netns: nat_masquerade: option 'src': prefix 'fd00::/129' has a prefix length outside 0..128" },
				{ "nat_masquerade", { oif = "eth0" },
				  "netns: nat_masquerade: option 'src' (a source prefix) is required" },
				{ "nat_masquerade", { src = "192.168.15.0/24", oif = "a-very-long-name0" },
				  "netns: nat_masquerade: option 'oif': name 'a-very-long-name0' is longer than 15 bytes" },
				{ "nat_masquerade", { src = "192.168.15.0/24", iif = "eth0" },
				  "netns: nat_masquerade: unknown option 'iif' (did you mean 'oif'?)" },
				{ "nat_snat", { src = "192.168.15.0/24" },
				  "netns: nat_snat: option 'to' (the new source address) is required" },
				{ "nat_snat", { src = "192.168.15.0/24", to = "10.0.0.1/8" },
				  "netns: nat_snat: option 'to': address '10.0.0.1/8' is not an IPv4 or IPv6 address" },
				{ "nat_snat", { src = "192.168.15.0/24", to = "fd00::1" },
				  "netns: nat_snat: snat from '192.168.15.0/24' to 'fd00::1' mixes IPv4 and IPv6" },
				{ "nat_dnat", { proto = "tcp", dport = 0, to = "192.168.15.2" },
				  "netns: nat_dnat: option 'dport' must be an integer in 1..65535, not '0'" },
				{ "nat_dnat", { proto = "tcp", dport = 65536, to = "192.168.15.2" },
				  "netns: nat_dnat: option 'dport' must be an integer in 1..65535, not '65536'" },
				{ "nat_dnat", { proto = "tcp", dport = 80.5, to = "192.168.15.2" },
				  "netns: nat_dnat: option 'dport' must be an integer in 1..65535, not '80.5'" },
				{ "nat_dnat", { proto = "tcp", to = "192.168.15.2" },
				  "netns: nat_dnat: option 'dport' (the port to forward) is required" },
				{ "nat_dnat", { proto = "sctp", dport = 80, to = "192.168.15.2" },
				  "netns: nat_dnat: option 'proto' 'sctp' is not tcp or udp" },
				{ "nat_dnat", { dport = 80, to = "192.168.15.2" },
				  "netns: nat_dnat: option 'proto' (\"tcp\" or \"udp\") is required" },
				{ "nat_dnat", { proto = "tcp", dport = 80, to = "192.168.15.2:0" },
				  "netns: nat_dnat: option 'to': '192.168.15.2:0' has a port that is not an integer in 1..65535" },
				{ "nat_dnat", { proto = "tcp", dport = 80, to = "192.168.15.2:65536" },
				  "netns: nat_dnat: option 'to': '192.168.15.2:65536' has a port that is not an integer in 1..65535" },
				{ "nat_dnat", { proto = "tcp", dport = 80, to = "[fd00::2]:x" },
				  "netns: nat_dnat: option 'to': '[fd00::2]:x' has a port that is not an integer in 1..65535" },
				{ "nat_dnat", { proto = "tcp", dport = 80, to = "[192.168.15.2]:80" },
				  "netns: nat_dnat: option 'to': '[192.168.15.2]:80' has no IPv6 address inside [ ]" },
				{ "nat_dnat", { proto = "tcp", dport = 80, to = "blue:80" },
				  "netns: nat_dnat: option 'to': 'blue:80' is not an address, address:port or [IPv6 address]:port" },
				{ "nat_dnat", { proto = "tcp", dport = 80, to = "192.168.15.2", iif = "a-very-long-name0" },
				  "netns: nat_dnat: option 'iif': name 'a-very-long-name0' is longer than 15 bytes" },
				{ "nat_dnat", { proto = "tcp", dport = 80, to = "192.168.15.2", iif = "a/b" },
				  "netns: nat_dnat: option 'iif': name 'a/b' contains '/'" },
				{ "nat_dnat", { proto = "tcp", dport = 80, to = "192.168.15.2", src = "10.0.0.0/8" },
				  "netns: nat_dnat: unknown option 'src'" },
				{ "nat_dnat", { proto = "tcp", dport = 80, to = 42 },
				  "netns: nat_dnat: option 'to' must be a string, not number" },
				{ "nat_dnat", nil, "netns: nat_dnat: options must be a table, not nil" },
			}
			for _, c in ipairs(cases) do
				local err = proc.error_of(ns[c[1]], ns, c[2])
				assert.equal(c[3], err)
			end
			assert.equal(before, nft.ruleset(A))
			assert.equal(1, #ns:nat_rules())
		end)

		it("applies a call whole or not at all and names the part that failed #root", function()
			local ns <close> = netns.add(A)
			ns:nat_masquerade{ src = "192.168.15.0/24" }
			-- a plain chain where netlab's prerouting base chain belongs
			nft.nft(A, "add", "chain", "inet", "netlab", "prerouting")
			local before = nft.ruleset(A)
			local err = proc.error_of(ns.nat_dnat, ns, { proto = "tcp", dport = 8080, to = "192.168.15.2:80" })
			assert.truthy(proc.contains(err, "netns: nat_dnat tcp/8080 (chain prerouting) in " .. A .. ": "), err)
			assert.truthy(err:match("%(E[A-Z]+%)"), err)
			-- no output chain, no rule in either: the transaction went whole
			assert.equal(before, nft.ruleset(A))
			assert.is_nil(nft.chains(A).output)
			-- nat_flush still clears it all, the intruding chain included
			ns:nat_flush()
			assert.same({}, nft.tables(A))
		end)

		it("undoes the parts that worked when a later part of the transaction fails #root", function()
			local ns <close> = netns.add(A)
			-- a filter chain where netlab's output nat chain belongs: the
			-- prerouting chain and its rule come first and would work alone
			nft.nft(A, "add", "table", "inet", "netlab")
			nft.nft(A, "add", "chain", "inet", "netlab", "output",
			      "{ type filter hook output priority 0; policy accept; }")
			local before = nft.ruleset(A)
			local err = proc.error_of(ns.nat_dnat, ns, { proto = "udp", dport = 53, to = "[fd00::2]:5353" })
			assert.truthy(proc.contains(err, "netns: nat_dnat udp/53 (chain output) in " .. A .. ": "), err)
			assert.equal(before, nft.ruleset(A))
			assert.is_nil(nft.chains(A).prerouting)
			-- with an input interface there is no output rule: it goes through
			ns:nat_dnat{ proto = "udp", dport = 53, to = "[fd00::2]:5353", iif = "eth0" }
			assert.same({ prerouting = {
				{ nft.meta("nfproto", "ipv6"), nft.meta("iifname", "eth0"), nft.dport("udp", 53),
				  { dnat = { family = "ip6", addr = "fd00::2", port = 5353 } } },
			} }, nft.rules(A))
			assert.same({ { kind = "dnat", family = "inet6", proto = "udp", dport = 53,
					to = "[fd00::2]:5353", iif = "eth0" } }, ns:nat_rules())
		end)

		it("raises on a closed handle #root", function()
			local ns = netns.add(A)
			ns:close()
			for _, f in ipairs({ "nat_masquerade", "nat_snat", "nat_dnat", "nat_rules", "nat_flush" }) do
				assert.equal("netns: the namespace handle is closed",
					     proc.error_of(ns[f], ns, { src = "10.0.0.0/8" }))
			end
		end)
	end)
end)
