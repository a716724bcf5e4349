/* fuzz_netlink.c - the rtnetlink decoders fed arbitrary messages: link_decode, addr_decode,
 * route_decode, neigh_decode, bridge_vlan_decode and nl_ack_decode; and wg_decode, the messages of a input taken as
 * one wireguard dump (a peer continued from one message to the next). The input is a buffer of messages as a dump
 * answer brings them (framed as libmnl frames them; header fields, family headers and attributes
 * anything); each message goes to every decoder as it is, then again with its type set to what
 * that decoder reads, so the fuzzer spends its time on the payloads. A decoded record must hold
 * what the binding relies on (terminated names, lengths within their arrays, a family it knows),
 * and is formatted as the binding formats it. */
#include <arpa/inet.h>
#include <sys/socket.h>
#include <errno.h>
#include <stdlib.h>
#include <linux/genetlink.h>
#include <linux/if_bridge.h>
#include <linux/rtnetlink.h>

#include "fuzz.h"
#include "addr.h"
#include "bridge_vlan.h"
#include "link.h"
#include "neigh.h"
#include "route.h"
#include "wg.h"

static void check_family(int family)
{
	FUZZ_CHECK(family == AF_INET || family == AF_INET6, "family %d", family);
}

static void check_format_addr(int family, const unsigned char *a)
{
	char buf[INET6_ADDRSTRLEN];

	format_addr(family, a, buf, sizeof(buf));
	FUZZ_CHECK(strcmp(buf, "?"), "an address of family %d does not format", family);
}

static void check_mac(const unsigned char *a, int len, int max)
{
	char buf[3 * 32 + 1];

	FUZZ_CHECK(len >= 0 && len <= max, "link-layer address of %d bytes", len);
	if (len) {
		format_mac(a, len, buf, sizeof(buf));
		FUZZ_CHECK(strlen(buf) == (size_t)(3 * len - 1), "%d bytes as '%s'", len, buf);
	}
}

static void d_link(const struct nlmsghdr *nlh)
{
	struct link_info l;

	if (link_decode(nlh, &l) < 0)
		return;
	FUZZ_CHECK(memchr(l.name, 0, sizeof(l.name)), "name not terminated");
	FUZZ_CHECK(memchr(l.kind, 0, sizeof(l.kind)), "kind not terminated");
	FUZZ_CHECK(memchr(l.alias, 0, sizeof(l.alias)), "alias not terminated");
	FUZZ_CHECK(l.up == !!l.up && l.lower_up == !!l.lower_up, "flags %d %d", l.up, l.lower_up);
	check_mac(l.address, l.addrlen, (int)sizeof(l.address));
	FUZZ_CHECK(link_operstate_name(l.operstate), "operstate %d", l.operstate);
}

/* a port's VLANs: ids in 1..4094 (a range expanded), only the flags the binding reads */
static void d_bridge_vlan(const struct nlmsghdr *nlh)
{
	struct nl_vec a = { .size = sizeof(struct bridge_vlan) };
	const struct bridge_vlan *v;
	size_t i;

	bridge_vlan_decode(nlh, &a);
	for (i = 0, v = a.v; i < a.n; i++) {
		FUZZ_CHECK(memchr(v[i].name, 0, sizeof(v[i].name)), "name not terminated");
		FUZZ_CHECK(v[i].vid >= 1 && v[i].vid <= BRIDGE_VID_MAX, "vid %u", v[i].vid);
		FUZZ_CHECK(!(v[i].flags & ~(BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED)), "flags %#x", v[i].flags);
	}
	free(a.v);
}

static void d_addr(const struct nlmsghdr *nlh)
{
	struct addr_info a;

	if (addr_decode(nlh, &a) < 0)
		return;
	check_family(a.family);
	check_format_addr(a.family, a.addr);
}

static void d_route(const struct nlmsghdr *nlh)
{
	struct route_info r;

	if (route_decode(nlh, &r) < 0)
		return;
	check_family(r.family);
	FUZZ_CHECK(r.table != RT_TABLE_LOCAL, "a local route listed");
	check_format_addr(r.family, r.dst);
	check_format_addr(r.family, r.via);
	check_format_addr(r.family, r.prefsrc);
}

static void d_neigh(const struct nlmsghdr *nlh)
{
	struct neigh_info n;
	char st[80];

	if (neigh_decode(nlh, &n) < 0)
		return;
	check_family(n.family);
	check_format_addr(n.family, n.dst);
	check_mac(n.lladdr, n.lladdr_len, (int)sizeof(n.lladdr));
	neigh_state_name(n.state, st, sizeof(st));
	FUZZ_CHECK(strlen(st) < sizeof(st) - 1, "state %d as '%s'", n.state, st);
}

static void d_ack(const struct nlmsghdr *nlh)
{
	struct err e = ERR_INIT;
	int code = nl_ack_decode(nlh, &e);

	/* what the binding turns into an errno value and its name */
	FUZZ_CHECK(code <= 0 && code > -4096, "code %d", code);
	FUZZ_CHECK(e.code == code || (code == 0 && e.code == 0), "code %d recorded as %d", code, e.code);
	FUZZ_CHECK(memchr(e.text, 0, sizeof(e.text)), "text not terminated");
}

/* the wireguard dump of this input, message by message */
static struct wg_device wg_dev;

static void d_wg(const struct nlmsghdr *nlh)
{
	int ret = wg_decode(nlh, &wg_dev);

	FUZZ_CHECK(ret == 0 || ret == -ENOMEM, "wg_decode %d", ret);
}

/* what the binding relies on in a decoded wireguard device */
static void check_wg(const struct wg_device *d)
{
	char buf[80];
	size_t i, j;

	for (i = 0; i < d->n_peers; i++) {
		const struct wg_peer *p = &d->peers[i];

		FUZZ_CHECK(!i || memcmp(p->public_key, d->peers[i - 1].public_key, WG_KEY), "peer %zu twice in a row", i);
		if (wg_format_endpoint(&p->endpoint, buf, sizeof(buf)))
			FUZZ_CHECK(strlen(buf) < sizeof(buf) - 1, "endpoint '%s'", buf);
		for (j = 0; j < p->n_ips; j++) {
			check_family(p->ips[j].family);
			FUZZ_CHECK(p->ips[j].cidr <= (p->ips[j].family == AF_INET ? 32u : 128u), "cidr %u", p->ips[j].cidr);
			check_format_addr(p->ips[j].family, p->ips[j].addr);
		}
	}
}

static const struct {
	int type;
	void (*decode)(const struct nlmsghdr *nlh);
} decoders[] = {
	{ RTM_NEWLINK, d_link }, { RTM_NEWADDR, d_addr }, { RTM_NEWROUTE, d_route },
	{ RTM_NEWNEIGH, d_neigh }, { NLMSG_ERROR, d_ack }, { RTM_NEWLINK, d_bridge_vlan },
	{ GENL_MIN_ID, d_wg },	/* a genetlink family's id: wg_decode reads any */
};

static void one(struct nlmsghdr *nlh, void *arg)
{
	size_t i;

	(void)arg;
	for (i = 0; i < sizeof(decoders) / sizeof(decoders[0]); i++)
		decoders[i].decode(nlh);
	for (i = 0; i < sizeof(decoders) / sizeof(decoders[0]); i++) {
		nlh->nlmsg_type = (uint16_t)decoders[i].type;
		decoders[i].decode(nlh);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	wg_dev = (struct wg_device)WG_DEVICE_INIT;
	fuzz_each_msg(data, size, one, NULL);
	check_wg(&wg_dev);
	wg_device_free(&wg_dev);
	return 0;
}
