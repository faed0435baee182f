/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A library context aimed at a fake tree, for unit tests. */
#ifndef TAGDAX_TEST_TESTCTX_H
#define TAGDAX_TEST_TESTCTX_H

#include <tagdax/tagdax.h>

#include "fakesys.h"

static inline struct tagdax_ctx *test_ctx(struct fake *f)
{
	struct tagdax_ctx *ctx = NULL;

	if (tagdax_new(&ctx) || tagdax_set_sysfs_root(ctx, f->sys) ||
	    tagdax_set_dev_root(ctx, f->dev) || tagdax_set_run_dir(ctx, f->run) ||
	    tagdax_set_config(ctx, f->config))
		return NULL;
	return ctx;
}

static inline struct tagdax_tag test_tag(const char *text)
{
	struct tagdax_tag tag = { { 0 } };

	tagdax_tag_parse(text, &tag);
	return tag;
}

#define TAG_A "5be13bce-1d7a-4c1e-9b2f-3f6c2a1d0e55"
#define TAG_B "0c2d4e6f-8a9b-4c1d-8e2f-1a2b3c4d5e6f"
#define TAG_C "a1b2c3d4-e5f6-4711-8899-aabbccddeeff"

#endif
