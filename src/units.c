/* units.c - tc's units (tc_util.c, utils_math.c) and its view of the scheduler clock (tc_core.c), refusing what tc would misread. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "units.h"

struct unit {
	const char *name;
	double scale;
};

/* the number at the start of s, as tc's strtod reads it; *end after it */
static const char *number(const char *s, double *v, const char **end)
{
	char *p;

	if (!s[0])
		return "is empty";
	/* strtod would skip it, and a value with spaces in tc's argv is two */
	if (isspace((unsigned char)s[0]))
		return "starts with whitespace";
	*v = strtod(s, &p);
	if (p == s)
		return "is not a number";
	if (isnan(*v) || isinf(*v))
		return "is not a finite number";
	if (*v < 0 || (*v == 0 && signbit(*v)))
		return "is negative";
	*end = p;
	return NULL;
}

/* s with an optional unit of units (case-insensitive); bare: scale 1 */
static const char *scaled(const char *s, const struct unit *units, double *out)
{
	const char *end, *why;
	double v;
	int i;

	if ((why = number(s, &v, &end)))
		return why;
	if (*end) {
		for (i = 0; units[i].name && strcasecmp(units[i].name, end); i++)
			;
		if (!units[i].name)
			return "has an unknown unit";
		v *= units[i].scale;
	}
	if (isinf(v))
		return "is out of range";
	*out = v;
	return NULL;
}

const char *units_time_us(const char *s, double *us)
{
	static const struct unit u[] = {
		{ "s", 1e6 }, { "sec", 1e6 }, { "secs", 1e6 },
		{ "ms", 1e3 }, { "msec", 1e3 }, { "msecs", 1e3 },
		{ "us", 1 }, { "usec", 1 }, { "usecs", 1 }, { NULL, 0 }
	};

	return scaled(s, u, us);
}

const char *units_time_ns(const char *s, double *ns)
{
	static const struct unit u[] = {
		{ "s", 1e9 }, { "sec", 1e9 }, { "secs", 1e9 },
		{ "ms", 1e6 }, { "msec", 1e6 }, { "msecs", 1e6 },
		{ "us", 1e3 }, { "usec", 1e3 }, { "usecs", 1e3 },
		{ "ns", 1 }, { "nsec", 1 }, { "nsecs", 1 }, { NULL, 0 }
	};

	return scaled(s, u, ns);
}

const char *units_rate(const char *s, double *bytes)
{
	/* bits per second; the "Bps" family is bytes (tc's table, in its order) */
	static const struct unit u[] = {
		{ "bit", 1. }, { "Kibit", 1024. }, { "kbit", 1000. },
		{ "mibit", 1024. * 1024. }, { "mbit", 1000000. },
		{ "gibit", 1024. * 1024. * 1024. }, { "gbit", 1000000000. },
		{ "tibit", 1024. * 1024. * 1024. * 1024. }, { "tbit", 1000000000000. },
		{ "Bps", 8. }, { "KiBps", 8. * 1024. }, { "KBps", 8000. },
		{ "MiBps", 8. * 1024 * 1024. }, { "MBps", 8000000. },
		{ "GiBps", 8. * 1024. * 1024. * 1024. }, { "GBps", 8000000000. },
		{ "TiBps", 8. * 1024. * 1024. * 1024. * 1024. }, { "TBps", 8000000000000. },
		{ NULL, 0 }
	};
	const char *why = scaled(s, u, bytes);

	if (!why)
		*bytes /= 8;
	return why;
}

const char *units_size(const char *s, double *bytes)
{
	static const struct unit u[] = {
		{ "kb", 1024 }, { "k", 1024 }, { "gb", 1024. * 1024 * 1024 }, { "g", 1024. * 1024 * 1024 },
		{ "gbit", 1024. * 1024 * 1024 / 8 }, { "mb", 1024 * 1024 }, { "m", 1024 * 1024 },
		{ "mbit", 1024 * 1024 / 8 }, { "kbit", 1024 / 8 }, { "b", 1 }, { NULL, 0 }
	};

	return scaled(s, u, bytes);
}

const char *units_percent(const char *s, double *fraction)
{
	const char *end, *why;
	double v;

	if ((why = number(s, &v, &end)))
		return why;
	if (*end && strcmp(end, "%"))
		return "has an unknown unit (only '%')";
	v /= 100.;
	if (v > 1.0)
		return "is over 100%";
	*fraction = v;
	return NULL;
}

uint32_t units_percent_u32(double fraction)
{
	return (uint32_t)rint(fraction * UINT32_MAX);
}

#define TIME_UNITS_PER_SEC 1000000

int psched_load(struct psched *p)
{
	unsigned t2us, us2t, clock_res;
	FILE *f = fopen("/proc/net/psched", "re");
	int n;

	if (!f)
		return -errno;
	n = fscanf(f, "%08x%08x%08x", &t2us, &us2t, &clock_res);
	fclose(f);
	if (n != 3 || !us2t)
		return -EPROTO;
	/* the kernel says 1000 for a nanosecond clock, which tc takes as 1 */
	if (clock_res == 1000000000)
		t2us = us2t;
	p->clock_factor = (double)clock_res / TIME_UNITS_PER_SEC;
	p->tick_in_usec = (double)t2us / us2t * p->clock_factor;
	return 0;
}

int psched_too_big(const struct psched *p, uint32_t usec)
{
	uint64_t t = usec;

	t = (uint64_t)(t * p->tick_in_usec);
	return (t >> 32) != 0;
}

uint32_t psched_ticks(const struct psched *p, uint32_t usec)
{
	return (uint32_t)(usec * p->tick_in_usec);
}

uint32_t psched_usec(const struct psched *p, uint32_t ticks)
{
	return (uint32_t)(ticks / p->tick_in_usec);
}

uint32_t psched_xmittime(const struct psched *p, uint64_t rate, uint32_t size)
{
	/* as tc: the time in microseconds is truncated before it becomes ticks */
	return psched_ticks(p, (uint32_t)(TIME_UNITS_PER_SEC * ((double)size / (double)rate)));
}

uint32_t psched_xmitsize(const struct psched *p, uint64_t rate, uint32_t ticks)
{
	double size = ((double)rate * psched_usec(p, ticks)) / TIME_UNITS_PER_SEC;

	/* a record's 64-bit rate over its ticks can be more than 32 bits of
	 * bytes (tc's cast is undefined there): the most a size holds */
	return size >= 4294967295.0 ? UINT32_MAX : (uint32_t)size;
}
