/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Files read and written whole, for the command and the fabric. */
#ifndef TAGDAX_UTIL_FILE_H
#define TAGDAX_UTIL_FILE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Replaces path with text (and a final newline if it has none), mode mode:
 * a fresh file beside it, synced, renamed over it.  A reader sees the old
 * file or the new one; whatever was planted at either name is replaced,
 * never written through.  0 or a negative errno (path is then untouched). */
int util_replace_file(const char *path, const char *text, mode_t mode);

/* write(2) until all n bytes are out (EINTR retried): 0 or a negative errno. */
int util_write_all(int fd, const void *p, size_t n);

/* fsync(2) of a directory, so a rename or a new name in it is durable. */
int util_fsync_dir(const char *dir);

/* mkdir -p with mode for each directory made: 0 or a negative errno. */
int util_mkdir_p(const char *dir, mode_t mode);

/* The file's bytes (at most limit of them; -1: all) in a malloc'ed *buf: 0
 * or a negative errno.  A symbolic link is not followed (-ELOOP). */
int util_read_bytes(const char *path, off_t limit, uint8_t **buf, size_t *len);

/* The whole file as a NUL-terminated string (malloc'ed), or NULL with errno. */
char *util_read_file(const char *path);

/* path made absolute against the current directory (links not resolved,
 * path need not exist), into out of len bytes: 0, -EINVAL for an empty
 * path, -ENAMETOOLONG, or getcwd(3)'s errno. */
int util_absolute_path(const char *path, char *out, size_t len);

#endif
