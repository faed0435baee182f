/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers shared by the FM API (fmapi*.c) and host mailbox (mailbox.c) commands. */
#ifndef TAGDAX_FABRIC_FMAPI_H
#define TAGDAX_FABRIC_FMAPI_H

#include "dcd.h"

bool fm_block_size_ok(const struct dcd *d, const struct dcd_region *r, uint64_t bs);
/* The fields 5601h and 4800h region entries share (base, decode length,
 * length, block size: the same 20h bytes at the start of both), little-endian,
 * written to the start of entry. */
void fm_fill_region_common(const struct dcd_region *r, void *entry);
void fm_fill_limits(const struct dcd *d, const struct dcd_host *h, struct cci_dc_limits *l);
uint32_t fm_copy_extents(const struct dcd_host *h, uint32_t start, uint32_t want, uint8_t *out,
			 size_t room);

/* Decode n wire extents of a request; *out is malloc'd. -ENOMEM. */
int fm_read_extents(const uint8_t *in, uint32_t n, struct dcd_extent **out);
/* Copies of the DPA ranges of n extents (for overlap checks); malloc'd. */
struct dcd_range *fm_ranges_of(const struct dcd_extent *x, uint32_t n);
/* Check a variable-length 56xxh/48xxh payload: head + n items of size sz. */
bool fm_payload_fits(size_t inlen, size_t head, uint32_t n, size_t sz);

#endif /* TAGDAX_FABRIC_FMAPI_H */
