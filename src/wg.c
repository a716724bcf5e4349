/* wg.c - wireguard devices over generic netlink: the family's id (CTRL_CMD_GETFAMILY),
 * WG_CMD_SET_DEVICE split as the peers need, WG_CMD_GET_DEVICE's dump decoded. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/wireguard.h>

#include "wg.h"

/* what one request may take (wireguard-tools uses the socket buffer size, a page at most) */
#define WG_MSG 8192
#define WG_MISSING "the kernel has no wireguard (load the kernel module wireguard)"

static struct nlmsghdr *put_genl(char *buf, int family, int flags, uint8_t cmd, uint8_t version)
{
	struct nlmsghdr *nlh = nl_put(buf, family, flags, sizeof(struct genlmsghdr));
	struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);

	g->cmd = cmd;
	g->version = version;
	return nlh;
}

static int on_family(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *a;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct genlmsghdr))
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID && mnl_attr_validate(a, MNL_TYPE_U16) == 0)
			*(int *)data = mnl_attr_get_u16(a);
	return MNL_CB_OK;
}

/* the generic netlink socket of ns and the wireguard family's id, asked once per handle
 * (family ids are the kernel's, the same in every namespace) */
static int wg_family(struct ns *ns, struct nl **nl, struct err *e)
{
	char buf[256];
	struct nlmsghdr *nlh;
	int id = 0, ret;

	if ((ret = ns_gen(ns, nl, e)) < 0)
		return ret;
	if (ns->wg_family > 0)
		return ns->wg_family;
	nlh = put_genl(buf, GENL_ID_CTRL, 0, CTRL_CMD_GETFAMILY, 1);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, WG_GENL_NAME);
	/* the kernel tries to load the module first (net-pf-16-proto-16-family-wireguard) */
	ret = nl_talk(*nl, nlh, on_family, &id, e);
	if (ret == -ENOENT)
		return err_set(e, -EOPNOTSUPP, WG_MISSING);
	if (ret < 0)
		return ret;
	if (id <= 0)
		return err_set(e, -EPROTO, "no id for the genetlink family " WG_GENL_NAME);
	return ns->wg_family = id;
}

int wg_device_changes(const struct wg_device *d)
{
	return d->has_private_key || d->listen_port >= 0 || d->fwmark >= 0 || d->replace_peers ||
	       d->n_peers > 0;
}

/* where a WG_CMD_SET_DEVICE message stopped: the next peer, and its next allowed IP */
struct cursor {
	size_t peer, ip;
};

static void put_device(struct nlmsghdr *nlh, const struct wg_device *d)
{
	if (d->has_private_key)
		mnl_attr_put(nlh, WGDEVICE_A_PRIVATE_KEY, WG_KEY, d->private_key);
	if (d->listen_port >= 0)
		mnl_attr_put_u16(nlh, WGDEVICE_A_LISTEN_PORT, (uint16_t)d->listen_port);
	if (d->fwmark >= 0)
		mnl_attr_put_u32(nlh, WGDEVICE_A_FWMARK, (uint32_t)d->fwmark);
	if (d->replace_peers)
		mnl_attr_put_u32(nlh, WGDEVICE_A_FLAGS, WGDEVICE_F_REPLACE_PEERS);
}

/* a peer's own attributes, sent with its first part only; 0 when they did not fit */
static int put_peer_head(struct nlmsghdr *nlh, const struct wg_peer *p)
{
	uint32_t flags = (p->remove ? WGPEER_F_REMOVE_ME : 0) | (p->replace_ips ? WGPEER_F_REPLACE_ALLOWEDIPS : 0);

	if (p->has_preshared_key &&
	    !mnl_attr_put_check(nlh, WG_MSG, WGPEER_A_PRESHARED_KEY, WG_KEY, p->preshared_key))
		return 0;
	if (p->endpoint.sa.sa_family == AF_INET &&
	    !mnl_attr_put_check(nlh, WG_MSG, WGPEER_A_ENDPOINT, sizeof(p->endpoint.in), &p->endpoint.in))
		return 0;
	if (p->endpoint.sa.sa_family == AF_INET6 &&
	    !mnl_attr_put_check(nlh, WG_MSG, WGPEER_A_ENDPOINT, sizeof(p->endpoint.in6), &p->endpoint.in6))
		return 0;
	if (p->keepalive >= 0 &&
	    !mnl_attr_put_u16_check(nlh, WG_MSG, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, (uint16_t)p->keepalive))
		return 0;
	if (flags && !mnl_attr_put_u32_check(nlh, WG_MSG, WGPEER_A_FLAGS, flags))
		return 0;
	return 1;
}

static int put_ip(struct nlmsghdr *nlh, const struct wg_allowedip *ip)
{
	struct nlattr *n = mnl_attr_nest_start_check(nlh, WG_MSG, 0);

	if (!n)
		return 0;
	if (!mnl_attr_put_u16_check(nlh, WG_MSG, WGALLOWEDIP_A_FAMILY, (uint16_t)ip->family) ||
	    !mnl_attr_put_check(nlh, WG_MSG, WGALLOWEDIP_A_IPADDR, ip->family == AF_INET ? 4 : 16, ip->addr) ||
	    !mnl_attr_put_u8_check(nlh, WG_MSG, WGALLOWEDIP_A_CIDR_MASK, (uint8_t)ip->cidr)) {
		mnl_attr_nest_cancel(nlh, n);
		return 0;
	}
	mnl_attr_nest_end(nlh, n);
	return 1;
}

/* One peer (or the rest of one) from c->ip on; 1 when it is all in, 0 when the message is
 * full (c tells where the next one goes on). A peer whose head or first allowed IP does not
 * fit goes whole into the next message. */
static int put_peer(struct nlmsghdr *nlh, const struct wg_peer *p, struct cursor *c)
{
	struct nlattr *peer = mnl_attr_nest_start_check(nlh, WG_MSG, 0), *ips;
	size_t first = c->ip;

	if (!peer)
		return 0;
	if (!mnl_attr_put_check(nlh, WG_MSG, WGPEER_A_PUBLIC_KEY, WG_KEY, p->public_key) ||
	    (first == 0 && !put_peer_head(nlh, p)))
		goto cancel;
	if (p->n_ips > c->ip) {
		if (!(ips = mnl_attr_nest_start_check(nlh, WG_MSG, WGPEER_A_ALLOWEDIPS)))
			goto cancel;
		for (; c->ip < p->n_ips; c->ip++)
			if (!put_ip(nlh, &p->ips[c->ip]))
				break;
		if (c->ip == first) {
			mnl_attr_nest_cancel(nlh, ips);
			goto cancel;
		}
		mnl_attr_nest_end(nlh, ips);
		if (c->ip < p->n_ips) {
			mnl_attr_nest_end(nlh, peer);
			return 0;
		}
	}
	mnl_attr_nest_end(nlh, peer);
	c->ip = 0;
	return 1;
cancel:
	c->ip = first;
	mnl_attr_nest_cancel(nlh, peer);
	return 0;
}

/* one WG_CMD_SET_DEVICE message from c on; -EMSGSIZE when not even one piece fits */
static int build_set(char *buf, int family, const char *name, const struct wg_device *d,
		     struct cursor *c, struct nlmsghdr **out)
{
	struct nlmsghdr *nlh = put_genl(buf, family, 0, WG_CMD_SET_DEVICE, WG_GENL_VERSION);
	struct cursor start = *c;
	struct nlattr *peers;

	mnl_attr_put_strz(nlh, WGDEVICE_A_IFNAME, name);
	if (c->peer == 0 && c->ip == 0)
		put_device(nlh, d);
	*out = nlh;
	if (c->peer >= d->n_peers)
		return 0;
	if (!(peers = mnl_attr_nest_start_check(nlh, WG_MSG, WGDEVICE_A_PEERS)))
		return -EMSGSIZE;
	while (c->peer < d->n_peers && put_peer(nlh, &d->peers[c->peer], c))
		c->peer++;
	if (c->peer == start.peer && c->ip == start.ip)
		return -EMSGSIZE;
	mnl_attr_nest_end(nlh, peers);
	return 0;
}

int wg_set(struct ns *ns, const char *name, const struct wg_device *d, struct err *e)
{
	char *buf;
	struct nlmsghdr *nlh;
	struct cursor c = { 0, 0 };
	struct nl *nl;
	int family, ret;

	if ((family = wg_family(ns, &nl, e)) < 0)
		return family;
	if (!(buf = malloc(WG_MSG)))
		return err_set(e, -ENOMEM, NULL);
	do {
		if ((ret = build_set(buf, family, name, d, &c, &nlh)) < 0) {
			err_set(e, ret, "a peer does not fit in one message");
			break;
		}
		ret = nl_talk(nl, nlh, NULL, NULL, e);
	} while (ret == 0 && c.peer < d->n_peers);
	free(buf);
	return ret;
}

/* ---- WG_CMD_GET_DEVICE ------------------------------------------------- */

static int has_len(const struct nlattr *a, size_t len)
{
	return mnl_attr_get_payload_len(a) == len;
}

static int decode_ip(const struct nlattr *nest, struct wg_peer *p)
{
	struct wg_allowedip ip = { 0 }, *v;
	const struct nlattr *a;
	size_t len = 0;

	mnl_attr_for_each_nested(a, nest) {
		switch (mnl_attr_get_type(a)) {
		case WGALLOWEDIP_A_FAMILY:
			if (has_len(a, 2))
				ip.family = mnl_attr_get_u16(a);
			break;
		case WGALLOWEDIP_A_IPADDR:
			if (has_len(a, 4) || has_len(a, 16)) {
				len = mnl_attr_get_payload_len(a);
				memcpy(ip.addr, mnl_attr_get_payload(a), len);
			}
			break;
		case WGALLOWEDIP_A_CIDR_MASK:
			if (has_len(a, 1))
				ip.cidr = mnl_attr_get_u8(a);
			break;
		}
	}
	if (!((ip.family == AF_INET && len == 4 && ip.cidr <= 32) ||
	      (ip.family == AF_INET6 && len == 16 && ip.cidr <= 128)))
		return 0;	/* not one we can tell */
	if (!(v = realloc(p->ips, (p->n_ips + 1) * sizeof(*v))))
		return -ENOMEM;
	p->ips = v;
	p->ips[p->n_ips++] = ip;
	return 0;
}

static void decode_endpoint(const struct nlattr *a, struct wg_peer *p)
{
	const struct sockaddr *sa = mnl_attr_get_payload(a);
	size_t len = mnl_attr_get_payload_len(a);

	if (len < sizeof(sa->sa_family))
		return;
	if (sa->sa_family == AF_INET && len >= sizeof(p->endpoint.in))
		memcpy(&p->endpoint.in, sa, sizeof(p->endpoint.in));
	else if (sa->sa_family == AF_INET6 && len >= sizeof(p->endpoint.in6))
		memcpy(&p->endpoint.in6, sa, sizeof(p->endpoint.in6));
}

static int decode_peer_attr(const struct nlattr *a, struct wg_peer *p)
{
	const struct nlattr *ip;
	int ret;

	switch (mnl_attr_get_type(a)) {
	case WGPEER_A_ENDPOINT:
		decode_endpoint(a, p);
		break;
	case WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL:
		if (has_len(a, 2))
			p->keepalive = mnl_attr_get_u16(a);
		break;
	case WGPEER_A_LAST_HANDSHAKE_TIME:
		if (has_len(a, 2 * sizeof(int64_t))) {
			memcpy(&p->handshake_sec, mnl_attr_get_payload(a), sizeof(int64_t));
			memcpy(&p->handshake_nsec, (const char *)mnl_attr_get_payload(a) + sizeof(int64_t),
			       sizeof(int64_t));
		}
		break;
	case WGPEER_A_RX_BYTES:
		if (has_len(a, 8))
			p->rx_bytes = mnl_attr_get_u64(a);
		break;
	case WGPEER_A_TX_BYTES:
		if (has_len(a, 8))
			p->tx_bytes = mnl_attr_get_u64(a);
		break;
	case WGPEER_A_ALLOWEDIPS:
		if (mnl_attr_validate(a, MNL_TYPE_NESTED) < 0)
			break;
		mnl_attr_for_each_nested(ip, a)
			if (mnl_attr_validate(ip, MNL_TYPE_NESTED) == 0 && (ret = decode_ip(ip, p)) < 0)
				return ret;
		break;
	}
	return 0;
}

/* a peer of the dump; one whose public key is the last one's continues it (its allowed IPs
 * went on in this message) */
static int decode_peer(const struct nlattr *nest, struct wg_device *d)
{
	const struct nlattr *a, *key = NULL;
	struct wg_peer *p, *v;
	int ret;

	mnl_attr_for_each_nested(a, nest)
		if (mnl_attr_get_type(a) == WGPEER_A_PUBLIC_KEY && has_len(a, WG_KEY))
			key = a;
	if (!key)
		return 0;
	if (!d->n_peers || memcmp(d->peers[d->n_peers - 1].public_key, mnl_attr_get_payload(key), WG_KEY)) {
		if (!(v = realloc(d->peers, (d->n_peers + 1) * sizeof(*v))))
			return -ENOMEM;
		d->peers = v;
		p = &d->peers[d->n_peers++];
		memset(p, 0, sizeof(*p));
		memcpy(p->public_key, mnl_attr_get_payload(key), WG_KEY);
	}
	p = &d->peers[d->n_peers - 1];
	mnl_attr_for_each_nested(a, nest)
		if ((ret = decode_peer_attr(a, p)) < 0)
			return ret;
	return 0;
}

int wg_decode(const struct nlmsghdr *nlh, struct wg_device *d)
{
	const struct nlattr *a, *p;
	int ret;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct genlmsghdr))
		return 0;
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(a)) {
		case WGDEVICE_A_PUBLIC_KEY:
			if (has_len(a, WG_KEY)) {
				memcpy(d->public_key, mnl_attr_get_payload(a), WG_KEY);
				d->has_public_key = 1;
			}
			break;
		case WGDEVICE_A_LISTEN_PORT:
			if (has_len(a, 2))
				d->listen_port = mnl_attr_get_u16(a);
			break;
		case WGDEVICE_A_FWMARK:
			if (has_len(a, 4))
				d->fwmark = mnl_attr_get_u32(a);
			break;
		case WGDEVICE_A_PEERS:
			if (mnl_attr_validate(a, MNL_TYPE_NESTED) < 0)
				break;
			mnl_attr_for_each_nested(p, a)
				if (mnl_attr_validate(p, MNL_TYPE_NESTED) == 0 && (ret = decode_peer(p, d)) < 0)
					return ret;
			break;
		}
	}
	return 0;
}

static int on_device(const struct nlmsghdr *nlh, void *data)
{
	int ret = wg_decode(nlh, data);

	if (ret < 0) {
		errno = -ret;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

void wg_device_free(struct wg_device *d)
{
	size_t i;

	for (i = 0; i < d->n_peers; i++)
		free(d->peers[i].ips);
	free(d->peers);
	d->peers = NULL;
	d->n_peers = 0;
}

int wg_get(struct ns *ns, const char *name, struct wg_device *out, struct err *e)
{
	char buf[256];
	struct nlmsghdr *nlh;
	struct nl *nl;
	int family, tries = 0, ret;

	if ((family = wg_family(ns, &nl, e)) < 0)
		return family;
	do {
		*out = (struct wg_device)WG_DEVICE_INIT;
		nlh = put_genl(buf, family, NLM_F_DUMP, WG_CMD_GET_DEVICE, WG_GENL_VERSION);
		mnl_attr_put_strz(nlh, WGDEVICE_A_IFNAME, name);
		ret = nl_talk(nl, nlh, on_device, out, e);
		if (ret < 0)
			wg_device_free(out);
		/* the peers changed while the dump was made: again */
	} while (ret == -EINTR && ++tries < 10);
	return ret;
}

/* ---- endpoints as text ------------------------------------------------- */

static const char *parse_port(const char *s, unsigned *port)
{
	unsigned long v = 0;

	if (!*s)
		return "has no port (ADDRESS:PORT, [IPV6]:PORT)";
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > 65535)
			return "has a port that is not a number in 1..65535";
		v = v * 10 + (unsigned)(*s - '0');
	}
	if (v < 1 || v > 65535)
		return "has a port that is not a number in 1..65535";
	*port = (unsigned)v;
	return NULL;
}

const char *wg_parse_endpoint(const char *s, union wg_endpoint *ep)
{
	char addr[64];
	const char *colon, *close, *why;
	struct prefix p;
	unsigned port = 0;
	int bracket = s[0] == '[';
	size_t len;

	memset(ep, 0, sizeof(*ep));
	if (bracket) {
		if (!(close = strchr(s, ']')) || close[1] != ':')
			return "is not [IPV6]:PORT";
		s++;
		len = (size_t)(close - s);
		colon = close + 1;
	} else {
		if (!(colon = strrchr(s, ':')))
			return "has no port (ADDRESS:PORT, [IPV6]:PORT)";
		len = (size_t)(colon - s);
		if (memchr(s, ':', len))
			return "is an IPv6 address without brackets ([IPV6]:PORT)";
	}
	if (len == 0 || len >= sizeof(addr))
		return "has no address (ADDRESS:PORT, [IPV6]:PORT)";
	memcpy(addr, s, len);
	addr[len] = '\0';
	if ((why = parse_addr(addr, &p)) || (why = parse_port(colon + 1, &port)))
		return why;
	if (bracket != (p.family == AF_INET6))
		return p.family == AF_INET6 ? "is an IPv6 address without brackets ([IPV6]:PORT)"
					    : "has an IPv4 address in brackets";
	if (p.family == AF_INET) {
		ep->in.sin_family = AF_INET;
		ep->in.sin_port = htons((uint16_t)port);
		memcpy(&ep->in.sin_addr, p.addr, 4);
	} else {
		ep->in6.sin6_family = AF_INET6;
		ep->in6.sin6_port = htons((uint16_t)port);
		memcpy(&ep->in6.sin6_addr, p.addr, 16);
	}
	return NULL;
}

const char *wg_format_endpoint(const union wg_endpoint *ep, char *buf, size_t len)
{
	char a[64];

	if (ep->sa.sa_family == AF_INET)
		snprintf(buf, len, "%s:%u", format_addr(AF_INET, &ep->in.sin_addr, a, sizeof(a)),
			 ntohs(ep->in.sin_port));
	else if (ep->sa.sa_family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", format_addr(AF_INET6, &ep->in6.sin6_addr, a, sizeof(a)),
			 ntohs(ep->in6.sin6_port));
	else
		return NULL;
	return buf;
}
