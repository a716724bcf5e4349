/* fuzz_wg.c - wireguard's text inputs (wg.c, wgkey.c): a peer's endpoint ("a:p", "[a6]:p") and a
 * key (base64 of 32 bytes). An endpoint that parses has a family, a port in 1..65535, and its
 * text as ns:wg() shows it parses again to the same; a key that parses is canonical: it
 * formats back to the very text it came from. */
#include <sys/socket.h>

#include "fuzz.h"
#include "wg.h"

static void endpoint(const char *s)
{
	union wg_endpoint a, b;
	char buf[80];

	if (wg_parse_endpoint(s, &a))
		return;
	FUZZ_CHECK(a.sa.sa_family == AF_INET || a.sa.sa_family == AF_INET6, "'%s' family %d", s, a.sa.sa_family);
	FUZZ_CHECK(a.sa.sa_family == AF_INET ? a.in.sin_port != 0 : a.in6.sin6_port != 0, "'%s' port 0", s);
	FUZZ_CHECK(wg_format_endpoint(&a, buf, sizeof(buf)) && strlen(buf) < sizeof(buf) - 1, "'%s' formats", s);
	FUZZ_CHECK(!wg_parse_endpoint(buf, &b) && !memcmp(&a, &b, sizeof(a)),
		   "'%s' shown as '%s', which parses differently", s, buf);
}

static void key(const char *s)
{
	unsigned char k[WG_KEY];
	char buf[WG_KEY_B64 + 1];

	if (wg_key_from_base64(s, k) < 0)
		return;
	wg_key_to_base64(k, buf);
	FUZZ_CHECK(!strcmp(buf, s), "key '%s' formats back as '%s'", s, buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);

	endpoint(s);
	key(s);
	free(s);
	return 0;
}
