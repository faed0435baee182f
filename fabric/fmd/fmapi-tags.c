// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The tag commands of CXL r3.2: Dynamic Capacity Add Reference (5606h),
 * Remove Reference (5607h) and List Tags (5608h).
 *
 * 5606h/5607h: the FM's reference pins a tag's sharable capacity, which then
 * outlives its last host (not freed, not zeroed) until 5607h drops it; the
 * bookkeeping is dcd-refs.c, the rules (which tags, twice, interactions)
 * are in fabric/README.md "Tag references".
 *
 * 5608h: every tag the device knows, in tag
 * byte order, with a reference bitmap (the LDs, our host ids, that hold
 * capacity with the tag) and a pending reference bitmap (the LDs it has
 * been offered to in an Add that the host has not answered yet).  This is
 * how an orchestrator sees offers still pending: 5603h lists only what
 * hosts accepted.  A group a forced release killed is no longer offered and
 * is not listed.  Untagged capacity has no tag and is not listed either.
 *
 * A tag the FM references is listed with the FM flag set, even when no host
 * holds it or is offered it (both bitmaps empty).
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
	uint8_t flags;
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

/* One row per tag occurrence (a list entry, a live offered group, an FM
 * reference). */
static struct tag_row *rows_collect(const struct dcd *d, uint32_t *n)
{
	uint32_t cap = 1, k = 0;
	struct tag_row *r;

	for (unsigned int i = 0; i < d->nhosts; i++)
		cap += d->host[i].nlist + d->host[i].npending;
	cap += d->nfmref;
	r = calloc(cap, sizeof(*r));
	for (uint32_t i = 0; r && i < d->nfmref; i++) {
		memcpy(r[k].tag, d->fmref[i].b, 16);
		r[k++].flags = CCI_TAG_FM_REF;
	}
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
			r[out - 1].flags |= r[i].flags;
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

/* FNV-1a over the table (flags included: a reference taken or dropped
 * changes the generation). */
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
		e.flags = r[start + i].flags;
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

/* What 5606h may pin: a known tag, all of whose capacity is sharable. */
static int ref_target(const struct dcd *d, const uint8_t tag[16])
{
	uint32_t n = 0;

	if (dcd_tag_is_null(tag))
		return CCI_RC_INVALID_INPUT; /* untagged capacity cannot be named */
	for (uint32_t i = 0; i < d->ncaps; i++)
		if (!memcmp(d->caps[i].x.tag, tag, 16)) {
			/* Private capacity can be released in parts; a reference
			 * is on whole allocations, which only sharable ones are. */
			if (!d->region[d->caps[i].x.region].sharable)
				return CCI_RC_INVALID_INPUT;
			n++;
		}
	return n ? CCI_RC_SUCCESS : CCI_RC_INVALID_INPUT; /* unknown (or freed) tag */
}

int fm_add_reference(struct dcd_call *c)
{
	struct cci_fm_tag_ref_req req;
	int rc;

	memcpy(&req, c->in, sizeof(req));
	rc = ref_target(c->d, req.tag);
	if (rc)
		return rc;
	/* The FM holds at most one reference per tag: again is a no-op. */
	if (dcd_fm_ref_find(c->d, req.tag) >= 0)
		return CCI_RC_SUCCESS;
	if (dcd_fm_ref_reserve(c->d) < 0)
		return CCI_RC_INTERNAL;
	dcd_fm_ref_take(c->d, req.tag);
	c->changed = true;
	return CCI_RC_SUCCESS;
}

int fm_remove_reference(struct dcd_call *c)
{
	struct cci_fm_tag_ref_req req;

	memcpy(&req, c->in, sizeof(req));
	/* Unknown tag, or one the FM does not reference: nothing to remove. */
	if (dcd_tag_is_null(req.tag) || dcd_fm_ref_find(c->d, req.tag) < 0)
		return CCI_RC_INVALID_INPUT;
	if (dcd_reserve_caps(c->d, dcd_tag_caps(c->d, req.tag)) < 0)
		return CCI_RC_INTERNAL;
	dcd_fm_ref_drop(c->d, req.tag);
	c->changed = true;
	return CCI_RC_SUCCESS;
}
