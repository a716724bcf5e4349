/* output.c - a command's kept output: one memory file its stdout and stderr both write to. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "output.h"

int output_new(void)
{
	int fd = memfd_create("netlab-output", MFD_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

long output_read(int fd, size_t max, char **buf)
{
	struct stat st;
	size_t size, start, got = 0;

	*buf = NULL;
	if (fstat(fd, &st) < 0)
		return -errno;
	size = (size_t)st.st_size;
	start = size > max ? size - max : 0;
	if (!(*buf = malloc(size - start + 1)))
		return -ENOMEM;
	while (got < size - start) {
		ssize_t n = pread(fd, *buf + got, size - start - got, (off_t)(start + got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			free(*buf);
			*buf = NULL;
			return -errno;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	(*buf)[got] = '\0';
	return (long)got;
}
