// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The daemon's connections: CCI messages back to back on each stream,
 * answered one at a time and in order; a peer that does not read its
 * answers is not read from until it does (and is dropped past a bound).  A
 * command that changed the state is saved before it is answered and before
 * any host is notified: the changes of one poll round are journaled with one
 * append and one fdatasync (group commit), and every answer given after a
 * change waits for it.  An oversized message is answered with Invalid
 * Payload Length and its payload skipped, so the stream stays in step; a
 * message whose category is not Request is answered with Invalid Input.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fabricd-int.h"
#include "log.h"
#include "fabricd.h"
#include "state.h"

void fabricd_log(struct server *s, const char *fmt, ...)
{
	va_list ap;

	(void)s;
	va_start(ap, fmt);
	util_vlog(LOG_INFO, fmt, ap);
	va_end(ap);
}

/* ---- state ---- */

/* A checkpoint is due once the journal outgrows the image (and
 * checkpoint_at, 1 MiB): the
 * image's cost is spread over at least as many bytes of records, so a
 * commit costs O(its record) on average whatever the state's size. */
int fabricd_checkpoint(struct server *s)
{
	uint8_t *img;
	size_t len;
	int rc = dcd_serialize(s->d, &img, &len);

	if (rc)
		return rc;
	rc = journal_checkpoint(&s->j, img, len);
	free(img);
	if (rc == 0)
		s->imagelen = len;
	return rc;
}

/* Make the queued records durable: an append, or a checkpoint when the
 * journal cannot be appended to (a failed append could not be cut back,
 * or a checkpoint could not reset it). */
static int commit(struct server *s)
{
	uint64_t due = s->imagelen > s->checkpoint_at ? s->imagelen : s->checkpoint_at;
	int rc;

	if (s->commit_fail) {
		s->commit_fail--;
		return -EIO;
	}
	if (s->j.need_reset)
		return fabricd_checkpoint(s);
	rc = journal_commit(&s->j);
	if (rc)
		return rc;
	if ((uint64_t)s->j.size > due && (rc = fabricd_checkpoint(s)) < 0)
		/* The journal still holds everything: retried at the next commit. */
		fabricd_log(s, "checkpoint failed (%s): the journal grows on", strerror(-rc));
	return 0;
}

/* Back to the state on disk after a failed commit: clients only ever see
 * state that is saved. */
static int rollback(struct server *s)
{
	struct journal_stats st;
	char err[256];
	struct dcd *nd = dcd_new(&s->cfg);

	journal_discard(&s->j);
	if (!nd)
		return -ENOMEM;
	dcd_set_sanitizer(nd, fabricd_sanitize, s);
	if (state_load(s->statedir, nd, s->j.size, &st, err, sizeof(err)) < 0) {
		fabricd_log(s, "rollback failed: %s", err);
		dcd_free(nd);
		return -EIO;
	}
	dcd_free(s->d);
	s->d = nd;
	if (!st.stale)
		s->j.seq = st.records;
	return 0;
}

/* ---- quarantine ---- */

int fabricd_sanitize(void *arg, unsigned int region, uint64_t offset, uint64_t len)
{
	struct server *s = arg;
	int rc = -EIO;

	/* Test hook TAGDAX_FABRICD_SANITIZE_FAIL=N: the next N zeroings fail. */
	if (s->sanitize_fail)
		s->sanitize_fail--;
	else
		rc = backing_sanitize(&s->backing, region, offset, len);
	if (rc < 0)
		fabricd_log(s, "region %u: zeroing %#" PRIx64 "+%#" PRIx64 " failed (%s): it stays "
			    "quarantined, out of the allocator", region, offset, len, strerror(-rc));
	return rc;
}

static bool any_revoking(const struct dcd *d)
{
	for (unsigned int h = 0; h < d->nhosts; h++)
		if (d->host[h].nrevoke)
			return true;
	return false;
}

static void list_ranges(FILE *f, const struct dcd *d)
{
	for (uint32_t i = 0; i < d->ndirty; i++) {
		const struct dcd_range *x = &d->dirty[i];

		fprintf(f, "region %d dpa %" PRIu64 " length %" PRIu64 "\n",
			dcd_region_of(d, x->dpa, x->len), x->dpa, x->len);
	}
	for (unsigned int h = 0; h < d->nhosts; h++)
		for (uint32_t i = 0; i < d->host[h].nrevoke; i++) {
			const struct dcd_extent *x = &d->host[h].revoke[i].x;

			fprintf(f, "revoking %s region %u dpa %" PRIu64 " length %" PRIu64 "\n",
				d->host[h].name, x->region, x->dpa, x->len);
		}
}

/* DIR/quarantine lists, for `tagdax fabric list`, the ranges out of the
 * allocator that no host holds: quarantined ones ("region R dpa D length
 * L") and force-released ones a host is still revoking ("revoking HOST
 * region R dpa D length L"); no file when there are none. */
static void publish_quarantine(struct server *s)
{
	char path[PATH_MAX + 16], *text = NULL;
	size_t len = 0;
	bool some = s->d->ndirty || any_revoking(s->d);
	FILE *f;
	int rc = -ENOMEM;

	if (!some && !s->quarantine_listed)
		return;
	snprintf(path, sizeof(path), "%s/quarantine", s->dir);
	if (!some) {
		unlink(path);
		s->quarantine_listed = false;
		return;
	}
	f = open_memstream(&text, &len);
	if (f) {
		list_ranges(f, s->d);
		rc = fclose(f) ? -ENOMEM : state_write_text(s->dir, "quarantine", text, len);
	}
	free(text);
	if (rc < 0)
		fabricd_log(s, "%s: %s", path, strerror(-rc));
	s->quarantine_listed = true;
}

void fabricd_settle(struct server *s)
{
	struct dcd_range *before = NULL, *gone = NULL;
	uint32_t failed, freed, n = s->d->ndirty, ngone = 0;
	int rc = 0;

	/* Which ranges this run frees is what the journal records. */
	if (n && (!(before = malloc(n * sizeof(*before))) || !(gone = malloc(n * sizeof(*gone))))) {
		free(before);
		return; /* out of memory: they stay quarantined until the next run */
	}
	if (n)
		memcpy(before, s->d->dirty, n * sizeof(*before));
	freed = dcd_sanitize_run(s->d, &failed);
	for (uint32_t i = 0, k = 0; freed && i < n; i++) {
		if (k < s->d->ndirty && s->d->dirty[k].dpa == before[i].dpa)
			k++;
		else
			gone[ngone++] = before[i];
	}
	if (freed && ((rc = journal_sanitized(&s->j, gone, ngone)) < 0 || (rc = commit(s)) < 0)) {
		/* Zeroed but not saved as free: back to quarantine, zeroed again
		 * next time. */
		fabricd_log(s, "saving state failed (%s) after zeroing released capacity",
			    strerror(-rc));
		if (rollback(s) < 0)
			s->fatal = true;
	}
	else if (freed)
		fabricd_log(s, "%u zeroed range%s returned to the allocator", freed,
			    freed == 1 ? "" : "s");
	free(before);
	free(gone);
	if (!s->fatal)
		publish_quarantine(s);
}

/* ---- connections ---- */

int64_t fabricd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* When c times out (-1: never): a request begun or an answer not yet read
 * must finish within message_timeout_ms; an fm.sock connection with
 * nothing going on closes after idle_timeout_ms.  Host connections may
 * idle (an agent keeps its mailbox and notification socket open). */
static int64_t conn_deadline(const struct server *s, const struct conn *c)
{
	if (c->outlen || cci_stream_buffered(&c->in) || c->in.skip)
		return c->since + s->cfg.message_timeout_ms;
	if (c->kind == CONN_FM)
		return c->since + s->cfg.idle_timeout_ms;
	return -1;
}

int fabricd_expire(struct server *s)
{
	int64_t now = fabricd_now_ms(), next = -1;
	unsigned int closed = 0;

	for (unsigned int i = 0; i < s->nconns; i++) {
		struct conn *c = s->conns[i];
		int64_t at = c->closed ? -1 : conn_deadline(s, c);

		if (at < 0)
			continue;
		if (at <= now) {
			fabricd_conn_close(c);
			closed++;
		} else if (next < 0 || at - now < next) {
			next = at - now;
		}
	}
	if (closed)
		fabricd_log(s, "closed %u connection%s past their deadline", closed,
			    closed == 1 ? "" : "s");
	return next < 0 ? -1 : (int)(next > INT32_MAX ? INT32_MAX : next);
}

void fabricd_conn_close(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->closed = true;
}

void fabricd_conn_flush(struct conn *c)
{
	if (c->held)
		return;
	while (c->outoff < c->outlen) {
		ssize_t n = send(c->fd, c->out + c->outoff, c->outlen - c->outoff,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n < 0) {
			fabricd_conn_close(c);
			return;
		}
		c->outoff += (size_t)n;
	}
	c->outoff = c->outlen = 0;
	c->since = fabricd_now_ms(); /* the answer left: progress */
}

static void conn_queue(struct conn *c, const uint8_t *buf, size_t len, bool hold)
{
	if (c->outlen + len > MAX_QUEUED) {
		fabricd_conn_close(c);
		return;
	}
	if (c->outlen + len > c->outcap) {
		size_t cap = c->outcap ? c->outcap : 4096;
		uint8_t *nb;

		while (cap < c->outlen + len)
			cap *= 2;
		nb = realloc(c->out, cap);
		if (!nb) {
			fabricd_conn_close(c);
			return;
		}
		c->out = nb;
		c->outcap = cap;
	}
	memcpy(c->out + c->outlen, buf, len);
	c->outlen += len;
	c->held = hold;
	fabricd_conn_flush(c);
}

/* Tell a host's agents that its DC log has new records: one byte, the log
 * number.  A full socket already holds a wake-up, so EAGAIN is fine. */
static void notify_host(struct server *s, int host)
{
	uint8_t b = CCI_LOG_DC;

	for (unsigned int i = 0; i < s->nconns; i++) {
		struct conn *c = s->conns[i];

		if (c->closed || c->kind != CONN_IRQ || c->host != host)
			continue;
		if (send(c->fd, &b, 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0 && errno != EAGAIN &&
		    errno != EWOULDBLOCK)
			fabricd_conn_close(c);
	}
}

static void notify_all(struct server *s)
{
	for (unsigned int h = 0; h < s->d->nhosts; h++)
		if (s->d->host[h].log.notify) {
			s->d->host[h].log.notify = false;
			notify_host(s, (int)h);
		}
	s->d->fmlog.notify = false;
}

static void commit_failed(struct server *s);

static const char *port_name(const struct server *s, const struct conn *c)
{
	return c->kind == CONN_FM ? "fm" : s->d->host[c->host].name;
}

static void answer(struct server *s, struct conn *c, const struct cci_msg *req, int rc,
		   size_t outlen)
{
	struct cci_msg *m = (struct cci_msg *)s->rsp;

	cci_msg_init(m, CCI_RESPONSE, req->tag, cci_msg_opcode(req), outlen, (uint16_t)rc);
	/* After a change not yet durable, every answer waits for the commit:
	 * a client must never see state that a crash could still undo. */
	if (!journal_pending(&s->j))
		fabric_crash_point("reply");
	conn_queue(c, s->rsp, sizeof(*m) + outlen, journal_pending(&s->j));
}

static void handle(struct server *s, struct conn *c, const struct cci_msg *req, size_t len)
{
	uint16_t op = cci_msg_opcode(req);
	int port = c->kind == CONN_FM ? DCD_PORT_FM : c->host;
	uint64_t clock = evlog_now_ns();
	size_t outlen = 0;
	bool changed = false;
	int rc;

	if (cci_msg_category(req) != CCI_REQUEST) {
		rc = CCI_RC_INVALID_INPUT; /* only requests are served */
	} else {
		/* The records it logs carry this time, also when replayed. */
		evlog_clock_pin(clock);
		rc = dcd_dispatch(s->d, port, op, req->payload, len - sizeof(*req),
				  s->rsp + sizeof(*req), FABRICD_MAX_RESPONSE, &outlen, &changed);
		evlog_clock_pin(0);
	}
	if (changed && journal_cmd(&s->j, port, op, (uint16_t)rc, clock, req->payload,
				   len - sizeof(*req), s->rsp + sizeof(*req), outlen) < 0) {
		fabricd_log(s, "journaling command %04xh %s failed: undone with the round", op,
			    cci_opcode_name(op));
		commit_failed(s);
		rc = CCI_RC_INTERNAL;
		outlen = 0;
		changed = false;
	}
	if (changed || rc != CCI_RC_SUCCESS)
		fabricd_log(s, "%s: %04xh %s: %s", port_name(s, c), op, cci_opcode_name(op),
			    cci_retcode_name((uint16_t)rc));
	answer(s, c, req, rc, outlen);
}

/* Every held answer goes out (after the "reply" crash point). */
static void release_held(struct server *s)
{
	for (unsigned int i = 0; i < s->nconns; i++) {
		struct conn *c = s->conns[i];

		if (!c->held)
			continue;
		fabric_crash_point("reply");
		c->held = false;
		if (!c->closed)
			fabricd_conn_flush(c);
	}
}

/* The round's changes are undone: back to the state on disk, and each
 * held answer becomes Internal Error (an answer that only read state read
 * a state that is gone). */
static void commit_failed(struct server *s)
{
	if (rollback(s) < 0)
		s->fatal = true;
	for (unsigned int i = 0; i < s->nconns; i++) {
		struct conn *c = s->conns[i];
		struct cci_msg *m = (struct cci_msg *)c->out;

		if (!c->held || c->outlen < sizeof(*m))
			continue;
		cci_msg_init(m, CCI_RESPONSE, m->tag, cci_msg_opcode(m), 0, CCI_RC_INTERNAL);
		c->outlen = sizeof(*m);
	}
}

void fabricd_commit_round(struct server *s)
{
	int rc;

	if (!journal_pending(&s->j)) {
		release_held(s);
		return;
	}
	if ((rc = commit(s)) < 0) {
		fabricd_log(s, "saving state failed (%s): the round's commands are undone",
			    strerror(-rc));
		/* the ranges they freed were not zeroed: the rollback keeps the data */
		commit_failed(s);
		release_held(s);
		return;
	}
	if (!s->fatal)
		fabricd_settle(s); /* saved: quarantined capacity may be zeroed now */
	release_held(s);
	if (!s->fatal)
		notify_all(s);
}

/* Answer every complete message buffered, one at a time: a new request is
 * read only once the previous answer has left. */
void fabricd_conn_process(struct server *s, struct conn *c)
{
	const struct cci_msg *m;
	size_t len;

	while (!c->closed && c->outlen == 0 && !s->fatal) {
		switch (cci_stream_next(&c->in, &m, &len)) {
		case CCI_FRAME_NONE:
			return;
		case CCI_FRAME_OVERSIZE:
			fabricd_log(s, "%s: %04xh %s: %zu-byte payload over the %u-byte limit, "
				    "skipped", port_name(s, c), cci_msg_opcode(m),
				    cci_opcode_name(cci_msg_opcode(m)), cci_msg_payload_len(m),
				    FABRICD_MAX_REQUEST);
			answer(s, c, m, CCI_RC_INVALID_PAYLOAD_LENGTH, 0);
			break;
		case CCI_FRAME_MSG:
			handle(s, c, m, len);
			break;
		}
		cci_stream_consume(&c->in);
		c->since = fabricd_now_ms();
		c->asked = true;
	}
}

void fabricd_conn_readable(struct server *s, struct conn *c)
{
	ssize_t n;

	if (c->kind == CONN_IRQ) {
		uint8_t junk[64];

		n = recv(c->fd, junk, sizeof(junk), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
			fabricd_conn_close(c);
		return;
	}
	n = cci_stream_fill(&c->in, c->fd);
	if (n == -EAGAIN || n == -EINTR)
		return;
	fabricd_conn_process(s, c);
	/* At end of stream a partial message is dropped with the peer. */
	if (n <= 0)
		fabricd_conn_close(c);
}

/* At the cap, make room: close the live connection that made no progress
 * for the longest time, fm.sock connections before mailboxes before
 * notification sockets (a flood on fm.sock never costs an agent its
 * connections, and an orchestrator's fresh connection is the newest), and
 * connections that never asked anything before those that did (clients
 * that reconnect as soon as they are closed never crowd out one that works
 * on its connection, idle for a moment between two requests). */
static void evict_one(struct server *s, const struct conn *fresh)
{
	struct conn *victim = NULL;
	unsigned int live = 0;

	for (unsigned int i = 0; i < s->nconns; i++) {
		struct conn *c = s->conns[i];

		if (c->closed || c == fresh)
			continue;
		live++;
		if (!victim || c->kind < victim->kind ||
		    (c->kind == victim->kind && c->asked < victim->asked) ||
		    (c->kind == victim->kind && c->asked == victim->asked &&
		     c->since < victim->since))
			victim = c;
	}
	if (live < s->maxconns || !victim) /* room for fresh besides them */
		return;
	if (!s->evicting)
		fabricd_log(s, "%u connections: closing the least active to serve new ones", live);
	s->evicting = true;
	fabricd_conn_close(victim);
}

void fabricd_conn_accept(struct server *s, const struct listener *l)
{
	int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	struct conn *c;

	if (fd < 0) {
		/* Out of descriptors: the peer stays in the backlog, and the
		 * listeners rest until a connection closes (else poll would say
		 * "readable" forever). */
		if (errno == EMFILE || errno == ENFILE) {
			if (!s->accept_paused)
				fabricd_log(s, "out of file descriptors (%s): not accepting "
					    "until a connection closes", strerror(errno));
			s->accept_paused = true;
		}
		return;
	}
	/* The array has room for maxconns plus one accept per listener per
	 * round (closed ones are reaped at the top of the loop). */
	if (s->nconns >= s->maxconns + s->nls || !(c = calloc(1, sizeof(*c)))) {
		close(fd);
		return;
	}
	c->fd = fd;
	c->since = fabricd_now_ms();
	c->kind = l->kind;
	c->host = l->host;
	cci_stream_init(&c->in, FABRICD_MAX_REQUEST);
	s->conns[s->nconns++] = c;
	evict_one(s, c);
	/* An agent that connects late still learns about waiting records. */
	if (c->kind == CONN_IRQ && s->d->host[c->host].log.n) {
		uint8_t b = CCI_LOG_DC;

		if (send(fd, &b, 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
			fabricd_conn_close(c);
	}
}

bool fabricd_reap(struct server *s)
{
	unsigned int kept = 0, before = s->nconns;
	bool dropped = false;
	int rc;

	for (unsigned int i = 0; i < s->nconns; i++) {
		struct conn *c = s->conns[i];

		if (!c->closed) {
			s->conns[kept++] = c;
			continue;
		}
		/* A More chain never spans connections: a host that reconnects
		 * (an agent restarted mid-chain) sends its whole answer again. */
		if (c->kind == CONN_MBOX && s->d && dcd_host_drop_chains(&s->d->host[c->host])) {
			if (journal_drop_chains(&s->j, (unsigned int)c->host) < 0)
				s->j.need_reset = true; /* the next commit writes it all */
			fabricd_log(s, "%s: mailbox closed: unfinished More chain dropped",
				    s->d->host[c->host].name);
			dropped = true;
		}
		cci_stream_release(&c->in);
		free(c->out);
		free(c);
	}
	s->nconns = kept;
	if (dropped && (rc = commit(s)) < 0) {
		/* The state on disk keeps the chain (loading drops it again), and
		 * the next commit writes the whole state, without it. */
		fabricd_log(s, "saving state failed (%s) after dropping a More chain",
			    strerror(-rc));
		s->j.need_reset = true;
	}
	return kept < before;
}
