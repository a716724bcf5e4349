/* proc.c - fork/exec of user commands inside a namespace, with captured output and a timeout. */
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

#include "proc.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* ---- the child: from fork to exec -------------------------------------- */

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

	/* first: what it starts from now on is in its tree */
	tree_join(c->tree);
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

/* fork: into the commands' PID namespace for this one fork, then back */
static pid_t fork_command(void)
{
	pid_t pid;
	int e;

	if (pidns >= 0 && setns(pidns, CLONE_NEWPID) < 0)
		return -1;
	pid = fork();
	e = errno;
	/* every later child of this process would be born in the wrong place */
	if (pidns >= 0 && pid != 0 && setns(ownns, CLONE_NEWPID) < 0)
		abort();
	errno = e;
	return pid;
}

/* fork c and wait until it has exec'd: its pid, or -errno (exec's) */
static int start(struct child *c)
{
	int ex[2], ret;
	pid_t pid;

	if (pipe2(ex, O_CLOEXEC) < 0)
		return -errno;
	c->errfd = ex[1];
	pid = fork_command();
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

int proc_exec(struct ns *ns, char *const *argv, char *const *env, struct err *e)
{
	int net = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	int mnt = open("/proc/thread-self/ns/mnt", O_RDONLY | O_CLOEXEC);
	int cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC), ret;
	/* the environment goes to exec whole: this process's is never changed */
	char **envp = merged_env(env);

	if (net < 0 || mnt < 0 || cwd < 0 || !envp) {
		ret = envp ? -errno : -ENOMEM;
		goto out;
	}
	if ((ret = enter(ns)) == 0) {
		execvpe(argv[0], argv, envp);
		ret = -errno;
	}
	come_back(net, mnt, cwd);
out:
	free(envp);
	close_fd(&net);
	close_fd(&mnt);
	close_fd(&cwd);
	return err_set(e, ret, NULL);
}

/* ---- run: captured output, stdin from a string, a timeout -------------- */

struct buf {
	char *p;
	size_t len, cap;
};

/* read what fd has; 1 at EOF, 0 when it would block, -errno */
static int buf_read(struct buf *b, int fd)
{
	ssize_t n;
	char *np;

	for (;;) {
		if (b->cap - b->len < 16384) {
			size_t cap = b->cap ? b->cap * 2 : 65536;
			if (!(np = realloc(b->p, cap)))
				return -ENOMEM;
			b->p = np;
			b->cap = cap;
		}
		n = read(fd, b->p + b->len, b->cap - b->len - 1);
		if (n > 0) {
			b->len += (size_t)n;
			continue;
		}
		if (n == 0)
			return 1;
		if (errno == EINTR)
			continue;
		return errno == EAGAIN ? 0 : -errno;
	}
}

/* the parent's side of a run: pipe ends, what was read, what is left to write */
struct run_io {
	int in, out, err, pidfd;	/* -1 once closed */
	struct buf bo, be;
	const char *data;		/* stdin contents */
	size_t left;
};

static void set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}


#define PUMP_EXITED 1	/* the child has exited */
#define PUMP_MOVED 2	/* something was ready */

/* one round: wait for what is ready (at most timeout_ms), then move data;
 * returns PUMP_* flags, or -errno */
static int pump(struct run_io *io, int timeout_ms)
{
	struct pollfd pf[4];
	int nfds = 0, io_at = -1, out_at = -1, err_at = -1, pid_at = -1, r, flags;
	ssize_t n;

	if (io->out >= 0)
		pf[out_at = nfds++] = (struct pollfd){ .fd = io->out, .events = POLLIN };
	if (io->err >= 0)
		pf[err_at = nfds++] = (struct pollfd){ .fd = io->err, .events = POLLIN };
	if (io->in >= 0)
		pf[io_at = nfds++] = (struct pollfd){ .fd = io->in, .events = POLLOUT };
	if (io->pidfd >= 0)
		pf[pid_at = nfds++] = (struct pollfd){ .fd = io->pidfd, .events = POLLIN };
	if ((r = poll(pf, (nfds_t)nfds, timeout_ms)) < 0)
		return -errno;	/* EINTR: a signal with a handler asks us to stop */
	flags = r > 0 ? PUMP_MOVED : 0;
	if (out_at >= 0 && pf[out_at].revents && buf_read(&io->bo, io->out) != 0)
		close_fd(&io->out);
	if (err_at >= 0 && pf[err_at].revents && buf_read(&io->be, io->err) != 0)
		close_fd(&io->err);
	if (io_at >= 0 && pf[io_at].revents) {
		n = (pf[io_at].revents & POLLOUT) ? write(io->in, io->data, io->left) : -1;
		if (n > 0) {
			io->data += n;
			io->left -= (size_t)n;
		}
		if ((n < 0 && errno != EAGAIN && errno != EINTR) || io->left == 0)
			close_fd(&io->in);	/* EOF, or the reader is gone */
	}
	if (pid_at >= 0 && pf[pid_at].revents) {
		close_fd(&io->pidfd);
		flags |= PUMP_EXITED;
	}
	/* without a pidfd, EOF on both outputs is the end */
	if (io->pidfd < 0 && pid_at < 0 && io->out < 0 && io->err < 0)
		flags |= PUMP_EXITED;
	return flags;
}

/* Move data until the child has exited and what it wrote is read; output
 * held open by something it left in the background is not waited for.
 * Returns 0, or -errno (the child is killed, with its tree). */
static int run_loop(struct run_io *io, struct tree *t, double deadline, struct run_result *res)
{
	int exited = 0, r;

	while (!exited || io->out >= 0 || io->err >= 0) {
		int timeout_ms = -1;

		if (deadline) {
			double left = deadline - now();
			if (left <= 0) {
				tree_signal(t, SIGKILL);
				res->timed_out = 1;
				return 0;
			}
			timeout_ms = (int)(left * 1000) + 1;
		}
		if (exited)
			timeout_ms = 0;	/* drain what is there, then stop */
		r = pump(io, timeout_ms);
		if (r < 0) {
			tree_signal(t, SIGKILL);	/* the command stops with us */
			return r;
		}
		if (exited && !(r & PUMP_MOVED))
			break;		/* nothing more came: the rest is not its */
		exited |= r & PUMP_EXITED;
	}
	return 0;
}

/* a command that exits without reading its stdin must not kill us with
 * SIGPIPE: block it around the loop, swallow one it raised */
static int run_loop_nopipe(struct run_io *io, struct tree *t, double deadline,
			   struct run_result *res)
{
	sigset_t pipeset, oldmask, pending;
	struct timespec zero = { 0, 0 };
	int was_pending, ret;

	sigemptyset(&pipeset);
	sigaddset(&pipeset, SIGPIPE);
	sigprocmask(SIG_BLOCK, &pipeset, &oldmask);
	sigpending(&pending);
	was_pending = sigismember(&pending, SIGPIPE);
	ret = run_loop(io, t, deadline, res);
	sigpending(&pending);
	if (!was_pending && sigismember(&pending, SIGPIPE))
		sigtimedwait(&pipeset, NULL, &zero);
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	return ret;
}

static void reap(int pid, struct run_result *res)
{
	int status = 0;

	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status)) {
		res->status = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status)) {
		res->signal = WTERMSIG(status);
		res->status = 128 + res->signal;
	}
}

/* hand the buffers over as NUL-terminated strings */
static int take_output(struct run_io *io, struct run_result *res)
{
	if ((!io->bo.p && !(io->bo.p = malloc(1))) || (!io->be.p && !(io->be.p = malloc(1))))
		return -ENOMEM;
	io->bo.p[io->bo.len] = io->be.p[io->be.len] = '\0';
	res->out = io->bo.p;
	res->outlen = io->bo.len;
	res->err = io->be.p;
	res->errlen = io->be.len;
	io->bo.p = io->be.p = NULL;
	return 0;
}

int proc_run(struct ns *ns, const struct run_req *req, struct run_result *res, struct err *e)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 }, pid, ret = 0, i;
	struct run_io io = { .in = -1, .out = -1, .err = -1, .pidfd = -1,
			     .data = req->in, .left = req->inlen };
	struct tree t = TREE_INIT;
	struct child c = { .ns = ns, .argv = req->argv, .env = req->env, .own_group = 1, .tree = &t };

	memset(res, 0, sizeof(*res));
	tree_make(&t);
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0 ||
	    (req->in ? pipe2(in, O_CLOEXEC) : (in[0] = open("/dev/null", O_RDONLY | O_CLOEXEC))) < 0) {
		ret = -errno;
		goto out;
	}
	c.in = in[0];
	c.out = out[1];
	c.err = err[1];
	if ((pid = start(&c)) < 0) {
		ret = pid;
		goto out;
	}
	close_fd(&in[0]);
	close_fd(&out[1]);
	close_fd(&err[1]);
	io.out = out[0];
	io.err = err[0];
	io.in = in[1];
	out[0] = err[0] = in[1] = -1;
	if (!req->inlen)
		close_fd(&io.in);	/* no data: EOF at once */
	io.pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	set_nonblock(io.out);
	set_nonblock(io.err);
	if (io.in >= 0)
		set_nonblock(io.in);
	ret = run_loop_nopipe(&io, &t, req->timeout > 0 ? now() + req->timeout : 0, res);
	reap(pid, res);
	if (ret == 0)
		ret = take_output(&io, res);
out:
	/* whatever the command left running, at any depth, goes with it */
	tree_free(&t);
	free(io.bo.p);
	free(io.be.p);
	close_fd(&io.in);
	close_fd(&io.out);
	close_fd(&io.err);
	close_fd(&io.pidfd);
	for (i = 0; i < 2; i++) {
		close_fd(&in[i]);
		close_fd(&out[i]);
		close_fd(&err[i]);
	}
	return ret < 0 ? err_set(e, ret, NULL) : 0;
}

void run_result_free(struct run_result *res)
{
	free(res->out);
	free(res->err);
	res->out = res->err = NULL;
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

int proc_spawn(struct ns *ns, const struct spawn_req *req, struct proc *p, struct err *e)
{
	struct child c = { .ns = ns, .argv = req->argv, .env = req->env, .in = -1, .out = -1,
			   .err = -1, .own_group = !req->foreground, .tree = &p->tree };
	int made[2] = { 0, 0 }, ret = 0, pid;

	p->pid = p->pidfd = -1;
	tree_make(&p->tree);
	/* files are opened here, so a bad path is the caller's error, not the child's */
	if (!req->foreground && (ret = open_spawn_files(req, &c, made, e)) < 0)
		goto out;
	if ((pid = start(&c)) < 0) {
		ret = err_set(e, pid, NULL);
		goto out;
	}
	p->pid = pid;
	p->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
out:
	if (ret < 0) {
		tree_free(&p->tree);
		if (made[0])
			unlink(req->out);
		if (made[1])
			unlink(req->err);
	}
	close_fd(&c.in);
	close_fd(&c.out);
	close_fd(&c.err);
	return ret;
}

int proc_wait(struct proc *p, double timeout, int *status, int *sig)
{
	double deadline = timeout > 0 ? now() + timeout : 0;
	int st, r;
	pid_t w;

	for (;;) {
		w = waitpid(p->pid, &st, WNOHANG);
		if (w < 0)
			return -errno;
		if (w == p->pid)
			break;
		if (timeout == 0 || (timeout > 0 && now() >= deadline))
			return 0;
		if (p->pidfd >= 0) {
			struct pollfd pf = { .fd = p->pidfd, .events = POLLIN };
			int ms = timeout < 0 ? -1 : (int)((deadline - now()) * 1000) + 1;
			r = poll(&pf, 1, ms);
			if (r < 0)
				return -errno;	/* EINTR too: the caller is asked to stop */
		} else {
			struct timespec ts = { 0, 10 * 1000 * 1000 };
			nanosleep(&ts, NULL);
		}
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
	close_fd(&p->pidfd);
}
