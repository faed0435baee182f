// SPDX-License-Identifier: LGPL-2.1-or-later
/* Sizes as people write them (util/size.h). */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "size.h"

static const char units[] = "KMGTPE";

int util_parse_size(const char *text, uint64_t *out)
{
	unsigned long long v;
	unsigned int shift = 0;
	const char *u;
	char *end;

	/* strtoull would take "-1", " 1" and "+1": only digits may start */
	if (!text || !isdigit((unsigned char)*text))
		return -EINVAL;
	errno = 0;
	v = strtoull(text, &end, 0);
	if (errno == ERANGE)
		return -ERANGE;
	if (errno || end == text)
		return -EINVAL;
	if (*end && (u = strchr(units, toupper((unsigned char)*end)))) {
		shift = 10 * (unsigned int)(u - units + 1);
		end++;
		if (!strcmp(end, "iB") || !strcmp(end, "B"))
			end += strlen(end);
	}
	if (*end)
		return -EINVAL;
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*out = (uint64_t)v << shift;
	return 0;
}

const char *util_size_text(uint64_t size, char *out, size_t len)
{
	unsigned int i = 0;
	double v = (double)size;

	if (size < 1024) {
		snprintf(out, len, "%" PRIu64 " B", size);
		return out;
	}
	while (v >= 1024 && i < sizeof(units) - 1) {
		v /= 1024;
		i++;
	}
	snprintf(out, len, "%.2f %ciB", v, units[i - 1]);
	return out;
}
