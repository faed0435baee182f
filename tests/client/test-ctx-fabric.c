// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tagdax_set_fabric(): one process looks through two emulated hosts' eyes
 * at once, one context each, with no TAGDAX_FABRIC/TAGDAX_HOST set, and the
 * by-tag index of one host is never taken for the other's (its key holds
 * the context's fabric and host).  Public headers and libraries only,
 * against a real fabric started with the tagdax binary named by argv[1].
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <tagdax/fm.h>
#include <tagdax/tagdax.h>

#include "client-test.h"

static char dir[] = "/tmp/test-ctx-fabric.XXXXXX";

static struct tagdax_ctx *host_ctx(const char *host)
{
	struct tagdax_ctx *ctx;

	CHECK(tagdax_new(&ctx) == 0);
	CHECK(tagdax_set_fabric(ctx, dir, host) == 0);
	CHECK(!strcmp(tagdax_get_fabric_host(ctx), host));
	return ctx;
}

/* A relative DIR is the one under the cwd of the call, kept absolute: the
 * context still finds A's capacity from anywhere. */
static void relative_dir(const struct tagdax_tag *t)
{
	struct tagdax_ctx *ctx;
	struct tagdax_dev *dev;
	char cwd[4096], parent[sizeof(dir)], want[sizeof(dir) + 32];

	snprintf(parent, sizeof(parent), "%s", dir);
	*strrchr(parent, '/') = '\0';
	CHECK(getcwd(cwd, sizeof(cwd)) && chdir(parent) == 0);
	CHECK(tagdax_new(&ctx) == 0);
	CHECK(tagdax_set_fabric(ctx, strrchr(dir, '/') + 1, "A") == 0);
	snprintf(want, sizeof(want), "%s/hosts/A/run", dir);
	CHECK(!strcmp(tagdax_get_run_dir(ctx), want));
	CHECK(tagdax_resolve(ctx, t, &dev) == 0);
	CHECK(chdir("/") == 0);
	tagdax_rescan(ctx);
	CHECK(tagdax_resolve(ctx, t, &dev) == 0);
	tagdax_unref(ctx);
	CHECK(chdir(cwd) == 0);
}

int main(int argc, char **argv)
{
	static const struct tagdax_tag t = { { 0x44, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13 } };
	struct tagdax_fm_add add = {
		.host = 0, .policy = TAGDAX_FM_ADD_FREE, .region = 1, .length = 2ull << 20,
	};
	struct tagdax_ctx *a, *b, *ctx;
	struct tagdax_dev *dev;
	struct tagdax_fm *fm;
	char run_a[256], entry[512], first[512], again[512];
	ssize_t n;
	int rc = -ENOENT;

	if (argc != 2)
		return 2;
	tagdax_bin = argv[1];
	unsetenv("TAGDAX_FABRIC");
	unsetenv("TAGDAX_HOST");
	unsetenv("TAGDAX_RUN_DIR");
	fabric_dir = dir;
	if (!mkdtemp(dir))
		return 1;
	CHECK(run("up", NULL) == 0);

	/* bad input changes nothing */
	CHECK(tagdax_new(&ctx) == 0);
	CHECK(tagdax_set_fabric(ctx, dir, NULL) == -EINVAL);
	CHECK(tagdax_set_fabric(ctx, NULL, "A") == -EINVAL);
	CHECK(tagdax_set_fabric(ctx, "", "A") == -EINVAL);
	CHECK(tagdax_set_fabric(ctx, dir, "../A") == -EINVAL);
	CHECK(tagdax_set_fabric(ctx, dir, ".hidden") == -EINVAL);
	CHECK(!tagdax_get_fabric_host(ctx));
	tagdax_unref(ctx);

	/* capacity for A only */
	memcpy(add.tag, t.b, 16);
	CHECK(tagdax_fm_open(dir, &fm) == 0);
	CHECK(tagdax_fm_initiate_dc_add(fm, &add) == 0);
	tagdax_fm_close(fm);

	a = host_ctx("A");
	b = host_ctx("B");
	CHECK(!strcmp(tagdax_get_run_dir(a), strcat(strcpy(run_a, dir), "/hosts/A/run")));
	rc = tagdax_wait(a, &t, 20000, &dev);
	CHECK(rc == 0);
	CHECK(!strcmp(tagdax_dev_get_provider(dev), "emu"));
	CHECK(tagdax_resolve(b, &t, &dev) == -ENOENT);
	relative_dir(&t);

	/* B pointed at A's index: A's entry is not B's answer */
	CHECK(tagdax_set_run_dir(b, run_a) == 0);
	CHECK(tagdax_resolve(a, &t, &dev) == 0);
	CHECK(tagdax_resolve(b, &t, &dev) == -ENOENT);

	/* The index entry A's scan wrote names the roots it was built under,
	 * A's fabric and host among them: the same entry a context that sees
	 * A through the environment writes (an entry keyed without the host
	 * would pass for any host's). */
	snprintf(entry, sizeof(entry), "%s/by-tag/", run_a);
	tagdax_tag_unparse(&t, entry + strlen(entry));
	n = readlink(entry, first, sizeof(first) - 1);
	CHECK(n > 0 && !strncmp(first, "roots ", 6));
	first[n] = '\0';
	CHECK(unlink(entry) == 0);
	setenv("TAGDAX_FABRIC", dir, 1);
	setenv("TAGDAX_HOST", "A", 1);
	CHECK(tagdax_new(&ctx) == 0 && tagdax_set_run_dir(ctx, run_a) == 0);
	CHECK(tagdax_resolve(ctx, &t, &dev) == 0);
	n = readlink(entry, again, sizeof(again) - 1);
	CHECK(n > 0);
	again[n] = '\0';
	CHECK(!strcmp(first, again));
	tagdax_unref(ctx);
	unsetenv("TAGDAX_FABRIC");
	unsetenv("TAGDAX_HOST");

	/* back to the environment's default: no fabric, no emu devices */
	CHECK(tagdax_set_fabric(a, NULL, NULL) == 0);
	CHECK(!tagdax_get_fabric_host(a));
	CHECK(tagdax_resolve(a, &t, &dev) != 0);
	/* ... and TAGDAX_HOST is that default */
	setenv("TAGDAX_FABRIC", dir, 1);
	setenv("TAGDAX_HOST", "A", 1);
	CHECK(tagdax_set_run_dir(a, run_a) == 0);
	CHECK(tagdax_resolve(a, &t, &dev) == 0);
	CHECK(!strcmp(tagdax_get_fabric_host(a), "A"));
	/* the context's own host wins over the environment */
	CHECK(tagdax_resolve(b, &t, &dev) == -ENOENT);
	tagdax_unref(a);
	tagdax_unref(b);
	CHECK(run("down", "--purge") == 0);
	rmdir(dir);
	printf("ok\n");
	return 0;
}
