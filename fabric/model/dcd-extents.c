// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Range arithmetic over a host's extents: how much of a range a host holds
 * or was offered, the pieces a release cuts out of its list, the rule that
 * sharable capacity is released whole, and the More chains of 4802h/4803h.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cci-codec.h"
#include "dcd.h"

uint64_t dcd_intersect(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	uint64_t lo = a > b ? a : b, hi = a + alen < b + blen ? a + alen : b + blen;

	return hi > lo ? hi - lo : 0;
}

bool dcd_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return cci_overlap(a, alen, b, blen);
}

uint64_t dcd_host_covered(const struct dcd_host *h, uint64_t dpa, uint64_t len)
{
	uint64_t sum = 0;

	for (uint32_t i = 0; i < h->nlist; i++)
		sum += dcd_intersect(h->list[i].dpa, h->list[i].len, dpa, len);
	return sum;
}

uint64_t dcd_group_covered(const struct dcd_group *g, uint64_t dpa, uint64_t len)
{
	uint64_t sum = 0;

	for (uint32_t i = 0; i < g->n; i++)
		sum += dcd_intersect(g->x[i].dpa, g->x[i].len, dpa, len);
	return sum;
}

uint64_t dcd_host_pending_covered(const struct dcd_host *h, uint64_t dpa, uint64_t len)
{
	uint64_t sum = 0;

	for (uint32_t g = 0; g < h->npending; g++)
		if (!h->pending[g].dead)
			sum += dcd_group_covered(&h->pending[g], dpa, len);
	return sum;
}

int dcd_host_pieces(const struct dcd_host *h, const struct dcd_range *r, uint32_t n,
		    struct dcd_range **out, uint32_t *nout)
{
	struct dcd_range *p = NULL;
	uint32_t k = 0, cap = 0;

	for (uint32_t i = 0, first = 0; i < h->nlist; i++, first = k)
		for (uint32_t j = 0; j < n; j++) {
			const struct dcd_extent *e = &h->list[i];
			uint64_t lo = e->dpa > r[j].dpa ? e->dpa : r[j].dpa;
			uint64_t len = dcd_intersect(e->dpa, e->len, r[j].dpa, r[j].len);

			if (!len)
				continue;
			/* Touching pieces of one entry are one piece: a shared cap
			 * must never be cut (r[] is sorted by the callers). */
			if (k > first && p[k - 1].dpa + p[k - 1].len == lo) {
				p[k - 1].len += len;
				continue;
			}
			if (dcd_reserve((void **)&p, &cap, k + 1, sizeof(*p)) < 0) {
				free(p);
				return -ENOMEM;
			}
			p[k].dpa = lo;
			p[k].len = len;
			k++;
		}
	*out = p;
	*nout = k;
	return 0;
}

struct dcd_extent dcd_piece_extent(const struct dcd_host *h, const struct dcd_range *p)
{
	struct dcd_extent e = { 0 };

	for (uint32_t i = 0; i < h->nlist; i++)
		if (p->dpa >= h->list[i].dpa && p->dpa < h->list[i].dpa + h->list[i].len) {
			e = h->list[i];
			break;
		}
	e.dpa = p->dpa;
	e.len = p->len;
	return e;
}

static uint64_t ranges_cover(const struct dcd_range *r, uint32_t n, uint64_t dpa, uint64_t len)
{
	uint64_t sum = 0;

	for (uint32_t j = 0; j < n; j++)
		sum += dcd_intersect(r[j].dpa, r[j].len, dpa, len);
	return sum;
}

bool dcd_host_sharable_whole(const struct dcd *d, const struct dcd_host *h,
			     const struct dcd_range *r, uint32_t n)
{
	for (uint32_t i = 0; i < h->nlist; i++) {
		const struct dcd_extent *e = &h->list[i];

		if (!d->region[e->region].sharable || !ranges_cover(r, n, e->dpa, e->len))
			continue;
		for (uint32_t k = 0; k < h->nlist; k++)
			if (!memcmp(h->list[k].tag, e->tag, 16) &&
			    ranges_cover(r, n, h->list[k].dpa, h->list[k].len) != h->list[k].len)
				return false;
	}
	return true;
}

int dcd_reserve_drop(struct dcd *d, struct dcd_host *h, uint32_t npieces)
{
	/* Each piece may split one list entry and one cap in two. */
	if (dcd_reserve_list(h, npieces) < 0 || dcd_reserve_caps(d, npieces) < 0)
		return -ENOMEM;
	return 0;
}

void dcd_host_drop_pieces(struct dcd *d, struct dcd_host *h, const struct dcd_range *p,
			  uint32_t n, bool sanitize)
{
	for (uint32_t k = 0; k < n; k++)
		for (uint32_t i = 0; i < h->nlist; i++)
			if (p[k].dpa >= h->list[i].dpa &&
			    p[k].dpa < h->list[i].dpa + h->list[i].len) {
				dcd_host_drop(d, h, i, p[k].dpa, p[k].len, sanitize);
				break;
			}
}

int dcd_reserve_force(struct dcd *d, struct dcd_host *h, uint32_t npieces)
{
	/* Each piece may split one list entry in two and carve a cap in three. */
	if (dcd_reserve_list(h, npieces) < 0 || dcd_reserve_caps(d, 2 * npieces) < 0 ||
	    dcd_reserve((void **)&h->revoke, &h->caprevoke, h->nrevoke + npieces,
			sizeof(*h->revoke)) < 0)
		return -ENOMEM;
	return 0;
}

void dcd_host_force_pieces(struct dcd *d, struct dcd_host *h, const struct dcd_range *p,
			   uint32_t n, struct dcd_extent *ev, bool sanitize)
{
	uint32_t first = h->nrevoke;

	for (uint32_t k = 0; k < n; k++) {
		ev[k] = dcd_piece_extent(h, &p[k]);
		for (uint32_t i = 0; i < h->nlist; i++)
			if (p[k].dpa >= h->list[i].dpa &&
			    p[k].dpa < h->list[i].dpa + h->list[i].len) {
				/* The host's reference moves to the revoking entry. */
				dcd_cap_carve(d, p[k].dpa, p[k].len);
				d->caps[dcd_cap_find(d, p[k].dpa)].sanitize |= sanitize;
				dcd_host_cut(h, i, p[k].dpa, p[k].len);
				h->revoke[h->nrevoke++] = (struct dcd_revoke){ .x = ev[k] };
				break;
			}
	}
	/* Records after the changes, so their counters tell what is left. */
	for (uint32_t k = 0; k < n; k++)
		h->revoke[first + k].handle =
			dcd_host_event(d, h, CCI_DC_EVENT_FORCED_RELEASE, &ev[k], k + 1 < n, 0);
}

static bool log_has(const struct evlog *l, uint16_t handle)
{
	for (uint32_t j = 0; j < l->n; j++)
		if (le16toh(l->rec[j].hdr.handle) == handle)
			return true;
	return false;
}

uint32_t dcd_revoke_settle(struct dcd *d, struct dcd_host *h)
{
	uint32_t kept = 0, freed = 0;

	for (uint32_t i = 0; i < h->nrevoke; i++) {
		struct dcd_revoke *r = &h->revoke[i];

		if (!r->handle || log_has(&h->log, r->handle)) {
			h->revoke[kept++] = *r;
			continue;
		}
		dcd_cap_unref(d, r->x.dpa, r->x.len, false);
		freed++;
	}
	h->nrevoke = kept;
	/* A record a full log dropped is owed still: the host learns of the
	 * forced release late (or reconciled already) and acknowledges it
	 * like any other. */
	for (uint32_t i = 0; i < h->nrevoke && evlog_room(&h->log); i++)
		if (!h->revoke[i].handle)
			h->revoke[i].handle = dcd_host_event(d, h, CCI_DC_EVENT_FORCED_RELEASE,
							     &h->revoke[i].x, false, 0);
	return freed;
}

bool dcd_revoking(const struct dcd *d, uint64_t dpa, uint64_t len)
{
	for (unsigned int h = 0; h < d->nhosts; h++)
		for (uint32_t i = 0; i < d->host[h].nrevoke; i++)
			if (dcd_overlap(d->host[h].revoke[i].x.dpa, d->host[h].revoke[i].x.len, dpa,
					len))
				return true;
	return false;
}

void dcd_group_kill(struct dcd *d, struct dcd_host *h, struct dcd_group *g, bool sanitize)
{
	if (g->dead)
		return;
	for (uint32_t i = 0; i < g->n; i++)
		dcd_cap_unref(d, g->x[i].dpa, g->x[i].len, sanitize);
	dcd_host_count_group(h, g, -1);
	g->dead = true;
}

void dcd_host_pop_group(struct dcd_host *h)
{
	dcd_host_count_group(h, &h->pending[0], -1);
	free(h->pending[0].x);
	memmove(&h->pending[0], &h->pending[1], (h->npending - 1) * sizeof(*h->pending));
	h->npending--;
}

int dcd_chain_reserve(struct dcd_chain *c, uint32_t more)
{
	return dcd_reserve((void **)&c->r, &c->cap, c->n + more, sizeof(*c->r));
}

void dcd_chain_clear(struct dcd_chain *c)
{
	c->n = 0;
}

bool dcd_host_drop_chains(struct dcd_host *h)
{
	bool had = h->accept.n || h->release.n;

	dcd_chain_clear(&h->accept);
	dcd_chain_clear(&h->release);
	return had;
}

static int range_cmp(const void *a, const void *b)
{
	const struct dcd_range *x = a, *y = b;

	return x->dpa < y->dpa ? -1 : x->dpa > y->dpa;
}

bool dcd_ranges_overlap(struct dcd_range *r, uint32_t n)
{
	qsort(r, n, sizeof(*r), range_cmp);
	for (uint32_t i = 1; i < n; i++)
		if (r[i - 1].dpa + r[i - 1].len > r[i].dpa)
			return true;
	return false;
}
