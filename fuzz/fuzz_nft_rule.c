/* fuzz_nft_rule.c - the nf_tables rule decoder fed arbitrary messages: nat_rule_decode
 * (nftnl_rule_nlmsg_parse, then netlab's own reading of the expressions). The input is a buffer of
 * messages as a rule dump brings them; each goes in as it is, then again as NFT_MSG_NEWRULE. A rule
 * decoded as netlab's is one the binding can show: a known kind and family, a prefix length within
 * the family, the target's family the rule's, a dnat's protocol and port; it is formatted as
 * ns:nat_rules formats it. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "fuzz.h"
#include "nat.h"

static void check_rule(const struct nat_rule *r)
{
	char buf[INET6_ADDRSTRLEN];
	int bits;

	FUZZ_CHECK(memchr(r->chain, 0, sizeof(r->chain)), "chain not terminated");
	FUZZ_CHECK(r->kind >= NAT_MASQUERADE && r->kind <= NAT_OTHER, "kind %d", r->kind);
	if (r->kind == NAT_OTHER)
		return;
	FUZZ_CHECK(r->family == AF_INET || r->family == AF_INET6, "family %d", r->family);
	bits = r->family == AF_INET ? 32 : 128;
	FUZZ_CHECK(memchr(r->oif, 0, sizeof(r->oif)) && memchr(r->iif, 0, sizeof(r->iif)),
		   "interface name not terminated");
	if (r->kind == NAT_DNAT) {
		FUZZ_CHECK(r->proto == IPPROTO_TCP || r->proto == IPPROTO_UDP, "proto %d", r->proto);
		FUZZ_CHECK(r->dport >= 1 && r->dport <= 65535, "dport %u", r->dport);
	} else {
		FUZZ_CHECK(r->src.len >= 0 && r->src.len <= bits, "source prefix length %d", r->src.len);
		FUZZ_CHECK(!r->proto && !r->dport && !r->iif[0], "a %d with dnat fields", r->kind);
		format_addr(r->family, r->src.addr, buf, sizeof(buf));
		FUZZ_CHECK(strcmp(buf, "?"), "source does not format");
	}
	if (r->kind != NAT_MASQUERADE) {
		FUZZ_CHECK(r->to.family == r->family, "target family %d in a rule of %d", r->to.family, r->family);
		FUZZ_CHECK(r->to_port <= 65535, "to port %u", r->to_port);
		format_addr(r->family, r->to.addr, buf, sizeof(buf));
		FUZZ_CHECK(strcmp(buf, "?"), "target does not format");
	}
}

static void decode(const struct nlmsghdr *nlh)
{
	static const char *const tables[] = { "netlab", "netlab-lab" };
	struct nat_rule r;
	size_t i;
	int ret;

	for (i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		ret = nat_rule_decode(nlh, tables[i], &r);
		FUZZ_CHECK(ret == 0 || ret == 1, "returned %d", ret);
		if (ret == 1)
			check_rule(&r);
	}
}

static void one(struct nlmsghdr *nlh, void *arg)
{
	(void)arg;
	decode(nlh);
	nlh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWRULE;
	decode(nlh);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_each_msg(data, size, one, NULL);
	return 0;
}
