// SPDX-License-Identifier: LGPL-2.1-or-later
/* Reading and writing attribute files under the (overridable) sysfs root. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "private.h"
#include "size.h"

char *path_join(const char *root, const char *rel)
{
	char *out;

	while (*rel == '/')
		rel++;
	if (asprintf(&out, "%s/%s", root, rel) < 0)
		return NULL;
	return out;
}

int sysfs_vpath(struct tagdax_ctx *ctx, char *buf, size_t len, const char *fmt, va_list ap)
{
	int n = snprintf(buf, len, "%s/", ctx->sysfs_root);

	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	int m = vsnprintf(buf + n, len - (size_t)n, fmt, ap);

	if (m < 0 || (size_t)m >= len - (size_t)n)
		return -ENAMETOOLONG;
	return 0;
}

/* Reads one attribute, strips the trailing newline.  Returns its length. */
static int vread(struct tagdax_ctx *ctx, char *buf, size_t len, const char *fmt, va_list ap)
{
	int dirfd = ctx_dir_fd(ctx, &ctx->sysfs_fd, ctx->sysfs_root, "");
	char path[4096];
	ssize_t n;
	int fd, m, rc;

	m = vsnprintf(path, sizeof(path), fmt, ap);
	if (m < 0 || (size_t)m >= sizeof(path))
		return -ENAMETOOLONG;
	/* O_NONBLOCK: a FIFO planted where an attribute should be must not hang
	 * a scan; regular files and sysfs attributes ignore the flag. */
	fd = dirfd >= 0 ? openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
			: -1;
	if (fd < 0)
		return dirfd >= 0 ? -errno : -ENOENT;
	n = read(fd, buf, len - 1);
	rc = n < 0 ? -errno : 0;
	close(fd);
	if (rc)
		return rc;
	if ((size_t)n == len - 1) {
		dbg(ctx, "%s: longer than %zu bytes\n", path, len - 1);
		return -EFBIG;
	}
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	return (int)n;
}

int sysfs_read(struct tagdax_ctx *ctx, char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vread(ctx, buf, len, fmt, ap);
	va_end(ap);
	return rc;
}

int parse_u64(const char *text, uint64_t *val)
{
	char *end;
	unsigned long long v;

	if (!text || !*text || *text == '-' || *text == '+' || *text == ' ')
		return -EINVAL;
	errno = 0;
	v = strtoull(text, &end, 0);
	if (errno || end == text || *end != '\0')
		return -EINVAL;
	*val = v;
	return 0;
}

int parse_size(const char *text, uint64_t *val)
{
	return util_parse_size(text, val);
}

int sysfs_read_u64(struct tagdax_ctx *ctx, uint64_t *val, const char *fmt, ...)
{
	char buf[64];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vread(ctx, buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (rc < 0)
		return rc;
	return parse_u64(buf, val);
}

int sysfs_read_tag(struct tagdax_ctx *ctx, struct tagdax_tag *tag, const char *fmt, ...)
{
	char buf[64];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vread(ctx, buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (rc < 0)
		return rc;
	return tagdax_tag_parse(buf, tag);
}

int sysfs_write(struct tagdax_ctx *ctx, const char *value, const char *fmt, ...)
{
	char path[4096];
	size_t len = strlen(value);
	va_list ap;
	ssize_t n;
	int fd, rc;

	va_start(ap, fmt);
	rc = sysfs_vpath(ctx, path, sizeof(path), fmt, ap);
	va_end(ap);
	if (rc)
		return rc;
	fd = open(path, O_WRONLY | O_CLOEXEC | O_NONBLOCK); /* never hang on a FIFO */
	if (fd < 0)
		return -errno;
	n = write(fd, value, len);
	rc = n < 0 ? -errno : (size_t)n != len ? -EIO : 0;
	if (close(fd) && !rc)
		rc = -errno;
	if (rc)
		dbg(ctx, "write %s to %s: %s\n", value, path, strerror(-rc));
	return rc;
}

int sysfs_path(struct tagdax_ctx *ctx, char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = sysfs_vpath(ctx, buf, len, fmt, ap);
	va_end(ap);
	return rc;
}

int sysfs_dax_driver(struct tagdax_ctx *ctx, const char *devname, char *buf, size_t len)
{
	char path[4096], target[4096];
	const char *base;
	ssize_t n;

	if (sysfs_path(ctx, path, sizeof(path), "bus/dax/devices/%s/driver", devname))
		return -ENAMETOOLONG;
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return -ENOENT;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (strlen(base) >= len)
		return -ENAMETOOLONG;
	strcpy(buf, base);
	return 0;
}

const char *parse_kernel_number(const char *s, unsigned int *v)
{
	unsigned long n = 0;
	const char *p = s;

	if (*p < '0' || *p > '9' || (p[0] == '0' && p[1] >= '0' && p[1] <= '9'))
		return NULL;
	for (; *p >= '0' && *p <= '9'; p++) {
		n = n * 10 + (unsigned long)(*p - '0');
		if (n > UINT_MAX)
			return NULL;
	}
	*v = (unsigned int)n;
	return p;
}

bool parse_kernel_name(const char *name, const char *prefix, struct name_id *id)
{
	size_t len = strlen(prefix);
	const char *p;

	if (strncmp(name, prefix, len))
		return false;
	p = parse_kernel_number(name + len, &id->region);
	if (!p || *p != '.')
		return false;
	p = parse_kernel_number(p + 1, &id->id);
	return p && *p == '\0';
}

int name_id_cmp(const void *a, const void *b)
{
	const struct name_id *x = a, *y = b;

	if (x->region != y->region)
		return x->region < y->region ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}
