/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Persistent state of the fabric daemon: DIR/state/dcd.state holds a
 * checkpoint, one image of the whole DCD model (dcd_serialize()), and
 * DIR/state/dcd.journal the changes since (journal.h).  A checkpoint is
 * replaced atomically: write a temporary file, fsync it, rename it over the
 * old image, fsync the directory.  A crash at any point leaves either the
 * old image or the new one, each complete and checksummed.
 */
#ifndef TAGDAX_FABRIC_STATE_H
#define TAGDAX_FABRIC_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "dcd.h"

#define STATE_FILE "dcd.state"

/* Write an image atomically into statedir. */
int state_save(const char *statedir, const uint8_t *buf, size_t len);

/* Replace DIR/NAME by text atomically (temporary file, rename); for the
 * small files other programs read, not synced. */
int state_write_text(const char *dir, const char *name, const char *text, size_t len);

/* Read statedir's image: 0 with a malloc'd buffer, -ENOENT when there is
 * none yet (a fresh fabric), another -errno on error. */
int state_read(const char *statedir, uint8_t **buf, size_t *len);

/*
 * Crash injection for the persistence tests: TAGDAX_FABRICD_CRASH=POINT:N
 * kills the daemon with SIGKILL the Nth time it reaches POINT (save-begin,
 * save-partial, save-synced, save-renamed, reply).  Read once at start.
 */
void fabric_crash_setup(void);
void fabric_crash_point(const char *point);

#endif /* TAGDAX_FABRIC_STATE_H */
