/* proc.h - the user's own commands, run inside a namespace (fork/exec exists only for this). */
#ifndef NETLAB_PROC_H
#define NETLAB_PROC_H

#include <stddef.h>
#include "ns.h"

struct run_req {
	char *const *argv;	/* argv[0] is looked up in PATH */
	char *const *env;	/* "NAME=value" set on top of the environment, or NULL */
	const char *in;		/* stdin contents, or NULL for /dev/null */
	size_t inlen;
	double timeout;		/* seconds; <= 0: none */
};

struct run_result {
	int status;		/* exit status; 128 + signal when killed */
	int signal;		/* the signal that ended it, or 0 */
	int timed_out;		/* killed because the timeout passed */
	char *out, *err;	/* malloc'd, NUL-terminated; free with run_result_free */
	size_t outlen, errlen;
};

/* Run argv inside ns with a private mount namespace whose /sys shows ns's
 * devices (as `ip netns exec` does), capture stdout and stderr, wait for it.
 * Returns 0, or -errno when it could not be started (exec's errno included). */
int proc_run(struct ns *ns, const struct run_req *req, struct run_result *res);
void run_result_free(struct run_result *res);

#endif
