/* bridge_vlan.c - the VLANs of a VLAN-aware bridge and its ports, as `bridge vlan add/del/show`
 * does them: RTM_SETLINK / RTM_DELLINK / RTM_GETLINK of family AF_BRIDGE with IFLA_AF_SPEC. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "bridge_vlan.h"

#ifndef RTEXT_FILTER_BRVLAN
#define RTEXT_FILTER_BRVLAN (1 << 1)
#endif

int bridge_index(struct ns *ns, const char *name, struct err *e)
{
	struct link_info l;
	int ret = link_get(ns, name, &l, e);

	if (ret == -ENODEV)
		return err_set(e, ret, "%s not found in %s", name, ns_label(ns));
	if (ret < 0)
		return ret;
	if (strcmp(l.kind, "bridge"))
		return err_set(e, -EOPNOTSUPP, "%s is %s%s, not a bridge", name,
			       l.kind[0] ? "a " : "a device without a kind", l.kind);
	return l.index;
}

void bridge_put_filtering(struct nlmsghdr *nlh, int on)
{
	struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	struct nlattr *data;

	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u8(nlh, IFLA_BR_VLAN_FILTERING, (uint8_t)!!on);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
}

/* dev's index when it is a bridge (*self = 1) or a bridge's port (*self = 0); else -errno with
 * the reason in e */
static int vlan_target(struct ns *ns, const char *dev, int *self, struct err *e)
{
	struct link_info l, m;
	int ret = link_get(ns, dev, &l, e);

	if (ret == -ENODEV)
		return err_set(e, ret, "dev %s not found in %s", dev, ns_label(ns));
	if (ret < 0)
		return ret;
	*self = !strcmp(l.kind, "bridge");
	if (*self)
		return l.index;
	if (l.master && link_get_index(ns, l.master, -1, &m, e) == 0 && !strcmp(m.kind, "bridge"))
		return l.index;
	return err_set(e, -EOPNOTSUPP, "dev %s is not a bridge or a bridge's port", dev);
}

static void put_info(struct nlmsghdr *nlh, uint16_t flags, uint16_t vid)
{
	struct bridge_vlan_info vi = { .flags = flags, .vid = vid };

	mnl_attr_put(nlh, IFLA_BRIDGE_VLAN_INFO, sizeof(vi), &vi);
}

/* one request for every vid of r: a run of contiguous vids as RANGE_BEGIN .. RANGE_END */
static int vlan_change(struct ns *ns, const char *dev, int type, const struct bridge_vlan_req *r,
		       struct err *e)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifm;
	struct nlattr *af;
	struct nl *nl;
	uint16_t flags = 0;
	size_t i, j;
	char *buf;
	int index, self, ret;

	if ((ret = ns_rt(ns, &nl, e)) < 0)
		return ret;
	if ((index = vlan_target(ns, dev, &self, e)) < 0)
		return index;
	/* at most two entries of 8 bytes per vid, and the headers */
	if (!(buf = malloc(512 + 16 * r->n)))
		return err_set(e, -ENOMEM, NULL);
	nlh = nl_put(buf, type, 0, sizeof(*ifm));
	ifm = mnl_nlmsg_get_payload(nlh);
	ifm->ifi_family = AF_BRIDGE;
	ifm->ifi_index = index;
	af = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
	/* without a flag the request goes to the device's master; the bridge's own is SELF */
	if (self)
		mnl_attr_put_u16(nlh, IFLA_BRIDGE_FLAGS, BRIDGE_FLAGS_SELF);
	if (r->pvid)
		flags |= BRIDGE_VLAN_INFO_PVID;
	if (r->untagged)
		flags |= BRIDGE_VLAN_INFO_UNTAGGED;
	for (i = 0; i < r->n; i = j + 1) {
		for (j = i; j + 1 < r->n && r->vids[j + 1] == r->vids[j] + 1; j++)
			;
		if (j == i) {
			put_info(nlh, flags, r->vids[i]);
		} else {
			put_info(nlh, flags | BRIDGE_VLAN_INFO_RANGE_BEGIN, r->vids[i]);
			put_info(nlh, flags | BRIDGE_VLAN_INFO_RANGE_END, r->vids[j]);
		}
	}
	mnl_attr_nest_end(nlh, af);
	ret = nl_talk(nl, nlh, NULL, NULL, e);
	free(buf);
	return ret;
}

int bridge_vlan_add(struct ns *ns, const char *dev, const struct bridge_vlan_req *r, struct err *e)
{
	return vlan_change(ns, dev, RTM_SETLINK, r, e);
}

int bridge_vlan_del(struct ns *ns, const char *dev, const struct bridge_vlan_req *r, struct err *e)
{
	struct bridge_vlan_req d = *r;

	d.pvid = d.untagged = 0;
	return vlan_change(ns, dev, RTM_DELLINK, &d, e);
}

/* ---- the dump ---------------------------------------------------------- */

static int push_range(struct nl_vec *a, const struct bridge_vlan *base, unsigned from, unsigned to,
		      uint16_t flags)
{
	struct bridge_vlan v = *base;
	unsigned vid;

	for (vid = from; vid <= to && vid <= BRIDGE_VID_MAX; vid++) {
		v.vid = (uint16_t)vid;
		v.flags = flags & (BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED);
		if (nl_vec_push(a, &v) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int decode_spec(const struct nlattr *spec, const struct bridge_vlan *base, struct nl_vec *a)
{
	const struct nlattr *x;
	const struct bridge_vlan_info *vi;
	unsigned begin = 0;

	mnl_attr_for_each_nested(x, spec) {
		if (mnl_attr_get_type(x) != IFLA_BRIDGE_VLAN_INFO ||
		    mnl_attr_get_payload_len(x) < sizeof(*vi))
			continue;
		vi = mnl_attr_get_payload(x);
		if (vi->vid < 1 || vi->vid > BRIDGE_VID_MAX)
			continue;
		if (vi->flags & BRIDGE_VLAN_INFO_RANGE_BEGIN) {
			begin = vi->vid;
			continue;
		}
		if ((vi->flags & BRIDGE_VLAN_INFO_RANGE_END) && begin && begin <= vi->vid) {
			if (push_range(a, base, begin, vi->vid, vi->flags) < 0)
				return -ENOMEM;
		} else if (push_range(a, base, vi->vid, vi->vid, vi->flags) < 0) {
			return -ENOMEM;
		}
		begin = 0;
	}
	return 0;
}

int bridge_vlan_decode(const struct nlmsghdr *nlh, struct nl_vec *a)
{
	const struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *x, *spec = NULL;
	struct bridge_vlan base;

	if (nlh->nlmsg_type != RTM_NEWLINK || mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifm) ||
	    ifm->ifi_family != AF_BRIDGE)
		return -1;
	memset(&base, 0, sizeof(base));
	base.index = ifm->ifi_index;
	mnl_attr_for_each(x, nlh, sizeof(*ifm)) {
		if (mnl_attr_get_type(x) == IFLA_IFNAME && mnl_attr_validate(x, MNL_TYPE_STRING) == 0)
			snprintf(base.name, sizeof(base.name), "%.*s",
				 (int)strnlen(mnl_attr_get_str(x), mnl_attr_get_payload_len(x)),
				 mnl_attr_get_str(x));
		else if (mnl_attr_get_type(x) == IFLA_AF_SPEC && mnl_attr_validate(x, MNL_TYPE_NESTED) == 0)
			spec = x;
	}
	return spec ? decode_spec(spec, &base, a) : 0;
}

static int on_vlans(const struct nlmsghdr *nlh, void *data)
{
	return bridge_vlan_decode(nlh, data) == -ENOMEM ? MNL_CB_ERROR : MNL_CB_OK;
}

int bridge_vlan_list(struct ns *ns, struct bridge_vlan **v, size_t *n, struct err *e)
{
	char buf[256];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifm;
	struct nl_vec a = { .size = sizeof(struct bridge_vlan) };
	struct nl *nl;
	int ret;

	*v = NULL;
	*n = 0;
	if ((ret = ns_rt(ns, &nl, e)) < 0)
		return ret;
	nlh = nl_put(buf, RTM_GETLINK, NLM_F_DUMP, sizeof(*ifm));
	ifm = mnl_nlmsg_get_payload(nlh);
	ifm->ifi_family = AF_BRIDGE;
	/* each vid on its own, as `bridge vlan show` asks (-c would ask for ranges) */
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_BRVLAN);
	return nl_dump(nl, nlh, on_vlans, &a, &a, (void **)v, n, e);
}
