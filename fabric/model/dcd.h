/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Dynamic Capacity Device model: regions, hosts, the capacity each host
 * holds or has been offered, event logs, and the commands that change them.
 *
 * Bookkeeping, in one paragraph: every allocated DPA range is a "cap" in a
 * device-wide table (ordered by DPA through a tree, dcd-index.c), with a
 * reference count of the hosts that
 * hold it (in their extent list), have it offered (in a pending add group),
 * or are still revoking it after a forced release (struct dcd_revoke).
 * A host's list entries and offered extents always equal a cap exactly:
 * partial accepts and partial releases split the cap and the host entry
 * together.  A cap is freed to the allocator (sanitized first when asked or
 * configured) when its count drops to zero, which is how shared capacity
 * outlives all but its last host.
 *
 * Every command validates all of its input before it changes anything, and
 * reserves the memory it will need first, so a rejected command leaves the
 * state byte-for-byte unchanged.
 */
#ifndef TAGDAX_FABRIC_DCD_H
#define TAGDAX_FABRIC_DCD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alloc.h"
#include "cci.h"
#include "fabric-config.h"
#include "eventlog.h"

#define DCD_PORT_FM (-1) /* the FM API port; hosts are ports 0..nhosts-1 */

struct dcd_extent {
	uint64_t dpa;
	uint64_t len;
	uint8_t tag[16];
	uint16_t seq;
	uint8_t region;
};

struct dcd_cap {
	struct dcd_extent x;
	uint16_t refs;
	bool sanitize; /* a release asked for sanitize on release */
};

struct dcd_group {
	uint32_t n;
	struct dcd_extent *x;
	bool dead; /* force-released before the host answered: accepts nothing */
};

struct dcd_range {
	uint64_t dpa;
	uint64_t len;
};

/* Capacity force-released from a host that may still touch it: the host
 * keeps its cap reference (so the range is neither free nor handed out)
 * until it acknowledges the revocation by clearing the Forced Capacity
 * Release record whose handle this is.  handle 0: a full log dropped the
 * record; it is appended as soon as the host's clears make room. */
struct dcd_revoke {
	struct dcd_extent x;
	uint16_t handle;
};

/* A More-chained 4802h or 4803h that has not seen its last payload yet. */
struct dcd_chain {
	uint32_t n, cap;
	struct dcd_range *r;
};

/* Counts per tag (dcd-index.c): a hash map tag -> (a, b), a key per tag
 * with a non-zero count.  The device counts caps per tag in a; a host
 * counts its list entries in a and its live offered extents in b. */
struct dcd_tagcount {
	uint8_t tag[16];
	uint32_t a, b;
};

struct dcd_capnode {
	uint32_t left, right; /* cap indexes, UINT32_MAX: none */
	int height;
};

struct dcd_tagmap {
	uint32_t n, cap; /* keys; slots, a power of two (or 0) */
	struct dcd_tagcount *slot;
};

struct dcd_host {
	uint16_t id;
	char name[FABRIC_HOST_NAME_MAX + 1];
	uint32_t generation;
	uint32_t nlist, caplist;
	struct dcd_extent *list;
	uint32_t npending, cappending;
	struct dcd_group *pending;
	struct dcd_chain accept, release;
	uint32_t nrevoke, caprevoke;
	struct dcd_revoke *revoke;
	struct evlog log;
	/* Indexes (dcd-index.c), derived from list and pending: tags of its
	 * entries and live offers, and how many extents it was offered. */
	struct dcd_tagmap tags;
	uint32_t noffered;
};

struct dcd_tag {
	uint8_t b[16];
};

struct dcd_region {
	uint64_t base, length, block_size;
	bool sharable, sanitize;
	struct fabric_alloc *free;
};

/* Zeroes released capacity; the daemon points it at the backing memory.
 * 0, or -errno when the bytes could not be zeroed. */
typedef int (*dcd_sanitize_fn)(void *arg, unsigned int region, uint64_t offset, uint64_t len);

struct dcd {
	unsigned int nregions;
	struct dcd_region region[FABRIC_MAX_REGIONS];
	unsigned int nhosts;
	struct dcd_host *host;
	/* Caps in no particular order (one leaves by the last taking its
	 * slot); capnode[i] is cap i's node in the tree of their DPA order,
	 * rooted at caproot (dcd-index.c). */
	uint32_t ncaps, capcaps;
	struct dcd_cap *caps;
	uint32_t capnodes, caproot;
	struct dcd_capnode *capnode;
	struct evlog fmlog;
	uint32_t max_extents, max_tags;
	uint64_t min_block_size;
	dcd_sanitize_fn sanitize;
	void *sanitize_arg;
	/* Quarantine: released ranges that must be zeroed before they are free
	 * again.  Neither a cap nor free space; part of the state image, so a
	 * range whose zeroing failed (or was cut short by a crash) stays out
	 * of the allocator until dcd_sanitize_run() zeroes it. */
	uint32_t ndirty, capdirty;
	struct dcd_range *dirty;
	/* Tags the FM holds a reference to (5606h), sorted, distinct: each
	 * counts as one more reference on every cap with the tag, so the
	 * capacity outlives its last host until 5607h (dcd-refs.c). */
	uint32_t nfmref, capfmref;
	struct dcd_tag *fmref;
	/* Caps per tag (dcd-index.c), derived from caps. */
	struct dcd_tagmap tags;
};

/* ---- life cycle (dcd.c) ---- */
struct dcd *dcd_new(const struct fabric_config *c);
void dcd_free(struct dcd *d);
void dcd_set_sanitizer(struct dcd *d, dcd_sanitize_fn fn, void *arg);
/* Zero the quarantined ranges and give those zeroed to the allocator; the
 * number freed (the state changed: save it).  A command only quarantines
 * ranges; the caller runs this once that state is saved, so a crash or a
 * failed save leaves them quarantined, never free with old data.  Ranges
 * whose zeroing fails stay quarantined (*failed counts them). */
uint32_t dcd_sanitize_run(struct dcd *d, uint32_t *failed);

/* Run one CCI command arriving on a port: returns the CCI return code; the
 * response payload goes to out (*outlen bytes); *changed says the state
 * changed (persist it before answering).  Defined in dispatch.c. */
int dcd_dispatch(struct dcd *d, int port, uint16_t opcode, const void *in, size_t inlen,
		 void *out, size_t outcap, size_t *outlen, bool *changed);

/* Check every invariant of the bookkeeping; 0 or -EUCLEAN with a sentence. */
int dcd_check(const struct dcd *d, char *err, size_t errlen);

/* ---- state image (state.c) ---- */
int dcd_serialize(const struct dcd *d, uint8_t **buf, size_t *len);
/* Replace the mutable state of d (built from the same config) by an image. */
int dcd_deserialize(struct dcd *d, const uint8_t *buf, size_t len, char *err, size_t errlen);

/* ---- helpers shared by the command files (dcd.c) ---- */
int dcd_host_index(const struct dcd *d, uint16_t host_id);
int dcd_region_of(const struct dcd *d, uint64_t dpa, uint64_t len);
bool dcd_tag_is_null(const uint8_t tag[16]);
int dcd_cap_find(const struct dcd *d, uint64_t dpa);
bool dcd_tag_in_use(const struct dcd *d, const uint8_t tag[16]);
uint32_t dcd_host_used_extents(const struct dcd_host *h);
uint32_t dcd_host_used_tags(const struct dcd_host *h);
uint32_t dcd_host_avail_extents(const struct dcd *d, const struct dcd_host *h);
uint32_t dcd_host_avail_tags(const struct dcd *d, const struct dcd_host *h);
bool dcd_host_has_tag(const struct dcd_host *h, const uint8_t tag[16], bool pending);
bool dcd_host_overlaps(const struct dcd_host *h, uint64_t dpa, uint64_t len, bool pending);

int dcd_reserve(void **v, uint32_t *cap, uint32_t need, size_t size);
/* Make room for `more` caps and list entries per host beforehand. */
int dcd_reserve_caps(struct dcd *d, uint32_t more);
int dcd_reserve_list(struct dcd_host *h, uint32_t more);

/* Insert a fresh cap (refs 1) for an extent just taken from the allocator. */
void dcd_cap_insert(struct dcd *d, const struct dcd_extent *x);
/* Drop one reference to [dpa, dpa+len), which is exactly a cap or (for a
 * cap with a single reference) part of one; frees what drops to zero. */
void dcd_cap_unref(struct dcd *d, uint64_t dpa, uint64_t len, bool sanitize);

/* Append an event record for a host (type 00h..03h) or the FM (04h/05h);
 * the host record's handle, 0 when a full log dropped it. */
uint16_t dcd_host_event(struct dcd *d, struct dcd_host *h, uint8_t type,
		    const struct dcd_extent *x, bool more, uint8_t region_index);
void dcd_fm_event(struct dcd *d, struct dcd_host *h, uint8_t type, const struct dcd_extent *x,
		  bool more);

/* Make [dpa, dpa+len), part of one single-reference cap, a cap of its own
 * (the rest stays allocated as caps before and after it); needs room for
 * two more caps. */
void dcd_cap_carve(struct dcd *d, uint64_t dpa, uint64_t len);

/* Remove [dpa, dpa+len) from entry i of h's list (splitting it), keeping
 * the cap reference (the caller hands it on). */
void dcd_host_cut(struct dcd_host *h, uint32_t i, uint64_t dpa, uint64_t len);
/* Remove [dpa, dpa+len) from entry i of h's list (splitting it) and drop
 * the matching cap reference; sanitize asks to zero it once it is freed. */
void dcd_host_drop(struct dcd *d, struct dcd_host *h, uint32_t i, uint64_t dpa, uint64_t len,
		   bool sanitize);

/* Range arithmetic (dcd-extents.c): the bytes [a, a+alen) and [b, b+blen)
 * have in common, and whether they overlap at all. */
uint64_t dcd_intersect(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen);
bool dcd_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen);

/* Bytes of [dpa, dpa+len) inside h's accepted extents / live offers. */
uint64_t dcd_host_covered(const struct dcd_host *h, uint64_t dpa, uint64_t len);
uint64_t dcd_host_pending_covered(const struct dcd_host *h, uint64_t dpa, uint64_t len);
uint64_t dcd_group_covered(const struct dcd_group *g, uint64_t dpa, uint64_t len);
/* The intersections of r[] (sorted) with h's list entries, one piece per
 * (entry, range) pair, touching pieces of one entry merged, in list order;
 * *out is malloc'd.  -ENOMEM. */
int dcd_host_pieces(const struct dcd_host *h, const struct dcd_range *r, uint32_t n,
		    struct dcd_range **out, uint32_t *nout);
/* The host's extent around a piece, cut to the piece (all zero but the
 * range when no list entry holds the piece's start). */
struct dcd_extent dcd_piece_extent(const struct dcd_host *h, const struct dcd_range *p);
/* Sharable capacity is released whole: true when every host entry that
 * shares a tag with an entry r[] touches in a sharable region is entirely
 * inside r[]. */
bool dcd_host_sharable_whole(const struct dcd *d, const struct dcd_host *h,
			     const struct dcd_range *r, uint32_t n);
/* Reserve for, then drop, pieces of h's list (see dcd_host_pieces). */
int dcd_reserve_drop(struct dcd *d, struct dcd_host *h, uint32_t npieces);
void dcd_host_drop_pieces(struct dcd *d, struct dcd_host *h, const struct dcd_range *p,
			  uint32_t n, bool sanitize);
/* Force pieces of h's list away: each becomes a revoking entry holding its
 * cap reference (carved to the piece) until the host clears the Forced
 * Capacity Release record appended here.  Needs dcd_reserve_force(). */
int dcd_reserve_force(struct dcd *d, struct dcd_host *h, uint32_t npieces);
void dcd_host_force_pieces(struct dcd *d, struct dcd_host *h, const struct dcd_range *p,
			   uint32_t n, struct dcd_extent *ev, bool sanitize);
/* After the host cleared records of its log: drop the references of the
 * revoking entries it acknowledged (dcd_revoke), and log the records a full
 * log had dropped as far as there is room now; the number released.
 * Needs dcd_reserve_caps(d, h->nrevoke) beforehand. */
uint32_t dcd_revoke_settle(struct dcd *d, struct dcd_host *h);
/* Some host is still revoking a range overlapping [dpa, dpa+len). */
bool dcd_revoking(const struct dcd *d, uint64_t dpa, uint64_t len);
/* Forced removal of an offered group: it accepts nothing from now on. */
void dcd_group_kill(struct dcd *d, struct dcd_host *h, struct dcd_group *g, bool sanitize);
/* Pop the oldest pending group. */
void dcd_host_pop_group(struct dcd_host *h);

/* The FM's tag references (dcd-refs.c).  Index of tag in d->fmref, or -1. */
int dcd_fm_ref_find(const struct dcd *d, const uint8_t tag[16]);
/* Take the FM's reference on tag (not held yet; its caps exist): one more
 * reference on each of its caps.  Needs dcd_fm_ref_reserve(). */
int dcd_fm_ref_reserve(struct dcd *d);
void dcd_fm_ref_take(struct dcd *d, const uint8_t tag[16]);
/* Drop the FM's (held) reference on tag: capacity nothing else references
 * is freed (quarantined to be zeroed when a release asked for it or the
 * region is configured so).  Needs dcd_reserve_caps(d, caps with the tag). */
void dcd_fm_ref_drop(struct dcd *d, const uint8_t tag[16]);
/* Caps with tag. */
uint32_t dcd_tag_caps(const struct dcd *d, const uint8_t tag[16]);

/* Tag counts (dcd-index.c).  Reserve room for `more` new keys first: an
 * add then cannot fail.  add changes a key's counts by da and db (a key
 * whose counts both reach zero goes); -ENOMEM only without reservation. */
int dcd_tagmap_reserve(struct dcd_tagmap *m, uint32_t more);
const struct dcd_tagcount *dcd_tagmap_get(const struct dcd_tagmap *m, const uint8_t tag[16]);
int dcd_tagmap_add(struct dcd_tagmap *m, const uint8_t tag[16], int da, int db);
void dcd_tagmap_clear(struct dcd_tagmap *m);
void dcd_tagmap_free(struct dcd_tagmap *m);
/* Recount every index from caps, lists and groups (after loading state:
 * the image lists the caps in DPA order, and the tree keeps that order for
 * dcd_check() to verify). */
int dcd_index_rebuild(struct dcd *d);
/* The caps' DPA order (dcd-index.c): room for capcaps nodes; cap i just
 * appended / leaving (the last cap takes its index, ncaps drops); the tree
 * over the caps in array order; the cap indexes in DPA order (UINT32_MAX
 * when the tree is damaged).  dcd_cap_find() is the look-up. */
int dcd_capnode_reserve(struct dcd *d);
void dcd_cap_index_add(struct dcd *d, uint32_t i);
void dcd_cap_index_remove(struct dcd *d, uint32_t i);
void dcd_cap_index_build(struct dcd *d);
uint32_t dcd_caps_in_order(const struct dcd *d, uint32_t *order);
/* Count a list entry / a live group's extents in (delta 1) or out (-1). */
void dcd_host_count_list(struct dcd_host *h, const struct dcd_extent *x, int delta);
void dcd_host_count_group(struct dcd_host *h, const struct dcd_group *g, int delta);
/* Offer a group to h (taking x): reserve, then queue it.  Append an entry
 * to h's list (room reserved with dcd_reserve_list, its tag offered). */
int dcd_host_offer_reserve(struct dcd_host *h);
void dcd_host_offer(struct dcd_host *h, struct dcd_extent *x, uint32_t n);
void dcd_host_list_push(struct dcd_host *h, const struct dcd_extent *x);

/* Chains of ranges (4802h/4803h More). */
int dcd_chain_reserve(struct dcd_chain *c, uint32_t more);
void dcd_chain_clear(struct dcd_chain *c);
/* Forget the host's unfinished More chains (4802h and 4803h): a chain never
 * spans mailbox connections, so they go when the host's mailbox connection
 * closes and when state is loaded.  True if there was one. */
bool dcd_host_drop_chains(struct dcd_host *h);
/* Sort ranges by DPA; true if two of them overlap. */
bool dcd_ranges_overlap(struct dcd_range *r, uint32_t n);

/* ---- command handlers (fmapi.c, mailbox.c) ---- */
struct dcd_call {
	struct dcd *d;
	int port;
	const uint8_t *in;
	size_t inlen;
	uint8_t *out;
	size_t outcap;
	size_t outlen;
	bool changed;
};

int fm_get_dcd_info(struct dcd_call *c);
int fm_get_host_region_config(struct dcd_call *c);
int fm_set_region_config(struct dcd_call *c);
int fm_get_extent_lists(struct dcd_call *c);
int fm_initiate_add(struct dcd_call *c);
int fm_initiate_release(struct dcd_call *c);
int fm_add_reference(struct dcd_call *c);
int fm_remove_reference(struct dcd_call *c);
int fm_list_tags(struct dcd_call *c);

int mbox_get_dc_config(struct dcd_call *c);
int mbox_get_extent_list(struct dcd_call *c);
int mbox_add_response(struct dcd_call *c);
int mbox_release(struct dcd_call *c);

#endif /* TAGDAX_FABRIC_DCD_H */
