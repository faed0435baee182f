// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libtagdax-fm's own decoders (fabric/client/fm.c: 5600h, 5601h with its
 * limits, one page of 5603h and 5608h, 5606h/5607h) facing a hostile
 * daemon, the way fuzz-fmclient.c drives the shared CCI client: the input
 * picks a command, then the responses, written in advance into a socket
 * pair shut for writing.
 *
 *   u8 command, then per response: u8 mode (bit 0: a raw 12-byte header
 *   follows; else it matches the request), u8 return code, u16 payload
 *   length, the payload.
 *
 * Oracles: no page claims more entries than the caller's array holds, a
 * success has every field in range; ASan and UBSan watch every read.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cci-codec.h"
#include "fm-private.h"
#include "fuzz.h"

#define NCMDS 7
static const uint16_t cmd_opcode[NCMDS] = {
	CCI_FM_GET_DCD_INFO, CCI_FM_GET_HOST_DC_REGION_CONFIG, CCI_FM_SET_DC_REGION_CONFIG,
	CCI_FM_GET_DC_REGION_EXTENT_LISTS, CCI_FM_ADD_REFERENCE, CCI_FM_REMOVE_REFERENCE,
	CCI_FM_LIST_TAGS,
};

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
			break;
	}
	shutdown(fd, SHUT_WR);
}

static void run(struct tagdax_fm *fm, unsigned int cmd)
{
	static const uint8_t tag[16] = { 1 };
	struct tagdax_fm_extent ext[4];
	struct tagdax_fm_tag tags[3];
	struct tagdax_fm_dcd_info info;
	struct tagdax_fm_host_regions hr;
	struct tagdax_fm_extent_page ep;
	struct tagdax_fm_tags_page tp;
	int rc;

	switch (cmd) {
	case 0:
		rc = tagdax_fm_get_dcd_info(fm, &info);
		break;
	case 1:
		rc = tagdax_fm_get_host_dc_region_config(fm, 1, 0, 3, &hr);
		if (rc == 0 && (hr.count > 3 || hr.host_id != 1))
			fuzz_fail("%u regions for 3 asked, host %u", hr.count, hr.host_id);
		break;
	case 2:
		rc = tagdax_fm_set_dc_region_config(fm, 0, 2u << 20, true);
		break;
	case 3:
		rc = tagdax_fm_get_dc_region_extent_lists(fm, 1, 5, 4, ext, &ep);
		if (rc == 0 && (ep.returned > 4 || ep.start != 5 || ep.host_id != 1))
			fuzz_fail("a page of %u extents for 4", ep.returned);
		for (uint32_t i = 0; rc == 0 && i < ep.returned; i++)
			ext[i].shared_seq ^= 1;
		break;
	case 4:
	case 5:
		rc = cmd == 4 ? tagdax_fm_add_reference(fm, tag) : tagdax_fm_remove_reference(fm, tag);
		break;
	default:
		rc = tagdax_fm_list_tags(fm, 0, 3, tags, &tp);
		if (rc == 0 && tp.returned > 3)
			fuzz_fail("a page of %u tags for 3", tp.returned);
		break;
	}
	fuzz_note("fm: %04xh: %d", cmd_opcode[cmd], rc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size, 0 };
	unsigned int cmd = (unsigned int)fuzz_take(&in, 1) % NCMDS;
	struct tagdax_fm fm = { .c = { .next_tag = 1, .timeout_ms = 10000 } };
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		fuzz_fail("socketpair");
	fm.c.path = strdup("/nonexistent/tagdax-fuzz.sock");
	fm.c.fd = sv[0];
	if (!fm.c.path)
		abort();
	respond(sv[1], &in, cmd_opcode[cmd]);
	run(&fm, cmd);
	fmc_close(&fm.c);
	close(sv[1]);
	return 0;
}
