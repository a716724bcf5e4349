/* proc.h - the user's own commands, run inside a namespace (fork/exec exists only for this). */
#ifndef NETLAB_PROC_H
#define NETLAB_PROC_H

#include <stddef.h>
#include "ns.h"
#include "tail.h"
#include "tree.h"

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
 * Whatever it started, at any depth, is killed when it has exited or timed
 * out (its tree). Returns 0, or -errno when it could not be started (exec's
 * errno included) or a signal interrupted the wait (-EINTR: the command is
 * killed). */
int proc_run(struct ns *ns, const struct run_req *req, struct run_result *res, struct err *e);
void run_result_free(struct run_result *res);

/* Replace this process by argv running inside ns (as `ip netns exec`):
 * stdio, exit status and signals pass straight through. Returns -errno
 * only when that failed. as_user: in a user namespace of an ordinary
 * user's, the command runs as that user's own uid and gid, without
 * capabilities (userns_as_owner): a failed exec then leaves the process
 * there, in ns (it cannot come back). */
int proc_exec(struct ns *ns, char *const *argv, char *const *env, int as_user, struct err *e);

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
	int tail;		/* keep the last bytes of stderr (proc_tail) */
	int keep_output;	/* stdout and stderr both to a memory file (proc.output); out and err ignored */
};

/* A started command: its process, and the tree of what it starts. */
struct proc {
	int pid;		/* -1: none */
	int pidfd;		/* poll it for the exit; -1 when the kernel has none */
	struct tree tree;
	int copier;		/* with tail: the process copying stderr, -1: none */
	struct tail *tail;	/* with tail: what it kept, NULL: none */
	int forked;		/* made by proc_fork: its commands' cgroups go with it */
	int output;		/* with keep_output: the memory file (output.h), -1: none */
};

/* Start argv inside ns (NULL: right here, no namespace or mount changes)
 * in the background, in a process group of its own unless foreground.
 * Returns 0 or -errno (an output file that cannot be opened, exec's errno). */
int proc_spawn(struct ns *ns, const struct spawn_req *req, struct proc *p, struct err *e);
/* From now on, every command starts in the PID namespace of fd (the
 * interpreter's lab; -1: where this process is). */
void proc_pid_namespace(int fd);

/* Fork this process, to go on with the caller's own code beside it (the
 * lab's timeline). Returns 0 in the child, whose signals are back at their
 * defaults and unblocked and which is killed when the parent dies; the
 * child's pid in the parent, with p filled: a tree of its own, so a kill
 * reaches what it started too, and proc_release removes the cgroups of
 * the commands it ran. -errno when the fork failed. */
int proc_fork(struct proc *p, struct err *e);
/* Reap the process if it has exited: 1 and *status (128 + signal when
 * killed) if it has, 0 if it runs, -errno (-EINTR: a signal came while
 * waiting). With timeout < 0 wait for ever. */
int proc_wait(struct proc *p, double timeout, int *status, int *signal);
/* Send sig to the process and everything it started; how many processes
 * it reached, or -errno. */
int proc_signal(struct proc *p, int sig);
/* The last bytes (at most TAIL_SIZE) the command and what it started wrote
 * to stderr, into buf (len > TAIL_SIZE, NUL-terminated); -1 when the
 * command was started without tail. Once it has ended (ended), what it
 * wrote last is waited for a moment (200 ms at most). */
long proc_tail(struct proc *p, int ended, char *buf, size_t len);
/* Kill what is left of the tree, reap the process if it is still there,
 * and free what the handle holds. */
void proc_release(struct proc *p);

#endif
