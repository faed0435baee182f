// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The admin table: memory the kernel cannot label, named by hand.
 * One entry per line, '#' starts a comment:
 *
 *   TAG  PATH  [OFFSET [SIZE [FLAGS]]]
 *
 * OFFSET and SIZE take K/M/G/T suffixes; SIZE "-" (or absent) means "to the
 * end of the file or device"; FLAGS is a comma list of sharable, readonly.
 * A relative PATH is relative to the table's directory.  A bad line is
 * reported with its line number and skipped; the other lines still count.
 */
#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "private.h"

const struct tagdax_provider tagdax_provider_table;

struct entry {
	struct tagdax_tag tag;
	char path[PATH_MAX];
	uint64_t offset;
	uint64_t size; /* 0: to the end */
	unsigned int flags;
};

/* Returns 1 for an entry, 0 for a blank or comment line, -EINVAL otherwise;
 * *why names the bad field. */
static int parse_line(char *line, const char *dir, struct entry *e, const char **why)
{
	char *field[6], *save = NULL;
	int n = 0;

	line[strcspn(line, "#\n")] = '\0';
	for (char *f = strtok_r(line, " \t", &save); f; f = strtok_r(NULL, " \t", &save))
		if (n < 6)
			field[n++] = f;
		else
			n++;
	if (n == 0)
		return 0;
	*why = "expected TAG PATH [OFFSET [SIZE [FLAGS]]]";
	if (n < 2 || n > 5)
		return -EINVAL;
	*why = "malformed tag";
	if (tagdax_tag_parse(field[0], &e->tag) || tagdax_tag_is_null(&e->tag))
		return -EINVAL;
	*why = "path too long";
	if (snprintf(e->path, sizeof(e->path), "%s%s%s", field[1][0] == '/' ? "" : dir,
		     field[1][0] == '/' ? "" : "/", field[1]) >= (int)sizeof(e->path))
		return -EINVAL;
	e->offset = e->size = 0;
	e->flags = 0;
	*why = "bad offset";
	if (n > 2 && parse_size(field[2], &e->offset))
		return -EINVAL;
	*why = "bad size";
	if (n > 3 && strcmp(field[3], "-") && (parse_size(field[3], &e->size) || !e->size))
		return -EINVAL;
	*why = "unknown flag (sharable, readonly)";
	if (n > 4 && dev_parse_flags(field[4], ",", &e->flags))
		return -EINVAL;
	return 1;
}

static int char_dev_size(struct tagdax_ctx *ctx, dev_t rdev, uint64_t *size)
{
	return sysfs_read_u64(ctx, size, "dev/char/%u:%u/size", major(rdev), minor(rdev));
}

/* A dax device maps only at its alignment, which it says in sysfs; 0 (the
 * page size) for anything else. */
static uint64_t char_dev_align(struct tagdax_ctx *ctx, const char *path)
{
	struct stat st;
	uint64_t v;

	if (stat(path, &st) || !S_ISCHR(st.st_mode) ||
	    sysfs_read_u64(ctx, &v, "dev/char/%u:%u/align", major(st.st_rdev),
			   minor(st.st_rdev)))
		return 0;
	return v;
}

/* The size of what path names, for entries that run "to the end". */
static int backing_size(struct tagdax_ctx *ctx, const char *path, uint64_t *size)
{
	struct stat st;
	int fd, rc = 0;

	if (stat(path, &st))
		return -errno;
	if (S_ISREG(st.st_mode)) {
		*size = (uint64_t)st.st_size;
	} else if (S_ISCHR(st.st_mode)) {
		/* a dax device says its size in sysfs; other devices do not */
		rc = char_dev_size(ctx, st.st_rdev, size) ? -ENOTSUP : 0;
	} else if (S_ISBLK(st.st_mode)) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		if (ioctl(fd, BLKGETSIZE64, size))
			rc = -errno;
		close(fd);
	} else {
		rc = -ENOTSUP; /* exists, but its size is not ours to know */
	}
	return rc;
}

/* A dax device daxctl switched to system-ram loses its /dev node: the
 * entry's path is then missing while sysfs still has the device, on kmem. */
static bool in_system_ram(struct tagdax_ctx *ctx, const char *path)
{
	const char *name = strrchr(path, '/');
	char driver[64];
	unsigned int x, y;
	char tail;

	name = name ? name + 1 : path;
	if (sscanf(name, "dax%u.%u%c", &x, &y, &tail) != 2)
		return false;
	return sysfs_dax_driver(ctx, name, driver, sizeof(driver)) == 0 &&
	       !strcmp(driver, "kmem");
}

static int add_entry(struct tagdax_ctx *ctx, const struct entry *e, struct tagdax_devlist *out)
{
	char name[TAGDAX_TAG_STRLEN];
	struct tagdax_dev *dev;
	uint64_t size = e->size, have;
	int rc = backing_size(ctx, e->path, &have);

	if (rc < 0 && rc != -ENOTSUP) {
		if (rc == -ENOENT && in_system_ram(ctx, e->path))
			err(ctx, "%s: %s is online as system RAM (daxctl reconfigure-device -m "
			    "system-ram), so it has no device node; %s entry ignored (daxctl "
			    "reconfigure-device -m devdax gives it back)\n", ctx->config, e->path,
			    e->flags & TAGDAX_DEV_SHARABLE ? "a sharable tag must stay devdax:" : "the");
		else
			dbg(ctx, "%s: %s: %s\n", ctx->config, e->path, strerror(-rc));
		return 0;
	}
	if (!size) {
		size = rc == 0 && have > e->offset ? have - e->offset : 0;
		if (!size) {
			dbg(ctx, "%s: %s: no usable size\n", ctx->config, e->path);
			return 0;
		}
	}
	/* Past the end of what backs it, a mapping would fault: say so now. */
	if (e->offset > UINT64_MAX - size || (rc == 0 && e->offset + size > have)) {
		err(ctx, "%s: %s: offset %" PRIu64 " + size %" PRIu64 " is past its end; "
		    "entry ignored\n", ctx->config, e->path, e->offset, size);
		return 0;
	}
	/* Named by the tag, so that a probe re-reads every entry carrying it
	 * and the fast path sees duplicates as a scan would. */
	tagdax_tag_unparse(&e->tag, name);
	dev = dev_new(ctx, &tagdax_provider_table, &e->tag, name, e->path);
	if (!dev)
		return -ENOMEM;
	dev->offset = e->offset;
	dev->size = size;
	dev->align = char_dev_align(ctx, e->path);
	dev->flags = e->flags;
	if (dev_add_seg(dev, e->path, e->offset, size) || dev_add_extent(dev, e->offset, size)) {
		dev_free(dev);
		return -ENOMEM;
	}
	devlist_append(out, dev);
	return 0;
}

/* The table, opened only if it is a regular file: a FIFO planted there must
 * not hang every lookup. */
static FILE *open_table(struct tagdax_ctx *ctx, int *rc)
{
	int fd = open(ctx->config, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	FILE *f;

	*rc = 0;
	if (fd < 0) {
		*rc = errno == ENOENT ? 0 : -errno;
		return NULL;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		err(ctx, "%s: not a regular file; ignored\n", ctx->config);
		close(fd);
		return NULL;
	}
	f = fdopen(fd, "r");
	if (!f) {
		*rc = -errno;
		close(fd);
	}
	return f;
}

/* Reads the table; only limits it to the entries of one tag (probe). */
static int read_table(struct tagdax_ctx *ctx, const struct tagdax_tag *only,
		      struct tagdax_devlist *out)
{
	const char *slash = strrchr(ctx->config, '/');
	unsigned int lineno = 0;
	char dir[PATH_MAX], *line = NULL;
	size_t cap = 0;
	int rc;
	FILE *f = open_table(ctx, &rc);

	if (!f)
		return rc;
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - ctx->config) : 1,
		 slash ? ctx->config : ".");
	while (rc == 0 && getline(&line, &cap, f) >= 0) {
		const char *why = NULL;
		struct entry e;
		int n;

		lineno++;
		n = parse_line(line, dir, &e, &why);
		if (n < 0)
			err(ctx, "%s:%u: %s; line ignored\n", ctx->config, lineno, why);
		else if (n > 0 && (!only || tagdax_tag_equal(only, &e.tag)))
			rc = add_entry(ctx, &e, out);
	}
	free(line);
	fclose(f);
	return rc;
}

static int scan(struct tagdax_ctx *ctx, struct tagdax_devlist *out)
{
	return read_table(ctx, NULL, out);
}

static int probe(struct tagdax_ctx *ctx, const char *devname, struct tagdax_devlist *out)
{
	unsigned int before = out->count;
	struct tagdax_tag tag;
	int rc;

	if (tagdax_tag_parse(devname, &tag))
		return -ENOENT;
	rc = read_table(ctx, &tag, out);
	if (rc < 0)
		return rc;
	return out->count > before ? 0 : -ENOENT;
}

static void watch(struct tagdax_ctx *ctx, int fd)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(ctx->config, '/');

	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - ctx->config) : 1,
		 slash ? ctx->config : ".");
	watch_dir(ctx, fd, dir, "");
}

const struct tagdax_provider tagdax_provider_table = {
	.name = "table",
	.scan = scan,
	.probe_tag = read_table,
	.probe = probe,
	.watch = watch,
};
