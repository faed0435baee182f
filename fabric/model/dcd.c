// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The DCD model's life cycle and bookkeeping primitives: caps (allocated
 * DPA ranges with their reference counts), host extent lists, events, and
 * the invariant checker.  See dcd.h for the model in one paragraph.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cci-codec.h"
#include "dcd.h"

struct dcd *dcd_new(const struct fabric_config *c)
{
	struct dcd *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	d->nregions = c->nregions;
	for (unsigned int i = 0; i < c->nregions; i++) {
		struct dcd_region *r = &d->region[i];

		r->base = c->regions[i].base;
		r->length = c->regions[i].length;
		r->block_size = c->regions[i].block_size;
		r->sharable = c->regions[i].sharable;
		r->sanitize = c->regions[i].sanitize_on_release;
		r->free = fabric_alloc_new(r->base, r->length);
		if (!r->free)
			goto fail;
	}
	d->host = calloc(c->nhosts, sizeof(*d->host));
	if (!d->host)
		goto fail;
	d->nhosts = c->nhosts;
	for (unsigned int i = 0; i < c->nhosts; i++) {
		d->host[i].id = c->hosts[i].id;
		memcpy(d->host[i].name, c->hosts[i].name, sizeof(d->host[i].name));
		if (evlog_init(&d->host[i].log, c->event_log_size) < 0)
			goto fail;
	}
	if (evlog_init(&d->fmlog, c->fm_event_log_size) < 0)
		goto fail;
	d->max_extents = c->max_extents;
	d->max_tags = c->max_tags;
	d->min_block_size = c->min_block_size;
	return d;
fail:
	dcd_free(d);
	return NULL;
}

void dcd_free(struct dcd *d)
{
	if (!d)
		return;
	for (unsigned int i = 0; i < d->nregions; i++)
		fabric_alloc_destroy(d->region[i].free);
	for (unsigned int i = 0; d->host && i < d->nhosts; i++) {
		struct dcd_host *h = &d->host[i];

		free(h->list);
		for (uint32_t g = 0; g < h->npending; g++)
			free(h->pending[g].x);
		free(h->pending);
		free(h->accept.r);
		free(h->release.r);
		free(h->revoke);
		dcd_tagmap_free(&h->tags);
		evlog_fini(&h->log);
	}
	free(d->host);
	free(d->caps);
	free(d->capnode);
	free(d->dirty);
	free(d->fmref);
	dcd_tagmap_free(&d->tags);
	evlog_fini(&d->fmlog);
	free(d);
}

void dcd_set_sanitizer(struct dcd *d, dcd_sanitize_fn fn, void *arg)
{
	d->sanitize = fn;
	d->sanitize_arg = arg;
}

uint32_t dcd_sanitize_run(struct dcd *d, uint32_t *failed)
{
	uint32_t kept = 0, freed = 0;

	*failed = 0;
	for (uint32_t i = 0; i < d->ndirty; i++) {
		struct dcd_range x = d->dirty[i];
		int r = dcd_region_of(d, x.dpa, x.len);
		struct dcd_region *reg = &d->region[r];

		/* Out of memory for the free range's node: zeroed, but it stays
		 * in quarantine (and is zeroed again) until the next run. */
		if ((d->sanitize && d->sanitize(d->sanitize_arg, (unsigned int)r, x.dpa - reg->base,
						x.len) < 0) ||
		    fabric_alloc_free(reg->free, x.dpa, x.len) < 0) {
			d->dirty[kept++] = x;
			(*failed)++;
			continue;
		}
		freed++;
	}
	d->ndirty = kept;
	return freed;
}

int dcd_host_index(const struct dcd *d, uint16_t host_id)
{
	for (unsigned int i = 0; i < d->nhosts; i++)
		if (d->host[i].id == host_id)
			return (int)i;
	return -1;
}

int dcd_region_of(const struct dcd *d, uint64_t dpa, uint64_t len)
{
	for (unsigned int i = 0; i < d->nregions; i++) {
		const struct dcd_region *r = &d->region[i];

		if (dpa >= r->base && dpa < r->base + r->length)
			return len <= r->base + r->length - dpa ? (int)i : -1;
	}
	return -1;
}

bool dcd_tag_is_null(const uint8_t tag[16])
{
	return cci_tag_is_null(tag);
}

/* The indexes of dcd-index.c answer these in O(1), whatever the state. */
bool dcd_tag_in_use(const struct dcd *d, const uint8_t tag[16])
{
	return dcd_tagmap_get(&d->tags, tag) != NULL;
}

uint32_t dcd_host_used_extents(const struct dcd_host *h)
{
	return h->nlist + h->noffered;
}

uint32_t dcd_host_used_tags(const struct dcd_host *h)
{
	static const uint8_t null[16];

	/* The null tag is counted in the map, but is no tag to track. */
	return h->tags.n - (dcd_tagmap_get(&h->tags, null) != NULL);
}

uint32_t dcd_host_avail_extents(const struct dcd *d, const struct dcd_host *h)
{
	uint32_t used = dcd_host_used_extents(h);

	return used >= d->max_extents ? 0 : d->max_extents - used;
}

uint32_t dcd_host_avail_tags(const struct dcd *d, const struct dcd_host *h)
{
	uint32_t used = dcd_host_used_tags(h);

	return used >= d->max_tags ? 0 : d->max_tags - used;
}

bool dcd_host_has_tag(const struct dcd_host *h, const uint8_t tag[16], bool pending)
{
	const struct dcd_tagcount *t = dcd_tagmap_get(&h->tags, tag);

	return t && (t->a || (pending && t->b));
}

bool dcd_host_overlaps(const struct dcd_host *h, uint64_t dpa, uint64_t len, bool pending)
{
	for (uint32_t i = 0; i < h->nlist; i++)
		if (dcd_overlap(h->list[i].dpa, h->list[i].len, dpa, len))
			return true;
	for (uint32_t g = 0; pending && g < h->npending; g++)
		for (uint32_t i = 0; !h->pending[g].dead && i < h->pending[g].n; i++)
			if (dcd_overlap(h->pending[g].x[i].dpa, h->pending[g].x[i].len, dpa, len))
				return true;
	return false;
}

int dcd_reserve(void **v, uint32_t *cap, uint32_t need, size_t size)
{
	uint32_t ncap;
	void *nv;

	if (need <= *cap)
		return 0;
	ncap = *cap ? *cap : 8;
	while (ncap < need) {
		if (ncap > UINT32_MAX / 2)
			return -ENOMEM;
		ncap *= 2;
	}
	nv = realloc(*v, (size_t)ncap * size);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = ncap;
	return 0;
}

int dcd_reserve_caps(struct dcd *d, uint32_t more)
{
	/* Freeing a split middle needs one allocator node per region; each
	 * freed range may go to quarantine instead. */
	for (unsigned int i = 0; i < d->nregions; i++)
		if (fabric_alloc_reserve(d->region[i].free, more) < 0)
			return -ENOMEM;
	if (dcd_tagmap_reserve(&d->tags, more) < 0)
		return -ENOMEM;
	if (dcd_reserve((void **)&d->dirty, &d->capdirty, d->ndirty + more, sizeof(*d->dirty)))
		return -ENOMEM;
	if (dcd_reserve((void **)&d->caps, &d->capcaps, d->ncaps + more, sizeof(*d->caps)))
		return -ENOMEM;
	return dcd_capnode_reserve(d);
}

int dcd_reserve_list(struct dcd_host *h, uint32_t more)
{
	return dcd_reserve((void **)&h->list, &h->caplist, h->nlist + more, sizeof(*h->list));
}

/* O(log n) whatever the number of caps: no array is shifted. */
static void cap_insert(struct dcd *d, const struct dcd_cap *c)
{
	d->caps[d->ncaps++] = *c;
	dcd_cap_index_add(d, d->ncaps - 1);
	(void)dcd_tagmap_add(&d->tags, c->x.tag, 1, 0); /* room: dcd_reserve_caps() */
}

void dcd_cap_insert(struct dcd *d, const struct dcd_extent *x)
{
	struct dcd_cap c = { .x = *x, .refs = 1 };

	cap_insert(d, &c);
}

/* Give a range back; one to sanitize (asked or configured) goes to
 * quarantine instead, and is free only once dcd_sanitize_run() zeroed it
 * (the old data is never handed out).  Room was reserved beforehand
 * (dcd_reserve_caps). */
static void free_range(struct dcd *d, unsigned int r, uint64_t dpa, uint64_t len, bool sanitize)
{
	struct dcd_region *reg = &d->region[r];

	if ((sanitize || reg->sanitize) && d->sanitize &&
	    !dcd_reserve((void **)&d->dirty, &d->capdirty, d->ndirty + 1, sizeof(*d->dirty))) {
		d->dirty[d->ndirty++] = (struct dcd_range){ dpa, len };
		return;
	}
	fabric_alloc_free(reg->free, dpa, len);
}

static void cap_remove(struct dcd *d, uint32_t i)
{
	(void)dcd_tagmap_add(&d->tags, d->caps[i].x.tag, -1, 0); /* a count drops: no room */
	dcd_cap_index_remove(d, i);
}

void dcd_cap_unref(struct dcd *d, uint64_t dpa, uint64_t len, bool sanitize)
{
	int i = dcd_cap_find(d, dpa);
	struct dcd_cap *c = &d->caps[i];
	struct dcd_cap left, right;

	if (c->x.dpa == dpa && c->x.len == len) {
		c->sanitize |= sanitize;
		if (--c->refs)
			return;
		free_range(d, c->x.region, dpa, len, c->sanitize);
		cap_remove(d, (uint32_t)i);
		return;
	}
	/* Part of a cap: only ever for unshared capacity (one reference). */
	left = right = *c;
	left.x.len = dpa - c->x.dpa;
	right.x.dpa = dpa + len;
	right.x.len = c->x.dpa + c->x.len - right.x.dpa;
	free_range(d, c->x.region, dpa, len, sanitize || c->sanitize);
	cap_remove(d, (uint32_t)i);
	if (left.x.len)
		cap_insert(d, &left);
	if (right.x.len)
		cap_insert(d, &right);
}

void dcd_cap_carve(struct dcd *d, uint64_t dpa, uint64_t len)
{
	int i = dcd_cap_find(d, dpa);
	struct dcd_cap c = d->caps[i], left = c, mid = c, right = c;

	if (c.x.dpa == dpa && c.x.len == len)
		return;
	left.x.len = dpa - c.x.dpa;
	mid.x.dpa = dpa;
	mid.x.len = len;
	right.x.dpa = dpa + len;
	right.x.len = c.x.dpa + c.x.len - right.x.dpa;
	cap_remove(d, (uint32_t)i);
	if (left.x.len)
		cap_insert(d, &left);
	cap_insert(d, &mid);
	if (right.x.len)
		cap_insert(d, &right);
}

void dcd_host_cut(struct dcd_host *h, uint32_t i, uint64_t dpa, uint64_t len)
{
	struct dcd_extent e = h->list[i];
	uint64_t end = dpa + len, eend = e.dpa + e.len;

	if (e.dpa == dpa && eend == end) {
		dcd_host_count_list(h, &e, -1);
		memmove(&h->list[i], &h->list[i + 1], (h->nlist - i - 1) * sizeof(*h->list));
		h->nlist--;
	} else if (e.dpa == dpa) {
		h->list[i].dpa = end;
		h->list[i].len = eend - end;
	} else if (eend == end) {
		h->list[i].len = dpa - e.dpa;
	} else {
		h->list[i].len = dpa - e.dpa;
		memmove(&h->list[i + 2], &h->list[i + 1], (h->nlist - i - 1) * sizeof(*h->list));
		h->list[i + 1] = e;
		h->list[i + 1].dpa = end;
		h->list[i + 1].len = eend - end;
		h->nlist++;
		dcd_host_count_list(h, &e, 1); /* its tag is counted already */
	}
}

void dcd_host_drop(struct dcd *d, struct dcd_host *h, uint32_t i, uint64_t dpa, uint64_t len,
		   bool sanitize)
{
	dcd_cap_unref(d, dpa, len, sanitize);
	dcd_host_cut(h, i, dpa, len);
}

uint16_t dcd_host_event(struct dcd *d, struct dcd_host *h, uint8_t type,
			const struct dcd_extent *x, bool more, uint8_t region_index)
{
	uint16_t handle = evlog_room(&h->log) ? h->log.next_handle : 0;
	struct cci_dc_event ev;
	struct cci_dc_extent w;

	if (x)
		cci_dc_extent_encode(&w, x->dpa, x->len, x->tag, x->seq);
	dc_event_build(&ev, type, h->id, x ? &w : NULL, more, dcd_host_avail_extents(d, h),
		       dcd_host_avail_tags(d, h));
	ev.region_index = region_index;
	evlog_append(&h->log, &ev);
	return handle;
}

void dcd_fm_event(struct dcd *d, struct dcd_host *h, uint8_t type, const struct dcd_extent *x,
		  bool more)
{
	struct cci_dc_event ev;
	struct cci_dc_extent w;

	cci_dc_extent_encode(&w, x->dpa, x->len, x->tag, x->seq);
	dc_event_build(&ev, type, h->id, &w, more, dcd_host_avail_extents(d, h),
		       dcd_host_avail_tags(d, h));
	evlog_append(&d->fmlog, &ev);
}
