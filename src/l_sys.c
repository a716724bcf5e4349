/* l_sys.c - netlab.sys: the few POSIX calls the interpreter's Lua half needs (journal, holder, commands, signals). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <lauxlib.h>

#include "netlab.h"
#include "userns.h"
#include "proc.h"

/* a failure as one line for the user, "netlab: ...", without a position */
static int sys_fail(lua_State *L, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	lua_pushvfstring(L, fmt, ap);
	va_end(ap);
	return lua_error(L);
}

static int sys_mkdir(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);

	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		luaL_pushfail(L);
		lua_pushfstring(L, "%s: %s", path, strerror(errno));
		return 2;
	}
	lua_pushboolean(L, 1);
	return 1;
}

static int sys_listdir(lua_State *L)
{
	const char *path = luaL_checkstring(L, 1);
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	if (!d) {
		luaL_pushfail(L);
		lua_pushfstring(L, "%s: %s", path, strerror(errno));
		return 2;
	}
	lua_newtable(L);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			lua_pushstring(L, e->d_name);
			lua_rawseti(L, -2, ++n);
		}
	closedir(d);
	return 1;
}

/*
 * atomic(f, ...): f(...) with the stop deferred. The lab creates an object
 * and records it for teardown in one such call: an interrupt between the two
 * would leak the object, or, recorded first, teardown would delete someone
 * else's object of the same name.
 */
static int sys_atomic(lua_State *L)
{
	int status;

	luaL_checktype(L, 1, LUA_TFUNCTION);
	netlab_defer_stop();
	status = lua_pcall(L, lua_gettop(L) - 1, LUA_MULTRET, 0);
	netlab_resume_stop(L);
	if (status != LUA_OK)
		return lua_error(L);
	return lua_gettop(L);
}

/* interrupted(): the signal stopping the script (a number), or false */
static int sys_interrupted(lua_State *L)
{
	int sig = netlab_stop_pending();

	if (sig)
		lua_pushinteger(L, sig);
	else
		lua_pushboolean(L, 0);
	return 1;
}

static int sys_isatty(lua_State *L)
{
	lua_pushboolean(L, isatty((int)luaL_checkinteger(L, 1)));
	return 1;
}

static int sys_isolate(lua_State *L)
{
	int ret = ns_isolate();

	if (ret < 0)
		return sys_fail(L, PROGNAME ": cannot make a private network namespace: %s%s",
				  strerror(-ret), ret == -EPERM ? " (netlab needs root)" : "");
	return 0;
}

/* pid_namespace(): what this process starts from now on dies with it */
static int sys_pid_namespace(lua_State *L)
{
	int ret = netlab_pid_namespace();

	if (ret < 0)
		return sys_fail(L, PROGNAME ": cannot make a PID namespace for the lab: %s", strerror(-ret));
	return 0;
}

/*
 * holder(): fork the process that keeps a lab up. The parent gets
 * ("parent", pid, read_fd); the child, in a session of its own, gets
 * ("child", write_fd): it builds the lab, reports on the pipe and stays.
 * (A fork of the interpreter itself, not of a command: it execs nothing.)
 */
static int sys_holder(lua_State *L)
{
	int p[2];
	pid_t pid;

	fflush(NULL);
	if (pipe2(p, O_CLOEXEC) < 0)
		return sys_fail(L, PROGNAME ": pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		return sys_fail(L, PROGNAME ": fork: %s", strerror(errno));
	if (pid == 0) {
		close(p[0]);
		setsid();
		lua_pushliteral(L, "child");
		lua_pushinteger(L, p[1]);
		return 2;
	}
	close(p[1]);
	lua_pushliteral(L, "parent");
	lua_pushinteger(L, pid);
	lua_pushinteger(L, p[0]);
	return 3;
}

static int sys_write(lua_State *L)
{
	int fd = (int)luaL_checkinteger(L, 1);
	size_t len, off = 0;
	const char *s = luaL_checklstring(L, 2, &len);
	ssize_t n;

	while (off < len) {
		n = write(fd, s + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return sys_fail(L, PROGNAME ": write: %s", strerror(errno));
		off += (size_t)n;
	}
	return 0;
}

/* everything until EOF */
static int sys_read_all(lua_State *L)
{
	int fd = (int)luaL_checkinteger(L, 1);
	luaL_Buffer b;
	char buf[4096];
	ssize_t n;

	luaL_buffinit(L, &b);
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		luaL_addlstring(&b, buf, (size_t)n);
	}
	luaL_pushresult(&b);
	return 1;
}

static int sys_close(lua_State *L)
{
	close((int)luaL_checkinteger(L, 1));
	return 0;
}

/* standard output becomes standard error: what a script prints while
 * `netlab up` builds must not mix with the JSON on stdout */
static int sys_stdout_to_stderr(lua_State *L)
{
	fflush(stdout);
	if (dup2(2, 1) < 0)
		return luaL_error(L, "netlab: dup2: %s", strerror(errno));
	return 0;
}

/* a daemon's stdio: /dev/null, so the command that started it can return */
static int sys_detach(lua_State *L)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	(void)L;
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
	}
	return 0;
}

/* block until SIGTERM, SIGINT or SIGHUP; returns its number */
static int sys_wait_signal(lua_State *L)
{
	sigset_t set;
	int sig = 0;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	while (sigwait(&set, &sig) != 0)
		;
	lua_pushinteger(L, sig);
	return 1;
}

/* a NULL-terminated array of the strings in table t (argv) or of
 * "NAME=value" for its pairs (env); alive on the stack */
static char **string_array(lua_State *L, int t, int pairs_of)
{
	int n = 0, i = 0;
	char **v;

	for (lua_pushnil(L); lua_next(L, t); lua_pop(L, 1))
		n++;
	v = lua_newuserdatauv(L, (size_t)(n + 1) * sizeof(char *), 0);
	if (!pairs_of) {
		for (i = 0; i < n && lua_geti(L, t, i + 1) == LUA_TSTRING; i++, lua_pop(L, 1))
			v[i] = (char *)lua_tostring(L, -1);	/* alive in t */
		if (i < n)
			sys_fail(L, PROGNAME ": the command must be a list of strings");
	} else {
		lua_newtable(L);	/* keeps the strings made below */
		for (lua_pushnil(L); lua_next(L, t); lua_pop(L, 1)) {
			v[i] = (char *)lua_pushfstring(L, "%s=%s", luaL_checkstring(L, -2),
						       luaL_checkstring(L, -1));
			lua_rawseti(L, -4, i + 1);	/* keep, key, value, string */
			i++;
		}
	}
	v[i] = NULL;
	return v;
}

/* command(argv [, env]): run the user's command here, in the foreground
 * with this process's stdio, and wait: its exit status (128 + signal when
 * killed, 127 when it cannot be started) */
static int sys_command(lua_State *L)
{
	struct spawn_req req = { .foreground = 1 };
	struct err e = ERR_INIT;
	struct proc p;
	int status, sig, ret;

	luaL_checktype(L, 1, LUA_TTABLE);
	if (luaL_len(L, 1) < 1)
		return sys_fail(L, PROGNAME ": no command to run");
	req.argv = string_array(L, 1, 0);
	if (lua_istable(L, 2))
		req.env = string_array(L, 2, 1);
	fflush(NULL);
	if (proc_spawn(NULL, &req, &p, &e) < 0) {
		fprintf(stderr, PROGNAME ": %s: %s\n", req.argv[0], strerror(-e.code));
		lua_pushinteger(L, 127);
		return 1;
	}
	/* a signal (the user's Ctrl-C reaches the command too) does not end the wait */
	while ((ret = proc_wait(&p, -1, &status, &sig)) == -EINTR)
		;
	/* what it left running goes with it */
	proc_release(&p);
	if (ret < 0)
		return sys_fail(L, PROGNAME ": wait: %s", strerror(-ret));
	lua_pushinteger(L, status);
	return 1;
}

/* rootless(): into a user namespace of this user's own, where making a lab is allowed,
 * unless this process may make one already: true when it moved. One line when it cannot. */
static int sys_rootless(lua_State *L)
{
	struct err e = ERR_INIT;
	int ret;

	if (userns_capable()) {
		lua_pushboolean(L, 0);
		return 1;
	}
	if ((ret = userns_enter(&e)) < 0)
		return sys_fail(L, PROGNAME ": cannot make a lab as an ordinary user: %s%s%s", strerror(-ret),
				e.text[0] ? ": " : "", e.text);
	lua_pushboolean(L, 1);
	return 1;
}

/* state_dir(): where this user's running labs are listed (userns_state_dir) */
static int sys_state_dir(lua_State *L)
{
	struct err e = ERR_INIT;
	char buf[PATH_MAX];
	int ret;

	if ((ret = userns_state_dir(buf, sizeof(buf), &e)) < 0)
		return sys_fail(L, PROGNAME ": %s: %s", e.text, strerror(-ret));
	lua_pushstring(L, buf);
	return 1;
}

/* join_lab(pid): into the user (when not ours) and mount namespaces of a lab's holder */
static int sys_join_lab(lua_State *L)
{
	struct err e = ERR_INIT;
	int ret;

	if ((ret = userns_join_lab((pid_t)luaL_checkinteger(L, 1), &e)) < 0)
		return sys_fail(L, PROGNAME ": %s: %s", e.text, strerror(-ret));
	return 0;
}

/* geteuid(): 0 for root */
static int sys_geteuid(lua_State *L)
{
	lua_pushinteger(L, geteuid());
	return 1;
}

/* Do lua_dir/netlab/init.lua and c_dir/netns.so exist? */
static int has_modules(const char *lua_dir, const char *c_dir)
{
	char a[4300], b[4300];

	snprintf(a, sizeof(a), "%s/netlab/init.lua", lua_dir);
	snprintf(b, sizeof(b), "%s/netns.so", c_dir);
	return access(a, R_OK) == 0 && access(b, R_OK) == 0;
}

/* Where netns.so and lua/netlab are, for a Lua 5.4 other than this one:
 * -> lua_dir, c_dir. The build tree's, for the build tree's netlab (also a
 * tree copied elsewhere: TREE/build/netlab beside TREE/lua); else
 * beside the executable as a prefix or a LuaRocks tree lays them out
 * (PREFIX/bin, PREFIX/share/lua/5.4, PREFIX/lib/lua/5.4: LuaRocks moves
 * them there after CMake installed them); else where CMake installs them. */
static int sys_module_dirs(lua_State *L)
{
	char exe[4096], lua_dir[4200], c_dir[4200];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n > 0) {
		exe[n] = '\0';
		if ((slash = strrchr(exe, '/')))
			*slash = '\0';
		if (!strcmp(exe, NETLAB_BUILD_DIR)) {
			lua_pushstring(L, NETLAB_TREE_LUADIR);
			lua_pushstring(L, NETLAB_BUILD_DIR);
			return 2;
		}
		if ((slash = strrchr(exe, '/')))
			*slash = '\0';	/* the prefix, or the tree of a build moved with it */
		snprintf(lua_dir, sizeof(lua_dir), "%s/lua", exe);
		snprintf(c_dir, sizeof(c_dir), "%s/%s", exe, slash ? slash + 1 : "");
		if (slash && has_modules(lua_dir, c_dir)) {
			lua_pushstring(L, lua_dir);
			lua_pushstring(L, c_dir);
			return 2;
		}
		snprintf(lua_dir, sizeof(lua_dir), "%s/share/lua/5.4", exe);
		snprintf(c_dir, sizeof(c_dir), "%s/lib/lua/5.4", exe);
		if (has_modules(lua_dir, c_dir)) {
			lua_pushstring(L, lua_dir);
			lua_pushstring(L, c_dir);
			return 2;
		}
	}
	lua_pushstring(L, NETLAB_LUADIR);
	lua_pushstring(L, NETLAB_LIBDIR);
	return 2;
}

static int sys_getpid(lua_State *L)
{
	lua_pushinteger(L, getpid());
	return 1;
}

/* kill(pid, sig) -> true, or false when there is no such process */
static int sys_kill(lua_State *L)
{
	lua_pushboolean(L, kill((pid_t)luaL_checkinteger(L, 1), (int)luaL_checkinteger(L, 2)) == 0);
	return 1;
}

/* pidfd(pid) -> a pidfd for the process (it names that process even after
 * its pid is reused), or nil when there is no such process */
static int sys_pidfd(lua_State *L)
{
	int fd = (int)syscall(SYS_pidfd_open, (pid_t)luaL_checkinteger(L, 1), 0);

	if (fd < 0)
		return 0;
	lua_pushinteger(L, fd);
	return 1;
}

/* pidfd_signal(fd, sig) -> true, or false when the process is gone */
static int sys_pidfd_signal(lua_State *L)
{
	int fd = (int)luaL_checkinteger(L, 1), sig = (int)luaL_checkinteger(L, 2);

	lua_pushboolean(L, syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0) == 0);
	return 1;
}

/* pidfd_wait(fd, seconds) -> true once the process has ended (the kernel
 * says so the moment it does: no polling), false at the timeout */
static int sys_pidfd_wait(lua_State *L)
{
	struct pollfd pf = { .fd = (int)luaL_checkinteger(L, 1), .events = POLLIN };
	int ms = (int)(luaL_checknumber(L, 2) * 1000), n;

	do {
		n = poll(&pf, 1, ms);
	} while (n < 0 && errno == EINTR);
	lua_pushboolean(L, n > 0);
	return 1;
}

int luaopen_netlab_sys(lua_State *L)
{
	static const luaL_Reg funcs[] = {
		{ "isatty", sys_isatty },
		{ "isolate", sys_isolate },
		{ "pid_namespace", sys_pid_namespace },
		{ "holder", sys_holder },
		{ "write", sys_write },
		{ "read_all", sys_read_all },
		{ "close", sys_close },
		{ "detach", sys_detach },
		{ "stdout_to_stderr", sys_stdout_to_stderr },
		{ "wait_signal", sys_wait_signal },
		{ "command", sys_command },
		{ "getpid", sys_getpid },
		{ "module_dirs", sys_module_dirs },
		{ "geteuid", sys_geteuid },
		{ "rootless", sys_rootless },
		{ "state_dir", sys_state_dir },
		{ "join_lab", sys_join_lab },
		{ "kill", sys_kill },
		{ "pidfd", sys_pidfd },
		{ "pidfd_signal", sys_pidfd_signal },
		{ "pidfd_wait", sys_pidfd_wait },
		{ "atomic", sys_atomic },
		{ "interrupted", sys_interrupted },
		{ "mkdir", sys_mkdir },
		{ "listdir", sys_listdir },
		{ NULL, NULL }
	};

	luaL_newlib(L, funcs);
	return 1;
}
