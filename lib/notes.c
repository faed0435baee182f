// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Why a tag was not found.  A provider that sees a device carrying a tag it
 * cannot use (a window whose BAR the guest never assigned) logs it at debug
 * level only: the same state is normal for the moment between a hot plug and
 * the BAR's assignment.  It also leaves a note here, and whoever is told "not
 * found" in the end (the CLI) can say why.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "private.h"

void ctx_note(struct tagdax_ctx *ctx, const struct tagdax_tag *tag, const char *format, ...)
{
	struct tag_note *note;
	va_list ap;
	int len;

	if (tagdax_get_missing_reason(ctx, tag))
		return; /* the first reason is enough */
	va_start(ap, format);
	len = vsnprintf(NULL, 0, format, ap);
	va_end(ap);
	note = len < 0 ? NULL : malloc(sizeof(*note) + (size_t)len + 1);
	if (!note)
		return; /* a note is a courtesy: losing one changes no answer */
	va_start(ap, format);
	vsnprintf(note->text, (size_t)len + 1, format, ap);
	va_end(ap);
	note->tag = *tag;
	note->next = ctx->notes;
	ctx->notes = note;
}

void ctx_notes_clear(struct tagdax_ctx *ctx)
{
	while (ctx->notes) {
		struct tag_note *next = ctx->notes->next;

		free(ctx->notes);
		ctx->notes = next;
	}
}

TAGDAX_EXPORT const char *tagdax_get_missing_reason(struct tagdax_ctx *ctx,
						    const struct tagdax_tag *tag)
{
	for (const struct tag_note *n = ctx->notes; n; n = n->next)
		if (tagdax_tag_equal(&n->tag, tag))
			return n->text;
	return NULL;
}
