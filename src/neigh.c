/* neigh.c - RTM_NEWNEIGH / RTM_DELNEIGH / RTM_GETNEIGH. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include "link.h"
#include "neigh.h"

/* One change to a neighbour table entry of dev: the family and state given, an
 * address (NDA_DST) of dst's family, a link-layer address when given; an fdb
 * entry (AF_BRIDGE) is the device's own (NTF_SELF). */
static int entry_change(struct ns *ns, int type, int flags, const char *dev, unsigned char family,
			int state, const struct prefix *dst, const unsigned char *lladdr, struct err *e)
{
	char buf[256];
	struct nlmsghdr *nlh;
	struct ndmsg *ndm;
	struct nl *nl;
	int index, ret;

	if ((ret = ns_rt(ns, &nl, e)) < 0)
		return ret;
	if ((index = link_index(ns, dev, e)) < 0)
		return index;
	nlh = nl_put(buf, type, flags, sizeof(*ndm));
	ndm = mnl_nlmsg_get_payload(nlh);
	ndm->ndm_family = family;
	ndm->ndm_ifindex = index;
	ndm->ndm_state = (unsigned short)state;
	if (family == AF_BRIDGE)
		ndm->ndm_flags = NTF_SELF;
	if (lladdr)
		mnl_attr_put(nlh, NDA_LLADDR, 6, lladdr);
	mnl_attr_put(nlh, NDA_DST, dst->family == AF_INET ? 4 : 16, dst->addr);
	return nl_talk(nl, nlh, NULL, NULL, e);
}

int neigh_add(struct ns *ns, const char *dev, const struct prefix *dst,
	      const unsigned char lladdr[6], struct err *e)
{
	return entry_change(ns, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE, dev, (unsigned char)dst->family,
			    NUD_PERMANENT, dst, lladdr, e);
}

int neigh_del(struct ns *ns, const char *dev, const struct prefix *dst, struct err *e)
{
	return entry_change(ns, RTM_DELNEIGH, 0, dev, (unsigned char)dst->family, 0, dst, NULL, e);
}

/* an entry of a vxlan's own forwarding table (AF_BRIDGE, NTF_SELF): frames to lladdr go to the
 * remote dst; the all-zero MAC is the default, and entries for it add up (NLM_F_APPEND): one copy
 * of every flooded frame to each (head-end replication) */
static int fdb_change(struct ns *ns, int type, int flags, const char *dev, const unsigned char lladdr[6],
		      const struct prefix *dst, struct err *e)
{
	return entry_change(ns, type, flags, dev, AF_BRIDGE, NUD_PERMANENT | NUD_NOARP, dst, lladdr, e);
}

int fdb_append(struct ns *ns, const char *dev, const unsigned char lladdr[6], const struct prefix *dst,
	       struct err *e)
{
	return fdb_change(ns, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_APPEND, dev, lladdr, dst, e);
}

int fdb_del(struct ns *ns, const char *dev, const unsigned char lladdr[6], const struct prefix *dst,
	    struct err *e)
{
	return fdb_change(ns, RTM_DELNEIGH, 0, dev, lladdr, dst, e);
}

struct dump_ctx {
	struct nl_vec a;
	int index;
};

int neigh_decode(const struct nlmsghdr *nlh, struct neigh_info *ni)
{
	const struct ndmsg *ndm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	size_t alen;
	int have_dst = 0;

	if (nlh->nlmsg_type != RTM_NEWNEIGH ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*ndm))
		return -1;
	if (ndm->ndm_family != AF_INET && ndm->ndm_family != AF_INET6)
		return -1;
	if (ndm->ndm_state & NUD_NOARP)
		return -1;
	memset(ni, 0, sizeof(*ni));
	ni->family = ndm->ndm_family;
	ni->index = ndm->ndm_ifindex;
	ni->state = ndm->ndm_state;
	ni->router = !!(ndm->ndm_flags & NTF_ROUTER);
	alen = ni->family == AF_INET ? 4 : 16;
	mnl_attr_for_each(a, nlh, sizeof(*ndm)) {
		switch (mnl_attr_get_type(a)) {
		case NDA_DST:
			if (mnl_attr_get_payload_len(a) == alen) {
				memcpy(ni->dst, mnl_attr_get_payload(a), alen);
				have_dst = 1;
			}
			break;
		case NDA_LLADDR:
			if (mnl_attr_get_payload_len(a) <= sizeof(ni->lladdr)) {
				ni->lladdr_len = (int)mnl_attr_get_payload_len(a);
				memcpy(ni->lladdr, mnl_attr_get_payload(a), (size_t)ni->lladdr_len);
			}
			break;
		}
	}
	return have_dst ? 0 : -1;
}

static int on_neigh(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *c = data;
	struct neigh_info ni;

	if (neigh_decode(nlh, &ni) < 0 || (c->index && ni.index != c->index))
		return MNL_CB_OK;
	return nl_vec_push(&c->a, &ni) < 0 ? MNL_CB_ERROR : MNL_CB_OK;
}

int neigh_list(struct ns *ns, int index, struct neigh_info **v, size_t *n, struct err *e)
{
	char buf[256];
	struct nlmsghdr *nlh;
	struct ndmsg *ndm;
	struct dump_ctx c = { .a = { .size = sizeof(struct neigh_info) }, .index = index };
	struct nl *nl;
	int ret;

	*v = NULL;
	*n = 0;
	if ((ret = ns_rt(ns, &nl, e)) < 0)
		return ret;
	nlh = nl_put(buf, RTM_GETNEIGH, NLM_F_DUMP, sizeof(*ndm));
	ndm = mnl_nlmsg_get_payload(nlh);
	ndm->ndm_family = AF_UNSPEC;
	return nl_dump(nl, nlh, on_neigh, &c, &c.a, (void **)v, n, e);
}

const char *neigh_state_name(int state, char *buf, size_t len)
{
	static const struct { int bit; const char *name; } names[] = {
		{ NUD_INCOMPLETE, "INCOMPLETE" }, { NUD_REACHABLE, "REACHABLE" },
		{ NUD_STALE, "STALE" }, { NUD_DELAY, "DELAY" }, { NUD_PROBE, "PROBE" },
		{ NUD_FAILED, "FAILED" }, { NUD_NOARP, "NOARP" },
		{ NUD_PERMANENT, "PERMANENT" },
	};
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < sizeof(names) / sizeof(names[0]) && off < len; i++)
		if (state & names[i].bit)
			off += (size_t)snprintf(buf + off, len - off,
						"%s%s", off ? "|" : "", names[i].name);
	if (!buf[0])
		snprintf(buf, len, "NONE");
	return buf;
}
