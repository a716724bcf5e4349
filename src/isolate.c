/* isolate.c - what keeps a lab's processes apart and leaves nothing when it dies: a PID namespace whose init reaps them (the private network and mount namespace: userns.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "netlab.h"
#include "proc.h"
#include "tree.h"

/* The interpreter is gone: kill everything in the namespace (kill(-1)
 * from an init reaches its namespace only), reap it, and remove the
 * cgroups the interpreter made for its commands. */
static void __attribute__((noreturn)) lab_end(int interpreter)
{
	kill(-1, SIGKILL);
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
	tree_cleanup(interpreter);
	_exit(0);
}

/* pid 1 of the lab's PID namespace: it reaps the orphans reparented to it,
 * and when the interpreter dies (SIGTERM by PDEATHSIG, or its end of the
 * pipe closing) it ends the namespace: the kernel kills every process left
 * in a PID namespace whose init is gone. */
static void __attribute__((noreturn)) lab_init(int alive, int interpreter)
{
	struct pollfd pf[2];
	sigset_t all;
	int null;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);	/* signals arrive through the signalfd */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	/* nothing of the interpreter's: no terminal, no pipe held open */
	if ((null = open("/dev/null", O_RDWR)) >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
	}
	if (alive != 3 && dup2(alive, 3) < 0)
		_exit(0);
	syscall(SYS_close_range, 4, ~0U, 0);
	pf[0] = (struct pollfd){ .fd = 3, .events = POLLIN };
	pf[1] = (struct pollfd){ .fd = signalfd(-1, &all, SFD_CLOEXEC), .events = POLLIN };
	for (;;) {
		struct signalfd_siginfo si;

		if (poll(pf, 2, pf[1].fd < 0 ? 200 : -1) > 0 && (pf[0].revents & (POLLHUP | POLLERR)))
			lab_end(interpreter);
		if ((pf[1].revents & POLLIN) && read(pf[1].fd, &si, sizeof(si)) == sizeof(si) &&
		    si.ssi_signo == SIGTERM)
			lab_end(interpreter);
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
	}
}

/* the lab's init and this process's end of its pipe, for lab_leave */
static pid_t lab_init_pid, lab_owner;
static int lab_alive = -1;

/* At exit: the lab's init ends (its pipe closes) and is reaped before
 * this process is gone, so when the caller sees the interpreter end, no
 * process of the lab is left, and this process, the last one in the
 * private mount namespace, takes its mounts (the lab's namespaces) along. */
static void lab_leave(void)
{
	if (getpid() != lab_owner || lab_alive < 0)
		return;
	int fd = (int)syscall(SYS_pidfd_open, lab_init_pid, 0);
	struct pollfd pf = { .fd = fd, .events = POLLIN };

	close(lab_alive);
	lab_alive = -1;
	/* five seconds at most: a process stuck in the kernel does not hold
	 * the exit (init then ends on its own, as after SIGKILL) */
	if (fd >= 0) {
		while (poll(&pf, 1, 5000) < 0 && errno == EINTR)
			;
		close(fd);
	}
	waitpid(lab_init_pid, NULL, WNOHANG);
}

/*
 * Every process the lab starts from now on, at any depth, lives in a PID
 * namespace whose init dies with this process: a lab killed by SIGKILL
 * leaves no process behind to hold one of its namespaces. This process
 * stays where it is (its pid is what /proc/PID/... paths name), and so do
 * the children it makes for itself: proc.c puts only the commands it
 * starts into the lab's namespace. (A process whose own children went to
 * another PID namespace could not make a thread of its own any more:
 * LeakSanitizer, for one, waits for ever at exit.)
 */
int netlab_pid_namespace(void)
{
	int alive[2], own, lab;
	pid_t pid, self = getpid();

	if (pipe2(alive, O_CLOEXEC) < 0)
		return -errno;
	if ((own = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC)) < 0 || unshare(CLONE_NEWPID) < 0)
		goto fail;
	pid = fork();
	if (pid == 0) {
		close(alive[1]);
		lab_init(alive[0], self);
	}
	/* the lab's namespace, for the commands; this process's children
	 * are born where it is again */
	lab = pid < 0 ? -1 : open("/proc/self/ns/pid_for_children", O_RDONLY | O_CLOEXEC);
	if (lab < 0)
		goto fail;
	/* a rootless lab's process may not enter a PID namespace of the real host's user
	 * namespace again (EPERM): all its children are born in the lab's then, and die with it */
	if (setns(own, CLONE_NEWPID) == 0)
		proc_pid_namespace(lab);
	else if (errno == EPERM)
		close(lab);
	else
		goto fail;
	close(own);
	/* kept open for as long as this process lives: init's sign of life */
	close(alive[0]);
	lab_init_pid = pid;
	lab_owner = self;
	lab_alive = alive[1];
	atexit(lab_leave);
	return 0;
fail:
	return -errno;
}
