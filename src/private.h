/* private.h - a node's own /run, /tmp, /var/tmp, hostname and files, and /etc/netns/NAME over /etc, for every command it runs. */
#ifndef NETLAB_PRIVATE_H
#define NETLAB_PRIVATE_H

#include <stddef.h>

#include "err.h"
#include "ns.h"

/*
 * A node's directory holds what its commands see in place of the machine's:
 *   run/       over /run (and /var/run when that is a directory), with the
 *              caller's /run/netns bound back at run/netns
 *   tmp/       over /tmp        var-tmp/  over /var/tmp
 *   copies/N   a file or directory of node_file's, bound over its path
 *   binds      which: one line each, "d N /etc/frr" or "f N /etc/hosts",
 *              directories first, each before what lies inside it
 * Each command gets them by mounts in a mount namespace of its own (made
 * anyway, as `ip netns exec` does), and the node's name as its hostname in
 * a UTS namespace of its own. The mounts are clones of the directory's
 * (open_tree, Linux 5.2), taken before the command leaves the caller's
 * mount namespace: the directory need not be reachable by a path.
 */

/* The private area of an isolated lab's process: a tmpfs mounted at dir and
 * then hidden under the tmpfs the caller mounts there next (ns_isolate: the
 * one on /run/netns), reached only through a descriptor: it lists nothing in
 * /run/netns, and goes with the process's mount namespace, also on SIGKILL.
 * 0 or -errno. */
int private_root_init(const char *dir);
/* "/proc/PID/fd/N" of that area (a path other processes of the lab's user
 * may open while this one lives), or NULL when the process made none. */
const char *private_root(void);

/* A directory for a lab's nodes: dir itself (made, mode 0700; an existing
 * one is refused), or with dir NULL a fresh one under /run/netlab (root) or
 * /tmp. Its path goes into out. 0 or -errno with e's text. */
int private_make(const char *dir, char *out, size_t len, struct err *e);
/* Remove dir and everything in it, following no symbolic link and entering
 * no other file system; a dir that is not there is fine. 0 or -errno. */
int private_remove(const char *dir, struct err *e);

/* From now on the commands ns runs get the node directory dir (made when
 * missing, its parent must exist) and name as their hostname (its first 64
 * bytes) and /etc/netns name. 0 or -errno with e's text. */
int private_set(struct ns *ns, const char *dir, const char *name, struct err *e);

/* In a command's child, after it joined ns's network namespace (not the
 * host's): a mount namespace of its own, slave to the caller's; a /sys of
 * ns's devices; each entry of /etc/netns/NAME bound over /etc (a failure
 * said on stderr, as iproute2 does); with a node directory, its mounts and,
 * with with_hostname, its hostname. 0 or -errno. */
int private_enter(struct ns *ns, int with_hostname);

/* For a process that becomes the command (proc_exec), after private_enter
 * without the hostname: the node's hostname, in a UTS namespace of its own.
 * uts is the namespace the process is in; *back tells whether it may return
 * there if the exec fails. One that may not (its user namespace does not own
 * that namespace: a process that joined a rootless lab) changes it only for
 * a file it can exec: -ENOENT otherwise, nothing changed. 0 or -errno. */
int private_exec_hostname(struct ns *ns, int uts, const char *file, char *const *envp, int *back);

/* Write len bytes of data as the file path that only ns's commands see
 * (private_file.c). Under /run, /var/run, /tmp and /var/tmp it goes into the
 * node's own directories (missing parents made); elsewhere into the node's
 * copy of the file's directory (copied from what the node sees, once), or,
 * when that directory is too big to copy, over the machine's file of that
 * path. mode < 0: an existing file's mode, 0644 for a new one. 0 or -errno
 * with e's text naming the path or directory at fault. */
int private_file(struct ns *ns, const char *path, const char *data, size_t len, int mode,
		 struct err *e);

/* An O_PATH descriptor of ns's node directory, made with what it holds the
 * first time (a node that never runs a command has none); -errno. */
int private_node_dir(struct ns *ns);

/* A directory with more files or bytes is too big for a node's own copy. */
#define COPY_ENTRIES 512
#define COPY_MIB 32

/* Is the tree at path small enough to copy (private_copy.c)? 1, 0, -errno. */
int private_small(const char *path);
/* The directory src copied, with owners and modes, to copies/NUM of the node
 * directory dir; nothing of it is left on failure. 0 or -errno with e's text
 * naming the file that could not be copied. */
int private_copy(int dir, long num, const char *src, struct err *e);

/* Why path cannot be a node's file (not absolute, a '.' or '..' part, a
 * control character, a trailing '/'), or NULL when it can. */
const char *private_path_check(const char *path);

/* The node's /etc/hosts: what it sees of the machine's, with its name on
 * 127.0.1.1 (as Debian has the machine's own): a program that looks up the
 * hostname finds it without asking a DNS server the lab cannot reach.
 * Written when the node directory is made. 0 or -errno with e's text. */
int private_hosts(struct ns *ns, struct err *e);

/* sethostname takes this much (HOST_NAME_MAX) */
#define HOSTNAME_MAX 64

/* The bind list of a node directory (private.c, for private_file.c): the
 * lines of its binds file, NUL-separated in *buf (malloc'd); their count, or
 * -errno. A missing file is 0 lines. */
int private_binds_read(int dir, char **buf, size_t *len);

#endif
