// SPDX-License-Identifier: GPL-2.0-or-later
/* Tags: parsing, printing, the null tag; size-suffix and number parsing. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "private.h"

static void parse_roundtrip(void **state)
{
	struct tagdax_tag tag;
	char text[TAGDAX_TAG_STRLEN];

	(void)state;
	assert_int_equal(tagdax_tag_parse("5BE13BCE-1d7a-4c1e-9b2f-3f6c2a1d0e55", &tag), 0);
	assert_int_equal(tag.b[0], 0x5b);
	assert_int_equal(tag.b[15], 0x55);
	tagdax_tag_unparse(&tag, text);
	assert_string_equal(text, "5be13bce-1d7a-4c1e-9b2f-3f6c2a1d0e55");
	assert_false(tagdax_tag_is_null(&tag));
}

static void parse_rejects_malformed(void **state)
{
	static const char *const bad[] = {
		"", "5be13bce", "5be13bce-1d7a-4c1e-9b2f-3f6c2a1d0e5",
		"5be13bce-1d7a-4c1e-9b2f-3f6c2a1d0e55x", "5be13bce-1d7a-4c1e-9b2f-3f6c2a1d0e5g",
		"5be13bce11d7a-4c1e-9b2f-3f6c2a1d0e55", " 5be13bce-1d7a-4c1e-9b2f-3f6c2a1d0e5",
	};
	struct tagdax_tag tag, before;

	(void)state;
	memset(&tag, 0xa5, sizeof(tag));
	before = tag;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(tagdax_tag_parse(bad[i], &tag), -EINVAL);
		/* a rejected tag leaves the output untouched */
		assert_memory_equal(&tag, &before, sizeof(tag));
	}
	assert_int_equal(tagdax_tag_parse(NULL, &tag), -EINVAL);
}

static void null_and_equal(void **state)
{
	struct tagdax_tag a, b;

	(void)state;
	assert_int_equal(tagdax_tag_parse("00000000-0000-0000-0000-000000000000", &a), 0);
	assert_true(tagdax_tag_is_null(&a));
	assert_int_equal(tagdax_tag_parse("00000000-0000-0000-0000-000000000001", &b), 0);
	assert_false(tagdax_tag_equal(&a, &b));
	b.b[15] = 0;
	assert_true(tagdax_tag_equal(&a, &b));
}

static void numbers(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(parse_u64("0x200000", &v), 0);
	assert_int_equal(v, 0x200000);
	assert_int_equal(parse_u64("4096", &v), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(parse_u64("", &v), -EINVAL);
	assert_int_equal(parse_u64("-1", &v), -EINVAL);
	assert_int_equal(parse_u64("12abc", &v), -EINVAL);
	assert_int_equal(parse_u64("0x", &v), -EINVAL);
	assert_int_equal(parse_u64("99999999999999999999999", &v), -EINVAL);
	assert_int_equal(parse_size("2M", &v), 0);
	assert_int_equal(v, 2u << 20);
	assert_int_equal(parse_size("1g", &v), 0);
	assert_int_equal(v, 1ull << 30);
	assert_int_equal(parse_size("M", &v), -EINVAL);
	assert_int_equal(parse_size("16777216T", &v), -ERANGE);
	assert_int_equal(parse_size("2 ", &v), -EINVAL);
	/* one vocabulary: the table reads sizes as the fabric and vm do */
	assert_int_equal(parse_size("2MiB", &v), 0);
	assert_int_equal(v, 2u << 20);
	assert_int_equal(parse_size("2mb", &v), -EINVAL);
	assert_int_equal(parse_size("2MB", &v), 0);
	assert_int_equal(v, 2u << 20);
	assert_int_equal(parse_size("1.5G", &v), -EINVAL);
	assert_int_equal(parse_size("-1", &v), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_roundtrip),
		cmocka_unit_test(parse_rejects_malformed),
		cmocka_unit_test(null_and_equal),
		cmocka_unit_test(numbers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
