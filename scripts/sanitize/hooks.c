/* hooks.c - the sanitizer runtimes' hooks for `scripts/test.sh --sanitize`, in the sanitized
 * netlab and in sanhooks.so, the first library of the sanitized lua5.4 (build-sanitize/bin/lua5.4,
 * a copy of the system's with sanhooks.so, libasan and libubsan added in front of what it needs:
 * see CMakeLists.txt). The runtimes call these weak hooks through the dynamic linker, so the
 * definitions here, found first, are the ones that count. (sanhooks.so is built without
 * the sanitizers; in netlab this file is compiled as the rest of it.) */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int dlclose(void *handle);
const char *__asan_default_options(void);
int __lsan_is_turned_off(void);
void __ubsan_on_report(void);
void __ubsan_get_current_report_data(const char **kind, const char **message, const char **file,
				     unsigned *line, unsigned *col, char **addr);

/* ASan wants its runtime first among the libraries a program starts with, and in lua5.4 it
 * comes second, after this one (so that these hooks are found before its own). Its
 * interceptors still come before libc's functions, which is what the check is for.
 * ASAN_OPTIONS, read after these defaults, adds to them. */
const char *__asan_default_options(void)
{
	return "verify_asan_link_order=0";
}

/* LeakSanitizer checks at exit, after lua_close has unloaded the C modules: a leak's frames in
 * netns.so would be "<unknown module>", with no function or line. Here nothing is unloaded. */
int dlclose(void *handle)
{
	(void)handle;
	return 0;
}

/* LeakSanitizer stops the process's threads with ptrace at exit, which fails when a tracer is
 * already there (a spec runs lua5.4 under strace -f to count its forks): no leak check in a
 * traced process. */
int __lsan_is_turned_off(void)
{
	char buf[4096];
	const char *t;
	ssize_t n;
	int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	t = strstr(buf, "\nTracerPid:");
	return t && atoi(t + strlen("\nTracerPid:")) != 0;
}

/* Where a UBSan report goes: into the reports directory ($NETLAB_SAN_REPORTS), where ASan's go
 * through ASAN_OPTIONS=log_path, so the run counts every finding, also in a process whose exit
 * status or stderr a spec does not look at. gcc's UBSan runtime is apart from ASan's, and its
 * call to set UBSAN_OPTIONS' log_path binds to libasan's copy: beside ASan, UBSan writes to
 * stderr whatever its options say. It calls this hook at the start of each report; fd 2 becomes
 * the report file for the rest of it. Every UBSan finding ends the process
 * (-fno-sanitize-recover=undefined), so nothing else is written to that stderr. */
void __ubsan_on_report(void)
{
	const char *dir = getenv("NETLAB_SAN_REPORTS");
	const char *kind = "?", *message = "?", *file = "?";
	unsigned line = 0, col = 0;
	char *addr = NULL, path[4096], head[1024];
	int fd, n;

	if (!dir || !*dir)
		return;
	n = snprintf(path, sizeof(path), "%s/ubsan.%s.%d", dir, program_invocation_short_name, (int)getpid());
	if (n < 0 || (size_t)n >= sizeof(path))
		return;
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	__ubsan_get_current_report_data(&kind, &message, &file, &line, &col, &addr);
	n = snprintf(head, sizeof(head), "==%d==ERROR: UndefinedBehaviorSanitizer: %s at %s:%u:%u: %s\n",
		     (int)getpid(), kind, file ? file : "?", line, col, message ? message : "?");
	if (n > 0)
		(void)!write(fd, head, (size_t)n < sizeof(head) ? (size_t)n : sizeof(head) - 1);
	dup2(fd, STDERR_FILENO);
	close(fd);
}
