/* proc.c - fork/exec of user commands inside a namespace, with captured output and a timeout. */
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
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"

struct buf {
	char *p;
	size_t len, cap;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

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
			return 1;	/* EOF */
		if (errno == EINTR)
			continue;
		return errno == EAGAIN ? 0 : -errno;
	}
}

/* In the child: enter the namespace the way `ip netns exec` does, then exec.
 * Only async-signal-safe calls until exec; failures go to errfd. */
/* Enter ns the way `ip netns exec` does (a private mount namespace whose
 * /sys lists ns's devices), add env, exec argv. Returns only on failure,
 * with errno set. Only async-signal-safe calls: it also runs after fork. */
static void enter_and_exec(struct ns *ns, char *const *argv, char *const *env)
{
	int i;

	if (setns(ns->fd, CLONE_NEWNET) < 0)
		return;
	if (ns->name[0]) {
		if (unshare(CLONE_NEWNS) < 0)
			return;
		if (mount("", "/", "none", MS_SLAVE | MS_REC, NULL) < 0)
			return;
		if (umount2("/sys", MNT_DETACH) == 0 || errno == EINVAL)
			mount(ns->name, "/sys", "sysfs", 0, NULL);
	}
	if (env)
		for (i = 0; env[i]; i++)
			putenv(env[i]);
	execvp(argv[0], argv);
}

/* In the child: a clean signal state, its own process group, the pipes as
 * stdio, then enter_and_exec; a failure's errno goes to errfd. */
static void child(struct ns *ns, char *const *argv, char *const *env, int in,
		  int out, int err, int errfd, pid_t parent)
{
	sigset_t all;
	int e, i;

	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	for (i = 1; i < NSIG; i++)
		if (i != SIGKILL && i != SIGSTOP)
			signal(i, SIG_DFL);
	setpgid(0, 0);	/* its own group: a timeout kills what it started too */
	/* it dies with the process that started it: a killed lab leaves no
	 * process holding one of its namespaces */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	if (dup2(in, 0) >= 0 && dup2(out, 1) >= 0 && dup2(err, 2) >= 0)
		enter_and_exec(ns, argv, env);
	e = errno;
	if (write(errfd, &e, sizeof(e)) < 0) {
		/* nothing left to tell */
	}
	_exit(127);
}

int proc_exec(struct ns *ns, char *const *argv, char *const *env)
{
	enter_and_exec(ns, argv, env);
	return -errno;
}

static int exec_result(int pid, int fd);

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

int proc_run(struct ns *ns, const struct run_req *req, struct run_result *res)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 };
	int ex[2] = { -1, -1 }, pidfd = -1, ret = 0, status, e, exited = 0;
	struct buf bo = { 0 }, be = { 0 };
	size_t inoff = 0;
	double deadline = req->timeout > 0 ? now() + req->timeout : 0;
	struct pollfd pf[4];
	sigset_t pipeset, oldmask, pending;
	int pipe_was_pending;
	pid_t pid, parent;
	ssize_t n;

	memset(res, 0, sizeof(*res));
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0 ||
	    pipe2(ex, O_CLOEXEC) < 0) {
		ret = -errno;
		goto out;
	}
	if (req->in) {
		if (pipe2(in, O_CLOEXEC) < 0) {
			ret = -errno;
			goto out;
		}
	} else if ((in[0] = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) {
		ret = -errno;
		goto out;
	}
	parent = getpid();
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		goto out;
	}
	if (pid == 0)
		child(ns, req->argv, req->env, in[0], out[1], err[1], ex[1], parent);
	setpgid(pid, pid);	/* as the child does: no race with a kill */

	close(in[0]);
	close(out[1]);
	close(err[1]);
	close(ex[1]);
	in[0] = out[1] = err[1] = ex[1] = -1;

	if ((ret = exec_result(pid, ex[0])) < 0)
		goto out;
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	set_nonblock(out[0]);
	set_nonblock(err[0]);
	/* a command that exits without reading its stdin must not kill us
	 * with SIGPIPE: block it while writing, swallow it afterwards */
	sigemptyset(&pipeset);
	sigaddset(&pipeset, SIGPIPE);
	sigprocmask(SIG_BLOCK, &pipeset, &oldmask);
	sigpending(&pending);
	pipe_was_pending = sigismember(&pending, SIGPIPE);
	if (in[1] >= 0) {
		set_nonblock(in[1]);
		if (req->inlen == 0) {
			close(in[1]);
			in[1] = -1;
		}
	}

	/* until the child has exited and its output is read; output still held
	 * open by something it left in the background is not waited for */
	while (!exited || out[0] >= 0 || err[0] >= 0) {
		int timeout_ms = -1, nfds = 0, r, io = -1, oo = -1, eo = -1, po = -1;

		if (deadline) {
			double left = deadline - now();
			if (left <= 0) {
				kill(-pid, SIGKILL);
				kill(pid, SIGKILL);
				res->timed_out = 1;
				break;
			}
			timeout_ms = (int)(left * 1000) + 1;
		}
		if (out[0] >= 0) {
			pf[nfds] = (struct pollfd){ .fd = out[0], .events = POLLIN };
			oo = nfds++;
		}
		if (err[0] >= 0) {
			pf[nfds] = (struct pollfd){ .fd = err[0], .events = POLLIN };
			eo = nfds++;
		}
		if (in[1] >= 0) {
			pf[nfds] = (struct pollfd){ .fd = in[1], .events = POLLOUT };
			io = nfds++;
		}
		if (pidfd >= 0 && !exited) {
			pf[nfds] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
			po = nfds++;
		}
		if (exited)
			timeout_ms = 0;	/* drain what is there, then stop */
		r = poll(pf, (nfds_t)nfds, timeout_ms);
		if (r < 0) {
			/* EINTR: a signal with a handler (SIGINT, SIGTERM in the
			 * interpreter) asks us to stop; the command stops with us */
			ret = -errno;
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			break;
		}
		if (r == 0 && exited)
			break;
		if (oo >= 0 && pf[oo].revents) {
			r = buf_read(&bo, out[0]);
			if (r != 0) {
				close(out[0]);
				out[0] = -1;
			}
		}
		if (eo >= 0 && pf[eo].revents) {
			r = buf_read(&be, err[0]);
			if (r != 0) {
				close(err[0]);
				err[0] = -1;
			}
		}
		if (io >= 0 && pf[io].revents) {
			n = (pf[io].revents & POLLOUT)
				? write(in[1], req->in + inoff, req->inlen - inoff) : -1;
			if (n > 0)
				inoff += (size_t)n;
			if ((n < 0 && errno != EAGAIN && errno != EINTR) ||
			    inoff == req->inlen) {
				close(in[1]);	/* EOF, or the reader is gone */
				in[1] = -1;
			}
		}
		if (po >= 0 && pf[po].revents)
			exited = 1;
		if (pidfd < 0 && out[0] < 0 && err[0] < 0)
			exited = 1;	/* no pidfd: EOF on both is the end */
	}
	sigpending(&pending);
	if (!pipe_was_pending && sigismember(&pending, SIGPIPE)) {
		struct timespec zero = { 0, 0 };
		sigtimedwait(&pipeset, NULL, &zero);
	}
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			status = 0;
			break;
		}
	}
	if (WIFEXITED(status)) {
		res->status = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status)) {
		res->signal = WTERMSIG(status);
		res->status = 128 + res->signal;
	}
	/* whatever the command left running in its group goes with it */
	if (res->timed_out)
		kill(-pid, SIGKILL);
out:
	if (ret == 0) {
		if ((!bo.p && !(bo.p = malloc(1))) || (!be.p && !(be.p = malloc(1)))) {
			ret = -ENOMEM;
		} else {
			bo.p[bo.len] = be.p[be.len] = '\0';
			res->out = bo.p;
			res->outlen = bo.len;
			res->err = be.p;
			res->errlen = be.len;
			bo.p = be.p = NULL;
		}
	}
	free(bo.p);
	free(be.p);
	for (e = 0; e < 2; e++) {
		if (in[e] >= 0)
			close(in[e]);
		if (out[e] >= 0)
			close(out[e]);
		if (err[e] >= 0)
			close(err[e]);
		if (ex[e] >= 0)
			close(ex[e]);
	}
	if (pidfd >= 0)
		close(pidfd);
	return ret;
}

void run_result_free(struct run_result *res)
{
	free(res->out);
	free(res->err);
	res->out = res->err = NULL;
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

/* Open an output file without truncating it: the child truncates once it
 * is about to exec, so a spawn that fails early changes no file. *created
 * tells whether this call made it (to remove again on failure). */
static int open_output(const char *path, int *created)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	*created = fd >= 0;
	if (fd < 0 && errno == EEXIST)
		fd = open(path, O_WRONLY | O_CLOEXEC);
	return fd;
}

int proc_spawn(struct ns *ns, const struct spawn_req *req, int *pidp, int *pidfdp)
{
	int in = -1, out = -1, err = -1, ex[2] = { -1, -1 }, ret = 0;
	int out_made = 0, err_made = 0;
	pid_t pid, parent;

	*pidp = -1;
	*pidfdp = -1;
	ns->rt.err[0] = '\0';
	/* files are opened here, so a bad path is the caller's error, not the child's */
	if ((in = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) {
		ret = -errno;
		goto out;
	}
	out = req->out ? open_output(req->out, &out_made) : open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (out < 0) {
		ret = -errno;
		snprintf(ns->rt.err, sizeof(ns->rt.err), "cannot open stdout file %s", req->out);
		goto out;
	}
	if (req->err_to_out)
		err = dup(out);
	else
		err = req->err ? open_output(req->err, &err_made) : open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (err < 0) {
		ret = -errno;
		if (req->err)
			snprintf(ns->rt.err, sizeof(ns->rt.err), "cannot open stderr file %s", req->err);
		goto out;
	}
	if (pipe2(ex, O_CLOEXEC) < 0) {
		ret = -errno;
		goto out;
	}
	parent = getpid();
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		goto out;
	}
	if (pid == 0) {
		if (!req->append) {
			if (req->out && ftruncate(out, 0) < 0)
				_exit(127);
			if (req->err && !req->err_to_out && ftruncate(err, 0) < 0)
				_exit(127);
		} else {
			lseek(out, 0, SEEK_END);
			lseek(err, 0, SEEK_END);
		}
		child(ns, req->argv, req->env, in, out, err, ex[1], parent);
	}
	setpgid(pid, pid);
	close(ex[1]);
	ex[1] = -1;
	if ((ret = exec_result(pid, ex[0])) < 0)
		goto out;
	*pidp = pid;
	*pidfdp = (int)syscall(SYS_pidfd_open, pid, 0);
out:
	if (ret < 0) {
		if (out_made)
			unlink(req->out);
		if (err_made)
			unlink(req->err);
	}
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	if (err >= 0)
		close(err);
	if (ex[0] >= 0)
		close(ex[0]);
	if (ex[1] >= 0)
		close(ex[1]);
	return ret;
}

int proc_wait(int pid, int pidfd, double timeout, int *status, int *sig)
{
	double deadline = timeout > 0 ? now() + timeout : 0;
	int st, r;
	pid_t w;

	for (;;) {
		w = waitpid(pid, &st, WNOHANG);
		if (w < 0)
			return -errno;
		if (w == pid)
			break;
		if (timeout == 0)
			return 0;
		if (timeout > 0 && now() >= deadline)
			return 0;
		if (pidfd >= 0) {
			struct pollfd pf = { .fd = pidfd, .events = POLLIN };
			int ms = timeout < 0 ? -1 : (int)((deadline - now()) * 1000) + 1;
			r = poll(&pf, 1, ms < 0 && timeout >= 0 ? 0 : ms);
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
