/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one table of the CCI commands this fabric knows.  Each row makes
 * the opcode's enum constant (cci.h), its spec name and request rules
 * (cci_opcode_info(), proto/cci.c) and, with the handler named in
 * fmd/dispatch.c, the daemon's dispatch row.  Adding a command is one row
 * here plus its handler; a row without a handler does not build.
 *
 *   X(SYMBOL, opcode, "spec name", ports, length rule, request size)
 *
 * ports: CCI_ON_FM (the FM API socket), CCI_ON_HOST (a host's mailbox).
 * length rule: CCI_LEN_EXACT (the payload is exactly the size) or
 * CCI_LEN_MIN (at least the size; the handler checks the variable rest).
 * A wrong port answers Unsupported, a wrong length Invalid Payload Length.
 *
 * The sizes name structs of cci.h: expand the list after including it.
 */
#ifndef TAGDAX_FABRIC_CCI_OPCODES_H
#define TAGDAX_FABRIC_CCI_OPCODES_H

#define CCI_OPCODES(X)                                                                     \
	/* Events, each port its own DC log; 0100h's request is the log number. */      \
	X(GET_EVENT_RECORDS, 0x0100, "Get Event Records", CCI_ON_FM | CCI_ON_HOST,         \
	  CCI_LEN_EXACT, sizeof(uint8_t))                                                  \
	X(CLEAR_EVENT_RECORDS, 0x0101, "Clear Event Records", CCI_ON_FM | CCI_ON_HOST,     \
	  CCI_LEN_MIN, sizeof(struct cci_clear_events_req))                                \
	/* Memory device DCD commands (48xxh): a host's mailbox. */                         \
	X(GET_DC_CONFIG, 0x4800, "Get Dynamic Capacity Configuration", CCI_ON_HOST,       \
	  CCI_LEN_EXACT, sizeof(struct cci_dc_config_req))                                 \
	X(GET_DC_EXTENT_LIST, 0x4801, "Get Dynamic Capacity Extent List", CCI_ON_HOST,    \
	  CCI_LEN_EXACT, sizeof(struct cci_dc_extent_list_req))                            \
	X(ADD_DC_RESPONSE, 0x4802, "Add Dynamic Capacity Response", CCI_ON_HOST,          \
	  CCI_LEN_MIN, sizeof(struct cci_dc_response))                                     \
	X(RELEASE_DC, 0x4803, "Release Dynamic Capacity", CCI_ON_HOST, CCI_LEN_MIN,       \
	  sizeof(struct cci_dc_response))                                                  \
	/* FM API DCD Management (56xxh): the FM API socket. */                             \
	X(FM_GET_DCD_INFO, 0x5600, "Get DCD Info", CCI_ON_FM, CCI_LEN_EXACT, 0)            \
	X(FM_GET_HOST_DC_REGION_CONFIG, 0x5601, "Get Host DC Region Configuration",       \
	  CCI_ON_FM, CCI_LEN_EXACT, sizeof(struct cci_fm_host_region_config_req))          \
	X(FM_SET_DC_REGION_CONFIG, 0x5602, "Set DC Region Configuration", CCI_ON_FM,      \
	  CCI_LEN_EXACT, sizeof(struct cci_fm_set_region_config))                          \
	X(FM_GET_DC_REGION_EXTENT_LISTS, 0x5603, "Get DC Region Extent Lists", CCI_ON_FM, \
	  CCI_LEN_EXACT, sizeof(struct cci_fm_extent_lists_req))                           \
	X(FM_INITIATE_DC_ADD, 0x5604, "Initiate Dynamic Capacity Add", CCI_ON_FM,         \
	  CCI_LEN_MIN, sizeof(struct cci_fm_dc_change_req))                                \
	X(FM_INITIATE_DC_RELEASE, 0x5605, "Initiate Dynamic Capacity Release", CCI_ON_FM, \
	  CCI_LEN_MIN, sizeof(struct cci_fm_dc_change_req))                                \
	X(FM_ADD_REFERENCE, 0x5606, "Dynamic Capacity Add Reference", CCI_ON_FM,          \
	  CCI_LEN_EXACT, sizeof(struct cci_fm_tag_ref_req))                                \
	X(FM_REMOVE_REFERENCE, 0x5607, "Dynamic Capacity Remove Reference", CCI_ON_FM,    \
	  CCI_LEN_EXACT, sizeof(struct cci_fm_tag_ref_req))                                \
	X(FM_LIST_TAGS, 0x5608, "Dynamic Capacity List Tags", CCI_ON_FM, CCI_LEN_EXACT,   \
	  sizeof(struct cci_fm_list_tags_req))

#endif
