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
#include "journal.h"

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
	/* The answer in out waits for the round's journal commit: nothing is
	 * answered before the changes it may have seen are durable. */
	bool held;
	/* Monotonic ms of the last progress: accepted, a request answered, an
	 * answer fully sent.  Bytes of a request do not count, so a peer
	 * trickling one byte at a time still meets the message deadline. */
	int64_t since;
	/* It has asked something: a client at work, which at the cap goes only
	 * after every connection that never asked anything (evict_one()). */
	bool asked;
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
	struct journal j;      /* DIR/state: checkpoint image + journal */
	size_t imagelen;       /* bytes of the last checkpoint */
	uint64_t checkpoint_at; /* journal bytes that make a checkpoint due */
	unsigned long commit_fail; /* test hook: commits still to fail */
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
	int64_t dir_check_at; /* when dir_gone() looks next */
};

void fabricd_log(struct server *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Write the whole state as a checkpoint (and start an empty journal). */
int fabricd_checkpoint(struct server *s);
/* End of a poll round: make the journaled changes durable (one append and
 * one fdatasync for all of them), then release the held answers and notify
 * hosts; on failure every change of the round is undone and its answer is
 * Internal Error, so clients only ever see saved state. */
void fabricd_commit_round(struct server *s);

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
