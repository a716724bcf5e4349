/* addr.c - RTM_NEWADDR / RTM_DELADDR / RTM_GETADDR. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "addr.h"
#include "link.h"

static int addr_change(struct ns *ns, int type, int flags, const char *dev,
		       const struct prefix *p, unsigned ifa_flags, struct err *e)
{
	char buf[512];
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	struct nl *nl;
	size_t alen = p->family == AF_INET ? 4 : 16;
	int index, ret;

	if ((ret = ns_rt(ns, &nl, e)) < 0)
		return ret;
	if ((index = link_index(ns, dev, e)) < 0)
		return index;
	nlh = nl_put(buf, type, flags, sizeof(*ifa));
	ifa = mnl_nlmsg_get_payload(nlh);
	ifa->ifa_family = (unsigned char)p->family;
	ifa->ifa_prefixlen = (unsigned char)p->len;
	ifa->ifa_index = (unsigned)index;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	mnl_attr_put(nlh, IFA_LOCAL, alen, p->addr);
	mnl_attr_put(nlh, IFA_ADDRESS, alen, p->addr);
	if (ifa_flags) {
		ifa->ifa_flags = (unsigned char)ifa_flags;
		mnl_attr_put_u32(nlh, IFA_FLAGS, ifa_flags);
	}
	return nl_talk(nl, nlh, NULL, NULL, e);
}

int addr_add(struct ns *ns, const char *dev, const struct prefix *p, int flags, struct err *e)
{
	unsigned f = 0;

	if ((flags & ADDR_NODAD) && p->family == AF_INET6)
		f |= IFA_F_NODAD;
	return addr_change(ns, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, dev, p, f, e);
}

int addr_del(struct ns *ns, const char *dev, const struct prefix *p, struct err *e)
{
	return addr_change(ns, RTM_DELADDR, 0, dev, p, 0, e);
}

struct dump_ctx {
	struct nl_vec a;
	int index;
};

int addr_decode(const struct nlmsghdr *nlh, struct addr_info *ai)
{
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a, *local = NULL, *address = NULL, *use;
	size_t alen;

	if (nlh->nlmsg_type != RTM_NEWADDR ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifa))
		return -1;
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return -1;
	memset(ai, 0, sizeof(*ai));
	ai->index = (int)ifa->ifa_index;
	ai->family = ifa->ifa_family;
	ai->prefixlen = ifa->ifa_prefixlen;
	ai->scope = ifa->ifa_scope;
	ai->flags = ifa->ifa_flags;
	alen = ai->family == AF_INET ? 4 : 16;
	mnl_attr_for_each(a, nlh, sizeof(*ifa)) {
		switch (mnl_attr_get_type(a)) {
		case IFA_LOCAL:
			if (mnl_attr_get_payload_len(a) == alen)
				local = a;
			break;
		case IFA_ADDRESS:
			if (mnl_attr_get_payload_len(a) == alen)
				address = a;
			break;
		case IFA_FLAGS:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				ai->flags = mnl_attr_get_u32(a);
			break;
		}
	}
	/* IFA_LOCAL is the interface's own address; IFA_ADDRESS the peer's
	 * on point-to-point links */
	use = local ? local : address;
	if (!use)
		return -1;
	memcpy(ai->addr, mnl_attr_get_payload(use), alen);
	return 0;
}

static int on_addr(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *c = data;
	struct addr_info ai;

	if (addr_decode(nlh, &ai) < 0 || (c->index && ai.index != c->index))
		return MNL_CB_OK;
	return nl_vec_push(&c->a, &ai) < 0 ? MNL_CB_ERROR : MNL_CB_OK;
}

int addr_list(struct ns *ns, int family, int index, struct addr_info **v, size_t *n,
	      struct err *e)
{
	char buf[256];
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	struct dump_ctx c = { .a = { .size = sizeof(struct addr_info) }, .index = index };
	struct nl *nl;
	int ret;

	*v = NULL;
	*n = 0;
	if ((ret = ns_rt(ns, &nl, e)) < 0)
		return ret;
	nlh = nl_put(buf, RTM_GETADDR, NLM_F_DUMP, sizeof(*ifa));
	ifa = mnl_nlmsg_get_payload(nlh);
	ifa->ifa_family = (unsigned char)family;
	return nl_dump(nl, nlh, on_addr, &c, &c.a, (void **)v, n, e);
}
