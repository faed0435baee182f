// SPDX-License-Identifier: LGPL-2.1-or-later
/* PLACEHOLDER: the cxl provider is being written. */
#include "private.h"

static int scan(struct tagdax_ctx *ctx, struct tagdax_devlist *out)
{
	(void)ctx;
	(void)out;
	return 0;
}

const struct tagdax_provider tagdax_provider_cxl = {
	.name = "cxl",
	.scan = scan,
};
