// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The command table: which opcodes each port serves, the payload length
 * each expects, and the handler.  The FM API port serves 56xxh, a host's
 * mailbox serves 48xxh; both serve Get/Clear Event Records on their own DC
 * log.  A host mailbox has no way to name another host: its commands act on
 * the host the mailbox belongs to, which is how a host only ever sees its
 * own extents and events.
 */
#include <string.h>

#include "dcd.h"

enum { PORT_FM = 1, PORT_HOST = 2 };

static struct evlog *port_log(struct dcd *d, int port)
{
	return port == DCD_PORT_FM ? &d->fmlog : &d->host[port].log;
}

/* Logs 00h-03h exist but this device never logs anything in them. */
static struct evlog empty_log;

static int get_events(struct dcd_call *c)
{
	uint8_t log = c->in[0];

	if (log > CCI_LOG_DC)
		return CCI_RC_INVALID_INPUT;
	return evlog_get(log == CCI_LOG_DC ? port_log(c->d, c->port) : &empty_log, c->out,
			 c->outcap, &c->outlen);
}

static int clear_events(struct dcd_call *c)
{
	uint8_t log = c->in[0];
	int rc;

	if (log > CCI_LOG_DC)
		return CCI_RC_INVALID_INPUT;
	/* Room to free every revoking range the clear may acknowledge. */
	if (c->port != DCD_PORT_FM && dcd_reserve_caps(c->d, c->d->host[c->port].nrevoke) < 0)
		return CCI_RC_INTERNAL;
	rc = evlog_clear(log == CCI_LOG_DC ? port_log(c->d, c->port) : &empty_log, c->in,
			 c->inlen);
	c->changed = rc == CCI_RC_SUCCESS && log == CCI_LOG_DC;
	/* Clearing a Forced Capacity Release record is the host's word that
	 * it revoked that capacity: only then may it go anywhere else. */
	if (c->changed && c->port != DCD_PORT_FM)
		dcd_revoke_settle(c->d, &c->d->host[c->port]);
	return rc;
}

static const struct command {
	uint16_t opcode;
	uint8_t ports;
	uint8_t exact;   /* the payload is exactly minlen bytes */
	uint16_t minlen; /* variable-length handlers check the rest */
	int (*fn)(struct dcd_call *c);
} commands[] = {
	{ CCI_GET_EVENT_RECORDS, PORT_FM | PORT_HOST, 1, 1, get_events },
	{ CCI_CLEAR_EVENT_RECORDS, PORT_FM | PORT_HOST, 0,
	  sizeof(struct cci_clear_events_req), clear_events },
	{ CCI_GET_DC_CONFIG, PORT_HOST, 1, sizeof(struct cci_dc_config_req),
	  mbox_get_dc_config },
	{ CCI_GET_DC_EXTENT_LIST, PORT_HOST, 1, sizeof(struct cci_dc_extent_list_req),
	  mbox_get_extent_list },
	{ CCI_ADD_DC_RESPONSE, PORT_HOST, 0, sizeof(struct cci_dc_response), mbox_add_response },
	{ CCI_RELEASE_DC, PORT_HOST, 0, sizeof(struct cci_dc_response), mbox_release },
	{ CCI_FM_GET_DCD_INFO, PORT_FM, 1, 0, fm_get_dcd_info },
	{ CCI_FM_GET_HOST_DC_REGION_CONFIG, PORT_FM, 1,
	  sizeof(struct cci_fm_host_region_config_req), fm_get_host_region_config },
	{ CCI_FM_SET_DC_REGION_CONFIG, PORT_FM, 1, sizeof(struct cci_fm_set_region_config),
	  fm_set_region_config },
	{ CCI_FM_GET_DC_REGION_EXTENT_LISTS, PORT_FM, 1,
	  sizeof(struct cci_fm_extent_lists_req), fm_get_extent_lists },
	{ CCI_FM_INITIATE_DC_ADD, PORT_FM, 0, sizeof(struct cci_fm_dc_change_req),
	  fm_initiate_add },
	{ CCI_FM_INITIATE_DC_RELEASE, PORT_FM, 0, sizeof(struct cci_fm_dc_change_req),
	  fm_initiate_release },
	{ CCI_FM_ADD_REFERENCE, PORT_FM, 1, sizeof(struct cci_fm_tag_ref_req), fm_add_reference },
	{ CCI_FM_REMOVE_REFERENCE, PORT_FM, 1, sizeof(struct cci_fm_tag_ref_req),
	  fm_remove_reference },
	{ CCI_FM_LIST_TAGS, PORT_FM, 1, sizeof(struct cci_fm_list_tags_req), fm_list_tags },
};

int dcd_dispatch(struct dcd *d, int port, uint16_t opcode, const void *in, size_t inlen,
		 void *out, size_t outcap, size_t *outlen, bool *changed)
{
	struct dcd_call c = {
		.d = d, .port = port, .in = in, .inlen = inlen, .out = out, .outcap = outcap,
	};
	const struct command *cmd = NULL;
	int rc;

	*outlen = 0;
	*changed = false;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (commands[i].opcode == opcode)
			cmd = &commands[i];
	if (!cmd || !(cmd->ports & (port == DCD_PORT_FM ? PORT_FM : PORT_HOST)))
		return CCI_RC_UNSUPPORTED;
	if (cmd->exact ? inlen != cmd->minlen : inlen < cmd->minlen)
		return CCI_RC_INVALID_PAYLOAD_LENGTH;
	rc = cmd->fn(&c);
	if (rc == CCI_RC_SUCCESS) {
		*outlen = c.outlen;
		*changed = c.changed;
	}
	return rc;
}
