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
 *
 * Verification proves that a listed device still carries the tag, not that
 * no other device does: an entry is complete only for the tree it was built
 * from.  So its first line, "roots KEY", names the roots it was built from
 * (a hash of the canonical sysfs and device roots and of the emulated
 * fabric and host), and an entry made under other roots is a miss.  The
 * admin table is not in the key: the fast path re-reads it anyway.
 *
 * The index directory is written only if nobody else can write to it, and
 * never through a symbolic link planted in place of by-tag.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "private.h"

#define ENTRY_TEXT_MAX (INDEX_MAX_ENTRIES * 130 + 32)

static uint64_t fnv1a(uint64_t h, const char *s)
{
	/* the NUL too, so that ("ab", "c") and ("a", "bc") differ */
	do {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	} while (*s++);
	return h;
}

/* The first npaths roots are paths, canonicalised when canonical is set (a
 * root that does not exist hashes as spelled); the others are names. */
static uint64_t hash_roots(const char *const *roots, unsigned int n, unsigned int npaths,
			   bool canonical)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (unsigned int i = 0; i < n; i++) {
		const char *r = roots[i] ? roots[i] : "";
		char *real = canonical && i < npaths && *r ? realpath(r, NULL) : NULL;

		h = fnv1a(h, real ? real : r);
		free(real);
	}
	return h;
}

/* The key of the roots this context resolves under.  realpath() runs only
 * when a root changed (or is relative, since the working directory may
 * have), not on every lookup. */
static uint64_t roots_key(struct tagdax_ctx *ctx)
{
	const char *roots[] = { ctx->sysfs_root, ctx->dev_root, ctx_fabric_dir(ctx),
				ctx_fabric_host(ctx) };
	uint64_t raw = hash_roots(roots, 4, 3, false);
	bool relative = false;

	for (unsigned int i = 0; i < 3; i++)
		relative |= roots[i] && *roots[i] && roots[i][0] != '/';
	if (!ctx->roots_key_ok || raw != ctx->roots_raw || relative) {
		ctx->roots_key = hash_roots(roots, 4, 3, true);
		ctx->roots_raw = raw;
		ctx->roots_key_ok = true;
	}
	return ctx->roots_key;
}

/* A directory of the index is safe when it is a real directory (not a
 * symbolic link: fd was opened with O_NOFOLLOW) that only we, or root, own
 * and only its owner can write to. */
static int check_safe_dir(struct tagdax_ctx *ctx, int fd, const char *what)
{
	struct stat st;

	if (fstat(fd, &st) != 0)
		return -errno;
	if (!S_ISDIR(st.st_mode) || (st.st_uid != 0 && st.st_uid != geteuid()) ||
	    (st.st_mode & (S_IWGRP | S_IWOTH))) {
		err(ctx, "%s/%s: owned by uid %u with mode %04o: another user could write "
			 "there; the by-tag index is not used\n", ctx->run_dir, what,
		    (unsigned int)st.st_uid, (unsigned int)(st.st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

/* Opens <run_dir>/by-tag (creating both when create is set) as an fd of
 * flags, refusing a planted symlink or a directory others can write to. */
static int open_index_dir(struct tagdax_ctx *ctx, int flags, bool create)
{
	int run, fd, rc;

	if (create)
		mkdir(ctx->run_dir, 0755);
	run = open(ctx->run_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (run < 0)
		return -errno;
	rc = check_safe_dir(ctx, run, ".");
	if (rc == 0 && create)
		mkdirat(run, "by-tag", 0755);
	fd = rc ? -1 : openat(run, "by-tag", flags | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (rc == 0 && fd < 0) {
		rc = -errno;
		if (rc == -ELOOP || rc == -ENOTDIR)
			err(ctx, "%s/by-tag is not a directory (a symbolic link?); the by-tag "
				 "index is not used\n", ctx->run_dir);
	}
	if (rc == 0)
		rc = check_safe_dir(ctx, fd, "by-tag");
	close(run);
	if (rc && fd >= 0)
		close(fd);
	return rc ? rc : fd;
}

/* The index directory for reading, opened once per context (see
 * ctx_dir_fd()); -1 when absent or unsafe. */
static int index_dir_fd(struct tagdax_ctx *ctx)
{
	if (ctx->index_fd == -1) {
		int fd = open_index_dir(ctx, O_PATH, false);

		/* -2: refused, and said so; not retried until a rescan */
		ctx->index_fd = fd >= 0 ? fd : fd == -ENOENT ? -1 : -2;
	}
	return ctx->index_fd;
}

/* The text after a "roots KEY" first line that matches this context's roots,
 * or NULL: an entry built under other roots (or by an older libtagdax,
 * which wrote none) answers nothing here. */
static char *entry_body(struct tagdax_ctx *ctx, char *text)
{
	char want[32];
	size_t len = (size_t)snprintf(want, sizeof(want), "roots %016" PRIx64 "\n",
				      roots_key(ctx));

	return strncmp(text, want, len) ? NULL : text + len;
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

static int lookup_in(struct tagdax_ctx *ctx, int dirfd, const struct tagdax_tag *tag,
		     struct index_entry *entries, unsigned int max)
{
	char name[TAGDAX_TAG_STRLEN], buf[ENTRY_TEXT_MAX], *body;
	ssize_t n;

	if (dirfd < 0)
		return 0;
	tagdax_tag_unparse(tag, name);
	n = readlinkat(dirfd, name, buf, sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	body = entry_body(ctx, buf);
	if (!body) {
		dbg(ctx, "index entry %s was made under other roots; ignored\n", name);
		return 0;
	}
	return parse_entries(body, entries, max);
}

int index_lookup(struct tagdax_ctx *ctx, const struct tagdax_tag *tag,
		 struct index_entry *entries, unsigned int max)
{
	return lookup_in(ctx, index_dir_fd(ctx), tag, entries, max);
}

/*
 * Locks the index directory (creating it) for a read-modify-write: udev runs
 * helpers for several devices at once, and two that add to one tag's entry
 * must not each write back what they read without the other's line.
 * Returns the locked directory's fd, or a negative errno.
 */
static int index_lock(struct tagdax_ctx *ctx)
{
	int fd = open_index_dir(ctx, O_RDONLY, true);

	if (fd >= 0 && flock(fd, LOCK_EX) != 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	return fd;
}

/* With the index locked (dirfd): replace the tag's entry with entries.  All
 * names are relative to dirfd, so nothing is written outside the directory
 * that was checked; a new link is renamed over whatever holds the name, which
 * replaces it and never follows it. */
static int write_entries(struct tagdax_ctx *ctx, int dirfd, const struct tagdax_tag *tag,
			 const struct index_entry *entries, unsigned int count)
{
	char name[TAGDAX_TAG_STRLEN], tmp[64], text[ENTRY_TEXT_MAX];
	size_t len;
	int rc = 0;

	tagdax_tag_unparse(tag, name);
	if (count == 0)
		return unlinkat(dirfd, name, 0) && errno != ENOENT ? -errno : 0;
	len = (size_t)snprintf(text, sizeof(text), "roots %016" PRIx64, roots_key(ctx));
	for (unsigned int i = 0; i < count; i++)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "\n%s %s",
					entries[i].provider, entries[i].devname);
	snprintf(tmp, sizeof(tmp), ".%s.%d", name, (int)getpid());
	unlinkat(dirfd, tmp, 0);
	if (symlinkat(text, dirfd, tmp) != 0)
		return -errno;
	if (renameat(dirfd, tmp, dirfd, name) != 0) {
		rc = -errno;
		unlinkat(dirfd, tmp, 0);
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
	rc = write_entries(ctx, lock, tag, entries, (unsigned int)count);
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
	/* read through the locked directory, the one that will be written */
	count = lookup_in(ctx, lock, tag, entries, INDEX_MAX_ENTRIES - 1);
	if (!has_entry(entries, count, provider, devname)) {
		rc = fill_entry(&entries[count], provider, devname);
		if (rc == 0)
			rc = write_entries(ctx, lock, tag, entries, (unsigned int)count + 1);
	}
	close(lock);
	return rc;
}
