// SPDX-License-Identifier: LGPL-2.1-or-later
/* Tags are UUIDs; libuuid parses and prints them. */
#include <errno.h>
#include <string.h>
#include <uuid/uuid.h>

#include "private.h"

_Static_assert(sizeof(struct tagdax_tag) == sizeof(uuid_t), "a tag is a uuid_t");

TAGDAX_EXPORT int tagdax_tag_parse(const char *text, struct tagdax_tag *tag)
{
	uuid_t uu;

	/* uuid_parse() wants exactly 36 characters; it stops at 36 and would
	 * accept trailing garbage, so check the length ourselves. */
	if (!text || strlen(text) != TAGDAX_TAG_STRLEN - 1 || uuid_parse(text, uu) != 0)
		return -EINVAL;
	memcpy(tag->b, uu, sizeof(tag->b));
	return 0;
}

TAGDAX_EXPORT void tagdax_tag_unparse(const struct tagdax_tag *tag, char out[TAGDAX_TAG_STRLEN])
{
	uuid_unparse_lower(tag->b, out);
}

TAGDAX_EXPORT bool tagdax_tag_is_null(const struct tagdax_tag *tag)
{
	return uuid_is_null(tag->b);
}

TAGDAX_EXPORT bool tagdax_tag_equal(const struct tagdax_tag *a, const struct tagdax_tag *b)
{
	return memcmp(a->b, b->b, sizeof(a->b)) == 0;
}
