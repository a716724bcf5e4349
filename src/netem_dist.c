/* netem_dist.c - the normal, pareto and paretonormal tables of netem, generated here rather than read from iproute2's files. */
#include <limits.h>
#include <math.h>
#include <string.h>

#include "netem_dist.h"

/*
 * iproute2's netem/normal.c, pareto.c and paretonormal.c print these tables
 * at build time into NAME.dist, which tc reads. The same arithmetic, step
 * for step (the same double operations in the same order), gives the same
 * numbers: spec/qdisc_spec.lua compares the requests byte for byte.
 */
#define TABLESIZE 16384
#define FACTOR 8192.0		/* NETEM_DIST_SCALE */

static double cdf_normal(double x)
{
	return .5 + .5 * erf(x / sqrt(2.0));
}

/* the inverse of the normal CDF at TABLESIZE points, by sweeping x */
static void inverse_normal(double *table)
{
	double x;
	int i;

	memset(table, 0, (TABLESIZE + 1) * sizeof(*table));
	for (x = -10.0; x < 10.05; x += .00005) {
		i = (int)rint(TABLESIZE * cdf_normal(x));
		table[i] = x;
	}
}

static int clamp16(int v)
{
	return v < SHRT_MIN ? SHRT_MIN : v > SHRT_MAX ? SHRT_MAX : v;
}

/* pareto with a = 3 at i/65536, shifted and scaled as the generator does */
static int pareto_at(int i)
{
	double d = (double)i / (double)65536;

	d = 1.0 / pow(d, 1.0 / 3.0);
	d -= 1.5;
	d *= (4.0 / 3.0) * FACTOR;
	if (d > 32767)
		d = 32767;
	return (int)rint(d);
}

static void make(int16_t *out, int which)
{
	static double table[TABLESIZE + 1];
	int i, n;

	if (which != 1)
		inverse_normal(table);
	for (i = n = 0; i < TABLESIZE; i += 4, n++) {
		int normal = which != 1 ? (int)rint(table[i] * FACTOR) : 0;

		if (which == 0)
			out[n] = (int16_t)clamp16(normal);
		else if (which == 1)
			out[n] = (int16_t)pareto_at(65536 - 4 * i);
		else
			out[n] = (int16_t)clamp16((normal + 3 * pareto_at(65536 - 4 * i)) / 4);
	}
}

const int16_t *netem_dist(const char *name)
{
	static const char *const names[] = { "normal", "pareto", "paretonormal" };
	static int16_t tables[3][NETEM_DIST_LEN];
	static int made[3];
	int i;

	for (i = 0; i < 3 && strcmp(names[i], name); i++)
		;
	if (i == 3)
		return NULL;
	if (!made[i]) {
		make(tables[i], i);
		made[i] = 1;
	}
	return tables[i];
}
