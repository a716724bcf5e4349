/* proc.c - fork/exec of user commands inside a namespace: exec, spawn and wait. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "child.h"
#include "proc.h"
#include "output.h"
#include "userns.h"

double proc_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* ---- the child: from fork to exec -------------------------------------- */

/* Enter ns the way `ip netns exec` does: its network namespace and a
 * private mount namespace whose /sys lists ns's devices (the host handle's
 * /sys is the one the process already sees). 0 or -errno. */
static int enter(struct ns *ns)
{
	if (!ns)
		return 0;
	if (setns(ns->fd, CLONE_NEWNET) < 0)
		return -errno;
	if (ns->kind == NS_HOST)
		return 0;
	if (unshare(CLONE_NEWNS) < 0 || mount("", "/", "none", MS_SLAVE | MS_REC, NULL) < 0)
		return -errno;
	if (umount2("/sys", MNT_DETACH) == 0 || errno == EINVAL)
		mount("sysfs", "/sys", "sysfs", 0, NULL);
	return 0;
}

/* Enter ns, add env, exec argv; returns only on failure, with errno set.
 * It runs in a child forked from a single-threaded process (the binding
 * starts no threads), where putenv and execvp's PATH search are safe
 * although not async-signal-safe. */
static void enter_and_exec(struct ns *ns, char *const *argv, char *const *env)
{
	int i, ret;

	if ((ret = enter(ns)) < 0) {
		errno = -ret;
		return;
	}
	for (i = 0; env && env[i]; i++)
		putenv(env[i]);
	execvp(argv[0], argv);
}

static int redirect(int fd, int to)
{
	return fd < 0 || dup2(fd, to) >= 0 ? 0 : -1;
}

/* In the child: a clean signal state, its own process group, the files as
 * stdio, then enter_and_exec; a failure's errno goes to errfd. */
static void child(const struct child *c)
{
	sigset_t none;
	int e, i;

	/* born in its tree (child_fork): what it starts is in it too */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (i = 1; i < NSIG; i++)
		if (i != SIGKILL && i != SIGSTOP)
			signal(i, SIG_DFL);
	if (c->own_group)
		setpgid(0, 0);
	/* it dies with the process that started it: a killed lab leaves no
	 * process holding one of its namespaces. Had that one died already,
	 * the reading end of errfd would be closed (the parent holds it until
	 * exec): a test that, unlike getppid(), holds across PID namespaces */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	{
		struct pollfd gone = { .fd = c->errfd, .events = POLLOUT };
		if (poll(&gone, 1, 0) > 0 && (gone.revents & POLLERR))
			_exit(127);
	}
	/* files are truncated only now, when nothing else can fail early */
	if ((c->truncate_out && ftruncate(c->out, 0) < 0) ||
	    (c->truncate_err && ftruncate(c->err, 0) < 0))
		goto fail;
	if (c->append) {
		lseek(c->out, 0, SEEK_END);
		lseek(c->err, 0, SEEK_END);
	}
	if (redirect(c->in, 0) == 0 && redirect(c->out, 1) == 0 && redirect(c->err, 2) == 0)
		enter_and_exec(c->ns, c->argv, c->env);
fail:
	e = errno;
	if (write(c->errfd, &e, sizeof(e)) < 0) {
		/* nothing left to tell */
	}
	_exit(127);
}

/* the child's errno if exec failed (the CLOEXEC pipe carried it), else 0 */
static int exec_result(int pid, int fd)
{
	ssize_t n;
	int e, status;

	do {
		n = read(fd, &e, sizeof(e));
	} while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(e))
		return 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return -e;
}

/* The PID namespace commands start in, and this process's own (-1: where
 * this process is): set once by the interpreter for its lab, a fact of
 * the process like its pid. */
static int pidns = -1, ownns = -1;

void proc_pid_namespace(int fd)
{
	if (ownns < 0)
		ownns = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	pidns = ownns < 0 ? -1 : fd;
}

/* fork: into the commands' PID namespace for this one fork, then back;
 * the child is born in t's cgroup */
pid_t child_fork(const struct tree *t)
{
	pid_t pid;
	int e;

	if (pidns >= 0 && setns(pidns, CLONE_NEWPID) < 0)
		return -1;
	pid = tree_fork(t);
	e = errno;
	/* every later child of this process would be born in the wrong place */
	if (pidns >= 0 && pid != 0 && setns(ownns, CLONE_NEWPID) < 0)
		abort();
	errno = e;
	return pid;
}

/* fork c and wait until it has exec'd: its pid, or -errno (exec's) */
int child_start(struct child *c)
{
	int ex[2], ret;
	pid_t pid;

	if (pipe2(ex, O_CLOEXEC) < 0)
		return -errno;
	c->errfd = ex[1];
	pid = child_fork(c->tree);
	if (pid < 0) {
		ret = -errno;
		close(ex[0]);
		close(ex[1]);
		return ret;
	}
	if (pid == 0)
		child(c);
	if (c->own_group) {
		setpgid(pid, pid);	/* as the child does: no race with a kill */
		c->tree->pgid = pid;
	}
	close(ex[1]);
	ret = exec_result(pid, ex[0]);
	close(ex[0]);
	return ret < 0 ? ret : pid;
}

/* this process's environment with env's "NAME=value" on top (malloc'd) */
static char **merged_env(char *const *env)
{
	size_t n = 0, m = 0, i, j, k = 0;
	char **v;

	while (environ && environ[n])
		n++;
	while (env && env[m])
		m++;
	if (!(v = malloc((n + m + 1) * sizeof(*v))))
		return NULL;
	for (i = 0; i < n; i++) {
		size_t len = strcspn(environ[i], "=");
		for (j = 0; j < m && (strncmp(env[j], environ[i], len) || env[j][len] != '='); j++)
			;
		if (j == m)
			v[k++] = environ[i];	/* not overridden */
	}
	for (j = 0; j < m; j++)
		v[k++] = env[j];
	v[k] = NULL;
	return v;
}

/* back where the process was before a failed exec: network and mount
 * namespace (setns to a mount namespace moves the cwd to its root: cwd
 * puts it back) */
static void come_back(int net, int mnt, int cwd)
{
	if (setns(net, CLONE_NEWNET) < 0 || setns(mnt, CLONE_NEWNS) < 0) {
		/* going on in the wrong namespace would send all that follows
		 * to the wrong place */
		fprintf(stderr, "netns: exec failed and cannot return to where it was: %s\n",
			strerror(errno));
		abort();
	}
	if (fchdir(cwd) < 0) {
		/* the directory may be gone in the meantime; the namespace is right */
	}
}

int proc_exec(struct ns *ns, char *const *argv, char *const *env, int as_user, struct err *e)
{
	int net = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	int mnt = open("/proc/thread-self/ns/mnt", O_RDONLY | O_CLOEXEC);
	int cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC), ret, moved = 0;
	/* the environment goes to exec whole: this process's is never changed */
	char **envp = merged_env(env);

	if (net < 0 || mnt < 0 || cwd < 0 || !envp) {
		ret = envp ? -errno : -ENOMEM;
		goto out;
	}
	if ((ret = enter(ns)) == 0 && (!as_user || (ret = userns_as_owner(&moved, e)) == 0)) {
		execvpe(argv[0], argv, envp);
		ret = -errno;
	}
	/* a process moved into the user's own user namespace lacks the
	 * capabilities to go back: it stays, and its caller ends */
	if (!moved)
		come_back(net, mnt, cwd);
out:
	free(envp);
	close_fd(&net);
	close_fd(&mnt);
	close_fd(&cwd);
	return err_set(e, ret, NULL);
}


/* ---- spawn and wait --------------------------------------------------- */

/* Open an output file without truncating it: the child truncates once it
 * is about to exec, so a spawn that fails early changes no file. *created
 * tells whether this call made it (to remove again on failure). A symbolic
 * link is never followed: one planted in /tmp would have a root lab write
 * wherever it points. */
static int open_output(const char *path, int *created)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);

	*created = fd >= 0;
	if (fd < 0 && errno == EEXIST)
		fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	return fd;
}

/* why an output file could not be opened */
static int output_error(struct err *e, const char *which, const char *path)
{
	if (errno == ELOOP)
		return err_set(e, -ELOOP, "%s file %s is a symbolic link: not followed", which, path);
	return err_set(e, -errno, "cannot open %s file %s", which, path);
}

/* stdin, stdout and stderr of a background child; -errno with the reason in e */
static int open_spawn_files(const struct spawn_req *req, struct child *c, int made[2], struct err *e)
{
	if ((c->in = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0)
		return err_set(e, -errno, NULL);
	c->out = req->out ? open_output(req->out, &made[0]) : open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (c->out < 0)
		return output_error(e, "stdout", req->out ? req->out : "/dev/null");
	if (req->err_to_out)
		c->err = dup(c->out);
	else
		c->err = req->err ? open_output(req->err, &made[1]) : open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (c->err < 0)
		return output_error(e, "stderr", req->err ? req->err : "/dev/null");
	c->truncate_out = !req->append && req->out;
	c->truncate_err = !req->append && req->err && !req->err_to_out;
	c->append = req->append;
	return 0;
}

/* reap the copier of p's stderr once it ends, waiting ms at most */
static void copier_end(struct proc *p, int ms)
{
	int fd;

	if (p->copier <= 0)
		return;
	fd = (int)syscall(SYS_pidfd_open, p->copier, 0);
	if (fd >= 0) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };

		while (poll(&pf, 1, ms) < 0 && errno == EINTR)
			;
		close(fd);
	}
	if (waitpid(p->copier, NULL, WNOHANG) == p->copier)
		p->copier = -1;
}

/* stderr through a pipe to the copier, which writes it where it was to go
 * (truncating or appending as the command would have) and keeps its tail */
static int tail_pipe(struct child *c, struct proc *p, int pipe_fds[2], int *target)
{
	if (!(p->tail = tail_new()))
		return -ENOMEM;
	if (pipe2(pipe_fds, O_CLOEXEC) < 0)
		return -errno;
	*target = c->err;
	c->err = pipe_fds[1];
	pipe_fds[1] = -1;
	return 0;
}

int proc_spawn(struct ns *ns, const struct spawn_req *req, struct proc *p, struct err *e)
{
	struct child c = { .ns = ns, .argv = req->argv, .env = req->env, .in = -1, .out = -1,
			   .err = -1, .own_group = !req->foreground, .tree = &p->tree };
	int made[2] = { 0, 0 }, tp[2] = { -1, -1 }, target = -1, truncate, ret = 0, pid;

	p->pid = p->pidfd = p->copier = p->output = -1;
	p->tail = NULL;
	tree_make(&p->tree);
	/* files are opened here, so a bad path is the caller's error, not the child's */
	if (req->keep_output && !req->foreground) {
		int fd = output_new();

		if (fd < 0) {
			ret = err_set(e, fd, "keeping its output");
			goto out;
		}
		p->output = fd;
		if ((c.in = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0 || (c.out = fcntl(fd, F_DUPFD_CLOEXEC, 0)) < 0 ||
		    (c.err = fcntl(fd, F_DUPFD_CLOEXEC, 0)) < 0) {
			ret = err_set(e, -errno, "keeping its output");
			goto out;
		}
	} else if (!req->foreground && (ret = open_spawn_files(req, &c, made, e)) < 0)
		goto out;
	truncate = c.truncate_err;
	if (req->tail && !req->foreground) {
		if ((ret = tail_pipe(&c, p, tp, &target)) < 0) {
			err_set(e, ret, NULL);
			goto out;
		}
		c.truncate_err = 0;	/* the copier's to do, once the command runs */
	}
	if ((pid = child_start(&c)) < 0) {
		ret = err_set(e, pid, NULL);
		goto out;
	}
	p->pid = pid;
	p->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (p->tail && (p->copier = tail_start(p->tail, tp[0], target, truncate, req->append,
						&p->tree, c.own_group ? pid : 0)) < 0) {
		ret = err_set(e, p->copier, "starting the copier of its stderr");
		tree_free(&p->tree);
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		close_fd(&p->pidfd);
		p->pid = p->copier = -1;
	}
out:
	if (ret < 0) {
		tree_free(&p->tree);
		tail_free(p->tail);
		p->tail = NULL;
		close_fd(&p->output);
		if (made[0])
			unlink(req->out);
		if (made[1])
			unlink(req->err);
	}
	close_fd(&c.in);
	close_fd(&c.out);
	close_fd(&c.err);
	close_fd(&tp[0]);
	close_fd(&target);
	return ret;
}

int proc_fork(struct proc *p, struct err *e)
{
	/* the parent as a pidfd: whether it is still alive, even from a child born in a PID
	 * namespace the parent is not in (a rootless lab's), where getppid() is 0 */
	int parent = (int)syscall(SYS_pidfd_open, getpid(), 0), pid, sig;
	sigset_t all;

	*p = (struct proc){ .pid = -1, .pidfd = -1, .copier = -1, .forked = 1, .output = -1 };
	tree_make(&p->tree);
	fflush(NULL);
	if ((pid = fork()) < 0) {
		pid = -errno;
		tree_free(&p->tree);
		close_fd(&parent);
		return err_set(e, pid, NULL);
	}
	if (pid == 0) {
		struct pollfd gone = { .fd = parent, .events = POLLIN };

		tree_join(&p->tree);
		for (sig = 1; sig < NSIG; sig++)
			if (sig != SIGKILL && sig != SIGSTOP)
				signal(sig, SIG_DFL);
		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* had it died already, the death signal would never come */
		if (parent < 0 || poll(&gone, 1, 0) != 0)
			_exit(1);
		close_fd(&parent);
		*p = (struct proc){ .pid = -1, .pidfd = -1, .tree = TREE_INIT, .copier = -1, .output = -1 };
		return 0;
	}
	close_fd(&parent);
	p->pid = pid;
	p->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	return pid;
}

long proc_tail(struct proc *p, int ended, char *buf, size_t len)
{
	if (!p->tail)
		return -1;
	/* the command has ended: what it wrote last may still be on its way
	 * through the pipe, until the copier reads the end of it */
	if (ended)
		copier_end(p, 200);
	return (long)tail_read(p->tail, buf, len);
}

int proc_wait(struct proc *p, double timeout, int *status, int *sig)
{
	double deadline = timeout > 0 ? proc_now() + timeout : 0;
	int st, r;
	pid_t w;

	for (;;) {
		w = waitpid(p->pid, &st, WNOHANG);
		if (w < 0)
			return -errno;
		if (w == p->pid)
			break;
		if (timeout == 0 || (timeout > 0 && proc_now() >= deadline))
			return 0;
		if (p->pidfd >= 0) {
			struct pollfd pf = { .fd = p->pidfd, .events = POLLIN };
			int ms = timeout < 0 ? -1 : (int)((deadline - proc_now()) * 1000) + 1;
			r = poll(&pf, 1, ms);
			if (r < 0)
				return -errno;	/* EINTR too: the caller is asked to stop */
		} else {
			struct timespec ts = { 0, 10 * 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
	}
	/* what it wrote to stderr is where it goes once wait returns, as with
	 * a plain redirection: the copier ends at the end of it, unless what
	 * the command started still holds its stderr (then up to a second,
	 * and never longer than the caller's timeout: a poll waits not at all) */
	if (p->copier > 0) {
		double left = timeout < 0 ? 1.0 : deadline - proc_now();
		copier_end(p, left <= 0 ? 0 : left > 1.0 ? 1000 : (int)(left * 1000));
	}
	*sig = 0;
	if (WIFEXITED(st)) {
		*status = WEXITSTATUS(st);
	} else {
		*sig = WTERMSIG(st);
		*status = 128 + *sig;
	}
	return 1;
}

int proc_signal(struct proc *p, int sig)
{
	return tree_signal(&p->tree, sig);
}

void proc_release(struct proc *p)
{
	tree_free(&p->tree);
	/* what a forked child ran: cgroups beside its own, named after it */
	if (p->forked && p->pid > 0)
		tree_cleanup(p->pid);
	p->forked = 0;
	close_fd(&p->pidfd);
	/* killed with the tree, or gone at the end of the command's stderr */
	if (p->copier > 0)
		while (waitpid(p->copier, NULL, 0) < 0 && errno == EINTR)
			;
	p->copier = -1;
	tail_free(p->tail);
	p->tail = NULL;
	close_fd(&p->output);
}
