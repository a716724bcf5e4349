/* tree.c - a cgroup per command, so a timeout, a kill or a teardown reaches every process it started. */
#define _GNU_SOURCE
#include <dirent.h>
#include <linux/sched.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "tree.h"

/* The cgroup this process lives in, where the commands' cgroups go: a fact
 * of the process, looked up once (-2: not yet, -1: none that can be used). */
static int base = -2;

/* the cgroup v2 mount: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS - cgroup2 ..." */
static int v2_mount(char *root, char *mnt)
{
	char line[4096];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int found = 0;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, " - cgroup2 ") &&
			sscanf(line, "%*s %*s %*s %4095s %4095s", root, mnt) == 2;
	fclose(f);
	return found;
}

/* this process's cgroup v2 path ("0::/user.slice/...") */
static int own_path(char *path, size_t len)
{
	char line[4096];
	FILE *f = fopen("/proc/self/cgroup", "re");
	int found = 0;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = '\0';
		found = snprintf(path, len, "%s", line + 3) < (int)len;
	}
	fclose(f);
	return found;
}

static int find_base(void)
{
	char root[4096], mnt[4096], path[4096], dir[8192];
	size_t skip;

	if (!v2_mount(root, mnt) || !own_path(path, sizeof(path)))
		return -1;
	/* the mount shows the hierarchy from its root down */
	skip = strcmp(root, "/") ? strlen(root) : 0;
	if (skip && (strncmp(path, root, skip) || (path[skip] && path[skip] != '/')))
		return -1;
	snprintf(dir, sizeof(dir), "%s%s", mnt, path + skip);
	return open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
}

int tree_make(struct tree *t)
{
	static unsigned made;	/* with the pid, a name no other command has */

	*t = (struct tree)TREE_INIT;
	if (base == -2)
		base = find_base();
	if (base < 0)
		return 0;
	snprintf(t->name, sizeof(t->name), "netlab-%d-%u", (int)getpid(), ++made);
	/* EACCES, EROFS, a hierarchy we may not write: the process group will do */
	if (mkdirat(base, t->name, 0755) < 0) {
		t->name[0] = '\0';
		return 0;
	}
	t->dir = openat(base, t->name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	t->procs = t->dir < 0 ? -1 : openat(t->dir, "cgroup.procs", O_WRONLY | O_CLOEXEC);
	if (t->procs < 0) {
		if (t->dir >= 0)
			close(t->dir);
		unlinkat(base, t->name, AT_REMOVEDIR);
		*t = (struct tree)TREE_INIT;
	}
	return 0;
}

/*
 * Moving a running process into a cgroup (a write to cgroup.procs) takes
 * the kernel's cgroup_threadgroup_rwsem for writing, which waits for an
 * RCU grace period: 5 to 30 ms on a busy machine, for every command. A
 * child born in the cgroup (clone3 with CLONE_INTO_CGROUP, Linux 5.7) only
 * reads it. Falls back to fork and tree_join where clone3 is refused.
 * For a child that execs: it runs no fork handlers.
 */
pid_t tree_fork(const struct tree *t)
{
	struct clone_args args = { .flags = CLONE_INTO_CGROUP, .exit_signal = SIGCHLD };
	long pid;

	if (t && t->dir >= 0) {
		args.cgroup = (unsigned)t->dir;
		pid = syscall(SYS_clone3, &args, sizeof(args));
		if (pid >= 0)
			return (pid_t)pid;
		if (errno == EAGAIN || errno == ENOMEM)
			return -1;
	}
	pid = fork();
	if (pid == 0)
		tree_join(t);
	return (pid_t)pid;
}

void tree_join(const struct tree *t)
{
	if (!t)
		return;
	/* "0" moves the writer; what it starts afterwards is born in the cgroup */
	if (t->procs >= 0 && write(t->procs, "0", 1) < 0) {
		/* still the process group */
	}
}

/* the pids of the cgroup, at most max; how many */
static int members(const struct tree *t, int *pids, int max)
{
	char buf[8192], *p, *end;
	int fd = openat(t->dir, "cgroup.procs", O_RDONLY | O_CLOEXEC), n = 0;
	ssize_t len;

	if (fd < 0)
		return -errno;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len < 0)
		return -errno;
	buf[len] = '\0';
	for (p = buf; n < max && *p; p = end) {
		long pid = strtol(p, &end, 10);
		if (end == p)
			break;
		if (pid > 0)
			pids[n++] = (int)pid;
	}
	return n;
}

int tree_signal(struct tree *t, int sig)
{
	int pids[1024], n, i, hit = 0, fd;

	if (t->dir < 0)
		return t->pgid > 0 && kill(-t->pgid, sig) == 0 ? 1 : -errno;
	if (sig == SIGKILL && (fd = openat(t->dir, "cgroup.kill", O_WRONLY | O_CLOEXEC)) >= 0) {
		/* the kernel kills the whole cgroup, forks racing it included */
		int ok = write(fd, "1", 1) == 1;
		close(fd);
		if (ok)
			return tree_alive(t);
	}
	if ((n = members(t, pids, 1024)) < 0)
		return n;
	for (i = 0; i < n; i++)
		hit += kill(pids[i], sig) == 0;
	return hit;
}

int tree_pids(struct tree *t, int *pids, int max)
{
	return t->dir < 0 ? 0 : members(t, pids, max);
}

int tree_alive(struct tree *t)
{
	int pid;

	if (t->dir < 0)
		return t->pgid > 0 && kill(-t->pgid, 0) == 0;
	return members(t, &pid, 1) > 0;
}

/* kill t's cgroup and remove it: the kernel lets it go once every killed
 * process has exited; two seconds at most for one stuck in a syscall */
static void kill_and_remove(struct tree *t)
{
	struct timespec pause = { 0, 5 * 1000 * 1000 };
	int i;

	for (i = 0; i < 400; i++) {
		if (i % 20 == 0)
			tree_signal(t, SIGKILL);
		if (unlinkat(base, t->name, AT_REMOVEDIR) == 0 || errno != EBUSY)
			break;
		nanosleep(&pause, NULL);
	}
}

void tree_free(struct tree *t)
{
	if (t->dir >= 0) {
		kill_and_remove(t);
		close(t->dir);
		close(t->procs);
	} else if (t->pgid > 0) {
		kill(-t->pgid, SIGKILL);
	}
	*t = (struct tree)TREE_INIT;
}

void tree_cleanup(int pid)
{
	char prefix[32];
	struct dirent *d;
	struct tree t = TREE_INIT;
	DIR *dir;
	int fd;

	if (base == -2)
		base = find_base();
	if (base < 0 || (fd = openat(base, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return;
	if (!(dir = fdopendir(fd))) {
		close(fd);
		return;
	}
	snprintf(prefix, sizeof(prefix), "netlab-%d-", pid);
	while ((d = readdir(dir))) {
		if (strncmp(d->d_name, prefix, strlen(prefix)) || strlen(d->d_name) >= sizeof(t.name) ||
		    (t.dir = openat(base, d->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
			continue;
		memcpy(t.name, d->d_name, strlen(d->d_name) + 1);
		kill_and_remove(&t);
		close(t.dir);
	}
	closedir(dir);
}
