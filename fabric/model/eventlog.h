/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A bounded Dynamic Capacity event log (log 04h), one per host and one for
 * the FM, and the Get/Clear Event Records commands (0100h/0101h) on it.
 * Records are stored as their 80h-byte wire images, oldest first.  When the
 * log is full a new record is dropped and the overflow fields count it, as
 * the spec's overflow rules say; commands that can refuse (adds, non-forced
 * releases) check evlog_room() first and answer Retry Required instead.
 */
#ifndef TAGDAX_FABRIC_EVENTLOG_H
#define TAGDAX_FABRIC_EVENTLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cci.h"

struct evlog {
	uint32_t cap;
	uint32_t n;
	struct cci_dc_event *rec;
	uint16_t next_handle; /* never 0: 0 means "no record" on the wire */
	uint16_t overflow_count;
	uint64_t first_overflow, last_overflow;
	bool notify; /* records appended since the server last looked; not saved */
};

int evlog_init(struct evlog *l, uint32_t cap);
void evlog_fini(struct evlog *l);
uint32_t evlog_room(const struct evlog *l);

/* Append one record: its handle and timestamp are assigned here. */
void evlog_append(struct evlog *l, const struct cci_dc_event *ev);

/* A Dynamic Capacity event record of the given type for an extent (wire
 * image in *x), with the More flag and the availability counters. */
void dc_event_build(struct cci_dc_event *ev, uint8_t type, uint16_t host_id,
		    const struct cci_dc_extent *x, bool more, uint32_t avail_extents,
		    uint32_t avail_tags);

/* 0100h on this log: fill out (at most cap bytes); returns a return code. */
int evlog_get(const struct evlog *l, void *out, size_t cap, size_t *outlen);
/* 0101h on this log, after the log number was checked; returns a return
 * code and clears nothing unless the whole request is valid. */
int evlog_clear(struct evlog *l, const void *in, size_t inlen);

uint64_t evlog_now_ns(void);
/* Until unpinned (0), evlog_now_ns() answers ns: a command and its journal
 * replay stamp their records with the same time. */
void evlog_clock_pin(uint64_t ns);

#endif /* TAGDAX_FABRIC_EVENTLOG_H */
