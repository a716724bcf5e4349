/* bridge_vlan.h - the VLANs of a VLAN-aware bridge and its ports (family AF_BRIDGE): add, delete, dump. */
#ifndef NETLAB_BRIDGE_VLAN_H
#define NETLAB_BRIDGE_VLAN_H

#include <stddef.h>
#include <stdint.h>

#include "link.h"

#define BRIDGE_VID_MAX 4094

/* What bridge_vlan_add / _del change on a device: vids sorted, unique, 1..4094 (n of them);
 * pvid (only with one vid) and untagged for an add. */
struct bridge_vlan_req {
	const uint16_t *vids;
	size_t n;
	int pvid;
	int untagged;
};

/* `bridge vlan add dev DEV vid ...` in one RTM_SETLINK: contiguous vids as a range; on the bridge
 * itself with BRIDGE_FLAGS_SELF. DEV must be a bridge or a bridge's port: else -ENODEV or
 * -EOPNOTSUPP with the reason in e, and nothing is sent. */
int bridge_vlan_add(struct ns *ns, const char *dev, const struct bridge_vlan_req *r, struct err *e);
/* `bridge vlan del dev DEV vid ...` in one RTM_DELLINK, checked as bridge_vlan_add. */
int bridge_vlan_del(struct ns *ns, const char *dev, const struct bridge_vlan_req *r, struct err *e);

/* One VLAN of a device, as `bridge vlan show` lists them (a range reported as such is
 * expanded: one record per vid). */
struct bridge_vlan {
	int index;
	char name[IFNAME_MAX + 1];
	uint16_t vid;
	uint16_t flags;		/* BRIDGE_VLAN_INFO_PVID, BRIDGE_VLAN_INFO_UNTAGGED */
};

/* Every VLAN of every bridge and port of ns, grouped by device in the kernel's order (a device
 * without VLANs has no record); *v malloc'd (free it; NULL when there are none). */
int bridge_vlan_list(struct ns *ns, struct bridge_vlan **v, size_t *n, struct err *e);

/* One message of that dump (RTM_NEWLINK, AF_BRIDGE) into *a (records of struct bridge_vlan):
 * 0, -1 when it is none, -ENOMEM. The framing is the caller's. */
int bridge_vlan_decode(const struct nlmsghdr *nlh, struct nl_vec *a);

/* The device called name is a bridge: its index, or -ENODEV / -EOPNOTSUPP with the reason in e
 * (what link_set checks before it changes a bridge's vlan_filtering). */
int bridge_index(struct ns *ns, const char *name, struct err *e);
/* IFLA_LINKINFO { kind bridge, IFLA_BR_VLAN_FILTERING on } into nlh (an RTM_NEWLINK that
 * changes a bridge that exists) */
void bridge_put_filtering(struct nlmsghdr *nlh, int on);

#endif
