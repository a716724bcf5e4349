/* l_proc.c - the binding of the user's commands in a namespace: run, spawn, exec, and process handles. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lnetns.h"
#include "proc.h"
#include "output.h"

/* ---- argv and env ----------------------------------------------------- */

/* argv from a table of strings; the strings stay alive in that table */
static char **check_argv(lua_State *L, int arg)
{
	lua_Integer n, i;
	char **argv;

	check_table(L, arg, "argv");
	n = luaL_len(L, arg);
	if (n < 1)
		raise_input(L, "argv", "argv must be a non-empty table of strings");
	argv = lua_newuserdatauv(L, (size_t)(n + 1) * sizeof(char *), 0);
	for (i = 1; i <= n; i++) {
		if (lua_geti(L, arg, i) != LUA_TSTRING)
			raise_input(L, "argv", "argv[%I] must be a string, not %s", i, luaL_typename(L, -1));
		argv[i - 1] = (char *)no_nul(L, -1, "argv", "argv element");
		lua_pop(L, 1);
	}
	argv[n] = NULL;
	if (!argv[0][0])
		raise_input(L, "argv", "argv[1] is empty");
	return argv;
}

/* "NAME=value" strings from opts.env; they and the array stay on the stack */
static char **opt_env(lua_State *L, int arg)
{
	char **env;
	size_t n = 0, i = 0;
	int t = get_opt(L, arg, "env"), tab, keep;

	if (t == LUA_TNIL) {
		lua_pop(L, 1);
		return NULL;
	}
	if (t != LUA_TTABLE)
		raise_input(L, "env", "option 'env' must be a table of NAME = value");
	tab = lua_gettop(L);
	for (lua_pushnil(L); lua_next(L, tab); lua_pop(L, 1))
		n++;
	lua_createtable(L, (int)n, 0);
	keep = lua_gettop(L);
	env = lua_newuserdatauv(L, (n + 1) * sizeof(char *), 0);
	for (lua_pushnil(L); lua_next(L, tab); lua_pop(L, 1)) {
		const char *k, *v;
		if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
			raise_input(L, "env", "option 'env': '%s' must map a string name to a string value",
				    luaL_tolstring(L, -2, NULL));
		k = no_nul(L, -2, "env", "option 'env': name");
		v = no_nul(L, -1, "env", "option 'env': value");
		if (!k[0] || strchr(k, '='))
			raise_input(L, "env", "option 'env': bad variable name '%s'", k);
		env[i] = (char *)lua_pushfstring(L, "%s=%s", k, v);
		lua_rawseti(L, keep, (lua_Integer)++i);
	}
	env[i] = NULL;
	return env;
}

/* ---- exec, run -------------------------------------------------------- */

/* ns:exec(argv [, { env = }]): this process becomes argv inside ns */
static int m_exec(lua_State *L)
{
	static const char *const exec_opts[] = { "env", "as_user", NULL };
	struct ns *ns = check_ns(L, 1);
	struct err e = ERR_INIT;
	char **argv, **env;
	int ret, as_user;

	lua_settop(L, 3);
	argv = check_argv(L, 2);
	check_opts(L, 3, exec_opts);
	env = opt_env(L, 3);
	as_user = opt_bool(L, 3, "as_user") == 1;
	fflush(NULL);
	ret = proc_exec(ns, argv, env, as_user, &e);
	return raise_core(L, "exec", argv[0], ns_label(ns), ret, &e);
}

static const char *const run_opts[] = { "timeout", "stdin", "env", NULL };

static int m_run(lua_State *L)
{
	struct ns *ns = check_ns(L, 1);
	struct run_req req = { 0 };
	struct err e = ERR_INIT;
	struct run_result res;
	int ret;

	lua_settop(L, 3);	/* options at a fixed index, scratch values above */
	req.argv = check_argv(L, 2);
	check_opts(L, 3, run_opts);
	req.timeout = opt_seconds(L, 3, "timeout", 0);
	/* stdin is data, not a name: any byte goes, NUL included */
	if (get_opt(L, 3, "stdin") == LUA_TSTRING)
		req.in = lua_tolstring(L, -1, &req.inlen);	/* alive in the options table */
	else if (!lua_isnil(L, -1))
		raise_input(L, "stdin", "option 'stdin' must be a string, not %s", luaL_typename(L, -1));
	lua_pop(L, 1);
	req.env = opt_env(L, 3);
	if ((ret = proc_run(ns, &req, &res, &e)) < 0)
		return raise_core(L, "run", req.argv[0], ns_label(ns), ret, &e);
	lua_createtable(L, 0, 6);
	lua_pushinteger(L, res.status);
	lua_setfield(L, -2, "status");
	lua_pushboolean(L, res.status == 0 && !res.timed_out);
	lua_setfield(L, -2, "ok");
	lua_pushlstring(L, res.out, res.outlen);
	lua_setfield(L, -2, "stdout");
	lua_pushlstring(L, res.err, res.errlen);
	lua_setfield(L, -2, "stderr");
	if (res.signal) {
		lua_pushinteger(L, res.signal);
		lua_setfield(L, -2, "signal");
	}
	lua_pushboolean(L, res.timed_out);
	lua_setfield(L, -2, "timed_out");
	run_result_free(&res);
	return 1;
}

/* ---- spawn and process handles ---------------------------------------- */

struct lproc {
	struct proc p;		/* p.pid -1 when never started */
	int status, signal;	/* valid once reaped */
	int reaped;
};

static const char *const spawn_opts[] = { "env", "stdout", "stderr", "append", "stderr_tail", "output", NULL };

static int m_spawn(lua_State *L)
{
	struct ns *ns = check_ns(L, 1);
	struct spawn_req req = { 0 };
	struct err e = ERR_INIT;
	struct lproc *p;
	int ret;

	lua_settop(L, 3);
	req.argv = check_argv(L, 2);
	check_opts(L, 3, spawn_opts);
	req.out = opt_string(L, 3, "stdout");
	req.err = opt_string(L, 3, "stderr");
	if (req.err && !strcmp(req.err, "stdout")) {
		req.err = NULL;
		req.err_to_out = 1;
	}
	req.append = opt_bool(L, 3, "append") == 1;
	req.tail = opt_bool(L, 3, "stderr_tail") == 1;
	req.keep_output = opt_bool(L, 3, "output") == 1;
	if (req.keep_output && (req.out || req.err_to_out || req.err || req.tail))
		raise_input(L, "output", "option 'output' keeps stdout and stderr itself: not with 'stdout', 'stderr' or 'stderr_tail'");
	req.env = opt_env(L, 3);
	/* the handle first: a process is never started without one to reap it */
	p = lua_newuserdatauv(L, sizeof(*p), 0);
	p->p = (struct proc){ .pid = -1, .pidfd = -1, .tree = TREE_INIT, .copier = -1, .output = -1 };
	p->status = p->signal = 0;
	p->reaped = 1;
	luaL_setmetatable(L, PROC_MT);
	if ((ret = proc_spawn(ns, &req, &p->p, &e)) < 0)
		return raise_core(L, "spawn", req.argv[0], ns_label(ns), ret, &e);
	p->reaped = 0;
	return 1;
}

static struct lproc *check_proc(lua_State *L)
{
	return luaL_checkudata(L, 1, PROC_MT);
}

/* 1 once p has ended (reaped now or before), 0 while it runs */
static int reap(lua_State *L, struct lproc *p, double timeout)
{
	int ret;

	if (p->reaped)
		return 1;
	ret = proc_wait(&p->p, timeout, &p->status, &p->signal);
	if (ret < 0)
		return raise_core(L, "wait", lua_pushfstring(L, "%d", p->p.pid), NULL, ret, NULL);
	p->reaped = ret == 1;
	/* a forked child's commands that outlived it go now, not at collection */
	if (p->reaped && p->p.forked) {
		tree_cleanup(p->p.pid);
		p->p.forked = 0;
	}
	return ret;
}

static int p_wait(lua_State *L)
{
	struct lproc *p = check_proc(L);
	double timeout = lua_isnoneornil(L, 2) ? -1 : check_seconds(L, 2, "timeout", 1);

	if (p->p.pid < 0)
		return raise_input(L, NULL, "the process was never started");
	if (!reap(L, p, timeout)) {
		lua_pushnil(L);
		lua_pushliteral(L, "timeout");
		return 2;
	}
	lua_pushinteger(L, p->status);
	if (p->signal) {
		lua_pushinteger(L, p->signal);
		return 2;
	}
	return 1;
}

static const struct { const char *name; int sig; } signames[] = {
	{ "TERM", SIGTERM }, { "KILL", SIGKILL }, { "INT", SIGINT }, { "HUP", SIGHUP },
	{ "QUIT", SIGQUIT }, { "USR1", SIGUSR1 }, { "USR2", SIGUSR2 },
	{ "STOP", SIGSTOP }, { "CONT", SIGCONT }, { NULL, 0 },
};

/* a signal number or name ("TERM", "SIGTERM") at arg; SIGTERM when absent */
static int check_signal(lua_State *L, int arg)
{
	const char *s, *n;
	int isint = 0, sig, i;

	if (lua_type(L, arg) == LUA_TNUMBER) {
		sig = (int)lua_tointegerx(L, arg, &isint);
		if (!isint || sig < 0 || sig >= NSIG)
			raise_input(L, "signal", "signal '%s' is not a signal number",
				    luaL_tolstring(L, arg, NULL));
		return sig;
	}
	if (lua_isnoneornil(L, arg))
		return SIGTERM;
	s = check_str(L, arg, "signal");
	n = strncmp(s, "SIG", 3) ? s : s + 3;
	for (i = 0; signames[i].name && strcmp(signames[i].name, n); i++)
		;
	if (!signames[i].name)
		raise_value(L, "signal", s, "is not a known signal name");
	return signames[i].sig;
}

static int p_kill(lua_State *L)
{
	struct lproc *p = check_proc(L);
	int sig = check_signal(L, 2);

	int ret;

	if (p->p.pid < 0) {
		lua_pushboolean(L, 0);
		return 1;
	}
	/* the command has ended: what it left running (a daemon's child) still gets the signal */
	if (p->reaped || reap(L, p, 0)) {
		lua_pushboolean(L, tree_alive(&p->p.tree) && proc_signal(&p->p, sig) > 0);
		return 1;
	}
	/* the whole tree: what the command started goes too, at any depth */
	if ((ret = proc_signal(&p->p, sig)) < 0 && kill(p->p.pid, sig) < 0)
		return raise_core(L, "kill", lua_pushfstring(L, "%d", p->p.pid), NULL, -errno, NULL);
	lua_pushboolean(L, 1);
	return 1;
}

/* p:stderr_tail() -> the last bytes (at most 4 KiB) the command and what it
 * started wrote to stderr, or nil when spawned without stderr_tail = true */
static int p_stderr_tail(lua_State *L)
{
	struct lproc *p = check_proc(L);
	char buf[TAIL_SIZE + 1];
	long n = proc_tail(&p->p, p->p.pid < 0 || reap(L, p, 0), buf, sizeof(buf));

	if (n < 0)
		return 0;
	lua_pushlstring(L, buf, (size_t)n);
	return 1;
}

/* p:output([max]) -> what the command wrote to stdout and stderr (the last
 * max bytes of it), or nil when spawned without output = true */
static int p_output(lua_State *L)
{
	struct lproc *p = check_proc(L);
	lua_Integer max = luaL_optinteger(L, 2, LUA_MAXINTEGER);
	char *buf;
	long n;

	if (p->p.output < 0) {
		lua_pushnil(L);
		return 1;
	}
	if (max < 0)
		raise_input(L, "max", "the byte count must be >= 0");
	if ((n = output_read(p->p.output, (size_t)max, &buf)) < 0)
		return raise_core(L, "output", lua_pushfstring(L, "%d", p->p.pid), NULL, (int)n, NULL);
	lua_pushlstring(L, buf, (size_t)n);
	free(buf);
	return 1;
}

/* p:alive() -> whether anything of what it started still runs, the command
 * itself or a child it left (a daemon whose parent exited) */
static int p_alive(lua_State *L)
{
	struct lproc *p = check_proc(L);

	lua_pushboolean(L, p->p.pid >= 0 && ((!p->reaped && !reap(L, p, 0)) || tree_alive(&p->p.tree)));
	return 1;
}

/* p:pids() -> { pid, ... }: the processes of its tree (empty where there are no cgroups) */
static int p_pids(lua_State *L)
{
	struct lproc *p = check_proc(L);
	int pids[256], n = p->p.pid >= 0 ? tree_pids(&p->p.tree, pids, 256) : 0, i;

	lua_createtable(L, n > 0 ? n : 0, 0);
	for (i = 0; i < n; i++) {
		lua_pushinteger(L, pids[i]);
		lua_rawseti(L, -2, i + 1);
	}
	return 1;
}

static int p_running(lua_State *L)
{
	struct lproc *p = check_proc(L);

	lua_pushboolean(L, p->p.pid >= 0 && !reap(L, p, 0));
	return 1;
}

/* __index: p.pid, else a method (upvalue 1) */
static int p_index(lua_State *L)
{
	struct lproc *p = check_proc(L);
	const char *k = lua_tostring(L, 2);

	if (k && !strcmp(k, "pid")) {
		lua_pushinteger(L, p->p.pid);
		return 1;
	}
	lua_settop(L, 2);
	lua_rawget(L, lua_upvalueindex(1));
	return 1;
}

/* a handle that goes away takes its process and all it started with it:
 * no orphan, no zombie */
static int p_gc(lua_State *L)
{
	struct lproc *p = check_proc(L);

	if (p->p.pid >= 0 && !p->reaped) {
		/* the status stays readable: wait() after close says how it ended */
		if (proc_wait(&p->p, 0, &p->status, &p->signal) == 0) {
			proc_signal(&p->p, SIGKILL);
			kill(p->p.pid, SIGKILL);
			while (proc_wait(&p->p, -1, &p->status, &p->signal) == -EINTR)
				;
		}
		p->reaped = 1;
	}
	proc_release(&p->p);
	return 0;
}

static int p_tostring(lua_State *L)
{
	struct lproc *p = check_proc(L);

	lua_pushfstring(L, "netns.proc (%d%s)", p->p.pid, p->reaped ? ", ended" : "");
	return 1;
}

/* netns.fork(fn): fn runs in a child process (a copy of this one) beside
 * the caller, and the child ends when fn returns: exit status 0, or fn's
 * integer result; an error in fn is written to stderr and the status is 1.
 * The child never comes back here: it leaves with _exit, so nothing of the
 * parent's (a lab's teardown, buffered output) runs twice. Returns the
 * child's process handle. */
static int l_fork(lua_State *L)
{
	struct err e = ERR_INIT;
	struct lproc *p;
	int ret, code = 0;

	luaL_checktype(L, 1, LUA_TFUNCTION);
	lua_settop(L, 1);
	p = lua_newuserdatauv(L, sizeof(*p), 0);
	p->p = (struct proc){ .pid = -1, .pidfd = -1, .tree = TREE_INIT, .copier = -1, .output = -1 };
	p->status = p->signal = 0;
	p->reaped = 1;
	luaL_setmetatable(L, PROC_MT);
	if ((ret = proc_fork(&p->p, &e)) < 0)
		return raise_core(L, "fork", "the timeline", NULL, ret, &e);
	if (ret > 0) {
		p->reaped = 0;
		return 1;
	}
	lua_pushvalue(L, 1);
	if (lua_pcall(L, 0, 1, 0) != LUA_OK) {
		fprintf(stderr, "%s\n", luaL_tolstring(L, -1, NULL));
		code = 1;
	} else if (lua_isinteger(L, -1)) {
		code = (int)(lua_tointeger(L, -1) & 0xff);
	}
	fflush(NULL);
	_exit(code);
}

void open_proc_funcs(lua_State *L)
{
	static const luaL_Reg funcs[] = {
		{ "fork", l_fork },
		{ NULL, NULL }
	};

	register_funcs(L, funcs);
}

void open_proc_methods(lua_State *L)
{
	static const luaL_Reg methods[] = {
		{ "run", m_run },
		{ "exec", m_exec },
		{ "spawn", m_spawn },
		{ NULL, NULL }
	};

	register_funcs(L, methods);
}

void open_proc_meta(lua_State *L)
{
	static const luaL_Reg methods[] = {
		{ "wait", p_wait },
		{ "kill", p_kill },
		{ "running", p_running },
		{ "stderr_tail", p_stderr_tail },
		{ "output", p_output },
		{ "alive", p_alive },
		{ "pids", p_pids },
		{ NULL, NULL }
	};

	if (luaL_newmetatable(L, PROC_MT)) {
		lua_newtable(L);
		register_funcs(L, methods);
		lua_pushcclosure(L, p_index, 1);
		lua_setfield(L, -2, "__index");
		lua_pushcfunction(L, p_gc);
		lua_setfield(L, -2, "__gc");
		lua_pushcfunction(L, p_gc);
		lua_setfield(L, -2, "__close");
		lua_pushcfunction(L, p_tostring);
		lua_setfield(L, -2, "__tostring");
	}
	lua_pop(L, 1);
}
