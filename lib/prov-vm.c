// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The vm provider: tagged capacity a hypervisor gave this guest.
 *
 * The host (tagdax vm args / attach) hands each window of a capacity to the
 * guest as an ivshmem PCI device whose BAR 2 is the memory and whose option
 * ROM carries a descriptor (vmrom.h): tag, window index and count, where the
 * window sits in the capacity.  We read every ivshmem device's ROM, group the
 * windows by tag and, when a tag's windows form the whole capacity exactly
 * once, make one device whose segments are the windows' resource2 files in
 * window order, so tagdax_map() lays them out as the host sees them.
 *
 * A guest sees whatever its host gives it: a ROM that is not exactly ours, a
 * window whose size is not its BAR's, or a set of windows with a gap, an
 * overlap or a duplicate is ignored with a debug log, never half-trusted.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "private.h"
#include "vmrom.h"

const struct tagdax_provider tagdax_provider_vm;

#define PCI_DEVICES "bus/pci/devices"

struct window {
	char bdf[64];
	struct vmrom_window w;
};

struct windows {
	struct window *v;
	unsigned int n;
};

static bool is_ivshmem(struct tagdax_ctx *ctx, const char *bdf)
{
	uint64_t vendor, device;

	return sysfs_read_u64(ctx, &vendor, PCI_DEVICES "/%s/vendor", bdf) == 0 &&
	       sysfs_read_u64(ctx, &device, PCI_DEVICES "/%s/device", bdf) == 0 &&
	       vendor == VMROM_IVSHMEM_VENDOR && device == VMROM_IVSHMEM_DEVICE;
}

static ssize_t read_at(const char *path, uint8_t *buf, size_t len)
{
	/* never hang on a FIFO planted where the rom attribute should be */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	struct stat st;
	ssize_t n;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	n = pread(fd, buf, len, 0);
	if (n < 0)
		n = -errno;
	close(fd);
	return n;
}

/*
 * The kernel refuses to read a ROM until "1" is written to its rom attribute,
 * and we put it back to "0" after.  Reading first means a tree that needs no
 * enabling (a test's) is never written to.  Another process can put it back
 * between our enable and our read, hence a few tries.
 */
static ssize_t read_rom(struct tagdax_ctx *ctx, const char *bdf, uint8_t *buf, size_t len)
{
	char *path, rel[128];
	ssize_t n;

	snprintf(rel, sizeof(rel), PCI_DEVICES "/%s/rom", bdf);
	path = path_join(ctx->sysfs_root, rel);
	if (!path)
		return -ENOMEM;
	n = read_at(path, buf, len);
	for (int tries = 0; n == -EINVAL && tries < 3; tries++) {
		if (sysfs_write(ctx, "1", "%s", rel))
			break;
		n = read_at(path, buf, len);
		sysfs_write(ctx, "0", "%s", rel);
	}
	free(path);
	return n;
}

/* BAR 2's size, from the third line of the resource file ("start end flags"),
 * cross-checked with the size of the resource2 file the guest will map. */
static int bar2_size(struct tagdax_ctx *ctx, const char *bdf, uint64_t *size)
{
	unsigned long long start, end, flags;
	char buf[4096], path[512];
	const char *line = buf;
	struct stat st;

	if (sysfs_read(ctx, buf, sizeof(buf), PCI_DEVICES "/%s/resource", bdf) < 0)
		return -ENOENT;
	for (int i = 0; i < 2 && line; i++)
		line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL;
	if (!line || sscanf(line, "%llx %llx %llx", &start, &end, &flags) != 3 || end <= start)
		return -ENODEV; /* not assigned (yet: hot plug assigns a moment later) */
	*size = (uint64_t)(end - start) + 1;
	snprintf(path, sizeof(path), "%s/" PCI_DEVICES "/%s/resource2", ctx->sysfs_root, bdf);
	if (stat(path, &st) || (uint64_t)st.st_size != *size)
		return -ENODEV;
	return 0;
}

/* 0 and *w if bdf is one of our windows; otherwise a reason, logged. */
static int read_window(struct tagdax_ctx *ctx, const char *bdf, struct vmrom_window *w)
{
	uint8_t rom[VMROM_IMAGE_SIZE];
	const char *why;
	uint64_t bar;
	ssize_t n;

	n = read_rom(ctx, bdf, rom, sizeof(rom));
	if (n == -EACCES || n == -EPERM) {
		/* it may well be ours: the kernel makes a ROM root's alone */
		err(ctx, "%s: cannot read this ivshmem device's option ROM, which may carry "
		    "a tag: %s (run as root)\n", bdf, strerror((int)-n));
		return (int)n;
	}
	if (n < 0) {
		dbg(ctx, "%s: ivshmem without a readable ROM (%s); not ours\n", bdf,
		    strerror((int)-n));
		return (int)n;
	}
	if (vmrom_parse(rom, (size_t)n, w, &why)) {
		dbg(ctx, "%s: descriptor rejected: %s; ignored\n", bdf, why);
		return -EINVAL;
	}
	/* Ours, but not usable (yet: a hot-plugged window's BAR is assigned a
	 * moment after it appears): a note, not an error. */
	if (bar2_size(ctx, bdf, &bar)) {
		dbg(ctx, "%s: BAR 2 not assigned or resource2 missing; ignored\n", bdf);
		ctx_note(ctx, &w->tag, "PCI device %s carries it, but the guest left its memory "
			 "BAR (2) unassigned: its CPU's physical address space has no room "
			 "for it; give the VM a CPU with more physical address bits "
			 "(-cpu qemu64,phys-bits=42)", bdf);
		return -ENODEV;
	}
	if (bar != w->size) {
		dbg(ctx, "%s: descriptor says %" PRIu64 " bytes, BAR 2 has %" PRIu64 "; ignored\n",
		    bdf, w->size, bar);
		ctx_note(ctx, &w->tag, "PCI device %s carries it, but its BAR 2 has %" PRIu64
			 " bytes where its descriptor says %" PRIu64, bdf, bar, w->size);
		return -EINVAL;
	}
	return 0;
}

static int add_window(struct windows *ws, const char *bdf, const struct vmrom_window *w)
{
	struct window *bigger = realloc(ws->v, (ws->n + 1) * sizeof(*ws->v));

	if (!bigger)
		return -ENOMEM;
	ws->v = bigger;
	snprintf(ws->v[ws->n].bdf, sizeof(ws->v[ws->n].bdf), "%s", bdf);
	ws->v[ws->n++].w = *w;
	return 0;
}

static int collect(struct tagdax_ctx *ctx, struct windows *ws)
{
	char *dir = path_join(ctx->sysfs_root, PCI_DEVICES);
	DIR *d = dir ? opendir(dir) : NULL;
	struct dirent *e;
	int rc = 0;

	free(dir);
	if (!d)
		return 0; /* no PCI bus: not a VM, nothing to see */
	while (rc == 0 && (e = readdir(d))) {
		struct vmrom_window w;

		if (e->d_name[0] == '.' || strlen(e->d_name) >= sizeof(ws->v->bdf) ||
		    !is_ivshmem(ctx, e->d_name) || read_window(ctx, e->d_name, &w))
			continue;
		rc = add_window(ws, e->d_name, &w);
	}
	closedir(d);
	return rc;
}

/* Orders windows by tag, then by window index: each tag's set is then one
 * run, in the order its pieces are laid out. */
static int window_cmp(const void *a, const void *b)
{
	const struct window *x = a, *y = b;
	int c = memcmp(x->w.tag.b, y->w.tag.b, sizeof(x->w.tag.b));

	if (c)
		return c;
	return x->w.index < y->w.index ? -1 : x->w.index > y->w.index;
}

/* The run set[0..n) of one tag must be the whole capacity, once. */
static const char *set_invalid(const struct window *set, unsigned int n)
{
	uint64_t next = 0;

	if (set[0].w.count != n)
		return n < set[0].w.count ? "windows missing" : "duplicate windows";
	for (unsigned int i = 0; i < n; i++) {
		const struct vmrom_window *w = &set[i].w;

		if (w->count != n || w->index != i)
			return "window indices disagree";
		if (w->capacity != set[0].w.capacity || w->flags != set[0].w.flags)
			return "windows disagree on the capacity or its flags";
		if (w->offset != next)
			return w->offset < next ? "windows overlap" : "gap between windows";
		next += w->size;
	}
	return next == set[0].w.capacity ? NULL : "windows do not cover the capacity";
}

static char *resource2_path(struct tagdax_ctx *ctx, const char *bdf)
{
	char rel[128];

	snprintf(rel, sizeof(rel), PCI_DEVICES "/%s/resource2", bdf);
	return path_join(ctx->sysfs_root, rel);
}

static int fill_dev(struct tagdax_dev *dev, const struct window *set, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		char *path = resource2_path(dev->ctx, set[i].bdf);
		int rc = path ? dev_add_seg(dev, path, 0, set[i].w.size) : -ENOMEM;

		free(path);
		if (rc || dev_add_extent(dev, set[i].w.offset, set[i].w.size))
			return -ENOMEM;
	}
	dev->size = set[0].w.capacity;
	dev->align = VMROM_GRANULE;
	dev->flags = (set[0].w.flags & VMROM_FLAG_SHARABLE ? TAGDAX_DEV_SHARABLE : 0) |
		     (set[0].w.flags & VMROM_FLAG_READONLY ? TAGDAX_DEV_READONLY : 0);
	return dev_set_str(&dev->mode, "ivshmem");
}

static int emit(struct tagdax_ctx *ctx, const struct window *set, unsigned int n,
		struct tagdax_devlist *out)
{
	char text[TAGDAX_TAG_STRLEN];
	const char *why = set_invalid(set, n);
	struct tagdax_dev *dev;
	char *path;

	tagdax_tag_unparse(&set[0].w.tag, text);
	if (why) {
		dbg(ctx, "tag %s: %s (%u found, %u expected); ignored\n", text, why, n,
		    set[0].w.count);
		ctx_note(ctx, &set[0].w.tag, "its ivshmem windows are not a usable set: %s "
			 "(%u present, %u expected)", why, n, set[0].w.count);
		return 0;
	}
	path = resource2_path(ctx, set[0].bdf);
	dev = path ? dev_new(ctx, &tagdax_provider_vm, &set[0].w.tag, text, path) : NULL;
	free(path);
	if (!dev || fill_dev(dev, set, n)) {
		dev_free(dev);
		return -ENOMEM;
	}
	devlist_append(out, dev);
	return 0;
}

/* Appends the devices of every complete set; only_tag limits it to one. */
static int scan_windows(struct tagdax_ctx *ctx, const struct tagdax_tag *only_tag,
			struct tagdax_devlist *out)
{
	struct windows ws = { NULL, 0 };
	int rc = collect(ctx, &ws);

	if (ws.n)
		qsort(ws.v, ws.n, sizeof(*ws.v), window_cmp);
	for (unsigned int i = 0, j; rc == 0 && i < ws.n; i = j) {
		for (j = i + 1; j < ws.n && tagdax_tag_equal(&ws.v[j].w.tag, &ws.v[i].w.tag); j++)
			;
		if (!only_tag || tagdax_tag_equal(only_tag, &ws.v[i].w.tag))
			rc = emit(ctx, &ws.v[i], j - i, out);
	}
	free(ws.v);
	return rc;
}

static int scan(struct tagdax_ctx *ctx, struct tagdax_devlist *out)
{
	return scan_windows(ctx, NULL, out);
}

/* Our devname is the tag itself: a device is a set of windows, and only a
 * scan can tell which PCI devices make it up now. */
static int probe(struct tagdax_ctx *ctx, const char *devname, struct tagdax_devlist *out)
{
	struct tagdax_tag tag;
	unsigned int before = out->count;
	int rc;

	if (tagdax_tag_parse(devname, &tag))
		return -ENOENT;
	rc = scan_windows(ctx, &tag, out);
	if (rc < 0)
		return rc;
	return out->count > before ? 0 : -ENOENT;
}

static void watch(struct tagdax_ctx *ctx, int fd)
{
	/* Live sysfs sends no inotify events (wait's re-scan covers it); a
	 * test's tree does. */
	watch_dir(ctx, fd, ctx->sysfs_root, PCI_DEVICES);
}

const struct tagdax_provider tagdax_provider_vm = {
	.name = "vm",
	.scan = scan,
	.probe = probe,
	.watch = watch,
};
