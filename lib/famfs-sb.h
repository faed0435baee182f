/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The famfs on-media superblock, as far as tagdax needs it to identify a
 * device: it sits at byte 0 of a devdax device.  The layout follows the famfs
 * format (a naturally aligned, unpacked C struct on LP64); multi-byte fields
 * are little-endian on every machine famfs runs on, so readers convert with
 * le64toh()/le32toh().  The UUIDs are stored in the byte order of their text
 * form, the same order as a struct tagdax_tag.
 */
#ifndef TAGDAX_FAMFS_SB_H
#define TAGDAX_FAMFS_SB_H

#include <stddef.h>
#include <stdint.h>

#define FAMFS_SUPER_MAGIC 0x87B282FFull
#define FAMFS_CURRENT_VERSION 48
/* Bytes 0x00..0x5f: the fields the CRC covers, ts_magic up to ts_crc. */
#define FAMFS_SB_CRC_LEN 0x60
#define FAMFS_ALLOC_UNIT_4K 4096ull
#define FAMFS_ALLOC_UNIT_2M 0x200000ull

struct famfs_sb_daxdev {
	uint64_t dd_size;
	uint8_t dd_uuid[16];
	char dd_daxdev[64];
};

struct famfs_superblock {
	uint64_t ts_magic;
	uint64_t ts_version;
	uint64_t ts_log_offset;
	uint64_t ts_log_len;
	uint64_t ts_alloc_unit;
	uint32_t ts_omf_ver_major;
	uint32_t ts_omf_ver_minor;
	uint8_t ts_uuid[16];        /* the file system */
	uint8_t ts_dev_uuid[16];    /* the device */
	uint8_t ts_system_uuid[16]; /* the host that ran mkfs */
	uint64_t ts_crc;            /* zlib crc32 of bytes 0..0x5f, zero-extended */
	uint32_t ts_sb_flags;
	uint32_t ts_pad;
	struct famfs_sb_daxdev ts_daxdev;
};

_Static_assert(offsetof(struct famfs_superblock, ts_magic) == 0x00, "ts_magic");
_Static_assert(offsetof(struct famfs_superblock, ts_version) == 0x08, "ts_version");
_Static_assert(offsetof(struct famfs_superblock, ts_log_offset) == 0x10, "ts_log_offset");
_Static_assert(offsetof(struct famfs_superblock, ts_log_len) == 0x18, "ts_log_len");
_Static_assert(offsetof(struct famfs_superblock, ts_alloc_unit) == 0x20, "ts_alloc_unit");
_Static_assert(offsetof(struct famfs_superblock, ts_omf_ver_major) == 0x28, "ts_omf_ver_major");
_Static_assert(offsetof(struct famfs_superblock, ts_omf_ver_minor) == 0x2c, "ts_omf_ver_minor");
_Static_assert(offsetof(struct famfs_superblock, ts_uuid) == 0x30, "ts_uuid");
_Static_assert(offsetof(struct famfs_superblock, ts_dev_uuid) == 0x40, "ts_dev_uuid");
_Static_assert(offsetof(struct famfs_superblock, ts_system_uuid) == 0x50, "ts_system_uuid");
_Static_assert(offsetof(struct famfs_superblock, ts_crc) == FAMFS_SB_CRC_LEN, "ts_crc");
_Static_assert(offsetof(struct famfs_superblock, ts_sb_flags) == 0x68, "ts_sb_flags");
_Static_assert(offsetof(struct famfs_superblock, ts_daxdev) == 0x70, "ts_daxdev");
_Static_assert(offsetof(struct famfs_superblock, ts_daxdev.dd_uuid) == 0x78, "dd_uuid");
_Static_assert(offsetof(struct famfs_superblock, ts_daxdev.dd_daxdev) == 0x88, "dd_daxdev");
_Static_assert(sizeof(struct famfs_superblock) == 0xc8, "famfs superblock size");

#endif /* TAGDAX_FAMFS_SB_H */
