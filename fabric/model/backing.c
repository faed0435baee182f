// SPDX-License-Identifier: LGPL-2.1-or-later
/* Backing memory: region files, sanitize, DIR/layout (see backing.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "backing.h"

#define ZERO_CHUNK (1u << 20)

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return rc;
}

static bool on_memory_fs(const char *path)
{
	struct statfs st;

	if (statfs(path, &st) < 0)
		return false;
	return st.f_type == TMPFS_MAGIC || st.f_type == HUGETLBFS_MAGIC;
}

/* DIR/backing: a directory whose files live in memory. */
static int backing_dir(const char *dir, char *out, size_t outlen, char *err, size_t errlen)
{
	char target[] = "/dev/shm/tagdax-backing-XXXXXX";
	struct stat st;

	if (snprintf(out, outlen, "%s/backing", dir) >= (int)outlen)
		return fail(err, errlen, -ENAMETOOLONG, "%s: path too long", dir);
	if (stat(out, &st) == 0 && S_ISDIR(st.st_mode))
		return 0; /* a directory, or a live symlink to one: reuse it */
	if (lstat(out, &st) == 0) {
		if (!S_ISLNK(st.st_mode))
			return fail(err, errlen, -ENOTDIR, "%s exists and is not a directory", out);
		unlink(out); /* dangling: its tmpfs went away (reboot) */
	}
	if (on_memory_fs(dir) || !on_memory_fs("/dev/shm")) {
		if (mkdir(out, 0700) < 0 && errno != EEXIST)
			return fail(err, errlen, -errno, "mkdir %s: %s", out, strerror(errno));
		return 0;
	}
	if (!mkdtemp(target))
		return fail(err, errlen, -errno, "mkdtemp %s: %s", target, strerror(errno));
	if (symlink(target, out) < 0) {
		int rc = -errno;

		rmdir(target);
		return fail(err, errlen, rc, "symlink %s: %s", out, strerror(-rc));
	}
	return 0;
}

static int open_dir_backing(struct fabric_backing *b, const char *dir,
			    const struct fabric_config *c, char *err, size_t errlen)
{
	char bdir[PATH_MAX - 16];
	int rc = backing_dir(dir, bdir, sizeof(bdir), err, errlen);

	if (rc)
		return rc;
	for (unsigned int i = 0; i < c->nregions; i++) {
		struct stat st;
		int fd;

		if (snprintf(b->path[i], sizeof(b->path[i]), "%s/region%u", bdir, i) >=
		    (int)sizeof(b->path[i]))
			return fail(err, errlen, -ENAMETOOLONG, "%s: path too long", bdir);
		fd = open(b->path[i], O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0)
			return fail(err, errlen, -errno, "%s: %s", b->path[i], strerror(errno));
		b->fd[i] = fd;
		/* Sparse: only bytes someone writes take memory. */
		if (fstat(fd, &st) < 0 ||
		    ((uint64_t)st.st_size < c->regions[i].length &&
		     ftruncate(fd, (off_t)c->regions[i].length) < 0))
			return fail(err, errlen, -errno, "%s: %s", b->path[i], strerror(errno));
		b->offset[i] = 0;
	}
	return 0;
}

static int open_file_backing(struct fabric_backing *b, const struct fabric_config *c,
			     char *err, size_t errlen)
{
	uint64_t need = c->backing_offset;
	char real[PATH_MAX];
	struct stat st;
	int fd;

	fd = open(c->backing_path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return fail(err, errlen, -errno, "%s: %s", c->backing_path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		close(fd);
		return fail(err, errlen, -errno, "%s: %s", c->backing_path, strerror(errno));
	}
	b->is_devdax = S_ISCHR(st.st_mode);
	/* Agents read the path from DIR/layout: make it absolute. */
	if (!realpath(c->backing_path, real)) {
		close(fd);
		return fail(err, errlen, -errno, "%s: %s", c->backing_path, strerror(errno));
	}
	for (unsigned int i = 0; i < c->nregions; i++) {
		b->fd[i] = i ? -1 : fd; /* one descriptor, closed once */
		snprintf(b->path[i], sizeof(b->path[i]), "%s", real);
		b->offset[i] = need;
		need += c->regions[i].length;
	}
	if (!b->is_devdax && (!S_ISREG(st.st_mode) || (uint64_t)st.st_size < need))
		return fail(err, errlen, -ENOSPC,
			    "%s: needs %" PRIu64 " bytes (offset plus all regions), has %" PRIu64,
			    c->backing_path, need, (uint64_t)st.st_size);
	return 0;
}

int backing_open(struct fabric_backing *b, const char *dir, const struct fabric_config *c,
		 char *err, size_t errlen)
{
	int rc;

	memset(b, 0, sizeof(*b));
	for (unsigned int i = 0; i < FABRIC_MAX_REGIONS; i++)
		b->fd[i] = -1;
	b->nregions = c->nregions;
	for (unsigned int i = 0; i < c->nregions; i++) {
		b->base[i] = c->regions[i].base;
		b->length[i] = c->regions[i].length;
	}
	if (c->backing == FABRIC_BACKING_FILE)
		rc = open_file_backing(b, c, err, errlen);
	else
		rc = open_dir_backing(b, dir, c, err, errlen);
	if (rc)
		backing_close(b);
	return rc;
}

void backing_close(struct fabric_backing *b)
{
	for (unsigned int i = 0; i < FABRIC_MAX_REGIONS; i++) {
		if (b->fd[i] >= 0)
			close(b->fd[i]);
		b->fd[i] = -1;
	}
}

static int region_fd(const struct fabric_backing *b, unsigned int region)
{
	return b->fd[region] >= 0 ? b->fd[region] : b->fd[0];
}

static int zero_by_mapping(int fd, uint64_t off, uint64_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)off);

	if (p == MAP_FAILED)
		return -errno;
	memset(p, 0, len);
	munmap(p, len);
	return 0;
}

static int zero_by_writing(int fd, uint64_t off, uint64_t len)
{
	static const uint8_t zero[ZERO_CHUNK];

	while (len) {
		size_t n = len < sizeof(zero) ? (size_t)len : sizeof(zero);
		ssize_t k = pwrite(fd, zero, n, (off_t)off);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return k < 0 ? -errno : -EIO;
		off += (uint64_t)k;
		len -= (uint64_t)k;
	}
	return 0;
}

int backing_sanitize(void *backing, unsigned int region, uint64_t offset, uint64_t len)
{
	struct fabric_backing *b = backing;
	uint64_t off;
	int fd;

	/* Check the region before reading the arrays with it. */
	if (region >= b->nregions || offset > b->length[region] ||
	    len > b->length[region] - offset)
		return -EINVAL;
	fd = region_fd(b, region);
	if (fd < 0)
		return -EINVAL;
	off = b->offset[region] + offset;
	/* A devdax device only supports mmap; a file can drop the pages. */
	if (b->is_devdax)
		return zero_by_mapping(fd, off, len);
	if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off, (off_t)len) == 0)
		return 0;
	return zero_by_writing(fd, off, len);
}

int backing_write_layout(const struct fabric_backing *b, const char *dir)
{
	char tmp[PATH_MAX], final[PATH_MAX];
	FILE *f;
	int rc = 0;

	if (snprintf(tmp, sizeof(tmp), "%s/layout.tmp", dir) >= (int)sizeof(tmp) ||
	    snprintf(final, sizeof(final), "%s/layout", dir) >= (int)sizeof(final))
		return -ENAMETOOLONG;
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	for (unsigned int i = 0; i < b->nregions; i++)
		fprintf(f, "region %u base %" PRIu64 " length %" PRIu64 " path %s offset %" PRIu64
			   "\n",
			i, b->base[i], b->length[i], b->path[i], b->offset[i]);
	if (fflush(f) != 0 || fsync(fileno(f)) < 0)
		rc = -errno;
	if (fclose(f) != 0 && !rc)
		rc = -errno;
	if (!rc && rename(tmp, final) < 0)
		rc = -errno;
	if (rc)
		unlink(tmp);
	return rc;
}
