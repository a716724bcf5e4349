/* sysctl.h - the per-namespace sysctls under /proc/sys/net. */
#ifndef NETLAB_SYSCTL_H
#define NETLAB_SYSCTL_H

#include <stddef.h>
#include "ns.h"

/* NULL when key is a well-formed net.* key ("net.ipv4.ip_forward", or
 * "net/ipv4/conf/eth0.5/forwarding" when a part holds a dot), else why not;
 * the /proc/sys path goes into path. */
const char *sysctl_path(const char *key, char *path, size_t len);
/* Read into buf (trailing newline removed). Returns 0 or -errno. */
int sysctl_get(struct ns *ns, const char *path, char *buf, size_t len, struct err *e);
int sysctl_set(struct ns *ns, const char *path, const char *value, struct err *e);
/* The same in the namespace the calling thread is in (no switching): what
 * ns_add's inside function uses. */
int sysctl_set_here(const char *path, const char *value, struct err *e);

#endif
