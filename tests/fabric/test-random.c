// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Randomized commands against the DCD model, valid and not: after every
 * one, the bookkeeping invariants hold (dcd_check), and a command that
 * failed left the state image byte-for-byte unchanged.  The state image
 * also survives a round trip through dcd_deserialize.
 */
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "fabric-test.h"

#define FM DCD_PORT_FM

static uint8_t buf[1 << 16];
static unsigned int ok[16], tried[16];

static uint16_t pick_host_id(const struct dcd *d)
{
	/* Mostly real hosts, sometimes one that does not exist. */
	if (rand() % 10 == 0)
		return (uint16_t)(rand() % 20);
	return d->host[rand() % d->nhosts].id;
}

static const uint8_t *pick_tag(void)
{
	int t = rand() % 7;

	return t ? t_tag((uint8_t)t) : NULL;
}

static uint64_t pick_len(void)
{
	switch (rand() % 6) {
	case 0: return (uint64_t)(rand() % 8) * MiB; /* often misaligned */
	case 1: return 0;
	default: return (uint64_t)(1 + rand() % 6) * BS;
	}
}

static uint64_t pick_dpa(void)
{
	if (rand() % 8 == 0)
		return (uint64_t)rand() * 4096 % (600 * MiB);
	return (uint64_t)(rand() % 40) * BS + (rand() % 2 ? R1 : 0);
}

/* Ranges taken from what a host holds or was offered, cut at random. */
static uint32_t pick_ranges(const struct dcd_extent *x, uint32_t n, uint64_t *r)
{
	uint32_t k = 0;

	for (uint32_t i = 0; i < n && k < 16; i++) {
		if (rand() % 3 == 0)
			continue;
		r[2 * k] = x[i].dpa;
		r[2 * k + 1] = x[i].len;
		if (rand() % 4 == 0 && x[i].len > BS) /* a part of it */
			r[2 * k + 1] = BS * (uint64_t)(1 + rand() % (int)(x[i].len / BS - 1));
		if (rand() % 20 == 0) /* or something else entirely */
			r[2 * k] = pick_dpa(), r[2 * k + 1] = pick_len();
		k++;
	}
	return k;
}

/* Sometimes cut a range into two adjacent pieces: a host may accept or
 * release an extent in pieces that touch. */
static uint32_t split_adjacent(uint64_t *r, uint32_t n)
{
	for (uint32_t i = 0; i < n && n < 31; i++) {
		uint64_t len = r[2 * i + 1];
		uint64_t cut = len > BS && len % BS == 0 ? BS * (uint64_t)(1 + rand() % (int)(len / BS - 1)) : 0;

		if (!cut || rand() % 3)
			continue;
		r[2 * n] = r[2 * i] + cut;
		r[2 * n + 1] = len - cut;
		r[2 * i + 1] = cut;
		n++;
	}
	return n;
}

/* Every state the model reaches, once saved, loads again as it was. */
static void check_reloads(const struct dcd *d)
{
	struct t_snap s = t_snap(d);
	struct dcd *e = t_dcd();
	char err[256];

	if (dcd_deserialize(e, s.buf, s.len, err, sizeof(err)))
		fail_msg("a saved state does not load: %s", err);
	t_same(e, s);
	t_free(e);
}

static int step(struct dcd *d)
{
	struct dcd_host *h = &d->host[rand() % d->nhosts];
	int port = (int)(h - d->host), action = rand() % 12;
	uint64_t r[64];
	uint32_t n;
	size_t len;
	int rc;

	tried[action]++;
	switch (action) {
	case 0: case 1: /* add, free/contiguous/reserved policies */
		len = t_add_req(buf, pick_host_id(d), (uint8_t)(rand() % 5), (uint8_t)(rand() % 3),
				pick_len(), pick_tag());
		rc = t_call(d, FM, CCI_FM_INITIATE_DC_ADD, buf, len);
		break;
	case 2: /* prescriptive add */
		n = 1 + (uint32_t)(rand() % 3);
		for (uint32_t i = 0; i < n; i++)
			r[2 * i] = pick_dpa(), r[2 * i + 1] = pick_len();
		len = t_list_req(buf, pick_host_id(d), CCI_ADD_PRESCRIPTIVE, r, n, pick_tag());
		rc = t_call(d, FM, CCI_FM_INITIATE_DC_ADD, buf, len);
		break;
	case 3: /* enable shared access */
		len = t_add_req(buf, pick_host_id(d), CCI_ADD_ENABLE_SHARED, (uint8_t)(rand() % 3), 0,
				pick_tag());
		rc = t_call(d, FM, CCI_FM_INITIATE_DC_ADD, buf, len);
		break;
	case 4: case 5: /* the host answers its oldest add */
		n = 0;
		if (h->npending && rand() % 4)
			n = rand() % 3 ? h->pending[0].n : pick_ranges(h->pending[0].x,
								      h->pending[0].n, r);
		if (h->npending && n == h->pending[0].n)
			for (uint32_t i = 0; i < n; i++)
				r[2 * i] = h->pending[0].x[i].dpa, r[2 * i + 1] = h->pending[0].x[i].len;
		n = split_adjacent(r, n);
		len = t_resp_req(buf, r, n, rand() % 6 == 0);
		rc = t_call(d, port, CCI_ADD_DC_RESPONSE, buf, len);
		break;
	case 6: /* the host releases */
		n = split_adjacent(r, pick_ranges(h->list, h->nlist, r));
		len = t_resp_req(buf, r, n, rand() % 6 == 0);
		rc = t_call(d, port, CCI_RELEASE_DC, buf, len);
		break;
	case 7: /* the FM releases */
		if (rand() % 2) {
			len = t_release_req(buf, pick_host_id(d),
					    (uint8_t)((rand() % 3) | (rand() % 2 ? CCI_RELEASE_FORCED : 0) |
						      (rand() % 4 ? 0 : CCI_RELEASE_SANITIZE)),
					    rand() % 3 ? 0 : pick_len(), pick_tag());
		} else {
			n = pick_ranges(h->list, h->nlist, r);
			len = t_list_req(buf, h->id,
					 (uint8_t)(CCI_RELEASE_PRESCRIPTIVE |
						   (rand() % 2 ? CCI_RELEASE_FORCED : 0)),
					 r, n, NULL);
		}
		rc = t_call(d, FM, CCI_FM_INITIATE_DC_RELEASE, buf, len);
		break;
	case 8: /* logs get read and cleared */
		t_clear_events(d, rand() % 4 ? port : FM);
		rc = CCI_RC_SUCCESS;
		break;
	case 9: /* region reconfiguration */
		buf[0] = (uint8_t)(rand() % 3);
		memset(buf + 1, 0, 15);
		buf[4 + 2 + rand() % 2] = 0x20; /* 2 MiB, or 512 MiB: too big */
		buf[12] = (uint8_t)(rand() % 2);
		rc = t_call(d, FM, CCI_FM_SET_DC_REGION_CONFIG, buf, 16);
		break;
	case 10: { /* the FM takes or drops a tag reference */
		const uint8_t *tag = pick_tag();

		memcpy(buf, tag ? tag : t_tag(0), 16);
		rc = t_call(d, FM, rand() % 2 ? CCI_FM_ADD_REFERENCE : CCI_FM_REMOVE_REFERENCE, buf,
			    16);
		break;
	}
	default: { /* noise: a known opcode with random bytes */
		static const uint16_t ops[] = { 0x0100, 0x0101, 0x4800, 0x4801, 0x4802,
						0x4803, 0x5600, 0x5601, 0x5602, 0x5603,
						0x5604, 0x5605, 0x5606, 0x5607, 0x5608 };
		uint16_t op = ops[rand() % (sizeof(ops) / sizeof(ops[0]))];

		len = (size_t)(rand() % 120);
		for (size_t i = 0; i < len; i++)
			buf[i] = (uint8_t)(rand() % 4 ? rand() % 3 : rand());
		rc = t_call(d, op >= 0x5600 ? FM : port, op, buf, len);
		break;
	}
	}
	if (rc == CCI_RC_SUCCESS)
		ok[action]++;
	return rc;
}

static void run(unsigned int seed, int steps)
{
	struct dcd *d = t_dcd();

	srand(seed);
	for (int i = 0; i < steps; i++) {
		struct t_snap before = t_snap(d);
		int rc = step(d);

		if (rc != CCI_RC_SUCCESS)
			t_same(d, before);
		else
			free(before.buf);
		t_check(d);
		check_reloads(d);
	}
	/* The image round-trips exactly. */
	{
		struct t_snap s = t_snap(d);
		struct dcd *e = t_dcd();
		char err[256];

		if (dcd_deserialize(e, s.buf, s.len, err, sizeof(err)))
			fail_msg("deserialize: %s", err);
		t_same(e, s);
		t_free(e);
	}
	t_free(d);
}

static void test_random(void **state)
{
	unsigned int seed = t_seed("test_random");

	(void)state;
	/* six runs from fresh models; each is replayed by the same seed */
	for (unsigned int k = 0; k < 6; k++)
		run(seed + k, 20000);
	/* Every kind of command succeeded now and then. */
	for (int a = 0; a < 12; a++) {
		print_message("action %d: %u of %u succeeded\n", a, ok[a], tried[a]);
		assert_true(ok[a] > 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
