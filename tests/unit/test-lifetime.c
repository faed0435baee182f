// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Device lifetime: a long-lived process that resolves forever stays in flat
 * memory (one object per device, returned again), a changed device gets a
 * new object without invalidating the old one, and tagdax_dev_ref() keeps a
 * device past tagdax_rescan() and the context's last unref.  Driven through
 * the cxl provider's fast path on a fake tree, as a VMM resolving per
 * request would run.
 */
#include <errno.h>
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fixture.h"
#include "testctx.h"

#define MiB (1ull << 20)
/* What the heap may grow by between warm-up and the end, whatever the
 * count: the old library kept ~400 bytes per resolve. */
#define HEAP_SLACK (64u << 10)

#ifdef __SANITIZE_ADDRESS__
size_t __sanitizer_get_current_allocated_bytes(void);
#define DEFAULT_RESOLVES 100000ul /* ASan makes each resolve several times slower */
static size_t heap_bytes(void)
{
	return __sanitizer_get_current_allocated_bytes();
}
#else
#define DEFAULT_RESOLVES 1000000ul
static size_t heap_bytes(void)
{
	return mallinfo2().uordblks;
}
#endif

/* A cxl dax device NAME carrying tag, SIZE bytes. */
static void add_dax(struct fake *f, const char *name, const char *tag, uint64_t size)
{
	char rel[200], target[200];

	snprintf(rel, sizeof(rel), "sys/devices/platform/cxl/%s/uuid", name);
	assert_int_equal(fake_write(f, rel, "%s\n", tag), 0);
	snprintf(rel, sizeof(rel), "sys/devices/platform/cxl/%s/size", name);
	assert_int_equal(fake_write(f, rel, "%llu\n", (unsigned long long)size), 0);
	snprintf(rel, sizeof(rel), "sys/devices/platform/cxl/%s/align", name);
	assert_int_equal(fake_write(f, rel, "2097152\n"), 0);
	snprintf(target, sizeof(target), "../../../devices/platform/cxl/%s", name);
	snprintf(rel, sizeof(rel), "sys/bus/dax/devices/%s", name);
	assert_int_equal(fake_symlink(f, target, rel), 0);
	snprintf(rel, sizeof(rel), "dev/%s", name);
	assert_int_equal(fake_write(f, rel, "%s", ""), 0);
}

static unsigned long resolves_wanted(void)
{
	const char *env = getenv("TAGDAX_TEST_RESOLVES");
	unsigned long n = env ? strtoul(env, NULL, 10) : DEFAULT_RESOLVES;

#ifdef __SANITIZE_ADDRESS__
	if (!env)
		printf("# under ASan: %lu resolves, not 1,000,000 (each is several times "
		       "slower); the bound on growth is the same\n", n);
#endif
	return n ? n : DEFAULT_RESOLVES;
}

static void heap_stays_flat(void **state)
{
	struct fixture *fx = *state;
	struct tagdax_ctx *ctx = test_ctx(&fx->f); /* logs at err: no log buffer growth */
	struct tagdax_tag tag = test_tag(TAG_A);
	unsigned long n = resolves_wanted();
	struct tagdax_dev *dev, *first = NULL;
	unsigned long others = 0;
	size_t warm, end;

	assert_non_null(ctx);
	add_dax(&fx->f, "dax0.0", TAG_A, 4 * MiB);
	/* The fast path alone (what a VMM asks per request), then with the
	 * getters that read details after each resolve (a twentieth as many:
	 * each re-reads the details to tell whether the device changed). */
	for (int getters = 0; getters < 2; getters++) {
		unsigned long count = getters ? n / 20 : n;

		for (unsigned long i = 0; i < 1000; i++) {
			assert_int_equal(tagdax_resolve(ctx, &tag, &dev), 0);
			if (getters)
				assert_int_equal(tagdax_dev_get_size(dev), 4 * MiB);
			first = first ? first : dev;
		}
		warm = heap_bytes();
		for (unsigned long i = 0; i < count; i++) {
			if (tagdax_resolve(ctx, &tag, &dev) != 0)
				fail_msg("resolve %lu failed", i);
			if (getters && tagdax_dev_get_size(dev) != 4 * MiB)
				fail_msg("resolve %lu: size changed", i);
			others += dev != first;
		}
		end = heap_bytes();
		printf("# %lu resolves%s: heap %zu bytes after warm-up, %zu at the end\n", count,
		       getters ? " with getters" : "", warm, end);
		if (end > warm + HEAP_SLACK)
			fail_msg("the heap grew by %zu bytes over %lu resolves", end - warm, count);
	}
	/* one device, one object */
	assert_int_equal(others, 0);
	tagdax_unref(ctx);
}

/* A changed device: a new object; the old one still reads as it was. */
static void changed_device_gets_new_object(void **state)
{
	struct fixture *fx = *state;
	struct tagdax_tag tag = test_tag(TAG_A);
	struct tagdax_dev *old, *dev;

	add_dax(&fx->f, "dax0.0", TAG_A, 4 * MiB);
	assert_int_equal(tagdax_resolve(fx->ctx, &tag, &old), 0);
	assert_int_equal(tagdax_dev_get_size(old), 4 * MiB);
	assert_int_equal(tagdax_resolve(fx->ctx, &tag, &dev), 0);
	assert_ptr_equal(dev, old);

	assert_int_equal(fake_write(&fx->f, "sys/devices/platform/cxl/dax0.0/size", "8388608\n"), 0);
	assert_int_equal(tagdax_resolve(fx->ctx, &tag, &dev), 0);
	assert_ptr_not_equal(dev, old);
	assert_int_equal(tagdax_dev_get_size(dev), 8 * MiB);
	assert_int_equal(tagdax_dev_get_size(old), 4 * MiB);
	assert_string_equal(tagdax_dev_get_devname(old), "dax0.0");
	/* and the new one is what is returned from now on */
	assert_int_equal(tagdax_resolve(fx->ctx, &tag, &old), 0);
	assert_ptr_equal(dev, old);
}

/* Ambiguity: both objects are reused, the chain is the latest resolve's. */
static void ambiguous_reuses_both(void **state)
{
	struct fixture *fx = *state;
	struct tagdax_tag tag = test_tag(TAG_A);
	struct tagdax_dev *a, *b, *dev;

	add_dax(&fx->f, "dax0.0", TAG_A, 4 * MiB);
	add_dax(&fx->f, "dax1.0", TAG_A, 4 * MiB);
	assert_int_equal(tagdax_resolve(fx->ctx, &tag, &a), -ENOTUNIQ);
	b = tagdax_dev_get_next_same_tag(a);
	assert_non_null(b);
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(tagdax_resolve(fx->ctx, &tag, &dev), -ENOTUNIQ);
		assert_ptr_equal(dev, a);
		assert_ptr_equal(tagdax_dev_get_next_same_tag(dev), b);
		assert_null(tagdax_dev_get_next_same_tag(b));
	}
}

/* tagdax_dev_ref(): past a rescan and the context's last unref. */
static void ref_outlives_rescan_and_ctx(void **state)
{
	struct fixture *fx = *state;
	struct tagdax_ctx *ctx = test_ctx(&fx->f);
	struct tagdax_tag tag = test_tag(TAG_A);
	struct tagdax_dev *dev, *again;

	assert_non_null(ctx);
	add_dax(&fx->f, "dax0.0", TAG_A, 4 * MiB);
	assert_int_equal(tagdax_resolve(ctx, &tag, &dev), 0);
	assert_ptr_equal(tagdax_dev_ref(dev), dev);
	assert_ptr_equal(tagdax_dev_ref(dev), dev);
	tagdax_rescan(ctx);
	assert_int_equal(tagdax_resolve(ctx, &tag, &again), 0);
	assert_ptr_not_equal(again, dev); /* the context let go of the held one */
	assert_non_null(strstr(tagdax_dev_get_path(dev), "/dax0.0"));
	assert_null(tagdax_dev_get_next_same_tag(dev));
	/* the caller's last reference: the held device keeps the context */
	assert_ptr_equal(tagdax_unref(ctx), ctx);
	assert_ptr_equal(tagdax_dev_get_ctx(dev), ctx);
	assert_string_equal(tagdax_get_sysfs_root(tagdax_dev_get_ctx(dev)), fx->f.sys);
	assert_int_equal(tagdax_dev_get_size(dev), 4 * MiB);
	assert_ptr_equal(tagdax_dev_unref(dev), dev);
	assert_null(tagdax_dev_unref(dev)); /* frees it and the context (ASan: no leak) */

	/* unref of a device nobody holds does nothing */
	assert_int_equal(tagdax_resolve(fx->ctx, &tag, &dev), 0);
	assert_null(tagdax_dev_unref(dev));
	assert_int_equal(tagdax_resolve(fx->ctx, &tag, &again), 0);
	assert_ptr_equal(again, dev);
	assert_non_null(tagdax_dev_get_path(dev));
}

/* A held device still in the cache: unref gives it back to the context. */
static void ref_while_cached(void **state)
{
	struct fixture *fx = *state;
	struct tagdax_tag tag = test_tag(TAG_A);
	struct tagdax_dev *dev, *again;

	add_dax(&fx->f, "dax0.0", TAG_A, 4 * MiB);
	assert_int_equal(tagdax_resolve(fx->ctx, &tag, &dev), 0);
	tagdax_dev_ref(dev);
	assert_null(tagdax_dev_unref(dev));
	assert_int_equal(tagdax_resolve(fx->ctx, &tag, &again), 0);
	assert_ptr_equal(again, dev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(heap_stays_flat, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(changed_device_gets_new_object, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(ambiguous_reuses_both, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(ref_outlives_rescan_and_ctx, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(ref_while_cached, fixture_setup, fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
