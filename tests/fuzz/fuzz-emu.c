// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The emulated host's device descriptor (lib/prov-emu.c): the input is
 * DIR/hosts/h/devices/dax0.0 as an agent would publish it.  DIR/hosts/h/dev/
 * dax0.0 exists, so a descriptor naming it (as the seeds do) is accepted all
 * the way to the devices the provider hands out.  The scratch directory's
 * name is random: "@FABRIC@" in the input stands for it.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-lib.h"

#define MARK "@FABRIC@"

/* The input with every MARK replaced by the fabric directory. */
static char *expand(const uint8_t *data, size_t size, const char *dir, size_t *len)
{
	size_t mark = strlen(MARK), dlen = strlen(dir), n = 0;
	char *out = malloc(size / mark * dlen + size + 1);

	if (!out)
		abort();
	for (size_t i = 0; i < size;) {
		if (size - i >= mark && !memcmp(data + i, MARK, mark)) {
			memcpy(out + n, dir, dlen);
			n += dlen;
			i += mark;
		} else {
			out[n++] = (char)data[i++];
		}
	}
	*len = n;
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char dir[PATH_MAX];
	static int ready;
	size_t len;
	char *text;

	if (!ready++) {
		fuzz_ctx();
		fuzz_mkdir("fabric/hosts/h/devices");
		fuzz_mkdir("fabric/hosts/h/dev");
		fuzz_write("fabric/hosts/h/dev/dax0.0", "", 0);
		if (setenv("TAGDAX_FABRIC", fuzz_path("fabric", dir, sizeof(dir)), 1) ||
		    setenv("TAGDAX_HOST", "h", 1))
			fuzz_fail("setenv");
	}
	text = expand(data, size, dir, &len);
	fuzz_write("fabric/hosts/h/devices/dax0.0", text, len);
	free(text);
	fuzz_scan("emu");
	return 0;
}
