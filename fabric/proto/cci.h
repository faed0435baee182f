/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * CXL CCI messages as the spec lays them out (r3.1 ch. 8 / r3.2 ch. 7):
 * the 12-byte message header, the FM API DCD management commands (56xxh),
 * the host's memory-device DCD commands (48xxh), the event log commands
 * (0100h/0101h) and the Dynamic Capacity event record.  Every multi-byte
 * field is little-endian on the wire: these structs are packed byte images;
 * read them with le16toh()/le32toh()/le64toh() and fill them with htole*().
 * Each struct's size and key offsets are checked against the spec tables.
 */
#ifndef TAGDAX_FABRIC_CCI_H
#define TAGDAX_FABRIC_CCI_H

#include <stddef.h>
#include <stdint.h>

#include "cci-opcodes.h"

#define CCI_PACKED __attribute__((packed))

/* Opcodes: command set in the high byte, command in the low byte.  The
 * list, with names and request rules, is cci-opcodes.h. */
#define CCI_OPCODE_ENUM(sym, op, name, ports, rule, size) CCI_##sym = op,
enum cci_opcode {
	CCI_OPCODES(CCI_OPCODE_ENUM)
};
#undef CCI_OPCODE_ENUM

/* Where a command is served (the ports of cci-opcodes.h). */
enum cci_ports {
	CCI_ON_FM = 1 << 0,   /* the FM API socket */
	CCI_ON_HOST = 1 << 1, /* a host's mailbox */
};

/* How a request's payload length is checked (cci-opcodes.h). */
enum cci_len_rule {
	CCI_LEN_EXACT, /* exactly the request size */
	CCI_LEN_MIN,   /* at least it; the handler checks the variable rest */
};

/* Return codes (Table 8-34). */
enum cci_retcode {
	CCI_RC_SUCCESS = 0x00,
	CCI_RC_BACKGROUND = 0x01,
	CCI_RC_INVALID_INPUT = 0x02,
	CCI_RC_UNSUPPORTED = 0x03,
	CCI_RC_INTERNAL = 0x04,
	CCI_RC_RETRY = 0x05,
	CCI_RC_BUSY = 0x06,
	CCI_RC_INVALID_HANDLE = 0x0e,
	CCI_RC_INVALID_PADDR = 0x0f,
	CCI_RC_ABORTED = 0x12,
	CCI_RC_INVALID_PAYLOAD_LENGTH = 0x16,
	CCI_RC_INVALID_LOG = 0x17,
	CCI_RC_RESOURCES_EXHAUSTED = 0x1d,
	CCI_RC_INVALID_EXTENT_LIST = 0x1e,
};

enum cci_category {
	CCI_REQUEST = 0x0,
	CCI_RESPONSE = 0x1,
};

/* Message header (Table 7-14).  Payload length is 21 bits: 16 at 05h and
 * bits[4:0] of byte 07h; bit 7 of byte 07h is BO (background operation). */
struct cci_msg {
	uint8_t category;  /* bits[3:0] */
	uint8_t tag;
	uint8_t rsvd;
	uint8_t command;   /* opcode low byte */
	uint8_t command_set; /* opcode high byte */
	uint16_t len_lo;
	uint8_t len_hi_bo;
	uint16_t return_code;
	uint16_t vendor_status;
	uint8_t payload[];
} CCI_PACKED;
_Static_assert(sizeof(struct cci_msg) == 0x0c, "CCI header is 12 bytes");
_Static_assert(offsetof(struct cci_msg, command) == 0x03, "opcode at 03h");
_Static_assert(offsetof(struct cci_msg, len_lo) == 0x05, "length at 05h");
_Static_assert(offsetof(struct cci_msg, return_code) == 0x08, "return code at 08h");

#define CCI_MAX_PAYLOAD ((1u << 21) - 1)

/* Dynamic Capacity Extent (Table 8-51), 28h bytes. */
struct cci_dc_extent {
	uint64_t start_dpa;
	uint64_t length;
	uint8_t tag[16];
	uint16_t shared_seq;
	uint8_t rsvd[6];
} CCI_PACKED;
_Static_assert(sizeof(struct cci_dc_extent) == 0x28, "DC extent is 28h bytes");
_Static_assert(offsetof(struct cci_dc_extent, tag) == 0x10, "tag at 10h");
_Static_assert(offsetof(struct cci_dc_extent, shared_seq) == 0x20, "seq at 20h");

/* ---- FM API, DCD management (56xxh) ---- */

enum cci_add_policy {
	CCI_ADD_FREE = 0,
	CCI_ADD_CONTIGUOUS = 1,
	CCI_ADD_PRESCRIPTIVE = 2,
	CCI_ADD_ENABLE_SHARED = 3,
};

enum cci_release_policy {
	CCI_RELEASE_TAG_BASED = 0,
	CCI_RELEASE_PRESCRIPTIVE = 1,
};
#define CCI_RELEASE_FORCED (1u << 4)
#define CCI_RELEASE_SANITIZE (1u << 5)

/* 5600h response */
struct cci_fm_dcd_info {
	uint8_t num_hosts;
	uint8_t num_regions;
	uint16_t rsvd1;
	uint16_t add_policies;     /* bit0 free, bit1 contiguous, bit2 prescriptive */
	uint16_t rsvd2;
	uint16_t release_policies; /* bit0 tag-based, bit1 prescriptive */
	uint8_t sanitize_mask;
	uint8_t rsvd3;
	uint64_t total_capacity;   /* multiples of 256 MiB */
	uint64_t block_size_mask[8];
} CCI_PACKED;
_Static_assert(sizeof(struct cci_fm_dcd_info) == 0x54, "5600h response is 54h bytes");
_Static_assert(offsetof(struct cci_fm_dcd_info, total_capacity) == 0x0c, "capacity at 0Ch");
_Static_assert(offsetof(struct cci_fm_dcd_info, block_size_mask) == 0x14, "masks at 14h");

/* 5601h */
struct cci_fm_host_region_config_req {
	uint16_t host_id;
	uint8_t region_count;
	uint8_t start_region;
} CCI_PACKED;
_Static_assert(sizeof(struct cci_fm_host_region_config_req) == 4, "5601h request");

#define CCI_ATTR1_NONVOLATILE (1u << 2)
#define CCI_ATTR1_SHARABLE (1u << 3)
#define CCI_ATTR1_HW_COHERENT (1u << 4)
#define CCI_ATTR1_READONLY (1u << 6)
#define CCI_ATTR2_SANITIZE_ON_RELEASE (1u << 0)

struct cci_fm_region_entry {
	uint64_t base;
	uint64_t decode_length; /* multiples of 256 MiB */
	uint64_t length;
	uint64_t block_size;
	uint8_t attr1;
	uint8_t rsvd1[3];
	uint8_t attr2;
	uint8_t rsvd2[3];
} CCI_PACKED;
_Static_assert(sizeof(struct cci_fm_region_entry) == 0x28, "5601h entry is 28h bytes");
_Static_assert(offsetof(struct cci_fm_region_entry, attr2) == 0x24, "attributes2 at 24h");

struct cci_fm_host_region_config_rsp {
	uint16_t host_id;
	uint8_t num_available;
	uint8_t num_returned;
	struct cci_fm_region_entry regions[];
	/* followed by struct cci_dc_limits */
} CCI_PACKED;
_Static_assert(sizeof(struct cci_fm_host_region_config_rsp) == 4, "5601h response head");

/* The four counters that trail 5601h and 4800h responses. */
struct cci_dc_limits {
	uint32_t total_extents;
	uint32_t available_extents;
	uint32_t total_tags;
	uint32_t available_tags;
} CCI_PACKED;
_Static_assert(sizeof(struct cci_dc_limits) == 0x10, "limits are 10h bytes");

/* 5602h request and response */
struct cci_fm_set_region_config {
	uint8_t region_id;
	uint8_t rsvd1[3];
	uint64_t block_size;
	uint8_t flags; /* bit0 sanitize on release */
	uint8_t rsvd2[3];
} CCI_PACKED;
_Static_assert(sizeof(struct cci_fm_set_region_config) == 0x10, "5602h is 10h bytes");

/* 5603h */
struct cci_fm_extent_lists_req {
	uint16_t host_id;
	uint16_t rsvd;
	uint32_t extent_count;
	uint32_t start_index;
} CCI_PACKED;
_Static_assert(sizeof(struct cci_fm_extent_lists_req) == 0x0c, "5603h request");

struct cci_fm_extent_lists_rsp {
	uint16_t host_id;
	uint16_t rsvd1;
	uint32_t start_index;
	uint32_t returned;
	uint32_t total;
	uint32_t generation;
	uint32_t rsvd2;
	struct cci_dc_extent extents[];
} CCI_PACKED;
_Static_assert(sizeof(struct cci_fm_extent_lists_rsp) == 0x18, "5603h response head");

/* 5604h / 5605h: same shape */
struct cci_fm_dc_change_req {
	uint16_t host_id;
	uint8_t flags;      /* 5604h: bits[3:0] policy; 5605h: policy, forced, sanitize */
	uint8_t region;     /* 5604h region number; reserved in 5605h */
	uint64_t length;
	uint8_t tag[16];
	uint32_t extent_count;
	struct cci_dc_extent extents[];
} CCI_PACKED;
_Static_assert(sizeof(struct cci_fm_dc_change_req) == 0x20, "5604h/5605h request head");
_Static_assert(offsetof(struct cci_fm_dc_change_req, tag) == 0x0c, "tag at 0Ch");
_Static_assert(offsetof(struct cci_fm_dc_change_req, extent_count) == 0x1c, "count at 1Ch");

/* 5606h Dynamic Capacity Add Reference / 5607h Remove Reference: the
 * request is the tag alone; no response payload. */
struct cci_fm_tag_ref_req {
	uint8_t tag[16];
} CCI_PACKED;
_Static_assert(sizeof(struct cci_fm_tag_ref_req) == 0x10, "5606h/5607h request");

/* 5608h Dynamic Capacity List Tags */
struct cci_fm_list_tags_req {
	uint32_t start_index;
	uint32_t max_tags;  /* 0: only the generation number and the total */
} CCI_PACKED;
_Static_assert(sizeof(struct cci_fm_list_tags_req) == 8, "5608h request");

#define CCI_TAGS_REF_VALID 0x01     /* validity: reference bitmaps valid */
#define CCI_TAGS_PENDING_VALID 0x02 /* validity: pending reference bitmaps valid */
#define CCI_TAG_FM_REF 0x01         /* entry flags: the FM holds a reference */

struct cci_fm_tag_entry {
	uint8_t tag[16];
	uint8_t flags;
	uint8_t rsvd[3];
	uint8_t ref[32];     /* bit n (byte n/8, bit n%8): LD n holds the tag */
	uint8_t pending[32]; /* LD n has it offered, not yet accepted */
} CCI_PACKED;
_Static_assert(sizeof(struct cci_fm_tag_entry) == 0x54, "5608h entry is 54h bytes");
_Static_assert(offsetof(struct cci_fm_tag_entry, ref) == 0x14, "reference bitmap at 14h");
_Static_assert(offsetof(struct cci_fm_tag_entry, pending) == 0x34, "pending bitmap at 34h");

struct cci_fm_list_tags_rsp {
	uint32_t generation;
	uint32_t total;
	uint32_t returned;
	uint8_t validity;
	uint8_t rsvd[3];
	struct cci_fm_tag_entry tags[];
} CCI_PACKED;
_Static_assert(sizeof(struct cci_fm_list_tags_rsp) == 0x10, "5608h response head");

/* ---- Host memory-device DCD commands (48xxh) ---- */

struct cci_dc_config_req {
	uint8_t region_count;
	uint8_t start_region;
} CCI_PACKED;
_Static_assert(sizeof(struct cci_dc_config_req) == 2, "4800h request");

struct cci_dc_region_entry {
	uint64_t base;
	uint64_t decode_length; /* multiples of 256 MiB */
	uint64_t length;
	uint64_t block_size;
	uint32_t dsmad_handle;
	uint8_t flags; /* bit0 sanitize on release */
	uint8_t rsvd[3];
} CCI_PACKED;
_Static_assert(sizeof(struct cci_dc_region_entry) == 0x28, "4800h entry is 28h bytes");
_Static_assert(offsetof(struct cci_dc_region_entry, flags) == 0x24, "flags at 24h");

struct cci_dc_config_rsp {
	uint8_t num_available;
	uint8_t num_returned;
	uint8_t rsvd[6];
	struct cci_dc_region_entry regions[];
	/* followed by struct cci_dc_limits */
} CCI_PACKED;
_Static_assert(sizeof(struct cci_dc_config_rsp) == 8, "4800h response head");

struct cci_dc_extent_list_req {
	uint32_t extent_count;
	uint32_t start_index;
} CCI_PACKED;
_Static_assert(sizeof(struct cci_dc_extent_list_req) == 8, "4801h request");

struct cci_dc_extent_list_rsp {
	uint32_t returned;
	uint32_t total;
	uint32_t generation;
	uint32_t rsvd;
	struct cci_dc_extent extents[];
} CCI_PACKED;
_Static_assert(sizeof(struct cci_dc_extent_list_rsp) == 0x10, "4801h response head");

/* 4802h / 4803h */
struct cci_updated_extent {
	uint64_t start_dpa;
	uint64_t length;
	uint8_t rsvd[8];
} CCI_PACKED;
_Static_assert(sizeof(struct cci_updated_extent) == 0x18, "updated extent is 18h bytes");

#define CCI_DC_RESPONSE_MORE (1u << 0)

struct cci_dc_response {
	uint32_t count;
	uint8_t flags;
	uint8_t rsvd[3];
	struct cci_updated_extent extents[];
} CCI_PACKED;
_Static_assert(sizeof(struct cci_dc_response) == 8, "4802h/4803h head");

/* ---- Events ---- */

enum cci_event_log {
	CCI_LOG_INFO = 0,
	CCI_LOG_WARN = 1,
	CCI_LOG_FAIL = 2,
	CCI_LOG_FATAL = 3,
	CCI_LOG_DC = 4,
};

struct cci_event_header {
	uint8_t id[16];
	uint8_t length;
	uint8_t flags[3];
	uint16_t handle;
	uint16_t related_handle;
	uint64_t timestamp;
	uint8_t maint_class;
	uint8_t maint_subclass;
	uint16_t ld_id;
	uint8_t head_id;
	uint8_t rsvd[11];
} CCI_PACKED;
_Static_assert(sizeof(struct cci_event_header) == 0x30, "event header is 30h bytes");
_Static_assert(offsetof(struct cci_event_header, handle) == 0x14, "handle at 14h");
_Static_assert(offsetof(struct cci_event_header, timestamp) == 0x18, "timestamp at 18h");

/* ca95afa7-f183-4018-8c2f-95268e101a2a, in wire byte order */
#define CCI_DC_EVENT_UUID                                                      \
	{ 0xca, 0x95, 0xaf, 0xa7, 0xf1, 0x83, 0x40, 0x18,                      \
	  0x8c, 0x2f, 0x95, 0x26, 0x8e, 0x10, 0x1a, 0x2a }

enum cci_dc_event_type {
	CCI_DC_EVENT_ADD_CAPACITY = 0,
	CCI_DC_EVENT_RELEASE_CAPACITY = 1,
	CCI_DC_EVENT_FORCED_RELEASE = 2,
	CCI_DC_EVENT_REGION_CONFIG_UPDATED = 3,
	CCI_DC_EVENT_ADD_RESPONSE = 4,   /* FM only */
	CCI_DC_EVENT_CAPACITY_RELEASED = 5, /* FM only */
};

#define CCI_DC_EVENT_MORE (1u << 0)

struct cci_dc_event {
	struct cci_event_header hdr;
	uint8_t type;
	uint8_t validity;
	uint16_t host_id;
	uint8_t region_index;
	uint8_t flags; /* bit0 More */
	uint8_t rsvd1[2];
	struct cci_dc_extent extent;
	uint8_t rsvd2[0x18];
	uint32_t num_available_extents;
	uint32_t num_available_tags;
} CCI_PACKED;
_Static_assert(sizeof(struct cci_dc_event) == 0x80, "DC event record is 80h bytes");
_Static_assert(offsetof(struct cci_dc_event, type) == 0x30, "event type at 30h");
_Static_assert(offsetof(struct cci_dc_event, flags) == 0x35, "flags at 35h");
_Static_assert(offsetof(struct cci_dc_event, extent) == 0x38, "extent at 38h");
_Static_assert(offsetof(struct cci_dc_event, num_available_extents) == 0x78, "counts at 78h");

#define CCI_EVENT_RECORDS_OVERFLOW (1u << 0)
#define CCI_EVENT_RECORDS_MORE (1u << 1)

struct cci_get_events_rsp {
	uint8_t flags;
	uint8_t rsvd1;
	uint16_t overflow_count;
	uint64_t first_overflow_ts;
	uint64_t last_overflow_ts;
	uint16_t record_count;
	uint8_t rsvd2[10];
	struct cci_dc_event records[];
} CCI_PACKED;
_Static_assert(sizeof(struct cci_get_events_rsp) == 0x20, "0100h response head");
_Static_assert(offsetof(struct cci_get_events_rsp, record_count) == 0x14, "count at 14h");

#define CCI_CLEAR_ALL (1u << 0)

struct cci_clear_events_req {
	uint8_t log;
	uint8_t flags;
	uint8_t num_handles;
	uint8_t rsvd[3];
	uint16_t handles[];
} CCI_PACKED;
_Static_assert(sizeof(struct cci_clear_events_req) == 6, "0101h request head");

#endif /* TAGDAX_FABRIC_CCI_H */
