// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The famfs superblock probe (lib/prov-famfs.c, lib/famfs-sb.h): the input
 * is the first bytes of dax0.0, a plain file in the scratch tree as in the
 * unit tests.  Byte 0 is a control byte: bit 0 seals the CRC the way mkfs
 * does, so mutations get past the checksum to the fields behind it.
 */
#include <endian.h>
#include <string.h>
#include <zlib.h>

#include "famfs-sb.h"
#include "fuzz-lib.h"

#define IMAGE_MAX 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	uint8_t image[IMAGE_MAX];
	size_t len = size > 1 ? size - 1 : 0;

	if (!ready++) {
		fuzz_ctx();
		fuzz_mkdir("sys/bus/dax/devices/dax0.0");
	}
	if (len > IMAGE_MAX)
		len = IMAGE_MAX;
	memcpy(image, data + 1, len);
	if (size && (data[0] & 1) && len >= sizeof(struct famfs_superblock)) {
		uint64_t crc = htole64(crc32(crc32(0L, Z_NULL, 0), image, FAMFS_SB_CRC_LEN));

		memcpy(image + offsetof(struct famfs_superblock, ts_crc), &crc, sizeof(crc));
	}
	fuzz_write("dev/dax0.0", image, len);
	fuzz_scan("famfs");
	return 0;
}
