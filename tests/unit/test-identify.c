// SPDX-License-Identifier: GPL-2.0-or-later
/* tagdax_identify(): what udev-id runs on a device event.  It reports the
 * device's tags and records them in the by-tag index, which later resolves
 * read first and re-verify. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "famfs-image.h"
#include "fixture.h"
#include "private.h"
#include "testctx.h"

#define FS_UUID "5be13bce-1d7a-4c1e-9b2f-3f6c2a1d0e55"
#define DEV0_UUID "9a0e3f1c-8b2d-4e5f-a6b7-c8d9e0f1a2b3"
#define DEV1_UUID "0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6"
#define SIZE_4M (4ull << 20)

struct env {
	struct fake f;
	struct tagdax_ctx *ctx;
};

static int setup(void **state)
{
	struct env *e = calloc(1, sizeof(*e));

	if (!e || fake_init(&e->f) || !(e->ctx = test_ctx(&e->f)))
		return -1;
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

static void add_famfs(struct env *e, const char *name, const char *fs, const char *dev)
{
	struct famfs_superblock sb;

	famfs_sb_make(&sb, fs, dev);
	assert_int_equal(famfs_fake_dax(&e->f, name, &sb, SIZE_4M), 0);
}

/* The index entry of tag, as text ("" when there is none). */
static const char *index_text(struct env *e, const char *tag)
{
	static char buf[1024];

	return fixture_index(&e->f, tag, buf, sizeof(buf));
}

static ino_t index_inode(struct env *e, const char *tag)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/by-tag/%s", e->f.run, tag);
	assert_int_equal(lstat(path, &st), 0); /* the entry is a link */
	return st.st_ino;
}

static void identify_reports_and_records(void **state)
{
	struct env *e = *state;
	struct tagdax_dev *devs[4];
	char text[TAGDAX_TAG_STRLEN];

	add_famfs(e, "dax0.0", FS_UUID, DEV0_UUID);
	assert_int_equal(tagdax_identify(e->ctx, "dax0.0", devs, 4), 2);
	tagdax_tag_unparse(tagdax_dev_get_tag(devs[0]), text);
	assert_string_equal(text, FS_UUID);
	tagdax_tag_unparse(tagdax_dev_get_tag(devs[1]), text);
	assert_string_equal(text, DEV0_UUID);
	assert_string_equal(tagdax_dev_get_provider(devs[0]), "famfs");
	assert_string_equal(tagdax_dev_get_devname(devs[1]), "dax0.0");
	assert_string_equal(index_text(e, FS_UUID), "famfs dax0.0\n");
	assert_string_equal(index_text(e, DEV0_UUID), "famfs dax0.0\n");

	/* udev sends "change" events too: the entry must not grow. */
	assert_int_equal(tagdax_identify(e->ctx, "dax0.0", devs, 4), 2);
	assert_string_equal(index_text(e, FS_UUID), "famfs dax0.0\n");
}

/* The index answers (the file is not rewritten, as a scan would) and the
 * answer is the verified device. */
static void resolve_uses_the_index(void **state)
{
	struct env *e = *state;
	struct tagdax_tag tag = test_tag(DEV0_UUID);
	struct tagdax_dev *devs[4], *dev;
	ino_t before;

	add_famfs(e, "dax0.0", FS_UUID, DEV0_UUID);
	assert_int_equal(tagdax_identify(e->ctx, "dax0.0", devs, 4), 2);
	before = index_inode(e, DEV0_UUID);
	assert_int_equal(tagdax_resolve(e->ctx, &tag, &dev), 0);
	assert_string_equal(tagdax_dev_get_devname(dev), "dax0.0");
	assert_string_equal(tagdax_dev_get_provider(dev), "famfs");
	assert_int_equal(index_inode(e, DEV0_UUID), before);
}

static void second_device_same_tag_is_ambiguous(void **state)
{
	struct env *e = *state;
	struct tagdax_tag fs = test_tag(FS_UUID), dev1 = test_tag(DEV1_UUID);
	struct tagdax_dev *devs[4], *dev, *other;
	ino_t before;

	add_famfs(e, "dax0.0", FS_UUID, DEV0_UUID);
	add_famfs(e, "dax1.0", FS_UUID, DEV1_UUID);
	assert_int_equal(tagdax_identify(e->ctx, "dax0.0", devs, 4), 2);
	assert_int_equal(tagdax_identify(e->ctx, "dax1.0", devs, 4), 2);
	assert_string_equal(index_text(e, FS_UUID), "famfs dax0.0\nfamfs dax1.0\n");
	assert_string_equal(index_text(e, DEV1_UUID), "famfs dax1.0\n");

	before = index_inode(e, FS_UUID);
	assert_int_equal(tagdax_resolve(e->ctx, &fs, &dev), -ENOTUNIQ);
	assert_int_equal(index_inode(e, FS_UUID), before);
	other = tagdax_dev_get_next_same_tag(dev);
	assert_non_null(other);
	assert_null(tagdax_dev_get_next_same_tag(other));
	assert_string_equal(tagdax_dev_get_devname(dev), "dax0.0");
	assert_string_equal(tagdax_dev_get_devname(other), "dax1.0");
	assert_string_not_equal(tagdax_dev_get_path(dev), tagdax_dev_get_path(other));

	/* The device's own uuid still names exactly one device. */
	assert_int_equal(tagdax_resolve(e->ctx, &dev1, &dev), 0);
	assert_string_equal(tagdax_dev_get_devname(dev), "dax1.0");
}

/* An index entry is a hint: once the device no longer carries the tag,
 * resolve must not return it. */
static void stale_entry_is_not_believed(void **state)
{
	struct env *e = *state;
	struct tagdax_tag tag = test_tag(FS_UUID), other = test_tag(DEV1_UUID);
	struct tagdax_dev *devs[4], *dev;

	add_famfs(e, "dax0.0", FS_UUID, DEV0_UUID);
	assert_int_equal(tagdax_identify(e->ctx, "dax0.0", devs, 4), 2);
	add_famfs(e, "dax0.0", DEV1_UUID, NULL); /* re-formatted under another name */
	assert_int_equal(tagdax_resolve(e->ctx, &tag, &dev), -ENOENT);
	assert_null(dev);
	assert_int_equal(tagdax_resolve(e->ctx, &other, &dev), 0);
	assert_string_equal(tagdax_dev_get_devname(dev), "dax0.0");
}

static void untagged_and_bad_names(void **state)
{
	struct env *e = *state;
	struct tagdax_dev *devs[4];
	struct stat st;
	char path[512];

	add_famfs(e, "dax0.0", NULL, NULL);
	assert_int_equal(fake_write(&e->f, "sys/bus/dax/devices/dax1.0/size", "0\n"), 0);
	assert_int_equal(tagdax_identify(e->ctx, "dax0.0", devs, 4), 0);
	assert_int_equal(tagdax_identify(e->ctx, "dax1.0", devs, 4), 0);
	assert_int_equal(tagdax_identify(e->ctx, "dax9.9", devs, 4), 0);
	assert_int_equal(tagdax_identify(e->ctx, "", devs, 4), -EINVAL);
	assert_int_equal(tagdax_identify(e->ctx, "bus/dax0.0", devs, 4), -EINVAL);
	snprintf(path, sizeof(path), "%s/by-tag", e->f.run);
	assert_int_not_equal(lstat(path, &st), 0); /* nothing recorded */
}

/* udev-id passes a fixed array: identify never writes past max. */
static void identify_respects_max(void **state)
{
	struct env *e = *state;
	struct tagdax_dev *devs[2] = { NULL, NULL };

	add_famfs(e, "dax0.0", FS_UUID, DEV0_UUID);
	assert_int_equal(tagdax_identify(e->ctx, "dax0.0", devs, 1), 1);
	assert_non_null(devs[0]);
	assert_null(devs[1]);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(identify_reports_and_records),
		T(resolve_uses_the_index),
		T(second_device_same_tag_is_ambiguous),
		T(stale_entry_is_not_believed),
		T(untagged_and_bad_names),
		T(identify_respects_max),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
