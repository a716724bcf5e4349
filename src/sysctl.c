/* sysctl.c - read and write net.* sysctls of a namespace through /proc/sys, opened from inside it. */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sysctl.h"

const char *sysctl_path(const char *key, char *path, size_t len)
{
	int slashed = strchr(key, '/') != NULL;
	char sep = slashed ? '/' : '.';
	size_t n = strlen(key), i, seg = 0, off;

	/* only net.* lives in the namespace: anything else is the whole machine's */
	if (strncmp(key, slashed ? "net/" : "net.", 4) != 0)
		return "is not a net.* key (only those belong to a network namespace)";
	off = (size_t)snprintf(path, len, "/proc/sys/");
	if (off + n >= len)
		return "is too long";
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)key[i];
		if (c == (unsigned char)sep) {
			if (seg == 0)
				return "has an empty part";
			seg = 0;
			path[off++] = '/';
			continue;
		}
		if (!isalnum(c) && c != '_' && c != '-' && c != '.' && c != '@')
			return "contains a character that is not in sysctl names";
		/* a dot inside a part (slashed form): never a whole "." or ".." */
		path[off++] = (char)c;
		seg++;
	}
	path[off] = '\0';
	if (seg == 0)
		return "has an empty part";
	if (strstr(path, "/./") || strstr(path, "/../") || strstr(path, "..") ||
	    (off >= 2 && !strcmp(path + off - 2, "/.")))
		return "contains '.' or '..' as a part";
	return NULL;
}

/* /proc/sys/net shows the namespace of whoever opens the file */
static int open_in(struct ns *ns, const char *path, int flags)
{
	int saved, fd, e, ret;

	if ((ret = ns_enter(ns->fd, &saved)) < 0)
		return ret;
	fd = open(path, flags | O_CLOEXEC);
	e = errno;
	ns_leave(saved);
	return fd < 0 ? -e : fd;
}

int sysctl_get(struct ns *ns, const char *path, char *buf, size_t len, struct err *e)
{
	int fd = open_in(ns, path, O_RDONLY);
	size_t off = 0;
	ssize_t n;

	if (fd < 0)
		return err_set(e, fd, NULL);
	while (off + 1 < len && (n = read(fd, buf + off, len - off - 1)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			n = -errno;
			close(fd);
			return err_set(e, (int)n, NULL);
		}
		off += (size_t)n;
	}
	close(fd);
	while (off && (buf[off - 1] == '\n'))
		off--;
	buf[off] = '\0';
	return 0;
}

static int write_value(int fd, const char *value, struct err *e)
{
	size_t len = strlen(value);
	ssize_t n;
	int ret = 0;

	if (fd < 0)
		return err_set(e, fd, NULL);
	do {
		n = write(fd, value, len);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != len)
		ret = -EIO;
	close(fd);
	return ret < 0 ? err_set(e, ret, NULL) : 0;
}

int sysctl_set(struct ns *ns, const char *path, const char *value, struct err *e)
{
	return write_value(open_in(ns, path, O_WRONLY), value, e);
}

int sysctl_set_here(const char *path, const char *value, struct err *e)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	return write_value(fd < 0 ? -errno : fd, value, e);
}
