/* timeit.c - run one benchmark step, then (optionally) wait until the names it
 * removed are free again; print wall_ms=, free_ms= and maxrss_kb= after the
 * step's own output. Compiled by scripts/bench/run.sh at run time.
 *
 * usage: timeit [-n N] [-s NS_FMT] [-l LINK_FMT] [-b BRIDGE] -- cmd [args...]
 *   NS_FMT, LINK_FMT: printf formats with one %d (1..N): /run/netns/NS_FMT
 *   must be gone, and no link called LINK_FMT (or BRIDGE) may exist in the
 *   current network namespace. free_ms counts from the start of cmd until
 *   all of that holds (polled every 0.2 ms; gives up after 60 s).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int taken(const char *fmt_ns, const char *fmt_link, const char *bridge, int i)
{
	char name[256], path[300];
	struct stat st;

	if (fmt_ns) {
		snprintf(name, sizeof(name), fmt_ns, i);
		snprintf(path, sizeof(path), "/run/netns/%s", name);
		if (lstat(path, &st) == 0)
			return 1;
	}
	if (fmt_link) {
		snprintf(name, sizeof(name), fmt_link, i);
		if (if_nametoindex(name) != 0)
			return 1;
	}
	if (bridge && i == 1 && if_nametoindex(bridge) != 0)
		return 1;
	return 0;
}

int main(int argc, char **argv)
{
	const char *fmt_ns = NULL, *fmt_link = NULL, *bridge = NULL;
	struct rusage ru;
	double t0, t1, t2;
	int n = 0, opt, status, i;
	pid_t pid;

	while ((opt = getopt(argc, argv, "+n:s:l:b:")) != -1) {
		switch (opt) {
		case 'n': n = atoi(optarg); break;
		case 's': fmt_ns = optarg; break;
		case 'l': fmt_link = optarg; break;
		case 'b': bridge = optarg; break;
		default:
			fprintf(stderr, "usage: %s [-n N] [-s NS_FMT] [-l LINK_FMT] [-b BRIDGE] -- cmd...\n", argv[0]);
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "timeit: no command\n");
		return 2;
	}
	fflush(stdout);
	t0 = now_ms();
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		execvp(argv[optind], argv + optind);
		perror(argv[optind]);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			perror("waitpid");
			return 1;
		}
	t1 = now_ms();
	/* the names: each one in turn until it is free */
	for (i = 1; i <= n; i++) {
		while (taken(fmt_ns, fmt_link, bridge, i)) {
			if (now_ms() - t0 > 60000) {
				fprintf(stderr, "timeit: names still taken after 60 s (item %d)\n", i);
				return 1;
			}
			usleep(200);
		}
	}
	t2 = now_ms();
	getrusage(RUSAGE_CHILDREN, &ru);
	printf("wall_ms=%.2f free_ms=%.2f maxrss_kb=%ld\n", t1 - t0, t2 - t0, ru.ru_maxrss);
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}
