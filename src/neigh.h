/* neigh.h - the neighbour table: ARP for IPv4, NDP for IPv6. */
#ifndef NETLAB_NEIGH_H
#define NETLAB_NEIGH_H

#include "ns.h"

struct neigh_info {
	int family;
	unsigned char dst[16];
	unsigned char lladdr[32];
	int lladdr_len;
	int index;
	int state;		/* NUD_* */
	int router;		/* NTF_ROUTER */
};

/* a permanent entry, replacing what the kernel learned for dst */
int neigh_add(struct ns *ns, const char *dev, const struct prefix *dst,
	      const unsigned char lladdr[6], struct err *e);
int neigh_del(struct ns *ns, const char *dev, const struct prefix *dst, struct err *e);
/* a vxlan's forwarding entry: frames to lladdr (all zero: flooded ones) also go to the remote dst
 * (`bridge fdb append`); fdb_del removes the one for that lladdr and dst */
int fdb_append(struct ns *ns, const char *dev, const unsigned char lladdr[6], const struct prefix *dst,
	       struct err *e);
int fdb_del(struct ns *ns, const char *dev, const unsigned char lladdr[6], const struct prefix *dst,
	    struct err *e);
/* every entry but NOARP ones (as `ip neigh` shows), of device index (0: all) */
int neigh_list(struct ns *ns, int index, struct neigh_info **v, size_t *n, struct err *e);
/* One record of a neighbour dump (RTM_NEWNEIGH) into *out: 0, or -1 when
 * it is not an entry neigh_list lists (another family, NOARP, no
 * destination). The framing is the caller's (nlmsg_len fits what was
 * received); the rest may be anything. What neigh_list uses; also the fuzz
 * target's way in (fuzz/). */
int neigh_decode(const struct nlmsghdr *nlh, struct neigh_info *out);
/* "REACHABLE", "STALE", "PERMANENT", ... ("A|B" for combined states) */
const char *neigh_state_name(int state, char *buf, size_t len);

#endif
