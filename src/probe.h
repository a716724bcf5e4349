/* probe.h - reachability probes run from inside a namespace without forking: ICMP echo and TCP connect. */
#ifndef NETLAB_PROBE_H
#define NETLAB_PROBE_H

#include <stddef.h>
#include "ns.h"

struct probe_result {
	int ok;			/* 1: reached */
	double rtt_ms;		/* round trip of the first answer (ping) or the handshake (connect) */
	char reason[128];	/* why not, when !ok */
};

/* Send up to count echo requests spread over timeout seconds; succeed on the
 * first matching reply. Returns 0 (see res: not reaching is a result, not a
 * failure) or -errno when no probe could be made at all (no socket). */
int probe_ping(struct ns *ns, const struct prefix *dst, int count, double timeout,
	       struct probe_result *res, struct err *e);
/* A TCP handshake with dst:port within timeout seconds. */
int probe_connect(struct ns *ns, const struct prefix *dst, unsigned port, double timeout,
		  struct probe_result *res, struct err *e);

/* A connection to the unix stream socket at path ("@name": an abstract
 * one, which lives in ns) within timeout seconds. */
int probe_unix(struct ns *ns, const char *path, double timeout, struct probe_result *res, struct err *e);

#endif
