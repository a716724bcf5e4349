/* link.h - network devices: veth pairs and bridges (their VLANs: bridge_vlan.h); their state and their dump. */
#ifndef NETLAB_LINK_H
#define NETLAB_LINK_H

#include "link_kinds.h"
#include "ns.h"

struct wg_device;

#define KIND_LEN 32
#define ALIAS_LEN 256

struct link_add_req {
	const char *name;
	const char *kind;	/* "veth", "bridge", or one of link_kinds.h's */
	const char *link;	/* vlan, macvlan, ipvlan: the parent's name in ns, or NULL */
	const char *dev;	/* vxlan, tunnels: the underlay's name in ns, or NULL */
	struct link_kind k;	/* the kind's settings (link_kinds.h); dev and link by name above */
	const char *peer;	/* veth: the peer's name */
	int peer_fd;		/* veth: namespace fd of the peer, -1 for the same */
	struct ns *target;	/* born in this namespace (IFLA_NET_NS_FD), NULL: in ns; what the
				 * kind opens (a vxlan's UDP socket) stays in ns */
	unsigned mtu;		/* 0: the kernel's default */
	const unsigned char *address;	/* 6 bytes or NULL */
	/* settings of the new device (not the peer) made by the same request */
	int up;			/* 1: up at once */
	const char *master;	/* a bridge's, bond's or vrf's name in ns, or NULL */
	unsigned group;		/* IFLA_GROUP, 0: the default group */
	const char *alias;	/* IFLA_IFALIAS, NULL: none (a second request) */
	int wait;		/* with up: return once it can transmit (link_wait) */
	const struct wg_device *wg;	/* wireguard: its configuration (wg.h), NULL: none */
	/* out: the new device's ifindex and, for a veth, its peer's (in the
	 * peer's namespace): from the kernel's echo (NLM_F_ECHO, Linux 6.3+),
	 * else from a look at the new device */
	int index;
	int peer_index;
};

struct link_set_req {
	int up;			/* 1 up, 0 down, -1 unchanged */
	unsigned mtu;		/* 0: unchanged */
	const unsigned char *address;
	const char *master;	/* a bridge's, bond's or vrf's name, NULL: unchanged */
	int nomaster;		/* release from its master */
	struct ns *target;	/* move into this namespace, NULL: stay */
	const char *newname;	/* rename, NULL: keep */
	const char *alias;	/* IFLA_IFALIAS, "" clears it, NULL: keep */
	int addrgenmode;	/* IN6_ADDR_GEN_MODE_*, -1: keep (the kernel takes it
				 * from a device that exists, not in the creating request) */
	int wait;		/* with up = 1: return once it can transmit (link_wait) */
	int vlan_filtering;	/* a bridge's: 0 or 1, -1: keep */
};

/* a request that changes nothing: set the fields to change */
#define LINK_SET_INIT { .up = -1, .addrgenmode = -1, .wait = 1, .vlan_filtering = -1 }

/* how long link_add / link_set wait for a device to become ready */
#define LINK_WAIT_TIMEOUT 5.0

struct link_info {
	int index;
	char name[IFNAME_MAX + 1];
	char kind[KIND_LEN];	/* "" for a device without IFLA_INFO_KIND */
	int up;			/* IFF_UP */
	int lower_up;		/* IFF_LOWER_UP: carrier */
	int operstate;		/* IF_OPER_* */
	unsigned carrier_changes;	/* IFLA_CARRIER_CHANGES: 0, the carrier never changed */
	unsigned mtu;
	unsigned char address[32];
	int addrlen;
	int master;		/* ifindex or 0 */
	char alias[ALIAS_LEN];
	char qdisc[16];		/* IFLA_QDISC: "noop" until the kernel activates it */
	int link;		/* IFLA_LINK: a veth's peer's ifindex, or 0 */
	int link_nsid;		/* IFLA_LINK_NETNSID: the peer's namespace, -1: this one */
	struct link_kind k;	/* IFLA_INFO_DATA of a kind link_kinds.h knows */
};

/* The device, its settings and (veth) its peer in one request; an alias,
 * which the kernel ignores while creating, in a second one (the part
 * "alias" when it fails, and the device goes again). */
int link_add(struct ns *ns, struct link_add_req *r, struct err *e);
/* All changes in one request. The kernel applies them one by one and keeps
 * what it did before a failure, so what can be known to fail is checked
 * first: the master must be a bridge, bond or vrf where the device ends up, and the
 * device's (new) name must be free there; such a refusal has its reason in
 * e's text. */
int link_set(struct ns *ns, const char *name, const struct link_set_req *r, struct err *e);
int link_del(struct ns *ns, const char *name, struct err *e);
/* Delete every device of group (> 0) in ns in one request: the kernel
 * unregisters them (and the peers of veths, wherever they are) as one batch. */
int link_del_group(struct ns *ns, unsigned group, struct err *e);
/* Wait until the device called name can transmit, and for a veth its peer
 * too, wherever it is: the kernel's link-watch work has set operstate UP and
 * activated the qdisc (until then, a veth end that just came up drops what
 * it sends, the first ARP reply too). The wait is notifications (RTNLGRP_LINK,
 * of every namespace with an id here), never a sleep. A device without
 * carrier (a veth whose other end is down, a bridge without ports) returns
 * at once: it waits for something else. -ENETDOWN when it is down,
 * -ETIMEDOUT after timeout seconds, -ENODEV when it goes away meanwhile. */
int link_wait(struct ns *ns, const char *name, double timeout, struct err *e);
/* Fill *out for the device called name; -ENODEV when there is none. */
int link_get(struct ns *ns, const char *name, struct link_info *out, struct err *e);
/* Fill *out for the device with ifindex index in the namespace that nsid
 * (IFLA_LINK_NETNSID) names in ns; -1: ns itself. */
int link_get_index(struct ns *ns, int index, int nsid, struct link_info *out, struct err *e);
/* ifindex of name (> 0) or -errno */
int link_index(struct ns *ns, const char *name, struct err *e);
/* Every device; *v is malloc'd (free it; NULL when there are none). */
int link_list(struct ns *ns, struct link_info **v, size_t *n, struct err *e);

const char *link_operstate_name(int operstate);

/* One record of a link dump (RTM_NEWLINK) into *out: 0, or -1 when it is
 * not one. The framing is the caller's (nlmsg_len fits what was received,
 * as libmnl checks); the header and attributes may be anything, and nothing
 * past the message's aligned length is read. What link_list and link_get
 * use; also the fuzz target's way in (fuzz/). */
int link_decode(const struct nlmsghdr *nlh, struct link_info *out);

#endif
