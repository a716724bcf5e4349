/* wg.h - wireguard devices over generic netlink (the "wireguard" family): configure one, read one back. */
#ifndef NETLAB_WG_H
#define NETLAB_WG_H

#include <stdint.h>
#include <netinet/in.h>

#include "ns.h"

#define WG_KEY 32		/* a Curve25519 key, in bytes */
#define WG_KEY_B64 44		/* its base64, without the NUL */

struct wg_allowedip {
	int family;		/* AF_INET or AF_INET6 */
	unsigned char addr[16];
	unsigned cidr;
};

union wg_endpoint {
	struct sockaddr sa;	/* sa_family 0: none */
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
};

struct wg_peer {
	unsigned char public_key[WG_KEY];
	unsigned char preshared_key[WG_KEY];
	int has_preshared_key;
	union wg_endpoint endpoint;
	int keepalive;		/* seconds (0: off), -1: unchanged */
	int remove;		/* WGPEER_F_REMOVE_ME */
	int replace_ips;	/* WGPEER_F_REPLACE_ALLOWEDIPS */
	struct wg_allowedip *ips;
	size_t n_ips;
	/* read back only */
	int64_t handshake_sec, handshake_nsec;	/* 0: never */
	uint64_t rx_bytes, tx_bytes;
};

struct wg_device {
	unsigned char private_key[WG_KEY];
	int has_private_key;
	unsigned char public_key[WG_KEY];	/* read back only */
	int has_public_key;
	int listen_port;	/* 0..65535, -1: unchanged */
	int64_t fwmark;		/* 0..0xffffffff, -1: unchanged */
	int replace_peers;	/* WGDEVICE_F_REPLACE_PEERS */
	struct wg_peer *peers;
	size_t n_peers;
};

#define WG_DEVICE_INIT { .listen_port = -1, .fwmark = -1 }

/* Does d change anything (a key, a port, a mark, a peer, the peers' replacement)? */
int wg_device_changes(const struct wg_device *d);
/* WG_CMD_SET_DEVICE for the device called name in ns: one message, or several when the peers
 * do not fit one (a peer's allowed IPs continued in the next, appended). A kernel without
 * wireguard: -EOPNOTSUPP, the module named in e. */
int wg_set(struct ns *ns, const char *name, const struct wg_device *d, struct err *e);
/* WG_CMD_GET_DEVICE (a dump, maybe several messages) into *out; free it with wg_device_free. */
int wg_get(struct ns *ns, const char *name, struct wg_device *out, struct err *e);
void wg_device_free(struct wg_device *d);

/* One message of a WG_CMD_GET_DEVICE dump into d (peers continued from the last one merged):
 * 0, or -errno (-ENOMEM). Also the fuzz target's way in. */
int wg_decode(const struct nlmsghdr *nlh, struct wg_device *d);

/* "192.0.2.1:51820" or "[2001:db8::1]:51820" into ep: NULL, or why not. Formatted back into
 * buf: NULL when there is none. */
const char *wg_parse_endpoint(const char *s, union wg_endpoint *ep);
const char *wg_format_endpoint(const union wg_endpoint *ep, char *buf, size_t len);

/* Keys (wgkey.c, libsodium): a new private key, clamped as Curve25519 wants it; the public
 * key of a private one; base64 both ways (from: -EINVAL unless exactly 32 bytes' base64). */
int wg_key_generate(unsigned char key[WG_KEY]);
int wg_key_public(const unsigned char priv[WG_KEY], unsigned char pub[WG_KEY]);
void wg_key_to_base64(const unsigned char key[WG_KEY], char out[WG_KEY_B64 + 1]);
int wg_key_from_base64(const char *s, unsigned char key[WG_KEY]);

#endif
