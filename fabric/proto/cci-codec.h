/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CCI message codec and stream framing.  cci.h holds the wire images; this
 * header reads and writes the message header fields that are split across
 * bytes (opcode, 21-bit payload length) and cuts a byte stream into
 * messages.  Messages travel back to back on a Unix stream socket, so a
 * reader must reassemble them and must survive a peer that lies about the
 * length: a header announcing more than the reader's limit is reported as
 * CCI_FRAME_OVERSIZE and its payload is skipped (the stream resynchronises
 * on the next header).
 */
#ifndef TAGDAX_FABRIC_CCI_CODEC_H
#define TAGDAX_FABRIC_CCI_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "cci.h"

#define CCI_HDR_SIZE sizeof(struct cci_msg)

uint16_t cci_msg_opcode(const struct cci_msg *m);
size_t cci_msg_payload_len(const struct cci_msg *m);
unsigned int cci_msg_category(const struct cci_msg *m);
uint16_t cci_msg_retcode(const struct cci_msg *m);

/* Fill a header: category, tag, opcode, payload length, return code. */
void cci_msg_init(struct cci_msg *m, enum cci_category cat, uint8_t tag, uint16_t opcode,
		  size_t payload_len, uint16_t retcode);

/* A DC extent (Table 8-51) to and from host order; encoding zeroes the
 * reserved bytes. */
void cci_dc_extent_encode(struct cci_dc_extent *w, uint64_t dpa, uint64_t len,
			  const uint8_t tag[16], uint16_t seq);
void cci_dc_extent_decode(const struct cci_dc_extent *w, uint64_t *dpa, uint64_t *len,
			  uint8_t tag[16], uint16_t *seq);

/* A human name for a return code ("Invalid Input"), for logs and CLIs. */
const char *cci_retcode_name(uint16_t rc);

/* A command of cci-opcodes.h: its spec name and request rules. */
struct cci_opcode_info {
	uint16_t opcode;
	uint8_t ports;            /* CCI_ON_* */
	uint8_t rule;             /* enum cci_len_rule */
	uint32_t req_len;         /* the request's (fixed part's) size */
	const char *name;         /* "Initiate Dynamic Capacity Add" */
};

/* The row of an opcode, NULL for one this fabric does not know. */
const struct cci_opcode_info *cci_opcode_info(uint16_t opcode);
/* Its spec name, for logs and CLIs; "Unknown Command" if not known. */
const char *cci_opcode_name(uint16_t opcode);
/* Whether a request may run: CCI_RC_UNSUPPORTED for an unknown opcode or
 * one not served on the port (CCI_ON_*), CCI_RC_INVALID_PAYLOAD_LENGTH
 * for a payload the length rule refuses, else CCI_RC_SUCCESS. */
int cci_request_check(uint16_t opcode, unsigned int port, size_t len);

enum cci_frame {
	CCI_FRAME_NONE,     /* need more bytes */
	CCI_FRAME_MSG,      /* a whole message */
	CCI_FRAME_OVERSIZE, /* a header announcing more than the limit */
};

struct cci_stream {
	uint8_t *buf;
	size_t len, cap;
	size_t limit;   /* largest payload accepted */
	size_t skip;    /* payload bytes of an oversized message still to drop */
	size_t pending; /* bytes of the message handed out by cci_stream_next */
	size_t pending_skip; /* payload to drop once that (oversized) header goes */
};

void cci_stream_init(struct cci_stream *s, size_t limit);
void cci_stream_release(struct cci_stream *s);

/* Read what fd has (non-blocking): bytes read, 0 at end of file, or -errno
 * (-EAGAIN when nothing is there). */
ssize_t cci_stream_fill(struct cci_stream *s, int fd);
/* Append bytes that came from elsewhere (tests, other transports). */
int cci_stream_push(struct cci_stream *s, const void *data, size_t n);

/* The next message: CCI_FRAME_MSG with *msg and *len (header + payload)
 * valid until cci_stream_consume(); CCI_FRAME_OVERSIZE with *msg pointing at
 * the header only (consume then drops the payload as it arrives). */
enum cci_frame cci_stream_next(struct cci_stream *s, const struct cci_msg **msg, size_t *len);
void cci_stream_consume(struct cci_stream *s);
/* Bytes buffered that do not yet form a message. */
size_t cci_stream_buffered(const struct cci_stream *s);

/* What the FM, the device and a host all say about extents: two ranges
 * [a, a+alen) and [b, b+blen) share a byte; a tag is the null UUID
 * (untagged capacity).  Here, not in the device model, so that the host
 * agent needs only the protocol. */
static inline bool cci_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

static inline bool cci_tag_is_null(const uint8_t tag[16])
{
	for (int i = 0; i < 16; i++)
		if (tag[i])
			return false;
	return true;
}

#endif /* TAGDAX_FABRIC_CCI_CODEC_H */
