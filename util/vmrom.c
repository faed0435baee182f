// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Building and parsing the VM descriptor ROM (see vmrom.h).  The parser is
 * strict on purpose: a guest sees whatever devices its host gives it, and a
 * device that is not exactly what we build must never name memory by tag.
 * After checking each field it rebuilds the image from what it decoded and
 * compares: any stray byte (reserved fields, padding) is caught that way.
 */
#include <endian.h>
#include <errno.h>
#include <string.h>

#include "vmrom.h"

#define PCIR_REVISION 3
#define PCIR_CODE_TYPE_EFI 3
#define PCIR_LAST_IMAGE 0x80
/* ivshmem's class: memory controller (0x05), RAM (0x00), prog-if 0 */
static const uint8_t pcir_class[3] = { 0x00, 0x00, 0x05 };

uint32_t vmrom_crc32(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t crc = 0xffffffffu;

	/* Bitwise: 72 bytes per descriptor do not deserve a table. */
	while (len--) {
		crc ^= *p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320u & -(crc & 1u));
	}
	return ~crc;
}

static bool is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

static const char *window_invalid(const struct vmrom_window *w)
{
	static const struct tagdax_tag null_tag;

	/* util needs no library: the struct from its header, the test here */
	if (!memcmp(&w->tag, &null_tag, sizeof(null_tag)))
		return "null tag";
	if (w->count == 0 || w->count > VMROM_MAX_WINDOWS)
		return "window count out of range";
	if (w->index >= w->count)
		return "window index out of range";
	if (!is_pow2(w->size) || w->size < VMROM_GRANULE)
		return "window size not a power of two of at least 2 MiB";
	if (w->capacity == 0 || w->capacity % VMROM_GRANULE)
		return "capacity not a multiple of 2 MiB";
	if (w->offset % VMROM_GRANULE)
		return "window offset not a multiple of 2 MiB";
	if (w->offset > w->capacity || w->size > w->capacity - w->offset)
		return "window outside the capacity";
	if (w->flags & ~VMROM_FLAGS_KNOWN)
		return "unknown flags";
	return NULL;
}

static void put_headers(uint8_t *image)
{
	struct vmrom_wire_header h = {
		.signature = { 0x55, 0xaa },
		.pcir_offset = htole16(VMROM_PCIR_OFFSET),
	};
	struct vmrom_wire_pcir p = {
		.signature = { 'P', 'C', 'I', 'R' },
		.vendor = htole16(VMROM_IVSHMEM_VENDOR),
		.device = htole16(VMROM_IVSHMEM_DEVICE),
		.length = htole16(sizeof(struct vmrom_wire_pcir)),
		.revision = PCIR_REVISION,
		.image_length = htole16(VMROM_IMAGE_SIZE / 512),
		.code_type = PCIR_CODE_TYPE_EFI,
		.indicator = PCIR_LAST_IMAGE,
	};

	memcpy(p.class_code, pcir_class, sizeof(pcir_class));
	memcpy(image, &h, sizeof(h));
	memcpy(image + VMROM_PCIR_OFFSET, &p, sizeof(p));
}

static void put_desc(uint8_t *image, const struct vmrom_window *w)
{
	struct vmrom_wire_desc d = {
		.version = htole16(VMROM_VERSION),
		.length = htole16(sizeof(struct vmrom_wire_desc)),
		.window_index = htole16((uint16_t)w->index),
		.window_count = htole16((uint16_t)w->count),
		.flags = htole32(w->flags),
		.window_offset = htole64(w->offset),
		.window_size = htole64(w->size),
		.capacity_size = htole64(w->capacity),
	};

	memcpy(d.magic, VMROM_MAGIC, sizeof(d.magic));
	memcpy(d.tag, w->tag.b, sizeof(d.tag));
	d.checksum = htole32(vmrom_crc32(&d, offsetof(struct vmrom_wire_desc, checksum)));
	memcpy(image + VMROM_DESC_OFFSET, &d, sizeof(d));
}

int vmrom_build(const struct vmrom_window *w, uint8_t image[VMROM_IMAGE_SIZE])
{
	uint8_t sum = 0;

	if (window_invalid(w))
		return -EINVAL;
	memset(image, 0, VMROM_IMAGE_SIZE);
	put_headers(image);
	put_desc(image, w);
	/* Firmware that checksums every image (as legacy BIOSes do) finds the
	 * bytes summing to zero; the last byte makes it so. */
	for (unsigned int i = 0; i < VMROM_IMAGE_SIZE - 1; i++)
		sum = (uint8_t)(sum + image[i]);
	image[VMROM_IMAGE_SIZE - 1] = (uint8_t)-sum;
	return 0;
}

static const char *headers_invalid(const uint8_t *rom)
{
	struct vmrom_wire_header h;
	struct vmrom_wire_pcir p;

	memcpy(&h, rom, sizeof(h));
	memcpy(&p, rom + VMROM_PCIR_OFFSET, sizeof(p));
	if (h.signature[0] != 0x55 || h.signature[1] != 0xaa)
		return "no 0x55AA ROM signature";
	if (le16toh(h.pcir_offset) != VMROM_PCIR_OFFSET)
		return "PCI data structure not where we put it";
	if (memcmp(p.signature, "PCIR", 4))
		return "no PCIR signature";
	if (le16toh(p.vendor) != VMROM_IVSHMEM_VENDOR || le16toh(p.device) != VMROM_IVSHMEM_DEVICE)
		return "PCIR names another device";
	if (le16toh(p.length) != sizeof(p) || p.revision != PCIR_REVISION)
		return "unexpected PCI data structure length or revision";
	if (memcmp(p.class_code, pcir_class, sizeof(pcir_class)))
		return "unexpected class code";
	if (le16toh(p.image_length) != VMROM_IMAGE_SIZE / 512)
		return "unexpected image length";
	if (p.code_type != PCIR_CODE_TYPE_EFI || p.indicator != PCIR_LAST_IMAGE)
		return "unexpected code type or indicator";
	return NULL;
}

static const char *desc_decode(const uint8_t *rom, struct vmrom_window *w)
{
	struct vmrom_wire_desc d;

	memcpy(&d, rom + VMROM_DESC_OFFSET, sizeof(d));
	if (memcmp(d.magic, VMROM_MAGIC, sizeof(d.magic)))
		return "bad magic";
	if (le16toh(d.version) != VMROM_VERSION)
		return "unknown version";
	if (le16toh(d.length) != sizeof(d))
		return "unexpected descriptor length";
	if (le32toh(d.checksum) != vmrom_crc32(&d, offsetof(struct vmrom_wire_desc, checksum)))
		return "checksum mismatch";
	if (d.reserved0 || d.reserved1)
		return "reserved field set";
	memcpy(w->tag.b, d.tag, sizeof(w->tag.b));
	w->index = le16toh(d.window_index);
	w->count = le16toh(d.window_count);
	w->offset = le64toh(d.window_offset);
	w->size = le64toh(d.window_size);
	w->capacity = le64toh(d.capacity_size);
	w->flags = le32toh(d.flags);
	return window_invalid(w);
}

int vmrom_parse(const void *rom, size_t len, struct vmrom_window *out, const char **why)
{
	uint8_t canon[VMROM_IMAGE_SIZE];
	struct vmrom_window w;
	const char *bad = NULL;

	if (!rom || len < VMROM_IMAGE_SIZE)
		bad = "shorter than one image";
	if (!bad)
		bad = headers_invalid(rom);
	if (!bad)
		bad = desc_decode(rom, &w);
	if (!bad && (vmrom_build(&w, canon) || memcmp(canon, rom, VMROM_IMAGE_SIZE)))
		bad = "stray bytes outside the fields (padding or image checksum)";
	if (why)
		*why = bad;
	if (bad)
		return -EINVAL;
	*out = w;
	return 0;
}

int vmrom_split(uint64_t capacity, uint64_t sizes[VMROM_MAX_WINDOWS])
{
	int n = 0;

	if (capacity == 0 || capacity % VMROM_GRANULE)
		return -EINVAL;
	for (int bit = 63; bit >= 0; bit--) {
		uint64_t piece = 1ull << bit;

		if (capacity & piece)
			sizes[n++] = piece;
	}
	return n;
}
