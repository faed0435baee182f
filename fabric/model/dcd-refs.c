// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The FM's references on tags (5606h/5607h): a sorted set of tags, each
 * worth one reference on every cap that carries the tag.  Counting the FM
 * like a host is what keeps the rest of the model unchanged: a cap is
 * freed when its count drops to zero, whoever let go last.  The rules the
 * handlers enforce (fmapi-tags.c) keep a referenced tag's caps whole and
 * sharable, so a reference is always on whole caps.
 */
#include <stdlib.h>
#include <string.h>

#include "dcd.h"

/* Where tag is, or (as -(i+1)) where it would be inserted. */
static int ref_search(const struct dcd *d, const uint8_t tag[16])
{
	uint32_t lo = 0, hi = d->nfmref;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		int c = memcmp(d->fmref[mid].b, tag, 16);

		if (!c)
			return (int)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -(int)lo - 1;
}

int dcd_fm_ref_find(const struct dcd *d, const uint8_t tag[16])
{
	int i = ref_search(d, tag);

	return i < 0 ? -1 : i;
}

int dcd_fm_ref_reserve(struct dcd *d)
{
	return dcd_reserve((void **)&d->fmref, &d->capfmref, d->nfmref + 1, sizeof(*d->fmref));
}

uint32_t dcd_tag_caps(const struct dcd *d, const uint8_t tag[16])
{
	const struct dcd_tagcount *t = dcd_tagmap_get(&d->tags, tag);

	return t ? t->a : 0;
}

void dcd_fm_ref_take(struct dcd *d, const uint8_t tag[16])
{
	uint32_t at = (uint32_t)(-ref_search(d, tag) - 1);

	memmove(&d->fmref[at + 1], &d->fmref[at], (d->nfmref - at) * sizeof(*d->fmref));
	memcpy(d->fmref[at].b, tag, 16);
	d->nfmref++;
	for (uint32_t i = 0; i < d->ncaps; i++)
		if (!memcmp(d->caps[i].x.tag, tag, 16))
			d->caps[i].refs++;
}

void dcd_fm_ref_drop(struct dcd *d, const uint8_t tag[16])
{
	uint32_t at = (uint32_t)ref_search(d, tag);

	memmove(&d->fmref[at], &d->fmref[at + 1], (d->nfmref - at - 1) * sizeof(*d->fmref));
	d->nfmref--;
	/* Backwards: dropping a whole cap removes only entries at or after i. */
	for (uint32_t i = d->ncaps; i-- > 0;)
		if (!memcmp(d->caps[i].x.tag, tag, 16))
			dcd_cap_unref(d, d->caps[i].x.dpa, d->caps[i].x.len, false);
}
