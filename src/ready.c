/* ready.c - a device that came up can transmit (the kernel's link-watch work done) and its IPv6 addresses answer (the address work done), by a look or a notification, never a sleep. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "addr.h"
#include "link.h"

#define NOT_READY 0
#define READY 1

/* The link-watch work sets operstate UP, activates the device's queues and
 * notifies (RTM_NEWLINK), in that order: operstate UP is the sign. (Where
 * RTM_GETLINK does not take RTNL, a look can fall between the first two
 * steps, microseconds apart; a notification cannot.) IFLA_QDISC "noop":
 * never activated. Without carrier the device waits for its other end,
 * not for us: nothing to wait for here.
 * Operstate UNKNOWN is where a device starts, and the link-watch work never
 * sets it: a device whose carrier nobody drives (lo, dummy) keeps it, and
 * its queues were activated when it came up, carrier and all. But one whose
 * carrier changed (a veth: off when made) has UNKNOWN only while its first
 * link-watch work is still pending: a veth end that came up before its peer
 * cannot transmit yet. A look runs that work before answering since Linux
 * 6.8; before, on 6.1 say, a look can see it pending, and the notification
 * it sends when done ends the wait (a veth's, never rate-limited). */
static int readiness(const struct link_info *l)
{
	if (!l->up)
		return -ENETDOWN;
	if (!l->lower_up)
		return READY;
	if ((l->operstate == IF_OPER_UP ||
	     (l->operstate == IF_OPER_UNKNOWN && !l->carrier_changes)) &&
	    strcmp(l->qdisc, "noop") != 0)
		return READY;
	return NOT_READY;
}

static int on_any(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	*(int *)data = 1;
	return MNL_CB_OK;
}

static double clock_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Wait for the next link notification, of any device in any namespace
 * with an id here: 1 when one came, 0 at the deadline, -errno (-ENOBUFS:
 * some were lost, which is a reason to look again too). */
static int next_change(int fd, double deadline)
{
	char buf[16384];
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;
	int ms, seen;

	for (;;) {
		ms = (int)((deadline - clock_now()) * 1000) + 1;
		if (ms <= 0)
			return 0;
		if (poll(&p, 1, ms) < 0 && errno != EINTR)
			return -errno;
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && errno == ENOBUFS)
			return 1;
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n < 0)
			return -errno;
		seen = 0;
		mnl_cb_run(buf, (size_t)n, 0, 0, on_any, &seen);
		if (seen)
			return 1;
	}
}

/* Is the device ready, and its veth peer? READY, NOT_READY or -errno. A
 * burst of notifications that overflowed the socket (ENOBUFS) while
 * asking is no reason to fail: ask again. */
static int look(struct ns *ns, const char *name, struct err *e)
{
	struct link_info l, peer;
	int ret, st, tries = 0;

	while ((ret = link_get(ns, name, &l, e)) == -ENOBUFS && ++tries < 4)
		;
	if (ret < 0)
		return ret;
	if ((st = readiness(&l)) != READY || !l.lower_up || !l.link || strcmp(l.kind, "veth"))
		return st;
	while ((ret = link_get_index(ns, l.link, l.link_nsid, &peer, e)) == -ENOBUFS && ++tries < 8)
		;
	if (ret < 0)
		return ret == -ENODEV ? NOT_READY : ret;	/* the pair is being made or unmade */
	return readiness(&peer) == READY ? READY : NOT_READY;
}

/* a veth's peer may be in another namespace: links are heard from all */
static void listen_group(int fd, int grp, int on)
{
	setsockopt(fd, SOL_NETLINK, on ? NETLINK_ADD_MEMBERSHIP : NETLINK_DROP_MEMBERSHIP, &grp, sizeof(grp));
	if (grp == RTNLGRP_LINK)
		setsockopt(fd, SOL_NETLINK, NETLINK_LISTEN_ALL_NSID, &on, sizeof(on));
}

/* Look until ready, listening to group between looks: READY, or -errno (-ETIMEDOUT with
 * the words "NAME late after Ts"; -ENETDOWN: "NAME is down"). */
static int wait_for(struct ns *ns, const char *name, double timeout, int group,
		    int (*look_at)(struct ns *, const char *, struct err *), const char *late,
		    struct err *e)
{
	struct nl *nl;
	double deadline = clock_now() + timeout;
	char buf[4096];
	int fd, ret, st;

	if ((ret = ns_rt(ns, &nl, e)) < 0)
		return ret;
	/* a look is usually all it takes (RTM_GETLINK runs the device's pending
	 * link-watch work itself, Linux 6.8+) */
	if ((st = look_at(ns, name, e)) != NOT_READY)
		goto done;
	fd = mnl_socket_get_fd(nl->sock);
	/* listening before each further look: a change after it is notified.
	 * Requests on this socket skip notifications (not their sequence number). */
	listen_group(fd, group, 1);
	while ((st = look_at(ns, name, e)) == NOT_READY) {
		if ((ret = next_change(fd, deadline)) == 0)
			st = err_set(e, -ETIMEDOUT, "%s %s %gs", name, late, timeout);
		else if (ret < 0)
			st = err_set(e, ret, NULL);
		if (st < 0)
			break;
	}
	listen_group(fd, group, 0);
	/* what came after the last answer is stale: gone before the next request */
	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0 || errno == ENOBUFS)
		;
done:
	if (st == -ENETDOWN)
		st = err_set(e, st, "%s is down", name);
	return st < 0 ? st : 0;
}

int link_wait(struct ns *ns, const char *name, double timeout, struct err *e)
{
	return wait_for(ns, name, timeout, RTNLGRP_LINK, look, "did not become ready to transmit within", e);
}

/* An IPv6 address the kernel was given is not answered for at once: its
 * solicited-node group is joined by the kernel's address work, queued by the
 * add (or by the device coming up), and a neighbour solicitation that comes
 * before is dropped; the asker tries again only a second later. The work
 * clears the address's tentative flag at the same time when there is no DAD
 * (with DAD, after it): no tentative address left is the sign. An address
 * whose DAD failed stays tentative for good: not waited for. */
static int addrs_look(struct ns *ns, const char *name, struct err *e)
{
	struct link_info l;
	struct addr_info *v = NULL;
	size_t n = 0, i;
	int ret, tries = 0;

	while ((ret = link_get(ns, name, &l, e)) == -ENOBUFS && ++tries < 4)
		;
	if (ret < 0)
		return ret;
	if (!l.up)
		return -ENETDOWN;
	if (!l.lower_up)
		return READY;	/* the work waits for carrier, not for us */
	while ((ret = addr_list(ns, AF_INET6, l.index, &v, &n, e)) == -ENOBUFS && ++tries < 8)
		;
	if (ret < 0)
		return ret;
	ret = READY;
	for (i = 0; i < n; i++)
		if ((v[i].flags & IFA_F_TENTATIVE) && !(v[i].flags & IFA_F_DADFAILED))
			ret = NOT_READY;
	free(v);
	return ret;
}

int addr_wait(struct ns *ns, const char *name, double timeout, struct err *e)
{
	return wait_for(ns, name, timeout, RTNLGRP_IPV6_IFADDR, addrs_look,
			"had IPv6 addresses still tentative after", e);
}
