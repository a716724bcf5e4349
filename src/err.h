/* err.h - the error context of one call into the core: errno, the reason, and the part that failed. */
#ifndef NETLAB_ERR_H
#define NETLAB_ERR_H

#define ERR_TEXT 1024	/* the preflight names up to three settings and their ways out */
#define ERR_PART 192

/*
 * Every core function that can fail takes a struct err (NULL when the
 * caller does not care) and returns 0 or -errno; on failure the same -errno
 * is in code, and text says why when the kernel (its extended ack) or the
 * core (a refusal before anything was sent) had words for it. A request
 * made of parts (a namespace and the settings done inside it, an nf_tables
 * transaction of table, chains and rules) names the part that failed.
 * The caller owns the context: one per call, nothing to clear by hand.
 */
struct err {
	int code;		/* -errno; 0 while nothing failed */
	char text[ERR_TEXT];	/* the kernel's extack text or the core's reason, or "" */
	char part[ERR_PART];	/* "chain prerouting", "sysctl net.ipv4.ip_forward", or "" */
};

#define ERR_INIT { 0, "", "" }

/* Record a failure with code (< 0) and, when fmt is not NULL, its reason;
 * returns code, so `return err_set(e, -errno, NULL);` reads as one step.
 * A reason already recorded (the kernel's) is kept when fmt is NULL. */
int err_set(struct err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Name the part of a multi-part request that failed; returns e's code. */
int err_part(struct err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Forget an earlier failure the caller handled (a lookup that may miss),
 * keeping the part: the next step's failure is the one to report. */
void err_clear(struct err *e);

#endif
