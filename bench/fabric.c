// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * bench/fabric: the emulated fabric, measured in one run.
 *
 *   latency    FM add (5604h) until the host resolves the tag, p50 and p99,
 *              and add+release operations per second, for 1 host and for
 *              16 hosts driven at once (one client process per host); and
 *              the same seen through tagdax_wait(), as an application sees it
 *   allocator  contiguous alloc + free operations per second of one region's
 *              allocator holding 100,000 live extents, against 100
 *   bandwidth  read and write bandwidth through tagdax_map() of fabric
 *              capacity against anonymous memory of the same size
 *   commits    add+release cycles/s over raw FM API calls with 100 and with
 *              100,000 live extents, 16 hosts against 1 (fabric-commits.c)
 *
 * The fabric is started with the tagdax binary of the same build, in a
 * directory on tmpfs.  Usage: fabric [--ops N] [--size MiB] [--cycles N]
 * [--live N] [--rounds N] [--dir DIR] [--only commits]; --dir puts the
 * commits fabrics under DIR instead of /dev/shm.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include <tagdax/tagdax.h>

#include "alloc.h"
#include "fabric-commits.h"
#include "fmclient.h"

#define MiB ((size_t)1 << 20)

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, int rc)
{
	fprintf(stderr, "bench/fabric: %s: %s\n", what, rc < 0 ? strerror(-rc)
						      : cci_rc_sentence(rc));
	exit(1);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double pct(double *v, size_t n, double p)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[(size_t)((double)(n - 1) * p)];
}

/* ---- a fabric to measure ---- */

struct fabric {
	char dir[64];
	unsigned int hosts;
};

/* Runs `tagdax ARGS`, formatted. */
static void tagdax(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int n = snprintf(cmd, sizeof(cmd), "%s ", TAGDAX_BIN);

	va_start(ap, fmt);
	vsnprintf(cmd + n, sizeof(cmd) - (size_t)n, fmt, ap);
	va_end(ap);
	if (system(cmd) != 0) {
		fprintf(stderr, "bench/fabric: '%s' failed\n", cmd);
		exit(1);
	}
}

static void fabric_up(struct fabric *f, unsigned int hosts, uint64_t region)
{
	char path[128];
	FILE *cfg;

	snprintf(f->dir, sizeof(f->dir), "/dev/shm/tagdax-bench-fabric.XXXXXX");
	if (!mkdtemp(f->dir))
		die("mkdtemp", -errno);
	f->hosts = hosts;
	snprintf(path, sizeof(path), "%s.json", f->dir);
	cfg = fopen(path, "w");
	if (!cfg)
		die(path, -errno);
	fprintf(cfg, "{ \"hosts\": [");
	for (unsigned int i = 0; i < hosts; i++)
		fprintf(cfg, "%s{ \"id\": %u, \"name\": \"h%u\" }", i ? ", " : "", i, i);
	fprintf(cfg, "], \"regions\": [ { \"base\": \"0\", \"length\": %llu, \"block_size\": "
		"\"2M\", \"sharable\": true } ], \"backing\": { \"type\": \"dir\" } }\n",
		(unsigned long long)region);
	fclose(cfg);
	tagdax("fabric up --dir %s --config %s >/dev/null", f->dir, path);
}

static void fabric_down(struct fabric *f)
{
	char path[128];

	tagdax("fabric down --purge --dir %s >/dev/null", f->dir);
	snprintf(path, sizeof(path), "%s.json", f->dir);
	unlink(path);
}

static struct tagdax_ctx *host_ctx(struct fabric *f, unsigned int host)
{
	struct tagdax_ctx *ctx;
	char name[16], run_dir[128];

	snprintf(name, sizeof(name), "h%u", host);
	snprintf(run_dir, sizeof(run_dir), "%s/hosts/%s/run", f->dir, name);
	setenv("TAGDAX_FABRIC", f->dir, 1);
	setenv("TAGDAX_HOST", name, 1);
	if (tagdax_new(&ctx) || tagdax_set_run_dir(ctx, run_dir))
		die("tagdax_new", -ENOMEM);
	return ctx;
}

static struct fmc fm_open(struct fabric *f)
{
	char path[128];
	struct fmc c;
	int rc;

	snprintf(path, sizeof(path), "%s/fm.sock", f->dir);
	rc = fmc_open(&c, path, 10000);
	if (rc)
		die(path, rc);
	return c;
}

/* 5604h: sharable capacity with a fresh tag. */
static void add(struct fmc *c, unsigned int host, uint64_t size, struct tagdax_tag *tag)
{
	struct fmc_change req = { .host = (uint16_t)host, .flags = CCI_ADD_FREE, .length = size };
	int rc;

	uuid_generate_random(tag->b);
	memcpy(req.tag, tag->b, 16);
	rc = fmc_dc_change(c, CCI_FM_INITIATE_DC_ADD, &req);
	if (rc)
		die("Initiate Dynamic Capacity Add", rc);
}

/* 5605h, then until the host no longer resolves the tag. */
static void release(struct fmc *c, struct tagdax_ctx *ctx, unsigned int host,
		    const struct tagdax_tag *tag)
{
	struct fmc_change req = { .host = (uint16_t)host, .flags = CCI_RELEASE_TAG_BASED };
	struct tagdax_dev *dev;
	int rc;

	memcpy(req.tag, tag->b, 16);
	rc = fmc_dc_change(c, CCI_FM_INITIATE_DC_RELEASE, &req);
	if (rc)
		die("Initiate Dynamic Capacity Release", rc);
	while (tagdax_resolve(ctx, tag, &dev) == 0)
		usleep(200);
}

/* ---- latency and operations per second ---- */

/* Until the host resolves the tag.  use_wait: through tagdax_wait(), as an
 * application would; else resolve on every change of the host's devices
 * directory (watched since before the add): the moment it became
 * resolvable, whatever tagdax_wait's own wake-up costs. */
static void until_resolvable(struct tagdax_ctx *ctx, const struct tagdax_tag *tag, int ino,
			     bool use_wait)
{
	struct pollfd p = { .fd = ino, .events = POLLIN };
	struct tagdax_dev *dev;
	char buf[4096];
	int rc;

	if (use_wait && (rc = tagdax_wait(ctx, tag, 10000, &dev)))
		die("tagdax_wait", rc);
	while (!use_wait && tagdax_resolve(ctx, tag, &dev) != 0) {
		if (poll(&p, 1, 10000) != 1)
			die("waiting for the device", -ETIMEDOUT);
		while (read(ino, buf, sizeof(buf)) > 0)
			;
	}
}

/* One host's client: ops add+release cycles; add latencies to lat[], release
 * latencies (5605h until the host no longer resolves the tag) to rel[]. */
static void client(struct fabric *f, unsigned int host, unsigned int ops, bool use_wait,
		   double *lat, double *rel)
{
	struct tagdax_ctx *ctx = host_ctx(f, host);
	struct fmc c = fm_open(f);
	int ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	char dir[128];

	snprintf(dir, sizeof(dir), "%s/hosts/h%u/devices", f->dir, host);
	if (ino < 0 || inotify_add_watch(ino, dir, IN_MOVED_TO | IN_CREATE) < 0)
		die(dir, -errno);
	for (unsigned int i = 0; i < ops; i++) {
		struct tagdax_tag tag;
		double t0 = now_s();

		add(&c, host, 2 * MiB, &tag);
		until_resolvable(ctx, &tag, ino, use_wait);
		lat[i] = now_s() - t0;
		t0 = now_s();
		release(&c, ctx, host, &tag);
		rel[i] = now_s() - t0;
	}
	close(ino);
	fmc_close(&c);
	tagdax_unref(ctx);
}

static void bench_latency(unsigned int hosts, unsigned int ops, bool use_wait, double *p50,
			  double *ops_s)
{
	unsigned int per = (ops + hosts - 1) / hosts, n = per * hosts;
	double *lat = mmap(NULL, 2 * n * sizeof(double), PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0), *rel = lat + n;
	struct fabric f;
	double t0, wall;
	int status;

	if (lat == MAP_FAILED)
		die("mmap", -errno);
	fabric_up(&f, hosts, 64ull << 30);
	t0 = now_s();
	for (unsigned int h = 0; h < hosts; h++)
		if (fork() == 0) {
			client(&f, h, per, use_wait, lat + h * per, rel + h * per);
			_exit(0);
		}
	for (unsigned int h = 0; h < hosts; h++)
		if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status))
			die("a client failed", -EIO);
	wall = now_s() - t0;
	fabric_down(&f);
	*ops_s = n / wall;
	*p50 = pct(lat, n, 0.50) * 1e6;
	printf("  %2u host%s %s p50 %6.0f us  p99 %6.0f us   release->gone p50 %6.0f us   "
	       "add+release %5.0f ops/s  (%u ops)\n", hosts, hosts == 1 ? " " : "s",
	       use_wait ? "tagdax_wait   " : "add->resolvable", *p50, pct(lat, n, 0.99) * 1e6,
	       pct(rel, n, 0.5) * 1e6, *ops_s, n);
	munmap(lat, 2 * n * sizeof(double));
}

/* ---- the allocator ---- */

struct live {
	uint64_t start, len;
};

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Contiguous alloc + free operations per second with `n` live extents of
 * 1..4 blocks, the free space fragmented into as many holes. */
static double bench_alloc(size_t n, size_t ops)
{
	const uint64_t block = 2 * MiB;
	struct fabric_alloc *a = fabric_alloc_new(0, 1ull << 50);
	struct live *v = calloc(2 * n, sizeof(*v));
	uint64_t seed = 88172645463325252ull;
	double t0, dt;

	if (!a || !v)
		die("allocator", -ENOMEM);
	for (size_t i = 0; i < 2 * n; i++) {
		v[i].len = (1 + rnd(&seed) % 4) * block;
		if (fabric_alloc_contiguous(a, v[i].len, &v[i].start))
			die("fabric_alloc_contiguous", -ENOSPC);
	}
	for (size_t i = 0; i < n; i++) {
		fabric_alloc_free(a, v[2 * i + 1].start, v[2 * i + 1].len);
		v[i] = v[2 * i];
	}
	t0 = now_s();
	for (size_t i = 0; i < ops / 2; i++) {
		struct live *l = &v[rnd(&seed) % n];

		if (fabric_alloc_free(a, l->start, l->len))
			die("fabric_alloc_free", -EINVAL);
		l->len = (1 + rnd(&seed) % 4) * block;
		if (fabric_alloc_contiguous(a, l->len, &l->start))
			die("fabric_alloc_contiguous", -ENOSPC);
	}
	dt = now_s() - t0;
	fabric_alloc_destroy(a);
	free(v);
	return (double)(ops / 2 * 2) / dt;
}

/* ---- bandwidth ---- */

static double write_pass(uint8_t *p, size_t size, int value)
{
	double t0 = now_s();

	memset(p, value, size);
	return (double)size / (now_s() - t0) / 1e9;
}

static double read_pass(const uint8_t *p, size_t size)
{
	const uint64_t *w = (const uint64_t *)p;
	uint64_t sum = 0;
	double t0 = now_s();

	for (size_t i = 0; i < size / 8; i++)
		sum += w[i];
	/* keeps the sum, and so the loop, from being optimised away */
	__asm__ volatile("" : : "r"(sum));
	return (double)size / (now_s() - t0) / 1e9;
}

/* Median GB/s of `rounds` passes over each buffer, interleaved so that both
 * see the same machine, and the median of the rounds' ratios: pairing each
 * fabric pass with the anonymous pass next to it cancels the drift of a
 * shared machine.  out: write fabric, anon, ratio; read fabric, anon, ratio. */
static void measure(uint8_t *fab, uint8_t *anon, size_t size, int rounds, double out[6])
{
	double w[3][32], r[3][32];

	for (int i = 0; i < rounds; i++) {
		/* alternate who goes first: the second one of a round finds the
		 * cache full of the first one's lines */
		int x = i & 1, y = !x;
		uint8_t *buf[2] = { fab, anon };

		w[x][i] = write_pass(buf[x], size, i);
		w[y][i] = write_pass(buf[y], size, i);
		r[x][i] = read_pass(buf[x], size);
		r[y][i] = read_pass(buf[y], size);
		w[2][i] = w[0][i] / w[1][i];
		r[2][i] = r[0][i] / r[1][i];
	}
	for (int k = 0; k < 3; k++) {
		out[k] = pct(w[k], (size_t)rounds, 0.5);
		out[3 + k] = pct(r[k], (size_t)rounds, 0.5);
	}
}

static void pin_to_one_cpu(void)
{
	cpu_set_t set;
	int cpu = sched_getcpu();

	CPU_ZERO(&set);
	CPU_SET(cpu < 0 ? 0 : cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void bench_bandwidth(size_t size)
{
	struct tagdax_map *map;
	struct tagdax_dev *dev;
	struct tagdax_tag tag;
	struct tagdax_ctx *ctx;
	struct fabric f;
	struct fmc c;
	uint8_t *anon;
	double bw[6];
	int rc;

	fabric_up(&f, 1, 64ull << 30);
	ctx = host_ctx(&f, 0);
	c = fm_open(&f);
	add(&c, 0, size, &tag);
	if ((rc = tagdax_wait(ctx, &tag, 10000, &dev)) || (rc = tagdax_map(dev, 0, &map)))
		die("map fabric capacity", rc);
	anon = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (anon == MAP_FAILED)
		die("mmap", -errno);
	/* One CPU for both: no migration in the middle of a pass. */
	pin_to_one_cpu();
	/* First touch allocates pages on both sides; it is not bandwidth. */
	write_pass(tagdax_map_get_addr(map), size, 1);
	write_pass(anon, size, 1);
	measure(tagdax_map_get_addr(map), anon, size, 21, bw);
	printf("  %zu MiB   write %6.2f GB/s fabric, %6.2f GB/s anonymous: ratio %.3f\n",
	       size / MiB, bw[0], bw[1], bw[2]);
	printf("  %zu MiB   read  %6.2f GB/s fabric, %6.2f GB/s anonymous: ratio %.3f\n",
	       size / MiB, bw[3], bw[4], bw[5]);
	munmap(anon, size);
	tagdax_unmap(map);
	release(&c, ctx, 0, &tag);
	fmc_close(&c);
	tagdax_unref(ctx);
	fabric_down(&f);
}

int main(int argc, char **argv)
{
	unsigned int ops = 400, cycles = 4096, live = 100000, rounds = 5;
	bool only_commits = false;
	const char *where = "/dev/shm";
	size_t size = 512 * MiB;
	double p50_1, p50_16, p50_w, ops_1, ops_16, ops_w, small, big;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--ops"))
			ops = (unsigned int)strtoul(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--size"))
			size = strtoull(argv[i + 1], NULL, 10) * MiB;
		else if (!strcmp(argv[i], "--cycles"))
			cycles = (unsigned int)strtoul(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--live"))
			live = (unsigned int)strtoul(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--dir"))
			where = argv[i + 1];
		else if (!strcmp(argv[i], "--rounds"))
			rounds = (unsigned int)strtoul(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--only"))
			only_commits = !strcmp(argv[i + 1], "commits");
	}
	if (!ops || !cycles || live < 100 || !rounds || rounds > 64 || size < 2 * MiB ||
	    size % (2 * MiB)) {
		fprintf(stderr, "usage: fabric [--ops N] [--size MiB (a multiple of 2)] "
			"[--cycles N] [--live N (>= 100)] [--rounds N (1..64)] [--dir DIR] "
			"[--only commits]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (only_commits) {
		bench_commits(cycles, live, rounds, where);
		return 0;
	}
	printf("latency: FM add until the host resolves the tag; add+release cycles\n");
	bench_latency(1, ops, false, &p50_1, &ops_1);
	bench_latency(16, ops, false, &p50_16, &ops_16);
	printf("  16 hosts / 1 host: p50 x%.2f, ops/s x%.2f\n", p50_16 / p50_1, ops_16 / ops_1);
	bench_latency(1, ops, true, &p50_w, &ops_w);
	printf("  tagdax_wait / resolvable: p50 x%.2f\n", p50_w / p50_1);
	printf("allocator: contiguous alloc + free, one region\n");
	small = bench_alloc(100, 2000000);
	big = bench_alloc(100000, 2000000);
	printf("  %9.0f ops/s with 100 live extents\n  %9.0f ops/s with 100,000 live extents "
	       "(ratio %.2f)\n", small, big, big / small);
	printf("bandwidth: through tagdax_map() of fabric capacity vs anonymous memory\n");
	bench_bandwidth(size);
	bench_commits(cycles, live, rounds, where);
	return 0;
}
