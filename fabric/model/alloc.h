/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Block allocator of one DC region.  The free space is an AVL tree of free
 * ranges keyed by start address; each node also carries the largest free
 * range of its subtree, so first-fit is a single descent.  Every operation
 * is O(log n) in the number of free ranges, which stays fast with 100,000
 * live extents.  The allocator works in bytes and never rounds: callers
 * hand it block-aligned ranges, so every free range stays block-aligned.
 */
#ifndef TAGDAX_FABRIC_ALLOC_H
#define TAGDAX_FABRIC_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fabric_alloc;

struct fabric_range {
	uint64_t start;
	uint64_t len;
};

/* A region [base, base + length), all free. NULL on ENOMEM. */
struct fabric_alloc *fabric_alloc_new(uint64_t base, uint64_t length);
void fabric_alloc_destroy(struct fabric_alloc *a);
/* Like new, but everything allocated: free ranges are then added one by one
 * (used to rebuild the tree from saved state). */
struct fabric_alloc *fabric_alloc_new_full(uint64_t base, uint64_t length);

/* Contiguous policy: the lowest-addressed free range of at least len bytes.
 * -ENOSPC when no single free range is long enough. */
int fabric_alloc_contiguous(struct fabric_alloc *a, uint64_t len, uint64_t *start);

/* Where contiguous would allocate, without allocating. */
int fabric_alloc_find(const struct fabric_alloc *a, uint64_t len, uint64_t *start);

/* Free policy: the lowest-addressed free ranges until len bytes are covered,
 * at most max pieces; all or nothing.  out[] receives the pieces in address
 * order, *n their number.  -ENOSPC when len exceeds the free bytes, -E2BIG
 * when more than max pieces would be needed. */
int fabric_alloc_scatter(struct fabric_alloc *a, uint64_t len, struct fabric_range *out,
			 size_t max, size_t *n);

/* Prescriptive: exactly [start, start + len). -EBUSY if any of it is not
 * free, -ERANGE if it leaves the region. */
int fabric_alloc_range(struct fabric_alloc *a, uint64_t start, uint64_t len);

/* Give [start, start + len) back, merging with free neighbours.  -EINVAL if
 * any of it is already free (a double free), -ERANGE if outside. */
int fabric_alloc_free(struct fabric_alloc *a, uint64_t start, uint64_t len);

/* Make the next n operations unable to fail with -ENOMEM, so a caller can
 * validate, reserve, then commit a multi-step change that cannot fail. */
int fabric_alloc_reserve(struct fabric_alloc *a, size_t n);

bool fabric_alloc_is_free(const struct fabric_alloc *a, uint64_t start, uint64_t len);
/* True when no byte of [start, start + len) is free. */
bool fabric_alloc_is_used(const struct fabric_alloc *a, uint64_t start, uint64_t len);

/* Free bytes, number of free ranges, longest free range. */
uint64_t fabric_alloc_avail(const struct fabric_alloc *a);
size_t fabric_alloc_count(const struct fabric_alloc *a);
uint64_t fabric_alloc_largest(const struct fabric_alloc *a);

/* The first free range starting at or after addr: 0, or -ENOENT. */
int fabric_alloc_next(const struct fabric_alloc *a, uint64_t addr, struct fabric_range *out);

/* Walk the free ranges in address order; a non-zero return stops the walk
 * and is returned. */
int fabric_alloc_foreach(const struct fabric_alloc *a,
			 int (*fn)(void *arg, uint64_t start, uint64_t len), void *arg);

#endif /* TAGDAX_FABRIC_ALLOC_H */
