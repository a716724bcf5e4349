/* fuzz.h - what the fuzz targets share: a broken property aborts with its words (libFuzzer keeps the
 * input), inputs become exact-size C strings or netlink messages framed as libmnl frames them. */
#ifndef NETLAB_FUZZ_H
#define NETLAB_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libmnl/libmnl.h>

/* a property every input must keep: on failure the target aborts, which
 * libFuzzer reports as a crash with the input saved */
#define FUZZ_CHECK(cond, ...)                                                   \
	do {                                                                    \
		if (!(cond)) {                                                  \
			fprintf(stderr, "fuzz: property broken: %s: ", #cond);  \
			fprintf(stderr, __VA_ARGS__);                           \
			fputc('\n', stderr);                                    \
			abort();                                                \
		}                                                               \
	} while (0)

/* The bytes up to the first NUL (the binding refuses a string holding one
 * before any parser sees it) as a malloc'd string of exactly that size, so
 * a read one byte past its end is AddressSanitizer's to report. */
static inline char *fuzz_cstr(const uint8_t *d, size_t n)
{
	size_t len = strnlen((const char *)d, n);
	char *s = malloc(len + 1);

	if (!s)
		abort();
	memcpy(s, d, len);
	s[len] = '\0';
	return s;
}

/* A C string out of data, split at the first byte sep: the first part in
 * *a, the rest (up to a NUL) in *b; both malloc'd. */
static inline void fuzz_split(const uint8_t *d, size_t n, char sep, char **a, char **b)
{
	const uint8_t *at = memchr(d, sep, n);
	size_t first = at ? (size_t)(at - d) : n;

	*a = fuzz_cstr(d, first);
	*b = at ? fuzz_cstr(at + 1, n - first - 1) : fuzz_cstr(d, 0);
}

#define FUZZ_MAX_MSGS 64

/* Each message of data, framed as libmnl frames a received buffer
 * (mnl_nlmsg_ok: a header, nlmsg_len at least that and within what is
 * left), handed to fn in a buffer of its own: its aligned length exactly,
 * the padding zeroed as the kernel zeroes it. A decoder reading past its
 * message is then AddressSanitizer's to report. The header and payload are
 * the input's, whatever they are. */
static inline void fuzz_each_msg(const uint8_t *d, size_t n,
				 void (*fn)(struct nlmsghdr *nlh, void *arg), void *arg)
{
	size_t off = 0, count = 0;

	while (n - off >= sizeof(struct nlmsghdr) && count++ < FUZZ_MAX_MSGS) {
		struct nlmsghdr h;
		struct nlmsghdr *m;
		size_t alen;

		memcpy(&h, d + off, sizeof(h));
		if (h.nlmsg_len < sizeof(h) || h.nlmsg_len > n - off)
			break;
		alen = MNL_ALIGN(h.nlmsg_len);
		if (!(m = calloc(1, alen)))
			abort();
		memcpy(m, d + off, h.nlmsg_len);
		fn(m, arg);
		free(m);
		if (alen >= n - off)
			break;
		off += alen;
	}
}

#endif
