// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libtagdax-fm: the public FM API client (include/tagdax/fm.h).  The
 * transport, response checks and the paged walks are the CCI client the
 * host agent uses too (fmclient*.c); this file gives it an opaque handle,
 * the commands it lacks (5600h, 5602h, 5606h, 5607h, one-page 5603h and
 * 5608h) and the public decoded types.
 */
#include <endian.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tagdax/fm.h>

/* The library is built -fvisibility=hidden; the version script names the rest. */
#define FM_EXPORT __attribute__((visibility("default")))

#include "cci-codec.h"
#include "fm-private.h"

/* A NULL handle, request or result pointer is the caller's bug: -EINVAL
 * before anything is touched or sent, never a crash. */
#define FM_NEED(...)                                                           \
	do {                                                                   \
		const void *const need_[] = { __VA_ARGS__ };                   \
		for (size_t i_ = 0; i_ < sizeof(need_) / sizeof(need_[0]); i_++) \
			if (!need_[i_])                                        \
				return -EINVAL;                                \
	} while (0)

/* The public constants are the wire's: checked here, where both are seen. */
_Static_assert((int)TAGDAX_FM_RC_INVALID_EXTENT_LIST == (int)CCI_RC_INVALID_EXTENT_LIST, "rc");
_Static_assert(TAGDAX_FM_ATTR1_SHARABLE == CCI_ATTR1_SHARABLE, "attr1");
_Static_assert((int)TAGDAX_FM_ADD_ENABLE_SHARED == (int)CCI_ADD_ENABLE_SHARED, "add policy");
_Static_assert((int)TAGDAX_FM_RELEASE_PRESCRIPTIVE == (int)CCI_RELEASE_PRESCRIPTIVE, "release policy");
_Static_assert((int)TAGDAX_FM_EVENT_CAPACITY_RELEASED == (int)CCI_DC_EVENT_CAPACITY_RELEASED, "event");
_Static_assert((int)TAGDAX_FM_LOG_DC == (int)CCI_LOG_DC, "log");
#define FM_OPCODE_SAME(sym) _Static_assert((int)TAGDAX_FM_OP_##sym == (int)CCI_FM_##sym, #sym)
FM_OPCODE_SAME(GET_DCD_INFO);
FM_OPCODE_SAME(GET_HOST_DC_REGION_CONFIG);
FM_OPCODE_SAME(SET_DC_REGION_CONFIG);
FM_OPCODE_SAME(GET_DC_REGION_EXTENT_LISTS);
FM_OPCODE_SAME(INITIATE_DC_ADD);
FM_OPCODE_SAME(INITIATE_DC_RELEASE);
FM_OPCODE_SAME(ADD_REFERENCE);
FM_OPCODE_SAME(REMOVE_REFERENCE);
FM_OPCODE_SAME(LIST_TAGS);
_Static_assert((int)TAGDAX_FM_OP_GET_EVENT_RECORDS == (int)CCI_GET_EVENT_RECORDS, "0100h");
_Static_assert((int)TAGDAX_FM_OP_CLEAR_EVENT_RECORDS == (int)CCI_CLEAR_EVENT_RECORDS, "0101h");

FM_EXPORT const char *tagdax_fm_rc_name(int rc)
{
	return rc < 0 || rc > 0xffff ? "Unknown Return Code" : cci_retcode_name((uint16_t)rc);
}

FM_EXPORT const char *tagdax_fm_rc_sentence(int rc)
{
	/* the functions' negative errnos are transport errors, not codes */
	return rc < 0 ? strerror(-rc) : cci_rc_sentence(rc);
}

FM_EXPORT const char *tagdax_fm_opcode_name(int opcode)
{
	return cci_opcode_name(opcode < 0 || opcode > 0xffff ? 0 : (uint16_t)opcode);
}

FM_EXPORT int tagdax_fm_open_socket(const char *path, struct tagdax_fm **out)
{
	struct tagdax_fm *fm;
	int rc;

	FM_NEED(out);
	*out = NULL;
	if (!path || !*path)
		return -EINVAL;
	fm = calloc(1, sizeof(*fm));
	if (!fm)
		return -ENOMEM;
	rc = fmc_open(&fm->c, path, TAGDAX_FM_DEFAULT_TIMEOUT_MS);
	if (rc) {
		fmc_close(&fm->c);
		free(fm);
		return rc;
	}
	*out = fm;
	return 0;
}

FM_EXPORT int tagdax_fm_open(const char *dir, struct tagdax_fm **out)
{
	char path[PATH_MAX];

	FM_NEED(out);
	*out = NULL;
	if (!dir || !*dir)
		return -EINVAL;
	if (snprintf(path, sizeof(path), "%s/fm.sock", dir) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	return tagdax_fm_open_socket(path, out);
}

FM_EXPORT void tagdax_fm_close(struct tagdax_fm *fm)
{
	if (!fm)
		return;
	fmc_close(&fm->c);
	free(fm);
}

FM_EXPORT int tagdax_fm_set_timeout(struct tagdax_fm *fm, int timeout_ms)
{
	FM_NEED(fm);
	if (timeout_ms < -1)
		return -EINVAL;
	fm->c.timeout_ms = timeout_ms;
	return 0;
}

FM_EXPORT int tagdax_fm_get_timeout(const struct tagdax_fm *fm)
{
	FM_NEED(fm);
	return fm->c.timeout_ms;
}

/* ---- 5600h ---- */

FM_EXPORT int tagdax_fm_get_dcd_info(struct tagdax_fm *fm, struct tagdax_fm_dcd_info *info)
{
	struct cci_fm_dcd_info *w;
	size_t len;
	int rc;

	FM_NEED(fm, info);
	rc = fmc_call(&fm->c, CCI_FM_GET_DCD_INFO, NULL, 0, (void **)&w, &len);
	memset(info, 0, sizeof(*info));
	if (rc == 0 && len != sizeof(*w))
		rc = -EPROTO;
	if (rc == 0) {
		info->num_hosts = w->num_hosts;
		info->num_regions = w->num_regions;
		info->add_policies = le16toh(w->add_policies);
		info->release_policies = le16toh(w->release_policies);
		info->sanitize_mask = w->sanitize_mask;
		info->total_capacity = le64toh(w->total_capacity) << 28; /* 256 MiB units */
		for (int i = 0; i < 8; i++)
			info->block_size_mask[i] = le64toh(w->block_size_mask[i]);
	}
	free(w);
	return rc;
}

/* ---- 5601h ---- */

FM_EXPORT int tagdax_fm_get_host_dc_region_config(struct tagdax_fm *fm, uint16_t host, uint8_t start,
					uint8_t max, struct tagdax_fm_host_regions *out)
{
	struct cci_fm_host_region_config_req req = {
		.host_id = htole16(host), .region_count = max, .start_region = start,
	};
	struct cci_fm_host_region_config_rsp *rsp;
	size_t len, want;
	int rc;

	FM_NEED(fm, out);
	memset(out, 0, sizeof(*out));
	if (max > 8)
		return -EINVAL;
	rc = fmc_call(&fm->c, CCI_FM_GET_HOST_DC_REGION_CONFIG, &req, sizeof(req),
		      (void **)&rsp, &len);
	if (rc == 0 && len < sizeof(*rsp))
		rc = -EPROTO;
	want = rc == 0 ? sizeof(*rsp) + rsp->num_returned * sizeof(struct cci_fm_region_entry) : 0;
	if (rc == 0 && (rsp->num_returned > max || le16toh(rsp->host_id) != host || len < want ||
			(len != want && len != want + sizeof(struct cci_dc_limits))))
		rc = -EPROTO;
	if (rc) {
		free(rsp);
		return rc;
	}
	out->host_id = host;
	out->num_available = rsp->num_available;
	out->count = rsp->num_returned;
	for (unsigned int i = 0; i < out->count; i++) {
		const struct cci_fm_region_entry *w = &rsp->regions[i];

		out->region[i] = (struct tagdax_fm_region){
			.base = le64toh(w->base), .decode_length = le64toh(w->decode_length) << 28,
			.length = le64toh(w->length), .block_size = le64toh(w->block_size),
			.attr1 = w->attr1,
			.sanitize_on_release = w->attr2 & CCI_ATTR2_SANITIZE_ON_RELEASE,
		};
	}
	if (len > want) {
		struct cci_dc_limits l;

		memcpy(&l, (const uint8_t *)rsp + want, sizeof(l));
		out->has_limits = true;
		out->total_extents = le32toh(l.total_extents);
		out->available_extents = le32toh(l.available_extents);
		out->total_tags = le32toh(l.total_tags);
		out->available_tags = le32toh(l.available_tags);
	}
	free(rsp);
	return 0;
}

/* ---- 5602h ---- */

FM_EXPORT int tagdax_fm_set_dc_region_config(struct tagdax_fm *fm, uint8_t region, uint64_t block_size,
				   bool sanitize_on_release)
{
	struct cci_fm_set_region_config req = {
		.region_id = region, .block_size = htole64(block_size),
		.flags = sanitize_on_release ? CCI_ATTR2_SANITIZE_ON_RELEASE : 0,
	};

	FM_NEED(fm);
	return fmc_call(&fm->c, CCI_FM_SET_DC_REGION_CONFIG, &req, sizeof(req), NULL, NULL);
}

/* ---- 5603h ---- */

static void extent_out(struct tagdax_fm_extent *e, const struct fmc_extent *x)
{
	e->dpa = x->dpa;
	e->length = x->len;
	memcpy(e->tag, x->tag, 16);
	e->shared_seq = x->seq;
}

static void extent_in(struct fmc_extent *x, const struct tagdax_fm_extent *e)
{
	x->dpa = e->dpa;
	x->len = e->length;
	memcpy(x->tag, e->tag, 16);
	x->seq = e->shared_seq;
}

FM_EXPORT int tagdax_fm_get_dc_region_extent_lists(struct tagdax_fm *fm, uint16_t host, uint32_t start,
					 uint32_t max, struct tagdax_fm_extent *ext,
					 struct tagdax_fm_extent_page *out)
{
	struct cci_fm_extent_lists_req req = {
		.host_id = htole16(host), .extent_count = htole32(max),
		.start_index = htole32(start),
	};
	struct cci_fm_extent_lists_rsp *rsp;
	size_t len;
	uint32_t k;
	int rc;

	FM_NEED(fm, out);
	memset(out, 0, sizeof(*out));
	if (max && !ext)
		return -EINVAL;
	rc = fmc_call(&fm->c, CCI_FM_GET_DC_REGION_EXTENT_LISTS, &req, sizeof(req),
		      (void **)&rsp, &len);
	if (rc == 0 && len < sizeof(*rsp))
		rc = -EPROTO;
	k = rc == 0 ? le32toh(rsp->returned) : 0;
	if (rc == 0 && (k > max || len != sizeof(*rsp) + (size_t)k * sizeof(rsp->extents[0]) ||
			le16toh(rsp->host_id) != host || le32toh(rsp->start_index) != start))
		rc = -EPROTO;
	for (uint32_t i = 0; rc == 0 && i < k; i++) {
		struct fmc_extent x;

		cci_dc_extent_decode(&rsp->extents[i], &x.dpa, &x.len, x.tag, &x.seq);
		extent_out(&ext[i], &x);
	}
	if (rc == 0)
		*out = (struct tagdax_fm_extent_page){
			.host_id = host, .start = start, .returned = k,
			.total = le32toh(rsp->total), .generation = le32toh(rsp->generation),
		};
	free(rsp);
	return rc;
}

FM_EXPORT int tagdax_fm_get_host_extents(struct tagdax_fm *fm, uint16_t host,
			       struct tagdax_fm_extent **ext, uint32_t *n)
{
	struct fmc_extent *x;
	int rc;

	FM_NEED(fm, ext, n);
	rc = fmc_host_extents(&fm->c, host, &x, n);
	*ext = NULL;
	if (rc) {
		*n = 0;
		return rc;
	}
	/* fmc_host_extents hands back at least one element */
	*ext = calloc(*n ? *n : 1, sizeof(**ext));
	for (uint32_t i = 0; *ext && i < *n; i++)
		extent_out(&(*ext)[i], &x[i]);
	free(x);
	if (!*ext)
		*n = 0;
	return *ext ? 0 : -ENOMEM;
}

/* ---- 5604h / 5605h ---- */

static int change(struct tagdax_fm *fm, uint16_t opcode, struct fmc_change *r,
		  const struct tagdax_fm_extent *ext)
{
	struct fmc_extent *x = NULL;
	int rc;

	if (r->count && !ext)
		return -EINVAL;
	if (r->count > CCI_MAX_PAYLOAD / sizeof(struct cci_dc_extent))
		return -E2BIG;
	if (r->count && !(x = calloc(r->count, sizeof(*x))))
		return -ENOMEM;
	for (uint32_t i = 0; i < r->count; i++)
		extent_in(&x[i], &ext[i]);
	r->ext = x;
	rc = fmc_dc_change(&fm->c, opcode, r);
	free(x);
	return rc;
}

FM_EXPORT int tagdax_fm_initiate_dc_add(struct tagdax_fm *fm, const struct tagdax_fm_add *req)
{
	struct fmc_change r;

	FM_NEED(fm, req);
	if ((unsigned int)req->policy > TAGDAX_FM_ADD_ENABLE_SHARED)
		return -EINVAL;
	r = (struct fmc_change){
		.host = req->host, .flags = (uint8_t)req->policy, .region = req->region,
		.length = req->length, .count = req->count,
	};
	memcpy(r.tag, req->tag, 16);
	return change(fm, CCI_FM_INITIATE_DC_ADD, &r, req->ext);
}

FM_EXPORT int tagdax_fm_initiate_dc_release(struct tagdax_fm *fm, const struct tagdax_fm_release *req)
{
	struct fmc_change r;

	FM_NEED(fm, req);
	if ((unsigned int)req->policy > TAGDAX_FM_RELEASE_PRESCRIPTIVE)
		return -EINVAL;
	r = (struct fmc_change){
		.host = req->host, .length = req->length, .count = req->count,
		.flags = (uint8_t)((unsigned int)req->policy |
				   (req->forced ? CCI_RELEASE_FORCED : 0) |
				   (req->sanitize ? CCI_RELEASE_SANITIZE : 0)),
	};
	memcpy(r.tag, req->tag, 16);
	return change(fm, CCI_FM_INITIATE_DC_RELEASE, &r, req->ext);
}

/* ---- 5606h / 5607h: a single 10h-byte tag, no response payload ---- */

static int reference(struct tagdax_fm *fm, uint16_t opcode, const uint8_t tag[16])
{
	size_t len;
	void *rsp;
	int rc;

	FM_NEED(fm, tag);
	rc = fmc_call(&fm->c, opcode, tag, 16, &rsp, &len);
	free(rsp);
	return rc == 0 && len ? -EPROTO : rc;
}

FM_EXPORT int tagdax_fm_add_reference(struct tagdax_fm *fm, const uint8_t tag[16])
{
	return reference(fm, CCI_FM_ADD_REFERENCE, tag);
}

FM_EXPORT int tagdax_fm_remove_reference(struct tagdax_fm *fm, const uint8_t tag[16])
{
	return reference(fm, CCI_FM_REMOVE_REFERENCE, tag);
}

/* ---- 5608h ---- */

static void tag_out(struct tagdax_fm_tag *t, const struct cci_fm_tag_entry *w)
{
	memcpy(t->tag, w->tag, 16);
	t->fm_ref = w->flags & CCI_TAG_FM_REF;
	memcpy(t->ref, w->ref, 32);
	memcpy(t->pending, w->pending, 32);
}

FM_EXPORT int tagdax_fm_list_tags(struct tagdax_fm *fm, uint32_t start, uint32_t max,
			struct tagdax_fm_tag *tags, struct tagdax_fm_tags_page *out)
{
	struct cci_fm_list_tags_req req = {
		.start_index = htole32(start), .max_tags = htole32(max),
	};
	struct cci_fm_list_tags_rsp *rsp;
	size_t len;
	uint32_t k;
	int rc;

	FM_NEED(fm, out);
	memset(out, 0, sizeof(*out));
	if (max && !tags)
		return -EINVAL;
	rc = fmc_call(&fm->c, CCI_FM_LIST_TAGS, &req, sizeof(req), (void **)&rsp, &len);
	if (rc == 0 && len < sizeof(*rsp))
		rc = -EPROTO;
	k = rc == 0 ? le32toh(rsp->returned) : 0;
	if (rc == 0 && (k > max || len != sizeof(*rsp) + (size_t)k * sizeof(rsp->tags[0])))
		rc = -EPROTO;
	for (uint32_t i = 0; rc == 0 && i < k; i++)
		tag_out(&tags[i], &rsp->tags[i]);
	if (rc == 0)
		*out = (struct tagdax_fm_tags_page){
			.generation = le32toh(rsp->generation), .total = le32toh(rsp->total),
			.returned = k, .ref_valid = rsp->validity & CCI_TAGS_REF_VALID,
			.pending_valid = rsp->validity & CCI_TAGS_PENDING_VALID,
		};
	free(rsp);
	return rc;
}

FM_EXPORT int tagdax_fm_list_all_tags(struct tagdax_fm *fm, struct tagdax_fm_tag **tags, uint32_t *n)
{
	struct fmc_tag *t;
	int rc;

	FM_NEED(fm, tags, n);
	rc = fmc_list_tags(&fm->c, &t, n);
	*tags = NULL;
	if (rc) {
		*n = 0;
		return rc;
	}
	*tags = calloc(*n ? *n : 1, sizeof(**tags));
	for (uint32_t i = 0; *tags && i < *n; i++) {
		memcpy((*tags)[i].tag, t[i].tag, 16);
		(*tags)[i].fm_ref = t[i].fm_ref;
		memcpy((*tags)[i].ref, t[i].ref, 32);
		memcpy((*tags)[i].pending, t[i].pending, 32);
	}
	free(t);
	if (!*tags)
		*n = 0;
	return *tags ? 0 : -ENOMEM;
}

FM_EXPORT bool tagdax_fm_bitmap_has(const uint8_t bitmap[32], uint16_t host)
{
	return bitmap && fmc_tag_has(bitmap, host);
}

/* ---- 0100h / 0101h ---- */

FM_EXPORT int tagdax_fm_get_event_records(struct tagdax_fm *fm, enum tagdax_fm_log log,
				struct tagdax_fm_events *out)
{
	struct fmc_events ev;
	int rc;

	FM_NEED(fm, out);
	memset(out, 0, sizeof(*out));
	if ((unsigned int)log > TAGDAX_FM_LOG_DC)
		return -EINVAL;
	rc = fmc_get_events(&fm->c, (uint8_t)log, &ev);
	if (rc)
		return rc;
	out->ev = calloc(ev.count ? ev.count : 1, sizeof(*out->ev));
	if (!out->ev) {
		fmc_events_free(&ev);
		return -ENOMEM;
	}
	out->overflow = ev.overflow;
	out->more = ev.more;
	out->count = ev.count;
	for (unsigned int i = 0; i < ev.count; i++) {
		const struct fmc_event *e = &ev.ev[i];

		out->ev[i] = (struct tagdax_fm_event){
			.handle = e->handle, .type = e->type, .more = e->more,
			.host_id = e->host_id, .region_index = e->region_index,
			.timestamp = e->timestamp,
		};
		extent_out(&out->ev[i].extent, &e->ext);
	}
	fmc_events_free(&ev);
	return 0;
}

FM_EXPORT void tagdax_fm_events_free(struct tagdax_fm_events *ev)
{
	if (!ev)
		return;
	free(ev->ev);
	memset(ev, 0, sizeof(*ev));
}

FM_EXPORT int tagdax_fm_clear_event_records(struct tagdax_fm *fm, enum tagdax_fm_log log,
				  const uint16_t *handles, unsigned int n)
{
	FM_NEED(fm);
	if ((unsigned int)log > TAGDAX_FM_LOG_DC || (n && !handles))
		return -EINVAL;
	return n ? fmc_clear_events(&fm->c, (uint8_t)log, handles, n, false) : 0;
}

FM_EXPORT int tagdax_fm_clear_all_event_records(struct tagdax_fm *fm, enum tagdax_fm_log log)
{
	FM_NEED(fm);
	if ((unsigned int)log > TAGDAX_FM_LOG_DC)
		return -EINVAL;
	return fmc_clear_events(&fm->c, (uint8_t)log, NULL, 0, true);
}
