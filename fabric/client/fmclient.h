/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A small CCI client: one Unix stream connection to a CCI endpoint (the FM
 * API socket or a host mailbox), one request at a time, each answered by the
 * response that carries its message tag.  Responses are checked the way a
 * careful client checks them (category, tag, opcode, lengths) before a byte
 * of their payload is believed; a connection that misbehaves or times out is
 * dropped, so a late answer can never be taken for the next one.
 *
 * Commands are decoded into host-order structs here; the packed wire images
 * stay in cci.h.
 */
#ifndef TAGDAX_FABRIC_FMCLIENT_H
#define TAGDAX_FABRIC_FMCLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#include "cci.h"

struct fmc {
	char *path;
	int fd;          /* -1 until connected; reconnects on the next call */
	uint8_t next_tag;
	int timeout_ms;  /* per call; -1: no limit */
};

/* Connects to the socket at path.  0 or a negative errno. */
int fmc_open(struct fmc *c, const char *path, int timeout_ms);
void fmc_close(struct fmc *c);

/*
 * Sends one request and reads its response.  Returns a negative errno for a
 * transport failure (-ETIMEDOUT, -ECONNRESET, -EPROTO for a malformed
 * response), else the response's CCI return code (0 = Success).  *rsp is a
 * malloc'ed copy of the payload (NULL when empty); pass rsp NULL to drop it.
 */
int fmc_call(struct fmc *c, uint16_t opcode, const void *req, size_t req_len,
	     void **rsp, size_t *rsp_len);

/* A sentence saying what a return code means for the user; the spec's name
 * of the code is cci_retcode_name() (cci-codec.h). */
const char *cci_rc_sentence(int rc);

/* ---- decoded types ---- */

struct fmc_extent {
	uint64_t dpa;
	uint64_t len;
	uint8_t tag[16];
	uint16_t seq;
};

struct fmc_region {
	uint64_t base;
	uint64_t length;
	uint64_t block;
	uint8_t attr1;   /* 5601h Attributes1 (CCI_ATTR1_*); 0 from 4800h */
	uint8_t flags;   /* bit0 sanitize on release */
	uint32_t dsmad;  /* 4800h only */
};

struct fmc_event {
	uint16_t handle;
	uint8_t type;    /* enum cci_dc_event_type */
	bool more;
	uint16_t host_id;
	uint8_t region_index;
	uint64_t timestamp;
	struct fmc_extent ext;
};

struct fmc_events {
	bool overflow;
	bool more;       /* the log holds more records than were returned */
	unsigned int count;
	struct fmc_event *ev;
};

/* ---- event logs (0100h / 0101h) ---- */
int fmc_get_events(struct fmc *c, uint8_t log, struct fmc_events *out);
void fmc_events_free(struct fmc_events *ev);
/* Clears handles (oldest first); all = Clear All (only after overflow). */
int fmc_clear_events(struct fmc *c, uint8_t log, const uint16_t *handles, unsigned int n,
		     bool all);

/* ---- host mailbox (48xxh) ---- */
int fmc_dc_config(struct fmc *c, struct fmc_region regions[8], unsigned int *n);
/* The whole accepted-extent list, read page by page; restarts if the
 * generation changes under the walk.  *ext is malloc'ed. */
int fmc_dc_extents(struct fmc *c, struct fmc_extent **ext, uint32_t *n);
/* 4802h (Add Dynamic Capacity Response) or 4803h (Release Dynamic Capacity)
 * for n extents, More-chained when they do not fit one message. */
int fmc_dc_respond(struct fmc *c, uint16_t opcode, const struct fmc_extent *ext, uint32_t n);

/* ---- FM API (56xxh) ---- */
int fmc_host_regions(struct fmc *c, uint16_t host, struct fmc_region regions[8],
		     unsigned int *n);
int fmc_host_extents(struct fmc *c, uint16_t host, struct fmc_extent **ext, uint32_t *n);

/* 5608h Dynamic Capacity List Tags, decoded.  Bit n of a bitmap is host
 * (LD) id n; fmc_tag_has() reads it (false for ids above 255). */
struct fmc_tag {
	uint8_t tag[16];
	bool fm_ref;
	uint8_t ref[32];     /* hosts that hold capacity with the tag */
	uint8_t pending[32]; /* hosts it is offered to, not yet accepted */
};
/* Every tag, read page by page; restarts if the generation changes under
 * the walk.  *tags is malloc'ed. */
int fmc_list_tags(struct fmc *c, struct fmc_tag **tags, uint32_t *n);
bool fmc_tag_has(const uint8_t bitmap[32], uint16_t host);

struct fmc_change {
	uint16_t host;
	uint8_t flags;   /* 5604h: policy; 5605h: policy | forced | sanitize */
	uint8_t region;
	uint64_t length;
	uint8_t tag[16];
	const struct fmc_extent *ext; /* prescriptive only */
	uint32_t count;
};
/* 5604h Initiate Dynamic Capacity Add or 5605h ... Release. */
int fmc_dc_change(struct fmc *c, uint16_t opcode, const struct fmc_change *req);

#endif /* TAGDAX_FABRIC_FMCLIENT_H */
