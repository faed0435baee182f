// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Waiting for a tag to appear.  Event-driven where the platform gives events:
 * a udev monitor for dax/nd devices on a live /sys (or, built without
 * libudev, the kernel's uevents), inotify on the by-tag index and links and
 * on whatever each provider watches.  Because sysfs does
 * not emit inotify events and events can be missed, a bounded re-scan
 * (50 ms doubling to 1 s) backs them up.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_LIBUDEV
#include <libudev.h>
#else
#include <linux/netlink.h>
#include <sys/socket.h>
#endif

#include "private.h"

#define RESCAN_MIN_MS 50
#define RESCAN_MAX_MS 1000

void watch_dir(struct tagdax_ctx *ctx, int fd, const char *root, const char *rel)
{
	const uint32_t mask = IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_CLOSE_WRITE |
			      IN_ATTRIB | IN_ONLYDIR;
	char *path = path_join(root, rel);

	if (!path)
		return;
	/* Walk up to the nearest directory that exists, so that a by-tag
	 * directory created later still wakes us. */
	while (inotify_add_watch(fd, path, mask) < 0) {
		char *slash = strrchr(path, '/');

		if (!slash || slash == path)
			break;
		*slash = '\0';
	}
	dbg(ctx, "watching %s\n", path);
	free(path);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void drain(int fd)
{
	char buf[4096];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

#ifdef HAVE_LIBUDEV
struct udev_watch {
	struct udev *udev;
	struct udev_monitor *mon;
};

static int udev_watch_open(struct tagdax_ctx *ctx, struct udev_watch *w)
{
	w->udev = NULL;
	w->mon = NULL;
	if (strcmp(ctx->sysfs_root, "/sys") != 0)
		return -1; /* a fake tree: no kernel events for it */
	w->udev = udev_new();
	if (!w->udev)
		return -1;
	w->mon = udev_monitor_new_from_netlink(w->udev, "udev");
	if (!w->mon || udev_monitor_filter_add_match_subsystem_devtype(w->mon, "dax", NULL) ||
	    udev_monitor_filter_add_match_subsystem_devtype(w->mon, "nd", NULL) ||
	    udev_monitor_enable_receiving(w->mon)) {
		udev_monitor_unref(w->mon);
		udev_unref(w->udev);
		w->mon = NULL;
		return -1;
	}
	return udev_monitor_get_fd(w->mon);
}

static void udev_watch_drain(struct udev_watch *w)
{
	struct udev_device *d;

	while (w->mon && (d = udev_monitor_receive_device(w->mon)))
		udev_device_unref(d);
}

static void udev_watch_close(struct udev_watch *w)
{
	udev_monitor_unref(w->mon);
	udev_unref(w->udev);
}
#else
/* No libudev (a static guest binary): listen to the kernel's own uevents,
 * which is all a guest without udev has. */
struct udev_watch {
	int fd;
};

static int udev_watch_open(struct tagdax_ctx *ctx, struct udev_watch *w)
{
	struct sockaddr_nl addr = { .nl_family = AF_NETLINK, .nl_groups = 1 };

	w->fd = -1;
	if (strcmp(ctx->sysfs_root, "/sys") != 0)
		return -1;
	w->fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		       NETLINK_KOBJECT_UEVENT);
	if (w->fd >= 0 && bind(w->fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
		close(w->fd);
		w->fd = -1;
	}
	return w->fd;
}

static void udev_watch_drain(struct udev_watch *w)
{
	drain(w->fd);
}

static void udev_watch_close(struct udev_watch *w)
{
	close(w->fd);
}
#endif

/* One look: -EAGAIN while the tag is absent or on unclaimed extents (then
 * *unclaimed is set, so that a timeout can say so). */
static int try_resolve(struct tagdax_ctx *ctx, const struct tagdax_tag *tag,
		       struct tagdax_dev **dev, bool *unclaimed)
{
	int rc = tagdax_resolve(ctx, tag, dev);

	/* Each try costs no memory: the context keeps one object per device. */
	if (rc == -ENOENT || rc == -ENODEV) {
		*unclaimed = rc == -ENODEV;
		*dev = NULL;
		return -EAGAIN;
	}
	return rc;
}

/* The context's inotify instance with every watch in place, emptied of
 * events that are already old; -1 if inotify is unavailable. */
static int watches(struct tagdax_ctx *ctx)
{
	if (ctx->inotify_fd < 0) {
		ctx->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (ctx->inotify_fd < 0)
			return -1;
	}
	/* Re-adding a watch only updates it, so this also picks up directories
	 * that did not exist at the last wait. */
	watch_dir(ctx, ctx->inotify_fd, ctx->run_dir, "by-tag");
	watch_dir(ctx, ctx->inotify_fd, ctx->dev_root, "dax/by-tag");
	for (unsigned int i = 0; tagdax_providers[i]; i++)
		if (tagdax_providers[i]->watch)
			tagdax_providers[i]->watch(ctx, ctx->inotify_fd);
	drain(ctx->inotify_fd);
	return ctx->inotify_fd;
}

TAGDAX_EXPORT int tagdax_wait(struct tagdax_ctx *ctx, const struct tagdax_tag *tag,
			      int timeout_ms, struct tagdax_dev **dev)
{
	int64_t deadline = timeout_ms < 0 ? INT64_MAX : now_ms() + timeout_ms;
	int interval = RESCAN_MIN_MS;
	bool unclaimed = false;
	struct udev_watch uw;
	struct pollfd fds[2];
	int rc;

	rc = try_resolve(ctx, tag, dev, &unclaimed);
	if (rc != -EAGAIN)
		return rc;
	/* Watch, then look again: what appears in between still wakes us. */
	fds[0].fd = watches(ctx);
	fds[0].events = POLLIN;
	fds[1].fd = udev_watch_open(ctx, &uw);
	fds[1].events = POLLIN;
	rc = try_resolve(ctx, tag, dev, &unclaimed);
	while (rc == -EAGAIN) {
		int64_t left = deadline - now_ms();

		if (left <= 0) {
			/* the caller learns why: absent, or there but unclaimed */
			rc = unclaimed ? tagdax_resolve(ctx, tag, dev) : -ETIMEDOUT;
			break;
		}
		if (poll(fds, 2, (int)(left < interval ? left : interval)) > 0) {
			if (fds[0].revents)
				drain(fds[0].fd);
			if (fds[1].revents)
				udev_watch_drain(&uw);
		} else if (interval < RESCAN_MAX_MS) {
			interval *= 2;
		}
		rc = try_resolve(ctx, tag, dev, &unclaimed);
	}
	if (fds[1].fd >= 0)
		udev_watch_close(&uw);
	return rc;
}
