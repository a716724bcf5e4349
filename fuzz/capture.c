/* capture.c - write real kernel answers as seeds for fuzz_netlink and fuzz_nft_rule: the link,
 * address, route and neighbour dumps, two error answers and the rule dump of netlab's nf_tables
 * table, in the namespace it runs in. Not a fuzz target, and never run by scripts/fuzz.sh: only
 * fuzz/capture-seeds.sh runs it, in a throwaway network namespace.
 * Usage: capture DIR   (writes DIR/netlink/ and DIR/nft_rule/) */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <linux/if_link.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void write_file(const char *dir, const char *name, const void *p, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (!(f = fopen(path, "wb")) || fwrite(p, 1, len, f) != len || fclose(f))
		die(path);
}

/* Send req; write each answer message up to `each` of them as NAME-N, and
 * the first `whole` messages together as NAME-all (a dump as it comes). */
static void capture(struct mnl_socket *s, struct nlmsghdr *req, const char *dir, const char *name,
		    int each, int whole)
{
	static unsigned seq;
	char buf[65536], all[16384], file[256];
	size_t all_len = 0;
	int n_msg = 0, done = 0, len;
	const struct nlmsghdr *m;

	req->nlmsg_seq = ++seq + (unsigned)time(NULL);
	if (mnl_socket_sendto(s, req, req->nlmsg_len) < 0)
		die("sendto");
	while (!done) {
		if ((len = (int)mnl_socket_recvfrom(s, buf, sizeof(buf))) < 0)
			die("recvfrom");
		for (m = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(m, len); m = mnl_nlmsg_next(m, &len)) {
			size_t alen = MNL_ALIGN(m->nlmsg_len);
			if (m->nlmsg_type == NLMSG_DONE) {
				done = 1;
				break;
			}
			if (n_msg < each) {
				snprintf(file, sizeof(file), "%s-%d", name, n_msg);
				write_file(dir, file, m, m->nlmsg_len);
			}
			if (n_msg < whole && all_len + alen <= sizeof(all)) {
				memcpy(all + all_len, m, alen);
				all_len += alen;
			}
			n_msg++;
			if (m->nlmsg_type == NLMSG_ERROR || !(m->nlmsg_flags & NLM_F_MULTI))
				done = 1;
		}
	}
	if (whole && all_len) {
		snprintf(file, sizeof(file), "%s-all", name);
		write_file(dir, file, all, all_len);
	}
	printf("capture: %s: %d messages\n", name, n_msg);
}

static struct nlmsghdr *rt_req(char *buf, int type, int flags, size_t hdrlen)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = (unsigned short)type;
	nlh->nlmsg_flags = (unsigned short)(NLM_F_REQUEST | flags);
	mnl_nlmsg_put_extra_header(nlh, hdrlen);
	return nlh;
}

static void rtnetlink(const char *dir)
{
	struct mnl_socket *s = mnl_socket_open(NETLINK_ROUTE);
	char buf[1024];
	struct nlmsghdr *nlh;
	int one = 1;

	if (!s || mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0)
		die("rtnetlink");
	mnl_socket_setsockopt(s, 11 /* NETLINK_EXT_ACK */, &one, sizeof(one));
	nlh = rt_req(buf, RTM_GETLINK, NLM_F_DUMP, sizeof(struct ifinfomsg));
	mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
	capture(s, nlh, dir, "link", 4, 4);
	capture(s, rt_req(buf, RTM_GETADDR, NLM_F_DUMP, sizeof(struct ifaddrmsg)), dir, "addr", 6, 8);
	capture(s, rt_req(buf, RTM_GETROUTE, NLM_F_DUMP, sizeof(struct rtmsg)), dir, "route", 24, 24);
	capture(s, rt_req(buf, RTM_GETNEIGH, NLM_F_DUMP, sizeof(struct ndmsg)), dir, "neigh", 4, 4);
	/* a refusal with the kernel's words (a device that is not there) and a plain ACK */
	nlh = rt_req(buf, RTM_DELLINK, NLM_F_ACK, sizeof(struct ifinfomsg));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "no-such-dev");
	capture(s, nlh, dir, "ack-enodev", 1, 0);
	nlh = rt_req(buf, RTM_NEWLINK, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, sizeof(struct ifinfomsg));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "lo");
	capture(s, nlh, dir, "ack-eexist", 1, 0);
	nlh = rt_req(buf, RTM_SETLINK, NLM_F_ACK, sizeof(struct ifinfomsg));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "lo");
	capture(s, nlh, dir, "ack-ok", 1, 0);
	mnl_socket_close(s);
}

static void nftables(const char *dir)
{
	struct mnl_socket *s = mnl_socket_open(NETLINK_NETFILTER);
	char buf[1024];
	struct nlmsghdr *nlh;
	struct nfgenmsg *nfg;

	if (!s || mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0)
		die("nfnetlink");
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETRULE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = NFPROTO_INET;
	nfg->version = NFNETLINK_V0;
	capture(s, nlh, dir, "rule", 16, 6);
	mnl_socket_close(s);
}

int main(int argc, char **argv)
{
	char dir[4096];

	if (argc != 2) {
		fprintf(stderr, "usage: capture DIR\n");
		return 2;
	}
	snprintf(dir, sizeof(dir), "%s/netlink", argv[1]);
	rtnetlink(dir);
	snprintf(dir, sizeof(dir), "%s/nft_rule", argv[1]);
	nftables(dir);
	return 0;
}
