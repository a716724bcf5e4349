/* link.h - network devices: veth pairs and bridges; their state and their dump. */
#ifndef NETLAB_LINK_H
#define NETLAB_LINK_H

#include "ns.h"

#define KIND_LEN 32
#define ALIAS_LEN 256

struct link_add_req {
	const char *name;
	const char *kind;	/* "veth", "bridge" */
	const char *peer;	/* veth: the peer's name */
	int peer_fd;		/* veth: namespace fd of the peer, -1 for the same */
	unsigned mtu;		/* 0: the kernel's default */
	const unsigned char *address;	/* 6 bytes or NULL */
	/* settings of the new device (not the peer) made by the same request */
	int up;			/* 1: up at once */
	const char *master;	/* a bridge's name in ns, or NULL */
	unsigned group;		/* IFLA_GROUP, 0: the default group */
	const char *alias;	/* IFLA_IFALIAS, NULL: none (a second request) */
	/* out: the new device's ifindex and, for a veth, its peer's (in the
	 * peer's namespace); 0 when the kernel did not say (no NLM_F_ECHO) */
	int index;
	int peer_index;
};

struct link_set_req {
	int up;			/* 1 up, 0 down, -1 unchanged */
	unsigned mtu;		/* 0: unchanged */
	const unsigned char *address;
	const char *master;	/* a bridge's name, NULL: unchanged */
	int nomaster;		/* release from its master */
	struct ns *target;	/* move into this namespace, NULL: stay */
	const char *newname;	/* rename, NULL: keep */
	const char *alias;	/* IFLA_IFALIAS, "" clears it, NULL: keep */
	int addrgenmode;	/* IN6_ADDR_GEN_MODE_*, -1: keep (the kernel takes it
				 * from a device that exists, not in the creating request) */
};

/* a request that changes nothing: set the fields to change */
#define LINK_SET_INIT { .up = -1, .addrgenmode = -1 }

struct link_info {
	int index;
	char name[IFNAME_MAX + 1];
	char kind[KIND_LEN];	/* "" for a device without IFLA_INFO_KIND */
	int up;			/* IFF_UP */
	int lower_up;		/* IFF_LOWER_UP: carrier */
	int operstate;		/* IF_OPER_* */
	unsigned mtu;
	unsigned char address[32];
	int addrlen;
	int master;		/* ifindex or 0 */
	char alias[ALIAS_LEN];
};

/* The device, its settings and (veth) its peer in one request; an alias,
 * which the kernel ignores while creating, in a second one (the part
 * "alias" when it fails, and the device goes again). */
int link_add(struct ns *ns, struct link_add_req *r, struct err *e);
/* All changes in one request. The kernel applies them one by one and keeps
 * what it did before a failure, so what can be known to fail is checked
 * first: the master must be a bridge where the device ends up, and the
 * device's (new) name must be free there; such a refusal has its reason in
 * e's text. */
int link_set(struct ns *ns, const char *name, const struct link_set_req *r, struct err *e);
int link_del(struct ns *ns, const char *name, struct err *e);
/* Delete every device of group (> 0) in ns in one request: the kernel
 * unregisters them (and the peers of veths, wherever they are) as one batch. */
int link_del_group(struct ns *ns, unsigned group, struct err *e);
/* Fill *out for the device called name; -ENODEV when there is none. */
int link_get(struct ns *ns, const char *name, struct link_info *out, struct err *e);
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
