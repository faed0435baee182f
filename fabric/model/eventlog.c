// SPDX-License-Identifier: LGPL-2.1-or-later
/* The bounded DC event log and 0100h/0101h on it (see eventlog.h). */
#include <endian.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "eventlog.h"

static uint64_t pinned;

void evlog_clock_pin(uint64_t ns)
{
	pinned = ns;
}

uint64_t evlog_now_ns(void)
{
	struct timespec ts;

	if (pinned)
		return pinned;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int evlog_init(struct evlog *l, uint32_t cap)
{
	memset(l, 0, sizeof(*l));
	l->rec = calloc(cap ? cap : 1, sizeof(*l->rec));
	if (!l->rec)
		return -1;
	l->cap = cap;
	l->next_handle = 1;
	return 0;
}

void evlog_fini(struct evlog *l)
{
	free(l->rec);
	memset(l, 0, sizeof(*l));
}

uint32_t evlog_room(const struct evlog *l)
{
	return l->cap - l->n;
}

void evlog_append(struct evlog *l, const struct cci_dc_event *ev)
{
	uint64_t now = evlog_now_ns();
	struct cci_dc_event *r;

	if (l->n == l->cap) {
		if (!l->overflow_count)
			l->first_overflow = now;
		l->last_overflow = now;
		if (l->overflow_count < UINT16_MAX)
			l->overflow_count++;
		return;
	}
	r = &l->rec[l->n++];
	*r = *ev;
	r->hdr.handle = htole16(l->next_handle);
	r->hdr.timestamp = htole64(now);
	l->next_handle = l->next_handle == UINT16_MAX ? 1 : l->next_handle + 1;
	l->notify = true;
}

void dc_event_build(struct cci_dc_event *ev, uint8_t type, uint16_t host_id,
		    const struct cci_dc_extent *x, bool more, uint32_t avail_extents,
		    uint32_t avail_tags)
{
	static const uint8_t uuid[16] = CCI_DC_EVENT_UUID;

	memset(ev, 0, sizeof(*ev));
	memcpy(ev->hdr.id, uuid, sizeof(uuid));
	ev->hdr.length = sizeof(*ev);
	/* Severity Informational (flags 0), as the spec requires for DC events. */
	ev->type = type;
	ev->validity = 1; /* available extents/tags below are valid */
	if (type == CCI_DC_EVENT_ADD_RESPONSE || type == CCI_DC_EVENT_CAPACITY_RELEASED)
		ev->host_id = htole16(host_id);
	ev->flags = more ? CCI_DC_EVENT_MORE : 0;
	if (x)
		ev->extent = *x;
	ev->num_available_extents = htole32(avail_extents);
	ev->num_available_tags = htole32(avail_tags);
}

int evlog_get(const struct evlog *l, void *out, size_t cap, size_t *outlen)
{
	struct cci_get_events_rsp h = { 0 };
	size_t count = l->n, fit;

	if (cap < sizeof(h))
		return CCI_RC_INTERNAL;
	fit = (cap - sizeof(h)) / sizeof(struct cci_dc_event);
	if (count > fit)
		count = fit;
	if (count > UINT16_MAX)
		count = UINT16_MAX;
	if (l->overflow_count) {
		h.flags |= CCI_EVENT_RECORDS_OVERFLOW;
		h.overflow_count = htole16(l->overflow_count);
		h.first_overflow_ts = htole64(l->first_overflow);
		h.last_overflow_ts = htole64(l->last_overflow);
	}
	if (count < l->n)
		h.flags |= CCI_EVENT_RECORDS_MORE;
	h.record_count = htole16((uint16_t)count);
	memcpy(out, &h, sizeof(h));
	if (count)
		memcpy((uint8_t *)out + sizeof(h), l->rec, count * sizeof(struct cci_dc_event));
	*outlen = sizeof(h) + count * sizeof(struct cci_dc_event);
	return CCI_RC_SUCCESS;
}

static void reset_overflow(struct evlog *l)
{
	l->overflow_count = 0;
	l->first_overflow = l->last_overflow = 0;
}

int evlog_clear(struct evlog *l, const void *in, size_t inlen)
{
	struct cci_clear_events_req req;
	const uint8_t *hp = (const uint8_t *)in + sizeof(req);
	uint32_t pos[256], next = 0, kept = 0;
	bool all;

	memcpy(&req, in, sizeof(req));
	if (inlen != sizeof(req) + 2u * req.num_handles)
		return CCI_RC_INVALID_PAYLOAD_LENGTH;
	all = req.flags & CCI_CLEAR_ALL;
	if (all) {
		/* Clear All is for recovering from an overflow only. */
		if (req.num_handles || !l->overflow_count)
			return CCI_RC_INVALID_INPUT;
		l->n = 0;
		reset_overflow(l);
		return CCI_RC_SUCCESS;
	}
	/* Every handle must name a record, oldest to newest; check them all
	 * before clearing any. */
	for (unsigned int i = 0; i < req.num_handles; i++) {
		uint16_t h = (uint16_t)(hp[2 * i] | hp[2 * i + 1] << 8);
		uint32_t j = next;

		if (!h)
			return CCI_RC_INVALID_HANDLE;
		while (j < l->n && le16toh(l->rec[j].hdr.handle) != h)
			j++;
		if (j == l->n)
			return CCI_RC_INVALID_HANDLE;
		pos[i] = j;
		next = j + 1;
	}
	for (uint32_t j = 0, i = 0; j < l->n; j++) {
		if (i < req.num_handles && pos[i] == j) {
			i++;
			continue;
		}
		l->rec[kept++] = l->rec[j];
	}
	l->n = kept;
	if (!l->n)
		reset_overflow(l);
	return CCI_RC_SUCCESS;
}
