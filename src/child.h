/* child.h - what proc.c (exec, spawn) and run.c (captured output) share: one way to start a child. */
#ifndef NETLAB_CHILD_H
#define NETLAB_CHILD_H

#include <sys/types.h>

#include "ns.h"
#include "tree.h"

/* what a child does between fork and exec */
struct child {
	struct ns *ns;		/* NULL: stay where the parent is */
	char *const *argv;
	char *const *env;
	int in, out, err;	/* become stdin, stdout, stderr; -1 keeps the parent's */
	struct tree *tree;	/* the cgroup it joins; its pgid is set once started */
	int own_group;		/* a process group of its own: a kill reaches what it started */
	int truncate_out;	/* truncate the file out (err) first: opened without O_TRUNC */
	int truncate_err;
	int append;		/* write at the end of out and err */
	int errfd;		/* CLOEXEC pipe: the errno of a failure before exec */
};

/* fork c (in the commands' PID namespace) and wait until it has exec'd:
 * its pid, or -errno (exec's) */
int child_start(struct child *c);

/* fork, the child in the commands' PID namespace (proc_pid_namespace)
 * and born in t's cgroup (t may be NULL); for a child that execs */
pid_t child_fork(const struct tree *t);

/* CLOCK_MONOTONIC in seconds */
double proc_now(void);

/* close *fd if open, and mark it closed (-1) */
void close_fd(int *fd);

#endif
