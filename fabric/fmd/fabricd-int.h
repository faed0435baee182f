/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The fabric daemon's internals, shared by fabricd.c (start, sockets, loop)
 * and fabricd-conn.c (connections: framing, dispatch, replies). */
#ifndef TAGDAX_FABRIC_FABRICD_INT_H
#define TAGDAX_FABRIC_FABRICD_INT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backing.h"
#include "cci-codec.h"
#include "fabric-config.h"
#include "dcd.h"

/* Connections served at once when RLIMIT_NOFILE allows more (each costs a
 * descriptor and a poll slot); the config's max_connections may lower it. */
#define MAX_CONNS 65536
#define MAX_QUEUED (8u << 20) /* a peer that never reads is dropped */

enum conn_kind { CONN_FM, CONN_MBOX, CONN_IRQ };

struct conn {
	int fd;
	enum conn_kind kind;
	int host;
	struct cci_stream in;
	uint8_t *out;
	size_t outlen, outoff, outcap;
	bool closed;
	/* Monotonic ms of the last progress: accepted, a request answered, an
	 * answer fully sent.  Bytes of a request do not count, so a peer
	 * trickling one byte at a time still meets the message deadline. */
	int64_t since;
};

struct listener {
	int fd;
	enum conn_kind kind;
	int host;
	char path[PATH_MAX];
};

struct server {
	char dir[PATH_MAX];
	char statedir[PATH_MAX];
	struct fabric_config cfg;
	struct fabric_backing backing;
	struct dcd *d;
	uint8_t *saved; /* the image on disk, to roll back to if a save fails */
	size_t savedlen;
	struct listener *ls;
	unsigned int nls;
	struct conn **conns; /* room for maxconns + nls: see fabricd_conn_accept */
	unsigned int nconns;
	/* Connections served at once: MAX_CONNS or max_connections, fewer when
	 * RLIMIT_NOFILE leaves less (minus a reserve for the daemon's own
	 * files).  At the cap a new peer is still accepted: the connection
	 * that made no progress for the longest time goes (fm.sock ones
	 * first).  After accept failed for want of descriptors, the listeners
	 * rest until a connection closes. */
	unsigned int maxconns;
	bool accept_paused;
	bool evicting; /* logged once */
	int sigfd, pidfd;
	unsigned long sanitize_fail; /* test hook: zeroings still to fail */
	bool quarantine_listed;      /* DIR/quarantine exists */
	uint8_t *rsp;
	bool fatal;
};

void fabricd_log(struct server *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Save the state image; on failure the caller rolls back to the image on
 * disk so that clients only ever see saved state. */
int fabricd_persist(struct server *s);

/* The daemon's sanitizer (arg: the server): zeroes backing memory, logs a
 * failure. */
int fabricd_sanitize(void *arg, unsigned int region, uint64_t offset, uint64_t len);
/* After a save: zero the quarantine, save what became free, publish what
 * is still quarantined in DIR/quarantine. */
void fabricd_settle(struct server *s);

void fabricd_conn_close(struct conn *c);
void fabricd_conn_flush(struct conn *c);
void fabricd_conn_process(struct server *s, struct conn *c);
void fabricd_conn_readable(struct server *s, struct conn *c);
void fabricd_conn_accept(struct server *s, const struct listener *l);
/* Frees closed connections; true if there were any. */
bool fabricd_reap(struct server *s);
/* Close connections past their deadline; the ms until the next deadline
 * (-1: none). */
int fabricd_expire(struct server *s);
int64_t fabricd_now_ms(void);

#endif /* TAGDAX_FABRIC_FABRICD_INT_H */
