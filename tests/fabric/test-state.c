// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Persistence: the state image round-trips, damaged or foreign images are
 * refused, the file is replaced atomically, and a daemon killed (SIGKILL)
 * at every step of saving, or at random moments under load, restarts with
 * a consistent state that is exactly the one before or the one after the
 * command it was running.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemon-test.h"
#include "fabric-test.h"
#include "state.h"

#include <zlib.h>

#define FM DCD_PORT_FM
#define A 0
#define B 1
#define C 2

static uint8_t buf[1 << 16];

/* A state with a bit of everything in it. */
static struct dcd *busy_state(void)
{
	struct dcd *d = t_dcd();
	uint64_t r[2];
	size_t n;

	t_add_accept(d, A, 0, 6 * MiB, t_tag(1));
	n = t_add_req(buf, 11, CCI_ADD_ENABLE_SHARED, 0, 0, t_tag(1));
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_SUCCESS);
	t_accept_all(d, B);
	t_add_accept(d, C, 1, 8 * MiB, NULL);
	/* pending groups, one dead */
	n = t_add_req(buf, 12, CCI_ADD_FREE, 1, 4 * MiB, t_tag(2));
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_SUCCESS);
	n = t_add_req(buf, 12, CCI_ADD_FREE, 1, 2 * MiB, t_tag(3));
	t_expect(d, FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_SUCCESS);
	/* (the second: an answer to a dead group names nothing, so the open
	 * 4802h chain below is on the first) */
	n = t_release_req(buf, 12, CCI_RELEASE_TAG_BASED | CCI_RELEASE_FORCED, 0, t_tag(3));
	t_expect(d, FM, CCI_FM_INITIATE_DC_RELEASE, buf, n, CCI_RC_SUCCESS);
	/* open More chains */
	r[0] = R1, r[1] = 2 * MiB;
	t_expect(d, C, CCI_RELEASE_DC, buf, t_resp_req(buf, r, 1, true), CCI_RC_SUCCESS);
	r[0] = d->host[C].pending[0].x[0].dpa;
	t_expect(d, C, CCI_ADD_DC_RESPONSE, buf, t_resp_req(buf, r, 1, true), CCI_RC_SUCCESS);
	/* an overflowed log, a sanitize flag, a changed region */
	for (int i = 0; i < 20; i++) {
		n = t_release_req(buf, 10, CCI_RELEASE_TAG_BASED | CCI_RELEASE_SANITIZE, 0, t_tag(1));
		t_call(d, FM, CCI_FM_INITIATE_DC_RELEASE, buf, n);
	}
	d->host[A].log.overflow_count = 3; /* as if forced releases had overflowed it */
	d->host[A].log.first_overflow = 1;
	d->host[A].log.last_overflow = 2;
	d->region[1].sanitize = false;
	/* capacity only the FM's reference keeps (5606h), and one held too */
	t_add_accept(d, B, 0, 2 * MiB, t_tag(4));
	memcpy(buf, t_tag(4), 16);
	t_expect(d, FM, CCI_FM_ADD_REFERENCE, buf, 16, CCI_RC_SUCCESS);
	t_host_release_tag(d, B, t_tag(4));
	memcpy(buf, t_tag(1), 16);
	t_expect(d, FM, CCI_FM_ADD_REFERENCE, buf, 16, CCI_RC_SUCCESS);
	t_check(d);
	return d;
}

static void test_roundtrip(void **state)
{
	struct dcd *d = busy_state(), *e = t_dcd();
	struct t_snap s = t_snap(d);
	char err[256];

	(void)state;
	assert_int_equal(dcd_deserialize(e, s.buf, s.len, err, sizeof(err)), 0);
	assert_int_equal(e->host[C].npending, 2);
	assert_true(e->host[C].pending[1].dead);
	assert_int_equal(e->host[C].release.n, 1);
	assert_int_equal(e->host[C].accept.n, 1);
	assert_int_equal(e->host[A].log.overflow_count, 3);
	assert_false(e->region[1].sanitize);
	assert_int_equal(e->caps[0].refs, 3); /* A, B and the FM */
	assert_true(e->caps[0].sanitize);
	assert_int_equal(e->nfmref, 2);
	assert_memory_equal(e->fmref[0].b, t_tag(1), 16);
	assert_memory_equal(e->fmref[1].b, t_tag(4), 16);
	t_same(e, s);
	t_free(e);
	t_free(d);
}

static void test_damaged_images(void **state)
{
	struct dcd *d = busy_state();
	struct t_snap s = t_snap(d);
	char err[256];

	(void)state;
	/* Any flipped byte, any truncation: refused, never a crash. */
	for (size_t i = 0; i < s.len; i += 1 + s.len / 700) {
		struct dcd *e = t_dcd();

		s.buf[i] ^= 0x40;
		assert_int_equal(dcd_deserialize(e, s.buf, s.len, err, sizeof(err)), -EBADMSG);
		s.buf[i] ^= 0x40;
		dcd_free(e);
	}
	for (size_t cut = 0; cut < s.len; cut += 1 + s.len / 300) {
		struct dcd *e = t_dcd();

		assert_int_equal(dcd_deserialize(e, s.buf, cut, err, sizeof(err)), -EBADMSG);
		dcd_free(e);
	}
	/* A well-formed image whose bookkeeping does not add up: dcd_check
	 * refuses it (a cap with a wrong reference count, checksum fixed up). */
	{
		struct dcd *e = t_dcd();
		struct t_snap bad;

		d->caps[0].refs++;
		bad = t_snap(d);
		d->caps[0].refs--;
		assert_int_equal(dcd_deserialize(e, bad.buf, bad.len, err, sizeof(err)), -EBADMSG);
		assert_non_null(strstr(err, "references"));
		free(bad.buf);
		dcd_free(e);
	}
	/* An FM reference that the caps' counts do not include, or on a tag
	 * no capacity carries: refused as well. */
	for (int k = 0; k < 2; k++) {
		struct dcd *e = t_dcd();
		struct t_snap bad;
		uint8_t keep[16];

		memcpy(keep, d->fmref[0].b, 16);
		if (k)
			memcpy(d->fmref[0].b, t_tag(0x77), 16);
		else
			d->caps[0].refs--;
		bad = t_snap(d);
		memcpy(d->fmref[0].b, keep, 16);
		if (!k)
			d->caps[0].refs++;
		assert_int_equal(dcd_deserialize(e, bad.buf, bad.len, err, sizeof(err)), -EBADMSG);
		assert_non_null(strstr(err, k ? "FM reference" : "references"));
		free(bad.buf);
		dcd_free(e);
	}
	/* Made with another configuration. */
	{
		struct dcd *e = t_dcd_json(
			"{ \"hosts\": [ { \"id\": 10, \"name\": \"A\" }, { \"id\": 11, \"name\": \"B\" },"
			" { \"id\": 12, \"name\": \"Z\" } ],"
			"  \"regions\": [ { \"base\": 0, \"length\": \"256M\", \"sharable\": true },"
			" { \"base\": \"256M\", \"length\": \"256M\" } ] }");

		assert_int_equal(dcd_deserialize(e, s.buf, s.len, err, sizeof(err)), -ESTALE);
		dcd_free(e);
	}
	free(s.buf);
	t_free(d);
}

/* A version 3 image (before FM references) loads: no references, the
 * rest as it was.  Made from a v4 image of a state without references by
 * dropping the (empty) reference section. */
static void test_upgrade_v3(void **state)
{
	struct dcd *d = busy_state(), *e = t_dcd();
	struct t_snap s;
	uint32_t crc;
	char err[256];

	(void)state;
	memcpy(buf, t_tag(1), 16);
	t_expect(d, FM, CCI_FM_REMOVE_REFERENCE, buf, 16, CCI_RC_SUCCESS);
	memcpy(buf, t_tag(4), 16);
	t_expect(d, FM, CCI_FM_REMOVE_REFERENCE, buf, 16, CCI_RC_SUCCESS);
	s = t_snap(d);
	assert_int_equal(s.buf[8], 4); /* version, after the 8-byte magic */
	s.buf[8] = 3;
	s.len -= 8; /* the u32 reference count 0 and the crc */
	crc = htole32((uint32_t)crc32(crc32(0, NULL, 0), s.buf, (uInt)s.len));
	memcpy(s.buf + s.len, &crc, 4);
	s.len += 4;
	assert_int_equal(dcd_deserialize(e, s.buf, s.len, err, sizeof(err)), 0);
	assert_int_equal(e->nfmref, 0);
	free(s.buf);
	t_same(e, t_snap(d));
	t_free(e);
	t_free(d);
}

static void test_file(void **state)
{
	char dir[] = "/tmp/tagdax-state.XXXXXX", path[300];
	struct dcd *d = busy_state();
	struct t_snap s = t_snap(d);
	uint8_t *got;
	size_t len;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(state_read(dir, &got, &len), -ENOENT);
	assert_int_equal(state_save(dir, s.buf, s.len), 0);
	/* A half-written temporary from a crash is ignored and removed. */
	snprintf(path, sizeof(path), "%s/%s.tmp", dir, STATE_FILE);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	assert_int_equal(write(fd, "junk", 4), 4);
	close(fd);
	assert_int_equal(state_read(dir, &got, &len), 0);
	assert_int_equal(len, s.len);
	assert_memory_equal(got, s.buf, len);
	assert_int_equal(access(path, F_OK), -1);
	free(got);
	snprintf(path, sizeof(path), "%s/%s", dir, STATE_FILE);
	unlink(path);
	rmdir(dir);
	free(s.buf);
	t_free(d);
}

/* ---- the daemon killed while saving ---- */

static unsigned int zeroings;

static int count_zeroing(void *arg, unsigned int region, uint64_t off, uint64_t len)
{
	(void)arg, (void)region, (void)off, (void)len;
	zeroings++;
	return 0;
}

/* Timestamps are the only thing two runs of the same commands disagree on;
 * and a state with capacity in quarantine is, once restarted, that state
 * with the quarantine zeroed and free (the daemon does so at start). */
static struct t_snap normalized(struct dcd *d)
{
	struct evlog *logs[8];
	unsigned int n = 0;
	uint32_t failed;

	dcd_set_sanitizer(d, count_zeroing, NULL);
	dcd_sanitize_run(d, &failed);

	for (unsigned int h = 0; h < d->nhosts; h++)
		logs[n++] = &d->host[h].log;
	logs[n++] = &d->fmlog;
	for (unsigned int i = 0; i < n; i++) {
		for (uint32_t k = 0; k < logs[i]->n; k++)
			logs[i]->rec[k].hdr.timestamp = 0;
		logs[i]->first_overflow = logs[i]->last_overflow = 0;
	}
	return t_snap(d);
}

struct cmd {
	int port;
	uint16_t op;
	uint8_t in[256];
	size_t len;
};

static struct cmd script[16];
static unsigned int nscript;

static void script_add(int port, uint16_t op, size_t len)
{
	script[nscript].port = port;
	script[nscript].op = op;
	memcpy(script[nscript].in, buf, len);
	script[nscript].len = len;
	nscript++;
}

static void make_script(void)
{
	uint64_t r[4];

	nscript = 0;
	script_add(FM, CCI_FM_INITIATE_DC_ADD, t_add_req(buf, 10, CCI_ADD_FREE, 1, 8 * MiB, NULL));
	r[0] = R1, r[1] = 8 * MiB;
	script_add(A, CCI_ADD_DC_RESPONSE, t_resp_req(buf, r, 1, false));
	script_add(FM, CCI_FM_INITIATE_DC_ADD, t_add_req(buf, 10, CCI_ADD_FREE, 0, 4 * MiB, t_tag(1)));
	r[0] = 0, r[1] = 4 * MiB;
	script_add(A, CCI_ADD_DC_RESPONSE, t_resp_req(buf, r, 1, false));
	script_add(FM, CCI_FM_INITIATE_DC_ADD,
		   t_add_req(buf, 11, CCI_ADD_ENABLE_SHARED, 0, 0, t_tag(1)));
	script_add(B, CCI_ADD_DC_RESPONSE, t_resp_req(buf, r, 1, false));
	script_add(FM, CCI_FM_INITIATE_DC_RELEASE,
		   t_release_req(buf, 10, CCI_RELEASE_FORCED | CCI_RELEASE_SANITIZE, 0, t_tag(1)));
	script_add(B, CCI_RELEASE_DC, t_resp_req(buf, r, 1, false));
	/* Clear A's 1 to 3; 3 is the Forced Capacity Release record, so only
	 * now is the forced capacity (released by B too) zeroed and free. */
	memcpy(buf, "\x04\x00\x03\x00\x00\x00\x01\x00\x02\x00\x03\x00", 12);
	script_add(A, CCI_CLEAR_EVENT_RECORDS, 12);
	memset(buf, 0, 16);
	buf[6] = 0x40; /* region 0: 4 MiB blocks */
	script_add(FM, CCI_FM_SET_DC_REGION_CONFIG, 16);
	r[0] = R1 + 8 * MiB, r[1] = 2 * MiB, r[2] = R1 + 16 * MiB, r[3] = 2 * MiB;
	script_add(FM, CCI_FM_INITIATE_DC_ADD, t_list_req(buf, 12, CCI_ADD_PRESCRIPTIVE, r, 2, NULL));
	script_add(C, CCI_ADD_DC_RESPONSE, t_resp_req(buf, r, 1, true));
	script_add(C, CCI_ADD_DC_RESPONSE, t_resp_req(buf, r + 2, 1, false));
	r[0] = R1, r[1] = 2 * MiB;
	script_add(A, CCI_RELEASE_DC, t_resp_req(buf, r, 1, false));
}

/* images[k]: the state after the first k commands, computed in-process,
 * as a restarted daemon has it: loading drops unfinished More chains (no
 * mailbox is connected then). */
static struct t_snap images[17];

static struct t_snap normalized_loaded(struct dcd *d)
{
	uint32_t acc[8], rel[8];
	struct t_snap s;

	for (unsigned int h = 0; h < d->nhosts; h++) {
		acc[h] = d->host[h].accept.n, rel[h] = d->host[h].release.n;
		d->host[h].accept.n = d->host[h].release.n = 0;
	}
	s = normalized(d);
	for (unsigned int h = 0; h < d->nhosts; h++)
		d->host[h].accept.n = acc[h], d->host[h].release.n = rel[h];
	return s;
}

/* zeroes[k]: command k quarantined capacity, so the daemon saves twice
 * for it: the command, then the zeroed capacity free. */
static bool zeroes[16];

static void make_images(void)
{
	struct dcd *d = t_dcd();

	make_script();
	dcd_set_sanitizer(d, count_zeroing, NULL);
	images[0] = normalized_loaded(d);
	for (unsigned int k = 0; k < nscript; k++) {
		unsigned int before = zeroings;

		assert_int_equal(t_call(d, script[k].port, script[k].op, script[k].in, script[k].len),
				 CCI_RC_SUCCESS);
		zeroes[k] = zeroings != before;
		images[k + 1] = normalized_loaded(d);
	}
	dcd_free(d);
}

/* Save number `count` (1: the fresh state at start) is the second save of
 * a command: the command itself was saved already. */
static bool second_save(unsigned int count)
{
	unsigned int save = 2;

	for (unsigned int k = 0; k < nscript && save <= count; k++) {
		if (zeroes[k] && save + 1 == count)
			return true;
		save += zeroes[k] ? 2 : 1;
	}
	return false;
}

static void expect_image(const struct t_daemon *t, unsigned int k)
{
	struct dcd *d = t_dcd();
	struct t_snap got;
	uint8_t *file;
	size_t len;
	char err[256], tmp[300];

	file = td_state(t, &len);
	assert_int_equal(dcd_deserialize(d, file, len, err, sizeof(err)), 0);
	got = normalized(d);
	if (got.len != images[k].len || memcmp(got.buf, images[k].buf, got.len))
		fail_msg("restarted state is not the state after %u commands", k);
	snprintf(tmp, sizeof(tmp), "%s/state/%s.tmp", t->dir, STATE_FILE);
	assert_int_equal(access(tmp, F_OK), -1);
	free(got.buf);
	free(file);
	dcd_free(d);
}

/* Whatever the killed daemon left saved loads again, checks out, and
 * serializes back to the same bytes (what the next start does). */
static void check_state_loads(const struct t_daemon *t)
{
	struct dcd *d = t_dcd();
	struct t_snap again;
	uint8_t *file;
	size_t len;
	char err[256];

	file = td_state(t, &len);
	if (dcd_deserialize(d, file, len, err, sizeof(err)))
		fail_msg("the saved state does not load: %s", err);
	again = t_snap(d);
	assert_int_equal(again.len, len);
	assert_memory_equal(again.buf, file, len);
	free(again.buf);
	free(file);
	dcd_free(d);
}

/* Run the script until the daemon dies; the number of commands answered. */
static unsigned int run_script(struct t_daemon *t)
{
	int fd[4] = { td_connect(t, "A"), td_connect(t, "B"), td_connect(t, "C"),
		      td_connect(t, NULL) };
	unsigned int k;

	for (k = 0; k < nscript; k++) {
		int port = script[k].port, rc;

		rc = td_cmd(fd[port == FM ? 3 : port], script[k].op, script[k].in, script[k].len,
			    NULL, 0, NULL);
		if (rc < 0)
			break;
		assert_int_equal(rc, CCI_RC_SUCCESS);
	}
	for (int i = 0; i < 4; i++)
		if (fd[i] >= 0)
			close(fd[i]);
	return k;
}

static void crash_at(const char *point, unsigned int count, bool committed, bool every)
{
	struct t_daemon t;
	char spec[64];
	unsigned int done = 0, want;
	bool started;
	int status;

	snprintf(spec, sizeof(spec), "%s:%u", point, count);
	td_init(&t, fabric_test_config);
	if (every)
		setenv("TAGDAX_FABRICD_CHECKPOINT", "1", 1);
	started = td_start(&t, spec);
	unsetenv("TAGDAX_FABRICD_CHECKPOINT");
	if (started) {
		done = run_script(&t);
		if (done == nscript) { /* the point was never reached that often */
			td_stop(&t);
			td_cleanup(&t);
			return;
		}
		status = td_wait(&t);
		assert_true(WIFSIGNALED(status));
		check_state_loads(&t);
		assert_int_equal(WTERMSIG(status), SIGKILL);
	}
	/* Restart: the state loads (checksum and invariants) and is the one
	 * before the interrupted command, or after it once it was renamed
	 * into place. */
	assert_true(td_start(&t, NULL));
	/* Every commit checkpointed: save and checkpoint N >= 2 come after
	 * the command's record was appended and synced. */
	if (every)
		committed = count >= 2;
	else if (strncmp(point, "append-", 7) == 0 && second_save(count + 1))
		committed = true; /* appends count from the first command */
	else if (strncmp(point, "save-", 5) == 0 && second_save(count))
		committed = true;
	want = !started ? 0 : done + (committed ? 1 : 0);
	expect_image(&t, want);
	td_cleanup(&t);
}

static void test_crash_points(void **state)
{
	static const struct {
		const char *point;
		bool committed;
		bool every; /* TAGDAX_FABRICD_CHECKPOINT=1: a checkpoint per commit */
	} points[] = {
		{ "save-begin", false, false },	   { "save-partial", false, false },
		{ "save-synced", false, false },   { "save-renamed", true, false },
		{ "reply", true, false },	   { "append-begin", false, false },
		{ "append-partial", false, false }, { "append-synced", true, false },
		{ "save-begin", false, true },	   { "save-partial", false, true },
		{ "save-renamed", true, true },	   { "checkpoint-begin", false, true },
		{ "checkpoint-saved", false, true }, { "checkpoint-reset", false, true },
	};

	(void)state;
	make_images();
	/* Save 1 is the fresh state at startup (a checkpoint); then each
	 * command's journal append, and a second one for a command that
	 * quarantined capacity (its zeroing); with a checkpoint per commit,
	 * a save after each append. */
	for (size_t p = 0; p < sizeof(points) / sizeof(points[0]); p++)
		for (unsigned int count = 1; count <= 2 * nscript + 2; count++)
			crash_at(points[p].point, count, points[p].committed, points[p].every);
	for (unsigned int k = 0; k <= nscript; k++)
		free(images[k].buf);
}

/* ---- the daemon killed at random moments under load ---- */

static void test_random_kills(void **state)
{
	struct t_daemon t;

	(void)state;
	td_init(&t, fabric_test_config);
	srand(t_seed("test_random_kills"));
	for (int round = 0; round < 12; round++) {
		struct dcd *model = t_dcd();
		struct t_snap before = { 0 }, after = { 0 };
		int fm, a, killer, status;
		unsigned int ops = 0;
		char err[256];

		/* The model starts from the daemon's saved state. */
		if (round) {
			uint8_t *file;
			size_t len;

			file = td_state(&t, &len);
			assert_int_equal(dcd_deserialize(model, file, len, err, sizeof(err)), 0);
			free(file);
		}
		assert_true(td_start(&t, NULL));
		fm = td_connect(&t, NULL);
		a = td_connect(&t, "A");
		killer = fork();
		if (killer == 0) {
			struct timespec ts = { 0, (long)(rand() % 40000) * 1000 };

			nanosleep(&ts, NULL);
			kill(t.pid, SIGKILL);
			_exit(0);
		}
		for (;;) {
			struct cmd c = { .port = FM };
			uint64_t r[2] = { R1, 2 * MiB };
			int rc;

			/* add, accept, release, clear: the model's state says which
			 * comes next (a round may start mid-cycle) */
			struct dcd_host *ha = &model->host[A];

			if (ha->npending) {
				r[0] = ha->pending[0].x[0].dpa;
				c.port = A, c.op = CCI_ADD_DC_RESPONSE;
				c.len = t_resp_req(c.in, r, 1, false);
			} else if (ha->nlist) {
				r[0] = ha->list[0].dpa;
				c.port = A, c.op = CCI_RELEASE_DC;
				c.len = t_resp_req(c.in, r, 1, false);
			} else if (ha->log.n) {
				c.port = A, c.op = CCI_CLEAR_EVENT_RECORDS;
				memcpy(c.in, "\x04\x00\x01\x00\x00\x00", 6);
				memcpy(c.in + 6, &ha->log.rec[0].hdr.handle, 2);
				c.len = 8;
			} else {
				c.op = CCI_FM_INITIATE_DC_ADD;
				c.len = t_add_req(c.in, 10, CCI_ADD_FREE, 1, 2 * MiB, NULL);
			}
			free(before.buf);
			free(after.buf);
			before = normalized(model);
			assert_int_equal(t_call(model, c.port, c.op, c.in, c.len), CCI_RC_SUCCESS);
			after = normalized(model);
			rc = td_cmd(c.port == FM ? fm : a, c.op, c.in, c.len, NULL, 0, NULL);
			if (rc < 0)
				break;
			assert_int_equal(rc, CCI_RC_SUCCESS);
			ops++;
		}
		close(fm);
		close(a);
		waitpid(killer, NULL, 0);
		status = td_wait(&t);
		assert_true(WIFSIGNALED(status));
		check_state_loads(&t);
		/* The saved state: before or after the interrupted command. */
		{
			struct dcd *d = t_dcd();
			struct t_snap got;
			uint8_t *file;
			size_t len;

			file = td_state(&t, &len);
			assert_int_equal(dcd_deserialize(d, file, len, err, sizeof(err)), 0);
			got = normalized(d);
			assert_true((got.len == before.len && !memcmp(got.buf, before.buf, got.len)) ||
				    (got.len == after.len && !memcmp(got.buf, after.buf, got.len)));
			free(got.buf);
			free(file);
			dcd_free(d);
		}
		print_message("round %d: killed after %u commands\n", round, ops);
		free(before.buf);
		free(after.buf);
		dcd_free(model);
	}
	td_cleanup(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_damaged_images),
		cmocka_unit_test(test_upgrade_v3),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_crash_points),
		cmocka_unit_test(test_random_kills),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
