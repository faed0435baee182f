// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * CCI codec: wire layout facts from the spec tables, header round trips,
 * stream framing (split, back to back, oversized with resynchronisation),
 * and the DC event record builder.
 */
#include <endian.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cci-codec.h"
#include "eventlog.h"

static void test_layout(void **state)
{
	(void)state;
	/* Sizes (also static asserts in cci.h) and the offsets the daemon and
	 * its clients rely on, from the spec tables. */
	assert_int_equal(sizeof(struct cci_msg), 0x0c);
	assert_int_equal(offsetof(struct cci_msg, tag), 0x01);
	assert_int_equal(offsetof(struct cci_msg, command_set), 0x04);
	assert_int_equal(offsetof(struct cci_msg, len_hi_bo), 0x07);
	assert_int_equal(offsetof(struct cci_msg, vendor_status), 0x0a);
	assert_int_equal(sizeof(struct cci_dc_extent), 0x28);
	assert_int_equal(offsetof(struct cci_dc_extent, length), 0x08);
	assert_int_equal(offsetof(struct cci_dc_extent, rsvd), 0x22);
	assert_int_equal(sizeof(struct cci_fm_dcd_info), 0x54);
	assert_int_equal(offsetof(struct cci_fm_dcd_info, add_policies), 0x04);
	assert_int_equal(offsetof(struct cci_fm_dcd_info, release_policies), 0x08);
	assert_int_equal(offsetof(struct cci_fm_dcd_info, sanitize_mask), 0x0a);
	assert_int_equal(offsetof(struct cci_fm_region_entry, block_size), 0x18);
	assert_int_equal(offsetof(struct cci_fm_region_entry, attr1), 0x20);
	assert_int_equal(offsetof(struct cci_fm_set_region_config, block_size), 0x04);
	assert_int_equal(offsetof(struct cci_fm_set_region_config, flags), 0x0c);
	assert_int_equal(offsetof(struct cci_fm_extent_lists_req, extent_count), 0x04);
	assert_int_equal(offsetof(struct cci_fm_extent_lists_req, start_index), 0x08);
	assert_int_equal(offsetof(struct cci_fm_extent_lists_rsp, generation), 0x10);
	assert_int_equal(offsetof(struct cci_fm_dc_change_req, flags), 0x02);
	assert_int_equal(offsetof(struct cci_fm_dc_change_req, region), 0x03);
	assert_int_equal(offsetof(struct cci_fm_dc_change_req, length), 0x04);
	assert_int_equal(offsetof(struct cci_dc_region_entry, dsmad_handle), 0x20);
	assert_int_equal(offsetof(struct cci_dc_extent_list_rsp, generation), 0x08);
	assert_int_equal(offsetof(struct cci_dc_response, flags), 0x04);
	assert_int_equal(offsetof(struct cci_dc_response, extents), 0x08);
	assert_int_equal(offsetof(struct cci_updated_extent, length), 0x08);
	assert_int_equal(offsetof(struct cci_event_header, length), 0x10);
	assert_int_equal(offsetof(struct cci_event_header, related_handle), 0x16);
	assert_int_equal(offsetof(struct cci_event_header, ld_id), 0x22);
	assert_int_equal(offsetof(struct cci_dc_event, validity), 0x31);
	assert_int_equal(offsetof(struct cci_dc_event, host_id), 0x32);
	assert_int_equal(offsetof(struct cci_dc_event, region_index), 0x34);
	assert_int_equal(offsetof(struct cci_dc_event, num_available_tags), 0x7c);
	assert_int_equal(offsetof(struct cci_get_events_rsp, overflow_count), 0x02);
	assert_int_equal(offsetof(struct cci_get_events_rsp, first_overflow_ts), 0x04);
	assert_int_equal(offsetof(struct cci_get_events_rsp, last_overflow_ts), 0x0c);
	assert_int_equal(offsetof(struct cci_get_events_rsp, records), 0x20);
	assert_int_equal(offsetof(struct cci_clear_events_req, num_handles), 0x02);
	assert_int_equal(offsetof(struct cci_clear_events_req, handles), 0x06);
	assert_int_equal(CCI_RC_INVALID_PAYLOAD_LENGTH, 0x16);
	assert_int_equal(CCI_RC_RESOURCES_EXHAUSTED, 0x1d);
	assert_int_equal(CCI_RC_INVALID_EXTENT_LIST, 0x1e);
}

static void test_header(void **state)
{
	uint8_t b[12];
	struct cci_msg *m = (struct cci_msg *)b;

	(void)state;
	cci_msg_init(m, CCI_REQUEST, 0x5a, CCI_FM_INITIATE_DC_ADD, 0x123456 & 0x1fffff, 0x1d);
	/* Opcode 5604h: command 04h at byte 03h, set 56h at byte 04h. */
	assert_int_equal(b[0], 0);
	assert_int_equal(b[1], 0x5a);
	assert_int_equal(b[3], 0x04);
	assert_int_equal(b[4], 0x56);
	/* 21-bit length: 16 bits at 05h, 5 bits at 07h. */
	assert_int_equal(b[5], 0x56);
	assert_int_equal(b[6], 0x34);
	assert_int_equal(b[7], 0x12);
	assert_int_equal(b[8], 0x1d);
	assert_int_equal(b[9], 0);
	assert_int_equal(cci_msg_opcode(m), 0x5604);
	assert_int_equal(cci_msg_payload_len(m), 0x123456);
	assert_int_equal(cci_msg_retcode(m), 0x1d);
	cci_msg_init(m, CCI_RESPONSE, 1, 0x0100, CCI_MAX_PAYLOAD, 0);
	assert_int_equal(cci_msg_payload_len(m), CCI_MAX_PAYLOAD);
	assert_int_equal(cci_msg_category(m), CCI_RESPONSE);
	/* BO and the reserved bits of 07h are not length; the high nibble of
	 * byte 00h is not category. */
	b[7] |= 0xe0;
	b[0] |= 0xf0;
	assert_int_equal(cci_msg_payload_len(m), CCI_MAX_PAYLOAD);
	assert_int_equal(cci_msg_category(m), CCI_RESPONSE);
	assert_string_equal(cci_retcode_name(0x02), "Invalid Input");
	assert_string_equal(cci_retcode_name(0x1e), "Invalid Extent List");
	assert_string_equal(cci_retcode_name(0x99), "Unknown Return Code");
}

/* The opcode table (cci-opcodes.h): names, ports and length rules. */
static void test_opcode_table(void **state)
{
	const struct cci_opcode_info *op = cci_opcode_info(CCI_FM_INITIATE_DC_ADD);

	(void)state;
	assert_non_null(op);
	assert_int_equal(op->opcode, 0x5604);
	assert_string_equal(op->name, "Initiate Dynamic Capacity Add");
	assert_string_equal(cci_opcode_name(0x5606), "Dynamic Capacity Add Reference");
	assert_string_equal(cci_opcode_name(0x4802), "Add Dynamic Capacity Response");
	assert_string_equal(cci_opcode_name(0x5609), "Unknown Command");
	assert_null(cci_opcode_info(0x0000));
	/* ports: 56xxh on the FM API only, 48xxh on a mailbox only, events on both */
	assert_int_equal(cci_request_check(0x5600, CCI_ON_FM, 0), CCI_RC_SUCCESS);
	assert_int_equal(cci_request_check(0x5600, CCI_ON_HOST, 0), CCI_RC_UNSUPPORTED);
	assert_int_equal(cci_request_check(0x4800, CCI_ON_FM, 2), CCI_RC_UNSUPPORTED);
	assert_int_equal(cci_request_check(0x4800, CCI_ON_HOST, 2), CCI_RC_SUCCESS);
	assert_int_equal(cci_request_check(0x0100, CCI_ON_HOST, 1), CCI_RC_SUCCESS);
	assert_int_equal(cci_request_check(0x0100, CCI_ON_FM, 1), CCI_RC_SUCCESS);
	assert_int_equal(cci_request_check(0x5609, CCI_ON_FM, 8), CCI_RC_UNSUPPORTED);
	/* lengths: exact commands refuse a byte more or less, variable ones
	 * only less than their head */
	assert_int_equal(cci_request_check(0x5606, CCI_ON_FM, 15), CCI_RC_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(cci_request_check(0x5606, CCI_ON_FM, 17), CCI_RC_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(cci_request_check(0x5606, CCI_ON_FM, 16), CCI_RC_SUCCESS);
	assert_int_equal(cci_request_check(0x5604, CCI_ON_FM, 0x1f), CCI_RC_INVALID_PAYLOAD_LENGTH);
	assert_int_equal(cci_request_check(0x5604, CCI_ON_FM, 0x20 + 0x28), CCI_RC_SUCCESS);
	assert_int_equal(cci_request_check(0x5600, CCI_ON_FM, 1), CCI_RC_INVALID_PAYLOAD_LENGTH);
}

static size_t msg(uint8_t *b, uint8_t tag, size_t plen)
{
	cci_msg_init((struct cci_msg *)b, CCI_REQUEST, tag, 0x4801, plen, 0);
	for (size_t i = 0; i < plen; i++)
		b[12 + i] = (uint8_t)(tag + i);
	return 12 + plen;
}

static void test_stream_split_and_batched(void **state)
{
	struct cci_stream s;
	const struct cci_msg *m;
	uint8_t b[256];
	size_t len, n = 0;

	(void)state;
	cci_stream_init(&s, 64);
	n += msg(b, 1, 8);
	n += msg(b + n, 2, 0);
	n += msg(b + n, 3, 40);
	/* One byte at a time: nothing until a message is whole. */
	for (size_t i = 0; i < 20; i++) {
		assert_int_equal(cci_stream_next(&s, &m, &len), CCI_FRAME_NONE);
		assert_int_equal(cci_stream_push(&s, b + i, 1), 0);
	}
	assert_int_equal(cci_stream_next(&s, &m, &len), CCI_FRAME_MSG);
	assert_int_equal(len, 20);
	assert_int_equal(m->tag, 1);
	assert_int_equal(m->payload[7], 8);
	cci_stream_consume(&s);
	/* The rest in one go: two messages back to back. */
	assert_int_equal(cci_stream_push(&s, b + 20, n - 20), 0);
	assert_int_equal(cci_stream_next(&s, &m, &len), CCI_FRAME_MSG);
	assert_int_equal(m->tag, 2);
	assert_int_equal(len, 12);
	cci_stream_consume(&s);
	assert_int_equal(cci_stream_next(&s, &m, &len), CCI_FRAME_MSG);
	assert_int_equal(m->tag, 3);
	assert_int_equal(len, 52);
	cci_stream_consume(&s);
	assert_int_equal(cci_stream_next(&s, &m, &len), CCI_FRAME_NONE);
	assert_int_equal(cci_stream_buffered(&s), 0);
	cci_stream_release(&s);
}

static void test_stream_oversize_resyncs(void **state)
{
	struct cci_stream s;
	const struct cci_msg *m;
	uint8_t b[512];
	size_t len, n;

	(void)state;
	cci_stream_init(&s, 64);
	n = msg(b, 9, 200); /* over the 64-byte limit */
	n += msg(b + n, 10, 4);
	/* The header alone is enough to refuse it. */
	assert_int_equal(cci_stream_push(&s, b, 12), 0);
	assert_int_equal(cci_stream_next(&s, &m, &len), CCI_FRAME_OVERSIZE);
	assert_int_equal(m->tag, 9);
	assert_int_equal(cci_msg_payload_len(m), 200);
	cci_stream_consume(&s);
	/* Its payload trickles in and is dropped; the next message is whole. */
	for (size_t i = 12; i < n; i += 7) {
		assert_int_equal(cci_stream_next(&s, &m, &len), CCI_FRAME_NONE);
		assert_int_equal(cci_stream_push(&s, b + i, i + 7 < n ? 7 : n - i), 0);
	}
	assert_int_equal(cci_stream_next(&s, &m, &len), CCI_FRAME_MSG);
	assert_int_equal(m->tag, 10);
	assert_int_equal(len, 16);
	cci_stream_consume(&s);
	assert_int_equal(cci_stream_buffered(&s), 0);
	cci_stream_release(&s);
}

static void test_event_build(void **state)
{
	static const uint8_t uuid[16] = CCI_DC_EVENT_UUID;
	struct cci_dc_extent x = { .start_dpa = htole64(0x40000000), .length = htole64(0x200000) };
	struct cci_dc_event ev;
	struct evlog l;

	(void)state;
	dc_event_build(&ev, CCI_DC_EVENT_ADD_RESPONSE, 0x1234, &x, true, 7, 3);
	assert_memory_equal(ev.hdr.id, uuid, 16);
	assert_int_equal(((uint8_t *)&ev)[0x10], 0x80);
	assert_int_equal(((uint8_t *)&ev)[0x30], CCI_DC_EVENT_ADD_RESPONSE);
	assert_int_equal(((uint8_t *)&ev)[0x32], 0x34);
	assert_int_equal(((uint8_t *)&ev)[0x33], 0x12);
	assert_int_equal(((uint8_t *)&ev)[0x35], CCI_DC_EVENT_MORE);
	assert_int_equal(((uint8_t *)&ev)[0x3b], 0x40); /* DPA byte 3 */
	assert_int_equal(((uint8_t *)&ev)[0x78], 7);
	assert_int_equal(((uint8_t *)&ev)[0x7c], 3);
	/* Host-side types carry no host id. */
	dc_event_build(&ev, CCI_DC_EVENT_ADD_CAPACITY, 0x1234, &x, false, 0, 0);
	assert_int_equal(ev.host_id, 0);
	assert_int_equal(ev.flags, 0);

	assert_int_equal(evlog_init(&l, 2), 0);
	evlog_append(&l, &ev);
	evlog_append(&l, &ev);
	evlog_append(&l, &ev);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.overflow_count, 1);
	assert_int_equal(le16toh(l.rec[1].hdr.handle), 2);
	evlog_fini(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_opcode_table),
		cmocka_unit_test(test_stream_split_and_batched),
		cmocka_unit_test(test_stream_oversize_resyncs),
		cmocka_unit_test(test_event_build),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
