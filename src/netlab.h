/* netlab.h - what the interpreter (netlab.c) and its POSIX binding netlab.sys (l_sys.c) share. */
#ifndef NETLAB_NETLAB_H
#define NETLAB_NETLAB_H

#include <stdio.h>
#include <lua.h>

#define PROGNAME "netlab"

/* Make every process started from now on live in a PID namespace whose
 * init dies with this process. 0 or -errno. (isolate.c) */
int netlab_pid_namespace(void);

/* SIGINT/SIGTERM are only remembered between these two calls (nestable);
 * the end of the outermost one stops the script at its next step if one
 * came. What netlab.sys.atomic wraps around a creation and its record. */
void netlab_defer_stop(void);
void netlab_resume_stop(lua_State *L);
/* The SIGINT/SIGTERM that is stopping the script, or 0: a protected call
 * of the lab that caught the "interrupted!" error raises it again. */
int netlab_stop_pending(void);

/* netlab --help's text, to f (usage.c) */
void netlab_usage(FILE *f);

/* the module netlab.sys */
int luaopen_netlab_sys(lua_State *L);

#endif
