// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The client's response decoders (fabric/client/fmclient*.c), facing a hostile
 * daemon: the input picks a command and the responses the "daemon" sends,
 * written in advance into the other end of a socket pair, which is then
 * shut for writing (a client that wants more sees the connection end).
 *
 *   u8 command (fuzz_cmds[]), then per response: u8 mode (bit 0: a raw
 *   12-byte header follows; else the header is made to match the request:
 *   response category, the request's tag and opcode), u8 return code,
 *   u16 payload length, the payload.
 *
 * Oracles: nothing decoded claims more than it holds; ASan and UBSan watch
 * every read of the payload.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cci-codec.h"
#include "fmclient.h"
#include "fuzz.h"

#define NCMDS 9
static const uint16_t cmd_opcode[NCMDS] = {
	CCI_GET_EVENT_RECORDS, CCI_CLEAR_EVENT_RECORDS, CCI_GET_DC_CONFIG,
	CCI_GET_DC_EXTENT_LIST, CCI_ADD_DC_RESPONSE, CCI_FM_GET_HOST_DC_REGION_CONFIG,
	CCI_FM_GET_DC_REGION_EXTENT_LISTS, CCI_FM_INITIATE_DC_ADD, CCI_FM_INITIATE_DC_RELEASE,
};

/* Writes the responses, as many as the socket buffer takes. */
static void respond(int fd, struct fuzz_in *in, uint16_t opcode)
{
	for (uint8_t tag = 1; in->off < in->len; tag++) {
		unsigned int mode = (unsigned int)fuzz_take(in, 1);
		uint16_t rc = (uint16_t)fuzz_take(in, 1);
		size_t want = (size_t)fuzz_take(in, 2), got, hgot;
		struct cci_msg h;
		const uint8_t *payload;

		cci_msg_init(&h, CCI_RESPONSE, tag, opcode, want, rc);
		if (mode & 1) {
			const uint8_t *raw = fuzz_take_bytes(in, sizeof(h), &hgot);

			memcpy(&h, raw, hgot);
		}
		payload = fuzz_take_bytes(in, want, &got);
		if (send(fd, &h, sizeof(h), MSG_DONTWAIT) != (ssize_t)sizeof(h) ||
		    (got && send(fd, payload, got, MSG_DONTWAIT) != (ssize_t)got))
			break; /* the socket buffer is full: the rest never arrives */
	}
	shutdown(fd, SHUT_WR);
}

static void check_extents(struct fmc_extent *x, uint32_t n, int rc)
{
	if (rc == 0 && n && !x)
		fuzz_fail("%u extents and no array", n);
	for (uint32_t i = 0; rc == 0 && i < n; i++)
		x[i].seq ^= 1; /* touch each: ASan checks the array holds n */
	free(x);
}

static void run(struct fmc *c, unsigned int cmd, struct fuzz_in *in)
{
	struct fmc_extent ext[600] = { { .dpa = 0 } }, *x = NULL;
	struct fmc_region regions[8];
	struct fmc_events ev;
	uint16_t handles[300] = { 0 };
	struct fmc_change ch = { .host = 1, .ext = ext, .count = 2 };
	unsigned int n = 0;
	uint32_t nx = 0;
	int rc;

	(void)in;
	switch (cmd) {
	case 0:
		rc = fmc_get_events(c, CCI_LOG_DC, &ev);
		for (unsigned int i = 0; rc == 0 && i < ev.count; i++)
			ev.ev[i].more ^= 1;
		fmc_events_free(&ev);
		break;
	case 1:
		rc = fmc_clear_events(c, CCI_LOG_DC, handles, 300, false); /* two messages */
		break;
	case 2:
	case 5:
		rc = cmd == 2 ? fmc_dc_config(c, regions, &n) : fmc_host_regions(c, 1, regions, &n);
		if (rc == 0 && n > 8)
			fuzz_fail("%u regions decoded into 8", n);
		break;
	case 3:
	case 6:
		rc = cmd == 3 ? fmc_dc_extents(c, &x, &nx) : fmc_host_extents(c, 1, &x, &nx);
		check_extents(x, nx, rc);
		break;
	case 4:
		rc = fmc_dc_respond(c, CCI_ADD_DC_RESPONSE, ext, 600); /* two messages */
		break;
	default:
		rc = fmc_dc_change(c, cmd_opcode[cmd], &ch);
		break;
	}
	fuzz_note("fmclient: %04xh: %d", cmd_opcode[cmd], rc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size, 0 };
	unsigned int cmd = (unsigned int)fuzz_take(&in, 1) % NCMDS;
	struct fmc c = { .next_tag = 1, .timeout_ms = 10000 };
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		fuzz_fail("socketpair");
	/* A dropped connection is reopened by path: one that is never there. */
	c.path = strdup("/nonexistent/tagdax-fuzz.sock");
	c.fd = sv[0];
	if (!c.path)
		abort();
	respond(sv[1], &in, cmd_opcode[cmd]);
	run(&c, cmd, &in);
	fmc_close(&c);
	close(sv[1]);
	return 0;
}
