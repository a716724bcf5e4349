/* parse.h - validation of names, addresses, prefixes and MACs before anything reaches the kernel. */
#ifndef NETLAB_PARSE_H
#define NETLAB_PARSE_H

#include <stddef.h>

#define NAME_MAX_LEN 15		/* IFNAMSIZ - 1; netns names follow the same rule */

struct inaddr {
	int family;		/* AF_INET or AF_INET6 */
	unsigned char addr[16];
	int len;		/* prefix length */
};

/* Each returns NULL when s is valid, else a short reason ("is empty", ...). */
const char *parse_name(const char *s);
/* "addr/len" or "addr" (then the host prefix /32 or /128) */
const char *parse_prefix(const char *s, struct inaddr *p);
/* a plain address, no prefix */
const char *parse_addr(const char *s, struct inaddr *p);
/* "default", or a prefix whose host bits are all zero (as a route needs) */
const char *parse_net(const char *s, struct inaddr *p);
/* "aa:bb:cc:dd:ee:ff", unicast */
const char *parse_mac(const char *s, unsigned char mac[6]);

/* Format an address (without prefix) into buf. */
const char *format_addr(int family, const void *addr, char *buf, size_t len);

#endif
