// SPDX-License-Identifier: GPL-2.0-or-later
/* The famfs provider: devices found by their superblock's uuids, and every
 * kind of bad device skipped (with a reason) while good ones still answer. */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/file.h>
#include <unistd.h>
#include <cmocka.h>

#include "famfs-image.h"
#include "fakesys.h"
#include "private.h"
#include "testctx.h"

#define FS_UUID "5be13bce-1d7a-4c1e-9b2f-3f6c2a1d0e55"
#define DEV_UUID "9a0e3f1c-8b2d-4e5f-a6b7-c8d9e0f1a2b3"
#define BAD_FS "c0ffee00-1111-4222-8333-444455556666"
#define BAD_DEV "c0ffee00-7777-4888-9999-aaaabbbbcccc"
#define SIZE_4M (4ull << 20)

struct env {
	struct fake f;
	struct tagdax_ctx *ctx;
	const struct tagdax_provider *prov;
	struct tagdax_devlist list;
	const struct bad_case *bad; /* the bad-device case being run */
};

static char logbuf[32768];
static size_t loglen;

static void capture(struct tagdax_ctx *ctx, int priority, const char *file, int line,
		    const char *fn, const char *format, va_list args)
{
	(void)ctx, (void)priority, (void)line, (void)fn;
	/* Only the provider under test: others' debug chatter could fill it. */
	if (strstr(file, "prov-famfs.c") && loglen < sizeof(logbuf)) {
		int n = vsnprintf(logbuf + loglen, sizeof(logbuf) - loglen, format, args);

		if (n > 0)
			loglen += (size_t)n;
	}
}

static bool logged(const char *needle)
{
	return strstr(logbuf, needle) != NULL;
}

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	if (e)
		e->bad = *state; /* cmocka's initial state: the case, for bad devices */
	if (!e || fake_init(&e->f) || !(e->ctx = test_ctx(&e->f)))
		return -1;
	tagdax_set_log_fn(e->ctx, capture);
	tagdax_set_log_priority(e->ctx, LOG_DEBUG);
	e->prov = tagdax_provider_find("famfs");
	devlist_init(&e->list);
	logbuf[0] = '\0';
	loglen = 0;
	*state = e;
	return e->prov ? 0 : -1;
}

static int teardown(void **state)
{
	struct env *e = *state;

	devlist_free(&e->list);
	tagdax_unref(e->ctx);
	fake_cleanup(&e->f);
	free(e);
	return 0;
}

static void assert_tag(const struct tagdax_dev *dev, const char *text)
{
	char got[TAGDAX_TAG_STRLEN];

	tagdax_tag_unparse(&dev->tag, got);
	assert_string_equal(got, text);
}

static unsigned int scan(struct env *e)
{
	devlist_free(&e->list);
	assert_int_equal(e->prov->scan(e->ctx, &e->list), 0);
	return e->list.count;
}

static void add_good(struct env *e, const char *name, uint64_t size)
{
	struct famfs_superblock sb;

	famfs_sb_make(&sb, FS_UUID, DEV_UUID);
	assert_int_equal(famfs_fake_dax(&e->f, name, &sb, size), 0);
}

static void assert_famfs_dev(struct env *e, const struct tagdax_dev *d, const char *name,
			     uint64_t size)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", e->f.dev, name);
	assert_string_equal(d->prov->name, "famfs");
	assert_string_equal(d->devname, name);
	assert_string_equal(d->path, path);
	assert_string_equal(d->mode, "famfs");
	assert_int_equal(d->offset, 0);
	assert_int_equal(d->size, size);
	assert_int_equal(d->align, 0x200000);
	assert_int_equal(d->nsegs, 1);
	assert_string_equal(d->segs[0].path, path);
	assert_int_equal(d->segs[0].offset, 0);
	assert_int_equal(d->segs[0].length, size);
	assert_int_equal(d->nextents, 1);
	assert_int_equal(d->extents[0].start, 0);
	assert_int_equal(d->extents[0].length, size);
}

static void two_tags_one_device(void **state)
{
	struct env *e = *state;

	add_good(e, "dax0.0", SIZE_4M);
	assert_int_equal(scan(e), 2);
	assert_tag(e->list.head, FS_UUID);
	assert_tag(e->list.head->next, DEV_UUID);
	assert_famfs_dev(e, e->list.head, "dax0.0", SIZE_4M);
	assert_famfs_dev(e, e->list.head->next, "dax0.0", SIZE_4M);
	assert_true(e->prov->flags & PROVIDER_DEVNODE);
	assert_non_null(e->prov->probe);
	assert_non_null(e->prov->watch);
}

/* Through the public API: both names resolve to the device, and a mapping
 * of it shows the superblock (so the segment is right). */
static void resolve_and_map(void **state)
{
	struct env *e = *state;
	struct tagdax_tag fs = test_tag(FS_UUID), dev = test_tag(DEV_UUID);
	struct tagdax_dev *a, *b;
	struct tagdax_map *map;
	const uint8_t *p;

	add_good(e, "dax0.0", SIZE_4M);
	assert_int_equal(tagdax_resolve(e->ctx, &fs, &a), 0);
	assert_int_equal(tagdax_resolve(e->ctx, &dev, &b), 0);
	assert_string_equal(tagdax_dev_get_path(a), tagdax_dev_get_path(b));
	assert_string_equal(tagdax_dev_get_provider(a), "famfs");
	assert_string_equal(tagdax_dev_get_mode(a), "famfs");
	assert_int_equal(tagdax_map(a, TAGDAX_MAP_READONLY, &map), 0);
	assert_int_equal(tagdax_map_get_size(map), SIZE_4M);
	p = tagdax_map_get_addr(map);
	assert_int_equal(p[0], 0xff);
	assert_int_equal(p[3], 0x87);
	tagdax_unmap(map);
}

/* A mapping holds a shared flock on the node, as for an nd devdax device:
 * whoever reformats or takes the device away can take it exclusively. */
static void map_holds_in_use_lock(void **state)
{
	struct env *e = *state;
	struct tagdax_tag fs = test_tag(FS_UUID);
	struct tagdax_map *map;
	struct tagdax_dev *a;
	char path[512];
	int fd;

	add_good(e, "dax0.0", SIZE_4M);
	snprintf(path, sizeof(path), "%s/dax0.0", e->f.dev);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(tagdax_resolve(e->ctx, &fs, &a), 0);
	assert_int_equal(tagdax_map(a, TAGDAX_MAP_READONLY, &map), 0);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), -1);
	assert_int_equal(errno, EWOULDBLOCK);
	tagdax_unmap(map);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
	assert_int_equal(tagdax_map(a, TAGDAX_MAP_READONLY, &map), -EBUSY);
	close(fd);
}

static void one_tag_when_uuids_equal_or_null(void **state)
{
	struct env *e = *state;
	struct famfs_superblock sb;

	famfs_sb_make(&sb, FS_UUID, FS_UUID);
	assert_int_equal(famfs_fake_dax(&e->f, "dax0.0", &sb, SIZE_4M), 0);
	famfs_sb_make(&sb, NULL, DEV_UUID);
	assert_int_equal(famfs_fake_dax(&e->f, "dax1.0", &sb, SIZE_4M), 0);
	famfs_sb_make(&sb, NULL, NULL);
	assert_int_equal(famfs_fake_dax(&e->f, "dax2.0", &sb, SIZE_4M), 0);
	assert_int_equal(scan(e), 2);
	assert_tag(e->list.head, FS_UUID);
	assert_string_equal(e->list.head->devname, "dax0.0");
	assert_tag(e->list.head->next, DEV_UUID);
	assert_string_equal(e->list.head->next->devname, "dax1.0");
	assert_true(logged("dax2.0: superblock carries no uuid"));
}

/* A superblock laid out by hand, its CRC computed by another CRC-32 (gzip's),
 * so that a mistake shared by the provider and the test helper still fails. */
static void accepts_independently_computed_crc(void **state)
{
	static const uint8_t head[0x68] = {
		0xff, 0x82, 0xb2, 0x87, 0, 0, 0, 0, 0x30, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0x20, 0, 0, 0, 0, 0,          0, 0, 0x80, 0, 0, 0, 0, 0,
		0, 0, 0x20, 0, 0, 0, 0, 0,          2, 0, 0, 0, 2, 0, 0, 0,
		0x11, 0x11, 0x11, 0x11, 0x22, 0x22, 0x43, 0x33,
		0x84, 0x44, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55,
		0x66, 0x66, 0x66, 0x66, 0x77, 0x77, 0x48, 0x88,
		0x99, 0x99, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0x77, 0x1b, 0x02, 0x27, 0, 0, 0, 0, /* ts_crc = 0x27021b77 */
	};
	struct famfs_superblock sb;
	struct env *e = *state;

	memset(&sb, 0, sizeof(sb));
	memcpy(&sb, head, sizeof(head));
	assert_int_equal(famfs_fake_dax(&e->f, "dax0.0", &sb, SIZE_4M), 0);
	assert_int_equal(scan(e), 2);
	assert_tag(e->list.head, "11111111-2222-4333-8444-555555555555");
	assert_tag(e->list.head->next, "66666666-7777-4888-9999-aaaaaaaaaaaa");
}

/* ---- bad devices: each is skipped with its reason, dax0.0 still answers ---- */

/* Valid until the case breaks it: the one defect is then the only reason. */
static void bad_sb(struct famfs_superblock *sb)
{
	famfs_sb_make(sb, BAD_FS, BAD_DEV);
}

static void bad_magic(struct env *e)
{
	struct famfs_superblock sb;

	bad_sb(&sb);
	sb.ts_magic = htole64(0x87B282FD); /* the FUSE famfs statfs magic, not the superblock's */
	famfs_sb_seal(&sb);
	assert_int_equal(famfs_fake_dax(&e->f, "dax1.0", &sb, SIZE_4M), 0);
}

static void bad_version(struct env *e)
{
	struct famfs_superblock sb;

	bad_sb(&sb);
	sb.ts_version = htole64(47);
	famfs_sb_seal(&sb);
	assert_int_equal(famfs_fake_dax(&e->f, "dax1.0", &sb, SIZE_4M), 0);
}

static void bad_crc(struct env *e)
{
	struct famfs_superblock sb;

	bad_sb(&sb);
	sb.ts_crc ^= htole64(1);
	assert_int_equal(famfs_fake_dax(&e->f, "dax1.0", &sb, SIZE_4M), 0);
}

/* The CRC must cover the last covered field too (0x50..0x5f). */
static void crc_covers_system_uuid(struct env *e)
{
	struct famfs_superblock sb;

	bad_sb(&sb);
	sb.ts_system_uuid[15] ^= 0x80;
	assert_int_equal(famfs_fake_dax(&e->f, "dax1.0", &sb, SIZE_4M), 0);
}

static void bad_alloc_unit(struct env *e)
{
	struct famfs_superblock sb;

	bad_sb(&sb);
	sb.ts_alloc_unit = htole64(8192);
	famfs_sb_seal(&sb);
	assert_int_equal(famfs_fake_dax(&e->f, "dax1.0", &sb, SIZE_4M), 0);
}

/* Everything the CRC covers is there, the rest of the superblock is not. */
static void truncated(struct env *e)
{
	struct famfs_superblock sb;

	bad_sb(&sb);
	assert_int_equal(famfs_fake_dax(&e->f, "dax1.0", &sb, SIZE_4M), 0);
	assert_int_equal(famfs_sb_write(&e->f, "dev/dax1.0", &sb, 0x68, 0), 0);
}

static void link_node(struct env *e, const char *target)
{
	struct stat st;
	struct famfs_superblock sb;

	if (stat(target, &st) || !S_ISCHR(st.st_mode))
		skip();
	bad_sb(&sb);
	assert_int_equal(famfs_fake_dax(&e->f, "dax1.0", &sb, SIZE_4M), 0);
	assert_int_equal(fake_remove(&e->f, "dev/dax1.0"), 0);
	assert_int_equal(fake_symlink(&e->f, target, "dev/dax1.0"), 0);
}

/* A character device whose mmap fails, as a dying devdax device's would. */
static void unreadable(struct env *e)
{
	link_node(e, "/dev/null");
}

/* A character device is read through mmap, never read(): /dev/zero maps
 * fine and shows zeros, so the verdict is "no magic", not an I/O error. */
static void char_device_zeros(struct env *e)
{
	link_node(e, "/dev/zero");
	assert_int_equal(fake_write(&e->f, "sys/bus/dax/devices/dax1.0/align", "4096\n"), 0);
}

static void node_is_a_directory(struct env *e)
{
	assert_int_equal(fake_write(&e->f, "sys/bus/dax/devices/dax1.0/size", "4194304\n"), 0);
	assert_int_equal(fake_mkdir(&e->f, "dev/dax1.0"), 0);
}

static void no_node(struct env *e)
{
	assert_int_equal(fake_write(&e->f, "sys/bus/dax/devices/dax1.0/size", "4194304\n"), 0);
}

/* Listed, then removed before we opened it: the bus's link dangles, while a
 * node with a perfectly good superblock is still around. */
static void vanished(struct env *e)
{
	struct famfs_superblock sb;

	bad_sb(&sb);
	assert_int_equal(famfs_sb_write(&e->f, "dev/dax1.0", &sb, sizeof(sb), SIZE_4M), 0);
	assert_int_equal(fake_symlink(&e->f, "../../../devices/gone/dax1.0",
				      "sys/bus/dax/devices/dax1.0"), 0);
}

static void kmem(struct env *e)
{
	struct famfs_superblock sb;

	bad_sb(&sb);
	assert_int_equal(famfs_fake_dax(&e->f, "dax1.0", &sb, SIZE_4M), 0);
	assert_int_equal(fake_symlink(&e->f, "../../../../bus/dax/drivers/kmem",
				      "sys/bus/dax/devices/dax1.0/driver"), 0);
}

static void odd_alignment(struct env *e)
{
	struct famfs_superblock sb;

	bad_sb(&sb);
	assert_int_equal(famfs_fake_dax(&e->f, "dax1.0", &sb, SIZE_4M), 0);
	assert_int_equal(fake_write(&e->f, "sys/bus/dax/devices/dax1.0/align", "3000\n"), 0);
}

static const struct bad_case {
	const char *name;
	void (*make)(struct env *e);
	const char *reason;
} bad_cases[] = {
	{ "bad magic", bad_magic, "dax1.0: no famfs magic" },
	{ "bad version", bad_version, "dax1.0: unsupported famfs version" },
	{ "bad crc", bad_crc, "dax1.0: bad superblock CRC" },
	{ "crc range", crc_covers_system_uuid, "dax1.0: bad superblock CRC" },
	{ "bad alloc unit", bad_alloc_unit, "dax1.0: bad allocation unit" },
	{ "truncated", truncated, "dax1.0: truncated" },
	{ "unreadable", unreadable, "dax1.0: unreadable" },
	{ "char device", char_device_zeros, "dax1.0: no famfs magic" },
	{ "directory", node_is_a_directory, "dax1.0: not a device node" },
	{ "no node", no_node, "dax1.0: no device node" },
	{ "vanished", vanished, "dax1.0: not a dax device (or gone)" },
	{ "kmem", kmem, "dax1.0: bound to kmem" },
	{ "alignment", odd_alignment, "dax1.0: alignment not a power of two" },
};

static void run_bad_case(void **state)
{
	struct env *e = *state;
	const struct bad_case *c = e->bad;
	struct tagdax_tag bad = test_tag(BAD_FS), good = test_tag(FS_UUID);
	struct tagdax_dev *dev;

	add_good(e, "dax0.0", SIZE_4M);
	c->make(e);
	assert_int_equal(scan(e), 2);
	assert_string_equal(e->list.head->devname, "dax0.0");
	assert_string_equal(e->list.head->next->devname, "dax0.0");
	if (!logged(c->reason))
		fail_msg("expected '%s' in the log:\n%s", c->reason, logbuf);
	assert_int_equal(tagdax_resolve(e->ctx, &bad, &dev), -ENOENT);
	assert_int_equal(tagdax_resolve(e->ctx, &good, &dev), 0);
	assert_string_equal(tagdax_dev_get_devname(dev), "dax0.0");
}


/* probe() is the resolver's verification: it must read the device now. */
static void probe_rereads_the_superblock(void **state)
{
	struct env *e = *state;
	struct famfs_superblock sb;

	add_good(e, "dax0.0", SIZE_4M);
	assert_int_equal(e->prov->probe(e->ctx, "dax0.0", &e->list), 0);
	assert_int_equal(e->list.count, 2);
	assert_tag(e->list.head, FS_UUID);
	assert_famfs_dev(e, e->list.head, "dax0.0", SIZE_4M);
	devlist_free(&e->list);

	famfs_sb_make(&sb, FS_UUID, DEV_UUID);
	sb.ts_magic = 0;
	assert_int_equal(famfs_sb_write(&e->f, "dev/dax0.0", &sb, sizeof(sb), SIZE_4M), 0);
	assert_int_equal(e->prov->probe(e->ctx, "dax0.0", &e->list), -ENOENT);
	assert_int_equal(e->list.count, 0);
}

static void probe_rejects_other_names(void **state)
{
	static const char *const names[] = { "dax9.9", "pmem0", "", ".", "..", "../dev" };
	struct env *e = *state;

	add_good(e, "dax0.0", SIZE_4M);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		assert_int_equal(e->prov->probe(e->ctx, names[i], &e->list), -ENOENT);
	assert_int_equal(e->list.count, 0);
}

/* A fake tree may leave size and align out: the file's size and devdax's
 * default alignment stand in. */
static void geometry_defaults(void **state)
{
	struct env *e = *state;
	struct famfs_superblock sb;

	famfs_sb_make(&sb, FS_UUID, NULL);
	assert_int_equal(fake_mkdir(&e->f, "sys/bus/dax/devices/dax0.0"), 0);
	assert_int_equal(famfs_sb_write(&e->f, "dev/dax0.0", &sb, sizeof(sb), 6ull << 20), 0);
	assert_int_equal(fake_write(&e->f, "sys/bus/dax/devices/dax0.0/target_node", "1\n"), 0);
	assert_int_equal(fake_write(&e->f, "sys/bus/dax/devices/dax0.0/resource",
				    "0x1080000000\n"), 0);
	assert_int_equal(scan(e), 1);
	assert_famfs_dev(e, e->list.head, "dax0.0", 6ull << 20);
	assert_int_equal(e->list.head->target_node, 1);
	assert_int_equal(e->list.head->resource, 0x1080000000ull);
}

static void scan_in_version_order(void **state)
{
	struct env *e = *state;

	add_good(e, "dax10.0", SIZE_4M);
	add_good(e, "dax2.0", SIZE_4M);
	assert_int_equal(scan(e), 4);
	assert_string_equal(e->list.head->devname, "dax2.0");
	assert_string_equal(e->list.head->next->next->devname, "dax10.0");
}

static void no_dax_bus(void **state)
{
	struct env *e = *state;

	assert_int_equal(scan(e), 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(two_tags_one_device),
		T(resolve_and_map),
		T(map_holds_in_use_lock),
		T(one_tag_when_uuids_equal_or_null),
		T(accepts_independently_computed_crc),
		T(probe_rereads_the_superblock),
		T(probe_rejects_other_names),
		T(geometry_defaults),
		T(scan_in_version_order),
		T(no_dax_bus),
	};

	struct CMUnitTest bad[sizeof(bad_cases) / sizeof(bad_cases[0])];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		bad[i] = (struct CMUnitTest){ .name = bad_cases[i].name,
					      .test_func = run_bad_case,
					      .setup_func = setup,
					      .teardown_func = teardown,
					      .initial_state = (void *)&bad_cases[i] };
	return cmocka_run_group_tests_name("famfs", tests, NULL, NULL) |
	       cmocka_run_group_tests_name("famfs: bad devices", bad, NULL, NULL);
}
