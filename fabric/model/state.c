// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The state file: an image (state-image.c) replaced atomically, written to
 * a temporary, fsync'd, renamed over the old one, directory fsync'd; and
 * the crash points the persistence tests kill the daemon at.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "coverage.h"
#include "file.h"
#include "state.h"

/* ---- crash injection (tests only) ---- */

static char crash_name[32];
static unsigned long crash_count;

void fabric_crash_setup(void)
{
	const char *spec = getenv("TAGDAX_FABRICD_CRASH");
	const char *colon;

	crash_name[0] = 0;
	if (!spec || !(colon = strchr(spec, ':')) || (size_t)(colon - spec) >= sizeof(crash_name))
		return;
	memcpy(crash_name, spec, (size_t)(colon - spec));
	crash_name[colon - spec] = 0;
	crash_count = strtoul(colon + 1, NULL, 10);
}

void fabric_crash_point(const char *point)
{
	if (crash_name[0] && !strcmp(point, crash_name) && crash_count && !--crash_count) {
		util_coverage_flush(); /* the crash is simulated, the run was real */
		raise(SIGKILL);
	}
}

/* ---- the file ---- */

int state_save(const char *statedir, const uint8_t *buf, size_t len)
{
	char tmp[4096], final[4096];
	int fd, rc;

	if (snprintf(tmp, sizeof(tmp), "%s/%s.tmp", statedir, STATE_FILE) >= (int)sizeof(tmp) ||
	    snprintf(final, sizeof(final), "%s/%s", statedir, STATE_FILE) >= (int)sizeof(final))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	fabric_crash_point("save-begin");
	rc = util_write_all(fd, buf, len / 2);
	fabric_crash_point("save-partial");
	if (!rc)
		rc = util_write_all(fd, buf + len / 2, len - len / 2);
	if (!rc && fsync(fd) < 0)
		rc = -errno;
	close(fd);
	if (rc) {
		unlink(tmp);
		return rc;
	}
	fabric_crash_point("save-synced");
	if (rename(tmp, final) < 0) {
		rc = -errno;
		unlink(tmp);
		return rc;
	}
	fabric_crash_point("save-renamed");
	return util_fsync_dir(statedir);
}

int state_write_text(const char *dir, const char *name, const char *text, size_t len)
{
	char tmp[4096], final[4096];
	int fd, rc;

	if (snprintf(tmp, sizeof(tmp), "%s/%s.tmp", dir, name) >= (int)sizeof(tmp) ||
	    snprintf(final, sizeof(final), "%s/%s", dir, name) >= (int)sizeof(final))
		return -ENAMETOOLONG;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return -errno;
	rc = util_write_all(fd, (const uint8_t *)text, len);
	close(fd);
	if (!rc && rename(tmp, final) < 0)
		rc = -errno;
	if (rc)
		unlink(tmp);
	return rc;
}

int state_read(const char *statedir, uint8_t **buf, size_t *len)
{
	char path[4096];

	/* A temporary file is a save that did not finish: the old image stands. */
	snprintf(path, sizeof(path), "%s/%s.tmp", statedir, STATE_FILE);
	unlink(path);
	snprintf(path, sizeof(path), "%s/%s", statedir, STATE_FILE);
	return util_read_bytes(path, -1, buf, len);
}
