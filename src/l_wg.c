/* l_wg.c - the binding of wireguard: netns.wg_genkey, netns.wg_pubkey, link_add's wireguard
 * options, ns:wg_set and ns:wg. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "lnetns.h"
#include "wg.h"

/* a key option at arg (absent: 0), its 32 bytes into key */
static int opt_key(lua_State *L, int arg, const char *key, const char *who, unsigned char out[WG_KEY])
{
	const char *s = opt_string(L, arg, key);

	if (!s)
		return 0;
	if (wg_key_from_base64(s, out) < 0)
		raise_input(L, key, "%soption '%s' '%s' is not a key (the base64 of 32 bytes)", who, key,
			    printable(L, s));
	return 1;
}

/* netns.wg_genkey() -> a new private key, base64 */
static int l_wg_genkey(lua_State *L)
{
	unsigned char key[WG_KEY];
	char b64[WG_KEY_B64 + 1];
	int ret = wg_key_generate(key);

	if (ret < 0)
		return raise_plain(L, ret, "wg_genkey: libsodium cannot be initialised");
	wg_key_to_base64(key, b64);
	lua_pushstring(L, b64);
	return 1;
}

/* netns.wg_pubkey(private) -> its public key, base64 */
static int l_wg_pubkey(lua_State *L)
{
	unsigned char priv[WG_KEY], pub[WG_KEY];
	char b64[WG_KEY_B64 + 1];
	const char *s;
	int ret;

	if (lua_isnoneornil(L, 1))
		return raise_input(L, "private key", "private key (base64) is required, not nil");
	if (lua_type(L, 1) != LUA_TSTRING) {
		const char *type = luaL_typename(L, 1);	/* before tolstring pushes */

		return raise_input(L, "private key", "private key must be a string (base64), not %s '%s'", type,
				   luaL_tolstring(L, 1, NULL));
	}
	s = no_nul(L, 1, "private key", "private key");
	if (wg_key_from_base64(s, priv) < 0)
		return raise_value(L, "private key", s, "is not a key (the base64 of 32 bytes)");
	if ((ret = wg_key_public(priv, pub)) < 0)
		return raise_value(L, "private key", s, "has no public key");
	wg_key_to_base64(pub, b64);
	lua_pushstring(L, b64);
	return 1;
}

/* ---- options into a struct wg_device ------------------------------------ */

static const char *const set_opts[] = { "private_key", "listen_port", "fwmark", "peers", "replace_peers", NULL };
static const char *const peer_opts[] = { "public_key", "preshared_key", "endpoint", "allowed_ips",
					 "persistent_keepalive", "remove", "replace_allowed_ips", NULL };

/* the list of strings (or one string) of peer i's allowed_ips at arg, pushed; its length */
static size_t count_ips(lua_State *L, int arg, int i)
{
	int t = get_opt(L, arg, "allowed_ips");

	if (t == LUA_TNIL || t == LUA_TSTRING)
		return t == LUA_TSTRING;
	if (t != LUA_TTABLE)
		raise_input(L, "allowed_ips", "peer %d: option 'allowed_ips' must be a list of prefixes, not %s",
			    i, luaL_typename(L, -1));
	return (size_t)lua_rawlen(L, -1);
}

/* how many peers and allowed IPs the options hold, checking their shape */
static void count(lua_State *L, int arg, size_t *peers, size_t *ips)
{
	int t = get_opt(L, arg, "peers"), top = lua_gettop(L);
	size_t i, n;

	*peers = *ips = 0;
	if (t == LUA_TNIL) {
		lua_pop(L, 1);
		return;
	}
	if (t != LUA_TTABLE)
		raise_input(L, "peers", "option 'peers' must be a list of peers, not %s", luaL_typename(L, -1));
	n = (size_t)lua_rawlen(L, top);
	for (i = 1; i <= n; i++) {
		if (lua_rawgeti(L, top, (lua_Integer)i) != LUA_TTABLE)
			raise_input(L, "peers", "peer %d must be a table, not %s", (int)i, luaL_typename(L, -1));
		*ips += count_ips(L, top + 1, (int)i);
		lua_settop(L, top);
	}
	*peers = n;
	lua_pop(L, 1);
}

static void peer_ips(lua_State *L, int arg, int i, struct wg_peer *p, struct wg_allowedip *ips)
{
	int t = get_opt(L, arg, "allowed_ips"), top = lua_gettop(L);
	size_t j, n = t == LUA_TTABLE ? (size_t)lua_rawlen(L, top) : t == LUA_TSTRING;
	const char *s, *why;
	struct prefix pf;

	p->ips = ips;
	for (j = 0; j < n; j++) {
		if (t == LUA_TTABLE && lua_rawgeti(L, top, (lua_Integer)j + 1) != LUA_TSTRING)
			raise_input(L, "allowed_ips", "peer %d: allowed_ips[%d] must be a string, not %s", i,
				    (int)j + 1, luaL_typename(L, -1));
		s = no_nul(L, t == LUA_TTABLE ? top + 1 : top, "allowed_ips", "allowed ip");
		if ((why = parse_prefix(s, &pf)))
			raise_input(L, "allowed_ips", "peer %d: allowed ip '%s' %s", i, printable(L, s), why);
		ips[j].family = pf.family;
		memcpy(ips[j].addr, pf.addr, sizeof(ips[j].addr));
		ips[j].cidr = (unsigned)pf.len;
		lua_settop(L, top);
	}
	p->n_ips = n;
	lua_pop(L, 1);
}

/* peer i, the table at arg, into p; its allowed IPs into ips */
static void peer(lua_State *L, int arg, int i, int set, struct wg_peer *p, struct wg_allowedip *ips)
{
	static const char *const add_opts[] = { "public_key", "preshared_key", "endpoint", "allowed_ips",
						"persistent_keepalive", NULL };
	const char *who = lua_pushfstring(L, "peer %d: ", i), *s, *why;

	check_opts(L, arg, set ? peer_opts : add_opts);
	if (!opt_key(L, arg, "public_key", who, p->public_key))
		raise_input(L, "public_key", "peer %d needs option 'public_key'", i);
	p->has_preshared_key = opt_key(L, arg, "preshared_key", who, p->preshared_key);
	if ((s = opt_string(L, arg, "endpoint")) && (why = wg_parse_endpoint(s, &p->endpoint)))
		raise_input(L, "endpoint", "%soption 'endpoint' '%s' %s", who, printable(L, s), why);
	p->keepalive = (int)opt_int(L, arg, "persistent_keepalive", 0, 65535, -1);
	p->remove = opt_bool(L, arg, "remove") == 1;
	p->replace_ips = opt_bool(L, arg, "replace_allowed_ips") == 1;
	peer_ips(L, arg, i, p, ips);
	lua_pop(L, 1);
}

/* The wireguard options at arg (set: wg_set's, else link_add's) into a struct wg_device in a
 * userdata pushed on the stack, where its peers and allowed IPs live too; raises on bad input. */
static struct wg_device *wg_opts(lua_State *L, int arg, int set)
{
	struct wg_device *d;
	struct wg_allowedip *ips;
	size_t n_peers, n_ips, i, used = 0;
	int top;

	if (set)
		check_opts(L, arg, set_opts);
	count(L, arg, &n_peers, &n_ips);
	d = lua_newuserdatauv(L, sizeof(*d) + n_peers * sizeof(struct wg_peer) +
			      n_ips * sizeof(struct wg_allowedip), 0);
	top = lua_gettop(L);
	memset(d, 0, sizeof(*d) + n_peers * sizeof(struct wg_peer));
	*d = (struct wg_device)WG_DEVICE_INIT;
	d->peers = (struct wg_peer *)(d + 1);
	ips = (struct wg_allowedip *)(d->peers + n_peers);
	d->has_private_key = opt_key(L, arg, "private_key", "", d->private_key);
	d->listen_port = (int)opt_int(L, arg, "listen_port", 0, 65535, -1);
	d->fwmark = opt_int(L, arg, "fwmark", 0, 0xffffffffLL, -1);
	d->replace_peers = set && opt_bool(L, arg, "replace_peers") == 1;
	get_opt(L, arg, "peers");
	for (i = 0; i < n_peers; i++) {
		lua_rawgeti(L, top + 1, (lua_Integer)i + 1);
		/* the list may not change under us: count() said what fits */
		if (lua_type(L, -1) != LUA_TTABLE || count_ips(L, top + 2, (int)i + 1) + used > n_ips)
			raise_input(L, "peers", "option 'peers' changed while it was read");
		lua_pop(L, 1);
		peer(L, top + 2, (int)i + 1, set, &d->peers[i], ips + used);
		used += d->peers[i].n_ips;
		lua_settop(L, top + 1);
	}
	d->n_peers = n_peers;
	lua_settop(L, top);
	return d;
}

void wg_link_opts(lua_State *L, int arg, int keep, struct link_add_req *r)
{
	r->wg = wg_opts(L, arg, 0);
	lua_replace(L, keep);	/* alive while link_add runs */
}

/* ---- wg_set, wg --------------------------------------------------------- */

/* ns:wg_set(dev, opts) */
static int m_wg_set(lua_State *L)
{
	struct ns *ns = check_ns(L, 1);
	const char *name = check_ifname(L, 2, "interface name");
	struct err e = ERR_INIT;
	struct wg_device *d;
	int ret;

	lua_settop(L, 3);
	check_table(L, 3, "options");
	d = wg_opts(L, 3, 1);
	/* sent even when it changes nothing: a device that is not there, or not a wireguard, says so */
	if ((ret = wg_set(ns, name, d, &e)) < 0)
		return raise_core(L, "wg_set", name, ns_label(ns), ret, &e);
	return 0;
}

static void set_key(lua_State *L, const char *field, const unsigned char key[WG_KEY])
{
	char b64[WG_KEY_B64 + 1];

	wg_key_to_base64(key, b64);
	lua_pushstring(L, b64);
	lua_setfield(L, -2, field);
}

static void set_num(lua_State *L, const char *field, lua_Integer v)
{
	lua_pushinteger(L, v);
	lua_setfield(L, -2, field);
}

static void push_peer(lua_State *L, const struct wg_peer *p)
{
	char buf[80], a[64];
	size_t j;

	lua_createtable(L, 0, 8);
	set_key(L, "public_key", p->public_key);
	if (wg_format_endpoint(&p->endpoint, buf, sizeof(buf))) {
		lua_pushstring(L, buf);
		lua_setfield(L, -2, "endpoint");
	}
	lua_createtable(L, (int)p->n_ips, 0);
	for (j = 0; j < p->n_ips; j++) {
		lua_pushfstring(L, "%s/%d", format_addr(p->ips[j].family, p->ips[j].addr, a, sizeof(a)),
				(int)p->ips[j].cidr);
		lua_rawseti(L, -2, (lua_Integer)j + 1);
	}
	lua_setfield(L, -2, "allowed_ips");
	set_num(L, "persistent_keepalive", p->keepalive);
	lua_pushnumber(L, (lua_Number)p->handshake_sec + (lua_Number)p->handshake_nsec / 1e9);
	lua_setfield(L, -2, "last_handshake");
	set_num(L, "rx_bytes", (lua_Integer)p->rx_bytes);
	set_num(L, "tx_bytes", (lua_Integer)p->tx_bytes);
}

/* ns:wg(dev) -> { public_key, listen_port, fwmark, peers = { ... } }, nil when there is no dev;
 * never a private or preshared key */
static int m_wg(lua_State *L)
{
	struct ns *ns = check_ns(L, 1);
	const char *name = check_ifname(L, 2, "interface name");
	struct wg_device d;
	struct err e = ERR_INIT;
	size_t i;
	int ret = wg_get(ns, name, &d, &e);

	if (ret == -ENODEV) {
		lua_pushnil(L);
		return 1;
	}
	if (ret < 0)
		return raise_core(L, "wg", name, ns_label(ns), ret, &e);
	lua_createtable(L, 0, 4);
	if (d.has_public_key)
		set_key(L, "public_key", d.public_key);
	set_num(L, "listen_port", d.listen_port < 0 ? 0 : d.listen_port);
	set_num(L, "fwmark", d.fwmark < 0 ? 0 : d.fwmark);
	lua_createtable(L, (int)d.n_peers, 0);
	for (i = 0; i < d.n_peers; i++) {
		push_peer(L, &d.peers[i]);
		lua_rawseti(L, -2, (lua_Integer)i + 1);
	}
	lua_setfield(L, -2, "peers");
	wg_device_free(&d);
	return 1;
}

void open_wg_funcs(lua_State *L)
{
	static const luaL_Reg funcs[] = {
		{ "wg_genkey", l_wg_genkey },
		{ "wg_pubkey", l_wg_pubkey },
		{ NULL, NULL }
	};

	register_funcs(L, funcs);
}

void open_wg_methods(lua_State *L)
{
	static const luaL_Reg methods[] = {
		{ "wg_set", m_wg_set },
		{ "wg", m_wg },
		{ NULL, NULL }
	};

	register_funcs(L, methods);
}
