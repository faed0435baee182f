// SPDX-License-Identifier: LGPL-2.1-or-later
/* Files written whole (util/file.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"

int util_write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;

	while (n) {
		ssize_t k = write(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return k < 0 ? -errno : -EIO;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static bool write_all(int fd, const char *p, size_t len)
{
	int rc = util_write_all(fd, p, len);

	if (rc)
		errno = -rc;
	return rc == 0;
}

int util_fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rc = 0;

	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		rc = -errno;
	close(fd);
	return rc;
}

int util_mkdir_p(const char *dir, mode_t mode)
{
	char buf[PATH_MAX];

	if (snprintf(buf, sizeof(buf), "%s", dir) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return mkdir(buf, mode) < 0 && errno != EEXIST ? -errno : 0;
}

char *util_read_file(const char *path)
{
	FILE *f = fopen(path, "re"), *m;
	char *text = NULL, buf[4096];
	size_t len = 0, n;
	int err;

	if (!f)
		return NULL;
	m = open_memstream(&text, &len);
	while (m && (n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, m);
	err = ferror(f) ? EIO : m ? 0 : ENOMEM;
	if (m)
		fclose(m);
	fclose(f);
	if (err || !text) {
		free(text);
		errno = err ? err : ENOMEM;
		return NULL;
	}
	return text;
}

int util_replace_file(const char *path, const char *text, mode_t mode)
{
	char tmp[PATH_MAX];
	size_t len = strlen(text);
	bool ok;
	int fd, rc;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkostemp(tmp, O_CLOEXEC); /* O_EXCL: never through a planted link */
	if (fd < 0)
		return -errno;
	errno = 0;
	ok = !fchmod(fd, mode) && write_all(fd, text, len) &&
	     (len && text[len - 1] == '\n' ? true : write_all(fd, "\n", 1)) && !fsync(fd);
	rc = ok ? 0 : errno ? -errno : -EIO;
	if (close(fd) && !rc)
		rc = -errno;
	if (!rc && rename(tmp, path))
		rc = -errno;
	if (rc)
		unlink(tmp);
	return rc;
}

int util_absolute_path(const char *path, char *out, size_t len)
{
	char cwd[PATH_MAX];
	int n;

	if (!path || !*path)
		return -EINVAL;
	if (path[0] == '/')
		n = snprintf(out, len, "%s", path);
	else if (getcwd(cwd, sizeof(cwd)))
		n = snprintf(out, len, "%s/%s", cwd, path);
	else
		return -errno;
	return n >= 0 && (size_t)n < len ? 0 : -ENAMETOOLONG;
}

int util_read_bytes(const char *path, off_t limit, uint8_t **buf, size_t *len)
{
	size_t n = 0, cap = 0;
	uint8_t *p = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), rc = 0;

	if (fd < 0)
		return -errno;
	for (;;) {
		size_t want;
		ssize_t k;

		if (n == cap) {
			uint8_t *np = realloc(p, cap ? cap * 2 : 65536);

			if (!np) {
				rc = -ENOMEM;
				break;
			}
			p = np;
			cap = cap ? cap * 2 : 65536;
		}
		want = cap - n;
		if (limit >= 0 && (off_t)(n + want) > limit)
			want = (size_t)limit - n;
		if (!want)
			break;
		k = read(fd, p + n, want);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			rc = k < 0 ? -errno : 0;
			break;
		}
		n += (size_t)k;
	}
	close(fd);
	if (rc) {
		free(p);
		return rc;
	}
	*buf = p;
	*len = n;
	return 0;
}
