// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * FM API, DCD management command set (56xxh): device and region queries,
 * per-host extent lists, and the two commands that move capacity,
 * Initiate Dynamic Capacity Add (fmapi-add.c) and Release (fmapi-release.c).
 * Return codes follow CXL r3.2 section 7.6.7.6.
 */
#include <endian.h>
#include <string.h>

#include "cci-codec.h"
#include "dcd.h"
#include "fmapi.h"

static uint64_t decode_units(uint64_t len)
{
	return (len + FABRIC_DECODE_UNIT - 1) / FABRIC_DECODE_UNIT;
}

_Static_assert(offsetof(struct cci_fm_region_entry, block_size) == 0x18 &&
		       offsetof(struct cci_dc_region_entry, block_size) == 0x18,
	       "5601h and 4800h region entries start alike");

void fm_fill_region_common(const struct dcd_region *r, void *entry)
{
	const uint64_t f[4] = { htole64(r->base), htole64(decode_units(r->length)),
				htole64(r->length), htole64(r->block_size) };

	memcpy(entry, f, sizeof(f));
}

bool fm_block_size_ok(const struct dcd *d, const struct dcd_region *r, uint64_t bs)
{
	return bs && !(bs & (bs - 1)) && bs >= d->min_block_size && bs >= 64 &&
	       bs <= (1ull << 51) && r->base % bs == 0 && r->length % bs == 0;
}

static uint64_t block_size_mask(const struct dcd *d, const struct dcd_region *r)
{
	uint64_t mask = 0;

	for (unsigned int bit = 6; bit <= 51; bit++)
		if (fm_block_size_ok(d, r, 1ull << bit))
			mask |= 1ull << bit;
	return mask;
}

void fm_fill_limits(const struct dcd *d, const struct dcd_host *h, struct cci_dc_limits *l)
{
	l->total_extents = htole32(d->max_extents);
	l->available_extents = htole32(dcd_host_avail_extents(d, h));
	l->total_tags = htole32(d->max_tags);
	l->available_tags = htole32(dcd_host_avail_tags(d, h));
}

int fm_get_dcd_info(struct dcd_call *c)
{
	struct cci_fm_dcd_info r = { 0 };
	uint64_t total = 0;

	if (c->outcap < sizeof(r))
		return CCI_RC_INTERNAL;
	r.num_hosts = (uint8_t)c->d->nhosts;
	r.num_regions = (uint8_t)c->d->nregions;
	r.add_policies = htole16(0x7);     /* free, contiguous, prescriptive */
	r.release_policies = htole16(0x3); /* tag-based, prescriptive */
	r.sanitize_mask = (uint8_t)((1u << c->d->nregions) - 1);
	for (unsigned int i = 0; i < c->d->nregions; i++) {
		total += c->d->region[i].length;
		r.block_size_mask[i] = htole64(block_size_mask(c->d, &c->d->region[i]));
	}
	r.total_capacity = htole64(decode_units(total));
	memcpy(c->out, &r, sizeof(r));
	c->outlen = sizeof(r);
	return CCI_RC_SUCCESS;
}

int fm_get_host_region_config(struct dcd_call *c)
{
	struct cci_fm_host_region_config_req req;
	struct cci_fm_host_region_config_rsp head = { 0 };
	struct cci_dc_limits lim;
	unsigned int n;
	uint8_t *p = c->out;
	int hi;

	memcpy(&req, c->in, sizeof(req));
	hi = dcd_host_index(c->d, le16toh(req.host_id));
	if (hi < 0 || req.start_region >= c->d->nregions)
		return CCI_RC_INVALID_INPUT;
	n = c->d->nregions - req.start_region;
	if (req.region_count < n)
		n = req.region_count;
	head.host_id = req.host_id;
	head.num_available = (uint8_t)c->d->nregions;
	head.num_returned = (uint8_t)n;
	memcpy(p, &head, sizeof(head));
	p += sizeof(head);
	for (unsigned int i = 0; i < n; i++) {
		const struct dcd_region *r = &c->d->region[req.start_region + i];
		struct cci_fm_region_entry e = { 0 };

		fm_fill_region_common(r, &e);
		e.attr1 = r->sharable ? CCI_ATTR1_SHARABLE : 0;
		e.attr2 = r->sanitize ? CCI_ATTR2_SANITIZE_ON_RELEASE : 0;
		memcpy(p, &e, sizeof(e));
		p += sizeof(e);
	}
	fm_fill_limits(c->d, &c->d->host[hi], &lim);
	memcpy(p, &lim, sizeof(lim));
	p += sizeof(lim);
	c->outlen = (size_t)(p - c->out);
	return CCI_RC_SUCCESS;
}

int fm_set_region_config(struct dcd_call *c)
{
	struct cci_fm_set_region_config req, rsp = { 0 };
	struct dcd *d = c->d;
	struct dcd_region *r;
	uint64_t bs;

	memcpy(&req, c->in, sizeof(req));
	if (req.region_id >= d->nregions)
		return CCI_RC_INVALID_INPUT;
	r = &d->region[req.region_id];
	bs = le64toh(req.block_size);
	if (!fm_block_size_ok(d, r, bs))
		return CCI_RC_INVALID_INPUT;
	/* Only an empty region can change: no block allocated on any host. */
	if (fabric_alloc_avail(r->free) != r->length)
		return CCI_RC_UNSUPPORTED;
	/* The change is announced to every host; refuse rather than lose it. */
	for (unsigned int i = 0; i < d->nhosts; i++)
		if (!evlog_room(&d->host[i].log))
			return CCI_RC_RETRY;
	r->block_size = bs;
	r->sanitize = req.flags & 1;
	for (unsigned int i = 0; i < d->nhosts; i++)
		dcd_host_event(d, &d->host[i], CCI_DC_EVENT_REGION_CONFIG_UPDATED, NULL, false,
			       req.region_id);
	rsp.region_id = req.region_id;
	rsp.block_size = htole64(r->block_size);
	rsp.flags = r->sanitize ? 1 : 0;
	memcpy(c->out, &rsp, sizeof(rsp));
	c->outlen = sizeof(rsp);
	c->changed = true;
	return CCI_RC_SUCCESS;
}

/* Copy up to `want` extents of a list from `start` into out; the count. */
uint32_t fm_copy_extents(const struct dcd_host *h, uint32_t start, uint32_t want, uint8_t *out,
			 size_t room)
{
	uint32_t n = h->nlist - start;
	size_t fit = room / sizeof(struct cci_dc_extent);

	if (want < n)
		n = want;
	if (fit < n)
		n = (uint32_t)fit;
	for (uint32_t i = 0; i < n; i++) {
		const struct dcd_extent *x = &h->list[start + i];
		struct cci_dc_extent w;

		cci_dc_extent_encode(&w, x->dpa, x->len, x->tag, x->seq);
		memcpy(out + (size_t)i * sizeof(w), &w, sizeof(w));
	}
	return n;
}

int fm_get_extent_lists(struct dcd_call *c)
{
	struct cci_fm_extent_lists_req req;
	struct cci_fm_extent_lists_rsp rsp = { 0 };
	const struct dcd_host *h;
	uint32_t start, n;
	int hi;

	memcpy(&req, c->in, sizeof(req));
	hi = dcd_host_index(c->d, le16toh(req.host_id));
	if (hi < 0)
		return CCI_RC_INVALID_INPUT;
	h = &c->d->host[hi];
	start = le32toh(req.start_index);
	if (start > h->nlist)
		return CCI_RC_INVALID_INPUT;
	n = fm_copy_extents(h, start, le32toh(req.extent_count), c->out + sizeof(rsp),
			    c->outcap - sizeof(rsp));
	rsp.host_id = req.host_id;
	rsp.start_index = htole32(start);
	rsp.returned = htole32(n);
	rsp.total = htole32(h->nlist);
	rsp.generation = htole32(h->generation);
	memcpy(c->out, &rsp, sizeof(rsp));
	c->outlen = sizeof(rsp) + (size_t)n * sizeof(struct cci_dc_extent);
	return CCI_RC_SUCCESS;
}
