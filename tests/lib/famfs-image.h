/* SPDX-License-Identifier: GPL-2.0-or-later */
/* famfs superblocks for tests: valid ones, and ones broken on purpose. */
#ifndef TAGDAX_TEST_FAMFS_IMAGE_H
#define TAGDAX_TEST_FAMFS_IMAGE_H

#include <stdint.h>

#include "famfs-sb.h"
#include "fakesys.h"

/* A valid superblock naming fs_uuid and dev_uuid (text; NULL: the null uuid). */
void famfs_sb_make(struct famfs_superblock *sb, const char *fs_uuid, const char *dev_uuid);
/* Recomputes ts_crc, after a test changed a field it wants judged on its own. */
void famfs_sb_seal(struct famfs_superblock *sb);
/* Writes len bytes of sb at offset 0 of root-relative rel, which is created
 * (or truncated) to file_size bytes, sparse; file_size 0 means exactly len. */
int famfs_sb_write(struct fake *f, const char *rel, const struct famfs_superblock *sb,
		   size_t len, uint64_t file_size);
/* A devdax device as the famfs provider sees it: sys/bus/dax/devices/<name>
 * with size and align, and dev/<name> holding sb in a file of size bytes. */
int famfs_fake_dax(struct fake *f, const char *name, const struct famfs_superblock *sb,
		   uint64_t size);

#endif
