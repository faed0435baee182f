// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The cxl provider against fake DCD sysfs trees: listing, details, extents,
 * unclaimed capacity, claim, ambiguity, malformed and vanished entries, the
 * fast path and its staleness checks, mapping, scale.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "private.h"
#include "fixture.h"
#include "testctx.h"

extern const struct tagdax_provider tagdax_provider_cxl;

#define NULL_TAG "00000000-0000-0000-0000-000000000000"
#define MiB (1ull << 20)

/* Where a device's attributes live: its bus entry links here, as in sysfs. */
static const char *dev_dir(const char *name, char *buf, size_t len)
{
	unsigned int region = 0;

	sscanf(name, "dax%u", &region);
	snprintf(buf, len, "sys/devices/platform/cxl/dax_region%u/%s", region, name);
	return buf;
}

static void attr(struct fixture *fx, const char *name, const char *file, const char *value)
{
	char dir[256], rel[300];

	snprintf(rel, sizeof(rel), "%s/%s", dev_dir(name, dir, sizeof(dir)), file);
	assert_int_equal(fake_write(&fx->f, rel, "%s\n", value), 0);
	if (!strcmp(file, "resource"))
		assert_int_equal(fake_mode(&fx->f, rel, 0400), 0); /* as the kernel has it */
}

/* A dax device with a tag (or NULL_TAG), size, 2 MiB align and a driver. */
static void add_dax(struct fixture *fx, const char *name, const char *tag, uint64_t size,
		    const char *driver)
{
	char dir[256], rel[300], target[300], num[32];

	dev_dir(name, dir, sizeof(dir));
	attr(fx, name, "uuid", tag);
	snprintf(num, sizeof(num), "%llu", (unsigned long long)size);
	attr(fx, name, "size", num);
	attr(fx, name, "align", "2097152");
	snprintf(target, sizeof(target), "../../../%s", dir + 4);
	snprintf(rel, sizeof(rel), "sys/bus/dax/devices/%s", name);
	assert_int_equal(fake_symlink(&fx->f, target, rel), 0);
	if (driver) {
		snprintf(target, sizeof(target), "../../../../../bus/dax/drivers/%s", driver);
		snprintf(rel, sizeof(rel), "%s/driver", dir);
		assert_int_equal(fake_symlink(&fx->f, target, rel), 0);
	}
}

/* An extent of dax_region<region>; tag NULL for an untagged one. */
static void add_extent(struct fixture *fx, unsigned int region, unsigned int idx,
		       uint64_t offset, uint64_t length, const char *tag)
{
	char rel[256];
	const char *dir = "sys/bus/cxl/devices/dax_region";

	snprintf(rel, sizeof(rel), "%s%u/extent%u.%u/offset", dir, region, region, idx);
	assert_int_equal(fake_write(&fx->f, rel, "%#llx\n", (unsigned long long)offset), 0);
	snprintf(rel, sizeof(rel), "%s%u/extent%u.%u/length", dir, region, region, idx);
	assert_int_equal(fake_write(&fx->f, rel, "0x%llx\n", (unsigned long long)length), 0);
	if (tag) {
		snprintf(rel, sizeof(rel), "%s%u/extent%u.%u/uuid", dir, region, region, idx);
		assert_int_equal(fake_write(&fx->f, rel, "%s\n", tag), 0);
	}
}

static const char *root_path(struct fixture *fx, const char *rel)
{
	static char buf[4][512];
	static int i;

	i = (i + 1) % 4;
	return fake_path(&fx->f, rel, buf[i], sizeof(buf[i]));
}

static unsigned int count_cxl(struct tagdax_ctx *ctx)
{
	struct tagdax_dev *dev;
	unsigned int n = 0;

	tagdax_rescan(ctx);
	tagdax_dev_foreach(ctx, dev)
		n += !strcmp(tagdax_dev_get_provider(dev), "cxl");
	return n;
}

static struct tagdax_dev *find_listed(struct tagdax_ctx *ctx, const char *tag, const char *devname)
{
	struct tagdax_tag t = test_tag(tag);
	struct tagdax_dev *dev;

	tagdax_dev_foreach(ctx, dev)
		if (tagdax_tag_equal(tagdax_dev_get_tag(dev), &t) &&
		    !strcmp(tagdax_dev_get_devname(dev), devname))
			return dev;
	return NULL;
}

static void assert_extent(struct tagdax_dev *dev, unsigned int i, uint64_t start, uint64_t len)
{
	uint64_t s, l;

	assert_int_equal(tagdax_dev_get_extent(dev, i, &s, &l), 0);
	assert_int_equal(s, start);
	assert_int_equal(l, len);
}

static char *read_text(struct fixture *fx, const char *rel, char *buf, size_t len)
{
	FILE *f = fopen(root_path(fx, rel), "r");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, len - 1, f);
	fclose(f);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return buf;
}

static void list_and_details(void **state)
{
	struct fixture *fx = *state;
	struct tagdax_dev *dev;
	struct tagdax_map *map;

	add_dax(fx, "dax0.0", TAG_A, 4 * MiB, "device_dax");
	attr(fx, "dax0.0", "resource", "0x4080000000");
	attr(fx, "dax0.0", "target_node", "2");
	add_extent(fx, 0, 0, 2 * MiB, 2 * MiB, TAG_A); /* listed out of order */
	add_extent(fx, 0, 1, 0, 2 * MiB, TAG_A);
	add_extent(fx, 0, 2, 8 * MiB, 2 * MiB, NULL); /* untagged: nobody's */
	add_dax(fx, "dax0.1", NULL_TAG, 0, NULL);      /* the seed: untagged */
	/* A plain directory (not a link) under the bus works too; kmem. */
	assert_int_equal(fake_write(&fx->f, "sys/bus/dax/devices/dax10.0/uuid", "%s\n", TAG_C), 0);
	assert_int_equal(fake_write(&fx->f, "sys/bus/dax/devices/dax10.0/size", "%d\n", 1 << 30), 0);
	assert_int_equal(fake_symlink(&fx->f, "../../bus/dax/drivers/kmem",
				      "sys/bus/dax/devices/dax10.0/driver"), 0);

	assert_int_equal(count_cxl(fx->ctx), 2);
	dev = find_listed(fx->ctx, TAG_A, "dax0.0");
	assert_non_null(dev);
	assert_string_equal(tagdax_dev_get_path(dev), root_path(fx, "dev/dax0.0"));
	assert_string_equal(tagdax_dev_get_provider(dev), "cxl");
	assert_int_equal(tagdax_dev_get_size(dev), 4 * MiB);
	assert_int_equal(tagdax_dev_get_align(dev), 2 * MiB);
	assert_int_equal(tagdax_dev_get_offset(dev), 0);
	assert_int_equal(tagdax_dev_get_resource(dev), 0x4080000000ull);
	assert_int_equal(tagdax_dev_get_target_node(dev), 2);
	assert_string_equal(tagdax_dev_get_mode(dev), "devdax");
	assert_string_equal(tagdax_dev_get_region(dev), "dax_region0");
	assert_int_equal(tagdax_dev_get_flags(dev), 0);
	assert_int_equal(tagdax_dev_get_extent_count(dev), 2);
	assert_extent(dev, 0, 0, 2 * MiB);
	assert_extent(dev, 1, 2 * MiB, 2 * MiB);

	dev = find_listed(fx->ctx, TAG_C, "dax10.0");
	assert_non_null(dev);
	assert_string_equal(tagdax_dev_get_mode(dev), "kmem");
	assert_string_equal(tagdax_dev_get_region(dev), "dax_region10");
	assert_int_equal(tagdax_dev_get_size(dev), 1 << 30);
	assert_int_equal(tagdax_dev_get_target_node(dev), -1);    /* absent */
	assert_int_equal(tagdax_dev_get_resource(dev), UINT64_MAX); /* absent */
	assert_int_equal(tagdax_dev_get_extent_count(dev), 0);
	/* kmem memory is system RAM: no node to map */
	assert_int_equal(tagdax_map(dev, 0, &map), -ENODEV);
	assert_null(map);

	/* dax0.0 sorts before dax10.0, whatever readdir says */
	dev = tagdax_dev_get_first(fx->ctx);
	assert_string_equal(tagdax_dev_get_devname(dev), "dax0.0");
}

static void unclaimed_extents(void **state)
{
	struct fixture *fx = *state;
	struct tagdax_tag b = test_tag(TAG_B);
	struct tagdax_dev *dev;

	add_dax(fx, "dax0.0", TAG_A, 2 * MiB, "device_dax");
	add_extent(fx, 0, 0, 0, 2 * MiB, TAG_A);
	add_extent(fx, 0, 1, 6 * MiB, 4 * MiB, TAG_B);
	add_extent(fx, 0, 2, 2 * MiB, 2 * MiB, TAG_B);

	assert_int_equal(count_cxl(fx->ctx), 2);
	dev = find_listed(fx->ctx, TAG_B, "dax_region0");
	assert_non_null(dev);
	assert_null(tagdax_dev_get_path(dev));
	assert_int_equal(tagdax_dev_get_flags(dev), TAGDAX_DEV_UNCLAIMED);
	assert_string_equal(tagdax_dev_get_region(dev), "dax_region0");
	assert_int_equal(tagdax_dev_get_size(dev), 6 * MiB);
	assert_int_equal(tagdax_dev_get_extent_count(dev), 2);
	assert_extent(dev, 0, 2 * MiB, 2 * MiB);
	assert_extent(dev, 1, 6 * MiB, 4 * MiB);

	assert_int_equal(tagdax_resolve(fx->ctx, &b, &dev), -ENODEV);
	assert_non_null(dev);
	assert_string_equal(tagdax_dev_get_region(dev), "dax_region0");
	/* nothing unclaimed is written to the index */
	assert_int_equal(access(root_path(fx, "run/by-tag/" TAG_B), F_OK), -1);
}

/* A tag carried by a device of one region wins over the same tag's
 * unclaimed extents in another region. */
static void claimed_wins(void **state)
{
	struct fixture *fx = *state;
	struct tagdax_tag a = test_tag(TAG_A);
	struct tagdax_dev *dev;

	add_dax(fx, "dax0.0", TAG_A, 2 * MiB, "device_dax");
	add_extent(fx, 0, 0, 0, 2 * MiB, TAG_A);
	add_extent(fx, 1, 0, 0, 2 * MiB, TAG_A);
	assert_int_equal(count_cxl(fx->ctx), 2); /* the device, and region1's entry */
	assert_non_null(find_listed(fx->ctx, TAG_A, "dax_region1"));
	assert_int_equal(tagdax_resolve(fx->ctx, &a, &dev), 0);
	assert_string_equal(tagdax_dev_get_path(dev), root_path(fx, "dev/dax0.0"));
	assert_null(tagdax_dev_get_next_same_tag(dev));
}

static void ambiguous(void **state)
{
	struct fixture *fx = *state;
	struct tagdax_tag a = test_tag(TAG_A);
	struct tagdax_dev *dev, *other;
	struct tagdax_ctx *ctx2;

	add_dax(fx, "dax0.0", TAG_A, 2 * MiB, "device_dax");
	add_dax(fx, "dax1.0", TAG_A, 2 * MiB, "device_dax");
	assert_int_equal(tagdax_resolve(fx->ctx, &a, &dev), -ENOTUNIQ);
	other = tagdax_dev_get_next_same_tag(dev);
	assert_non_null(other);
	assert_null(tagdax_dev_get_next_same_tag(other));
	assert_string_equal(tagdax_dev_get_path(dev), root_path(fx, "dev/dax0.0"));
	assert_string_equal(tagdax_dev_get_path(other), root_path(fx, "dev/dax1.0"));

	/* Still ambiguous through the index, in another context. */
	ctx2 = fixture_ctx(&fx->f);
	assert_int_equal(tagdax_resolve(ctx2, &a, &dev), -ENOTUNIQ);
	assert_non_null(tagdax_dev_get_next_same_tag(dev));
	tagdax_unref(ctx2);
}

/* A Unix socket: a file no one can open, root included. */
static void make_socket(struct fixture *fx, const char *rel)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	fake_path(&fx->f, rel, sa.sun_path, sizeof(sa.sun_path));
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
}

static void malformed_skipped(void **state)
{
	struct fixture *fx = *state;
	struct tagdax_tag a = test_tag(TAG_A);
	struct tagdax_dev *dev;

	add_dax(fx, "dax0.0", TAG_A, 2 * MiB, "device_dax");
	add_extent(fx, 0, 0, 0, 2 * MiB, TAG_A);
	/* bad devices, each with a tag that would otherwise count */
	add_dax(fx, "dax0.1", "not-a-uuid", 2 * MiB, NULL);
	add_dax(fx, "dax0.2", TAG_B, 2 * MiB, NULL);
	attr(fx, "dax0.2", "uuid", "");                        /* empty */
	add_dax(fx, "dax0.3", TAG_B, 2 * MiB, NULL);
	fake_remove(&fx->f, "sys/devices/platform/cxl/dax_region0/dax0.3/uuid");
	fake_mkdir(&fx->f, "sys/devices/platform/cxl/dax_region0/dax0.3/uuid"); /* a directory */
	add_dax(fx, "dax0.4", TAG_B, 2 * MiB, NULL);
	fake_remove(&fx->f, "sys/devices/platform/cxl/dax_region0/dax0.4/uuid");
	make_socket(fx, "sys/devices/platform/cxl/dax_region0/dax0.4/uuid"); /* unreadable */
	add_dax(fx, "dax0.5", TAG_B "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 2 * MiB, NULL);
	/* names that are not device names */
	fake_write(&fx->f, "sys/bus/dax/devices/dax00.1/uuid", "%s\n", TAG_B);
	fake_write(&fx->f, "sys/bus/dax/devices/daxfoo/uuid", "%s\n", TAG_B);
	/* bad extents with the good tag */
	add_extent(fx, 0, 1, 4 * MiB, 2 * MiB, TAG_A);
	fake_write(&fx->f, "sys/bus/cxl/devices/dax_region0/extent0.1/length", "0xZZ\n");
	add_extent(fx, 0, 2, 6 * MiB, 2 * MiB, TAG_A);
	fake_write(&fx->f, "sys/bus/cxl/devices/dax_region0/extent0.2/offset", "%s", "");
	add_extent(fx, 0, 3, 8 * MiB, 2 * MiB, "5be13bce-1d7a-4c1e-9b2f-ZZZZZZZZZZZZ");
	add_extent(fx, 0, 4, 10 * MiB, 2 * MiB, TAG_A);
	fake_remove(&fx->f, "sys/bus/cxl/devices/dax_region0/extent0.4/length");
	fake_mkdir(&fx->f, "sys/bus/cxl/devices/dax_region0/extent0.4/length");
	add_extent(fx, 0, 5, 12 * MiB, 0, TAG_A);              /* empty extent */
	add_extent(fx, 0, 6, UINT64_MAX - MiB, 2 * MiB, TAG_A); /* wraps around */
	add_extent(fx, 0, 7, 16 * MiB, 2 * MiB, TAG_C);
	fake_remove(&fx->f, "sys/bus/cxl/devices/dax_region0/extent0.7/offset");
	make_socket(fx, "sys/bus/cxl/devices/dax_region0/extent0.7/offset");

	assert_int_equal(count_cxl(fx->ctx), 1);
	assert_int_equal(tagdax_resolve(fx->ctx, &a, &dev), 0);
	assert_string_equal(tagdax_dev_get_devname(dev), "dax0.0");
	assert_int_equal(tagdax_dev_get_extent_count(dev), 1);
	assert_extent(dev, 0, 0, 2 * MiB);
	/* each skip was logged, naming what was skipped */
	for (unsigned int i = 1; i <= 5; i++) {
		char name[32];

		snprintf(name, sizeof(name), "cxl: dax0.%u:", i);
		assert_non_null(strstr(fixture_log(), name));
	}
	for (unsigned int i = 1; i <= 7; i++) {
		char name[32];

		snprintf(name, sizeof(name), "extent0.%u: bad", i);
		if (i != 3)
			assert_non_null(strstr(fixture_log(), name));
	}
	assert_non_null(strstr(fixture_log(), "extent0.3: bad uuid"));
}

/* Listed, then gone: a bus link left dangling, as during a removal. */
static void vanished(void **state)
{
	struct fixture *fx = *state;
	struct tagdax_tag a = test_tag(TAG_A), b = test_tag(TAG_B);
	struct tagdax_dev *dev;

	add_dax(fx, "dax0.0", TAG_A, 2 * MiB, "device_dax");
	add_extent(fx, 0, 0, 0, 2 * MiB, TAG_A);
	add_dax(fx, "dax0.1", TAG_B, 2 * MiB, "device_dax");
	fake_remove(&fx->f, "sys/devices/platform/cxl/dax_region0/dax0.1");
	fake_symlink(&fx->f, "../../../devices/gone/extent0.1",
		     "sys/bus/cxl/devices/dax_region0/extent0.1");

	assert_int_equal(count_cxl(fx->ctx), 1);
	assert_int_equal(tagdax_resolve(fx->ctx, &b, &dev), -ENOENT);
	assert_int_equal(tagdax_resolve(fx->ctx, &a, &dev), 0);
	assert_int_equal(tagdax_dev_get_extent_count(dev), 1);
	assert_non_null(strstr(fixture_log(), "cxl: dax0.1:"));
	assert_non_null(strstr(fixture_log(), "cxl: dax_region0/extent0.1:"));

	/* Gone between the resolve and the first getter: details stay unknown.
	 * (A fresh object: the one above already read its details, and an
	 * unchanged device's object is returned again.) */
	tagdax_rescan(fx->ctx);
	assert_int_equal(tagdax_resolve(fx->ctx, &a, &dev), 0);
	fake_remove(&fx->f, "sys/devices/platform/cxl/dax_region0/dax0.0");
	assert_int_equal(tagdax_dev_get_size(dev), 0);
	assert_null(tagdax_dev_get_mode(dev));
}

/* The index must never make resolve answer with a device that no longer
 * carries the tag. */
static void stale_index(void **state)
{
	struct fixture *fx = *state;
	struct tagdax_tag a = test_tag(TAG_A);
	struct tagdax_dev *dev;
	struct tagdax_ctx *ctx;
	char buf[256];

	add_dax(fx, "dax0.0", TAG_A, 2 * MiB, "device_dax");
	add_dax(fx, "dax0.1", NULL_TAG, 2 * MiB, "device_dax");
	assert_int_equal(tagdax_resolve(fx->ctx, &a, &dev), 0);
	assert_string_equal(fixture_index(&fx->f, TAG_A, buf, sizeof(buf)), "cxl dax0.0\n");

	/* the tag moved from dax0.0 to dax0.1 */
	attr(fx, "dax0.0", "uuid", TAG_C);
	attr(fx, "dax0.1", "uuid", TAG_A);
	ctx = fixture_ctx(&fx->f);
	assert_int_equal(tagdax_resolve(ctx, &a, &dev), 0);
	assert_string_equal(tagdax_dev_get_devname(dev), "dax0.1");
	assert_string_equal(fixture_index(&fx->f, TAG_A, buf, sizeof(buf)), "cxl dax0.1\n");
	/* same context, tag gone altogether */
	attr(fx, "dax0.1", "uuid", NULL_TAG);
	assert_int_equal(tagdax_resolve(ctx, &a, &dev), -ENOENT);
	/* tag back, device removed */
	attr(fx, "dax0.1", "uuid", TAG_A);
	fake_remove(&fx->f, "sys/bus/dax/devices/dax0.1");
	assert_int_equal(tagdax_resolve(ctx, &a, &dev), -ENOENT);
	tagdax_unref(ctx);
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

/* Once indexed, a resolve reads the index and one uuid, and no scan runs;
 * the rest is read on the first getter that needs it. */
static void fast_path_and_lazy_details(void **state)
{
	struct fixture *fx = *state;
	struct tagdax_tag a = test_tag(TAG_A);
	struct tagdax_dev *dev;
	struct tagdax_ctx *ctx;

	add_dax(fx, "dax0.0", TAG_A, 2 * MiB, "device_dax");
	add_extent(fx, 0, 0, 0, 2 * MiB, TAG_A);
	assert_int_equal(tagdax_resolve(fx->ctx, &a, &dev), 0);
	assert_non_null(strstr(fixture_log(), "provider cxl:")); /* the first one scanned */

	ctx = fixture_ctx(&fx->f);
	fixture_log_clear();
	assert_int_equal(tagdax_resolve(ctx, &a, &dev), 0);
	assert_null(strstr(fixture_log(), "provider cxl:")); /* no scan this time */
	/* details were not read yet: a size written now is what we see */
	attr(fx, "dax0.0", "size", "6291456");
	assert_int_equal(tagdax_dev_get_size(dev), 6 * MiB);
	assert_int_equal(tagdax_dev_get_extent_count(dev), 1);
	assert_string_equal(tagdax_dev_get_region(dev), "dax_region0");

	/* its speed is measured in bench/resolve, not here */
	tagdax_unref(ctx);
}

static void identify_devnode(void **state)
{
	struct fixture *fx = *state;
	struct tagdax_tag a = test_tag(TAG_A);
	struct tagdax_dev *devs[4];
	struct tagdax_devlist out;
	char buf[256];
	int n;

	add_dax(fx, "dax0.0", TAG_A, 2 * MiB, "device_dax");
	add_dax(fx, "dax0.1", NULL_TAG, 2 * MiB, "device_dax");
	n = tagdax_identify(fx->ctx, "dax0.0", devs, 4);
	assert_int_equal(n, 1);
	assert_string_equal(tagdax_dev_get_provider(devs[0]), "cxl");
	assert_true(tagdax_tag_equal(tagdax_dev_get_tag(devs[0]), &a));
	assert_string_equal(fixture_index(&fx->f, TAG_A, buf, sizeof(buf)), "cxl dax0.0\n");
	assert_int_equal(tagdax_identify(fx->ctx, "dax0.1", devs, 4), 0);

	/* probe takes exact device names only */
	devlist_init(&out);
	assert_int_equal(tagdax_provider_cxl.probe(fx->ctx, "dax00.0", &out), -ENOENT);
	assert_int_equal(tagdax_provider_cxl.probe(fx->ctx, "dax0.0/../dax0.0", &out), -ENOENT);
	assert_int_equal(tagdax_provider_cxl.probe(fx->ctx, "dax_region0", &out), -ENOENT);
	assert_int_equal(tagdax_provider_cxl.probe(fx->ctx, "dax0.0", &out), 0);
	assert_int_equal(out.count, 1);
	devlist_free(&out);
}

/* A "char device" that is a regular file maps like the real one. */
static void map_writes_and_reads(void **state)
{
	struct fixture *fx = *state;
	struct tagdax_tag a = test_tag(TAG_A);
	struct tagdax_map *map;
	struct tagdax_dev *dev;
	unsigned char *p, byte;
	int fd;

	add_dax(fx, "dax0.0", TAG_A, 4 * MiB, "device_dax");
	assert_int_equal(fake_file(&fx->f, "dev/dax0.0", 4 * MiB), 0);
	assert_int_equal(tagdax_resolve(fx->ctx, &a, &dev), 0);
	assert_int_equal(tagdax_map(dev, 0, &map), 0);
	assert_int_equal(tagdax_map_get_size(map), 4 * MiB);
	p = tagdax_map_get_addr(map);
	assert_int_equal((uintptr_t)p % (2 * MiB), 0); /* the device's alignment */
	p[0] = 0x5a;
	p[3 * MiB + 7] = 0xa5;
	tagdax_unmap(map);

	fd = open(root_path(fx, "dev/dax0.0"), O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &byte, 1, 0), 1);
	assert_int_equal(byte, 0x5a);
	assert_int_equal(pread(fd, &byte, 1, 3 * MiB + 7), 1);
	assert_int_equal(byte, 0xa5);
	close(fd);

	assert_int_equal(tagdax_map(dev, TAGDAX_MAP_READONLY, &map), 0);
	p = tagdax_map_get_addr(map);
	assert_int_equal(p[3 * MiB + 7], 0xa5);
	tagdax_unmap(map);
}

/* A region with B's extents unclaimed and a seed ready for it. */
static void claimable(struct fixture *fx)
{
	add_dax(fx, "dax0.0", TAG_A, 2 * MiB, "device_dax");
	add_extent(fx, 0, 0, 0, 2 * MiB, TAG_A);
	add_extent(fx, 0, 1, 4 * MiB, 2 * MiB, TAG_B);
	add_extent(fx, 0, 2, 2 * MiB, 2 * MiB, TAG_B);
	add_dax(fx, "dax0.1", NULL_TAG, 0, NULL);
	fake_write(&fx->f, "sys/bus/cxl/devices/dax_region0/dax_region/seed", "dax0.1\n");
	fake_write(&fx->f, "sys/bus/cxl/devices/dax_region0/dax_region/create", "%s", "");
	fake_write(&fx->f, "sys/bus/dax/drivers/device_dax/bind", "%s", "");
}

static void claim_end_to_end(void **state)
{
	struct fixture *fx = *state;
	struct tagdax_tag b = test_tag(TAG_B);
	struct tagdax_dev *dev;
	char buf[256];

	claimable(fx);
	assert_int_equal(tagdax_resolve(fx->ctx, &b, &dev), -ENODEV);
	assert_int_equal(tagdax_claim(fx->ctx, &b, &dev), 0);
	assert_string_equal(tagdax_dev_get_path(dev), root_path(fx, "dev/dax0.1"));
	assert_int_equal(tagdax_dev_get_extent_count(dev), 2);
	assert_extent(dev, 0, 2 * MiB, 2 * MiB);
	assert_string_equal(read_text(fx, "sys/bus/dax/devices/dax0.1/uuid", buf, sizeof(buf)),
			    TAG_B);
	assert_string_equal(read_text(fx, "sys/bus/dax/drivers/device_dax/bind", buf, sizeof(buf)),
			    "dax0.1");
	/* no seed had to be created */
	assert_string_equal(read_text(fx, "sys/bus/cxl/devices/dax_region0/dax_region/create",
				      buf, sizeof(buf)), "");
	/* claimed now: a second claim is refused, nothing changes */
	assert_int_equal(tagdax_claim(fx->ctx, &b, &dev), -EEXIST);
}

static void claim_bound_seed_not_rebound(void **state)
{
	struct fixture *fx = *state;
	struct tagdax_tag b = test_tag(TAG_B);
	struct tagdax_dev *dev;
	char buf[64];

	claimable(fx);
	fake_symlink(&fx->f, "../../../../../bus/dax/drivers/device_dax",
		     "sys/devices/platform/cxl/dax_region0/dax0.1/driver");
	assert_int_equal(tagdax_claim(fx->ctx, &b, &dev), 0);
	assert_string_equal(read_text(fx, "sys/bus/dax/drivers/device_dax/bind", buf, sizeof(buf)),
			    "");
}

static void claim_refusals(void **state)
{
	struct fixture *fx = *state;
	struct tagdax_tag b = test_tag(TAG_B), c = test_tag(TAG_C);
	struct tagdax_dev *dev;
	char buf[256];

	claimable(fx);
	/* nothing carries C */
	assert_int_equal(tagdax_claim(fx->ctx, &c, &dev), -ENOENT);
	/* the seed already carries a tag: refused before any write */
	attr(fx, "dax0.1", "uuid", TAG_C);
	assert_int_equal(tagdax_claim(fx->ctx, &b, &dev), -EBUSY);
	assert_string_equal(read_text(fx, "sys/bus/dax/devices/dax0.1/uuid", buf, sizeof(buf)),
			    TAG_C);
	assert_non_null(strstr(fixture_log(), "already carries a tag"));
	/* a seed without the uuid attribute: a kernel without the DCD ABI */
	fake_remove(&fx->f, "sys/devices/platform/cxl/dax_region0/dax0.1/uuid");
	assert_int_equal(tagdax_claim(fx->ctx, &b, &dev), -EOPNOTSUPP);
	/* a seed name that is not a device name is never written to */
	fake_write(&fx->f, "sys/bus/cxl/devices/dax_region0/dax_region/seed", "../../x\n");
	assert_int_equal(tagdax_claim(fx->ctx, &b, &dev), -EPROTO);
	/* no seed: "1" goes to create; if no seed appears, the claim fails */
	fake_write(&fx->f, "sys/bus/cxl/devices/dax_region0/dax_region/seed", "\n");
	assert_int_equal(tagdax_claim(fx->ctx, &b, &dev), -EOPNOTSUPP);
	assert_string_equal(read_text(fx, "sys/bus/cxl/devices/dax_region0/dax_region/create",
				      buf, sizeof(buf)), "1");
	/* a static region has neither seed nor create */
	fake_remove(&fx->f, "sys/bus/cxl/devices/dax_region0/dax_region");
	assert_int_equal(tagdax_claim(fx->ctx, &b, &dev), -EOPNOTSUPP);
	assert_int_equal(tagdax_resolve(fx->ctx, &b, &dev), -ENODEV); /* still unclaimed */
}

static void watch_sees_changes(void **state)
{
	struct fixture *fx = *state;
	struct pollfd pfd;

	add_dax(fx, "dax0.0", TAG_A, 2 * MiB, "device_dax");
	add_extent(fx, 0, 0, 0, 2 * MiB, TAG_A);
	pfd.fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	pfd.events = POLLIN;
	assert_true(pfd.fd >= 0);
	tagdax_provider_cxl.watch(fx->ctx, pfd.fd);
	/* an extent arriving inside a region directory */
	add_extent(fx, 0, 1, 2 * MiB, 2 * MiB, TAG_B);
	assert_int_equal(poll(&pfd, 1, 1000), 1);
	close(pfd.fd);
}

/* 1,000 devices in two regions, each with its extent, and 100 unclaimed
 * tags: every device gets exactly its own extent, read once by the scan
 * (the region directories are gone by the time the getters run). */
static void scale(void **state)
{
	struct fixture *fx = *state;
	const unsigned int ndev = 1000, nfree = 100;
	struct tagdax_dev *dev;
	unsigned int devs = 0, unclaimed = 0;
	char tag[TAGDAX_TAG_STRLEN], rel[128];
	double t0, elapsed;

	tagdax_set_log_priority(fx->ctx, LOG_ERR);
	for (unsigned int i = 0; i < ndev + nfree; i++) {
		snprintf(tag, sizeof(tag), "00000000-0000-4000-8000-%012x", i + 1);
		if (i < ndev) {
			snprintf(rel, sizeof(rel), "sys/bus/dax/devices/dax%u.%u/uuid", i % 2, i / 2);
			assert_int_equal(fake_write(&fx->f, rel, "%s\n", tag), 0);
			snprintf(rel, sizeof(rel), "sys/bus/dax/devices/dax%u.%u/size", i % 2, i / 2);
			assert_int_equal(fake_write(&fx->f, rel, "2097152\n"), 0);
		}
		add_extent(fx, i % 2, i / 2, (uint64_t)(i / 2) * 2 * MiB, 2 * MiB, tag);
	}
	t0 = now_us();
	tagdax_rescan(fx->ctx);
	assert_non_null(tagdax_dev_get_first(fx->ctx));
	elapsed = now_us() - t0;
	assert_int_equal(fake_remove(&fx->f, "sys/bus/cxl"), 0);
	t0 = now_us();
	tagdax_dev_foreach(fx->ctx, dev) {
		uint64_t start, len;

		if (strcmp(tagdax_dev_get_provider(dev), "cxl"))
			continue;
		if (tagdax_dev_get_flags(dev) & TAGDAX_DEV_UNCLAIMED) {
			unclaimed++;
			continue;
		}
		devs++;
		assert_int_equal(tagdax_dev_get_extent_count(dev), 1);
		assert_int_equal(tagdax_dev_get_extent(dev, 0, &start, &len), 0);
		assert_int_equal(len, 2 * MiB);
		assert_int_equal(tagdax_dev_get_size(dev), 2 * MiB);
	}
	elapsed += now_us() - t0;
	print_message("scan and details of %u devices: %.1f ms\n", devs, elapsed / 1000);
	assert_int_equal(devs, ndev);
	assert_int_equal(unclaimed, nfree);
	/* linear is tens of ms; a listing of a region per device, seconds */
	assert_true(elapsed < 5e6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(list_and_details, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(unclaimed_extents, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(claimed_wins, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(ambiguous, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(malformed_skipped, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(vanished, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(stale_index, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(fast_path_and_lazy_details, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(identify_devnode, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(map_writes_and_reads, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(claim_end_to_end, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(claim_bound_seed_not_rebound, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(claim_refusals, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(watch_sees_changes, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(scale, fixture_setup, fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
