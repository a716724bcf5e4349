/* addr.h - IPv4 and IPv6 addresses on devices. */
#ifndef NETLAB_ADDR_H
#define NETLAB_ADDR_H

#include "ns.h"

#define ADDR_NODAD 1		/* IPv6: skip duplicate address detection */

struct addr_info {
	int index;		/* device */
	int family;
	unsigned char addr[16];
	int prefixlen;
	int scope;		/* RT_SCOPE_* */
	unsigned flags;		/* IFA_F_* */
};

int addr_add(struct ns *ns, const char *dev, const struct prefix *p, int flags, struct err *e);
int addr_del(struct ns *ns, const char *dev, const struct prefix *p, struct err *e);
/* once the IPv6 addresses of the device are answered for (the kernel's
 * address work done: no address tentative); -ENETDOWN when it is down,
 * -ETIMEDOUT after timeout seconds (ready.c) */
int addr_wait(struct ns *ns, const char *dev, double timeout, struct err *e);
/* every address of family (0: all) on device index (0: all); *v is
 * malloc'd (free it; NULL when there are none) */
int addr_list(struct ns *ns, int family, int index, struct addr_info **v, size_t *n,
	      struct err *e);
/* One record of an address dump (RTM_NEWADDR) into *out: 0, or -1 when it
 * is not an IPv4 or IPv6 address. The framing is the caller's (nlmsg_len
 * fits what was received); the rest may be anything. What addr_list uses;
 * also the fuzz target's way in (fuzz/). */
int addr_decode(const struct nlmsghdr *nlh, struct addr_info *out);

#endif
