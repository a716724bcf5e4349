/* probe.c - ICMP/ICMPv6 echo and TCP connect from inside a namespace: a socket made there, no fork. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <sys/socket.h>

#include <stddef.h>
#include <sys/un.h>

#include "probe.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* a socket living in ns: made inside it, used from here */
static int socket_in(struct ns *ns, int domain, int type, int proto)
{
	int saved, fd, e, ret;

	if ((ret = ns_enter(ns->fd, &saved)) < 0)
		return ret;
	fd = socket(domain, type | SOCK_CLOEXEC | SOCK_NONBLOCK, proto);
	e = errno;
	ns_leave(saved);
	return fd < 0 ? -e : fd;
}

static void to_sockaddr(const struct prefix *a, unsigned port,
			struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)ss;
		s->sin_family = AF_INET;
		s->sin_port = htons((unsigned short)port);
		memcpy(&s->sin_addr, a->addr, 4);
		*len = sizeof(*s);
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)ss;
		s->sin6_family = AF_INET6;
		s->sin6_port = htons((unsigned short)port);
		memcpy(&s->sin6_addr, a->addr, 16);
		*len = sizeof(*s);
	}
}

static unsigned short checksum(const void *data, size_t len)
{
	const unsigned char *p = data;
	unsigned long sum = 0;

	for (; len > 1; p += 2, len -= 2)
		sum += (unsigned)(p[0] << 8 | p[1]);
	if (len)
		sum += (unsigned)(p[0] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((unsigned short)~sum);
}

struct echo {
	unsigned short id, seq;
	double sent;
};

/* Is this datagram our echo reply (1), an error about our echo (2), or other (0)? */
static int classify(int family, const unsigned char *p, size_t n, unsigned short id,
		    unsigned short *seq, const char **what)
{
	if (family == AF_INET) {
		const struct ip *ip = (const void *)p;
		size_t hl;
		const struct icmp *ic;

		if (n < sizeof(struct ip) || (hl = (size_t)ip->ip_hl * 4) + 8 > n)
			return 0;
		ic = (const void *)(p + hl);
		if (ic->icmp_type == ICMP_ECHOREPLY && ntohs(ic->icmp_id) == id) {
			*seq = ntohs(ic->icmp_seq);
			return 1;
		}
		if (ic->icmp_type == ICMP_UNREACH || ic->icmp_type == ICMP_TIMXCEED) {
			/* the original datagram follows: our echo inside? */
			const struct ip *oip = (const void *)(p + hl + 8);
			size_t ohl;
			const struct icmp *oic;
			if (n < hl + 8 + sizeof(struct ip) ||
			    (ohl = (size_t)oip->ip_hl * 4) + hl + 8 + 8 > n)
				return 0;
			oic = (const void *)(p + hl + 8 + ohl);
			if (oic->icmp_type != ICMP_ECHO || ntohs(oic->icmp_id) != id)
				return 0;
			*seq = ntohs(oic->icmp_seq);
			if (ic->icmp_type == ICMP_TIMXCEED)
				*what = "time to live exceeded";
			else if (ic->icmp_code == ICMP_UNREACH_NET)
				*what = "destination network unreachable";
			else if (ic->icmp_code == ICMP_UNREACH_HOST)
				*what = "destination host unreachable";
			else
				*what = "destination unreachable";
			return 2;
		}
		return 0;
	}
	if (n < 8)
		return 0;
	{
		const struct icmp6_hdr *ic = (const void *)p;
		if (ic->icmp6_type == ICMP6_ECHO_REPLY && ntohs(ic->icmp6_id) == id) {
			*seq = ntohs(ic->icmp6_seq);
			return 1;
		}
		if ((ic->icmp6_type == ICMP6_DST_UNREACH || ic->icmp6_type == ICMP6_TIME_EXCEEDED) &&
		    n >= 8 + 40 + 8) {
			const struct icmp6_hdr *o = (const void *)(p + 8 + 40);
			if (o->icmp6_type != ICMP6_ECHO_REQUEST || ntohs(o->icmp6_id) != id)
				return 0;
			*seq = ntohs(o->icmp6_seq);
			*what = ic->icmp6_type == ICMP6_TIME_EXCEEDED ? "time to live exceeded"
				: ic->icmp6_code == ICMP6_DST_UNREACH_ADDR ? "destination host unreachable"
				: ic->icmp6_code == ICMP6_DST_UNREACH_NOROUTE ? "destination network unreachable"
				: "destination unreachable";
			return 2;
		}
	}
	return 0;
}

static int same_source(int family, const struct sockaddr_storage *from, const struct prefix *dst)
{
	if (family == AF_INET)
		return !memcmp(&((const struct sockaddr_in *)from)->sin_addr, dst->addr, 4);
	return !memcmp(&((const struct sockaddr_in6 *)from)->sin6_addr, dst->addr, 16);
}

/* one ping's echo requests: what is needed to tell our answers */
struct pinger {
	int fd;
	const struct prefix *dst;
	struct sockaddr_storage to;
	socklen_t tolen;
	unsigned short id;	/* tells our replies from everybody else's on a raw socket */
	int sent;
	double sent_at[64];
};

/* a raw ICMP socket in ns that sees only what can answer an echo */
static int ping_socket(struct ns *ns, int family)
{
	int v4 = family == AF_INET;
	int fd = socket_in(ns, v4 ? AF_INET : AF_INET6, SOCK_RAW, v4 ? IPPROTO_ICMP : IPPROTO_ICMPV6);

	if (fd >= 0 && !v4) {
		struct icmp6_filter f;
		ICMP6_FILTER_SETBLOCKALL(&f);
		ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &f);
		ICMP6_FILTER_SETPASS(ICMP6_DST_UNREACH, &f);
		ICMP6_FILTER_SETPASS(ICMP6_TIME_EXCEEDED, &f);
		setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &f, sizeof(f));
	}
	return fd;
}

/* send echo request number p->sent; -errno when the kernel refuses it */
static int send_echo(struct pinger *p, double t)
{
	unsigned char pkt[64] = { 0 };

	if (p->dst->family == AF_INET) {
		struct icmp *ic = (void *)pkt;
		ic->icmp_type = ICMP_ECHO;
		ic->icmp_id = htons(p->id);
		ic->icmp_seq = htons((unsigned short)p->sent);
		ic->icmp_cksum = checksum(pkt, sizeof(pkt));
	} else {
		struct icmp6_hdr *ic = (void *)pkt;
		ic->icmp6_type = ICMP6_ECHO_REQUEST;
		ic->icmp6_id = htons(p->id);
		ic->icmp6_seq = htons((unsigned short)p->sent);
		/* the kernel computes the ICMPv6 checksum */
	}
	p->sent_at[p->sent] = t;
	if (sendto(p->fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&p->to, p->tolen) < 0)
		return -errno;
	p->sent++;
	return 0;
}

/* read what has come; 1 when it decides the answer (in res), else 0 */
static int read_answers(struct pinger *p, struct probe_result *res)
{
	unsigned char in[1500];
	struct sockaddr_storage from;
	socklen_t fromlen = sizeof(from);
	const char *what = NULL;
	unsigned short seq;
	ssize_t n;
	int kind;

	while ((n = recvfrom(p->fd, in, sizeof(in), 0, (struct sockaddr *)&from, &fromlen)) > 0) {
		fromlen = sizeof(from);
		kind = classify(p->dst->family, in, (size_t)n, p->id, &seq, &what);
		if (kind == 1 && seq < p->sent && same_source(p->dst->family, &from, p->dst)) {
			res->ok = 1;
			res->rtt_ms = (now() - p->sent_at[seq]) * 1000;
			return 1;
		}
		if (kind == 2 && seq < p->sent) {
			snprintf(res->reason, sizeof(res->reason), "%s", what);
			return 1;
		}
	}
	return 0;
}

int probe_ping(struct ns *ns, const struct prefix *dst, int count, double timeout,
	       struct probe_result *res, struct err *e)
{
	double start = now(), deadline = start + timeout, next = start, t;
	double interval = count > 1 ? timeout / count : timeout;
	struct pinger p = { .dst = dst };
	int decided = 0, ret;

	memset(res, 0, sizeof(*res));
	if (count > 64)
		count = 64;
	if ((p.fd = ping_socket(ns, dst->family)) < 0)
		return err_set(e, p.fd, NULL);
	to_sockaddr(dst, 0, &p.to, &p.tolen);
	p.id = (unsigned short)((getpid() ^ (unsigned long)(start * 1e6)) & 0xffff);
	while (!decided && (t = now()) < deadline) {
		struct pollfd pf = { .fd = p.fd, .events = POLLIN };
		int wait_ms;

		if (p.sent < count && t >= next) {
			if ((ret = send_echo(&p, t)) < 0) {
				/* no route, no address: the answer is already known */
				snprintf(res->reason, sizeof(res->reason), "%s", strerror(-ret));
				decided = 1;
				break;
			}
			next = t + interval;
		}
		wait_ms = (int)(((p.sent < count && next < deadline ? next : deadline) - t) * 1000) + 1;
		if (poll(&pf, 1, wait_ms) < 0) {
			/* a signal with a handler (the interpreter's SIGINT, SIGTERM)
			 * asks to stop: the caller hears of it now, not at the timeout */
			if (errno == EINTR) {
				snprintf(res->reason, sizeof(res->reason), "interrupted");
				decided = 1;
			}
			break;
		}
		decided = read_answers(&p, res);
	}
	close(p.fd);
	if (!decided)
		snprintf(res->reason, sizeof(res->reason), "no reply within %gs", timeout);
	return 0;
}

/* a connect probe's answer: reached (err 0) or why not, and its time; the socket closed */
static int connected(struct probe_result *res, double start, int err, int fd)
{
	res->rtt_ms = (now() - start) * 1000;
	if (err)
		snprintf(res->reason, sizeof(res->reason), "%s", strerror(err));
	else
		res->ok = 1;
	close(fd);
	return 0;
}

int probe_connect(struct ns *ns, const struct prefix *dst, unsigned port, double timeout,
		  struct probe_result *res, struct err *e)
{
	struct sockaddr_storage to;
	socklen_t tolen, elen = sizeof(int);
	double start = now(), left;
	int fd, err = 0, r;

	memset(res, 0, sizeof(*res));
	fd = socket_in(ns, dst->family, SOCK_STREAM, IPPROTO_TCP);
	if (fd < 0)
		return err_set(e, fd, NULL);
	to_sockaddr(dst, port, &to, &tolen);
	if (connect(fd, (struct sockaddr *)&to, tolen) < 0) {
		if (errno != EINPROGRESS) {
			err = errno;
			goto done;
		}
		for (;;) {
			struct pollfd pf = { .fd = fd, .events = POLLOUT };
			left = start + timeout - now();
			if (left <= 0) {
				err = ETIMEDOUT;
				goto done;
			}
			r = poll(&pf, 1, (int)(left * 1000) + 1);
			if (r < 0) {	/* EINTR too: a signal with a handler asks to stop */
				err = errno;
				goto done;
			}
			if (r > 0)
				break;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
			err = errno;
	}
done:
	return connected(res, start, err, fd);
}

int probe_unix(struct ns *ns, const char *path, double timeout, struct probe_result *res, struct err *e)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t n = strlen(path);
	double start = now();
	int fd, err = 0;

	memset(res, 0, sizeof(*res));
	if (n == 0 || n >= sizeof(sun.sun_path))
		return err_set(e, -ENAMETOOLONG, "the socket path must be 1..%zu bytes", sizeof(sun.sun_path) - 1);
	memcpy(sun.sun_path, path, n);
	if (path[0] == '@')
		sun.sun_path[0] = '\0';
	if ((fd = socket_in(ns, AF_UNIX, SOCK_STREAM, 0)) < 0)
		return err_set(e, fd, NULL);
	/* a listener's full backlog answers EAGAIN: try again until the timeout */
	while (connect(fd, (struct sockaddr *)&sun, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)) < 0) {
		err = errno;
		if (err != EAGAIN || now() - start >= timeout)
			break;
		usleep(10000);
		err = 0;
	}
	return connected(res, start, err, fd);
}
