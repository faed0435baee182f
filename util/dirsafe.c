// SPDX-License-Identifier: LGPL-2.1-or-later
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dirsafe.h"

static bool ours(const struct stat *st)
{
	return st->st_uid == 0 || st->st_uid == geteuid();
}

bool dirsafe_dir(const char *path, bool link_ok, char *why, size_t len)
{
	struct stat st;

	if (lstat(path, &st) != 0) {
		if (errno == ENOENT)
			return true;
		snprintf(why, len, "%s: %s", path, strerror(errno));
		return false;
	}
	if (S_ISLNK(st.st_mode) && (!link_ok || stat(path, &st) != 0)) {
		snprintf(why, len, "%s is a symbolic link where a directory should be", path);
		return false;
	}
	if (!S_ISDIR(st.st_mode) || !ours(&st) || (st.st_mode & (S_IWGRP | S_IWOTH))) {
		snprintf(why, len, "%s: %s owned by uid %u with mode %04o: another user could "
			 "plant files there", path, S_ISDIR(st.st_mode) ? "a directory" :
			 "not a directory,", (unsigned int)st.st_uid,
			 (unsigned int)(st.st_mode & 07777));
		return false;
	}
	return true;
}

/* No directory above DIR lets another user swap what DIR names. */
static bool safe_above(const char *dir, char *why, size_t len)
{
	char path[PATH_MAX], *slash;
	struct stat st;

	if (!realpath(dir, path)) {
		if (errno != ENOENT) {
			snprintf(why, len, "%s: %s", dir, strerror(errno));
			return false;
		}
		/* not made yet: its nearest existing ancestor answers for it */
		if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path))
			return false;
		slash = strrchr(path, '/');
		if (!slash || slash == path)
			return true;
		*slash = '\0';
		return safe_above(path, why, len);
	}
	for (;;) {
		if (stat(path, &st) || !ours(&st) ||
		    ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))) {
			snprintf(why, len, "%s, above the fabric directory, could be changed by "
				 "another user (owned by uid %u, mode %04o)", path,
				 (unsigned int)st.st_uid, (unsigned int)(st.st_mode & 07777));
			return false;
		}
		slash = strrchr(path, '/');
		if (!slash || !strcmp(path, "/"))
			return true;
		slash[slash == path] = '\0'; /* "/a" -> "/" */
	}
}

/* Every link on the way, as spelled, is ours or root's: another user's link
 * (in a sticky /tmp they may replace it) could point DIR elsewhere after the
 * canonical ancestors were checked. */
static bool safe_links(const char *given, char *why, size_t len)
{
	char path[PATH_MAX];
	size_t n = strlen(given);
	struct stat st;

	if (n >= sizeof(path)) {
		snprintf(why, len, "%.64s...: path too long", given);
		return false;
	}
	for (size_t i = 1; i <= n; i++) {
		if (i < n && given[i] != '/')
			continue;
		memcpy(path, given, i);
		path[i] = '\0';
		if (lstat(path, &st))
			return errno == ENOENT; /* the rest is made by us */
		if (S_ISLNK(st.st_mode) && !ours(&st)) {
			snprintf(why, len, "%s is a symbolic link owned by uid %u: its owner could "
				 "point the fabric directory elsewhere", path,
				 (unsigned int)st.st_uid);
			return false;
		}
	}
	return true;
}

bool dirsafe_given(const char *given, char *why, size_t len)
{
	char parent[PATH_MAX], *slash;
	struct stat st;

	if (lstat(given, &st) == 0 && S_ISLNK(st.st_mode)) {
		snprintf(why, len, "%s is a symbolic link where a directory should be", given);
		return false;
	}
	if (!safe_links(given, why, len))
		return false;
	if (snprintf(parent, sizeof(parent), "%s", given) >= (int)sizeof(parent)) {
		snprintf(why, len, "%.64s...: path too long", given);
		return false;
	}
	slash = strrchr(parent, '/');
	if (!slash)
		return safe_above(".", why, len);
	slash[slash == parent] = '\0';
	return safe_above(parent, why, len);
}
