/* private_file.c - node:file: a file only one node's commands see, in its own /run, /tmp or /var/tmp, or in its copy of the file's directory. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "private.h"

#define HOPS 8			/* symbolic links followed on the way to the file */
#define ETC_NETNS "/etc/netns"

/* the node's own directories, by the path its commands see each at */
static const struct area {
	const char *at, *dir;
} areas[] = {
	{ "/run", "run" }, { "/var/run", "run" }, { "/tmp", "tmp" }, { "/var/tmp", "var-tmp" },
};

/* a line of the node's binds file: "d 3 /etc/frr" */
struct entry {
	char type;		/* 'd' a copy of a directory, 'f' of a file */
	long num;		/* copies/NUM */
	const char *target;	/* where it goes */
};

const char *private_path_check(const char *path)
{
	const char *p;
	size_t len = strlen(path);

	if (path[0] != '/')
		return "is not an absolute path";
	if (len >= PATH_MAX)
		return "is too long";
	for (p = path; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return "contains a control character";
	if (path[len - 1] == '/')
		return "names a directory (it ends with '/')";
	for (p = path; p; p = strchr(p + 1, '/')) {
		size_t l = strcspn(p + 1, "/");
		if ((l == 1 && p[1] == '.') || (l == 2 && p[1] == '.' && p[2] == '.'))
			return "has a '.' or '..' part";
	}
	return NULL;
}

/* path with runs of '/' made one; out holds PATH_MAX */
static void squeeze(const char *path, char *out)
{
	size_t n = 0;

	for (; *path; path++)
		if (!(*path == '/' && n && out[n - 1] == '/'))
			out[n++] = *path;
	out[n] = '\0';
}

/* link (the target of a symbolic link at path) as an absolute path, its "."
 * and ".." parts taken as written; -ENAMETOOLONG */
static int follow(const char *path, const char *link, char *out)
{
	char joined[2 * PATH_MAX], *part, *save;
	size_t n = 0, l;

	if (link[0] == '/')
		snprintf(joined, sizeof(joined), "%s", link);
	else
		snprintf(joined, sizeof(joined), "%.*s/%s", (int)(strrchr(path, '/') - path), path, link);
	out[0] = '\0';
	for (part = strtok_r(joined, "/", &save); part; part = strtok_r(NULL, "/", &save)) {
		if (!strcmp(part, "."))
			continue;
		if (!strcmp(part, "..")) {
			while (n > 0 && out[--n] != '/')
				;
			out[n] = '\0';
			continue;
		}
		if (n + 1 + (l = strlen(part)) >= PATH_MAX)
			return -ENAMETOOLONG;
		out[n++] = '/';
		memcpy(out + n, part, l + 1);
		n += l;
	}
	if (n == 0)
		snprintf(out, PATH_MAX, "/");
	return 0;
}

/* path as the node sees it on the machine: under /etc/netns/NODE when
 * iproute2's binding puts an entry of that over /etc/ENTRY */
static void host_view(const char *node, const char *path, char *out)
{
	const char *rest = path + 5;
	size_t l = strcspn(rest, "/");
	char alt[PATH_MAX], etc[PATH_MAX];
	struct stat st;

	if (node && !strncmp(path, "/etc/", 5) && strlen(node) <= NAME_MAX) {
		snprintf(alt, sizeof(alt), ETC_NETNS "/%s/%.*s", node, (int)l, rest);
		snprintf(etc, sizeof(etc), "/etc/%.*s", (int)l, rest);
		if (lstat(alt, &st) == 0 && stat(etc, &st) == 0) {
			snprintf(out, PATH_MAX, "%s%s", alt, rest + l);
			return;
		}
	}
	snprintf(out, PATH_MAX, "%s", path);
}

/* ---- writing ---------------------------------------------------------------- */

/* The file name in dir with data: an existing one keeps its owner and mode
 * (mode >= 0 sets it); a new one is like `like` when given, else its
 * directory's owner's (a daemon's directory: frr's /etc/frr) with mode or
 * 0644. Never through a symbolic link. shown: the path the node sees. */
static int write_at(int dir, const char *name, const char *data, size_t len, int mode,
		    const struct stat *like, const char *shown, struct err *e)
{
	struct stat st, ds;
	int fd, made = 0, ret = 0;
	size_t off = 0;
	ssize_t n;

	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISLNK(st.st_mode))
			return err_set(e, -ELOOP, "%s is a symbolic link: not followed", shown);
		if (!S_ISREG(st.st_mode))
			return err_set(e, S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL, "%s is %s", shown,
				       S_ISDIR(st.st_mode) ? "a directory" : "not a regular file");
		fd = openat(dir, name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	} else if (errno == ENOENT) {
		fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		made = 1;
	} else {
		return err_set(e, -errno, "%s", shown);
	}
	if (fd < 0)
		return err_set(e, -errno, "cannot write %s", shown);
	if (made) {
		if (!like && fstat(dir, &ds) == 0)
			like = &ds;
		if (like && fchown(fd, like->st_uid, like->st_gid) < 0) {
			/* an owner this user namespace does not map: the lab's own */
		}
		if (fchmod(fd, mode >= 0 ? (mode_t)mode : like == &ds || !like ? 0644 : like->st_mode & 07777) < 0)
			ret = -errno;
	} else if (mode >= 0 && fchmod(fd, (mode_t)mode) < 0) {
		ret = -errno;
	}
	if (!ret && ftruncate(fd, 0) < 0)
		ret = -errno;
	while (!ret && off < len) {
		if ((n = write(fd, data + off, len - off)) >= 0)
			off += (size_t)n;
		else if (errno != EINTR)
			ret = -errno;
	}
	close(fd);
	if (ret < 0) {
		if (made)
			unlinkat(dir, name, 0);
		return err_set(e, ret, "cannot write %s", shown);
	}
	return 0;
}

/* The directory holding rel's last part (*last) under dir, as an O_PATH
 * descriptor: the directories on the way made (make) or required, none a
 * symbolic link. shown: the path the node sees dir at. -errno with e. */
static int walk(int dir, const char *rel, int make, const char *shown, const char **last, struct err *e)
{
	char part[NAME_MAX + 1], where[PATH_MAX];
	const char *p = rel, *q;
	int fd = dup(dir), nfd, ret;
	size_t l;

	if (fd < 0)
		return err_set(e, -errno, NULL);
	snprintf(where, sizeof(where), "%s", shown);
	for (; (q = strchr(p, '/')); p = q + 1) {
		if ((l = (size_t)(q - p)) > NAME_MAX) {
			close(fd);
			return err_set(e, -ENAMETOOLONG, "a part of %s is too long", shown);
		}
		memcpy(part, p, l);
		part[l] = '\0';
		snprintf(where + strlen(where), sizeof(where) - strlen(where), "/%s", part);
		if (make && mkdirat(fd, part, 0755) < 0 && errno != EEXIST) {
			ret = err_set(e, -errno, "cannot make directory %s", where);
			close(fd);
			return ret;
		}
		nfd = openat(fd, part, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0) {
			ret = errno == ENOENT ? err_set(e, -ENOENT, "directory %s does not exist", where) :
				errno == ENOTDIR ? err_set(e, -ENOTDIR, "%s is a symbolic link or not a directory: "
							   "not followed", where) :
				err_set(e, -errno, "%s", where);
			close(fd);
			return ret;
		}
		close(fd);
		fd = nfd;
	}
	*last = p;
	return fd;
}

/* path (rel below `under` of the node directory dir) written, its directories
 * made (make) or required; shown_at: where the node sees `under` */
static int write_below(int dir, const char *under, const char *rel, int make, const char *shown_at,
		       const char *data, size_t len, int mode, const char *path, struct err *e)
{
	const char *last;
	int top, fd, ret;

	if (!*rel)
		return err_set(e, -EISDIR, "%s is a directory", path);
	if ((top = openat(dir, under, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return err_set(e, -errno, "the node's directory %s", under);
	fd = walk(top, rel, make, shown_at, &last, e);
	close(top);
	if (fd < 0)
		return fd;
	ret = write_at(fd, last, data, len, mode, NULL, path, e);
	close(fd);
	return ret;
}

/* ---- the binds file ----------------------------------------------------------- */

static int binds_load(int dir, struct entry **v, char **buf)
{
	size_t len;
	char *line, *end;
	int n, i, k = 0;

	*v = NULL;
	if ((n = private_binds_read(dir, buf, &len)) <= 0)
		return n;
	if (!(*v = calloc((size_t)n, sizeof(**v))))
		return -ENOMEM;
	for (line = *buf, i = 0; i < n; line += strlen(line) + 1, i++) {
		(*v)[k].type = line[0];
		(*v)[k].num = strtol(line + 1, &end, 10);
		if ((line[0] == 'd' || line[0] == 'f') && *end == ' ' && end[1] == '/')
			(*v)[k++].target = end + 1;
	}
	return k;
}

static int entry_order(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	/* directories first, each before what lies inside it (a prefix sorts first) */
	if (x->type != y->type)
		return x->type == 'd' ? -1 : 1;
	return strcmp(x->target, y->target);
}

/* the binds file with v[0..n) and one more, written whole and renamed over */
static int binds_save(int dir, struct entry *v, int n, struct entry more)
{
	struct entry *all = malloc((size_t)(n + 1) * sizeof(*all));
	FILE *f;
	int fd, i, ret = 0;

	if (!all)
		return -ENOMEM;
	if (n)
		memcpy(all, v, (size_t)n * sizeof(*all));
	all[n] = more;
	qsort(all, (size_t)n + 1, sizeof(*all), entry_order);
	if ((fd = openat(dir, "binds.new", O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0 ||
	    !(f = fdopen(fd, "w"))) {
		ret = -errno;
		if (fd >= 0)
			close(fd);
		free(all);
		return ret;
	}
	for (i = 0; i <= n; i++)
		fprintf(f, "%c %ld %s\n", all[i].type, all[i].num, all[i].target);
	if (fclose(f) != 0 || renameat(dir, "binds.new", dir, "binds") < 0)
		ret = -errno;
	free(all);
	return ret;
}

/* ---- node:file ---------------------------------------------------------------------- */

static const struct area *area_of(const char *path, const char **rest)
{
	size_t i, l;

	for (i = 0; i < sizeof(areas) / sizeof(areas[0]); i++) {
		l = strlen(areas[i].at);
		if (!strncmp(path, areas[i].at, l) && (path[l] == '/' || !path[l])) {
			*rest = path[l] ? path + l + 1 : path + l;
			return &areas[i];
		}
	}
	return NULL;
}

/* a path on /proc, /sys or /dev, which every command sees as the kernel has them */
static int kernel_fs(const char *path)
{
	static const char *const fs[] = { "/proc", "/sys", "/dev" };
	size_t i, l;

	for (i = 0; i < sizeof(fs) / sizeof(fs[0]); i++)
		if (!strncmp(path, fs[i], l = strlen(fs[i])) && (path[l] == '/' || !path[l]))
			return 1;
	return 0;
}

/* the entry for path: its own ('f'), or the copy of a directory it lies in ('d') */
static struct entry *find(struct entry *v, int n, const char *path, char type)
{
	size_t l;
	int i;

	for (i = 0; i < n; i++) {
		if (v[i].type != type)
			continue;
		l = strlen(v[i].target);
		if (type == 'f' ? !strcmp(v[i].target, path) : !strncmp(v[i].target, path, l) && path[l] == '/')
			return &v[i];
	}
	return NULL;
}

/* a new copy for path: of its directory when that is small, else of the file
 * itself (bound over the machine's); the binds file then names it */
static int new_copy(struct ns *ns, int dir, struct entry *v, int n, const char *path, const char *parent,
		    const char *data, size_t len, int mode, struct err *e)
{
	char src[PATH_MAX], hv[PATH_MAX], copies[32];
	const char *base = strrchr(path, '/') + 1;
	struct entry more = { 0 };
	struct stat st;
	long num = 0;
	int i, fit, top, exists, ret, cfd;

	for (i = 0; i < n; i++)
		if (v[i].num > num)
			num = v[i].num;
	more.num = num + 1;
	host_view(ns->node, parent, src);
	host_view(ns->node, path, hv);
	exists = lstat(hv, &st) == 0;
	if (exists && !S_ISREG(st.st_mode))
		return err_set(e, S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL, "%s is %s", path,
			       S_ISDIR(st.st_mode) ? "a directory" : "not a regular file");
	/* a top-level directory (/etc, /usr) is never copied: the node would have
	 * a snapshot of the machine's whole configuration */
	top = !strchr(parent + 1, '/');
	if ((fit = top ? 0 : private_small(src)) < 0)
		return err_set(e, fit, "cannot read directory %s", src);
	if (fit) {
		if ((ret = private_copy(dir, more.num, src, e)) < 0)
			return ret;
		snprintf(copies, sizeof(copies), "copies/%ld", more.num);
		if ((ret = write_below(dir, copies, base, 0, parent, data, len, mode, path, e)) < 0)
			return ret;
		more.type = 'd';
		more.target = parent;
	} else if (exists) {
		if ((cfd = openat(dir, "copies", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
			return err_set(e, -errno, "the node's directory copies");
		snprintf(copies, sizeof(copies), "%ld", more.num);
		ret = write_at(cfd, copies, data, len, mode, &st, path, e);
		close(cfd);
		if (ret < 0)
			return ret;
		more.type = 'f';
		more.target = path;
	} else if (top) {
		return err_set(e, -EINVAL, "%s does not exist, and a node gets no copy of a top-level directory "
			       "such as %s: write it into a directory of its own", path, parent);
	} else {
		return err_set(e, -EFBIG, "%s does not exist, and its directory %s is too big to copy for one node "
			       "(more than %d files or %d MiB): write it into a directory of its own", path,
			       parent, COPY_ENTRIES, COPY_MIB);
	}
	if ((ret = binds_save(dir, v, n, more)) < 0)
		return err_set(e, ret, "cannot write the node's list of copies");
	return 0;
}

/* One step towards where path is on the machine, for the node: a symbolic
 * link followed, or its directory's links resolved: path rewritten, 1. Else
 * 0, with parent its directory (a real one), or -errno with e. */
static int resolve_step(struct ns *ns, char *path, char *parent, struct err *e)
{
	char next[PATH_MAX], hv[PATH_MAX], link[PATH_MAX], real[PATH_MAX];
	struct stat st;
	ssize_t l;
	int ret;

	/* a symbolic link on the machine: where it points, as the node sees that */
	host_view(ns->node, path, hv);
	if (lstat(hv, &st) == 0 && S_ISLNK(st.st_mode)) {
		if ((l = readlink(hv, link, sizeof(link) - 1)) < 0)
			return err_set(e, -errno, "%s", hv);
		link[l] = '\0';
		if ((ret = follow(path, link, next)) < 0)
			return err_set(e, ret, "%s points to a path too long", path);
		snprintf(path, PATH_MAX, "%s", next);
		return 1;
	}
	/* its directory, with the machine's symbolic links on the way resolved */
	snprintf(parent, PATH_MAX, "%.*s", (int)(strrchr(path, '/') - path), path);
	if (!parent[0])
		snprintf(parent, PATH_MAX, "/");
	if (!realpath(parent, real))
		return errno == ENOENT || errno == ENOTDIR ?
			err_set(e, -ENOENT, "directory %s does not exist", parent) :
			err_set(e, -errno, "directory %s", parent);
	if (!strcmp(real, parent))
		return 0;
	if (snprintf(next, sizeof(next), "%s/%s", strcmp(real, "/") ? real : "", strrchr(path, '/') + 1) >=
	    (int)sizeof(next))
		return err_set(e, -ENAMETOOLONG, "%s, its directory's links resolved, is too long", path);
	snprintf(path, PATH_MAX, "%s", next);
	return 1;
}

int private_file(struct ns *ns, const char *path_in, const char *data, size_t len, int mode, struct err *e)
{
	char path[PATH_MAX], parent[PATH_MAX], under[32];
	const char *why = private_path_check(path_in), *rest;
	const struct area *a;
	struct entry *v = NULL, *hit;
	char *buf = NULL;
	int dir, n, hops, ret = 0;

	if (why)
		return err_set(e, -EINVAL, "path '%s' %s", path_in, why);
	if (ns->priv < 0)
		return err_set(e, -EINVAL, "%s has no directory of its own (ns:private)", ns_label(ns));
	squeeze(path_in, path);
	if ((dir = private_node_dir(ns)) < 0)
		return err_set(e, dir, "the node's directory");
	if ((n = binds_load(dir, &v, &buf)) < 0)
		ret = err_set(e, n, "cannot read the node's list of copies");
	for (hops = 0; n >= 0; hops++) {
		if (hops > HOPS) {
			ret = err_set(e, -ELOOP, "%s: more than %d symbolic links on the way", path_in, HOPS);
		} else if (kernel_fs(path)) {
			ret = err_set(e, -EINVAL, "%s is on the kernel's own file systems (/proc, /sys, /dev): "
				      "no node has a copy of its own", path);
		} else if ((a = area_of(path, &rest))) {
			/* its own /run, /tmp, /var/tmp: the directories on the way are made */
			ret = write_below(dir, a->dir, rest, 1, a->at, data, len, mode, path, e);
		} else if ((hit = find(v, n, path, 'f'))) {
			/* a file or directory it has a copy of already */
			snprintf(under, sizeof(under), "%ld", hit->num);
			ret = write_below(dir, "copies", under, 0, "", data, len, mode, path, e);
		} else if ((hit = find(v, n, path, 'd'))) {
			snprintf(under, sizeof(under), "copies/%ld", hit->num);
			ret = write_below(dir, under, path + strlen(hit->target) + 1, 0, hit->target, data, len, mode,
					  path, e);
		} else if ((ret = resolve_step(ns, path, parent, e)) == 1) {
			continue;
		} else if (ret == 0) {
			ret = new_copy(ns, dir, v, n, path, parent, data, len, mode, e);
		}
		break;
	}
	free(v);
	free(buf);
	close(dir);
	return ret;
}

int private_hosts(struct ns *ns, struct err *e)
{
	char hv[PATH_MAX], line[NAME_MAX + 32], *data;
	size_t len = 0, cap = 65536;
	ssize_t n;
	int fd, ret;

	host_view(ns->node, "/etc/hosts", hv);
	if ((fd = open(hv, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;	/* a machine without one: nothing to add to */
	if (!(data = malloc(cap))) {
		close(fd);
		return err_set(e, -ENOMEM, NULL);
	}
	while (len < cap - sizeof(line) && (n = read(fd, data + len, cap - sizeof(line) - len)) != 0) {
		if (n < 0 && errno != EINTR)
			break;
		len += n > 0 ? (size_t)n : 0;
	}
	close(fd);
	if (len && data[len - 1] != '\n')
		data[len++] = '\n';
	/* Debian's line for the machine's own name */
	snprintf(line, sizeof(line), "127.0.1.1\t%.*s\n", HOSTNAME_MAX, ns->node);
	memcpy(data + len, line, strlen(line));
	len += strlen(line);
	ret = private_file(ns, "/etc/hosts", data, len, -1, e);
	free(data);
	return ret;
}
