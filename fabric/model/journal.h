/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The state journal: DIR/state/dcd.journal, an append-only list of the
 * changes made since the image in DIR/state/dcd.state (the checkpoint), so
 * that a commit costs one append of its record and one fdatasync whatever
 * the size of the state.  The current state is the checkpoint with the
 * journal replayed over it.
 *
 * File: header "TDXJRNL1" | u32 version | u32 0 | u64 image hash | u32
 * crc32 of the 24 bytes before; then records: u32 length of the body | u32
 * crc32 of the body | body = u64 sequence number (0, 1, ...) | u8 kind |
 * payload.  The header names the image it follows (FNV-1a 64 of its bytes):
 * a journal whose image is not the one on disk is stale (a checkpoint was
 * written and the crash came before the journal was reset) and is ignored,
 * since the image already holds its records.
 *
 * Records are logical: JOURNAL_CMD is a command as the daemon received it
 * (port, opcode, payload) with the clock it ran at and a checksum of its
 * answer, replayed through dcd_dispatch(); the model is deterministic given
 * the clock, and a replay that answers differently fails the load.  So a
 * new command that changes state (5606h, 5607h, ...) needs no new record.
 * A change made outside a command needs a kind of its own: add it to enum
 * journal_kind, write an encoder next to journal_drop_chains(), and a
 * replay function in the kinds[] table of journal.c.
 *
 * A torn tail (a record cut short by a crash while it was appended) was
 * never acknowledged, since answers leave only after the fdatasync: it is
 * dropped.  A damaged record with intact records after it is not a torn
 * tail: the load fails rather than drop acknowledged changes.
 */
#ifndef TAGDAX_FABRIC_JOURNAL_H
#define TAGDAX_FABRIC_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "dcd.h"

#define JOURNAL_FILE "dcd.journal"

enum journal_kind {
	JOURNAL_CMD = 1,         /* a command that changed the state */
	JOURNAL_DROP_CHAINS = 2, /* a host's unfinished More chains dropped */
	JOURNAL_SANITIZED = 3,   /* quarantined ranges zeroed and freed */
};

struct journal {
	char dir[4096];
	int fd;             /* open for appending; -1 before journal_reset */
	uint64_t seq;       /* the next record's number */
	off_t size;         /* bytes on disk and synced */
	bool need_reset;    /* the file may hold an undone record: checkpoint */
	uint8_t *pend;      /* records not yet written */
	size_t npend, cappend;
	uint64_t pend_seq;  /* seq when pend was empty */
};

void journal_init(struct journal *j, const char *statedir);
void journal_close(struct journal *j);

/* Queue records (memory only): 0 or -ENOMEM. */
int journal_cmd(struct journal *j, int port, uint16_t opcode, uint16_t rc, uint64_t clock_ns,
		const void *in, size_t inlen, const void *out, size_t outlen);
int journal_drop_chains(struct journal *j, unsigned int host);
int journal_sanitized(struct journal *j, const struct dcd_range *r, uint32_t n);
bool journal_pending(const struct journal *j);
/* Forget the queued records (their changes were undone). */
void journal_discard(struct journal *j);

/* Write the queued records and fdatasync: 0 once they are durable.  On
 * failure the file is cut back to what was durable (or need_reset set). */
int journal_commit(struct journal *j);

/* Checkpoint: save img as the state image, then start an empty journal
 * naming it (temporary, fsync, rename, directory fsync).  Queued records
 * are dropped: the image holds them. */
int journal_checkpoint(struct journal *j, const uint8_t *img, size_t len);

struct journal_stats {
	uint32_t records;  /* replayed */
	size_t dropped;    /* bytes of a torn tail */
	bool stale;        /* a journal that an image already holds */
};

/*
 * Load the state: the image into d (built from the configuration), then
 * the journal replayed over it, reading at most `limit` bytes of it
 * (-1: all).  Changes no file but a temporary image (state_read).  0,
 * -ENOENT when there is no image (a fresh fabric), -EBADMSG/-ESTALE with
 * a sentence in err.
 */
int state_load(const char *statedir, struct dcd *d, off_t limit, struct journal_stats *st,
	       char *err, size_t errlen);

/* Replay a journal's bytes over d (the fuzzer's entry; state_load's
 * second half).  image_hash: the hash of the image d was loaded from. */
int journal_replay(struct dcd *d, const uint8_t *buf, size_t len, uint64_t image_hash,
		   struct journal_stats *st, char *err, size_t errlen);
uint64_t journal_image_hash(const uint8_t *img, size_t len);
/* The header of an empty journal following img (JOURNAL_HEADER bytes). */
#define JOURNAL_HEADER 28
void journal_header(uint8_t out[JOURNAL_HEADER], uint64_t image_hash);

#endif /* TAGDAX_FABRIC_JOURNAL_H */
