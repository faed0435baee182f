// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The provider registry.  A new provider is one file defining
 * `const struct tagdax_provider tagdax_provider_NAME` (and its name in
 * lib/meson.build) plus one entry in this list, which is also the scan order.
 */
#include "private.h"

#define PROVIDERS(X) X(cxl) X(nd) X(famfs) X(table) X(emu) X(vm)

#define DECLARE(name) extern const struct tagdax_provider tagdax_provider_##name;
PROVIDERS(DECLARE)

#define ENTRY(name) &tagdax_provider_##name,
const struct tagdax_provider *const tagdax_providers[] = { PROVIDERS(ENTRY) NULL };
