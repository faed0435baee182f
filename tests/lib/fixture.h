/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The common cmocka fixture of the library tests: a fake tree and a context
 * aimed at it, logging at debug into a buffer the test can search.
 */
#ifndef TAGDAX_TEST_FIXTURE_H
#define TAGDAX_TEST_FIXTURE_H

#include <tagdax/tagdax.h>

#include "fakesys.h"

struct fixture {
	struct fake f;
	struct tagdax_ctx *ctx;
};

/* cmocka group/test setup and teardown: *state becomes a struct fixture. */
int fixture_setup(void **state);
int fixture_teardown(void **state);

/* A new context aimed at f, logging into the capture buffer (asserts). */
struct tagdax_ctx *fixture_ctx(struct fake *f);

/* The by-tag index entry of tag (text form), one "provider devname\n" per
 * device, or "" when there is none. */
const char *fixture_index(struct fake *f, const char *tag, char *buf, size_t len);

/* What the library logged since the last fixture_log_clear(). */
const char *fixture_log(void);
void fixture_log_clear(void);

#endif
