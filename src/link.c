/* link.c - RTM_NEWLINK / RTM_DELLINK / RTM_GETLINK for veth and bridge devices. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include "link.h"

#define LINK_BUF 1024

static struct nlmsghdr *put_link(char *buf, int type, int flags, int index)
{
	struct nlmsghdr *nlh = nl_put(buf, type, flags, sizeof(struct ifinfomsg));
	struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);

	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = index;
	return nlh;
}

int link_add(struct ns *ns, const struct link_add_req *r)
{
	char buf[LINK_BUF];
	struct nlmsghdr *nlh;
	struct nlattr *info, *data, *peer;
	struct nl *nl;
	int err = 0;

	if (!(nl = ns_rt(ns, &err)))
		return err;
	nlh = put_link(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, r->name);
	if (r->mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, r->mtu);
	if (r->address)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, r->address);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, r->kind);
	if (!strcmp(r->kind, "veth")) {
		/* both ends in one request: the peer is born in its namespace */
		data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
		peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
		mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));
		mnl_attr_put_strz(nlh, IFLA_IFNAME, r->peer);
		if (r->mtu)
			mnl_attr_put_u32(nlh, IFLA_MTU, r->mtu);
		if (r->peer_fd >= 0)
			mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)r->peer_fd);
		mnl_attr_nest_end(nlh, peer);
		mnl_attr_nest_end(nlh, data);
	}
	mnl_attr_nest_end(nlh, info);
	return nl_talk(nl, nlh, NULL, NULL);
}

int link_set(struct ns *ns, const char *name, const struct link_set_req *r)
{
	char buf[LINK_BUF];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifm;
	struct link_info l;
	struct ns *where = r->target ? r->target : ns;
	const char *final = r->newname ? r->newname : name;
	struct nl *nl;
	int err = 0, index = 0, master = -1, ret;

	if (!(nl = ns_rt(ns, &err)))
		return err;
	if ((index = link_index(ns, name)) < 0)
		return index;
	/* the name it will have must be free where it will be */
	if (r->newname || r->target) {
		ret = link_get(where, final, &l);
		if (ret == 0 && !(ns_same(where, ns) && l.index == index)) {
			snprintf(ns->rt.err, sizeof(ns->rt.err), "%s exists in %s", final,
				 where->name[0] ? where->name : "host");
			return -EEXIST;
		}
		if (ret < 0 && ret != -ENODEV)
			return ret;
	}
	if (r->master) {
		/* the master lives where the device ends up */
		if ((ret = link_get(where, r->master, &l)) < 0) {
			snprintf(ns->rt.err, sizeof(ns->rt.err), "master %s not found in %s", r->master,
				 where->name[0] ? where->name : "host");
			return ret;
		}
		if (strcmp(l.kind, "bridge")) {
			snprintf(ns->rt.err, sizeof(ns->rt.err), "master %s is %s%s, not a bridge",
				 r->master, l.kind[0] ? "a " : "a device without a kind", l.kind);
			return -EOPNOTSUPP;
		}
		master = l.index;
	} else if (r->nomaster) {
		master = 0;
	}
	nlh = put_link(buf, RTM_NEWLINK, 0, index);
	ifm = mnl_nlmsg_get_payload(nlh);
	if (r->newname)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, r->newname);
	if (r->target)
		mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)r->target->fd);
	if (r->mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, r->mtu);
	if (r->address)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, r->address);
	if (master >= 0)
		mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master);
	if (r->alias)
		mnl_attr_put(nlh, IFLA_IFALIAS, strlen(r->alias), r->alias);	/* "" clears */
	if (r->up >= 0) {
		ifm->ifi_change = IFF_UP;
		ifm->ifi_flags = r->up ? IFF_UP : 0;
	}
	return nl_talk(nl, nlh, NULL, NULL);
}

int link_del(struct ns *ns, const char *name)
{
	char buf[LINK_BUF];
	struct nlmsghdr *nlh;
	struct nl *nl;
	int err = 0;

	if (!(nl = ns_rt(ns, &err)))
		return err;
	nlh = put_link(buf, RTM_DELLINK, 0, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	return nl_talk(nl, nlh, NULL, NULL);
}

static int parse_info(const struct nlattr *nest, struct link_info *l)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, nest) {
		if (mnl_attr_get_type(a) == IFLA_INFO_KIND &&
		    mnl_attr_validate(a, MNL_TYPE_STRING) == 0)
			snprintf(l->kind, sizeof(l->kind), "%.*s",
				 (int)strnlen(mnl_attr_get_str(a), mnl_attr_get_payload_len(a)),
				 mnl_attr_get_str(a));
	}
	return 0;
}

static void copy_str(char *dst, size_t len, const struct nlattr *a)
{
	snprintf(dst, len, "%.*s",
		 (int)strnlen(mnl_attr_get_str(a), mnl_attr_get_payload_len(a)),
		 mnl_attr_get_str(a));
}

static int parse_link(const struct nlmsghdr *nlh, struct link_info *l)
{
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;

	if (nlh->nlmsg_type != RTM_NEWLINK ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifm))
		return -1;
	memset(l, 0, sizeof(*l));
	l->index = ifm->ifi_index;
	l->up = !!(ifm->ifi_flags & IFF_UP);
	l->lower_up = !!(ifm->ifi_flags & IFF_LOWER_UP);
	mnl_attr_for_each(a, nlh, sizeof(*ifm)) {
		switch (mnl_attr_get_type(a)) {
		case IFLA_IFNAME:
			if (mnl_attr_validate(a, MNL_TYPE_STRING) == 0)
				copy_str(l->name, sizeof(l->name), a);
			break;
		case IFLA_IFALIAS:
			if (mnl_attr_validate(a, MNL_TYPE_STRING) == 0)
				copy_str(l->alias, sizeof(l->alias), a);
			break;
		case IFLA_MTU:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				l->mtu = mnl_attr_get_u32(a);
			break;
		case IFLA_MASTER:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				l->master = (int)mnl_attr_get_u32(a);
			break;
		case IFLA_OPERSTATE:
			if (mnl_attr_validate(a, MNL_TYPE_U8) == 0)
				l->operstate = mnl_attr_get_u8(a);
			break;
		case IFLA_ADDRESS:
			if (mnl_attr_get_payload_len(a) <= sizeof(l->address)) {
				l->addrlen = (int)mnl_attr_get_payload_len(a);
				memcpy(l->address, mnl_attr_get_payload(a), (size_t)l->addrlen);
			}
			break;
		case IFLA_LINKINFO:
			if (mnl_attr_validate(a, MNL_TYPE_NESTED) == 0)
				parse_info(a, l);
			break;
		}
	}
	return 0;
}

struct dump_ctx {
	link_cb cb;
	void *arg;
	struct link_info l;
};

static int on_link(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *c = data;

	if (parse_link(nlh, &c->l) < 0)
		return MNL_CB_OK;
	if (c->cb(&c->l, c->arg)) {
		errno = ECANCELED;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

int link_dump(struct ns *ns, link_cb cb, void *arg)
{
	char buf[LINK_BUF];
	struct nlmsghdr *nlh;
	struct dump_ctx c = { .cb = cb, .arg = arg };
	struct nl *nl;
	int err = 0, tries = 0, ret;

	if (!(nl = ns_rt(ns, &err)))
		return err;
	do {
		nlh = put_link(buf, RTM_GETLINK, NLM_F_DUMP, 0);
		mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
		ret = nl_talk(nl, nlh, on_link, &c);
	} while (ret == -EINTR && ++tries < 10);
	return ret;
}

static int on_one(const struct nlmsghdr *nlh, void *data)
{
	struct link_info *l = data;

	if (parse_link(nlh, l) == 0)
		return MNL_CB_STOP;
	return MNL_CB_OK;
}

int link_get(struct ns *ns, const char *name, struct link_info *out)
{
	char buf[LINK_BUF];
	struct nlmsghdr *nlh;
	struct nl *nl;
	int err = 0, ret;

	if (!(nl = ns_rt(ns, &err)))
		return err;
	memset(out, 0, sizeof(*out));
	nlh = put_link(buf, RTM_GETLINK, 0, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	ret = nl_talk(nl, nlh, on_one, out);
	if (ret == 0 && out->index <= 0)
		ret = -ENODEV;
	return ret;
}

int link_index(struct ns *ns, const char *name)
{
	struct link_info l;
	int ret = link_get(ns, name, &l);

	return ret < 0 ? ret : l.index;
}

const char *link_operstate_name(int s)
{
	static const char *const names[] = {
		"UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN",
		"TESTING", "DORMANT", "UP",
	};

	return s >= 0 && s < (int)(sizeof(names) / sizeof(names[0])) ? names[s] : "UNKNOWN";
}
