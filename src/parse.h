/* parse.h - validation of names, addresses, prefixes and MACs before anything reaches the kernel. */
#ifndef NETLAB_PARSE_H
#define NETLAB_PARSE_H

#include <stddef.h>

#define IFNAME_MAX 15		/* IFNAMSIZ - 1: what the kernel takes for a device name */
#define NSNAME_MAX 255		/* a file name under /run/netns, as `ip netns add` allows */

/* An address with a prefix length; a plain address is its host prefix. */
struct prefix {
	int family;		/* AF_INET or AF_INET6 */
	unsigned char addr[16];
	int len;		/* prefix length */
};

/* Each returns NULL when s is valid, else a short reason ("is empty", ...). */
/* a device name: 1..15 bytes, no '/', ':' or whitespace, not "." or ".." */
const char *parse_ifname(const char *s);
/* a namespace name: 1..255 bytes, no '/', whitespace or "..", not "." */
const char *parse_nsname(const char *s);
/* "addr/len" or "addr" (then the host prefix /32 or /128) */
const char *parse_prefix(const char *s, struct prefix *p);
/* a plain address, no prefix */
const char *parse_addr(const char *s, struct prefix *p);
/* "default", or a prefix whose host bits are all zero (as a route needs) */
const char *parse_net(const char *s, struct prefix *p);
/* Is a inside the prefix p (same family, the first p->len bits equal)? */
int prefix_contains(const struct prefix *p, const struct prefix *a);
/* "aa:bb:cc:dd:ee:ff", unicast */
const char *parse_mac(const char *s, unsigned char mac[6]);

/* Format an address (without prefix) into buf. */
const char *format_addr(int family, const void *addr, char *buf, size_t len);
/* Format a link-layer address of len bytes as aa:bb:..., into buf. */
const char *format_mac(const unsigned char *a, int len, char *buf, size_t size);

#endif
