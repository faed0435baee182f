// SPDX-License-Identifier: LGPL-2.1-or-later
/* Fabric configuration: JSON parsing and validation (see config.h). */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "fabric-config.h"
#include "size.h"

#define DEFAULT_EVENT_LOG_SIZE 256
/* Record handles run 1..65535 (eventlog.c), so no log may hold more records. */
#define EVLOG_MAX_HANDLES 65535u
#define DEFAULT_FM_EVENT_LOG_SIZE 1024
#define DEFAULT_MAX_EXTENTS 4096
#define DEFAULT_MAX_TAGS 1024
#define DEFAULT_MIN_BLOCK (2ull << 20)
#define DEFAULT_IDLE_TIMEOUT_MS 60000
#define DEFAULT_MESSAGE_TIMEOUT_MS 10000

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int fabric_parse_size(const char *text, uint64_t *out)
{
	return util_parse_size(text, out);
}

/* A size field: a JSON string with a suffix or a non-negative integer. */
static int get_size(json_object *o, const char *where, uint64_t *out, char *err, size_t errlen)
{
	if (json_object_is_type(o, json_type_int)) {
		int64_t v = json_object_get_int64(o);

		if (v < 0)
			return fail(err, errlen, "%s: size must not be negative", where);
		*out = (uint64_t)v;
		return 0;
	}
	if (!json_object_is_type(o, json_type_string) ||
	    fabric_parse_size(json_object_get_string(o), out) < 0)
		return fail(err, errlen, "%s: '%s' is not a size (like \"2M\", \"1G\")", where,
			    json_object_to_json_string(o));
	return 0;
}

static int get_u32(json_object *o, const char *where, uint32_t min, uint32_t max, uint32_t *out,
		   char *err, size_t errlen)
{
	int64_t v;

	if (!json_object_is_type(o, json_type_int))
		return fail(err, errlen, "%s: expected an integer", where);
	v = json_object_get_int64(o);
	if (v < min || v > max)
		return fail(err, errlen, "%s: %" PRId64 " is out of range %u..%u", where, v, min,
			    max);
	*out = (uint32_t)v;
	return 0;
}

static int get_bool(json_object *o, const char *where, bool *out, char *err, size_t errlen)
{
	if (!json_object_is_type(o, json_type_boolean))
		return fail(err, errlen, "%s: expected true or false", where);
	*out = json_object_get_boolean(o);
	return 0;
}

static bool name_ok(const char *s)
{
	size_t n = strlen(s);

	/* a name is a directory under DIR/hosts: never a hidden one (nor . and ..) */
	if (n == 0 || n > FABRIC_HOST_NAME_MAX || s[0] == '.')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("_.-", *s))
			return false;
	return true;
}

static int parse_host(json_object *o, unsigned int i, struct fabric_host_cfg *h, char *err,
		      size_t errlen)
{
	char where[64];
	uint32_t id = UINT32_MAX;
	const char *name = NULL;

	if (!json_object_is_type(o, json_type_object))
		return fail(err, errlen, "hosts[%u]: expected an object", i);
	json_object_object_foreach(o, key, val) {
		snprintf(where, sizeof(where), "hosts[%u].%s", i, key);
		if (!strcmp(key, "id")) {
			if (get_u32(val, where, 0, UINT16_MAX, &id, err, errlen) < 0)
				return -EINVAL;
			if (id > FABRIC_MAX_HOST_ID)
				return fail(err, errlen,
					    "%s: %u is out of range 0..%d (5608h List Tags has "
					    "one bit per host id)",
					    where, id, FABRIC_MAX_HOST_ID);
		} else if (!strcmp(key, "name")) {
			if (!json_object_is_type(val, json_type_string))
				return fail(err, errlen, "%s: expected a string", where);
			name = json_object_get_string(val);
		} else {
			return fail(err, errlen, "hosts[%u]: unknown key '%s'", i, key);
		}
	}
	if (id == UINT32_MAX)
		return fail(err, errlen, "hosts[%u]: 'id' is missing", i);
	if (!name)
		return fail(err, errlen, "hosts[%u]: 'name' is missing", i);
	if (!name_ok(name))
		return fail(err, errlen,
			    "hosts[%u].name: '%s' must be 1 to %d letters, digits, '_', '.' or '-', "
			    "not starting with '.'",
			    i, name, FABRIC_HOST_NAME_MAX);
	h->id = (uint16_t)id;
	snprintf(h->name, sizeof(h->name), "%s", name);
	return 0;
}

static int parse_region(json_object *o, unsigned int i, struct fabric_region_cfg *r,
			char *err, size_t errlen)
{
	char where[64];
	bool have_base = false, have_len = false;

	if (!json_object_is_type(o, json_type_object))
		return fail(err, errlen, "regions[%u]: expected an object", i);
	r->block_size = DEFAULT_MIN_BLOCK;
	json_object_object_foreach(o, key, val) {
		int rc;

		snprintf(where, sizeof(where), "regions[%u].%s", i, key);
		if (!strcmp(key, "base")) {
			rc = get_size(val, where, &r->base, err, errlen);
			have_base = true;
		} else if (!strcmp(key, "length")) {
			rc = get_size(val, where, &r->length, err, errlen);
			have_len = true;
		} else if (!strcmp(key, "block_size")) {
			rc = get_size(val, where, &r->block_size, err, errlen);
		} else if (!strcmp(key, "sharable")) {
			rc = get_bool(val, where, &r->sharable, err, errlen);
		} else if (!strcmp(key, "sanitize_on_release")) {
			rc = get_bool(val, where, &r->sanitize_on_release, err, errlen);
		} else {
			return fail(err, errlen, "regions[%u]: unknown key '%s'", i, key);
		}
		if (rc < 0)
			return rc;
	}
	if (!have_base || !have_len)
		return fail(err, errlen, "regions[%u]: 'base' and 'length' are required", i);
	return 0;
}

static int parse_backing(json_object *o, struct fabric_config *c, char *err, size_t errlen)
{
	const char *type = NULL, *path = NULL;

	if (!json_object_is_type(o, json_type_object))
		return fail(err, errlen, "backing: expected an object");
	json_object_object_foreach(o, key, val) {
		if (!strcmp(key, "type") && json_object_is_type(val, json_type_string)) {
			type = json_object_get_string(val);
		} else if (!strcmp(key, "path") && json_object_is_type(val, json_type_string)) {
			path = json_object_get_string(val);
		} else if (!strcmp(key, "offset")) {
			if (get_size(val, "backing.offset", &c->backing_offset, err, errlen) < 0)
				return -EINVAL;
		} else {
			return fail(err, errlen, "backing: unknown or mistyped key '%s'", key);
		}
	}
	if (!type || !strcmp(type, "dir")) {
		if (path)
			return fail(err, errlen, "backing: 'path' is only for type \"file\"");
		c->backing = FABRIC_BACKING_DIR;
		return 0;
	}
	if (strcmp(type, "file"))
		return fail(err, errlen, "backing.type: '%s' is not \"dir\" or \"file\"", type);
	if (!path || !*path)
		return fail(err, errlen, "backing: type \"file\" needs a 'path'");
	if (strlen(path) >= sizeof(c->backing_path))
		return fail(err, errlen, "backing.path: too long");
	c->backing = FABRIC_BACKING_FILE;
	snprintf(c->backing_path, sizeof(c->backing_path), "%s", path);
	return 0;
}

static bool pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

static int check_regions(const struct fabric_config *c, char *err, size_t errlen)
{
	for (unsigned int i = 0; i < c->nregions; i++) {
		const struct fabric_region_cfg *r = &c->regions[i];

		if (!pow2(r->block_size) || r->block_size < c->min_block_size)
			return fail(err, errlen,
				    "regions[%u].block_size: %" PRIu64
				    " must be a power of two of at least %" PRIu64 " bytes",
				    i, r->block_size, c->min_block_size);
		if (r->base % FABRIC_DECODE_UNIT)
			return fail(err, errlen, "regions[%u].base: must be a multiple of 256M", i);
		if (!r->length || r->length % r->block_size)
			return fail(err, errlen,
				    "regions[%u].length: must be a non-zero multiple of the block size",
				    i);
		if (r->base + r->length < r->base)
			return fail(err, errlen, "regions[%u]: base + length overflows", i);
		if (i > 0 && r->base < c->regions[i - 1].base + c->regions[i - 1].length)
			return fail(err, errlen,
				    "regions[%u]: regions must be in address order and must not overlap",
				    i);
	}
	return 0;
}

static int check_hosts(const struct fabric_config *c, char *err, size_t errlen)
{
	for (unsigned int i = 0; i < c->nhosts; i++)
		for (unsigned int j = 0; j < i; j++) {
			if (c->hosts[i].id == c->hosts[j].id)
				return fail(err, errlen, "hosts[%u]: id %u is used twice", i,
					    c->hosts[i].id);
			if (!strcmp(c->hosts[i].name, c->hosts[j].name))
				return fail(err, errlen, "hosts[%u]: name '%s' is used twice", i,
					    c->hosts[i].name);
		}
	return 0;
}

static int parse_array(json_object *val, const char *what, unsigned int max, char *err,
		       size_t errlen)
{
	size_t n;

	if (!json_object_is_type(val, json_type_array))
		return fail(err, errlen, "%s: expected an array", what);
	n = json_object_array_length(val);
	if (n == 0 || n > max)
		return fail(err, errlen, "%s: between 1 and %u entries, not %zu", what, max, n);
	return (int)n;
}

static int parse_top(json_object *root, struct fabric_config *c, char *err, size_t errlen)
{
	int rc = 0, n;

	json_object_object_foreach(root, key, val) {
		if (!strcmp(key, "hosts")) {
			n = parse_array(val, "hosts", FABRIC_MAX_HOSTS, err, errlen);
			if (n < 0)
				return n;
			c->nhosts = (unsigned int)n;
			for (int i = 0; i < n && !rc; i++)
				rc = parse_host(json_object_array_get_idx(val, (size_t)i),
						(unsigned int)i, &c->hosts[i], err, errlen);
		} else if (!strcmp(key, "regions")) {
			n = parse_array(val, "regions", FABRIC_MAX_REGIONS, err, errlen);
			if (n < 0)
				return n;
			c->nregions = (unsigned int)n;
			for (int i = 0; i < n && !rc; i++)
				rc = parse_region(json_object_array_get_idx(val, (size_t)i),
						  (unsigned int)i, &c->regions[i], err, errlen);
		} else if (!strcmp(key, "backing")) {
			rc = parse_backing(val, c, err, errlen);
		} else if (!strcmp(key, "event_log_size")) {
			rc = get_u32(val, key, 1, 4096, &c->event_log_size, err, errlen);
		} else if (!strcmp(key, "fm_event_log_size")) {
			rc = get_u32(val, key, 1, EVLOG_MAX_HANDLES, &c->fm_event_log_size, err,
				     errlen);
		} else if (!strcmp(key, "max_extents")) {
			rc = get_u32(val, key, 1, 1u << 20, &c->max_extents, err, errlen);
		} else if (!strcmp(key, "max_tags")) {
			rc = get_u32(val, key, 1, 1u << 20, &c->max_tags, err, errlen);
		} else if (!strcmp(key, "min_block_size")) {
			rc = get_size(val, key, &c->min_block_size, err, errlen);
			if (!rc && (!pow2(c->min_block_size) || c->min_block_size < 64))
				rc = fail(err, errlen,
					  "min_block_size: must be a power of two of at least 64");
		} else if (!strcmp(key, "idle_timeout_ms")) {
			rc = get_u32(val, key, 10, 86400000, &c->idle_timeout_ms, err, errlen);
		} else if (!strcmp(key, "message_timeout_ms")) {
			rc = get_u32(val, key, 10, 3600000, &c->message_timeout_ms, err, errlen);
		} else if (!strcmp(key, "max_connections")) {
			rc = get_u32(val, key, 8, 1u << 20, &c->max_connections, err, errlen);
		} else {
			rc = fail(err, errlen, "unknown key '%s'", key);
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

int fabric_config_parse(const char *json, struct fabric_config *out, char *err, size_t errlen)
{
	struct json_tokener *tok;
	json_object *root;
	int rc;

	memset(out, 0, sizeof(*out));
	out->event_log_size = DEFAULT_EVENT_LOG_SIZE;
	out->fm_event_log_size = DEFAULT_FM_EVENT_LOG_SIZE;
	out->max_extents = DEFAULT_MAX_EXTENTS;
	out->max_tags = DEFAULT_MAX_TAGS;
	out->min_block_size = DEFAULT_MIN_BLOCK;
	out->idle_timeout_ms = DEFAULT_IDLE_TIMEOUT_MS;
	out->message_timeout_ms = DEFAULT_MESSAGE_TIMEOUT_MS;

	tok = json_tokener_new();
	if (!tok)
		return -ENOMEM;
	root = json_tokener_parse_ex(tok, json, (int)strlen(json));
	if (!root || json_tokener_get_error(tok) != json_tokener_success ||
	    tok->char_offset != (int)strlen(json)) {
		rc = fail(err, errlen, "not valid JSON (%s, near byte %d)",
			  json_tokener_error_desc(json_tokener_get_error(tok)), tok->char_offset);
		/* trailing whitespace after a complete document is fine */
		if (root && json_tokener_get_error(tok) == json_tokener_success) {
			const char *p = json + tok->char_offset;

			while (isspace((unsigned char)*p))
				p++;
			if (!*p)
				rc = 0;
		}
		if (rc < 0)
			goto out;
	}
	if (!json_object_is_type(root, json_type_object)) {
		rc = fail(err, errlen, "the configuration must be a JSON object");
		goto out;
	}
	rc = parse_top(root, out, err, errlen);
	if (!rc && !out->nhosts)
		rc = fail(err, errlen, "'hosts' is missing");
	if (!rc && !out->nregions)
		rc = fail(err, errlen, "'regions' is missing");
	if (!rc)
		rc = check_hosts(out, err, errlen);
	if (!rc)
		rc = check_regions(out, err, errlen);
out:
	json_object_put(root);
	json_tokener_free(tok);
	return rc;
}

/* The whole file as a string; a config file is small. */
static char *slurp(FILE *f)
{
	size_t len = 0, cap = 4096, n;
	char *text = malloc(cap), *nt;

	while (text && (n = fread(text + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len - 1 == 0) {
			nt = realloc(text, cap * 2);
			if (!nt) {
				free(text);
				return NULL;
			}
			text = nt;
			cap *= 2;
		}
	}
	if (text)
		text[len] = 0;
	return text;
}

int fabric_config_load(const char *path, struct fabric_config *out, char *err, size_t errlen)
{
	char sub[256];
	char *text;
	FILE *f;
	int rc;

	if (!path)
		return fabric_config_parse(fabric_sample_config, out, err, errlen);
	f = fopen(path, "re");
	if (!f) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	text = slurp(f);
	rc = ferror(f) ? -EIO : 0;
	fclose(f);
	if (!text || rc < 0) {
		snprintf(err, errlen, "%s: %s", path, text ? "read error" : "out of memory");
		free(text);
		return text ? rc : -ENOMEM;
	}
	rc = fabric_config_parse(text, out, sub, sizeof(sub));
	if (rc < 0)
		snprintf(err, errlen, "%s: %s", path, sub);
	free(text);
	return rc;
}

const struct fabric_host_cfg *fabric_config_host(const struct fabric_config *c, const char *name)
{
	for (unsigned int i = 0; i < c->nhosts; i++)
		if (!strcmp(c->hosts[i].name, name))
			return &c->hosts[i];
	return NULL;
}
