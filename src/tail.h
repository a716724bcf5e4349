/* tail.h - the last bytes a background command wrote to stderr, kept in memory shared with a small copying process. */
#ifndef NETLAB_TAIL_H
#define NETLAB_TAIL_H

#include <stddef.h>
#include <sys/types.h>

#include "tree.h"

#define TAIL_SIZE 4096

/* what the copier has seen: the last TAIL_SIZE bytes, a ring in memory
 * shared (MAP_SHARED) between this process and the copier */
struct tail;

/* A ring for a command about to start; NULL without memory. */
struct tail *tail_new(void);
void tail_free(struct tail *t);

/* Fork the copier: it reads from until EOF (when the command and all it
 * started have closed their stderr), writes each piece to `to` (truncated
 * first, or at its end with append) and keeps the last bytes in t. It joins
 * tree (and process group pgid, without cgroups): it ends with the
 * command's tree. Its pid, or -errno. */
pid_t tail_start(struct tail *t, int from, int to, int truncate, int append,
		 const struct tree *tree, int pgid);

/* Copy what t holds now, oldest first, into buf (len >= TAIL_SIZE + 1, NUL
 * added); its length. */
size_t tail_read(const struct tail *t, char *buf, size_t len);

#endif
