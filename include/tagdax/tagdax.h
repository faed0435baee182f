/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libtagdax: find tagged memory capacity by its tag.
 *
 * A tag is a 16-byte UUID naming one allocation of memory (a CXL Dynamic
 * Capacity allocation, an NVDIMM namespace, a famfs file system, ...).
 * Providers enumerate what this host can see; the resolver maps a tag to the
 * one local device that carries it.
 *
 * Errors are negative errno values.  Objects returned by the library are
 * owned by the context and stay valid until tagdax_rescan() or the last
 * tagdax_unref() of the context; tagdax_dev_ref() keeps one longer.
 *
 * Memory stays flat however often a process asks: the context keeps one
 * object per device and returns it again while the device reads the same
 * (a device that changed gets a new object; the old one stays valid until
 * tagdax_rescan()).  It grows with the devices seen, not with the calls; a
 * process that sees an endless stream of devices calls tagdax_rescan() now
 * and then, holding what it still uses with tagdax_dev_ref().
 */
#ifndef TAGDAX_TAGDAX_H
#define TAGDAX_TAGDAX_H

#include <stdbool.h>
#include <stdint.h>
#include <stdarg.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct tagdax_ctx;
struct tagdax_dev;
struct tagdax_map;

/* A tag: 16 bytes, in the byte order of its canonical text form. */
struct tagdax_tag {
	uint8_t b[16];
};

#define TAGDAX_TAG_STRLEN 37 /* 36 characters and a NUL */

/* Context.  tagdax_new() fails with -EINVAL when TAGDAX_LOG is set to
 * something that is not a level (err, warning, notice, info, debug, 0-7). */
int tagdax_new(struct tagdax_ctx **ctx);
struct tagdax_ctx *tagdax_ref(struct tagdax_ctx *ctx);
struct tagdax_ctx *tagdax_unref(struct tagdax_ctx *ctx);

/* Logging: syslog priorities (LOG_ERR = 3 ... LOG_DEBUG = 7).  The default
 * is LOG_ERR, raised by TAGDAX_LOG=debug|info|notice|warning|err|<number>. */
typedef void (*tagdax_log_fn)(struct tagdax_ctx *ctx, int priority,
			      const char *file, int line, const char *fn,
			      const char *format, va_list args);
void tagdax_set_log_fn(struct tagdax_ctx *ctx, tagdax_log_fn fn);
int tagdax_get_log_priority(struct tagdax_ctx *ctx);
void tagdax_set_log_priority(struct tagdax_ctx *ctx, int priority);

/*
 * Roots.  Each defaults to its environment variable, then to the system path:
 *   sysfs root   TAGDAX_SYSFS_ROOT   "/sys"
 *   device root  TAGDAX_DEV_ROOT     "/dev"
 *   admin table  TAGDAX_CONFIG       "/etc/tagdax/tags.conf"
 *   runtime dir  TAGDAX_RUN_DIR      "/run/tagdax"   (the by-tag index)
 * Setting a root drops what was enumerated under the old one.
 */
int tagdax_set_sysfs_root(struct tagdax_ctx *ctx, const char *dir);
int tagdax_set_dev_root(struct tagdax_ctx *ctx, const char *dir);
int tagdax_set_config(struct tagdax_ctx *ctx, const char *file);
int tagdax_set_run_dir(struct tagdax_ctx *ctx, const char *dir);
const char *tagdax_get_sysfs_root(struct tagdax_ctx *ctx);
const char *tagdax_get_dev_root(struct tagdax_ctx *ctx);
const char *tagdax_get_config(struct tagdax_ctx *ctx);
const char *tagdax_get_run_dir(struct tagdax_ctx *ctx);

/*
 * The emulated fabric (docs/fabric.md): look through host `host`'s eyes in
 * the fabric directory `dir`, for this context only: the emu provider
 * enumerates DIR/hosts/HOST/devices and the run dir (the by-tag index)
 * becomes DIR/hosts/HOST/run (unless TAGDAX_RUN_DIR is set; call
 * tagdax_set_run_dir() after this to choose another).  Both NULL: back to
 * the default, TAGDAX_FABRIC and TAGDAX_HOST (the run dir stays).  -EINVAL
 * for one without the other, an empty dir, or a host name that cannot be
 * a fabric host ('/', a leading '.', longer than 32).  A relative dir is
 * taken under the current directory at this call and kept absolute, so a
 * later chdir(2) does not move the context's fabric.  Since LIBTAGDAX_1.3.
 */
int tagdax_set_fabric(struct tagdax_ctx *ctx, const char *dir, const char *host);
/* The host this context looks through (its own or TAGDAX_HOST), or NULL. */
const char *tagdax_get_fabric_host(struct tagdax_ctx *ctx);

/* Tags */
int tagdax_tag_parse(const char *text, struct tagdax_tag *tag); /* -EINVAL */
void tagdax_tag_unparse(const struct tagdax_tag *tag, char out[TAGDAX_TAG_STRLEN]);
bool tagdax_tag_is_null(const struct tagdax_tag *tag);
bool tagdax_tag_equal(const struct tagdax_tag *a, const struct tagdax_tag *b);

/* Providers: "cxl", "nd", "famfs", "table", ... in scan order. */
const char *tagdax_provider_get_name(unsigned int index); /* NULL past the end */

/*
 * Enumeration: lazy, on the first call.  Lists every tagged device of every
 * provider, including tags seen on extents that no device has claimed yet
 * (flag TAGDAX_DEV_UNCLAIMED, no path).
 */
struct tagdax_dev *tagdax_dev_get_first(struct tagdax_ctx *ctx);
struct tagdax_dev *tagdax_dev_get_next(struct tagdax_dev *dev);
#define tagdax_dev_foreach(ctx, dev) \
	for (dev = tagdax_dev_get_first(ctx); dev != NULL; dev = tagdax_dev_get_next(dev))

/* Forget everything enumerated or resolved; invalidates every tagdax_dev
 * but those a caller holds with tagdax_dev_ref(). */
void tagdax_rescan(struct tagdax_ctx *ctx);

/*
 * (LIBTAGDAX_1.2) Hold a device past tagdax_rescan() and the context's last
 * tagdax_unref(): the device then holds its context.  Every tagdax_dev_ref()
 * is matched by one tagdax_dev_unref(), which returns NULL once the caller's
 * last reference is gone (the object then belongs to the context again, or
 * is freed if the context let go of it meanwhile).  A held device keeps the
 * data it was returned with; tagdax_dev_get_next() and
 * tagdax_dev_get_next_same_tag() return NULL on one the context let go of.
 * tagdax_dev_unref() of a device the caller does not hold does nothing.
 */
struct tagdax_dev *tagdax_dev_ref(struct tagdax_dev *dev);
struct tagdax_dev *tagdax_dev_unref(struct tagdax_dev *dev);

/*
 * Resolve a tag to the one device that carries it.
 *   0        *dev is the device
 *  -ENOENT   no device carries the tag
 *  -ENOTUNIQ two or more different devices carry it; *dev is the first of
 *            them and tagdax_dev_get_next_same_tag() walks the others (as
 *            the latest resolve of that tag found them)
 *  -ENODEV   the tag is on extents no device has claimed yet; *dev is the
 *            unclaimed entry (see tagdax_claim())
 * The fast path reads the by-tag index and re-verifies the device before it
 * answers; on a miss it falls back to a full provider scan.
 */
int tagdax_resolve(struct tagdax_ctx *ctx, const struct tagdax_tag *tag,
		   struct tagdax_dev **dev);
struct tagdax_dev *tagdax_dev_get_next_same_tag(struct tagdax_dev *dev);

/*
 * (LIBTAGDAX_1.3) Why the latest resolve, wait or enumeration found tag on no
 * usable device although something carries it: a sentence naming the device
 * and what keeps it from use (an ivshmem window whose BAR the guest left
 * unassigned, an incomplete set of windows), or NULL when nothing was seen.
 * Valid until the next resolve, wait, rescan or context change.
 */
const char *tagdax_get_missing_reason(struct tagdax_ctx *ctx, const struct tagdax_tag *tag);

/* Like tagdax_resolve(), blocking until the tag can be resolved or timeout_ms
 * passes (-1 waits forever).  On timeout: -ETIMEDOUT, or -ENODEV (and *dev)
 * if by then the tag is on extents that no device has claimed. */
int tagdax_wait(struct tagdax_ctx *ctx, const struct tagdax_tag *tag,
		int timeout_ms, struct tagdax_dev **dev);

/*
 * Identify one device node ("dax0.1", as udev names it): fills devs with up to
 * max tagged devices it carries (a famfs device carries two tags) and records
 * them in the by-tag index.  Returns the number found.
 */
int tagdax_identify(struct tagdax_ctx *ctx, const char *devname,
		    struct tagdax_dev **devs, unsigned int max);

/* Claim unclaimed tagged extents into a device (cxl provider's ABI). */
int tagdax_claim(struct tagdax_ctx *ctx, const struct tagdax_tag *tag,
		 struct tagdax_dev **dev);

/* Device getters */
enum tagdax_dev_flags {
	TAGDAX_DEV_SHARABLE = 1u << 0,
	TAGDAX_DEV_READONLY = 1u << 1,
	TAGDAX_DEV_UNCLAIMED = 1u << 2,
};

struct tagdax_ctx *tagdax_dev_get_ctx(struct tagdax_dev *dev);
const struct tagdax_tag *tagdax_dev_get_tag(struct tagdax_dev *dev);
const char *tagdax_dev_get_provider(struct tagdax_dev *dev);
const char *tagdax_dev_get_devname(struct tagdax_dev *dev); /* "dax0.1", a table line's name, ... */
const char *tagdax_dev_get_path(struct tagdax_dev *dev);    /* NULL when unclaimed */
uint64_t tagdax_dev_get_offset(struct tagdax_dev *dev);
uint64_t tagdax_dev_get_size(struct tagdax_dev *dev);
uint64_t tagdax_dev_get_align(struct tagdax_dev *dev);
unsigned int tagdax_dev_get_flags(struct tagdax_dev *dev);
const char *tagdax_dev_get_region(struct tagdax_dev *dev);  /* "dax_region0" or NULL */
const char *tagdax_dev_get_mode(struct tagdax_dev *dev);    /* "devdax", "kmem", "fsdax", ... or NULL */
int tagdax_dev_get_target_node(struct tagdax_dev *dev);     /* -1 if unknown */
uint64_t tagdax_dev_get_resource(struct tagdax_dev *dev);   /* UINT64_MAX if unknown */

/* Extents behind a device, in the provider's address space (DPA-relative
 * offsets for CXL, file offsets for others). */
unsigned int tagdax_dev_get_extent_count(struct tagdax_dev *dev);
int tagdax_dev_get_extent(struct tagdax_dev *dev, unsigned int index,
			  uint64_t *start, uint64_t *length);

/*
 * The pieces a device's memory is made of, in device order: bytes
 * [offset, offset+length) of path each.  Most devices are one piece; an
 * allocation of non-contiguous extents (or a guest's windows) is several,
 * which is why path/offset/size alone cannot describe it.  tagdax_map() lays
 * them out in this order.  Returns -ERANGE past the last piece.
 */
unsigned int tagdax_dev_get_segment_count(struct tagdax_dev *dev);
int tagdax_dev_get_segment(struct tagdax_dev *dev, unsigned int index, const char **path,
			   uint64_t *offset, uint64_t *length);

/*
 * Map a tagged device: one contiguous shared mapping of its whole size, its
 * pieces laid out in order, aligned to the device's alignment.
 */
enum tagdax_map_flags {
	TAGDAX_MAP_READONLY = 1u << 0,
};
int tagdax_map(struct tagdax_dev *dev, unsigned int flags, struct tagdax_map **map);
void *tagdax_map_get_addr(struct tagdax_map *map);
size_t tagdax_map_get_size(struct tagdax_map *map);
void tagdax_unmap(struct tagdax_map *map);

/*
 * Hold a device without mapping it, for memory someone else maps (a program
 * given its path, a VM): returns a file descriptor carrying the device's
 * in-use lock (the one tagdax_map() holds), which every process sharing that
 * descriptor (fork, exec) keeps until the last of them closes it.  It is
 * close-on-exec unless flags has TAGDAX_HOLD_INHERIT.  -ENODATA when the
 * device's provider has no in-use lock (there is nothing to hold: its owner
 * cannot take it away); -EBUSY while its owner is taking it away, or
 * releasing it (a release waits for the holders it has, not new ones); -ENOENT
 * once it is gone.
 */
enum tagdax_hold_flags {
	TAGDAX_HOLD_INHERIT = 1u << 0,
};
int tagdax_hold(struct tagdax_dev *dev, unsigned int flags);
/* The file tagdax_map() and tagdax_hold() lock, or NULL if the device has none. */
const char *tagdax_dev_get_lock_path(struct tagdax_dev *dev);

#ifdef __cplusplus
}
#endif

#endif /* TAGDAX_TAGDAX_H */
