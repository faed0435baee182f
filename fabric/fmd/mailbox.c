// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * A host's memory-device DCD commands (48xxh), always about the host that
 * owns the mailbox: its region view (4800h), its extent list (4801h), its
 * answer to the oldest pending add (4802h) and its releases (4803h).
 * 4802h/4803h may be More-chained; the chain is kept in the host's state
 * until the last payload, and a rejected payload leaves the chain as it
 * was.  Return codes per CXL r3.1 8.2.9.9.9.
 */
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "dcd.h"
#include "fmapi.h"

int mbox_get_dc_config(struct dcd_call *c)
{
	struct cci_dc_config_req req;
	struct cci_dc_config_rsp head = { 0 };
	struct cci_dc_limits lim;
	uint8_t *p = c->out;
	unsigned int n;

	memcpy(&req, c->in, sizeof(req));
	if (req.start_region >= c->d->nregions)
		return CCI_RC_INVALID_INPUT;
	n = c->d->nregions - req.start_region;
	if (req.region_count < n)
		n = req.region_count;
	head.num_available = (uint8_t)c->d->nregions;
	head.num_returned = (uint8_t)n;
	memcpy(p, &head, sizeof(head));
	p += sizeof(head);
	for (unsigned int i = 0; i < n; i++) {
		unsigned int ri = req.start_region + i;
		const struct dcd_region *r = &c->d->region[ri];
		struct cci_dc_region_entry e = { 0 };

		fm_fill_region_common(r, &e);
		e.dsmad_handle = htole32(ri); /* one DSMAS entry per region */
		e.flags = r->sanitize ? 1 : 0;
		memcpy(p, &e, sizeof(e));
		p += sizeof(e);
	}
	fm_fill_limits(c->d, &c->d->host[c->port], &lim);
	memcpy(p, &lim, sizeof(lim));
	p += sizeof(lim);
	c->outlen = (size_t)(p - c->out);
	return CCI_RC_SUCCESS;
}

int mbox_get_extent_list(struct dcd_call *c)
{
	struct cci_dc_extent_list_req req;
	struct cci_dc_extent_list_rsp rsp = { 0 };
	const struct dcd_host *h = &c->d->host[c->port];
	uint32_t start, n;

	memcpy(&req, c->in, sizeof(req));
	start = le32toh(req.start_index);
	if (start > h->nlist)
		return CCI_RC_INVALID_INPUT;
	n = fm_copy_extents(h, start, le32toh(req.extent_count), c->out + sizeof(rsp),
			    c->outcap - sizeof(rsp));
	rsp.returned = htole32(n);
	rsp.total = htole32(h->nlist);
	rsp.generation = htole32(h->generation);
	memcpy(c->out, &rsp, sizeof(rsp));
	c->outlen = sizeof(rsp) + (size_t)n * sizeof(struct cci_dc_extent);
	return CCI_RC_SUCCESS;
}

/* The updated-extent list of a 4802h/4803h payload, plus the chain so far
 * (appended after the first n entries of *all). */
static int read_updates(const struct dcd_call *c, const struct dcd_chain *chain,
			struct dcd_range **all, uint32_t *n)
{
	struct cci_dc_response head;
	struct dcd_range *r;
	uint32_t count;

	memcpy(&head, c->in, sizeof(head));
	count = le32toh(head.count);
	if (!fm_payload_fits(c->inlen, sizeof(head), count, sizeof(struct cci_updated_extent)))
		return CCI_RC_INVALID_PAYLOAD_LENGTH;
	r = calloc((size_t)count + chain->n + 1, sizeof(*r));
	if (!r)
		return CCI_RC_INTERNAL;
	for (uint32_t i = 0; i < count; i++) {
		struct cci_updated_extent u;

		memcpy(&u, c->in + sizeof(head) + (size_t)i * sizeof(u), sizeof(u));
		r[i].dpa = le64toh(u.start_dpa);
		r[i].len = le64toh(u.length);
	}
	if (chain->n)
		memcpy(&r[count], chain->r, chain->n * sizeof(*r));
	*all = r;
	*n = count;
	return CCI_RC_SUCCESS;
}

/* Shape checks common to both: a real DPA range, block aligned. */
static int check_shape(const struct dcd *d, const struct dcd_range *r, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		int reg;
		uint64_t bs;

		if (!r[i].len)
			return CCI_RC_INVALID_EXTENT_LIST;
		reg = dcd_region_of(d, r[i].dpa, r[i].len);
		if (reg < 0)
			return CCI_RC_INVALID_PADDR;
		bs = d->region[reg].block_size;
		if (r[i].dpa % bs || r[i].len % bs)
			return CCI_RC_INVALID_EXTENT_LIST;
	}
	return CCI_RC_SUCCESS;
}

/* Chain a More payload: r[] (the new ranges and the chain so far) becomes
 * the chain.  Reserve first, so a failure leaves the old chain. */
static int chain_set(struct dcd_call *c, struct dcd_chain *chain, const struct dcd_range *r,
		     uint32_t all)
{
	if (dcd_chain_reserve(chain, all - chain->n) < 0)
		return CCI_RC_INTERNAL;
	if (all)
		memcpy(chain->r, r, all * sizeof(*r));
	chain->n = all;
	c->changed = true;
	return CCI_RC_SUCCESS;
}

/* Turn the accepted ranges (sorted, disjoint) into list entries, give the
 * rest of the offer back, and tell the FM what was accepted.  Every piece
 * of an extent becomes an extent (and a cap) of its own, adjacent pieces
 * too, so that host entries always equal caps.  A sharable group is
 * accepted whole (checked before): its extents stay as offered, however
 * the host's ranges cut them, since other hosts may share the caps. */
static void accept_group(struct dcd *d, struct dcd_host *h, struct dcd_group *g,
			 const struct dcd_range *acc, uint32_t nacc, bool whole)
{
	uint32_t accepted = 0;

	for (uint32_t i = 0; i < g->n; i++) {
		struct dcd_extent e = g->x[i];
		uint64_t at = e.dpa, end = e.dpa + e.len;

		if (whole) {
			dcd_host_list_push(h, &e);
			accepted++;
			continue;
		}

		for (uint32_t j = 0; j <= nacc; j++) {
			uint64_t lo = j < nacc ? acc[j].dpa : end, len = 0;

			if (j < nacc) {
				len = dcd_intersect(acc[j].dpa, acc[j].len, e.dpa, e.len);
				if (!len)
					continue;
				lo = lo > e.dpa ? lo : e.dpa;
			}
			if (lo > at) /* a hole before this piece: not accepted */
				dcd_cap_unref(d, at, lo - at, false);
			if (len) {
				struct dcd_extent x = e;

				dcd_cap_carve(d, lo, len);
				x.dpa = lo;
				x.len = len;
				dcd_host_list_push(h, &x);
				accepted++;
			}
			at = lo + len;
		}
	}
	if (accepted)
		h->generation++;
	for (uint32_t k = h->nlist - accepted; k < h->nlist; k++)
		dcd_fm_event(d, h, CCI_DC_EVENT_ADD_RESPONSE, &h->list[k], k + 1 < h->nlist);
	if (!accepted) {
		/* The FM still learns the outcome: a zero-length extent. */
		struct dcd_extent none = { 0 };

		memcpy(none.tag, g->x[0].tag, 16);
		dcd_fm_event(d, h, CCI_DC_EVENT_ADD_RESPONSE, &none, false);
	}
}

int mbox_add_response(struct dcd_call *c)
{
	struct dcd *d = c->d;
	struct dcd_host *h = &d->host[c->port];
	struct cci_dc_response head;
	struct dcd_group *g;
	struct dcd_range *r = NULL;
	uint64_t total = 0, offered = 0;
	uint32_t n = 0, all;
	bool sharable;
	int rc;

	memcpy(&head, c->in, sizeof(head));
	rc = read_updates(c, &h->accept, &r, &n);
	if (rc)
		return rc;
	/* Exactly one response per add, in event order: no add, no answer. */
	rc = CCI_RC_INVALID_INPUT;
	if (!h->npending)
		goto out;
	g = &h->pending[0];
	rc = check_shape(d, r, n);
	if (rc)
		goto out;
	rc = CCI_RC_INVALID_PADDR; /* not part of what was offered */
	if (g->dead && n)
		goto out; /* withdrawn by a forced release: nothing is offered */
	for (uint32_t i = 0; i < n; i++)
		if (dcd_group_covered(g, r[i].dpa, r[i].len) != r[i].len)
			goto out;
	all = n + h->accept.n;
	rc = CCI_RC_INVALID_EXTENT_LIST;
	if (dcd_ranges_overlap(r, all))
		goto out;
	if (head.flags & CCI_DC_RESPONSE_MORE) {
		rc = chain_set(c, &h->accept, r, all);
		goto out;
	}
	for (uint32_t i = 0; i < all; i++)
		total += r[i].len;
	for (uint32_t i = 0; i < g->n; i++)
		offered += g->x[i].len;
	/* Sharable capacity: all or nothing. */
	sharable = d->region[g->x[0].region].sharable;
	if (!g->dead && sharable && total && total != offered)
		goto out;
	/* At most all + n pieces; each piece and each hole may split a cap. */
	rc = CCI_RC_INTERNAL;
	if (!g->dead && (dcd_reserve_list(h, all + g->n) < 0 ||
			 dcd_reserve_caps(d, 2 * (all + g->n)) < 0))
		goto out;
	if (!g->dead)
		accept_group(d, h, g, r, all, sharable && total);
	dcd_host_pop_group(h);
	dcd_chain_clear(&h->accept);
	c->changed = true;
	rc = CCI_RC_SUCCESS;
out:
	free(r);
	return rc;
}

int mbox_release(struct dcd_call *c)
{
	struct dcd *d = c->d;
	struct dcd_host *h = &d->host[c->port];
	struct cci_dc_response head;
	struct dcd_range *r = NULL, *p = NULL;
	struct dcd_extent *ev = NULL;
	uint32_t n = 0, all, np = 0;
	int rc;

	memcpy(&head, c->in, sizeof(head));
	rc = read_updates(c, &h->release, &r, &n);
	if (rc)
		return rc;
	rc = CCI_RC_INVALID_INPUT;
	if (!n)
		goto out;
	all = n + h->release.n;
	rc = check_shape(d, r, all);
	if (rc)
		goto out;
	/* Only what this host holds: anything else is not its to release. */
	rc = CCI_RC_INVALID_PADDR;
	for (uint32_t i = 0; i < all; i++)
		if (dcd_host_covered(h, r[i].dpa, r[i].len) != r[i].len)
			goto out;
	rc = CCI_RC_INVALID_EXTENT_LIST;
	if (dcd_ranges_overlap(r, all))
		goto out;
	if (head.flags & CCI_DC_RESPONSE_MORE) {
		rc = chain_set(c, &h->release, r, all);
		goto out;
	}
	if (!dcd_host_sharable_whole(d, h, r, all))
		goto out;
	rc = CCI_RC_INTERNAL;
	if (dcd_host_pieces(h, r, all, &p, &np) < 0)
		goto out;
	ev = calloc(np + 1, sizeof(*ev));
	if (!ev || dcd_reserve_drop(d, h, np) < 0)
		goto out;
	for (uint32_t k = 0; k < np; k++)
		ev[k] = dcd_piece_extent(h, &p[k]);
	dcd_host_drop_pieces(d, h, p, np, false);
	h->generation++;
	for (uint32_t k = 0; k < np; k++)
		dcd_fm_event(d, h, CCI_DC_EVENT_CAPACITY_RELEASED, &ev[k], k + 1 < np);
	dcd_chain_clear(&h->release);
	c->changed = true;
	rc = CCI_RC_SUCCESS;
out:
	free(r);
	free(p);
	free(ev);
	return rc;
}
