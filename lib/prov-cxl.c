// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * cxl: tagged CXL Dynamic Capacity, as the kernel DCD ABI proposed in the
 * v10/v11 series (not merged) shows it in sysfs:
 *
 *   bus/dax/devices/daxX.Y/uuid      tag of the capacity the device claimed;
 *                                    the null UUID when untagged
 *   bus/cxl/devices/dax_regionX/extentX.Y/{offset,length,uuid}
 *                                    extents accepted into region X; uuid is
 *                                    absent on untagged extents
 *
 * daxX.Y lives in dax_regionX.  A tag seen on extents of a region that no
 * device of that region carries is listed as an unclaimed entry; claim()
 * turns it into a device through the region's seed device.
 *
 * probe() is the resolver's fast path: it reads one file (uuid), and the
 * rest waits for load_details().  A scan reads each region's extents once and
 * hands them out to the region's devices, so it stays linear in the number
 * of devices and extents.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "private.h"

#define DAX_DEVICES "bus/dax/devices"
#define CXL_DEVICES "bus/cxl/devices"
#define DEVDAX_BIND "bus/dax/drivers/device_dax/bind"

const struct tagdax_provider tagdax_provider_cxl;

struct extent {
	struct tagdax_tag tag;
	uint64_t offset;
	uint64_t length;
	bool claimed; /* a device of the region carries this tag */
};

/* The tagged extents of one region, sorted by tag, then offset. */
struct extent_set {
	struct extent *v;
	size_t n;
};

struct cxl_priv {
	bool extents_loaded; /* the scan attached them already */
};

static bool parse_region_name(const char *name, unsigned int *region)
{
	const char *p;

	if (strncmp(name, "dax_region", 10))
		return false;
	p = parse_kernel_number(name + 10, region);
	return p && *p == '\0';
}

/* Doubles *v (of elem-sized items) when it holds cap items and is full. */
static int grow_array(void **v, size_t n, size_t *cap, size_t elem)
{
	size_t want = *cap ? 2 * *cap : 64;
	void *bigger;

	if (n < *cap)
		return 0;
	bigger = realloc(*v, want * elem);
	if (!bigger)
		return -ENOMEM;
	*v = bigger;
	*cap = want;
	return 0;
}

/*
 * The entries of a sysfs directory named like devices (or like regions),
 * sorted by number so listings read dax2.0 before dax10.0.  A directory that
 * is missing or unreadable lists nothing: the other bus may still answer.
 */
static int list_ids(struct tagdax_ctx *ctx, const char *rel, bool regions,
		    struct name_id **out, size_t *count)
{
	char path[PATH_MAX];
	struct name_id *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *dir = NULL;

	*out = NULL;
	*count = 0;
	if (sysfs_path(ctx, path, sizeof(path), "%s", rel) == 0)
		dir = opendir(path);
	if (!dir) {
		dbg(ctx, "cxl: %s: %s\n", rel, strerror(errno));
		return 0;
	}
	while ((de = readdir(dir))) {
		struct name_id id = { 0, 0 };

		if (regions ? !parse_region_name(de->d_name, &id.region) :
			      !parse_kernel_name(de->d_name, "dax", &id))
			continue;
		if (grow_array((void **)&v, n, &cap, sizeof(*v))) {
			closedir(dir);
			free(v);
			return -ENOMEM;
		}
		v[n++] = id;
	}
	closedir(dir);
	if (n) /* qsort(NULL, 0) is undefined */
		qsort(v, n, sizeof(*v), name_id_cmp);
	*out = v;
	*count = n;
	return 0;
}

static int cmp_extent(const void *a, const void *b)
{
	const struct extent *x = a, *y = b;
	int c = memcmp(x->tag.b, y->tag.b, sizeof(x->tag.b));

	if (c)
		return c;
	return (x->offset > y->offset) - (x->offset < y->offset);
}

/* Reads one extent: true for a usable tagged extent.  A bad or vanished
 * extent is skipped (logged), never fatal: the others still count. */
static bool read_extent(struct tagdax_ctx *ctx, unsigned int region, const char *name,
			struct extent *e)
{
	const char *what = "uuid";
	int rc = sysfs_read_tag(ctx, &e->tag, CXL_DEVICES "/dax_region%u/%s/uuid", region, name);

	if (rc == -ENOENT || (rc == 0 && tagdax_tag_is_null(&e->tag))) {
		dbg(ctx, "cxl: dax_region%u/%s: untagged (or gone)\n", region, name);
		return false;
	}
	if (rc == 0) {
		what = "offset";
		rc = sysfs_read_u64(ctx, &e->offset, CXL_DEVICES "/dax_region%u/%s/offset",
				    region, name);
	}
	if (rc == 0) {
		what = "length";
		rc = sysfs_read_u64(ctx, &e->length, CXL_DEVICES "/dax_region%u/%s/length",
				    region, name);
		if (rc == 0 && (e->length == 0 || e->offset > UINT64_MAX - e->length))
			rc = -ERANGE;
	}
	if (rc) {
		dbg(ctx, "cxl: dax_region%u/%s: bad %s (%s); extent skipped\n", region, name,
		    what, strerror(-rc));
		return false;
	}
	e->claimed = false;
	return true;
}

/* Reads every tagged extent of a region, once. */
static int load_region_extents(struct tagdax_ctx *ctx, unsigned int region,
			       struct extent_set *set)
{
	char path[PATH_MAX];
	size_t cap = 0;
	struct dirent *de;
	DIR *dir = NULL;

	set->v = NULL;
	set->n = 0;
	if (sysfs_path(ctx, path, sizeof(path), CXL_DEVICES "/dax_region%u", region) == 0)
		dir = opendir(path);
	if (!dir) {
		dbg(ctx, "cxl: dax_region%u: no extents (%s)\n", region, strerror(errno));
		return 0;
	}
	while ((de = readdir(dir))) {
		if (strncmp(de->d_name, "extent", 6))
			continue;
		if (grow_array((void **)&set->v, set->n, &cap, sizeof(*set->v))) {
			closedir(dir);
			return -ENOMEM;
		}
		if (read_extent(ctx, region, de->d_name, &set->v[set->n]))
			set->n++;
	}
	closedir(dir);
	if (set->n) /* qsort(NULL, 0) is undefined */
		qsort(set->v, set->n, sizeof(*set->v), cmp_extent);
	return 0;
}

/* The extents carrying tag are set->v[*first .. *first + returned). */
static size_t find_tag(const struct extent_set *set, const struct tagdax_tag *tag, size_t *first)
{
	size_t lo = 0, hi = set->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (memcmp(set->v[mid].tag.b, tag->b, sizeof(tag->b)) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*first = lo;
	for (hi = lo; hi < set->n && tagdax_tag_equal(&set->v[hi].tag, tag); hi++)
		;
	return hi - lo;
}

/* Gives dev the extents of its region carrying its tag, in offset order. */
static int attach_extents(struct tagdax_dev *dev, struct extent_set *set)
{
	size_t first, n = find_tag(set, &dev->tag, &first);

	for (size_t i = first; i < first + n; i++) {
		if (dev_add_extent(dev, set->v[i].offset, set->v[i].length))
			return -ENOMEM;
		set->v[i].claimed = true;
	}
	return 0;
}

/* Builds the device name (a checked "daxX.Y") from its uuid alone: this is
 * the fast path, so one read and no printf.  -ENOENT when the device
 * carries no tag, is unreadable or has gone. */
static int build_dev(struct tagdax_ctx *ctx, const char *name, struct tagdax_dev **out)
{
	size_t root = strlen(ctx->dev_root), len = strlen(name);
	char path[PATH_MAX];
	struct tagdax_dev *dev;
	struct tagdax_tag tag;
	int rc = sysfs_read_tag(ctx, &tag, DAX_DEVICES "/%s/uuid", name);

	if (rc) {
		dbg(ctx, "cxl: %s: no readable tag (%s); skipped\n", name, strerror(-rc));
		return -ENOENT;
	}
	if (tagdax_tag_is_null(&tag))
		return -ENOENT;
	if (root + 1 + len >= sizeof(path))
		return -ENAMETOOLONG;
	memcpy(path, ctx->dev_root, root);
	path[root] = '/';
	memcpy(path + root + 1, name, len + 1);
	dev = dev_new(ctx, &tagdax_provider_cxl, &tag, name, path);
	if (!dev)
		return -ENOMEM;
	*out = dev;
	return 0;
}

static int add_scanned_dev(struct tagdax_ctx *ctx, const struct name_id *id,
			   struct extent_set *set, struct tagdax_devlist *out)
{
	struct tagdax_dev *dev;
	struct cxl_priv *priv;
	char name[32];
	int rc;

	snprintf(name, sizeof(name), "dax%u.%u", id->region, id->id);
	rc = build_dev(ctx, name, &dev);
	if (rc)
		return rc == -ENOMEM ? rc : 0;
	priv = calloc(1, sizeof(*priv));
	if (!priv || attach_extents(dev, set)) {
		free(priv);
		dev_free(dev);
		return -ENOMEM;
	}
	priv->extents_loaded = true;
	dev->priv = priv;
	devlist_append(out, dev);
	return 0;
}

/* One entry for the n extents of one tag that no device of region claimed. */
static int add_unclaimed(struct tagdax_ctx *ctx, unsigned int region, const struct extent *e,
			 size_t n, struct tagdax_devlist *out)
{
	struct tagdax_dev *dev;
	char name[32];

	snprintf(name, sizeof(name), "dax_region%u", region);
	dev = dev_new(ctx, &tagdax_provider_cxl, &e->tag, name, NULL);
	if (!dev || dev_set_str(&dev->region, name)) {
		dev_free(dev);
		return -ENOMEM;
	}
	dev->flags = TAGDAX_DEV_UNCLAIMED;
	dev->details_loaded = true; /* nothing more to read */
	for (size_t i = 0; i < n; i++) {
		if (dev_add_extent(dev, e[i].offset, e[i].length)) {
			dev_free(dev);
			return -ENOMEM;
		}
		dev->size = e[i].length > UINT64_MAX - dev->size ? UINT64_MAX
								  : dev->size + e[i].length;
	}
	devlist_append(out, dev);
	return 0;
}

/* The devices ids[0..n) of one region, then the tags no device claimed. */
static int scan_region(struct tagdax_ctx *ctx, unsigned int region, bool has_extents,
		       const struct name_id *ids, size_t n, struct tagdax_devlist *out)
{
	struct extent_set set = { NULL, 0 };
	int rc = has_extents ? load_region_extents(ctx, region, &set) : 0;

	for (size_t i = 0; rc == 0 && i < n; i++)
		rc = add_scanned_dev(ctx, &ids[i], &set, out);
	for (size_t i = 0, first, k; rc == 0 && i < set.n; i += k) {
		k = find_tag(&set, &set.v[i].tag, &first);
		if (!set.v[i].claimed)
			rc = add_unclaimed(ctx, region, &set.v[i], k, out);
	}
	free(set.v);
	return rc;
}

/* Walks the dax devices and the CXL dax regions together, region by region. */
static int scan(struct tagdax_ctx *ctx, struct tagdax_devlist *out)
{
	struct name_id *devs = NULL, *regions = NULL;
	size_t ndevs = 0, nregions = 0, i = 0, j = 0;
	int rc = list_ids(ctx, DAX_DEVICES, false, &devs, &ndevs);

	if (rc == 0)
		rc = list_ids(ctx, CXL_DEVICES, true, &regions, &nregions);
	while (rc == 0 && (i < ndevs || j < nregions)) {
		unsigned int region = i < ndevs ? devs[i].region : regions[j].region;
		bool has_extents;
		size_t k = i;

		if (j < nregions && regions[j].region < region)
			region = regions[j].region;
		has_extents = j < nregions && regions[j].region == region;
		while (k < ndevs && devs[k].region == region)
			k++;
		rc = scan_region(ctx, region, has_extents, devs + i, k - i, out);
		i = k;
		j += has_extents;
	}
	free(devs);
	free(regions);
	return rc;
}

static int probe(struct tagdax_ctx *ctx, const char *devname, struct tagdax_devlist *out)
{
	struct tagdax_dev *dev;
	struct name_id id;
	int rc;

	if (!parse_kernel_name(devname, "dax", &id))
		return -ENOENT;
	rc = build_dev(ctx, devname, &dev);
	if (rc)
		return rc;
	devlist_append(out, dev);
	return 0;
}

/* devdax and kmem are what daxctl calls the two personalities. */
static int load_mode(struct tagdax_dev *dev)
{
	char driver[NAME_MAX + 1];

	if (sysfs_dax_driver(dev->ctx, dev->devname, driver, sizeof(driver)))
		return 0;
	if (!strcmp(driver, "device_dax"))
		return dev_set_str(&dev->mode, "devdax");
	return dev_set_str(&dev->mode, !strcmp(driver, "kmem") ? "kmem" : driver);
}

/* The merged dax attributes; each one that is missing or malformed stays
 * unknown.  Returns the size's read status: no size, nothing to map. */
static int load_attrs(struct tagdax_dev *dev)
{
	struct tagdax_ctx *ctx = dev->ctx;
	const char *name = dev->devname;
	uint64_t v;
	int rc;

	if (sysfs_read_u64(ctx, &v, DAX_DEVICES "/%s/align", name) == 0)
		dev->align = v;
	if (sysfs_read_u64(ctx, &v, DAX_DEVICES "/%s/resource", name) == 0)
		dev->resource = v;
	if (sysfs_read_u64(ctx, &v, DAX_DEVICES "/%s/target_node", name) == 0 && v <= INT_MAX)
		dev->target_node = (int)v;
	rc = sysfs_read_u64(ctx, &v, DAX_DEVICES "/%s/size", name);
	if (rc == 0)
		dev->size = v;
	else
		dbg(ctx, "cxl: %s: bad size (%s)\n", name, strerror(-rc));
	return rc;
}

/* A probed device reads its region's extents itself (one listing). */
static int load_own_extents(struct tagdax_dev *dev, unsigned int region)
{
	struct extent_set set;
	int rc = load_region_extents(dev->ctx, region, &set);

	if (rc == 0)
		rc = attach_extents(dev, &set);
	free(set.v);
	return rc;
}

static int load_details(struct tagdax_dev *dev)
{
	struct cxl_priv *priv = dev->priv;
	struct name_id id;
	char region[32];
	int rc, size_rc;

	if (!dev->path || !parse_kernel_name(dev->devname, "dax", &id))
		return 0; /* an unclaimed entry is complete from the scan */
	snprintf(region, sizeof(region), "dax_region%u", id.region);
	size_rc = load_attrs(dev);
	rc = dev_set_str(&dev->region, region);
	if (rc == 0)
		rc = load_mode(dev);
	if (rc == 0 && !(priv && priv->extents_loaded))
		rc = load_own_extents(dev, id.region);
	if (rc)
		return rc;
	if (size_rc || dev->size == 0)
		return size_rc ? size_rc : -ENODATA;
	/* kmem memory is online as system RAM: there is no node to map. */
	if (dev->mode && !strcmp(dev->mode, "kmem"))
		return 0;
	return dev_add_seg(dev, dev->path, 0, dev->size);
}

static void watch(struct tagdax_ctx *ctx, int fd)
{
	struct name_id *regions;
	size_t n;
	char rel[64];

	watch_dir(ctx, fd, ctx->sysfs_root, DAX_DEVICES);
	watch_dir(ctx, fd, ctx->sysfs_root, CXL_DEVICES);
	/* Extents come and go inside the region directories. */
	if (list_ids(ctx, CXL_DEVICES, true, &regions, &n))
		return;
	for (size_t i = 0; i < n; i++) {
		snprintf(rel, sizeof(rel), CXL_DEVICES "/dax_region%u", regions[i].region);
		watch_dir(ctx, fd, ctx->sysfs_root, rel);
	}
	free(regions);
}

/* The region holding the tag's unclaimed extents, found by a fresh scan. */
static int find_unclaimed(struct tagdax_ctx *ctx, const struct tagdax_tag *tag,
			  unsigned int *region)
{
	struct tagdax_devlist list;
	int rc = -ENOENT;

	devlist_init(&list);
	if (scan(ctx, &list) == 0)
		for (struct tagdax_dev *d = list.head; d && rc; d = d->next)
			if ((d->flags & TAGDAX_DEV_UNCLAIMED) && tagdax_tag_equal(&d->tag, tag) &&
			    parse_region_name(d->region, region))
				rc = 0;
	devlist_free(&list);
	return rc;
}

static int read_seed(struct tagdax_ctx *ctx, unsigned int region, char *seed, size_t len)
{
	int rc = sysfs_read(ctx, seed, len, CXL_DEVICES "/dax_region%u/dax_region/seed", region);

	return rc == 0 ? -ENOENT : rc < 0 ? rc : 0;
}

/* The region's seed: the empty device the kernel keeps ready for claims.
 * With none, writing "1" to create makes one. */
static int region_seed(struct tagdax_ctx *ctx, unsigned int region, char *seed, size_t len)
{
	struct name_id id;
	int rc = read_seed(ctx, region, seed, len);

	if (rc == -ENOENT) {
		rc = sysfs_write(ctx, "1", CXL_DEVICES "/dax_region%u/dax_region/create", region);
		if (rc == 0)
			rc = read_seed(ctx, region, seed, len);
	}
	if (rc == -ENOENT) {
		/* Static regions have neither seed nor create. */
		err(ctx, "cxl: dax_region%u has no seed device and cannot create one\n", region);
		return -EOPNOTSUPP;
	}
	if (rc) {
		err(ctx, "cxl: dax_region%u: no seed device to claim into (%s)\n", region,
		    rc == -ENOSPC ? "the region has no room for another device" : strerror(-rc));
		return rc;
	}
	if (!parse_kernel_name(seed, "dax", &id)) {
		err(ctx, "cxl: dax_region%u: seed '%s' is not a dax device name\n", region, seed);
		return -EPROTO;
	}
	return 0;
}

/* Bad input never changes state: the seed must be a DCD device with no tag. */
static int check_seed(struct tagdax_ctx *ctx, const char *seed)
{
	struct tagdax_tag cur;
	int rc = sysfs_read_tag(ctx, &cur, DAX_DEVICES "/%s/uuid", seed);

	if (rc == -ENOENT) {
		err(ctx, "cxl: %s has no uuid attribute: this kernel lacks the DCD tag ABI\n", seed);
		return -EOPNOTSUPP;
	}
	if (rc) {
		err(ctx, "cxl: %s: unreadable uuid (%s)\n", seed, strerror(-rc));
		return rc == -EINVAL ? -EPROTO : rc;
	}
	if (!tagdax_tag_is_null(&cur)) {
		err(ctx, "cxl: seed %s already carries a tag\n", seed);
		return -EBUSY;
	}
	return 0;
}

/* The kernel's answers to a uuid write, in words (DCD v11 semantics). */
static int claim_failed(struct tagdax_ctx *ctx, const char *seed, const char *tag, int rc)
{
	const char *why;

	switch (rc) {
	case -ENOENT:
		why = "no free extent carries the tag (released, or claimed meanwhile)";
		break;
	case -EBUSY:
		why = "the device already has capacity";
		break;
	case -EINVAL:
		why = "the tagged extents are not one whole allocation (sequence gap or duplicate)";
		break;
	case -EOPNOTSUPP:
		why = "the device is not on a dynamic-capacity region";
		break;
	case -EACCES:
	case -EPERM:
		why = "permission denied (claiming needs root)";
		break;
	default:
		why = strerror(-rc);
		break;
	}
	err(ctx, "cxl: claiming tag %s into %s: %s\n", tag, seed, why);
	return rc;
}

/* A seed the kernel did not bind gets device_dax, so a node appears. */
static int bind_devdax(struct tagdax_ctx *ctx, const char *seed)
{
	char path[PATH_MAX], driver[NAME_MAX + 1];
	int rc;

	if (sysfs_path(ctx, path, sizeof(path), DEVDAX_BIND) || access(path, F_OK) ||
	    sysfs_dax_driver(ctx, seed, driver, sizeof(driver)) == 0)
		return 0;
	/* The claim itself is done and cannot be undone from here: a failed
	 * bind is worth a warning, not a failure the user would retry. */
	rc = sysfs_write(ctx, seed, DEVDAX_BIND);
	if (rc)
		err(ctx, "cxl: %s claimed its capacity but binding device_dax failed: %s; "
		    "enable it with daxctl\n", seed, strerror(-rc));
	return 0;
}

static int claim(struct tagdax_ctx *ctx, const struct tagdax_tag *tag)
{
	char text[TAGDAX_TAG_STRLEN], seed[64];
	unsigned int region;
	int rc;

	tagdax_tag_unparse(tag, text);
	if (find_unclaimed(ctx, tag, &region)) {
		err(ctx, "cxl: no unclaimed extents carry tag %s\n", text);
		return -ENOENT;
	}
	rc = region_seed(ctx, region, seed, sizeof(seed));
	if (rc == 0)
		rc = check_seed(ctx, seed);
	if (rc)
		return rc;
	rc = sysfs_write(ctx, text, DAX_DEVICES "/%s/uuid", seed);
	if (rc)
		return claim_failed(ctx, seed, text, rc);
	info(ctx, "cxl: tag %s claimed into %s\n", text, seed);
	return bind_devdax(ctx, seed);
}

const struct tagdax_provider tagdax_provider_cxl = {
	.name = "cxl",
	.flags = PROVIDER_DEVNODE,
	.scan = scan,
	.probe = probe,
	.load_details = load_details,
	.watch = watch,
	.claim = claim,
};
