/* fuzz_rtprot.c - routing protocol names (rtprot.c): a line of rt_protos or rt_protos.d as
 * iproute2 reads it, cut into names of every buffer size, and a name or number as route_add's
 * proto takes it. A line taken gives an id in 0..255 and a name that is a whitespace-free piece
 * of the line, terminated within its buffer; a name taken by rtprot_id is a number in 0..255. */
#include <ctype.h>

#include "fuzz.h"
#include "rtprot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	size_t len, sizes[] = { 1, 2, 3, 8, 16, 512 }, i, k;
	unsigned id;
	int r, id2;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		char *name;

		len = sizes[i];
		if (!(name = malloc(len)))
			abort();
		memset(name, 'Z', len);
		id = 999;
		r = rtprot_parse_line(s, &id, name, len);
		FUZZ_CHECK(r >= -1 && r <= 1, "'%s' gave %d", s, r);
		if (r == 1) {
			FUZZ_CHECK(id < 256, "'%s' id %u", s, id);
			FUZZ_CHECK(memchr(name, '\0', len) != NULL, "'%s' name unterminated in %zu bytes", s, len);
			for (k = 0; name[k]; k++)
				FUZZ_CHECK(!isspace((unsigned char)name[k]), "'%s' name '%s' has white space", s, name);
			FUZZ_CHECK(len == 1 || k > 0, "'%s' empty name in %zu bytes", s, len);
			FUZZ_CHECK(strstr(s, name) != NULL, "'%s' name '%s' is not in the line", s, name);
		} else {
			FUZZ_CHECK(id == 999, "'%s' gave %d yet set the id", s, r);
		}
		free(name);
	}
	id2 = rtprot_id(s);
	FUZZ_CHECK(id2 >= -1 && id2 < 256, "'%s' id %d", s, id2);
	if (id2 >= 0 && rtprot_name((unsigned)id2))
		FUZZ_CHECK(rtprot_id(rtprot_name((unsigned)id2)) >= 0, "'%s': %d's name is no name", s, id2);
	free(s);
	return 0;
}
