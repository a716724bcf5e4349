/* nl.c - the netlink conversation every kernel object file shares. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <linux/netlink.h>

#include "nl.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

int nl_open(struct nl *nl, int proto)
{
	int one = 1, e;

	nl->err[0] = '\0';
	nl->sock = mnl_socket_open2(proto, SOCK_CLOEXEC);
	if (!nl->sock)
		return -errno;
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		e = errno;
		mnl_socket_close(nl->sock);
		nl->sock = NULL;
		return -e;
	}
	/* best effort: without them errors just carry less text */
	mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(nl->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = (unsigned)time(NULL);
	return 0;
}

void nl_close(struct nl *nl)
{
	if (nl->sock)
		mnl_socket_close(nl->sock);
	nl->sock = NULL;
}

struct nlmsghdr *nl_put(void *buf, int type, int flags, size_t hdrlen)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	if (hdrlen)
		mnl_nlmsg_put_extra_header(nlh, hdrlen);
	return nlh;
}

/* The kernel's answer to a request that failed or was acked: 0 for the
 * ACK, -errno for a failure (its extack text copied into nl->err). */
static int nl_error(struct nl *nl, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *a;
	unsigned off = sizeof(*e);

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
		return -EBADMSG;
	if (e->error == 0)
		return 0;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += mnl_nlmsg_get_payload_len(&e->msg);
	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS)
		mnl_attr_for_each(a, nlh, off)
			if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
			    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
				snprintf(nl->err, sizeof(nl->err), "%s",
					 mnl_attr_get_str(a));
	return e->error < 0 ? e->error : -e->error;
}

int nl_talk(struct nl *nl, struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
	char buf[32768];	/* MNL_SOCKET_DUMP_SIZE in newer libmnl */
	const struct nlmsghdr *m;
	int ret = 0, done = 0, stopped = 0, len;
	ssize_t n;

	if (!nl->sock)
		return -EBADF;
	nl->err[0] = '\0';
	nlh->nlmsg_seq = ++nl->seq;
	nlh->nlmsg_flags |= NLM_F_ACK;
	if (mnl_socket_sendto(nl->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	/* read until the ACK or NLMSG_DONE; keep reading after a callback
	 * failure so the socket holds no stale answer for the next request */
	while (!done) {
		n = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));
		if (n < 0)
			return -errno;
		len = (int)n;
		for (m = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(m, len);
		     m = mnl_nlmsg_next(m, &len)) {
			if (m->nlmsg_seq != nl->seq || m->nlmsg_pid != nl->portid)
				continue;	/* a stale answer */
			if (m->nlmsg_type == NLMSG_ERROR) {
				int e = nl_error(nl, m);
				if (!ret)
					ret = e;
				done = 1;
				break;
			}
			if (m->nlmsg_type == NLMSG_DONE) {
				const int *e = mnl_nlmsg_get_payload(m);
				if (!ret && m->nlmsg_len >= mnl_nlmsg_size(sizeof(int)) && *e < 0)
					ret = *e;
				/* the dump raced a change: the caller retries */
				if (!ret && (m->nlmsg_flags & NLM_F_DUMP_INTR))
					ret = -EINTR;
				done = 1;
				break;
			}
			if (m->nlmsg_type < NLMSG_MIN_TYPE || !cb || stopped || ret)
				continue;
			errno = 0;
			switch (cb(m, data)) {
			case MNL_CB_ERROR:
				ret = errno ? -errno : -EPROTO;
				break;
			case MNL_CB_STOP:
				stopped = 1;
				break;
			}
		}
	}
	return ret;
}
