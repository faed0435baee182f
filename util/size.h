/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Sizes as people write them, one parser for the table, the fabric and vm. */
#ifndef TAGDAX_UTIL_SIZE_H
#define TAGDAX_UTIL_SIZE_H

#include <stddef.h>
#include <stdint.h>

/* "4096", "0x1000", "2M", "2MiB", "2MB", "1g": binary multiples (K = 1024)
 * whatever the spelling, as ndctl and QEMU read them.  -EINVAL for anything
 * else (signs, spaces, fractions, empty), -ERANGE past 2^64. */
int util_parse_size(const char *text, uint64_t *out);

/* "2.00 MiB", "4096 B": what -u/--human prints.  Returns out. */
const char *util_size_text(uint64_t size, char *out, size_t len);

#endif
