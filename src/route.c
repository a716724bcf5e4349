/* route.c - RTM_NEWROUTE / RTM_DELROUTE / RTM_GETROUTE. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/rtnetlink.h>

#include "link.h"
#include "route.h"

static int route_change(struct ns *ns, int type, int flags, const struct route_req *r,
			struct err *e)
{
	char buf[512];
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	struct nl *nl;
	size_t alen = r->family == AF_INET ? 4 : 16;
	int oif = 0, ret;

	if ((ret = ns_rt(ns, &nl, e)) < 0)
		return ret;
	if (r->dev && (oif = link_index(ns, r->dev, e)) < 0)
		return err_set(e, oif, "device %s", r->dev);
	nlh = nl_put(buf, type, flags, sizeof(*rtm));
	rtm = mnl_nlmsg_get_payload(nlh);
	rtm->rtm_family = (unsigned char)r->family;
	rtm->rtm_dst_len = (unsigned char)r->dst.len;
	rtm->rtm_table = r->table && r->table < 256 ? (unsigned char)r->table : RT_TABLE_MAIN;
	if (r->protocol >= 0)
		rtm->rtm_protocol = (unsigned char)r->protocol;
	else
		rtm->rtm_protocol = type == RTM_DELROUTE ? RTPROT_UNSPEC : RTPROT_STATIC;
	rtm->rtm_type = RTN_UNICAST;
	/* as `ip route add`: a route without a gateway reaches its link only */
	if (type == RTM_DELROUTE)
		rtm->rtm_scope = RT_SCOPE_NOWHERE;
	else
		rtm->rtm_scope = r->via ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	if (r->dst.len)
		mnl_attr_put(nlh, RTA_DST, alen, r->dst.addr);
	if (r->via)
		mnl_attr_put(nlh, RTA_GATEWAY, alen, r->via->addr);
	if (oif)
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)oif);
	if (r->has_metric)
		mnl_attr_put_u32(nlh, RTA_PRIORITY, r->metric);
	if (r->table >= 256)
		mnl_attr_put_u32(nlh, RTA_TABLE, r->table);
	return nl_talk(nl, nlh, NULL, NULL, e);
}

int route_add(struct ns *ns, const struct route_req *r, struct err *e)
{
	return route_change(ns, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, r, e);
}

int route_del(struct ns *ns, const struct route_req *r, struct err *e)
{
	return route_change(ns, RTM_DELROUTE, 0, r, e);
}

struct dump_ctx {
	struct nl_vec a;
};

int route_decode(const struct nlmsghdr *nlh, struct route_info *ri)
{
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	size_t alen;

	if (nlh->nlmsg_type != RTM_NEWROUTE ||
	    mnl_nlmsg_get_payload_len(nlh) < sizeof(*rtm))
		return -1;
	if (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6)
		return -1;
	if (rtm->rtm_flags & RTM_F_CLONED)
		return -1;	/* a cache entry, not a route */
	switch (rtm->rtm_type) {
	case RTN_UNICAST: case RTN_BLACKHOLE: case RTN_UNREACHABLE: case RTN_PROHIBIT:
		break;
	default:
		return -1;
	}
	memset(ri, 0, sizeof(*ri));
	ri->family = rtm->rtm_family;
	ri->dst_len = rtm->rtm_dst_len;
	ri->table = rtm->rtm_table;
	ri->protocol = rtm->rtm_protocol;
	ri->scope = rtm->rtm_scope;
	ri->type = rtm->rtm_type;
	alen = ri->family == AF_INET ? 4 : 16;
	mnl_attr_for_each(a, nlh, sizeof(*rtm)) {
		switch (mnl_attr_get_type(a)) {
		case RTA_DST:
			if (mnl_attr_get_payload_len(a) == alen)
				memcpy(ri->dst, mnl_attr_get_payload(a), alen);
			break;
		case RTA_GATEWAY:
			if (mnl_attr_get_payload_len(a) == alen) {
				memcpy(ri->via, mnl_attr_get_payload(a), alen);
				ri->has_via = 1;
			}
			break;
		case RTA_PREFSRC:
			if (mnl_attr_get_payload_len(a) == alen) {
				memcpy(ri->prefsrc, mnl_attr_get_payload(a), alen);
				ri->has_prefsrc = 1;
			}
			break;
		case RTA_OIF:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				ri->oif = (int)mnl_attr_get_u32(a);
			break;
		case RTA_PRIORITY:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0) {
				ri->metric = mnl_attr_get_u32(a);
				ri->has_metric = 1;
			}
			break;
		case RTA_TABLE:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				ri->table = mnl_attr_get_u32(a);
			break;
		}
	}
	return ri->table == RT_TABLE_LOCAL ? -1 : 0;
}

static int on_route(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *c = data;
	struct route_info ri;

	if (route_decode(nlh, &ri) < 0)
		return MNL_CB_OK;
	return nl_vec_push(&c->a, &ri) < 0 ? MNL_CB_ERROR : MNL_CB_OK;
}

int route_list(struct ns *ns, int family, struct route_info **v, size_t *n, struct err *e)
{
	char buf[256];
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	struct dump_ctx c = { .a = { .size = sizeof(struct route_info) } };
	struct nl *nl;
	int ret;

	*v = NULL;
	*n = 0;
	if ((ret = ns_rt(ns, &nl, e)) < 0)
		return ret;
	nlh = nl_put(buf, RTM_GETROUTE, NLM_F_DUMP, sizeof(*rtm));
	rtm = mnl_nlmsg_get_payload(nlh);
	rtm->rtm_family = (unsigned char)family;
	return nl_dump(nl, nlh, on_route, &c, &c.a, (void **)v, n, e);
}
