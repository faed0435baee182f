/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The DCD model the fabric harnesses drive, and the encoding of a command
 * sequence that the dispatch harness reads and the seed generator writes:
 *
 *   per command: u8 port (0 = FM API, n = host n-1's mailbox, modulo the
 *   hosts + 1), u8 opcode index into fuzz_opcodes[] (FUZZ_NOPS and above:
 *   a raw u16 opcode follows), u16 payload length, the payload.
 */
#ifndef TAGDAX_TEST_FUZZ_DCD_H
#define TAGDAX_TEST_FUZZ_DCD_H

#include <stddef.h>
#include <stdint.h>

#include "dcd.h"

#define FUZZ_NOPS 15
extern const uint16_t fuzz_opcodes[FUZZ_NOPS];

/* Small limits, so that fuzzing reaches full logs and exhausted extents,
 * tags and regions within a few commands. */
extern const char fuzz_dcd_config[];

/* A fresh model of fuzz_dcd_config; aborts if it cannot. */
struct dcd *fuzz_dcd_new(void);

/* Appends one command to buf at *len (the caller sized buf). */
void fuzz_cmd_put(uint8_t *buf, size_t *len, uint8_t port, uint8_t op_index,
		  const void *payload, uint16_t payload_len);

#endif
