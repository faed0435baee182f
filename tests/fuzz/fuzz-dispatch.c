// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Every opcode's request decoder, daemon side: a sequence of CCI requests
 * (fuzz-dcd.h) is dispatched to one in-memory DCD model, on the FM API port
 * and the hosts' mailboxes, as fabricd does.  Oracles, after each command:
 * a rejected command (or one that says it changed nothing) left the state
 * image byte for byte as it was; the model's invariants hold (dcd_check);
 * the response fits its buffer.  The replay run also proves that the seeds
 * reach every opcode and that each succeeds at least once.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fabricd.h"
#include "fuzz-dcd.h"
#include "fuzz.h"

static unsigned long reached[FUZZ_NOPS], succeeded[FUZZ_NOPS];

static uint8_t *image(const struct dcd *d, size_t *len)
{
	uint8_t *buf;

	if (dcd_serialize(d, &buf, len))
		fuzz_fail("dcd_serialize");
	return buf;
}

static void run_one(struct dcd *d, int port, uint16_t op, const uint8_t *in, size_t inlen,
		    uint8_t *out)
{
	size_t before_len, after_len, outlen;
	uint8_t *before = image(d, &before_len), *after;
	char err[256];
	bool changed;
	int rc = dcd_dispatch(d, port, op, in, inlen, out, FABRICD_MAX_RESPONSE, &outlen, &changed);

	for (unsigned int i = 0; i < FUZZ_NOPS; i++)
		if (fuzz_opcodes[i] == op) {
			reached[i]++;
			succeeded[i] += rc == CCI_RC_SUCCESS;
		}
	if (outlen > FABRICD_MAX_RESPONSE || (rc != CCI_RC_SUCCESS && (outlen || changed)))
		fuzz_fail("%04xh: rc %d with %zu response bytes, changed %d", op, rc, outlen,
			  changed);
	if (dcd_check(d, err, sizeof(err)))
		fuzz_fail("%04xh (rc %d) broke an invariant: %s", op, rc, err);
	after = image(d, &after_len);
	if (!changed && (before_len != after_len || memcmp(before, after, before_len)))
		fuzz_fail("%04xh (rc %d) changed the state without saying so", op, rc);
	dcd_sanitize_run(d, &(uint32_t){ 0 });
	free(before);
	free(after);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *out;
	struct fuzz_in in = { data, size, 0 };
	struct dcd *d = fuzz_dcd_new();

	if (!out && !(out = malloc(FABRICD_MAX_RESPONSE)))
		abort();
	while (in.off < in.len) {
		unsigned int sel = (unsigned int)fuzz_take(&in, 1) % (d->nhosts + 1);
		unsigned int idx = (unsigned int)fuzz_take(&in, 1);
		uint16_t op = idx < FUZZ_NOPS ? fuzz_opcodes[idx] : (uint16_t)fuzz_take(&in, 2);
		size_t want = (size_t)fuzz_take(&in, 2), got;
		const uint8_t *payload = fuzz_take_bytes(&in, want, &got);

		run_one(d, sel == 0 ? DCD_PORT_FM : (int)sel - 1, op, payload, got, out);
	}
	dcd_free(d);
	return 0;
}

int fuzz_replay_done(void)
{
	int missing = 0;

	for (unsigned int i = 0; i < FUZZ_NOPS; i++) {
		printf("opcode %04xh: dispatched %lu, succeeded %lu\n", fuzz_opcodes[i], reached[i],
		       succeeded[i]);
		missing += !succeeded[i];
	}
	if (missing)
		printf("%d opcodes never succeeded: the seeds do not reach their decoders\n",
		       missing);
	return missing;
}
