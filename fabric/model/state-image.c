// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The state image: dcd_serialize / dcd_deserialize.  Little-endian and
 * versioned:
 *
 *   "TDXDCDST" u32 version | geometry (regions, hosts, log sizes, to refuse
 *   an image made with another configuration) | regions' block size,
 *   sanitize flag and free ranges | caps | quarantine (v2) | per host: generation, extent
 *   list, pending groups, More chains, revoking ranges (v3), event log | FM
 *   event log | the FM's tag references (v4) | u32 crc32
 *
 * The image is also what the tests compare to prove that a rejected
 * command changed nothing, so it holds every bit of mutable state.
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "state.h"

static const char magic[8] = { 'T', 'D', 'X', 'D', 'C', 'D', 'S', 'T' };
/* 2: the quarantine follows the caps; 3: each host's revoking ranges;
 * 4: the FM's tag references after the FM log */
#define STATE_VERSION 4

/* ---- little-endian writer and reader ---- */

struct wbuf {
	uint8_t *p;
	size_t len, cap;
	bool oom;
};

static void put(struct wbuf *w, const void *src, size_t n)
{
	if (w->oom)
		return;
	if (w->len + n > w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 4096;
		uint8_t *np;

		while (cap < w->len + n)
			cap *= 2;
		np = realloc(w->p, cap);
		if (!np) {
			w->oom = true;
			return;
		}
		w->p = np;
		w->cap = cap;
	}
	memcpy(w->p + w->len, src, n);
	w->len += n;
}

static void put_le(struct wbuf *w, uint64_t v, unsigned int bytes)
{
	uint8_t b[8];

	for (unsigned int i = 0; i < bytes; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	put(w, b, bytes);
}

#define put8(w, v) put_le(w, v, 1)
#define put16(w, v) put_le(w, v, 2)
#define put32(w, v) put_le(w, v, 4)
#define put64(w, v) put_le(w, v, 8)

struct rbuf {
	const uint8_t *p;
	size_t len, off;
	bool bad;
};

static void get(struct rbuf *r, void *dst, size_t n)
{
	if (r->bad || n > r->len - r->off) {
		r->bad = true;
		memset(dst, 0, n);
		return;
	}
	memcpy(dst, r->p + r->off, n);
	r->off += n;
}

static uint64_t get_le(struct rbuf *r, unsigned int bytes)
{
	uint8_t b[8];
	uint64_t v = 0;

	get(r, b, bytes);
	for (unsigned int i = 0; i < bytes; i++)
		v |= (uint64_t)b[i] << (8 * i);
	return v;
}

#define get8(r) ((uint8_t)get_le(r, 1))
#define get16(r) ((uint16_t)get_le(r, 2))
#define get32(r) ((uint32_t)get_le(r, 4))
#define get64(r) get_le(r, 8)

/* A count about to size an allocation: at least min_bytes each must follow. */
static uint32_t get_count(struct rbuf *r, size_t min_bytes)
{
	uint32_t n = get32(r);

	if (!r->bad && (uint64_t)n * min_bytes > r->len - r->off)
		r->bad = true;
	return r->bad ? 0 : n;
}

/* ---- image ---- */

#define EXTENT_BYTES 35

static void put_extent(struct wbuf *w, const struct dcd_extent *x)
{
	put64(w, x->dpa);
	put64(w, x->len);
	put(w, x->tag, 16);
	put16(w, x->seq);
	put8(w, x->region);
}

static void get_extent(struct rbuf *r, struct dcd_extent *x)
{
	x->dpa = get64(r);
	x->len = get64(r);
	get(r, x->tag, 16);
	x->seq = get16(r);
	x->region = get8(r);
}

static void put_log(struct wbuf *w, const struct evlog *l)
{
	put32(w, l->cap);
	put32(w, l->n);
	put16(w, l->next_handle);
	put16(w, l->overflow_count);
	put64(w, l->first_overflow);
	put64(w, l->last_overflow);
	put(w, l->rec, (size_t)l->n * sizeof(*l->rec));
}

static void get_log(struct rbuf *r, struct evlog *l)
{
	uint32_t n;

	if (get32(r) != l->cap)
		r->bad = true;
	n = get_count(r, sizeof(*l->rec));
	if (n > l->cap)
		r->bad = true;
	l->next_handle = get16(r);
	l->overflow_count = get16(r);
	l->first_overflow = get64(r);
	l->last_overflow = get64(r);
	if (r->bad)
		return;
	get(r, l->rec, (size_t)n * sizeof(*l->rec));
	l->n = n;
}

static void put_chain(struct wbuf *w, const struct dcd_chain *c)
{
	put32(w, c->n);
	for (uint32_t i = 0; i < c->n; i++) {
		put64(w, c->r[i].dpa);
		put64(w, c->r[i].len);
	}
}

static void get_chain(struct rbuf *r, struct dcd_chain *c)
{
	uint32_t n = get_count(r, 16);

	if (r->bad || dcd_chain_reserve(c, n) < 0) {
		r->bad = true;
		return;
	}
	for (uint32_t i = 0; i < n; i++) {
		c->r[i].dpa = get64(r);
		c->r[i].len = get64(r);
	}
	c->n = n;
}

static int put_free(void *arg, uint64_t start, uint64_t len)
{
	put64(arg, start);
	put64(arg, len);
	return 0;
}

static void put_geometry(struct wbuf *w, const struct dcd *d)
{
	put32(w, d->nregions);
	for (unsigned int i = 0; i < d->nregions; i++) {
		put64(w, d->region[i].base);
		put64(w, d->region[i].length);
		put8(w, d->region[i].sharable);
	}
	put32(w, d->nhosts);
	for (unsigned int i = 0; i < d->nhosts; i++) {
		put16(w, d->host[i].id);
		put(w, d->host[i].name, sizeof(d->host[i].name));
	}
}

static void put_host(struct wbuf *w, const struct dcd_host *h)
{
	put32(w, h->generation);
	put32(w, h->nlist);
	for (uint32_t i = 0; i < h->nlist; i++)
		put_extent(w, &h->list[i]);
	put32(w, h->npending);
	for (uint32_t g = 0; g < h->npending; g++) {
		put8(w, h->pending[g].dead);
		put32(w, h->pending[g].n);
		for (uint32_t i = 0; i < h->pending[g].n; i++)
			put_extent(w, &h->pending[g].x[i]);
	}
	put_chain(w, &h->accept);
	put_chain(w, &h->release);
	put32(w, h->nrevoke);
	for (uint32_t i = 0; i < h->nrevoke; i++) {
		put_extent(w, &h->revoke[i].x);
		put16(w, h->revoke[i].handle);
	}
	put_log(w, &h->log);
}

/* ---- the FM's tag references (v4): u32 count, 16-byte tags, sorted.
 * The caps' counts above already include them; dcd_check() verifies the
 * two agree. ---- */

static void put_fm_refs(struct wbuf *w, const struct dcd *d)
{
	put32(w, d->nfmref);
	for (uint32_t i = 0; i < d->nfmref; i++)
		put(w, d->fmref[i].b, 16);
}

static void get_fm_refs(struct rbuf *r, struct dcd *d)
{
	uint32_t n = get_count(r, 16);

	if (r->bad || dcd_reserve((void **)&d->fmref, &d->capfmref, n, sizeof(*d->fmref)) < 0) {
		r->bad = true;
		return;
	}
	for (uint32_t i = 0; i < n; i++)
		get(r, d->fmref[i].b, 16);
	d->nfmref = n;
}

int dcd_serialize(const struct dcd *d, uint8_t **buf, size_t *len)
{
	struct wbuf w = { 0 };
	uint32_t crc, *order = malloc((d->ncaps + 1) * sizeof(*order));
	/* caps in DPA order (array order only if the order's tree is damaged) */
	bool sorted = order && dcd_caps_in_order(d, order) == d->ncaps;

	put(&w, magic, sizeof(magic));
	put32(&w, STATE_VERSION);
	put_geometry(&w, d);
	for (unsigned int i = 0; i < d->nregions; i++) {
		put64(&w, d->region[i].block_size);
		put8(&w, d->region[i].sanitize);
		put32(&w, (uint32_t)fabric_alloc_count(d->region[i].free));
		fabric_alloc_foreach(d->region[i].free, put_free, &w);
	}
	put32(&w, d->ncaps);
	for (uint32_t i = 0; i < d->ncaps; i++) {
		const struct dcd_cap *c = &d->caps[sorted ? order[i] : i];

		put_extent(&w, &c->x);
		put16(&w, c->refs);
		put8(&w, c->sanitize);
	}
	w.oom |= !order;
	free(order);
	put32(&w, d->ndirty);
	for (uint32_t i = 0; i < d->ndirty; i++) {
		put64(&w, d->dirty[i].dpa);
		put64(&w, d->dirty[i].len);
	}
	for (unsigned int i = 0; i < d->nhosts; i++)
		put_host(&w, &d->host[i]);
	put_log(&w, &d->fmlog);
	put_fm_refs(&w, d);
	crc = (uint32_t)crc32(crc32(0, NULL, 0), w.p, (uInt)w.len);
	put32(&w, crc);
	if (w.oom) {
		free(w.p);
		return -ENOMEM;
	}
	*buf = w.p;
	*len = w.len;
	return 0;
}

static bool geometry_matches(struct rbuf *r, const struct dcd *d)
{
	struct wbuf w = { 0 };
	bool same;
	uint8_t *mine;

	put_geometry(&w, d);
	if (w.oom)
		return false;
	mine = malloc(w.len ? w.len : 1);
	if (!mine) {
		free(w.p);
		return false;
	}
	get(r, mine, w.len);
	same = !r->bad && !memcmp(mine, w.p, w.len);
	free(mine);
	free(w.p);
	return same;
}

static void get_region(struct rbuf *r, struct dcd_region *reg)
{
	struct fabric_alloc *a;
	uint32_t n;

	reg->block_size = get64(r);
	reg->sanitize = get8(r);
	n = get_count(r, 16);
	a = fabric_alloc_new_full(reg->base, reg->length);
	if (!a) {
		r->bad = true;
		return;
	}
	for (uint32_t i = 0; i < n && !r->bad; i++) {
		uint64_t start = get64(r), len = get64(r);

		if (!r->bad && fabric_alloc_free(a, start, len) < 0)
			r->bad = true;
	}
	fabric_alloc_destroy(reg->free);
	reg->free = a;
}

static void get_caps(struct rbuf *r, struct dcd *d)
{
	uint32_t n = get_count(r, EXTENT_BYTES + 3);

	if (r->bad || dcd_reserve_caps(d, n) < 0) {
		r->bad = true;
		return;
	}
	for (uint32_t i = 0; i < n; i++) {
		get_extent(r, &d->caps[i].x);
		d->caps[i].refs = get16(r);
		d->caps[i].sanitize = get8(r);
	}
	d->ncaps = n;
}

static void get_dirty(struct rbuf *r, struct dcd *d)
{
	uint32_t n = get_count(r, 16);

	if (r->bad || dcd_reserve((void **)&d->dirty, &d->capdirty, n, sizeof(*d->dirty)) < 0) {
		r->bad = true;
		return;
	}
	for (uint32_t i = 0; i < n; i++) {
		d->dirty[i].dpa = get64(r);
		d->dirty[i].len = get64(r);
	}
	d->ndirty = n;
}

static void get_revoking(struct rbuf *r, struct dcd_host *h)
{
	uint32_t n = get_count(r, EXTENT_BYTES + 2);

	if (r->bad || dcd_reserve((void **)&h->revoke, &h->caprevoke, n, sizeof(*h->revoke)) < 0) {
		r->bad = true;
		return;
	}
	for (uint32_t i = 0; i < n; i++) {
		get_extent(r, &h->revoke[i].x);
		h->revoke[i].handle = get16(r);
	}
	h->nrevoke = n;
}

static void get_host(struct rbuf *r, struct dcd_host *h, uint32_t version)
{
	uint32_t n;

	h->generation = get32(r);
	n = get_count(r, EXTENT_BYTES);
	if (r->bad || dcd_reserve_list(h, n) < 0) {
		r->bad = true;
		return;
	}
	for (uint32_t i = 0; i < n; i++)
		get_extent(r, &h->list[i]);
	h->nlist = n;
	n = get_count(r, 5);
	if (r->bad || dcd_reserve((void **)&h->pending, &h->cappending, n,
				  sizeof(*h->pending)) < 0) {
		r->bad = true;
		return;
	}
	for (uint32_t g = 0; g < n && !r->bad; g++) {
		struct dcd_group *grp = &h->pending[g];

		grp->dead = get8(r);
		grp->n = get_count(r, EXTENT_BYTES);
		grp->x = calloc(grp->n ? grp->n : 1, sizeof(*grp->x));
		h->npending = g + 1; /* so dcd_free() releases it */
		if (!grp->x || !grp->n) {
			r->bad = true;
			break;
		}
		for (uint32_t i = 0; i < grp->n; i++)
			get_extent(r, &grp->x[i]);
	}
	get_chain(r, &h->accept);
	get_chain(r, &h->release);
	if (version >= 3) /* before 3 a forced release freed at once */
		get_revoking(r, h);
	get_log(r, &h->log);
}

int dcd_deserialize(struct dcd *d, const uint8_t *buf, size_t len, char *err, size_t errlen)
{
	struct rbuf r = { .p = buf, .len = len };
	uint8_t m[8];
	uint32_t crc, version;

	if (len < sizeof(magic) + 8) {
		snprintf(err, errlen, "state image is truncated");
		return -EBADMSG;
	}
	memcpy(&crc, buf + len - 4, 4);
	crc = le32toh(crc);
	if (crc != (uint32_t)crc32(crc32(0, NULL, 0), buf, (uInt)(len - 4))) {
		snprintf(err, errlen, "state image checksum mismatch");
		return -EBADMSG;
	}
	r.len = len - 4;
	get(&r, m, sizeof(m));
	version = get32(&r);
	if (memcmp(m, magic, sizeof(m)) || version < 1 || version > STATE_VERSION) {
		snprintf(err, errlen, "not a tagdax fabric state image (or another version)");
		return -EBADMSG;
	}
	if (!geometry_matches(&r, d)) {
		snprintf(err, errlen,
			 "the saved state was made with another configuration (regions or hosts "
			 "differ)");
		return -ESTALE;
	}
	for (unsigned int i = 0; i < d->nregions && !r.bad; i++)
		get_region(&r, &d->region[i]);
	get_caps(&r, d);
	if (version >= 2) /* version 1 had no quarantine */
		get_dirty(&r, d);
	for (unsigned int i = 0; i < d->nhosts && !r.bad; i++)
		get_host(&r, &d->host[i], version);
	get_log(&r, &d->fmlog);
	if (version >= 4) /* before 4 the FM held no references */
		get_fm_refs(&r, d);
	if (r.bad || r.off != r.len) {
		snprintf(err, errlen, "state image is malformed or was made with other log sizes");
		return -EBADMSG;
	}
	if (dcd_index_rebuild(d) < 0) {
		snprintf(err, errlen, "out of memory indexing the state image");
		return -ENOMEM;
	}
	return dcd_check(d, err, errlen) ? -EBADMSG : 0;
}
