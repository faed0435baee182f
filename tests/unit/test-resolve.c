// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The resolver: the by-tag index fast path, its verification (never a stale
 * answer), ambiguity, and garbage in the index.  Driven through the table
 * provider, whose probe re-reads the table.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "private.h"
#include "fixture.h"
#include "testctx.h"

static int setup(void **state)
{
	struct fixture *fx;

	if (fixture_setup(state))
		return -1;
	fx = *state;
	return fake_file(&fx->f, "mem/a", 4 << 20) || fake_file(&fx->f, "mem/b", 4 << 20);
}

static const char *index_text(struct fixture *fx, const char *tag, char *buf, size_t len)
{
	return fixture_index(&fx->f, tag, buf, len);
}

static void scan_writes_index_and_fast_path_verifies(void **state)
{
	struct fixture *fx = *state;
	struct tagdax_tag tag = test_tag(TAG_A);
	struct tagdax_dev *dev;
	char buf[256];

	assert_int_equal(fake_write(&fx->f, "tags.conf", "%s mem/a\n", TAG_A), 0);
	assert_int_equal(tagdax_resolve(fx->ctx, &tag, &dev), 0);
	assert_string_equal(index_text(fx, TAG_A, buf, sizeof(buf)), "table " TAG_A "\n");

	/* The entry moves to another file: the index still names the tag's
	 * entry, and verification re-reads it, so the answer is the new path. */
	assert_int_equal(fake_write(&fx->f, "tags.conf", "%s mem/b\n", TAG_A), 0);
	tagdax_rescan(fx->ctx);
	assert_int_equal(tagdax_resolve(fx->ctx, &tag, &dev), 0);
	assert_non_null(strstr(tagdax_dev_get_path(dev), "mem/b"));

	/* The tag goes away: never the stale answer. */
	assert_int_equal(fake_write(&fx->f, "tags.conf", "%s mem/b\n", TAG_B), 0);
	assert_int_equal(tagdax_resolve(fx->ctx, &tag, &dev), -ENOENT);
	assert_null(dev);
}

static void ambiguous_is_reported_on_both_paths(void **state)
{
	struct fixture *fx = *state;
	struct tagdax_tag tag = test_tag(TAG_A);
	struct tagdax_dev *dev, *other;

	assert_int_equal(fake_write(&fx->f, "tags.conf", "%s mem/a\n%s mem/b\n", TAG_A, TAG_A), 0);
	for (int pass = 0; pass < 2; pass++) { /* pass 0 scans, pass 1 uses the index */
		tagdax_rescan(fx->ctx);
		assert_int_equal(tagdax_resolve(fx->ctx, &tag, &dev), -ENOTUNIQ);
		other = tagdax_dev_get_next_same_tag(dev);
		assert_non_null(other);
		assert_string_not_equal(tagdax_dev_get_path(dev), tagdax_dev_get_path(other));
		assert_null(tagdax_dev_get_next_same_tag(other));
	}
	/* the same device named twice is not ambiguous */
	assert_int_equal(fake_write(&fx->f, "tags.conf", "%s mem/a\n%s mem/a\n", TAG_A, TAG_A), 0);
	assert_int_equal(tagdax_resolve(fx->ctx, &tag, &dev), 0);
}

static void garbage_index_is_ignored(void **state)
{
	struct fixture *fx = *state;
	struct tagdax_tag tag = test_tag(TAG_A);
	struct tagdax_dev *dev;
	char rel[128];

	assert_int_equal(fake_write(&fx->f, "tags.conf", "%s mem/a\n", TAG_A), 0);
	snprintf(rel, sizeof(rel), "run/by-tag/%s", TAG_A);
	static const char *const garbage[] = {
		"\n\n", "nospace", "nosuchprovider dax0.0", "table", " table x",
		"table " TAG_B, "cxl dax9.9", "\x01\x02\xff garbage", "table a b c",
	};
	/* a plain file where the link should be is not an entry either */
	assert_int_equal(fake_write(&fx->f, rel, "table %s\n", TAG_A), 0);
	assert_int_equal(tagdax_resolve(fx->ctx, &tag, &dev), 0);
	for (size_t i = 0; i < sizeof(garbage) / sizeof(garbage[0]); i++) {
		fake_remove(&fx->f, rel);
		assert_int_equal(fake_symlink(&fx->f, garbage[i], rel), 0);
		tagdax_rescan(fx->ctx);
		assert_int_equal(tagdax_resolve(fx->ctx, &tag, &dev), 0);
		assert_non_null(strstr(tagdax_dev_get_path(dev), "mem/a"));
	}
}

/* A device event writes the index; nothing announces a table entry, so the
 * fast path asks the table too and still sees the duplicate. */
static void table_duplicate_of_an_indexed_device(void **state)
{
	struct fixture *fx = *state;
	struct tagdax_tag tag = test_tag(TAG_C);
	struct tagdax_dev *dev;

	assert_int_equal(fake_write(&fx->f, "sys/bus/dax/devices/dax0.0/uuid", "%s\n", TAG_C), 0);
	assert_int_equal(fake_write(&fx->f, "sys/bus/dax/devices/dax0.0/size", "2097152\n"), 0);
	assert_int_equal(fake_write(&fx->f, "tags.conf", "# empty\n"), 0);
	tagdax_rescan(fx->ctx);
	assert_int_equal(tagdax_resolve(fx->ctx, &tag, &dev), 0);
	assert_string_equal(tagdax_dev_get_provider(dev), "cxl");
	assert_int_equal(fake_write(&fx->f, "tags.conf", "%s mem/a\n", TAG_C), 0);
	assert_int_equal(tagdax_resolve(fx->ctx, &tag, &dev), -ENOTUNIQ);
	fake_remove(&fx->f, "sys/bus/dax/devices/dax0.0");
	fake_remove(&fx->f, "tags.conf");
}

static void null_tag_and_missing(void **state)
{
	struct fixture *fx = *state;
	struct tagdax_tag null = { { 0 } }, tag = test_tag(TAG_C);
	struct tagdax_dev *dev;

	assert_int_equal(tagdax_resolve(fx->ctx, &null, &dev), -EINVAL);
	assert_int_equal(tagdax_resolve(fx->ctx, &tag, &dev), -ENOENT);
}

static void unwritable_run_dir_still_resolves(void **state)
{
	struct fixture *fx = *state;
	struct tagdax_tag tag = test_tag(TAG_A);
	struct tagdax_dev *dev;

	assert_int_equal(fake_write(&fx->f, "tags.conf", "%s mem/a\n", TAG_A), 0);
	assert_int_equal(tagdax_set_run_dir(fx->ctx, "/proc/no/such/dir"), 0);
	assert_int_equal(tagdax_resolve(fx->ctx, &tag, &dev), 0);
	assert_int_equal(tagdax_set_run_dir(fx->ctx, fx->f.run), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(scan_writes_index_and_fast_path_verifies),
		cmocka_unit_test(ambiguous_is_reported_on_both_paths),
		cmocka_unit_test(garbage_index_is_ignored),
		cmocka_unit_test(table_duplicate_of_an_indexed_device),
		cmocka_unit_test(null_tag_and_missing),
		cmocka_unit_test(unwritable_run_dir_still_resolves),
	};

	return cmocka_run_group_tests(tests, setup, fixture_teardown);
}
