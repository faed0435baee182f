/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Backing memory of the emulated device: where each region's bytes live.
 * Every host maps the same file range for the same DPA, which is what makes
 * shared capacity the same bytes everywhere.
 *
 *  - dir (default): DIR/backing/regionN, one sparse file per region.  When
 *    DIR is not on tmpfs or hugetlbfs, DIR/backing is a symlink to a fresh
 *    directory under /dev/shm, so the memory is memory and not disk.
 *  - file: an existing file or devdax device; region N starts at the
 *    configured offset plus the lengths of regions 0..N-1.
 *
 * DIR/layout tells agents where each region is (see docs/fabric.md).
 */
#ifndef TAGDAX_FABRIC_BACKING_H
#define TAGDAX_FABRIC_BACKING_H

#include <limits.h>
#include <stdint.h>

#include "fabric-config.h"

struct fabric_backing {
	unsigned int nregions;
	int fd[FABRIC_MAX_REGIONS];
	char path[FABRIC_MAX_REGIONS][PATH_MAX];
	uint64_t offset[FABRIC_MAX_REGIONS];
	uint64_t length[FABRIC_MAX_REGIONS];
	uint64_t base[FABRIC_MAX_REGIONS];
	bool is_devdax;
};

/* Open (creating when needed) the backing of every region; err gets a
 * sentence on failure. */
int backing_open(struct fabric_backing *b, const char *dir, const struct fabric_config *c,
		 char *err, size_t errlen);
void backing_close(struct fabric_backing *b);

/* Zero [offset, offset+len) of a region (sanitize on release). */
int backing_sanitize(void *backing, unsigned int region, uint64_t offset, uint64_t len);

/* Write DIR/layout atomically. */
int backing_write_layout(const struct fabric_backing *b, const char *dir);

#endif /* TAGDAX_FABRIC_BACKING_H */
