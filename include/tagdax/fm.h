/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libtagdax-fm: a fabric manager's client for the emulated tagdax fabric
 * (docs/fabric.md), over its FM API socket DIR/fm.sock.
 *
 * One function per FM API command, with decoded host-order types, in the
 * shape of libcxlmi: 5600h-5608h (CXL 3.2 DCD Management) and the FM's
 * event log (0100h Get Event Records, 0101h Clear Event Records).  A handle
 * carries one connection and sends one request at a time; it is not
 * thread-safe (one handle per thread).
 *
 * Return values: 0 on success; a negative errno when the command did not
 * get an answer (-ETIMEDOUT, -ECONNRESET the daemon closed the connection,
 * even before reading the request, -ENOENT no fabric, -EPROTO a malformed
 * answer, -ENOMEM, -EINVAL bad arguments); a positive value is
 * the CCI return code the device answered (TAGDAX_FM_RC_*), so the two
 * never mix.  After a transport error the connection is dropped and the
 * next call reconnects: a late answer is never taken for the next one, but
 * whether the failed command took effect is unknown.  A NULL handle,
 * request, tag or result pointer is a bad argument: -EINVAL before
 * anything is sent (the getters below answer 0, false or NULL), never a
 * crash.
 *
 * Beyond CCI, what an FM user of the emulated fabric needs from its
 * directory: the host names behind the LD ids (DIR/config.json) and
 * whether the daemon and each host's agent run (their pid files' locks):
 * tagdax_fabric_*.
 */
#ifndef TAGDAX_FM_H
#define TAGDAX_FM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct tagdax_fm;
struct tagdax_fabric;

/* CCI return codes (CXL 3.2 Table 8-34) the fabric answers. */
enum tagdax_fm_rc {
	TAGDAX_FM_RC_SUCCESS = 0x00,
	TAGDAX_FM_RC_BACKGROUND = 0x01,
	TAGDAX_FM_RC_INVALID_INPUT = 0x02,
	TAGDAX_FM_RC_UNSUPPORTED = 0x03,
	TAGDAX_FM_RC_INTERNAL = 0x04,
	TAGDAX_FM_RC_RETRY = 0x05,
	TAGDAX_FM_RC_BUSY = 0x06,
	TAGDAX_FM_RC_INVALID_HANDLE = 0x0e,
	TAGDAX_FM_RC_INVALID_PADDR = 0x0f,
	TAGDAX_FM_RC_ABORTED = 0x12,
	TAGDAX_FM_RC_INVALID_PAYLOAD_LENGTH = 0x16,
	TAGDAX_FM_RC_INVALID_LOG = 0x17,
	TAGDAX_FM_RC_RESOURCES_EXHAUSTED = 0x1d,
	TAGDAX_FM_RC_INVALID_EXTENT_LIST = 0x1e,
};

/* The spec's name of a return code ("Invalid Input"), and a sentence on
 * what it means for the request; both "unknown ..." for codes not above.
 * For a negative errno (a transport error, not a code) the sentence is
 * strerror(-rc)'s and the name "Unknown Return Code". */
const char *tagdax_fm_rc_name(int rc);
const char *tagdax_fm_rc_sentence(int rc);

/* The commands this library sends (CXL 3.2 opcodes). */
enum tagdax_fm_opcode {
	TAGDAX_FM_OP_GET_EVENT_RECORDS = 0x0100,
	TAGDAX_FM_OP_CLEAR_EVENT_RECORDS = 0x0101,
	TAGDAX_FM_OP_GET_DCD_INFO = 0x5600,
	TAGDAX_FM_OP_GET_HOST_DC_REGION_CONFIG = 0x5601,
	TAGDAX_FM_OP_SET_DC_REGION_CONFIG = 0x5602,
	TAGDAX_FM_OP_GET_DC_REGION_EXTENT_LISTS = 0x5603,
	TAGDAX_FM_OP_INITIATE_DC_ADD = 0x5604,
	TAGDAX_FM_OP_INITIATE_DC_RELEASE = 0x5605,
	TAGDAX_FM_OP_ADD_REFERENCE = 0x5606,
	TAGDAX_FM_OP_REMOVE_REFERENCE = 0x5607,
	TAGDAX_FM_OP_LIST_TAGS = 0x5608,
};

/* The spec's name of a command the fabric knows ("Initiate Dynamic
 * Capacity Add"; the host mailbox's 48xxh too), for messages;
 * "Unknown Command" for any other value. */
const char *tagdax_fm_opcode_name(int opcode);

#define TAGDAX_FM_DEFAULT_TIMEOUT_MS 5000
/* Hosts a fabric has at most (5600h reports the count in one byte). */
#define TAGDAX_FM_MAX_HOSTS 255

/* ---- the connection ---- */

/* Connects to DIR/fm.sock (tagdax_fm_open) or to a socket path.  0 or a
 * negative errno (-ENOENT/-ECONNREFUSED: the fabric does not run; -EINVAL:
 * no DIR/path or a NULL fm). */
int tagdax_fm_open(const char *dir, struct tagdax_fm **fm);
int tagdax_fm_open_socket(const char *path, struct tagdax_fm **fm);
void tagdax_fm_close(struct tagdax_fm *fm); /* NULL is fine */
/* How long one command may take, request sent to answer read (default
 * TAGDAX_FM_DEFAULT_TIMEOUT_MS); -1 waits forever.  -EINVAL below -1, and
 * from both for a NULL fm. */
int tagdax_fm_set_timeout(struct tagdax_fm *fm, int timeout_ms);
int tagdax_fm_get_timeout(const struct tagdax_fm *fm);

/* ---- 5600h Get DCD Info ---- */

#define TAGDAX_FM_ADD_POLICY_FREE (1u << 0)
#define TAGDAX_FM_ADD_POLICY_CONTIGUOUS (1u << 1)
#define TAGDAX_FM_ADD_POLICY_PRESCRIPTIVE (1u << 2)
#define TAGDAX_FM_RELEASE_POLICY_TAG_BASED (1u << 0)
#define TAGDAX_FM_RELEASE_POLICY_PRESCRIPTIVE (1u << 1)

struct tagdax_fm_dcd_info {
	uint8_t num_hosts;
	uint8_t num_regions;
	uint16_t add_policies;       /* TAGDAX_FM_ADD_POLICY_* */
	uint16_t release_policies;   /* TAGDAX_FM_RELEASE_POLICY_* */
	uint8_t sanitize_mask;       /* bit r: region r's sanitize-on-release is configurable */
	uint64_t total_capacity;     /* bytes */
	uint64_t block_size_mask[8]; /* bit n: block size 2^n supported */
};
int tagdax_fm_get_dcd_info(struct tagdax_fm *fm, struct tagdax_fm_dcd_info *info);

/* ---- 5601h Get Host DC Region Configuration ---- */

#define TAGDAX_FM_ATTR1_NONVOLATILE (1u << 2)
#define TAGDAX_FM_ATTR1_SHARABLE (1u << 3)
#define TAGDAX_FM_ATTR1_HW_COHERENT (1u << 4)
#define TAGDAX_FM_ATTR1_READONLY (1u << 6)

struct tagdax_fm_region {
	uint64_t base;          /* DPA */
	uint64_t decode_length; /* bytes */
	uint64_t length;        /* bytes */
	uint64_t block_size;
	uint8_t attr1;          /* TAGDAX_FM_ATTR1_* */
	bool sanitize_on_release;
};

struct tagdax_fm_host_regions {
	uint16_t host_id;
	uint8_t num_available;  /* regions the host has */
	uint8_t count;          /* entries returned in region[] */
	struct tagdax_fm_region region[8];
	bool has_limits;        /* the four counters below were sent */
	uint32_t total_extents, available_extents, total_tags, available_tags;
};
/* Regions start .. start+max-1 (max <= 8) of host (LD id). */
int tagdax_fm_get_host_dc_region_config(struct tagdax_fm *fm, uint16_t host, uint8_t start,
					uint8_t max, struct tagdax_fm_host_regions *out);

/* ---- 5602h Set DC Region Configuration ---- */
int tagdax_fm_set_dc_region_config(struct tagdax_fm *fm, uint8_t region, uint64_t block_size,
				   bool sanitize_on_release);

/* ---- 5603h Get DC Region Extent Lists ---- */

struct tagdax_fm_extent {
	uint64_t dpa;
	uint64_t length;
	uint8_t tag[16];
	uint16_t shared_seq;
};

struct tagdax_fm_extent_page {
	uint16_t host_id;
	uint32_t start;
	uint32_t returned;   /* entries written to the caller's array */
	uint32_t total;
	uint32_t generation;
};
/* One page: up to max extents from index start into ext[] (max 0: only
 * the total and generation). */
int tagdax_fm_get_dc_region_extent_lists(struct tagdax_fm *fm, uint16_t host, uint32_t start,
					 uint32_t max, struct tagdax_fm_extent *ext,
					 struct tagdax_fm_extent_page *out);
/* The host's whole list, page by page, consistent (restarted when the
 * generation moves under the walk).  *ext is malloc'ed: free() it. */
int tagdax_fm_get_host_extents(struct tagdax_fm *fm, uint16_t host,
			       struct tagdax_fm_extent **ext, uint32_t *n);

/* ---- 5604h / 5605h Initiate Dynamic Capacity Add / Release ---- */

enum tagdax_fm_add_policy {
	TAGDAX_FM_ADD_FREE = 0,
	TAGDAX_FM_ADD_CONTIGUOUS = 1,
	TAGDAX_FM_ADD_PRESCRIPTIVE = 2,
	TAGDAX_FM_ADD_ENABLE_SHARED = 3,
};

struct tagdax_fm_add {
	uint16_t host;
	enum tagdax_fm_add_policy policy;
	uint8_t region;      /* not for prescriptive */
	uint64_t length;     /* free, contiguous */
	uint8_t tag[16];     /* not for prescriptive */
	const struct tagdax_fm_extent *ext; /* prescriptive */
	uint32_t count;
};
int tagdax_fm_initiate_dc_add(struct tagdax_fm *fm, const struct tagdax_fm_add *req);

enum tagdax_fm_release_policy {
	TAGDAX_FM_RELEASE_TAG_BASED = 0,
	TAGDAX_FM_RELEASE_PRESCRIPTIVE = 1,
};

struct tagdax_fm_release {
	uint16_t host;
	enum tagdax_fm_release_policy policy;
	bool forced;         /* the host loses access at once */
	bool sanitize;       /* zero what is released */
	uint64_t length;     /* tag-based */
	uint8_t tag[16];     /* tag-based */
	const struct tagdax_fm_extent *ext; /* prescriptive */
	uint32_t count;
};
int tagdax_fm_initiate_dc_release(struct tagdax_fm *fm, const struct tagdax_fm_release *req);

/* ---- 5606h / 5607h Dynamic Capacity Add / Remove Reference ---- */

/* The FM's own reference on tagged sharable capacity: kept (not freed or
 * sanitized) while no host holds it, freed once nothing references it. */
int tagdax_fm_add_reference(struct tagdax_fm *fm, const uint8_t tag[16]);
int tagdax_fm_remove_reference(struct tagdax_fm *fm, const uint8_t tag[16]);

/* ---- 5608h Dynamic Capacity List Tags ---- */

struct tagdax_fm_tag {
	uint8_t tag[16];
	bool fm_ref;          /* the FM holds a reference (5606h) */
	uint8_t ref[32];      /* bit n: host (LD) n holds capacity with the tag */
	uint8_t pending[32];  /* bit n: it is offered to host n, not accepted yet */
};

struct tagdax_fm_tags_page {
	uint32_t generation;
	uint32_t total;
	uint32_t returned;    /* entries written to the caller's array */
	bool ref_valid, pending_valid;
};
/* One page: up to max tags from index start (max 0: only the generation
 * and total). */
int tagdax_fm_list_tags(struct tagdax_fm *fm, uint32_t start, uint32_t max,
			struct tagdax_fm_tag *tags, struct tagdax_fm_tags_page *out);
/* Every tag, page by page, restarted when the generation moves.  *tags is
 * malloc'ed: free() it. */
int tagdax_fm_list_all_tags(struct tagdax_fm *fm, struct tagdax_fm_tag **tags, uint32_t *n);
/* Bit host of a 32-byte bitmap (false above 255, or for a NULL bitmap). */
bool tagdax_fm_bitmap_has(const uint8_t bitmap[32], uint16_t host);

/* ---- 0100h / 0101h the FM's event log ---- */

enum tagdax_fm_log {
	TAGDAX_FM_LOG_INFO = 0,
	TAGDAX_FM_LOG_WARN = 1,
	TAGDAX_FM_LOG_FAIL = 2,
	TAGDAX_FM_LOG_FATAL = 3,
	TAGDAX_FM_LOG_DC = 4,
};

/* DC event record types (CXL 3.2 Table 8-213). */
enum tagdax_fm_event_type {
	TAGDAX_FM_EVENT_ADD_CAPACITY = 0,
	TAGDAX_FM_EVENT_RELEASE_CAPACITY = 1,
	TAGDAX_FM_EVENT_FORCED_RELEASE = 2,
	TAGDAX_FM_EVENT_REGION_CONFIG_UPDATED = 3,
	TAGDAX_FM_EVENT_ADD_RESPONSE = 4,
	TAGDAX_FM_EVENT_CAPACITY_RELEASED = 5,
	TAGDAX_FM_EVENT_OTHER = 0xff, /* a record that is not a DC event */
};

struct tagdax_fm_event {
	uint16_t handle;
	uint8_t type;         /* enum tagdax_fm_event_type */
	bool more;
	uint16_t host_id;
	uint8_t region_index;
	uint64_t timestamp;   /* ns since the epoch */
	struct tagdax_fm_extent extent;
};

struct tagdax_fm_events {
	bool overflow;
	bool more;            /* the log holds more than was returned */
	unsigned int count;
	struct tagdax_fm_event *ev;
};
int tagdax_fm_get_event_records(struct tagdax_fm *fm, enum tagdax_fm_log log,
				struct tagdax_fm_events *out);
void tagdax_fm_events_free(struct tagdax_fm_events *ev); /* NULL is fine */
/* Clears the records with these handles (oldest first), or (all) every
 * record, which the device allows only after an overflow. */
int tagdax_fm_clear_event_records(struct tagdax_fm *fm, enum tagdax_fm_log log,
				  const uint16_t *handles, unsigned int n);
int tagdax_fm_clear_all_event_records(struct tagdax_fm *fm, enum tagdax_fm_log log);

/* ---- the fabric directory ---- */

/* Reads DIR/config.json.  -ENOENT: no such DIR, or no fabric there (err
 * then says "no config.json"); -EINVAL: not a valid configuration (err says
 * why).  err may be NULL. */
int tagdax_fabric_open(const char *dir, struct tagdax_fabric **fab, char *err, size_t errlen);
/* The fabric that configuration text (JSON, docs/fabric.md; NULL: the
 * built-in sample) makes in DIR, which need not exist or hold a fabric yet:
 * for a launcher checking a configuration before anything is made (a
 * relative DIR that does not exist is taken under the current directory).
 * -EINVAL: not a valid configuration (err says why). */
int tagdax_fabric_open_config(const char *dir, const char *text, struct tagdax_fabric **fab,
			      char *err, size_t errlen);
/* The built-in sample configuration's JSON text (two hosts, two regions). */
const char *tagdax_fabric_sample_config(void);
void tagdax_fabric_close(struct tagdax_fabric *fab); /* NULL is fine */
/* The getters take a NULL fab as a fabric without hosts or regions: NULL,
 * 0, -EINVAL (host_id, host_lookup), false. */
const char *tagdax_fabric_dir(const struct tagdax_fabric *fab); /* absolute */
unsigned int tagdax_fabric_host_count(const struct tagdax_fabric *fab);
/* Host i (0 .. count-1): its name and LD id; NULL / -EINVAL past the end. */
const char *tagdax_fabric_host_name(const struct tagdax_fabric *fab, unsigned int i);
int tagdax_fabric_host_id(const struct tagdax_fabric *fab, unsigned int i);
/* The host with that name's LD id, or -ENOENT (-EINVAL for a NULL name);
 * the name of an LD id, or NULL. */
int tagdax_fabric_host_lookup(const struct tagdax_fabric *fab, const char *name);
const char *tagdax_fabric_host_by_id(const struct tagdax_fabric *fab, uint16_t id);
/* Configured regions (the device reports the same through 5601h). */
unsigned int tagdax_fabric_region_count(const struct tagdax_fabric *fab);
/* Whether the device + FM daemon, and a host's agent, run: their pid file
 * or lock is locked by a live process.  false for an unknown host. */
bool tagdax_fabric_fm_alive(const struct tagdax_fabric *fab);
bool tagdax_fabric_agent_alive(const struct tagdax_fabric *fab, const char *host);

#ifdef __cplusplus
}
#endif

#endif /* TAGDAX_FM_H */
