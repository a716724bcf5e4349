/* output.h - a command's kept output: one memory file its stdout and stderr both write to. */
#ifndef NETLAB_OUTPUT_H
#define NETLAB_OUTPUT_H

#include <stddef.h>

/* A new, empty memory file (memfd, close-on-exec): its fd, or -errno. It
 * lives as long as an fd of it is open, and never on a filesystem: a lab
 * killed with SIGKILL leaves none behind. */
int output_new(void);

/* The last max bytes of the file fd (all of it when smaller) into a
 * malloc'd *buf (NUL-terminated); its length, or -errno. */
long output_read(int fd, size_t max, char **buf);

#endif
