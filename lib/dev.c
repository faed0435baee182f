// SPDX-License-Identifier: LGPL-2.1-or-later
/* The tagged-device object and its getters. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

struct tagdax_dev *dev_new(struct tagdax_ctx *ctx, const struct tagdax_provider *prov,
			   const struct tagdax_tag *tag, const char *devname, const char *path)
{
	struct tagdax_dev *dev = calloc(1, sizeof(*dev));

	if (!dev)
		return NULL;
	dev->ctx = ctx;
	dev->prov = prov;
	dev->tag = *tag;
	dev->target_node = -1;
	dev->resource = UINT64_MAX;
	dev->details_loaded = !prov->load_details;
	if (dev_set_str(&dev->devname, devname) || dev_set_str(&dev->path, path)) {
		dev_free(dev);
		return NULL;
	}
	return dev;
}

void dev_free(struct tagdax_dev *dev)
{
	if (!dev)
		return;
	for (unsigned int i = 0; i < dev->nsegs; i++)
		free(dev->segs[i].path);
	free(dev->segs);
	free(dev->extents);
	free(dev->devname);
	free(dev->path);
	free(dev->region);
	free(dev->mode);
	free(dev->lock_path);
	free(dev->priv);
	free(dev);
}

int dev_set_str(char **field, const char *value)
{
	char *copy = NULL;

	if (value) {
		copy = strdup(value);
		if (!copy)
			return -ENOMEM;
	}
	free(*field);
	*field = copy;
	return 0;
}

static int grow(void **array, unsigned int count, size_t elem)
{
	/* Grow by doubling: count is a power of two exactly when full. */
	if (count == 0 || (count & (count - 1)) == 0) {
		void *bigger = realloc(*array, (count ? 2 * count : 1) * elem);

		if (!bigger)
			return -ENOMEM;
		*array = bigger;
	}
	return 0;
}

int dev_add_seg(struct tagdax_dev *dev, const char *path, uint64_t offset, uint64_t length)
{
	char *copy = strdup(path);

	if (!copy || grow((void **)&dev->segs, dev->nsegs, sizeof(*dev->segs))) {
		free(copy);
		return -ENOMEM;
	}
	dev->segs[dev->nsegs++] = (struct tagdax_seg){ copy, offset, length };
	return 0;
}

int dev_add_extent(struct tagdax_dev *dev, uint64_t start, uint64_t length)
{
	if (grow((void **)&dev->extents, dev->nextents, sizeof(*dev->extents)))
		return -ENOMEM;
	dev->extents[dev->nextents++] = (struct tagdax_extent){ start, length };
	return 0;
}

int dev_parse_flags(char *text, const char *seps, unsigned int *flags)
{
	char *save = NULL;

	for (char *f = strtok_r(text, seps, &save); f; f = strtok_r(NULL, seps, &save)) {
		if (!strcmp(f, "sharable"))
			*flags |= TAGDAX_DEV_SHARABLE;
		else if (!strcmp(f, "readonly"))
			*flags |= TAGDAX_DEV_READONLY;
		else
			return -EINVAL;
	}
	return 0;
}

void devlist_init(struct tagdax_devlist *list)
{
	list->head = NULL;
	list->tail = &list->head;
	list->count = 0;
}

void devlist_append(struct tagdax_devlist *list, struct tagdax_dev *dev)
{
	dev->next = NULL;
	*list->tail = dev;
	list->tail = &dev->next;
	list->count++;
}

/* The context lets go of dev: freed, unless a caller still references it. */
static void dev_release(struct tagdax_dev *dev)
{
	if (dev->refcount > 0) {
		dev->detached = true;
		dev->next = dev->next_same = dev->hnext = NULL;
	} else {
		dev_free(dev);
	}
}

void devlist_free(struct tagdax_devlist *list)
{
	struct tagdax_dev *dev = list->head;

	while (dev) {
		struct tagdax_dev *next = dev->next;

		dev_release(dev);
		dev = next;
	}
	devlist_init(list);
}

/* ---- the device cache (struct devcache) ---- */

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

/* Which device: what a lookup names it by. */
static bool same_identity(const struct tagdax_dev *a, const struct tagdax_dev *b)
{
	return a->prov == b->prov && tagdax_tag_equal(&a->tag, &b->tag) &&
	       str_eq(a->devname, b->devname) && str_eq(a->path, b->path) &&
	       a->offset == b->offset;
}

static bool same_layout(const struct tagdax_dev *a, const struct tagdax_dev *b)
{
	if (a->nsegs != b->nsegs || a->nextents != b->nextents)
		return false;
	for (unsigned int i = 0; i < a->nsegs; i++)
		if (!str_eq(a->segs[i].path, b->segs[i].path) ||
		    a->segs[i].offset != b->segs[i].offset || a->segs[i].length != b->segs[i].length)
			return false;
	for (unsigned int i = 0; i < a->nextents; i++)
		if (a->extents[i].start != b->extents[i].start ||
		    a->extents[i].length != b->extents[i].length)
			return false;
	return true;
}

/*
 * Is dev still what its source says, now?  A name can be given to other
 * capacity once dev's is gone (an emulated host numbers its devices again):
 * whoever holds dev's in-use lock checks, once it holds it, that the source
 * still shows this tag laid out in these pieces.  True where the provider
 * cannot be asked again (no probe).
 */
bool dev_still_same(struct tagdax_dev *dev)
{
	struct tagdax_devlist fresh;
	bool same = false;

	if (!dev->prov->probe)
		return true;
	devlist_init(&fresh);
	if (dev->prov->probe(dev->ctx, dev->devname, &fresh) == 0)
		for (struct tagdax_dev *d = fresh.head; d && !same; d = d->next) {
			dev_load_details(d);
			same = tagdax_tag_equal(&d->tag, &dev->tag) && same_layout(d, dev);
		}
	devlist_free(&fresh);
	return same;
}

/* Everything a getter shows is the same.  Details one of them loaded are
 * loaded for the other too (as its first getter would). */
static bool same_content(struct tagdax_dev *a, struct tagdax_dev *b)
{
	if (a->details_loaded != b->details_loaded) {
		dev_load_details(a);
		dev_load_details(b);
	}
	return a->size == b->size && a->align == b->align && a->flags == b->flags &&
	       a->target_node == b->target_node && a->resource == b->resource &&
	       str_eq(a->region, b->region) && str_eq(a->mode, b->mode) &&
	       str_eq(a->lock_path, b->lock_path) && same_layout(a, b);
}

static unsigned int bucket_of(const struct devcache *c, const struct tagdax_dev *dev)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (unsigned int i = 0; i < sizeof(dev->tag.b); i++)
		h = (h ^ dev->tag.b[i]) * 0x100000001b3ull;
	for (const char *p = dev->devname ? dev->devname : ""; *p; p++)
		h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
	return (unsigned int)(h & (c->nbuckets - 1));
}

/* Doubles the table when it is full; a failed grow only costs speed. */
static void devcache_grow(struct devcache *c)
{
	struct devcache bigger = { .nbuckets = c->nbuckets ? 2 * c->nbuckets : 64 };

	if (c->count < c->nbuckets)
		return;
	bigger.buckets = calloc(bigger.nbuckets, sizeof(*bigger.buckets));
	if (!bigger.buckets)
		return;
	for (unsigned int i = 0; i < c->nbuckets; i++)
		while (c->buckets[i]) {
			struct tagdax_dev *dev = c->buckets[i];
			unsigned int b = bucket_of(&bigger, dev);

			c->buckets[i] = dev->hnext;
			dev->hnext = bigger.buckets[b];
			bigger.buckets[b] = dev;
		}
	free(c->buckets);
	c->buckets = bigger.buckets;
	c->nbuckets = bigger.nbuckets;
}

struct tagdax_dev *devcache_adopt(struct tagdax_ctx *ctx, struct tagdax_dev *fresh)
{
	struct devcache *c = &ctx->cache;
	struct tagdax_dev **link;

	fresh->next = NULL; /* it was a candidate list's */
	devcache_grow(c);
	if (!c->nbuckets) { /* no table at all (out of memory): keep it retired */
		devlist_append(&c->retired, fresh);
		return fresh;
	}
	for (link = &c->buckets[bucket_of(c, fresh)]; *link; link = &(*link)->hnext) {
		struct tagdax_dev *old = *link;

		if (!same_identity(old, fresh))
			continue;
		if (same_content(old, fresh)) {
			dev_free(fresh);
			return old;
		}
		/* changed: callers may still hold the old object */
		*link = old->hnext;
		old->hnext = NULL;
		devlist_append(&c->retired, old);
		c->count--;
		break;
	}
	link = &c->buckets[bucket_of(c, fresh)];
	fresh->hnext = *link;
	*link = fresh;
	c->count++;
	return fresh;
}

void devcache_clear(struct tagdax_ctx *ctx)
{
	struct devcache *c = &ctx->cache;

	for (unsigned int i = 0; i < c->nbuckets; i++)
		while (c->buckets[i]) {
			struct tagdax_dev *dev = c->buckets[i];

			c->buckets[i] = dev->hnext;
			dev_release(dev);
		}
	c->count = 0;
	devlist_free(&c->retired);
}

TAGDAX_EXPORT struct tagdax_dev *tagdax_dev_ref(struct tagdax_dev *dev)
{
	if (dev && dev->refcount++ == 0)
		tagdax_ref(dev->ctx);
	return dev;
}

TAGDAX_EXPORT struct tagdax_dev *tagdax_dev_unref(struct tagdax_dev *dev)
{
	struct tagdax_ctx *ctx;

	if (!dev || dev->refcount <= 0)
		return NULL; /* not referenced: the context owns it */
	if (--dev->refcount > 0)
		return dev;
	ctx = dev->ctx;
	if (dev->detached)
		dev_free(dev);
	tagdax_unref(ctx);
	return NULL;
}

int dev_load_details(struct tagdax_dev *dev)
{
	int rc;

	if (dev->details_loaded)
		return 0;
	dev->details_loaded = true;
	rc = dev->prov->load_details(dev);
	if (rc < 0)
		dbg(dev->ctx, "%s: details unavailable: %s\n", dev->devname, strerror(-rc));
	return rc;
}

TAGDAX_EXPORT struct tagdax_ctx *tagdax_dev_get_ctx(struct tagdax_dev *dev)
{
	return dev->ctx;
}

TAGDAX_EXPORT const struct tagdax_tag *tagdax_dev_get_tag(struct tagdax_dev *dev)
{
	return &dev->tag;
}

TAGDAX_EXPORT const char *tagdax_dev_get_provider(struct tagdax_dev *dev)
{
	return dev->prov->name;
}

TAGDAX_EXPORT const char *tagdax_dev_get_devname(struct tagdax_dev *dev)
{
	return dev->devname;
}

TAGDAX_EXPORT const char *tagdax_dev_get_path(struct tagdax_dev *dev)
{
	return dev->path;
}

TAGDAX_EXPORT unsigned int tagdax_dev_get_flags(struct tagdax_dev *dev)
{
	dev_load_details(dev);
	return dev->flags;
}

#define DETAIL_GETTER(type, name)                                        \
	TAGDAX_EXPORT type tagdax_dev_get_##name(struct tagdax_dev *dev) \
	{                                                                \
		dev_load_details(dev);                                   \
		return dev->name;                                        \
	}

DETAIL_GETTER(uint64_t, offset)
DETAIL_GETTER(uint64_t, size)
DETAIL_GETTER(uint64_t, align)
DETAIL_GETTER(const char *, region)
DETAIL_GETTER(const char *, mode)
DETAIL_GETTER(int, target_node)
DETAIL_GETTER(uint64_t, resource)

TAGDAX_EXPORT unsigned int tagdax_dev_get_extent_count(struct tagdax_dev *dev)
{
	dev_load_details(dev);
	return dev->nextents;
}

TAGDAX_EXPORT int tagdax_dev_get_extent(struct tagdax_dev *dev, unsigned int index,
					uint64_t *start, uint64_t *length)
{
	dev_load_details(dev);
	if (index >= dev->nextents)
		return -ERANGE;
	*start = dev->extents[index].start;
	*length = dev->extents[index].length;
	return 0;
}

TAGDAX_EXPORT unsigned int tagdax_dev_get_segment_count(struct tagdax_dev *dev)
{
	dev_load_details(dev);
	return dev->nsegs;
}

TAGDAX_EXPORT int tagdax_dev_get_segment(struct tagdax_dev *dev, unsigned int index,
					 const char **path, uint64_t *offset, uint64_t *length)
{
	dev_load_details(dev);
	if (index >= dev->nsegs)
		return -ERANGE;
	*path = dev->segs[index].path;
	*offset = dev->segs[index].offset;
	*length = dev->segs[index].length;
	return 0;
}

TAGDAX_EXPORT struct tagdax_dev *tagdax_dev_get_next_same_tag(struct tagdax_dev *dev)
{
	return dev->next_same;
}
