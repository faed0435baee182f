// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Counts per tag, so that a command's cost does not grow with the state:
 * the device's map counts the caps with each tag (is a tag in use, how
 * many caps has it), each host's map counts its list entries and its live
 * offered extents with each tag (does it hold or was it offered a tag, how
 * many distinct tags it tracks).  The maps are kept up to date by the few
 * primitives that change caps, lists and groups (dcd.c, dcd-extents.c),
 * rebuilt from the truth when state is loaded, and checked against it by
 * dcd_check().
 *
 * A map is an open-addressing hash table with linear probing, at most half
 * full, deleting by shifting back (no tombstones).  Tags come from clients,
 * so the hash is keyed with a per-process random seed: a client cannot
 * choose tags that all land in one probe run.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "dcd.h"

static uint64_t seed[2];

static uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static uint64_t hash(const uint8_t tag[16])
{
	uint64_t a, b;

	if (!seed[0]) {
		if (getrandom(seed, sizeof(seed), GRND_NONBLOCK) != sizeof(seed))
			seed[1] = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
		seed[0] |= 1;
	}
	memcpy(&a, tag, 8);
	memcpy(&b, tag + 8, 8);
	return mix(mix(a ^ seed[0]) ^ b ^ seed[1]);
}

static bool empty(const struct dcd_tagcount *s)
{
	return !s->a && !s->b;
}

/* The slot holding tag, or the empty slot where it would go. */
static uint32_t probe(const struct dcd_tagmap *m, const uint8_t tag[16])
{
	uint32_t mask = m->cap - 1, i = (uint32_t)hash(tag) & mask;

	while (!empty(&m->slot[i]) && memcmp(m->slot[i].tag, tag, 16))
		i = (i + 1) & mask;
	return i;
}

static int grow(struct dcd_tagmap *m, uint32_t cap)
{
	struct dcd_tagmap n = { .n = m->n, .cap = cap, .slot = calloc(cap, sizeof(*n.slot)) };

	if (!n.slot)
		return -ENOMEM;
	for (uint32_t i = 0; i < m->cap; i++)
		if (!empty(&m->slot[i]))
			n.slot[probe(&n, m->slot[i].tag)] = m->slot[i];
	free(m->slot);
	*m = n;
	return 0;
}

int dcd_tagmap_reserve(struct dcd_tagmap *m, uint32_t more)
{
	uint64_t need = 2 * ((uint64_t)m->n + more), cap = m->cap ? m->cap : 16;

	if (need <= m->cap)
		return 0;
	while (cap < need)
		cap *= 2;
	return cap > UINT32_MAX ? -ENOMEM : grow(m, (uint32_t)cap);
}

const struct dcd_tagcount *dcd_tagmap_get(const struct dcd_tagmap *m, const uint8_t tag[16])
{
	uint32_t i;

	if (!m->cap)
		return NULL;
	i = probe(m, tag);
	return empty(&m->slot[i]) ? NULL : &m->slot[i];
}

/* Close the gap at i: move back every later entry of the run that may
 * live there (its home is not cyclically inside (i, j]). */
static void remove_at(struct dcd_tagmap *m, uint32_t i)
{
	uint32_t mask = m->cap - 1;

	for (uint32_t j = (i + 1) & mask; !empty(&m->slot[j]); j = (j + 1) & mask) {
		uint32_t k = (uint32_t)hash(m->slot[j].tag) & mask;

		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		m->slot[i] = m->slot[j];
		i = j;
	}
	memset(&m->slot[i], 0, sizeof(m->slot[i]));
	m->n--;
}

int dcd_tagmap_add(struct dcd_tagmap *m, const uint8_t tag[16], int da, int db)
{
	struct dcd_tagcount *s;
	uint32_t i;

	/* Callers reserved a key's room beforehand; growing here is only a
	 * second chance, and a table with a free slot still works. */
	if (2 * ((uint64_t)m->n + 1) > m->cap && dcd_tagmap_reserve(m, 1) < 0 &&
	    m->n + 1 >= m->cap)
		return -ENOMEM;
	i = probe(m, tag);
	s = &m->slot[i];
	if (empty(s)) {
		memcpy(s->tag, tag, 16);
		m->n++;
	}
	s->a = (uint32_t)((int64_t)s->a + da);
	s->b = (uint32_t)((int64_t)s->b + db);
	if (empty(s))
		remove_at(m, i);
	return 0;
}

void dcd_tagmap_clear(struct dcd_tagmap *m)
{
	if (m->cap)
		memset(m->slot, 0, (size_t)m->cap * sizeof(*m->slot));
	m->n = 0;
}

void dcd_tagmap_free(struct dcd_tagmap *m)
{
	free(m->slot);
	*m = (struct dcd_tagmap){ 0 };
}

/* ---- the model's indexes ---- */

void dcd_host_count_list(struct dcd_host *h, const struct dcd_extent *x, int delta)
{
	(void)dcd_tagmap_add(&h->tags, x->tag, delta, 0);
}

void dcd_host_count_group(struct dcd_host *h, const struct dcd_group *g, int delta)
{
	if (g->dead)
		return;
	for (uint32_t i = 0; i < g->n; i++)
		(void)dcd_tagmap_add(&h->tags, g->x[i].tag, 0, delta);
	h->noffered = (uint32_t)((int64_t)h->noffered + (int64_t)delta * g->n);
}

int dcd_index_rebuild(struct dcd *d)
{
	if (dcd_capnode_reserve(d) < 0)
		return -ENOMEM;
	dcd_cap_index_build(d);
	dcd_tagmap_clear(&d->tags);
	for (uint32_t i = 0; i < d->ncaps; i++)
		if (dcd_tagmap_add(&d->tags, d->caps[i].x.tag, 1, 0) < 0)
			return -ENOMEM;
	for (unsigned int hi = 0; hi < d->nhosts; hi++) {
		struct dcd_host *h = &d->host[hi];

		dcd_tagmap_clear(&h->tags);
		h->noffered = 0;
		for (uint32_t i = 0; i < h->nlist; i++)
			if (dcd_tagmap_add(&h->tags, h->list[i].tag, 1, 0) < 0)
				return -ENOMEM;
		for (uint32_t g = 0; g < h->npending; g++) {
			/* reserve the group's (single) tag so counting cannot fail */
			if (dcd_tagmap_reserve(&h->tags, h->pending[g].n) < 0)
				return -ENOMEM;
			dcd_host_count_group(h, &h->pending[g], 1);
		}
	}
	return 0;
}

int dcd_host_offer_reserve(struct dcd_host *h)
{
	/* A group is one allocation: one tag, at most one new key. */
	if (dcd_tagmap_reserve(&h->tags, 1) < 0)
		return -ENOMEM;
	return dcd_reserve((void **)&h->pending, &h->cappending, h->npending + 1,
			   sizeof(*h->pending));
}

void dcd_host_offer(struct dcd_host *h, struct dcd_extent *x, uint32_t n)
{
	struct dcd_group *g = &h->pending[h->npending++];

	*g = (struct dcd_group){ .n = n, .x = x };
	dcd_host_count_group(h, g, 1);
}

void dcd_host_list_push(struct dcd_host *h, const struct dcd_extent *x)
{
	h->list[h->nlist++] = *x;
	dcd_host_count_list(h, x, 1);
}

/* ---- the caps' order ----
 *
 * d->caps is unordered, so a cap comes and goes in O(log n) (appended;
 * removed by moving the last one into its slot) instead of shifting the
 * array.  Their DPA order is an AVL tree over the same indexes: node i
 * (d->capnode[i]) is cap i, keyed by its DPA.
 */
#define NIL UINT32_MAX

static uint64_t key(const struct dcd *d, uint32_t i)
{
	return d->caps[i].x.dpa;
}

static int height(const struct dcd *d, uint32_t i)
{
	return i == NIL ? 0 : d->capnode[i].height;
}

static void fix(struct dcd *d, uint32_t i)
{
	int hl = height(d, d->capnode[i].left), hr = height(d, d->capnode[i].right);

	d->capnode[i].height = 1 + (hl > hr ? hl : hr);
}

static uint32_t rotate_right(struct dcd *d, uint32_t n)
{
	uint32_t l = d->capnode[n].left;

	d->capnode[n].left = d->capnode[l].right;
	d->capnode[l].right = n;
	fix(d, n);
	fix(d, l);
	return l;
}

static uint32_t rotate_left(struct dcd *d, uint32_t n)
{
	uint32_t r = d->capnode[n].right;

	d->capnode[n].right = d->capnode[r].left;
	d->capnode[r].left = n;
	fix(d, n);
	fix(d, r);
	return r;
}

static uint32_t balance(struct dcd *d, uint32_t n)
{
	struct dcd_capnode *x = &d->capnode[n];
	int bf;

	fix(d, n);
	bf = height(d, x->left) - height(d, x->right);
	if (bf > 1) {
		if (height(d, d->capnode[x->left].left) < height(d, d->capnode[x->left].right))
			x->left = rotate_left(d, x->left);
		return rotate_right(d, n);
	}
	if (bf < -1) {
		if (height(d, d->capnode[x->right].right) < height(d, d->capnode[x->right].left))
			x->right = rotate_right(d, x->right);
		return rotate_left(d, n);
	}
	return n;
}

static uint32_t insert(struct dcd *d, uint32_t t, uint32_t i)
{
	if (t == NIL) {
		d->capnode[i] = (struct dcd_capnode){ NIL, NIL, 1 };
		return i;
	}
	if (key(d, i) < key(d, t))
		d->capnode[t].left = insert(d, d->capnode[t].left, i);
	else
		d->capnode[t].right = insert(d, d->capnode[t].right, i);
	return balance(d, t);
}

static uint32_t unlink_min(struct dcd *d, uint32_t t, uint32_t *min)
{
	if (d->capnode[t].left == NIL) {
		*min = t;
		return d->capnode[t].right;
	}
	d->capnode[t].left = unlink_min(d, d->capnode[t].left, min);
	return balance(d, t);
}

/* Unlink node i (keys are distinct DPAs). */
static uint32_t unlink_node(struct dcd *d, uint32_t t, uint32_t i)
{
	struct dcd_capnode *x;
	uint32_t min;

	if (t == NIL)
		return NIL;
	x = &d->capnode[t];
	if (t != i) {
		if (key(d, i) < key(d, t))
			x->left = unlink_node(d, x->left, i);
		else
			x->right = unlink_node(d, x->right, i);
		return balance(d, t);
	}
	if (x->left == NIL)
		return x->right;
	if (x->right == NIL)
		return x->left;
	x->right = unlink_min(d, x->right, &min);
	d->capnode[min].left = x->left;
	d->capnode[min].right = x->right;
	return balance(d, min);
}

/* Node `from` becomes node `to` (whose slot is free): the link to it and
 * its children move; the caller moves the cap itself. */
static void renumber(struct dcd *d, uint32_t from, uint32_t to)
{
	uint32_t *link = &d->caproot;

	while (*link != from)
		link = key(d, from) < key(d, *link) ? &d->capnode[*link].left :
						      &d->capnode[*link].right;
	*link = to;
	d->capnode[to] = d->capnode[from];
}

int dcd_capnode_reserve(struct dcd *d)
{
	struct dcd_capnode *n;

	if (d->capnodes >= d->capcaps)
		return 0;
	n = realloc(d->capnode, (size_t)d->capcaps * sizeof(*n));
	if (!n)
		return -ENOMEM;
	d->capnode = n;
	d->capnodes = d->capcaps;
	return 0;
}

void dcd_cap_index_add(struct dcd *d, uint32_t i)
{
	d->caproot = insert(d, d->ncaps == 1 ? NIL : d->caproot, i);
}

void dcd_cap_index_remove(struct dcd *d, uint32_t i)
{
	uint32_t last = d->ncaps - 1;

	d->caproot = unlink_node(d, d->caproot, i);
	if (i != last) {
		renumber(d, last, i);
		d->caps[i] = d->caps[last];
	}
	d->ncaps--;
}

int dcd_cap_find(const struct dcd *d, uint64_t dpa)
{
	uint32_t t = d->ncaps ? d->caproot : NIL, best = NIL;

	while (t != NIL) {
		if (key(d, t) <= dpa) {
			best = t;
			t = d->capnode[t].right;
		} else {
			t = d->capnode[t].left;
		}
	}
	if (best == NIL || dpa >= d->caps[best].x.dpa + d->caps[best].x.len)
		return -1;
	return (int)best;
}

/* A balanced tree over caps[lo, hi) taken in array order. */
static uint32_t build(struct dcd *d, uint32_t lo, uint32_t hi)
{
	uint32_t mid = lo + (hi - lo) / 2;

	if (lo >= hi)
		return NIL;
	d->capnode[mid].left = build(d, lo, mid);
	d->capnode[mid].right = build(d, mid + 1, hi);
	fix(d, mid);
	return mid;
}

void dcd_cap_index_build(struct dcd *d)
{
	d->caproot = build(d, 0, d->ncaps);
}

/* In-order walk, at most ncaps nodes (a damaged tree cannot loop). */
static bool walk(const struct dcd *d, uint32_t t, uint32_t *order, uint32_t *n)
{
	if (t == NIL)
		return true;
	if (t >= d->ncaps || *n >= d->ncaps || !walk(d, d->capnode[t].left, order, n))
		return false;
	if (*n >= d->ncaps)
		return false;
	order[(*n)++] = t;
	return walk(d, d->capnode[t].right, order, n);
}

uint32_t dcd_caps_in_order(const struct dcd *d, uint32_t *order)
{
	uint32_t n = 0;

	if (d->ncaps && !walk(d, d->caproot, order, &n))
		return UINT32_MAX;
	return n;
}
