/* lnetns.h - what the files of the Lua binding share: handles, argument checks, error values. */
#ifndef NETLAB_LNETNS_H
#define NETLAB_LNETNS_H

#include <lua.h>
#include <lauxlib.h>

#include "err.h"
#include "link.h"
#include "ns.h"
#include "parse.h"

#ifndef NETLAB_VERSION
#define NETLAB_VERSION "0.0.0"
#endif

#define NS_MT "netns.ns"
#define PROC_MT "netns.proc"
#define ERR_MT "netns.error"

/*
 * Error values (laux.c). Every error the binding raises is a table with
 * the metatable netns.error: { op =, object =, part =, ns =, errno =,
 * code = "EEXIST", text =, arg = }; its __tostring gives the message.
 * Callers match err.code, never the text.
 */

/* A core call failed with ret (-errno): op on obj in the namespace called
 * where (NULL: none), with the reason and the part from e. */
int raise_core(lua_State *L, const char *op, const char *obj, const char *where, int ret,
	       const struct err *e);
/* Bad input, found before anything reached the kernel: code EINVAL, the
 * message "netns: FN: <fmt...>" (FN is the function's own name); arg names
 * the argument or option at fault (NULL when none can be blamed alone). */
int raise_input(lua_State *L, const char *arg, const char *fmt, ...);
/* The same for a value: "netns: FN: WHAT 'VALUE' WHY" (value shown on one line). */
int raise_value(lua_State *L, const char *what, const char *value, const char *why);
/* Anything else, with a code of its own and no function: "netns: TEXT". */
int raise_plain(lua_State *L, int err, const char *text);
/* value as it can be printed on one line (control bytes as \xNN), pushed */
const char *printable(lua_State *L, const char *s);
const char *printable_len(lua_State *L, const char *s, size_t len);
/* the string at idx, refused when it holds a NUL byte: "WHAT 'a\x00b'
 * contains a NUL byte" (arg names the argument in the error value) */
const char *no_nul(lua_State *L, int idx, const char *arg, const char *what);
/* push the error metatable's functions; called once by luaopen_netns */
void open_errors(lua_State *L);

/* Registration (laux.c). Each function is reached through a dispatcher
 * that knows its name (upvalue 1, for messages) and calls netns.hook's
 * function first when one is set. Sets the functions into the table on
 * top of the stack. */
void register_funcs(lua_State *L, const luaL_Reg *fns);
/* netns.hook([fn]): the hook, for --trace and other wrappers */
int l_hook(lua_State *L);

/* Argument checks (laux.c): each raises naming the argument. */
const char *check_str(lua_State *L, int arg, const char *what);
void check_table(lua_State *L, int arg, const char *what);
const char *check_ifname(lua_State *L, int arg, const char *what);
const char *check_nsname(lua_State *L, int arg, const char *what);
void check_prefix(lua_State *L, int arg, struct prefix *p);
/* the namespace handle at arg, open */
struct ns *check_ns(lua_State *L, int arg);
/* seconds: a number > 0 (>= 0 with zero_ok), at most SECONDS_MAX */
#define SECONDS_MAX (24 * 86400.0)	/* what a poll timeout in ms holds */
double check_seconds(lua_State *L, int arg, const char *what, int zero_ok);
/* "inet"/"ipv4"/"4" or "inet6"/"ipv6"/"6" at arg; 0 for nil */
int check_family(lua_State *L, int arg, const char *what);
const char *family_name(int family);

/* Options tables: keys the function does not know are refused. */
void check_opts(lua_State *L, int arg, const char *const *known);
/* push opts[key] (nil when opts is absent) and return its type */
int get_opt(lua_State *L, int arg, const char *key);
const char *opt_string(lua_State *L, int arg, const char *key);
const char *opt_ifname(lua_State *L, int arg, const char *key);
lua_Integer opt_int(lua_State *L, int arg, const char *key, lua_Integer lo, lua_Integer hi,
		    lua_Integer def);
int opt_bool(lua_State *L, int arg, const char *key);	/* -1 absent, 0, 1 */
double opt_seconds(lua_State *L, int arg, const char *key, double def);
void opt_mac(lua_State *L, int arg, const char *key, unsigned char mac[6],
	     const unsigned char **out);
/* a namespace option: a handle, or a name opened into *tmp (closed by the
 * caller); a failure to open it is op's on obj in self */
struct ns *opt_ns(lua_State *L, int arg, const char *key, struct ns *tmp, const char *op,
		  const char *obj, const struct ns *self);

/* The devices of a namespace, to name them by index and find them by name (l_link.c). */
struct devs {
	struct link_info *v;
	size_t n;
};
/* dump ns's devices into d (free d->v); raises op's error on failure */
void devs_load(lua_State *L, struct ns *ns, struct devs *d, const char *op);
/* ifindex of dev; raises op's ENODEV error when there is none */
int devs_index(lua_State *L, struct devs *d, const char *dev, const char *op, const struct ns *ns);
/* t[key] = the name of index (its number when unknown), t on top */
void devs_set_name(lua_State *L, const struct devs *d, int index, const char *key);

/* The kinds of link_kinds.h (l_link_kinds.c): their options at arg (the options table of
 * link_add, an absolute index) into r, raising on bad input, an option of another kind named so
 * (what r points to is kept alive at the index keep); and t[kind] = their readback, t on top. */
void link_kind_opts(lua_State *L, int arg, int keep, const char *kind, struct link_add_req *r);
/* a wireguard's options (l_wg.c): r->wg, in a userdata put at the index keep */
void wg_link_opts(lua_State *L, int arg, int keep, struct link_add_req *r);
void push_link_kind(lua_State *L, const struct link_info *l, const struct devs *all);

/* Each file registers its methods into the methods table on top of the stack. */
void open_ns_methods(lua_State *L);	/* l_ns.c */
void open_link_methods(lua_State *L);	/* l_link.c */
void open_addr_methods(lua_State *L);	/* l_addr.c: addresses, routes, neighbours */
void open_proc_methods(lua_State *L);	/* l_proc.c */
void open_probe_methods(lua_State *L);	/* l_probe.c */
void open_probe_funcs(lua_State *L);	/* l_probe.c: netns.stat */
void open_nat_methods(lua_State *L);	/* l_nat.c */
void open_qdisc_methods(lua_State *L);	/* l_qdisc.c */
void open_bridge_vlan_methods(lua_State *L);	/* l_bridge_vlan.c */
void open_wg_methods(lua_State *L);	/* l_wg.c */
/* netns.fork (l_proc.c), netns.qdisc_check (l_qdisc.c): into the module
 * table on top of the stack */
void open_proc_funcs(lua_State *L);
void open_qdisc_funcs(lua_State *L);
void open_wg_funcs(lua_State *L);	/* netns.wg_genkey, netns.wg_pubkey (l_wg.c) */
/* the process handle's metatable (l_proc.c) */
void open_proc_meta(lua_State *L);

/* the new handle, closed until the namespace is really open (l_ns.c) */
struct ns *new_handle(lua_State *L);

int luaopen_netns(lua_State *L);

#endif
