// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The VM ROM descriptor (lib/vmrom.c): the input is a ROM as a guest reads
 * it from an ivshmem device.  Byte 0 is a control byte: bit 0 seals the
 * descriptor CRC and the image checksum, so mutations reach the fields.
 * Oracles: a ROM the parser accepts is exactly the image vmrom_build makes
 * of the window it returned; a window vmrom_build accepts parses back to
 * itself.
 */
#include <endian.h>
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "vmrom.h"

static void seal(uint8_t *rom)
{
	uint8_t *d = rom + VMROM_DESC_OFFSET, sum = 0;
	uint32_t crc = htole32(vmrom_crc32(d, offsetof(struct vmrom_wire_desc, checksum)));

	memcpy(d + offsetof(struct vmrom_wire_desc, checksum), &crc, sizeof(crc));
	for (unsigned int i = 0; i < VMROM_IMAGE_SIZE - 1; i++)
		sum = (uint8_t)(sum + rom[i]);
	rom[VMROM_IMAGE_SIZE - 1] = (uint8_t)-sum;
}

static void check_parsed(const uint8_t *rom, size_t len)
{
	uint8_t canon[VMROM_IMAGE_SIZE];
	struct vmrom_window w;
	const char *why = NULL;

	int rc = vmrom_parse(rom, len, &w, &why);

	fuzz_note("vmrom: %s", rc ? why : "accepted");
	if (rc) {
		if (!why)
			fuzz_fail("rejected without a reason");
		return;
	}
	if (vmrom_build(&w, canon) || memcmp(canon, rom, VMROM_IMAGE_SIZE))
		fuzz_fail("accepted a ROM that is not the image of its window");
}

static bool same(const struct vmrom_window *a, const struct vmrom_window *b)
{
	return !memcmp(a->tag.b, b->tag.b, sizeof(a->tag.b)) && a->index == b->index &&
	       a->count == b->count && a->offset == b->offset && a->size == b->size &&
	       a->capacity == b->capacity && a->flags == b->flags;
}

/* The window fields taken straight from the input, through build and back. */
static void check_built(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size, 0 };
	struct vmrom_window w = { .index = 0 }, back;
	uint8_t image[VMROM_IMAGE_SIZE];
	const uint8_t *tag;
	size_t got;

	tag = fuzz_take_bytes(&in, 16, &got);
	memcpy(w.tag.b, tag, got);
	w.index = (unsigned int)fuzz_take(&in, 2);
	w.count = (unsigned int)fuzz_take(&in, 2);
	w.offset = fuzz_take(&in, 8);
	w.size = fuzz_take(&in, 8);
	w.capacity = fuzz_take(&in, 8);
	w.flags = (unsigned int)fuzz_take(&in, 4);
	if (vmrom_build(&w, image))
		return;
	if (vmrom_parse(image, sizeof(image), &back, NULL) || !same(&back, &w))
		fuzz_fail("a window vmrom_build accepts does not parse back to itself");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t rom[2 * VMROM_IMAGE_SIZE];
	size_t len = size > 1 ? size - 1 : 0;

	if (len > sizeof(rom))
		len = sizeof(rom);
	memcpy(rom, data + (size ? 1 : 0), len);
	if (size && (data[0] & 1) && len >= VMROM_IMAGE_SIZE)
		seal(rom);
	check_parsed(rom, len);
	check_built(data, size);
	return 0;
}
