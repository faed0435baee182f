// SPDX-License-Identifier: GPL-2.0-or-later
/* tagdax_wait(): returns when the tag appears, times out when it does not. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
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
	return fake_file(&fx->f, "mem/a", 2 << 20);
}

static void times_out(void **state)
{
	struct fixture *fx = *state;
	struct tagdax_tag tag = test_tag(TAG_A);
	struct tagdax_dev *dev = (void *)1;

	assert_int_equal(tagdax_wait(fx->ctx, &tag, 150, &dev), -ETIMEDOUT);
	assert_null(dev);
	assert_int_equal(tagdax_wait(fx->ctx, &tag, 0, &dev), -ETIMEDOUT);
}

static void *publish_later(void *arg)
{
	struct fixture *fx = arg;
	char from[512], to[512];

	usleep(200 * 1000);
	fake_write(&fx->f, "tags.conf.tmp", "%s mem/a\n", TAG_A);
	rename(fake_path(&fx->f, "tags.conf.tmp", from, sizeof(from)),
	       fake_path(&fx->f, "tags.conf", to, sizeof(to)));
	return NULL;
}

static void returns_when_the_tag_appears(void **state)
{
	struct fixture *fx = *state;
	struct tagdax_tag tag = test_tag(TAG_A);
	struct tagdax_dev *dev;
	pthread_t thread;

	assert_int_equal(pthread_create(&thread, NULL, publish_later, fx), 0);
	assert_int_equal(tagdax_wait(fx->ctx, &tag, 20000, &dev), 0);
	assert_non_null(strstr(tagdax_dev_get_path(dev), "mem/a"));
	pthread_join(thread, NULL);
	/* already there: returns at once */
	assert_int_equal(tagdax_wait(fx->ctx, &tag, 0, &dev), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(times_out),
		cmocka_unit_test(returns_when_the_tag_appears),
	};

	return cmocka_run_group_tests(tests, setup, fixture_teardown);
}
