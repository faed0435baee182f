// SPDX-License-Identifier: GPL-2.0-or-later
/* JSON views of tagged devices. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "size.h"
#include "tagdax.h"

static bool human; /* -u: sizes as "2.00 MiB", as daxctl -u prints them */

void cli_json_set_human(bool on)
{
	human = on;
}

static void add_u64(struct json_object *obj, const char *key, uint64_t v)
{
	json_object_object_add(obj, key, json_object_new_uint64(v));
}

static void add_size(struct json_object *obj, const char *key, uint64_t v)
{
	char text[32];

	if (human)
		json_object_object_add(obj, key, json_object_new_string(util_size_text(v, text,
										       sizeof(text))));
	else
		add_u64(obj, key, v);
}

static struct json_object *flags_to_json(unsigned int flags)
{
	struct json_object *arr = json_object_new_array();

	if (flags & TAGDAX_DEV_SHARABLE)
		json_object_array_add(arr, json_object_new_string("sharable"));
	if (flags & TAGDAX_DEV_READONLY)
		json_object_array_add(arr, json_object_new_string("readonly"));
	if (flags & TAGDAX_DEV_UNCLAIMED)
		json_object_array_add(arr, json_object_new_string("unclaimed"));
	return arr;
}

const char *cli_flags_text(unsigned int flags)
{
	static char text[64];

	snprintf(text, sizeof(text), "%s%s%s", flags & TAGDAX_DEV_SHARABLE ? "sharable," : "",
		 flags & TAGDAX_DEV_READONLY ? "readonly," : "",
		 flags & TAGDAX_DEV_UNCLAIMED ? "unclaimed," : "");
	if (*text)
		text[strlen(text) - 1] = '\0';
	return text;
}

/* The pieces tagdax_map() lays out, in order: file, offset, length. */
static struct json_object *segments_to_json(struct tagdax_dev *dev)
{
	struct json_object *arr = json_object_new_array();

	for (unsigned int i = 0; i < tagdax_dev_get_segment_count(dev); i++) {
		struct json_object *s = json_object_new_object();
		const char *path;
		uint64_t off, len;

		tagdax_dev_get_segment(dev, i, &path, &off, &len);
		json_object_object_add(s, "path", json_object_new_string(path));
		add_u64(s, "offset", off);
		add_u64(s, "length", len);
		json_object_array_add(arr, s);
	}
	return arr;
}

/* daxctl and ndctl name regions by number: "region_id" beside the name
 * (dax_region3, region3: 3), when the name ends in one. */
static void add_region_id(struct json_object *obj, const char *region)
{
	const char *p = region + strlen(region);
	char *end;
	unsigned long id;

	while (p > region && isdigit((unsigned char)p[-1]))
		p--;
	if (!*p)
		return;
	errno = 0;
	id = strtoul(p, &end, 10);
	if (!errno && !*end && id <= INT_MAX)
		json_object_object_add(obj, "region_id", json_object_new_int((int)id));
}

struct json_object *dev_to_json(struct tagdax_dev *dev)
{
	struct json_object *obj = json_object_new_object();
	struct json_object *extents = json_object_new_array();
	char tag[TAGDAX_TAG_STRLEN];
	const char *s;

	tagdax_tag_unparse(tagdax_dev_get_tag(dev), tag);
	json_object_object_add(obj, "tag", json_object_new_string(tag));
	s = tagdax_dev_get_path(dev);
	json_object_object_add(obj, "path", s ? json_object_new_string(s) : NULL);
	add_u64(obj, "offset", tagdax_dev_get_offset(dev));
	add_size(obj, "size", tagdax_dev_get_size(dev));
	add_size(obj, "align", tagdax_dev_get_align(dev));
	json_object_object_add(obj, "provider", json_object_new_string(tagdax_dev_get_provider(dev)));
	s = tagdax_dev_get_devname(dev);
	json_object_object_add(obj, "devname", json_object_new_string(s));
	/* daxctl's name for the same thing, on the devices that are dax devices */
	if (!strncmp(s, "dax", 3))
		json_object_object_add(obj, "chardev", json_object_new_string(s));
	json_object_object_add(obj, "flags", flags_to_json(tagdax_dev_get_flags(dev)));
	if ((s = tagdax_dev_get_region(dev))) {
		json_object_object_add(obj, "region", json_object_new_string(s));
		add_region_id(obj, s);
	}
	if ((s = tagdax_dev_get_mode(dev)))
		json_object_object_add(obj, "mode", json_object_new_string(s));
	if (tagdax_dev_get_target_node(dev) >= 0)
		json_object_object_add(obj, "target_node",
				       json_object_new_int(tagdax_dev_get_target_node(dev)));
	if (tagdax_dev_get_resource(dev) != UINT64_MAX) {
		char hex[32];

		snprintf(hex, sizeof(hex), "0x%" PRIx64, tagdax_dev_get_resource(dev));
		json_object_object_add(obj, "resource", json_object_new_string(hex));
	}
	for (unsigned int i = 0; i < tagdax_dev_get_extent_count(dev); i++) {
		struct json_object *e = json_object_new_object();
		uint64_t start, len;

		tagdax_dev_get_extent(dev, i, &start, &len);
		add_u64(e, "start", start);
		add_u64(e, "length", len);
		json_object_array_add(extents, e);
	}
	json_object_object_add(obj, "extents", extents);
	json_object_object_add(obj, "segments", segments_to_json(dev));
	return obj;
}

void print_json(struct json_object *obj)
{
	puts(json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
					    JSON_C_TO_STRING_NOSLASHESCAPE));
}
