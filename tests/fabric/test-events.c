// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * DC event logs: Get/Clear Event Records (0100h/0101h) on host and FM
 * ports, record layout, handles, the More Event Records flag, and overflow.
 */
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "fabric-test.h"

#define FM DCD_PORT_FM
#define A 0
#define B 1

static uint8_t buf[1 << 16];

static size_t clear_req(uint8_t log, uint8_t flags, const uint16_t *h, uint8_t n)
{
	buf[0] = log;
	buf[1] = flags;
	buf[2] = n;
	memset(buf + 3, 0, 3);
	for (unsigned int i = 0; i < n; i++) {
		buf[6 + 2 * i] = (uint8_t)h[i];
		buf[7 + 2 * i] = (uint8_t)(h[i] >> 8);
	}
	return 6 + 2u * n;
}

static void add(struct dcd *d, uint16_t host, uint64_t len)
{
	size_t n = t_add_req(buf, host, CCI_ADD_FREE, 1, len, NULL);

	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_SUCCESS);
}

static void test_other_logs(void **state)
{
	struct dcd *d = t_dcd();
	uint16_t h = 1;

	(void)state;
	add(d, 10, BS);
	/* Logs 00h-03h exist and stay empty. */
	for (uint8_t log = 0; log < 4; log++) {
		assert_int_equal(t_call(d, A, CCI_GET_EVENT_RECORDS, &log, 1), CCI_RC_SUCCESS);
		assert_int_equal(t_outlen, 0x20);
		t_expect(d, A, CCI_CLEAR_EVENT_RECORDS, buf, clear_req(log, 0, &h, 1),
			 CCI_RC_INVALID_HANDLE);
	}
	buf[0] = 5;
	t_expect(d, A, CCI_GET_EVENT_RECORDS, buf, 1, CCI_RC_INVALID_INPUT);
	t_expect(d, A, CCI_CLEAR_EVENT_RECORDS, buf, clear_req(5, 0, &h, 1), CCI_RC_INVALID_INPUT);
	t_expect(d, A, CCI_GET_EVENT_RECORDS, buf, 0, CCI_RC_INVALID_PAYLOAD_LENGTH);
	t_expect(d, A, CCI_GET_EVENT_RECORDS, buf, 2, CCI_RC_INVALID_PAYLOAD_LENGTH);
	t_free(d);
}

static void test_get_and_clear(void **state)
{
	struct dcd *d = t_dcd();
	struct cci_dc_event ev[16];
	static const uint8_t uuid[16] = CCI_DC_EVENT_UUID;
	uint16_t h[3];

	(void)state;
	add(d, 10, BS);
	add(d, 10, BS);
	add(d, 10, BS);
	assert_int_equal(t_events(d, A, ev, 16), 3);
	for (int i = 0; i < 3; i++) {
		assert_memory_equal(ev[i].hdr.id, uuid, 16);
		assert_int_equal(ev[i].hdr.length, 0x80);
		assert_int_equal(ev[i].hdr.flags[0], 0); /* informational */
		assert_int_equal(le16toh(ev[i].hdr.handle), i + 1);
		assert_true(le64toh(ev[i].hdr.timestamp) > 0);
		h[i] = (uint16_t)(i + 1);
	}
	/* Handles must exist, be non-zero and come oldest first. */
	{
		uint16_t wrong[] = { 9 }, zero[] = { 0 }, back[] = { 2, 1 }, dup[] = { 1, 1 };

		t_expect(d, A, CCI_CLEAR_EVENT_RECORDS, buf, clear_req(4, 0, wrong, 1),
			 CCI_RC_INVALID_HANDLE);
		t_expect(d, A, CCI_CLEAR_EVENT_RECORDS, buf, clear_req(4, 0, zero, 1),
			 CCI_RC_INVALID_HANDLE);
		t_expect(d, A, CCI_CLEAR_EVENT_RECORDS, buf, clear_req(4, 0, back, 2),
			 CCI_RC_INVALID_HANDLE);
		t_expect(d, A, CCI_CLEAR_EVENT_RECORDS, buf, clear_req(4, 0, dup, 2),
			 CCI_RC_INVALID_HANDLE);
		/* B's mailbox cannot clear A's records. */
		t_expect(d, B, CCI_CLEAR_EVENT_RECORDS, buf, clear_req(4, 0, h, 1),
			 CCI_RC_INVALID_HANDLE);
	}
	t_expect(d, A, CCI_CLEAR_EVENT_RECORDS, buf, clear_req(4, 0, h, 2) - 1,
		 CCI_RC_INVALID_PAYLOAD_LENGTH);
	t_expect(d, A, CCI_CLEAR_EVENT_RECORDS, buf, clear_req(4, 0, h, 2) + 2,
		 CCI_RC_INVALID_PAYLOAD_LENGTH);
	t_expect(d, A, CCI_CLEAR_EVENT_RECORDS, buf, 5, CCI_RC_INVALID_PAYLOAD_LENGTH);
	/* Clear All is only for an overflowed log. */
	t_expect(d, A, CCI_CLEAR_EVENT_RECORDS, buf, clear_req(4, CCI_CLEAR_ALL, NULL, 0),
		 CCI_RC_INVALID_INPUT);
	/* A subset, in order: the middle one stays... */
	{
		uint16_t two[] = { 1, 3 };

		t_expect(d, A, CCI_CLEAR_EVENT_RECORDS, buf, clear_req(4, 0, two, 2),
			 CCI_RC_SUCCESS);
	}
	assert_int_equal(t_events(d, A, ev, 16), 1);
	assert_int_equal(le16toh(ev[0].hdr.handle), 2);
	/* ... zero handles is a no-op. */
	t_expect(d, A, CCI_CLEAR_EVENT_RECORDS, buf, clear_req(4, 0, NULL, 0), CCI_RC_SUCCESS);
	t_expect(d, A, CCI_CLEAR_EVENT_RECORDS, buf, clear_req(4, 0, &h[1], 1), CCI_RC_SUCCESS);
	assert_int_equal(t_events(d, A, ev, 16), 0);
	/* Handles keep counting after a clear. */
	add(d, 10, BS);
	assert_int_equal(t_events(d, A, ev, 16), 1);
	assert_int_equal(le16toh(ev[0].hdr.handle), 4);
	t_free(d);
}

static void test_handle_wraps_past_zero(void **state)
{
	struct dcd *d = t_dcd();
	struct cci_dc_event ev[16];

	(void)state;
	d->host[A].log.next_handle = 0xffff;
	add(d, 10, BS);
	add(d, 10, BS);
	assert_int_equal(t_events(d, A, ev, 16), 2);
	assert_int_equal(le16toh(ev[0].hdr.handle), 0xffff);
	assert_int_equal(le16toh(ev[1].hdr.handle), 1);
	t_free(d);
}

static void test_more_records(void **state)
{
	struct dcd *d = t_dcd();
	struct cci_get_events_rsp h;
	uint8_t log = CCI_LOG_DC;
	size_t outlen;
	bool changed;

	(void)state;
	for (int i = 0; i < 5; i++)
		add(d, 10, BS);
	/* Room for two records: two come back, with More Event Records. */
	assert_int_equal(dcd_dispatch(d, A, CCI_GET_EVENT_RECORDS, &log, 1, t_out,
				      0x20 + 2 * 0x80 + 0x7f, &outlen, &changed),
			 CCI_RC_SUCCESS);
	memcpy(&h, t_out, sizeof(h));
	assert_int_equal(le16toh(h.record_count), 2);
	assert_int_equal(h.flags, CCI_EVENT_RECORDS_MORE);
	assert_int_equal(outlen, 0x20 + 2 * 0x80);
	assert_false(changed);
	t_free(d);
}

static void test_overflow(void **state)
{
	struct dcd *d = t_dcd();
	struct cci_get_events_rsp h;
	struct cci_dc_event ev[16];
	size_t n;

	(void)state;
	for (int i = 0; i < 16; i++)
		t_add_accept(d, A, 1, BS, NULL);
	assert_int_equal(evlog_room(&d->host[A].log), 0);
	/* Adds wait for room... */
	n = t_add_req(buf, 10, CCI_ADD_FREE, 1, BS, NULL);
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_RETRY);
	/* ... a forced release does not: its record is lost, and counted. */
	{
		uint64_t x[] = { R1, BS, R1 + BS, BS };

		n = t_list_req(buf, 10, CCI_RELEASE_PRESCRIPTIVE | CCI_RELEASE_FORCED, x, 2, NULL);
		t_expect(d, FM, CCI_FM_INITIATE_DC_RELEASE, buf, n, CCI_RC_SUCCESS);
	}
	assert_int_equal(d->host[A].nlist, 14);
	assert_int_equal(t_events(d, A, ev, 16), 16);
	memcpy(&h, t_out, sizeof(h));
	assert_int_equal(h.flags, CCI_EVENT_RECORDS_OVERFLOW);
	assert_int_equal(le16toh(h.overflow_count), 2);
	assert_true(le64toh(h.first_overflow_ts) > 0);
	assert_true(le64toh(h.last_overflow_ts) >= le64toh(h.first_overflow_ts));
	/* Clear All with handles is malformed; alone it empties the log. */
	{
		uint16_t one = 1;

		t_expect(d, A, CCI_CLEAR_EVENT_RECORDS, buf,
			 clear_req(4, CCI_CLEAR_ALL, &one, 1), CCI_RC_INVALID_INPUT);
	}
	/* The two forced ranges have no record to clear: they stay out of the
	 * allocator, and their records are logged once Clear All made room;
	 * clearing those is the acknowledgement that frees them. */
	t_expect(d, A, CCI_CLEAR_EVENT_RECORDS, buf, clear_req(4, CCI_CLEAR_ALL, NULL, 0),
		 CCI_RC_SUCCESS);
	assert_int_equal(d->host[A].nrevoke, 2);
	assert_false(fabric_alloc_is_free(d->region[1].free, R1, BS));
	assert_false(fabric_alloc_is_free(d->region[1].free, R1 + BS, BS));
	t_check(d);
	assert_int_equal(t_events(d, A, ev, 16), 2);
	memcpy(&h, t_out, sizeof(h));
	assert_int_equal(h.flags, 0);
	assert_int_equal(h.overflow_count, 0);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(ev[i].type, CCI_DC_EVENT_FORCED_RELEASE);
		assert_int_equal(le64toh(ev[i].extent.start_dpa), R1 + (uint64_t)i * BS);
	}
	t_clear_events(d, A);
	assert_int_equal(d->host[A].nrevoke, 0);
	assert_true(fabric_alloc_is_free(d->region[1].free, R1, 2 * BS));
	t_check(d);
	t_free(d);
}

static void test_fm_log(void **state)
{
	struct dcd *d = t_dcd();
	struct cci_dc_event ev[16];

	(void)state;
	t_add_accept(d, B, 1, 4 * MiB, t_tag(4));
	assert_int_equal(t_events(d, FM, ev, 16), 1);
	assert_int_equal(ev[0].type, CCI_DC_EVENT_ADD_RESPONSE);
	assert_int_equal(le16toh(ev[0].host_id), 11);
	assert_int_equal(le64toh(ev[0].extent.start_dpa), R1);
	assert_int_equal(le64toh(ev[0].extent.length), 4 * MiB);
	assert_memory_equal(ev[0].extent.tag, t_tag(4), 16);
	/* Host records carry no host id; the FM's log is not a host's. */
	assert_int_equal(t_events(d, B, ev, 16), 1);
	assert_int_equal(ev[0].type, CCI_DC_EVENT_ADD_CAPACITY);
	assert_int_equal(ev[0].host_id, 0);
	t_clear_events(d, FM);
	assert_int_equal(t_events(d, FM, ev, 16), 0);
	assert_int_equal(t_events(d, B, ev, 16), 1);
	t_free(d);
}

static void test_notify_flag(void **state)
{
	struct dcd *d = t_dcd();

	(void)state;
	assert_false(d->host[A].log.notify);
	add(d, 10, BS);
	assert_true(d->host[A].log.notify);
	assert_false(d->host[B].log.notify);
	t_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_other_logs),
		cmocka_unit_test(test_get_and_clear),
		cmocka_unit_test(test_handle_wraps_past_zero),
		cmocka_unit_test(test_more_records),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_fm_log),
		cmocka_unit_test(test_notify_flag),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
