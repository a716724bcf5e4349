/* route.h - IPv4 and IPv6 routes: default and prefix, via a gateway or a device. */
#ifndef NETLAB_ROUTE_H
#define NETLAB_ROUTE_H

#include "ns.h"

struct route_req {
	int family;		/* AF_INET or AF_INET6 */
	struct prefix dst;	/* len 0: default */
	const struct prefix *via;	/* NULL: directly connected */
	const char *dev;	/* NULL: the kernel picks from the gateway */
	unsigned metric;	/* 0: none */
	int has_metric;
	unsigned table;		/* 0: main */
	int protocol;		/* 0..255 (rtprot.h); -1: static for an add, any for a delete */
};

struct route_info {
	int family;
	unsigned char dst[16];
	int dst_len;
	int has_via;
	unsigned char via[16];
	unsigned char prefsrc[16];
	int has_prefsrc;
	int oif;
	unsigned metric;
	int has_metric;
	unsigned table;
	int protocol;
	int scope;
	int type;
};

int route_add(struct ns *ns, const struct route_req *r, struct err *e);
int route_del(struct ns *ns, const struct route_req *r, struct err *e);
/* unicast, blackhole, unreachable and prohibit routes of every table but
 * "local"; family 0 for both */
int route_list(struct ns *ns, int family, struct route_info **v, size_t *n, struct err *e);
/* One record of a route dump (RTM_NEWROUTE) into *out: 0, or -1 when it is
 * not a route route_list lists (another family or type, a cache entry, the
 * local table). The framing is the caller's (nlmsg_len fits what was
 * received); the rest may be anything. What route_list uses; also the fuzz
 * target's way in (fuzz/). */
int route_decode(const struct nlmsghdr *nlh, struct route_info *out);

#endif
