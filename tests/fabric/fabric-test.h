/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers for the fabric tests: a DCD model built from a small test
 * configuration, request builders for every command, and the check that a
 * rejected command left the state byte-for-byte as it was (the serialized
 * state image before and after are compared with memcmp).
 */
#ifndef TAGDAX_TESTS_FABRIC_TEST_H
#define TAGDAX_TESTS_FABRIC_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "cci-codec.h"
#include "dcd.h"

#define MiB (1ull << 20)
#define R0 0ull              /* region 0: sharable, 256 MiB, 2 MiB blocks */
#define R1 (256 * MiB)       /* region 1: private, sanitize on release */
#define BS (2 * MiB)

/* Hosts A (id 10), B (id 11), C (id 12); event logs of 16 records. */
extern const char fabric_test_config[];

struct dcd *t_dcd(void);
struct dcd *t_dcd_json(const char *json);
void t_free(struct dcd *d);

/* Last response of t_call. */
extern uint8_t t_out[];
extern size_t t_outlen;

int t_call(struct dcd *d, int port, uint16_t op, const void *in, size_t len);

/* Image of the whole state; t_same() compares with a saved image. */
struct t_snap {
	uint8_t *buf;
	size_t len;
};
struct t_snap t_snap(const struct dcd *d);
void t_same(const struct dcd *d, struct t_snap s);
void t_check(const struct dcd *d); /* dcd_check() passes */

/* Call and require rc, and (for rc != Success) an unchanged state. */
void t_expect(struct dcd *d, int port, uint16_t op, const void *in, size_t len, int rc);

/* A 16-byte tag whose bytes are all b (0 gives the null tag). */
const uint8_t *t_tag(uint8_t b);

/* ---- request builders: each returns the payload length in buf ---- */
size_t t_add_req(uint8_t *buf, uint16_t host, uint8_t policy, uint8_t region, uint64_t len,
		 const uint8_t *tag);
/* Prescriptive add/release: n extents (dpa, len) with one tag. */
size_t t_list_req(uint8_t *buf, uint16_t host, uint8_t flags, const uint64_t *dpa_len, uint32_t n,
		  const uint8_t *tag);
size_t t_release_req(uint8_t *buf, uint16_t host, uint8_t flags, uint64_t len, const uint8_t *tag);
/* 4802h/4803h: n ranges (dpa, len pairs). */
size_t t_resp_req(uint8_t *buf, const uint64_t *dpa_len, uint32_t n, bool more);

/* Add and have the host accept all of it: the host's list grows. */
void t_add_accept(struct dcd *d, int host, uint8_t region, uint64_t len, const uint8_t *tag);
/* Answer the host's oldest pending group by accepting all / nothing. */
void t_accept_all(struct dcd *d, int host);
void t_accept_none(struct dcd *d, int host);
/* Release everything with tag from host via 4803h. */
void t_host_release_tag(struct dcd *d, int host, const uint8_t *tag);

/* The seed of a test that uses rand(): TAGDAX_TEST_SEED from the
 * environment, else one picked now; printed as "seed=N" (with what uses
 * it) so a failure can be replayed with TAGDAX_TEST_SEED=N. */
unsigned int t_seed(const char *what);

/* Read a host's (or the FM's, port -1) DC log: record count and records. */
unsigned int t_events(struct dcd *d, int port, struct cci_dc_event *rec, unsigned int max);
/* Clear every record of a port's DC log. */
void t_clear_events(struct dcd *d, int port);

#endif /* TAGDAX_TESTS_FABRIC_TEST_H */
