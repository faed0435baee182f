/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* libtagdax internals: the context, the device object, the provider interface. */
#ifndef TAGDAX_PRIVATE_H
#define TAGDAX_PRIVATE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>

#include <tagdax/tagdax.h>

#define TAGDAX_EXPORT __attribute__((visibility("default")))

struct tagdax_provider;

/* One piece of a device's memory: bytes [offset, offset+length) of path. */
struct tagdax_seg {
	char *path;
	uint64_t offset;
	uint64_t length;
};

struct tagdax_extent {
	uint64_t start;
	uint64_t length;
};

struct tagdax_dev {
	struct tagdax_ctx *ctx;
	struct tagdax_dev *next;      /* enumeration list, or resolved list */
	struct tagdax_dev *next_same; /* other devices with this tag (ambiguity) */
	const struct tagdax_provider *prov;
	struct tagdax_tag tag;
	char *devname;
	char *path;
	uint64_t offset;
	uint64_t size;
	uint64_t align;
	unsigned int flags;
	char *region;
	char *mode;
	int target_node;
	uint64_t resource;
	struct tagdax_seg *segs; /* what map() lays out, in order */
	unsigned int nsegs;
	struct tagdax_extent *extents;
	unsigned int nextents;
	bool details_loaded;
	/* Optional: a file tagdax_map() holds a shared flock(2) on while the
	 * device is mapped, so its owner can tell whether it is in use. */
	char *lock_path;
	void *priv; /* provider's own, freed with free() */
	/* Lifetime: the context owns the object until tagdax_rescan() or its
	 * last unref; tagdax_dev_ref() references (each also holding the
	 * context) keep it past that.  detached: the context let go of it. */
	int refcount;
	bool detached;
	struct tagdax_dev *hnext; /* devcache bucket chain */
};

/* A growing list of devices a scan produces. */
struct tagdax_devlist {
	struct tagdax_dev *head;
	struct tagdax_dev **tail;
	unsigned int count;
};

/*
 * The devices resolve and identify have handed out: one object per device
 * (provider, tag, devname, path, offset), returned again while the device
 * reads the same, so that a caller asking a million times holds one object,
 * not a million.  A device that changed gets a new object; the old one is
 * retired, still valid, until tagdax_rescan().
 */
struct devcache {
	struct tagdax_dev **buckets;
	unsigned int nbuckets;
	unsigned int count;
	struct tagdax_devlist retired;
};

enum provider_flags {
	/* probe() accepts a device-node name ("dax0.1"), as a by-tag link names */
	PROVIDER_DEVNODE = 1u << 0,
};

struct tagdax_provider {
	const char *name;
	unsigned int flags;
	/* Append every tagged device this provider sees.  Per-device trouble is
	 * logged at debug and skipped; only fatal errors are returned. */
	int (*scan)(struct tagdax_ctx *ctx, struct tagdax_devlist *out);
	/* Optional: build the device(s) named devname (as recorded in the by-tag
	 * index) from the source of truth, appending to out.  -ENOENT if gone. */
	int (*probe)(struct tagdax_ctx *ctx, const char *devname, struct tagdax_devlist *out);
	/* Optional, for providers no device event announces (the admin table):
	 * append what carries tag, cheaply.  The fast path asks these too, so a
	 * duplicate of an indexed device is never missed. */
	int (*probe_tag)(struct tagdax_ctx *ctx, const struct tagdax_tag *tag,
			 struct tagdax_devlist *out);
	/* Optional: fill the slow attributes (size, align, extents, ...) that
	 * probe() left out.  Called once, on the first getter that needs them. */
	int (*load_details)(struct tagdax_dev *dev);
	/* Optional: add inotify watches on what signals a change (for wait). */
	void (*watch)(struct tagdax_ctx *ctx, int inotify_fd);
	/* Optional: claim unclaimed capacity carrying tag. */
	int (*claim)(struct tagdax_ctx *ctx, const struct tagdax_tag *tag);
};

/* The registry: providers.c.  Adding a provider = one file + one line there. */
extern const struct tagdax_provider *const tagdax_providers[];
const struct tagdax_provider *tagdax_provider_find(const char *name);

/* The emulated fabric and host the context looks through: its own
 * (tagdax_set_fabric) or the environment's; NULL when none. */
const char *ctx_fabric_dir(const struct tagdax_ctx *ctx);
const char *ctx_fabric_host(const struct tagdax_ctx *ctx);

/* Context internals used across files */
struct tagdax_ctx {
	int refcount;
	tagdax_log_fn log_fn;
	int log_priority;
	char *sysfs_root;
	char *dev_root;
	char *config;
	char *run_dir;
	/* The emulated host this context looks through (tagdax_set_fabric);
	 * NULL: TAGDAX_FABRIC / TAGDAX_HOST. */
	char *fabric_dir;
	char *fabric_host;
	/* O_PATH handles on the sysfs root and <run_dir>/by-tag, opened on first
	 * use and dropped by a root change or tagdax_rescan(): the fast path then
	 * walks one or two path components, not the whole root (-1: not open). */
	int sysfs_fd;
	int index_fd; /* -2: refused as unsafe (logged once) */
	/* The by-tag index's key of the roots (index.c), cached with a hash of
	 * the roots as spelled so that realpath() runs only when they change. */
	uint64_t roots_key;
	uint64_t roots_raw;
	bool roots_key_ok;
	/* tagdax_wait()'s inotify instance, kept for the context's life: closing
	 * one costs milliseconds (the kernel waits for an RCU grace period). */
	int inotify_fd;
	bool enumerated;
	struct tagdax_devlist devs;     /* full enumeration */
	struct tag_note *notes;         /* why a tag's carrier is unusable */
	struct devcache cache;          /* what resolve and identify returned */
};

void tagdax_log(struct tagdax_ctx *ctx, int priority, const char *file, int line,
		const char *fn, const char *format, ...)
	__attribute__((format(printf, 6, 7)));

#define tagdax_log_cond(ctx, prio, ...)                                              \
	do {                                                                         \
		if ((ctx) && tagdax_get_log_priority(ctx) >= (prio))                 \
			tagdax_log(ctx, prio, __FILE__, __LINE__, __func__, __VA_ARGS__); \
	} while (0)

#define dbg(ctx, ...) tagdax_log_cond(ctx, LOG_DEBUG, __VA_ARGS__)
#define info(ctx, ...) tagdax_log_cond(ctx, LOG_INFO, __VA_ARGS__)
#define notice(ctx, ...) tagdax_log_cond(ctx, LOG_NOTICE, __VA_ARGS__)
#define warn(ctx, ...) tagdax_log_cond(ctx, LOG_WARNING, __VA_ARGS__)
#define err(ctx, ...) tagdax_log_cond(ctx, LOG_ERR, __VA_ARGS__)

/* dev.c */
struct tagdax_dev *dev_new(struct tagdax_ctx *ctx, const struct tagdax_provider *prov,
			   const struct tagdax_tag *tag, const char *devname, const char *path);
void dev_free(struct tagdax_dev *dev);
int dev_add_seg(struct tagdax_dev *dev, const char *path, uint64_t offset, uint64_t length);
int dev_add_extent(struct tagdax_dev *dev, uint64_t start, uint64_t length);
int dev_set_str(char **field, const char *value);
/* "sharable,readonly" (split on any of seps, in place) into TAGDAX_DEV_* flags. */
int dev_parse_flags(char *text, const char *seps, unsigned int *flags);
void devlist_init(struct tagdax_devlist *list);
void devlist_append(struct tagdax_devlist *list, struct tagdax_dev *dev);
/* Frees the list's devices; one a caller still references is only detached. */
void devlist_free(struct tagdax_devlist *list);
/* The cached object for fresh's device: fresh itself (now cached), or the
 * object already cached for it (fresh is freed).  Never fails. */
struct tagdax_dev *devcache_adopt(struct tagdax_ctx *ctx, struct tagdax_dev *fresh);
void devcache_clear(struct tagdax_ctx *ctx);

/* A provider saw a device carrying tag that cannot be used, and says why
 * (tagdax_get_missing_reason()); the first note of a tag is kept.  Notes are
 * dropped when a resolve, wait or rescan starts over. */
struct tag_note {
	struct tag_note *next;
	struct tagdax_tag tag;
	char text[];
};
void ctx_note(struct tagdax_ctx *ctx, const struct tagdax_tag *tag, const char *format, ...)
	__attribute__((format(printf, 3, 4)));
void ctx_notes_clear(struct tagdax_ctx *ctx);

/* sysfs.c: small, careful readers of attribute files.  Paths are relative to
 * the context's sysfs root ("bus/dax/devices/dax0.0/uuid"). */
int sysfs_read(struct tagdax_ctx *ctx, char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int sysfs_read_u64(struct tagdax_ctx *ctx, uint64_t *val, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int sysfs_read_tag(struct tagdax_ctx *ctx, struct tagdax_tag *tag, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int sysfs_write(struct tagdax_ctx *ctx, const char *value, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* <sysfs root>/<printf-formatted relative path> into buf. */
int sysfs_path(struct tagdax_ctx *ctx, char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int sysfs_vpath(struct tagdax_ctx *ctx, char *buf, size_t len, const char *fmt, va_list ap);
/* The driver a dax device is bound to ("device_dax", "kmem"); -ENOENT if none. */
int sysfs_dax_driver(struct tagdax_ctx *ctx, const char *devname, char *buf, size_t len);
int parse_u64(const char *text, uint64_t *val); /* decimal or 0x hex, whole string */

/* Kernel device names, "<prefix>X.Y" ("dax0.1", "namespace3.0"): the
 * numbers have no sign and no leading zeros, so they print back to exactly
 * the name they came from, and anything else is refused, so that no name
 * taken from a listing, the index or udev can point outside its bus. */
struct name_id {
	unsigned int region;
	unsigned int id;
};
/* A plain decimal at s; returns its end, or NULL. */
const char *parse_kernel_number(const char *s, unsigned int *v);
bool parse_kernel_name(const char *name, const char *prefix, struct name_id *id);
int name_id_cmp(const void *a, const void *b); /* for qsort: by X, then Y */
int parse_size(const char *text, uint64_t *val); /* parse_u64 plus K/M/G/T suffixes */
/* Adds an inotify watch on root/rel (for directories that may not exist yet,
 * on the nearest existing parent).  Errors are ignored: wait re-scans anyway. */
void watch_dir(struct tagdax_ctx *ctx, int inotify_fd, const char *root, const char *rel);
/* The cached handle of a root directory (see struct tagdax_ctx), or -1. */
int ctx_dir_fd(struct tagdax_ctx *ctx, int *fd, const char *root, const char *rel);
void ctx_close_dirs(struct tagdax_ctx *ctx);
/* Joins root and a relative path into a malloc'ed string. */
char *path_join(const char *root, const char *rel);

/* index.c: the runtime by-tag index, <run_dir>/by-tag/<tag>, one
 * "provider devname" line per device known to carry the tag. */
struct index_entry {
	char provider[16];
	char devname[112];
};
#define INDEX_MAX_ENTRIES 8
/* Returns the number of entries read (0 when there is no entry). */
int index_lookup(struct tagdax_ctx *ctx, const struct tagdax_tag *tag,
		 struct index_entry *entries, unsigned int max);
/* Replaces the tag's entry with the devices of list (a next_same chain). */
int index_store(struct tagdax_ctx *ctx, const struct tagdax_tag *tag,
		struct tagdax_dev *first);
/* Adds one device to the tag's entry, keeping the others. */
int index_add(struct tagdax_ctx *ctx, const struct tagdax_tag *tag,
	      const char *provider, const char *devname);

/* resolve.c */
int ctx_enumerate(struct tagdax_ctx *ctx);
int dev_load_details(struct tagdax_dev *dev);
bool dev_still_same(struct tagdax_dev *dev);

#endif /* TAGDAX_PRIVATE_H */
