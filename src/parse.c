/* parse.c - strict parsers: every malformed value is refused before a request is built. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "parse.h"

/* the rules device and namespace names share; colon: is ':' refused */
static const char *parse_name(const char *s, size_t max, const char *too_long, int colon)
{
	size_t n = strlen(s), i;

	if (n == 0)
		return "is empty";
	if (n > max)
		return too_long;
	if (!strcmp(s, ".") || !strcmp(s, ".."))
		return "is not a name";
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '/')
			return "contains '/'";
		if (c == ':' && colon)
			return "contains ':'";
		if (isspace(c) || c < 0x20 || c == 0x7f)
			return "contains whitespace or a control character";
	}
	if (strstr(s, ".."))
		return "contains '..'";
	return NULL;
}

const char *parse_ifname(const char *s)
{
	/* iproute2 refuses ':' too: it separates an alias label */
	return parse_name(s, IFNAME_MAX, "is longer than 15 bytes", 1);
}

const char *parse_nsname(const char *s)
{
	return parse_name(s, NSNAME_MAX, "is longer than 255 bytes", 0);
}

const char *parse_addr(const char *s, struct prefix *p)
{
	memset(p, 0, sizeof(*p));
	if (inet_pton(AF_INET, s, p->addr) == 1) {
		p->family = AF_INET;
		p->len = 32;
		return NULL;
	}
	if (inet_pton(AF_INET6, s, p->addr) == 1) {
		p->family = AF_INET6;
		p->len = 128;
		return NULL;
	}
	return "is not an IPv4 or IPv6 address";
}

const char *parse_prefix(const char *s, struct prefix *p)
{
	char host[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/'), *err;
	char *end;
	size_t n;
	long len;

	if (!slash)
		return parse_addr(s, p);
	n = (size_t)(slash - s);
	if (n == 0 || n >= sizeof(host))
		return "is not an address/prefix";
	memcpy(host, s, n);
	host[n] = '\0';
	if ((err = parse_addr(host, p)))
		return err;
	if (!isdigit((unsigned char)slash[1]))
		return "has no prefix length after '/'";
	len = strtol(slash + 1, &end, 10);
	if (*end || len < 0 || len > (p->family == AF_INET ? 32 : 128) ||
	    (end - (slash + 1)) > 3)
		return p->family == AF_INET ? "has a prefix length outside 0..32"
					    : "has a prefix length outside 0..128";
	p->len = (int)len;
	return NULL;
}

const char *parse_net(const char *s, struct prefix *p)
{
	const char *err;
	int i, bits;

	if (!strcmp(s, "default")) {
		memset(p, 0, sizeof(*p));
		p->family = 0;	/* the caller chooses from the gateway */
		return NULL;
	}
	if ((err = parse_prefix(s, p)))
		return err;
	bits = p->family == AF_INET ? 32 : 128;
	for (i = p->len; i < bits; i++)
		if (p->addr[i / 8] & (0x80 >> (i % 8)))
			return "has host bits set beyond its prefix length";
	return NULL;
}

const char *parse_mac(const char *s, unsigned char mac[6])
{
	unsigned v[6];
	char tail;
	int i;

	if (strlen(s) != 17 ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3],
		   &v[4], &v[5], &tail) != 6)
		return "is not a MAC address (aa:bb:cc:dd:ee:ff)";
	for (i = 0; i < 17; i++)
		if (i % 3 == 2 ? s[i] != ':' : !isxdigit((unsigned char)s[i]))
			return "is not a MAC address (aa:bb:cc:dd:ee:ff)";
	for (i = 0; i < 6; i++)
		mac[i] = (unsigned char)v[i];
	if (mac[0] & 1)
		return "is a multicast MAC address";
	for (i = 0; i < 6 && !mac[i]; i++)
		;
	if (i == 6)
		return "is the all-zero MAC address";
	return NULL;
}

int prefix_contains(const struct prefix *p, const struct prefix *a)
{
	int i;

	if (p->family != a->family)
		return 0;
	for (i = 0; i < p->len; i++)
		if ((p->addr[i / 8] ^ a->addr[i / 8]) & (0x80 >> (i % 8)))
			return 0;
	return 1;
}

const char *format_addr(int family, const void *addr, char *buf, size_t len)
{
	if (!inet_ntop(family, addr, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

const char *format_mac(const unsigned char *a, int len, char *buf, size_t size)
{
	size_t off = 0;
	int i;

	buf[0] = '\0';
	/* "xx" then ":xx" each, and the NUL: 3 * len bytes hold it all */
	for (i = 0; i < len && off + (i ? 3 : 2) < size; i++)
		off += (size_t)snprintf(buf + off, size - off, i ? ":%02x" : "%02x", a[i]);
	return buf;
}
