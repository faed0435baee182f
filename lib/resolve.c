// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Enumeration and resolution.  A resolve first tries the by-tag index (or a
 * /dev/dax/by-tag link) and re-verifies each candidate with its provider, so
 * the answer is never stale; anything doubtful falls back to a full scan of
 * every provider.  Two different devices with one tag are reported, never
 * silently resolved to one of them.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "private.h"

TAGDAX_EXPORT const char *tagdax_provider_get_name(unsigned int index)
{
	for (unsigned int i = 0; tagdax_providers[i]; i++)
		if (i == index)
			return tagdax_providers[i]->name;
	return NULL;
}

const struct tagdax_provider *tagdax_provider_find(const char *name)
{
	for (unsigned int i = 0; tagdax_providers[i]; i++)
		if (!strcmp(tagdax_providers[i]->name, name))
			return tagdax_providers[i];
	return NULL;
}

static void scan_all(struct tagdax_ctx *ctx, struct tagdax_devlist *out)
{
	for (unsigned int i = 0; tagdax_providers[i]; i++) {
		const struct tagdax_provider *prov = tagdax_providers[i];
		unsigned int before = out->count;
		int rc = prov->scan(ctx, out);

		if (rc < 0)
			dbg(ctx, "provider %s: scan failed: %s\n", prov->name, strerror(-rc));
		dbg(ctx, "provider %s: %u tagged devices\n", prov->name, out->count - before);
	}
}

int ctx_enumerate(struct tagdax_ctx *ctx)
{
	if (ctx->enumerated)
		return 0;
	ctx->enumerated = true;
	scan_all(ctx, &ctx->devs);
	return 0;
}

TAGDAX_EXPORT void tagdax_rescan(struct tagdax_ctx *ctx)
{
	/* a root directory may have been replaced (a new tree, a remount) */
	ctx_close_dirs(ctx);
	devlist_free(&ctx->devs);
	devcache_clear(ctx);
	ctx_notes_clear(ctx);
	ctx->enumerated = false;
}

TAGDAX_EXPORT struct tagdax_dev *tagdax_dev_get_first(struct tagdax_ctx *ctx)
{
	ctx_enumerate(ctx);
	return ctx->devs.head;
}

TAGDAX_EXPORT struct tagdax_dev *tagdax_dev_get_next(struct tagdax_dev *dev)
{
	return dev->next;
}

static bool same_device(const struct tagdax_dev *a, const struct tagdax_dev *b)
{
	if (!a->path || !b->path)
		return !a->path && !b->path && a->region && b->region &&
		       !strcmp(a->region, b->region);
	return !strcmp(a->path, b->path) && a->offset == b->offset;
}

/*
 * Moves the devices of candidates that carry tag into the context's cache
 * (the object already cached for one stands in for it), chained through
 * next_same with duplicates of one device dropped; frees the rest.  Claimed
 * devices win over unclaimed extents of the same tag.
 */
static struct tagdax_dev *pick(struct tagdax_ctx *ctx, struct tagdax_devlist *candidates,
			       const struct tagdax_tag *tag, unsigned int *count)
{
	struct tagdax_dev *first = NULL, **link = &first;
	bool claimed = false;
	struct tagdax_dev *dev;

	for (dev = candidates->head; dev; dev = dev->next)
		if (tagdax_tag_equal(&dev->tag, tag) && dev->path)
			claimed = true;
	*count = 0;
	dev = candidates->head;
	while (dev) {
		struct tagdax_dev *next = dev->next;
		bool keep = tagdax_tag_equal(&dev->tag, tag) && (dev->path || !claimed);

		for (struct tagdax_dev *k = first; keep && k; k = k->next_same)
			if (same_device(k, dev))
				keep = false;
		if (keep) {
			dev = devcache_adopt(ctx, dev);
			dev->next_same = NULL;
			*link = dev;
			link = &dev->next_same;
			(*count)++;
		} else {
			dev_free(dev);
		}
		dev = next;
	}
	devlist_init(candidates);
	return first;
}

static int answer(struct tagdax_dev *first, unsigned int count, struct tagdax_dev **out)
{
	*out = first;
	if (!first)
		return -ENOENT;
	if (count > 1)
		return -ENOTUNIQ;
	return first->path ? 0 : -ENODEV;
}

static int probe_into(struct tagdax_ctx *ctx, const struct tagdax_provider *prov,
		      const char *devname, const struct tagdax_tag *tag,
		      struct tagdax_devlist *out)
{
	struct tagdax_dev **added = out->tail;
	int rc = prov->probe(ctx, devname, out);

	if (rc < 0)
		return rc;
	/* Verified means: the provider, reading its source now, still sees this
	 * device carrying the tag. */
	for (struct tagdax_dev *d = *added; d; d = d->next)
		if (tagdax_tag_equal(&d->tag, tag))
			return 0;
	return -ESTALE;
}

/* Candidates from the runtime index.  Returns 0 only if every entry verified. */
static int fast_from_index(struct tagdax_ctx *ctx, const struct tagdax_tag *tag,
			   struct tagdax_devlist *out)
{
	struct index_entry entries[INDEX_MAX_ENTRIES];
	int n = index_lookup(ctx, tag, entries, INDEX_MAX_ENTRIES);

	if (n <= 0)
		return -ENOENT;
	for (int i = 0; i < n; i++) {
		const struct tagdax_provider *prov = tagdax_provider_find(entries[i].provider);

		if (!prov || !prov->probe ||
		    probe_into(ctx, prov, entries[i].devname, tag, out) < 0) {
			dbg(ctx, "index entry %s %s is stale\n", entries[i].provider,
			    entries[i].devname);
			return -ESTALE;
		}
	}
	return 0;
}

/* Candidates from a udev-made <dev_root>/dax/by-tag/<tag> link. */
static int fast_from_link(struct tagdax_ctx *ctx, const struct tagdax_tag *tag,
			  struct tagdax_devlist *out)
{
	char text[TAGDAX_TAG_STRLEN], link[PATH_MAX], target[PATH_MAX];
	const char *name;
	ssize_t n;

	tagdax_tag_unparse(tag, text);
	if (snprintf(link, sizeof(link), "%s/dax/by-tag/%s", ctx->dev_root, text) >=
	    (int)sizeof(link))
		return -ENAMETOOLONG;
	n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0)
		return -ENOENT;
	target[n] = '\0';
	name = strrchr(target, '/');
	name = name ? name + 1 : target;
	for (unsigned int i = 0; tagdax_providers[i]; i++) {
		const struct tagdax_provider *prov = tagdax_providers[i];

		if ((prov->flags & PROVIDER_DEVNODE) && prov->probe &&
		    probe_into(ctx, prov, name, tag, out) == 0)
			return 0;
	}
	return -ESTALE;
}

/* What the by-tag providers hold for tag: entries no udev event announces. */
static void add_by_tag(struct tagdax_ctx *ctx, const struct tagdax_tag *tag,
		       struct tagdax_devlist *out)
{
	for (unsigned int i = 0; tagdax_providers[i]; i++)
		if (tagdax_providers[i]->probe_tag)
			tagdax_providers[i]->probe_tag(ctx, tag, out);
}

TAGDAX_EXPORT int tagdax_resolve(struct tagdax_ctx *ctx, const struct tagdax_tag *tag,
				 struct tagdax_dev **out)
{
	struct tagdax_devlist candidates;
	struct tagdax_dev *first;
	unsigned int count;
	int rc;

	*out = NULL;
	if (tagdax_tag_is_null(tag))
		return -EINVAL; /* the null tag names no allocation */
	ctx_notes_clear(ctx); /* this resolve's scans say anew what they saw */
	devlist_init(&candidates);
	rc = fast_from_index(ctx, tag, &candidates);
	if (rc == -ENOENT)
		rc = fast_from_link(ctx, tag, &candidates);
	if (rc == 0)
		add_by_tag(ctx, tag, &candidates);
	if (rc == 0) {
		first = pick(ctx, &candidates, tag, &count);
		if (first)
			return answer(first, count, out);
	}
	devlist_free(&candidates);

	scan_all(ctx, &candidates);
	first = pick(ctx, &candidates, tag, &count);
	if (first && first->path)
		index_store(ctx, tag, first);
	return answer(first, count, out);
}

TAGDAX_EXPORT int tagdax_claim(struct tagdax_ctx *ctx, const struct tagdax_tag *tag,
			       struct tagdax_dev **out)
{
	struct tagdax_dev *dev;
	int rc = tagdax_resolve(ctx, tag, &dev);

	*out = dev;
	if (rc != -ENODEV)
		return rc == 0 ? -EEXIST : rc;
	if (!dev->prov->claim)
		return -EOPNOTSUPP;
	rc = dev->prov->claim(ctx, tag); /* the provider logs why it failed */
	if (rc < 0)
		return rc;
	return tagdax_resolve(ctx, tag, out);
}

TAGDAX_EXPORT int tagdax_identify(struct tagdax_ctx *ctx, const char *devname,
				  struct tagdax_dev **devs, unsigned int max)
{
	struct tagdax_devlist found;
	unsigned int count = 0;

	if (!devname || !*devname || strchr(devname, '/'))
		return -EINVAL;
	devlist_init(&found);
	for (unsigned int i = 0; tagdax_providers[i]; i++) {
		const struct tagdax_provider *prov = tagdax_providers[i];

		if ((prov->flags & PROVIDER_DEVNODE) && prov->probe)
			prov->probe(ctx, devname, &found);
	}
	while (found.head) {
		struct tagdax_dev *dev = found.head;

		found.head = dev->next;
		if (count >= max || tagdax_tag_is_null(&dev->tag)) {
			dev_free(dev);
			continue;
		}
		index_add(ctx, &dev->tag, dev->prov->name, dev->devname);
		devs[count++] = devcache_adopt(ctx, dev);
	}
	return (int)count;
}
