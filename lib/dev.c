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

void devlist_free(struct tagdax_devlist *list)
{
	struct tagdax_dev *dev = list->head;

	while (dev) {
		struct tagdax_dev *next = dev->next;

		dev_free(dev);
		dev = next;
	}
	devlist_init(list);
}

void devlist_truncate(struct tagdax_devlist *list, struct tagdax_dev **mark, unsigned int count)
{
	struct tagdax_dev *dev = *mark;

	*mark = NULL;
	list->tail = mark;
	list->count = count;
	while (dev) {
		struct tagdax_dev *next = dev->next;

		dev_free(dev);
		dev = next;
	}
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
