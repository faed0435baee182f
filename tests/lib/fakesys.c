// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fakesys.h"

const char *fake_path(struct fake *f, const char *rel, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", f->root, rel);
	return buf;
}

static int mkdirs(char *path)
{
	for (char *p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdir(path, 0755) && errno != EEXIST) {
			*p = '/';
			return -errno;
		}
		*p = '/';
	}
	return mkdir(path, 0755) && errno != EEXIST ? -errno : 0;
}

static int parent_dirs(const char *path)
{
	char buf[4096];
	char *slash;

	snprintf(buf, sizeof(buf), "%s", path);
	slash = strrchr(buf, '/');
	if (!slash)
		return 0;
	*slash = '\0';
	return mkdirs(buf);
}

int fake_init(struct fake *f)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(f->root, sizeof(f->root), "%s/tagdax-test.XXXXXX", tmp ? tmp : "/tmp");
	if (!mkdtemp(f->root))
		return -errno;
	snprintf(f->sys, sizeof(f->sys), "%s/sys", f->root);
	snprintf(f->dev, sizeof(f->dev), "%s/dev", f->root);
	snprintf(f->run, sizeof(f->run), "%s/run", f->root);
	snprintf(f->config, sizeof(f->config), "%s/tags.conf", f->root);
	mkdir(f->sys, 0755);
	mkdir(f->dev, 0755);
	return 0;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void fake_cleanup(struct fake *f)
{
	nftw(f->root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int fake_remove(struct fake *f, const char *rel)
{
	char path[4096];

	fake_path(f, rel, path, sizeof(path));
	return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS) ? -errno : 0;
}

int fake_write(struct fake *f, const char *rel, const char *fmt, ...)
{
	char path[4096];
	va_list ap;
	FILE *fp;

	fake_path(f, rel, path, sizeof(path));
	if (parent_dirs(path))
		return -errno;
	fp = fopen(path, "w");
	if (!fp)
		return -errno;
	va_start(ap, fmt);
	vfprintf(fp, fmt, ap);
	va_end(ap);
	return fclose(fp) ? -errno : 0;
}

int fake_file(struct fake *f, const char *rel, uint64_t size)
{
	char path[4096];
	int fd, rc = 0;

	fake_path(f, rel, path, sizeof(path));
	if (parent_dirs(path))
		return -errno;
	fd = open(path, O_RDWR | O_CREAT, 0644);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size))
		rc = -errno;
	close(fd);
	return rc;
}

int fake_mkdir(struct fake *f, const char *rel)
{
	char path[4096];

	fake_path(f, rel, path, sizeof(path));
	return mkdirs(path);
}

int fake_symlink(struct fake *f, const char *target, const char *rel)
{
	char path[4096];

	fake_path(f, rel, path, sizeof(path));
	if (parent_dirs(path))
		return -errno;
	unlink(path);
	return symlink(target, path) ? -errno : 0;
}

int fake_mode(struct fake *f, const char *rel, unsigned int mode)
{
	char path[4096];

	fake_path(f, rel, path, sizeof(path));
	return chmod(path, (mode_t)mode) ? -errno : 0;
}
