// SPDX-License-Identifier: GPL-2.0-or-later
/* tagdax_map(): one contiguous shared mapping, pieces in order, in-use lock. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>
#include <cmocka.h>

#include "private.h"
#include "testctx.h"

struct fixture {
	struct fake f;
	struct tagdax_ctx *ctx;
};

#define MiB (1u << 20)

static int setup(void **state)
{
	static struct fixture fx;

	if (fake_init(&fx.f))
		return -1;
	fx.ctx = test_ctx(&fx.f);
	if (!fx.ctx || fake_file(&fx.f, "mem/a", 8 * MiB) || fake_file(&fx.f, "mem/b", 8 * MiB))
		return -1;
	*state = &fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	tagdax_unref(fx->ctx);
	fake_cleanup(&fx->f);
	return 0;
}

static void pread_at(struct fixture *fx, const char *rel, uint64_t off, char *buf, size_t len)
{
	char path[512];
	int fd = open(fake_path(&fx->f, rel, path, sizeof(path)), O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, buf, len, (off_t)off), (ssize_t)len);
	close(fd);
}

static void map_table_entry_shares_the_file(void **state)
{
	struct fixture *fx = *state;
	struct tagdax_tag tag = test_tag(TAG_A);
	struct tagdax_dev *dev;
	struct tagdax_map *map;
	char buf[6];

	assert_int_equal(fake_write(&fx->f, "tags.conf", "%s mem/a 2M 4M\n", TAG_A), 0);
	assert_int_equal(tagdax_resolve(fx->ctx, &tag, &dev), 0);
	assert_int_equal(tagdax_map(dev, 0, &map), 0);
	assert_int_equal(tagdax_map_get_size(map), 4 * MiB);
	memcpy(tagdax_map_get_addr(map), "hello", 6);
	memcpy((char *)tagdax_map_get_addr(map) + 4 * MiB - 6, "tail!", 6);
	pread_at(fx, "mem/a", 2 * MiB, buf, 6);
	assert_string_equal(buf, "hello");
	pread_at(fx, "mem/a", 6 * MiB - 6, buf, 6);
	assert_string_equal(buf, "tail!");
	tagdax_unmap(map);
}

/* Two pieces from two files come out as one contiguous range, in order. */
static void pieces_are_stitched_in_order(void **state)
{
	struct fixture *fx = *state;
	struct tagdax_tag tag = test_tag(TAG_B);
	struct tagdax_dev *dev;
	struct tagdax_map *map;
	char pa[512], pb[512], buf[8];
	uint8_t *p;

	dev = dev_new(fx->ctx, tagdax_provider_find("table"), &tag, "stitched",
		      fake_path(&fx->f, "mem/b", pb, sizeof(pb)));
	assert_non_null(dev);
	dev->align = 2 * MiB;
	assert_int_equal(dev_add_seg(dev, pb, 4 * MiB, 2 * MiB), 0);
	assert_int_equal(dev_add_seg(dev, fake_path(&fx->f, "mem/a", pa, sizeof(pa)), 0, 2 * MiB), 0);
	assert_int_equal(tagdax_map(dev, 0, &map), 0);
	p = tagdax_map_get_addr(map);
	assert_int_equal((uintptr_t)p % (2 * MiB), 0); /* aligned as the device asks */
	assert_int_equal(tagdax_map_get_size(map), 4 * MiB);
	memcpy(p, "first", 6);
	memcpy(p + 2 * MiB, "second", 7);
	pread_at(fx, "mem/b", 4 * MiB, buf, 6);
	assert_string_equal(buf, "first");
	pread_at(fx, "mem/a", 0, buf, 7);
	assert_string_equal(buf, "second");
	tagdax_unmap(map);
	dev_free(dev);
}

/* The getters show the pieces as map() lays them out, and stop at the end. */
static void segments_are_listed_in_order(void **state)
{
	struct fixture *fx = *state;
	struct tagdax_tag tag = test_tag(TAG_B);
	struct tagdax_dev *dev;
	char pa[512], pb[512];
	const char *path = NULL;
	uint64_t off = 1, len = 1;

	dev = dev_new(fx->ctx, tagdax_provider_find("table"), &tag, "stitched",
		      fake_path(&fx->f, "mem/b", pb, sizeof(pb)));
	assert_non_null(dev);
	assert_int_equal(tagdax_dev_get_segment_count(dev), 0);
	assert_int_equal(tagdax_dev_get_segment(dev, 0, &path, &off, &len), -ERANGE);
	assert_int_equal(dev_add_seg(dev, pb, 4 * MiB, 2 * MiB), 0);
	assert_int_equal(dev_add_seg(dev, fake_path(&fx->f, "mem/a", pa, sizeof(pa)), 0, 6 * MiB), 0);
	assert_int_equal(tagdax_dev_get_segment_count(dev), 2);
	assert_int_equal(tagdax_dev_get_segment(dev, 0, &path, &off, &len), 0);
	assert_string_equal(path, pb);
	assert_int_equal(off, 4 * MiB);
	assert_int_equal(len, 2 * MiB);
	assert_int_equal(tagdax_dev_get_segment(dev, 1, &path, &off, &len), 0);
	assert_string_equal(path, pa);
	assert_int_equal(off, 0);
	assert_int_equal(len, 6 * MiB);
	path = "untouched";
	assert_int_equal(tagdax_dev_get_segment(dev, 2, &path, &off, &len), -ERANGE);
	assert_string_equal(path, "untouched");
	dev_free(dev);
}

/* A table entry is one piece: its file, offset and size. */
static void table_entry_is_one_segment(void **state)
{
	struct fixture *fx = *state;
	struct tagdax_tag tag = test_tag(TAG_C);
	struct tagdax_dev *dev;
	const char *path;
	uint64_t off, len;
	char pa[512];

	tagdax_rescan(fx->ctx);
	assert_int_equal(fake_write(&fx->f, "tags.conf", "%s mem/a 2M 4M\n", TAG_C), 0);
	assert_int_equal(tagdax_resolve(fx->ctx, &tag, &dev), 0);
	assert_int_equal(tagdax_dev_get_segment_count(dev), 1);
	assert_int_equal(tagdax_dev_get_segment(dev, 0, &path, &off, &len), 0);
	assert_string_equal(path, fake_path(&fx->f, "mem/a", pa, sizeof(pa)));
	assert_int_equal(off, 2 * MiB);
	assert_int_equal(len, 4 * MiB);
}

static void refusals(void **state)
{
	struct fixture *fx = *state;
	struct tagdax_tag tag = test_tag(TAG_C);
	struct tagdax_dev *dev;
	struct tagdax_map *map = (void *)1;
	char pa[512];

	dev = dev_new(fx->ctx, tagdax_provider_find("table"), &tag, "x",
		      fake_path(&fx->f, "mem/a", pa, sizeof(pa)));
	assert_int_equal(tagdax_map(dev, 0, &map), -ENODEV); /* no pieces */
	assert_null(map);
	assert_int_equal(dev_add_seg(dev, pa, 4096 + 512, 4096), 0); /* misaligned */
	assert_int_equal(tagdax_map(dev, 0, &map), -EINVAL);
	dev->segs[0].offset = 0;
	dev->flags = TAGDAX_DEV_READONLY;
	assert_int_equal(tagdax_map(dev, 0, &map), -EROFS);
	assert_int_equal(tagdax_map(dev, TAGDAX_MAP_READONLY, &map), 0);
	tagdax_unmap(map);
	free(dev->segs[0].path);
	dev->segs[0].path = strdup("/nonexistent/file");
	dev->flags = 0;
	assert_int_equal(tagdax_map(dev, 0, &map), -ENOENT);
	dev_free(dev);
}

/* A provider that cannot be asked again: its device is believed as it is. */
static const struct tagdax_provider unprobed = { .name = "unprobed" };

static void mapping_holds_the_in_use_lock(void **state)
{
	struct fixture *fx = *state;
	struct tagdax_tag tag = test_tag(TAG_C);
	struct tagdax_dev *dev;
	struct tagdax_map *map;
	char pa[512], lock[512];
	int fd;

	fake_write(&fx->f, "lockfile", "x");
	dev = dev_new(fx->ctx, &unprobed, &tag, "x",
		      fake_path(&fx->f, "mem/a", pa, sizeof(pa)));
	assert_int_equal(dev_add_seg(dev, pa, 0, 2 * MiB), 0);
	assert_int_equal(dev_set_str(&dev->lock_path, fake_path(&fx->f, "lockfile", lock, sizeof(lock))), 0);
	assert_int_equal(tagdax_map(dev, 0, &map), 0);
	fd = open(lock, O_RDONLY);
	assert_int_not_equal(flock(fd, LOCK_EX | LOCK_NB), 0); /* in use */
	tagdax_unmap(map);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0); /* free again */

	/* its owner holds it exclusively while taking the device away */
	map = (void *)1;
	assert_int_equal(tagdax_map(dev, 0, &map), -EBUSY);
	assert_null(map);
	close(fd);
	/* and unlinks it once the device is gone */
	unlink(lock);
	assert_int_equal(tagdax_map(dev, 0, &map), -ENOENT);
	dev_free(dev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(map_table_entry_shares_the_file),
		cmocka_unit_test(pieces_are_stitched_in_order),
		cmocka_unit_test(segments_are_listed_in_order),
		cmocka_unit_test(table_entry_is_one_segment),
		cmocka_unit_test(refusals),
		cmocka_unit_test(mapping_holds_the_in_use_lock),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
