/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unix stream sockets, for the FM client, the agent, QMP and holders. */
#ifndef TAGDAX_UTIL_UNIX_H
#define TAGDAX_UTIL_UNIX_H

/* A connected Unix stream socket (close-on-exec), or a negative errno
 * (-ENAMETOOLONG for a path that does not fit sun_path). */
int util_connect_unix(const char *path);

#endif
