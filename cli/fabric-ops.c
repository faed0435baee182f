// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tagdax fabric add / share / release: 5604h and 5605h, then the wait an
 * orchestrator needs before it hands a tag to an application.  Success is
 * seen where the application will look for it (the host resolves the tag,
 * or no longer holds it); a host's refusal is seen in the FM's event log
 * (an Add Capacity Response record with no capacity).  The FM log is shared
 * by every FM client, so each command clears only its own records and
 * records too old for anyone to be waiting for.  `add` prints the tag
 * before it asks, so the caller has it whatever happens; an offer the host
 * has not answered at the timeout (5608h pending bitmap) has its own exit
 * code, and `release --forced` withdraws such an offer.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include "fabric.h"
#include "size.h"

#define STALE_NS (60ull * 1000000000ull)
#define MAX_EXTENT_ARGS 256

struct op {
	const char *dir, *host, *tag, *policy;
	const char *size;
	int region;          /* -1: not given */
	bool forced, sanitize;
	int timeout_ms;
	struct tagdax_fm_extent ext[MAX_EXTENT_ARGS];
	uint32_t next;
	struct tagdax_fm_region regions[8]; /* as the device reports them (5601h) */
	unsigned int nregions;
};

static bool parse_extent(const char *text, struct tagdax_fm_extent *e)
{
	char dpa[64];
	const char *colon = strchr(text, ':');

	if (!colon || (size_t)(colon - text) >= sizeof(dpa))
		goto bad;
	memcpy(dpa, text, (size_t)(colon - text));
	dpa[colon - text] = '\0';
	memset(e, 0, sizeof(*e));
	if (util_parse_size(dpa, &e->dpa) == 0 && util_parse_size(colon + 1, &e->length) == 0)
		return true;
bad:
	fprintf(stderr, "tagdax: --extent '%s' is not DPA:LENGTH (like 0:2M)\n", text);
	return false;
}

static int parse_op(struct cli *cli, int argc, char **argv, struct op *o)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },   { "host", required_argument, NULL, 'H' },
		{ "tag", required_argument, NULL, 't' },   { "size", required_argument, NULL, 's' },
		{ "region", required_argument, NULL, 'r' }, { "policy", required_argument, NULL, 'p' },
		{ "extent", required_argument, NULL, 'e' }, { "forced", no_argument, NULL, 'f' },
		{ "sanitize", no_argument, NULL, 'S' },    { "timeout", required_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int opt;

	memset(o, 0, sizeof(*o));
	o->dir = fab_env_dir();
	o->region = -1;
	o->timeout_ms = 30000;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'd': o->dir = optarg; break;
		case 'H': o->host = optarg; break;
		case 't': o->tag = optarg; break;
		case 's': o->size = optarg; break;
		case 'p': o->policy = optarg; break;
		case 'f': o->forced = true; break;
		case 'S': o->sanitize = true; break;
		case 'r': {
			long v;

			errno = 0;
			v = strtol(optarg, &end, 10);
			if (*optarg < '0' || *optarg > '9' || *end || errno || v > 255)
				return usage_error(cli, "--region '%s' is not a region number", optarg);
			o->region = (int)v;
			break;
		}
		case 'e':
			if (o->next == MAX_EXTENT_ARGS)
				return usage_error(cli, "at most %d --extent options", MAX_EXTENT_ARGS);
			if (!parse_extent(optarg, &o->ext[o->next++]))
				return EXIT_USAGE;
			break;
		case 'T':
			if (parse_timeout(optarg, &o->timeout_ms))
				break;
			return usage_error(cli, "--timeout '%s' is not a number of seconds", optarg);
		default:
			return usage_error(cli, "fabric %s: bad option", argv[0]);
		}
	}
	if (optind < argc)
		return usage_error(cli, "fabric %s: unexpected '%s'", argv[0], argv[optind]);
	if (!o->dir || !o->host)
		return usage_error(cli, "fabric %s needs --dir DIR and --host NAME", argv[0]);
	return EXIT_OK;
}

/* ---- the FM's event log ---- */

struct outcome {
	uint32_t accepted; /* extents */
	bool rejected;
	bool released;
};


/* Takes this command's records (type, host, tag, newer than t0) out of the
 * FM log, with those too old for anyone to wait for. */
static int fm_take(struct fab *f, uint8_t type, uint16_t host, const struct tagdax_tag *tag,
		   uint64_t t0, struct outcome *out)
{
	struct tagdax_fm_events evs;
	uint16_t *handles;
	unsigned int n = 0;
	int rc = tagdax_fm_get_event_records(f->fm, TAGDAX_FM_LOG_DC, &evs);

	if (rc)
		return rc;
	handles = calloc(evs.count ? evs.count : 1, sizeof(*handles));
	for (unsigned int i = 0; handles && i < evs.count; i++) {
		const struct tagdax_fm_event *e = &evs.ev[i];
		bool mine = e->type == type && e->host_id == host && e->timestamp >= t0 &&
			    !memcmp(e->extent.tag, tag->b, 16);

		if (mine && type == TAGDAX_FM_EVENT_ADD_RESPONSE && e->extent.length)
			out->accepted++;
		else if (mine && type == TAGDAX_FM_EVENT_ADD_RESPONSE)
			out->rejected = true;
		else if (mine)
			out->released = true;
		if (mine || e->timestamp + STALE_NS < t0)
			handles[n++] = e->handle;
	}
	rc = handles ? (n ? tagdax_fm_clear_event_records(f->fm, TAGDAX_FM_LOG_DC, handles, n) : 0) : -ENOMEM;
	free(handles);
	tagdax_fm_events_free(&evs);
	return rc;
}

/* The line of the host's agent log that says why it rejected the tag. */
static void print_reason(struct fab *f, const char *host, const struct tagdax_tag *tag)
{
	char path[PATH_MAX + 64], line[512], text[37], want[64], *why = NULL;
	FILE *log;

	snprintf(path, sizeof(path), "%s/hosts/%s/agent.log", f->dir, host);
	tagdax_tag_unparse(tag, text);
	snprintf(want, sizeof(want), "rejected tag %s", text);
	log = fopen(path, "re");
	while (log && fgets(line, sizeof(line), log))
		if (strstr(line, want)) {
			free(why);
			why = strdup(strstr(line, want));
		}
	if (log)
		fclose(log);
	/* the agent logs "rejected tag T (N extents): reason" */
	fprintf(stderr, "tagdax: host %s rejected the capacity%s%s", host, why ? ": " : "\n",
		why && strstr(why, "): ") ? strstr(why, "): ") + 3 : why ? why : "");
	free(why);
}

/* One look: 0 when the host can resolve the tag (untagged: has accepted
 * it), -EAGAIN when not yet, -ECANCELED when it rejected it. */
static int added_yet(struct fab *f, const struct fab_host *h, struct tagdax_ctx *ctx,
		     const struct tagdax_tag *tag, uint64_t t0)
{
	struct outcome o = { 0 };
	struct tagdax_dev *dev;
	int rc = -EAGAIN, taken;

	if (ctx) {
		rc = tagdax_wait(ctx, tag, 100, &dev);
		rc = rc == -ETIMEDOUT ? -EAGAIN : rc;
	} else {
		usleep(20 * 1000);
	}
	/* read even on success: it takes our records out of the FM log */
	taken = fm_take(f, TAGDAX_FM_EVENT_ADD_RESPONSE, h->id, tag, t0, &o);
	if (o.rejected)
		return -ECANCELED;
	if (taken < 0)
		return taken;
	return !ctx && o.accepted ? 0 : rc;
}

/* Is the tag still offered to the host, unanswered (5608h)?  Untagged
 * capacity cannot be looked up: with no answer seen, it is. */
static bool still_offered(struct fab *f, const struct fab_host *h,
			  const struct tagdax_tag *tag)
{
	struct tagdax_fm_tag *t;
	uint32_t n;
	bool offered = false;

	if (tagdax_tag_is_null(tag))
		return true;
	if (tagdax_fm_list_all_tags(f->fm, &t, &n))
		return false;
	for (uint32_t i = 0; i < n; i++)
		if (!memcmp(t[i].tag, tag->b, 16))
			offered = tagdax_fm_bitmap_has(t[i].pending, h->id);
	free(t);
	return offered;
}

/* The timeout struck with the offer unanswered: the host may still accept
 * it, so the caller must know the tag (printed already) and how to take
 * the offer back. */
static int report_pending(struct fab *f, const struct fab_host *h,
			  const struct tagdax_tag *tag)
{
	char text[TAGDAX_TAG_STRLEN];

	tagdax_tag_unparse(tag, text);
	fprintf(stderr, "tagdax: host %s has not answered the offer of %s yet (is its agent "
		"running?): it is still pending and the host may accept it later\n", h->name,
		text);
	if (!tagdax_tag_is_null(tag))
		fprintf(stderr, "tagdax: withdraw it with: tagdax fabric release --dir %s "
			"--host %s --tag %s --forced\n", f->dir, h->name, text);
	return EXIT_PENDING;
}

/* The request left, its answer did not come back: the fabric may have
 * taken it.  Not "refused" (that would say nothing changed): the caller
 * looks before it tries again. */
static void lost_answer(struct fab *f, const struct fab_host *h, const char *what,
			const char *tag, int rc)
{
	fprintf(stderr, "tagdax: no answer from the fabric to the %s (%s): it may have "
		"taken effect; 'tagdax fabric list --dir %s' shows where host %s stands with "
		"%s\n", what, strerror(-rc), f->dir, h->name, tag);
}

/* The FM API connection failed (not an answer the fabric gave). */
static bool lost_touch(int rc)
{
	return rc == -ETIMEDOUT || rc == -ECONNRESET || rc == -EPIPE || rc == -ECONNREFUSED ||
	       rc == -ENOTCONN || rc == -EIO;
}

/* After 5604h: waits until the host resolves the tag, or rejected it. */
static int wait_added(struct fab *f, const struct fab_host *h,
		      const struct tagdax_tag *tag, uint64_t t0, int timeout_ms)
{
	struct tagdax_ctx *ctx = tagdax_tag_is_null(tag) ? NULL : fab_host_ctx(f, h->name);
	int64_t deadline = fab_deadline(timeout_ms);
	int rc;

	if (!tagdax_tag_is_null(tag) && !ctx)
		return EXIT_SYSTEM;
	while ((rc = added_yet(f, h, ctx, tag, t0)) == -EAGAIN && fab_now_ms() < deadline)
		;
	tagdax_unref(ctx);
	if (rc == -ECANCELED) {
		print_reason(f, h->name, tag);
		return EXIT_NOTFOUND;
	}
	if (rc == -EAGAIN && still_offered(f, h, tag))
		return report_pending(f, h, tag);
	if (lost_touch(rc)) {
		char text[TAGDAX_TAG_STRLEN];

		/* the fabric took the add; only the host's answer is unknown */
		tagdax_tag_unparse(tag, text);
		fprintf(stderr, "tagdax: lost touch with the fabric while host %s answers (%s): "
			"the offer of %s stands or was accepted; 'tagdax fabric list --dir %s' "
			"shows which\n", h->name, strerror(-rc), text, f->dir);
		return EXIT_PENDING;
	}
	if (rc) {
		fprintf(stderr, "tagdax: host %s has not made the capacity resolvable: %s\n",
			h->name, rc == -EAGAIN ? "timed out (is its agent running?)" : strerror(-rc));
		return EXIT_NOTFOUND;
	}
	return EXIT_OK;
}

/* Fills the 5604h request of `add`; a tag is made up when none is given
 * (a host can only resolve tagged capacity).  An explicit null tag asks for
 * untagged capacity. */
static int add_request(struct cli *cli, struct fab *f, struct op *o, uint16_t host,
		       struct tagdax_fm_add *req, struct tagdax_tag *tag)
{
	static const char *const names[] = { "free", "contiguous", "prescriptive" };
	struct tagdax_fm_region *r = o->regions;
	unsigned int n, policy = o->next ? TAGDAX_FM_ADD_PRESCRIPTIVE : TAGDAX_FM_ADD_FREE;
	int rc;

	if (o->policy) {
		for (policy = 0; policy < 3 && strcmp(o->policy, names[policy]); policy++)
			;
		if (policy == 3)
			return usage_error(cli, "--policy is free, contiguous or prescriptive");
	}
	if ((policy == TAGDAX_FM_ADD_PRESCRIPTIVE) != (o->next > 0))
		return usage_error(cli, "--extent goes with --policy prescriptive, and it needs them");
	if (!o->size && !o->next)
		return usage_error(cli, "fabric add needs --size SIZE");
	memset(req, 0, sizeof(*req));
	if (o->size && !fab_parse_size("--size", o->size, &req->length))
		return EXIT_USAGE;
	if (o->size && o->next) {
		uint64_t sum = 0;

		for (unsigned int i = 0; i < o->next; i++)
			sum += o->ext[i].length;
		if (sum != req->length)
			return usage_error(cli, "--size %s is not what the extents add up to "
					   "(%llu bytes); give one or the other", o->size,
					   (unsigned long long)sum);
	}
	memset(tag, 0, sizeof(*tag));
	if (o->tag && !fab_parse_tag(o->tag, tag))
		return EXIT_USAGE;
	req->host = host;
	req->policy = (enum tagdax_fm_add_policy)policy;
	req->region = (uint8_t)(o->region < 0 ? 0 : o->region);
	req->ext = o->ext;
	req->count = o->next;
	if ((rc = fab_regions(f, r, &o->nregions)))
		return rc;
	n = o->nregions;
	if (o->next) {
		int reg = -1;

		for (unsigned int i = 0; i < n && reg < 0; i++)
			if (o->ext[0].dpa - r[i].base < r[i].length)
				reg = (int)i;
		req->region = (uint8_t)(reg < 0 ? 0xff : reg);
	}
	if (!o->tag)
		uuid_generate_random(tag->b);
	memcpy(req->tag, tag->b, 16);
	for (uint32_t i = 0; i < o->next; i++)
		memcpy(o->ext[i].tag, req->tag, 16);
	if (o->next)
		req->region = 0; /* reserved for prescriptive */
	return EXIT_OK;
}

/* The region that holds a tag's capacity, from any host's extent list. */
static int tag_region(struct fab *f, const struct tagdax_tag *tag)
{
	struct tagdax_fm_region r[8];
	unsigned int n;
	int region = -1;

	struct tagdax_fm_host_regions hr;

	if (tagdax_fm_get_host_dc_region_config(f->fm, fab_host_id(f, 0), 0, 8, &hr))
		return -1;
	memcpy(r, hr.region, sizeof(hr.region));
	n = hr.count;
	for (unsigned int i = 0; i < fab_nhosts(f) && region < 0; i++) {
		struct tagdax_fm_extent *x;
		uint32_t k;

		if (tagdax_fm_get_host_extents(f->fm, fab_host_id(f, i), &x, &k))
			continue;
		for (uint32_t j = 0; j < k && region < 0; j++)
			for (unsigned int q = 0; q < n && region < 0; q++)
				if (!memcmp(x[j].tag, tag->b, 16) && x[j].dpa - r[q].base < r[q].length)
					region = (int)q;
		free(x);
	}
	return region;
}

/* The fabric manager holds a reference on tag (5608h says so). */
static bool fm_pins(struct fab *f, const struct tagdax_tag *tag)
{
	struct tagdax_fm_tag *t;
	uint32_t n;
	bool pinned = false;

	if (tagdax_fm_list_all_tags(f->fm, &t, &n))
		return false;
	for (uint32_t i = 0; i < n && !pinned; i++)
		pinned = t[i].fm_ref && !memcmp(t[i].tag, tag->b, 16);
	free(t);
	return pinned;
}

/* Which of the device's checks a refused add most likely failed, from
 * what this side can see: a sentence more useful than the code alone. */
static void add_hint(struct fab *f, const struct op *o, const struct tagdax_fm_add *req, int rc)
{
	const struct tagdax_fm_region *r = &o->regions[req->region];
	struct tagdax_tag tag;

	memcpy(tag.b, req->tag, 16);
	if (rc != TAGDAX_FM_RC_INVALID_INPUT || req->policy == TAGDAX_FM_ADD_PRESCRIPTIVE)
		return;
	if (req->region >= o->nregions)
		fprintf(stderr, "tagdax: region %u does not exist (the device has %u)\n",
			req->region, o->nregions);
	else if (!req->length)
		fprintf(stderr, "tagdax: a size of zero asks for nothing\n");
	else if (req->length % r->block_size)
		fprintf(stderr, "tagdax: %s is not a multiple of region %u's block size (%llu bytes)\n",
			o->size, req->region, (unsigned long long)r->block_size);
	else if ((r->attr1 & TAGDAX_FM_ATTR1_SHARABLE) && tagdax_tag_is_null(&tag))
		fprintf(stderr, "tagdax: region %u is sharable, and sharable capacity must carry a "
			"tag\n", req->region);
	else if (!tagdax_tag_is_null(&tag) && tag_region(f, &tag) >= 0)
		fprintf(stderr, "tagdax: tag %s already names an allocation\n", o->tag);
	else if (!tagdax_tag_is_null(&tag) && fm_pins(f, &tag))
		fprintf(stderr, "tagdax: tag %s names capacity the fabric manager keeps "
			"('tagdax fabric share' gives it to a host, 'tagdax fabric unref' lets it "
			"go)\n", o->tag);
}

int fabric_add(struct cli *cli, int argc, char **argv)
{
	const struct fab_host *h = NULL;
	char text[TAGDAX_TAG_STRLEN];
	struct tagdax_tag tag;
	struct tagdax_fm_add req;
	struct op o;
	struct fab f;
	uint64_t t0;
	int rc = parse_op(cli, argc, argv, &o);

	if (rc || (rc = fab_attach(&f, o.dir, true, o.timeout_ms)))
		return rc;
	if (!(h = fab_host(&f, o.host)))
		rc = EXIT_USAGE;
	if (rc == 0)
		rc = add_request(cli, &f, &o, h->id, &req, &tag);
	if (rc == 0) {
		/* The tag first, before anything can happen to it: whatever the
		 * outcome, the caller knows what to look for or release. */
		tagdax_tag_unparse(&tag, text);
		puts(text);
		fflush(stdout);
		t0 = fab_now_ns();
		rc = tagdax_fm_initiate_dc_add(f.fm, &req);
		if (lost_touch(rc)) {
			lost_answer(&f, h, "add", text, rc);
			fprintf(stderr, "tagdax: 'tagdax fabric release --dir %s --host %s --tag %s "
				"--forced' takes it back\n", f.dir, h->name, text);
			rc = EXIT_PENDING;
		} else if (rc) {
			int code = fab_cci_error("the fabric refused the add", rc);

			add_hint(&f, &o, &req, rc);
			rc = code;
		} else {
			rc = wait_added(&f, h, &tag, t0, o.timeout_ms);
		}
	}
	fab_detach(&f);
	return rc;
}

/*
 * 5604h Enable Shared Access in the tag's region: --region, else the one a
 * host's extents show, else (capacity only the FM's reference keeps, which
 * no extent list shows) each sharable region in turn: a region that does
 * not hold the tag answers Invalid Input and changes nothing.
 */
static int share_request(struct fab *f, const struct op *o, const struct tagdax_tag *tag,
			 struct tagdax_fm_add *req)
{
	int region = o->region >= 0 ? o->region : tag_region(f, tag);
	int rc = TAGDAX_FM_RC_INVALID_INPUT;

	if (region >= 0) {
		req->region = (uint8_t)region;
		return tagdax_fm_initiate_dc_add(f->fm, req);
	}
	for (unsigned int r = 0; r < o->nregions && rc == TAGDAX_FM_RC_INVALID_INPUT; r++) {
		if (!(o->regions[r].attr1 & TAGDAX_FM_ATTR1_SHARABLE))
			continue;
		req->region = (uint8_t)r;
		rc = tagdax_fm_initiate_dc_add(f->fm, req);
	}
	return rc;
}

int fabric_share(struct cli *cli, int argc, char **argv)
{
	const struct fab_host *h = NULL;
	struct tagdax_fm_add req = { .policy = TAGDAX_FM_ADD_ENABLE_SHARED };
	struct tagdax_tag tag;
	struct op o;
	struct fab f;
	uint64_t t0;
	int rc = parse_op(cli, argc, argv, &o);

	if (rc == 0 && (!o.tag || o.size || o.next || o.policy))
		rc = usage_error(cli, "fabric share takes --tag UUID (and no size, policy or extents)");
	if (rc == 0 && !fab_parse_tag(o.tag, &tag))
		rc = EXIT_USAGE;
	if (rc || (rc = fab_attach(&f, o.dir, true, o.timeout_ms)))
		return rc;
	if (!(h = fab_host(&f, o.host)))
		rc = EXIT_USAGE;
	if (rc == 0 && o.region < 0)
		rc = fab_regions(&f, o.regions, &o.nregions);
	if (rc == 0) {
		req.host = h->id;
		memcpy(req.tag, tag.b, 16);
		t0 = fab_now_ns();
		rc = share_request(&f, &o, &tag, &req);
		if (lost_touch(rc)) {
			lost_answer(&f, h, "share", o.tag, rc);
			rc = EXIT_PENDING;
		} else if (rc) {
			int code = fab_cci_error("the fabric refused to share it", rc);

			if (rc == TAGDAX_FM_RC_INVALID_INPUT)
				fprintf(stderr, "tagdax: %s\n", o.region < 0 && tag_region(&f, &tag) < 0 ?
					"no capacity carries that tag (or the host has it already)" :
					"the host may already have it");
			rc = code;
		} else {
			rc = wait_added(&f, h, &tag, t0, o.timeout_ms);
		}
	}
	if (rc == 0)
		printf("%s now shares %s\n", h->name, o.tag);
	fab_detach(&f);
	return rc;
}

/* What a release takes: the tag's capacity, or (prescriptive) ranges. */
struct target {
	const struct tagdax_tag *tag;
	const struct tagdax_fm_extent *ext;
	uint32_t n;
};

static bool hits(const struct target *t, uint64_t dpa, uint64_t len, const uint8_t *tag)
{
	if (!t->n)
		return tag && !memcmp(tag, t->tag->b, 16);
	for (uint32_t i = 0; i < t->n; i++)
		if (dpa < t->ext[i].dpa + t->ext[i].length && t->ext[i].dpa < dpa + len)
			return true;
	return false;
}

/* Does the host's extent list (5603h) still hold some of the target?
 * *tag_left: does it hold anything with the tag at all? */
static int fm_holds(struct fab *f, uint16_t host, const struct target *t, bool *tag_left)
{
	struct tagdax_fm_extent *x;
	uint32_t n;
	int held = 0, rc = tagdax_fm_get_host_extents(f->fm, host, &x, &n);

	if (rc)
		return rc < 0 ? rc : -EIO;
	*tag_left = false;
	for (uint32_t i = 0; i < n; i++) {
		held |= hits(t, x[i].dpa, x[i].length, x[i].tag);
		*tag_left |= !memcmp(x[i].tag, t->tag->b, 16);
	}
	free(x);
	return held;
}

/* Has the host caught up with a release the device has done: no device
 * with the released capacity, and (a partial release) a device with what
 * is left? */
static bool host_done(struct tagdax_ctx *ctx, const struct target *t, bool tag_left)
{
	struct tagdax_dev *dev;
	uint64_t start, len;

	tagdax_rescan(ctx);
	if (tagdax_resolve(ctx, t->tag, &dev) == -ENOENT)
		return !tag_left;
	for (unsigned int i = 0; dev && i < tagdax_dev_get_extent_count(dev); i++)
		if (tagdax_dev_get_extent(dev, i, &start, &len) == 0 && hits(t, start, len, NULL))
			return false;
	return t->n && dev;
}

/* After 5605h: waits until neither the device (the host's extent list) nor
 * the host (its devices) has the released capacity any more.  A forced
 * release is done at the device at once; the wait is for the host. */
static int wait_released(struct fab *f, const struct fab_host *h,
			 const struct target *t, uint64_t t0, int timeout_ms)
{
	struct tagdax_ctx *ctx = fab_host_ctx(f, h->name);
	int64_t deadline = fab_deadline(timeout_ms);
	struct outcome o = { 0 };
	bool done = false, tag_left;
	int held = 1;

	while (ctx && (held = fm_holds(f, h->id, t, &tag_left)) >= 0 &&
	       !(done = !held && host_done(ctx, t, tag_left)) && fab_now_ms() < deadline)
		usleep(20 * 1000);
	tagdax_unref(ctx);
	fm_take(f, TAGDAX_FM_EVENT_CAPACITY_RELEASED, h->id, t->tag, t0, &o);
	if (!ctx)
		return EXIT_SYSTEM;
	if (held < 0)
		return fab_cci_error(tagdax_fm_opcode_name(TAGDAX_FM_OP_GET_DC_REGION_EXTENT_LISTS),
				     held);
	if (held) {
		fprintf(stderr, "tagdax: the release is pending: host %s still has the device "
			"mapped; it gives the capacity back once nothing maps it\n", h->name);
		return EXIT_NOTFOUND;
	}
	if (!done) {
		fprintf(stderr, "tagdax: host %s still shows the device (is its agent running?)\n",
			h->name);
		return EXIT_NOTFOUND;
	}
	return EXIT_OK;
}

int fabric_release(struct cli *cli, int argc, char **argv)
{
	const struct fab_host *h = NULL;
	struct tagdax_fm_release req = { 0 };
	struct tagdax_tag tag;
	struct target whole = { .tag = &tag }, what;
	bool offered = false;
	struct op o;
	struct fab f;
	uint64_t t0;
	int rc = parse_op(cli, argc, argv, &o);

	if (rc == 0 && (!o.tag || o.size || o.policy))
		rc = usage_error(cli, "fabric release takes --tag UUID (and no size or policy)");
	if (rc == 0 && !fab_parse_tag(o.tag, &tag))
		rc = EXIT_USAGE;
	if (rc || (rc = fab_attach(&f, o.dir, true, o.timeout_ms)))
		return rc;
	if (!(h = fab_host(&f, o.host)))
		rc = EXIT_USAGE;
	if (rc == 0) {
		req.host = h->id;
		req.policy = o.next ? TAGDAX_FM_RELEASE_PRESCRIPTIVE : TAGDAX_FM_RELEASE_TAG_BASED;
		req.forced = o.forced;
		req.sanitize = o.sanitize;
		memcpy(req.tag, tag.b, 16);
		for (uint32_t i = 0; i < o.next; i++)
			memcpy(o.ext[i].tag, tag.b, 16);
		req.ext = o.ext;
		req.count = o.next;
		what = (struct target){ .tag = &tag, .ext = o.ext, .n = o.next };
		offered = o.forced && !o.next && still_offered(&f, h, &tag);
		t0 = fab_now_ns();
		rc = tagdax_fm_initiate_dc_release(f.fm, &req);
		if (lost_touch(rc)) {
			lost_answer(&f, h, "release", o.tag, rc);
			rc = EXIT_SYSTEM;
		} else if (rc) {
			int code = fab_cci_error("the fabric refused the release", rc);

			bool any;

			if (rc == TAGDAX_FM_RC_INVALID_INPUT && fm_holds(&f, h->id, &whole, &any) == 0)
				fprintf(stderr, "tagdax: host %s holds no capacity with tag %s\n",
					h->name, o.tag);
			else if (rc == TAGDAX_FM_RC_INVALID_PADDR && !o.forced && still_offered(&f, h, &tag))
				fprintf(stderr, "tagdax: %s is offered to host %s, not accepted yet; "
					"--forced withdraws the offer\n", o.tag, h->name);
			rc = code;
		} else {
			rc = wait_released(&f, h, &what, t0, o.timeout_ms);
		}
	}
	if (rc == 0 && offered)
		printf("%s: the offer of %s is withdrawn (forced)\n", h->name, o.tag);
	else if (rc == 0)
		printf("%s released %s%s\n", h->name, o.tag, o.forced ? " (forced)" : "");
	fab_detach(&f);
	return rc;
}

/* ---- ref / unref: the FM's own reference on a tag (5606h / 5607h) ---- */

static int parse_ref(struct cli *cli, int argc, char **argv, const char **dir,
		     struct tagdax_tag *tag, int *timeout_ms)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "timeout", required_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	*dir = fab_env_dir();
	*timeout_ms = 30000;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'd')
			*dir = optarg;
		else if (opt == 'T' && parse_timeout(optarg, timeout_ms))
			continue;
		else if (opt == 'T')
			return usage_error(cli, "--timeout '%s' is not a number of seconds", optarg);
		else
			return usage_error(cli, "fabric %s: bad option", argv[0]);
	}
	if (!*dir || optind != argc - 1)
		return usage_error(cli, "fabric %s takes TAG --dir DIR [--timeout S]", argv[0]);
	if (!fab_parse_tag(argv[optind], tag))
		return EXIT_USAGE;
	if (tagdax_tag_is_null(tag))
		return usage_error(cli, "fabric %s: the null tag names no capacity", argv[0]);
	return EXIT_OK;
}

static int reference(struct cli *cli, int argc, char **argv, bool add)
{
	char text[TAGDAX_TAG_STRLEN];
	struct tagdax_tag tag;
	const char *dir;
	struct fab f;
	int timeout_ms, rc = parse_ref(cli, argc, argv, &dir, &tag, &timeout_ms);

	if (rc || (rc = fab_attach(&f, dir, true, timeout_ms)))
		return rc;
	tagdax_tag_unparse(&tag, text);
	rc = add ? tagdax_fm_add_reference(f.fm, tag.b) : tagdax_fm_remove_reference(f.fm, tag.b);
	if (lost_touch(rc)) {
		fprintf(stderr, "tagdax: no answer from the fabric to the %s (%s): it may have "
			"taken effect; 'tagdax fabric list --dir %s' shows whether the FM holds "
			"%s\n", add ? "reference" : "unreference", strerror(-rc), f.dir, text);
		rc = EXIT_SYSTEM;
	} else if (rc) {
		int code = fab_cci_error(add ? "the fabric refused the reference"
					     : "the fabric refused to drop the reference", rc);

		if (rc == TAGDAX_FM_RC_INVALID_INPUT)
			fprintf(stderr, "tagdax: %s\n", add ? "no sharable capacity carries that "
				"tag" : "the FM holds no reference on that tag");
		rc = code;
	} else if (add) {
		printf("the FM holds %s: its capacity stays while no host holds it\n", text);
	} else {
		printf("the FM let go of %s: its capacity is freed once no host holds it\n", text);
	}
	fab_detach(&f);
	return rc;
}

int fabric_ref(struct cli *cli, int argc, char **argv)
{
	return reference(cli, argc, argv, true);
}

int fabric_unref(struct cli *cli, int argc, char **argv)
{
	return reference(cli, argc, argv, false);
}
