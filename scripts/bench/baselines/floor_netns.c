/* floor_netns.c - the benchmark's floor for namespaces alone: N named network
 * namespaces, nothing in them, made the way `ip netns add` makes one (a new
 * namespace, bind-mounted on /run/netns/NAME) and removed again (unmount and
 * unlink). What every method of the star pays before its first link.
 *
 * usage: floor_netns setup N [prefix]      prints setup_ms=
 *        floor_netns teardown N [prefix]   prints teardown_ms=: the part that
 *            runs in this process; the kernel frees each namespace afterwards
 *        floor_netns unshare N             prints unshare_only_ms=: N new
 *            namespaces with no name, each one dropped by the next unshare
 * The names are PREFIX1..PREFIXN, perfx1..perfxN by default. Run it as root
 * in a private network and mount namespace (scripts/bench/run.sh does).
 * Build: cc -O2 -Wall -Wextra -o floor_netns floor_netns.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void __attribute__((noreturn)) fail(const char *what)
{
	perror(what);
	exit(1);
}

static void path_of(char *path, size_t size, const char *prefix, int i)
{
	if ((size_t)snprintf(path, size, "/run/netns/%s%d", prefix, i) >= size) {
		errno = ENAMETOOLONG;
		fail(prefix);
	}
}

/* The file first, as iproute2 does: the bind mount needs something to cover.
 * Then a namespace of our own, its name the mount, and back to host_ns so
 * the next one is not made inside this one. */
static void ns_add(const char *path, int host_ns)
{
	int fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);

	if (fd < 0)
		fail(path);
	close(fd);
	if (unshare(CLONE_NEWNET) < 0)
		fail("unshare");
	if (mount("/proc/self/ns/net", path, "none", MS_BIND, NULL) < 0)
		fail(path);
	if (setns(host_ns, CLONE_NEWNET) < 0)
		fail("setns");
}

/* Detached, so a namespace still in use elsewhere does not make it fail. */
static void ns_del(const char *path)
{
	if (umount2(path, MNT_DETACH) < 0)
		fail(path);
	if (unlink(path) < 0)
		fail(path);
}

static void setup(int n, const char *prefix)
{
	char path[256];
	int host_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), i;

	if (host_ns < 0)
		fail("/proc/self/ns/net");
	mkdir("/run/netns", 0755);
	for (i = 1; i <= n; i++) {
		path_of(path, sizeof(path), prefix, i);
		ns_add(path, host_ns);
	}
}

static void teardown(int n, const char *prefix)
{
	char path[256];
	int i;

	for (i = 1; i <= n; i++) {
		path_of(path, sizeof(path), prefix, i);
		ns_del(path);
	}
}

/* No name: the process's previous namespace has no other holder, so each
 * unshare hands it to the kernel's cleanup. */
static void unshare_only(int n)
{
	int i;

	for (i = 1; i <= n; i++)
		if (unshare(CLONE_NEWNET) < 0)
			fail("unshare");
}

static void __attribute__((noreturn)) usage(void)
{
	fputs("usage: floor_netns setup|teardown N [prefix] | unshare N\n", stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *prefix = argc > 3 ? argv[3] : "perfx";
	char *end;
	double t0;
	long n;

	if (argc < 3 || argc > 4)
		usage();
	n = strtol(argv[2], &end, 10);
	if (*end || n < 0 || n > 1000000)
		usage();
	t0 = now_ms();
	if (strcmp(argv[1], "setup") == 0) {
		setup((int)n, prefix);
		printf("setup_ms=%.2f\n", now_ms() - t0);
	} else if (strcmp(argv[1], "teardown") == 0) {
		teardown((int)n, prefix);
		printf("teardown_ms=%.2f\n", now_ms() - t0);
	} else if (strcmp(argv[1], "unshare") == 0 && argc == 3) {
		unshare_only((int)n);
		printf("unshare_only_ms=%.2f\n", now_ms() - t0);
	} else {
		usage();
	}
	return 0;
}
