// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tdx-map: the guest half of the VM test and benchmark, through tagdax_map()
 * exactly as an application would use it.
 *
 *   tdx-map read TAG OFFSET LEN     print the text at OFFSET (up to a NUL)
 *   tdx-map write TAG OFFSET TEXT   write TEXT and its NUL at OFFSET
 *   tdx-map bench TAG MIB           read/write bandwidth through the mapping
 *                                   and through anonymous memory
 *   tdx-map watch TAG OFFSET SECS   keep the mapping for SECS seconds, printing
 *                                   "TDX watch-TAG TEXT" whenever the text at
 *                                   OFFSET changes (what a holder would see)
 *
 * OFFSET takes K and M suffixes.  Exit 0 on success, 1 if the tag does not
 * resolve, 2 on bad usage, 3 if mapping fails.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <tagdax/tagdax.h>

static uint64_t parse_offset(const char *s)
{
	char *end;
	uint64_t v = strtoull(s, &end, 0);

	if (*end == 'K')
		v <<= 10;
	else if (*end == 'M')
		v <<= 20;
	return v;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sums 8-byte words so the reads cannot be optimised away. */
static uint64_t read_pass(const volatile uint64_t *p, size_t words)
{
	uint64_t sum = 0;

	for (size_t i = 0; i < words; i++)
		sum += p[i];
	return sum;
}

static void write_pass(volatile uint64_t *p, size_t words, uint64_t seed)
{
	for (size_t i = 0; i < words; i++)
		p[i] = seed + i;
}

/* MiB/s for a few passes over len bytes at p. */
static void bench_one(const char *what, void *p, size_t len)
{
	const int passes = 4;
	uint64_t sink = 0;
	double t0, t1, t2;

	write_pass(p, len / 8, 0); /* fault everything in first */
	t0 = now_s();
	for (int i = 0; i < passes; i++)
		write_pass(p, len / 8, (uint64_t)i);
	t1 = now_s();
	for (int i = 0; i < passes; i++)
		sink += read_pass(p, len / 8);
	t2 = now_s();
	printf("TDX bench %s write_mibs %.0f read_mibs %.0f (sum %llx)\n", what,
	       passes * (double)len / (1 << 20) / (t1 - t0),
	       passes * (double)len / (1 << 20) / (t2 - t1), (unsigned long long)sink & 0xf);
}

static int bench(void *mapped, size_t size, size_t mib)
{
	size_t len = mib << 20;
	void *anon;

	if (len > size)
		len = size;
	anon = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (anon == MAP_FAILED)
		return 3;
	bench_one("mapping", mapped, len);
	bench_one("anonymous", anon, len);
	munmap(anon, len);
	return 0;
}

static int watch(const char *tag, const volatile char *p, size_t room, unsigned int secs)
{
	char seen[65] = "", now[65];

	for (unsigned int i = 0; i < secs * 10; i++) {
		size_t k = 0;

		for (; k < room && k < sizeof(now) - 1 && p[k]; k++)
			now[k] = p[k];
		now[k] = '\0';
		if (i == 0 || strcmp(now, seen)) {
			printf("TDX watch-%s %s\n", tag, now);
			fflush(stdout);
			memcpy(seen, now, sizeof(seen));
		}
		usleep(100 * 1000);
	}
	return 0;
}

static int run(struct tagdax_map *map, char **argv)
{
	char *base = tagdax_map_get_addr(map);
	size_t size = tagdax_map_get_size(map);
	uint64_t off = strcmp(argv[1], "bench") ? parse_offset(argv[3]) : 0;

	if (!strcmp(argv[1], "bench"))
		return bench(base, size, (size_t)strtoul(argv[3], NULL, 0));
	if (off >= size)
		return 2;
	if (!strcmp(argv[1], "watch"))
		return watch(argv[2], base + off, size - off, (unsigned int)strtoul(argv[4], NULL, 0));
	if (!strcmp(argv[1], "read")) {
		size_t len = (size_t)strtoul(argv[4], NULL, 0);

		if (len > size - off)
			len = size - off;
		printf("%.*s\n", (int)strnlen(base + off, len), base + off);
		return 0;
	}
	if (strlen(argv[4]) + 1 > size - off)
		return 2;
	memcpy(base + off, argv[4], strlen(argv[4]) + 1);
	return 0;
}

int main(int argc, char **argv)
{
	struct tagdax_ctx *ctx;
	struct tagdax_dev *dev;
	struct tagdax_map *map;
	struct tagdax_tag tag;
	int rc;

	if (argc < 4 || (strcmp(argv[1], "bench") && argc != 5) ||
	    tagdax_tag_parse(argv[2], &tag)) {
		fprintf(stderr, "usage: tdx-map read|write|watch TAG OFFSET LEN|TEXT|SECS, tdx-map bench TAG MIB\n");
		return 2;
	}
	if (tagdax_new(&ctx))
		return 3;
	if (tagdax_resolve(ctx, &tag, &dev)) {
		tagdax_unref(ctx);
		return 1;
	}
	rc = tagdax_map(dev, 0, &map);
	if (rc) {
		fprintf(stderr, "tdx-map: map failed: %s\n", strerror(-rc));
		tagdax_unref(ctx);
		return 3;
	}
	rc = run(map, argv);
	tagdax_unmap(map);
	tagdax_unref(ctx);
	return rc;
}
