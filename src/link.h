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
};

struct link_info {
	int index;
	char name[NAME_MAX_LEN + 1];
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

int link_add(struct ns *ns, const struct link_add_req *r);
/* All changes in one request. The kernel applies them one by one and keeps
 * what it did before a failure, so what can be known to fail is checked
 * first: the master must be a bridge where the device ends up, and the
 * device's (new) name must be free there. Such a refusal returns -errno
 * with the reason in ns->rt.err. */
int link_set(struct ns *ns, const char *name, const struct link_set_req *r);
int link_del(struct ns *ns, const char *name);
/* Fill *out for the device called name; -ENODEV when there is none. */
int link_get(struct ns *ns, const char *name, struct link_info *out);
/* ifindex of name (> 0) or -errno */
int link_index(struct ns *ns, const char *name);
/* Call cb for every device; cb returns 0 to go on. */
typedef int (*link_cb)(const struct link_info *l, void *arg);
int link_dump(struct ns *ns, link_cb cb, void *arg);

const char *link_operstate_name(int operstate);

#endif
