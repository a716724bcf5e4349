/* userns.c - a lab's own namespaces for a process: a user namespace for an ordinary user (rootless), a private network and mount namespace with its own /run/netns. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include "ns.h"
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

int userns_enter(struct err *e)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	char map[64], why[ERR_TEXT];
	int ret;

	if (unshare(CLONE_NEWUSER) < 0) {
		ret = -errno;
		userns_blocker(why, sizeof(why));
		if (why[0])
			return err_set(e, ret, "a user namespace for an ordinary user: %s", why);
		return err_set(e, ret, ret == -EINVAL ? "a user namespace: the process has threads" : NULL);
	}
	/* setgroups must be denied before an unprivileged process may write gid_map */
	if ((ret = write_file("/proc/self/setgroups", "deny")) < 0 && ret != -ENOENT)
		return err_set(e, ret, "writing /proc/self/setgroups");
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)uid);
	if ((ret = write_file("/proc/self/uid_map", map)) < 0)
		return err_set(e, ret, "writing /proc/self/uid_map");
	snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)gid);
	if ((ret = write_file("/proc/self/gid_map", map)) < 0)
		return err_set(e, ret, "writing /proc/self/gid_map");
	return 0;
}

/* a private /run/netns: a tmpfs on the directory; an ordinary user who may not make it in
 * /run gets a tmpfs on /run, seen only in this mount namespace, to make it in */
static int private_run_netns(void)
{
	const int flags = MS_NOSUID | MS_NODEV | MS_NOEXEC;

	if (mkdir(NETNS_RUN_DIR, 0755) < 0 && errno != EEXIST) {
		if (errno != EACCES && errno != EPERM && errno != EROFS)
			return -errno;
		if (mount("netlab", "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0)
			return -errno;
		if (mkdir(NETNS_RUN_DIR, 0755) < 0)
			return -errno;
	}
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
