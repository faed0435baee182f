// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * nd: NVDIMM namespaces (real ones, or a VM's virtual NVDIMMs), tagged by the
 * namespace uuid their labels carry.  This works on today's kernels:
 *
 *   bus/nd/devices/namespaceX.Y/{uuid,size,mode,holder,resource,target_node}
 *     uuid    empty when not set; absent on label-less (io) namespaces
 *     mode    the kernel says raw, memory, dax or safe; ndctl (and we) call
 *             them raw, fsdax, devdax and sector
 *     holder  the pfnX.Y (fsdax), btt (sector) or daxX.Y (devdax) device that
 *             claimed the namespace; empty for raw
 *   <namespace or its pfn/btt holder>/block/<disk>   the pmem block device
 *   <nd dax holder>/daxA.B                           the device-dax device
 *   <pfn or nd dax holder>/{uuid,resource,align}     the info block's uuid, and
 *             where byte 0 of the device is: past the info block and struct
 *             page reserve (the namespace's resource is its start)
 *
 * Two uuids name an fsdax or devdax device: the namespace's (in its labels;
 * `ndctl list -v` shows it as raw_uuid) and its holder's info block's (what
 * `ndctl list` shows as "uuid").  Each non-null one is a tag of the device,
 * as the famfs provider does with its superblock's two.  Every region also
 * carries idle seeds (namespace of size 0, pfn/dax/btt with an empty uuid);
 * no namespace names them as its holder, so they are never looked at.
 *
 * A namespace with no device on top (disabled), or whose device-dax device has
 * no driver bound (daxctl disable-device, a failed reconfigure: no node to
 * map), cannot be used and is skipped.
 * devname is the namespace; probe() also takes the name of the node on top
 * ("pmem0", "dax1.0"), as udev and by-tag links give it.  Namespaces are few
 * (a handful per region), so that lookup walks them.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "private.h"

#define ND_DEVICES "bus/nd/devices"
#define DAX_DEVICES "bus/dax/devices"

const struct tagdax_provider tagdax_provider_nd;

/* What sits on a namespace, as the name of its node under the dev root. */
struct ns_top {
	bool dax;                /* a device-dax char device, else a block device */
	bool holder;             /* base is a pfn, btt or nd dax holder */
	char base[NAME_MAX + 1]; /* where it hangs: the namespace or its holder */
	char name[NAME_MAX + 1];
};

/* One path component, nothing that climbs out of a directory. */
static bool valid_name(const char *name)
{
	return name[0] && name[0] != '.' && strlen(name) <= NAME_MAX && !strchr(name, '/');
}

/* Opens bus/nd/devices[/a[/b]]. */
static DIR *open_nd_dir(struct tagdax_ctx *ctx, const char *a, const char *b)
{
	char path[PATH_MAX];
	int n = snprintf(path, sizeof(path), "%s/" ND_DEVICES "%s%s%s%s", ctx->sysfs_root,
			 a ? "/" : "", a ? a : "", b ? "/" : "", b ? b : "");

	if (n < 0 || (size_t)n >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	return opendir(path);
}

/* The namespaces, sorted by number so listings read region by region. */
static int list_namespaces(struct tagdax_ctx *ctx, struct name_id **out, size_t *count)
{
	DIR *dir = open_nd_dir(ctx, NULL, NULL);
	struct name_id *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;

	*out = NULL;
	*count = 0;
	if (!dir)
		return 0; /* no nd bus: nothing to list */
	while ((de = readdir(dir))) {
		struct name_id id;

		if (!parse_kernel_name(de->d_name, "namespace", &id))
			continue;
		if (n == cap) {
			struct name_id *bigger = realloc(v, (cap = cap ? 2 * cap : 16) * sizeof(*v));

			if (!bigger) {
				closedir(dir);
				free(v);
				return -ENOMEM;
			}
			v = bigger;
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

/* The first entry of bus/nd/devices/<base>/<sub> that match() accepts. */
static int first_entry(struct tagdax_ctx *ctx, const char *base, const char *sub,
		       bool (*match)(const char *), char *out, size_t len)
{
	DIR *dir = open_nd_dir(ctx, base, sub);
	struct dirent *de;
	int rc = -ENOENT;

	if (!dir)
		return -ENOENT;
	while (rc && (de = readdir(dir)))
		if (match(de->d_name) && (size_t)snprintf(out, len, "%s", de->d_name) < len)
			rc = 0;
	closedir(dir);
	return rc;
}

static bool is_dax_name(const char *name)
{
	struct name_id id;

	return parse_kernel_name(name, "dax", &id);
}

/* Finds the node on top: the block device under the namespace (raw) or its
 * pfn/btt holder, else the device-dax device under its nd dax holder. */
static int find_top(struct tagdax_ctx *ctx, const char *ns, struct ns_top *top)
{
	char holder[NAME_MAX + 1];
	int rc = sysfs_read(ctx, holder, sizeof(holder), ND_DEVICES "/%s/holder", ns);

	if (rc < 0 && rc != -ENOENT)
		return rc;
	if (rc > 0 && !valid_name(holder))
		return -EINVAL;
	snprintf(top->base, sizeof(top->base), "%s", rc > 0 ? holder : ns);
	top->holder = rc > 0;
	top->dax = false;
	rc = first_entry(ctx, top->base, "block", valid_name, top->name, sizeof(top->name));
	if (rc == -ENOENT) {
		rc = first_entry(ctx, top->base, NULL, is_dax_name, top->name, sizeof(top->name));
		top->dax = rc == 0;
	}
	if (rc == 0 && top->dax &&
	    sysfs_dax_driver(ctx, top->name, holder, sizeof(holder)) == -ENOENT) {
		dbg(ctx, "nd: %s: %s has no driver bound\n", ns, top->name);
		return -ENODEV;
	}
	return rc;
}

/* The namespace's tag; -ENOENT for no usable tag (logged). */
static int read_ns_tag(struct tagdax_ctx *ctx, const char *ns, struct tagdax_tag *tag)
{
	char buf[64];
	int rc = sysfs_read(ctx, buf, sizeof(buf), ND_DEVICES "/%s/uuid", ns);
	const char *why = NULL;

	if (rc < 0)
		why = strerror(-rc);
	else if (rc == 0)
		why = "uuid not set";
	else if (tagdax_tag_parse(buf, tag))
		why = "malformed uuid";
	else if (tagdax_tag_is_null(tag))
		why = "null uuid";
	if (why) {
		dbg(ctx, "nd: %s: no tag (%s); skipped\n", ns, why);
		return -ENOENT;
	}
	return 0;
}

/* One tagged device of namespace ns; the rest waits for load_details(). */
static int add_dev(struct tagdax_ctx *ctx, const struct tagdax_tag *tag, const char *ns,
		   const char *path, const struct ns_top *top, struct tagdax_devlist *out)
{
	struct tagdax_dev *dev = dev_new(ctx, &tagdax_provider_nd, tag, ns, path);

	if (!dev)
		return -ENOMEM;
	dev->priv = malloc(sizeof(*top));
	if (!dev->priv) {
		dev_free(dev);
		return -ENOMEM;
	}
	memcpy(dev->priv, top, sizeof(*top));
	devlist_append(out, dev);
	return 0;
}

/* Builds a namespace's devices, one per uuid naming it, from the node on top. */
static int build_ns(struct tagdax_ctx *ctx, const char *ns, struct tagdax_devlist *out)
{
	char path[PATH_MAX];
	struct tagdax_tag tag, info;
	struct ns_top *top;
	int rc = read_ns_tag(ctx, ns, &tag);

	if (rc)
		return rc;
	top = malloc(sizeof(*top));
	if (!top)
		return -ENOMEM;
	rc = find_top(ctx, ns, top);
	if (rc == 0 && snprintf(path, sizeof(path), "%s/%s", ctx->dev_root, top->name) >=
			       (int)sizeof(path))
		rc = -ENAMETOOLONG;
	if (rc) {
		dbg(ctx, "nd: %s: no device on top (disabled?): %s; skipped\n", ns, strerror(-rc));
		free(top);
		return -ENOENT;
	}
	rc = add_dev(ctx, &tag, ns, path, top, out);
	if (rc == 0 && top->holder && sysfs_read_tag(ctx, &info, ND_DEVICES "/%s/uuid",
						     top->base) == 0 &&
	    !tagdax_tag_is_null(&info) && !tagdax_tag_equal(&info, &tag))
		rc = add_dev(ctx, &info, ns, path, top, out);
	free(top);
	return rc;
}

static int scan(struct tagdax_ctx *ctx, struct tagdax_devlist *out)
{
	struct name_id *ns;
	size_t n;
	char name[32];
	int rc = list_namespaces(ctx, &ns, &n);

	for (size_t i = 0; rc == 0 && i < n; i++) {
		snprintf(name, sizeof(name), "namespace%u.%u", ns[i].region, ns[i].id);
		rc = build_ns(ctx, name, out);
		if (rc == -ENOENT)
			rc = 0;
	}
	free(ns);
	return rc;
}

/* The namespace under a device node, by walking the namespaces. */
static int probe_node(struct tagdax_ctx *ctx, const char *node, struct tagdax_devlist *out)
{
	struct ns_top top;
	struct name_id *ns;
	size_t n;
	char name[32];
	int rc = list_namespaces(ctx, &ns, &n);

	for (size_t i = 0; rc == 0 && i < n; i++) {
		snprintf(name, sizeof(name), "namespace%u.%u", ns[i].region, ns[i].id);
		if (find_top(ctx, name, &top) == 0 && !strcmp(top.name, node)) {
			free(ns);
			return build_ns(ctx, name, out);
		}
	}
	free(ns);
	return rc ? rc : -ENOENT;
}

static int probe(struct tagdax_ctx *ctx, const char *devname, struct tagdax_devlist *out)
{
	struct name_id id;

	if (parse_kernel_name(devname, "namespace", &id))
		return build_ns(ctx, devname, out);
	if (!valid_name(devname))
		return -ENOENT;
	return probe_node(ctx, devname, out);
}

/* The kernel's mode names, in the words ndctl and users know. */
static const char *mode_name(const char *kernel)
{
	static const char *const names[][2] = {
		{ "memory", "fsdax" }, { "dax", "devdax" }, { "safe", "sector" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(kernel, names[i][0]))
			return names[i][1];
	return kernel;
}

static bool bound_to_kmem(struct tagdax_ctx *ctx, const char *name)
{
	char driver[64];

	return sysfs_dax_driver(ctx, name, driver, sizeof(driver)) == 0 &&
	       !strcmp(driver, "kmem");
}

/* Device-dax: its own size, alignment and start, which leave out the
 * namespace's metadata; kmem memory is online as system RAM, with no node to
 * map. */
static int load_dax(struct tagdax_dev *dev, const struct ns_top *top)
{
	uint64_t v;

	if (sysfs_read_u64(dev->ctx, &v, DAX_DEVICES "/%s/size", top->name) == 0)
		dev->size = v;
	if (sysfs_read_u64(dev->ctx, &v, DAX_DEVICES "/%s/align", top->name) == 0)
		dev->align = v;
	if (sysfs_read_u64(dev->ctx, &v, DAX_DEVICES "/%s/resource", top->name) == 0)
		dev->resource = v;
	if (bound_to_kmem(dev->ctx, top->name))
		return dev_set_str(&dev->mode, "kmem");
	/* mappers hold a shared lock on the node itself: whoever takes the
	 * device away can take it exclusively and know nobody maps it */
	return dev_set_str(&dev->lock_path, dev->path);
}

/* A block device's size is in 512-byte sectors, whatever its block size.
 * Byte 0 and the alignment: an fsdax pfn holder's, which skip its metadata;
 * a btt's sectors are not at any one address; raw starts where the namespace
 * does.  Raw and sector devices map by page. */
static void load_block(struct tagdax_dev *dev, const struct ns_top *top)
{
	uint64_t v;

	dev->align = (uint64_t)sysconf(_SC_PAGESIZE);
	if (top->holder) {
		dev->resource = UINT64_MAX;
		if (sysfs_read_u64(dev->ctx, &v, ND_DEVICES "/%s/resource", top->base) == 0)
			dev->resource = v;
		if (sysfs_read_u64(dev->ctx, &v, ND_DEVICES "/%s/align", top->base) == 0 && v)
			dev->align = v;
	}

	if (sysfs_read_u64(dev->ctx, &v, ND_DEVICES "/%s/block/%s/size", top->base, top->name) ==
		    0 &&
	    v <= UINT64_MAX / 512)
		dev->size = v * 512;
	if (sysfs_read_u64(dev->ctx, &v, ND_DEVICES "/%s/block/%s/ro", top->base, top->name) ==
		    0 &&
	    v)
		dev->flags |= TAGDAX_DEV_READONLY;
}

static int load_details(struct tagdax_dev *dev)
{
	struct tagdax_ctx *ctx = dev->ctx;
	const struct ns_top *top = dev->priv;
	const char *ns = dev->devname;
	char buf[32], region[32];
	struct name_id id;
	uint64_t v;
	int rc = 0;

	if (sysfs_read(ctx, buf, sizeof(buf), ND_DEVICES "/%s/mode", ns) > 0)
		rc = dev_set_str(&dev->mode, mode_name(buf));
	if (rc == 0 && parse_kernel_name(ns, "namespace", &id)) {
		snprintf(region, sizeof(region), "region%u", id.region);
		rc = dev_set_str(&dev->region, region);
	}
	if (sysfs_read_u64(ctx, &v, ND_DEVICES "/%s/resource", ns) == 0)
		dev->resource = v;
	if (sysfs_read_u64(ctx, &v, ND_DEVICES "/%s/target_node", ns) == 0 && v <= INT_MAX)
		dev->target_node = (int)v;
	/* The namespace's size, unless the device on top says better. */
	if (sysfs_read_u64(ctx, &v, ND_DEVICES "/%s/size", ns) == 0)
		dev->size = v;
	if (rc == 0 && top->dax)
		rc = load_dax(dev, top);
	else if (rc == 0)
		load_block(dev, top);
	if (rc || dev->size == 0)
		return rc ? rc : -ENODATA;
	rc = dev_add_extent(dev, 0, dev->size);
	if (rc == 0 && !(dev->mode && !strcmp(dev->mode, "kmem")))
		rc = dev_add_seg(dev, dev->path, 0, dev->size);
	return rc;
}

static void watch(struct tagdax_ctx *ctx, int fd)
{
	watch_dir(ctx, fd, ctx->sysfs_root, ND_DEVICES);
	watch_dir(ctx, fd, ctx->sysfs_root, DAX_DEVICES);
}

const struct tagdax_provider tagdax_provider_nd = {
	.name = "nd",
	.flags = PROVIDER_DEVNODE,
	.scan = scan,
	.probe = probe,
	.load_details = load_details,
	.watch = watch,
};
