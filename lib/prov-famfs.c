// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * famfs: a devdax device formatted with famfs names itself in its superblock,
 * by the file-system uuid and by the device uuid.  Either name is a tag for
 * the whole device, so each non-null one becomes a tagged device (one path,
 * two tags), which works with no kernel tag ABI at all.
 *
 * Probing must never disturb a device: we only read, never switch a device's
 * mode, and leave alone devices onlined as system RAM (kmem).  devdax
 * character devices implement mmap() but not read(), so the superblock is
 * read through a read-only shared mapping of the first alignment unit; fake
 * trees hold plain files instead, read with pread().
 */
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "famfs-sb.h"
#include "private.h"

#define DAX_DEVICES "bus/dax/devices"
#define DEFAULT_ALIGN 0x200000ull /* devdax's default alignment */

const struct tagdax_provider tagdax_provider_famfs;

/* One dax device under inspection. */
struct candidate {
	const char *name;
	char path[PATH_MAX]; /* <dev_root>/<name> */
	struct stat st;
	uint64_t size;
	uint64_t align;
	int target_node;
	uint64_t resource;
};

/* NULL when sb is a valid famfs superblock of the version we know, else why
 * not.  The order is famfs's own: magic, version, CRC, allocation unit. */
static const char *sb_invalid(const struct famfs_superblock *sb)
{
	uLong crc = crc32(crc32(0L, Z_NULL, 0), (const Bytef *)sb, FAMFS_SB_CRC_LEN);
	uint64_t unit = le64toh(sb->ts_alloc_unit);

	if (le64toh(sb->ts_magic) != FAMFS_SUPER_MAGIC)
		return "no famfs magic";
	if (le64toh(sb->ts_version) != FAMFS_CURRENT_VERSION)
		return "unsupported famfs version";
	if (le64toh(sb->ts_crc) != (uint64_t)crc)
		return "bad superblock CRC";
	if (unit != FAMFS_ALLOC_UNIT_4K && unit != FAMFS_ALLOC_UNIT_2M)
		return "bad allocation unit";
	return NULL;
}

/* The name comes from a directory listing or from a by-tag link or udev:
 * it must name an entry of bus/dax/devices and nothing else. */
static bool valid_name(const char *name)
{
	return name[0] && strlen(name) <= NAME_MAX && !strchr(name, '/') &&
	       strcmp(name, ".") && strcmp(name, "..");
}

static int attr_path(struct tagdax_ctx *ctx, const char *name, const char *attr,
		     char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s/" DAX_DEVICES "/%s%s%s", ctx->sysfs_root, name,
			 attr ? "/" : "", attr ? attr : "");

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* stat() follows the bus's link into /sys/devices: a device removed since
 * the listing leaves a dangling link (or nothing). */
static bool still_present(struct tagdax_ctx *ctx, const char *name)
{
	char path[PATH_MAX];
	struct stat st;

	return attr_path(ctx, name, NULL, path, sizeof(path)) == 0 && stat(path, &st) == 0;
}

/* Memory onlined as system RAM has no node, and reading it is not ours to do. */
static bool bound_to_kmem(struct tagdax_ctx *ctx, const char *name)
{
	char driver[64];

	return sysfs_dax_driver(ctx, name, driver, sizeof(driver)) == 0 &&
	       !strcmp(driver, "kmem");
}

/* O_NONBLOCK: a fifo left where a node should be must not hang a scan. */
static int open_node(struct tagdax_ctx *ctx, struct candidate *c, const char **why)
{
	int fd;

	*why = "path too long";
	if (snprintf(c->path, sizeof(c->path), "%s/%s", ctx->dev_root, c->name) >=
	    (int)sizeof(c->path))
		return -ENAMETOOLONG;
	fd = open(c->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		*why = errno == ENOENT ? "no device node" : "cannot open the device node";
		return -errno;
	}
	if (fstat(fd, &c->st) == 0 && (S_ISCHR(c->st.st_mode) || S_ISREG(c->st.st_mode)))
		return fd;
	*why = "not a device node";
	close(fd);
	return -ENODEV;
}

/* Size and alignment from sysfs; a fake tree's plain file may omit size. */
static int read_geometry(struct tagdax_ctx *ctx, struct candidate *c, const char **why)
{
	uint64_t v;

	if (sysfs_read_u64(ctx, &c->size, DAX_DEVICES "/%s/size", c->name) || !c->size)
		c->size = S_ISREG(c->st.st_mode) ? (uint64_t)c->st.st_size : 0;
	if (sysfs_read_u64(ctx, &c->align, DAX_DEVICES "/%s/align", c->name) || !c->align)
		c->align = DEFAULT_ALIGN;
	c->target_node = -1;
	if (!sysfs_read_u64(ctx, &v, DAX_DEVICES "/%s/target_node", c->name) && v <= INT_MAX)
		c->target_node = (int)v;
	if (sysfs_read_u64(ctx, &c->resource, DAX_DEVICES "/%s/resource", c->name))
		c->resource = UINT64_MAX;
	*why = "no size";
	if (!c->size)
		return -ENODATA;
	*why = "alignment not a power of two";
	return c->align & (c->align - 1) ? -EINVAL : 0;
}

static int read_sb_file(int fd, struct famfs_superblock *sb, const char **why)
{
	ssize_t n = pread(fd, sb, sizeof(*sb), 0);

	*why = "unreadable";
	if (n < 0)
		return -errno;
	*why = "truncated: shorter than a famfs superblock";
	return (size_t)n < sizeof(*sb) ? -ENODATA : 0;
}

/* A devdax mapping must cover whole alignment units: map the first one. */
static int read_sb_mapped(int fd, uint64_t align, struct famfs_superblock *sb,
			  const char **why)
{
	void *p;

	*why = "alignment too small for a superblock";
	if (align < sizeof(*sb) || align > SIZE_MAX)
		return -EINVAL;
	*why = "unreadable (mmap failed)";
	p = mmap(NULL, (size_t)align, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	memcpy(sb, p, sizeof(*sb));
	munmap(p, (size_t)align);
	return 0;
}

/* Reads c's superblock; on failure *why says what is wrong with the device. */
static int read_candidate(struct tagdax_ctx *ctx, struct candidate *c,
			  struct famfs_superblock *sb, const char **why)
{
	int fd, rc;

	*why = "not a dax device (or gone)";
	if (!valid_name(c->name) || !still_present(ctx, c->name))
		return -ENOENT;
	*why = "bound to kmem";
	if (bound_to_kmem(ctx, c->name))
		return -EBUSY;
	fd = open_node(ctx, c, why);
	if (fd < 0)
		return fd;
	rc = read_geometry(ctx, c, why);
	if (rc == 0 && S_ISREG(c->st.st_mode))
		rc = read_sb_file(fd, sb, why);
	else if (rc == 0)
		rc = read_sb_mapped(fd, c->align, sb, why);
	close(fd);
	return rc;
}

static int add_dev(struct tagdax_ctx *ctx, const struct candidate *c, const uint8_t uuid[16],
		   struct tagdax_devlist *out)
{
	struct tagdax_dev *dev;
	struct tagdax_tag tag;

	memcpy(tag.b, uuid, sizeof(tag.b));
	if (tagdax_tag_is_null(&tag))
		return 0;
	dev = dev_new(ctx, &tagdax_provider_famfs, &tag, c->name, c->path);
	if (!dev)
		return -ENOMEM;
	dev->size = c->size;
	dev->align = c->align;
	dev->target_node = c->target_node;
	dev->resource = c->resource;
	/* mappers hold a shared lock on the node: the in-use lock (see map.c) */
	if (dev_set_str(&dev->mode, "famfs") || dev_set_str(&dev->lock_path, c->path) ||
	    dev_add_seg(dev, c->path, 0, c->size) ||
	    dev_add_extent(dev, 0, c->size)) {
		dev_free(dev);
		return -ENOMEM;
	}
	devlist_append(out, dev);
	return 0;
}

/*
 * Appends the tags dax device name carries.  Returns 0 when it appended any,
 * -ENOENT when the device carries none (or is gone or unusable: logged at
 * debug, as one bad device must not hide the others), -ENOMEM.
 */
static int probe_one(struct tagdax_ctx *ctx, const char *name, struct tagdax_devlist *out)
{
	struct candidate c = { .name = name };
	struct famfs_superblock sb;
	unsigned int before = out->count;
	const char *why;
	int rc = read_candidate(ctx, &c, &sb, &why);

	if (rc < 0) {
		dbg(ctx, "famfs: %s: %s (%s); skipped\n", name, why, strerror(-rc));
		return -ENOENT;
	}
	why = sb_invalid(&sb);
	if (why) {
		dbg(ctx, "famfs: %s: %s; skipped\n", name, why);
		return -ENOENT;
	}
	rc = add_dev(ctx, &c, sb.ts_uuid, out);
	if (rc == 0 && memcmp(sb.ts_uuid, sb.ts_dev_uuid, sizeof(sb.ts_uuid)))
		rc = add_dev(ctx, &c, sb.ts_dev_uuid, out);
	if (rc < 0)
		return rc;
	if (out->count == before)
		dbg(ctx, "famfs: %s: superblock carries no uuid; skipped\n", name);
	return out->count > before ? 0 : -ENOENT;
}

static int scan(struct tagdax_ctx *ctx, struct tagdax_devlist *out)
{
	char *dir = path_join(ctx->sysfs_root, DAX_DEVICES);
	struct dirent **names;
	int n, rc = 0;

	if (!dir)
		return -ENOMEM;
	/* Version order, so listings read dax2.0 before dax10.0. */
	n = scandir(dir, &names, NULL, versionsort);
	free(dir);
	if (n < 0)
		return errno == ENOENT ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		if (names[i]->d_name[0] != '.' && rc != -ENOMEM)
			rc = probe_one(ctx, names[i]->d_name, out);
		free(names[i]);
	}
	free(names);
	return rc == -ENOMEM ? rc : 0;
}

/* The resolver's check of a by-tag entry or link: re-reads the superblock. */
static int probe(struct tagdax_ctx *ctx, const char *devname, struct tagdax_devlist *out)
{
	return probe_one(ctx, devname, out);
}

static void watch(struct tagdax_ctx *ctx, int fd)
{
	watch_dir(ctx, fd, ctx->sysfs_root, DAX_DEVICES);
}

const struct tagdax_provider tagdax_provider_famfs = {
	.name = "famfs",
	.flags = PROVIDER_DEVNODE,
	.scan = scan,
	.probe = probe,
	.watch = watch,
};
