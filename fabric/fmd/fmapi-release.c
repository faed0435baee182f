// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Initiate Dynamic Capacity Release (5605h).  Without Forced Removal the
 * device only asks: Release Capacity event records go to the host, which
 * gives the capacity back with 4803h when nothing uses it any more.  With
 * Forced Removal the host loses access at once: its extents go, a Forced
 * Capacity Release record tells it so, and the FM log records the release.
 * The capacity is not free yet: the host may still be revoking its users,
 * so each forced piece stays allocated, "revoking", until the host clears
 * that record (dcd_revoke_settle; the rule is in fabric/README.md).
 * Offered-but-unanswered groups hit by a forced release become "dead"
 * without a new event for the host: the offer is withdrawn, its capacity
 * freed at once, since the host never had access to it (a dead group can
 * no longer be accepted: the host's 4802h naming it is refused, see
 * mailbox.c), and the FM log records Capacity Released for each withdrawn
 * extent.  Return codes per CXL r3.2 7.6.7.6.6.
 */
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "dcd.h"
#include "fmapi.h"

/* A forced release may take capacity a More-chained 4803h already named:
 * cut each chained range to what is left of it outside the forced pieces
 * (the host may still end the chain and give the rest back).  A piece inside
 * a chained range splits it in two, so the chain grows by at most np ranges;
 * release() reserves that before the first change. */
static void prune_chain(struct dcd_chain *ch, const struct dcd_range *p, uint32_t np)
{
	uint32_t kept = 0;

	for (uint32_t k = 0; k < np; k++) {
		uint32_t n = ch->n;

		for (uint32_t i = 0; i < n; i++) {
			struct dcd_range *r = &ch->r[i];
			uint64_t end = r->dpa + r->len, pend = p[k].dpa + p[k].len;

			if (!r->len || !dcd_overlap(r->dpa, r->len, p[k].dpa, p[k].len))
				continue;
			if (end > pend && r->dpa < p[k].dpa) /* both sides remain */
				ch->r[ch->n++] = (struct dcd_range){ pend, end - pend };
			if (r->dpa < p[k].dpa) {
				r->len = p[k].dpa - r->dpa;
			} else if (end > pend) {
				r->dpa = pend;
				r->len = end - pend;
			} else {
				r->len = 0; /* all of it was forced away */
			}
		}
	}
	for (uint32_t i = 0; i < ch->n; i++)
		if (ch->r[i].len)
			ch->r[kept++] = ch->r[i];
	ch->n = kept;
}

static int ask_host(struct dcd *d, struct dcd_host *h, const struct dcd_range *p, uint32_t np,
		    bool sanitize)
{
	if (evlog_room(&h->log) < np)
		return np > h->log.cap ? CCI_RC_RESOURCES_EXHAUSTED : CCI_RC_RETRY;
	for (uint32_t k = 0; k < np; k++) {
		struct dcd_extent e = dcd_piece_extent(h, &p[k]);

		/* Remember the request on the whole cap: the host may release
		 * it in other pieces; zeroing a little more is never a leak. */
		if (sanitize)
			d->caps[dcd_cap_find(d, e.dpa)].sanitize = true;
		dcd_host_event(d, h, CCI_DC_EVENT_RELEASE_CAPACITY, &e, k + 1 < np, 0);
	}
	return CCI_RC_SUCCESS;
}

static void force(struct dcd *d, struct dcd_host *h, const struct dcd_range *p, uint32_t np,
		  struct dcd_extent *ev, bool sanitize)
{
	dcd_host_force_pieces(d, h, p, np, ev, sanitize);
	prune_chain(&h->release, p, np);
	if (np)
		h->generation++;
	for (uint32_t k = 0; k < np; k++)
		dcd_fm_event(d, h, CCI_DC_EVENT_CAPACITY_RELEASED, &ev[k], k + 1 < np);
}

/* Withdraw the offered groups kill[] marks: each accepts nothing from now
 * on, an answer already More-chained for the oldest goes with it, and the
 * FM log says which capacity was taken back (one chain for all). */
static void withdraw(struct dcd *d, struct dcd_host *h, const bool *kill, bool sanitize)
{
	uint32_t left = 0;

	for (uint32_t g = 0; g < h->npending; g++)
		left += kill[g] ? h->pending[g].n : 0;
	if (h->npending && kill[0])
		dcd_chain_clear(&h->accept);
	for (uint32_t g = 0; g < h->npending; g++) {
		if (!kill[g])
			continue;
		dcd_group_kill(d, h, &h->pending[g], sanitize);
		for (uint32_t i = 0; i < h->pending[g].n; i++)
			dcd_fm_event(d, h, CCI_DC_EVENT_CAPACITY_RELEASED, &h->pending[g].x[i],
				     --left > 0);
	}
}

/* Release pieces of h's list; with forced, also kill groups that kill[]
 * marks.  Everything that can fail happens before the first change. */
static int release(struct dcd_call *c, struct dcd_host *h, const struct dcd_range *p,
		   uint32_t np, const bool *kill, bool forced, bool sanitize)
{
	struct dcd *d = c->d;
	struct dcd_extent *ev;
	uint32_t nkill = 0;
	int rc;

	if (!forced) {
		rc = ask_host(d, h, p, np, sanitize);
		c->changed = rc == CCI_RC_SUCCESS;
		return rc;
	}
	for (uint32_t g = 0; g < h->npending; g++)
		if (kill[g])
			nkill += h->pending[g].n;
	ev = calloc(np ? np : 1, sizeof(*ev));
	if (!ev || dcd_reserve_drop(d, h, nkill) < 0 || dcd_reserve_force(d, h, np) < 0 ||
	    dcd_chain_reserve(&h->release, np) < 0) {
		free(ev);
		return CCI_RC_INTERNAL;
	}
	withdraw(d, h, kill, sanitize);
	force(d, h, p, np, ev, sanitize);
	free(ev);
	c->changed = true;
	return CCI_RC_SUCCESS;
}

static int release_tag(struct dcd_call *c, struct dcd_host *h,
		       const struct cci_fm_dc_change_req *req, bool forced, bool sanitize)
{
	struct dcd *d = c->d;
	struct dcd_range *p = NULL;
	bool *kill;
	uint64_t total = 0, len = le64toh(req->length), left;
	const struct dcd_region *r = NULL;
	uint32_t np = 0, nkill = 0;
	int rc;

	if (c->inlen != sizeof(*req))
		return CCI_RC_INVALID_PAYLOAD_LENGTH;
	if (dcd_tag_is_null(req->tag))
		return CCI_RC_INVALID_INPUT;
	kill = calloc(h->npending + 1, sizeof(*kill));
	p = calloc(h->nlist + 1, sizeof(*p));
	if (!kill || !p) {
		rc = CCI_RC_INTERNAL;
		goto out;
	}
	for (uint32_t g = 0; g < h->npending; g++)
		if (!h->pending[g].dead && !memcmp(h->pending[g].x[0].tag, req->tag, 16))
			kill[g] = true, nkill++;
	for (uint32_t i = 0; i < h->nlist; i++)
		if (!memcmp(h->list[i].tag, req->tag, 16)) {
			total += h->list[i].len;
			r = &d->region[h->list[i].region];
		}
	rc = CCI_RC_INVALID_INPUT; /* the tag names nothing this host has */
	if (!total && !nkill)
		goto out;
	/* Capacity still pending: only a forced release can take it. */
	rc = CCI_RC_INVALID_PADDR;
	if (nkill && !forced)
		goto out;
	if (total) {
		/* Length 0 is read as "all of it" (the field is easy to omit). */
		if (!len)
			len = total;
		rc = CCI_RC_INVALID_INPUT;
		if (len % r->block_size)
			goto out;
		rc = CCI_RC_RESOURCES_EXHAUSTED;
		if (len > total)
			goto out;
		/* Sharable capacity is released whole. */
		rc = CCI_RC_INVALID_INPUT;
		if (r->sharable && len != total)
			goto out;
		left = len;
		for (uint32_t i = 0; i < h->nlist && left; i++)
			if (!memcmp(h->list[i].tag, req->tag, 16)) {
				p[np].dpa = h->list[i].dpa;
				p[np].len = h->list[i].len < left ? h->list[i].len : left;
				left -= p[np++].len;
			}
	}
	rc = release(c, h, p, np, kill, forced, sanitize);
out:
	free(kill);
	free(p);
	return rc;
}

/* Check a prescriptive list against what the host holds (and, forced,
 * what it was offered); marks the offered groups it reaches in kill[]. */
static int check_list(const struct dcd *d, const struct dcd_host *h, struct dcd_range *r,
		      uint32_t n, bool forced, bool *kill)
{
	for (uint32_t i = 0; i < n; i++) {
		int reg = r[i].len ? dcd_region_of(d, r[i].dpa, r[i].len) : 0;
		uint64_t bs, held, offered;

		if (!r[i].len)
			return CCI_RC_INVALID_EXTENT_LIST;
		if (reg < 0)
			return CCI_RC_INVALID_PADDR; /* no such DPA range */
		bs = d->region[reg].block_size;
		if (r[i].dpa % bs || r[i].len % bs)
			return CCI_RC_INVALID_EXTENT_LIST;
		held = dcd_host_covered(h, r[i].dpa, r[i].len);
		if (held == r[i].len)
			continue;
		offered = dcd_host_pending_covered(h, r[i].dpa, r[i].len);
		if (held + offered != r[i].len)
			return CCI_RC_INVALID_EXTENT_LIST; /* blocks not assigned */
		if (!forced)
			return CCI_RC_INVALID_PADDR; /* pending capacity */
		for (uint32_t g = 0; g < h->npending; g++)
			if (!h->pending[g].dead &&
			    dcd_group_covered(&h->pending[g], r[i].dpa, r[i].len))
				kill[g] = true;
	}
	if (dcd_ranges_overlap(r, n))
		return CCI_RC_INVALID_EXTENT_LIST;
	if (!dcd_host_sharable_whole(d, h, r, n))
		return CCI_RC_INVALID_INPUT;
	return CCI_RC_SUCCESS;
}

static int release_prescriptive(struct dcd_call *c, struct dcd_host *h,
				const struct cci_fm_dc_change_req *req, bool forced,
				bool sanitize)
{
	uint32_t n = le32toh(req->extent_count), np = 0;
	struct dcd_extent *x = NULL;
	struct dcd_range *r = NULL, *p = NULL;
	bool *kill = NULL;
	int rc = CCI_RC_INTERNAL;

	if (!fm_payload_fits(c->inlen, sizeof(*req), n, sizeof(struct cci_dc_extent)))
		return CCI_RC_INVALID_PAYLOAD_LENGTH;
	if (!n)
		return CCI_RC_INVALID_EXTENT_LIST;
	if (fm_read_extents(c->in + sizeof(*req), n, &x) < 0)
		return CCI_RC_INTERNAL;
	r = fm_ranges_of(x, n);
	kill = calloc(h->npending + 1, sizeof(*kill));
	if (!r || !kill)
		goto out;
	rc = check_list(c->d, h, r, n, forced, kill);
	if (rc)
		goto out;
	rc = CCI_RC_INTERNAL;
	if (dcd_host_pieces(h, r, n, &p, &np) < 0)
		goto out;
	rc = release(c, h, p, np, kill, forced, sanitize);
out:
	free(x);
	free(r);
	free(p);
	free(kill);
	return rc;
}

int fm_initiate_release(struct dcd_call *c)
{
	struct cci_fm_dc_change_req req;
	bool forced, sanitize;
	int hi;

	memcpy(&req, c->in, sizeof(req));
	hi = dcd_host_index(c->d, le16toh(req.host_id));
	if (hi < 0)
		return CCI_RC_INVALID_INPUT;
	forced = req.flags & CCI_RELEASE_FORCED;
	sanitize = req.flags & CCI_RELEASE_SANITIZE;
	switch (req.flags & 0x0f) {
	case CCI_RELEASE_TAG_BASED:
		return release_tag(c, &c->d->host[hi], &req, forced, sanitize);
	case CCI_RELEASE_PRESCRIPTIVE:
		return release_prescriptive(c, &c->d->host[hi], &req, forced, sanitize);
	default:
		return CCI_RC_INVALID_INPUT;
	}
}
