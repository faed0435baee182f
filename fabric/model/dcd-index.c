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
