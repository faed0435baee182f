// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tagdax fabric list: the fabric as its manager sees it, built only from
 * the FM API (5601h region configuration, 5603h each host's extent list):
 * regions, allocations (one per tag; untagged extents one each) and the
 * hosts that hold each, and (5608h List Tags, pending reference bitmaps) the
 * hosts a tag is offered to that have not answered yet.  A tag only offered
 * has no extents in any list: its region and size are not known to the FM
 * API.  The output is a pure function of the device state, so two listings
 * of an unchanged fabric are byte-identical.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fabric.h"

struct alloc {
	struct tagdax_tag tag;
	int region;
	uint64_t size;
	struct tagdax_fm_extent *ext; /* as the first host that holds it lists them */
	uint32_t n;
	unsigned int first;      /* index of that host */
	bool *held;              /* per configured host */
	bool *pending;           /* per configured host: offered, not answered */
	bool fm_ref;             /* the FM holds a reference (5606h) */
};

struct view {
	struct tagdax_fm_region regions[8];
	unsigned int nregions;
	struct alloc *a;
	size_t n, cap;
};

static int region_of(const struct view *v, const struct tagdax_fm_extent *e)
{
	for (unsigned int i = 0; i < v->nregions; i++)
		if (e->dpa - v->regions[i].base < v->regions[i].length)
			return (int)i;
	return -1;
}

static struct alloc *alloc_for(struct view *v, const struct tagdax_fm_extent *e, unsigned int host,
			       unsigned int nhosts)
{
	static const uint8_t null_tag[16];

	for (size_t i = 0; memcmp(e->tag, null_tag, 16) && i < v->n; i++)
		if (!memcmp(v->a[i].tag.b, e->tag, 16))
			return &v->a[i];
	if (v->n == v->cap) {
		size_t cap = v->cap ? 2 * v->cap : 16;
		struct alloc *bigger = realloc(v->a, cap * sizeof(*bigger));

		if (!bigger)
			return NULL;
		v->a = bigger;
		v->cap = cap;
	}
	memset(&v->a[v->n], 0, sizeof(v->a[0]));
	memcpy(v->a[v->n].tag.b, e->tag, 16);
	v->a[v->n].region = region_of(v, e);
	v->a[v->n].first = host;
	v->a[v->n].held = calloc(nhosts, sizeof(bool));
	v->a[v->n].pending = calloc(nhosts, sizeof(bool));
	return v->a[v->n].held && v->a[v->n].pending ? &v->a[v->n++] : NULL;
}

static int add_extent(struct alloc *a, const struct tagdax_fm_extent *e)
{
	struct tagdax_fm_extent *bigger = realloc(a->ext, (a->n + 1) * sizeof(*bigger));

	if (!bigger)
		return -1;
	a->ext = bigger;
	a->ext[a->n++] = *e;
	a->size += e->length;
	return 0;
}

static int add_host(struct view *v, struct fab *f, unsigned int h)
{
	struct tagdax_fm_extent *x;
	uint32_t n;
	int rc = tagdax_fm_get_host_extents(f->fm, fab_host_id(f, h), &x, &n);

	if (rc)
		return fab_cci_error(tagdax_fm_opcode_name(TAGDAX_FM_OP_GET_DC_REGION_EXTENT_LISTS),
				     rc);
	for (uint32_t i = 0; i < n; i++) {
		struct alloc *a = alloc_for(v, &x[i], h, fab_nhosts(f));

		if (!a || (a->first == h && add_extent(a, &x[i]))) {
			free(x);
			return EXIT_SYSTEM;
		}
		a->held[h] = true;
	}
	free(x);
	return EXIT_OK;
}

/* Each tag's FM reference flag and the hosts it is offered to (5608h
 * bitmaps, decoded to the configured hosts).  A tag only offered, or only
 * referenced by the FM, has no extents in any host's list. */
static int add_tags(struct view *v, struct fab *f)
{
	struct tagdax_fm_tag *t;
	uint32_t n;
	int rc = tagdax_fm_list_all_tags(f->fm, &t, &n);

	if (rc)
		return fab_cci_error(tagdax_fm_opcode_name(TAGDAX_FM_OP_LIST_TAGS), rc);
	for (uint32_t i = 0; rc == 0 && i < n; i++) {
		struct tagdax_fm_extent e = { .dpa = UINT64_MAX };
		bool listed = t[i].fm_ref;
		struct alloc *a;

		for (unsigned int h = 0; h < fab_nhosts(f); h++)
			listed |= tagdax_fm_bitmap_has(t[i].pending, fab_host_id(f, h)) ||
				  tagdax_fm_bitmap_has(t[i].ref, fab_host_id(f, h));
		if (!listed)
			continue;
		memcpy(e.tag, t[i].tag, 16);
		if (!(a = alloc_for(v, &e, 0, fab_nhosts(f)))) {
			rc = EXIT_SYSTEM;
			break;
		}
		a->fm_ref = t[i].fm_ref;
		for (unsigned int h = 0; h < fab_nhosts(f); h++) {
			a->pending[h] |= tagdax_fm_bitmap_has(t[i].pending, fab_host_id(f, h));
			a->held[h] |= tagdax_fm_bitmap_has(t[i].ref, fab_host_id(f, h));
		}
	}
	free(t);
	return rc;
}

static int by_place(const void *x, const void *y)
{
	const struct alloc *a = x, *b = y;

	/* offered only (no extents yet): last, in tag order */
	if (!a->n || !b->n)
		return a->n != b->n ? (a->n ? -1 : 1) : memcmp(a->tag.b, b->tag.b, 16);
	if (a->region != b->region)
		return a->region < b->region ? -1 : 1;
	return a->ext[0].dpa < b->ext[0].dpa ? -1 : a->ext[0].dpa > b->ext[0].dpa;
}

static int view_load(struct view *v, struct fab *f)
{
	int rc = fab_regions(f, v->regions, &v->nregions);

	for (unsigned int h = 0; rc == 0 && h < fab_nhosts(f); h++)
		rc = add_host(v, f, h);
	if (rc == 0)
		rc = add_tags(v, f);
	if (rc == 0 && v->n)
		qsort(v->a, v->n, sizeof(*v->a), by_place);
	return rc;
}

static void view_free(struct view *v)
{
	for (size_t i = 0; i < v->n; i++) {
		free(v->a[i].ext);
		free(v->a[i].held);
		free(v->a[i].pending);
	}
	free(v->a);
}

/* "24M" when exact, else bytes. */
static const char *human(uint64_t v, char buf[32])
{
	static const char units[] = "KMGT";
	int u = -1;

	while (u < 3 && v && v % 1024 == 0) {
		v /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, 32, "%" PRIu64, v);
	else
		snprintf(buf, 32, "%" PRIu64 "%c", v, units[u]);
	return buf;
}

static void print_text(const struct view *v, struct fab *f)
{
	char a[32], b[32], tag[TAGDAX_TAG_STRLEN];

	printf("%-7s %-14s %-8s %-6s %s\n", "REGION", "BASE", "LENGTH", "BLOCK", "FLAGS");
	for (unsigned int i = 0; i < v->nregions; i++) {
		const struct tagdax_fm_region *r = &v->regions[i];
		bool sharable = r->attr1 & TAGDAX_FM_ATTR1_SHARABLE;
		bool sanitize = r->sanitize_on_release;

		printf("%-7u 0x%-12" PRIx64 " %-8s %-6s %s%s%s\n", i, r->base, human(r->length, a),
		       human(r->block_size, b), sharable ? "sharable" : "",
		       sharable && sanitize ? "," : "", sanitize ? "sanitize-on-release" : "");
	}
	printf("\n%-16s %s\n", "HOST", "AGENT");
	for (unsigned int h = 0; h < fab_nhosts(f); h++)
		printf("%-16s %s\n", fab_host_at(f, h),
		       tagdax_fabric_agent_alive(f->fab, fab_host_at(f, h)) ? "alive" : "dead");
	printf("\n%-36s  %-6s %-8s %-7s %s\n", "TAG", "REGION", "SIZE", "EXTENTS", "HOSTS");
	if (!v->n)
		printf("(no allocations)\n");
	for (size_t i = 0; i < v->n; i++) {
		const struct alloc *al = &v->a[i];
		bool first = true;

		tagdax_tag_unparse(&al->tag, tag);
		if (al->n)
			printf("%-36s  %-6d %-8s %-7u ",
			       tagdax_tag_is_null(&al->tag) ? "(untagged)" : tag, al->region,
			       human(al->size, a), al->n);
		else
			printf("%-36s  %-6s %-8s %-7u ", tag, "-", "-", 0u);
		for (unsigned int h = 0; h < fab_nhosts(f); h++)
			if (al->held[h] || al->pending[h]) {
				printf("%s%s%s", first ? "" : ",", fab_host_at(f, h),
				       al->held[h] ? "" : "(pending)");
				first = false;
			}
		printf("%s%s\n", al->fm_ref && !first ? "," : "", al->fm_ref ? "[fm]" : "");
	}
}

static struct json_object *extent_json(const struct tagdax_fm_extent *e)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "dpa", json_object_new_uint64(e->dpa));
	json_object_object_add(o, "length", json_object_new_uint64(e->length));
	json_object_object_add(o, "seq", json_object_new_int(e->shared_seq));
	return o;
}

static struct json_object *region_json(const struct tagdax_fm_region *r, unsigned int i)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "region", json_object_new_int((int)i));
	json_object_object_add(o, "base", json_object_new_uint64(r->base));
	json_object_object_add(o, "length", json_object_new_uint64(r->length));
	json_object_object_add(o, "block_size", json_object_new_uint64(r->block_size));
	json_object_object_add(o, "sharable",
			       json_object_new_boolean(r->attr1 & TAGDAX_FM_ATTR1_SHARABLE));
	json_object_object_add(o, "sanitize_on_release",
			       json_object_new_boolean(r->sanitize_on_release));
	return o;
}

static struct json_object *alloc_json(const struct alloc *al, struct fab *f)
{
	struct json_object *o = json_object_new_object(), *x = json_object_new_array();
	struct json_object *hosts = json_object_new_array(), *pending = json_object_new_array();
	char tag[TAGDAX_TAG_STRLEN];

	tagdax_tag_unparse(&al->tag, tag);
	json_object_object_add(o, "tag", tagdax_tag_is_null(&al->tag) ? NULL
					: json_object_new_string(tag));
	/* offered only: region and size are not known yet */
	json_object_object_add(o, "region", al->n ? json_object_new_int(al->region) : NULL);
	json_object_object_add(o, "size", al->n ? json_object_new_uint64(al->size) : NULL);
	for (uint32_t i = 0; i < al->n; i++)
		json_object_array_add(x, extent_json(&al->ext[i]));
	json_object_object_add(o, "extents", x);
	for (unsigned int h = 0; h < fab_nhosts(f); h++)
		if (al->held[h])
			json_object_array_add(hosts, json_object_new_string(fab_host_at(f, h)));
		else if (al->pending[h])
			json_object_array_add(pending, json_object_new_string(fab_host_at(f, h)));
	json_object_object_add(o, "hosts", hosts);
	json_object_object_add(o, "pending", pending);
	json_object_object_add(o, "fm_ref", json_object_new_boolean(al->fm_ref));
	return o;
}

/* One range of DIR/quarantine as a text row or a JSON object. */
static void range_out(struct json_object **arr, bool text, const char *host, unsigned int r,
		      uint64_t dpa, uint64_t len)
{
	struct json_object *x;
	char a[32];

	if (text) {
		if (host)
			printf("%-16s ", host);
		printf("%-7u 0x%-16" PRIx64 " %s\n", r, dpa, human(len, a));
		return;
	}
	if (!*arr)
		*arr = json_object_new_array();
	x = json_object_new_object();
	if (host)
		json_object_object_add(x, "host", json_object_new_string(host));
	json_object_object_add(x, "region", json_object_new_int((int)r));
	json_object_object_add(x, "dpa", json_object_new_uint64(dpa));
	json_object_object_add(x, "length", json_object_new_uint64(len));
	json_object_array_add(*arr, x);
}

/* Capacity out of the allocator that no host holds, as the daemon lists it
 * in DIR/quarantine: released ranges not zeroed yet ("region R dpa D
 * length L"), and force-released ranges their host has not acknowledged
 * revoking yet ("revoking HOST region R dpa D length L").  One line kind
 * per call (revoking or not).  As text (o NULL), a section after the
 * allocations; in JSON, the key "quarantined" or "revoking" (only when
 * there is some). */
static void out_of_allocator(struct fab *f, struct json_object *o, bool revoking)
{
	char path[PATH_MAX + 16], line[256], host[33]; /* a host name is 32 at most */
	struct json_object *q = NULL;
	uint64_t dpa, len;
	unsigned int r, n = 0;
	FILE *in;

	snprintf(path, sizeof(path), "%s/quarantine", f->dir);
	in = fopen(path, "re");
	while (in && fgets(line, sizeof(line), in)) {
		if (revoking ? sscanf(line, "revoking %32s region %u dpa %" SCNu64
				      " length %" SCNu64, host, &r, &dpa, &len) != 4
			     : sscanf(line, "region %u dpa %" SCNu64 " length %" SCNu64, &r, &dpa,
				      &len) != 3)
			continue;
		if (!o && !n++ && revoking)
			printf("\nREVOKING (force-released, its host has not confirmed the "
			       "revocation yet: not allocatable)\n%-16s %-7s %-18s %s\n", "HOST",
			       "REGION", "DPA", "LENGTH");
		else if (!o && n == 1)
			printf("\nQUARANTINED (released, not zeroed yet: not allocatable)\n"
			       "%-7s %-18s %s\n", "REGION", "DPA", "LENGTH");
		range_out(&q, !o, revoking ? host : NULL, r, dpa, len);
	}
	if (in)
		fclose(in);
	if (q)
		json_object_object_add(o, revoking ? "revoking" : "quarantined", q);
}

static void print_view_json(const struct view *v, struct fab *f)
{
	struct json_object *o = json_object_new_object(), *r = json_object_new_array();
	struct json_object *a = json_object_new_array(), *hosts = json_object_new_array();

	for (unsigned int i = 0; i < v->nregions; i++)
		json_object_array_add(r, region_json(&v->regions[i], i));
	for (unsigned int i = 0; i < fab_nhosts(f); i++) {
		struct json_object *h = json_object_new_object();

		json_object_object_add(h, "id", json_object_new_int(fab_host_id(f, i)));
		json_object_object_add(h, "name", json_object_new_string(fab_host_at(f, i)));
		json_object_object_add(h, "agent_alive", json_object_new_boolean(
			tagdax_fabric_agent_alive(f->fab, fab_host_at(f, i))));
		json_object_array_add(hosts, h);
	}
	for (size_t i = 0; i < v->n; i++)
		json_object_array_add(a, alloc_json(&v->a[i], f));
	json_object_object_add(o, "regions", r);
	json_object_object_add(o, "hosts", hosts);
	json_object_object_add(o, "allocations", a);
	out_of_allocator(f, o, false);
	out_of_allocator(f, o, true);
	print_json(o);
	json_object_put(o);
}

int fabric_list(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = fab_env_dir();
	struct view v = { .nregions = 0 };
	struct fab f;
	int opt, rc;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'd')
			dir = optarg;
		else if (opt == 'j')
			cli->json = true;
		else
			return usage_error(cli, "fabric list: bad option");
	}
	if (!dir || optind < argc)
		return usage_error(cli, "fabric list takes --dir DIR [--json]");
	if ((rc = fab_attach(&f, dir, true, FAB_CALL_TIMEOUT_MS)))
		return rc;
	rc = view_load(&v, &f);
	if (rc == 0 && cli->json)
		print_view_json(&v, &f);
	else if (rc == 0)
		print_text(&v, &f);
	if (rc == 0 && !cli->json) {
		out_of_allocator(&f, NULL, false);
		out_of_allocator(&f, NULL, true);
	}
	view_free(&v);
	fab_detach(&f);
	return rc;
}
