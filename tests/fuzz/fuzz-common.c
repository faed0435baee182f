// SPDX-License-Identifier: GPL-2.0-or-later
/* Helpers shared by the fuzz harnesses (fuzz.h). */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

static char tmpdir[PATH_MAX];

void fuzz_fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz oracle: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

void fuzz_note(const char *fmt, ...)
{
	static int verbose = -1;
	va_list ap;

	if (verbose < 0)
		verbose = getenv("FUZZ_VERBOSE") != NULL;
	if (!verbose)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static void rm_tmpdir(void)
{
	if (tmpdir[0])
		nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

const char *fuzz_tmpdir(void)
{
	const char *base = getenv("TMPDIR");

	if (tmpdir[0])
		return tmpdir;
	snprintf(tmpdir, sizeof(tmpdir), "%s/tagdax-fuzz.XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(tmpdir))
		fuzz_fail("mkdtemp %s: %s", tmpdir, strerror(errno));
	atexit(rm_tmpdir);
	return tmpdir;
}

const char *fuzz_path(const char *rel, char *buf, size_t len)
{
	if ((size_t)snprintf(buf, len, "%s/%s", fuzz_tmpdir(), rel) >= len)
		fuzz_fail("path too long: %s", rel);
	return buf;
}

void fuzz_mkdir(const char *rel)
{
	char path[PATH_MAX];

	fuzz_path(rel, path, sizeof(path));
	for (char *s = strchr(path + strlen(fuzz_tmpdir()) + 1, '/');; s = strchr(s + 1, '/')) {
		if (s)
			*s = '\0';
		if (mkdir(path, 0700) && errno != EEXIST)
			fuzz_fail("mkdir %s: %s", path, strerror(errno));
		if (!s)
			break;
		*s = '/';
	}
}

void fuzz_write(const char *rel, const void *data, size_t len)
{
	char path[PATH_MAX];
	int fd = open(fuzz_path(rel, path, sizeof(path)), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		      0600);

	if (fd < 0 || (len && write(fd, data, len) != (ssize_t)len) || close(fd))
		fuzz_fail("write %s: %s", path, strerror(errno));
}

uint64_t fuzz_take(struct fuzz_in *in, unsigned int bytes)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < bytes; i++, in->off++)
		if (in->off < in->len)
			v |= (uint64_t)in->p[in->off] << (8 * i);
	if (in->off > in->len)
		in->off = in->len;
	return v;
}

const uint8_t *fuzz_take_bytes(struct fuzz_in *in, size_t n, size_t *got)
{
	const uint8_t *p = in->p + in->off;

	*got = n < in->len - in->off ? n : in->len - in->off;
	in->off += *got;
	return p;
}
