// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The pieces of host memory behind a device, for the commands that hand the
 * memory to something other than tagdax_map() (exec's environment, QEMU's
 * memory backends) and so must describe each piece themselves.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tagdax.h"

/* Whether next starts in the same file exactly where prev ends. */
static bool continues(const struct cli_piece *prev, const struct cli_piece *next)
{
	return !strcmp(prev->path, next->path) && next->offset >= prev->length &&
	       next->offset - prev->length == prev->offset;
}

int cli_pieces(struct tagdax_dev *dev, struct cli_piece **out)
{
	unsigned int count = tagdax_dev_get_segment_count(dev), n = 0;
	struct cli_piece *v = calloc(count ? count : 1, sizeof(*v));

	*out = NULL;
	if (!v)
		return -ENOMEM;
	for (unsigned int i = 0; i < count; i++) {
		struct cli_piece s;

		if (tagdax_dev_get_segment(dev, i, &s.path, &s.offset, &s.length))
			continue;
		if (n && continues(&v[n - 1], &s))
			v[n - 1].length += s.length;
		else
			v[n++] = s;
	}
	*out = v;
	return (int)n;
}
