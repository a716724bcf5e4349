/* fuzz_nat_to.c - NAT targets (nat.c): "addr", "addr:port", "[addr6]:port", "[addr6]", a bare IPv6
 * address. What parses is an address with a port in 0..65535 (0: none), and its text as
 * ns:nat_rules shows it ("a:p", "[a6]:p", "a") parses again to the same. */
#include <arpa/inet.h>
#include <sys/socket.h>

#include "fuzz.h"
#include "nat.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char host[INET6_ADDRSTRLEN], buf[INET6_ADDRSTRLEN + 16];
	struct prefix a, b;
	unsigned port, port2;
	char *s = fuzz_cstr(data, size);

	if (!nat_parse_to(s, &a, &port)) {
		FUZZ_CHECK(a.family == AF_INET || a.family == AF_INET6, "'%s' family %d", s, a.family);
		FUZZ_CHECK(a.len == (a.family == AF_INET ? 32 : 128), "'%s' len %d", s, a.len);
		FUZZ_CHECK(port <= 65535, "'%s' port %u", s, port);
		FUZZ_CHECK(!port || strchr(s, ':'), "'%s' port %u", s, port);
		format_addr(a.family, a.addr, host, sizeof(host));
		if (!port)
			snprintf(buf, sizeof(buf), "%s", host);
		else if (a.family == AF_INET6)
			snprintf(buf, sizeof(buf), "[%s]:%u", host, port);
		else
			snprintf(buf, sizeof(buf), "%s:%u", host, port);
		FUZZ_CHECK(!nat_parse_to(buf, &b, &port2) && port2 == port && b.family == a.family &&
			   !memcmp(a.addr, b.addr, sizeof(a.addr)),
			   "'%s' shown as '%s', which parses differently", s, buf);
	}
	free(s);
	return 0;
}
