// SPDX-License-Identifier: GPL-2.0-or-later
/* The VM descriptor ROM and the vm provider that reads it from (fake) sysfs. */
#include <endian.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <cmocka.h>

#include "fakesys.h"
#include "private.h"
#include "vmrom.h"

#define MiB (1ull << 20)
#define TAG_A "5be13bce-1d7a-4c1e-9b2f-3f6c2a1d0e55"
#define TAG_B "0b9e5c7e-55f1-4b8e-a3a6-7c2d6f1e9a01"

static struct vmrom_window window(const char *tag, unsigned int index, unsigned int count,
				  uint64_t offset, uint64_t size, uint64_t capacity)
{
	struct vmrom_window w = { .index = index, .count = count, .offset = offset,
				  .size = size, .capacity = capacity,
				  .flags = VMROM_FLAG_SHARABLE };

	assert_int_equal(tagdax_tag_parse(tag, &w.tag), 0);
	return w;
}

static bool same_window(const struct vmrom_window *a, const struct vmrom_window *b)
{
	return tagdax_tag_equal(&a->tag, &b->tag) && a->index == b->index &&
	       a->count == b->count && a->offset == b->offset && a->size == b->size &&
	       a->capacity == b->capacity && a->flags == b->flags;
}

static void roundtrip(void **state)
{
	struct vmrom_window w = window(TAG_A, 1, 2, 16 * MiB, 8 * MiB, 24 * MiB), back;
	uint8_t image[VMROM_IMAGE_SIZE + 1536];
	uint8_t sum = 0;

	(void)state;
	w.flags |= VMROM_FLAG_READONLY;
	assert_int_equal(vmrom_build(&w, image), 0);
	/* a valid expansion ROM: what guest kernels insist on */
	assert_int_equal(image[0], 0x55);
	assert_int_equal(image[1], 0xaa);
	assert_int_equal(image[0x18] | image[0x19] << 8, VMROM_PCIR_OFFSET);
	assert_memory_equal(image + VMROM_PCIR_OFFSET, "PCIR", 4);
	assert_int_equal(image[VMROM_PCIR_OFFSET + 0x10], 1);    /* one 512-byte unit */
	assert_int_equal(image[VMROM_PCIR_OFFSET + 0x14], 3);    /* code type EFI */
	assert_int_equal(image[VMROM_PCIR_OFFSET + 0x15], 0x80); /* last image */
	for (unsigned int i = 0; i < VMROM_IMAGE_SIZE; i++)
		sum = (uint8_t)(sum + image[i]);
	assert_int_equal(sum, 0);
	/* explicit little-endian: the window size's low byte comes first */
	assert_int_equal(image[VMROM_DESC_OFFSET + 0x30 + 2], 0x80); /* 8 MiB = 0x800000 */

	memset(&back, 0, sizeof(back));
	assert_int_equal(vmrom_parse(image, VMROM_IMAGE_SIZE, &back, NULL), 0);
	assert_true(same_window(&back, &w));
	/* a ROM BAR larger than the image reads back with trailing bytes */
	memset(image + VMROM_IMAGE_SIZE, 0xff, sizeof(image) - VMROM_IMAGE_SIZE);
	assert_int_equal(vmrom_parse(image, sizeof(image), &back, NULL), 0);
	assert_int_equal(vmrom_parse(image, VMROM_IMAGE_SIZE - 1, &back, NULL), -EINVAL);
}

static void crc_is_ieee(void **state)
{
	static const char text[] = "123456789";

	(void)state;
	assert_int_equal(vmrom_crc32(text, 9), 0xcbf43926u);
	assert_int_equal(vmrom_crc32(text, 9), (uint32_t)crc32(0, (const Bytef *)text, 9));
}

/* Every single byte of the image matters: flipping any one is rejected. */
static void every_byte_checked(void **state)
{
	struct vmrom_window w = window(TAG_A, 0, 1, 0, 4 * MiB, 4 * MiB), out;
	uint8_t image[VMROM_IMAGE_SIZE];
	const char *why;

	(void)state;
	assert_int_equal(vmrom_build(&w, image), 0);
	for (unsigned int i = 0; i < VMROM_IMAGE_SIZE; i++) {
		for (unsigned int bit = 0; bit < 8; bit++) {
			image[i] ^= (uint8_t)(1u << bit);
			why = NULL;
			if (vmrom_parse(image, sizeof(image), &out, &why) != -EINVAL)
				fail_msg("flipping bit %u of byte 0x%x was accepted", bit, i);
			assert_non_null(why);
			image[i] ^= (uint8_t)(1u << bit);
		}
	}
	assert_int_equal(vmrom_parse(image, sizeof(image), &out, NULL), 0);
}

/* Rewrites a descriptor field and re-seals the image (CRC, byte sum), so only
 * the field's meaning can get it rejected. */
static void reseal(uint8_t *image)
{
	struct vmrom_wire_desc d;
	uint8_t sum = 0;

	memcpy(&d, image + VMROM_DESC_OFFSET, sizeof(d));
	d.checksum = htole32(vmrom_crc32(&d, offsetof(struct vmrom_wire_desc, checksum)));
	memcpy(image + VMROM_DESC_OFFSET, &d, sizeof(d));
	for (unsigned int i = 0; i < VMROM_IMAGE_SIZE - 1; i++)
		sum = (uint8_t)(sum + image[i]);
	image[VMROM_IMAGE_SIZE - 1] = (uint8_t)-sum;
}

static void set_field(uint8_t *image, size_t off, size_t width, uint64_t value)
{
	for (size_t i = 0; i < width; i++)
		image[VMROM_DESC_OFFSET + off + i] = (uint8_t)(value >> (8 * i));
	reseal(image);
}

#define FIELD(name) offsetof(struct vmrom_wire_desc, name), sizeof(((struct vmrom_wire_desc *)0)->name)

static void meaningless_fields_rejected(void **state)
{
	static const struct {
		size_t off, width;
		uint64_t value;
		const char *what;
	} bad[] = {
		{ FIELD(version), 2, "version 2" },
		{ FIELD(length), 0x40, "descriptor length" },
		{ FIELD(window_index), 2, "index == count" },
		{ FIELD(window_count), 0, "count 0" },
		{ FIELD(window_count), VMROM_MAX_WINDOWS + 1, "count too large" },
		{ FIELD(flags), 0x4, "unknown flag" },
		{ FIELD(reserved0), 1, "reserved0" },
		{ FIELD(reserved1), 1, "reserved1" },
		{ FIELD(window_offset), 1 * MiB, "offset not 2 MiB aligned" },
		{ FIELD(window_offset), 20 * MiB, "window past the capacity" },
		{ FIELD(window_size), 6 * MiB, "size not a power of two" },
		{ FIELD(window_size), 1 * MiB, "size below 2 MiB" },
		{ FIELD(window_size), 32 * MiB, "window larger than the capacity" },
		{ FIELD(capacity_size), 25 * MiB, "capacity not a multiple of 2 MiB" },
		{ FIELD(capacity_size), 0, "capacity 0" },
		{ FIELD(tag), 0, "null tag" },
	};
	struct vmrom_window w = window(TAG_A, 1, 2, 16 * MiB, 8 * MiB, 24 * MiB), out;
	uint8_t good[VMROM_IMAGE_SIZE], image[VMROM_IMAGE_SIZE];

	(void)state;
	assert_int_equal(vmrom_build(&w, good), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(image, good, sizeof(image));
		if (bad[i].off == offsetof(struct vmrom_wire_desc, tag)) {
			memset(image + VMROM_DESC_OFFSET + bad[i].off, 0, 16);
			reseal(image);
		} else {
			set_field(image, bad[i].off, bad[i].width, bad[i].value);
		}
		if (vmrom_parse(image, sizeof(image), &out, NULL) != -EINVAL)
			fail_msg("accepted: %s", bad[i].what);
	}
	/* the same resealing with an unchanged value is accepted: the cases
	 * above fail for their field, not for the resealing */
	memcpy(image, good, sizeof(image));
	set_field(image, FIELD(window_index), 1);
	assert_int_equal(vmrom_parse(image, sizeof(image), &out, NULL), 0);
}

static void build_rejects_invalid(void **state)
{
	uint8_t image[VMROM_IMAGE_SIZE];
	struct vmrom_window w = window(TAG_A, 0, 1, 0, 3 * MiB, 3 * MiB);

	(void)state;
	assert_int_equal(vmrom_build(&w, image), -EINVAL);
	w = window(TAG_A, 1, 1, 0, 2 * MiB, 2 * MiB);
	assert_int_equal(vmrom_build(&w, image), -EINVAL);
	memset(&w.tag, 0, sizeof(w.tag));
	w.index = 0;
	assert_int_equal(vmrom_build(&w, image), -EINVAL);
}

static void split(void **state)
{
	uint64_t sizes[VMROM_MAX_WINDOWS];

	(void)state;
	assert_int_equal(vmrom_split(24 * MiB, sizes), 2);
	assert_int_equal(sizes[0], 16 * MiB);
	assert_int_equal(sizes[1], 8 * MiB);
	assert_int_equal(vmrom_split(6 * MiB, sizes), 2);
	assert_int_equal(sizes[0], 4 * MiB);
	assert_int_equal(sizes[1], 2 * MiB);
	assert_int_equal(vmrom_split(2 * MiB, sizes), 1);
	assert_int_equal(vmrom_split(UINT64_MAX - (2 * MiB - 1), sizes), 43);
	assert_int_equal(vmrom_split(0, sizes), -EINVAL);
	assert_int_equal(vmrom_split(3 * MiB, sizes), -EINVAL);
}

/* ---- the provider, on a fake sysfs ------------------------------------ */

struct env {
	struct fake f;
	struct tagdax_ctx *ctx;
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	if (!e || fake_init(&e->f) || tagdax_new(&e->ctx))
		return -1;
	tagdax_set_sysfs_root(e->ctx, e->f.sys);
	tagdax_set_dev_root(e->ctx, e->f.dev);
	tagdax_set_run_dir(e->ctx, e->f.run);
	tagdax_set_config(e->ctx, e->f.config);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	tagdax_unref(e->ctx);
	fake_cleanup(&e->f);
	free(e);
	return 0;
}

static void write_bin(struct fake *f, const char *rel, const void *data, size_t len)
{
	char path[4096];
	FILE *fp;

	fake_path(f, rel, path, sizeof(path));
	fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	fclose(fp);
}

/* An ivshmem device at bdf: descriptor image (NULL: no ROM), a BAR 2 of bar
 * bytes whose first byte is mark. */
static void add_device(struct env *e, const char *bdf, const uint8_t *image, uint64_t bar,
		       char mark)
{
	char rel[256], path[4096];
	FILE *fp;

	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/vendor", bdf);
	assert_int_equal(fake_write(&e->f, rel, "0x1af4\n"), 0);
	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/device", bdf);
	assert_int_equal(fake_write(&e->f, rel, "0x1110\n"), 0);
	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/resource", bdf);
	assert_int_equal(fake_write(&e->f, rel,
		"0x00000000febfc000 0x00000000febfc0ff 0x0000000000040200\n"
		"0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
		"0x000000ff00000000 0x%016llx 0x000000000014220c\n"
		"0x0000000000000000 0x0000000000000000 0x0000000000000000\n",
		0xff00000000ull + (unsigned long long)bar - 1), 0);
	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/resource2", bdf);
	assert_int_equal(fake_file(&e->f, rel, bar), 0);
	fp = fopen(fake_path(&e->f, rel, path, sizeof(path)), "r+b");
	assert_non_null(fp);
	fputc(mark, fp);
	fclose(fp);
	if (image) {
		snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/rom", bdf);
		write_bin(&e->f, rel, image, VMROM_IMAGE_SIZE);
	}
}

static void add_window(struct env *e, const char *bdf, struct vmrom_window w, char mark)
{
	uint8_t image[VMROM_IMAGE_SIZE];

	assert_int_equal(vmrom_build(&w, image), 0);
	add_device(e, bdf, image, w.size, mark);
}

static int resolve(struct env *e, const char *text, struct tagdax_dev **dev)
{
	struct tagdax_tag tag;

	tagdax_rescan(e->ctx);
	assert_int_equal(tagdax_tag_parse(text, &tag), 0);
	return tagdax_resolve(e->ctx, &tag, dev);
}

static void stitched_in_window_order(void **state)
{
	struct env *e = *state;
	struct tagdax_dev *dev;
	struct tagdax_map *map;
	uint64_t start, len;
	uint8_t *p;

	/* enumeration order (00:03 before 00:05) is the reverse of window order */
	add_window(e, "0000:00:05.0", window(TAG_A, 0, 2, 0, 16 * MiB, 24 * MiB), 'A');
	add_window(e, "0000:00:03.0", window(TAG_A, 1, 2, 16 * MiB, 8 * MiB, 24 * MiB), 'B');
	assert_int_equal(resolve(e, TAG_A, &dev), 0);
	assert_string_equal(tagdax_dev_get_provider(dev), "vm");
	assert_non_null(strstr(tagdax_dev_get_path(dev), "0000:00:05.0/resource2"));
	assert_int_equal(tagdax_dev_get_size(dev), 24 * MiB);
	assert_true(tagdax_dev_get_flags(dev) & TAGDAX_DEV_SHARABLE);
	assert_int_equal(tagdax_dev_get_extent_count(dev), 2);
	assert_int_equal(tagdax_dev_get_extent(dev, 1, &start, &len), 0);
	assert_int_equal(start, 16 * MiB);
	assert_int_equal(len, 8 * MiB);
	assert_int_equal(dev->nsegs, 2);
	assert_non_null(strstr(dev->segs[0].path, "0000:00:05.0/resource2"));
	assert_non_null(strstr(dev->segs[1].path, "0000:00:03.0/resource2"));

	assert_int_equal(tagdax_map(dev, 0, &map), 0);
	p = tagdax_map_get_addr(map);
	assert_int_equal(tagdax_map_get_size(map), 24 * MiB);
	assert_int_equal(p[0], 'A');
	assert_int_equal(p[16 * MiB], 'B');
	tagdax_unmap(map);
}

static void bar_size_mismatch_ignored(void **state)
{
	struct env *e = *state;
	uint8_t image[VMROM_IMAGE_SIZE];
	struct vmrom_window w = window(TAG_A, 0, 1, 0, 8 * MiB, 8 * MiB);
	struct tagdax_dev *dev;

	/* the descriptor says 8 MiB, the BAR is 16 MiB */
	assert_int_equal(vmrom_build(&w, image), 0);
	add_device(e, "0000:00:04.0", image, 16 * MiB, 'X');
	add_window(e, "0000:00:06.0", window(TAG_B, 0, 1, 0, 2 * MiB, 2 * MiB), 'Y');
	assert_int_equal(resolve(e, TAG_A, &dev), -ENOENT);
	assert_int_equal(resolve(e, TAG_B, &dev), 0);
	assert_string_equal(tagdax_dev_get_devname(dev), TAG_B);
}

/* A window whose BAR the guest never assigned is not found, and the
 * library says why; once assigned, it is found and the reason is gone. */
static void unassigned_bar_says_why(void **state)
{
	struct env *e = *state;
	struct tagdax_tag tag;
	struct tagdax_dev *dev;
	const char *why;

	add_window(e, "0000:00:05.0", window(TAG_A, 0, 1, 0, 2 * MiB, 2 * MiB), 'A');
	assert_int_equal(tagdax_tag_parse(TAG_A, &tag), 0);
	assert_int_equal(fake_write(&e->f, "sys/bus/pci/devices/0000:00:05.0/resource",
		"0x00000000febfc000 0x00000000febfc0ff 0x0000000000040200\n"
		"0x0000000000000000 0x0000000000000000 0x0000000000000000\n"
		"0x0000000000000000 0x0000000000000000 0x0000000000000000\n"), 0);
	assert_int_equal(resolve(e, TAG_A, &dev), -ENOENT);
	why = tagdax_get_missing_reason(e->ctx, &tag);
	assert_non_null(why);
	assert_non_null(strstr(why, "0000:00:05.0"));
	assert_non_null(strstr(why, "unassigned"));
	assert_null(tagdax_get_missing_reason(e->ctx, &(struct tagdax_tag){ { 1 } }));

	/* an incomplete set says so too */
	add_window(e, "0000:00:06.0", window(TAG_B, 0, 2, 0, 2 * MiB, 4 * MiB), 'B');
	assert_int_equal(resolve(e, TAG_B, &dev), -ENOENT);
	assert_int_equal(tagdax_tag_parse(TAG_B, &tag), 0);
	assert_non_null(strstr(tagdax_get_missing_reason(e->ctx, &tag), "1 present, 2 expected"));

	/* the firmware assigns it: found, and no reason is left */
	add_window(e, "0000:00:05.0", window(TAG_A, 0, 1, 0, 2 * MiB, 2 * MiB), 'A');
	assert_int_equal(resolve(e, TAG_A, &dev), 0);
	assert_int_equal(tagdax_tag_parse(TAG_A, &tag), 0);
	assert_null(tagdax_get_missing_reason(e->ctx, &tag));
}

static void corrupt_and_foreign_ignored(void **state)
{
	struct env *e = *state;
	struct vmrom_window w = window(TAG_A, 0, 1, 0, 2 * MiB, 2 * MiB);
	uint8_t image[VMROM_IMAGE_SIZE];
	struct tagdax_dev *dev;

	assert_int_equal(vmrom_build(&w, image), 0);
	image[VMROM_DESC_OFFSET + 0x20] ^= 0x40; /* inside the tag: checksum breaks */
	add_device(e, "0000:00:07.0", image, 2 * MiB, 'C');
	add_device(e, "0000:00:08.0", NULL, 2 * MiB, 'D'); /* ivshmem, no ROM */
	add_window(e, "0000:00:09.0", window(TAG_B, 0, 1, 0, 2 * MiB, 2 * MiB), 'E');
	assert_int_equal(fake_write(&e->f, "sys/bus/pci/devices/0000:00:09.0/vendor", "0x8086\n"), 0);
	assert_int_equal(resolve(e, TAG_A, &dev), -ENOENT);
	assert_int_equal(resolve(e, TAG_B, &dev), -ENOENT);
	/* put the vendor back: now it counts */
	assert_int_equal(fake_write(&e->f, "sys/bus/pci/devices/0000:00:09.0/vendor", "0x1af4\n"), 0);
	assert_int_equal(resolve(e, TAG_B, &dev), 0);
	/* without its resource2 file the window cannot be mapped: ignored */
	assert_int_equal(fake_remove(&e->f, "sys/bus/pci/devices/0000:00:09.0/resource2"), 0);
	assert_int_equal(resolve(e, TAG_B, &dev), -ENOENT);
}

static void incomplete_sets_ignored(void **state)
{
	struct env *e = *state;
	struct tagdax_dev *dev;

	/* missing window 1 */
	add_window(e, "0000:00:02.0", window(TAG_A, 0, 2, 0, 16 * MiB, 24 * MiB), 'A');
	assert_int_equal(resolve(e, TAG_A, &dev), -ENOENT);
	/* duplicate window 0 */
	add_window(e, "0000:00:03.0", window(TAG_A, 0, 2, 0, 16 * MiB, 24 * MiB), 'A');
	add_window(e, "0000:00:04.0", window(TAG_A, 1, 2, 16 * MiB, 8 * MiB, 24 * MiB), 'B');
	assert_int_equal(resolve(e, TAG_A, &dev), -ENOENT);
	/* without the duplicate: complete */
	assert_int_equal(fake_remove(&e->f, "sys/bus/pci/devices/0000:00:03.0"), 0);
	assert_int_equal(resolve(e, TAG_A, &dev), 0);
	/* overlap: window 1 claims [8M, 16M), inside window 0 */
	add_window(e, "0000:00:04.0", window(TAG_A, 1, 2, 8 * MiB, 8 * MiB, 24 * MiB), 'B');
	assert_int_equal(resolve(e, TAG_A, &dev), -ENOENT);
	/* gap: [16M, 20M) of 24M, nothing after */
	add_window(e, "0000:00:04.0", window(TAG_A, 1, 2, 16 * MiB, 4 * MiB, 24 * MiB), 'B');
	assert_int_equal(resolve(e, TAG_A, &dev), -ENOENT);
	/* windows disagreeing on the capacity */
	add_window(e, "0000:00:04.0", window(TAG_A, 1, 2, 16 * MiB, 8 * MiB, 26 * MiB), 'B');
	assert_int_equal(resolve(e, TAG_A, &dev), -ENOENT);
}

static void listed_and_probed(void **state)
{
	struct env *e = *state;
	struct tagdax_devlist out;
	struct tagdax_dev *dev;
	unsigned int n = 0;

	add_window(e, "0000:00:02.0", window(TAG_A, 0, 1, 0, 2 * MiB, 2 * MiB), 'A');
	add_window(e, "0000:00:03.0", window(TAG_B, 0, 1, 0, 4 * MiB, 4 * MiB), 'B');
	tagdax_dev_foreach(e->ctx, dev)
		if (!strcmp(tagdax_dev_get_provider(dev), "vm"))
			n++;
	assert_int_equal(n, 2);
	/* the by-tag index names the device by its tag; probe rebuilds it */
	devlist_init(&out);
	assert_int_equal(tagdax_provider_find("vm")->probe(e->ctx, TAG_B, &out), 0);
	assert_int_equal(out.count, 1);
	assert_int_equal(out.head->size, 4 * MiB);
	devlist_free(&out);
	assert_int_equal(tagdax_provider_find("vm")->probe(e->ctx, "not-a-tag", &out), -ENOENT);
	assert_int_equal(fake_remove(&e->f, "sys/bus/pci/devices/0000:00:03.0"), 0);
	assert_int_equal(tagdax_provider_find("vm")->probe(e->ctx, TAG_B, &out), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(roundtrip),
		cmocka_unit_test(crc_is_ieee),
		cmocka_unit_test(every_byte_checked),
		cmocka_unit_test(meaningless_fields_rejected),
		cmocka_unit_test(build_rejects_invalid),
		cmocka_unit_test(split),
		cmocka_unit_test_setup_teardown(stitched_in_window_order, setup, teardown),
		cmocka_unit_test_setup_teardown(bar_size_mismatch_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(corrupt_and_foreign_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(unassigned_bar_says_why, setup, teardown),
		cmocka_unit_test_setup_teardown(incomplete_sets_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(listed_and_probed, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
