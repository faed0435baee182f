/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Files written whole, for the command and the fabric. */
#ifndef TAGDAX_UTIL_FILE_H
#define TAGDAX_UTIL_FILE_H

#include <sys/types.h>

/* Replaces path with text (and a final newline if it has none), mode mode:
 * a fresh file beside it, synced, renamed over it.  A reader sees the old
 * file or the new one; whatever was planted at either name is replaced,
 * never written through.  0 or a negative errno (path is then untouched). */
int util_replace_file(const char *path, const char *text, mode_t mode);

#endif
