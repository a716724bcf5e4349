/* fuzz_sysctl.c - sysctl keys (sysctl.c): an accepted key's path is /proc/sys/net/..., the key with
 * its separator turned into '/', no part "." or "..", no empty part, and it fits the buffer it was
 * given; a buffer of any size is never written past its end. */
#include "fuzz.h"
#include "sysctl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *prefix = "/proc/sys/";
	size_t len, n, i, off;
	char *key, *path;
	int slashed;

	if (size < 1)
		return 0;
	/* the buffer's size: the binding's 512, or a small one, from the first byte */
	len = data[0] == 0xff ? 512 : data[0];
	key = fuzz_cstr(data + 1, size - 1);
	if (!(path = malloc(len ? len : 1)))
		abort();
	if (!sysctl_path(key, path, len)) {
		n = strlen(key);
		off = strlen(prefix);
		FUZZ_CHECK(strnlen(path, len) < len, "'%s': path not terminated within %zu", key, len);
		FUZZ_CHECK(!strncmp(path, "/proc/sys/net/", 14), "'%s' as '%s'", key, path);
		FUZZ_CHECK(strlen(path) == off + n, "'%s' as '%s'", key, path);
		slashed = strchr(key, '/') != NULL;
		for (i = 0; i < n; i++)
			FUZZ_CHECK(path[off + i] == (key[i] == (slashed ? '/' : '.') ? '/' : key[i]),
				   "'%s' as '%s' at %zu", key, path, i);
		FUZZ_CHECK(!strstr(path, "/../") && !strstr(path, "/./") && !strstr(path, "//"),
			   "'%s' as '%s'", key, path);
		FUZZ_CHECK(strcmp(path + strlen(path) - 2, "/.") && strcmp(path + strlen(path) - 3, "/.."),
			   "'%s' as '%s'", key, path);
	}
	free(key);
	free(path);
	return 0;
}
