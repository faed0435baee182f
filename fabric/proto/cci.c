// SPDX-License-Identifier: LGPL-2.1-or-later
/* CCI header fields and stream framing (see cci-codec.h). */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cci-codec.h"

/* Read buffer granularity: one read() takes up to this much. */
#define CCI_READ_CHUNK 65536

uint16_t cci_msg_opcode(const struct cci_msg *m)
{
	return (uint16_t)(m->command | (m->command_set << 8));
}

size_t cci_msg_payload_len(const struct cci_msg *m)
{
	/* bits[6:5] of byte 07h are reserved and BO is bit 7: not length. */
	return le16toh(m->len_lo) | ((size_t)(m->len_hi_bo & 0x1f) << 16);
}

unsigned int cci_msg_category(const struct cci_msg *m)
{
	return m->category & 0x0f;
}

uint16_t cci_msg_retcode(const struct cci_msg *m)
{
	return le16toh(m->return_code);
}

void cci_msg_init(struct cci_msg *m, enum cci_category cat, uint8_t tag, uint16_t opcode,
		  size_t payload_len, uint16_t retcode)
{
	memset(m, 0, sizeof(*m));
	m->category = (uint8_t)cat;
	m->tag = tag;
	m->command = (uint8_t)(opcode & 0xff);
	m->command_set = (uint8_t)(opcode >> 8);
	m->len_lo = htole16((uint16_t)(payload_len & 0xffff));
	m->len_hi_bo = (uint8_t)((payload_len >> 16) & 0x1f);
	m->return_code = htole16(retcode);
}

void cci_dc_extent_encode(struct cci_dc_extent *w, uint64_t dpa, uint64_t len,
			  const uint8_t tag[16], uint16_t seq)
{
	memset(w, 0, sizeof(*w));
	w->start_dpa = htole64(dpa);
	w->length = htole64(len);
	memcpy(w->tag, tag, sizeof(w->tag));
	w->shared_seq = htole16(seq);
}

void cci_dc_extent_decode(const struct cci_dc_extent *w, uint64_t *dpa, uint64_t *len,
			  uint8_t tag[16], uint16_t *seq)
{
	*dpa = le64toh(w->start_dpa);
	*len = le64toh(w->length);
	memcpy(tag, w->tag, sizeof(w->tag));
	*seq = le16toh(w->shared_seq);
}

#define CCI_OPCODE_ROW(sym, op, nm, on, len_rule, size)                                 \
	{ .opcode = op, .ports = on, .rule = len_rule, .req_len = size, .name = nm },
static const struct cci_opcode_info cci_opcodes[] = { CCI_OPCODES(CCI_OPCODE_ROW) };
#undef CCI_OPCODE_ROW

const struct cci_opcode_info *cci_opcode_info(uint16_t opcode)
{
	for (size_t i = 0; i < sizeof(cci_opcodes) / sizeof(cci_opcodes[0]); i++)
		if (cci_opcodes[i].opcode == opcode)
			return &cci_opcodes[i];
	return NULL;
}

const char *cci_opcode_name(uint16_t opcode)
{
	const struct cci_opcode_info *op = cci_opcode_info(opcode);

	return op ? op->name : "Unknown Command";
}

int cci_request_check(uint16_t opcode, unsigned int port, size_t len)
{
	const struct cci_opcode_info *op = cci_opcode_info(opcode);

	if (!op || !(op->ports & port))
		return CCI_RC_UNSUPPORTED;
	if (op->rule == CCI_LEN_EXACT ? len != op->req_len : len < op->req_len)
		return CCI_RC_INVALID_PAYLOAD_LENGTH;
	return CCI_RC_SUCCESS;
}

const char *cci_retcode_name(uint16_t rc)
{
	static const char *const names[] = {
		[0x00] = "Success",
		[0x01] = "Background Command Started",
		[0x02] = "Invalid Input",
		[0x03] = "Unsupported",
		[0x04] = "Internal Error",
		[0x05] = "Retry Required",
		[0x06] = "Busy",
		[0x07] = "Media Disabled",
		[0x0e] = "Invalid Handle",
		[0x0f] = "Invalid Physical Address",
		[0x12] = "Aborted",
		[0x15] = "Unsupported Mailbox or CCI",
		[0x16] = "Invalid Payload Length",
		[0x17] = "Invalid Log",
		[0x1d] = "Resources Exhausted",
		[0x1e] = "Invalid Extent List",
		[0x1f] = "Transfer Out of Order",
	};

	if (rc < sizeof(names) / sizeof(names[0]) && names[rc])
		return names[rc];
	return "Unknown Return Code";
}

void cci_stream_init(struct cci_stream *s, size_t limit)
{
	memset(s, 0, sizeof(*s));
	s->limit = limit;
}

void cci_stream_release(struct cci_stream *s)
{
	free(s->buf);
	memset(s, 0, sizeof(*s));
}

static int reserve(struct cci_stream *s, size_t need)
{
	uint8_t *nb;
	size_t cap;

	if (need <= s->cap)
		return 0;
	cap = s->cap ? s->cap : CCI_READ_CHUNK;
	while (cap < need)
		cap *= 2;
	nb = realloc(s->buf, cap);
	if (!nb)
		return -ENOMEM;
	s->buf = nb;
	s->cap = cap;
	return 0;
}

/* Drop the payload of an oversized message as it arrives. */
static void drop_skipped(struct cci_stream *s)
{
	size_t n = s->skip < s->len ? s->skip : s->len;

	if (!n)
		return;
	memmove(s->buf, s->buf + n, s->len - n);
	s->len -= n;
	s->skip -= n;
}

ssize_t cci_stream_fill(struct cci_stream *s, int fd)
{
	ssize_t n;

	if (reserve(s, s->len + CCI_READ_CHUNK) < 0)
		return -ENOMEM;
	do
		n = read(fd, s->buf + s->len, s->cap - s->len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	s->len += (size_t)n;
	drop_skipped(s);
	return n;
}

int cci_stream_push(struct cci_stream *s, const void *data, size_t n)
{
	if (reserve(s, s->len + n) < 0)
		return -ENOMEM;
	memcpy(s->buf + s->len, data, n);
	s->len += n;
	drop_skipped(s);
	return 0;
}

enum cci_frame cci_stream_next(struct cci_stream *s, const struct cci_msg **msg, size_t *len)
{
	const struct cci_msg *m;
	size_t plen;

	if (s->skip || s->len < CCI_HDR_SIZE)
		return CCI_FRAME_NONE;
	m = (const struct cci_msg *)s->buf;
	plen = cci_msg_payload_len(m);
	*msg = m;
	if (plen > s->limit) {
		s->pending = CCI_HDR_SIZE;
		s->pending_skip = plen;
		*len = CCI_HDR_SIZE;
		return CCI_FRAME_OVERSIZE;
	}
	if (s->len < CCI_HDR_SIZE + plen)
		return CCI_FRAME_NONE;
	s->pending = CCI_HDR_SIZE + plen;
	*len = s->pending;
	return CCI_FRAME_MSG;
}

void cci_stream_consume(struct cci_stream *s)
{
	memmove(s->buf, s->buf + s->pending, s->len - s->pending);
	s->len -= s->pending;
	s->pending = 0;
	s->skip = s->pending_skip;
	s->pending_skip = 0;
	drop_skipped(s);
}

size_t cci_stream_buffered(const struct cci_stream *s)
{
	return s->len;
}
