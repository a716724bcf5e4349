/* userns.c - a lab's own namespaces for a process: a user namespace for an ordinary user (rootless), a private network and mount namespace with its own /run/netns. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>

#include "ns.h"
#include "private.h"
#include "userns.h"

int userns_capable(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];
	unsigned want[] = { CAP_SYS_ADMIN, CAP_NET_ADMIN };
	size_t i;

	if (syscall(SYS_capget, &h, d) < 0)
		return 0;
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (!(d[want[i] / 32].effective & (1u << (want[i] % 32))))
			return 0;
	return 1;
}

/* the value of a setting under /proc/sys, -1 when there is none */
static long proc_sys(const char *path)
{
	char buf[32];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

void userns_blocker(char *buf, size_t len)
{
	static const struct {
		const char *path, *setting;
		long blocks;
		const char *way_out;
	} rules[] = {
		{ "/proc/sys/kernel/unprivileged_userns_clone", "kernel.unprivileged_userns_clone", 0,
		  "as root, sysctl -w kernel.unprivileged_userns_clone=1" },
		{ "/proc/sys/user/max_user_namespaces", "user.max_user_namespaces", 0,
		  "as root, sysctl -w user.max_user_namespaces=15000" },
		{ "/proc/sys/kernel/apparmor_restrict_unprivileged_userns",
		  "kernel.apparmor_restrict_unprivileged_userns", 1,
		  "as root, either sysctl -w kernel.apparmor_restrict_unprivileged_userns=0, or load netlab's "
		  "AppArmor profile (cmake -DNETLAB_APPARMOR_DIR=/etc/apparmor.d, cmake --install, "
		  "apparmor_parser -r /etc/apparmor.d/netlab)" },
	};
	size_t i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < sizeof(rules) / sizeof(rules[0]) && used < len; i++) {
		if (proc_sys(rules[i].path) != rules[i].blocks)
			continue;
		used += (size_t)snprintf(buf + used, len - used, "%s%s = %ld forbids it (%s)", used ? "; " : "",
					 rules[i].setting, rules[i].blocks, rules[i].way_out);
	}
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

#define NEWUIDMAP "/usr/bin/newuidmap"
#define NEWGIDMAP "/usr/bin/newgidmap"

/* The first range of subordinate ids /etc/subuid or /etc/subgid gives the user (by name or by
 * number): 1 and *start, *count; 0 when there is none */
static int sub_range(const char *file, const char *name, unsigned long id, unsigned long *start,
		     unsigned long *count)
{
	FILE *f = fopen(file, "re");
	char line[512], who[256], num[32];
	int found = 0;

	if (!f)
		return 0;
	snprintf(num, sizeof(num), "%lu", id);
	while (!found && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%255[^:\n]:%lu:%lu", who, start, count) == 3 && *count > 0 &&
		    (!strcmp(who, name) || !strcmp(who, num)))
			found = 1;
	}
	fclose(f);
	return found;
}

/* A helper forked before the unshare, still in the user's own user namespace: it waits for
 * a byte on its pipe (none: the parent gave up), then runs newuidmap or newgidmap on the
 * parent, mapping id to 0 and the range from 1. Its pid, or -errno. */
static pid_t map_helper(const char *tool, unsigned long id, unsigned long start, unsigned long count,
			int *go)
{
	char pid[24], a[24], b[24], c[24];
	int p[2];
	pid_t child;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	snprintf(a, sizeof(a), "%lu", id);
	snprintf(b, sizeof(b), "%lu", start);
	snprintf(c, sizeof(c), "%lu", count);
	if ((child = fork()) < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	if (child == 0) {
		char byte;

		close(p[1]);
		if (read(p[0], &byte, 1) != 1)
			_exit(126);
		execl(tool, tool, pid, "0", a, "1", "1", b, c, (char *)NULL);
		_exit(127);
	}
	close(p[0]);
	*go = p[1];
	return child;
}

/* tell a helper to go (or, with ok = 0, to give up) and wait for it: 1 when it mapped */
static int helper_done(pid_t child, int go, int ok)
{
	int status;

	if (ok && write(go, "g", 1) != 1)
		ok = 0;
	close(go);
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			return 0;
	return ok && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int userns_enter(struct err *e)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	struct passwd *pw = getpwuid(uid);
	unsigned long us = 0, uc = 0, gs = 0, gc = 0;
	char map[64], why[ERR_TEXT];
	pid_t uh = -1, gh = -1;
	int ugo = -1, ggo = -1, umapped = 0, gmapped = 0, ret;

	/* the user's subordinate ids, where the system gives a range and the setuid helpers that
	 * map it are there: uids and gids 1.. inside map to them, for services that drop to a
	 * uid of their own; without, the user's own id alone */
	if (pw && sub_range("/etc/subuid", pw->pw_name, uid, &us, &uc) && access(NEWUIDMAP, X_OK) == 0 &&
	    sub_range("/etc/subgid", pw->pw_name, uid, &gs, &gc) && access(NEWGIDMAP, X_OK) == 0) {
		uh = map_helper(NEWUIDMAP, uid, us, uc, &ugo);
		gh = uh < 0 ? -1 : map_helper(NEWGIDMAP, gid, gs, gc, &ggo);
		if (gh < 0 && uh >= 0) {
			helper_done(uh, ugo, 0);
			uh = -1;
		}
	}
	if (unshare(CLONE_NEWUSER) < 0) {
		ret = -errno;
		if (uh >= 0) {
			helper_done(uh, ugo, 0);
			helper_done(gh, ggo, 0);
		}
		userns_blocker(why, sizeof(why));
		if (why[0])
			return err_set(e, ret, "a user namespace for an ordinary user: %s", why);
		return err_set(e, ret, ret == -EINVAL ? "a user namespace: the process has threads" : NULL);
	}
	if (uh >= 0) {
		umapped = helper_done(uh, ugo, 1);
		gmapped = helper_done(gh, ggo, 1);
	}
	/* by hand (what an unprivileged process may map: its own id): setgroups must be denied
	 * before it may write gid_map */
	if (!gmapped) {
		if ((ret = write_file("/proc/self/setgroups", "deny")) < 0 && ret != -ENOENT)
			return err_set(e, ret, "writing /proc/self/setgroups");
	}
	if (!umapped) {
		snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)uid);
		if ((ret = write_file("/proc/self/uid_map", map)) < 0)
			return err_set(e, ret, "writing /proc/self/uid_map");
	}
	if (!gmapped) {
		snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)gid);
		if ((ret = write_file("/proc/self/gid_map", map)) < 0)
			return err_set(e, ret, "writing /proc/self/gid_map");
	}
	return 0;
}

/* The tmpfs put over /run keeps what was there: each entry of the old /run (open as old) is
 * bound at its place - an ordinary user's $XDG_RUNTIME_DIR under /run/user, where netlab lists
 * the user's labs, the sockets of the system's services. Best effort, entry by entry. */
static void keep_old_run(int old)
{
	char src[64 + NAME_MAX], dst[16 + NAME_MAX], target[PATH_MAX];
	struct dirent *de;
	struct stat st;
	ssize_t n;
	int fd = dup(old);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);

	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") || !strcmp(de->d_name, "netns") ||
		    fstatat(old, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		snprintf(dst, sizeof(dst), "/run/%s", de->d_name);
		if (S_ISLNK(st.st_mode)) {
			if ((n = readlinkat(old, de->d_name, target, sizeof(target) - 1)) > 0) {
				target[n] = '\0';
				(void)!symlink(target, dst);
			}
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			if (mkdir(dst, st.st_mode & 07777) < 0)
				continue;
		} else if ((fd = open(dst, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600)) >= 0) {
			close(fd);
		} else {
			continue;
		}
		snprintf(src, sizeof(src), "/proc/self/fd/%d/%s", old, de->d_name);
		mount(src, dst, NULL, MS_BIND | MS_REC, NULL);
	}
	closedir(d);
}

/* a private /run/netns: a tmpfs on the directory; an ordinary user who may not make it in
 * /run gets a tmpfs on /run, seen only in this mount namespace, to make it in (with what
 * was in /run bound back) */
static int private_run_netns(void)
{
	const int flags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
	int old, ret;

	if (mkdir(NETNS_RUN_DIR, 0755) < 0 && errno != EEXIST) {
		if (errno != EACCES && errno != EPERM && errno != EROFS)
			return -errno;
		old = open("/run", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (mount("netlab", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0) {
			if (old >= 0)
				close(old);
			return -errno;
		}
		if (old >= 0) {
			keep_old_run(old);
			close(old);
		}
		if (mkdir(NETNS_RUN_DIR, 0755) < 0)
			return -errno;
	}
	/* the nodes' own directories: a tmpfs hidden under the one that follows (private.h) */
	if ((ret = private_root_init(NETNS_RUN_DIR)) < 0)
		return ret;
	if (mount("netlab", NETNS_RUN_DIR, "tmpfs", flags, "mode=0755") < 0)
		return -errno;
	return 0;
}

/*
 * The lab's host becomes a fresh network namespace, and /run/netns a tmpfs
 * seen only in a fresh mount namespace: nothing the script makes is visible
 * to the real host, two labs never collide, and when this process dies,
 * even by SIGKILL, the namespaces and their mounts die with it.
 */
int ns_isolate(void)
{
	int ret;

	if (unshare(CLONE_NEWNET | CLONE_NEWNS) < 0)
		return -errno;
	/* nothing mounted from here on propagates back to the host */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return -errno;
	if ((ret = private_run_netns()) < 0)
		return ret;
	/* a /sys that lists this namespace's devices, for the commands the
	 * script runs in the lab's host; without it they would see the real one
	 * (in a user namespace of its own the inherited /sys is locked: kept) */
	if (umount2("/sys", MNT_DETACH) == 0) {
		mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
		/* and the cgroup v2 hierarchy in it again, where each command's
		 * tree of processes goes (best effort: without it, process groups) */
		mount("cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	}
	return 0;
}

/* what id me of this user namespace is in its parent, by map (/proc/self/uid_map or gid_map) */
static unsigned long outer_id(const char *map, unsigned long me)
{
	FILE *f = fopen(map, "re");
	unsigned long in, out, count, outer = me;

	if (!f)
		return me;
	while (fscanf(f, "%lu %lu %lu", &in, &out, &count) == 3) {
		if (me >= in && me - in < count) {
			outer = out + (me - in);
			break;
		}
	}
	fclose(f);
	return outer;
}

uid_t userns_outer_uid(void)
{
	return (uid_t)outer_id("/proc/self/uid_map", geteuid());
}

/* write text into the file name of directory dir: 0 or -errno */
static int write_at(int dir, const char *name, const char *text)
{
	int fd = openat(dir, name, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* the maps of a process, written from outside through its /proc directory (see
 * userns_as_owner): 0 or -errno */
static int write_maps(int proc_dir, unsigned long uid, unsigned long gid)
{
	char map[64];
	int ret;

	if ((ret = write_at(proc_dir, "setgroups", "deny")) < 0 && ret != -ENOENT)
		return ret;
	snprintf(map, sizeof(map), "%lu %u 1\n", uid, (unsigned)geteuid());
	if ((ret = write_at(proc_dir, "uid_map", map)) < 0)
		return ret;
	snprintf(map, sizeof(map), "%lu %u 1\n", gid, (unsigned)getegid());
	return write_at(proc_dir, "gid_map", map);
}

int userns_as_owner(int *moved, struct err *e)
{
	unsigned long uid = outer_id("/proc/self/uid_map", geteuid());
	unsigned long gid = outer_id("/proc/self/gid_map", getegid());
	pid_t child;
	int p[2], status = -1, ret = 0, self;
	char byte;

	if (uid == 0)
		return err_set(e, -EINVAL, "this user namespace is root's: there is no ordinary user to run as");
	/* The maps name this namespace's root (the user) as the parent of the new one's ids: since
	 * Linux 5.12 only a process with CAP_SETFCAP in this namespace may write that, so a
	 * child forked before the unshare, still here, writes them (as unshare(1) does).
	 * The helper reaches this process's maps through its /proc directory, opened here: in a
	 * lab's PID namespace its pid is not the one /proc shows. */
	if ((self = open("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return err_set(e, -errno, "/proc/self");
	if (pipe2(p, O_CLOEXEC) < 0) {
		ret = -errno;
		close(self);
		return err_set(e, ret, "pipe");
	}
	if ((child = fork()) < 0) {
		ret = -errno;
		close(p[0]);
		close(p[1]);
		close(self);
		return err_set(e, ret, "fork");
	}
	if (child == 0) {
		close(p[1]);
		if (read(p[0], &byte, 1) != 1)
			_exit(126);
		_exit(write_maps(self, uid, gid) < 0 ? 1 : 0);
	}
	close(p[0]);
	close(self);
	if (unshare(CLONE_NEWUSER) < 0)
		ret = err_set(e, -errno, "a user namespace to run as the user's own uid");
	else if ((*moved = 1) && write(p[1], "g", 1) != 1)
		ret = err_set(e, -errno, "starting the helper that maps the user's ids");
	close(p[1]);
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			break;
	if (ret == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		ret = err_set(e, -EPERM, "the helper could not map the user's own uid and gid");
	return ret;
}

int userns_state_dir(char *buf, size_t len, struct err *e)
{
	uid_t outer = userns_outer_uid();
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	struct stat st;

	if (outer == 0) {
		snprintf(buf, len, "/run/netlab");
		return 0;
	}
	if (xdg && xdg[0] == '/' && stat(xdg, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid()) {
		snprintf(buf, len, "%s/netlab", xdg);
		return 0;
	}
	snprintf(buf, len, "/tmp/netlab-%u", (unsigned)outer);
	if (mkdir(buf, 0700) < 0 && errno != EEXIST)
		return err_set(e, -errno, "cannot make %s", buf);
	if (lstat(buf, &st) < 0)
		return err_set(e, -errno, "%s", buf);
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 077))
		return err_set(e, -EPERM, "%s is not a directory of this user's that only it may use "
			       "(remove it, or set XDG_RUNTIME_DIR)", buf);
	return 0;
}

/* open /proc/PID/ns/WHAT and setns into it */
static int join(pid_t pid, const char *what, int type, struct err *e)
{
	char path[64];
	int fd, ret = 0;

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, what);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return err_set(e, -errno, "%s", path);
	if (setns(fd, type) < 0)
		ret = err_set(e, -errno, "joining the %s namespace of the lab's holder %d", what, (int)pid);
	close(fd);
	return ret;
}

int userns_join_lab(pid_t pid, struct err *e)
{
	char path[64], cwd[PATH_MAX];
	struct stat theirs, ours;
	int ret, have_cwd;

	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	if (stat(path, &theirs) < 0)
		return err_set(e, -errno, "%s", path);
	if (stat("/proc/self/ns/user", &ours) < 0)
		return err_set(e, -errno, "/proc/self/ns/user");
	if ((theirs.st_ino != ours.st_ino || theirs.st_dev != ours.st_dev) &&
	    (ret = join(pid, "user", CLONE_NEWUSER, e)) < 0)
		return ret;
	/* joining a mount namespace moves the working directory to its root: back to the same path */
	have_cwd = getcwd(cwd, sizeof(cwd)) != NULL;
	if ((ret = join(pid, "mnt", CLONE_NEWNS, e)) < 0)
		return ret;
	if (have_cwd && chdir(cwd) < 0)
		(void)!chdir("/");
	return 0;
}
