/* ns.h - named network namespaces (iproute2-compatible) and the handle every other object uses. */
#ifndef NETLAB_NS_H
#define NETLAB_NS_H

#include "err.h"
#include "nl.h"
#include "parse.h"

#define NETNS_RUN_DIR "/run/netns"

enum ns_kind {
	NS_HOST,		/* the namespace the process was in when it opened it */
	NS_NAMED,		/* /run/netns/NAME */
	NS_PATH,		/* a namespace file opened by path (/proc/PID/ns/net, ...) */
};

struct ns {
	int fd;				/* the namespace, -1 once closed */
	int kind;			/* enum ns_kind */
	char name[NSNAME_MAX + 1];	/* NS_NAMED: its name under /run/netns, else "" */
	char *path;			/* NS_PATH: the file it was opened by (malloc'd) */
	struct nl rt;			/* rtnetlink socket living in it, opened on first use */
	struct nl nf;			/* nfnetlink (nf_tables) socket, likewise */
	struct nl gen;			/* generic netlink socket (wireguard), likewise */
	int wg_family;			/* the "wireguard" genetlink family id, 0: not asked yet */
	/* its commands' own directories (private.h): the directory that holds the
	 * node's, -1: none; the node's there; the node's name (hostname, /etc/netns) */
	int priv;
	char *priv_dir;
	char *node;
};

void ns_init(struct ns *ns);

/* What to do inside a namespace that ns_add is making, while the thread is
 * in it anyway: sysctls, lo up (no switching in again later). ns->rt is
 * open; returns 0 or -errno recorded in e (ns_add names no part: fn does). */
typedef int (*ns_inside_fn)(struct ns *ns, void *arg, struct err *e);

/* Create /run/netns/NAME as `ip netns add` does, then call inside (may be
 * NULL) in it; ns gets its fd and an rtnetlink socket. On any failure
 * nothing is left: the name is free again. */
int ns_add(struct ns *ns, const char *name, ns_inside_fn inside, void *arg, struct err *e);
/* Open an existing /run/netns/NAME. */
int ns_open(struct ns *ns, const char *name, struct err *e);
/* Open a namespace by file: /run/netns/NAME seen through another mount
 * namespace (/proc/PID/root/run/netns/NAME), or /proc/PID/ns/net. */
int ns_open_path(struct ns *ns, const char *path, struct err *e);
/* The namespace the calling thread is in. */
int ns_host(struct ns *ns, struct err *e);
/* Remove /run/netns/NAME; the kernel frees the namespace once unused. */
int ns_delete(const char *name, struct err *e);
/* Sorted names under /run/netns; *names is malloc'd, free with ns_list_free. */
int ns_list(char ***names, size_t *n, struct err *e);
void ns_list_free(char **names, size_t n);
void ns_close(struct ns *ns);
/* Do the two handles refer to the same namespace? */
int ns_same(const struct ns *a, const struct ns *b);
/* The namespace's cookie: unlike its inode, never given to another
 * namespace while the machine runs (SO_NETNS_COOKIE, Linux 5.14+). */
int ns_cookie(struct ns *ns, unsigned long long *cookie, struct err *e);
/* How messages name it: its name, the path it was opened by, or "host". */
const char *ns_label(const struct ns *ns);

/* *nl gets the rtnetlink socket of ns, opened inside it the first time. */
int ns_rt(struct ns *ns, struct nl **nl, struct err *e);
/* *nl gets the netfilter (nf_tables) socket of ns, likewise. */
int ns_nf(struct ns *ns, struct nl **nl, struct err *e);

/* *nl gets the generic netlink socket of ns, likewise. */
int ns_gen(struct ns *ns, struct nl **nl, struct err *e);

/* Switch the calling thread into the namespace fd; *saved receives an fd of
 * the one it was in. ns_leave switches back and closes saved. */
int ns_enter(int fd, int *saved);
void ns_leave(int saved);

#endif
