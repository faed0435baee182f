// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The region allocator: an AVL tree of free ranges (see alloc.h).
 *
 * Trimming a free range in place never changes its order relative to its
 * neighbours (ranges never overlap), so a node's start may move without a
 * re-insert; only the subtree maxima on its path need refreshing.  Nodes
 * come from a small spare pool so that a caller that reserved beforehand can
 * commit a change with no failure path.
 */
#include <errno.h>
#include <stdlib.h>

#include "alloc.h"

struct node {
	uint64_t start;
	uint64_t len;
	uint64_t max; /* longest free range in this subtree */
	struct node *left, *right;
	int height;
};

struct fabric_alloc {
	uint64_t base, end;
	struct node *root;
	struct node *spare; /* singly linked through ->right */
	size_t nspare;
	size_t count;
	uint64_t avail;
};

static int height(const struct node *n)
{
	return n ? n->height : 0;
}

static uint64_t maxlen(const struct node *n)
{
	return n ? n->max : 0;
}

static void fix(struct node *n)
{
	int hl = height(n->left), hr = height(n->right);
	uint64_t m = n->len;

	n->height = 1 + (hl > hr ? hl : hr);
	if (maxlen(n->left) > m)
		m = maxlen(n->left);
	if (maxlen(n->right) > m)
		m = maxlen(n->right);
	n->max = m;
}

static struct node *rotate_right(struct node *n)
{
	struct node *l = n->left;

	n->left = l->right;
	l->right = n;
	fix(n);
	fix(l);
	return l;
}

static struct node *rotate_left(struct node *n)
{
	struct node *r = n->right;

	n->right = r->left;
	r->left = n;
	fix(n);
	fix(r);
	return r;
}

static struct node *balance(struct node *n)
{
	int bf;

	fix(n);
	bf = height(n->left) - height(n->right);
	if (bf > 1) {
		if (height(n->left->left) < height(n->left->right))
			n->left = rotate_left(n->left);
		return rotate_right(n);
	}
	if (bf < -1) {
		if (height(n->right->right) < height(n->right->left))
			n->right = rotate_right(n->right);
		return rotate_left(n);
	}
	return n;
}

static struct node *insert(struct node *t, struct node *n)
{
	if (!t)
		return n;
	if (n->start < t->start)
		t->left = insert(t->left, n);
	else
		t->right = insert(t->right, n);
	return balance(t);
}

static struct node *unlink_min(struct node *t, struct node **min)
{
	if (!t->left) {
		*min = t;
		return t->right;
	}
	t->left = unlink_min(t->left, min);
	return balance(t);
}

/* Unlink the node whose start is key; *gone receives it. */
static struct node *unlink_key(struct node *t, uint64_t key, struct node **gone)
{
	struct node *min;

	if (!t)
		return NULL;
	if (key < t->start) {
		t->left = unlink_key(t->left, key, gone);
	} else if (key > t->start) {
		t->right = unlink_key(t->right, key, gone);
	} else {
		*gone = t;
		if (!t->left)
			return t->right;
		if (!t->right)
			return t->left;
		t->right = unlink_min(t->right, &min);
		min->left = t->left;
		min->right = t->right;
		return balance(min);
	}
	return balance(t);
}

/* Recompute the maxima on the path to the node starting at key. */
static void refresh(struct node *t, uint64_t key)
{
	if (!t)
		return;
	if (key < t->start)
		refresh(t->left, key);
	else if (key > t->start)
		refresh(t->right, key);
	fix(t);
}

/* Greatest start <= addr. */
static struct node *floor_node(struct node *t, uint64_t addr)
{
	struct node *best = NULL;

	while (t) {
		if (t->start <= addr) {
			best = t;
			t = t->right;
		} else {
			t = t->left;
		}
	}
	return best;
}

/* Smallest start >= addr. */
static struct node *ceil_node(struct node *t, uint64_t addr)
{
	struct node *best = NULL;

	while (t) {
		if (t->start >= addr) {
			best = t;
			t = t->left;
		} else {
			t = t->right;
		}
	}
	return best;
}

static struct node *first_fit(struct node *t, uint64_t len)
{
	while (t) {
		if (maxlen(t->left) >= len)
			t = t->left;
		else if (t->len >= len)
			return t;
		else if (maxlen(t->right) >= len)
			t = t->right;
		else
			return NULL;
	}
	return NULL;
}

int fabric_alloc_reserve(struct fabric_alloc *a, size_t n)
{
	while (a->nspare < n) {
		struct node *s = calloc(1, sizeof(*s));

		if (!s)
			return -ENOMEM;
		s->right = a->spare;
		a->spare = s;
		a->nspare++;
	}
	return 0;
}

static struct node *node_get(struct fabric_alloc *a, uint64_t start, uint64_t len)
{
	struct node *n = a->spare;

	a->spare = n->right;
	a->nspare--;
	*n = (struct node){ .start = start, .len = len, .max = len, .height = 1 };
	return n;
}

static void node_put(struct fabric_alloc *a, struct node *n)
{
	/* Keep a few spares around; the rest go back to the heap. */
	if (a->nspare >= 8) {
		free(n);
		return;
	}
	n->right = a->spare;
	a->spare = n;
	a->nspare++;
}

static void add_node(struct fabric_alloc *a, uint64_t start, uint64_t len)
{
	a->root = insert(a->root, node_get(a, start, len));
	a->count++;
}

static void del_node(struct fabric_alloc *a, uint64_t start)
{
	struct node *gone = NULL;

	a->root = unlink_key(a->root, start, &gone);
	node_put(a, gone);
	a->count--;
}

static struct fabric_alloc *alloc_new(uint64_t base, uint64_t length)
{
	struct fabric_alloc *a;

	if (length == 0 || base + length < base)
		return NULL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->base = base;
	a->end = base + length;
	return a;
}

struct fabric_alloc *fabric_alloc_new_full(uint64_t base, uint64_t length)
{
	return alloc_new(base, length);
}

struct fabric_alloc *fabric_alloc_new(uint64_t base, uint64_t length)
{
	struct fabric_alloc *a = alloc_new(base, length);

	if (!a)
		return NULL;
	if (fabric_alloc_free(a, base, length) < 0) {
		fabric_alloc_destroy(a);
		return NULL;
	}
	return a;
}

static void free_tree(struct node *t)
{
	if (!t)
		return;
	free_tree(t->left);
	free_tree(t->right);
	free(t);
}

void fabric_alloc_destroy(struct fabric_alloc *a)
{
	if (!a)
		return;
	free_tree(a->root);
	while (a->spare) {
		struct node *n = a->spare;

		a->spare = n->right;
		free(n);
	}
	free(a);
}

static bool inside(const struct fabric_alloc *a, uint64_t start, uint64_t len)
{
	return len > 0 && start >= a->base && start + len > start && start + len <= a->end;
}

int fabric_alloc_range(struct fabric_alloc *a, uint64_t start, uint64_t len)
{
	struct node *n;
	uint64_t end = start + len, nend;

	if (!inside(a, start, len))
		return -ERANGE;
	n = floor_node(a->root, start);
	if (!n || n->start + n->len < end)
		return -EBUSY;
	nend = n->start + n->len;
	if (n->start == start && nend == end) {
		del_node(a, start);
	} else if (n->start == start) {
		n->start = end; /* same place in the order: no re-insert */
		n->len -= len;
		refresh(a->root, n->start);
	} else if (nend == end) {
		n->len -= len;
		refresh(a->root, n->start);
	} else {
		if (fabric_alloc_reserve(a, 1) < 0)
			return -ENOMEM;
		n->len = start - n->start;
		refresh(a->root, n->start);
		add_node(a, end, nend - end);
	}
	a->avail -= len;
	return 0;
}

int fabric_alloc_free(struct fabric_alloc *a, uint64_t start, uint64_t len)
{
	struct node *pred, *succ;
	uint64_t end = start + len;
	bool join_pred, join_succ;

	if (!inside(a, start, len))
		return -ERANGE;
	pred = floor_node(a->root, start);
	succ = ceil_node(a->root, start);
	if (pred && pred->start + pred->len > start)
		return -EINVAL;
	if (succ && succ->start < end)
		return -EINVAL;
	join_pred = pred && pred->start + pred->len == start;
	join_succ = succ && succ->start == end;
	if (join_pred && join_succ) {
		uint64_t slen = succ->len;

		del_node(a, succ->start); /* relinks nodes; pred stays valid */
		pred->len += len + slen;
		refresh(a->root, pred->start);
	} else if (join_pred) {
		pred->len += len;
		refresh(a->root, pred->start);
	} else if (join_succ) {
		succ->start = start;
		succ->len += len;
		refresh(a->root, start);
	} else {
		if (fabric_alloc_reserve(a, 1) < 0)
			return -ENOMEM;
		add_node(a, start, len);
	}
	a->avail += len;
	return 0;
}

int fabric_alloc_find(const struct fabric_alloc *a, uint64_t len, uint64_t *start)
{
	struct node *n;

	if (len == 0)
		return -EINVAL;
	n = first_fit(a->root, len);
	if (!n)
		return -ENOSPC;
	*start = n->start;
	return 0;
}

int fabric_alloc_contiguous(struct fabric_alloc *a, uint64_t len, uint64_t *start)
{
	struct node *n;

	if (len == 0)
		return -EINVAL;
	n = first_fit(a->root, len);
	if (!n)
		return -ENOSPC;
	*start = n->start;
	return fabric_alloc_range(a, n->start, len);
}

int fabric_alloc_scatter(struct fabric_alloc *a, uint64_t len, struct fabric_range *out,
			 size_t max, size_t *n)
{
	struct fabric_range r;
	uint64_t left = len, addr = a->base;
	size_t k = 0;

	if (len == 0)
		return -EINVAL;
	if (len > a->avail)
		return -ENOSPC;
	/* Plan first so a failure leaves the tree untouched. */
	while (left > 0) {
		if (fabric_alloc_next(a, addr, &r) < 0)
			return -ENOSPC;
		if (k == max)
			return -E2BIG;
		out[k].start = r.start;
		out[k].len = r.len < left ? r.len : left;
		left -= out[k].len;
		addr = r.start + r.len;
		k++;
	}
	/* Taking a prefix of a free range never splits a node: no -ENOMEM. */
	for (size_t i = 0; i < k; i++)
		fabric_alloc_range(a, out[i].start, out[i].len);
	*n = k;
	return 0;
}

bool fabric_alloc_is_free(const struct fabric_alloc *a, uint64_t start, uint64_t len)
{
	struct node *n;

	if (!inside(a, start, len))
		return false;
	n = floor_node(a->root, start);
	return n && n->start + n->len >= start + len;
}

bool fabric_alloc_is_used(const struct fabric_alloc *a, uint64_t start, uint64_t len)
{
	struct node *n;

	if (!inside(a, start, len))
		return false;
	n = floor_node(a->root, start);
	if (n && n->start + n->len > start)
		return false;
	n = ceil_node(a->root, start);
	return !(n && n->start < start + len);
}

uint64_t fabric_alloc_avail(const struct fabric_alloc *a)
{
	return a->avail;
}

size_t fabric_alloc_count(const struct fabric_alloc *a)
{
	return a->count;
}

uint64_t fabric_alloc_largest(const struct fabric_alloc *a)
{
	return maxlen(a->root);
}

int fabric_alloc_next(const struct fabric_alloc *a, uint64_t addr, struct fabric_range *out)
{
	struct node *n = ceil_node(a->root, addr);

	if (!n)
		return -ENOENT;
	out->start = n->start;
	out->len = n->len;
	return 0;
}

static int walk(const struct node *t, int (*fn)(void *, uint64_t, uint64_t), void *arg)
{
	int rc;

	if (!t)
		return 0;
	rc = walk(t->left, fn, arg);
	if (rc)
		return rc;
	rc = fn(arg, t->start, t->len);
	if (rc)
		return rc;
	return walk(t->right, fn, arg);
}

int fabric_alloc_foreach(const struct fabric_alloc *a,
			 int (*fn)(void *arg, uint64_t start, uint64_t len), void *arg)
{
	return walk(a->root, fn, arg);
}
