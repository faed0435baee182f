// SPDX-License-Identifier: GPL-2.0-or-later
/* The emu provider: descriptors of an emulated fabric host, good and bad. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "fakesys.h"
#include "private.h"

#define TAG "5be13bce-1d7a-4c1e-9b2f-3f6c2a1d0e55"
#define MiB (1ull << 20)

struct fixture {
	struct fake f;
	struct tagdax_ctx *ctx;
	char backing[512];
	char devpath[512];
};

static int setup(void **state)
{
	struct fixture *x = calloc(1, sizeof(*x));

	if (!x || fake_init(&x->f))
		return -1;
	setenv("TAGDAX_FABRIC", x->f.root, 1);
	setenv("TAGDAX_HOST", "A", 1);
	setenv("TAGDAX_RUN_DIR", x->f.run, 1);
	setenv("TAGDAX_SYSFS_ROOT", x->f.sys, 1);
	setenv("TAGDAX_DEV_ROOT", x->f.dev, 1);
	setenv("TAGDAX_CONFIG", x->f.config, 1);
	fake_file(&x->f, "backing/region0", 64 * MiB);
	fake_mkdir(&x->f, "hosts/A/dev");
	fake_mkdir(&x->f, "hosts/A/devices");
	fake_path(&x->f, "backing/region0", x->backing, sizeof(x->backing));
	fake_path(&x->f, "hosts/A/dev/dax0.0", x->devpath, sizeof(x->devpath));
	fake_symlink(&x->f, x->backing, "hosts/A/dev/dax0.0");
	fake_write(&x->f, "layout", "region 0 base 0 length %llu path %s offset 0\n", 64 * MiB,
		   x->backing);
	if (tagdax_new(&x->ctx))
		return -1;
	*state = x;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *x = *state;

	tagdax_unref(x->ctx);
	fake_cleanup(&x->f);
	free(x);
	return 0;
}

/* A well-formed descriptor: two extents laid out as two segments. */
static void write_good(struct fixture *x, const char *name)
{
	fake_write(&x->f, name,
		   "# written by the agent\n"
		   "tag " TAG "\n"
		   "path %s\n"
		   "size %llu\n"
		   "flags sharable\n"
		   "region 0\n"
		   "segment %llu %llu\n"
		   "segment %llu %llu\n"
		   "extent %llu %llu\n"
		   "extent %llu %llu\n",
		   x->devpath, 6 * MiB, 4 * MiB, 2 * MiB, 10 * MiB, 4 * MiB, 4 * MiB, 2 * MiB,
		   10 * MiB, 4 * MiB);
}

static unsigned int count_emu(struct tagdax_ctx *ctx)
{
	struct tagdax_dev *dev;
	unsigned int n = 0;

	tagdax_rescan(ctx);
	tagdax_dev_foreach(ctx, dev)
		if (!strcmp(tagdax_dev_get_provider(dev), "emu"))
			n++;
	return n;
}

static void parses_good(void **state)
{
	struct fixture *x = *state;
	struct tagdax_dev *dev;
	struct tagdax_tag tag;
	uint64_t start, len;

	write_good(x, "hosts/A/devices/dax0.0");
	assert_int_equal(tagdax_tag_parse(TAG, &tag), 0);
	assert_int_equal(tagdax_resolve(x->ctx, &tag, &dev), 0);
	assert_string_equal(tagdax_dev_get_provider(dev), "emu");
	assert_string_equal(tagdax_dev_get_devname(dev), "dax0.0");
	assert_string_equal(tagdax_dev_get_path(dev), x->devpath);
	assert_int_equal(tagdax_dev_get_size(dev), 6 * MiB);
	assert_int_equal(tagdax_dev_get_offset(dev), 4 * MiB);
	assert_int_equal(tagdax_dev_get_align(dev), 2 * MiB);
	assert_int_equal(tagdax_dev_get_flags(dev), TAGDAX_DEV_SHARABLE);
	assert_string_equal(tagdax_dev_get_region(dev), "dax_region0");
	assert_int_equal(tagdax_dev_get_extent_count(dev), 2);
	assert_int_equal(tagdax_dev_get_extent(dev, 1, &start, &len), 0);
	assert_int_equal(start, 10 * MiB);
	assert_int_equal(len, 4 * MiB);
	assert_non_null(strstr(dev->lock_path, "hosts/A/devices/dax0.0"));
	assert_int_equal(dev->nsegs, 2);
	assert_string_equal(dev->segs[1].path, x->devpath);
}

/* Both flag words, as the agent joins them and with blanks a hand may add. */
static void parses_flag_words(void **state)
{
	static const char *const lines[] = { "sharable,readonly", "readonly, sharable" };
	struct fixture *x = *state;
	struct tagdax_dev *dev;
	struct tagdax_tag tag;

	assert_int_equal(tagdax_tag_parse(TAG, &tag), 0);
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		fake_write(&x->f, "hosts/A/devices/dax0.0",
			   "tag " TAG "\npath %s\nsize 2097152\nflags %s\nregion 0\n"
			   "segment 0 2097152\nextent 0 2097152\n", x->devpath, lines[i]);
		tagdax_rescan(x->ctx);
		assert_int_equal(tagdax_resolve(x->ctx, &tag, &dev), 0);
		assert_int_equal(tagdax_dev_get_flags(dev),
				 TAGDAX_DEV_SHARABLE | TAGDAX_DEV_READONLY);
	}
}

static void inactive_without_env(void **state)
{
	struct fixture *x = *state;

	write_good(x, "hosts/A/devices/dax0.0");
	assert_int_equal(count_emu(x->ctx), 1);
	unsetenv("TAGDAX_HOST");
	assert_int_equal(count_emu(x->ctx), 0);
	setenv("TAGDAX_HOST", "../A", 1);
	assert_int_equal(count_emu(x->ctx), 0);
	setenv("TAGDAX_HOST", "B", 1); /* another host sees nothing of A's */
	assert_int_equal(count_emu(x->ctx), 0);
	setenv("TAGDAX_HOST", "A", 1);
}

/* Each of these is one way a descriptor can be wrong; none may be listed. */
static const char *const bad[] = {
	"",
	"garbage\n",
	"\x01\x02\x03\xff\n",
	"tag " TAG "\npath %s\nsize 2097152\nregion 0\nsegment 0 2097152\n", /* no extent */
	"tag " TAG "\npath %s\nsize 2097152\nregion 0\nextent 0 2097152\n", /* no segment */
	"path %s\nsize 2097152\nregion 0\nsegment 0 2097152\nextent 0 2097152\n", /* no tag */
	"tag " TAG "\nsize 2097152\nregion 0\nsegment 0 2097152\nextent 0 2097152\n", /* no path */
	"tag " TAG "\npath %s\nregion 0\nsegment 0 2097152\nextent 0 2097152\n", /* no size */
	"tag " TAG "\npath %s\nsize 2097152\nsegment 0 2097152\nextent 0 2097152\n", /* no region */
	"tag " TAG "\ntag " TAG "\npath %s\nsize 2097152\nregion 0\nsegment 0 2097152\n"
	"extent 0 2097152\n", /* repeated key */
	"tag " TAG "\npath %s\nsize 2097152\nregion 0\nsegment 0 2097152\nextent 0 2097152\n"
	"colour blue\n", /* unknown key */
	"tag " TAG "\npath %s\nsize 4194304\nregion 0\nsegment 0 2097152\nextent 0 4194304\n",
	"tag " TAG "\npath %s\nsize 2097152\nregion 0\nsegment 0 2097152\nextent 0 4194304\n",
	"tag " TAG "\npath %s\nsize 2097152\nregion 0\nsegment 0 0\nsegment 0 2097152\n"
	"extent 0 2097152\n", /* zero-length segment */
	"tag " TAG "\npath %s\nsize 2097152\nregion 9\nsegment 0 2097152\nextent 0 2097152\n",
	"tag " TAG "\npath %s\nsize 2097152\nregion 0\nflags sharable,shiny\n"
	"segment 0 2097152\nextent 0 2097152\n",
	"tag " TAG "\npath %s\nsize 2097152\nregion 0\nsegment 18446744073709551615 2097152\n"
	"extent 0 2097152\n", /* offset + length overflows */
	"tag " TAG "\npath %s\nsize 0x\nregion 0\nsegment 0 2097152\nextent 0 2097152\n",
	"tag " TAG "\npath %s\nsize -2097152\nregion 0\nsegment 0 2097152\nextent 0 2097152\n",
	"tag " TAG "\npath %s\nsize 2097152\nregion 0\nsegment 0 2097152 7\nextent 0 2097152\n",
	"tag 5be13bce-1d7a-4c1e-9b2f\npath %s\nsize 2097152\nregion 0\nsegment 0 2097152\n"
	"extent 0 2097152\n", /* truncated tag */
	"tag 00000000-0000-0000-0000-000000000000\npath %s\nsize 2097152\nregion 0\n"
	"segment 0 2097152\nextent 0 2097152\n", /* untagged: not resolvable */
	"tag " TAG "\npath relative/dax0.0\nsize 2097152\nregion 0\nsegment 0 2097152\n"
	"extent 0 2097152\n",
	"tag " TAG "\npath /nonexistent/dax0.0\nsize 2097152\nregion 0\nsegment 0 2097152\n"
	"extent 0 2097152\n", /* the device node is not there */
};

static void skips_malformed(void **state)
{
	struct fixture *x = *state;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		fake_write(&x->f, "hosts/A/devices/dax0.0", bad[i], strstr(bad[i], "%s") ?
			   x->devpath : "");
		if (count_emu(x->ctx) != 0)
			fail_msg("bad descriptor %zu was accepted", i);
	}
	/* a NUL in the middle of an otherwise good descriptor */
	write_good(x, "hosts/A/devices/dax0.0");
	assert_int_equal(count_emu(x->ctx), 1);
	{
		char p[600];
		FILE *f = fopen(fake_path(&x->f, "hosts/A/devices/dax0.0", p, sizeof(p)), "r+");

		assert_non_null(f);
		fseek(f, 3, SEEK_SET);
		fputc('\0', f);
		fclose(f);
	}
	assert_int_equal(count_emu(x->ctx), 0);
}

static void skips_foreign_names(void **state)
{
	struct fixture *x = *state;
	static const char *const names[] = {
		".dax0.1.tmp", "dax0.01", "dax00.1", "dax0.1x", "dax0", "dax.1", "dax-1.1",
		"dax0.+1", "notes.txt",
	};
	char rel[128];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(rel, sizeof(rel), "hosts/A/devices/%s", names[i]);
		write_good(x, rel);
	}
	assert_int_equal(count_emu(x->ctx), 0);
	write_good(x, "hosts/A/devices/dax0.10");
	write_good(x, "hosts/A/devices/dax0.2");
	assert_int_equal(count_emu(x->ctx), 2);
}

static void probe_reads_one(void **state)
{
	struct fixture *x = *state;
	const struct tagdax_provider *emu = tagdax_provider_find("emu");
	struct tagdax_devlist list;

	assert_non_null(emu);
	devlist_init(&list);
	write_good(x, "hosts/A/devices/dax0.3");
	assert_int_equal(emu->probe(x->ctx, "dax0.3", &list), 0);
	assert_int_equal(list.count, 1);
	assert_int_equal(emu->probe(x->ctx, "dax0.4", &list), -ENOENT);
	assert_int_equal(emu->probe(x->ctx, "../dax0.3", &list), -ENOENT);
	assert_int_equal(list.count, 1);
	devlist_free(&list);
}

/* map() holds a shared lock on the descriptor: that is how the agent knows. */
static void map_holds_lock(void **state)
{
	struct fixture *x = *state;
	struct tagdax_dev *dev;
	struct tagdax_map *map;
	struct tagdax_tag tag;
	char p[600];
	int fd;

	write_good(x, "hosts/A/devices/dax0.0");
	tagdax_tag_parse(TAG, &tag);
	assert_int_equal(tagdax_resolve(x->ctx, &tag, &dev), 0);
	assert_int_equal(tagdax_map(dev, 0, &map), 0);
	memcpy((char *)tagdax_map_get_addr(map) + 2 * MiB, "hello", 6);
	fd = open(fake_path(&x->f, "hosts/A/devices/dax0.0", p, sizeof(p)), O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), -1);
	tagdax_unmap(map);
	assert_int_equal(flock(fd, LOCK_EX | LOCK_NB), 0);
	close(fd);
	/* the second segment starts at byte 10 MiB of the backing file */
	{
		char buf[6];
		FILE *f = fopen(x->backing, "r");

		assert_non_null(f);
		fseek(f, 10 * MiB, SEEK_SET);
		assert_int_equal(fread(buf, 1, 6, f), 6);
		fclose(f);
		assert_string_equal(buf, "hello");
	}
}

static void wait_wakes_on_publish(void **state)
{
	struct fixture *x = *state;
	struct tagdax_dev *dev;
	struct tagdax_tag tag;
	struct timespec a, b;
	pid_t pid;

	tagdax_tag_parse(TAG, &tag);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		usleep(100 * 1000);
		write_good(x, "hosts/A/devices/.dax0.0.tmp");
		char from[600], to[600];

		fake_path(&x->f, "hosts/A/devices/.dax0.0.tmp", from, sizeof(from));
		fake_path(&x->f, "hosts/A/devices/dax0.0", to, sizeof(to));
		_exit(rename(from, to) ? 1 : 0);
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	assert_int_equal(tagdax_wait(x->ctx, &tag, 5000, &dev), 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	waitpid(pid, NULL, 0);
	/* woken by inotify, well before the re-scan backoff would find it */
	assert_true((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000 < 1000);
}

/* A descriptor like write_good()'s, one segment at seg_off, through path. */
static void write_desc(struct fixture *x, const char *rel, const char *path, uint64_t seg_off)
{
	fake_write(&x->f, rel,
		   "tag " TAG "\npath %s\nsize %llu\nregion 0\nsegment %llu %llu\n"
		   "extent 0 %llu\n",
		   path, 4 * MiB, (unsigned long long)seg_off, 4 * MiB, 4 * MiB);
}

/* A device object kept past its release must not map whatever the host
 * publishes next under the same name: another allocation's bytes. */
static void stale_object_maps_nothing(void **state)
{
	struct fixture *x = *state;
	struct tagdax_dev *dev;
	struct tagdax_map *map;
	struct tagdax_tag tag;

	write_desc(x, "hosts/A/devices/dax0.0", x->devpath, 0);
	tagdax_tag_parse(TAG, &tag);
	assert_int_equal(tagdax_resolve(x->ctx, &tag, &dev), 0);
	/* released and published again as dax0.0 for other capacity (another
	 * tag, other bytes of the region) */
	fake_write(&x->f, "hosts/A/devices/dax0.0",
		   "tag 0c2d4e6f-8a9b-4c1d-8e2f-1a2b3c4d5e6f\npath %s\nsize %llu\nregion 0\n"
		   "segment %llu %llu\nextent %llu %llu\n",
		   x->devpath, 4 * MiB, 40 * MiB, 4 * MiB, 40 * MiB, 4 * MiB);
	assert_int_equal(tagdax_map(dev, 0, &map), -ENOENT);
	assert_int_equal(tagdax_hold(dev, 0), -ENOENT);
	/* the same capacity published again (an agent restart) still maps */
	write_desc(x, "hosts/A/devices/dax0.0", x->devpath, 0);
	assert_int_equal(tagdax_map(dev, 0, &map), 0);
	tagdax_unmap(map);
}

static int resolve_tag(struct fixture *x)
{
	struct tagdax_tag tag;
	struct tagdax_dev *dev;

	tagdax_tag_parse(TAG, &tag);
	tagdax_rescan(x->ctx);
	return tagdax_resolve(x->ctx, &tag, &dev);
}

static void chmod_rel(struct fixture *x, const char *rel, mode_t mode)
{
	char path[512];

	assert_int_equal(chmod(fake_path(&x->f, rel, path, sizeof(path)), mode), 0);
}

/* What a descriptor names is written through by map() (and `fabric write`
 * as root): only the fabric's own memory is believed. */
static void confined_to_the_fabric(void **state)
{
	struct fixture *x = *state;
	char victim[512], path[512];

	fake_file(&x->f, "victim", 64 * MiB);
	fake_path(&x->f, "victim", victim, sizeof(victim));
	write_desc(x, "hosts/A/devices/dax0.0", x->devpath, 0);
	assert_int_equal(resolve_tag(x), 0); /* the control */

	/* a path anywhere else, directly or through a link in dev/ */
	write_desc(x, "hosts/A/devices/dax0.0", victim, 0);
	assert_int_equal(resolve_tag(x), -ENOENT);
	fake_symlink(&x->f, victim, "hosts/A/dev/dax0.1");
	write_desc(x, "hosts/A/devices/dax0.0",
		   fake_path(&x->f, "hosts/A/dev/dax0.1", path, sizeof(path)), 0);
	assert_int_equal(resolve_tag(x), -ENOENT);
	/* the right file, but bytes past the region */
	write_desc(x, "hosts/A/devices/dax0.0", x->devpath, 62 * MiB);
	assert_int_equal(resolve_tag(x), -ENOENT);
	write_desc(x, "hosts/A/devices/dax0.0", x->devpath, 60 * MiB);
	assert_int_equal(resolve_tag(x), 0);

	/* a descriptor or layout someone else could have written */
	chmod_rel(x, "hosts/A/devices/dax0.0", 0666);
	assert_int_equal(resolve_tag(x), -ENOENT);
	chmod_rel(x, "hosts/A/devices/dax0.0", 0644);
	assert_int_equal(resolve_tag(x), 0);
	assert_int_equal(chown(fake_path(&x->f, "hosts/A/devices/dax0.0", path, sizeof(path)),
			       65534, 65534), 0);
	assert_int_equal(resolve_tag(x), geteuid() == 0 ? -ENOENT : 0);
	fake_remove(&x->f, "hosts/A/devices/dax0.0"); /* ours again */
	write_desc(x, "hosts/A/devices/dax0.0", x->devpath, 0);
	chmod_rel(x, "layout", 0646);
	assert_int_equal(resolve_tag(x), -ENOENT);
	chmod_rel(x, "layout", 0644);
	assert_int_equal(resolve_tag(x), 0);
}

/* Two hosts, one run dir: host A's entry never hides host B's duplicate. */
static void hosts_share_no_index_entry(void **state)
{
	struct fixture *x = *state;
	struct tagdax_tag tag;
	struct tagdax_dev *dev;
	char path[512];

	tagdax_tag_parse(TAG, &tag);
	write_desc(x, "hosts/A/devices/dax0.0", x->devpath, 0);
	assert_int_equal(tagdax_resolve(x->ctx, &tag, &dev), 0); /* writes the entry */
	fake_mkdir(&x->f, "hosts/B/devices");
	fake_symlink(&x->f, x->backing, "hosts/B/dev/dax0.0");
	fake_symlink(&x->f, x->backing, "hosts/B/dev/dax0.1");
	write_desc(x, "hosts/B/devices/dax0.0",
		   fake_path(&x->f, "hosts/B/dev/dax0.0", path, sizeof(path)), 0);
	write_desc(x, "hosts/B/devices/dax0.1",
		   fake_path(&x->f, "hosts/B/dev/dax0.1", path, sizeof(path)), 8 * MiB);
	setenv("TAGDAX_HOST", "B", 1);
	assert_int_equal(tagdax_resolve(x->ctx, &tag, &dev), -ENOTUNIQ);
	setenv("TAGDAX_HOST", "A", 1);
	assert_int_equal(tagdax_resolve(x->ctx, &tag, &dev), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(parses_good, setup, teardown),
		cmocka_unit_test_setup_teardown(parses_flag_words, setup, teardown),
		cmocka_unit_test_setup_teardown(inactive_without_env, setup, teardown),
		cmocka_unit_test_setup_teardown(skips_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(skips_foreign_names, setup, teardown),
		cmocka_unit_test_setup_teardown(probe_reads_one, setup, teardown),
		cmocka_unit_test_setup_teardown(map_holds_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(stale_object_maps_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(wait_wakes_on_publish, setup, teardown),
		cmocka_unit_test_setup_teardown(confined_to_the_fabric, setup, teardown),
		cmocka_unit_test_setup_teardown(hosts_share_no_index_entry, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
