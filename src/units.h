/* units.h - times, rates, sizes and percentages as tc writes them, and the kernel's packet-scheduler clock. */
#ifndef NETLAB_UNITS_H
#define NETLAB_UNITS_H

#include <stdint.h>

/*
 * Each parser reads a string the way iproute2's tc reads it (a number as
 * strtod takes it, then a unit suffix, case-insensitive) into a double in
 * the base unit, and returns NULL, or a short reason the value is refused
 * ("has an unknown unit", "is negative", ...). tc leaves NaN, infinities
 * and negatives to undefined behaviour; netlab refuses them.
 */
/* get_time: s|sec|secs, ms|msec|msecs, us|usec|usecs; a bare number is microseconds */
const char *units_time_us(const char *s, double *us);
/* get_time64: the same plus ns|nsec|nsecs, into nanoseconds */
const char *units_time_ns(const char *s, double *ns);
/* get_rate64: bit, kbit, mbit, gbit, tbit, kibit..., bps (bytes!), kbps...;
 * a bare number is bits per second; the result is bytes per second */
const char *units_rate(const char *s, double *bytes);
/* get_size: b, k|kb, m|mb, g|gb (powers of 1024), kbit, mbit, gbit; bare: bytes */
const char *units_size(const char *s, double *bytes);
/* parse_percent: "1.5%" or "1.5" (percent), 0..100; the result is a fraction 0..1 */
const char *units_percent(const char *s, double *fraction);

/* tc's set_percent: a fraction 0..1 scaled to 0..UINT32_MAX, rounded */
uint32_t units_percent_u32(double fraction);

/* The kernel's packet scheduler clock as /proc/net/psched tells it (tc_core.c). */
struct psched {
	double tick_in_usec;	/* ticks per microsecond */
	double clock_factor;	/* clock units per microsecond */
};
/* Read /proc/net/psched; 0 or -errno. */
int psched_load(struct psched *p);
/* tc_core_time2big: would usec in ticks overflow 32 bits? */
int psched_too_big(const struct psched *p, uint32_t usec);
/* tc_core_time2tick, tc_core_tick2time */
uint32_t psched_ticks(const struct psched *p, uint32_t usec);
uint32_t psched_usec(const struct psched *p, uint32_t ticks);
/* tc_calc_xmittime: ticks to send size bytes at rate bytes/s; tc_calc_xmitsize
 * (at most UINT32_MAX, where tc's cast is undefined) */
uint32_t psched_xmittime(const struct psched *p, uint64_t rate, uint32_t size);
uint32_t psched_xmitsize(const struct psched *p, uint64_t rate, uint32_t ticks);

#endif
