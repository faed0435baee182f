// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The state image loader (fabric/model/state-image.c), as fabricd runs it on
 * DIR/state/dcd.state at start: the input is the image.  Byte 0 is a control
 * byte: bit 0 recomputes the trailing CRC, so mutations reach the body.
 * Oracles: an image that loads passes dcd_check (the loader's own last step)
 * and saves back to the very same bytes; the model then still serves a
 * command that walks every host's list.  The journal loader
 * (fabric/model/journal.c) runs too: the input after byte 0 is replayed as
 * a journal's records over the loaded image (or the empty state), and a
 * journal that replays leaves a state that passes dcd_check.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "fuzz-dcd.h"
#include "journal.h"
#include "fuzz.h"

static void exercise(struct dcd *d)
{
	static uint8_t out[1 << 16];
	struct cci_fm_extent_lists_req req = { .extent_count = htole32(64) };
	size_t outlen;
	bool changed;

	for (unsigned int i = 0; i < d->nhosts; i++) {
		req.host_id = htole16(d->host[i].id);
		dcd_dispatch(d, DCD_PORT_FM, CCI_FM_GET_DC_REGION_EXTENT_LISTS, &req, sizeof(req),
			     out, sizeof(out), &outlen, &changed);
	}
}

/* The version word follows the 8-byte magic (fabric/model/state-image.c). */
static uint32_t image_version(const uint8_t *img, size_t len)
{
	uint32_t v;

	if (len < 12)
		return 0;
	memcpy(&v, img + 8, sizeof(v));
	return le32toh(v);
}

static void reload_is_fixed_point(const uint8_t *img, size_t len)
{
	struct dcd *d = fuzz_dcd_new();
	uint8_t *again;
	size_t againlen;
	char err[256] = "";

	if (dcd_deserialize(d, img, len, err, sizeof(err)))
		fuzz_fail("an upgraded image does not load: %s", err);
	if (dcd_serialize(d, &again, &againlen))
		fuzz_fail("dcd_serialize");
	if (againlen != len || memcmp(again, img, len))
		fuzz_fail("an upgraded image does not save back to itself");
	free(again);
	dcd_free(d);
}

/* The input's bytes as records of a journal that follows the image. */
static void replay_journal(struct dcd *d, const uint8_t *img, size_t imglen,
			   const uint8_t *data, size_t size)
{
	uint8_t *j = malloc(JOURNAL_HEADER + size + 1);
	struct journal_stats st;
	char err[256] = "";
	uint64_t hash = journal_image_hash(img, imglen);
	int rc;

	if (!j)
		abort();
	journal_header(j, hash);
	memcpy(j + JOURNAL_HEADER, data, size);
	rc = journal_replay(d, j, JOURNAL_HEADER + size, hash, &st, err, sizeof(err));
	fuzz_note("journal: %s (%u records)", rc ? err : "replayed", st.records);
	if (rc == 0 && dcd_check(d, err, sizeof(err)))
		fuzz_fail("a replayed journal breaks an invariant: %s", err);
	if (rc && !err[0] && rc != -ENOMEM)
		fuzz_fail("journal rejected without a reason");
	free(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dcd *d = fuzz_dcd_new();
	uint8_t *img, *again;
	size_t len = size > 1 ? size - 1 : 0, againlen;
	char err[256] = "";
	int rc;

	img = malloc(len ? len : 1);
	if (!img)
		abort();
	memcpy(img, data + (size ? 1 : 0), len);
	if (size && (data[0] & 1) && len >= 4) {
		uint32_t crc = htole32((uint32_t)crc32(crc32(0, NULL, 0), img, (uInt)(len - 4)));

		memcpy(img + len - 4, &crc, 4);
	}
	rc = dcd_deserialize(d, img, len, err, sizeof(err));
	fuzz_note("state: %s", rc ? err : "loaded");
	if (rc == 0) {
		if (dcd_check(d, err, sizeof(err)))
			fuzz_fail("a loaded image breaks an invariant: %s", err);
		if (dcd_serialize(d, &again, &againlen))
			fuzz_fail("dcd_serialize");
		/* An image of the current version saves back to itself; an older
		 * one is upgraded, and the upgrade is a fixed point. */
		if (image_version(img, len) == image_version(again, againlen)) {
			if (againlen != len || memcmp(again, img, len))
				fuzz_fail("a loaded image does not save back to itself");
		} else {
			reload_is_fixed_point(again, againlen);
		}
		free(again);
		exercise(d);
		replay_journal(d, img, len, data + 1, len);
	} else if (!err[0]) {
		fuzz_fail("rejected without a reason");
	} else {
		struct dcd *fresh = fuzz_dcd_new();

		replay_journal(fresh, img, len, data + (size ? 1 : 0), len);
		dcd_free(fresh);
	}
	dcd_free(d);
	free(img);
	return 0;
}
