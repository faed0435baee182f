// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The admin table (lib/prov-table.c): the input is the whole tags.conf.  The
 * scratch tree holds "pool", an 8 MiB file, so that entries naming it (as the
 * seeds do, by a relative path) get as far as sizes and bounds.
 */
#include <limits.h>
#include <unistd.h>

#include "fuzz-lib.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;

	if (!ready++) {
		fuzz_ctx();
		fuzz_write("pool", "", 0);
		if (truncate(fuzz_path("pool", (char[PATH_MAX]){ 0 }, PATH_MAX), 8 << 20))
			fuzz_fail("cannot size the pool file");
	}
	fuzz_write("tags.conf", data, size);
	fuzz_scan("table");
	return 0;
}
