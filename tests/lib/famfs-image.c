// SPDX-License-Identifier: GPL-2.0-or-later
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <uuid/uuid.h>
#include <zlib.h>

#include "famfs-image.h"

static void set_uuid(uint8_t out[16], const char *text)
{
	uuid_t uu;

	memset(out, 0, 16);
	if (text && uuid_parse(text, uu) == 0)
		memcpy(out, uu, 16);
}

void famfs_sb_seal(struct famfs_superblock *sb)
{
	uLong crc = crc32(crc32(0L, Z_NULL, 0), (const Bytef *)sb, FAMFS_SB_CRC_LEN);

	sb->ts_crc = htole64((uint64_t)crc);
}

void famfs_sb_make(struct famfs_superblock *sb, const char *fs_uuid, const char *dev_uuid)
{
	memset(sb, 0, sizeof(*sb));
	sb->ts_magic = htole64(FAMFS_SUPER_MAGIC);
	sb->ts_version = htole64(FAMFS_CURRENT_VERSION);
	sb->ts_log_offset = htole64(0x200000);
	sb->ts_log_len = htole64(0x800000);
	sb->ts_alloc_unit = htole64(FAMFS_ALLOC_UNIT_2M);
	sb->ts_omf_ver_major = htole32(2);
	sb->ts_omf_ver_minor = htole32(2);
	set_uuid(sb->ts_uuid, fs_uuid);
	set_uuid(sb->ts_dev_uuid, dev_uuid);
	set_uuid(sb->ts_system_uuid, "0badc0de-0000-4000-8000-000000000001");
	sb->ts_sb_flags = htole32(1); /* primary */
	famfs_sb_seal(sb);
}

int famfs_sb_write(struct fake *f, const char *rel, const struct famfs_superblock *sb,
		   size_t len, uint64_t file_size)
{
	char path[4096];
	int fd, rc;

	rc = fake_file(f, rel, file_size ? file_size : len);
	if (rc)
		return rc;
	fd = open(fake_path(f, rel, path, sizeof(path)), O_WRONLY);
	if (fd < 0)
		return -errno;
	rc = pwrite(fd, sb, len, 0) == (ssize_t)len ? 0 : -EIO;
	close(fd);
	return rc;
}

int famfs_fake_dax(struct fake *f, const char *name, const struct famfs_superblock *sb,
		   uint64_t size)
{
	char rel[256];
	int rc;

	snprintf(rel, sizeof(rel), "sys/bus/dax/devices/%s/size", name);
	rc = fake_write(f, rel, "%llu\n", (unsigned long long)size);
	snprintf(rel, sizeof(rel), "sys/bus/dax/devices/%s/align", name);
	if (!rc)
		rc = fake_write(f, rel, "2097152\n");
	snprintf(rel, sizeof(rel), "dev/%s", name);
	if (!rc)
		rc = famfs_sb_write(f, rel, sb, sizeof(*sb), size);
	return rc ? rc : fake_mode(f, rel, 0600); /* as the kernel makes /dev/dax* */
}
