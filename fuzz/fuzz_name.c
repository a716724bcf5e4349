/* fuzz_name.c - device, namespace and nf_tables table names (parse.c, nat.c): an accepted name is
 * within its length, one path component that is neither "." nor "..", and free of what would
 * change its meaning ('/', whitespace, control bytes; ':' for a device). */
#include <ctype.h>

#include "fuzz.h"
#include "nat.h"
#include "parse.h"

static void check_component(const char *kind, const char *s)
{
	char path[NSNAME_MAX + 32];
	size_t i, n = strlen(s);

	FUZZ_CHECK(n >= 1, "empty %s accepted", kind);
	FUZZ_CHECK(!strchr(s, '/'), "%s '%s' has '/'", kind, s);
	FUZZ_CHECK(strcmp(s, ".") && strcmp(s, ".."), "%s '%s' accepted", kind, s);
	FUZZ_CHECK(!strstr(s, ".."), "%s '%s' has '..'", kind, s);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		FUZZ_CHECK(c >= 0x20 && c != 0x7f && !isspace(c), "%s '%s' has byte 0x%02x", kind, s, c);
	}
	/* where `ip netns` puts it: one file right under the directory */
	snprintf(path, sizeof(path), "/run/netns/%s", s);
	FUZZ_CHECK(strchr(path + strlen("/run/netns/"), '/') == NULL, "%s '%s' is not one component", kind, s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	size_t n = strlen(s), i;

	if (!parse_ifname(s)) {
		check_component("device name", s);
		FUZZ_CHECK(n <= IFNAME_MAX, "device name of %zu bytes", n);
		FUZZ_CHECK(!strchr(s, ':'), "device name '%s' has ':'", s);
		/* a device name is a namespace name too */
		FUZZ_CHECK(!parse_nsname(s), "device name '%s' is no namespace name", s);
	}
	if (!parse_nsname(s)) {
		check_component("namespace name", s);
		FUZZ_CHECK(n <= NSNAME_MAX, "namespace name of %zu bytes", n);
	}
	if (!nat_check_table(s)) {
		FUZZ_CHECK(n >= 1 && n <= NAT_TABLE_MAX, "table name of %zu bytes", n);
		FUZZ_CHECK(s[0] != '-', "table name '%s'", s);
		for (i = 0; i < n; i++)
			FUZZ_CHECK(isalnum((unsigned char)s[i]) || strchr("_-.", s[i]),
				   "table name '%s' has byte 0x%02x", s, (unsigned char)s[i]);
	}
	free(s);
	return 0;
}
