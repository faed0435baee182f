// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The handlers of the command table (proto/cci-opcodes.h, which says
 * which port serves each opcode and the payload length it expects).  The
 * FM API port serves 56xxh, a host's mailbox serves 48xxh; both serve
 * Get/Clear Event Records on their own DC log.  A host mailbox has no way to name another host: its commands act on
 * the host the mailbox belongs to, which is how a host only ever sees its
 * own extents and events.
 */
#include <string.h>

#include "cci-codec.h"
#include "dcd.h"

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

/* The handler of each row of cci-opcodes.h; a row without one does not
 * build.  Ports and payload lengths are the table's (cci_request_check). */
#define HANDLER_GET_EVENT_RECORDS get_events
#define HANDLER_CLEAR_EVENT_RECORDS clear_events
#define HANDLER_GET_DC_CONFIG mbox_get_dc_config
#define HANDLER_GET_DC_EXTENT_LIST mbox_get_extent_list
#define HANDLER_ADD_DC_RESPONSE mbox_add_response
#define HANDLER_RELEASE_DC mbox_release
#define HANDLER_FM_GET_DCD_INFO fm_get_dcd_info
#define HANDLER_FM_GET_HOST_DC_REGION_CONFIG fm_get_host_region_config
#define HANDLER_FM_SET_DC_REGION_CONFIG fm_set_region_config
#define HANDLER_FM_GET_DC_REGION_EXTENT_LISTS fm_get_extent_lists
#define HANDLER_FM_INITIATE_DC_ADD fm_initiate_add
#define HANDLER_FM_INITIATE_DC_RELEASE fm_initiate_release
#define HANDLER_FM_ADD_REFERENCE fm_add_reference
#define HANDLER_FM_REMOVE_REFERENCE fm_remove_reference
#define HANDLER_FM_LIST_TAGS fm_list_tags

typedef int handler_fn(struct dcd_call *c);

static handler_fn *handler(uint16_t opcode)
{
#define HANDLER_CASE(sym, op, name, ports, rule, size)                                     \
	case CCI_##sym:                                                                    \
		return HANDLER_##sym;
	switch (opcode) {
		CCI_OPCODES(HANDLER_CASE)
	}
#undef HANDLER_CASE
	return NULL;
}

int dcd_dispatch(struct dcd *d, int port, uint16_t opcode, const void *in, size_t inlen,
		 void *out, size_t outcap, size_t *outlen, bool *changed)
{
	struct dcd_call c = {
		.d = d, .port = port, .in = in, .inlen = inlen, .out = out, .outcap = outcap,
	};
	int rc;

	*outlen = 0;
	*changed = false;
	rc = cci_request_check(opcode, port == DCD_PORT_FM ? CCI_ON_FM : CCI_ON_HOST, inlen);
	if (rc != CCI_RC_SUCCESS)
		return rc;
	rc = handler(opcode)(&c);
	if (rc == CCI_RC_SUCCESS) {
		*outlen = c.outlen;
		*changed = c.changed;
	}
	return rc;
}
