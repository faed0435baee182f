// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The daemon over its sockets: fabricd_run() in a child process, CCI
 * messages on fm.sock and the hosts' mbox.sock, notifications on irq.sock,
 * the layout file and shared backing bytes, garbage on the sockets (the
 * daemon answers, resynchronises, keeps its state and keeps serving),
 * restart and single-instance behaviour.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemon-test.h"
#include "fabric-test.h"
#include "backing.h"
#include "coverage.h"
#include "fabricd.h"

static uint8_t buf[1 << 16];
static uint8_t out[1 << 20];
static size_t outlen;

static int setup(void **state)
{
	struct t_daemon *t = calloc(1, sizeof(*t));

	td_init(t, fabric_test_config);
	assert_true(td_start(t, NULL));
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct t_daemon *t = *state;

	td_cleanup(t);
	free(t);
	return 0;
}

/* Wait for one notification byte on an irq socket. */
static int irq_byte(int fd, int timeout_ms)
{
	struct pollfd pf = { .fd = fd, .events = POLLIN };
	uint8_t b;

	if (poll(&pf, 1, timeout_ms) <= 0)
		return -1;
	return read(fd, &b, 1) == 1 ? b : -1;
}

static void accept_pending(int mbox, int *nrec)
{
	uint8_t log = CCI_LOG_DC;
	struct cci_get_events_rsp h;
	uint64_t r[64];
	unsigned int n = 0;

	assert_int_equal(td_cmd(mbox, CCI_GET_EVENT_RECORDS, &log, 1, out, sizeof(out), &outlen),
			 CCI_RC_SUCCESS);
	memcpy(&h, out, sizeof(h));
	*nrec = le16toh(h.record_count);
	for (int i = 0; i < *nrec; i++) {
		struct cci_dc_event ev;

		memcpy(&ev, out + sizeof(h) + i * sizeof(ev), sizeof(ev));
		if (ev.type != CCI_DC_EVENT_ADD_CAPACITY)
			continue;
		r[2 * n] = le64toh(ev.extent.start_dpa);
		r[2 * n + 1] = le64toh(ev.extent.length);
		n++;
		if (!(ev.flags & CCI_DC_EVENT_MORE))
			break;
	}
	assert_true(n > 0);
	assert_int_equal(td_cmd(mbox, CCI_ADD_DC_RESPONSE, buf, t_resp_req(buf, r, n, false), out,
				sizeof(out), &outlen),
			 CCI_RC_SUCCESS);
}

static void test_info_and_layout(void **state)
{
	struct t_daemon *t = *state;
	struct cci_fm_dcd_info info;
	char path[400], line[512];
	int fd = td_connect(t, NULL);
	FILE *f;

	assert_true(fd >= 0);
	assert_int_equal(td_cmd(fd, CCI_FM_GET_DCD_INFO, NULL, 0, &info, sizeof(info), &outlen),
			 CCI_RC_SUCCESS);
	assert_int_equal(outlen, sizeof(info));
	assert_int_equal(info.num_hosts, 3);
	assert_int_equal(info.num_regions, 2);
	close(fd);

	snprintf(path, sizeof(path), "%s/layout", t->dir);
	f = fopen(path, "r");
	assert_non_null(f);
	for (unsigned int i = 0; i < 2; i++) {
		unsigned int r;
		uint64_t base, len, off;
		char p[300];

		assert_non_null(fgets(line, sizeof(line), f));
		assert_int_equal(sscanf(line, "region %u base %" SCNu64 " length %" SCNu64
					      " path %299s offset %" SCNu64,
					&r, &base, &len, p, &off),
				 5);
		assert_int_equal(r, i);
		assert_int_equal(base, i * R1);
		assert_int_equal(len, 256 * MiB);
		assert_int_equal(off, 0);
		assert_int_equal(access(p, R_OK | W_OK), 0);
	}
	assert_null(fgets(line, sizeof(line), f));
	fclose(f);
	/* The pid file names the daemon. */
	snprintf(path, sizeof(path), "%s/fabricd.pid", t->dir);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	assert_int_equal(atoi(line), t->pid);
	fclose(f);
}

static void *map_region(const struct t_daemon *t, unsigned int region, size_t len)
{
	char path[400], line[512], p[300] = "";
	uint64_t base, rlen, off;
	unsigned int r;
	FILE *f;
	void *m;
	int fd;

	snprintf(path, sizeof(path), "%s/layout", t->dir);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "region %u base %" SCNu64 " length %" SCNu64 " path %299s offset %" SCNu64,
			   &r, &base, &rlen, p, &off) == 5 && r == region)
			break;
	fclose(f);
	fd = open(p, O_RDWR);
	assert_true(fd >= 0);
	m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)off);
	close(fd);
	assert_true(m != MAP_FAILED);
	return m;
}

static void test_share_flow(void **state)
{
	struct t_daemon *t = *state;
	int fm = td_connect(t, NULL), a = td_connect(t, "A"), b = td_connect(t, "B");
	int irq_a = td_connect_path(t, "hosts/A/irq.sock");
	int irq_b = td_connect_path(t, "hosts/B/irq.sock");
	struct cci_fm_extent_lists_rsp lr;
	struct cci_dc_extent xa, xb;
	struct cci_fm_extent_lists_req q = { htole16(11), 0, htole32(8), 0 };
	uint8_t *ma, *mb;
	int nrec;
	size_t n;

	assert_true(fm >= 0 && a >= 0 && b >= 0 && irq_a >= 0 && irq_b >= 0);
	n = t_add_req(buf, 10, CCI_ADD_FREE, 0, 4 * MiB, t_tag(0x5b));
	assert_int_equal(td_cmd(fm, CCI_FM_INITIATE_DC_ADD, buf, n, NULL, 0, &outlen),
			 CCI_RC_SUCCESS);
	/* A is told; B is not. */
	assert_int_equal(irq_byte(irq_a, 5000), CCI_LOG_DC);
	assert_int_equal(irq_byte(irq_b, 100), -1);
	accept_pending(a, &nrec);
	assert_int_equal(nrec, 1);

	n = t_add_req(buf, 11, CCI_ADD_ENABLE_SHARED, 0, 0, t_tag(0x5b));
	assert_int_equal(td_cmd(fm, CCI_FM_INITIATE_DC_ADD, buf, n, NULL, 0, &outlen),
			 CCI_RC_SUCCESS);
	assert_int_equal(irq_byte(irq_b, 5000), CCI_LOG_DC);
	accept_pending(b, &nrec);

	/* 5603h for B shows B's extent: the same DPA as A's. */
	assert_int_equal(td_cmd(fm, CCI_FM_GET_DC_REGION_EXTENT_LISTS, &q, sizeof(q), out,
				sizeof(out), &outlen),
			 CCI_RC_SUCCESS);
	memcpy(&lr, out, sizeof(lr));
	assert_int_equal(le32toh(lr.total), 1);
	memcpy(&xb, out + sizeof(lr), sizeof(xb));
	q.host_id = htole16(10);
	assert_int_equal(td_cmd(fm, CCI_FM_GET_DC_REGION_EXTENT_LISTS, &q, sizeof(q), out,
				sizeof(out), &outlen),
			 CCI_RC_SUCCESS);
	memcpy(&xa, out + sizeof(lr), sizeof(xa));
	assert_memory_equal(&xa, &xb, sizeof(xa));

	/* Same DPA, same backing bytes: a write through one is read through the other. */
	ma = map_region(t, 0, 4 * MiB);
	mb = map_region(t, 0, 4 * MiB);
	strcpy((char *)ma + le64toh(xa.start_dpa) + 4096, "hello from A");
	assert_string_equal((char *)mb + le64toh(xb.start_dpa) + 4096, "hello from A");
	munmap(ma, 4 * MiB);
	munmap(mb, 4 * MiB);

	/* A host's mailbox cannot reach the FM API (nor another host's list). */
	assert_int_equal(td_cmd(a, CCI_FM_GET_DC_REGION_EXTENT_LISTS, &q, sizeof(q), out,
				sizeof(out), &outlen),
			 CCI_RC_UNSUPPORTED);
	close(fm);
	close(a);
	close(b);
	close(irq_a);
	close(irq_b);
}

static void test_sanitize_backing(void **state)
{
	struct t_daemon *t = *state;
	int fm = td_connect(t, NULL), a = td_connect(t, "A");
	uint64_t r[2];
	uint8_t *m;
	int nrec;
	size_t n;

	/* Region 1 sanitizes on release: the bytes are zero afterwards. */
	n = t_add_req(buf, 10, CCI_ADD_FREE, 1, 2 * MiB, NULL);
	assert_int_equal(td_cmd(fm, CCI_FM_INITIATE_DC_ADD, buf, n, NULL, 0, &outlen),
			 CCI_RC_SUCCESS);
	accept_pending(a, &nrec);
	m = map_region(t, 1, 2 * MiB);
	memset(m, 0xa5, 2 * MiB);
	r[0] = R1;
	r[1] = 2 * MiB;
	assert_int_equal(td_cmd(a, CCI_RELEASE_DC, buf, t_resp_req(buf, r, 1, false), NULL, 0,
				&outlen),
			 CCI_RC_SUCCESS);
	for (size_t i = 0; i < 2 * MiB; i += 4096)
		assert_int_equal(m[i], 0);
	munmap(m, 2 * MiB);
	close(fm);
	close(a);
}

/* Released capacity is zeroed only once the state that frees it is saved:
 * a release whose save fails is undone with the data still there. */
static void test_sanitize_after_save(void **state)
{
	struct t_daemon *t = *state;
	int fm = td_connect(t, NULL), a = td_connect(t, "A");
	uint64_t r[2] = { R1, 2 * MiB };
	uint8_t *m;
	int nrec;
	size_t n;

	n = t_add_req(buf, 10, CCI_ADD_FREE, 1, 2 * MiB, NULL);
	assert_int_equal(td_cmd(fm, CCI_FM_INITIATE_DC_ADD, buf, n, NULL, 0, &outlen),
			 CCI_RC_SUCCESS);
	accept_pending(a, &nrec);
	m = map_region(t, 1, 2 * MiB);
	memset(m, 0xa5, 2 * MiB);
	/* The next two commits fail (the journal append). */
	close(fm);
	close(a);
	td_stop(t);
	setenv("TAGDAX_FABRICD_COMMIT_FAIL", "2", 1);
	assert_true(td_start(t, NULL));
	unsetenv("TAGDAX_FABRICD_COMMIT_FAIL");
	fm = td_connect(t, NULL);
	a = td_connect(t, "A");
	assert_int_equal(td_cmd(a, CCI_RELEASE_DC, buf, t_resp_req(buf, r, 1, false), NULL, 0,
				&outlen),
			 CCI_RC_INTERNAL);
	for (size_t i = 0; i < 2 * MiB; i += 4096)
		assert_int_equal(m[i], 0xa5);
	/* Forced (with sanitize) from the FM side: the same. */
	n = t_list_req(buf, 10, CCI_RELEASE_PRESCRIPTIVE | CCI_RELEASE_FORCED |
		       CCI_RELEASE_SANITIZE, r, 1, NULL);
	assert_int_equal(td_cmd(fm, CCI_FM_INITIATE_DC_RELEASE, buf, n, NULL, 0, &outlen),
			 CCI_RC_INTERNAL);
	for (size_t i = 0; i < 2 * MiB; i += 4096)
		assert_int_equal(m[i], 0xa5);
	/* Saved: now it is zeroed. */
	assert_int_equal(td_cmd(a, CCI_RELEASE_DC, buf, t_resp_req(buf, r, 1, false), NULL, 0,
				&outlen),
			 CCI_RC_SUCCESS);
	for (size_t i = 0; i < 2 * MiB; i += 4096)
		assert_int_equal(m[i], 0);
	munmap(m, 2 * MiB);
	close(fm);
	close(a);
}

/* Give A 2 MiB of region 1 (sanitize on release), fill it, release it. */
static void release_dirty(int fm, int a)
{
	uint64_t r[2] = { R1, 2 * MiB };
	int nrec;
	size_t n;

	n = t_add_req(buf, 10, CCI_ADD_FREE, 1, 2 * MiB, NULL);
	assert_int_equal(td_cmd(fm, CCI_FM_INITIATE_DC_ADD, buf, n, NULL, 0, &outlen),
			 CCI_RC_SUCCESS);
	accept_pending(a, &nrec);
	assert_int_equal(td_cmd(a, CCI_RELEASE_DC, buf, t_resp_req(buf, r, 1, false), NULL, 0,
				&outlen),
			 CCI_RC_SUCCESS);
}

/* Nobody can be given the quarantined range: all of region 1 cannot be
 * added, nor that range by prescription. */
static void expect_quarantined(const struct t_daemon *t, bool yes)
{
	uint64_t r[2] = { R1, 2 * MiB };
	char path[400], line[128] = "";
	int fm = td_connect(t, NULL);
	size_t n;
	FILE *f;

	n = t_add_req(buf, 11, CCI_ADD_FREE, 1, 256 * MiB, NULL);
	assert_int_equal(td_cmd(fm, CCI_FM_INITIATE_DC_ADD, buf, n, NULL, 0, &outlen),
			 yes ? CCI_RC_RESOURCES_EXHAUSTED : CCI_RC_SUCCESS);
	if (yes) {
		n = t_list_req(buf, 11, CCI_ADD_PRESCRIPTIVE, r, 1, NULL);
		assert_int_equal(td_cmd(fm, CCI_FM_INITIATE_DC_ADD, buf, n, NULL, 0, &outlen),
				 CCI_RC_INVALID_EXTENT_LIST);
	}
	close(fm);
	snprintf(path, sizeof(path), "%s/quarantine", t->dir);
	f = fopen(path, "r");
	assert_true(!f == !yes);
	if (f) {
		assert_non_null(fgets(line, sizeof(line), f));
		fclose(f);
		assert_string_equal(line, "region 1 dpa 268435456 length 2097152\n");
	}
}

/* The FM flag and bitmaps of tag in 5608h over fm; false when not listed. */
static bool tag_listed(int fm, const uint8_t *tag, struct cci_fm_tag_entry *e)
{
	struct cci_fm_list_tags_req req = { 0, htole32(100) };
	struct cci_fm_list_tags_rsp h;

	assert_int_equal(td_cmd(fm, CCI_FM_LIST_TAGS, &req, sizeof(req), out, sizeof(out), &outlen),
			 CCI_RC_SUCCESS);
	memcpy(&h, out, sizeof(h));
	for (uint32_t i = 0; i < le32toh(h.returned); i++) {
		memcpy(e, out + sizeof(h) + i * sizeof(*e), sizeof(*e));
		if (!memcmp(e->tag, tag, 16))
			return true;
	}
	return false;
}

/* The famfs case end to end over fm.sock: shared capacity pinned by the FM
 * keeps its bytes after its only host released it (with sanitize asked)
 * and across a restart; 5607h then zeroes and frees it. */
static void test_tag_reference_restart(void **state)
{
	struct t_daemon t;
	struct cci_fm_tag_entry e;
	uint64_t r[2] = { 0, 4 * MiB };
	uint8_t *m;
	int fm, a, nrec;
	size_t n;

	(void)state;
	td_init(&t, fabric_test_config);
	assert_true(td_start(&t, NULL));
	fm = td_connect(&t, NULL);
	a = td_connect(&t, "A");
	n = t_add_req(buf, 10, CCI_ADD_FREE, 0, 4 * MiB, t_tag(7));
	assert_int_equal(td_cmd(fm, CCI_FM_INITIATE_DC_ADD, buf, n, NULL, 0, &outlen),
			 CCI_RC_SUCCESS);
	accept_pending(a, &nrec);
	m = map_region(&t, 0, 4 * MiB);
	memset(m, 0x5a, 4 * MiB);
	assert_int_equal(td_cmd(fm, CCI_FM_ADD_REFERENCE, t_tag(7), 16, out, sizeof(out), &outlen),
			 CCI_RC_SUCCESS);
	assert_int_equal(outlen, 0);
	n = t_release_req(buf, 10, CCI_RELEASE_TAG_BASED | CCI_RELEASE_SANITIZE, 0, t_tag(7));
	assert_int_equal(td_cmd(fm, CCI_FM_INITIATE_DC_RELEASE, buf, n, NULL, 0, &outlen),
			 CCI_RC_SUCCESS);
	assert_int_equal(td_cmd(a, CCI_RELEASE_DC, buf, t_resp_req(buf, r, 1, false), NULL, 0,
				&outlen),
			 CCI_RC_SUCCESS);
	close(fm);
	close(a);
	td_stop(&t);
	assert_true(td_start(&t, NULL));
	fm = td_connect(&t, NULL);
	assert_true(tag_listed(fm, t_tag(7), &e));
	assert_int_equal(e.flags, CCI_TAG_FM_REF);
	for (unsigned int i = 0; i < 32; i++)
		assert_int_equal(e.ref[i] | e.pending[i], 0);
	for (size_t i = 0; i < 4 * MiB; i += 4096)
		assert_int_equal(m[i], 0x5a);
	/* Nobody else gets it by a new allocation. */
	n = t_list_req(buf, 11, CCI_ADD_PRESCRIPTIVE, r, 1, t_tag(8));
	assert_int_equal(td_cmd(fm, CCI_FM_INITIATE_DC_ADD, buf, n, NULL, 0, &outlen),
			 CCI_RC_INVALID_EXTENT_LIST);
	assert_int_equal(td_cmd(fm, CCI_FM_REMOVE_REFERENCE, t_tag(7), 16, NULL, 0, &outlen),
			 CCI_RC_SUCCESS);
	/* Zeroed before the answer (the release asked for it), and free. */
	for (size_t i = 0; i < 4 * MiB; i += 4096)
		assert_int_equal(m[i], 0);
	assert_false(tag_listed(fm, t_tag(7), &e));
	assert_int_equal(td_cmd(fm, CCI_FM_INITIATE_DC_ADD, buf, n, NULL, 0, &outlen),
			 CCI_RC_SUCCESS);
	close(fm);
	munmap(m, 4 * MiB);
	td_cleanup(&t);
}

/* Zeroing fails (injected, region files): the released range stays out of
 * the allocator, listed, across a restart, until a retry zeroes it. */
static void test_sanitize_failure_quarantines(void **state)
{
	struct t_daemon t;
	uint8_t *m;
	int fm, a;

	(void)state;
	td_init(&t, fabric_test_config);
	setenv("TAGDAX_FABRICD_SANITIZE_FAIL", "1", 1);
	assert_true(td_start(&t, NULL));
	fm = td_connect(&t, NULL);
	a = td_connect(&t, "A");
	m = map_region(&t, 1, 2 * MiB);
	release_dirty(fm, a);
	/* Before the release there was nothing to zero: fill now, after. */
	memset(m, 0xa5, 2 * MiB);
	expect_quarantined(&t, true);
	close(fm);
	close(a);
	/* A restart whose retry fails again keeps it quarantined. */
	td_stop(&t);
	assert_true(td_start(&t, NULL));
	expect_quarantined(&t, true);
	assert_int_equal(m[0], 0xa5);
	/* A restart that can zero it frees it. */
	td_stop(&t);
	unsetenv("TAGDAX_FABRICD_SANITIZE_FAIL");
	assert_true(td_start(&t, NULL));
	for (size_t i = 0; i < 2 * MiB; i += 4096)
		assert_int_equal(m[i], 0);
	expect_quarantined(&t, false);
	munmap(m, 2 * MiB);
	td_cleanup(&t);
}

/* The same after a command: a failed zeroing is retried after the next
 * command that changes the state. */
static void test_sanitize_retried_after_command(void **state)
{
	struct t_daemon t;
	int fm, a, b, nrec;
	size_t n;

	(void)state;
	td_init(&t, fabric_test_config);
	setenv("TAGDAX_FABRICD_SANITIZE_FAIL", "1", 1);
	assert_true(td_start(&t, NULL));
	unsetenv("TAGDAX_FABRICD_SANITIZE_FAIL");
	fm = td_connect(&t, NULL);
	a = td_connect(&t, "A");
	release_dirty(fm, a);
	expect_quarantined(&t, true);
	b = td_connect(&t, "B");
	n = t_add_req(buf, 11, CCI_ADD_FREE, 0, 2 * MiB, t_tag(9));
	assert_int_equal(td_cmd(fm, CCI_FM_INITIATE_DC_ADD, buf, n, NULL, 0, &outlen),
			 CCI_RC_SUCCESS);
	accept_pending(b, &nrec);
	expect_quarantined(&t, false);
	close(fm);
	close(a);
	close(b);
	td_cleanup(&t);
}

/* A real failure: a devdax-like character device that cannot be mapped
 * (/dev/null) as the file backing.  Zeroing fails for real, so the range
 * stays quarantined, across a restart too. */
static void test_sanitize_failure_devdax(void **state)
{
	struct t_daemon t;
	char json[1024];
	int fm, a;
	FILE *f;

	(void)state;
	td_init(&t, fabric_test_config);
	snprintf(json, sizeof(json), "%.*s, \"backing\": { \"type\": \"file\", "
		 "\"path\": \"/dev/null\" } }",
		 (int)strlen(fabric_test_config) - 1, fabric_test_config);
	f = fopen(t.config, "w");
	fputs(json, f);
	fclose(f);
	assert_true(td_start(&t, NULL));
	fm = td_connect(&t, NULL);
	a = td_connect(&t, "A");
	release_dirty(fm, a);
	expect_quarantined(&t, true);
	close(fm);
	close(a);
	td_stop(&t);
	assert_true(td_start(&t, NULL));
	expect_quarantined(&t, true);
	td_cleanup(&t);
}

/* Garbage of every kind on the FM socket: answered or dropped, never fatal,
 * and the saved state is byte-for-byte what it was. */
static void test_garbage(void **state)
{
	struct t_daemon *t = *state;
	uint8_t *before, *after, msg[64];
	size_t blen, alen;
	int fd;

	fd = td_connect(t, NULL);
	assert_int_equal(td_cmd(fd, CCI_FM_INITIATE_DC_ADD, buf,
				t_add_req(buf, 10, CCI_ADD_FREE, 1, 2 * MiB, NULL), NULL, 0,
				&outlen),
			 CCI_RC_SUCCESS);
	close(fd);
	before = td_state(t, &blen);

	/* 1. A truncated header, then hang up. */
	fd = td_connect(t, NULL);
	assert_int_equal(td_write_all(fd, "\x00\x01\x00", 3), 0);
	close(fd);
	/* 2. A header promising a payload that never comes, then hang up. */
	fd = td_connect(t, NULL);
	cci_msg_init((struct cci_msg *)msg, CCI_REQUEST, 1, CCI_FM_INITIATE_DC_ADD, 0x20, 0);
	assert_int_equal(td_write_all(fd, msg, 12 + 10), 0);
	close(fd);

	fd = td_connect(t, NULL);
	/* 3. Oversized: answered Invalid Payload Length, the payload skipped,
	 * and the next message on the same stream is served. */
	{
		size_t big = FABRICD_MAX_REQUEST + 100;
		uint8_t *junk = calloc(1, big);

		memset(junk, 0xee, big);
		cci_msg_init((struct cci_msg *)msg, CCI_REQUEST, 7, CCI_FM_INITIATE_DC_ADD, big, 0);
		assert_int_equal(td_write_all(fd, msg, 12), 0);
		assert_int_equal(td_read_rsp(fd, 7, CCI_FM_INITIATE_DC_ADD, NULL, 0, &outlen),
				 CCI_RC_INVALID_PAYLOAD_LENGTH);
		assert_int_equal(td_write_all(fd, junk, big), 0);
		free(junk);
		assert_int_equal(td_cmd(fd, CCI_FM_GET_DCD_INFO, NULL, 0, NULL, 0, &outlen),
				 CCI_RC_SUCCESS);
	}
	/* 4. The largest length the header can carry. */
	cci_msg_init((struct cci_msg *)msg, CCI_REQUEST, 8, CCI_FM_GET_DCD_INFO, CCI_MAX_PAYLOAD, 0);
	msg[7] |= 0xe0; /* reserved bits and BO set too: not part of the length */
	assert_int_equal(td_write_all(fd, msg, 12), 0);
	assert_int_equal(td_read_rsp(fd, 8, CCI_FM_GET_DCD_INFO, NULL, 0, &outlen),
			 CCI_RC_INVALID_PAYLOAD_LENGTH);
	close(fd); /* rather than send 2 MiB of payload */

	fd = td_connect(t, NULL);
	/* 5. A response where a request belongs. */
	cci_msg_init((struct cci_msg *)msg, CCI_RESPONSE, 9, CCI_FM_GET_DCD_INFO, 0, 0);
	assert_int_equal(td_write_all(fd, msg, 12), 0);
	assert_int_equal(td_read_rsp(fd, 9, CCI_FM_GET_DCD_INFO, NULL, 0, &outlen),
			 CCI_RC_INVALID_INPUT);
	/* 6. Category nibble out of range. */
	cci_msg_init((struct cci_msg *)msg, CCI_REQUEST, 10, CCI_FM_GET_DCD_INFO, 0, 0);
	msg[0] = 0x07;
	assert_int_equal(td_write_all(fd, msg, 12), 0);
	assert_int_equal(td_read_rsp(fd, 10, CCI_FM_GET_DCD_INFO, NULL, 0, &outlen),
			 CCI_RC_INVALID_INPUT);
	/* 7. Unknown opcodes. */
	assert_int_equal(td_cmd(fd, 0x4242, "xyz", 3, NULL, 0, &outlen), CCI_RC_UNSUPPORTED);
	assert_int_equal(td_cmd(fd, CCI_ADD_DC_RESPONSE, buf, 8, NULL, 0, &outlen),
			 CCI_RC_UNSUPPORTED);
	/* 8. Payload lengths that lie about the layout. */
	assert_int_equal(td_cmd(fd, CCI_FM_INITIATE_DC_ADD, buf, 0x1f, NULL, 0, &outlen),
			 CCI_RC_INVALID_PAYLOAD_LENGTH);
	{
		size_t n = t_add_req(buf, 10, CCI_ADD_FREE, 1, 2 * MiB, NULL);

		assert_int_equal(td_cmd(fd, CCI_FM_INITIATE_DC_ADD, buf, n + 5, NULL, 0, &outlen),
				 CCI_RC_INVALID_PAYLOAD_LENGTH);
		/* 9. Bad values: no such region, zero length, no such host. */
		n = t_add_req(buf, 10, CCI_ADD_FREE, 5, 2 * MiB, NULL);
		assert_int_equal(td_cmd(fd, CCI_FM_INITIATE_DC_ADD, buf, n, NULL, 0, &outlen),
				 CCI_RC_INVALID_INPUT);
		n = t_add_req(buf, 10, CCI_ADD_FREE, 1, 0, NULL);
		assert_int_equal(td_cmd(fd, CCI_FM_INITIATE_DC_ADD, buf, n, NULL, 0, &outlen),
				 CCI_RC_INVALID_INPUT);
		n = t_add_req(buf, 3, CCI_ADD_FREE, 1, BS, NULL);
		assert_int_equal(td_cmd(fd, CCI_FM_INITIATE_DC_ADD, buf, n, NULL, 0, &outlen),
				 CCI_RC_INVALID_INPUT);
	}
	/* 10. A request split into single bytes, then two in one write. */
	cci_msg_init((struct cci_msg *)msg, CCI_REQUEST, 11, CCI_FM_GET_DCD_INFO, 0, 0);
	for (int i = 0; i < 12; i++)
		assert_int_equal(td_write_all(fd, msg + i, 1), 0);
	assert_int_equal(td_read_rsp(fd, 11, CCI_FM_GET_DCD_INFO, NULL, 0, &outlen),
			 CCI_RC_SUCCESS);
	cci_msg_init((struct cci_msg *)msg, CCI_REQUEST, 12, CCI_FM_GET_DCD_INFO, 0, 0);
	cci_msg_init((struct cci_msg *)(msg + 12), CCI_REQUEST, 13, 0x5699, 0, 0);
	assert_int_equal(td_write_all(fd, msg, 24), 0);
	assert_int_equal(td_read_rsp(fd, 12, CCI_FM_GET_DCD_INFO, NULL, 0, &outlen),
			 CCI_RC_SUCCESS);
	assert_int_equal(td_read_rsp(fd, 13, 0x5699, NULL, 0, &outlen), CCI_RC_UNSUPPORTED);
	close(fd);

	/* 11. Random bytes on a host mailbox. */
	fd = td_connect(t, "B");
	srand(t_seed("random bytes on a mailbox"));
	for (int i = 0; i < 4096; i++)
		buf[i] = (uint8_t)rand();
	td_write_all(fd, buf, 4096);
	close(fd);

	/* Still serving, and nothing changed. */
	fd = td_connect(t, NULL);
	assert_int_equal(td_cmd(fd, CCI_FM_GET_DCD_INFO, NULL, 0, NULL, 0, &outlen), CCI_RC_SUCCESS);
	close(fd);
	after = td_state(t, &alen);
	assert_int_equal(alen, blen);
	assert_memory_equal(after, before, blen);
	free(before);
	free(after);
}

/* A peer that never reads its answers holds up only itself: the daemon
 * stops reading from it, serves others, and catches up once it reads. */
static void test_slow_reader(void **state)
{
	struct t_daemon *t = *state;
	const size_t nmsg = 40000, rsplen = 12 + sizeof(struct cci_fm_dcd_info);
	int hog = td_connect(t, NULL), fd;
	uint8_t *reqs = malloc(nmsg * 12), rsp[4096];
	size_t wr = 0, rd = 0;

	assert_non_null(reqs);
	for (size_t i = 0; i < nmsg; i++)
		cci_msg_init((struct cci_msg *)(reqs + 12 * i), CCI_REQUEST, 1,
			     CCI_FM_GET_DCD_INFO, 0, 0);
	fcntl(hog, F_SETFL, O_NONBLOCK);
	for (;;) {
		ssize_t n = send(hog, reqs + wr, nmsg * 12 - wr, MSG_NOSIGNAL);

		if (n <= 0)
			break;
		wr += (size_t)n;
	}
	assert_true(wr < nmsg * 12); /* the daemon stopped reading */
	fd = td_connect(t, NULL);
	assert_int_equal(td_cmd(fd, CCI_FM_GET_DCD_INFO, NULL, 0, NULL, 0, &outlen), CCI_RC_SUCCESS);
	close(fd);
	while (rd < nmsg * rsplen) {
		struct pollfd pf = { .fd = hog, .events = POLLIN | (wr < nmsg * 12 ? POLLOUT : 0) };
		ssize_t n;

		assert_true(poll(&pf, 1, 10000) > 0);
		if (pf.revents & POLLOUT) {
			n = send(hog, reqs + wr, nmsg * 12 - wr, MSG_NOSIGNAL);
			if (n > 0)
				wr += (size_t)n;
		}
		if (pf.revents & POLLIN) {
			n = read(hog, rsp, sizeof(rsp));
			assert_true(n > 0);
			rd += (size_t)n;
		}
	}
	assert_int_equal(rd, nmsg * rsplen);
	free(reqs);
	close(hog);
}

/* A state that cannot be saved is not served: the command is undone and
 * answered Internal Error, nobody is notified, the daemon carries on. */
static void test_save_failure(void **state)
{
	struct t_daemon *t = *state;
	int fm = td_connect(t, NULL), irq = td_connect_path(t, "hosts/A/irq.sock");
	uint8_t *before, *after;
	size_t blen, alen, n;

	before = td_state(t, &blen);
	/* The next commit fails (the journal append). */
	close(fm);
	close(irq);
	td_stop(t);
	setenv("TAGDAX_FABRICD_COMMIT_FAIL", "1", 1);
	assert_true(td_start(t, NULL));
	unsetenv("TAGDAX_FABRICD_COMMIT_FAIL");
	fm = td_connect(t, NULL);
	irq = td_connect_path(t, "hosts/A/irq.sock");
	n = t_add_req(buf, 10, CCI_ADD_FREE, 1, 2 * MiB, NULL);
	assert_int_equal(td_cmd(fm, CCI_FM_INITIATE_DC_ADD, buf, n, NULL, 0, &outlen),
			 CCI_RC_INTERNAL);
	assert_int_equal(irq_byte(irq, 200), -1);
	after = td_state(t, &alen);
	assert_int_equal(alen, blen);
	assert_memory_equal(after, before, blen);
	/* The model was rolled back too: the same add now succeeds, once. */
	assert_int_equal(td_cmd(fm, CCI_FM_INITIATE_DC_ADD, buf, n, NULL, 0, &outlen),
			 CCI_RC_SUCCESS);
	assert_int_equal(irq_byte(irq, 5000), CCI_LOG_DC);
	{
		struct cci_fm_extent_lists_req q = { htole16(10), 0, htole32(8), 0 };
		uint8_t log = CCI_LOG_DC;
		int a = td_connect(t, "A");
		struct cci_get_events_rsp h;

		assert_int_equal(td_cmd(a, CCI_GET_EVENT_RECORDS, &log, 1, out, sizeof(out), &outlen),
				 CCI_RC_SUCCESS);
		memcpy(&h, out, sizeof(h));
		assert_int_equal(le16toh(h.record_count), 1);
		assert_int_equal(td_cmd(fm, CCI_FM_GET_DC_REGION_EXTENT_LISTS, &q, sizeof(q), out,
					sizeof(out), &outlen),
				 CCI_RC_SUCCESS);
		close(a);
	}
	free(before);
	free(after);
	close(fm);
	close(irq);
}

static void test_restart_keeps_state(void **state)
{
	struct t_daemon *t = *state;
	struct cci_fm_extent_lists_req q = { htole16(12), 0, htole32(8), 0 };
	struct cci_fm_extent_lists_rsp lr;
	int fm = td_connect(t, NULL), c = td_connect(t, "C"), nrec, status;
	uint8_t *before, *after;
	size_t blen, alen, n;
	char path[400];

	n = t_add_req(buf, 12, CCI_ADD_CONTIGUOUS, 1, 6 * MiB, t_tag(0x77));
	assert_int_equal(td_cmd(fm, CCI_FM_INITIATE_DC_ADD, buf, n, NULL, 0, &outlen),
			 CCI_RC_SUCCESS);
	accept_pending(c, &nrec);
	close(fm);
	close(c);
	before = td_state(t, &blen);
	status = td_stop(t);
	if (!WIFEXITED(status))
		fail_msg("daemon status %#x (signal %d)", status, WTERMSIG(status));
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* A clean stop removes the sockets and the pid file. */
	snprintf(path, sizeof(path), "%s/fm.sock", t->dir);
	assert_int_equal(access(path, F_OK), -1);
	snprintf(path, sizeof(path), "%s/fabricd.pid", t->dir);
	assert_int_equal(access(path, F_OK), -1);

	assert_true(td_start(t, NULL));
	after = td_state(t, &alen);
	assert_int_equal(alen, blen);
	assert_memory_equal(after, before, blen);
	fm = td_connect(t, NULL);
	assert_int_equal(td_cmd(fm, CCI_FM_GET_DC_REGION_EXTENT_LISTS, &q, sizeof(q), out,
				sizeof(out), &outlen),
			 CCI_RC_SUCCESS);
	memcpy(&lr, out, sizeof(lr));
	assert_int_equal(le32toh(lr.total), 1);
	close(fm);
	free(before);
	free(after);
}

/* The oldest add offered to a host, as its DC log shows it. */
static void first_offer(int mbox, uint64_t *dpa, uint64_t *len)
{
	uint8_t log = CCI_LOG_DC;
	struct cci_get_events_rsp h;
	struct cci_dc_event ev;

	assert_int_equal(td_cmd(mbox, CCI_GET_EVENT_RECORDS, &log, 1, out, sizeof(out), &outlen),
			 CCI_RC_SUCCESS);
	memcpy(&h, out, sizeof(h));
	assert_true(le16toh(h.record_count) > 0);
	memcpy(&ev, out + sizeof(h), sizeof(ev));
	assert_int_equal(ev.type, CCI_DC_EVENT_ADD_CAPACITY);
	*dpa = le64toh(ev.extent.start_dpa);
	*len = le64toh(ev.extent.length);
}

/* An unfinished More chain of 4802h belongs to its connection: a host that
 * reconnects (an agent restarted mid-answer), or a daemon that restarts,
 * forgets it, so the whole answer sent again is not an overlap (001Eh). */
static void test_chain_not_across_connections(void **state)
{
	struct t_daemon *t = *state;
	int fm = td_connect(t, NULL), b = td_connect(t, "B"), status;
	uint64_t r[2], dpa, len;
	size_t n;

	/* The connection closes mid-chain. */
	n = t_add_req(buf, 11, CCI_ADD_CONTIGUOUS, 1, 4 * MiB, NULL);
	assert_int_equal(td_cmd(fm, CCI_FM_INITIATE_DC_ADD, buf, n, NULL, 0, &outlen),
			 CCI_RC_SUCCESS);
	first_offer(b, &dpa, &len);
	assert_int_equal(len, 4 * MiB);
	r[0] = dpa, r[1] = 2 * MiB;
	assert_int_equal(td_cmd(b, CCI_ADD_DC_RESPONSE, buf, t_resp_req(buf, r, 1, true), out,
				sizeof(out), &outlen),
			 CCI_RC_SUCCESS);
	close(b);
	b = td_connect(t, "B");
	r[1] = 4 * MiB;
	assert_int_equal(td_cmd(b, CCI_ADD_DC_RESPONSE, buf, t_resp_req(buf, r, 1, false), out,
				sizeof(out), &outlen),
			 CCI_RC_SUCCESS);

	/* The daemon dies mid-chain (the chain is in its saved state). */
	n = t_add_req(buf, 11, CCI_ADD_CONTIGUOUS, 1, 4 * MiB, NULL);
	assert_int_equal(td_cmd(fm, CCI_FM_INITIATE_DC_ADD, buf, n, NULL, 0, &outlen),
			 CCI_RC_SUCCESS);
	{
		/* clear the first add's record so the second is the oldest */
		uint8_t clr[8] = { CCI_LOG_DC, 0, 1, 0, 0, 0 };
		struct cci_get_events_rsp h;
		struct cci_dc_event ev;
		uint8_t log = CCI_LOG_DC;

		assert_int_equal(td_cmd(b, CCI_GET_EVENT_RECORDS, &log, 1, out, sizeof(out),
					&outlen),
				 CCI_RC_SUCCESS);
		memcpy(&h, out, sizeof(h));
		memcpy(&ev, out + sizeof(h), sizeof(ev));
		memcpy(clr + 6, &ev.hdr.handle, 2);
		assert_int_equal(td_cmd(b, CCI_CLEAR_EVENT_RECORDS, clr, 8, NULL, 0, &outlen),
				 CCI_RC_SUCCESS);
	}
	first_offer(b, &dpa, &len);
	r[0] = dpa, r[1] = 2 * MiB;
	assert_int_equal(td_cmd(b, CCI_ADD_DC_RESPONSE, buf, t_resp_req(buf, r, 1, true), out,
				sizeof(out), &outlen),
			 CCI_RC_SUCCESS);
	kill(t->pid, SIGKILL);
	status = td_wait(t);
	assert_true(WIFSIGNALED(status));
	close(b);
	close(fm);
	assert_true(td_start(t, NULL));
	b = td_connect(t, "B");
	r[1] = 4 * MiB;
	assert_int_equal(td_cmd(b, CCI_ADD_DC_RESPONSE, buf, t_resp_req(buf, r, 1, false), out,
				sizeof(out), &outlen),
			 CCI_RC_SUCCESS);
	/* Nothing is left pending: a further answer has no add to answer. */
	assert_int_equal(td_cmd(b, CCI_ADD_DC_RESPONSE, buf, t_resp_req(buf, r, 1, false), out,
				sizeof(out), &outlen),
			 CCI_RC_INVALID_INPUT);
	{
		struct cci_fm_extent_lists_req q = { htole16(11), 0, htole32(8), 0 };
		struct cci_fm_extent_lists_rsp lr;

		fm = td_connect(t, NULL);
		assert_int_equal(td_cmd(fm, CCI_FM_GET_DC_REGION_EXTENT_LISTS, &q, sizeof(q), out,
					sizeof(out), &outlen),
				 CCI_RC_SUCCESS);
		memcpy(&lr, out, sizeof(lr));
		assert_int_equal(le32toh(lr.total), 2);
		close(fm);
	}
	close(b);
}

/* The daemon's CPU time so far, in clock ticks (utime + stime). */
static unsigned long cpu_ticks(pid_t pid)
{
	char path[64], line[1024], *p;
	unsigned long ut = 0, st = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	p = strrchr(line, ')'); /* fields 14 and 15, counted after the name */
	assert_non_null(p);
	assert_int_equal(sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
				&ut, &st),
			 2);
	return ut + st;
}

/* More clients than the daemon has descriptors for: it does not spin on
 * its listeners (they wait in the backlog), serves those it took, and
 * takes the others once some close. */
static void test_out_of_descriptors(void **state)
{
	struct t_daemon t;
	struct rlimit rl, low;
	enum { NCLIENT = 60 };
	int fd[NCLIENT];
	unsigned long t0, t1;

	(void)state;
	td_init(&t, fabric_test_config);
	assert_true(td_start(&t, NULL));
	/* The daemon raised its own limit at start and sized its connection cap
	 * from it: once it answers, lower the limit from outside, so that
	 * accept() runs out of descriptors (lowered earlier, the cap would be
	 * tiny and the first clients closed to make room). */
	fd[0] = td_connect(&t, NULL);
	assert_int_equal(td_cmd(fd[0], CCI_FM_GET_DCD_INFO, NULL, 0, NULL, 0, &outlen),
			 CCI_RC_SUCCESS);
	close(fd[0]);
	assert_int_equal(prlimit(t.pid, RLIMIT_NOFILE, NULL, &rl), 0);
	low = rl;
	low.rlim_cur = low.rlim_max = 40;
	assert_int_equal(prlimit(t.pid, RLIMIT_NOFILE, &low, NULL), 0);
	for (int i = 0; i < NCLIENT; i++) {
		fd[i] = td_connect(&t, NULL);
		assert_true(fd[i] >= 0);
	}
	usleep(100 * 1000);
	t0 = cpu_ticks(t.pid);
	usleep(1000 * 1000);
	t1 = cpu_ticks(t.pid);
	if (t1 - t0 > (unsigned long)sysconf(_SC_CLK_TCK) / 5) {
		td_cleanup(&t); /* not left spinning */
		fail_msg("the daemon used %lu of %ld ticks in one second", t1 - t0,
			 sysconf(_SC_CLK_TCK));
	}
	/* The first clients are served. */
	assert_int_equal(td_cmd(fd[0], CCI_FM_GET_DCD_INFO, NULL, 0, NULL, 0, &outlen),
			 CCI_RC_SUCCESS);
	/* Once they close, the waiting ones are taken and served too. */
	for (int i = 0; i < NCLIENT / 2; i++)
		close(fd[i]);
	for (int i = NCLIENT / 2; i < NCLIENT; i++) {
		assert_int_equal(td_cmd(fd[i], CCI_FM_GET_DCD_INFO, NULL, 0, NULL, 0, &outlen),
				 CCI_RC_SUCCESS);
		close(fd[i]);
	}
	for (int i = 0; i < 5; i++) {
		int c = td_connect(&t, NULL);

		assert_int_equal(td_cmd(c, CCI_FM_GET_DCD_INFO, NULL, 0, NULL, 0, &outlen),
				 CCI_RC_SUCCESS);
		close(c);
	}
	{ /* it did run out (and said so) */
		char path[300], log[8192] = "";
		FILE *f;

		snprintf(path, sizeof(path), "%s/fabricd.log", t.dir);
		f = fopen(path, "r");
		assert_non_null(f);
		log[fread(log, 1, sizeof(log) - 1, f)] = 0;
		fclose(f);
		assert_non_null(strstr(log, "out of file descriptors"));
	}
	td_cleanup(&t);
}

/* The peer closed fd (or the daemon closed it): EOF within timeout_ms. */
static bool closed_within(int fd, int timeout_ms)
{
	struct pollfd pf = { .fd = fd, .events = POLLIN };
	char c;

	return poll(&pf, 1, timeout_ms) == 1 && recv(fd, &c, 1, MSG_DONTWAIT) <= 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Misbehaving clients holding many idle and half-sent connections cannot
 * lock an orchestrator out: at the cap the least active connection goes
 * (fm.sock ones first, so an agent's mailbox stays), and idle and
 * half-sent connections time out. */
static void test_connection_flood(void **state)
{
	enum { NIDLE = 150, NHALF = 150 };
	static int idle[NIDLE], half[NHALF];
	struct t_daemon t;
	char json[1024];
	uint8_t hdr[6] = { 0, 1, 0, 0x56, 0x10, 0 }; /* part of a 12-byte header */
	int64_t t0;
	int mbox, fm, closed = 0;

	(void)state;
	snprintf(json, sizeof(json), "%.*s, \"max_connections\": 64, "
		 "\"idle_timeout_ms\": 1500, \"message_timeout_ms\": 1500 }",
		 (int)strlen(fabric_test_config) - 1, fabric_test_config);
	td_init(&t, json);
	assert_true(td_start(&t, NULL));
	mbox = td_connect(&t, "A");
	assert_int_equal(td_cmd(mbox, CCI_GET_DC_CONFIG, "\x08\x00", 2, out, sizeof(out), &outlen),
			 CCI_RC_SUCCESS);
	for (int i = 0; i < NIDLE; i++) {
		idle[i] = td_connect(&t, NULL);
		half[i] = td_connect(&t, NULL);
		assert_true(idle[i] >= 0 && half[i] >= 0);
		assert_int_equal(td_write_all(half[i], hdr, sizeof(hdr)), 0);
	}
	/* A fresh orchestrator connection is served at once. */
	t0 = now_ms();
	fm = td_connect(&t, NULL);
	assert_int_equal(td_cmd(fm, CCI_FM_GET_DCD_INFO, NULL, 0, out, sizeof(out), &outlen),
			 CCI_RC_SUCCESS);
	print_message("orchestrator served in %lld ms among %d held connections\n",
		      (long long)(now_ms() - t0), NIDLE + NHALF);
	close(fm);
	/* The agent's mailbox, older than all of them, was not the one to go. */
	assert_int_equal(td_cmd(mbox, CCI_GET_DC_CONFIG, "\x08\x00", 2, out, sizeof(out), &outlen),
			 CCI_RC_SUCCESS);
	/* Every held connection is closed (evicted, or timed out) within 20 s
	 * in all. */
	t0 = now_ms();
	for (int i = 0; i < NIDLE; i++) {
		int left = (int)(20000 - (now_ms() - t0));

		closed += closed_within(idle[i], left > 0 ? left : 0);
		closed += closed_within(half[i], left > 0 ? left : 0);
		close(idle[i]);
		close(half[i]);
	}
	assert_int_equal(closed, NIDLE + NHALF);
	/* A client trickling a message byte by byte still meets its deadline. */
	fm = td_connect(&t, NULL);
	t0 = now_ms();
	for (int i = 0; i < 60; i++) {
		struct pollfd pf = { .fd = fm, .events = POLLIN };

		if (send(fm, hdr, 1, MSG_NOSIGNAL) < 0 || poll(&pf, 1, 250) == 1)
			break;
	}
	assert_true(closed_within(fm, 10000));
	assert_true(now_ms() - t0 < 12000);
	close(fm);
	/* Host connections may idle: the mailbox outlived the idle timeout. */
	assert_int_equal(td_cmd(mbox, CCI_GET_DC_CONFIG, "\x08\x00", 2, out, sizeof(out), &outlen),
			 CCI_RC_SUCCESS);
	close(mbox);
	td_cleanup(&t);
}

/* Clients that connect and never ask anything, reconnecting the moment they
 * are evicted, at the smallest cap: an orchestrator that works on its
 * connection (asks, waits a moment, asks again, as `fabric add` does) is
 * not the one to go.  It was: idle between its calls, it was the oldest. */
static void test_connection_churn(void **state)
{
	enum { NCHURN = 50, ROUNDS = 10 };
	struct t_daemon t;
	char json[1024];
	pid_t churner;
	int ok = 0;

	(void)state;
	snprintf(json, sizeof(json), "%.*s, \"max_connections\": 8 }",
		 (int)strlen(fabric_test_config) - 1, fabric_test_config);
	td_init(&t, json);
	assert_true(td_start(&t, NULL));
	churner = fork();
	assert_true(churner >= 0);
	if (churner == 0) {
		struct pollfd pf[NCHURN];

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (int i = 0; i < NCHURN; i++)
			pf[i] = (struct pollfd){ .fd = td_connect(&t, NULL), .events = POLLIN };
		for (;;) {
			if (poll(pf, NCHURN, 1000) < 0)
				continue;
			for (int i = 0; i < NCHURN; i++)
				if (pf[i].revents) { /* evicted: straight back in */
					close(pf[i].fd);
					pf[i].fd = td_connect(&t, NULL);
				}
		}
	}
	usleep(200 * 1000);
	for (int i = 0; i < ROUNDS; i++) {
		int fm = td_connect(&t, NULL);

		ok += fm >= 0 && td_cmd(fm, CCI_FM_GET_DCD_INFO, NULL, 0, out, sizeof(out),
					&outlen) == CCI_RC_SUCCESS &&
		      usleep(200 * 1000) == 0 &&
		      td_cmd(fm, CCI_FM_GET_DCD_INFO, NULL, 0, out, sizeof(out),
			     &outlen) == CCI_RC_SUCCESS;
		if (fm >= 0)
			close(fm);
	}
	kill(churner, SIGKILL);
	waitpid(churner, NULL, 0);
	print_message("orchestrator served %d of %d times among %d churning clients\n", ok,
		      ROUNDS, NCHURN);
	assert_int_equal(ok, ROUNDS);
	td_cleanup(&t);
}

/* The numbers, with the default limits: about 1,100 idle clients
 * held the old daemon at its fixed cap of 1024; now a fresh client is
 * served. */
static void test_connection_flood_default(void **state)
{
	enum { N = 1100 };
	static int fd[N];
	struct t_daemon t;
	struct rlimit rl;
	int fm;

	(void)state;
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_max < N + 64)
		fail_msg("this test needs %d descriptors; the hard limit is %llu", N + 64,
			 (unsigned long long)rl.rlim_max);
	rl.rlim_cur = rl.rlim_max;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
	td_init(&t, fabric_test_config);
	assert_true(td_start(&t, NULL));
	for (int i = 0; i < N; i++) {
		fd[i] = td_connect(&t, NULL);
		assert_true(fd[i] >= 0);
	}
	fm = td_connect(&t, NULL);
	assert_int_equal(td_cmd(fm, CCI_FM_GET_DCD_INFO, NULL, 0, NULL, 0, &outlen),
			 CCI_RC_SUCCESS);
	close(fm);
	for (int i = 0; i < N; i++)
		close(fd[i]);
	td_cleanup(&t);
}

/* Two touching pieces of one offered extent accepted through the daemon:
 * the daemon restarts on what it saved (it refused to before). */
static void test_partial_pieces_restart(void **state)
{
	struct t_daemon *t = *state;
	struct cci_fm_extent_lists_req q = { htole16(11), 0, htole32(8), 0 };
	struct cci_fm_extent_lists_rsp lr;
	uint64_t r[] = { R1, 4 * MiB, R1 + 4 * MiB, 4 * MiB };
	int fm = td_connect(t, NULL), b = td_connect(t, "B");
	size_t n;

	n = t_add_req(buf, 11, CCI_ADD_CONTIGUOUS, 1, 16 * MiB, NULL);
	assert_int_equal(td_cmd(fm, CCI_FM_INITIATE_DC_ADD, buf, n, NULL, 0, &outlen),
			 CCI_RC_SUCCESS);
	assert_int_equal(td_cmd(b, CCI_ADD_DC_RESPONSE, buf, t_resp_req(buf, r, 2, false), NULL, 0,
				&outlen),
			 CCI_RC_SUCCESS);
	close(fm);
	close(b);
	td_stop(t);
	assert_true(td_start(t, NULL));
	fm = td_connect(t, NULL);
	assert_int_equal(td_cmd(fm, CCI_FM_GET_DC_REGION_EXTENT_LISTS, &q, sizeof(q), out,
				sizeof(out), &outlen),
			 CCI_RC_SUCCESS);
	memcpy(&lr, out, sizeof(lr));
	assert_int_equal(le32toh(lr.total), 2);
	close(fm);
}

/* backing_sanitize() refuses a region or range outside the backing before
 * it reads anything with it. */
static void test_sanitize_bounds(void **state)
{
	struct t_daemon t;
	struct fabric_backing b;
	struct fabric_config cfg;
	char err[256];

	(void)state;
	td_init(&t, fabric_test_config);
	assert_int_equal(fabric_config_parse(fabric_test_config, &cfg, err, sizeof(err)), 0);
	assert_int_equal(backing_open(&b, t.dir, &cfg, err, sizeof(err)), 0);
	assert_int_equal(backing_sanitize(&b, 0, 0, 2 * MiB), 0);
	assert_int_equal(backing_sanitize(&b, 2, 0, 2 * MiB), -EINVAL);
	assert_int_equal(backing_sanitize(&b, 1u << 30, 0, 2 * MiB), -EINVAL);
	assert_int_equal(backing_sanitize(&b, 1, 255 * MiB, 2 * MiB), -EINVAL);
	assert_int_equal(backing_sanitize(&b, 1, UINT64_MAX - MiB, 2 * MiB), -EINVAL);
	backing_close(&b);
	td_cleanup(&t);
}

static void test_single_instance(void **state)
{
	struct t_daemon *t = *state;
	pid_t pid;
	int status;

	/* A second daemon on the same directory refuses to start... */
	pid = fork();
	if (pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		dup2(devnull, 2);
		util_exit(fabricd_run(t->dir, t->config) == -EBUSY ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* ... and leaves the first one serving. */
	{
		int fd = td_connect(t, NULL);

		assert_int_equal(td_cmd(fd, CCI_FM_GET_DCD_INFO, NULL, 0, NULL, 0, &outlen),
				 CCI_RC_SUCCESS);
		close(fd);
	}
}

/* Backing by an existing file, carved by offset: region N follows region
 * N-1 in the file; too small a file is refused at startup. */
static void test_file_backing(void **state)
{
	struct t_daemon t;
	char json[1024], file[300], path[400], line[512];
	uint64_t off[2];
	uint8_t *m;
	int fd, nrec;
	FILE *f;

	(void)state;
	td_init(&t, "{}");
	snprintf(file, sizeof(file), "%s/memory", t.dir);
	fd = open(file, O_RDWR | O_CREAT, 0600);
	assert_int_equal(ftruncate(fd, 50 * MiB), 0);
	snprintf(json, sizeof(json),
		 "{ \"hosts\": [ { \"id\": 0, \"name\": \"A\" } ],"
		 "  \"regions\": [ { \"base\": 0, \"length\": \"64M\", \"sanitize_on_release\": true },"
		 "                 { \"base\": \"256M\", \"length\": \"32M\" } ],"
		 "  \"backing\": { \"type\": \"file\", \"path\": \"%s\", \"offset\": \"4M\" } }",
		 file);
	f = fopen(t.config, "w");
	fputs(json, f);
	fclose(f);
	assert_false(td_start(&t, NULL)); /* 50 MiB < 4 + 64 + 32 MiB */
	assert_int_equal(ftruncate(fd, 100 * MiB), 0);
	assert_true(td_start(&t, NULL));

	snprintf(path, sizeof(path), "%s/layout", t.dir);
	f = fopen(path, "r");
	for (int i = 0; i < 2; i++) {
		char p[300];
		unsigned int r;
		uint64_t base, len;

		assert_non_null(fgets(line, sizeof(line), f));
		assert_int_equal(sscanf(line, "region %u base %" SCNu64 " length %" SCNu64
					      " path %299s offset %" SCNu64,
					&r, &base, &len, p, &off[i]),
				 5);
		assert_string_equal(p, file);
	}
	fclose(f);
	assert_int_equal(off[0], 4 * MiB);
	assert_int_equal(off[1], 68 * MiB);

	/* Sanitize on release zeroes the file's bytes. */
	{
		int fm = td_connect(&t, NULL), a = td_connect(&t, "A");
		uint64_t r[2] = { 0, 2 * MiB };
		size_t n = t_add_req(buf, 0, CCI_ADD_FREE, 0, 2 * MiB, NULL);

		assert_int_equal(td_cmd(fm, CCI_FM_INITIATE_DC_ADD, buf, n, NULL, 0, &outlen),
				 CCI_RC_SUCCESS);
		accept_pending(a, &nrec);
		m = mmap(NULL, 2 * MiB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)off[0]);
		assert_true(m != MAP_FAILED);
		memset(m, 0x3c, 2 * MiB);
		assert_int_equal(td_cmd(a, CCI_RELEASE_DC, buf, t_resp_req(buf, r, 1, false), NULL,
					0, &outlen),
				 CCI_RC_SUCCESS);
		for (size_t i = 0; i < 2 * MiB; i += 4096)
			assert_int_equal(m[i], 0);
		munmap(m, 2 * MiB);
		close(fm);
		close(a);
	}
	close(fd);
	td_cleanup(&t);
}

static void test_bad_config(void **state)
{
	struct t_daemon t;
	int status;

	(void)state;
	td_init(&t, "{ \"hosts\": [], \"regions\": [] }");
	assert_false(td_start(&t, NULL));
	td_cleanup(&t);
	td_init(&t, "{ \"hosts\": [ { \"id\": 1, \"name\": \"A\" } ],"
		    "  \"regions\": [ { \"base\": \"0\", \"length\": \"3M\" } ] }");
	t.pid = fork();
	if (t.pid == 0) {
		int devnull = open("/dev/null", O_WRONLY);

		dup2(devnull, 2);
		util_exit(fabricd_run(t.dir, t.config) == -EINVAL ? 0 : 1);
	}
	status = td_wait(&t);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	td_cleanup(&t);
}

static void test_state_from_other_config(void **state)
{
	struct t_daemon *t = *state;
	FILE *f;

	assert_int_equal(WEXITSTATUS(td_stop(t)), 0);
	f = fopen(t->config, "w");
	fputs("{ \"hosts\": [ { \"id\": 10, \"name\": \"A\" } ],"
	      "  \"regions\": [ { \"base\": \"0\", \"length\": \"256M\" } ] }",
	      f);
	fclose(f);
	assert_false(td_start(t, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_info_and_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_share_flow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sanitize_backing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sanitize_after_save, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slow_reader, setup, teardown),
		cmocka_unit_test_setup_teardown(test_save_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart_keeps_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_single_instance, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chain_not_across_connections, setup, teardown),
		cmocka_unit_test(test_out_of_descriptors),
		cmocka_unit_test(test_connection_flood),
		cmocka_unit_test(test_connection_churn),
		cmocka_unit_test(test_sanitize_bounds),
		cmocka_unit_test(test_connection_flood_default),
		cmocka_unit_test_setup_teardown(test_partial_pieces_restart, setup, teardown),
		cmocka_unit_test(test_sanitize_failure_quarantines),
		cmocka_unit_test(test_sanitize_retried_after_command),
		cmocka_unit_test(test_sanitize_failure_devdax),
		cmocka_unit_test(test_file_backing),
		cmocka_unit_test(test_bad_config),
		cmocka_unit_test(test_tag_reference_restart),
		cmocka_unit_test_setup_teardown(test_state_from_other_config, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
