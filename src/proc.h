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
 * Returns 0, or -errno when it could not be started (exec's errno included)
 * or a signal interrupted the wait (-EINTR: the command is killed). */
int proc_run(struct ns *ns, const struct run_req *req, struct run_result *res, struct err *e);
void run_result_free(struct run_result *res);

/* Replace this process by argv running inside ns (as `ip netns exec`):
 * stdio, exit status and signals pass straight through. Returns -errno
 * only when that failed. */
int proc_exec(struct ns *ns, char *const *argv, char *const *env, struct err *e);

struct spawn_req {
	char *const *argv;
	char *const *env;
	const char *out;	/* file for stdout, NULL: /dev/null */
	const char *err;	/* file for stderr, NULL: /dev/null */
	int err_to_out;		/* stderr goes where stdout goes */
	int append;		/* append to the files instead of truncating */
	/* the caller's terminal job: stdin, stdout and stderr are the caller's
	 * own, and the command stays in the caller's process group (Ctrl-C
	 * reaches it); out, err and append are ignored */
	int foreground;
};

/* Start argv inside ns (NULL: right here, no namespace or mount changes)
 * in the background, in a process group of its own unless foreground.
 * *pidfd (poll it for the exit) belongs to the caller. Returns 0 or -errno
 * (an output file that cannot be opened, exec's errno). */
int proc_spawn(struct ns *ns, const struct spawn_req *req, int *pid, int *pidfd, struct err *e);
/* Reap pid if it has exited: 1 and *status (128 + signal when killed) if
 * it has, 0 if it runs, -errno (-EINTR: a signal came while waiting). With
 * timeout < 0 wait for ever. */
int proc_wait(int pid, int pidfd, double timeout, int *status, int *signal);

#endif
