// SPDX-License-Identifier: LGPL-2.1-or-later
/* VM holder records (holders.h): read, written and judged alive here, by
 * `tagdax vm` which makes them and by the host agent which honours them. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "holders.h"
#include "unix.h"

static int parse_line(struct holder_rec *r, char *line)
{
	struct holder_dev *d = &r->dev[r->n];
	size_t len = strlen(line);

	if (len && line[len - 1] == '\n')
		line[--len] = '\0';
	if (line[0] == '#' || line[0] == '\0')
		return 0;
	if (!strncmp(line, "qmp ", 4) && len - 4 < sizeof(r->qmp)) {
		strcpy(r->qmp, line + 4);
		return 0;
	}
	if (!strcmp(line, "pidfile " HOLDER_PIDFILE)) {
		r->pidfile = true;
		return 0;
	}
	if (sscanf(line, "pid %d %llu", &r->pid, &r->start) == 2 && r->pid > 0)
		return 0;
	if (r->n < HOLDER_MAX_DEVS && sscanf(line, "device %31s %39s", d->name, d->tag) == 2) {
		r->n++;
		return 0;
	}
	return -EINVAL;
}

int holder_read(const char *dir, struct holder_rec *r)
{
	char path[PATH_MAX + 8], line[PATH_MAX + 8];
	int fd, rc = 0;
	FILE *f;

	memset(r, 0, sizeof(*r));
	if (snprintf(r->dir, sizeof(r->dir), "%s", dir) >= (int)sizeof(r->dir))
		return -ENAMETOOLONG;
	snprintf(path, sizeof(path), "%s/holds", dir);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	while (rc == 0 && fgets(line, sizeof(line), f))
		rc = parse_line(r, line);
	fclose(f);
	return rc;
}

int holder_write(const struct holder_rec *r)
{
	char tmp[PATH_MAX + 16], path[PATH_MAX + 8];
	FILE *f;
	int fd, rc = 0;

	snprintf(tmp, sizeof(tmp), "%s/.holds.XXXXXX", r->dir);
	snprintf(path, sizeof(path), "%s/holds", r->dir);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(tmp);
		return -ENOMEM;
	}
	fprintf(f, "# tagdax VM holder record: see docs/fabric.md\n");
	if (r->qmp[0])
		fprintf(f, "qmp %s\n", r->qmp);
	if (r->pidfile)
		fprintf(f, "pidfile %s\n", HOLDER_PIDFILE);
	if (r->pid)
		fprintf(f, "pid %d %llu\n", (int)r->pid, r->start);
	for (unsigned int i = 0; i < r->n; i++)
		fprintf(f, "device %s %s\n", r->dev[i].name, r->dev[i].tag);
	if (fclose(f))
		rc = -errno;
	if (rc == 0 && rename(tmp, path))
		rc = -errno;
	if (rc)
		unlink(tmp);
	return rc;
}

void holder_remove(const char *dir)
{
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	struct dirent *de;

	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return;
	}
	/* holds first: from here on nobody takes the record for a holder */
	unlinkat(dfd, "holds", 0);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			unlinkat(dfd, de->d_name, 0);
	closedir(d);
	rmdir(dir);
}

bool holder_has(const struct holder_rec *r, const char *devname)
{
	for (unsigned int i = 0; i < r->n; i++)
		if (!strcmp(r->dev[i].name, devname))
			return true;
	return false;
}

int holder_drop(struct holder_rec *r, const char *devname)
{
	unsigned int kept = 0;

	for (unsigned int i = 0; i < r->n; i++)
		if (strcmp(r->dev[i].name, devname))
			r->dev[kept++] = r->dev[i];
	r->n = kept;
	if (kept == 0) {
		holder_remove(r->dir);
		return 0;
	}
	return holder_write(r);
}

unsigned long long proc_start_time(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long start = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* the command name may hold anything, spaces and ')' included: the
	 * fields go on after its last ')'; starttime is the 20th of them */
	p = strrchr(buf, ')');
	for (int field = 0; p && field < 20; field++)
		p = strchr(p + 1, ' ');
	if (p)
		start = strtoull(p + 1, NULL, 10);
	return start;
}

/* A cold-plugged QEMU locks its pidfile for as long as it runs (and takes
 * the lock before it maps any memory); taking it ourselves keeps one from
 * starting. */
static pid_t pidfile_live(const struct holder_rec *r, int *start_lock)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	char path[PATH_MAX + 16];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", r->dir, HOLDER_PIDFILE);
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno; /* the record is gone */
	if (fcntl(fd, F_SETLK, &fl) == 0) {
		*start_lock = fd;
		return 0;
	}
	fl = (struct flock){ .l_type = F_WRLCK, .l_whence = SEEK_SET };
	if (fcntl(fd, F_GETLK, &fl) || fl.l_type == F_UNLCK)
		fl.l_pid = -EAGAIN; /* let go meanwhile: ask again later */
	close(fd);
	return fl.l_pid;
}

/* Whoever listens on the QMP socket (libvirt's cold plug, which keeps its
 * own pidfile); nobody when it refuses. */
static pid_t qmp_peer(const char *path)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	int fd = util_connect_unix(path);
	pid_t pid = 0;

	if (fd < 0)
		return 0;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0)
		pid = cred.pid;
	close(fd);
	return pid;
}

pid_t holder_live(const struct holder_rec *r, int *start_lock)
{
	*start_lock = -1;
	if (r->pid) /* a recycled pid has another start time */
		return r->start && proc_start_time(r->pid) == r->start ? r->pid : 0;
	if (r->pidfile)
		return pidfile_live(r, start_lock);
	return r->qmp[0] ? qmp_peer(r->qmp) : 0;
}
