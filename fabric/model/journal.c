// SPDX-License-Identifier: LGPL-2.1-or-later
/* The state journal (see journal.h): records, commit, checkpoint, replay. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "cci-codec.h"
#include "eventlog.h"
#include "file.h"
#include "journal.h"
#include "state.h"

static const char jmagic[8] = { 'T', 'D', 'X', 'J', 'R', 'N', 'L', '1' };
#define JOURNAL_VERSION 1
#define REC_HEAD 8      /* length, crc */
#define BODY_HEAD 9     /* seq, kind */
#define REPLAY_OUT (1u << 20)

static uint32_t crc(const void *p, size_t n)
{
	return (uint32_t)crc32(crc32(0, NULL, 0), p, (uInt)n);
}

static void le(uint8_t *p, uint64_t v, unsigned int bytes)
{
	for (unsigned int i = 0; i < bytes; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t rd(const uint8_t *p, unsigned int bytes)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < bytes; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

uint64_t journal_image_hash(const uint8_t *img, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < len; i++)
		h = (h ^ img[i]) * 0x100000001b3ull;
	return h;
}

void journal_header(uint8_t out[JOURNAL_HEADER], uint64_t image_hash)
{
	memcpy(out, jmagic, 8);
	le(out + 8, JOURNAL_VERSION, 4);
	le(out + 12, 0, 4);
	le(out + 16, image_hash, 8);
	le(out + 24, crc(out, 24), 4);
}

void journal_init(struct journal *j, const char *statedir)
{
	memset(j, 0, sizeof(*j));
	snprintf(j->dir, sizeof(j->dir), "%s", statedir);
	j->fd = -1;
}

void journal_close(struct journal *j)
{
	if (j->fd >= 0)
		close(j->fd);
	j->fd = -1;
	free(j->pend);
	j->pend = NULL;
	j->npend = j->cappend = 0;
}

/* ---- records ---- */

/* Room for one record of `payload` bytes at the end of pend: its payload. */
static uint8_t *rec_begin(struct journal *j, uint8_t kind, size_t payload)
{
	size_t need = REC_HEAD + BODY_HEAD + payload;
	uint8_t *r;

	if (payload > UINT32_MAX - BODY_HEAD)
		return NULL;
	if (j->npend + need > j->cappend) {
		size_t cap = j->cappend ? j->cappend : 4096;
		uint8_t *np;

		while (cap < j->npend + need)
			cap *= 2;
		np = realloc(j->pend, cap);
		if (!np)
			return NULL;
		j->pend = np;
		j->cappend = cap;
	}
	if (!j->npend)
		j->pend_seq = j->seq;
	r = j->pend + j->npend;
	le(r, BODY_HEAD + payload, 4);
	le(r + REC_HEAD, j->seq, 8);
	r[REC_HEAD + 8] = kind;
	return r + REC_HEAD + BODY_HEAD;
}

/* The payload is written: checksum the body, count the record. */
static void rec_end(struct journal *j)
{
	uint8_t *r = j->pend + j->npend;
	size_t body = (size_t)rd(r, 4);

	le(r + 4, crc(r + REC_HEAD, body), 4);
	j->npend += REC_HEAD + body;
	j->seq++;
}

int journal_cmd(struct journal *j, int port, uint16_t opcode, uint16_t rc, uint64_t clock_ns,
		const void *in, size_t inlen, const void *out, size_t outlen)
{
	uint8_t *p = rec_begin(j, JOURNAL_CMD, 26 + inlen);

	if (!p)
		return -ENOMEM;
	le(p, port < 0 ? 0xffff : (uint64_t)port, 2);
	le(p + 2, opcode, 2);
	le(p + 4, rc, 2);
	le(p + 6, clock_ns, 8);
	le(p + 14, outlen, 4);
	le(p + 18, crc(out, outlen), 4);
	le(p + 22, inlen, 4);
	memcpy(p + 26, in, inlen);
	rec_end(j);
	return 0;
}

int journal_drop_chains(struct journal *j, unsigned int host)
{
	uint8_t *p = rec_begin(j, JOURNAL_DROP_CHAINS, 4);

	if (!p)
		return -ENOMEM;
	le(p, host, 4);
	rec_end(j);
	return 0;
}

int journal_sanitized(struct journal *j, const struct dcd_range *r, uint32_t n)
{
	uint8_t *p = rec_begin(j, JOURNAL_SANITIZED, 4 + (size_t)n * 16);

	if (!p)
		return -ENOMEM;
	le(p, n, 4);
	for (uint32_t i = 0; i < n; i++) {
		le(p + 4 + 16 * i, r[i].dpa, 8);
		le(p + 12 + 16 * i, r[i].len, 8);
	}
	rec_end(j);
	return 0;
}

bool journal_pending(const struct journal *j)
{
	return j->npend != 0;
}

void journal_discard(struct journal *j)
{
	if (j->npend)
		j->seq = j->pend_seq;
	j->npend = 0;
}

/* ---- the file ---- */

int journal_commit(struct journal *j)
{
	int rc;

	if (!j->npend)
		return 0;
	if (j->fd < 0 || j->need_reset)
		return -EIO; /* the caller checkpoints instead */
	fabric_crash_point("append-begin");
	rc = util_write_all(j->fd, j->pend, j->npend / 2);
	fabric_crash_point("append-partial");
	if (!rc)
		rc = util_write_all(j->fd, j->pend + j->npend / 2, j->npend - j->npend / 2);
	if (!rc && fdatasync(j->fd) < 0)
		rc = -errno;
	if (rc) {
		/* Nothing of it may be replayed later: it is answered as failed. */
		if (ftruncate(j->fd, j->size) < 0 || lseek(j->fd, j->size, SEEK_SET) < 0)
			j->need_reset = true;
		return rc;
	}
	fabric_crash_point("append-synced");
	j->size += (off_t)j->npend;
	j->npend = 0;
	return 0;
}

/* A new empty journal naming the image with this hash, atomically. */
static int journal_reset(struct journal *j, uint64_t hash)
{
	char tmp[4200], final[4200];
	uint8_t head[JOURNAL_HEADER];
	int fd, rc;

	snprintf(tmp, sizeof(tmp), "%s/%s.tmp", j->dir, JOURNAL_FILE);
	snprintf(final, sizeof(final), "%s/%s", j->dir, JOURNAL_FILE);
	journal_header(head, hash);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	rc = util_write_all(fd, head, sizeof(head));
	if (!rc && fsync(fd) < 0)
		rc = -errno;
	if (!rc && rename(tmp, final) < 0)
		rc = -errno;
	if (!rc)
		rc = util_fsync_dir(j->dir);
	if (rc) {
		close(fd);
		unlink(tmp);
		return rc;
	}
	if (j->fd >= 0)
		close(j->fd);
	j->fd = fd;
	j->size = sizeof(head);
	j->need_reset = false;
	fabric_crash_point("checkpoint-reset");
	return 0;
}

int journal_checkpoint(struct journal *j, const uint8_t *img, size_t len)
{
	int rc;

	fabric_crash_point("checkpoint-begin");
	rc = state_save(j->dir, img, len);
	if (rc)
		return rc;
	fabric_crash_point("checkpoint-saved");
	/* From here the old journal is stale (the image holds it): appending
	 * to it would lose records, so a failed reset keeps need_reset. */
	j->need_reset = true;
	rc = journal_reset(j, journal_image_hash(img, len));
	if (rc)
		return rc;
	j->seq = 0;
	j->npend = 0;
	return 0;
}

/* ---- replay ---- */

struct replay {
	struct dcd *d;
	const uint8_t *p; /* payload */
	size_t len;
	uint8_t *out;
	char *err;
	size_t errlen;
};

static int replay_cmd(struct replay *r)
{
	uint32_t inlen, outlen;
	uint16_t port, opcode, want;
	size_t got = 0;
	bool changed = false;
	int rc;

	if (r->len < 26 || (inlen = (uint32_t)rd(r->p + 22, 4)) != r->len - 26)
		return -1;
	port = (uint16_t)rd(r->p, 2);
	opcode = (uint16_t)rd(r->p + 2, 2);
	want = (uint16_t)rd(r->p + 4, 2);
	outlen = (uint32_t)rd(r->p + 14, 4);
	if (port != 0xffff && port >= r->d->nhosts) {
		snprintf(r->err, r->errlen, "a command for host index %u, beyond the "
			 "configuration", port);
		return -1;
	}
	evlog_clock_pin(rd(r->p + 6, 8));
	rc = dcd_dispatch(r->d, port == 0xffff ? DCD_PORT_FM : port, opcode, r->p + 26, inlen,
			  r->out, REPLAY_OUT, &got, &changed);
	evlog_clock_pin(0);
	if (rc != want || !changed || got != outlen || crc(r->out, got) != rd(r->p + 18, 4)) {
		snprintf(r->err, r->errlen, "command %04xh %s replays differently (%s), was the "
			 "configuration changed?", opcode, cci_opcode_name(opcode),
			 cci_retcode_name((uint16_t)rc));
		return -1;
	}
	return 0;
}

static int replay_drop_chains(struct replay *r)
{
	uint32_t h;

	if (r->len != 4 || (h = (uint32_t)rd(r->p, 4)) >= r->d->nhosts ||
	    !dcd_host_drop_chains(&r->d->host[h]))
		return -1;
	return 0;
}

/* The zeroing happened before the record was written: the replay only
 * frees exactly the ranges it names. */
static int named_ok(void *arg, unsigned int region, uint64_t offset, uint64_t len)
{
	struct replay *r = arg;
	uint64_t dpa = offset + r->d->region[region].base;
	uint32_t n = (uint32_t)rd(r->p, 4);

	for (uint32_t i = 0; i < n; i++)
		if (rd(r->p + 4 + 16 * i, 8) == dpa && rd(r->p + 12 + 16 * i, 8) == len)
			return 0;
	return -EIO;
}

static int replay_sanitized(struct replay *r)
{
	dcd_sanitize_fn fn = r->d->sanitize;
	void *arg = r->d->sanitize_arg;
	uint32_t n, failed, freed;

	if (r->len < 4 || (n = (uint32_t)rd(r->p, 4)) != (r->len - 4) / 16 ||
	    (r->len - 4) % 16)
		return -1;
	dcd_set_sanitizer(r->d, named_ok, r);
	freed = dcd_sanitize_run(r->d, &failed);
	dcd_set_sanitizer(r->d, fn, arg);
	return freed == n ? 0 : -1;
}

static const struct {
	uint8_t kind;
	const char *name;
	int (*replay)(struct replay *r);
} kinds[] = {
	{ JOURNAL_CMD, "command", replay_cmd },
	{ JOURNAL_DROP_CHAINS, "dropped More chain", replay_drop_chains },
	{ JOURNAL_SANITIZED, "zeroed ranges", replay_sanitized },
};

static int replay_one(struct replay *r, uint8_t kind)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		if (kinds[i].kind != kind)
			continue;
		r->err[0] = 0;
		if (kinds[i].replay(r) == 0)
			return 0;
		if (!r->err[0])
			snprintf(r->err, r->errlen, "a %s record does not apply to the state",
				 kinds[i].name);
		return -EBADMSG;
	}
	snprintf(r->err, r->errlen, "a record of unknown kind %u", kind);
	return -EBADMSG;
}

static int replay_all(struct dcd *d, const uint8_t *buf, size_t len, uint64_t image_hash,
		      struct journal_stats *st, char *err, size_t errlen);

/* Is the record at off whole and intact? Its body length, else 0. */
static size_t intact(const uint8_t *buf, size_t len, size_t off, uint64_t seq)
{
	size_t body;

	if (len - off < REC_HEAD + BODY_HEAD)
		return 0;
	body = (size_t)rd(buf + off, 4);
	if (body < BODY_HEAD || body > len - off - REC_HEAD ||
	    crc(buf + off + REC_HEAD, body) != rd(buf + off + 4, 4) ||
	    rd(buf + off + REC_HEAD, 8) != seq)
		return 0;
	return body;
}

/* After a bad record: torn (nothing but zeroes or a cut record to the end)
 * or damage in the middle, with intact records after it. */
static bool torn_tail(const uint8_t *buf, size_t len, size_t off)
{
	size_t body = len - off >= 4 ? (size_t)rd(buf + off, 4) : 0;

	if (len - off < REC_HEAD || body > len - off - REC_HEAD ||
	    body + REC_HEAD == len - off)
		return true; /* the last record, cut or half written */
	for (size_t i = off; i < len; i++)
		if (buf[i])
			return false;
	return true;
}

/* The daemon always has a sanitizer, so released capacity that must be
 * zeroed goes to quarantine; a replay without one must do the same (its
 * zeroing is in the journal as a record of its own). */
static int never_zeroed(void *arg, unsigned int region, uint64_t offset, uint64_t len)
{
	(void)arg, (void)region, (void)offset, (void)len;
	return -EIO;
}

int journal_replay(struct dcd *d, const uint8_t *buf, size_t len, uint64_t image_hash,
		   struct journal_stats *st, char *err, size_t errlen)
{
	dcd_sanitize_fn fn = d->sanitize;
	void *arg = d->sanitize_arg;
	int rc;

	if (!fn)
		dcd_set_sanitizer(d, never_zeroed, NULL);
	rc = replay_all(d, buf, len, image_hash, st, err, errlen);
	dcd_set_sanitizer(d, fn, arg);
	return rc;
}

static int replay_all(struct dcd *d, const uint8_t *buf, size_t len, uint64_t image_hash,
		      struct journal_stats *st, char *err, size_t errlen)
{
	uint8_t head[JOURNAL_HEADER];
	struct replay r = { .d = d, .err = err, .errlen = errlen };
	size_t off = JOURNAL_HEADER;
	uint64_t seq = 0;
	int rc = 0;

	memset(st, 0, sizeof(*st));
	if (len < JOURNAL_HEADER || memcmp(buf, jmagic, 8) || rd(buf + 24, 4) != crc(buf, 24) ||
	    rd(buf + 8, 4) != JOURNAL_VERSION) {
		snprintf(err, errlen, "the journal's header is damaged or of another version");
		return -EBADMSG;
	}
	journal_header(head, image_hash);
	if (memcmp(head, buf, JOURNAL_HEADER)) {
		st->stale = true; /* the image holds it already */
		return 0;
	}
	r.out = malloc(REPLAY_OUT);
	if (!r.out)
		return -ENOMEM;
	while (off < len) {
		size_t body = intact(buf, len, off, seq);

		if (!body) {
			if (torn_tail(buf, len, off)) {
				st->dropped = len - off;
				break;
			}
			snprintf(err, errlen, "journal record %llu (byte %zu) is damaged and records "
				 "follow it", (unsigned long long)seq, off);
			rc = -EBADMSG;
			break;
		}
		r.p = buf + off + REC_HEAD + BODY_HEAD;
		r.len = body - BODY_HEAD;
		rc = replay_one(&r, buf[off + REC_HEAD + 8]);
		if (rc)
			break;
		st->records++;
		seq++;
		off += REC_HEAD + body;
	}
	free(r.out);
	if (!rc && dcd_check(d, err, errlen))
		rc = -EBADMSG;
	return rc;
}

int state_load(const char *statedir, struct dcd *d, off_t limit, struct journal_stats *st,
	       char *err, size_t errlen)
{
	char path[4200];
	uint8_t *img, *jbuf = NULL;
	size_t len, jlen = 0;
	uint64_t hash;
	int rc = state_read(statedir, &img, &len);

	memset(st, 0, sizeof(*st));
	if (rc) {
		snprintf(err, errlen, "%s/%s: %s", statedir, STATE_FILE, strerror(-rc));
		return rc;
	}
	rc = dcd_deserialize(d, img, len, err, errlen);
	hash = journal_image_hash(img, len);
	free(img);
	if (rc)
		return rc;
	snprintf(path, sizeof(path), "%s/%s", statedir, JOURNAL_FILE);
	rc = util_read_bytes(path, limit, &jbuf, &jlen);
	if (rc == -ENOENT)
		return 0; /* an image saved before the first journal */
	if (rc) {
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	rc = journal_replay(d, jbuf, jlen, hash, st, err, errlen);
	free(jbuf);
	return rc;
}
