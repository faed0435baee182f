// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench/resolve: how long does it take to resolve a tag to its device?
 *
 * For N = 10, 1,000 and 10,000 tagged dax devices (a fake sysfs tree laid out
 * as the kernel's DCD ABI proposes, on tmpfs), measures in one run:
 *   fast   tagdax_resolve() through the by-tag index (what udev-id records)
 *   scan   tagdax_resolve() with no index: a full provider scan
 *   naive  the baseline a user would script today: read every
 *          bus/dax/devices/daxX.Y/uuid until one matches
 * and prints medians and the ratio of each to the baseline.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include <tagdax/tagdax.h>

struct tree {
	char root[256];
	unsigned int n;
	char (*tags)[TAGDAX_TAG_STRLEN];
};

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f)) {
		perror(path);
		exit(1);
	}
}

static void build_tree(struct tree *t, unsigned int n)
{
	char path[512];

	snprintf(t->root, sizeof(t->root), "/dev/shm/tagdax-bench.XXXXXX");
	if (!mkdtemp(t->root)) {
		perror("mkdtemp");
		exit(1);
	}
	t->n = n;
	t->tags = calloc(n, sizeof(*t->tags));
	const char *dirs[] = { "sys", "sys/bus", "sys/bus/dax", "sys/bus/dax/devices", "dev", "run" };
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", t->root, dirs[i]);
		mkdir(path, 0755);
	}
	for (unsigned int i = 0; i < n; i++) {
		uuid_t uu;

		uuid_generate_random(uu);
		uuid_unparse_lower(uu, t->tags[i]);
		snprintf(path, sizeof(path), "%s/sys/bus/dax/devices/dax%u.%u", t->root, i / 100, i % 100);
		mkdir(path, 0755);
		strcat(path, "/uuid");
		write_file(path, t->tags[i]);
		*strrchr(path, '/') = '\0';
		strcat(path, "/size");
		write_file(path, "2147483648\n");
		snprintf(path, sizeof(path), "%s/dev/dax%u.%u", t->root, i / 100, i % 100);
		write_file(path, "");
	}
}

static void remove_tree(struct tree *t)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->root);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", t->root);
	free(t->tags);
}

static struct tagdax_ctx *ctx_for(struct tree *t, const char *run)
{
	struct tagdax_ctx *ctx;
	char path[512];

	if (tagdax_new(&ctx))
		exit(1);
	snprintf(path, sizeof(path), "%s/sys", t->root);
	tagdax_set_sysfs_root(ctx, path);
	snprintf(path, sizeof(path), "%s/dev", t->root);
	tagdax_set_dev_root(ctx, path);
	snprintf(path, sizeof(path), "%s/none.conf", t->root);
	tagdax_set_config(ctx, path);
	tagdax_set_run_dir(ctx, run);
	return ctx;
}

/* What udev does on boot: identify every device, which fills the index. */
static void index_all(struct tree *t)
{
	char run[300], name[32];
	struct tagdax_dev *devs[4];
	struct tagdax_ctx *ctx;

	snprintf(run, sizeof(run), "%s/run", t->root);
	ctx = ctx_for(t, run);
	for (unsigned int i = 0; i < t->n; i++) {
		snprintf(name, sizeof(name), "dax%u.%u", i / 100, i % 100);
		if (tagdax_identify(ctx, name, devs, 4) != 1) {
			fprintf(stderr, "identify %s failed: is the cxl provider built?\n", name);
			exit(1);
		}
		if (i % 1000 == 999)
			tagdax_rescan(ctx);
	}
	tagdax_unref(ctx);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

static double time_resolve(struct tree *t, const char *run, unsigned int iters)
{
	struct tagdax_ctx *ctx = ctx_for(t, run);
	double *samples = calloc(iters, sizeof(double)), m;

	for (unsigned int i = 0; i < iters; i++) {
		struct tagdax_tag tag;
		struct tagdax_dev *dev;
		double t0;

		tagdax_tag_parse(t->tags[(unsigned int)rand() % t->n], &tag);
		t0 = now_us();
		if (tagdax_resolve(ctx, &tag, &dev) != 0 || !tagdax_dev_get_path(dev)) {
			fprintf(stderr, "resolve failed\n");
			exit(1);
		}
		samples[i] = now_us() - t0;
		if (i % 256 == 255)
			tagdax_rescan(ctx); /* free resolved devices, outside the timing */
	}
	m = median(samples, iters);
	free(samples);
	tagdax_unref(ctx);
	return m;
}

/* The baseline: the shell loop over every daxX.Y/uuid, in C. */
static int naive_resolve(const char *sysdir, const char *tag, char *out, size_t len)
{
	DIR *dir = opendir(sysdir);
	struct dirent *de;
	int found = -1;

	while (dir && (de = readdir(dir))) {
		char path[600], buf[64];
		ssize_t n;
		int fd;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/uuid", sysdir, de->d_name);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n >= 36 && !strncmp(buf, tag, 36)) {
			snprintf(out, len, "/dev/%s", de->d_name);
			found = 0;
			break;
		}
	}
	if (dir)
		closedir(dir);
	return found;
}

static double time_naive(struct tree *t, unsigned int iters)
{
	double *samples = calloc(iters, sizeof(double)), m;
	char sysdir[300], out[300];

	snprintf(sysdir, sizeof(sysdir), "%s/sys/bus/dax/devices", t->root);
	for (unsigned int i = 0; i < iters; i++) {
		double t0 = now_us();

		if (naive_resolve(sysdir, t->tags[(unsigned int)rand() % t->n], out, sizeof(out))) {
			fprintf(stderr, "naive resolve failed\n");
			exit(1);
		}
		samples[i] = now_us() - t0;
	}
	m = median(samples, iters);
	free(samples);
	return m;
}

/* Which tags are looked up: TAGDAX_TEST_SEED, else picked now (printed). */
static unsigned int bench_seed(void)
{
	const char *env = getenv("TAGDAX_TEST_SEED");

	if (env && *env)
		return (unsigned int)strtoul(env, NULL, 10);
	return (unsigned int)time(NULL) ^ ((unsigned int)getpid() << 16);
}

int main(int argc, char **argv)
{
	static const unsigned int sizes[] = { 10, 1000, 10000 };
	bool quick = argc > 1 && !strcmp(argv[1], "--quick");
	/* --fast-only: just the fast path, long enough to profile */
	bool fast_only = argc > 1 && !strcmp(argv[1], "--fast-only");
	unsigned int seed;

	seed = bench_seed();
	srand(seed);
	printf("tagdax bench/resolve: medians in microseconds; ratio = naive / method; "
	       "seed=%u\n", seed);
	printf("%8s %10s %10s %10s %12s %12s\n", "devices", "fast", "scan", "naive",
	       "naive/fast", "naive/scan");
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		unsigned int n = sizes[i];
		unsigned int few = quick ? 5 : n >= 10000 ? 15 : n >= 1000 ? 100 : 2000;
		struct tree t;
		char run[300];
		double fast, scan, naive;

		build_tree(&t, n);
		index_all(&t);
		snprintf(run, sizeof(run), "%s/run", t.root);
		fast = time_resolve(&t, run, quick ? 1000 : fast_only ? 500000 : 20000);
		if (fast_only) {
			printf("%8u %10.2f\n", n, fast);
			remove_tree(&t);
			continue;
		}
		/* an index directory that cannot exist: every resolve scans */
		scan = time_resolve(&t, "/proc/tagdax-bench-no-index", few);
		naive = time_naive(&t, quick ? 50 : n >= 10000 ? 200 : 2000);
		printf("%8u %10.2f %10.1f %10.1f %11.1fx %11.2fx\n", n, fast, scan, naive,
		       naive / fast, naive / scan);
		remove_tree(&t);
	}
	return 0;
}
