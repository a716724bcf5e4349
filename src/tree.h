/* tree.h - the whole tree of processes a command starts, at any depth: a cgroup of its own where the machine has cgroup v2. */
#ifndef NETLAB_TREE_H
#define NETLAB_TREE_H

#include <sys/types.h>

/*
 * A command's children may leave its process group (setsid) and outlive
 * it (a daemon forks and its parent exits); a cgroup holds them all. Where
 * no writable cgroup v2 hierarchy is mounted, a tree is the command's
 * process group only, as before.
 */
struct tree {
	int dir;		/* the cgroup's directory, -1: process group only */
	int procs;		/* its cgroup.procs, open for the child to join, -1 */
	int pgid;		/* the command's process group, 0 until started */
	char name[64];		/* the cgroup's name in the one it lives in */
};

#define TREE_INIT { -1, -1, 0, "" }

/* A fresh cgroup for a command about to start (or, without cgroups, an
 * empty tree). Returns 0; a cgroup that cannot be made is no error. */
int tree_make(struct tree *t);
/* In the child, before exec: move into the tree's cgroup. Async-signal-safe. */
void tree_join(const struct tree *t);
/* fork a child that execs, born in the tree's cgroup (t may be NULL) */
pid_t tree_fork(const struct tree *t);
/* Send sig to every process of the tree (SIGKILL through cgroup.kill);
 * returns how many it reached (at least the process group when there is
 * no cgroup: 1 when kill() succeeded), or -errno. */
int tree_signal(struct tree *t, int sig);
/* Up to max pids of the tree's processes (as this process sees them): how
 * many; 0 without a cgroup, or -errno. */
int tree_pids(struct tree *t, int *pids, int max);
/* Does the tree still hold a process? */
int tree_alive(struct tree *t);
/* Kill what is left of the tree and remove its cgroup; the tree is empty
 * afterwards (calling it again is harmless). */
void tree_free(struct tree *t);
/* Remove the cgroups process pid made for its commands and left behind
 * (it was killed): what the lab's init does when the lab is gone. */
void tree_cleanup(int pid);

#endif
