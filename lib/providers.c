// SPDX-License-Identifier: LGPL-2.1-or-later
/* The provider registry, in scan order.  A new provider is one file and one
 * line here. */
#include "private.h"

extern const struct tagdax_provider tagdax_provider_cxl;
extern const struct tagdax_provider tagdax_provider_nd;
extern const struct tagdax_provider tagdax_provider_famfs;
extern const struct tagdax_provider tagdax_provider_table;
extern const struct tagdax_provider tagdax_provider_emu;
extern const struct tagdax_provider tagdax_provider_vm;

const struct tagdax_provider *const tagdax_providers[] = {
	&tagdax_provider_cxl,
	&tagdax_provider_nd,
	&tagdax_provider_famfs,
	&tagdax_provider_table,
	&tagdax_provider_emu,
	&tagdax_provider_vm,
	NULL,
};
