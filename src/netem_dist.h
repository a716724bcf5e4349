/* netem_dist.h - netem's delay distribution tables, computed as iproute2's netem/ generators compute them. */
#ifndef NETLAB_NETEM_DIST_H
#define NETLAB_NETEM_DIST_H

#include <stdint.h>

#define NETEM_DIST_LEN 4096	/* entries of each table iproute2 ships */

/* The table of a distribution ("normal", "pareto", "paretonormal"), the
 * same numbers as tc's NAME.dist; NULL for an unknown name. Computed on
 * first use (a few milliseconds) and kept: it never changes. */
const int16_t *netem_dist(const char *name);

#endif
