// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Host mailbox commands (48xxh) on the DCD model, and what a mailbox must
 * not reach: each success path, each error with its return code and an
 * unchanged state, More chaining of 4802h/4803h.
 */
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "fabric-test.h"

#define FM DCD_PORT_FM
#define A 0
#define B 1

static uint8_t buf[1 << 16];

static void test_dc_config(void **state)
{
	struct dcd *d = t_dcd();
	struct cci_dc_config_rsp h;
	struct cci_dc_region_entry e[2];
	struct cci_dc_limits l;
	uint8_t req[2] = { 8, 0 };

	(void)state;
	t_add_accept(d, A, 1, BS, t_tag(1));
	assert_int_equal(t_call(d, A, CCI_GET_DC_CONFIG, req, 2), CCI_RC_SUCCESS);
	assert_int_equal(t_outlen, 8 + 2 * 0x28 + 0x10);
	memcpy(&h, t_out, sizeof(h));
	memcpy(e, t_out + 8, sizeof(e));
	memcpy(&l, t_out + 8 + sizeof(e), sizeof(l));
	assert_int_equal(h.num_available, 2);
	assert_int_equal(h.num_returned, 2);
	assert_int_equal(le64toh(e[1].base), R1);
	assert_int_equal(le64toh(e[1].decode_length), 1);
	assert_int_equal(le64toh(e[1].length), 256 * MiB);
	assert_int_equal(le64toh(e[1].block_size), BS);
	assert_int_equal(le32toh(e[1].dsmad_handle), 1);
	assert_int_equal(e[1].flags, 1);
	assert_int_equal(e[0].flags, 0);
	assert_int_equal(le32toh(l.available_extents), 63);
	assert_int_equal(le32toh(l.available_tags), 7);
	/* B's view counts only B's capacity. */
	assert_int_equal(t_call(d, B, CCI_GET_DC_CONFIG, req, 2), CCI_RC_SUCCESS);
	memcpy(&l, t_out + 8 + sizeof(e), sizeof(l));
	assert_int_equal(le32toh(l.available_extents), 64);

	req[1] = 1;
	assert_int_equal(t_call(d, A, CCI_GET_DC_CONFIG, req, 2), CCI_RC_SUCCESS);
	assert_int_equal(t_out[1], 1);
	req[1] = 2;
	t_expect(d, A, CCI_GET_DC_CONFIG, req, 2, CCI_RC_INVALID_INPUT);
	t_expect(d, A, CCI_GET_DC_CONFIG, req, 1, CCI_RC_INVALID_PAYLOAD_LENGTH);
	t_expect(d, A, CCI_GET_DC_CONFIG, req, 3, CCI_RC_INVALID_PAYLOAD_LENGTH);
	t_free(d);
}

static size_t list_req(uint32_t count, uint32_t start)
{
	struct cci_dc_extent_list_req r = { htole32(count), htole32(start) };

	memcpy(buf, &r, sizeof(r));
	return sizeof(r);
}

static void test_extent_list(void **state)
{
	struct dcd *d = t_dcd();
	struct cci_dc_extent_list_rsp r;
	struct cci_dc_extent x;

	(void)state;
	t_add_accept(d, A, 1, 4 * MiB, NULL);
	t_add_accept(d, A, 0, 2 * MiB, t_tag(9));
	t_add_accept(d, B, 1, 2 * MiB, NULL);
	assert_int_equal(t_call(d, A, CCI_GET_DC_EXTENT_LIST, buf, list_req(10, 1)), CCI_RC_SUCCESS);
	memcpy(&r, t_out, sizeof(r));
	assert_int_equal(le32toh(r.returned), 1);
	assert_int_equal(le32toh(r.total), 2);
	assert_int_equal(le32toh(r.generation), 2);
	assert_int_equal(t_outlen, 0x10 + 0x28);
	memcpy(&x, t_out + 0x10, sizeof(x));
	assert_int_equal(le64toh(x.start_dpa), 0);
	assert_memory_equal(x.tag, t_tag(9), 16);
	/* B's list is B's: one extent, after A's in region 1. */
	assert_int_equal(t_call(d, B, CCI_GET_DC_EXTENT_LIST, buf, list_req(10, 0)), CCI_RC_SUCCESS);
	memcpy(&r, t_out, sizeof(r));
	assert_int_equal(le32toh(r.total), 1);
	memcpy(&x, t_out + 0x10, sizeof(x));
	assert_int_equal(le64toh(x.start_dpa), R1 + 4 * MiB);

	t_expect(d, A, CCI_GET_DC_EXTENT_LIST, buf, list_req(1, 3), CCI_RC_INVALID_INPUT);
	t_expect(d, A, CCI_GET_DC_EXTENT_LIST, buf, 7, CCI_RC_INVALID_PAYLOAD_LENGTH);
	t_free(d);
}

static void test_mailbox_reaches_only_its_host(void **state)
{
	struct dcd *d = t_dcd();
	struct cci_fm_extent_lists_req lr = { htole16(10), 0, htole32(8), 0 };

	(void)state;
	t_add_accept(d, A, 1, 4 * MiB, NULL);
	/* A host mailbox has no FM API: not even to read another host's list. */
	t_expect(d, B, CCI_FM_GET_DC_REGION_EXTENT_LISTS, &lr, sizeof(lr), CCI_RC_UNSUPPORTED);
	t_expect(d, B, CCI_FM_GET_DCD_INFO, NULL, 0, CCI_RC_UNSUPPORTED);
	{
		size_t n = t_add_req(buf, 11, CCI_ADD_FREE, 1, BS, NULL);

		t_expect(d, B, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_UNSUPPORTED);
		n = t_release_req(buf, 10, CCI_RELEASE_TAG_BASED | CCI_RELEASE_FORCED, 0, t_tag(1));
		t_expect(d, B, CCI_FM_INITIATE_DC_RELEASE, buf, n, CCI_RC_UNSUPPORTED);
	}
	/* ... and the FM port has no host commands. */
	t_expect(d, FM, CCI_GET_DC_EXTENT_LIST, buf, list_req(8, 0), CCI_RC_UNSUPPORTED);
	t_expect(d, FM, 0x1234, NULL, 0, CCI_RC_UNSUPPORTED);
	t_expect(d, A, 0xffff, buf, 100, CCI_RC_UNSUPPORTED);
	/* B cannot release A's capacity through its mailbox either. */
	{
		uint64_t r[] = { R1, 4 * MiB };

		t_expect(d, B, CCI_RELEASE_DC, buf, t_resp_req(buf, r, 1, false),
			 CCI_RC_INVALID_PADDR);
	}
	t_free(d);
}

static void add(struct dcd *d, uint16_t host, uint8_t region, uint64_t len, const uint8_t *tag)
{
	size_t n = t_add_req(buf, host, CCI_ADD_FREE, region, len, tag);

	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_SUCCESS);
}

static void test_add_response_partial(void **state)
{
	struct dcd *d = t_dcd();
	struct cci_dc_event ev[16];
	uint64_t r[] = { R1, 2 * MiB, R1 + 4 * MiB, 2 * MiB };

	(void)state;
	add(d, 10, 1, 8 * MiB, t_tag(6));
	/* Private capacity may be accepted in part: two of four blocks. */
	t_expect(d, A, CCI_ADD_DC_RESPONSE, buf, t_resp_req(buf, r, 2, false), CCI_RC_SUCCESS);
	assert_int_equal(d->host[A].nlist, 2);
	assert_int_equal(d->host[A].list[0].dpa, R1);
	assert_int_equal(d->host[A].list[1].dpa, R1 + 4 * MiB);
	assert_memory_equal(d->host[A].list[1].tag, t_tag(6), 16);
	assert_int_equal(fabric_alloc_avail(d->region[1].free), 252 * MiB);
	assert_true(fabric_alloc_is_free(d->region[1].free, R1 + 2 * MiB, 2 * MiB));
	assert_true(fabric_alloc_is_free(d->region[1].free, R1 + 6 * MiB, 2 * MiB));
	/* The FM learns what was accepted. */
	assert_int_equal(t_events(d, FM, ev, 16), 2);
	assert_int_equal(ev[0].type, CCI_DC_EVENT_ADD_RESPONSE);
	assert_int_equal(le16toh(ev[0].host_id), 10);
	assert_int_equal(ev[0].flags, CCI_DC_EVENT_MORE);
	assert_int_equal(le64toh(ev[1].extent.start_dpa), R1 + 4 * MiB);
	assert_int_equal(ev[1].flags, 0);
	t_free(d);
}

/* Adjacent pieces of one offered extent (issue: the answer was Success and
 * the saved state then failed to load, "extent ... is not a cap"): each
 * accepted piece becomes its own extent, and the state loads again. */
static void reloads(const struct dcd *d)
{
	struct t_snap s = t_snap(d);
	struct dcd *e = t_dcd();
	char err[256];

	if (dcd_deserialize(e, s.buf, s.len, err, sizeof(err)))
		fail_msg("the saved state does not load: %s", err);
	t_same(e, s);
	t_free(e);
}

static void test_add_response_adjacent_pieces(void **state)
{
	uint64_t r[] = { R1, 4 * MiB, R1 + 4 * MiB, 4 * MiB };
	struct dcd *d = t_dcd();

	(void)state;
	add(d, 11, 1, 16 * MiB, NULL);
	t_expect(d, B, CCI_ADD_DC_RESPONSE, buf, t_resp_req(buf, r, 2, false), CCI_RC_SUCCESS);
	assert_int_equal(d->host[B].nlist, 2);
	assert_int_equal(d->host[B].list[0].len, 4 * MiB);
	assert_int_equal(d->host[B].list[1].dpa, R1 + 4 * MiB);
	assert_int_equal(fabric_alloc_avail(d->region[1].free), 248 * MiB);
	reloads(d);
	/* Each piece is released on its own, and the rest of the region is free. */
	t_expect(d, B, CCI_RELEASE_DC, buf, t_resp_req(buf, r, 1, false), CCI_RC_SUCCESS);
	reloads(d);
	t_free(d);

	/* The same answer through a More chain, pieces in reverse order. */
	d = t_dcd();
	add(d, 11, 1, 16 * MiB, NULL);
	t_expect(d, B, CCI_ADD_DC_RESPONSE, buf, t_resp_req(buf, r + 2, 1, true), CCI_RC_SUCCESS);
	reloads(d);
	t_expect(d, B, CCI_ADD_DC_RESPONSE, buf, t_resp_req(buf, r, 1, false), CCI_RC_SUCCESS);
	assert_int_equal(d->host[B].nlist, 2);
	reloads(d);
	t_free(d);

	/* Shared capacity released in two touching pieces: released whole,
	 * and the other host's extent stays one cap. */
	d = t_dcd();
	add(d, 10, 0, 8 * MiB, t_tag(3));
	t_accept_all(d, A);
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf,
		 t_add_req(buf, 11, CCI_ADD_ENABLE_SHARED, 0, 0, t_tag(3)), CCI_RC_SUCCESS);
	t_accept_all(d, B);
	r[0] = R0, r[1] = 4 * MiB, r[2] = R0 + 4 * MiB, r[3] = 4 * MiB;
	t_expect(d, B, CCI_RELEASE_DC, buf, t_resp_req(buf, r, 2, false), CCI_RC_SUCCESS);
	assert_int_equal(d->host[B].nlist, 0);
	assert_int_equal(d->host[A].nlist, 1);
	reloads(d);
	t_free(d);
}

static void test_add_response_none(void **state)
{
	struct dcd *d = t_dcd();
	struct cci_dc_event ev[16];

	(void)state;
	add(d, 10, 0, 4 * MiB, t_tag(6));
	t_accept_none(d, A);
	assert_int_equal(d->host[A].nlist, 0);
	assert_int_equal(d->host[A].generation, 0);
	assert_int_equal(d->ncaps, 0);
	assert_int_equal(fabric_alloc_avail(d->region[0].free), 256 * MiB);
	/* Nothing accepted: one record, zero length, the tag. */
	assert_int_equal(t_events(d, FM, ev, 16), 1);
	assert_int_equal(ev[0].type, CCI_DC_EVENT_ADD_RESPONSE);
	assert_int_equal(le64toh(ev[0].extent.length), 0);
	assert_memory_equal(ev[0].extent.tag, t_tag(6), 16);
	t_free(d);
}

static void test_add_response_errors(void **state)
{
	struct dcd *d = t_dcd();
	uint64_t r[4];
	size_t n;

	(void)state;
	/* Nothing pending: no response expected. */
	n = t_resp_req(buf, NULL, 0, false);
	t_expect(d, A, CCI_ADD_DC_RESPONSE, buf, n, CCI_RC_INVALID_INPUT);
	add(d, 10, 0, 4 * MiB, t_tag(6)); /* sharable, [0, 4M) */
	add(d, 10, 1, 4 * MiB, NULL);     /* private, second group */

	static const struct {
		const char *what;
		uint64_t x[4];
		uint32_t n;
		int rc;
	} bad[] = {
		{ "sharable: part of it", { 0, 2 * MiB }, 1, CCI_RC_INVALID_EXTENT_LIST },
		{ "outside the offer", { 4 * MiB, 2 * MiB }, 1, CCI_RC_INVALID_PADDR },
		{ "the next group's", { R1, 4 * MiB }, 1, CCI_RC_INVALID_PADDR },
		{ "no such DPA", { 900 * MiB, 2 * MiB }, 1, CCI_RC_INVALID_PADDR },
		{ "misaligned", { MiB, 2 * MiB }, 1, CCI_RC_INVALID_EXTENT_LIST },
		{ "not a block multiple", { 0, 3 * MiB }, 1, CCI_RC_INVALID_EXTENT_LIST },
		{ "zero length", { 0, 0 }, 1, CCI_RC_INVALID_EXTENT_LIST },
		{ "overlapping", { 0, 4 * MiB, 2 * MiB, 2 * MiB }, 2, CCI_RC_INVALID_EXTENT_LIST },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("4802h: %s\n", bad[i].what);
		n = t_resp_req(buf, bad[i].x, bad[i].n, false);
		t_expect(d, A, CCI_ADD_DC_RESPONSE, buf, n, bad[i].rc);
	}
	r[0] = 0;
	r[1] = 4 * MiB;
	n = t_resp_req(buf, r, 1, false);
	t_expect(d, A, CCI_ADD_DC_RESPONSE, buf, n - 1, CCI_RC_INVALID_PAYLOAD_LENGTH);
	t_expect(d, A, CCI_ADD_DC_RESPONSE, buf, n + 0x18, CCI_RC_INVALID_PAYLOAD_LENGTH);
	t_expect(d, A, CCI_ADD_DC_RESPONSE, buf, 7, CCI_RC_INVALID_PAYLOAD_LENGTH);
	/* B has nothing pending. */
	t_expect(d, B, CCI_ADD_DC_RESPONSE, buf, n, CCI_RC_INVALID_INPUT);
	/* In order: the first group, then the second. */
	t_expect(d, A, CCI_ADD_DC_RESPONSE, buf, n, CCI_RC_SUCCESS);
	r[0] = R1;
	t_expect(d, A, CCI_ADD_DC_RESPONSE, buf, t_resp_req(buf, r, 1, false), CCI_RC_SUCCESS);
	assert_int_equal(d->host[A].nlist, 2);
	t_free(d);
}

static void test_add_response_more(void **state)
{
	struct dcd *d = t_dcd();
	uint64_t x[] = { 0, BS, 8 * MiB, BS, 16 * MiB, BS };
	uint64_t r[2];
	size_t n;

	(void)state;
	n = t_list_req(buf, 10, CCI_ADD_PRESCRIPTIVE, x, 3, t_tag(2));
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_SUCCESS);
	/* Three payloads chained with More. */
	r[0] = 8 * MiB, r[1] = BS;
	t_expect(d, A, CCI_ADD_DC_RESPONSE, buf, t_resp_req(buf, r, 1, true), CCI_RC_SUCCESS);
	assert_int_equal(d->host[A].accept.n, 1);
	assert_int_equal(d->host[A].nlist, 0);
	/* Repeating a chained range is an overlap; the chain stays. */
	t_expect(d, A, CCI_ADD_DC_RESPONSE, buf, t_resp_req(buf, r, 1, true),
		 CCI_RC_INVALID_EXTENT_LIST);
	/* Ending a sharable chain with only part of the offer: refused. */
	r[0] = 0;
	t_expect(d, A, CCI_ADD_DC_RESPONSE, buf, t_resp_req(buf, r, 1, false),
		 CCI_RC_INVALID_EXTENT_LIST);
	t_expect(d, A, CCI_ADD_DC_RESPONSE, buf, t_resp_req(buf, r, 1, true), CCI_RC_SUCCESS);
	r[0] = 16 * MiB;
	t_expect(d, A, CCI_ADD_DC_RESPONSE, buf, t_resp_req(buf, r, 1, false), CCI_RC_SUCCESS);
	assert_int_equal(d->host[A].nlist, 3);
	assert_int_equal(d->host[A].accept.n, 0);
	assert_int_equal(d->host[A].npending, 0);
	/* Group order is kept: sequence numbers 0, 1, 2. */
	for (int i = 0; i < 3; i++)
		assert_int_equal(d->host[A].list[i].seq, i);
	t_free(d);
}

static void test_release(void **state)
{
	struct dcd *d = t_dcd();
	struct cci_dc_event ev[16];
	uint64_t r[4];

	(void)state;
	t_add_accept(d, A, 1, 8 * MiB, NULL);
	t_add_accept(d, A, 0, 4 * MiB, t_tag(3));
	t_clear_events(d, FM);
	/* Private: any block-aligned part. */
	r[0] = R1 + 2 * MiB, r[1] = 2 * MiB;
	t_expect(d, A, CCI_RELEASE_DC, buf, t_resp_req(buf, r, 1, false), CCI_RC_SUCCESS);
	assert_int_equal(d->host[A].nlist, 3);
	assert_int_equal(t_events(d, FM, ev, 16), 1);
	assert_int_equal(ev[0].type, CCI_DC_EVENT_CAPACITY_RELEASED);
	assert_int_equal(le64toh(ev[0].extent.start_dpa), R1 + 2 * MiB);
	assert_int_equal(le64toh(ev[0].extent.length), 2 * MiB);
	assert_true(fabric_alloc_is_free(d->region[1].free, R1 + 2 * MiB, 2 * MiB));

	static const struct {
		const char *what;
		uint64_t x[4];
		uint32_t n;
		int rc;
	} bad[] = {
		{ "nothing", { 0 }, 0, CCI_RC_INVALID_INPUT },
		{ "not held (freed)", { R1 + 2 * MiB, 2 * MiB }, 1, CCI_RC_INVALID_PADDR },
		{ "partly held", { R1, 4 * MiB }, 1, CCI_RC_INVALID_PADDR },
		{ "no such DPA", { 2048 * MiB, 2 * MiB }, 1, CCI_RC_INVALID_PADDR },
		{ "sharable: part of it", { 0, 2 * MiB }, 1, CCI_RC_INVALID_EXTENT_LIST },
		{ "misaligned", { R1 + 5 * MiB, 2 * MiB }, 1, CCI_RC_INVALID_EXTENT_LIST },
		{ "zero length", { R1, 0 }, 1, CCI_RC_INVALID_EXTENT_LIST },
		{ "overlapping", { R1 + 4 * MiB, 4 * MiB, R1 + 6 * MiB, 2 * MiB }, 2,
		  CCI_RC_INVALID_EXTENT_LIST },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t n = t_resp_req(buf, bad[i].x, bad[i].n, false);

		print_message("4803h: %s\n", bad[i].what);
		t_expect(d, A, CCI_RELEASE_DC, buf, n, bad[i].rc);
	}
	t_expect(d, A, CCI_RELEASE_DC, buf, t_resp_req(buf, r, 1, false) + 3,
		 CCI_RC_INVALID_PAYLOAD_LENGTH);

	/* More-chained: the sharable tag in one part, a private block in another. */
	r[0] = 0, r[1] = 4 * MiB;
	t_expect(d, A, CCI_RELEASE_DC, buf, t_resp_req(buf, r, 1, true), CCI_RC_SUCCESS);
	assert_int_equal(d->host[A].nlist, 3);
	r[0] = R1, r[1] = 2 * MiB;
	t_expect(d, A, CCI_RELEASE_DC, buf, t_resp_req(buf, r, 1, false), CCI_RC_SUCCESS);
	assert_int_equal(d->host[A].nlist, 1);
	assert_int_equal(d->host[A].list[0].dpa, R1 + 4 * MiB);
	assert_int_equal(fabric_alloc_avail(d->region[0].free), 256 * MiB);
	t_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dc_config),
		cmocka_unit_test(test_extent_list),
		cmocka_unit_test(test_mailbox_reaches_only_its_host),
		cmocka_unit_test(test_add_response_partial),
		cmocka_unit_test(test_add_response_adjacent_pieces),
		cmocka_unit_test(test_add_response_none),
		cmocka_unit_test(test_add_response_errors),
		cmocka_unit_test(test_add_response_more),
		cmocka_unit_test(test_release),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
