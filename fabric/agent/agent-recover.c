// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Recovery: an agent restarts with the fabric, so on start (and whenever its
 * event log overflowed, or a partial release split a device) it re-reads the
 * host's extent list (4801h) and makes the published devices match it.  The
 * descriptors left by the previous run are read back first, so a device
 * whose capacity is still held keeps its name and its inode (the lock its
 * mappers hold); capacity no one published yet gets a new device; a device
 * whose capacity is gone is revoked.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include "agent-int.h"
#include "emu-desc.h"
#include "cci-codec.h"

static bool own_name(const char *name)
{
	unsigned int r, n;
	char back[32];
	int used = -1;

	if (sscanf(name, "dax%u.%u%n", &r, &n, &used) != 2 || used < 0 || name[used])
		return false;
	snprintf(back, sizeof(back), "dax%u.%u", r, n);
	return !strcmp(back, name);
}

static void unlink_at(const char *dir, const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", dir, name) >= 0) {
		unlink(p);
		free(p);
	}
}

/* Our own descriptor, read back: only what recovery needs. */
static struct agent_dev *read_desc(const char *dir, const char *name)
{
	struct agent_dev *d = calloc(1, sizeof(*d));
	char *path = NULL, line[512], tag[64];
	unsigned long long x, y;
	FILE *f = NULL;
	bool ok = false;

	if (d && asprintf(&path, "%s/%s", dir, name) >= 0)
		f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f)) {
		struct fmc_extent *bigger;

		if (sscanf(line, EMU_KEY_TAG " %63s", tag) == 1)
			ok = uuid_parse(tag, d->tag) == 0;
		else if (sscanf(line, EMU_KEY_REGION " %u", &d->region) == 1 && d->region >= AGENT_REGIONS)
			break;
		else if (sscanf(line, EMU_KEY_EXTENT " %llu %llu", &x, &y) == 2 &&
			 (bigger = realloc(d->ext, (d->n + 1) * sizeof(*d->ext)))) {
			d->ext = bigger;
			d->ext[d->n++] = (struct fmc_extent){ .dpa = x, .len = y };
		}
	}
	if (f)
		fclose(f);
	free(path);
	if (d && (!ok || !d->n || d->region >= AGENT_REGIONS)) {
		free(d->ext);
		free(d);
		return NULL;
	}
	for (uint32_t i = 0; d && i < d->n; i++)
		memcpy(d->ext[i].tag, d->tag, 16);
	if (d)
		snprintf(d->name, sizeof(d->name), "%s", name);
	return d;
}

int devs_load(struct agent *a)
{
	DIR *dir = opendir(a->descdir);
	struct dirent *de;

	while (dir && (de = readdir(dir))) {
		struct agent_dev *d;

		if (de->d_name[0] == '.' && strstr(de->d_name, ".tmp")) {
			unlink_at(a->descdir, de->d_name); /* a write cut short */
			continue;
		}
		if (!own_name(de->d_name))
			continue;
		d = read_desc(a->descdir, de->d_name);
		if (!d) {
			agent_log(a, "dropping unreadable descriptor %s", de->d_name);
			unlink_at(a->descdir, de->d_name);
			unlink_at(a->devdir, de->d_name);
			continue;
		}
		d->next = a->devs;
		a->devs = d;
	}
	if (dir)
		closedir(dir);
	/* Links with no descriptor are leftovers of a publish cut short. */
	dir = opendir(a->devdir);
	while (dir && (de = readdir(dir))) {
		bool known = false;

		for (struct agent_dev *d = a->devs; d && !known; d = d->next)
			known = !strcmp(d->name, de->d_name);
		if (de->d_name[0] == '.' ? strstr(de->d_name, ".tmp") != NULL
					 : !known && own_name(de->d_name))
			unlink_at(a->devdir, de->d_name);
	}
	if (dir)
		closedir(dir);
	return 0;
}

static int by_dpa(const void *x, const void *y)
{
	const struct fmc_extent *a = x, *b = y;

	return a->dpa < b->dpa ? -1 : a->dpa > b->dpa;
}

static int by_tag_seq(const void *x, const void *y)
{
	const struct fmc_extent *a = x, *b = y;
	int c = memcmp(a->tag, b->tag, 16);

	if (c)
		return c;
	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	return by_dpa(x, y);
}

/* Index of the extent of list that is exactly e, or -1. */
static long find_exact(const struct fmc_extent *list, uint32_t n, const struct fmc_extent *e)
{
	const struct fmc_extent *hit = bsearch(e, list, n, sizeof(*list), by_dpa);

	if (!hit || hit->len != e->len || memcmp(hit->tag, e->tag, 16))
		return -1;
	return hit - list;
}

/* Keeps d if the host still holds exactly its extents (claiming them). */
static bool still_held(const struct fmc_extent *list, uint32_t n, bool *claimed,
		       const struct agent_dev *d)
{
	for (uint32_t i = 0; i < d->n; i++) {
		long k = find_exact(list, n, &d->ext[i]);

		if (k < 0 || claimed[k])
			return false;
	}
	for (uint32_t i = 0; i < d->n; i++)
		claimed[find_exact(list, n, &d->ext[i])] = true;
	return true;
}

/* Publishes what is held but unclaimed: one device per tag, one per
 * untagged extent. */
static void publish_rest(struct agent *a, struct fmc_extent *list, uint32_t n,
			 const bool *claimed)
{
	struct fmc_extent *rest = malloc((n ? n : 1) * sizeof(*rest));
	uint32_t m = 0;

	for (uint32_t i = 0; rest && i < n; i++)
		if (!claimed[i])
			rest[m++] = list[i];
	if (rest)
		qsort(rest, m, sizeof(*rest), by_tag_seq);
	for (uint32_t i = 0, j; rest && i < m; i = j) {
		for (j = i + 1; j < m && !cci_tag_is_null(rest[i].tag) &&
				!memcmp(rest[j].tag, rest[i].tag, 16); j++)
			;
		dev_publish(a, rest + i, j - i);
	}
	free(rest);
}

int devs_reconcile(struct agent *a)
{
	struct fmc_extent *list;
	uint32_t n;
	bool *claimed;
	int rc = fmc_dc_extents(&a->mbox, &list, &n);

	if (rc) {
		agent_log(a, "cannot read the extent list: %s",
			  rc < 0 ? strerror(-rc) : cci_retcode_name((uint16_t)rc));
		return rc < 0 ? rc : -EIO;
	}
	qsort(list, n, sizeof(*list), by_dpa);
	claimed = calloc(n ? n : 1, sizeof(*claimed));
	if (!claimed) {
		free(list);
		return -ENOMEM;
	}
	for (struct agent_dev *d = a->devs, *next; d; d = next) {
		next = d->next;
		if (still_held(list, n, claimed, d))
			dev_refresh(a, d);
		else
			dev_revoke(a, d);
	}
	publish_rest(a, list, n, claimed);
	agent_log(a, "recovered: %u extent%s held", n, n == 1 ? "" : "s");
	free(claimed);
	free(list);
	return 0;
}
