/* rtprot.h - the names of routing protocols (a route's "proto"), as iproute2 reads them from rt_protos and rt_protos.d. */
#ifndef NETLAB_RTPROT_H
#define NETLAB_RTPROT_H

#include <stddef.h>

/*
 * A route's protocol is a number 0..255 (rtm_protocol). Its name is the one
 * iproute2 shows: iproute2's built-in table (unspec, redirect, kernel, boot,
 * static, gated, ra, mrt, zebra, bird, babel, ... eigrp), then the files,
 * each line overriding what came before:
 *   /etc/iproute2/rt_protos (or, when there is none, /usr/share/iproute2/rt_protos,
 *   where iproute2 6.6+ keeps its defaults),
 *   /usr/share/iproute2/rt_protos.d/NAME.conf unless /etc/iproute2/rt_protos.d/NAME.conf exists,
 *   /etc/iproute2/rt_protos.d/NAME.conf,
 * each directory in the order of its names. A line is "ID NAME" (ID decimal
 * or 0x-hexadecimal, anything after NAME ignored); blank lines and lines
 * starting with '#' are skipped; an ID outside 0..255 is skipped; a line
 * that is neither ends its file there, as iproute2 stops reading at it.
 * The files are read once per process, at the first call.
 */

/* the name of protocol id, or NULL when it has none (the caller shows the number) */
const char *rtprot_name(unsigned id);

/* the number of a protocol name (the lowest when two numbers share it), or
 * of a number written as iproute2 takes one ("12", "0x0c"); -1 when it is neither */
int rtprot_id(const char *name);

/* One line of a file: 1 with *id and the name (terminated, cut to len - 1
 * bytes) when it names a protocol, 0 when it is to be skipped (blank, a
 * comment, an ID outside 0..255), -1 when it is malformed (the file ends
 * there). Also the fuzz target's way in. */
int rtprot_parse_line(const char *line, unsigned *id, char *name, size_t len);

#endif
