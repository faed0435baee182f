// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The FM's tag references on the DCD model: 5606h Dynamic Capacity Add
 * Reference, 5607h Remove Reference, and what 5608h List Tags shows of them.
 * Each rule of fabric/README.md "Tag references" has a test here; every
 * refused command leaves the state image byte for byte as it was.
 */
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "fabric-test.h"

#define FM DCD_PORT_FM
#define A 0
#define B 1
#define C 2

static uint8_t buf[1 << 16];

static struct {
	unsigned int n;
	uint64_t off[64], len[64];
} zeroed;

static int record_sanitize(void *arg, unsigned int region, uint64_t off, uint64_t len)
{
	(void)arg;
	(void)region;
	zeroed.off[zeroed.n] = off;
	zeroed.len[zeroed.n] = len;
	zeroed.n++;
	return 0;
}

static struct dcd *dcd_with_sanitizer(void)
{
	struct dcd *d = t_dcd();

	memset(&zeroed, 0, sizeof(zeroed));
	dcd_set_sanitizer(d, record_sanitize, NULL);
	return d;
}

static int ref(struct dcd *d, uint16_t op, const uint8_t *tag)
{
	struct cci_fm_tag_ref_req r = { 0 };

	if (tag)
		memcpy(r.tag, tag, 16);
	return t_call(d, FM, op, &r, sizeof(r));
}

static void expect_ref(struct dcd *d, uint16_t op, const uint8_t *tag, int rc)
{
	struct cci_fm_tag_ref_req r = { 0 };

	if (tag)
		memcpy(r.tag, tag, 16);
	t_expect(d, FM, op, &r, sizeof(r), rc);
	if (rc == CCI_RC_SUCCESS)
		assert_int_equal(t_outlen, 0); /* no response payload */
}

/* The 5608h row of tag (fails when it is not listed); *total: the count. */
static bool listed(struct dcd *d, const uint8_t *tag, struct cci_fm_tag_entry *e,
		   uint32_t *gen)
{
	struct cci_fm_list_tags_req req = { 0, htole32(1000) };
	struct cci_fm_list_tags_rsp h;

	assert_int_equal(t_call(d, FM, CCI_FM_LIST_TAGS, &req, sizeof(req)), CCI_RC_SUCCESS);
	memcpy(&h, t_out, sizeof(h));
	if (gen)
		*gen = le32toh(h.generation);
	for (uint32_t i = 0; i < le32toh(h.returned); i++) {
		memcpy(e, t_out + sizeof(h) + i * sizeof(*e), sizeof(*e));
		if (!memcmp(e->tag, tag, 16))
			return true;
	}
	return false;
}

static bool bit(const uint8_t *bm, unsigned int id)
{
	return (bm[id / 8] >> (id % 8)) & 1;
}

static bool empty(const uint8_t *bm)
{
	for (unsigned int i = 0; i < 32; i++)
		if (bm[i])
			return false;
	return true;
}

/* Ask host (index h, id 10+h) to give tag back, then give it back. */
static void release_tag(struct dcd *d, int h, const uint8_t *tag, bool sanitize)
{
	size_t n = t_release_req(buf, (uint16_t)(10 + h),
				 CCI_RELEASE_TAG_BASED | (sanitize ? CCI_RELEASE_SANITIZE : 0), 0,
				 tag);

	t_expect(d, FM, CCI_FM_INITIATE_DC_RELEASE, buf, n, CCI_RC_SUCCESS);
	t_host_release_tag(d, h, tag);
	t_clear_events(d, h);
}

static void share(struct dcd *d, int h, const uint8_t *tag, int rc)
{
	size_t n = t_add_req(buf, (uint16_t)(10 + h), CCI_ADD_ENABLE_SHARED, 0, 0, tag);

	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, rc);
}

static void test_bad_input(void **state)
{
	struct dcd *d = t_dcd();
	struct cci_fm_tag_ref_req r = { 0 };

	(void)state;
	t_add_accept(d, A, 0, 4 * MiB, t_tag(5)); /* sharable, tagged */
	t_add_accept(d, A, 1, 2 * MiB, t_tag(9)); /* private, tagged */
	t_add_accept(d, B, 1, 2 * MiB, NULL);     /* private, untagged */
	memcpy(r.tag, t_tag(5), 16);
	for (uint16_t op = CCI_FM_ADD_REFERENCE; op <= CCI_FM_REMOVE_REFERENCE; op++) {
		/* The payload is exactly the 16-byte tag. */
		t_expect(d, FM, op, &r, 15, CCI_RC_INVALID_PAYLOAD_LENGTH);
		t_expect(d, FM, op, &r, 17, CCI_RC_INVALID_PAYLOAD_LENGTH);
		t_expect(d, FM, op, &r, 0, CCI_RC_INVALID_PAYLOAD_LENGTH);
		/* FM API only: a host mailbox cannot pin capacity. */
		t_expect(d, A, op, &r, sizeof(r), CCI_RC_UNSUPPORTED);
		/* The null tag names no capacity (untagged capacity has none). */
		expect_ref(d, op, NULL, CCI_RC_INVALID_INPUT);
		/* A tag nothing carries. */
		expect_ref(d, op, t_tag(6), CCI_RC_INVALID_INPUT);
		/* Private capacity (it can be released in parts). */
		expect_ref(d, op, t_tag(9), CCI_RC_INVALID_INPUT);
	}
	/* Remove without a reference, on capacity that exists. */
	expect_ref(d, CCI_FM_REMOVE_REFERENCE, t_tag(5), CCI_RC_INVALID_INPUT);
	/* Capacity that is gone (released, freed): unknown again. */
	release_tag(d, A, t_tag(5), false);
	expect_ref(d, CCI_FM_ADD_REFERENCE, t_tag(5), CCI_RC_INVALID_INPUT);
	t_free(d);
}

/* The famfs case: capacity pinned by the FM survives its last host, is not
 * zeroed, stays listed, and is shared again by tag later. */
static void test_pin_outlives_hosts(void **state)
{
	struct dcd *d = dcd_with_sanitizer();
	struct cci_fm_set_region_config set = { .region_id = 0, .block_size = htole64(BS) };
	struct cci_fm_tag_entry e;
	struct cci_dc_event ev[64];
	uint32_t gen, gen2;
	struct t_snap s;
	unsigned int nev;
	size_t n;

	(void)state;
	t_add_accept(d, A, 0, 6 * MiB, t_tag(5));
	share(d, B, t_tag(5), CCI_RC_SUCCESS);
	t_accept_all(d, B);
	assert_true(listed(d, t_tag(5), &e, &gen));
	assert_int_equal(e.flags, 0);
	nev = t_events(d, FM, ev, 64);

	expect_ref(d, CCI_FM_ADD_REFERENCE, t_tag(5), CCI_RC_SUCCESS);
	assert_int_equal(d->nfmref, 1);
	assert_int_equal(d->caps[0].refs, 3);
	assert_int_equal(t_events(d, FM, ev, 64), nev); /* no event: the FM did it */
	assert_true(listed(d, t_tag(5), &e, &gen2));
	assert_int_equal(e.flags, CCI_TAG_FM_REF);
	assert_int_not_equal(gen, gen2);
	assert_true(bit(e.ref, 10) && bit(e.ref, 11));
	/* Twice: success, and nothing changes (one reference per tag). */
	s = t_snap(d);
	expect_ref(d, CCI_FM_ADD_REFERENCE, t_tag(5), CCI_RC_SUCCESS);
	t_same(d, s);

	/* Both hosts let go (A asked to sanitize): still allocated, not zeroed,
	 * listed with the FM flag and empty bitmaps. */
	release_tag(d, A, t_tag(5), true);
	release_tag(d, B, t_tag(5), false);
	assert_int_equal(d->host[A].nlist + d->host[B].nlist, 0);
	assert_int_equal(zeroed.n, 0);
	assert_int_equal(fabric_alloc_avail(d->region[0].free), 250 * MiB);
	assert_true(listed(d, t_tag(5), &e, NULL));
	assert_int_equal(e.flags, CCI_TAG_FM_REF);
	assert_true(empty(e.ref) && empty(e.pending));
	/* The tag still names that capacity: no new allocation may take it,
	 * and the region is not empty, so it cannot be reconfigured. */
	n = t_add_req(buf, 12, CCI_ADD_FREE, 0, BS, t_tag(5));
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_INVALID_INPUT);
	t_expect(d, FM, CCI_FM_SET_DC_REGION_CONFIG, &set, sizeof(set), CCI_RC_UNSUPPORTED);

	/* 5604h Enable Shared Access hands the pinned capacity to another
	 * host: the same DPAs and sequence numbers. */
	share(d, C, t_tag(5), CCI_RC_SUCCESS);
	assert_true(listed(d, t_tag(5), &e, NULL));
	assert_true(bit(e.pending, 12) && e.flags == CCI_TAG_FM_REF);
	t_accept_all(d, C);
	assert_int_equal(d->host[C].nlist, 1);
	assert_int_equal(d->host[C].list[0].dpa, 0);
	assert_int_equal(d->host[C].list[0].len, 6 * MiB);
	assert_int_equal(d->caps[0].refs, 2);

	/* Remove while C holds it: C keeps it; the flag goes. */
	expect_ref(d, CCI_FM_REMOVE_REFERENCE, t_tag(5), CCI_RC_SUCCESS);
	assert_int_equal(d->nfmref, 0);
	assert_int_equal(fabric_alloc_avail(d->region[0].free), 250 * MiB);
	assert_true(listed(d, t_tag(5), &e, NULL));
	assert_int_equal(e.flags, 0);
	assert_true(bit(e.ref, 12));
	/* Remove without a reference. */
	expect_ref(d, CCI_FM_REMOVE_REFERENCE, t_tag(5), CCI_RC_INVALID_INPUT);

	/* Pinned again, C lets go, then the FM does: freed, zeroed (A's
	 * release asked for it and the capacity remembered), gone from 5608h. */
	expect_ref(d, CCI_FM_ADD_REFERENCE, t_tag(5), CCI_RC_SUCCESS);
	release_tag(d, C, t_tag(5), false);
	assert_int_equal(zeroed.n, 0);
	expect_ref(d, CCI_FM_REMOVE_REFERENCE, t_tag(5), CCI_RC_SUCCESS);
	assert_int_equal(d->ncaps, 0);
	assert_int_equal(fabric_alloc_avail(d->region[0].free), 256 * MiB);
	assert_int_equal(zeroed.n, 1);
	assert_int_equal(zeroed.off[0], 0);
	assert_int_equal(zeroed.len[0], 6 * MiB);
	assert_false(listed(d, t_tag(5), &e, NULL));
	expect_ref(d, CCI_FM_REMOVE_REFERENCE, t_tag(5), CCI_RC_INVALID_INPUT);
	/* The tag is free for a new allocation. */
	n = t_add_req(buf, 10, CCI_ADD_FREE, 0, BS, t_tag(5));
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_SUCCESS);
	t_free(d);
}

/* A region configured to sanitize on release zeroes pinned capacity when
 * the last reference goes, even if no release asked for it. */
static void test_region_sanitize(void **state)
{
	struct dcd *d = dcd_with_sanitizer();
	struct cci_fm_set_region_config set = { .region_id = 0, .block_size = htole64(BS),
						.flags = 1 };

	(void)state;
	t_expect(d, FM, CCI_FM_SET_DC_REGION_CONFIG, &set, sizeof(set), CCI_RC_SUCCESS);
	for (int h = 0; h < 3; h++)
		t_clear_events(d, h);
	t_add_accept(d, A, 0, 4 * MiB, t_tag(7));
	expect_ref(d, CCI_FM_ADD_REFERENCE, t_tag(7), CCI_RC_SUCCESS);
	release_tag(d, A, t_tag(7), false);
	assert_int_equal(zeroed.n, 0);
	assert_int_equal(d->ncaps, 1);
	expect_ref(d, CCI_FM_REMOVE_REFERENCE, t_tag(7), CCI_RC_SUCCESS);
	assert_int_equal(zeroed.n, 1);
	assert_int_equal(zeroed.len[0], 4 * MiB);
	assert_int_equal(fabric_alloc_avail(d->region[0].free), 256 * MiB);
	t_free(d);
}

/* Offered capacity can be pinned before any host accepts it; a forced
 * release that withdraws the offer, or a host that declines it, leaves it
 * pinned. */
static void test_pin_pending(void **state)
{
	struct dcd *d = dcd_with_sanitizer();
	struct cci_fm_tag_entry e;
	size_t n;

	(void)state;
	n = t_add_req(buf, 10, CCI_ADD_FREE, 0, 4 * MiB, t_tag(6));
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_SUCCESS);
	expect_ref(d, CCI_FM_ADD_REFERENCE, t_tag(6), CCI_RC_SUCCESS);
	assert_true(listed(d, t_tag(6), &e, NULL));
	assert_true(bit(e.pending, 10) && empty(e.ref) && e.flags == CCI_TAG_FM_REF);
	/* Withdrawn by force: the offer is dead, the capacity stays. */
	n = t_release_req(buf, 10, CCI_RELEASE_TAG_BASED | CCI_RELEASE_FORCED, 0, t_tag(6));
	t_expect(d, FM, CCI_FM_INITIATE_DC_RELEASE, buf, n, CCI_RC_SUCCESS);
	assert_true(d->host[A].pending[0].dead);
	assert_int_equal(d->ncaps, 1);
	assert_int_equal(fabric_alloc_avail(d->region[0].free), 252 * MiB);
	assert_true(listed(d, t_tag(6), &e, NULL));
	assert_true(empty(e.pending) && empty(e.ref) && e.flags == CCI_TAG_FM_REF);
	/* Declined by B: still pinned. */
	share(d, B, t_tag(6), CCI_RC_SUCCESS);
	t_accept_none(d, B);
	assert_int_equal(d->ncaps, 1);
	assert_int_equal(d->caps[0].refs, 1);
	/* Accepted by C. */
	share(d, C, t_tag(6), CCI_RC_SUCCESS);
	t_accept_all(d, C);
	assert_int_equal(d->host[C].nlist, 1);
	assert_int_equal(zeroed.n, 0);
	t_free(d);
}

/* Capacity force-released from a host is revoking until the host clears
 * the record; the FM may pin it meanwhile, and it outlives the revocation. */
static void test_pin_revoking(void **state)
{
	struct dcd *d = dcd_with_sanitizer();
	struct cci_fm_tag_entry e;
	size_t n;

	(void)state;
	t_add_accept(d, A, 0, 4 * MiB, t_tag(8));
	t_clear_events(d, A);
	n = t_release_req(buf, 10, CCI_RELEASE_TAG_BASED | CCI_RELEASE_FORCED, 0, t_tag(8));
	t_expect(d, FM, CCI_FM_INITIATE_DC_RELEASE, buf, n, CCI_RC_SUCCESS);
	assert_int_equal(d->host[A].nrevoke, 1);
	expect_ref(d, CCI_FM_ADD_REFERENCE, t_tag(8), CCI_RC_SUCCESS);
	/* Not handed out while A may still touch it. */
	share(d, B, t_tag(8), CCI_RC_RETRY);
	t_clear_events(d, A); /* A acknowledges */
	assert_int_equal(d->host[A].nrevoke, 0);
	assert_int_equal(d->ncaps, 1);
	assert_int_equal(d->caps[0].refs, 1);
	assert_int_equal(zeroed.n, 0);
	assert_true(listed(d, t_tag(8), &e, NULL));
	assert_true(empty(e.ref) && e.flags == CCI_TAG_FM_REF);
	share(d, B, t_tag(8), CCI_RC_SUCCESS);
	t_accept_all(d, B);
	/* A forced release from B with the FM's reference: B's part goes once
	 * B acknowledges; the capacity stays. */
	t_clear_events(d, B);
	n = t_release_req(buf, 11, CCI_RELEASE_TAG_BASED | CCI_RELEASE_FORCED, 0, t_tag(8));
	t_expect(d, FM, CCI_FM_INITIATE_DC_RELEASE, buf, n, CCI_RC_SUCCESS);
	t_clear_events(d, B);
	assert_int_equal(d->ncaps, 1);
	expect_ref(d, CCI_FM_REMOVE_REFERENCE, t_tag(8), CCI_RC_SUCCESS);
	assert_int_equal(d->ncaps, 0);
	assert_int_equal(fabric_alloc_avail(d->region[0].free), 256 * MiB);
	t_free(d);
}

/* A Remove Reference while the host is still revoking: the capacity goes
 * when the host acknowledges, not before. */
static void test_unref_while_revoking(void **state)
{
	struct dcd *d = dcd_with_sanitizer();
	size_t n;

	(void)state;
	t_add_accept(d, A, 0, 4 * MiB, t_tag(3));
	expect_ref(d, CCI_FM_ADD_REFERENCE, t_tag(3), CCI_RC_SUCCESS);
	t_clear_events(d, A);
	n = t_release_req(buf, 10, CCI_RELEASE_TAG_BASED | CCI_RELEASE_FORCED, 0, t_tag(3));
	t_expect(d, FM, CCI_FM_INITIATE_DC_RELEASE, buf, n, CCI_RC_SUCCESS);
	expect_ref(d, CCI_FM_REMOVE_REFERENCE, t_tag(3), CCI_RC_SUCCESS);
	assert_int_equal(d->ncaps, 1);
	assert_int_equal(fabric_alloc_avail(d->region[0].free), 252 * MiB);
	t_clear_events(d, A);
	assert_int_equal(d->ncaps, 0);
	assert_int_equal(fabric_alloc_avail(d->region[0].free), 256 * MiB);
	t_free(d);
}

/* Several references: kept sorted, each tag independent. */
static void test_many_tags(void **state)
{
	struct dcd *d = t_dcd();

	(void)state;
	for (int b = 9; b >= 1; b -= 2)
		t_add_accept(d, A, 0, BS, t_tag((uint8_t)b));
	for (int b = 9; b >= 1; b -= 2)
		expect_ref(d, CCI_FM_ADD_REFERENCE, t_tag((uint8_t)b), CCI_RC_SUCCESS);
	assert_int_equal(d->nfmref, 5);
	for (uint32_t i = 1; i < d->nfmref; i++)
		assert_true(memcmp(d->fmref[i - 1].b, d->fmref[i].b, 16) < 0);
	expect_ref(d, CCI_FM_REMOVE_REFERENCE, t_tag(5), CCI_RC_SUCCESS);
	assert_int_equal(d->nfmref, 4);
	assert_int_equal(ref(d, CCI_FM_REMOVE_REFERENCE, t_tag(5)), CCI_RC_INVALID_INPUT);
	expect_ref(d, CCI_FM_REMOVE_REFERENCE, t_tag(1), CCI_RC_SUCCESS);
	expect_ref(d, CCI_FM_REMOVE_REFERENCE, t_tag(9), CCI_RC_SUCCESS);
	assert_int_equal(d->nfmref, 2);
	assert_int_equal(d->host[A].nlist, 5); /* A still holds all of them */
	t_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_pin_outlives_hosts),
		cmocka_unit_test(test_region_sanitize),
		cmocka_unit_test(test_pin_pending),
		cmocka_unit_test(test_pin_revoking),
		cmocka_unit_test(test_unref_while_revoking),
		cmocka_unit_test(test_many_tags),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
