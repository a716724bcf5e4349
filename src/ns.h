/* ns.h - named network namespaces (iproute2-compatible) and the handle every other object uses. */
#ifndef NETLAB_NS_H
#define NETLAB_NS_H

#include "nl.h"
#include "parse.h"

#define NETNS_RUN_DIR "/run/netns"

struct ns {
	char name[NAME_MAX_LEN + 1];	/* "" for a namespace without a name */
	int fd;				/* the namespace, -1 once closed */
	int by_path;			/* opened by ns_open_path: not under /run/netns */
	struct nl rt;			/* rtnetlink socket living in it, opened on first use */
	struct nl nf;			/* nfnetlink (nf_tables) socket, likewise */
};

void ns_init(struct ns *ns);
/* Create /run/netns/NAME as `ip netns add` does; ns gets its fd and a socket. */
int ns_add(struct ns *ns, const char *name);

/* What ns_add_ex does inside the new namespace before it returns, while it
 * is there anyway: no switching in again later. */
struct ns_add_opts {
	int lo_up;			/* bring lo up */
	const char *const *sysctl_path;	/* /proc/sys paths (see sysctl_path) ... */
	const char *const *sysctl_value;	/* ... and the values to write */
	size_t nsysctl;
};
/* ns_add, then o (may be NULL). On any failure nothing is left: the name is
 * free again; *failed_sysctl gets the index of a sysctl that failed, else -1. */
int ns_add_ex(struct ns *ns, const char *name, const struct ns_add_opts *o, int *failed_sysctl);
/* Open an existing /run/netns/NAME. */
int ns_open(struct ns *ns, const char *name);
/* Open a namespace by file: /run/netns/NAME seen through another mount
 * namespace (/proc/PID/root/run/netns/NAME), or /proc/PID/ns/net; its name
 * is the file's base name. */
int ns_open_path(struct ns *ns, const char *path);
/* The namespace the calling thread is in. */
int ns_host(struct ns *ns);
/* Remove /run/netns/NAME; the kernel frees the namespace once unused. */
int ns_delete(const char *name);
/* Sorted names under /run/netns; *names is malloc'd, free with ns_list_free. */
int ns_list(char ***names, size_t *n);
void ns_list_free(char **names, size_t n);
void ns_close(struct ns *ns);
/* Do the two handles refer to the same namespace? */
int ns_same(const struct ns *a, const struct ns *b);

/* The rtnetlink socket of ns, opened inside it the first time. */
struct nl *ns_rt(struct ns *ns, int *err);
/* The netfilter (nf_tables) socket of ns, opened inside it the first time. */
struct nl *ns_nf(struct ns *ns, int *err);

/* Switch the calling thread into the namespace fd; *saved receives an fd of
 * the one it was in. ns_leave switches back and closes saved. */
int ns_enter(int fd, int *saved);
int ns_leave(int saved);

#endif
