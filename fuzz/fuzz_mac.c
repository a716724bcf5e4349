/* fuzz_mac.c - MAC addresses (parse.c): what parse_mac takes is unicast, not all zero, and formats
 * back to its own text in lower case; format_mac of any bytes fits any buffer it is given. */
#include <ctype.h>

#include "fuzz.h"
#include "parse.h"

static void check_parse(const char *s)
{
	unsigned char mac[6], again[6];
	char buf[18], lower[18];
	int i;

	if (parse_mac(s, mac))
		return;
	FUZZ_CHECK(strlen(s) == 17, "'%s' accepted", s);
	FUZZ_CHECK(!(mac[0] & 1), "'%s' is multicast", s);
	FUZZ_CHECK(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5], "'%s' is all zero", s);
	format_mac(mac, 6, buf, sizeof(buf));
	for (i = 0; i < 17; i++)
		lower[i] = (char)tolower((unsigned char)s[i]);
	lower[17] = '\0';
	FUZZ_CHECK(!strcmp(buf, lower), "'%s' formats as '%s'", s, buf);
	FUZZ_CHECK(!parse_mac(buf, again) && !memcmp(mac, again, 6), "'%s' formats as '%s', which parses differently", s, buf);
}

/* the bytes of any link-layer address (up to 32, as a dump gives), into a
 * buffer of any size of at least 1: always terminated, whole when it fits */
static void check_format(const uint8_t *d, size_t n)
{
	size_t len, size, i;
	char *buf;

	if (n < 2)
		return;
	len = d[0] % 33;
	size = 1 + d[1] % 100;
	d += 2;
	n -= 2;
	if (len > n)
		len = n;
	if (!(buf = malloc(size)))
		abort();
	format_mac(d, (int)len, buf, size);
	FUZZ_CHECK(strnlen(buf, size) < size, "%zu bytes into %zu: not terminated", len, size);
	if (len && size >= 3 * len) {
		FUZZ_CHECK(strlen(buf) == 3 * len - 1, "%zu bytes as '%s'", len, buf);
		for (i = 0; i < len; i++) {
			unsigned v;
			FUZZ_CHECK(sscanf(buf + 3 * i, "%2x", &v) == 1 && v == d[i], "byte %zu of '%s'", i, buf);
		}
	}
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);

	check_parse(s);
	free(s);
	check_format(data, size);
	return 0;
}
