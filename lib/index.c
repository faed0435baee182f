// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The runtime by-tag index: <run_dir>/by-tag/<tag> lists, one "provider
 * devname" line each, the devices last seen carrying the tag.  It is a cache
 * that makes resolve O(1): every entry is re-verified against its provider
 * before it is believed, and a miss falls back to a full scan.  Entries are
 * written by `tagdax udev-id` (on device events) and by a resolve that had
 * to scan.
 *
 * An entry is a symbolic link whose target is that text: one readlink() reads
 * it where a file would take open, read and close (the fast path's budget is
 * a few microseconds), and a new link renamed over the old one replaces it
 * atomically.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "private.h"

static int entry_path(struct tagdax_ctx *ctx, const struct tagdax_tag *tag, char *buf, size_t len)
{
	char text[TAGDAX_TAG_STRLEN];
	int n;

	tagdax_tag_unparse(tag, text);
	n = snprintf(buf, len, "%s/by-tag/%s", ctx->run_dir, text);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int parse_entries(char *text, struct index_entry *entries, unsigned int max)
{
	unsigned int count = 0;
	char *save = NULL;

	for (char *line = strtok_r(text, "\n", &save); line && count < max;
	     line = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(line, ' ');

		if (!sp || sp == line || (size_t)(sp - line) >= sizeof(entries->provider) ||
		    strlen(sp + 1) == 0 || strlen(sp + 1) >= sizeof(entries->devname) ||
		    strchr(sp + 1, ' '))
			continue; /* not ours: ignore rather than trust */
		memcpy(entries[count].provider, line, (size_t)(sp - line));
		entries[count].provider[sp - line] = '\0';
		strcpy(entries[count].devname, sp + 1);
		count++;
	}
	return (int)count;
}

int index_lookup(struct tagdax_ctx *ctx, const struct tagdax_tag *tag,
		 struct index_entry *entries, unsigned int max)
{
	int dirfd = ctx_dir_fd(ctx, &ctx->index_fd, ctx->run_dir, "by-tag");
	char name[TAGDAX_TAG_STRLEN], buf[INDEX_MAX_ENTRIES * 130];
	ssize_t n;

	if (dirfd < 0)
		return 0;
	tagdax_tag_unparse(tag, name);
	n = readlinkat(dirfd, name, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return parse_entries(buf, entries, max);
}

/*
 * Locks the index directory (creating it) for a read-modify-write: udev runs
 * helpers for several devices at once, and two that add to one tag's entry
 * must not each write back what they read without the other's line.
 * Returns the locked directory's fd, or a negative errno.
 */
static int index_lock(struct tagdax_ctx *ctx)
{
	char dir[4096];
	int fd;

	snprintf(dir, sizeof(dir), "%s", ctx->run_dir);
	mkdir(dir, 0755);
	if (snprintf(dir, sizeof(dir), "%s/by-tag", ctx->run_dir) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	mkdir(dir, 0755);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX) != 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	return fd;
}

/* With the index locked: replace the tag's entry with entries. */
static int write_entries(struct tagdax_ctx *ctx, const struct tagdax_tag *tag,
			 const struct index_entry *entries, unsigned int count)
{
	char path[4096], tmp[4200], text[INDEX_MAX_ENTRIES * 130];
	size_t len = 0;
	int rc = 0;

	if (entry_path(ctx, tag, path, sizeof(path)))
		return -ENAMETOOLONG;
	if (count == 0)
		return unlink(path) && errno != ENOENT ? -errno : 0;
	for (unsigned int i = 0; i < count; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%s%s %s", i ? "\n" : "",
					entries[i].provider, entries[i].devname);
	snprintf(tmp, sizeof(tmp), "%s.%d", path, (int)getpid());
	unlink(tmp);
	if (symlink(text, tmp) != 0)
		return -errno;
	if (rename(tmp, path) != 0) {
		rc = -errno;
		unlink(tmp);
	}
	return rc;
}

static int fill_entry(struct index_entry *e, const char *provider, const char *devname)
{
	if (strlen(provider) >= sizeof(e->provider) || strlen(devname) >= sizeof(e->devname) ||
	    strpbrk(devname, " \n"))
		return -EINVAL;
	strcpy(e->provider, provider);
	strcpy(e->devname, devname);
	return 0;
}

static bool has_entry(const struct index_entry *entries, int count, const char *provider,
		      const char *devname)
{
	for (int i = 0; i < count; i++)
		if (!strcmp(entries[i].provider, provider) && !strcmp(entries[i].devname, devname))
			return true;
	return false;
}

int index_store(struct tagdax_ctx *ctx, const struct tagdax_tag *tag, struct tagdax_dev *first)
{
	struct index_entry entries[INDEX_MAX_ENTRIES];
	int count = 0, lock, rc;

	for (struct tagdax_dev *d = first; d && count < INDEX_MAX_ENTRIES; d = d->next_same)
		if (d->prov->probe && !has_entry(entries, count, d->prov->name, d->devname) &&
		    !fill_entry(&entries[count], d->prov->name, d->devname))
			count++;
	lock = index_lock(ctx);
	if (lock < 0)
		return lock;
	rc = write_entries(ctx, tag, entries, (unsigned int)count);
	close(lock);
	return rc;
}

int index_add(struct tagdax_ctx *ctx, const struct tagdax_tag *tag, const char *provider,
	      const char *devname)
{
	struct index_entry entries[INDEX_MAX_ENTRIES];
	int count, lock, rc = 0;

	lock = index_lock(ctx);
	if (lock < 0)
		return lock;
	count = index_lookup(ctx, tag, entries, INDEX_MAX_ENTRIES - 1);
	if (!has_entry(entries, count, provider, devname)) {
		rc = fill_entry(&entries[count], provider, devname);
		if (rc == 0)
			rc = write_entries(ctx, tag, entries, (unsigned int)count + 1);
	}
	close(lock);
	return rc;
}
