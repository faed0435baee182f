/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the client tests share: a fabric of their own in dir, run with the
 * tagdax binary given as argv[1], and checks that stop it (down --purge)
 * before they fail, so a failed test leaves no daemon behind.  Each test is
 * one program built from public headers only, so this is header-only.
 */
#ifndef TAGDAX_TESTS_CLIENT_TEST_H
#define TAGDAX_TESTS_CLIENT_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *tagdax_bin;
static char *fabric_dir;

/* tagdax fabric CMD --dir DIR [EXTRA]: its exit code, or -1. */
static int run(const char *cmd, const char *extra)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		execl(tagdax_bin, tagdax_bin, "fabric", cmd, "--dir", fabric_dir, extra,
		      (char *)NULL);
		_exit(127);
	}
	return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void fail_out(void)
{
	run("down", "--purge");
	exit(1);
}

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
			fail_out();                                            \
		}                                                              \
	} while (0)

#endif
