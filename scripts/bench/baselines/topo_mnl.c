/* topo_mnl.c - the benchmark's floor: the N-node star in raw rtnetlink through
 * libmnl, from C, with no interpreter and no fork. netlab's setup is measured
 * against `topo_mnl setup N batched`, its teardown against `teardown N ns`.
 *
 * usage: topo_mnl setup N [batched|unbatched][-noipv6]     (default batched)
 *        topo_mnl teardown N [ns|group|links]              (default ns)
 *
 * The star: namespaces perfx1..perfxN, named in /run/netns as `ip netns add`
 * names them; in each, eth0, the peer of the veth perfxh<i> in this namespace,
 * a port of the bridge perfxbr0 (10.250.0.1/16); lo and eth0 up, the address
 * 10.250.0.0/16 + i + 1 on eth0, a default route via the bridge. N is 1023
 * at most: a bridge takes no more ports.
 *
 * setup batched: as few round trips as the kernel allows. Every veth goes in
 *   one sendmsg, each request making both ends, the peer straight in its
 *   namespace, the host end enslaved and up; only the last asks for an ACK
 *   (a failed request is answered all the same). Then, per namespace, one
 *   RTM_GETLINK for eth0's index and one sendmsg of lo up, eth0 up, the
 *   address and the route, the last one acked.
 * setup unbatched: one acked request per step, each kind of step timed on its
 *   own: what a straightforward binding pays, fork and exec aside.
 * -noipv6: IPv6 off in each namespace (two sysctls) before anything is in it.
 * teardown ns: delete the bridge, unmount and unlink the namespaces. The
 *   kernel removes the rest, veths included, after this returns.
 * teardown group, links: first delete every host-side veth (and so its peer):
 *   one RTM_DELLINK by link group, or one per veth in a single sendmsg.
 *
 * Prints setup_ms= or teardown_ms=, counted from the start of main (the
 * netlink socket included, the process start not), then each phase's time.
 * Run it as root in a private network and mount namespace (scripts/bench/run.sh
 * does). Build: cc -O2 -Wall -Wextra -o topo_mnl topo_mnl.c -lmnl
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <libmnl/libmnl.h>

#define NS_FMT "perfx%d"
#define HOST_FMT "perfxh%d"
#define BRIDGE "perfxbr0"
#define GROUP 4242		/* the host-side veths' link group, for teardown group */
#define NET 0x0afa0000u		/* 10.250.0.0/16: the bridge .0.1, node i .0.0 + i + 1 */
#define PLEN 16
#define MAX_NODES 1023		/* the ports a bridge takes (BR_MAX_PORTS, port 0 unused) */
#define MSG_MAX 512		/* larger than any one request made here */
#define RECV_SIZE 32768

/* What the setup has made so far, and the time of its phases. */
struct star {
	int n;
	struct mnl_socket *host;	/* rtnetlink in this namespace */
	struct mnl_socket **sock;	/* [i]: rtnetlink opened inside node i */
	int *nsfd;			/* [i]: node i's namespace */
	int bridge;			/* its ifindex */
	double t0, bridge_ms, netns_ms;
};

static unsigned seq;		/* one numbering for every socket */
static char buf[1 << 20];	/* requests laid end to end, for one sendmsg */
static size_t queued;		/* bytes of buf not sent yet */

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void __attribute__((noreturn)) fail(const char *what)
{
	perror(what);
	exit(1);
}

static void name_of(char *name, size_t size, const char *fmt, int i)
{
	if ((size_t)snprintf(name, size, fmt, i) >= size) {
		errno = ENAMETOOLONG;
		fail(fmt);
	}
}

static uint32_t node_addr(int i)
{
	return htonl(NET + (uint32_t)i + 1);
}

static uint32_t gateway(void)
{
	return htonl(NET + 1);
}

/* ---- the netlink conversation ------------------------------------------ */

static struct mnl_socket *rt_open(void)
{
	struct mnl_socket *sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	int one = 1;

	if (!sock || mnl_socket_bind(sock, 0, MNL_SOCKET_AUTOPID) < 0)
		fail("rtnetlink socket");
	/* a failure then comes with the kernel's reason and without a copy of
	 * the request: best effort, older kernels just say less */
	mnl_socket_setsockopt(sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(sock, NETLINK_CAP_ACK, &one, sizeof(one));
	return sock;
}

/* An NLMSG_ERROR answer: nothing for an ACK; a failure ends the program with
 * the errno and, when the kernel gave one, its extended-ack text. */
static void check(const struct nlmsghdr *m)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(m);
	const struct nlattr *a;
	unsigned off = sizeof(*e);

	if (e->error == 0)
		return;
	fprintf(stderr, "topo_mnl: request %u: %s", e->msg.nlmsg_seq, strerror(-e->error));
	/* without NLM_F_CAPPED the failed request is echoed before the TLVs */
	if (!(m->nlmsg_flags & NLM_F_CAPPED))
		off += (unsigned)mnl_nlmsg_get_payload_len(&e->msg);
	if (m->nlmsg_flags & NLM_F_ACK_TLVS)
		mnl_attr_for_each(a, m, off)
			if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
			    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
				fprintf(stderr, " (%s)", mnl_attr_get_str(a));
	fputc('\n', stderr);
	exit(1);
}

/* Read answers until the one to request number last; every request before
 * it that failed has been answered by then, and ends the program. */
static void wait_ack(struct mnl_socket *sock, unsigned last)
{
	char rb[RECV_SIZE];
	const struct nlmsghdr *m;
	ssize_t got;
	int len;

	for (;;) {
		if ((got = mnl_socket_recvfrom(sock, rb, sizeof(rb))) < 0)
			fail("netlink receive");
		len = (int)got;
		for (m = (const struct nlmsghdr *)rb; mnl_nlmsg_ok(m, len);
		     m = mnl_nlmsg_next(m, &len)) {
			if (m->nlmsg_type != NLMSG_ERROR)
				continue;
			check(m);
			if (m->nlmsg_seq == last)
				return;
		}
	}
}

static void send_all(struct mnl_socket *sock, const void *req, size_t len)
{
	if (mnl_socket_sendto(sock, req, len) < 0)
		fail("netlink send");
}

/* One request, acked, answered before the next. */
static void talk(struct mnl_socket *sock, struct nlmsghdr *nlh)
{
	nlh->nlmsg_flags |= NLM_F_ACK;
	send_all(sock, nlh, nlh->nlmsg_len);
	wait_ack(sock, nlh->nlmsg_seq);
}

static void flush(struct mnl_socket *sock)
{
	if (queued)
		send_all(sock, buf, queued);
	queued = 0;
}

/* Where the next request of a batch goes. The largest batch, 1023 veths of
 * some 130 bytes, fits in buf and in the socket's default send buffer (the
 * kernel refuses a larger sendmsg whole, EMSGSIZE). */
static char *tail(void)
{
	if (queued + MSG_MAX > sizeof(buf)) {
		errno = EMSGSIZE;
		fail("batch");
	}
	return buf + queued;
}

static struct nlmsghdr *queue(struct nlmsghdr *nlh)
{
	queued += nlh->nlmsg_len;
	return nlh;
}

/* ---- the requests -------------------------------------------------------- */

static struct nlmsghdr *msg(char *at, int type, int flags, size_t hdrlen)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(at);

	nlh->nlmsg_type = (uint16_t)type;
	nlh->nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
	nlh->nlmsg_seq = ++seq;
	mnl_nlmsg_put_extra_header(nlh, hdrlen);
	return nlh;
}

static struct nlmsghdr *msg_link(char *at, int type, int flags, int index, int up)
{
	struct nlmsghdr *nlh = msg(at, type, flags, sizeof(struct ifinfomsg));
	struct ifinfomsg *ifm = mnl_nlmsg_get_payload(nlh);

	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = index;
	if (up) {
		ifm->ifi_flags = IFF_UP;
		ifm->ifi_change = IFF_UP;
	}
	return nlh;
}

static struct nlmsghdr *msg_link_named(char *at, int type, int flags, const char *name)
{
	struct nlmsghdr *nlh = msg_link(at, type, flags, 0, 0);

	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	return nlh;
}

/* Veth i: perfxh<i> here, in GROUP, a port of master when master is not 0,
 * and its peer eth0 made straight in the namespace nsfd. The peer is left
 * down: a node's side is set up from inside the node, with its address. */
static struct nlmsghdr *msg_veth(char *at, int flags, int i, int nsfd, int master, int up)
{
	char name[IFNAMSIZ];
	struct nlmsghdr *nlh;
	struct nlattr *info, *data, *peer;

	name_of(name, sizeof(name), HOST_FMT, i);
	nlh = msg_link(at, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | flags, 0, up);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	mnl_attr_put_u32(nlh, IFLA_GROUP, GROUP);
	if (master)
		mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));	/* the peer's, zeroed */
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "eth0");
	mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)nsfd);
	mnl_attr_nest_end(nlh, peer);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);
	return nlh;
}

static struct nlmsghdr *msg_addr(char *at, int flags, int index, uint32_t addr)
{
	struct nlmsghdr *nlh = msg(at, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL | flags,
				   sizeof(struct ifaddrmsg));
	struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);

	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = PLEN;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = (unsigned)index;
	mnl_attr_put_u32(nlh, IFA_LOCAL, addr);
	mnl_attr_put_u32(nlh, IFA_ADDRESS, addr);
	return nlh;
}

static struct nlmsghdr *msg_default_route(char *at, int flags, int index, uint32_t via)
{
	struct nlmsghdr *nlh = msg(at, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL | flags,
				   sizeof(struct rtmsg));
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);

	rtm->rtm_family = AF_INET;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put_u32(nlh, RTA_GATEWAY, via);
	mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)index);
	return nlh;
}

/* A link's ifindex: RTM_GETLINK by name, its statistics left out (they are
 * most of a reply); no ACK asked, the reply is the answer. */
static int link_index(struct mnl_socket *sock, const char *name)
{
	char req[MSG_MAX], rb[RECV_SIZE];
	struct nlmsghdr *nlh = msg_link_named(req, RTM_GETLINK, 0, name);
	const struct nlmsghdr *m = (const struct nlmsghdr *)rb;
	ssize_t got;

	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	send_all(sock, nlh, nlh->nlmsg_len);
	if ((got = mnl_socket_recvfrom(sock, rb, sizeof(rb))) < 0)
		fail("netlink receive");
	if (!mnl_nlmsg_ok(m, (int)got))
		fail("netlink: short answer");
	if (m->nlmsg_type == NLMSG_ERROR)
		check(m);
	if (m->nlmsg_type != RTM_NEWLINK) {
		fprintf(stderr, "topo_mnl: %s: unexpected answer %u\n", name, m->nlmsg_type);
		exit(1);
	}
	return ((const struct ifinfomsg *)mnl_nlmsg_get_payload(m))->ifi_index;
}

/* ---- setup ---------------------------------------------------------------- */

/* The bridge, up, with the gateway's address on it. */
static int bridge_add(struct mnl_socket *host)
{
	struct nlmsghdr *nlh = msg_link(buf, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0, 1);
	struct nlattr *info;
	int index;

	mnl_attr_put_strz(nlh, IFLA_IFNAME, BRIDGE);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "bridge");
	mnl_attr_nest_end(nlh, info);
	talk(host, nlh);
	index = link_index(host, BRIDGE);
	talk(host, msg_addr(buf, 0, index, gateway()));
	return index;
}

static void sysctl_one(const char *path)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, "1", 1) != 1)
		fail(path);
	close(fd);
}

/* Node i's namespace, named as `ip netns add` names one: a new namespace for
 * this thread, bind-mounted on /run/netns/perfx<i>, then back to the host's.
 * Keeps a descriptor of it (for IFLA_NET_NS_FD) and an rtnetlink socket
 * opened inside it: a socket speaks for the namespace it was made in. */
static void ns_add(struct star *s, int i, int host_ns, int noipv6)
{
	char name[IFNAMSIZ], path[64];
	int fd;

	name_of(name, sizeof(name), NS_FMT, i);
	snprintf(path, sizeof(path), "/run/netns/%s", name);
	if ((fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0)) < 0)
		fail(path);
	close(fd);
	if (unshare(CLONE_NEWNET) < 0)
		fail("unshare");
	if (mount("/proc/self/ns/net", path, "none", MS_BIND, NULL) < 0)
		fail(path);
	if ((s->nsfd[i] = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) < 0)
		fail("/proc/self/ns/net");
	if (noipv6) {
		/* /proc/sys/net is the opening thread's namespace's */
		sysctl_one("/proc/sys/net/ipv6/conf/all/disable_ipv6");
		sysctl_one("/proc/sys/net/ipv6/conf/default/disable_ipv6");
	}
	s->sock[i] = rt_open();
	if (setns(host_ns, CLONE_NEWNET) < 0)
		fail("setns");
}

/* Every veth in one sendmsg, only the last acked. */
static void veths_batched(struct star *s)
{
	struct nlmsghdr *last = NULL;
	int i;

	for (i = 1; i <= s->n; i++)
		last = queue(msg_veth(tail(), i == s->n ? NLM_F_ACK : 0,
				      i, s->nsfd[i], s->bridge, 1));
	flush(s->host);
	wait_ack(s->host, last->nlmsg_seq);
}

/* Node i from inside: eth0's index, then lo up, eth0 up, the address and
 * the route in one sendmsg, the route acked. */
static void node_batched(struct star *s, int i)
{
	struct mnl_socket *sock = s->sock[i];
	struct nlmsghdr *last;
	int eth0 = link_index(sock, "eth0");

	queue(msg_link(tail(), RTM_NEWLINK, 0, 1, 1));	/* lo is 1 in every namespace */
	queue(msg_link(tail(), RTM_NEWLINK, 0, eth0, 1));
	queue(msg_addr(tail(), 0, eth0, node_addr(i)));
	last = queue(msg_default_route(tail(), NLM_F_ACK, eth0, gateway()));
	flush(sock);
	wait_ack(sock, last->nlmsg_seq);
}

static void build_batched(struct star *s)
{
	double t, veth_ms;
	int i;

	t = now_ms();
	veths_batched(s);
	veth_ms = now_ms() - t;
	t = now_ms();
	for (i = 1; i <= s->n; i++)
		node_batched(s, i);
	printf("setup_ms=%.2f bridge=%.2f netns=%.2f veth=%.2f nscfg=%.2f\n",
	       now_ms() - s->t0, s->bridge_ms, s->netns_ms, veth_ms, now_ms() - t);
}

/* talk(), adding the time it took to *sum */
static void timed_talk(struct mnl_socket *sock, struct nlmsghdr *nlh, double *sum)
{
	double t = now_ms();

	talk(sock, nlh);
	*sum += now_ms() - t;
}

/* One acked request per step: each veth made, enslaved and brought up in
 * three; then in each node lo up, eth0 up, the address, the route. */
static void build_stepwise(struct star *s)
{
	double veth = 0, master = 0, host_up = 0, lo = 0, eth0_up = 0, addr = 0, route = 0;
	char name[IFNAMSIZ];
	struct nlmsghdr *nlh;
	int i, index, eth0;

	for (i = 1; i <= s->n; i++) {
		name_of(name, sizeof(name), HOST_FMT, i);
		timed_talk(s->host, msg_veth(buf, 0, i, s->nsfd[i], 0, 0), &veth);
		index = link_index(s->host, name);
		nlh = msg_link(buf, RTM_NEWLINK, 0, index, 0);
		mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)s->bridge);
		timed_talk(s->host, nlh, &master);
		timed_talk(s->host, msg_link(buf, RTM_NEWLINK, 0, index, 1), &host_up);
	}
	for (i = 1; i <= s->n; i++) {
		eth0 = link_index(s->sock[i], "eth0");
		timed_talk(s->sock[i], msg_link(buf, RTM_NEWLINK, 0, 1, 1), &lo);
		timed_talk(s->sock[i], msg_link(buf, RTM_NEWLINK, 0, eth0, 1), &eth0_up);
		timed_talk(s->sock[i], msg_addr(buf, 0, eth0, node_addr(i)), &addr);
		timed_talk(s->sock[i], msg_default_route(buf, 0, eth0, gateway()), &route);
	}
	printf("setup_ms=%.2f bridge=%.2f netns=%.2f veth_create=%.2f set_master=%.2f host_up=%.2f "
	       "lo_up=%.2f eth0_up=%.2f addr=%.2f route=%.2f\n",
	       now_ms() - s->t0, s->bridge_ms, s->netns_ms, veth, master, host_up,
	       lo, eth0_up, addr, route);
}

static int setup(int n, int batched, int noipv6, double t0)
{
	struct star s = { .n = n, .t0 = t0 };
	double t;
	int host_ns, i;

	s.host = rt_open();
	s.sock = calloc((size_t)n + 1, sizeof(*s.sock));
	s.nsfd = calloc((size_t)n + 1, sizeof(*s.nsfd));
	if (!s.sock || !s.nsfd)
		fail("calloc");
	if ((host_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) < 0)
		fail("/proc/self/ns/net");

	t = now_ms();
	s.bridge = bridge_add(s.host);
	s.bridge_ms = now_ms() - t;

	t = now_ms();
	mkdir("/run/netns", 0755);
	for (i = 1; i <= n; i++)
		ns_add(&s, i, host_ns, noipv6);
	s.netns_ms = now_ms() - t;

	if (batched)
		build_batched(&s);
	else
		build_stepwise(&s);
	return 0;
}

/* ---- teardown --------------------------------------------------------------- */

/* Every host-side veth, and with it its peer, before the rest. */
static void veths_del(struct mnl_socket *host, int n, int by_group)
{
	char name[IFNAMSIZ];
	struct nlmsghdr *nlh = NULL;
	int i;

	if (by_group) {
		/* one request, so one unregister batch in the kernel */
		nlh = msg_link(buf, RTM_DELLINK, 0, 0, 0);
		mnl_attr_put_u32(nlh, IFLA_GROUP, GROUP);
		talk(host, nlh);
		return;
	}
	for (i = 1; i <= n; i++) {
		name_of(name, sizeof(name), HOST_FMT, i);
		nlh = queue(msg_link_named(tail(), RTM_DELLINK, i == n ? NLM_F_ACK : 0, name));
	}
	flush(host);
	wait_ack(host, nlh->nlmsg_seq);
}

/* Node i's name: the bind mount detached, the file gone. The namespace
 * itself goes when nothing holds it, in the kernel's cleanup_net work. */
static void ns_del(int i)
{
	char name[IFNAMSIZ], path[64];

	name_of(name, sizeof(name), NS_FMT, i);
	snprintf(path, sizeof(path), "/run/netns/%s", name);
	if (umount2(path, MNT_DETACH) < 0)
		fail(path);
	if (unlink(path) < 0)
		fail(path);
}

static int teardown(int n, const char *mode, double t0)
{
	struct mnl_socket *host = rt_open();
	double t, links_ms = 0, bridge_ms;
	int i;

	t = now_ms();
	if (strcmp(mode, "ns") != 0)
		veths_del(host, n, strcmp(mode, "group") == 0);
	links_ms = now_ms() - t;

	t = now_ms();
	talk(host, msg_link_named(buf, RTM_DELLINK, 0, BRIDGE));
	bridge_ms = now_ms() - t;

	t = now_ms();
	for (i = 1; i <= n; i++)
		ns_del(i);
	printf("teardown_ms=%.2f links=%.2f bridge=%.2f netns_umount=%.2f\n",
	       now_ms() - t0, links_ms, bridge_ms, now_ms() - t);
	return 0;
}

static void __attribute__((noreturn)) usage(void)
{
	fputs("usage: topo_mnl setup N [batched|unbatched][-noipv6]\n"
	      "       topo_mnl teardown N [ns|group|links]\n", stderr);
	exit(2);
}

/* A setup mode: batched or unbatched, with -noipv6 or without. */
static void setup_mode(const char *mode, int *batched, int *noipv6)
{
	size_t len = strlen(mode), tag = strlen("-noipv6");

	*noipv6 = len > tag && strcmp(mode + len - tag, "-noipv6") == 0;
	if (*noipv6)
		len -= tag;
	if (len == strlen("batched") && strncmp(mode, "batched", len) == 0)
		*batched = 1;
	else if (len == strlen("unbatched") && strncmp(mode, "unbatched", len) == 0)
		*batched = 0;
	else
		usage();
}

int main(int argc, char **argv)
{
	const char *mode = argc > 3 ? argv[3] : NULL;
	int batched, noipv6;
	char *end;
	double t0;
	long n;

	if (argc < 3 || argc > 4)
		usage();
	n = strtol(argv[2], &end, 10);
	if (*end || n < 1 || n > MAX_NODES)
		usage();
	if (strcmp(argv[1], "setup") == 0) {
		setup_mode(mode ? mode : "batched", &batched, &noipv6);
		t0 = now_ms();
		return setup((int)n, batched, noipv6, t0);
	}
	if (strcmp(argv[1], "teardown") == 0) {
		mode = mode ? mode : "ns";
		if (strcmp(mode, "ns") && strcmp(mode, "group") && strcmp(mode, "links"))
			usage();
		t0 = now_ms();
		return teardown((int)n, mode, t0);
	}
	usage();
}
