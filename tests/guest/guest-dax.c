// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tdx-dax: the guest half of the real-kernel suite (tests/guest/), through
 * the library as an application uses it, plus raw access to a device node.
 *
 *   tdx-dax map TAG              map TAG with tagdax_map(); print
 *                                "addr ADDR size SIZE align ALIGN aligned 0|1"
 *   tdx-dax hold TAG FILE        map TAG, create FILE, keep the mapping until
 *                                FILE is removed (the in-use lock is held)
 *   tdx-dax trylock FILE         take an exclusive flock on FILE and let go:
 *                                exit 0 if granted, 4 if someone holds a lock
 *   tdx-dax poke DEV ALIGN OFFSET FILE
 *                                copy FILE to OFFSET of DEV through mmap (devdax
 *                                nodes have no write()); ALIGN: DEV's alignment
 *
 * Exit 0 on success, 1 if TAG does not resolve, 2 on bad usage, 3 if mapping
 * or copying fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tagdax/tagdax.h>

static int map_tag(const char *text, struct tagdax_ctx **ctx, struct tagdax_dev **dev,
		   struct tagdax_map **map)
{
	struct tagdax_tag tag;
	int rc;

	if (tagdax_tag_parse(text, &tag) || tagdax_new(ctx))
		return 2;
	if (tagdax_resolve(*ctx, &tag, dev))
		return 1;
	rc = tagdax_map(*dev, 0, map);
	if (rc) {
		fprintf(stderr, "tdx-dax: map %s: %s\n", text, strerror(-rc));
		return 3;
	}
	return 0;
}

static int cmd_map(const char *text)
{
	struct tagdax_ctx *ctx = NULL;
	struct tagdax_dev *dev;
	struct tagdax_map *map;
	int rc = map_tag(text, &ctx, &dev, &map);
	uintptr_t addr;
	uint64_t align;

	if (rc == 0) {
		addr = (uintptr_t)tagdax_map_get_addr(map);
		align = tagdax_dev_get_align(dev);
		printf("addr 0x%" PRIxPTR " size %zu align %" PRIu64 " aligned %d\n", addr,
		       tagdax_map_get_size(map), align, align && addr % align == 0);
		tagdax_unmap(map);
	}
	tagdax_unref(ctx);
	return rc;
}

static int cmd_hold(const char *text, const char *file)
{
	struct tagdax_ctx *ctx = NULL;
	struct tagdax_dev *dev;
	struct tagdax_map *map;
	int rc = map_tag(text, &ctx, &dev, &map);
	struct stat st;
	int fd;

	if (rc == 0) {
		fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		if (fd >= 0)
			close(fd);
		while (fd >= 0 && stat(file, &st) == 0)
			usleep(20000);
		tagdax_unmap(map);
		rc = fd >= 0 ? 0 : 3;
	}
	tagdax_unref(ctx);
	return rc;
}

static int cmd_trylock(const char *file)
{
	int fd = open(file, O_RDONLY | O_CLOEXEC | O_NONBLOCK), rc = 0;

	if (fd < 0 || flock(fd, LOCK_EX | LOCK_NB)) {
		rc = fd >= 0 && errno == EWOULDBLOCK ? 4 : 3;
		if (rc == 3)
			fprintf(stderr, "tdx-dax: trylock %s: %s\n", file, strerror(errno));
	}
	if (fd >= 0)
		close(fd);
	return rc;
}

static int cmd_poke(const char *dev, const char *align_text, const char *off_text,
		    const char *file)
{
	uint64_t align = strtoull(align_text, NULL, 0), off = strtoull(off_text, NULL, 0);
	uint64_t base = align ? off / align * align : 0;
	char buf[65536];
	ssize_t n;
	uint8_t *p;
	int fd, in;

	if (!align || align & (align - 1) || off - base > align - sizeof(buf))
		return 2;
	fd = open(dev, O_RDWR | O_CLOEXEC);
	in = open(file, O_RDONLY | O_CLOEXEC);
	n = in >= 0 ? read(in, buf, sizeof(buf)) : -1;
	p = fd >= 0 ? mmap(NULL, align, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)base)
		    : MAP_FAILED;
	if (n < 0 || p == MAP_FAILED) {
		fprintf(stderr, "tdx-dax: poke %s: %s\n", dev, strerror(errno));
		return 3;
	}
	memcpy(p + (off - base), buf, (size_t)n);
	munmap(p, align);
	close(fd);
	close(in);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "map"))
		return cmd_map(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "hold"))
		return cmd_hold(argv[2], argv[3]);
	if (argc == 3 && !strcmp(argv[1], "trylock"))
		return cmd_trylock(argv[2]);
	if (argc == 6 && !strcmp(argv[1], "poke"))
		return cmd_poke(argv[2], argv[3], argv[4], argv[5]);
	fprintf(stderr, "usage: tdx-dax map TAG | hold TAG FILE | trylock FILE |\n"
			"       poke DEV ALIGN OFFSET FILE\n");
	return 2;
}
