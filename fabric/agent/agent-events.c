// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The host agent's events: Get Event Records, act on each event group
 * (records chained by More), Clear Event Records.  Policy, as the kernel's:
 *
 *  - sharable capacity must carry a tag;
 *  - an event group (one tag's extents) is accepted whole or not at all,
 *    with exactly one Add Dynamic Capacity Response (More-chained if large);
 *    a device is published only for what the device confirmed: an offer a
 *    forced release withdrew is refused (Invalid Physical Address) and
 *    answered again accepting nothing;
 *  - a Release Capacity request waits until no process maps the device
 *    (the wait survives a restart in DIR/hosts/NAME/pending-release);
 *  - a Forced Release revokes at once (see agent-dev.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include "agent-int.h"

/* ---- pending releases, kept across restarts ---- */

static void releases_save(struct agent *a)
{
	char *path = NULL, *tmp = NULL;
	FILE *f = NULL;

	if (asprintf(&path, "%s/pending-release", a->hostdir) >= 0 &&
	    asprintf(&tmp, "%s.tmp", path) >= 0 && a->releases)
		f = fopen(tmp, "we");
	if (path && !a->releases)
		unlink(path);
	for (struct agent_release *r = a->releases; f && r; r = r->next) {
		fputs("release", f);
		for (uint32_t i = 0; i < r->n; i++)
			fprintf(f, " %llu:%llu", (unsigned long long)r->ext[i].dpa,
				(unsigned long long)r->ext[i].len);
		fputc('\n', f);
	}
	if (f && (fclose(f) || rename(tmp, path)))
		agent_log(a, "cannot save %s: %s", path, strerror(errno));
	free(path);
	free(tmp);
}

static bool same_ranges(const struct agent_release *r, const struct fmc_extent *ext, uint32_t n)
{
	for (uint32_t i = 0; r->n == n && i < n; i++)
		if (r->ext[i].dpa != ext[i].dpa || r->ext[i].len != ext[i].len)
			return false;
	return r->n == n;
}

static void release_add(struct agent *a, struct fmc_extent *ext, uint32_t n)
{
	struct agent_release *r, **tail = &a->releases;

	for (; *tail; tail = &(*tail)->next)
		if (same_ranges(*tail, ext, n)) {
			free(ext); /* the same request seen again after a restart */
			return;
		}
	r = calloc(1, sizeof(*r));
	if (!r) {
		free(ext);
		return;
	}
	r->ext = ext;
	r->n = n;
	*tail = r;
}

void releases_load(struct agent *a)
{
	char *path = NULL, *line = NULL;
	size_t cap = 0;
	FILE *f = asprintf(&path, "%s/pending-release", a->hostdir) < 0 ? NULL : fopen(path, "re");

	while (f && getline(&line, &cap, f) > 0) {
		struct fmc_extent *ext = NULL, *bigger;
		unsigned long long dpa, len;
		uint32_t n = 0;
		char *p = line + 7;
		int used;

		if (strncmp(line, "release", 7))
			continue;

		while (sscanf(p, " %llu:%llu%n", &dpa, &len, &used) == 2 &&
		       (bigger = realloc(ext, (n + 1) * sizeof(*ext)))) {
			ext = bigger;
			ext[n++] = (struct fmc_extent){ .dpa = dpa, .len = len };
			p += used;
		}
		if (n)
			release_add(a, ext, n);
		else
			free(ext);
	}
	if (f)
		fclose(f);
	free(line);
	free(path);
}

static void release_free(struct agent_release *r)
{
	free(r->ext);
	free(r);
}

/* ---- acting on event groups ---- */

static struct fmc_extent *group_extents(const struct fmc_event *ev, unsigned int n)
{
	struct fmc_extent *ext = malloc((n ? n : 1) * sizeof(*ext));

	for (unsigned int i = 0; ext && i < n; i++)
		ext[i] = ev[i].ext;
	return ext;
}

/* NULL when the group may be accepted, else why not. */
static const char *add_policy(struct agent *a, const struct fmc_extent *ext, uint32_t n)
{
	int r0 = region_of(a, ext[0].dpa, ext[0].len);

	for (uint32_t i = 0; i < n; i++) {
		int r = region_of(a, ext[i].dpa, ext[i].len);

		if (r < 0)
			return "an extent lies outside every DC region";
		if (!ext[i].len || ext[i].dpa % a->regions[r].block || ext[i].len % a->regions[r].block)
			return "an extent is not block aligned";
		if (memcmp(ext[i].tag, ext[0].tag, 16))
			return "the extents of one group carry different tags";
		if (a->regions[r].sharable && cci_tag_is_null(ext[i].tag))
			return "sharable capacity must carry a tag";
		if (strcmp(a->regions[r].path, a->regions[r0].path))
			return "the extents lie in different backing memory";
		if (dev_find_extent(a, &ext[i]))
			return "an extent overlaps a device this host already has";
	}
	if (!cci_tag_is_null(ext[0].tag) && dev_find_tag(a, ext[0].tag))
		return "this host already has a device with that tag";
	return NULL;
}

static bool all_published(struct agent *a, const struct fmc_extent *ext, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		struct agent_dev *d = dev_find_extent(a, &ext[i]);

		if (!d || memcmp(d->tag, ext[i].tag, 16))
			return false;
	}
	return n > 0;
}

static int on_add(struct agent *a, const struct fmc_event *ev, unsigned int n)
{
	struct fmc_extent *ext = group_extents(ev, n);
	const char *why;
	char tag[37];
	int rc;

	if (!ext)
		return -ENOMEM;
	uuid_unparse_lower(ext[0].tag, tag);
	if (all_published(a, ext, n)) {
		/* answered before a restart cut the clear short */
		free(ext);
		return 0;
	}
	why = add_policy(a, ext, n);
	rc = fmc_dc_respond(&a->mbox, CCI_ADD_DC_RESPONSE, ext, why ? 0 : n);
	if (rc == CCI_RC_INVALID_PADDR && !why) {
		/* Not offered any more (withdrawn while the host was away): the
		 * add still needs its one answer, which takes nothing. */
		agent_log(a, "tag %s was withdrawn before this host answered; accepting nothing",
			  tag);
		rc = fmc_dc_respond(&a->mbox, CCI_ADD_DC_RESPONSE, ext, 0);
		if (rc == 0) {
			free(ext);
			return 0;
		}
	}
	if (rc == 0 && why)
		agent_log(a, "rejected tag %s (%u extent%s): %s", tag, n, n == 1 ? "" : "s", why);
	else if (rc == 0)
		dev_publish(a, ext, n);
	else
		agent_log(a, "Add Dynamic Capacity Response for tag %s failed: %s", tag,
			  agent_rc_text(rc));
	free(ext);
	/* A refused answer (rc > 0) is reported too: the records stay, and the
	 * group is answered again on the next notification. */
	return rc;
}

static void on_release(struct agent *a, const struct fmc_event *ev, unsigned int n)
{
	struct fmc_extent *ext = group_extents(ev, n);

	if (ext) {
		release_add(a, ext, n);
		releases_save(a);
	}
}

/* Is every extent of d inside one of the n ranges? */
static bool covered(const struct agent_dev *d, const struct fmc_extent *ext, uint32_t n)
{
	for (uint32_t i = 0; i < d->n; i++) {
		bool in = false;

		for (uint32_t j = 0; j < n && !in; j++)
			in = d->ext[i].dpa >= ext[j].dpa &&
			     d->ext[i].dpa + d->ext[i].len <= ext[j].dpa + ext[j].len;
		if (!in)
			return false;
	}
	return true;
}

static bool release_overlaps(const struct agent_release *r, const struct fmc_extent *e)
{
	for (uint32_t i = 0; i < r->n; i++)
		if (cci_overlap(r->ext[i].dpa, r->ext[i].len, e->dpa, e->len))
			return true;
	return false;
}

static void on_forced(struct agent *a, const struct fmc_event *ev, unsigned int n)
{
	bool partial = false;

	for (unsigned int i = 0; i < n; i++) {
		struct agent_dev *d;

		while ((d = dev_find_extent(a, &ev[i].ext))) {
			partial |= !covered(d, &ev[i].ext, 1);
			dev_revoke(a, d);
		}
		/* a release still waiting for these extents has nothing left to do */
		for (struct agent_release **p = &a->releases; *p;) {
			struct agent_release *r = *p;

			if (release_overlaps(r, &ev[i].ext)) {
				*p = r->next;
				release_free(r);
			} else {
				p = &r->next;
			}
		}
	}
	releases_save(a);
	if (partial)
		devs_reconcile(a); /* what was not released becomes a device again */
}

static int handle_group(struct agent *a, const struct fmc_event *ev, unsigned int n)
{
	switch (ev[0].type) {
	case CCI_DC_EVENT_ADD_CAPACITY:
		return on_add(a, ev, n);
	case CCI_DC_EVENT_RELEASE_CAPACITY:
		on_release(a, ev, n);
		return 0;
	case CCI_DC_EVENT_FORCED_RELEASE:
		on_forced(a, ev, n);
		return 0;
	case CCI_DC_EVENT_REGION_CONFIG_UPDATED:
		return regions_load(a) == -ENOMEM ? -ENOMEM : 0;
	default:
		return 0; /* not for the host, or not a DC record: just clear it */
	}
}

/* ---- releases ---- */

/* Unpublishes what r covers if nothing maps it; 1 done, 0 busy. */
static int release_devices(struct agent *a, const struct agent_release *r, bool *partial)
{
	for (uint32_t i = 0; i < r->n; i++) {
		struct agent_dev *d;

		while ((d = dev_find_extent(a, &r->ext[i]))) {
			bool whole = covered(d, r->ext, r->n);

			if (!dev_unpublish_if_free(a, d))
				return 0;
			*partial |= !whole;
		}
	}
	return 1;
}

void releases_try(struct agent *a)
{
	bool changed = false;

	for (struct agent_release **p = &a->releases; *p;) {
		struct agent_release *r = *p;
		bool partial = false;
		int rc;

		if (!release_devices(a, r, &partial)) {
			p = &r->next; /* still mapped: wait */
			continue;
		}
		rc = fmc_dc_respond(&a->mbox, CCI_RELEASE_DC, r->ext, r->n);
		if (rc < 0)
			break; /* the mailbox is gone: retry after reconnecting */
		agent_log(a, "released %u extent%s: %s", r->n, r->n == 1 ? "" : "s",
			  agent_rc_text(rc));
		*p = r->next;
		release_free(r);
		changed = true;
		/* Refused: the host still holds the capacity, so it must have its
		 * device back; partial: what was not released does too. */
		if (partial || rc > 0)
			devs_reconcile(a);
	}
	if (changed)
		releases_save(a);
}

/* ---- the event log ---- */

static int group_push(struct agent *a, const struct fmc_event *ev)
{
	if (a->ngroup == a->capgroup) {
		unsigned int cap = a->capgroup ? 2 * a->capgroup : 16;
		struct fmc_event *bigger = realloc(a->group, cap * sizeof(*bigger));

		if (!bigger)
			return -ENOMEM;
		a->group = bigger;
		a->capgroup = cap;
	}
	a->group[a->ngroup++] = *ev;
	return 0;
}

/* Acts on one batch of records; a group may continue in the next batch. */
static int take_batch(struct agent *a, const struct fmc_events *evs)
{
	int rc = 0;

	for (unsigned int i = 0; rc == 0 && i < evs->count; i++) {
		const struct fmc_event *ev = &evs->ev[i];

		if (a->ngroup && a->group[0].type != ev->type) {
			rc = handle_group(a, a->group, a->ngroup); /* a chain cut short */
			a->ngroup = 0;
		}
		if (rc == 0)
			rc = group_push(a, ev);
		if (rc == 0 && !ev->more) {
			rc = handle_group(a, a->group, a->ngroup);
			a->ngroup = 0;
		}
	}
	return rc;
}

/* Returns a negative errno only when the mailbox connection failed (the
 * caller reconnects); a command the device refused is logged, and the
 * records stay for the next notification. */
int events_drain(struct agent *a)
{
	int rc = 0;

	while (rc == 0) {
		struct fmc_events evs;
		uint16_t *handles = NULL;

		rc = fmc_get_events(&a->mbox, CCI_LOG_DC, &evs);
		if (rc == 0 && evs.count == 0) {
			fmc_events_free(&evs);
			break;
		}
		if (rc == 0)
			rc = take_batch(a, &evs);
		if (rc == 0 && !(handles = malloc(evs.count * sizeof(*handles))))
			rc = -ENOMEM;
		for (unsigned int i = 0; rc == 0 && i < evs.count; i++)
			handles[i] = evs.ev[i].handle;
		/* Records were lost: the extent list is the truth.  Reconcile
		 * (revoking what is gone) before clearing: clearing a Forced
		 * Release record, or the overflow that lost one, tells the
		 * device the capacity may go elsewhere. */
		if (rc == 0 && evs.overflow)
			rc = devs_reconcile(a);
		if (rc == 0)
			rc = fmc_clear_events(&a->mbox, CCI_LOG_DC, handles, evs.count, false);
		if (rc)
			agent_log(a, "event handling stopped: %s", agent_rc_text(rc));
		free(handles);
		fmc_events_free(&evs);
	}
	return rc < 0 && rc != -ENOMEM && rc != -EIO ? rc : 0;
}

void releases_free(struct agent *a)
{
	while (a->releases) {
		struct agent_release *r = a->releases;

		a->releases = r->next;
		release_free(r);
	}
}
