// SPDX-License-Identifier: GPL-2.0-or-later
/* The admin-table provider: parsing, defaults, bad lines. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <cmocka.h>

#include "private.h"
#include "fixture.h"
#include "testctx.h"


static unsigned int count_devs(struct tagdax_ctx *ctx)
{
	struct tagdax_dev *dev;
	unsigned int n = 0;

	tagdax_rescan(ctx);
	tagdax_dev_foreach(ctx, dev)
		n++;
	return n;
}

static void entries_and_defaults(void **state)
{
	struct fixture *fx = *state;
	struct tagdax_tag tag = test_tag(TAG_A);
	struct tagdax_dev *dev;
	char path[512];

	assert_int_equal(fake_file(&fx->f, "mem/a", 8 << 20), 0);
	assert_int_equal(fake_file(&fx->f, "mem/b", 4 << 20), 0);
	assert_int_equal(fake_write(&fx->f, "tags.conf",
				    "# comment\n\n%s mem/a 2M 4M sharable,readonly # trailing\n"
				    "%s %s/mem/b\n", TAG_A, TAG_B, fx->f.root), 0);
	assert_int_equal(count_devs(fx->ctx), 2);
	assert_int_equal(tagdax_resolve(fx->ctx, &tag, &dev), 0);
	/* a relative path is relative to the table's directory */
	assert_string_equal(tagdax_dev_get_path(dev), fake_path(&fx->f, "mem/a", path, sizeof(path)));
	assert_int_equal(tagdax_dev_get_offset(dev), 2 << 20);
	assert_int_equal(tagdax_dev_get_size(dev), 4 << 20);
	assert_int_equal(tagdax_dev_get_flags(dev), TAGDAX_DEV_SHARABLE | TAGDAX_DEV_READONLY);
	assert_string_equal(tagdax_dev_get_provider(dev), "table");

	tag = test_tag(TAG_B);
	assert_int_equal(tagdax_resolve(fx->ctx, &tag, &dev), 0);
	assert_int_equal(tagdax_dev_get_offset(dev), 0);
	assert_int_equal(tagdax_dev_get_size(dev), 4 << 20); /* to the end of the file */
	assert_int_equal(tagdax_dev_get_flags(dev), 0);
}

/* A dax device named by the table (an hmem range, say) maps only at its
 * alignment, which it says in sysfs as it says its size.  /dev/null stands in
 * for the device node: any character device is looked up by its numbers. */
static void dax_char_device_align(void **state)
{
	struct fixture *fx = *state;
	struct tagdax_tag tag = test_tag(TAG_A);
	struct tagdax_dev *dev;
	struct stat st;
	char size[64], align[64];

	assert_int_equal(stat("/dev/null", &st), 0);
	snprintf(size, sizeof(size), "sys/dev/char/%u:%u/size", major(st.st_rdev),
		 minor(st.st_rdev));
	snprintf(align, sizeof(align), "sys/dev/char/%u:%u/align", major(st.st_rdev),
		 minor(st.st_rdev));
	assert_int_equal(fake_write(&fx->f, size, "67108864\n"), 0);
	assert_int_equal(fake_write(&fx->f, align, "2097152\n"), 0);
	assert_int_equal(fake_write(&fx->f, "tags.conf", "%s /dev/null\n", TAG_A), 0);
	assert_int_equal(tagdax_resolve(fx->ctx, &tag, &dev), 0);
	assert_int_equal(tagdax_dev_get_size(dev), 64 << 20);
	assert_int_equal(tagdax_dev_get_align(dev), 2 << 20);
}

static void bad_lines_skipped(void **state)
{
	struct fixture *fx = *state;
	struct tagdax_tag tag = test_tag(TAG_C);
	struct tagdax_dev *dev;

	assert_int_equal(fake_file(&fx->f, "mem/c", 4 << 20), 0);
	assert_int_equal(fake_write(&fx->f, "tags.conf",
				    "not-a-tag mem/c\n"
				    "%s\n"                       /* no path */
				    "%s mem/c 0 0\n"             /* zero size */
				    "%s mem/c 0 1X\n"            /* bad size */
				    "%s mem/c zero\n"            /* bad offset */
				    "%s mem/c 0 - sharable,shiny\n" /* bad flag */
				    "%s mem/c 0 1M - extra\n"    /* too many fields */
				    "00000000-0000-0000-0000-000000000000 mem/c\n"
				    "%s mem/missing\n"           /* vanished file */
				    "%s mem/c 8M\n"              /* offset past the end */
				    "%s mem/c 3M 2M\n"           /* size past the end */
				    "%s mem/c 1 18446744073709551615\n" /* offset + size wraps */
				    "%s mem/c 1M 2M\n",          /* the one good line */
				    TAG_A, TAG_A, TAG_A, TAG_A, TAG_A, TAG_A, TAG_B, TAG_B, TAG_B, TAG_B,
				    TAG_C),
			 0);
	assert_int_equal(count_devs(fx->ctx), 1);
	assert_int_equal(tagdax_resolve(fx->ctx, &tag, &dev), 0);
	assert_int_equal(tagdax_dev_get_offset(dev), 1 << 20);
	tag = test_tag(TAG_A);
	assert_int_equal(tagdax_resolve(fx->ctx, &tag, &dev), -ENOENT);
	tag = test_tag(TAG_B);
	assert_int_equal(tagdax_resolve(fx->ctx, &tag, &dev), -ENOENT);
}

static void long_lines_and_fifos(void **state)
{
	struct fixture *fx = *state;
	struct tagdax_tag tag = test_tag(TAG_A);
	struct tagdax_dev *dev;
	char path[512];
	FILE *f;

	/* a comment longer than any buffer stays one comment */
	fake_file(&fx->f, "mem/a", 4 << 20);
	fake_remove(&fx->f, "tags.conf");
	f = fopen(fake_path(&fx->f, "tags.conf", path, sizeof(path)), "w");
	fputc('#', f);
	for (int i = 0; i < 20000; i++)
		fputc('x', f);
	fprintf(f, " %s mem/a\n", TAG_A);
	fclose(f);
	assert_int_equal(count_devs(fx->ctx), 0);
	assert_int_equal(tagdax_resolve(fx->ctx, &tag, &dev), -ENOENT);
	/* a FIFO where the table should be is refused, not waited on */
	fake_remove(&fx->f, "tags.conf");
	assert_int_equal(mkfifo(path, 0644), 0);
	assert_int_equal(count_devs(fx->ctx), 0);
	assert_non_null(strstr(fixture_log(), "not a regular file"));
	fake_remove(&fx->f, "tags.conf");
}

static void missing_table_is_empty(void **state)
{
	struct fixture *fx = *state;

	fake_remove(&fx->f, "tags.conf");
	assert_int_equal(count_devs(fx->ctx), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(entries_and_defaults),
		cmocka_unit_test(dax_char_device_align),
		cmocka_unit_test(bad_lines_skipped),
		cmocka_unit_test(long_lines_and_fifos),
		cmocka_unit_test(missing_table_is_empty),
	};

	return cmocka_run_group_tests(tests, fixture_setup, fixture_teardown);
}
