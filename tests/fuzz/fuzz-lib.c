// SPDX-License-Identifier: GPL-2.0-or-later
/* Library helpers for the fuzz harnesses (fuzz-lib.h). */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>

#include "fuzz-lib.h"

static void quiet(struct tagdax_ctx *ctx, int priority, const char *file, int line,
		  const char *fn, const char *format, va_list args)
{
	(void)ctx, (void)priority, (void)file, (void)line, (void)fn, (void)format, (void)args;
}

struct tagdax_ctx *fuzz_ctx(void)
{
	static struct tagdax_ctx *ctx;
	char sys[PATH_MAX], dev[PATH_MAX], run[PATH_MAX], conf[PATH_MAX];

	if (ctx)
		return ctx;
	fuzz_mkdir("sys");
	fuzz_mkdir("dev");
	fuzz_mkdir("run");
	if (tagdax_new(&ctx) || tagdax_set_sysfs_root(ctx, fuzz_path("sys", sys, sizeof(sys))) ||
	    tagdax_set_dev_root(ctx, fuzz_path("dev", dev, sizeof(dev))) ||
	    tagdax_set_run_dir(ctx, fuzz_path("run", run, sizeof(run))) ||
	    tagdax_set_config(ctx, fuzz_path("tags.conf", conf, sizeof(conf))))
		fuzz_fail("cannot make a library context");
	tagdax_set_log_fn(ctx, quiet);
	return ctx;
}

/* What the mapper and `resolve --json` rely on, whatever the input said. */
static void check_dev(const struct tagdax_dev *d)
{
	uint64_t sum = 0;

	if (tagdax_tag_is_null(&d->tag))
		fuzz_fail("%s: a device with the null tag", d->prov->name);
	if (!d->devname || !d->path)
		fuzz_fail("%s: a device without a name or path", d->prov->name);
	if (!d->size || d->offset > UINT64_MAX - d->size)
		fuzz_fail("%s: size %llu at offset %llu", d->prov->name,
			  (unsigned long long)d->size, (unsigned long long)d->offset);
	for (unsigned int i = 0; i < d->nsegs; i++) {
		if (!d->segs[i].path || sum + d->segs[i].length < sum)
			fuzz_fail("%s: segment %u has no path or overflows", d->prov->name, i);
		sum += d->segs[i].length;
	}
	if (d->nsegs && sum != d->size)
		fuzz_fail("%s: segments add up to %llu, not the size %llu", d->prov->name,
			  (unsigned long long)sum, (unsigned long long)d->size);
}

unsigned int fuzz_scan(const char *name)
{
	const struct tagdax_provider *prov = tagdax_provider_find(name);
	struct tagdax_ctx *ctx = fuzz_ctx();
	struct tagdax_devlist list;
	unsigned int n = 0;

	if (!prov)
		fuzz_fail("no provider %s", name);
	devlist_init(&list);
	if (prov->scan(ctx, &list) < 0) {
		devlist_free(&list);
		return 0;
	}
	for (const struct tagdax_dev *d = list.head; d; d = d->next, n++)
		check_dev(d);
	devlist_free(&list);
	fuzz_note("%s: %u devices", name, n);
	return n;
}
