/* fuzz_prefix.c - addresses, prefixes and route destinations (parse.c): what parses formats back
 * and parses again to the same value; a network has no host bits; prefix_contains against a mask. */
#include <arpa/inet.h>
#include <sys/socket.h>

#include "fuzz.h"
#include "parse.h"

static int same(const struct prefix *a, const struct prefix *b)
{
	return a->family == b->family && a->len == b->len && !memcmp(a->addr, b->addr, sizeof(a->addr));
}

static int bits(int family)
{
	return family == AF_INET ? 32 : 128;
}

/* an address's text, the way the binding shows it */
static void check_addr(const char *s)
{
	char buf[INET6_ADDRSTRLEN], again[INET6_ADDRSTRLEN];
	struct prefix p, q;

	if (parse_addr(s, &p))
		return;
	FUZZ_CHECK(p.family == AF_INET || p.family == AF_INET6, "'%s' family %d", s, p.family);
	FUZZ_CHECK(p.len == bits(p.family), "'%s' len %d", s, p.len);
	format_addr(p.family, p.addr, buf, sizeof(buf));
	FUZZ_CHECK(!parse_addr(buf, &q) && same(&p, &q), "'%s' formats as '%s', which parses differently", s, buf);
	format_addr(q.family, q.addr, again, sizeof(again));
	FUZZ_CHECK(!strcmp(buf, again), "'%s' formats as '%s' then '%s'", s, buf, again);
}

static void check_prefix(const char *s)
{
	char buf[INET6_ADDRSTRLEN + 8], host[INET6_ADDRSTRLEN];
	struct prefix p, q;

	if (parse_prefix(s, &p)) {
		/* without a '/', a prefix is an address: the same verdict */
		FUZZ_CHECK(strchr(s, '/') || parse_addr(s, &q), "'%s' is an address but not a prefix", s);
		return;
	}
	FUZZ_CHECK(p.family == AF_INET || p.family == AF_INET6, "'%s' family %d", s, p.family);
	FUZZ_CHECK(p.len >= 0 && p.len <= bits(p.family), "'%s' len %d", s, p.len);
	if (!strchr(s, '/'))
		FUZZ_CHECK(!parse_addr(s, &q) && same(&p, &q), "'%s' differs as address and prefix", s);
	snprintf(buf, sizeof(buf), "%s/%d", format_addr(p.family, p.addr, host, sizeof(host)), p.len);
	FUZZ_CHECK(!parse_prefix(buf, &q) && same(&p, &q), "'%s' formats as '%s', which parses differently", s, buf);
	FUZZ_CHECK(prefix_contains(&p, &p), "'%s' does not contain itself", s);
}

/* prefix_contains, computed another way: whole bytes, then the masked rest */
static int oracle_contains(const struct prefix *p, const struct prefix *a)
{
	int full = p->len / 8, rest = p->len % 8;
	unsigned char mask = (unsigned char)(0xff << (8 - rest));

	if (p->family != a->family)
		return 0;
	if (memcmp(p->addr, a->addr, (size_t)full))
		return 0;
	return !rest || !((p->addr[full] ^ a->addr[full]) & mask);
}

static void check_net(const char *s, const char *t)
{
	struct prefix net, a;
	int i;

	if (parse_net(s, &net))
		return;
	if (!strcmp(s, "default")) {
		FUZZ_CHECK(net.family == 0 && net.len == 0, "default has family %d", net.family);
		return;
	}
	FUZZ_CHECK(!parse_prefix(s, &a) && same(&net, &a), "'%s' differs as network and prefix", s);
	for (i = net.len; i < bits(net.family); i++)
		FUZZ_CHECK(!(net.addr[i / 8] & (0x80 >> (i % 8))), "'%s' has host bit %d set", s, i);
	if (parse_prefix(t, &a))
		return;
	FUZZ_CHECK(prefix_contains(&net, &a) == oracle_contains(&net, &a),
		   "'%s' contains '%s': %d, by the mask %d", s, t, prefix_contains(&net, &a),
		   oracle_contains(&net, &a));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, *t;

	fuzz_split(data, size, '\n', &s, &t);
	check_addr(s);
	check_prefix(s);
	check_net(s, t);
	free(s);
	free(t);
	return 0;
}
