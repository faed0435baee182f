// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * emu: the devices of one host of the emulated fabric (docs/fabric.md).
 * Active when TAGDAX_FABRIC=DIR and TAGDAX_HOST=NAME are set, or the
 * context was pointed at a host with tagdax_set_fabric().  The host agent
 * publishes each device it made as a descriptor, DIR/hosts/NAME/devices/daxR.N
 * (written atomically), in the place of the kernel's sysfs:
 *
 *   tag UUID
 *   path DIR/hosts/NAME/dev/daxR.N
 *   size BYTES
 *   flags sharable,readonly        (optional)
 *   region R
 *   segment OFFSET LENGTH          (bytes of path, in device order)
 *   extent DPA LENGTH              (the DC extents behind it)
 *
 * The parse is strict: a descriptor with an unknown key, a repeated or missing
 * one, or lengths that do not add up to size is skipped (logged at debug),
 * since a half-understood device must never be mapped.  Untagged devices
 * (null tag) are skipped as the cxl provider skips them.  The descriptor is
 * also the device's lock_path: mappers hold a shared flock on it, which is how
 * the agent tells that the device is in use.
 *
 * A descriptor names a path that tagdax_map() (and `fabric write`, as root
 * perhaps) will write through, so it is believed only within what the daemon
 * made: the descriptor and DIR/layout must be owned by us or root and
 * writable by nobody else, and the device's path must resolve to its
 * region's backing file in DIR/layout with every segment inside that
 * region's bytes.  Anything else is skipped with a debug log.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emu-desc.h"
#include "private.h"

#define DESC_MAX (1u << 20)   /* no descriptor of ours comes near this */
#define SEG_MAX 65536u
#define MAP_ALIGN_MAX (2u << 20)

const struct tagdax_provider tagdax_provider_emu;

/* DIR/hosts/NAME/devices, or -ENOENT when this is not an emulated host. */
static int devices_dir(const struct tagdax_ctx *ctx, char *buf, size_t len)
{
	const char *dir = ctx_fabric_dir(ctx), *host = ctx_fabric_host(ctx);
	int n;

	if (!dir || !*dir || !host || !*host || strchr(host, '/') || !strcmp(host, ".") ||
	    !strcmp(host, ".."))
		return -ENOENT;
	n = snprintf(buf, len, "%s/hosts/%s/" EMU_DESC_DIR, dir, host);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* daxR.N: anything else in the directory (the agent's temporary files,
 * editor droppings) is not a device. */
static bool parse_devname(const char *name, unsigned int *r, unsigned int *n)
{
	struct name_id id;

	if (!parse_kernel_name(name, EMU_DEV_PREFIX, &id))
		return false;
	*r = id.region;
	*n = id.id;
	return true;
}

struct desc {
	struct tagdax_tag tag;
	char *path;
	uint64_t size;
	unsigned int flags;
	unsigned int region;
	unsigned int seen; /* bit per single-valued key */
};

enum { K_TAG = 1, K_PATH = 2, K_SIZE = 4, K_FLAGS = 8, K_REGION = 16 };

/* "A B" as two numbers, the second non-zero, their sum not overflowing. */
static int parse_pair(char *text, uint64_t *a, uint64_t *b)
{
	char *save = NULL, *x = strtok_r(text, " \t", &save), *y = strtok_r(NULL, " \t", &save);

	if (!x || !y || strtok_r(NULL, " \t", &save) || parse_u64(x, a) || parse_u64(y, b) ||
	    *b == 0 || *a > UINT64_MAX - *b)
		return -EINVAL;
	return 0;
}

static int one_word(char *text, char **word)
{
	char *save = NULL;

	*word = strtok_r(text, " \t", &save);
	return *word && !strtok_r(NULL, " \t", &save) ? 0 : -EINVAL;
}

/* The flags line: words of emu-desc.h, in any order. */
static int parse_flags(char *text, unsigned int *flags)
{
	char *save = NULL;

	for (char *f = strtok_r(text, EMU_FLAG_SEP " \t", &save); f;
	     f = strtok_r(NULL, EMU_FLAG_SEP " \t", &save)) {
		if (!strcmp(f, EMU_FLAG_SHARABLE))
			*flags |= TAGDAX_DEV_SHARABLE;
		else if (!strcmp(f, EMU_FLAG_READONLY))
			*flags |= TAGDAX_DEV_READONLY;
		else
			return -EINVAL;
	}
	return 0;
}

static int parse_single(struct desc *d, const char *key, char *val)
{
	static const char *const keys[] = {
		EMU_KEY_TAG, EMU_KEY_PATH, EMU_KEY_SIZE, EMU_KEY_FLAGS, EMU_KEY_REGION,
	};
	unsigned long long region;
	unsigned int k = 0;
	char *w, *end;

	while (k < 5 && strcmp(key, keys[k]))
		k++;
	if (k == 5 || (d->seen & (1u << k)))
		return -EINVAL; /* unknown or repeated */
	d->seen |= 1u << k;
	if (k == 3)
		return parse_flags(val, &d->flags);
	if (one_word(val, &w))
		return -EINVAL;
	switch (k) {
	case 0:
		return tagdax_tag_parse(w, &d->tag);
	case 1:
		return w[0] == '/' ? dev_set_str(&d->path, w) : -EINVAL;
	case 2:
		return parse_u64(w, &d->size) || d->size == 0 ? -EINVAL : 0;
	default:
		region = strtoull(w, &end, 10);
		if (*w < '0' || *w > '9' || *end || region > 7)
			return -EINVAL;
		d->region = (unsigned int)region;
		return 0;
	}
}

static int parse_line(struct tagdax_dev *dev, struct desc *d, char *line)
{
	char *key = line + strspn(line, " \t"), *val;
	uint64_t a, b;

	line[strcspn(line, "#")] = '\0';
	if (!*key)
		return 0;
	val = key + strcspn(key, " \t");
	if (*val)
		*val++ = '\0';
	if (strcmp(key, EMU_KEY_SEGMENT) && strcmp(key, EMU_KEY_EXTENT))
		return parse_single(d, key, val);
	if (parse_pair(val, &a, &b) || dev->nsegs >= SEG_MAX || dev->nextents >= SEG_MAX)
		return -EINVAL;
	if (!strcmp(key, EMU_KEY_SEGMENT))
		return dev_add_seg(dev, "", a, b); /* path filled in once known */
	return dev_add_extent(dev, a, b);
}

/* Checks that what was parsed is whole and adds up. */
static int check(struct tagdax_dev *dev, const struct desc *d)
{
	uint64_t segs = 0, exts = 0;

	if (d->seen != (K_TAG | K_PATH | K_SIZE | K_REGION | (d->seen & K_FLAGS)) ||
	    !dev->nsegs || !dev->nextents)
		return -EINVAL;
	for (unsigned int i = 0; i < dev->nsegs; i++)
		if ((segs += dev->segs[i].length) < dev->segs[i].length)
			return -EINVAL;
	for (unsigned int i = 0; i < dev->nextents; i++)
		if ((exts += dev->extents[i].length) < dev->extents[i].length)
			return -EINVAL;
	return segs == d->size && exts == d->size ? 0 : -EINVAL;
}

/* The largest power of two, up to 2 MiB, that every piece is aligned to:
 * what map() can honour without splitting a page of the backing. */
static uint64_t piece_align(const struct tagdax_dev *dev)
{
	uint64_t bits = MAP_ALIGN_MAX, page = (uint64_t)sysconf(_SC_PAGESIZE);

	for (unsigned int i = 0; i < dev->nsegs; i++)
		bits |= dev->segs[i].offset | dev->segs[i].length;
	bits &= -bits;
	return bits < page ? page : bits;
}

static int finish(struct tagdax_dev *dev, const struct desc *d, const char *file)
{
	char region[32];

	snprintf(region, sizeof(region), "dax_region%u", d->region);
	dev->tag = d->tag;
	dev->size = d->size;
	dev->flags = d->flags;
	dev->offset = dev->segs[0].offset;
	dev->align = piece_align(dev);
	for (unsigned int i = 0; i < dev->nsegs; i++)
		if (dev_set_str(&dev->segs[i].path, d->path))
			return -ENOMEM;
	if (dev_set_str(&dev->path, d->path) || dev_set_str(&dev->region, region) ||
	    dev_set_str(&dev->mode, "devdax") || dev_set_str(&dev->lock_path, file))
		return -ENOMEM;
	return 0;
}

/* Parses a descriptor's text (len bytes) into dev.  -EINVAL when malformed. */
static int parse_text(struct tagdax_dev *dev, char *text, size_t len, const char *file,
		      unsigned int *region)
{
	struct desc d = { .seen = 0 };
	char *save = NULL;
	int rc = 0;

	if (strlen(text) != len)
		return -EINVAL; /* a NUL inside: not a text descriptor */
	for (char *l = strtok_r(text, "\n", &save); l && rc == 0; l = strtok_r(NULL, "\n", &save))
		rc = parse_line(dev, &d, l);
	if (rc == 0)
		rc = check(dev, &d);
	if (rc == 0)
		rc = finish(dev, &d, file);
	*region = d.region;
	free(d.path);
	return rc;
}

/* A regular file only we (or root) can have written. */
static bool trusted_file(const struct stat *st)
{
	return S_ISREG(st->st_mode) && (st->st_uid == 0 || st->st_uid == geteuid()) &&
	       !(st->st_mode & (S_IWGRP | S_IWOTH));
}

/* The text of a trusted file of at most max bytes, or NULL. */
static char *read_trusted(const char *file, size_t max, size_t *len)
{
	char *buf = malloc(max + 1);
	/* O_NONBLOCK and the regular-file check: a FIFO planted among the
	 * descriptors must not hang every lookup. */
	int fd = open(file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	struct stat st;
	ssize_t n = -1;

	if (buf && fd >= 0 && fstat(fd, &st) == 0 && trusted_file(&st))
		n = read(fd, buf, max + 1);
	if (fd >= 0)
		close(fd);
	if (n < 0 || n > (ssize_t)max) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

/* Region r of DIR/layout: "region N base B length L path P offset O". */
static int layout_region(const char *fabric, unsigned int r, char *path, size_t pathlen,
			 uint64_t *offset, uint64_t *length)
{
	char *file = path_join(fabric, "layout"), *text, *save = NULL;
	size_t len;
	int rc = -ENOENT;

	text = file ? read_trusted(file, 64 * 1024, &len) : NULL;
	for (char *l = text ? strtok_r(text, "\n", &save) : NULL; l && rc;
	     l = strtok_r(NULL, "\n", &save)) {
		unsigned int n;
		unsigned long long base, lng, off;
		char p[PATH_MAX];

		if (sscanf(l, "region %u base %llu length %llu path %4095s offset %llu", &n, &base,
			   &lng, p, &off) == 5 && n == r && strlen(p) < pathlen) {
			strcpy(path, p);
			*offset = off;
			*length = lng;
			rc = 0;
		}
	}
	free(text);
	free(file);
	return rc;
}

/* The device is within what the daemon made (see the top of this file). */
static int confined(const struct tagdax_dev *dev, unsigned int region)
{
	char backing[PATH_MAX], real_dev[PATH_MAX], real_backing[PATH_MAX];
	uint64_t off, len;

	if (layout_region(ctx_fabric_dir(dev->ctx), region, backing, sizeof(backing), &off, &len) ||
	    !realpath(dev->path, real_dev) || !realpath(backing, real_backing) ||
	    strcmp(real_dev, real_backing))
		return -EPERM;
	for (unsigned int i = 0; i < dev->nsegs; i++)
		if (dev->segs[i].offset < off || dev->segs[i].offset - off > len ||
		    dev->segs[i].length > len - (dev->segs[i].offset - off))
			return -EPERM;
	return 0;
}

/* Builds the device a descriptor names.  -ENOENT when gone, malformed or
 * untagged (the reason is logged at debug). */
static int load(struct tagdax_ctx *ctx, const char *dir, const char *name,
		struct tagdax_devlist *out)
{
	static const struct tagdax_tag null_tag;
	struct tagdax_dev *dev;
	char *file = path_join(dir, name), *text = NULL;
	unsigned int region = 0;
	size_t len = 0;
	int rc = -ENOMEM;

	dev = file ? dev_new(ctx, &tagdax_provider_emu, &null_tag, name, NULL) : NULL;
	if (dev)
		text = read_trusted(file, DESC_MAX, &len);
	if (dev && !text)
		rc = -ENOENT;
	if (text)
		rc = parse_text(dev, text, len, file, &region);
	if (rc == 0 && tagdax_tag_is_null(&dev->tag))
		rc = -ENOENT;
	if (rc == 0 && access(dev->path, F_OK))
		rc = -ENOENT; /* published half-way or torn down: not there */
	if (rc == 0)
		rc = confined(dev, region);
	if (rc)
		dbg(ctx, "emu: %s: %s; skipped\n", file ? file : name,
		    rc == -EINVAL ? "malformed descriptor"
		    : rc == -EPERM ? "not a device of this fabric's memory (path, segments, or "
				     "a descriptor or layout others could have written)"
				   : strerror(-rc));
	else
		devlist_append(out, dev);
	if (rc)
		dev_free(dev);
	free(text);
	free(file);
	return rc == -ENOMEM ? rc : rc ? -ENOENT : 0;
}

struct name_rn {
	unsigned int r, n;
	char name[32];
};

static int cmp_rn(const void *a, const void *b)
{
	const struct name_rn *x = a, *y = b;

	if (x->r != y->r)
		return x->r < y->r ? -1 : 1;
	return x->n < y->n ? -1 : x->n > y->n;
}

/* The device names in dir, in device order (dax0.2 before dax0.10). */
static int list_names(const char *dir, struct name_rn **out, size_t *count)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	struct name_rn *v = NULL;
	size_t n = 0, cap = 0;

	*out = NULL;
	*count = 0;
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		struct name_rn e;

		if (strlen(de->d_name) >= sizeof(e.name) || !parse_devname(de->d_name, &e.r, &e.n))
			continue;
		if (n == cap) {
			struct name_rn *bigger = realloc(v, (cap = cap ? 2 * cap : 16) * sizeof(*v));

			if (!bigger) {
				free(v);
				closedir(d);
				return -ENOMEM;
			}
			v = bigger;
		}
		strcpy(e.name, de->d_name);
		v[n++] = e;
	}
	closedir(d);
	if (n)
		qsort(v, n, sizeof(*v), cmp_rn);
	*out = v;
	*count = n;
	return 0;
}

static int scan(struct tagdax_ctx *ctx, struct tagdax_devlist *out)
{
	char dir[PATH_MAX];
	struct name_rn *names;
	size_t n;
	int rc;

	if (devices_dir(ctx, dir, sizeof(dir)))
		return 0;
	rc = list_names(dir, &names, &n);
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (load(ctx, dir, names[i].name, out) == -ENOMEM)
			rc = -ENOMEM;
	free(names);
	return rc;
}

/* The resolver's fast path: one descriptor, no directory listing. */
static int probe(struct tagdax_ctx *ctx, const char *devname, struct tagdax_devlist *out)
{
	char dir[PATH_MAX];
	unsigned int r, n;

	if (devices_dir(ctx, dir, sizeof(dir)) || !parse_devname(devname, &r, &n))
		return -ENOENT;
	return load(ctx, dir, devname, out);
}

static void watch(struct tagdax_ctx *ctx, int fd)
{
	char dir[PATH_MAX];

	if (devices_dir(ctx, dir, sizeof(dir)) == 0)
		watch_dir(ctx, fd, dir, "");
}

const struct tagdax_provider tagdax_provider_emu = {
	.name = "emu",
	.scan = scan,
	.probe = probe,
	.watch = watch,
};
