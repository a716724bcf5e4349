/* rtprot.c - routing protocol names: iproute2's built-in table, then rt_protos and rt_protos.d, read once. */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rtprot.h"

#define ETC_DIR "/etc/iproute2"
#define USR_DIR "/usr/share/iproute2"	/* iproute2's CONF_USR_DIR by default */
#define LINE_MAX_LEN 512		/* what iproute2 reads of a line at a time */

#define NPROT 256

/* iproute2's own names (lib/rt_names.c), the RTPROT_* of the kernel's uapi */
static const char *const builtin[NPROT] = {
	[0] = "unspec", [1] = "redirect", [2] = "kernel", [3] = "boot", [4] = "static",
	[8] = "gated", [9] = "ra", [10] = "mrt", [11] = "zebra", [12] = "bird",
	[13] = "dnrouted", [14] = "xorp", [15] = "ntk", [16] = "dhcp", [18] = "keepalived",
	[42] = "babel", [99] = "openr", [186] = "bgp", [187] = "isis", [188] = "ospf",
	[189] = "rip", [192] = "eigrp",
};

/* what the files named, over the built-in names; NULL: none */
static char *named[NPROT];
static int loaded;

/* a number as sscanf's %d (base 10) or %x (base 16) reads it: white space,
 * a sign, digits (for %x an optional 0x first); 0 and the rest of the text
 * after it, or -1 when there is no digit. Values beyond 255 saturate. */
static int scan_num(const char **pp, int base, long *v)
{
	const char *p = *pp;
	int neg = 0, digits = 0;
	long n = 0;

	while (isspace((unsigned char)*p))
		p++;
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if (base == 16 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && isxdigit((unsigned char)p[2]))
		p += 2;
	for (;; p++, digits++) {
		int d;

		if (isdigit((unsigned char)*p))
			d = *p - '0';
		else if (base == 16 && isxdigit((unsigned char)*p))
			d = tolower((unsigned char)*p) - 'a' + 10;
		else
			break;
		if (n <= NPROT)
			n = n * base + d;
	}
	if (!digits)
		return -1;
	*v = neg ? -n : n;
	*pp = p;
	return 0;
}

/* the name after the number: white space, then at least one other byte */
static int scan_name(const char *p, char *name, size_t len)
{
	size_t n = 0;

	while (isspace((unsigned char)*p))
		p++;
	while (p[n] && !isspace((unsigned char)p[n]))
		n++;
	if (!n)
		return -1;
	if (len) {
		if (n >= len)
			n = len - 1;
		memcpy(name, p, n);
		name[n] = '\0';
	}
	return 0;
}

int rtprot_parse_line(const char *line, unsigned *id, char *name, size_t len)
{
	const char *p = line, *q;
	long v;

	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '#' || *p == '\n' || *p == '\0')
		return 0;
	/* "0x%x NAME", else "%d NAME", as iproute2's sscanf calls read it */
	q = p + 2;
	if (!(p[0] == '0' && p[1] == 'x' && scan_num(&q, 16, &v) == 0 && scan_name(q, name, len) == 0)) {
		q = p;
		if (scan_num(&q, 10, &v) < 0 || scan_name(q, name, len) < 0)
			return -1;
	}
	if (v < 0 || v >= NPROT)
		return 0;
	*id = (unsigned)v;
	return 1;
}

/* the lines of one file over what is known; a malformed line ends it */
static void read_file(const char *path)
{
	char line[LINE_MAX_LEN], name[LINE_MAX_LEN];
	unsigned id;
	FILE *f = fopen(path, "re");
	int r;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if ((r = rtprot_parse_line(line, &id, name, sizeof(name))) < 0)
			break;
		if (r == 1) {
			char *copy = strdup(name);

			if (copy) {
				free(named[id]);
				named[id] = copy;
			}
		}
	}
	fclose(f);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* the NAME.conf files of dir, in the order of their names; those that
 * also exist in over (when not NULL) are left to it */
static void read_dir(const char *dir, const char *over)
{
	char path[PATH_MAX], **names = NULL;
	struct dirent *de;
	struct stat st;
	size_t n = 0, cap = 0, i;
	DIR *d = opendir(dir);

	if (!d)
		return;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char **grown;

		if (de->d_name[0] == '.' || len <= 5 || strcmp(de->d_name + len - 5, ".conf"))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 8;
			if (!(grown = realloc(names, cap * sizeof(*names))))
				break;
			names = grown;
		}
		if (!(names[n] = strdup(de->d_name)))
			break;
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), by_name);
	for (i = 0; i < n; i++) {
		if (over && snprintf(path, sizeof(path), "%s/%s", over, names[i]) < (int)sizeof(path) &&
		    lstat(path, &st) == 0)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, names[i]) < (int)sizeof(path))
			read_file(path);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

static void load(void)
{
	if (loaded)
		return;
	loaded = 1;
	/* iproute2 6.6+: the defaults under /usr only when /etc has no file */
	if (access(ETC_DIR "/rt_protos", F_OK) == 0 || errno != ENOENT)
		read_file(ETC_DIR "/rt_protos");
	else
		read_file(USR_DIR "/rt_protos");
	read_dir(USR_DIR "/rt_protos.d", ETC_DIR "/rt_protos.d");
	read_dir(ETC_DIR "/rt_protos.d", NULL);
}

const char *rtprot_name(unsigned id)
{
	if (id >= NPROT)
		return NULL;
	load();
	return named[id] ? named[id] : builtin[id];
}

int rtprot_id(const char *name)
{
	unsigned long v;
	char *end;
	unsigned i;

	load();
	for (i = 0; i < NPROT; i++) {
		const char *s = named[i] ? named[i] : builtin[i];

		if (s && !strcmp(s, name))
			return (int)i;
	}
	/* a number, as iproute2's strtoul(s, &end, 0) takes it (but no sign or space first) */
	if (!isdigit((unsigned char)name[0]))
		return -1;
	errno = 0;
	v = strtoul(name, &end, 0);
	if (errno || *end || v >= NPROT)
		return -1;
	return (int)v;
}
