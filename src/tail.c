/* tail.c - a background command's stderr passes through a small copying process that keeps its last bytes for the caller. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "child.h"
#include "tail.h"

struct tail {
	size_t total;			/* bytes seen so far (atomic) */
	char data[TAIL_SIZE];		/* byte i of the stream is at i % TAIL_SIZE */
};

struct tail *tail_new(void)
{
	void *m = mmap(NULL, sizeof(struct tail), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return m == MAP_FAILED ? NULL : m;
}

void tail_free(struct tail *t)
{
	if (t)
		munmap(t, sizeof(*t));
}

static void keep(struct tail *t, const char *p, size_t n)
{
	size_t total = t->total, at;

	if (n > TAIL_SIZE) {
		total += n - TAIL_SIZE;
		p += n - TAIL_SIZE;
		n = TAIL_SIZE;
	}
	while (n) {
		size_t part;

		at = total % TAIL_SIZE;
		part = TAIL_SIZE - at < n ? TAIL_SIZE - at : n;
		memcpy(t->data + at, p, part);
		total += part;
		p += part;
		n -= part;
	}
	__atomic_store_n(&t->total, total, __ATOMIC_RELEASE);
}

/* the copier: fd 0 is the pipe, fd 1 where stderr goes; nothing else open */
static void copy(struct tail *t, int truncate, int append)
{
	char buf[4096];
	ssize_t n, w, off;

	if (truncate && ftruncate(1, 0) < 0)
		_exit(1);
	if (append)
		lseek(1, 0, SEEK_END);
	for (;;) {
		n = read(0, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(0);
		keep(t, buf, (size_t)n);
		for (off = 0; off < n; off += w)
			if ((w = write(1, buf + off, (size_t)(n - off))) <= 0)
				break;	/* where it goes is gone: keep the tail all the same */
	}
}

pid_t tail_start(struct tail *t, int from, int to, int truncate, int append,
		 const struct tree *tree, int pgid)
{
	sigset_t none;
	pid_t pid = child_fork(tree);
	int i;

	if (pid != 0)
		return pid < 0 ? -errno : pid;
	if (pgid > 0)
		setpgid(0, pgid);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (i = 1; i < NSIG; i++)
		if (i != SIGKILL && i != SIGSTOP)
			signal(i, SIG_DFL);
	if (dup2(from, 0) < 0 || dup2(to, 1) < 0)
		_exit(1);
	/* nothing of this process's: no namespace or socket kept alive by it */
	syscall(SYS_close_range, 2, ~0U, 0);
	copy(t, truncate, append);
	_exit(0);
}

size_t tail_read(const struct tail *t, char *buf, size_t len)
{
	size_t total = __atomic_load_n(&t->total, __ATOMIC_ACQUIRE);
	size_t n = total < TAIL_SIZE ? total : TAIL_SIZE, i;

	if (n > len - 1)
		n = len - 1;
	for (i = 0; i < n; i++)
		buf[i] = t->data[(total - n + i) % TAIL_SIZE];
	buf[n] = '\0';
	return n;
}
