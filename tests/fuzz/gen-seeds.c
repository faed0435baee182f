// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Writes the binary seed corpora into DIR/TARGET/ (scripts/fuzz --seeds):
 * ROM images from vmrom_build, superblocks as famfs's mkfs lays them out,
 * command sequences run against the DCD model (each command is checked to
 * succeed, so every opcode's seed reaches past its decoder), state images
 * the model saved along the way, CCI streams, and the responses the model
 * gave, as seeds for the client side.  The text formats (tags.conf, emu
 * descriptors, fabric JSON) are written by hand in the tree.
 */
#include <endian.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "cci-codec.h"
#include "famfs-sb.h"
#include "fuzz-dcd.h"
#include "fuzz.h"
#include "vmrom.h"

#define MB (1ull << 20)

static const char *outdir;
static const uint8_t tag_a[16] = { 0x5b, 0xe1, 0x3b, 0xce, 0x1d, 0x7a, 0x4c, 0x1e,
				   0x9b, 0x2f, 0x3f, 0x6c, 0x2a, 0x1d, 0x0e, 0x55 };
static const uint8_t tag_b[16] = { 0x0c, 0x2d, 0x4e, 0x6f, 0x8a, 0x9b, 0x4c, 0x1d,
				   0x8e, 0x2f, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e, 0x6f };

/* DIR/target/name := [control byte] + data. */
static void seed(const char *target, const char *name, int control, const void *data,
		 size_t len)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", outdir, target);
	if (mkdir(path, 0755) && errno != EEXIST)
		fuzz_fail("mkdir %s: %s", path, strerror(errno));
	snprintf(path, sizeof(path), "%s/%s/%s", outdir, target, name);
	f = fopen(path, "wb");
	if (!f || (control >= 0 && fputc(control, f) == EOF) ||
	    (len && fwrite(data, 1, len, f) != len) || fclose(f))
		fuzz_fail("write %s", path);
}

static void vmrom_seeds(void)
{
	struct vmrom_window w = { .count = 1, .size = 16 * MB, .capacity = 16 * MB };
	uint8_t image[VMROM_IMAGE_SIZE];

	memcpy(w.tag.b, tag_a, 16);
	if (vmrom_build(&w, image))
		fuzz_fail("vmrom_build");
	seed("vmrom", "one-window", 1, image, sizeof(image));
	w = (struct vmrom_window){ .index = 1, .count = 2, .offset = 16 * MB, .size = 8 * MB,
				   .capacity = 24 * MB, .flags = VMROM_FLAGS_KNOWN };
	memcpy(w.tag.b, tag_b, 16);
	if (vmrom_build(&w, image))
		fuzz_fail("vmrom_build");
	seed("vmrom", "second-of-two-shared-readonly", 1, image, sizeof(image));
}

static void famfs_seed(const char *name, uint64_t unit, const uint8_t *dev_uuid)
{
	struct famfs_superblock sb = { .ts_magic = htole64(FAMFS_SUPER_MAGIC) };

	sb.ts_version = htole64(FAMFS_CURRENT_VERSION);
	sb.ts_log_offset = htole64(2 * MB);
	sb.ts_log_len = htole64(8 * MB);
	sb.ts_alloc_unit = htole64(unit);
	sb.ts_omf_ver_major = htole32(1);
	memcpy(sb.ts_uuid, tag_a, 16);
	memcpy(sb.ts_dev_uuid, dev_uuid, 16);
	sb.ts_crc = htole64(crc32(crc32(0L, Z_NULL, 0), (const Bytef *)&sb, FAMFS_SB_CRC_LEN));
	sb.ts_daxdev.dd_size = htole64(64 * MB);
	memcpy(sb.ts_daxdev.dd_uuid, dev_uuid, 16);
	strcpy(sb.ts_daxdev.dd_daxdev, "/dev/dax0.0");
	seed("famfs", name, 1, &sb, sizeof(sb));
}

/* ---- the DCD model: a session records the commands it runs ---- */

struct session {
	struct dcd *d;
	uint8_t buf[1 << 16];
	size_t len;
	uint8_t *out;
	size_t outlen;
	unsigned int nstate;
	const char *name;
};

static int host_port(uint8_t sel)
{
	return sel == 0 ? DCD_PORT_FM : sel - 1;
}

/* Runs and records one command that must succeed; port 0 is the FM. */
static void cmd(struct session *s, uint8_t port, uint16_t op, const void *in, uint16_t len)
{
	uint8_t idx = 0;
	bool changed;
	int rc;

	while (idx < FUZZ_NOPS && fuzz_opcodes[idx] != op)
		idx++;
	fuzz_cmd_put(s->buf, &s->len, port, idx, in, len);
	rc = dcd_dispatch(s->d, host_port(port), op, in, len, s->out, 1 << 20, &s->outlen,
			  &changed);
	if (rc != CCI_RC_SUCCESS)
		fuzz_fail("seed %s: %04xh on port %u: %s", s->name, op, port, cci_retcode_name(rc));
	dcd_sanitize_run(s->d, &(uint32_t){ 0 });
}

static void save_state(struct session *s)
{
	char name[64];
	uint8_t *img;
	size_t len;

	if (dcd_serialize(s->d, &img, &len))
		fuzz_fail("dcd_serialize");
	snprintf(name, sizeof(name), "%s-%u", s->name, s->nstate++);
	seed("state", name, 0, img, len);
	free(img);
}

static void change(struct session *s, uint16_t op, uint16_t host, uint8_t flags, uint8_t region,
		   uint64_t length, const uint8_t *tag, uint64_t dpa)
{
	uint8_t buf[sizeof(struct cci_fm_dc_change_req) + sizeof(struct cci_dc_extent)];
	struct cci_fm_dc_change_req *r = (void *)buf;
	uint32_t n = dpa != UINT64_MAX;

	memset(buf, 0, sizeof(buf));
	r->host_id = htole16(host);
	r->flags = flags;
	r->region = region;
	r->length = htole64(length);
	memcpy(r->tag, tag, 16);
	r->extent_count = htole32(n);
	if (n)
		cci_dc_extent_encode(&r->extents[0], dpa, length, tag, 0);
	cmd(s, 0, op, buf, (uint16_t)(sizeof(*r) + n * sizeof(struct cci_dc_extent)));
}

static void respond(struct session *s, uint8_t port, uint16_t op, uint64_t dpa, uint64_t len)
{
	uint8_t buf[sizeof(struct cci_dc_response) + sizeof(struct cci_updated_extent)] = { 0 };
	struct cci_dc_response *r = (void *)buf;

	r->count = htole32(1);
	r->extents[0].start_dpa = htole64(dpa);
	r->extents[0].length = htole64(len);
	cmd(s, port, op, buf, sizeof(buf));
}

/* Reads port's DC log and clears its first record. */
static void ack_first_event(struct session *s, uint8_t port)
{
	uint8_t log = CCI_LOG_DC, buf[sizeof(struct cci_clear_events_req) + 2] = { 0 };
	struct cci_clear_events_req *req = (void *)buf;
	const struct cci_get_events_rsp *rsp;

	cmd(s, port, CCI_GET_EVENT_RECORDS, &log, 1);
	rsp = (const void *)s->out;
	if (!le16toh(rsp->record_count))
		fuzz_fail("seed %s: no event to clear", s->name);
	req->log = CCI_LOG_DC;
	req->num_handles = 1;
	memcpy(buf + sizeof(*req), &rsp->records[0].hdr.handle, 2);
	cmd(s, port, CCI_CLEAR_EVENT_RECORDS, buf, sizeof(buf));
}

static void queries(struct session *s, uint8_t port, uint16_t host)
{
	struct cci_dc_config_req cfg = { .region_count = 8 };
	struct cci_dc_extent_list_req list = { .extent_count = htole32(256) };
	struct cci_fm_host_region_config_req fcfg = { .host_id = htole16(host), .region_count = 8 };
	struct cci_fm_extent_lists_req flist = { .host_id = htole16(host),
						 .extent_count = htole32(256) };

	cmd(s, port, CCI_GET_DC_CONFIG, &cfg, sizeof(cfg));
	cmd(s, port, CCI_GET_DC_EXTENT_LIST, &list, sizeof(list));
	cmd(s, 0, CCI_FM_GET_DCD_INFO, NULL, 0);
	cmd(s, 0, CCI_FM_GET_HOST_DC_REGION_CONFIG, &fcfg, sizeof(fcfg));
	cmd(s, 0, CCI_FM_GET_DC_REGION_EXTENT_LISTS, &flist, sizeof(flist));
}

static void session_start(struct session *s, const char *name)
{
	memset(s->buf, 0, sizeof(s->buf));
	s->len = 0;
	s->nstate = 0;
	s->name = name;
	s->d = fuzz_dcd_new();
	if (!s->out && !(s->out = malloc(1 << 20)))
		abort();
}

static void session_end(struct session *s)
{
	seed("dispatch", s->name, -1, s->buf, s->len);
	dcd_free(s->d);
}

/* One response for the client harness: command, then mode 0, rc 0, len. */
static void client_seed(const char *name, uint8_t command, const void *rsp, size_t len,
			unsigned int copies)
{
	uint8_t buf[1 << 16];
	size_t n = 0;

	buf[n++] = command;
	for (unsigned int i = 0; i < copies; i++) {
		buf[n++] = 0;
		buf[n++] = 0;
		buf[n++] = (uint8_t)len;
		buf[n++] = (uint8_t)(len >> 8);
		memcpy(buf + n, rsp, len);
		n += len;
	}
	seed("fmclient", name, -1, buf, n);
}

/* The life of capacity: offered, accepted, listed, shared, released. */
static void lifecycle(struct session *s)
{
	struct cci_fm_host_region_config_req fcfg = { .host_id = htole16(1), .region_count = 8 };
	struct cci_fm_extent_lists_req flist = { .host_id = htole16(1), .extent_count = htole32(256) };
	uint8_t log = CCI_LOG_DC;

	session_start(s, "lifecycle");
	save_state(s);
	change(s, CCI_FM_INITIATE_DC_ADD, 0, CCI_ADD_PRESCRIPTIVE, 0, 4 * MB, tag_a, 0);
	save_state(s);
	ack_first_event(s, 1);
	respond(s, 1, CCI_ADD_DC_RESPONSE, 0, 4 * MB);
	save_state(s);
	queries(s, 1, 0);
	cmd(s, 1, CCI_GET_EVENT_RECORDS, &log, 1);
	change(s, CCI_FM_INITIATE_DC_ADD, 1, CCI_ADD_ENABLE_SHARED, 0, 4 * MB, tag_a, UINT64_MAX);
	change(s, CCI_FM_INITIATE_DC_ADD, 1, CCI_ADD_FREE, 1, 8 * MB, tag_b, UINT64_MAX);
	cmd(s, 0, CCI_GET_EVENT_RECORDS, &log, 1);
	client_seed("events", 0, s->out, s->outlen, 1);
	save_state(s);
	cmd(s, 2, CCI_GET_EVENT_RECORDS, &log, 1);
	respond(s, 2, CCI_ADD_DC_RESPONSE, 0, 4 * MB);
	save_state(s);
	cmd(s, 0, CCI_FM_GET_HOST_DC_REGION_CONFIG, &fcfg, sizeof(fcfg));
	client_seed("host-regions", 5, s->out, s->outlen, 1);
	cmd(s, 0, CCI_FM_GET_DC_REGION_EXTENT_LISTS, &flist, sizeof(flist));
	client_seed("host-extents", 6, s->out, s->outlen, 1);
	cmd(s, 2, CCI_GET_DC_CONFIG, &(struct cci_dc_config_req){ .region_count = 8 }, 2);
	client_seed("dc-config", 2, s->out, s->outlen, 1);
	cmd(s, 2, CCI_GET_DC_EXTENT_LIST,
	    &(struct cci_dc_extent_list_req){ .extent_count = htole32(256) }, 8);
	client_seed("dc-extents", 3, s->out, s->outlen, 1);
	/* The FM pins tag a: it outlives both hosts, listed with the FM flag. */
	cmd(s, 0, CCI_FM_ADD_REFERENCE, tag_a, 16);
	change(s, CCI_FM_INITIATE_DC_RELEASE, 0, CCI_RELEASE_TAG_BASED, 0, 4 * MB, tag_a,
	       UINT64_MAX);
	save_state(s);
	respond(s, 1, CCI_RELEASE_DC, 0, 4 * MB);
	change(s, CCI_FM_INITIATE_DC_RELEASE, 1, CCI_RELEASE_TAG_BASED | CCI_RELEASE_FORCED, 0,
	       4 * MB, tag_a, UINT64_MAX);
	ack_first_event(s, 2);
	save_state(s);
	cmd(s, 0, CCI_FM_LIST_TAGS, &(struct cci_fm_list_tags_req){ 0, htole32(8) }, 8);
	cmd(s, 0, CCI_FM_REMOVE_REFERENCE, tag_a, 16);
	save_state(s);
	session_end(s);
}

static void dispatch_seeds(void)
{
	struct cci_fm_set_region_config set = { .region_id = 1, .block_size = htole64(8 * MB),
						.flags = 1 };
	struct session s = { .out = NULL };
	uint8_t log = CCI_LOG_DC;

	lifecycle(&s);
	/* each query alone, on a fresh model */
	session_start(&s, "queries");
	queries(&s, 3, 7);
	cmd(&s, 0, CCI_FM_SET_DC_REGION_CONFIG, &set, sizeof(set));
	cmd(&s, 3, CCI_GET_EVENT_RECORDS, &log, 1);
	save_state(&s);
	session_end(&s);
	free(s.out);
	client_seed("empty-success-1", 1, NULL, 0, 2);
	client_seed("empty-success-4", 4, NULL, 0, 2);
	client_seed("empty-success-7", 7, NULL, 0, 1);
	client_seed("empty-success-8", 8, NULL, 0, 1);
}

static void cci_seeds(void)
{
	uint8_t buf[256];
	struct cci_msg m;
	size_t n = 0;

	buf[n++] = 0x00; /* limit 4096 */
	buf[n++] = 0x10;
	buf[n++] = 6;    /* chunks of 7 */
	buf[n++] = 0;
	cci_msg_init(&m, CCI_REQUEST, 1, CCI_FM_GET_DCD_INFO, 0, 0);
	memcpy(buf + n, &m, sizeof(m));
	n += sizeof(m);
	cci_msg_init(&m, CCI_REQUEST, 2, CCI_GET_EVENT_RECORDS, 1, 0);
	memcpy(buf + n, &m, sizeof(m));
	n += sizeof(m);
	buf[n++] = CCI_LOG_DC;
	cci_msg_init(&m, CCI_REQUEST, 3, CCI_FM_INITIATE_DC_ADD, 5000, 0); /* over the limit */
	memcpy(buf + n, &m, sizeof(m));
	n += sizeof(m);
	memset(buf + n, 0xa5, 40);
	n += 40;
	cci_msg_init(&m, CCI_RESPONSE, 4, CCI_GET_DC_CONFIG, 2, 0);
	memcpy(buf + n, &m, sizeof(m));
	n += sizeof(m);
	buf[n++] = 8;
	buf[n++] = 0;
	seed("cci", "push", -1, buf, n);
	buf[3] = 1; /* through a pipe */
	buf[2] = 0; /* byte by byte */
	seed("cci", "pipe", -1, buf, n);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	outdir = argv[1];
	if (mkdir(outdir, 0755) && errno != EEXIST)
		fuzz_fail("mkdir %s: %s", outdir, strerror(errno));
	vmrom_seeds();
	famfs_seed("2m-two-uuids", FAMFS_ALLOC_UNIT_2M, tag_b);
	famfs_seed("4k-one-uuid", FAMFS_ALLOC_UNIT_4K, tag_a);
	dispatch_seeds();
	cci_seeds();
	return 0;
}
