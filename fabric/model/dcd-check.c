// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The bookkeeping invariants of the DCD model (see dcd.h), checked after
 * loading a saved state and after every command in the tests: the tree of
 * the caps' order holds each cap once, in DPA order; caps aligned and
 * inside their regions, never free space at the same time,
 * allocated + quarantined + free = region; every extent a host holds or was offered is
 * exactly a cap; each cap's count equals the hosts that hold, were
 * offered, or are still revoking it, plus one when the FM references its
 * tag; a revoking range's record (when it was logged) is still in the
 * host's log; the FM's references are sorted, distinct, non-null tags, each
 * naming at least one cap, all of them sharable; the tag indexes
 * (dcd-index.c) count exactly what the caps, lists and offers hold.
 */
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dcd.h"

static int bad(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EUCLEAN;
}

static bool same_extent(const struct dcd_extent *a, const struct dcd_extent *b)
{
	return a->dpa == b->dpa && a->len == b->len && !memcmp(a->tag, b->tag, 16) &&
	       a->seq == b->seq && a->region == b->region;
}

/* An extent someone holds or was offered must be exactly a cap. */
static int check_is_cap(const struct dcd *d, const struct dcd_extent *x, uint32_t *refs,
			const char *who, char *err, size_t errlen)
{
	int i = dcd_cap_find(d, x->dpa);

	if (i < 0 || !same_extent(&d->caps[i].x, x))
		return bad(err, errlen, "%s extent %#" PRIx64 "+%#" PRIx64 " is not a cap", who,
			   x->dpa, x->len);
	refs[i]++;
	return 0;
}

/* Force-released capacity the host is revoking: a cap it still counts
 * for, apart from what it holds, with its record still in the log. */
static int check_revoking(const struct dcd *d, const struct dcd_host *h, uint32_t *refs,
			  char *err, size_t errlen)
{
	for (uint32_t i = 0; i < h->nrevoke; i++) {
		const struct dcd_revoke *r = &h->revoke[i];
		bool logged = !r->handle;
		int rc = check_is_cap(d, &r->x, refs, h->name, err, errlen);

		if (rc)
			return rc;
		if (dcd_host_overlaps(h, r->x.dpa, r->x.len, false))
			return bad(err, errlen, "host %s holds capacity it is revoking", h->name);
		for (uint32_t k = 0; k < i; k++)
			if (dcd_overlap(h->revoke[k].x.dpa, h->revoke[k].x.len, r->x.dpa, r->x.len))
				return bad(err, errlen, "host %s revokes overlapping ranges", h->name);
		for (uint32_t j = 0; j < h->log.n && !logged; j++)
			logged = le16toh(h->log.rec[j].hdr.handle) == r->handle &&
				 h->log.rec[j].type == CCI_DC_EVENT_FORCED_RELEASE;
		/* A record is only ever owed while the log is full. */
		if (!logged || (!r->handle && evlog_room(&h->log)))
			return bad(err, errlen, "host %s: revoking range %u has no record", h->name,
				   i);
	}
	return 0;
}

/* Caps are named by their rank in DPA order (as in the state image).
 * rank[] maps a cap's index to it. */
static int check_caps(const struct dcd *d, const uint32_t *order, char *err, size_t errlen)
{
	uint64_t used[FABRIC_MAX_REGIONS] = { 0 };

	for (uint32_t i = 0; i < d->ncaps; i++) {
		const struct dcd_extent *x = &d->caps[order[i]].x;
		const struct dcd_region *r;

		if (x->region >= d->nregions || dcd_region_of(d, x->dpa, x->len) != x->region)
			return bad(err, errlen, "cap %u is outside its region", i);
		r = &d->region[x->region];
		if (!x->len || x->dpa % r->block_size || x->len % r->block_size)
			return bad(err, errlen, "cap %u is not block aligned", i);
		if (i && d->caps[order[i - 1]].x.dpa + d->caps[order[i - 1]].x.len > x->dpa)
			return bad(err, errlen, "caps %u and %u overlap or are out of order", i - 1,
				   i);
		if (!fabric_alloc_is_used(r->free, x->dpa, x->len))
			return bad(err, errlen, "cap %u is also free space", i);
		if (r->sharable && dcd_tag_is_null(x->tag))
			return bad(err, errlen, "cap %u is sharable and untagged", i);
		used[x->region] += x->len;
	}
	/* Quarantined ranges: inside a region, aligned, neither free nor a
	 * cap nor another quarantined range. */
	for (uint32_t i = 0; i < d->ndirty; i++) {
		const struct dcd_range *x = &d->dirty[i];
		int r = dcd_region_of(d, x->dpa, x->len);

		if (r < 0 || !x->len || x->dpa % d->region[r].block_size ||
		    x->len % d->region[r].block_size)
			return bad(err, errlen, "quarantined range %u is not a block range of a region",
				   i);
		if (!fabric_alloc_is_used(d->region[r].free, x->dpa, x->len))
			return bad(err, errlen, "quarantined range %u is also free space", i);
		for (uint32_t k = 0; k < d->ncaps; k++)
			if (dcd_overlap(d->caps[k].x.dpa, d->caps[k].x.len, x->dpa, x->len))
				return bad(err, errlen, "quarantined range %u is allocated", i);
		for (uint32_t k = 0; k < i; k++)
			if (dcd_overlap(d->dirty[k].dpa, d->dirty[k].len, x->dpa, x->len))
				return bad(err, errlen, "quarantined ranges %u and %u overlap", k, i);
		used[r] += x->len;
	}
	for (unsigned int i = 0; i < d->nregions; i++)
		if (used[i] + fabric_alloc_avail(d->region[i].free) != d->region[i].length)
			return bad(err, errlen, "region %u: allocated + free != length", i);
	return 0;
}

/* The FM's tag references, and the cap references they count for. */
static int check_fm_refs(const struct dcd *d, const uint32_t *rank, uint32_t *refs, char *err,
			 size_t errlen)
{
	for (uint32_t i = 0; i < d->nfmref; i++) {
		const uint8_t *tag = d->fmref[i].b;
		uint32_t n = 0;

		if (dcd_tag_is_null(tag))
			return bad(err, errlen, "FM reference %u is on the null tag", i);
		if (i && memcmp(d->fmref[i - 1].b, tag, 16) >= 0)
			return bad(err, errlen, "FM references %u and %u are out of order", i - 1,
				   i);
		for (uint32_t k = 0; k < d->ncaps; k++) {
			if (memcmp(d->caps[k].x.tag, tag, 16))
				continue;
			if (!d->region[d->caps[k].x.region].sharable)
				return bad(err, errlen, "FM reference %u pins private cap %u", i,
					   rank[k]);
			refs[k]++;
			n++;
		}
		if (!n)
			return bad(err, errlen, "FM reference %u names no capacity", i);
	}
	return 0;
}

/* Does index m hold exactly what truth t (built from scratch) holds? */
static bool same_counts(const struct dcd_tagmap *m, const struct dcd_tagmap *t)
{
	if (m->n != t->n)
		return false;
	for (uint32_t i = 0; i < t->cap; i++) {
		const struct dcd_tagcount *want = &t->slot[i], *got;

		if (!want->a && !want->b)
			continue;
		got = dcd_tagmap_get(m, want->tag);
		if (!got || got->a != want->a || got->b != want->b)
			return false;
	}
	return true;
}

/* The indexes against a recount of the caps, lists and live offers. */
static int check_indexes(const struct dcd *d, char *err, size_t errlen)
{
	struct dcd_tagmap t = { 0 };
	int rc = 0;

	for (uint32_t i = 0; i < d->ncaps && !rc; i++)
		rc = dcd_tagmap_add(&t, d->caps[i].x.tag, 1, 0);
	if (!rc && !same_counts(&d->tags, &t))
		rc = bad(err, errlen, "the device's tag index does not match its caps");
	for (unsigned int hi = 0; hi < d->nhosts && !rc; hi++) {
		const struct dcd_host *h = &d->host[hi];
		uint32_t offered = 0;

		dcd_tagmap_clear(&t);
		for (uint32_t i = 0; i < h->nlist && !rc; i++)
			rc = dcd_tagmap_add(&t, h->list[i].tag, 1, 0);
		for (uint32_t g = 0; g < h->npending && !rc; g++)
			for (uint32_t i = 0; !h->pending[g].dead && i < h->pending[g].n && !rc; i++) {
				rc = dcd_tagmap_add(&t, h->pending[g].x[i].tag, 0, 1);
				offered++;
			}
		if (!rc && (!same_counts(&h->tags, &t) || h->noffered != offered))
			rc = bad(err, errlen, "host %s: tag index does not match its extents",
				 h->name);
	}
	dcd_tagmap_free(&t);
	return rc;
}

/* The tree of the caps' order: each cap exactly once.  order[] receives
 * the indexes in DPA order, rank[] each index's place in it. */
static int check_order(const struct dcd *d, uint32_t *order, uint32_t *rank, char *err,
		       size_t errlen)
{
	if (dcd_caps_in_order(d, order) != d->ncaps)
		return bad(err, errlen, "the tree of the caps' order does not hold every cap");
	for (uint32_t i = 0; i < d->ncaps; i++)
		rank[i] = UINT32_MAX;
	for (uint32_t i = 0; i < d->ncaps; i++) {
		if (rank[order[i]] != UINT32_MAX)
			return bad(err, errlen, "the tree of the caps' order holds a cap twice");
		rank[order[i]] = i;
	}
	return 0;
}

int dcd_check(const struct dcd *d, char *err, size_t errlen)
{
	uint32_t *refs = calloc(d->ncaps + 1, sizeof(*refs));
	uint32_t *order = malloc((d->ncaps + 1) * sizeof(*order));
	uint32_t *rank = malloc((d->ncaps + 1) * sizeof(*rank));
	uint32_t *seen = calloc(d->ncaps + 1, sizeof(*seen)); /* host index + 1 */
	int rc = -ENOMEM;

	if (refs && order && rank && seen)
		rc = check_order(d, order, rank, err, errlen);
	if (!rc)
		rc = check_caps(d, order, err, errlen);
	if (!rc)
		rc = check_fm_refs(d, rank, refs, err, errlen);
	for (unsigned int hi = 0; hi < d->nhosts && !rc; hi++) {
		const struct dcd_host *h = &d->host[hi];

		for (uint32_t i = 0; i < h->nlist && !rc; i++) {
			int k;

			rc = check_is_cap(d, &h->list[i], refs, h->name, err, errlen);
			if (rc)
				break;
			/* Entries are caps, which never overlap: two entries
			 * overlap only as the same cap listed twice. */
			k = dcd_cap_find(d, h->list[i].dpa);
			if (seen[k] == hi + 1)
				rc = bad(err, errlen, "host %s holds overlapping extents", h->name);
			seen[k] = hi + 1;
		}
		for (uint32_t g = 0; g < h->npending && !rc; g++)
			for (uint32_t i = 0; !h->pending[g].dead && i < h->pending[g].n && !rc; i++)
				rc = check_is_cap(d, &h->pending[g].x[i], refs, h->name, err,
						  errlen);
		if (!rc)
			rc = check_revoking(d, h, refs, err, errlen);
		if (!rc && h->log.n > h->log.cap)
			rc = bad(err, errlen, "host %s: event log over its bound", h->name);
	}
	for (uint32_t i = 0; i < d->ncaps && !rc; i++) {
		uint32_t k = order[i];

		if (refs[k] != d->caps[k].refs || !refs[k])
			rc = bad(err, errlen, "cap %u has %u references, counted %u", i,
				 d->caps[k].refs, refs[k]);
	}
	free(refs);
	free(order);
	free(rank);
	free(seen);
	if (!rc)
		rc = check_indexes(d, err, errlen);
	return rc;
}
