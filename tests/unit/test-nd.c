// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The nd provider against fake NVDIMM sysfs trees laid out as the kernel
 * lays them out: namespaces with their pfn/btt/dax holders, block devices
 * under whichever device the pmem driver bound, device-dax under nd dax.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>
#include <cmocka.h>

#include "private.h"
#include "fixture.h"
#include "testctx.h"

extern const struct tagdax_provider tagdax_provider_nd;

#define TAG_D "d4c3b2a1-0000-4000-8000-000000000001"
#define TAG_E "e0e0e0e0-0000-4000-8000-000000000002"
#define NULL_TAG "00000000-0000-0000-0000-000000000000"
/* The info-block uuids of the pfn and dax holders: what `ndctl list` shows as
 * a namespace's "uuid" (the namespace's own is "raw_uuid", with -v). */
#define TAG_PFN "11111111-0000-4000-8000-0000000000f1"
#define TAG_DAX "22222222-0000-4000-8000-0000000000d1"
#define MiB (1ull << 20)

static const char *root_path(struct fixture *fx, const char *rel)
{
	static char buf[4][512];
	static int i;

	i = (i + 1) % 4;
	return fake_path(&fx->f, rel, buf[i], sizeof(buf[i]));
}

/* An nd device (namespace, pfn, btt, dax) of region: its directory under
 * the region, linked from the bus.  Returns the directory. */
static const char *nd_dev(struct fixture *fx, unsigned int region, const char *name)
{
	static char dir[256];
	char target[256], link[256];

	snprintf(dir, sizeof(dir), "sys/devices/ndbus0/region%u/%s", region, name);
	assert_int_equal(fake_mkdir(&fx->f, dir), 0);
	snprintf(target, sizeof(target), "../../../devices/ndbus0/region%u/%s", region, name);
	snprintf(link, sizeof(link), "sys/bus/nd/devices/%s", name);
	assert_int_equal(fake_symlink(&fx->f, target, link), 0);
	return dir;
}

static void nd_attr(struct fixture *fx, unsigned int region, const char *name, const char *file,
		    const char *value)
{
	char rel[300];

	snprintf(rel, sizeof(rel), "sys/devices/ndbus0/region%u/%s/%s", region, name, file);
	assert_int_equal(fake_write(&fx->f, rel, "%s\n", value), 0);
	if (!strcmp(file, "resource"))
		assert_int_equal(fake_mode(&fx->f, rel, 0400), 0); /* as the kernel has it */
}

/* A namespace; uuid NULL leaves the attribute out (an io namespace). */
static void namespace(struct fixture *fx, unsigned int region, const char *name,
		      const char *uuid, uint64_t size, const char *mode, const char *holder)
{
	char num[32];

	nd_dev(fx, region, name);
	if (uuid)
		nd_attr(fx, region, name, "uuid", uuid);
	snprintf(num, sizeof(num), "%llu", (unsigned long long)size);
	nd_attr(fx, region, name, "size", num);
	nd_attr(fx, region, name, "mode", mode);
	nd_attr(fx, region, name, "holder", holder);
}

/* The seeds every region carries: idle pfn, dax and btt devices with an empty
 * uuid, whose size and resource the kernel refuses to read (ENXIO; absent
 * here), and an empty namespace of size 0. */
static void seeds(struct fixture *fx, unsigned int region, unsigned int id)
{
	static const char *const kinds[] = { "pfn", "dax", "btt" };
	char name[32];

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		snprintf(name, sizeof(name), "%s%u.%u", kinds[i], region, id);
		nd_dev(fx, region, name);
		nd_attr(fx, region, name, "uuid", "");
		nd_attr(fx, region, name, "namespace", "");
		if (i < 2)
			nd_attr(fx, region, name, "align", "2097152");
	}
	snprintf(name, sizeof(name), "namespace%u.%u", region, id);
	namespace(fx, region, name, "", 0, "raw", "");
}
/* A pmem disk under parent (a namespace, pfn or btt), size in sectors. */
static void disk(struct fixture *fx, unsigned int region, const char *parent, const char *name,
		 uint64_t bytes)
{
	char rel[300];

	snprintf(rel, sizeof(rel), "sys/devices/ndbus0/region%u/%s/block/%s/size", region, parent,
		 name);
	assert_int_equal(fake_write(&fx->f, rel, "%llu\n", (unsigned long long)(bytes / 512)), 0);
	snprintf(rel, sizeof(rel), "sys/devices/ndbus0/region%u/%s/block/%s/ro", region, parent,
		 name);
	assert_int_equal(fake_write(&fx->f, rel, "0\n"), 0);
}

/* The four personalities of a namespace, one per region. */
static void four_modes(struct fixture *fx)
{
	namespace(fx, 0, "namespace0.0", TAG_A, 16 * MiB, "raw", "");
	nd_attr(fx, 0, "namespace0.0", "resource", "0x240000000");
	nd_attr(fx, 0, "namespace0.0", "target_node", "3");
	disk(fx, 0, "namespace0.0", "pmem0", 16 * MiB);

	/* fsdax: byte 0 of pmem1 is past the info block and struct page
	 * reserve, at the pfn holder's resource; the holder has its own uuid */
	namespace(fx, 1, "namespace1.0", TAG_B, 32 * MiB, "memory", "pfn1.0");
	nd_attr(fx, 1, "namespace1.0", "resource", "0x300000000");
	nd_dev(fx, 1, "pfn1.0");
	nd_attr(fx, 1, "pfn1.0", "namespace", "namespace1.0");
	nd_attr(fx, 1, "pfn1.0", "uuid", TAG_PFN);
	nd_attr(fx, 1, "pfn1.0", "resource", "0x300200000");
	nd_attr(fx, 1, "pfn1.0", "align", "2097152");
	disk(fx, 1, "pfn1.0", "pmem1", 30 * MiB); /* less the struct page reserve */
	seeds(fx, 1, 1);

	/* devdax: the nd dax holder and the device-dax device under it share
	 * a name, as the kernel names them (region2/dax2.0/dax2.0) */
	namespace(fx, 2, "namespace2.0", TAG_C, 64 * MiB, "dax", "dax2.0");
	nd_attr(fx, 2, "namespace2.0", "resource", "0x340000000");
	nd_dev(fx, 2, "dax2.0");
	nd_attr(fx, 2, "dax2.0", "uuid", TAG_DAX);
	nd_attr(fx, 2, "dax2.0", "resource", "0x340400000");
	nd_attr(fx, 2, "dax2.0", "align", "2097152");
	assert_int_equal(fake_mkdir(&fx->f, "sys/devices/ndbus0/region2/dax2.0/dax_region"), 0);
	nd_attr(fx, 2, "dax2.0/dax2.0", "size", "62914560");
	nd_attr(fx, 2, "dax2.0/dax2.0", "align", "2097152");
	nd_attr(fx, 2, "dax2.0/dax2.0", "resource", "0x340400000");
	assert_int_equal(fake_symlink(&fx->f, "../../../devices/ndbus0/region2/dax2.0/dax2.0",
				      "sys/bus/dax/devices/dax2.0"), 0);
	assert_int_equal(fake_symlink(&fx->f, "../../../../../bus/dax/drivers/device_dax",
				      "sys/devices/ndbus0/region2/dax2.0/dax2.0/driver"), 0);
	seeds(fx, 2, 1);

	namespace(fx, 3, "namespace3.0", TAG_D, 8 * MiB, "safe", "btt3.0");
	nd_dev(fx, 3, "btt3.0");
	disk(fx, 3, "btt3.0", "pmem3s", 7 * MiB);
}

static struct tagdax_dev *listed(struct tagdax_ctx *ctx, const char *tag)
{
	struct tagdax_tag t = test_tag(tag);
	struct tagdax_dev *dev;

	tagdax_dev_foreach(ctx, dev)
		if (tagdax_tag_equal(tagdax_dev_get_tag(dev), &t) &&
		    !strcmp(tagdax_dev_get_provider(dev), "nd"))
			return dev;
	return NULL;
}

static unsigned int count_nd(struct tagdax_ctx *ctx)
{
	struct tagdax_dev *dev;
	unsigned int n = 0;

	tagdax_rescan(ctx);
	tagdax_dev_foreach(ctx, dev)
		n += !strcmp(tagdax_dev_get_provider(dev), "nd");
	return n;
}

static void assert_one_extent(struct tagdax_dev *dev, uint64_t size)
{
	uint64_t start, len;

	assert_int_equal(tagdax_dev_get_extent_count(dev), 1);
	assert_int_equal(tagdax_dev_get_extent(dev, 0, &start, &len), 0);
	assert_int_equal(start, 0);
	assert_int_equal(len, size);
}

static void four_personalities(void **state)
{
	struct fixture *fx = *state;
	struct tagdax_dev *dev;

	four_modes(fx);
	assert_int_equal(count_nd(fx->ctx), 6); /* the pfn and dax info-block uuids too */

	dev = listed(fx->ctx, TAG_A);
	assert_non_null(dev);
	assert_string_equal(tagdax_dev_get_devname(dev), "namespace0.0");
	assert_string_equal(tagdax_dev_get_path(dev), root_path(fx, "dev/pmem0"));
	assert_string_equal(tagdax_dev_get_mode(dev), "raw");
	assert_string_equal(tagdax_dev_get_region(dev), "region0");
	assert_int_equal(tagdax_dev_get_size(dev), 16 * MiB);
	assert_int_equal(tagdax_dev_get_resource(dev), 0x240000000ull);
	assert_int_equal(tagdax_dev_get_target_node(dev), 3);
	assert_int_equal(tagdax_dev_get_align(dev), 4096); /* a block device maps by page */
	assert_int_equal(tagdax_dev_get_flags(dev), 0);
	assert_one_extent(dev, 16 * MiB);

	dev = listed(fx->ctx, TAG_B);
	assert_non_null(dev);
	assert_string_equal(tagdax_dev_get_path(dev), root_path(fx, "dev/pmem1"));
	assert_string_equal(tagdax_dev_get_mode(dev), "fsdax");
	assert_int_equal(tagdax_dev_get_size(dev), 30 * MiB); /* the disk's, not the namespace's */
	assert_int_equal(tagdax_dev_get_target_node(dev), -1);
	assert_int_equal(tagdax_dev_get_resource(dev), 0x300200000ull); /* the pfn's: byte 0 */
	assert_int_equal(tagdax_dev_get_align(dev), 2 * MiB);           /* the pfn's */
	assert_one_extent(dev, 30 * MiB);

	dev = listed(fx->ctx, TAG_C);
	assert_non_null(dev);
	assert_string_equal(tagdax_dev_get_path(dev), root_path(fx, "dev/dax2.0"));
	assert_string_equal(tagdax_dev_get_mode(dev), "devdax");
	assert_int_equal(tagdax_dev_get_size(dev), 60 * MiB);
	assert_int_equal(tagdax_dev_get_align(dev), 2 * MiB);
	assert_int_equal(tagdax_dev_get_resource(dev), 0x340400000ull); /* the dax device's */
	assert_string_equal(tagdax_dev_get_region(dev), "region2");

	dev = listed(fx->ctx, TAG_D);
	assert_non_null(dev);
	assert_string_equal(tagdax_dev_get_path(dev), root_path(fx, "dev/pmem3s"));
	assert_string_equal(tagdax_dev_get_mode(dev), "sector");
	assert_int_equal(tagdax_dev_get_size(dev), 7 * MiB);
	assert_int_equal(tagdax_dev_get_align(dev), 4096);
	assert_int_equal(tagdax_dev_get_resource(dev), UINT64_MAX); /* btt: no linear byte 0 */

	/* listed in namespace order */
	dev = tagdax_dev_get_first(fx->ctx);
	assert_string_equal(tagdax_dev_get_devname(dev), "namespace0.0");
}

/* Namespaces nothing can be made of are skipped, each with a reason. */
static void unusable_skipped(void **state)
{
	struct fixture *fx = *state;
	struct tagdax_tag a = test_tag(TAG_A), e = test_tag(TAG_E);
	struct tagdax_dev *dev;

	four_modes(fx);
	namespace(fx, 4, "namespace4.0", "", 8 * MiB, "raw", ""); /* uuid not set */
	disk(fx, 4, "namespace4.0", "pmem4", 8 * MiB);
	namespace(fx, 4, "namespace4.1", NULL_TAG, 8 * MiB, "raw", "");
	disk(fx, 4, "namespace4.1", "pmem4.1", 8 * MiB);
	namespace(fx, 5, "namespace5.0", NULL, 8 * MiB, "raw", ""); /* io: no uuid */
	disk(fx, 5, "namespace5.0", "pmem5", 8 * MiB);
	namespace(fx, 6, "namespace6.0", TAG_E, 8 * MiB, "raw", ""); /* disabled */
	namespace(fx, 7, "namespace7.0", "5be13bce-zzzz", 8 * MiB, "raw", "");
	disk(fx, 7, "namespace7.0", "pmem7", 8 * MiB);
	namespace(fx, 8, "namespace8.0", TAG_E, 8 * MiB, "memory", "pfn8.9"); /* holder gone */
	namespace(fx, 8, "namespace8.1", TAG_E, 8 * MiB, "memory", "../../etc"); /* not a name */
	assert_int_equal(fake_symlink(&fx->f, "../../../devices/ndbus0/region9/namespace9.0",
				      "sys/bus/nd/devices/namespace9.0"), 0); /* vanished */
	nd_dev(fx, 9, "namespace01.0"); /* not a namespace name */
	nd_attr(fx, 9, "namespace01.0", "uuid", TAG_E);

	assert_int_equal(count_nd(fx->ctx), 6);
	assert_int_equal(tagdax_resolve(fx->ctx, &e, &dev), -ENOENT);
	assert_int_equal(tagdax_resolve(fx->ctx, &a, &dev), 0);
	assert_non_null(strstr(fixture_log(), "nd: namespace4.0: no tag (uuid not set)"));
	assert_non_null(strstr(fixture_log(), "nd: namespace4.1: no tag (null uuid)"));
	assert_non_null(strstr(fixture_log(), "nd: namespace5.0: no tag"));
	assert_non_null(strstr(fixture_log(), "nd: namespace6.0: no device on top"));
	assert_non_null(strstr(fixture_log(), "nd: namespace7.0: no tag (malformed uuid)"));
	assert_non_null(strstr(fixture_log(), "nd: namespace8.0: no device on top"));
	assert_non_null(strstr(fixture_log(), "nd: namespace8.1: no device on top"));
	assert_non_null(strstr(fixture_log(), "nd: namespace9.0: no tag"));
}

static void fast_path_and_stale(void **state)
{
	struct fixture *fx = *state;
	struct tagdax_tag a = test_tag(TAG_A);
	struct tagdax_dev *dev;
	struct tagdax_ctx *ctx;
	char buf[64];

	four_modes(fx);
	assert_int_equal(tagdax_resolve(fx->ctx, &a, &dev), 0);
	assert_string_equal(fixture_index(&fx->f, TAG_A, buf, sizeof(buf)), "nd namespace0.0\n");

	ctx = fixture_ctx(&fx->f);
	fixture_log_clear();
	assert_int_equal(tagdax_resolve(ctx, &a, &dev), 0);
	assert_string_equal(tagdax_dev_get_path(dev), root_path(fx, "dev/pmem0"));
	assert_null(strstr(fixture_log(), "provider nd:")); /* no scan */

	/* the tag moved to another namespace: never the stale one */
	nd_attr(fx, 0, "namespace0.0", "uuid", TAG_E);
	nd_attr(fx, 3, "namespace3.0", "uuid", TAG_A);
	assert_int_equal(tagdax_resolve(ctx, &a, &dev), 0);
	assert_string_equal(tagdax_dev_get_devname(dev), "namespace3.0");
	/* and away altogether */
	nd_attr(fx, 3, "namespace3.0", "uuid", "");
	assert_int_equal(tagdax_resolve(ctx, &a, &dev), -ENOENT);
	tagdax_unref(ctx);
}

static void ambiguous(void **state)
{
	struct fixture *fx = *state;
	struct tagdax_tag a = test_tag(TAG_A);
	struct tagdax_dev *dev;

	four_modes(fx);
	nd_attr(fx, 1, "namespace1.0", "uuid", TAG_A);
	assert_int_equal(tagdax_resolve(fx->ctx, &a, &dev), -ENOTUNIQ);
	assert_non_null(tagdax_dev_get_next_same_tag(dev));
	assert_string_equal(tagdax_dev_get_path(dev), root_path(fx, "dev/pmem0"));
	assert_string_equal(tagdax_dev_get_path(tagdax_dev_get_next_same_tag(dev)),
			    root_path(fx, "dev/pmem1"));
}

/* udev names the node; the namespace under it is found and indexed. */
static void identify_by_node(void **state)
{
	static const struct {
		const char *node, *tag, *ns;
		int count; /* with the holder's info-block uuid */
	} cases[] = {
		{ "pmem0", TAG_A, "namespace0.0", 1 },
		{ "pmem1", TAG_B, "namespace1.0", 2 },
		{ "dax2.0", TAG_C, "namespace2.0", 2 },
		{ "pmem3s", TAG_D, "namespace3.0", 1 },
		{ "namespace1.0", TAG_B, "namespace1.0", 2 },
	};
	struct fixture *fx = *state;
	struct tagdax_dev *devs[4];
	struct tagdax_devlist out;

	four_modes(fx);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tagdax_tag t = test_tag(cases[i].tag);

		assert_int_equal(tagdax_identify(fx->ctx, cases[i].node, devs, 4), cases[i].count);
		assert_string_equal(tagdax_dev_get_provider(devs[0]), "nd");
		assert_string_equal(tagdax_dev_get_devname(devs[0]), cases[i].ns);
		assert_true(tagdax_tag_equal(tagdax_dev_get_tag(devs[0]), &t));
	}
	assert_int_equal(tagdax_identify(fx->ctx, "pmem9", devs, 4), 0);
	devlist_init(&out);
	assert_int_equal(tagdax_provider_nd.probe(fx->ctx, "..", &out), -ENOENT);
	assert_int_equal(tagdax_provider_nd.probe(fx->ctx, "pfn1.0", &out), -ENOENT);
	assert_int_equal(out.count, 0);
}

static void readonly_and_kmem(void **state)
{
	struct fixture *fx = *state;
	struct tagdax_tag a = test_tag(TAG_A), c = test_tag(TAG_C);
	struct tagdax_map *map;
	struct tagdax_dev *dev;

	four_modes(fx);
	assert_int_equal(fake_write(&fx->f, "sys/devices/ndbus0/region0/namespace0.0/block/pmem0/ro",
				    "1\n"), 0);
	assert_int_equal(fake_file(&fx->f, "dev/pmem0", 16 * MiB), 0);
	assert_int_equal(tagdax_resolve(fx->ctx, &a, &dev), 0);
	assert_int_equal(tagdax_dev_get_flags(dev), TAGDAX_DEV_READONLY);
	assert_int_equal(tagdax_map(dev, 0, &map), -EROFS);
	assert_int_equal(tagdax_map(dev, TAGDAX_MAP_READONLY, &map), 0);
	tagdax_unmap(map);

	assert_int_equal(fake_symlink(&fx->f, "../../../../../bus/dax/drivers/kmem",
				      "sys/devices/ndbus0/region2/dax2.0/dax2.0/driver"), 0);
	assert_int_equal(tagdax_resolve(fx->ctx, &c, &dev), 0);
	assert_string_equal(tagdax_dev_get_mode(dev), "kmem");
	assert_int_equal(tagdax_map(dev, 0, &map), -ENODEV);
}

static void map_block_file(void **state)
{
	struct fixture *fx = *state;
	struct tagdax_tag b = test_tag(TAG_B);
	struct tagdax_map *map;
	struct tagdax_dev *dev;
	unsigned char byte, *p;
	int fd;

	four_modes(fx);
	assert_int_equal(fake_file(&fx->f, "dev/pmem1", 30 * MiB), 0);
	assert_int_equal(tagdax_resolve(fx->ctx, &b, &dev), 0);
	assert_int_equal(tagdax_map(dev, 0, &map), 0);
	assert_int_equal(tagdax_map_get_size(map), 30 * MiB);
	p = tagdax_map_get_addr(map);
	p[29 * MiB] = 0x42;
	tagdax_unmap(map);
	fd = open(root_path(fx, "dev/pmem1"), O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &byte, 1, 29 * MiB), 1);
	assert_int_equal(byte, 0x42);
	close(fd);
}

/* The uuid `ndctl list` shows for an fsdax or devdax namespace is its holder's
 * info-block uuid: it names the same device as the namespace uuid. */
static void info_block_uuid(void **state)
{
	static const struct {
		const char *tag, *path;
	} cases[] = { { TAG_PFN, "dev/pmem1" }, { TAG_DAX, "dev/dax2.0" } };
	struct fixture *fx = *state;
	struct tagdax_dev *devs[4], *dev;

	four_modes(fx);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct tagdax_tag t = test_tag(cases[i].tag);

		assert_int_equal(tagdax_resolve(fx->ctx, &t, &dev), 0);
		assert_string_equal(tagdax_dev_get_path(dev), root_path(fx, cases[i].path));
		assert_string_equal(tagdax_dev_get_devname(dev), i ? "namespace2.0" : "namespace1.0");
	}
	/* udev names the node: both tags come back */
	assert_int_equal(tagdax_identify(fx->ctx, "dax2.0", devs, 4), 2);
}

/* A dax device whose driver is unbound (a failed reconfigure, daxctl
 * disable-device) has no node to map: skipped, like a disabled namespace. */
static void unbound_dax_skipped(void **state)
{
	struct fixture *fx = *state;
	struct tagdax_tag c = test_tag(TAG_C);
	struct tagdax_dev *dev;

	four_modes(fx);
	assert_int_equal(fake_remove(&fx->f, "sys/devices/ndbus0/region2/dax2.0/dax2.0/driver"), 0);
	assert_int_equal(tagdax_resolve(fx->ctx, &c, &dev), -ENOENT);
	assert_non_null(strstr(fixture_log(), "nd: namespace2.0: no device on top"));
	assert_non_null(strstr(fixture_log(), "no driver bound"));
}

/* Mapping a devdax device holds a shared lock on its node for as long as the
 * mapping lives; whoever takes the device away (reconfigures, destroys it)
 * takes it exclusively first, and a mapping is refused while they hold it. */
static void devdax_in_use_lock(void **state)
{
	struct fixture *fx = *state;
	struct tagdax_tag c = test_tag(TAG_C);
	struct tagdax_map *map;
	struct tagdax_dev *dev;
	int fd;

	four_modes(fx);
	assert_int_equal(fake_file(&fx->f, "dev/dax2.0", 60 * MiB), 0);
	fd = open(root_path(fx, "dev/dax2.0"), O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(tagdax_resolve(fx->ctx, &c, &dev), 0);
	assert_int_equal(tagdax_map(dev, 0, &map), 0);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), -1);
	assert_int_equal(errno, EWOULDBLOCK);
	tagdax_unmap(map);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
	assert_int_equal(tagdax_map(dev, 0, &map), -EBUSY);
	assert_int_equal(flock(fd, LOCK_UN), 0);
	close(fd);
}

/* A device just resolved is held by tagdax_hold() with nothing read before
 * (vm args holds before it asks anything else). */
static void hold_right_after_resolve(void **state)
{
	struct fixture *fx = *state;
	struct tagdax_tag c = test_tag(TAG_C);
	struct tagdax_dev *dev;
	int fd, hold;

	four_modes(fx);
	assert_int_equal(fake_file(&fx->f, "dev/dax2.0", 60 * MiB), 0);
	fd = open(root_path(fx, "dev/dax2.0"), O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(tagdax_resolve(fx->ctx, &c, &dev), 0);
	assert_non_null(tagdax_dev_get_lock_path(dev));
	hold = tagdax_hold(dev, 0);
	assert_true(hold >= 0);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), -1);
	close(hold);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
	close(fd);
}

/* ndctl's own mode names are taken as they are. */
static void ndctl_mode_names(void **state)
{
	struct fixture *fx = *state;
	struct tagdax_tag a = test_tag(TAG_A);
	struct tagdax_dev *dev;

	four_modes(fx);
	nd_attr(fx, 0, "namespace0.0", "mode", "fsdax");
	assert_int_equal(tagdax_resolve(fx->ctx, &a, &dev), 0);
	assert_string_equal(tagdax_dev_get_mode(dev), "fsdax");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(four_personalities, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(unusable_skipped, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(fast_path_and_stale, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(ambiguous, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(identify_by_node, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(readonly_and_kmem, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(map_block_file, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(ndctl_mode_names, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(info_block_uuid, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(unbound_dax_skipped, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(devdax_in_use_lock, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(hold_right_after_resolve, fixture_setup,
						fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
