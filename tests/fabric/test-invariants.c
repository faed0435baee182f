// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The model's invariants (dcd_check) catch every way the bookkeeping can
 * be wrong, and a state image that carries such a state is refused when
 * the daemon loads it.  Each case starts from a real state (built through
 * the commands), breaks one invariant by hand, and requires dcd_check to
 * name it and dcd_deserialize of its image to refuse it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "fabric-test.h"

#define FM DCD_PORT_FM
#define A 0
#define B 1
#define C 2

static uint8_t buf[1 << 16];

/* Zeroing that fails: released sanitize-on-release capacity stays
 * quarantined. */
static int no_sanitize(void *arg, unsigned int region, uint64_t offset, uint64_t len)
{
	(void)arg;
	(void)region;
	(void)offset;
	(void)len;
	return -EIO;
}

/* Caps in both regions (one shared by A and B), two extents held by A,
 * two quarantined ranges, and two ranges A is revoking. */
static struct dcd *sample(void)
{
	struct dcd *d = t_dcd();
	uint64_t r[2];
	size_t n;

	dcd_set_sanitizer(d, no_sanitize, NULL);
	t_add_accept(d, A, 0, 4 * MiB, t_tag(1));
	n = t_add_req(buf, 11, CCI_ADD_ENABLE_SHARED, 0, 0, t_tag(1));
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_SUCCESS);
	t_accept_all(d, B);
	t_add_accept(d, A, 0, 2 * MiB, t_tag(2));
	t_add_accept(d, A, 0, 2 * MiB, t_tag(3));
	t_add_accept(d, C, 1, 8 * MiB, NULL);
	/* C gives back two blocks of region 1: quarantined, zeroing fails */
	r[0] = d->host[C].list[0].dpa;
	r[1] = 2 * MiB;
	t_expect(d, C, CCI_RELEASE_DC, buf, t_resp_req(buf, r, 1, false), CCI_RC_SUCCESS);
	r[0] += 4 * MiB;
	t_expect(d, C, CCI_RELEASE_DC, buf, t_resp_req(buf, r, 1, false), CCI_RC_SUCCESS);
	/* forced releases: A revokes until its agent answers */
	n = t_release_req(buf, 10, CCI_RELEASE_TAG_BASED | CCI_RELEASE_FORCED, 0, t_tag(2));
	t_expect(d, FM, CCI_FM_INITIATE_DC_RELEASE, buf, n, CCI_RC_SUCCESS);
	n = t_release_req(buf, 10, CCI_RELEASE_TAG_BASED | CCI_RELEASE_FORCED, 0, t_tag(3));
	t_expect(d, FM, CCI_FM_INITIATE_DC_RELEASE, buf, n, CCI_RC_SUCCESS);
	t_check(d);
	assert_true(d->ncaps >= 4);
	assert_int_equal(d->ndirty, 2);
	assert_int_equal(d->host[A].nrevoke, 2);
	assert_true(d->host[A].nlist >= 1);
	assert_true(d->host[C].nlist >= 1);
	return d;
}

static int cap_in(const struct dcd *d, unsigned int region)
{
	for (uint32_t i = 0; i < d->ncaps; i++)
		if (d->caps[i].x.region == region)
			return (int)i;
	fail_msg("no cap in region %u", region);
	return -1;
}

/* dcd_check names what is wrong; the image is refused on load. */
static void expect_broken(struct dcd *d, const char *what, bool image)
{
	char err[256] = "", lerr[256] = "";

	assert_int_equal(dcd_check(d, err, sizeof(err)), -EUCLEAN);
	if (!strstr(err, what))
		fail_msg("dcd_check said '%s', expected '%s'", err, what);
	if (image) {
		struct t_snap s = t_snap(d);
		struct dcd *e = t_dcd();

		assert_int_equal(dcd_deserialize(e, s.buf, s.len, lerr, sizeof(lerr)), -EBADMSG);
		if (strcmp(lerr, err))
			fail_msg("load said '%s', dcd_check '%s'", lerr, err);
		free(s.buf);
		dcd_free(e);
	}
	dcd_free(d);
}

/* The tag indexes are not in the image (loading rebuilds them), so only
 * dcd_check() can see them drift from the truth. */
static void test_device_tag_index_stale(void **state)
{
	struct dcd *d = sample();

	(void)state;
	assert_int_equal(dcd_tagmap_add(&d->tags, d->caps[0].x.tag, 1, 0), 0);
	expect_broken(d, "the device's tag index does not match its caps", false);
}

static void test_host_tag_index_stale(void **state)
{
	struct dcd *d = sample();
	struct dcd_host *h = &d->host[A];
	uint8_t tag[16];

	(void)state;
	/* a tag the host neither holds nor was offered */
	memset(tag, 0x5a, sizeof(tag));
	assert_int_equal(dcd_tagmap_add(&h->tags, tag, 1, 0), 0);
	expect_broken(d, "host A: tag index does not match its extents", false);
}

static void test_cap_order_tree_loses_caps(void **state)
{
	struct dcd *d = sample();

	(void)state;
	assert_true(d->ncaps >= 4);
	/* cut a subtree off: its caps are no longer found by DPA */
	d->capnode[d->caproot].left = UINT32_MAX;
	expect_broken(d, "the tree of the caps' order does not hold every cap", false);
}

static void test_host_offered_miscounted(void **state)
{
	struct dcd *d = sample();

	(void)state;
	d->host[A].noffered++;
	expect_broken(d, "host A: tag index does not match its extents", false);
}

static void test_sample_is_sound(void **state)
{
	struct dcd *d = sample(), *e = t_dcd();
	struct t_snap s = t_snap(d);
	char err[256];

	(void)state;
	assert_int_equal(dcd_deserialize(e, s.buf, s.len, err, sizeof(err)), 0);
	t_same(e, s); /* frees s */
	t_free(e);
	t_free(d);
}

static void test_cap_outside_region(void **state)
{
	struct dcd *d = sample();

	(void)state;
	d->caps[cap_in(d, 0)].x.region = 1;
	expect_broken(d, "outside its region", true);
}

static void test_cap_unaligned(void **state)
{
	struct dcd *d = sample();

	(void)state;
	d->caps[cap_in(d, 0)].x.len -= 4096;
	expect_broken(d, "not block aligned", true);
}

static void test_caps_out_of_order(void **state)
{
	struct dcd *d = sample();
	struct dcd_cap t = d->caps[0];

	(void)state;
	d->caps[0] = d->caps[1];
	d->caps[1] = t;
	expect_broken(d, "overlap or are out of order", true);
}

static void test_cap_is_free(void **state)
{
	struct dcd *d = sample();
	struct dcd_extent *x = &d->caps[cap_in(d, 0)].x;

	(void)state;
	assert_int_equal(fabric_alloc_free(d->region[0].free, x->dpa, x->len), 0);
	expect_broken(d, "is also free space", true);
}

static void test_sharable_untagged(void **state)
{
	struct dcd *d = sample();

	(void)state;
	memset(d->caps[cap_in(d, 0)].x.tag, 0, 16);
	expect_broken(d, "sharable and untagged", true);
}

static void test_quarantine_unaligned(void **state)
{
	struct dcd *d = sample();

	(void)state;
	d->dirty[0].len = 4096;
	expect_broken(d, "is not a block range of a region", true);
}

static void test_quarantine_is_free(void **state)
{
	struct dcd *d = sample();

	(void)state;
	assert_int_equal(fabric_alloc_free(d->region[1].free, d->dirty[0].dpa, d->dirty[0].len), 0);
	expect_broken(d, "quarantined range 0 is also free space", true);
}

static void test_quarantine_is_cap(void **state)
{
	struct dcd *d = sample();
	int i = cap_in(d, 1);

	(void)state;
	d->dirty[0].dpa = d->caps[i].x.dpa;
	d->dirty[0].len = d->caps[i].x.len;
	expect_broken(d, "quarantined range 0 is allocated", true);
}

static void test_quarantine_overlap(void **state)
{
	struct dcd *d = sample();

	(void)state;
	d->dirty[1] = d->dirty[0];
	expect_broken(d, "quarantined ranges 0 and 1 overlap", true);
}

static void test_allocated_not_accounted(void **state)
{
	struct dcd *d = sample();
	uint64_t at;

	(void)state;
	/* taken from the allocator, but neither a cap nor quarantined */
	assert_int_equal(fabric_alloc_contiguous(d->region[1].free, 2 * MiB, &at), 0);
	expect_broken(d, "region 1: allocated + free != length", true);
}

static void test_held_extent_not_cap(void **state)
{
	struct dcd *d = sample();

	(void)state;
	d->host[C].list[0].seq++;
	expect_broken(d, "C extent", true);
}

static void test_held_twice(void **state)
{
	struct dcd *d = sample();
	struct dcd_host *h = &d->host[A];

	(void)state;
	/* the same cap listed twice (room for it: the forced releases left
	 * A's list shorter than it was) */
	assert_true(h->caplist > h->nlist);
	h->list[h->nlist] = h->list[0];
	h->nlist++;
	expect_broken(d, "host A holds overlapping extents", true);
}

static void test_revoking_held(void **state)
{
	struct dcd *d = sample();
	struct dcd_host *h = &d->host[A];

	(void)state;
	h->revoke[0].x = h->list[0];
	expect_broken(d, "host A holds capacity it is revoking", true);
}

static void test_revoking_twice(void **state)
{
	struct dcd *d = sample();
	struct dcd_host *h = &d->host[A];

	(void)state;
	h->revoke[1] = h->revoke[0];
	expect_broken(d, "host A revokes overlapping ranges", true);
}

static void test_revoking_unlogged(void **state)
{
	struct dcd *d = sample();

	(void)state;
	d->host[A].revoke[0].handle ^= 0x5a5a; /* no such record in the log */
	expect_broken(d, "host A: revoking range 0 has no record", true);
}

static void test_log_over_bound(void **state)
{
	struct dcd *d = sample();

	(void)state;
	/* not saved: the image has room for cap records only */
	d->host[B].log.n = d->host[B].log.cap + 1;
	expect_broken(d, "host B: event log over its bound", false);
}

static void test_refs_miscounted(void **state)
{
	struct dcd *d = sample();

	(void)state;
	d->caps[cap_in(d, 0)].refs++;
	expect_broken(d, "references, counted", true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sample_is_sound),
		cmocka_unit_test(test_cap_outside_region),
		cmocka_unit_test(test_cap_unaligned),
		cmocka_unit_test(test_caps_out_of_order),
		cmocka_unit_test(test_cap_is_free),
		cmocka_unit_test(test_sharable_untagged),
		cmocka_unit_test(test_quarantine_unaligned),
		cmocka_unit_test(test_quarantine_is_free),
		cmocka_unit_test(test_quarantine_is_cap),
		cmocka_unit_test(test_quarantine_overlap),
		cmocka_unit_test(test_allocated_not_accounted),
		cmocka_unit_test(test_held_extent_not_cap),
		cmocka_unit_test(test_held_twice),
		cmocka_unit_test(test_revoking_held),
		cmocka_unit_test(test_revoking_twice),
		cmocka_unit_test(test_revoking_unlogged),
		cmocka_unit_test(test_log_over_bound),
		cmocka_unit_test(test_refs_miscounted),
		cmocka_unit_test(test_device_tag_index_stale),
		cmocka_unit_test(test_host_tag_index_stale),
		cmocka_unit_test(test_host_offered_miscounted),
		cmocka_unit_test(test_cap_order_tree_loses_caps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
