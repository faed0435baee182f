// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * One contiguous shared mapping of a tagged device.  A device may be made of
 * several pieces (non-contiguous extents, several guest windows); we reserve
 * one aligned range of address space and map each piece into it in order, as
 * the kernel does for a dax device built from several extents.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "private.h"

struct tagdax_map {
	void *addr;       /* what the caller sees */
	size_t size;
	void *reserved;   /* the whole reservation, alignment slack included */
	size_t reserved_size;
	int lock_fd;      /* holds a shared lock on the device's lock_path, or -1 */
};

/* A release waits for the device's holders and takes no new ones: its
 * owner marks it with an open file description lock on byte 0 of the lock
 * file (fabric/agent/agent-dev.c, dev_drain()), which flock() ignores. */
static bool draining(int fd)
{
	struct flock fl = { .l_type = F_RDLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1 };

	return fcntl(fd, F_OFD_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
}

/*
 * Marks the device in use for as long as the mapping lives (see lock_path).
 * Its owner holds the lock exclusively while it takes the device away, and
 * unlinks the file once gone: either means the device is not ours to map.
 * Returns the fd holding the lock (-1 when the device has none); *rc is 0,
 * or the reason the device may not be mapped now.
 */
static int hold_in_use_lock(struct tagdax_dev *dev, int cloexec, int *rc)
{
	struct stat st;
	int fd;

	*rc = 0;
	dev_load_details(dev); /* some providers name the lock with the details */
	if (!dev->lock_path)
		return -1;
	fd = open(dev->lock_path, O_RDONLY | cloexec | O_NONBLOCK);
	if (fd < 0) {
		*rc = -ENOENT;
	} else if (flock(fd, LOCK_SH | LOCK_NB) != 0 || draining(fd)) {
		*rc = -EBUSY;
	} else if (fstat(fd, &st) != 0 || st.st_nlink == 0) {
		*rc = -ENOENT; /* locked a file that was unlinked meanwhile */
	} else if (!dev_still_same(dev)) {
		*rc = -ENOENT; /* its name now stands for other capacity */
	}
	if (*rc) {
		dbg(dev->ctx, "%s: cannot hold %s: %s\n", dev->devname, dev->lock_path,
		    strerror(-*rc));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Reserve size bytes of address space aligned to align. */
static void *reserve(size_t size, size_t align, void **base, size_t *base_size)
{
	size_t total = size + align;
	uint8_t *p = mmap(NULL, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	uintptr_t start;

	if (p == MAP_FAILED)
		return NULL;
	start = ((uintptr_t)p + align - 1) & ~(uintptr_t)(align - 1);
	*base = p;
	*base_size = total;
	return (void *)start;
}

static int map_seg(const struct tagdax_seg *seg, uint8_t *at, int prot)
{
	int fd = open(seg->path, (prot & PROT_WRITE ? O_RDWR : O_RDONLY) | O_CLOEXEC);
	void *p;
	int rc = 0;

	if (fd < 0)
		return -errno;
	p = mmap(at, seg->length, prot, MAP_SHARED | MAP_FIXED, fd, (off_t)seg->offset);
	if (p == MAP_FAILED)
		rc = -errno;
	close(fd);
	return rc;
}

static int check_layout(struct tagdax_dev *dev, uint64_t *total)
{
	long page = sysconf(_SC_PAGESIZE);

	*total = 0;
	if (!dev->path || dev->nsegs == 0)
		return -ENODEV;
	for (unsigned int i = 0; i < dev->nsegs; i++) {
		const struct tagdax_seg *s = &dev->segs[i];

		if (s->length == 0 || s->offset % (uint64_t)page || s->length % (uint64_t)page ||
		    s->length > SIZE_MAX - *total)
			return -EINVAL;
		*total += s->length;
	}
	return 0;
}

TAGDAX_EXPORT int tagdax_map(struct tagdax_dev *dev, unsigned int flags, struct tagdax_map **out)
{
	int prot = PROT_READ | (flags & TAGDAX_MAP_READONLY ? 0 : PROT_WRITE);
	struct tagdax_map *map;
	uint64_t total, align;
	uint8_t *at;
	int rc;

	*out = NULL;
	dev_load_details(dev);
	rc = check_layout(dev, &total);
	if (rc) {
		dbg(dev->ctx, "%s: cannot be mapped: %s\n", dev->devname, strerror(-rc));
		return rc;
	}
	if ((dev->flags & TAGDAX_DEV_READONLY) && (prot & PROT_WRITE))
		return -EROFS;
	align = dev->align ? dev->align : (uint64_t)sysconf(_SC_PAGESIZE);
	if (align & (align - 1))
		return -EINVAL;
	map = calloc(1, sizeof(*map));
	if (!map)
		return -ENOMEM;
	map->size = (size_t)total;
	map->lock_fd = hold_in_use_lock(dev, O_CLOEXEC, &rc);
	if (rc) {
		free(map);
		return rc;
	}
	map->addr = reserve(map->size, (size_t)align, &map->reserved, &map->reserved_size);
	if (!map->addr) {
		if (map->lock_fd >= 0)
			close(map->lock_fd);
		free(map);
		return -ENOMEM;
	}
	at = map->addr;
	for (unsigned int i = 0; i < dev->nsegs; i++) {
		rc = map_seg(&dev->segs[i], at, prot);
		if (rc) {
			dbg(dev->ctx, "%s: map %s: %s\n", dev->devname, dev->segs[i].path,
			    strerror(-rc));
			tagdax_unmap(map);
			return rc;
		}
		at += dev->segs[i].length;
	}
	*out = map;
	return 0;
}

TAGDAX_EXPORT void *tagdax_map_get_addr(struct tagdax_map *map)
{
	return map->addr;
}

TAGDAX_EXPORT size_t tagdax_map_get_size(struct tagdax_map *map)
{
	return map->size;
}

TAGDAX_EXPORT void tagdax_unmap(struct tagdax_map *map)
{
	if (!map)
		return;
	munmap(map->reserved, map->reserved_size);
	if (map->lock_fd >= 0)
		close(map->lock_fd);
	free(map);
}

TAGDAX_EXPORT int tagdax_hold(struct tagdax_dev *dev, unsigned int flags)
{
	int rc, fd = hold_in_use_lock(dev, flags & TAGDAX_HOLD_INHERIT ? 0 : O_CLOEXEC, &rc);

	if (rc)
		return rc;
	return fd >= 0 ? fd : -ENODATA;
}

TAGDAX_EXPORT const char *tagdax_dev_get_lock_path(struct tagdax_dev *dev)
{
	dev_load_details(dev);
	return dev->lock_path;
}
