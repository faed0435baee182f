// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Initiate Dynamic Capacity Add (5604h): pick or check the capacity, take
 * it from the allocator (or, for Enable Shared Access, reuse the tag's
 * existing extents), and offer it to the host as one pending group: one Add
 * Capacity event record per extent, chained with More.  The host answers
 * with 4802h (mailbox.c).  Return codes per CXL r3.2 7.6.7.6.5.
 */
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "cci-codec.h"
#include "dcd.h"
#include "fmapi.h"

bool fm_payload_fits(size_t inlen, size_t head, uint32_t n, size_t sz)
{
	return inlen >= head && (inlen - head) % sz == 0 && (inlen - head) / sz == n;
}

int fm_read_extents(const uint8_t *in, uint32_t n, struct dcd_extent **out)
{
	struct dcd_extent *x = calloc(n ? n : 1, sizeof(*x));

	if (!x)
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		struct cci_dc_extent w;

		memcpy(&w, in + (size_t)i * sizeof(w), sizeof(w));
		cci_dc_extent_decode(&w, &x[i].dpa, &x[i].len, x[i].tag, &x[i].seq);
	}
	*out = x;
	return 0;
}

struct dcd_range *fm_ranges_of(const struct dcd_extent *x, uint32_t n)
{
	struct dcd_range *r = calloc(n ? n : 1, sizeof(*r));

	for (uint32_t i = 0; r && i < n; i++) {
		r[i].dpa = x[i].dpa;
		r[i].len = x[i].len;
	}
	return r;
}

/* Limits a new group must respect: the host's extent and tag tracking and
 * room in its event log (a full log means "retry", a group larger than the
 * whole log can never be announced). */
static int offer_check(const struct dcd *d, const struct dcd_host *h, uint32_t n,
		       const uint8_t tag[16])
{
	if (dcd_host_used_extents(h) + (uint64_t)n > d->max_extents)
		return CCI_RC_RESOURCES_EXHAUSTED;
	if (!dcd_tag_is_null(tag) && !dcd_host_has_tag(h, tag, true) &&
	    dcd_host_used_tags(h) >= d->max_tags)
		return CCI_RC_RESOURCES_EXHAUSTED;
	if (n > h->log.cap)
		return CCI_RC_RESOURCES_EXHAUSTED;
	if (evlog_room(&h->log) < n)
		return CCI_RC_RETRY;
	return CCI_RC_SUCCESS;
}

static int offer_reserve(struct dcd_host *h)
{
	return dcd_host_offer_reserve(h);
}

/* Queue the group (taking ownership of x) and announce it. */
static void offer(struct dcd *d, struct dcd_host *h, struct dcd_extent *x, uint32_t n)
{
	dcd_host_offer(h, x, n);
	for (uint32_t i = 0; i < n; i++)
		dcd_host_event(d, h, CCI_DC_EVENT_ADD_CAPACITY, &x[i], i + 1 < n, 0);
}

/* Plan the pieces of a Free or Contiguous add without touching anything. */
static int plan(const struct dcd_region *r, uint64_t len, bool contiguous, uint32_t max,
		struct dcd_range **out, uint32_t *n)
{
	struct fabric_range fr;
	struct dcd_range *p = NULL;
	uint32_t k = 0, cap = 0;
	uint64_t left = len, addr = r->base, start;

	if (fabric_alloc_find(r->free, len, &start) == 0) {
		/* One extent whenever possible, even under the Free policy. */
		p = malloc(sizeof(*p));
		if (!p)
			return CCI_RC_INTERNAL;
		p->dpa = start;
		p->len = len;
		*out = p;
		*n = 1;
		return CCI_RC_SUCCESS;
	}
	if (contiguous || fabric_alloc_avail(r->free) < len)
		return CCI_RC_RESOURCES_EXHAUSTED;
	while (left) {
		if (fabric_alloc_next(r->free, addr, &fr) < 0 || k == max) {
			free(p);
			return CCI_RC_RESOURCES_EXHAUSTED;
		}
		if (dcd_reserve((void **)&p, &cap, k + 1, sizeof(*p)) < 0) {
			free(p);
			return CCI_RC_INTERNAL;
		}
		p[k].dpa = fr.start;
		p[k].len = fr.len < left ? fr.len : left;
		left -= p[k].len;
		addr = fr.start + fr.len;
		k++;
	}
	*out = p;
	*n = k;
	return CCI_RC_SUCCESS;
}

static int add_alloc(struct dcd_call *c, struct dcd_host *h,
		     const struct cci_fm_dc_change_req *req, bool contiguous)
{
	struct dcd *d = c->d;
	struct dcd_region *r;
	struct dcd_range *p = NULL;
	struct dcd_extent *x;
	uint64_t len = le64toh(req->length);
	uint32_t n = 0;
	int rc;

	if (c->inlen != sizeof(*req))
		return CCI_RC_INVALID_PAYLOAD_LENGTH;
	if (req->region >= d->nregions)
		return CCI_RC_INVALID_INPUT;
	r = &d->region[req->region];
	if (!len || len % r->block_size)
		return CCI_RC_INVALID_INPUT;
	/* Tags are mandatory for sharable capacity, and name one allocation. */
	if (r->sharable && dcd_tag_is_null(req->tag))
		return CCI_RC_INVALID_INPUT;
	if (!dcd_tag_is_null(req->tag) && dcd_tag_in_use(d, req->tag))
		return CCI_RC_INVALID_INPUT;
	rc = plan(r, len, contiguous, d->max_extents + 1, &p, &n);
	if (rc)
		return rc;
	rc = offer_check(d, h, n, req->tag);
	if (!rc && (offer_reserve(h) < 0 || dcd_reserve_caps(d, n) < 0))
		rc = CCI_RC_INTERNAL;
	x = rc ? NULL : calloc(n, sizeof(*x));
	if (!rc && !x)
		rc = CCI_RC_INTERNAL;
	if (rc) {
		free(p);
		return rc;
	}
	for (uint32_t i = 0; i < n; i++) {
		/* Pieces are prefixes of free ranges: this cannot fail. */
		fabric_alloc_range(r->free, p[i].dpa, p[i].len);
		x[i].dpa = p[i].dpa;
		x[i].len = p[i].len;
		memcpy(x[i].tag, req->tag, 16);
		x[i].seq = r->sharable ? (uint16_t)i : 0;
		x[i].region = req->region;
		dcd_cap_insert(d, &x[i]);
	}
	free(p);
	offer(d, h, x, n);
	c->changed = true;
	return CCI_RC_SUCCESS;
}

/* Every problem with a prescriptive list, before anything changes. */
static int check_prescriptive(struct dcd *d, struct dcd_extent *x, uint32_t n)
{
	struct dcd_range *rg;
	bool overlaps;

	for (uint32_t i = 0; i < n; i++) {
		int reg = dcd_region_of(d, x[i].dpa, x[i].len);
		uint64_t bs;

		if (reg < 0 || !x[i].len)
			return CCI_RC_INVALID_EXTENT_LIST;
		bs = d->region[reg].block_size;
		if (x[i].dpa % bs || x[i].len % bs)
			return CCI_RC_INVALID_EXTENT_LIST;
		/* One group is one allocation: one region, one tag. */
		if (reg != dcd_region_of(d, x[0].dpa, x[0].len) ||
		    memcmp(x[i].tag, x[0].tag, 16))
			return CCI_RC_INVALID_EXTENT_LIST;
		x[i].region = (uint8_t)reg;
		/* Already this host's, or someone else's: not assignable.  What
		 * the host holds or was offered is a cap, never free space
		 * (dcd_check), so one allocator look-up covers both. */
		if (!fabric_alloc_is_free(d->region[reg].free, x[i].dpa, x[i].len))
			return CCI_RC_INVALID_EXTENT_LIST;
	}
	rg = fm_ranges_of(x, n);
	if (!rg)
		return CCI_RC_INTERNAL;
	overlaps = dcd_ranges_overlap(rg, n);
	free(rg);
	if (overlaps)
		return CCI_RC_INVALID_EXTENT_LIST;
	if (d->region[x[0].region].sharable && dcd_tag_is_null(x[0].tag))
		return CCI_RC_INVALID_INPUT;
	if (!dcd_tag_is_null(x[0].tag) && dcd_tag_in_use(d, x[0].tag))
		return CCI_RC_INVALID_INPUT;
	return CCI_RC_SUCCESS;
}

static int add_prescriptive(struct dcd_call *c, struct dcd_host *h,
			    const struct cci_fm_dc_change_req *req)
{
	struct dcd *d = c->d;
	uint32_t n = le32toh(req->extent_count);
	struct dcd_extent *x;
	struct dcd_region *r;
	int rc;

	if (!fm_payload_fits(c->inlen, sizeof(*req), n, sizeof(struct cci_dc_extent)))
		return CCI_RC_INVALID_PAYLOAD_LENGTH;
	if (!n)
		return CCI_RC_INVALID_EXTENT_LIST;
	if (fm_read_extents(c->in + sizeof(*req), n, &x) < 0)
		return CCI_RC_INTERNAL;
	rc = check_prescriptive(d, x, n);
	if (!rc)
		rc = offer_check(d, h, n, x[0].tag);
	r = &d->region[x[0].region];
	if (!rc && (offer_reserve(h) < 0 || dcd_reserve_caps(d, n) < 0 ||
		    fabric_alloc_reserve(r->free, n) < 0))
		rc = CCI_RC_INTERNAL;
	if (rc) {
		free(x);
		return rc;
	}
	for (uint32_t i = 0; i < n; i++) {
		fabric_alloc_range(r->free, x[i].dpa, x[i].len);
		/* Sequence numbers follow the FM's order: it is the device order. */
		x[i].seq = r->sharable ? (uint16_t)i : 0;
		dcd_cap_insert(d, &x[i]);
	}
	offer(d, h, x, n);
	c->changed = true;
	return CCI_RC_SUCCESS;
}

static int seq_cmp(const void *a, const void *b)
{
	const struct dcd_extent *x = a, *y = b;

	return (int)x->seq - (int)y->seq;
}

/* Enable Shared Access: the tag's extents, same DPAs and sequence numbers. */
static int add_shared(struct dcd_call *c, struct dcd_host *h,
		      const struct cci_fm_dc_change_req *req)
{
	struct dcd *d = c->d;
	struct dcd_extent *x;
	uint32_t n = 0, k = 0;
	int rc;

	if (c->inlen != sizeof(*req))
		return CCI_RC_INVALID_PAYLOAD_LENGTH;
	if (req->region >= d->nregions || !d->region[req->region].sharable)
		return CCI_RC_INVALID_INPUT;
	if (dcd_tag_is_null(req->tag))
		return CCI_RC_INVALID_INPUT;
	for (uint32_t i = 0; i < d->ncaps; i++)
		if (!memcmp(d->caps[i].x.tag, req->tag, 16)) {
			if (d->caps[i].x.region != req->region)
				return CCI_RC_INVALID_INPUT;
			/* A host force-released from it may still touch it. */
			if (dcd_revoking(d, d->caps[i].x.dpa, d->caps[i].x.len))
				return CCI_RC_RETRY;
			n++;
		}
	/* Unknown tag, or this host can already reach it. */
	if (!n || dcd_host_has_tag(h, req->tag, true))
		return CCI_RC_INVALID_INPUT;
	rc = offer_check(d, h, n, req->tag);
	if (rc)
		return rc;
	x = calloc(n, sizeof(*x));
	if (!x || offer_reserve(h) < 0) {
		free(x);
		return CCI_RC_INTERNAL;
	}
	for (uint32_t i = 0; i < d->ncaps; i++)
		if (!memcmp(d->caps[i].x.tag, req->tag, 16)) {
			x[k++] = d->caps[i].x;
			d->caps[i].refs++;
		}
	qsort(x, n, sizeof(*x), seq_cmp);
	offer(d, h, x, n);
	c->changed = true;
	return CCI_RC_SUCCESS;
}

int fm_initiate_add(struct dcd_call *c)
{
	struct cci_fm_dc_change_req req;
	int hi;

	memcpy(&req, c->in, sizeof(req));
	hi = dcd_host_index(c->d, le16toh(req.host_id));
	if (hi < 0)
		return CCI_RC_INVALID_INPUT;
	switch (req.flags & 0x0f) {
	case CCI_ADD_FREE:
		return add_alloc(c, &c->d->host[hi], &req, false);
	case CCI_ADD_CONTIGUOUS:
		return add_alloc(c, &c->d->host[hi], &req, true);
	case CCI_ADD_PRESCRIPTIVE:
		return add_prescriptive(c, &c->d->host[hi], &req);
	case CCI_ADD_ENABLE_SHARED:
		return add_shared(c, &c->d->host[hi], &req);
	default:
		return CCI_RC_INVALID_INPUT;
	}
}
