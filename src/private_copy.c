/* private_copy.c - a node's own copy of a directory of the machine's (node:file's), with owners and modes, never too big. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "private.h"

#define COPY_DEPTH 32

static long count_entries, count_bytes;

static int count_one(const char *p, const struct stat *st, int type, struct FTW *f)
{
	(void)p;
	count_entries++;
	if (type == FTW_F)
		count_bytes += st->st_size;
	return count_entries > COPY_ENTRIES || count_bytes > (COPY_MIB << 20) || f->level > COPY_DEPTH;
}

int private_small(const char *path)
{
	int r;

	count_entries = count_bytes = 0;
	r = nftw(path, count_one, 16, FTW_PHYS | FTW_MOUNT);
	return r < 0 ? -errno : r == 0;
}

static char copying[PATH_MAX];	/* the source path being copied, for messages */
static char chunk[65536];

static void keep_attrs(int fd, const struct stat *st)
{
	if (fchown(fd, st->st_uid, st->st_gid) < 0) {
		/* an owner this user namespace does not map: the lab's own */
	}
	if (fchmod(fd, st->st_mode & 07777) < 0) {
		/* what the file system allows */
	}
}

static int copy_file(int sdir, int ddir, const char *name, const struct stat *st)
{
	int in = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), out, ret = 0;
	ssize_t n, w, off;

	if (in < 0)
		return -errno;
	if ((out = openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0) {
		ret = -errno;
		close(in);
		return ret;
	}
	while (!ret && (n = read(in, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			ret = errno == EINTR ? 0 : -errno;
			continue;
		}
		for (off = 0; !ret && off < n; off += w > 0 ? w : 0)
			if ((w = write(out, chunk + off, (size_t)(n - off))) < 0 && errno != EINTR)
				ret = -errno;
	}
	keep_attrs(out, st);
	close(in);
	close(out);
	return ret;
}

/* what the directory sdir holds, into ddir: directories, files and symbolic
 * links with their owners and modes; nothing of another file system */
static int copy_dir(int sdir, int ddir, dev_t dev)
{
	size_t base = strlen(copying);
	char target[PATH_MAX];
	struct dirent *de;
	struct stat st;
	int fd = dup(sdir), s2, d2, ret = 0;
	ssize_t n;
	DIR *d;

	if (fd < 0 || !(d = fdopendir(fd))) {
		ret = -errno;
		if (fd >= 0)
			close(fd);
		return ret;
	}
	while (!ret && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(copying + base, sizeof(copying) - base, "/%s", de->d_name);
		if (fstatat(sdir, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			ret = -errno;
		} else if (S_ISDIR(st.st_mode) && st.st_dev == dev) {
			if (mkdirat(ddir, de->d_name, 0700) < 0)
				ret = -errno;
			s2 = openat(sdir, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			d2 = openat(ddir, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (!ret && (s2 < 0 || d2 < 0))
				ret = -errno;
			if (!ret && (ret = copy_dir(s2, d2, dev)) == 0)
				keep_attrs(d2, &st);
			if (s2 >= 0)
				close(s2);
			if (d2 >= 0)
				close(d2);
		} else if (S_ISREG(st.st_mode)) {
			ret = copy_file(sdir, ddir, de->d_name, &st);
		} else if (S_ISLNK(st.st_mode)) {
			if ((n = readlinkat(sdir, de->d_name, target, sizeof(target) - 1)) < 0 ||
			    (target[n] = '\0', symlinkat(target, ddir, de->d_name) < 0))
				ret = -errno;
			else if (fchownat(ddir, de->d_name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0) {
				/* as keep_attrs */
			}
		}
		/* sockets, pipes, devices: no daemon's configuration */
		if (!ret)
			copying[base] = '\0';
	}
	closedir(d);
	return ret;
}

int private_copy(int dir, long num, const char *src, struct err *e)
{
	char name[32], path[64];
	struct stat st;
	int copies = openat(dir, "copies", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), s = -1, d = -1, ret;

	snprintf(name, sizeof(name), "%ld", num);
	snprintf(copying, sizeof(copying), "%s", src);
	if (copies < 0 || (s = open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 || fstat(s, &st) < 0 ||
	    mkdirat(copies, name, 0700) < 0 ||
	    (d = openat(copies, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		ret = err_set(e, -errno, "cannot copy %s", src);
	} else if ((ret = copy_dir(s, d, st.st_dev)) < 0) {
		err_set(e, ret, "cannot copy %s", copying);
		snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", copies, name);
		private_remove(path, NULL);
	} else {
		keep_attrs(d, &st);
	}
	if (copies >= 0)
		close(copies);
	if (s >= 0)
		close(s);
	if (d >= 0)
		close(d);
	return ret;
}
