// SPDX-License-Identifier: GPL-2.0-or-later
/* Helpers for the fabric tests (see fabric-test.h). */
#include <endian.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fabric-test.h"

const char fabric_test_config[] =
	"{ \"hosts\": [ { \"id\": 10, \"name\": \"A\" }, { \"id\": 11, \"name\": \"B\" },"
	"             { \"id\": 12, \"name\": \"C\" } ],"
	"  \"regions\": ["
	"    { \"base\": \"0\", \"length\": \"256M\", \"block_size\": \"2M\", \"sharable\": true },"
	"    { \"base\": \"256M\", \"length\": \"256M\", \"block_size\": \"2M\","
	"      \"sanitize_on_release\": true } ],"
	"  \"event_log_size\": 16, \"fm_event_log_size\": 64, \"max_extents\": 64,"
	"  \"max_tags\": 8 }";

unsigned int t_seed(const char *what)
{
	const char *env = getenv("TAGDAX_TEST_SEED");
	unsigned long v;
	char *end;

	if (env && *env) {
		errno = 0;
		v = strtoul(env, &end, 10);
		if (*env < '0' || *env > '9' || *end || errno || v > UINT_MAX)
			fail_msg("TAGDAX_TEST_SEED='%s' is not a number (0..%u)", env, UINT_MAX);
	} else {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		v = (unsigned int)ts.tv_sec ^ (unsigned int)ts.tv_nsec ^ ((unsigned int)getpid() << 16);
	}
	/* stderr: unbuffered, so the seed is there even if the test dies */
	fprintf(stderr, "%s: seed=%lu (replay with TAGDAX_TEST_SEED=%lu)\n", what, v, v);
	return (unsigned int)v;
}

uint8_t t_out[2u << 20];
size_t t_outlen;

struct dcd *t_dcd_json(const char *json)
{
	struct fabric_config cfg;
	char err[256];
	struct dcd *d;

	if (fabric_config_parse(json, &cfg, err, sizeof(err)) < 0)
		fail_msg("test config: %s", err);
	d = dcd_new(&cfg);
	assert_non_null(d);
	return d;
}

struct dcd *t_dcd(void)
{
	return t_dcd_json(fabric_test_config);
}

void t_free(struct dcd *d)
{
	t_check(d);
	dcd_free(d);
}

int t_call(struct dcd *d, int port, uint16_t op, const void *in, size_t len)
{
	bool changed;
	int rc = dcd_dispatch(d, port, op, in, len, t_out, sizeof(t_out), &t_outlen, &changed);
	uint32_t failed;

	dcd_sanitize_run(d, &failed); /* as the daemon does once the state is saved */
	return rc;
}

struct t_snap t_snap(const struct dcd *d)
{
	struct t_snap s;

	assert_int_equal(dcd_serialize(d, &s.buf, &s.len), 0);
	return s;
}

void t_same(const struct dcd *d, struct t_snap s)
{
	struct t_snap now = t_snap(d);

	assert_int_equal(now.len, s.len);
	assert_memory_equal(now.buf, s.buf, s.len);
	free(now.buf);
	free(s.buf);
}

void t_check(const struct dcd *d)
{
	char err[256];

	if (dcd_check(d, err, sizeof(err)))
		fail_msg("invariant broken: %s", err);
}

void t_expect(struct dcd *d, int port, uint16_t op, const void *in, size_t len, int rc)
{
	struct t_snap s = t_snap(d);
	int got = t_call(d, port, op, in, len);

	if (got != rc)
		fail_msg("%04xh: got %s (%#x), expected %s (%#x)", op, cci_retcode_name(got), got,
			 cci_retcode_name(rc), rc);
	if (rc != CCI_RC_SUCCESS)
		t_same(d, s);
	else
		free(s.buf);
	t_check(d);
}

const uint8_t *t_tag(uint8_t b)
{
	static uint8_t tags[256][16];

	memset(tags[b], b, 16);
	return tags[b];
}

size_t t_add_req(uint8_t *buf, uint16_t host, uint8_t policy, uint8_t region, uint64_t len,
		 const uint8_t *tag)
{
	struct cci_fm_dc_change_req r = { 0 };

	r.host_id = htole16(host);
	r.flags = policy;
	r.region = region;
	r.length = htole64(len);
	if (tag)
		memcpy(r.tag, tag, 16);
	memcpy(buf, &r, sizeof(r));
	return sizeof(r);
}

size_t t_list_req(uint8_t *buf, uint16_t host, uint8_t flags, const uint64_t *dpa_len, uint32_t n,
		  const uint8_t *tag)
{
	struct cci_fm_dc_change_req r = { 0 };

	r.host_id = htole16(host);
	r.flags = flags;
	r.extent_count = htole32(n);
	memcpy(buf, &r, sizeof(r));
	for (uint32_t i = 0; i < n; i++) {
		struct cci_dc_extent x = { 0 };

		x.start_dpa = htole64(dpa_len[2 * i]);
		x.length = htole64(dpa_len[2 * i + 1]);
		if (tag)
			memcpy(x.tag, tag, 16);
		memcpy(buf + sizeof(r) + i * sizeof(x), &x, sizeof(x));
	}
	return sizeof(r) + n * sizeof(struct cci_dc_extent);
}

size_t t_release_req(uint8_t *buf, uint16_t host, uint8_t flags, uint64_t len, const uint8_t *tag)
{
	return t_add_req(buf, host, flags, 0, len, tag);
}

size_t t_resp_req(uint8_t *buf, const uint64_t *dpa_len, uint32_t n, bool more)
{
	struct cci_dc_response r = { 0 };

	r.count = htole32(n);
	r.flags = more ? CCI_DC_RESPONSE_MORE : 0;
	memcpy(buf, &r, sizeof(r));
	for (uint32_t i = 0; i < n; i++) {
		struct cci_updated_extent u = { 0 };

		u.start_dpa = htole64(dpa_len[2 * i]);
		u.length = htole64(dpa_len[2 * i + 1]);
		memcpy(buf + sizeof(r) + i * sizeof(u), &u, sizeof(u));
	}
	return sizeof(r) + n * sizeof(struct cci_updated_extent);
}

static void answer_group(struct dcd *d, int host, bool all)
{
	static uint8_t buf[65536];
	static uint64_t r[2 * 1024];
	struct dcd_group *g;
	size_t len;

	assert_true(d->host[host].npending > 0);
	g = &d->host[host].pending[0];
	for (uint32_t i = 0; all && i < g->n; i++) {
		r[2 * i] = g->x[i].dpa;
		r[2 * i + 1] = g->x[i].len;
	}
	len = t_resp_req(buf, r, all ? g->n : 0, false);
	t_expect(d, host, CCI_ADD_DC_RESPONSE, buf, len, CCI_RC_SUCCESS);
}

void t_accept_all(struct dcd *d, int host)
{
	answer_group(d, host, true);
}

void t_accept_none(struct dcd *d, int host)
{
	answer_group(d, host, false);
}

void t_add_accept(struct dcd *d, int host, uint8_t region, uint64_t len, const uint8_t *tag)
{
	uint8_t buf[64];
	size_t n = t_add_req(buf, d->host[host].id, CCI_ADD_FREE, region, len, tag);

	t_expect(d, DCD_PORT_FM, CCI_FM_INITIATE_DC_ADD, buf, n, CCI_RC_SUCCESS);
	t_accept_all(d, host);
}

void t_host_release_tag(struct dcd *d, int host, const uint8_t *tag)
{
	static uint8_t buf[65536];
	static uint64_t r[2 * 1024];
	struct dcd_host *h = &d->host[host];
	uint32_t n = 0;

	for (uint32_t i = 0; i < h->nlist; i++)
		if (!memcmp(h->list[i].tag, tag, 16)) {
			r[2 * n] = h->list[i].dpa;
			r[2 * n + 1] = h->list[i].len;
			n++;
		}
	assert_true(n > 0);
	t_expect(d, host, CCI_RELEASE_DC, buf, t_resp_req(buf, r, n, false), CCI_RC_SUCCESS);
}

unsigned int t_events(struct dcd *d, int port, struct cci_dc_event *rec, unsigned int max)
{
	uint8_t log = CCI_LOG_DC;
	struct cci_get_events_rsp h;
	unsigned int n;

	assert_int_equal(t_call(d, port, CCI_GET_EVENT_RECORDS, &log, 1), CCI_RC_SUCCESS);
	memcpy(&h, t_out, sizeof(h));
	n = le16toh(h.record_count);
	assert_int_equal(t_outlen, sizeof(h) + n * sizeof(struct cci_dc_event));
	for (unsigned int i = 0; i < n && i < max; i++)
		memcpy(&rec[i], t_out + sizeof(h) + i * sizeof(*rec), sizeof(*rec));
	return n;
}

void t_clear_events(struct dcd *d, int port)
{
	struct cci_dc_event rec[256];
	uint8_t buf[6 + 2 * 256];
	unsigned int n = t_events(d, port, rec, 256);

	buf[0] = CCI_LOG_DC;
	buf[1] = 0;
	buf[2] = (uint8_t)n;
	memset(buf + 3, 0, 3);
	for (unsigned int i = 0; i < n; i++)
		memcpy(buf + 6 + 2 * i, &rec[i].hdr.handle, 2);
	assert_int_equal(t_call(d, port, CCI_CLEAR_EVENT_RECORDS, buf, 6 + 2 * n), CCI_RC_SUCCESS);
}
