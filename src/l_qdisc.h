/* l_qdisc.h - what the qdisc binding's two files share: parameters from Lua into requests. */
#ifndef NETLAB_L_QDISC_H
#define NETLAB_L_QDISC_H

#include "lnetns.h"
#include "qdisc.h"

/* The option key of the table at t, in tc's units (a string as tc takes it)
 * or netlab's (a number: seconds, bit/s, bytes, percent); 0 when absent,
 * 1 when set; a bad value raises naming it. */
int qopt_time(lua_State *L, int t, const char *key, struct netem_time *out);
int qopt_rate(lua_State *L, int t, const char *key, uint64_t *out);
int qopt_size(lua_State *L, int t, const char *key, uint32_t max, uint32_t *out);
int qopt_fraction(lua_State *L, int t, const char *key, double *out);
int qopt_percent(lua_State *L, int t, const char *key, uint32_t *out);

/* every parameter of the table at t (nil: none) */
void qopt_netem(lua_State *L, int t, struct netem_opts *o);
void qopt_tbf(lua_State *L, int t, struct tbf_opts *o);

/* qdisc_replace's kind, params and where, at arg, arg + 1, arg + 2, into r
 * (its op and ifindex are the caller's); a bad one raises */
void check_qdisc(lua_State *L, int arg, struct qdisc_req *r);
/* one record of the dump as qdiscs() gives it (in netlab's units: seconds,
 * bit/s, bytes, percent), a table on top of the stack; devices by d */
void push_qdisc(lua_State *L, const struct qdisc_info *q, const struct devs *d,
		const struct psched *p);

#endif
