/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Is a directory safe to run a fabric in?  Descriptors, the layout and the
 * sockets in it decide what the fabric's programs (perhaps as root) map and
 * write, so nobody but the caller (or root) may be able to plant or swap
 * anything there.  Each check returns true when safe, else false with a
 * sentence in why.  Shared by `tagdax fabric up`, tagdax-fabricd and
 * tagdax-agent, so a fabric run as services is held to the same rules.
 */
#ifndef TAGDAX_UTIL_DIRSAFE_H
#define TAGDAX_UTIL_DIRSAFE_H

#include <stdbool.h>
#include <stddef.h>

/* path is a directory (or absent) owned by the caller or root and not
 * writable by group or others; link_ok lets it be a symbolic link to one. */
bool dirsafe_dir(const char *path, bool link_ok, char *why, size_t len);

/* DIR as spelled: not a link itself, every link on the way there the
 * caller's or root's, and every existing directory above it the caller's or
 * root's and writable by others only when sticky (as /tmp is). */
bool dirsafe_given(const char *given, char *why, size_t len);

#endif
