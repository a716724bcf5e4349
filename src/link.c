/* link.c - RTM_NEWLINK / RTM_DELLINK / RTM_GETLINK for veth, bridge and the kinds of link_kinds.c (waiting for one to be ready: ready.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include "bridge_vlan.h"
#include "link.h"
#include "wg.h"

#define LINK_BUF 1024

static struct nlmsghdr *put_link(char *buf, int type, int flags, int index)
{
	struct nlmsghdr *nlh = nl_put(buf, type, flags, sizeof(struct ifinfomsg));
	struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);

	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = index;
	return nlh;
}

/* the kernel's echo of the new device (NLM_F_ECHO): its ifindex and, for a
 * veth, IFLA_LINK, the peer's ifindex in the peer's namespace */
static int on_new(const struct nlmsghdr *nlh, void *data)
{
	struct link_add_req *r = data;
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	int named = 0, link = 0;

	if (nlh->nlmsg_type != RTM_NEWLINK || mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifm))
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(*ifm)) {
		switch (mnl_attr_get_type(a)) {
		case IFLA_IFNAME:
			named = mnl_attr_validate(a, MNL_TYPE_STRING) == 0 &&
				strnlen(mnl_attr_get_str(a), mnl_attr_get_payload_len(a)) == strlen(r->name) &&
				!strncmp(mnl_attr_get_str(a), r->name, strlen(r->name));
			break;
		case IFLA_LINK:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				link = (int)mnl_attr_get_u32(a);
			break;
		}
	}
	if (!named)
		return MNL_CB_OK;
	r->index = ifm->ifi_index;
	if (!strcmp(r->kind, "veth") && link != ifm->ifi_index)
		r->peer_index = link;
	return MNL_CB_OK;
}

/* the indexes on_new takes from an echo, from a look at the new device */
static int new_indexes(struct ns *ns, struct link_add_req *r, struct err *e)
{
	struct link_info l;
	int ret = link_get(ns, r->name, &l, e);

	if (ret < 0)
		return ret;
	r->index = l.index;
	if (!strcmp(r->kind, "veth") && l.link && l.link != l.index)
		r->peer_index = l.link;
	return 0;
}

/* index of the bridge, bond or vrf called name in ns (the master of a device), or
 * -errno with the reason in e */
static int master_index(struct ns *ns, const char *name, struct err *e)
{
	struct link_info l;
	int ret = link_get(ns, name, &l, e);

	if (ret < 0)
		return err_set(e, ret, "master %s not found in %s", name, ns_label(ns));
	if (strcmp(l.kind, "bridge") && strcmp(l.kind, "bond") && strcmp(l.kind, "vrf"))
		return err_set(e, -EOPNOTSUPP, "master %s is %s%s, not a bridge, bond or vrf", name,
			       l.kind[0] ? "a " : "a device without a kind", l.kind);
	return l.index;
}

static int set_alias(struct nl *nl, int index, const char *name, const char *alias, struct err *e)
{
	char buf[LINK_BUF];
	struct nlmsghdr *nlh = put_link(buf, RTM_SETLINK, 0, index);

	if (!index)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put(nlh, IFLA_IFALIAS, strlen(alias), alias);
	return nl_talk(nl, nlh, NULL, NULL, e);
}

/* index of the device called name in ns that a new one of kind sits on (what: "link", "dev") */
static int lower_index(struct ns *ns, const char *what, const char *name, struct err *e)
{
	int ret = link_index(ns, name, e);

	if (ret == -ENODEV)
		return err_set(e, ret, "%s %s not found in %s", what, name, ns_label(ns));
	return ret;
}

/* "Unknown device type" (EOPNOTSUPP; ENOENT from some kernels): the kind's module is missing;
 * a bridge that refuses vlan_filtering without a word: a kernel built without it */
static int kind_missing(const struct link_add_req *r, int ret, struct err *e)
{
	if (ret == -EOPNOTSUPP && !strcmp(r->kind, "bridge") && r->k.vlan_filtering == 1 && !e->text[0])
		return err_set(e, ret, "the kernel's bridge has no VLAN filtering (kernel module bridge "
			       "built with CONFIG_BRIDGE_VLAN_FILTERING)");
	if ((ret == -EOPNOTSUPP || ret == -ENOENT) && link_kind_known(r->kind) &&
	    (strstr(e->text, "Unknown device type") || !e->text[0]))
		err_set(e, ret, "the kernel has no %s (load the kernel module %s)", r->kind,
			link_kind_module(r->kind));
	return ret;
}

/* IFLA_LINKINFO of the new device: its kind, and a veth's peer or another kind's settings */
static void put_link_info(struct nlmsghdr *nlh, const struct link_add_req *r)
{
	struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO), *data, *peer;

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
	} else if (link_kind_known(r->kind)) {
		link_kind_put(nlh, r->kind, &r->k);
	}
	mnl_attr_nest_end(nlh, info);
}

int link_add(struct ns *ns, struct link_add_req *r, struct err *e)
{
	char buf[LINK_BUF];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifm;
	struct nl *nl, *home_nl;
	int master = 0, lower = 0, ret;
	struct ns *home = r->target ? r->target : ns;	/* where the device is once made */

	r->index = r->peer_index = 0;
	if ((ret = ns_rt(ns, &nl, e)) < 0 || (ret = ns_rt(home, &home_nl, e)) < 0)
		return ret;
	if (r->master && (master = master_index(home, r->master, e)) < 0)
		return master;
	if (r->link && (lower = lower_index(ns, "link", r->link, e)) < 0)
		return lower;
	if (r->dev && (r->k.dev = lower_index(ns, "dev", r->dev, e)) < 0)
		return r->k.dev;
	/* echo: the kernel tells the new ifindexes (6.3+), which saves asking */
	nlh = put_link(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ECHO, 0);
	ifm = mnl_nlmsg_get_payload(nlh);
	if (r->up) {
		/* the new device only: a veth peer cannot come up before the pair is
		 * joined (ENOTCONN); it is brought up from its own namespace */
		ifm->ifi_change = IFF_UP;
		ifm->ifi_flags = IFF_UP;
	}
	mnl_attr_put_strz(nlh, IFLA_IFNAME, r->name);
	if (r->mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, r->mtu);
	if (r->address)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, r->address);
	if (r->group)
		mnl_attr_put_u32(nlh, IFLA_GROUP, r->group);
	if (master)
		mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master);
	if (lower)
		mnl_attr_put_u32(nlh, IFLA_LINK, (uint32_t)lower);
	if (r->target)
		mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)r->target->fd);
	put_link_info(nlh, r);
	if ((ret = nl_talk(nl, nlh, on_new, r, e)) < 0)
		return kind_missing(r, ret, e);
	/* Linux before 6.3 does not echo a new link: one look at it by name
	 * tells its ifindex and, for a veth, IFLA_LINK, its peer's */
	if (!r->index && (ret = new_indexes(home, r, e)) < 0) {
		link_del(home, r->name, NULL);
		err_part(e, "index");
		return ret;
	}
	/* the kernel ignores IFLA_IFALIAS in a request that creates */
	if (r->alias && r->alias[0] && (ret = set_alias(home_nl, r->index, r->name, r->alias, e)) < 0) {
		/* nothing half-made: the device goes again (a veth with its peer) */
		link_del(home, r->name, NULL);
		return err_part(e, "alias");
	}
	/* a wireguard's keys, port and peers: generic netlink, once the device exists */
	if (r->wg && wg_device_changes(r->wg) && (ret = wg_set(home, r->name, r->wg, e)) < 0) {
		link_del(home, r->name, NULL);
		return err_part(e, "wireguard");
	}
	if (r->up && r->wait && (ret = link_wait(home, r->name, LINK_WAIT_TIMEOUT, e)) < 0) {
		link_del(home, r->name, NULL);
		return err_part(e, "wait");
	}
	return 0;
}

/* IFLA_AF_SPEC / AF_INET6 / IFLA_INET6_ADDR_GEN_MODE: with "none", the
 * device gets no IPv6 link-local address when it comes up, and so no DAD,
 * router solicitations or MLD of its own (a bridge port needs none) */
static void put_addrgenmode(struct nlmsghdr *nlh, int mode)
{
	struct nlattr *af = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
	struct nlattr *in6 = mnl_attr_nest_start(nlh, AF_INET6);

	mnl_attr_put_u8(nlh, IFLA_INET6_ADDR_GEN_MODE, (uint8_t)mode);
	mnl_attr_nest_end(nlh, in6);
	mnl_attr_nest_end(nlh, af);
}

static int set_addrgenmode(struct nl *nl, int index, const char *name, int mode, struct err *e)
{
	char buf[LINK_BUF];
	struct nlmsghdr *nlh = put_link(buf, RTM_SETLINK, 0, index);

	if (!index)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	put_addrgenmode(nlh, mode);
	return nl_talk(nl, nlh, NULL, NULL, e);
}

/* A rename or a move: the device's index, once its (new) name is known
 * to be free where it will be; -errno with the reason in e. */
static int check_destination(struct ns *ns, const char *name, const struct link_set_req *r,
			     struct err *e)
{
	struct ns *where = r->target ? r->target : ns;
	const char *final = r->newname ? r->newname : name;
	struct link_info l;
	int index, ret;

	/* RTM_SETLINK finds a device by name (ENODEV when absent): only a
	 * rename or a move needs its index first */
	if ((index = link_index(ns, name, e)) < 0)
		return index;
	ret = link_get(where, final, &l, e);
	if (ret == 0 && !(ns_same(where, ns) && l.index == index))
		return err_set(e, -EEXIST, "%s exists in %s", final, ns_label(where));
	if (ret < 0 && ret != -ENODEV)
		return ret;
	err_clear(e);
	return index;
}

int link_set(struct ns *ns, const char *name, const struct link_set_req *r, struct err *e)
{
	char buf[LINK_BUF];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifm;
	struct nl *nl;
	int index = 0, master = -1, ret;

	if ((ret = ns_rt(ns, &nl, e)) < 0)
		return ret;
	if ((r->newname || r->target) && (index = check_destination(ns, name, r, e)) < 0)
		return index;
	/* the master lives where the device ends up */
	if (r->master && (master = master_index(r->target ? r->target : ns, r->master, e)) < 0)
		return master;
	if (!r->master && r->nomaster)
		master = 0;
	if (r->vlan_filtering >= 0 && (ret = bridge_index(ns, name, e)) < 0)
		return ret;
	/* IFLA_INFO_DATA changes only with RTM_NEWLINK, which does all RTM_SETLINK does too */
	nlh = put_link(buf, r->vlan_filtering >= 0 ? RTM_NEWLINK : RTM_SETLINK, 0, index);
	ifm = mnl_nlmsg_get_payload(nlh);
	if (r->newname)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, r->newname);
	else if (!index)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
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
	if (r->addrgenmode >= 0) {
		if (r->up == 1) {
			/* the kernel applies the flags before IFLA_AF_SPEC: a device
			 * whose carrier is there would get its link-local address
			 * first, so the mode goes in a request of its own, before */
			if ((ret = set_addrgenmode(nl, index, name, r->addrgenmode, e)) < 0)
				return ret;
		} else {
			put_addrgenmode(nlh, r->addrgenmode);
		}
	}
	if (r->up >= 0) {
		ifm->ifi_change = IFF_UP;
		ifm->ifi_flags = r->up ? IFF_UP : 0;
	}
	if (r->vlan_filtering >= 0)
		bridge_put_filtering(nlh, r->vlan_filtering);
	if ((ret = nl_talk(nl, nlh, NULL, NULL, e)) < 0 || r->up != 1 || !r->wait)
		return ret;
	/* up means ready: wait where the device is now, by its name there */
	if ((ret = link_wait(r->target ? r->target : ns, r->newname ? r->newname : name,
			     LINK_WAIT_TIMEOUT, e)) < 0)
		return err_part(e, "wait");
	return 0;
}

int link_del(struct ns *ns, const char *name, struct err *e)
{
	char buf[LINK_BUF];
	struct nlmsghdr *nlh;
	struct nl *nl;
	int ret;

	if ((ret = ns_rt(ns, &nl, e)) < 0)
		return ret;
	nlh = put_link(buf, RTM_DELLINK, 0, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	return nl_talk(nl, nlh, NULL, NULL, e);
}

int link_del_group(struct ns *ns, unsigned group, struct err *e)
{
	char buf[LINK_BUF];
	struct nlmsghdr *nlh;
	struct nl *nl;
	int ret;

	if (!group)
		return err_set(e, -EINVAL, "group 0 holds every device nobody grouped");
	if ((ret = ns_rt(ns, &nl, e)) < 0)
		return ret;
	nlh = put_link(buf, RTM_DELLINK, 0, 0);
	mnl_attr_put_u32(nlh, IFLA_GROUP, group);
	return nl_talk(nl, nlh, NULL, NULL, e);
}

static int parse_info(const struct nlattr *nest, struct link_info *l)
{
	const struct nlattr *a, *data = NULL;

	mnl_attr_for_each_nested(a, nest) {
		if (mnl_attr_get_type(a) == IFLA_INFO_KIND &&
		    mnl_attr_validate(a, MNL_TYPE_STRING) == 0)
			snprintf(l->kind, sizeof(l->kind), "%.*s",
				 (int)strnlen(mnl_attr_get_str(a), mnl_attr_get_payload_len(a)),
				 mnl_attr_get_str(a));
		else if (mnl_attr_get_type(a) == IFLA_INFO_DATA &&
			 mnl_attr_validate(a, MNL_TYPE_NESTED) == 0)
			data = a;
	}
	/* the kind first: the data's meaning depends on it, whatever the order */
	if (data && link_kind_known(l->kind))
		link_kind_decode(data, l->kind, &l->k);
	return 0;
}

static void copy_str(char *dst, size_t len, const struct nlattr *a)
{
	snprintf(dst, len, "%.*s",
		 (int)strnlen(mnl_attr_get_str(a), mnl_attr_get_payload_len(a)),
		 mnl_attr_get_str(a));
}

int link_decode(const struct nlmsghdr *nlh, struct link_info *l)
{
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;

	if (nlh->nlmsg_type != RTM_NEWLINK ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifm))
		return -1;
	memset(l, 0, sizeof(*l));
	l->link_nsid = -1;
	l->k = (struct link_kind)LINK_KIND_INIT;
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
		case IFLA_LINK:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				l->link = (int)mnl_attr_get_u32(a);
			break;
		case IFLA_LINK_NETNSID:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				l->link_nsid = (int)mnl_attr_get_u32(a);
			break;
		case IFLA_QDISC:
			if (mnl_attr_validate(a, MNL_TYPE_STRING) == 0)
				copy_str(l->qdisc, sizeof(l->qdisc), a);
			break;
		case IFLA_OPERSTATE:
			if (mnl_attr_validate(a, MNL_TYPE_U8) == 0)
				l->operstate = mnl_attr_get_u8(a);
			break;
		case IFLA_CARRIER_CHANGES:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				l->carrier_changes = mnl_attr_get_u32(a);
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

static int on_link(const struct nlmsghdr *nlh, void *data)
{
	struct link_info l;

	if (link_decode(nlh, &l) < 0)
		return MNL_CB_OK;
	return nl_vec_push(data, &l) < 0 ? MNL_CB_ERROR : MNL_CB_OK;
}

int link_list(struct ns *ns, struct link_info **v, size_t *n, struct err *e)
{
	char buf[LINK_BUF];
	struct nlmsghdr *nlh;
	struct nl_vec a = { .size = sizeof(struct link_info) };
	struct nl *nl;
	int ret;

	*v = NULL;
	*n = 0;
	if ((ret = ns_rt(ns, &nl, e)) < 0)
		return ret;
	nlh = put_link(buf, RTM_GETLINK, NLM_F_DUMP, 0);
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	return nl_dump(nl, nlh, on_link, &a, &a, (void **)v, n, e);
}

static int on_one(const struct nlmsghdr *nlh, void *data)
{
	struct link_info *l = data;

	if (link_decode(nlh, l) == 0)
		return MNL_CB_STOP;
	return MNL_CB_OK;
}

int link_get(struct ns *ns, const char *name, struct link_info *out, struct err *e)
{
	char buf[LINK_BUF];
	struct nlmsghdr *nlh;
	struct nl *nl;
	int ret;

	if ((ret = ns_rt(ns, &nl, e)) < 0)
		return ret;
	memset(out, 0, sizeof(*out));
	nlh = put_link(buf, RTM_GETLINK, 0, 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	ret = nl_talk(nl, nlh, on_one, out, e);
	if (ret == 0 && out->index <= 0)
		ret = err_set(e, -ENODEV, NULL);
	return ret;
}

int link_get_index(struct ns *ns, int index, int nsid, struct link_info *out, struct err *e)
{
	char buf[LINK_BUF];
	struct nlmsghdr *nlh = put_link(buf, RTM_GETLINK, 0, index);
	struct nl *nl;
	int ret;

	if ((ret = ns_rt(ns, &nl, e)) < 0)
		return ret;

	memset(out, 0, sizeof(*out));
	if (nsid >= 0)
		mnl_attr_put_u32(nlh, IFLA_TARGET_NETNSID, (uint32_t)nsid);
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	ret = nl_talk(nl, nlh, on_one, out, e);
	if (ret == 0 && out->index <= 0)
		ret = err_set(e, -ENODEV, NULL);
	return ret;
}

int link_index(struct ns *ns, const char *name, struct err *e)
{
	struct link_info l;
	int ret = link_get(ns, name, &l, e);

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
