// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Dynamic Capacity List Tags (5608h): every tag the device knows, in tag
 * byte order, with a reference bitmap (the LDs, our host ids, that hold
 * capacity with the tag) and a pending reference bitmap (the LDs it has
 * been offered to in an Add that the host has not answered yet).  This is
 * how an orchestrator sees offers still pending: 5603h lists only what
 * hosts accepted.  A group a forced release killed is no longer offered and
 * is not listed.  Untagged capacity has no tag and is not listed either.
 *
 * The FM holds no references (5606h is not served), so the FM flag is 0.
 * The generation number is a hash of the whole table: it changes whenever
 * the table does and needs no state of its own (it is the same after a
 * restart, as the table is).  Host ids above 255 have no bit in the 256-bit
 * bitmaps; their tags are still listed.
 */
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "dcd.h"

struct tag_row {
	uint8_t tag[16];
	uint8_t ref[32], pending[32];
};

static int row_cmp(const void *a, const void *b)
{
	return memcmp(((const struct tag_row *)a)->tag, ((const struct tag_row *)b)->tag, 16);
}

static void row_set(struct tag_row *r, const uint8_t tag[16], uint16_t id, bool pending)
{
	memset(r, 0, sizeof(*r));
	memcpy(r->tag, tag, 16);
	if (id < 256)
		(pending ? r->pending : r->ref)[id / 8] |= (uint8_t)(1u << (id % 8));
}

/* One row per tag occurrence (a list entry, a live offered group). */
static struct tag_row *rows_collect(const struct dcd *d, uint32_t *n)
{
	uint32_t cap = 1, k = 0;
	struct tag_row *r;

	for (unsigned int i = 0; i < d->nhosts; i++)
		cap += d->host[i].nlist + d->host[i].npending;
	r = calloc(cap, sizeof(*r));
	for (unsigned int i = 0; r && i < d->nhosts; i++) {
		const struct dcd_host *h = &d->host[i];

		for (uint32_t j = 0; j < h->nlist; j++)
			if (!dcd_tag_is_null(h->list[j].tag))
				row_set(&r[k++], h->list[j].tag, h->id, false);
		for (uint32_t g = 0; g < h->npending; g++)
			if (!h->pending[g].dead && !dcd_tag_is_null(h->pending[g].x[0].tag))
				row_set(&r[k++], h->pending[g].x[0].tag, h->id, true);
	}
	*n = k;
	return r;
}

/* Sort by tag and merge the rows of one tag into one; returns how many. */
static uint32_t rows_merge(struct tag_row *r, uint32_t n)
{
	uint32_t out = 0;

	if (n)
		qsort(r, n, sizeof(*r), row_cmp);
	for (uint32_t i = 0; i < n; i++) {
		if (out && !memcmp(r[out - 1].tag, r[i].tag, 16)) {
			for (unsigned int b = 0; b < 32; b++) {
				r[out - 1].ref[b] |= r[i].ref[b];
				r[out - 1].pending[b] |= r[i].pending[b];
			}
			continue;
		}
		r[out++] = r[i];
	}
	return out;
}

/* FNV-1a over the table. */
static uint32_t rows_generation(const struct tag_row *r, uint32_t n)
{
	const uint8_t *p = (const uint8_t *)r;
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < (size_t)n * sizeof(*r); i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

int fm_list_tags(struct dcd_call *c)
{
	struct cci_fm_list_tags_req req;
	struct cci_fm_list_tags_rsp rsp = { 0 };
	size_t fit = (c->outcap - sizeof(rsp)) / sizeof(struct cci_fm_tag_entry);
	uint32_t n, start, want;
	struct tag_row *r;

	memcpy(&req, c->in, sizeof(req));
	r = rows_collect(c->d, &n);
	if (!r)
		return CCI_RC_INTERNAL;
	n = rows_merge(r, n);
	start = le32toh(req.start_index);
	if (start > n) {
		free(r);
		return CCI_RC_INVALID_INPUT;
	}
	want = le32toh(req.max_tags);
	if (want > n - start)
		want = n - start;
	if (want > fit)
		want = (uint32_t)fit;
	for (uint32_t i = 0; i < want; i++) {
		struct cci_fm_tag_entry e = { 0 };

		memcpy(e.tag, r[start + i].tag, 16);
		memcpy(e.ref, r[start + i].ref, 32);
		memcpy(e.pending, r[start + i].pending, 32);
		memcpy(c->out + sizeof(rsp) + (size_t)i * sizeof(e), &e, sizeof(e));
	}
	rsp.generation = htole32(rows_generation(r, n));
	rsp.total = htole32(n);
	rsp.returned = htole32(want);
	rsp.validity = CCI_TAGS_REF_VALID | CCI_TAGS_PENDING_VALID;
	memcpy(c->out, &rsp, sizeof(rsp));
	c->outlen = sizeof(rsp) + (size_t)want * sizeof(struct cci_fm_tag_entry);
	free(r);
	return CCI_RC_SUCCESS;
}
