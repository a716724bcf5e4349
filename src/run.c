/* run.c - ns:run: a command with stdin from a string, captured output and a timeout that ends its whole tree. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "proc.h"

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
			double left = deadline - proc_now();
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
	if ((pid = child_start(&c)) < 0) {
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
	ret = run_loop_nopipe(&io, &t, req->timeout > 0 ? proc_now() + req->timeout : 0, res);
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
