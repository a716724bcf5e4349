/* userns.h - a lab's own namespaces for a process: a user namespace for an ordinary user (rootless), a private network and mount namespace with its own /run/netns. */
#ifndef NETLAB_USERNS_H
#define NETLAB_USERNS_H

#include <stddef.h>
#include <sys/types.h>

#include "err.h"

/* Does this process have CAP_SYS_ADMIN and CAP_NET_ADMIN in its user namespace (what making
 * namespaces and devices needs)? */
int userns_capable(void);

/* Move this process into a new user namespace where its user (and group) is root, with every
 * capability there; the process must be single-threaded. 0 or -errno; when the system forbids
 * it, e's text names the setting that does (userns_blocker). */
int userns_enter(struct err *e);

/* The settings that forbid an ordinary user a user namespace, as one sentence with the ways out,
 * into buf; "" when none says no. */
void userns_blocker(char *buf, size_t len);

/* Move this process into a fresh network + mount namespace with a private /run/netns (a tmpfs
 * seen only here) and, where it may, a /sys of its own. Nothing made from here on is visible to
 * the real host, and all of it dies with the process. 0 or -errno. */
int ns_isolate(void);

/* The user netlab works for: the uid this process's user is in the parent user namespace
 * (in a rootless lab's, the ordinary user's; root's is 0). */
uid_t userns_outer_uid(void);

/* Move into a user namespace nested in this one where the ordinary user who owns this one
 * (root inside it) is their own uid and gid again: what runs from there runs as the user,
 * without capabilities. There is no way back: *moved is set once the process moved (also
 * when mapping failed after). -EINVAL in a namespace of root's. */
int userns_as_owner(int *moved, struct err *e);

/* Where the user's running labs are listed, into buf: root's under /run/netlab, an ordinary
 * user's under $XDG_RUNTIME_DIR/netlab (a directory of the user's), else /tmp/netlab-UID,
 * made 0700 and refused unless it is the user's alone. 0 or -errno with e's text. */
int userns_state_dir(char *buf, size_t len, struct err *e);

/* Join a lab's holder: its user namespace where it is not this process's (an ordinary user's
 * lab; the same user may), then its mount namespace, keeping the working directory's path.
 * Single-threaded processes only. 0 or -errno with e's text. */
int userns_join_lab(pid_t pid, struct err *e);

#endif
