/* nl.h - one netlink conversation: a socket, its sequence numbers, the last error text. */
#ifndef NETLAB_NL_H
#define NETLAB_NL_H

#include <stddef.h>
#include <libmnl/libmnl.h>

#define NL_ERRLEN 256

struct nl {
	struct mnl_socket *sock;	/* NULL until opened */
	unsigned portid;
	unsigned seq;
	char err[NL_ERRLEN];		/* kernel extack text of the last failure, or "" */
};

/* Open and bind a netlink socket of protocol proto in the calling thread's
 * network namespace. Returns 0 or -errno. */
int nl_open(struct nl *nl, int proto);
void nl_close(struct nl *nl);

/* Send one request (NLM_F_ACK is added) and wait for its answer. Every
 * data message of the answer (one reply or a whole dump) is passed to cb,
 * which may be NULL. Returns 0 or -errno; on a kernel error nl->err holds
 * the extended-ack text when the kernel gave one. */
int nl_talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data);

/* Put a request header of the given type and flags (NLM_F_REQUEST added)
 * into buf, with a zeroed family header of hdrlen bytes. */
struct nlmsghdr *nl_put(void *buf, int type, int flags, size_t hdrlen);

#endif
