/* private.c - a node's own directories: where they live, and the mounts and hostname each command of the node gets (with /etc/netns/NAME over /etc, as `ip netns exec` binds it). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "child.h"
#include "private.h"

#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef OPEN_TREE_CLOEXEC
#define OPEN_TREE_CLOEXEC O_CLOEXEC
#endif
#ifndef AT_RECURSIVE
#define AT_RECURSIVE 0x8000
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x00000004
#endif

#define ETC_NETNS "/etc/netns"

/* ---- the area of an isolated lab's process ------------------------------ */

static int root_fd = -1;
static char root_path[64];

int private_root_init(const char *dir)
{
	int fd;

	/* a process isolated again (a new mount namespace) starts a new area */
	if (root_fd >= 0) {
		close(root_fd);
		root_fd = -1;
	}
	/* exec allowed: a node runs the scripts node:file writes into its /tmp */
	if (mount("netlab-private", dir, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700") < 0)
		return -errno;
	if ((fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
		int ret = -errno;
		umount2(dir, MNT_DETACH);
		return ret;
	}
	root_fd = fd;
	snprintf(root_path, sizeof(root_path), "/proc/%d/fd/%d", (int)getpid(), fd);
	return 0;
}

const char *private_root(void)
{
	return root_fd >= 0 ? root_path : NULL;
}

/* ---- making and removing the directories -------------------------------- */

int private_make(const char *dir, char *out, size_t len, struct err *e)
{
	const char *base = "/tmp";
	char tmpl[PATH_MAX];

	if (dir) {
		if (mkdir(dir, 0700) < 0)
			return err_set(e, -errno, errno == EEXIST ? "directory %s exists already" :
				       "cannot make directory %s", dir);
		snprintf(out, len, "%s", dir);
		return 0;
	}
	/* root's under /run/netlab, where its running labs are listed; anyone else's in /tmp */
	if (geteuid() == 0 && (mkdir("/run/netlab", 0755) == 0 || errno == EEXIST))
		base = "/run/netlab";
	snprintf(tmpl, sizeof(tmpl), "%s/nodes-XXXXXX", base);
	if (!mkdtemp(tmpl))
		return err_set(e, -errno, "cannot make a directory in %s", base);
	snprintf(out, len, "%s", tmpl);
	return 0;
}

/* the first failure of a removal (nftw's callback has no argument of its own) */
static int remove_err;
static char remove_path[PATH_MAX];

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *f)
{
	int r;

	(void)st;
	(void)f;
	r = type == FTW_DP || type == FTW_D || type == FTW_DNR ? rmdir(path) : unlink(path);
	if (r < 0 && errno != ENOENT && !remove_err) {
		remove_err = -errno;
		snprintf(remove_path, sizeof(remove_path), "%s", path);
	}
	return 0;	/* on with the rest: as much as can go, goes */
}

int private_remove(const char *dir, struct err *e)
{
	struct stat st;

	if (lstat(dir, &st) < 0)
		return errno == ENOENT ? 0 : err_set(e, -errno, "%s", dir);
	if (!S_ISDIR(st.st_mode))
		return err_set(e, -ENOTDIR, "%s is not a directory", dir);
	remove_err = 0;
	/* depth first, no symbolic link followed, no other file system entered */
	if (nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0 && !remove_err)
		return err_set(e, -errno, "%s", dir);
	if (remove_err)
		return err_set(e, remove_err, "cannot remove %s", remove_path);
	return 0;
}

/* ---- a node's directory -------------------------------------------------- */

int private_set(struct ns *ns, const char *dir, const char *name, struct err *e)
{
	const char *slash = strrchr(dir, '/');
	char parent[PATH_MAX];
	char *base, *node;
	int fd;

	if (!slash || !slash[1] || (size_t)(slash - dir) >= sizeof(parent))
		return err_set(e, -EINVAL, "node directory '%s' is not an absolute path to a directory", dir);
	snprintf(parent, sizeof(parent), "%.*s", (int)(slash - dir), dir);
	if ((fd = open(parent[0] ? parent : "/", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return err_set(e, -errno, "directory %s", parent[0] ? parent : "/");
	base = strdup(slash + 1);
	node = strdup(name);
	if (!base || !node) {
		free(base);
		free(node);
		close(fd);
		return err_set(e, -ENOMEM, NULL);
	}
	if (ns->priv >= 0)
		close(ns->priv);
	free(ns->priv_dir);
	free(ns->node);
	ns->priv = fd;
	ns->priv_dir = base;
	ns->node = node;
	return 0;
}

/* make name in dir with mode (not the umask's), unless it is there */
static int make_dir(int dir, const char *name, mode_t mode)
{
	if (mkdirat(dir, name, mode) < 0)
		return errno == EEXIST ? 0 : -errno;
	return fchmodat(dir, name, mode, 0) < 0 ? -errno : 0;
}

int private_node_dir(struct ns *ns)
{
	static const struct { const char *name; mode_t mode; } sub[] = {
		{ "run", 0755 }, { "run/netns", 0755 }, { "run/lock", 01777 }, { "tmp", 01777 },
		{ "var-tmp", 01777 }, { "copies", 0700 },
	};
	char made[32];
	int fd, ret;
	size_t i;

	fd = openat(ns->priv, ns->priv_dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0 || errno != ENOENT)
		return fd < 0 ? -errno : fd;
	/* the first time: the directory and what it holds, made under another
	 * name and then renamed, so that it is there whole or not at all */
	snprintf(made, sizeof(made), ".new-%d", (int)getpid());
	if ((ret = make_dir(ns->priv, made, 0755)) < 0)
		return ret;
	if ((fd = openat(ns->priv, made, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return -errno;
	for (i = 0; i < sizeof(sub) / sizeof(sub[0]) && ret == 0; i++)
		ret = make_dir(fd, sub[i].name, sub[i].mode);
	close(fd);
	/* (made meanwhile by another process of the lab: that one is it, and what
	 * is left of this one goes with the lab's directory) */
	if (ret == 0 && renameat(ns->priv, made, ns->priv, ns->priv_dir) < 0 && errno != EEXIST && errno != ENOTEMPTY)
		ret = -errno;
	if (ret < 0) {
		unlinkat(ns->priv, made, AT_REMOVEDIR);	/* what failed left it (nearly) empty */
		return ret;
	}
	/* its name resolves there, as the machine's does on the machine (best
	 * effort: without it, a lookup of the name may ask a DNS server) */
	private_hosts(ns, NULL);
	fd = openat(ns->priv, ns->priv_dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int private_binds_read(int dir, char **buf, size_t *len)
{
	size_t cap = 4096, n = 0, i;
	int fd, count = 0;
	char *p = NULL, *np;
	ssize_t r;

	*buf = NULL;
	*len = 0;
	if ((fd = openat(dir, "binds", O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return errno == ENOENT ? 0 : -errno;
	for (;;) {
		if (!p || cap - n < 1024) {
			if (p)
				cap *= 2;
			if (!(np = realloc(p, cap))) {
				free(p);
				close(fd);
				return -ENOMEM;
			}
			p = np;
		}
		r = read(fd, p + n, cap - n - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (r < 0) {
		free(p);
		return -EIO;
	}
	for (i = 0; i < n; i++) {
		if (p[i] == '\n') {
			p[i] = '\0';
			count++;
		}
	}
	p[n] = '\0';
	*buf = p;
	*len = n;
	return count;
}

/* ---- a command's mounts ---------------------------------------------------- */

static int clone_at(int dir, const char *path, unsigned flags)
{
	return (int)syscall(SYS_open_tree, dir, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | flags);
}

static int move_to(int *fd, const char *target)
{
	int ret = (int)syscall(SYS_move_mount, *fd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH);

	ret = ret < 0 ? -errno : 0;
	close(*fd);
	*fd = -1;
	return ret;
}

/* each entry of /etc/netns/NAME bound over /etc/ENTRY, as iproute2 does */
static void bind_etc(const char *name)
{
	char dir[sizeof(ETC_NETNS) + NAME_MAX + 1], src[PATH_MAX], dst[PATH_MAX];
	struct dirent *de;
	DIR *d;

	if (strlen(name) > NAME_MAX)
		return;
	snprintf(dir, sizeof(dir), ETC_NETNS "/%s", name);
	if (!(d = opendir(dir)))
		return;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(src, sizeof(src), "%s/%s", dir, de->d_name);
		snprintf(dst, sizeof(dst), "/etc/%s", de->d_name);
		if (mount(src, dst, "none", MS_BIND, NULL) < 0)
			fprintf(stderr, "Bind %s -> %s failed: %s\n", src, dst, strerror(errno));
	}
	closedir(d);
}

/* what a command of a node directory mounts: clones taken where the
 * directory is reachable, moved in once the command has its own namespace */
struct mounts {
	int run, tmp, vtmp;
	int cwd;		/* the caller's working directory when the node's own would hide it */
	char cwd_path[PATH_MAX];
	int n;			/* node_file's copies */
	int *fd;
	const char **target;
	char *list;		/* the binds file's lines, which target points into */
};

static void mounts_free(struct mounts *m)
{
	int i;

	close_fd(&m->run);
	close_fd(&m->tmp);
	close_fd(&m->vtmp);
	close_fd(&m->cwd);
	for (i = 0; i < m->n; i++)
		close_fd(&m->fd[i]);
	free(m->fd);
	free(m->target);
	free(m->list);
}

/* Is path strictly below one of the directories a node has its own of? */
static int hidden_below(const char *path)
{
	static const char *const own[] = { "/tmp/", "/var/tmp/", "/run/", NULL };
	int i;

	for (i = 0; own[i]; i++)
		if (!strncmp(path, own[i], strlen(own[i])) && path[strlen(own[i])])
			return 1;
	return 0;
}

/* the caller's working directory, when the node's own /tmp, /var/tmp or /run
 * would hide its path (a project checked out under /tmp): a clone of it, to
 * be put back at its path inside them, so a command that goes there by name
 * (a shell's cd "$PWD", a version manager's shim) still finds it */
static void cwd_take(struct mounts *m)
{
	if (!getcwd(m->cwd_path, sizeof(m->cwd_path)) || !hidden_below(m->cwd_path) ||
	    !strncmp(m->cwd_path, "/run/netns/", 11))
		return;
	m->cwd = clone_at(AT_FDCWD, ".", 0);
}

/* mkdir -p path's directories (in the node's own ones), then the clone there */
static int cwd_put(struct mounts *m)
{
	char *p;
	int ret;

	if (m->cwd < 0)
		return 0;
	for (p = strchr(m->cwd_path + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		ret = mkdir(m->cwd_path, 0755) < 0 && errno != EEXIST ? -errno : 0;
		*p = '/';
		if (ret < 0)
			return ret;
	}
	if (mkdir(m->cwd_path, 0755) < 0 && errno != EEXIST)
		return -errno;
	if ((ret = move_to(&m->cwd, m->cwd_path)) < 0)
		return ret;
	return chdir(m->cwd_path) < 0 ? -errno : 0;
}

/* the clones of the node's directories, in the caller's mount namespace */
static int mounts_take(struct ns *ns, struct mounts *m)
{
	char src[32], *line, *num, *target;
	size_t len;
	int dir, ret = 0, lines, i;

	cwd_take(m);
	if ((dir = private_node_dir(ns)) < 0)
		return dir;
	if ((m->run = clone_at(dir, "run", 0)) < 0 || (m->tmp = clone_at(dir, "tmp", 0)) < 0 ||
	    (m->vtmp = clone_at(dir, "var-tmp", 0)) < 0) {
		ret = -errno;
		goto out;
	}
	if ((lines = private_binds_read(dir, &m->list, &len)) <= 0) {
		ret = lines;
		goto out;
	}
	m->fd = malloc((size_t)lines * sizeof(*m->fd));
	m->target = malloc((size_t)lines * sizeof(*m->target));
	if (!m->fd || !m->target) {
		ret = -ENOMEM;
		goto out;
	}
	/* "d N /etc/frr": the copy copies/N goes over /etc/frr */
	for (line = m->list, i = 0; i < lines; line += strlen(line) + 1, i++) {
		num = strchr(line, ' ');
		target = num ? strchr(num + 1, ' ') : NULL;
		if (!target || target[1] != '/' || target - num > 12)
			continue;
		snprintf(src, sizeof(src), "copies/%.*s", (int)(target - num - 1), num + 1);
		if ((m->fd[m->n] = clone_at(dir, src, 0)) < 0) {
			ret = -errno;
			goto out;
		}
		m->target[m->n++] = target + 1;
	}
out:
	close(dir);
	return ret;
}

/* the clones moved over /run, /tmp, /var/tmp and the copies' paths, in the
 * command's own mount namespace */
static int mounts_put(struct mounts *m)
{
	int netns = clone_at(AT_FDCWD, "/run/netns", AT_RECURSIVE), ret, i;
	struct stat st;

	/* the caller's /run/netns stays in reach (ip netns, ip -n inside) */
	if ((ret = move_to(&m->run, "/run")) < 0 || (netns >= 0 && (ret = move_to(&netns, "/run/netns")) < 0))
		goto out;
	if (lstat("/var/run", &st) == 0 && S_ISDIR(st.st_mode) &&
	    mount("/run", "/var/run", NULL, MS_BIND | MS_REC, NULL) < 0) {
		ret = -errno;
		goto out;
	}
	if ((ret = move_to(&m->tmp, "/tmp")) < 0)
		goto out;
	if (stat("/var/tmp", &st) == 0 && S_ISDIR(st.st_mode) && (ret = move_to(&m->vtmp, "/var/tmp")) < 0)
		goto out;
	for (i = 0; i < m->n; i++)
		if ((ret = move_to(&m->fd[i], m->target[i])) < 0)
			goto out;
	if ((ret = cwd_put(m)) < 0)
		goto out;
	/* a clone of a shared mount (a --host lab's directory under /run) is its
	 * peer: a mount the command makes there must not reach the machine */
	if (mount("", "/", "none", MS_SLAVE | MS_REC, NULL) < 0)
		ret = -errno;
out:
	close_fd(&netns);
	return ret;
}

/* the node's name as the hostname, in a UTS namespace of the command's own */
static int hostname(struct ns *ns)
{
	if (unshare(CLONE_NEWUTS) < 0 || sethostname(ns->node, strnlen(ns->node, HOSTNAME_MAX)) < 0)
		return -errno;
	return 0;
}

/* would execvpe find file, as envp's PATH says? */
static int findable(const char *file, char *const *envp)
{
	const char *path = "/bin:/usr/bin", *p, *end;
	char buf[PATH_MAX];
	int i;

	if (strchr(file, '/'))
		return access(file, X_OK) == 0;
	for (i = 0; envp && envp[i]; i++)
		if (!strncmp(envp[i], "PATH=", 5))
			path = envp[i] + 5;
	for (p = path;; p = end + 1) {
		end = strchrnul(p, ':');
		snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(end - p), p, end > p ? "/" : "", file);
		if (access(buf, X_OK) == 0)
			return 1;
		if (!*end)
			return 0;
	}
}

int private_exec_hostname(struct ns *ns, int uts, const char *file, char *const *envp, int *back)
{
	*back = 0;
	if (!ns || ns->kind == NS_HOST || ns->priv < 0)
		return 0;
	/* setns into the namespace it is in: may it return there? */
	*back = setns(uts, CLONE_NEWUTS) == 0;
	if (!*back && !findable(file, envp))
		return -ENOENT;
	return hostname(ns);
}

int private_enter(struct ns *ns, int with_hostname)
{
	struct mounts m = { .run = -1, .tmp = -1, .vtmp = -1, .cwd = -1 };
	const char *name = ns->node ? ns->node : ns->kind == NS_NAMED ? ns->name : NULL;
	int ret = 0;

	if (ns->priv >= 0 && (ret = mounts_take(ns, &m)) < 0)
		goto out;
	if (unshare(CLONE_NEWNS) < 0 || mount("", "/", "none", MS_SLAVE | MS_REC, NULL) < 0) {
		ret = -errno;
		goto out;
	}
	/* a /sys that lists ns's devices */
	if (umount2("/sys", MNT_DETACH) == 0 || errno == EINVAL)
		mount("sysfs", "/sys", "sysfs", 0, NULL);
	if (name)
		bind_etc(name);
	if (ns->priv < 0)
		goto out;
	if ((ret = mounts_put(&m)) < 0)
		goto out;
	if (with_hostname)
		ret = hostname(ns);
out:
	mounts_free(&m);
	return ret;
}
