// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The commands the host agent and the `tagdax fabric` commands send, encoded
 * from and decoded into host-order structs.  Every response length is checked
 * against the counts it carries before a record is read.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cci-codec.h"
#include "fmclient.h"

#define EXTENT_PAGE 256     /* extents asked for per 4801h/5603h call */
#define RESPOND_CHUNK 512   /* updated extents per 4802h/4803h message */
#define WALK_RETRIES 8      /* list generation changes tolerated per walk */

/* A call whose response must be at least min bytes; frees it otherwise.
 * Only a success hands a payload back: a daemon may send one with an
 * error code, and callers return on errors without looking. */
static int call_min(struct fmc *c, uint16_t opcode, const void *req, size_t req_len,
		    void **rsp, size_t *len, size_t min)
{
	int rc = fmc_call(c, opcode, req, req_len, rsp, len);

	if (rc == 0 && *len < min)
		rc = -EPROTO;
	if (rc) {
		free(*rsp);
		*rsp = NULL;
	}
	return rc;
}

/* ---- event logs ---- */

static void event_decode(const struct cci_dc_event *r, struct fmc_event *e)
{
	static const uint8_t dc_uuid[16] = CCI_DC_EVENT_UUID;

	e->handle = le16toh(r->hdr.handle);
	e->timestamp = le64toh(r->hdr.timestamp);
	/* A record of another format can sit in a log we read; it is
	 * reported as type 0xff so callers clear it without acting on it. */
	e->type = memcmp(r->hdr.id, dc_uuid, 16) ? 0xff : r->type;
	e->more = r->flags & CCI_DC_EVENT_MORE;
	e->host_id = le16toh(r->host_id);
	e->region_index = r->region_index;
	cci_dc_extent_decode(&r->extent, &e->ext.dpa, &e->ext.len, e->ext.tag, &e->ext.seq);
}

int fmc_get_events(struct fmc *c, uint8_t log, struct fmc_events *out)
{
	struct cci_get_events_rsp *rsp;
	size_t len;
	int rc = call_min(c, CCI_GET_EVENT_RECORDS, &log, 1, (void **)&rsp, &len, sizeof(*rsp));

	memset(out, 0, sizeof(*out));
	if (rc)
		return rc;
	out->count = le16toh(rsp->record_count);
	if (len != sizeof(*rsp) + (size_t)out->count * sizeof(struct cci_dc_event)) {
		free(rsp);
		out->count = 0;
		return -EPROTO;
	}
	out->overflow = rsp->flags & CCI_EVENT_RECORDS_OVERFLOW;
	out->more = rsp->flags & CCI_EVENT_RECORDS_MORE;
	out->ev = calloc(out->count ? out->count : 1, sizeof(*out->ev));
	if (!out->ev) {
		free(rsp);
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < out->count; i++)
		event_decode(&rsp->records[i], &out->ev[i]);
	free(rsp);
	return 0;
}

void fmc_events_free(struct fmc_events *ev)
{
	free(ev->ev);
	memset(ev, 0, sizeof(*ev));
}

int fmc_clear_events(struct fmc *c, uint8_t log, const uint16_t *handles, unsigned int n,
		     bool all)
{
	uint8_t buf[sizeof(struct cci_clear_events_req) + 255 * 2];
	struct cci_clear_events_req *req = (void *)buf;
	int rc = 0;

	if (all) {
		memset(req, 0, sizeof(*req));
		req->log = log;
		req->flags = CCI_CLEAR_ALL;
		return fmc_call(c, CCI_CLEAR_EVENT_RECORDS, req, sizeof(*req), NULL, NULL);
	}
	while (rc == 0 && n) {
		unsigned int k = n > 255 ? 255 : n;

		memset(req, 0, sizeof(*req));
		req->log = log;
		req->num_handles = (uint8_t)k;
		for (unsigned int i = 0; i < k; i++) {
			uint16_t h = htole16(handles[i]);

			memcpy(buf + sizeof(*req) + 2 * i, &h, 2);
		}
		rc = fmc_call(c, CCI_CLEAR_EVENT_RECORDS, req, sizeof(*req) + 2 * k, NULL, NULL);
		handles += k;
		n -= k;
	}
	return rc;
}

/* ---- region configuration (4800h, 5601h) ---- */

int fmc_dc_config(struct fmc *c, struct fmc_region regions[8], unsigned int *n)
{
	struct cci_dc_config_req req = { .region_count = 8, .start_region = 0 };
	struct cci_dc_config_rsp *rsp;
	size_t len, want;
	int rc = call_min(c, CCI_GET_DC_CONFIG, &req, sizeof(req), (void **)&rsp, &len,
			  sizeof(*rsp));

	if (rc)
		return rc;
	*n = rsp->num_returned;
	want = sizeof(*rsp) + *n * sizeof(struct cci_dc_region_entry);
	if (*n > 8 || len < want || len > want + sizeof(struct cci_dc_limits)) {
		free(rsp);
		return -EPROTO;
	}
	for (unsigned int i = 0; i < *n; i++) {
		const struct cci_dc_region_entry *w = &rsp->regions[i];

		regions[i] = (struct fmc_region){
			.base = le64toh(w->base), .length = le64toh(w->length),
			.block = le64toh(w->block_size), .flags = w->flags,
			.dsmad = le32toh(w->dsmad_handle),
		};
	}
	free(rsp);
	return 0;
}

int fmc_host_regions(struct fmc *c, uint16_t host, struct fmc_region regions[8],
		     unsigned int *n)
{
	struct cci_fm_host_region_config_req req = {
		.host_id = htole16(host), .region_count = 8, .start_region = 0,
	};
	struct cci_fm_host_region_config_rsp *rsp;
	size_t len, want;
	int rc = call_min(c, CCI_FM_GET_HOST_DC_REGION_CONFIG, &req, sizeof(req),
			  (void **)&rsp, &len, sizeof(*rsp));

	if (rc)
		return rc;
	*n = rsp->num_returned;
	want = sizeof(*rsp) + *n * sizeof(struct cci_fm_region_entry);
	if (*n > 8 || le16toh(rsp->host_id) != host || len < want ||
	    len > want + sizeof(struct cci_dc_limits)) {
		free(rsp);
		return -EPROTO;
	}
	for (unsigned int i = 0; i < *n; i++) {
		const struct cci_fm_region_entry *w = &rsp->regions[i];

		regions[i] = (struct fmc_region){
			.base = le64toh(w->base), .length = le64toh(w->length),
			.block = le64toh(w->block_size), .attr1 = w->attr1,
			.flags = w->attr2 & CCI_ATTR2_SANITIZE_ON_RELEASE,
		};
	}
	free(rsp);
	return 0;
}

/* ---- extent lists (4801h, 5603h), read page by page ---- */

struct page {
	uint32_t start, returned, total, generation;
	const struct cci_dc_extent *ext;
	void *buf;
};

typedef int (*page_fn)(struct fmc *c, uint16_t host, uint32_t start, struct page *p);

static int page_4801(struct fmc *c, uint16_t host, uint32_t start, struct page *p)
{
	struct cci_dc_extent_list_req req = { htole32(EXTENT_PAGE), htole32(start) };
	struct cci_dc_extent_list_rsp *rsp;
	size_t len;
	int rc = call_min(c, CCI_GET_DC_EXTENT_LIST, &req, sizeof(req), &p->buf, &len,
			  sizeof(*rsp));

	(void)host;
	if (rc)
		return rc;
	rsp = p->buf;
	*p = (struct page){ start, le32toh(rsp->returned), le32toh(rsp->total),
			    le32toh(rsp->generation), rsp->extents, p->buf };
	return len == sizeof(*rsp) + (size_t)p->returned * sizeof(*p->ext) ? 0 : -EPROTO;
}

static int page_5603(struct fmc *c, uint16_t host, uint32_t start, struct page *p)
{
	struct cci_fm_extent_lists_req req = {
		.host_id = htole16(host), .extent_count = htole32(EXTENT_PAGE),
		.start_index = htole32(start),
	};
	struct cci_fm_extent_lists_rsp *rsp;
	size_t len;
	int rc = call_min(c, CCI_FM_GET_DC_REGION_EXTENT_LISTS, &req, sizeof(req), &p->buf,
			  &len, sizeof(*rsp));

	if (rc)
		return rc;
	rsp = p->buf;
	*p = (struct page){ le32toh(rsp->start_index), le32toh(rsp->returned),
			    le32toh(rsp->total), le32toh(rsp->generation), rsp->extents, p->buf };
	if (le16toh(rsp->host_id) != host || p->start != start)
		return -EPROTO;
	return len == sizeof(*rsp) + (size_t)p->returned * sizeof(*p->ext) ? 0 : -EPROTO;
}

/* Room for need extents in *v (doubling: a long list is many pages). */
static int grow(struct fmc_extent **v, uint32_t *cap, uint32_t need)
{
	uint32_t want = *cap > need / 2 ? 2 * *cap : need;
	struct fmc_extent *nv;

	if (need <= *cap)
		return 0;
	nv = reallocarray(*v, want, sizeof(**v));
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = want;
	return 0;
}

/* One pass over the list; -EAGAIN when the generation moved under it. */
static int walk_once(struct fmc *c, uint16_t host, page_fn fetch, struct fmc_extent **out,
		     uint32_t *n)
{
	struct fmc_extent *v = NULL;
	uint32_t got = 0, total = 0, gen = 0, cap = 0;
	int rc;

	do {
		struct page p = { 0 };

		rc = fetch(c, host, got, &p);
		if (rc == 0 && got > 0 && (p.generation != gen || p.total != total))
			rc = -EAGAIN;
		if (rc == 0 && (p.returned > EXTENT_PAGE || p.returned > p.total - got ||
				got > p.total || (p.returned == 0 && got < p.total)))
			rc = -EPROTO;
		/* Grown by what arrived, never sized by the total a daemon claims. */
		if (rc == 0 && p.returned && grow(&v, &cap, got + p.returned) < 0)
			rc = -ENOMEM;
		for (uint32_t i = 0; rc == 0 && i < p.returned; i++)
			cci_dc_extent_decode(&p.ext[i], &v[got + i].dpa, &v[got + i].len,
					     v[got + i].tag, &v[got + i].seq);
		got += rc == 0 ? p.returned : 0;
		total = p.total;
		gen = p.generation;
		free(p.buf);
	} while (rc == 0 && got < total);
	if (rc == 0 && !v && !(v = calloc(1, sizeof(*v))))
		rc = -ENOMEM;
	if (rc) {
		free(v);
		return rc;
	}
	*out = v;
	*n = got;
	return 0;
}

static int walk(struct fmc *c, uint16_t host, page_fn fetch, struct fmc_extent **out,
		uint32_t *n)
{
	int rc = -EAGAIN;

	*out = NULL;
	*n = 0;
	for (int i = 0; i < WALK_RETRIES && rc == -EAGAIN; i++)
		rc = walk_once(c, host, fetch, out, n);
	return rc;
}

int fmc_dc_extents(struct fmc *c, struct fmc_extent **ext, uint32_t *n)
{
	return walk(c, 0, page_4801, ext, n);
}

int fmc_host_extents(struct fmc *c, uint16_t host, struct fmc_extent **ext, uint32_t *n)
{
	return walk(c, host, page_5603, ext, n);
}

/* ---- 5608h ---- */

bool fmc_tag_has(const uint8_t bitmap[32], uint16_t host)
{
	return host < 256 && (bitmap[host / 8] >> (host % 8)) & 1;
}

/* One page of tags from start; the response head in *head. */
static int tags_page(struct fmc *c, uint32_t start, struct cci_fm_list_tags_rsp *head,
		     struct fmc_tag *out, uint32_t room)
{
	struct cci_fm_list_tags_req req = {
		.start_index = htole32(start), .max_tags = htole32(room),
	};
	struct cci_fm_list_tags_rsp *rsp;
	void *buf = NULL;
	size_t len;
	uint32_t k;
	int rc = call_min(c, CCI_FM_LIST_TAGS, &req, sizeof(req), &buf, &len, sizeof(*rsp));

	if (rc)
		return rc;
	rsp = buf;
	*head = *rsp;
	k = le32toh(rsp->returned);
	if (k > room || len != sizeof(*rsp) + (size_t)k * sizeof(rsp->tags[0]) ||
	    start > le32toh(rsp->total) || k > le32toh(rsp->total) - start ||
	    (room && !k && start < le32toh(rsp->total)))
		rc = -EPROTO;
	for (uint32_t i = 0; rc == 0 && i < k; i++) {
		memcpy(out[i].tag, rsp->tags[i].tag, 16);
		out[i].fm_ref = rsp->tags[i].flags & CCI_TAG_FM_REF;
		memcpy(out[i].ref, rsp->tags[i].ref, 32);
		memcpy(out[i].pending, rsp->tags[i].pending, 32);
	}
	head->returned = htole32(k);
	free(buf);
	return rc;
}

static int tags_walk_once(struct fmc *c, struct fmc_tag **tags, uint32_t *n)
{
	struct cci_fm_list_tags_rsp head;
	struct fmc_tag *v;
	uint32_t got = 0, total, gen;
	int rc = tags_page(c, 0, &head, NULL, 0); /* the total and generation */

	if (rc)
		return rc;
	total = le32toh(head.total);
	gen = head.generation;
	if (total > CCI_MAX_PAYLOAD || !(v = calloc(total ? total : 1, sizeof(*v))))
		return total > CCI_MAX_PAYLOAD ? -EPROTO : -ENOMEM;
	while (rc == 0 && got < total) {
		uint32_t room = total - got < EXTENT_PAGE ? total - got : EXTENT_PAGE;

		rc = tags_page(c, got, &head, &v[got], room);
		if (rc == 0 && (head.generation != gen || le32toh(head.total) != total))
			rc = -EAGAIN;
		got += rc == 0 ? le32toh(head.returned) : 0;
	}
	if (rc) {
		free(v);
		return rc;
	}
	*tags = v;
	*n = got;
	return 0;
}

int fmc_list_tags(struct fmc *c, struct fmc_tag **tags, uint32_t *n)
{
	int rc = -EAGAIN;

	for (int i = 0; i < WALK_RETRIES && rc == -EAGAIN; i++)
		rc = tags_walk_once(c, tags, n);
	return rc;
}

/* ---- 4802h / 4803h ---- */

static int respond_chunk(struct fmc *c, uint16_t opcode, const struct fmc_extent *ext,
			 uint32_t k, bool more)
{
	size_t len = sizeof(struct cci_dc_response) + k * sizeof(struct cci_updated_extent);
	struct cci_dc_response *req = calloc(1, len);
	int rc;

	if (!req)
		return -ENOMEM;
	req->count = htole32(k);
	req->flags = more ? CCI_DC_RESPONSE_MORE : 0;
	for (uint32_t i = 0; i < k; i++) {
		req->extents[i].start_dpa = htole64(ext[i].dpa);
		req->extents[i].length = htole64(ext[i].len);
	}
	rc = fmc_call(c, opcode, req, len, NULL, NULL);
	free(req);
	return rc;
}

int fmc_dc_respond(struct fmc *c, uint16_t opcode, const struct fmc_extent *ext, uint32_t n)
{
	int rc;

	do {
		uint32_t k = n > RESPOND_CHUNK ? RESPOND_CHUNK : n;

		rc = respond_chunk(c, opcode, ext, k, n > k);
		ext += k;
		n -= k;
	} while (rc == 0 && n);
	return rc;
}

/* ---- 5604h / 5605h ---- */

int fmc_dc_change(struct fmc *c, uint16_t opcode, const struct fmc_change *r)
{
	size_t len = sizeof(struct cci_fm_dc_change_req) + r->count * sizeof(struct cci_dc_extent);
	struct cci_fm_dc_change_req *req;
	int rc;

	if (len > CCI_MAX_PAYLOAD)
		return -E2BIG;
	req = calloc(1, len);
	if (!req)
		return -ENOMEM;
	req->host_id = htole16(r->host);
	req->flags = r->flags;
	req->region = r->region;
	req->length = htole64(r->length);
	memcpy(req->tag, r->tag, sizeof(req->tag));
	req->extent_count = htole32(r->count);
	for (uint32_t i = 0; i < r->count; i++)
		cci_dc_extent_encode(&req->extents[i], r->ext[i].dpa, r->ext[i].len, r->ext[i].tag,
				     r->ext[i].seq);
	rc = fmc_call(c, opcode, req, len, NULL, NULL);
	free(req);
	return rc;
}
