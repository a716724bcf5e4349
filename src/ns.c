/* ns.c - create, open, list and delete named network namespaces, as iproute2 does. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <linux/nsfs.h>

#include "ns.h"

#define SELF_NET "/proc/thread-self/ns/net"

void ns_init(struct ns *ns)
{
	memset(ns, 0, sizeof(*ns));
	ns->fd = -1;
	ns->priv = -1;
}

int ns_enter(int fd, int *saved)
{
	int e;

	*saved = open(SELF_NET, O_RDONLY | O_CLOEXEC);
	if (*saved < 0)
		return -errno;
	if (setns(fd, CLONE_NEWNET) < 0) {
		e = errno;
		close(*saved);
		*saved = -1;
		return -e;
	}
	return 0;
}

void ns_leave(int saved)
{
	int ret = 0;

	if (setns(saved, CLONE_NEWNET) < 0)
		ret = -errno;
	close(saved);
	if (ret) {
		/* running on in the wrong namespace would send everything that
		 * follows to the wrong place: refuse to go on */
		fprintf(stderr, "netns: cannot return to the original network namespace: %s\n",
			strerror(-ret));
		abort();
	}
}

const char *ns_label(const struct ns *ns)
{
	switch (ns->kind) {
	case NS_NAMED:
		return ns->name;
	case NS_PATH:
		return ns->path ? ns->path : "?";
	}
	return "host";
}

/* /run/netns/NAME; the caller checked the name (at most NSNAME_MAX bytes) */
#define NETNS_PATH_LEN (sizeof(NETNS_RUN_DIR) + NSNAME_MAX + 1)

static void netns_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, NETNS_RUN_DIR "/%s", name);
}

/* /run/netns must be a shared mount so the bind mounts made in it reach
 * every mount namespace, as iproute2 makes it. Not recursively, as iproute2
 * does on every add: MS_REC walks every namespace's bind mount below, which
 * makes N adds cost O(N^2) (perf: invent_group_ids, change_mnt_propagation);
 * a mount made under a shared mount is shared already. */
static int prepare_run_dir(void)
{
	if (mkdir(NETNS_RUN_DIR, 0755) < 0 && errno != EEXIST)
		return -errno;
	if (mount("", NETNS_RUN_DIR, "none", MS_SHARED, NULL) == 0)
		return 0;
	if (errno != EINVAL)
		return -errno;
	/* not a mount point yet: make it one, then shared */
	if (mount(NETNS_RUN_DIR, NETNS_RUN_DIR, "none", MS_BIND | MS_REC, NULL) < 0)
		return -errno;
	if (mount("", NETNS_RUN_DIR, "none", MS_SHARED | MS_REC, NULL) < 0)
		return -errno;
	return 0;
}

int ns_add(struct ns *ns, const char *name, ns_inside_fn inside, void *arg, struct err *e)
{
	char path[NETNS_PATH_LEN];
	int fd, saved = -1, ret, mounted = 0;

	netns_path(path, sizeof(path), name);
	if ((ret = prepare_run_dir()) < 0)
		return err_set(e, ret, "preparing " NETNS_RUN_DIR);
	fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0);
	if (fd < 0)
		return err_set(e, -errno, NULL);
	close(fd);
	saved = open(SELF_NET, O_RDONLY | O_CLOEXEC);
	if (saved < 0) {
		ret = err_set(e, -errno, NULL);
		goto fail;
	}
	if (unshare(CLONE_NEWNET) < 0) {
		ret = err_set(e, -errno, NULL);
		close(saved);
		saved = -1;
		goto fail;
	}
	if (mount(SELF_NET, path, "none", MS_BIND, NULL) < 0) {
		ret = err_set(e, -errno, "bind-mounting %s", path);
		goto fail;
	}
	mounted = 1;
	ns->fd = open(SELF_NET, O_RDONLY | O_CLOEXEC);
	if (ns->fd < 0) {
		ret = err_set(e, -errno, NULL);
		goto fail;
	}
	/* already inside: the socket costs no extra switch */
	if ((ret = nl_open(&ns->rt, NETLINK_ROUTE)) < 0) {
		err_set(e, ret, NULL);
		goto fail;
	}
	ns->kind = NS_NAMED;
	snprintf(ns->name, sizeof(ns->name), "%s", name);
	if (inside && (ret = inside(ns, arg, e)) < 0)
		goto fail;
	ns_leave(saved);
	return 0;
fail:
	if (saved >= 0)
		ns_leave(saved);
	ns_close(ns);
	ns_init(ns);
	if (mounted)
		umount2(path, MNT_DETACH);
	unlink(path);
	return ret;
}

/* fd of a network namespace file, or -errno (-EINVAL: not a network namespace) */
static int open_netns_file(const char *path)
{
	int fd, type;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* a plain file in /run/netns is not a namespace */
	type = ioctl(fd, NS_GET_NSTYPE);
	if (type != CLONE_NEWNET) {
		close(fd);
		return type < 0 && errno != ENOTTY ? -errno : -EINVAL;
	}
	return fd;
}

int ns_open(struct ns *ns, const char *name, struct err *e)
{
	char path[NETNS_PATH_LEN];
	int fd;

	netns_path(path, sizeof(path), name);
	if ((fd = open_netns_file(path)) < 0)
		return err_set(e, fd, NULL);
	ns->fd = fd;
	ns->kind = NS_NAMED;
	snprintf(ns->name, sizeof(ns->name), "%s", name);
	return 0;
}

int ns_open_path(struct ns *ns, const char *path, struct err *e)
{
	int fd;

	/* the path is how messages name it: no made-up name */
	if (!(ns->path = strdup(path)))
		return err_set(e, -ENOMEM, NULL);
	if ((fd = open_netns_file(path)) < 0) {
		free(ns->path);
		ns->path = NULL;
		return err_set(e, fd, NULL);
	}
	ns->fd = fd;
	ns->kind = NS_PATH;
	return 0;
}

int ns_host(struct ns *ns, struct err *e)
{
	ns->fd = open(SELF_NET, O_RDONLY | O_CLOEXEC);
	if (ns->fd < 0)
		return err_set(e, -errno, NULL);
	ns->kind = NS_HOST;
	return 0;
}

int ns_delete(const char *name, struct err *e)
{
	char path[NETNS_PATH_LEN];
	struct stat st;

	netns_path(path, sizeof(path), name);
	if (lstat(path, &st) < 0)
		return err_set(e, -errno, NULL);
	/* EINVAL: not a mount point (a crashed add); the file still goes */
	if (umount2(path, MNT_DETACH) < 0 && errno != EINVAL)
		return err_set(e, -errno, NULL);
	if (unlink(path) < 0)
		return err_set(e, -errno, NULL);
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void ns_list_free(char **names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int ns_list(char ***names, size_t *n, struct err *e)
{
	DIR *d = opendir(NETNS_RUN_DIR);
	struct dirent *ent;
	char **v = NULL, **nv;
	size_t cap = 0, len = 0;
	int ret = 0;

	*names = NULL;
	*n = 0;
	if (!d)
		return errno == ENOENT ? 0 : err_set(e, -errno, NULL);
	while ((ent = readdir(d))) {
		if (!strcmp(ent->d_name, ".") || !strcmp(ent->d_name, ".."))
			continue;
		if (len == cap) {
			cap = cap ? cap * 2 : 16;
			if (!(nv = realloc(v, cap * sizeof(*v)))) {
				ret = -ENOMEM;
				break;
			}
			v = nv;
		}
		if (!(v[len] = strdup(ent->d_name))) {
			ret = -ENOMEM;
			break;
		}
		len++;
	}
	closedir(d);
	if (ret) {
		ns_list_free(v, len);
		return err_set(e, ret, NULL);
	}
	qsort(v, len, sizeof(*v), cmp_names);
	*names = v;
	*n = len;
	return 0;
}

int ns_same(const struct ns *a, const struct ns *b)
{
	struct stat sa, sb;

	if (a == b)
		return 1;
	return fstat(a->fd, &sa) == 0 && fstat(b->fd, &sb) == 0 &&
	       sa.st_ino == sb.st_ino && sa.st_dev == sb.st_dev;
}

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

int ns_cookie(struct ns *ns, unsigned long long *cookie, struct err *e)
{
	uint64_t c = 0;
	socklen_t len = sizeof(c);
	struct nl *nl;
	int ret;

	/* any socket made in the namespace tells it; its rtnetlink one is there */
	if ((ret = ns_rt(ns, &nl, e)) < 0)
		return ret;
	if (getsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET, SO_NETNS_COOKIE, &c, &len) < 0)
		return err_set(e, -errno, NULL);
	*cookie = c;
	return 0;
}

void ns_close(struct ns *ns)
{
	nl_close(&ns->rt);
	nl_close(&ns->nf);
	nl_close(&ns->gen);
	if (ns->fd >= 0)
		close(ns->fd);
	ns->fd = -1;
	free(ns->path);
	ns->path = NULL;
	if (ns->priv >= 0)
		close(ns->priv);
	ns->priv = -1;
	free(ns->priv_dir);
	free(ns->node);
	ns->priv_dir = ns->node = NULL;
}

/* a socket of protocol proto living in ns, opened inside it the first time */
static int ns_sock(struct ns *ns, struct nl *nl, int proto, struct err *e)
{
	int saved, ret;

	/* a socket opened before a fork is the parent's: answers to requests
	 * sent on it from both would go to whichever reads first */
	if (nl->sock && nl->pid == (int)getpid())
		return 0;
	nl_close(nl);
	if (ns->fd < 0)
		return err_set(e, -EBADF, NULL);
	if ((ret = ns_enter(ns->fd, &saved)) < 0)
		return err_set(e, ret, NULL);
	ret = nl_open(nl, proto);
	ns_leave(saved);
	return ret < 0 ? err_set(e, ret, NULL) : 0;
}

int ns_rt(struct ns *ns, struct nl **nl, struct err *e)
{
	*nl = &ns->rt;
	return ns_sock(ns, &ns->rt, NETLINK_ROUTE, e);
}

int ns_nf(struct ns *ns, struct nl **nl, struct err *e)
{
	*nl = &ns->nf;
	return ns_sock(ns, &ns->nf, NETLINK_NETFILTER, e);
}

int ns_gen(struct ns *ns, struct nl **nl, struct err *e)
{
	*nl = &ns->gen;
	return ns_sock(ns, &ns->gen, NETLINK_GENERIC, e);
}
