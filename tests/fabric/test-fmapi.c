// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * FM API (56xxh) on the DCD model: each command's success path, and each
 * error path with its spec return code and a byte-for-byte unchanged state.
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

/* Records calls of the sanitizer. */
static struct {
	unsigned int n;
	unsigned int region[64];
	uint64_t off[64], len[64];
} zeroed;

static int record_sanitize(void *arg, unsigned int region, uint64_t off, uint64_t len)
{
	(void)arg;
	zeroed.region[zeroed.n] = region;
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

static void test_dcd_info(void **state)
{
	struct dcd *d = t_dcd();
	struct cci_fm_dcd_info r;

	(void)state;
	assert_int_equal(t_call(d, FM, CCI_FM_GET_DCD_INFO, NULL, 0), CCI_RC_SUCCESS);
	assert_int_equal(t_outlen, 0x54);
	memcpy(&r, t_out, sizeof(r));
	assert_int_equal(r.num_hosts, 3);
	assert_int_equal(r.num_regions, 2);
	assert_int_equal(le16toh(r.add_policies), 0x7);
	assert_int_equal(le16toh(r.release_policies), 0x3);
	assert_int_equal(r.sanitize_mask, 0x3);
	assert_int_equal(le64toh(r.total_capacity), 2); /* 512 MiB in 256 MiB units */
	/* 2 MiB (bit 21) up to the whole 256 MiB region (bit 28) */
	assert_int_equal(le64toh(r.block_size_mask[0]), 0x1fe00000ull);
	assert_int_equal(le64toh(r.block_size_mask[1]), 0x1fe00000ull);
	assert_int_equal(le64toh(r.block_size_mask[2]), 0);
	t_expect(d, FM, CCI_FM_GET_DCD_INFO, buf, 1, CCI_RC_INVALID_PAYLOAD_LENGTH);
	t_free(d);
}

static size_t region_req(uint16_t host, uint8_t count, uint8_t start)
{
	struct cci_fm_host_region_config_req r = { htole16(host), count, start };

	memcpy(buf, &r, sizeof(r));
	return sizeof(r);
}

static void test_host_region_config(void **state)
{
	struct dcd *d = t_dcd();
	struct cci_fm_host_region_config_rsp h;
	struct cci_fm_region_entry e[2];
	struct cci_dc_limits l;

	(void)state;
	assert_int_equal(t_call(d, FM, CCI_FM_GET_HOST_DC_REGION_CONFIG, buf, region_req(11, 8, 0)),
			 CCI_RC_SUCCESS);
	assert_int_equal(t_outlen, 4 + 2 * 0x28 + 0x10);
	memcpy(&h, t_out, 4);
	memcpy(e, t_out + 4, sizeof(e));
	memcpy(&l, t_out + 4 + sizeof(e), sizeof(l));
	assert_int_equal(le16toh(h.host_id), 11);
	assert_int_equal(h.num_available, 2);
	assert_int_equal(h.num_returned, 2);
	assert_int_equal(le64toh(e[0].base), 0);
	assert_int_equal(le64toh(e[0].decode_length), 1);
	assert_int_equal(le64toh(e[0].length), 256 * MiB);
	assert_int_equal(le64toh(e[0].block_size), BS);
	assert_int_equal(e[0].attr1, CCI_ATTR1_SHARABLE);
	assert_int_equal(e[0].attr2, 0);
	assert_int_equal(le64toh(e[1].base), R1);
	assert_int_equal(e[1].attr1, 0);
	assert_int_equal(e[1].attr2, CCI_ATTR2_SANITIZE_ON_RELEASE);
	assert_int_equal(le32toh(l.total_extents), 64);
	assert_int_equal(le32toh(l.available_extents), 64);
	assert_int_equal(le32toh(l.total_tags), 8);

	assert_int_equal(t_call(d, FM, CCI_FM_GET_HOST_DC_REGION_CONFIG, buf, region_req(10, 1, 1)),
			 CCI_RC_SUCCESS);
	assert_int_equal(t_outlen, 4 + 0x28 + 0x10);
	assert_int_equal(t_out[3], 1);

	t_expect(d, FM, CCI_FM_GET_HOST_DC_REGION_CONFIG, buf, region_req(99, 8, 0),
		 CCI_RC_INVALID_INPUT);
	t_expect(d, FM, CCI_FM_GET_HOST_DC_REGION_CONFIG, buf, region_req(10, 8, 2),
		 CCI_RC_INVALID_INPUT);
	t_expect(d, FM, CCI_FM_GET_HOST_DC_REGION_CONFIG, buf, 3, CCI_RC_INVALID_PAYLOAD_LENGTH);
	t_expect(d, FM, CCI_FM_GET_HOST_DC_REGION_CONFIG, buf, 5, CCI_RC_INVALID_PAYLOAD_LENGTH);
	t_free(d);
}

static size_t setcfg_req(uint8_t region, uint64_t bs, uint8_t flags)
{
	struct cci_fm_set_region_config r = { 0 };

	r.region_id = region;
	r.block_size = htole64(bs);
	r.flags = flags;
	memcpy(buf, &r, sizeof(r));
	return sizeof(r);
}

static void test_set_region_config(void **state)
{
	struct dcd *d = t_dcd();
	struct cci_fm_set_region_config rsp;
	struct cci_dc_event ev[16];

	(void)state;
	t_expect(d, FM, CCI_FM_SET_DC_REGION_CONFIG, buf, setcfg_req(1, 4 * MiB, 0),
		 CCI_RC_SUCCESS);
	assert_int_equal(t_outlen, 0x10);
	memcpy(&rsp, t_out, sizeof(rsp));
	assert_int_equal(rsp.region_id, 1);
	assert_int_equal(le64toh(rsp.block_size), 4 * MiB);
	assert_int_equal(rsp.flags, 0);
	assert_int_equal(d->region[1].block_size, 4 * MiB);
	assert_false(d->region[1].sanitize);
	/* Every host hears of it. */
	for (int h = A; h <= C; h++) {
		assert_int_equal(t_events(d, h, ev, 16), 1);
		assert_int_equal(ev[0].type, CCI_DC_EVENT_REGION_CONFIG_UPDATED);
		assert_int_equal(ev[0].region_index, 1);
	}

	t_expect(d, FM, CCI_FM_SET_DC_REGION_CONFIG, buf, setcfg_req(2, BS, 0),
		 CCI_RC_INVALID_INPUT);
	t_expect(d, FM, CCI_FM_SET_DC_REGION_CONFIG, buf, setcfg_req(1, 3 * MiB, 0),
		 CCI_RC_INVALID_INPUT);
	t_expect(d, FM, CCI_FM_SET_DC_REGION_CONFIG, buf, setcfg_req(1, MiB, 0),
		 CCI_RC_INVALID_INPUT);
	t_expect(d, FM, CCI_FM_SET_DC_REGION_CONFIG, buf, setcfg_req(1, 512 * MiB, 0),
		 CCI_RC_INVALID_INPUT);
	t_expect(d, FM, CCI_FM_SET_DC_REGION_CONFIG, buf, 15, CCI_RC_INVALID_PAYLOAD_LENGTH);
	/* Capacity allocated in the region: refused. */
	t_add_accept(d, A, 1, 8 * MiB, NULL);
	t_expect(d, FM, CCI_FM_SET_DC_REGION_CONFIG, buf, setcfg_req(1, 8 * MiB, 1),
		 CCI_RC_UNSUPPORTED);
	/* A host whose log is full would miss the event: retry later. */
	for (int i = 0; i < 14; i++)
		t_expect(d, FM, CCI_FM_SET_DC_REGION_CONFIG, buf, setcfg_req(0, BS, 0),
			 CCI_RC_SUCCESS);
	t_expect(d, FM, CCI_FM_SET_DC_REGION_CONFIG, buf, setcfg_req(0, BS, 0), CCI_RC_RETRY);
	t_free(d);
}

static size_t lists_req(uint16_t host, uint32_t count, uint32_t start)
{
	struct cci_fm_extent_lists_req r = { htole16(host), 0, htole32(count), htole32(start) };

	memcpy(buf, &r, sizeof(r));
	return sizeof(r);
}

static void test_extent_lists(void **state)
{
	struct dcd *d = t_dcd();
	struct cci_fm_extent_lists_rsp r;
	struct cci_dc_extent x;

	(void)state;
	t_add_accept(d, A, 1, 8 * MiB, NULL);
	t_add_accept(d, A, 0, 4 * MiB, t_tag(1));
	t_add_accept(d, A, 1, 2 * MiB, t_tag(2));
	assert_int_equal(t_call(d, FM, CCI_FM_GET_DC_REGION_EXTENT_LISTS, buf, lists_req(10, 2, 0)),
			 CCI_RC_SUCCESS);
	memcpy(&r, t_out, sizeof(r));
	assert_int_equal(t_outlen, 0x18 + 2 * 0x28);
	assert_int_equal(le16toh(r.host_id), 10);
	assert_int_equal(le32toh(r.start_index), 0);
	assert_int_equal(le32toh(r.returned), 2);
	assert_int_equal(le32toh(r.total), 3);
	assert_int_equal(le32toh(r.generation), d->host[A].generation);
	assert_int_equal(d->host[A].generation, 3);
	memcpy(&x, t_out + 0x18 + 0x28, sizeof(x));
	assert_int_equal(le64toh(x.start_dpa), 0);
	assert_int_equal(le64toh(x.length), 4 * MiB);
	assert_memory_equal(x.tag, t_tag(1), 16);
	/* Count 0: just the totals; start == total: nothing. */
	assert_int_equal(t_call(d, FM, CCI_FM_GET_DC_REGION_EXTENT_LISTS, buf, lists_req(10, 0, 0)),
			 CCI_RC_SUCCESS);
	assert_int_equal(t_outlen, 0x18);
	assert_int_equal(t_call(d, FM, CCI_FM_GET_DC_REGION_EXTENT_LISTS, buf, lists_req(10, 9, 3)),
			 CCI_RC_SUCCESS);
	assert_int_equal(t_outlen, 0x18);
	/* Host B's list is B's alone: empty. */
	assert_int_equal(t_call(d, FM, CCI_FM_GET_DC_REGION_EXTENT_LISTS, buf, lists_req(11, 9, 0)),
			 CCI_RC_SUCCESS);
	memcpy(&r, t_out, sizeof(r));
	assert_int_equal(le32toh(r.total), 0);

	t_expect(d, FM, CCI_FM_GET_DC_REGION_EXTENT_LISTS, buf, lists_req(10, 1, 4),
		 CCI_RC_INVALID_INPUT);
	t_expect(d, FM, CCI_FM_GET_DC_REGION_EXTENT_LISTS, buf, lists_req(13, 1, 0),
		 CCI_RC_INVALID_INPUT);
	t_expect(d, FM, CCI_FM_GET_DC_REGION_EXTENT_LISTS, buf, 11, CCI_RC_INVALID_PAYLOAD_LENGTH);
	t_expect(d, FM, CCI_FM_GET_DC_REGION_EXTENT_LISTS, buf, 13, CCI_RC_INVALID_PAYLOAD_LENGTH);
	t_free(d);
}

static void test_add_free(void **state)
{
	struct dcd *d = t_dcd();
	struct cci_dc_event ev[16];
	size_t n;

	(void)state;
	n = t_add_req(buf, 10, CCI_ADD_FREE, 1, 8 * MiB, NULL);
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_SUCCESS);
	assert_int_equal(t_outlen, 0);
	assert_int_equal(d->host[A].npending, 1);
	assert_int_equal(d->host[A].nlist, 0);
	assert_int_equal(t_events(d, A, ev, 16), 1);
	assert_int_equal(ev[0].type, CCI_DC_EVENT_ADD_CAPACITY);
	assert_int_equal(ev[0].flags, 0);
	assert_int_equal(le64toh(ev[0].extent.start_dpa), R1);
	assert_int_equal(le64toh(ev[0].extent.length), 8 * MiB);
	assert_int_equal(le16toh(ev[0].hdr.handle), 1);
	assert_int_equal(ev[0].hdr.length, 0x80);
	assert_int_equal(ev[0].validity, 1);
	assert_int_equal(le32toh(ev[0].num_available_extents), 63);
	/* Nobody else hears of it. */
	assert_int_equal(t_events(d, B, ev, 16), 0);
	assert_int_equal(fabric_alloc_avail(d->region[1].free), 248 * MiB);
	t_accept_all(d, A);
	assert_int_equal(d->host[A].nlist, 1);
	assert_int_equal(d->host[A].npending, 0);
	t_free(d);
}

/* A 16 MiB region of 2 MiB blocks with holes at blocks 1, 3 and 5. */
static struct dcd *fragmented(void)
{
	static const char cfg[] =
		"{ \"hosts\": [ { \"id\": 0, \"name\": \"A\" } ],"
		"  \"regions\": [ { \"base\": \"0\", \"length\": \"16M\" } ] }";
	struct dcd *d = t_dcd_json(cfg);
	uint64_t r[2];

	for (int i = 0; i < 8; i++)
		t_add_accept(d, 0, 0, BS, NULL);
	for (int i = 1; i < 6; i += 2) {
		r[0] = (uint64_t)i * BS;
		r[1] = BS;
		t_expect(d, 0, CCI_RELEASE_DC, buf, t_resp_req(buf, r, 1, false), CCI_RC_SUCCESS);
	}
	t_clear_events(d, 0);
	return d;
}

static void test_add_scatter(void **state)
{
	struct dcd *d = fragmented();
	struct cci_dc_event ev[16];
	size_t n;

	(void)state;
	/* No 6 MiB hole: contiguous cannot, free takes three pieces. */
	n = t_add_req(buf, 0, CCI_ADD_CONTIGUOUS, 0, 6 * MiB, NULL);
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_RESOURCES_EXHAUSTED);
	n = t_add_req(buf, 0, CCI_ADD_FREE, 0, 8 * MiB, NULL);
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_RESOURCES_EXHAUSTED);
	n = t_add_req(buf, 0, CCI_ADD_FREE, 0, 6 * MiB, NULL);
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_SUCCESS);
	assert_int_equal(t_events(d, 0, ev, 16), 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(ev[i].type, CCI_DC_EVENT_ADD_CAPACITY);
		assert_int_equal(ev[i].flags, i < 2 ? CCI_DC_EVENT_MORE : 0);
		assert_int_equal(le64toh(ev[i].extent.start_dpa), (uint64_t)(2 * i + 1) * BS);
		assert_int_equal(le64toh(ev[i].extent.length), BS);
	}
	assert_int_equal(fabric_alloc_avail(d->region[0].free), 0);
	t_accept_all(d, 0);
	assert_int_equal(d->host[0].nlist, 8);
	n = t_add_req(buf, 0, CCI_ADD_FREE, 0, BS, NULL);
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_RESOURCES_EXHAUSTED);
	t_free(d);
}

static void test_add_errors(void **state)
{
	struct dcd *d = t_dcd();
	size_t n;

	(void)state;
	t_add_accept(d, A, 0, 4 * MiB, t_tag(7));
	n = t_add_req(buf, 99, CCI_ADD_FREE, 1, BS, NULL); /* unknown host */
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_INVALID_INPUT);
	n = t_add_req(buf, 10, 4, 1, BS, NULL); /* reserved policy */
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_INVALID_INPUT);
	n = t_add_req(buf, 10, CCI_ADD_FREE, 2, BS, NULL); /* no region 2 */
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_INVALID_INPUT);
	n = t_add_req(buf, 10, CCI_ADD_FREE, 7, BS, NULL);
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_INVALID_INPUT);
	n = t_add_req(buf, 10, CCI_ADD_FREE, 1, 0, NULL); /* zero length */
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_INVALID_INPUT);
	n = t_add_req(buf, 10, CCI_ADD_CONTIGUOUS, 1, 3 * MiB, NULL); /* not block multiple */
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_INVALID_INPUT);
	n = t_add_req(buf, 10, CCI_ADD_FREE, 0, BS, NULL); /* sharable needs a tag */
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_INVALID_INPUT);
	n = t_add_req(buf, 11, CCI_ADD_FREE, 0, BS, t_tag(7)); /* tag in use */
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_INVALID_INPUT);
	n = t_add_req(buf, 10, CCI_ADD_FREE, 1, 258 * MiB, NULL); /* more than free */
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_RESOURCES_EXHAUSTED);
	n = t_add_req(buf, 10, CCI_ADD_FREE, 0, 256 * MiB, t_tag(8));
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_RESOURCES_EXHAUSTED);
	/* The payload length must match the policy's layout. */
	n = t_add_req(buf, 10, CCI_ADD_FREE, 1, BS, NULL);
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n + 1, CCI_RC_INVALID_PAYLOAD_LENGTH);
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n + 0x28, CCI_RC_INVALID_PAYLOAD_LENGTH);
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n - 1, CCI_RC_INVALID_PAYLOAD_LENGTH);
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, 0, CCI_RC_INVALID_PAYLOAD_LENGTH);
	t_free(d);
}

static void test_add_limits(void **state)
{
	struct dcd *d = t_dcd();
	size_t n;

	(void)state;
	/* Tag tracking: 8 distinct tags per host. */
	for (int i = 1; i <= 8; i++)
		t_add_accept(d, A, 1, BS, t_tag((uint8_t)i));
	n = t_add_req(buf, 10, CCI_ADD_FREE, 1, BS, t_tag(9));
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_RESOURCES_EXHAUSTED);
	/* Untagged capacity still fits. */
	n = t_add_req(buf, 10, CCI_ADD_FREE, 1, BS, NULL);
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_SUCCESS);
	/* Event log (16 records, 9 used): a group that does not fit retries. */
	for (int i = 0; i < 7; i++)
		t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_SUCCESS);
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_RETRY);
	t_clear_events(d, A);
	/* Extent tracking: 64 per host, pending ones included. */
	for (int i = 0; i < 8; i++)
		t_accept_all(d, A);
	assert_int_equal(d->host[A].nlist, 16);
	for (int i = 0; i < 3; i++) {
		for (int k = 0; k < 16; k++)
			t_add_accept(d, A, 1, BS, NULL);
		t_clear_events(d, A);
	}
	assert_int_equal(d->host[A].nlist, 64);
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_RESOURCES_EXHAUSTED);
	t_free(d);
}

static void test_add_prescriptive(void **state)
{
	struct dcd *d = t_dcd();
	struct cci_dc_event ev[16];
	uint64_t x[] = { 10 * MiB, 4 * MiB, 2 * MiB, 2 * MiB };
	size_t n;

	(void)state;
	n = t_list_req(buf, 11, CCI_ADD_PRESCRIPTIVE, x, 2, t_tag(3));
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_SUCCESS);
	assert_int_equal(t_events(d, B, ev, 16), 2);
	/* Sequence numbers follow the FM's order. */
	assert_int_equal(le64toh(ev[0].extent.start_dpa), 10 * MiB);
	assert_int_equal(le16toh(ev[0].extent.shared_seq), 0);
	assert_int_equal(ev[0].flags, CCI_DC_EVENT_MORE);
	assert_int_equal(le64toh(ev[1].extent.start_dpa), 2 * MiB);
	assert_int_equal(le16toh(ev[1].extent.shared_seq), 1);
	assert_int_equal(ev[1].flags, 0);
	assert_memory_equal(ev[1].extent.tag, t_tag(3), 16);
	assert_false(fabric_alloc_is_free(d->region[0].free, 10 * MiB, BS));
	t_accept_all(d, B);
	assert_int_equal(d->host[B].nlist, 2);
	t_free(d);
}

static void test_add_prescriptive_errors(void **state)
{
	struct dcd *d = t_dcd();
	size_t n;

	(void)state;
	{
		uint64_t held[] = { R1, 4 * MiB };

		n = t_list_req(buf, 10, CCI_ADD_PRESCRIPTIVE, held, 1, NULL);
		t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_SUCCESS);
		t_accept_all(d, A);
	}
	static const struct {
		const char *what;
		uint64_t x[4];
		uint32_t n;
		uint8_t tag;
		int rc;
	} bad[] = {
		{ "no extents", { 0 }, 0, 0, CCI_RC_INVALID_EXTENT_LIST },
		{ "outside every region", { 600 * MiB, BS }, 1, 0, CCI_RC_INVALID_EXTENT_LIST },
		{ "crosses a region end", { 254 * MiB, 4 * MiB }, 1, 1, CCI_RC_INVALID_EXTENT_LIST },
		{ "misaligned start", { R1 + MiB, BS }, 1, 0, CCI_RC_INVALID_EXTENT_LIST },
		{ "length not a block multiple", { R1 + 8 * MiB, 3 * MiB }, 1, 0,
		  CCI_RC_INVALID_EXTENT_LIST },
		{ "zero length", { R1 + 8 * MiB, 0 }, 1, 0, CCI_RC_INVALID_EXTENT_LIST },
		{ "overlap each other", { R1 + 8 * MiB, 4 * MiB, R1 + 10 * MiB, BS }, 2, 0,
		  CCI_RC_INVALID_EXTENT_LIST },
		{ "two regions", { R1 + 8 * MiB, BS, 0, BS }, 2, 1, CCI_RC_INVALID_EXTENT_LIST },
		{ "already this host's", { R1 + 2 * MiB, BS }, 1, 0, CCI_RC_INVALID_EXTENT_LIST },
		{ "sharable without tag", { 0, BS }, 1, 0, CCI_RC_INVALID_INPUT },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = t_list_req(buf, 10, CCI_ADD_PRESCRIPTIVE, bad[i].x, bad[i].n,
			       bad[i].tag ? t_tag(bad[i].tag) : NULL);
		print_message("prescriptive add: %s\n", bad[i].what);
		t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, bad[i].rc);
	}
	/* Someone else's DPAs. */
	{
		uint64_t x[] = { R1, BS };

		n = t_list_req(buf, 11, CCI_ADD_PRESCRIPTIVE, x, 1, NULL);
		t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_INVALID_EXTENT_LIST);
	}
	/* Extent count that disagrees with the payload. */
	{
		uint64_t x[] = { R1 + 8 * MiB, BS, R1 + 12 * MiB, BS };

		n = t_list_req(buf, 10, CCI_ADD_PRESCRIPTIVE, x, 2, NULL);
		t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n - 0x28, CCI_RC_INVALID_PAYLOAD_LENGTH);
		t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n + 0x28, CCI_RC_INVALID_PAYLOAD_LENGTH);
		t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n - 1, CCI_RC_INVALID_PAYLOAD_LENGTH);
		/* Different tags in one group. */
		memset(buf + 0x20 + 0x28 + 0x10, 0x42, 16);
		t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_INVALID_EXTENT_LIST);
	}
	t_free(d);
}

static void test_enable_shared(void **state)
{
	struct dcd *d = t_dcd();
	uint64_t x[] = { 8 * MiB, 2 * MiB, 0, 4 * MiB, 20 * MiB, 2 * MiB };
	size_t n;

	(void)state;
	n = t_list_req(buf, 10, CCI_ADD_PRESCRIPTIVE, x, 3, t_tag(5));
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_SUCCESS);
	t_accept_all(d, A);
	n = t_add_req(buf, 11, CCI_ADD_ENABLE_SHARED, 0, 0, t_tag(5));
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_SUCCESS);
	t_accept_all(d, B);
	/* The same extents, DPAs and sequence numbers, on both hosts. */
	assert_int_equal(d->host[B].nlist, 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(d->host[B].list[i].dpa, d->host[A].list[i].dpa);
		assert_int_equal(d->host[B].list[i].len, d->host[A].list[i].len);
		assert_int_equal(d->host[B].list[i].seq, (uint16_t)i);
		assert_int_equal(d->host[A].list[i].seq, (uint16_t)i);
	}
	assert_int_equal(d->caps[0].refs, 2);

	n = t_add_req(buf, 11, CCI_ADD_ENABLE_SHARED, 0, 0, t_tag(5)); /* already has it */
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_INVALID_INPUT);
	n = t_add_req(buf, 10, CCI_ADD_ENABLE_SHARED, 0, 0, t_tag(5));
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_INVALID_INPUT);
	n = t_add_req(buf, 12, CCI_ADD_ENABLE_SHARED, 0, 0, t_tag(6)); /* unknown tag */
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_INVALID_INPUT);
	n = t_add_req(buf, 12, CCI_ADD_ENABLE_SHARED, 0, 0, NULL); /* null tag */
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_INVALID_INPUT);
	n = t_add_req(buf, 12, CCI_ADD_ENABLE_SHARED, 1, 0, t_tag(5)); /* region not sharable */
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_INVALID_INPUT);
	n = t_add_req(buf, 12, CCI_ADD_ENABLE_SHARED, 4, 0, t_tag(5)); /* no such region */
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_INVALID_INPUT);
	n = t_add_req(buf, 99, CCI_ADD_ENABLE_SHARED, 0, 0, t_tag(5));
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_INVALID_INPUT);
	n = t_add_req(buf, 12, CCI_ADD_ENABLE_SHARED, 0, 0, t_tag(5));
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n + 4, CCI_RC_INVALID_PAYLOAD_LENGTH);
	/* Private tagged capacity cannot be shared. */
	t_add_accept(d, A, 1, BS, t_tag(9));
	n = t_add_req(buf, 12, CCI_ADD_ENABLE_SHARED, 0, 0, t_tag(9));
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_INVALID_INPUT);
	t_free(d);
}

static void test_shared_freed_after_last(void **state)
{
	struct dcd *d = dcd_with_sanitizer();
	struct cci_dc_event ev[16];
	size_t n;

	(void)state;
	t_add_accept(d, A, 0, 6 * MiB, t_tag(5));
	n = t_add_req(buf, 11, CCI_ADD_ENABLE_SHARED, 0, 0, t_tag(5));
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_SUCCESS);
	t_accept_all(d, B);
	n = t_add_req(buf, 12, CCI_ADD_ENABLE_SHARED, 0, 0, t_tag(5));
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_SUCCESS);
	t_accept_all(d, C);
	t_clear_events(d, FM);

	/* The FM asks A to release, with sanitize: nothing moves until A answers. */
	n = t_release_req(buf, 10, CCI_RELEASE_TAG_BASED | CCI_RELEASE_SANITIZE, 0, t_tag(5));
	t_expect(d, FM, CCI_FM_INITIATE_DC_RELEASE, buf, n, CCI_RC_SUCCESS);
	t_clear_events(d, A);
	assert_int_equal(d->host[A].nlist, 1);
	t_host_release_tag(d, A, t_tag(5));
	assert_int_equal(d->host[A].nlist, 0);
	assert_int_equal(t_events(d, FM, ev, 16), 1);
	assert_int_equal(ev[0].type, CCI_DC_EVENT_CAPACITY_RELEASED);
	assert_int_equal(le16toh(ev[0].host_id), 10);
	/* Still B's and C's: not freed, not zeroed. */
	assert_int_equal(zeroed.n, 0);
	assert_int_equal(fabric_alloc_avail(d->region[0].free), 250 * MiB);
	t_host_release_tag(d, B, t_tag(5));
	assert_int_equal(zeroed.n, 0);
	/* A host that does not hold it cannot release it. */
	n = t_release_req(buf, 10, CCI_RELEASE_TAG_BASED, 0, t_tag(5));
	t_expect(d, FM, CCI_FM_INITIATE_DC_RELEASE, buf, n, CCI_RC_INVALID_INPUT);
	{
		uint64_t r[] = { 0, 6 * MiB };

		t_expect(d, A, CCI_RELEASE_DC, buf, t_resp_req(buf, r, 1, false),
			 CCI_RC_INVALID_PADDR);
		n = t_list_req(buf, 11, CCI_RELEASE_PRESCRIPTIVE, r, 1, NULL);
		t_expect(d, FM, CCI_FM_INITIATE_DC_RELEASE, buf, n, CCI_RC_INVALID_EXTENT_LIST);
	}
	/* The last one: freed and zeroed (sanitize was asked for). */
	t_host_release_tag(d, C, t_tag(5));
	assert_int_equal(fabric_alloc_avail(d->region[0].free), 256 * MiB);
	assert_int_equal(zeroed.n, 1);
	assert_int_equal(zeroed.region[0], 0);
	assert_int_equal(zeroed.off[0], 0);
	assert_int_equal(zeroed.len[0], 6 * MiB);
	assert_int_equal(d->ncaps, 0);
	/* The tag is free for a new allocation now. */
	n = t_add_req(buf, 10, CCI_ADD_FREE, 0, BS, t_tag(5));
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_SUCCESS);
	t_free(d);
}

static void test_release_tag(void **state)
{
	struct dcd *d = dcd_with_sanitizer();
	struct cci_dc_event ev[16];
	size_t n;

	(void)state;
	t_add_accept(d, A, 1, 8 * MiB, t_tag(4));
	t_add_accept(d, A, 0, 4 * MiB, t_tag(5));
	t_clear_events(d, A);
	n = t_release_req(buf, 10, CCI_RELEASE_TAG_BASED, 0, t_tag(4));
	t_expect(d, FM, CCI_FM_INITIATE_DC_RELEASE, buf, n, CCI_RC_SUCCESS);
	assert_int_equal(t_events(d, A, ev, 16), 1);
	assert_int_equal(ev[0].type, CCI_DC_EVENT_RELEASE_CAPACITY);
	assert_int_equal(le64toh(ev[0].extent.start_dpa), R1);
	assert_int_equal(le64toh(ev[0].extent.length), 8 * MiB);
	assert_int_equal(d->host[A].nlist, 2); /* waits for the host */
	t_clear_events(d, A);

	/* Length: part of private capacity is fine, too much is not. */
	n = t_release_req(buf, 10, CCI_RELEASE_TAG_BASED, 2 * MiB, t_tag(4));
	t_expect(d, FM, CCI_FM_INITIATE_DC_RELEASE, buf, n, CCI_RC_SUCCESS);
	assert_int_equal(t_events(d, A, ev, 16), 1);
	assert_int_equal(le64toh(ev[0].extent.length), 2 * MiB);
	t_clear_events(d, A);
	n = t_release_req(buf, 10, CCI_RELEASE_TAG_BASED, 10 * MiB, t_tag(4));
	t_expect(d, FM, CCI_FM_INITIATE_DC_RELEASE, buf, n, CCI_RC_RESOURCES_EXHAUSTED);
	n = t_release_req(buf, 10, CCI_RELEASE_TAG_BASED, 3 * MiB, t_tag(4));
	t_expect(d, FM, CCI_FM_INITIATE_DC_RELEASE, buf, n, CCI_RC_INVALID_INPUT);
	/* Sharable capacity goes whole or not at all. */
	n = t_release_req(buf, 10, CCI_RELEASE_TAG_BASED, 2 * MiB, t_tag(5));
	t_expect(d, FM, CCI_FM_INITIATE_DC_RELEASE, buf, n, CCI_RC_INVALID_INPUT);
	n = t_release_req(buf, 10, CCI_RELEASE_TAG_BASED, 0, t_tag(6)); /* unknown tag */
	t_expect(d, FM, CCI_FM_INITIATE_DC_RELEASE, buf, n, CCI_RC_INVALID_INPUT);
	n = t_release_req(buf, 10, CCI_RELEASE_TAG_BASED, 0, NULL);
	t_expect(d, FM, CCI_FM_INITIATE_DC_RELEASE, buf, n, CCI_RC_INVALID_INPUT);
	n = t_release_req(buf, 11, CCI_RELEASE_TAG_BASED, 0, t_tag(4)); /* not B's */
	t_expect(d, FM, CCI_FM_INITIATE_DC_RELEASE, buf, n, CCI_RC_INVALID_INPUT);
	n = t_release_req(buf, 77, CCI_RELEASE_TAG_BASED, 0, t_tag(4));
	t_expect(d, FM, CCI_FM_INITIATE_DC_RELEASE, buf, n, CCI_RC_INVALID_INPUT);
	n = t_release_req(buf, 10, 2, 0, t_tag(4)); /* reserved policy */
	t_expect(d, FM, CCI_FM_INITIATE_DC_RELEASE, buf, n, CCI_RC_INVALID_INPUT);
	n = t_release_req(buf, 10, CCI_RELEASE_TAG_BASED, 0, t_tag(4));
	t_expect(d, FM, CCI_FM_INITIATE_DC_RELEASE, buf, n + 0x28, CCI_RC_INVALID_PAYLOAD_LENGTH);
	/* Pending capacity: only a forced release may take it. */
	n = t_add_req(buf, 10, CCI_ADD_FREE, 1, BS, t_tag(8));
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_SUCCESS);
	n = t_release_req(buf, 10, CCI_RELEASE_TAG_BASED, 0, t_tag(8));
	t_expect(d, FM, CCI_FM_INITIATE_DC_RELEASE, buf, n, CCI_RC_INVALID_PADDR);
	/* A full log: retry. */
	while (evlog_room(&d->host[A].log)) {
		n = t_release_req(buf, 10, CCI_RELEASE_TAG_BASED, 0, t_tag(5));
		t_expect(d, FM, CCI_FM_INITIATE_DC_RELEASE, buf, n, CCI_RC_SUCCESS);
	}
	n = t_release_req(buf, 10, CCI_RELEASE_TAG_BASED, 0, t_tag(4));
	t_expect(d, FM, CCI_FM_INITIATE_DC_RELEASE, buf, n, CCI_RC_RETRY);
	t_free(d);
}

static void test_release_forced(void **state)
{
	struct dcd *d = dcd_with_sanitizer();
	struct cci_dc_event ev[16];
	uint32_t gen;
	size_t n;

	(void)state;
	t_add_accept(d, A, 0, 4 * MiB, t_tag(5));
	n = t_add_req(buf, 11, CCI_ADD_ENABLE_SHARED, 0, 0, t_tag(5));
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_SUCCESS);
	t_accept_all(d, B);
	t_clear_events(d, A);
	t_clear_events(d, FM);
	gen = d->host[A].generation;

	/* Forced: A loses access at once, no 4803h needed. */
	n = t_release_req(buf, 10, CCI_RELEASE_TAG_BASED | CCI_RELEASE_FORCED |
				   CCI_RELEASE_SANITIZE, 0, t_tag(5));
	t_expect(d, FM, CCI_FM_INITIATE_DC_RELEASE, buf, n, CCI_RC_SUCCESS);
	assert_int_equal(d->host[A].nlist, 0);
	assert_int_not_equal(d->host[A].generation, gen);
	assert_int_equal(t_events(d, A, ev, 16), 1);
	assert_int_equal(ev[0].type, CCI_DC_EVENT_FORCED_RELEASE);
	assert_int_equal(t_events(d, FM, ev, 16), 1);
	assert_int_equal(ev[0].type, CCI_DC_EVENT_CAPACITY_RELEASED);
	assert_int_equal(le16toh(ev[0].host_id), 10);
	/* B still has it: not freed, not zeroed until B lets go. */
	assert_int_equal(zeroed.n, 0);
	assert_int_equal(d->host[B].nlist, 1);
	t_host_release_tag(d, B, t_tag(5));
	/* ...and A may still be revoking its users: not freed until A clears
	 * the Forced Capacity Release record. */
	assert_int_equal(zeroed.n, 0);
	assert_int_equal(fabric_alloc_avail(d->region[0].free), 252 * MiB);
	t_clear_events(d, A);
	assert_int_equal(zeroed.n, 1);
	assert_int_equal(fabric_alloc_avail(d->region[0].free), 256 * MiB);
	t_free(d);
}

/* A forced release frees nothing until the host acknowledges it revoked
 * the capacity by clearing the Forced Capacity Release record: until then
 * the range is handed to no one (prescriptive adds are refused, other adds
 * get other blocks, shared access waits), across a restart too. */
static void test_release_forced_waits_for_host(void **state)
{
	struct dcd *d = t_dcd(), *e;
	struct cci_dc_event ev[16];
	uint64_t x[2];
	struct t_snap s;
	char err[256];
	size_t n;

	(void)state;
	t_add_accept(d, A, 1, 4 * MiB, NULL);
	t_add_accept(d, A, 0, 4 * MiB, t_tag(7));
	x[0] = d->host[A].list[0].dpa, x[1] = 4 * MiB;
	t_clear_events(d, A);
	n = t_list_req(buf, 10, CCI_RELEASE_PRESCRIPTIVE | CCI_RELEASE_FORCED, x, 1, NULL);
	t_expect(d, FM, CCI_FM_INITIATE_DC_RELEASE, buf, n, CCI_RC_SUCCESS);
	n = t_release_req(buf, 10, CCI_RELEASE_TAG_BASED | CCI_RELEASE_FORCED, 0, t_tag(7));
	t_expect(d, FM, CCI_FM_INITIATE_DC_RELEASE, buf, n, CCI_RC_SUCCESS);
	assert_int_equal(d->host[A].nlist, 0);
	assert_int_equal(d->host[A].nrevoke, 2);
	t_check(d);

	/* Another host cannot get those blocks, nor share the tag. */
	n = t_list_req(buf, 11, CCI_ADD_PRESCRIPTIVE, x, 1, NULL);
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_INVALID_EXTENT_LIST);
	n = t_add_req(buf, 11, CCI_ADD_ENABLE_SHARED, 0, 0, t_tag(7));
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_RETRY);
	n = t_add_req(buf, 11, CCI_ADD_FREE, 1, 4 * MiB, NULL);
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_SUCCESS);
	assert_false(dcd_overlap(d->host[B].pending[0].x[0].dpa, d->host[B].pending[0].x[0].len,
				 x[0], x[1]));
	t_accept_none(d, B);

	/* A restart keeps them revoking. */
	s = t_snap(d);
	e = t_dcd();
	assert_int_equal(dcd_deserialize(e, s.buf, s.len, err, sizeof(err)), 0);
	free(s.buf);
	t_free(d);
	d = e;
	assert_int_equal(d->host[A].nrevoke, 2);
	n = t_list_req(buf, 11, CCI_ADD_PRESCRIPTIVE, x, 1, NULL);
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_INVALID_EXTENT_LIST);

	/* Clearing another record acknowledges nothing; clearing the first
	 * forced record frees its range only. */
	assert_int_equal(t_events(d, A, ev, 16), 2);
	assert_int_equal(ev[0].type, CCI_DC_EVENT_FORCED_RELEASE);
	{
		uint8_t req[8] = { CCI_LOG_DC, 0, 1, 0, 0, 0 };

		memcpy(req + 6, &ev[0].hdr.handle, 2);
		t_expect(d, A, CCI_CLEAR_EVENT_RECORDS, req, sizeof(req), CCI_RC_SUCCESS);
	}
	assert_int_equal(d->host[A].nrevoke, 1);
	assert_true(fabric_alloc_is_free(d->region[1].free, x[0], x[1]));
	n = t_list_req(buf, 11, CCI_ADD_PRESCRIPTIVE, x, 1, NULL);
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_SUCCESS);
	n = t_add_req(buf, 11, CCI_ADD_ENABLE_SHARED, 0, 0, t_tag(7));
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_RETRY);
	t_clear_events(d, A);
	assert_int_equal(d->host[A].nrevoke, 0);
	assert_int_equal(fabric_alloc_avail(d->region[0].free), 256 * MiB);
	t_check(d);
	t_free(d);
}

static void test_release_forced_pending(void **state)
{
	struct dcd *d = t_dcd(), *e;
	struct cci_dc_event ev[16];
	struct t_snap s;
	uint64_t r[2];
	char err[256];
	size_t n;

	(void)state;
	t_clear_events(d, FM);
	n = t_add_req(buf, 10, CCI_ADD_FREE, 1, 4 * MiB, t_tag(3));
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_SUCCESS);
	r[0] = d->host[A].pending[0].x[0].dpa;
	r[1] = 4 * MiB;
	n = t_release_req(buf, 10, CCI_RELEASE_TAG_BASED | CCI_RELEASE_FORCED, 0, t_tag(3));
	t_expect(d, FM, CCI_FM_INITIATE_DC_RELEASE, buf, n, CCI_RC_SUCCESS);
	/* The group is dead, its capacity free again, no new event for the
	 * host; the FM log says the offered capacity was released. */
	assert_true(d->host[A].pending[0].dead);
	assert_int_equal(fabric_alloc_avail(d->region[1].free), 256 * MiB);
	assert_int_equal(t_events(d, A, ev, 16), 1);
	assert_int_equal(t_events(d, FM, ev, 16), 1);
	assert_int_equal(ev[0].type, CCI_DC_EVENT_CAPACITY_RELEASED);
	assert_int_equal(le16toh(ev[0].host_id), 10);
	assert_int_equal(le64toh(ev[0].extent.start_dpa), r[0]);
	assert_int_equal(le64toh(ev[0].extent.length), 4 * MiB);
	assert_memory_equal(ev[0].extent.tag, t_tag(3), 16);
	/* Dead survives a restart (the state image). */
	s = t_snap(d);
	e = t_dcd();
	assert_int_equal(dcd_deserialize(e, s.buf, s.len, err, sizeof(err)), 0);
	t_free(d);
	d = e;
	assert_true(d->host[A].pending[0].dead);
	/* The host's answer accepting the withdrawn offer is refused (the
	 * range is no longer offered), so a host never takes it... */
	t_expect(d, A, CCI_ADD_DC_RESPONSE, buf, t_resp_req(buf, r, 1, false),
		 CCI_RC_INVALID_PADDR);
	t_expect(d, A, CCI_ADD_DC_RESPONSE, buf, t_resp_req(buf, r, 1, true),
		 CCI_RC_INVALID_PADDR);
	/* ...and an answer accepting nothing closes it. */
	t_expect(d, A, CCI_ADD_DC_RESPONSE, buf, t_resp_req(buf, r, 0, false), CCI_RC_SUCCESS);
	assert_int_equal(d->host[A].nlist, 0);
	assert_int_equal(d->host[A].npending, 0);
	/* The same bytes go to another host. */
	n = t_add_req(buf, 11, CCI_ADD_FREE, 1, 4 * MiB, t_tag(4));
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_SUCCESS);
	assert_int_equal(d->host[B].pending[0].x[0].dpa, r[0]);
	free(s.buf);
	t_free(d);
}

/* A More-chained answer begun before the forced release cannot finish it:
 * the chain goes with the offer, and the next payload naming it is refused. */
static void test_release_forced_pending_chain(void **state)
{
	struct dcd *d = t_dcd();
	uint64_t r[2];
	size_t n;

	(void)state;
	n = t_add_req(buf, 10, CCI_ADD_FREE, 1, 4 * MiB, t_tag(3));
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_SUCCESS);
	r[0] = d->host[A].pending[0].x[0].dpa;
	r[1] = 2 * MiB;
	t_expect(d, A, CCI_ADD_DC_RESPONSE, buf, t_resp_req(buf, r, 1, true), CCI_RC_SUCCESS);
	n = t_release_req(buf, 10, CCI_RELEASE_TAG_BASED | CCI_RELEASE_FORCED, 0, t_tag(3));
	t_expect(d, FM, CCI_FM_INITIATE_DC_RELEASE, buf, n, CCI_RC_SUCCESS);
	assert_int_equal(d->host[A].accept.n, 0);
	r[0] += 2 * MiB;
	t_expect(d, A, CCI_ADD_DC_RESPONSE, buf, t_resp_req(buf, r, 1, false),
		 CCI_RC_INVALID_PADDR);
	t_expect(d, A, CCI_ADD_DC_RESPONSE, buf, t_resp_req(buf, r, 0, false), CCI_RC_SUCCESS);
	assert_int_equal(d->host[A].nlist, 0);
	assert_int_equal(d->host[A].npending, 0);
	assert_int_equal(fabric_alloc_avail(d->region[1].free), 256 * MiB);
	t_free(d);
}

/* A forced release of part of a range a More-chained 4803h already named
 * cuts the chained range to its remainder; the host can still end its chain
 * and give the rest back. */
static void test_release_forced_cuts_chain(void **state)
{
	struct dcd *d = t_dcd();
	uint64_t r[2], mid[] = { R1 + 2 * MiB, 2 * MiB };
	size_t n;

	(void)state;
	t_add_accept(d, A, 1, 8 * MiB, NULL);
	t_add_accept(d, A, 1, 2 * MiB, NULL);
	assert_int_equal(d->host[A].nlist, 2);
	assert_int_equal(d->host[A].list[0].dpa, R1);
	assert_int_equal(d->host[A].list[1].dpa, R1 + 8 * MiB);
	r[0] = R1, r[1] = 8 * MiB;
	t_expect(d, A, CCI_RELEASE_DC, buf, t_resp_req(buf, r, 1, true), CCI_RC_SUCCESS);
	assert_int_equal(d->host[A].release.n, 1);
	n = t_list_req(buf, 10, CCI_RELEASE_PRESCRIPTIVE | CCI_RELEASE_FORCED, mid, 1, NULL);
	t_expect(d, FM, CCI_FM_INITIATE_DC_RELEASE, buf, n, CCI_RC_SUCCESS);
	/* [R1, 8M) minus [R1+2M, R1+4M): two pieces stay chained. */
	assert_int_equal(d->host[A].release.n, 2);
	assert_int_equal(d->host[A].release.r[0].dpa, R1);
	assert_int_equal(d->host[A].release.r[0].len, 2 * MiB);
	assert_int_equal(d->host[A].release.r[1].dpa, R1 + 4 * MiB);
	assert_int_equal(d->host[A].release.r[1].len, 4 * MiB);
	/* Forcing the front of the first remainder away and a piece at the
	 * front of the second: cut, not dropped. */
	{
		uint64_t two[] = { R1, 2 * MiB, R1 + 4 * MiB, 2 * MiB };

		n = t_list_req(buf, 10, CCI_RELEASE_PRESCRIPTIVE | CCI_RELEASE_FORCED, two, 2,
			       NULL);
		t_expect(d, FM, CCI_FM_INITIATE_DC_RELEASE, buf, n, CCI_RC_SUCCESS);
	}
	assert_int_equal(d->host[A].release.n, 1);
	assert_int_equal(d->host[A].release.r[0].dpa, R1 + 6 * MiB);
	assert_int_equal(d->host[A].release.r[0].len, 2 * MiB);
	t_check(d);
	/* The end of the chain releases the rest: nothing is left held. */
	r[0] = R1 + 8 * MiB, r[1] = 2 * MiB;
	t_expect(d, A, CCI_RELEASE_DC, buf, t_resp_req(buf, r, 1, false), CCI_RC_SUCCESS);
	assert_int_equal(d->host[A].nlist, 0);
	assert_int_equal(d->host[A].release.n, 0);
	/* The forced 6 MiB are free once the host cleared their records. */
	assert_int_equal(fabric_alloc_avail(d->region[1].free), 250 * MiB);
	t_clear_events(d, A);
	assert_int_equal(fabric_alloc_avail(d->region[1].free), 256 * MiB);
	t_check(d);
	t_free(d);
}

static void test_release_prescriptive(void **state)
{
	struct dcd *d = dcd_with_sanitizer();
	uint64_t mid[] = { R1 + 2 * MiB, 2 * MiB };
	size_t n;

	(void)state;
	t_add_accept(d, A, 1, 8 * MiB, NULL);
	n = t_list_req(buf, 10, CCI_RELEASE_PRESCRIPTIVE | CCI_RELEASE_FORCED, mid, 1, NULL);
	t_expect(d, FM, CCI_FM_INITIATE_DC_RELEASE, buf, n, CCI_RC_SUCCESS);
	/* The host's extent splits around the hole; the hole is zeroed
	 * (region 1 sanitizes on release) and free once the host cleared the
	 * Forced Capacity Release record. */
	assert_int_equal(d->host[A].nlist, 2);
	assert_int_equal(d->host[A].list[0].dpa, R1);
	assert_int_equal(d->host[A].list[0].len, 2 * MiB);
	assert_int_equal(d->host[A].list[1].dpa, R1 + 4 * MiB);
	assert_int_equal(d->host[A].list[1].len, 4 * MiB);
	assert_int_equal(zeroed.n, 0);
	t_clear_events(d, A);
	assert_int_equal(zeroed.n, 1);
	assert_int_equal(zeroed.region[0], 1);
	assert_int_equal(zeroed.off[0], 2 * MiB);
	assert_int_equal(zeroed.len[0], 2 * MiB);
	assert_true(fabric_alloc_is_free(d->region[1].free, R1 + 2 * MiB, 2 * MiB));

	static const struct {
		const char *what;
		uint64_t x[4];
		uint32_t n;
		uint8_t flags;
		int rc;
	} bad[] = {
		{ "no extents", { 0 }, 0, 0, CCI_RC_INVALID_EXTENT_LIST },
		{ "no such DPA", { 1024 * MiB, BS }, 1, 0, CCI_RC_INVALID_PADDR },
		{ "not held", { R1 + 2 * MiB, BS }, 1, 0, CCI_RC_INVALID_EXTENT_LIST },
		{ "partly held", { R1, 4 * MiB }, 1, 0, CCI_RC_INVALID_EXTENT_LIST },
		{ "misaligned", { R1 + MiB, BS }, 1, 0, CCI_RC_INVALID_EXTENT_LIST },
		{ "zero length", { R1, 0 }, 1, 0, CCI_RC_INVALID_EXTENT_LIST },
		{ "overlapping", { R1 + 4 * MiB, 4 * MiB, R1 + 6 * MiB, BS }, 2, 0,
		  CCI_RC_INVALID_EXTENT_LIST },
		{ "policy 3", { R1, BS }, 1, 3, CCI_RC_INVALID_INPUT },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = t_list_req(buf, 10, bad[i].flags ? bad[i].flags : CCI_RELEASE_PRESCRIPTIVE,
			       bad[i].x, bad[i].n, NULL);
		print_message("prescriptive release: %s\n", bad[i].what);
		t_expect(d, FM, CCI_FM_INITIATE_DC_RELEASE, buf, n, bad[i].rc);
	}
	n = t_list_req(buf, 10, CCI_RELEASE_PRESCRIPTIVE, mid, 1, NULL);
	t_expect(d, FM, CCI_FM_INITIATE_DC_RELEASE, buf, n - 8, CCI_RC_INVALID_PAYLOAD_LENGTH);

	/* Sharable: a part of the tag is refused. */
	{
		uint64_t part[] = { 0, BS };

		t_add_accept(d, B, 0, 4 * MiB, t_tag(2));
		n = t_list_req(buf, 11, CCI_RELEASE_PRESCRIPTIVE, part, 1, NULL);
		t_expect(d, FM, CCI_FM_INITIATE_DC_RELEASE, buf, n, CCI_RC_INVALID_INPUT);
		part[1] = 4 * MiB;
		n = t_list_req(buf, 11, CCI_RELEASE_PRESCRIPTIVE, part, 1, NULL);
		t_expect(d, FM, CCI_FM_INITIATE_DC_RELEASE, buf, n, CCI_RC_SUCCESS);
	}
	/* Pending capacity needs forced. */
	{
		uint64_t p[2];

		n = t_add_req(buf, 12, CCI_ADD_FREE, 1, BS, NULL);
		t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_SUCCESS);
		p[0] = d->host[C].pending[0].x[0].dpa;
		p[1] = BS;
		n = t_list_req(buf, 12, CCI_RELEASE_PRESCRIPTIVE, p, 1, NULL);
		t_expect(d, FM, CCI_FM_INITIATE_DC_RELEASE, buf, n, CCI_RC_INVALID_PADDR);
		n = t_list_req(buf, 12, CCI_RELEASE_PRESCRIPTIVE | CCI_RELEASE_FORCED, p, 1, NULL);
		t_expect(d, FM, CCI_FM_INITIATE_DC_RELEASE, buf, n, CCI_RC_SUCCESS);
		assert_true(d->host[C].pending[0].dead);
	}
	t_free(d);
}

/* ---- 5608h List Tags ---- */

static size_t tags_req(uint32_t start, uint32_t max)
{
	struct cci_fm_list_tags_req r = { htole32(start), htole32(max) };

	memcpy(buf, &r, sizeof(r));
	return sizeof(r);
}

/* Entry i of the last 5608h response. */
static struct cci_fm_tag_entry tag_entry(unsigned int i)
{
	struct cci_fm_tag_entry e;

	memcpy(&e, t_out + sizeof(struct cci_fm_list_tags_rsp) + i * sizeof(e), sizeof(e));
	return e;
}

static uint32_t tags_head(uint32_t *total, uint32_t *returned)
{
	struct cci_fm_list_tags_rsp h;

	memcpy(&h, t_out, sizeof(h));
	*total = le32toh(h.total);
	*returned = le32toh(h.returned);
	assert_int_equal(h.validity, CCI_TAGS_REF_VALID | CCI_TAGS_PENDING_VALID);
	assert_int_equal(t_outlen, sizeof(h) + *returned * sizeof(struct cci_fm_tag_entry));
	return le32toh(h.generation);
}

static bool bit(const uint8_t *bm, unsigned int id)
{
	return (bm[id / 8] >> (id % 8)) & 1;
}

static void test_list_tags(void **state)
{
	struct dcd *d = t_dcd();
	struct cci_fm_tag_entry e;
	uint32_t total, ret, gen, gen2;
	size_t n;

	(void)state;
	/* Nothing yet. */
	t_expect(d, FM, CCI_FM_LIST_TAGS, buf, tags_req(0, 100), CCI_RC_SUCCESS);
	gen = tags_head(&total, &ret);
	assert_int_equal(total, 0);
	/* Tag 5 held by A and offered to B; tag 2 offered to C; untagged
	 * capacity held by A (not listed). */
	t_add_accept(d, A, 0, 4 * MiB, t_tag(5));
	t_add_accept(d, A, 1, 2 * MiB, NULL);
	n = t_add_req(buf, 11, CCI_ADD_ENABLE_SHARED, 0, 0, t_tag(5));
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_SUCCESS);
	n = t_add_req(buf, 12, CCI_ADD_FREE, 1, 2 * MiB, t_tag(2));
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_SUCCESS);
	t_expect(d, FM, CCI_FM_LIST_TAGS, buf, tags_req(0, 100), CCI_RC_SUCCESS);
	gen2 = tags_head(&total, &ret);
	assert_int_not_equal(gen, gen2);
	assert_int_equal(total, 2);
	assert_int_equal(ret, 2);
	e = tag_entry(0); /* tag order: 02.. before 05.. */
	assert_memory_equal(e.tag, t_tag(2), 16);
	assert_false(bit(e.ref, 12));
	assert_true(bit(e.pending, 12));
	assert_int_equal(e.flags, 0);
	e = tag_entry(1);
	assert_memory_equal(e.tag, t_tag(5), 16);
	assert_true(bit(e.ref, 10) && !bit(e.pending, 10));
	assert_true(bit(e.pending, 11) && !bit(e.ref, 11));
	assert_false(bit(e.ref, 12) || bit(e.pending, 12));
	/* Paging: from 1, at most 1; max 0 gives the totals only. */
	t_expect(d, FM, CCI_FM_LIST_TAGS, buf, tags_req(1, 1), CCI_RC_SUCCESS);
	assert_int_equal(tags_head(&total, &ret), gen2);
	assert_int_equal(ret, 1);
	assert_memory_equal(tag_entry(0).tag, t_tag(5), 16);
	t_expect(d, FM, CCI_FM_LIST_TAGS, buf, tags_req(0, 0), CCI_RC_SUCCESS);
	assert_int_equal(tags_head(&total, &ret), gen2);
	assert_int_equal(total, 2);
	assert_int_equal(ret, 0);
	t_expect(d, FM, CCI_FM_LIST_TAGS, buf, tags_req(2, 5), CCI_RC_SUCCESS);
	t_expect(d, FM, CCI_FM_LIST_TAGS, buf, tags_req(3, 5), CCI_RC_INVALID_INPUT);
	t_expect(d, FM, CCI_FM_LIST_TAGS, buf, 7, CCI_RC_INVALID_PAYLOAD_LENGTH);
	t_expect(d, FM, CCI_FM_LIST_TAGS, buf, 9, CCI_RC_INVALID_PAYLOAD_LENGTH);
	/* Not on a host mailbox. */
	t_expect(d, A, CCI_FM_LIST_TAGS, buf, tags_req(0, 1), CCI_RC_UNSUPPORTED);
	/* A withdrawn offer is not pending any more: tag 2 is gone. */
	n = t_release_req(buf, 12, CCI_RELEASE_TAG_BASED | CCI_RELEASE_FORCED, 0, t_tag(2));
	t_expect(d, FM, CCI_FM_INITIATE_DC_RELEASE, buf, n, CCI_RC_SUCCESS);
	t_expect(d, FM, CCI_FM_LIST_TAGS, buf, tags_req(0, 100), CCI_RC_SUCCESS);
	tags_head(&total, &ret);
	assert_int_equal(total, 1);
	assert_memory_equal(tag_entry(0).tag, t_tag(5), 16);
	/* B accepts: held by both, pending for none. */
	t_accept_all(d, B);
	t_expect(d, FM, CCI_FM_LIST_TAGS, buf, tags_req(0, 100), CCI_RC_SUCCESS);
	tags_head(&total, &ret);
	e = tag_entry(0);
	assert_true(bit(e.ref, 10) && bit(e.ref, 11));
	for (unsigned int i = 0; i < 32; i++)
		assert_int_equal(e.pending[i], 0);
	t_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dcd_info),
		cmocka_unit_test(test_host_region_config),
		cmocka_unit_test(test_set_region_config),
		cmocka_unit_test(test_extent_lists),
		cmocka_unit_test(test_add_free),
		cmocka_unit_test(test_add_scatter),
		cmocka_unit_test(test_add_errors),
		cmocka_unit_test(test_add_limits),
		cmocka_unit_test(test_add_prescriptive),
		cmocka_unit_test(test_add_prescriptive_errors),
		cmocka_unit_test(test_enable_shared),
		cmocka_unit_test(test_shared_freed_after_last),
		cmocka_unit_test(test_release_tag),
		cmocka_unit_test(test_release_forced),
		cmocka_unit_test(test_release_forced_waits_for_host),
		cmocka_unit_test(test_release_forced_pending),
		cmocka_unit_test(test_release_forced_pending_chain),
		cmocka_unit_test(test_list_tags),
		cmocka_unit_test(test_release_prescriptive),
		cmocka_unit_test(test_release_forced_cuts_chain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
