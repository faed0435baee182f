// SPDX-License-Identifier: GPL-2.0-or-later
/* The DCD model for the fabric harnesses (fuzz-dcd.h). */
#include <string.h>

#include "fuzz-dcd.h"
#include "fuzz.h"

const uint16_t fuzz_opcodes[FUZZ_NOPS] = {
	CCI_GET_EVENT_RECORDS, CCI_CLEAR_EVENT_RECORDS,
	CCI_GET_DC_CONFIG, CCI_GET_DC_EXTENT_LIST, CCI_ADD_DC_RESPONSE, CCI_RELEASE_DC,
	CCI_FM_GET_DCD_INFO, CCI_FM_GET_HOST_DC_REGION_CONFIG, CCI_FM_SET_DC_REGION_CONFIG,
	CCI_FM_GET_DC_REGION_EXTENT_LISTS, CCI_FM_INITIATE_DC_ADD, CCI_FM_INITIATE_DC_RELEASE,
	CCI_FM_ADD_REFERENCE, CCI_FM_REMOVE_REFERENCE, CCI_FM_LIST_TAGS,
};

const char fuzz_dcd_config[] =
	"{ \"hosts\": [ { \"id\": 0, \"name\": \"A\" }, { \"id\": 1, \"name\": \"B\" },"
	"             { \"id\": 7, \"name\": \"C\" } ],"
	"  \"regions\": ["
	"    { \"base\": \"0\", \"length\": \"64M\", \"block_size\": \"2M\", \"sharable\": true },"
	"    { \"base\": \"256M\", \"length\": \"64M\", \"block_size\": \"4M\","
	"      \"sanitize_on_release\": true } ],"
	"  \"backing\": { \"type\": \"dir\" },"
	"  \"event_log_size\": 8, \"fm_event_log_size\": 16,"
	"  \"max_extents\": 16, \"max_tags\": 4 }";

struct dcd *fuzz_dcd_new(void)
{
	static struct fabric_config cfg;
	static int parsed;
	char err[256];
	struct dcd *d;

	if (!parsed++ && fabric_config_parse(fuzz_dcd_config, &cfg, err, sizeof(err)))
		fuzz_fail("the harness configuration: %s", err);
	d = dcd_new(&cfg);
	if (!d)
		fuzz_fail("dcd_new");
	return d;
}

void fuzz_cmd_put(uint8_t *buf, size_t *len, uint8_t port, uint8_t op_index,
		  const void *payload, uint16_t payload_len)
{
	buf[(*len)++] = port;
	buf[(*len)++] = op_index;
	buf[(*len)++] = (uint8_t)payload_len;
	buf[(*len)++] = (uint8_t)(payload_len >> 8);
	memcpy(buf + *len, payload, payload_len);
	*len += payload_len;
}
