// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The region allocator: each operation, its errors, a randomized run
 * against a bitmap reference model, and 100,000 live extents.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "alloc.h"
#include "fabric-test.h"

static void test_basics(void **state)
{
	struct fabric_alloc *a = fabric_alloc_new(1000, 100);
	struct fabric_range r[8];
	uint64_t s;
	size_t n;

	(void)state;
	assert_int_equal(fabric_alloc_avail(a), 100);
	assert_int_equal(fabric_alloc_count(a), 1);
	assert_int_equal(fabric_alloc_largest(a), 100);
	assert_int_equal(fabric_alloc_contiguous(a, 10, &s), 0);
	assert_int_equal(s, 1000);
	assert_int_equal(fabric_alloc_contiguous(a, 10, &s), 0);
	assert_int_equal(s, 1010);
	assert_int_equal(fabric_alloc_range(a, 1050, 10), 0); /* splits the rest */
	assert_int_equal(fabric_alloc_count(a), 2);
	assert_int_equal(fabric_alloc_avail(a), 70);
	assert_int_equal(fabric_alloc_largest(a), 40);
	/* First fit: the hole before 1050 takes 30, the next 31 goes after. */
	assert_int_equal(fabric_alloc_find(a, 30, &s), 0);
	assert_int_equal(s, 1020);
	assert_int_equal(fabric_alloc_find(a, 31, &s), 0);
	assert_int_equal(s, 1060);
	assert_int_equal(fabric_alloc_contiguous(a, 41, &s), -ENOSPC);
	assert_true(fabric_alloc_is_used(a, 1000, 20));
	assert_false(fabric_alloc_is_used(a, 1015, 10));
	assert_true(fabric_alloc_is_free(a, 1020, 30));
	assert_false(fabric_alloc_is_free(a, 1020, 31));
	assert_int_equal(fabric_alloc_next(a, 1021, &r[0]), 0);
	assert_int_equal(r[0].start, 1060);
	assert_int_equal(fabric_alloc_next(a, 1061, &r[0]), -ENOENT);

	/* Errors leave everything as it was. */
	assert_int_equal(fabric_alloc_range(a, 1045, 10), -EBUSY);
	assert_int_equal(fabric_alloc_range(a, 990, 20), -ERANGE);
	assert_int_equal(fabric_alloc_range(a, 1095, 10), -ERANGE);
	assert_int_equal(fabric_alloc_range(a, 1020, 0), -ERANGE);
	assert_int_equal(fabric_alloc_free(a, 1015, 10), -EINVAL); /* half free already */
	assert_int_equal(fabric_alloc_free(a, 1020, 5), -EINVAL);
	assert_int_equal(fabric_alloc_free(a, 1100, 1), -ERANGE);
	assert_int_equal(fabric_alloc_free(a, UINT64_MAX - 1, 10), -ERANGE);
	assert_int_equal(fabric_alloc_scatter(a, 71, r, 8, &n), -ENOSPC);
	assert_int_equal(fabric_alloc_scatter(a, 70, r, 1, &n), -E2BIG);
	assert_int_equal(fabric_alloc_avail(a), 70);
	assert_int_equal(fabric_alloc_count(a), 2);

	/* Free policy: lowest addresses first, the last piece cut to fit. */
	assert_int_equal(fabric_alloc_scatter(a, 45, r, 8, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(r[0].start, 1020);
	assert_int_equal(r[0].len, 30);
	assert_int_equal(r[1].start, 1060);
	assert_int_equal(r[1].len, 15);
	assert_int_equal(fabric_alloc_avail(a), 25);

	/* Freeing merges with both neighbours. */
	assert_int_equal(fabric_alloc_free(a, 1000, 75), 0);
	assert_int_equal(fabric_alloc_count(a), 1);
	assert_int_equal(fabric_alloc_avail(a), 100);
	assert_int_equal(fabric_alloc_largest(a), 100);
	fabric_alloc_destroy(a);
}

static int collect(void *arg, uint64_t start, uint64_t len)
{
	struct fabric_range **p = arg;

	(*p)->start = start;
	(*p)->len = len;
	(*p)++;
	return 0;
}

/* The reference model: one bool per unit. */
#define UNITS 512
static bool used[UNITS];

static void compare(struct fabric_alloc *a)
{
	static struct fabric_range got[UNITS], *p;
	uint64_t avail = 0, largest = 0, run = 0;
	size_t runs = 0, k = 0;

	p = got;
	fabric_alloc_foreach(a, collect, &p);
	for (size_t i = 0; i <= UNITS; i++) {
		if (i < UNITS && !used[i]) {
			run++;
			avail++;
			continue;
		}
		if (run) {
			assert_true(k < (size_t)(p - got));
			assert_int_equal(got[k].start, i - run);
			assert_int_equal(got[k].len, run);
			k++;
			runs++;
			if (run > largest)
				largest = run;
		}
		run = 0;
	}
	assert_int_equal(k, (size_t)(p - got));
	assert_int_equal(fabric_alloc_count(a), runs);
	assert_int_equal(fabric_alloc_avail(a), avail);
	assert_int_equal(fabric_alloc_largest(a), largest);
}

static bool all(uint64_t s, uint64_t n, bool v)
{
	for (uint64_t i = s; i < s + n; i++)
		if (used[i] != v)
			return false;
	return true;
}

static void mark(uint64_t s, uint64_t n, bool v)
{
	for (uint64_t i = s; i < s + n; i++)
		used[i] = v;
}

static void test_random_against_model(void **state)
{
	struct fabric_alloc *a = fabric_alloc_new(0, UNITS);
	struct fabric_range r[UNITS];
	size_t n;

	(void)state;
	memset(used, 0, sizeof(used));
	srand(t_seed("test_random_against_model"));
	for (int step = 0; step < 200000; step++) {
		uint64_t s = (uint64_t)(rand() % UNITS), len = 1 + (uint64_t)(rand() % 24), got;
		bool in = s + len <= UNITS;
		int rc;

		switch (rand() % 4) {
		case 0: /* prescriptive */
			rc = fabric_alloc_range(a, s, len);
			if (!in)
				assert_int_equal(rc, -ERANGE);
			else if (all(s, len, false))
				assert_int_equal(rc, 0), mark(s, len, true);
			else
				assert_int_equal(rc, -EBUSY);
			break;
		case 1: /* free */
			rc = fabric_alloc_free(a, s, len);
			if (!in)
				assert_int_equal(rc, -ERANGE);
			else if (all(s, len, true))
				assert_int_equal(rc, 0), mark(s, len, false);
			else
				assert_int_equal(rc, -EINVAL);
			break;
		case 2: { /* contiguous: the lowest fitting run */
			uint64_t want = UNITS;

			for (uint64_t i = 0; i + len <= UNITS && want == UNITS; i++)
				if (all(i, len, false))
					want = i;
			rc = fabric_alloc_contiguous(a, len, &got);
			if (want == UNITS) {
				assert_int_equal(rc, -ENOSPC);
			} else {
				assert_int_equal(rc, 0);
				assert_int_equal(got, want);
				mark(got, len, true);
			}
			break;
		}
		default: { /* scatter */
			uint64_t avail = 0;

			for (size_t i = 0; i < UNITS; i++)
				avail += !used[i];
			rc = fabric_alloc_scatter(a, len, r, 4, &n);
			if (len > avail) {
				assert_int_equal(rc, -ENOSPC);
				break;
			}
			if (rc == -E2BIG)
				break;
			assert_int_equal(rc, 0);
			for (size_t i = 0; i < n; i++) {
				assert_true(all(r[i].start, r[i].len, false));
				/* lowest first: nothing free below a piece but earlier pieces */
				if (i == 0)
					for (uint64_t u = 0; u < r[0].start; u++)
						assert_true(used[u]);
				mark(r[i].start, r[i].len, true);
			}
			break;
		}
		}
		if (step % 97 == 0)
			compare(a);
	}
	compare(a);
	fabric_alloc_destroy(a);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* 100,000 live extents: every other block of a 200,000-block region. */
static void test_hundred_thousand(void **state)
{
	const uint64_t bs = 2ull << 20, blocks = 200000;
	struct fabric_alloc *a = fabric_alloc_new(0, blocks * bs);
	uint64_t s;
	double t0;
	int ops = 0;

	(void)state;
	for (uint64_t i = 0; i < blocks; i++)
		assert_int_equal(fabric_alloc_contiguous(a, bs, &s), 0);
	for (uint64_t i = 0; i < blocks; i += 2)
		assert_int_equal(fabric_alloc_free(a, i * bs, bs), 0);
	assert_int_equal(fabric_alloc_count(a), 100000);
	srand(t_seed("allocator operations"));
	t0 = now();
	for (int i = 0; i < 200000; i++) {
		uint64_t b = (uint64_t)(rand() % (int)blocks);

		/* Each live block is freed and taken back: two O(log n) ops. */
		if (fabric_alloc_is_used(a, b * bs, bs)) {
			assert_int_equal(fabric_alloc_free(a, b * bs, bs), 0);
			assert_int_equal(fabric_alloc_range(a, b * bs, bs), 0);
		} else {
			assert_int_equal(fabric_alloc_contiguous(a, bs, &s), 0);
			assert_int_equal(fabric_alloc_free(a, s, bs), 0);
		}
		ops += 2;
	}
	print_message("%.0f allocator ops/s with 100,000 live extents\n", ops / (now() - t0));
	assert_int_equal(fabric_alloc_count(a), 100000);
	/* Big first-fit lookups fail fast when nothing is long enough. */
	assert_int_equal(fabric_alloc_contiguous(a, 2 * bs, &s), -ENOSPC);
	fabric_alloc_destroy(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basics),
		cmocka_unit_test(test_random_against_model),
		cmocka_unit_test(test_hundred_thousand),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
