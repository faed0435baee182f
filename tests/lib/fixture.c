// SPDX-License-Identifier: GPL-2.0-or-later
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <cmocka.h>

#include "fixture.h"

static char logbuf[1 << 16];
static size_t loglen;

static void capture(struct tagdax_ctx *ctx, int prio, const char *file, int line,
		    const char *fn, const char *fmt, va_list ap)
{
	int n;

	(void)ctx, (void)prio, (void)file, (void)line, (void)fn;
	n = vsnprintf(logbuf + loglen, sizeof(logbuf) - loglen, fmt, ap);
	if (n > 0)
		loglen = loglen + (size_t)n < sizeof(logbuf) ? loglen + (size_t)n : sizeof(logbuf) - 1;
}

const char *fixture_index(struct fake *f, const char *tag, char *buf, size_t len)
{
	char path[512];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/by-tag/%s", f->run, tag);
	n = readlink(path, buf, len - 2);
	if (n < 0)
		n = 0;
	if (n > 0)
		buf[n++] = '\n';
	buf[n] = '\0';
	/* the first line names the roots the entry was built from */
	if (!strncmp(buf, "roots ", 6) && strchr(buf, '\n'))
		memmove(buf, strchr(buf, '\n') + 1, strlen(strchr(buf, '\n') + 1) + 1);
	return buf;
}

const char *fixture_log(void)
{
	return logbuf;
}

void fixture_log_clear(void)
{
	loglen = 0;
	logbuf[0] = '\0';
}

struct tagdax_ctx *fixture_ctx(struct fake *f)
{
	struct tagdax_ctx *ctx = NULL;

	assert_int_equal(tagdax_new(&ctx), 0);
	assert_int_equal(tagdax_set_sysfs_root(ctx, f->sys), 0);
	assert_int_equal(tagdax_set_dev_root(ctx, f->dev), 0);
	assert_int_equal(tagdax_set_run_dir(ctx, f->run), 0);
	assert_int_equal(tagdax_set_config(ctx, f->config), 0);
	tagdax_set_log_fn(ctx, capture);
	tagdax_set_log_priority(ctx, LOG_DEBUG);
	return ctx;
}

int fixture_setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (!fx || fake_init(&fx->f)) {
		free(fx);
		return -1;
	}
	fx->ctx = fixture_ctx(&fx->f);
	fixture_log_clear();
	*state = fx;
	return 0;
}

int fixture_teardown(void **state)
{
	struct fixture *fx = *state;

	tagdax_unref(fx->ctx);
	fake_cleanup(&fx->f);
	free(fx);
	return 0;
}
