// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The devices a host agent makes of accepted capacity, as docs/fabric.md
 * lays them out: DIR/hosts/NAME/dev/daxR.N, a symlink to the region's
 * backing file, and DIR/hosts/NAME/devices/daxR.N, the descriptor the emu
 * provider reads.  Both are replaced atomically (temporary name, rename), the
 * link first, so a descriptor never names a device that is not there.
 *
 * In use means: a process holds a shared flock on the descriptor (tagdax_map
 * takes one for as long as the mapping lives).  A release takes the exclusive
 * lock without waiting; holding it while unlinking closes the window in
 * which a new mapper could slip in.
 *
 * A VM is a holder too: `tagdax vm` records the QEMUs it gives a device to
 * (holders.h), and a record whose QEMU runs counts as a mapper.
 *
 * A forced release cannot wait.  On hardware the host loses access at once
 * and later accesses fault; here the backing file stays mapped in the
 * processes that hold the device, so the agent emulates the fault: every
 * process holding the descriptor's lock (found in /proc/locks by its inode,
 * confirmed through /proc/PID/fd) gets SIGBUS, the signal a faulting access
 * to a vanished DAX mapping raises.  A VM holder is asked through QMP to
 * unplug the device and drop its backends (which unmaps them); one that does
 * not within VM_REVOKE_MS, or cannot be asked, is killed: the last resort.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include "agent-int.h"
#include "emu-desc.h"
#include "holders.h"
#include "qmp.h"

#define VM_REVOKE_MS 10000   /* a guest's consent to an unplug (Linux waits 5 s) */
#define VM_EXIT_MS 5000      /* a killed QEMU's memory to be gone */
#define MAX_START_LOCKS 64

int region_of(const struct agent *a, uint64_t dpa, uint64_t len)
{
	for (int i = 0; i < AGENT_REGIONS; i++) {
		const struct agent_region *r = &a->regions[i];

		if (r->present && dpa >= r->base && len <= r->length &&
		    dpa - r->base <= r->length - len)
			return i;
	}
	return -1;
}

struct agent_dev *dev_find_extent(struct agent *a, const struct fmc_extent *e)
{
	for (struct agent_dev *d = a->devs; d; d = d->next)
		for (uint32_t i = 0; i < d->n; i++)
			if (cci_overlap(d->ext[i].dpa, d->ext[i].len, e->dpa, e->len))
				return d;
	return NULL;
}

struct agent_dev *dev_find_tag(struct agent *a, const uint8_t tag[16])
{
	for (struct agent_dev *d = a->devs; d; d = d->next)
		if (!memcmp(d->tag, tag, 16))
			return d;
	return NULL;
}

static char *join(const char *dir, const char *name)
{
	char *p;

	return asprintf(&p, "%s/%s", dir, name) < 0 ? NULL : p;
}

/* The descriptor's text (docs/fabric.md), malloc'ed. */
static char *desc_text(struct agent *a, const struct agent_dev *d)
{
	const struct agent_region *r = &a->regions[d->region];
	char tag[37], *text = NULL;
	size_t len = 0, size = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	for (uint32_t i = 0; i < d->n; i++)
		size += d->ext[i].len;
	uuid_unparse_lower(d->tag, tag);
	fprintf(f, EMU_KEY_TAG " %s\n" EMU_KEY_PATH " %s/%s\n" EMU_KEY_SIZE " %zu\n", tag,
		a->devdir, d->name, size);
	if (r->sharable || r->readonly)
		fprintf(f, EMU_KEY_FLAGS " %s%s%s\n", r->sharable ? EMU_FLAG_SHARABLE : "",
			r->sharable && r->readonly ? EMU_FLAG_SEP : "",
			r->readonly ? EMU_FLAG_READONLY : "");
	fprintf(f, EMU_KEY_REGION " %u\n", d->region);
	for (uint32_t i = 0; i < d->n; i++)
		fprintf(f, EMU_KEY_SEGMENT " %llu %llu\n",
			(unsigned long long)(r->offset + d->ext[i].dpa - r->base),
			(unsigned long long)d->ext[i].len);
	for (uint32_t i = 0; i < d->n; i++)
		fprintf(f, EMU_KEY_EXTENT " %llu %llu\n", (unsigned long long)d->ext[i].dpa,
			(unsigned long long)d->ext[i].len);
	if (fclose(f)) {
		free(text);
		return NULL;
	}
	return text;
}

static int write_atomic(const char *dir, const char *name, const char *text)
{
	char *tmp = NULL, *path = join(dir, name);
	size_t len = strlen(text);
	int fd = -1, rc = -ENOMEM;

	if (path && asprintf(&tmp, "%s/.%s.tmp", dir, name) >= 0) {
		fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		rc = fd < 0 || write(fd, text, len) != (ssize_t)len ? -errno : 0;
	}
	if (fd >= 0 && close(fd) && rc == 0)
		rc = -errno;
	if (rc == 0 && rename(tmp, path))
		rc = -errno;
	if (rc && tmp)
		unlink(tmp);
	free(tmp);
	free(path);
	return rc;
}

static int symlink_atomic(const char *target, const char *dir, const char *name)
{
	char *tmp = NULL, *path = join(dir, name);
	int rc = -ENOMEM;

	if (path && asprintf(&tmp, "%s/.%s.tmp", dir, name) >= 0) {
		unlink(tmp);
		rc = symlink(target, tmp) || rename(tmp, path) ? -errno : 0;
		if (rc)
			unlink(tmp);
	}
	free(tmp);
	free(path);
	return rc;
}

static bool same_text(const char *path, const char *text)
{
	size_t len = strlen(text);
	char *buf = malloc(len + 2);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = buf && fd >= 0 ? read(fd, buf, len + 1) : -1;
	bool same = n == (ssize_t)len && !memcmp(buf, text, len);

	if (fd >= 0)
		close(fd);
	free(buf);
	return same;
}

static bool link_points_to(const char *path, const char *target)
{
	char buf[PATH_MAX];
	ssize_t n = readlink(path, buf, sizeof(buf) - 1);

	if (n < 0)
		return false;
	buf[n] = '\0';
	return !strcmp(buf, target);
}

/* Writes dev's link and descriptor unless they are already what they should
 * be: rewriting a descriptor would replace the inode its mappers lock. */
int dev_refresh(struct agent *a, const struct agent_dev *d)
{
	const char *target = a->regions[d->region].path;
	char *text = desc_text(a, d), *link = join(a->devdir, d->name);
	char *desc = join(a->descdir, d->name);
	int rc = text && link && desc ? 0 : -ENOMEM;

	if (rc == 0 && !link_points_to(link, target))
		rc = symlink_atomic(target, a->devdir, d->name);
	if (rc == 0 && !same_text(desc, text))
		rc = write_atomic(a->descdir, d->name, text);
	free(text);
	free(link);
	free(desc);
	return rc;
}

static void dev_free(struct agent_dev *d)
{
	if (d && d->draining)
		close(d->drain_fd);
	if (d)
		free(d->ext);
	free(d);
}

static void dev_unlink_from_list(struct agent *a, struct agent_dev *dev)
{
	for (struct agent_dev **p = &a->devs; *p; p = &(*p)->next)
		if (*p == dev) {
			*p = dev->next;
			break;
		}
	dev_free(dev);
}

/* Lowest unused N for daxR.N: hosts number their devices independently. */
static unsigned int next_id(struct agent *a, unsigned int region)
{
	for (unsigned int id = 0;; id++) {
		char name[32];
		bool used = false;

		snprintf(name, sizeof(name), EMU_DEV_PREFIX "%u.%u", region, id);
		for (struct agent_dev *d = a->devs; d && !used; d = d->next)
			used = !strcmp(d->name, name);
		if (!used)
			return id;
	}
}

static int by_seq(const void *x, const void *y)
{
	const struct fmc_extent *a = x, *b = y;

	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	return a->dpa < b->dpa ? -1 : a->dpa > b->dpa;
}

int dev_publish(struct agent *a, const struct fmc_extent *ext, uint32_t n)
{
	struct agent_dev *d = calloc(1, sizeof(*d));
	int region = n ? region_of(a, ext[0].dpa, ext[0].len) : -1;
	char tag[37];
	int rc;

	if (!d || region < 0 || !(d->ext = malloc(n * sizeof(*ext)))) {
		dev_free(d);
		return region < 0 ? -EINVAL : -ENOMEM;
	}
	memcpy(d->ext, ext, n * sizeof(*ext));
	d->n = n;
	d->region = (unsigned int)region;
	memcpy(d->tag, ext[0].tag, 16);
	/* Sharable capacity is laid out by shared sequence number, so every
	 * host sees the same bytes at the same device offsets. */
	if (a->regions[region].sharable)
		qsort(d->ext, n, sizeof(*ext), by_seq);
	snprintf(d->name, sizeof(d->name), EMU_DEV_PREFIX "%d.%u", region,
		 next_id(a, (unsigned int)region));
	rc = dev_refresh(a, d);
	if (rc) {
		agent_log(a, "cannot publish %s: %s", d->name, strerror(-rc));
		dev_free(d);
		return rc;
	}
	d->next = a->devs;
	a->devs = d;
	uuid_unparse_lower(d->tag, tag);
	agent_log(a, "published %s/%s for tag %s (%u extent%s)", a->devdir, d->name, tag, n,
		  n == 1 ? "" : "s");
	return 0;
}

static void unlink_files(struct agent *a, const struct agent_dev *dev)
{
	char *desc = join(a->descdir, dev->name), *link = join(a->devdir, dev->name);

	if (desc)
		unlink(desc); /* first: resolve stops finding it */
	if (link)
		unlink(link);
	free(desc);
	free(link);
}

/* ---- VM holders ---- */

struct start_locks {
	int fd[MAX_START_LOCKS];
	unsigned int n;
};

/* Calls fn on every VM holder record of this host that lists devname;
 * stops at the first non-zero return, which it returns. */
static int each_record(struct agent *a, const char *devname,
		       int (*fn)(struct agent *, struct holder_rec *, void *), void *arg)
{
	char *dir = join(a->hostdir, HOLDERS_DIR);
	DIR *d = dir ? opendir(dir) : NULL;
	struct holder_rec *r = malloc(sizeof(*r));
	struct dirent *de;
	int rc = 0;

	while (d && r && rc == 0 && (de = readdir(d))) {
		char path[PATH_MAX];

		if (strncmp(de->d_name, "vm.", 3) ||
		    snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >= (int)sizeof(path))
			continue;
		if (holder_read(path, r) == 0 && holder_has(r, devname))
			rc = fn(a, r, arg);
	}
	if (d)
		closedir(d);
	free(r);
	free(dir);
	return rc;
}

/* 1 when a live QEMU holds the device; a record whose QEMU has not started
 * yet is kept from starting (its lock goes to arg) until we are done. */
static int record_busy(struct agent *a, struct holder_rec *r, void *arg)
{
	struct start_locks *locks = arg;
	int lock;
	pid_t pid = holder_live(r, &lock);

	(void)a;
	if (lock >= 0 && locks->n < MAX_START_LOCKS)
		locks->fd[locks->n++] = lock;
	else if (lock >= 0)
		close(lock);
	return pid != 0;
}

/* The device is gone: no QEMU may start from a record that names it. */
static int record_forget(struct agent *a, struct holder_rec *r, void *arg)
{
	(void)arg;
	agent_log(a, "dropped VM holder record %s", r->dir);
	holder_remove(r->dir);
	return 0;
}

static bool maps_nothing(pid_t pid)
{
	char path[64], c;
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true;
	n = read(fd, &c, 1);
	close(fd);
	return n <= 0; /* an exited process (a zombie) maps nothing */
}

/* The last resort: QEMU goes, and its mappings with it. */
static void kill_vm(struct agent *a, pid_t pid, const char *why)
{
	agent_log(a, "revoked access: SIGKILL to VM pid %d (%s)", (int)pid, why);
	kill(pid, SIGKILL);
	for (int waited = 0; !maps_nothing(pid) && waited < VM_EXIT_MS; waited += 20)
		usleep(20 * 1000);
}

static int qmp_unplug(const struct holder_rec *r, const char *tag, char why[128])
{
	char stuck[QMP_ID_LEN] = "";
	unsigned int found;
	struct qmp *q;
	int rc = qmp_open(r->qmp, VM_REVOKE_MS, &q);

	if (rc == 0) {
		rc = qmp_remove_tag(q, tag, VM_REVOKE_MS, &found, stuck);
		if (rc == -EREMOTEIO)
			snprintf(why, 128, "%s: %s", stuck, qmp_error(q));
		qmp_close(q);
	}
	if (rc && rc != -EREMOTEIO)
		snprintf(why, 128, "QMP %s: %s", stuck, strerror(-rc));
	return rc;
}

/* Takes the device (arg) from a VM: unplugged through QMP, else killed. */
static int record_revoke(struct agent *a, struct holder_rec *r, void *arg)
{
	const struct agent_dev *dev = arg;
	char why[128] = "no QMP socket";
	const char *tag = "";
	int lock;
	pid_t pid = holder_live(r, &lock);

	if (lock >= 0)
		close(lock);
	for (unsigned int i = 0; i < r->n; i++)
		if (!strcmp(r->dev[i].name, dev->name))
			tag = r->dev[i].tag;
	if (pid > 0 && r->qmp[0] && qmp_unplug(r, tag, why) == 0) {
		agent_log(a, "revoked %s from VM pid %d: unplugged through QMP", dev->name, (int)pid);
		holder_drop(r, dev->name);
		return 0;
	}
	if (pid > 0)
		kill_vm(a, pid, why);
	holder_remove(r->dir);
	return 0;
}

/*
 * A release waits for the device's holders; from now on no new one may
 * join, or a stream of them would starve it.  The mark is an open file
 * description lock on byte 0 of the descriptor (the in-use lock file), a
 * lock flock() holders do not conflict with: libtagdax refuses to hold a
 * device whose descriptor carries it (-EBUSY).  It lives as long as the
 * agent keeps drain_fd, and goes with the agent, whose restart drains anew.
 */
static void dev_drain(struct agent *a, struct agent_dev *dev, const char *desc)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1 };
	int fd;

	if (dev->draining || !desc)
		return;
	fd = open(desc, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fcntl(fd, F_OFD_SETLK, &fl) < 0) {
		agent_log(a, "%s: cannot keep new holders out while the release waits: %s",
			  dev->name, strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	dev->drain_fd = fd;
	dev->draining = true;
	agent_log(a, "%s: the release waits for its holders; no new ones", dev->name);
}

/*
 * The VM holders are asked first, without the exclusive lock (which makes
 * mappers fail while held): a new one cannot appear meanwhile, as `tagdax
 * vm` holds the shared lock until its record is written, and the start
 * locks keep recorded QEMUs from starting.
 */
int dev_unpublish_if_free(struct agent *a, struct agent_dev *dev)
{
	char *desc = join(a->descdir, dev->name);
	struct start_locks locks = { .n = 0 };
	bool busy = each_record(a, dev->name, record_busy, &locks) != 0;
	int fd;

	if (busy)
		dev_drain(a, dev, desc);
	fd = desc && !busy ? open(desc, O_RDONLY | O_CLOEXEC) : -1;
	if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB)) {
		busy = true;
		dev_drain(a, dev, desc);
	}
	free(desc);
	if (!busy) {
		unlink_files(a, dev);
		each_record(a, dev->name, record_forget, NULL);
	}
	for (unsigned int i = 0; i < locks.n; i++)
		close(locks.fd[i]);
	if (fd >= 0)
		close(fd); /* drops the exclusive lock only now */
	if (busy)
		return 0;
	agent_log(a, "unpublished %s", dev->name);
	dev_unlink_from_list(a, dev);
	return 1;
}

/* Does the open file behind /proc/PID/fdinfo/FD carry a flock?  An flock
 * belongs to the open file description, so every descriptor sharing it
 * (fork, exec) shows it; one that merely reads the file does not. */
static bool fd_locks(const char *fdinfo)
{
	char line[256];
	bool locked = false;
	FILE *f = fopen(fdinfo, "re");

	while (f && !locked && fgets(line, sizeof(line), f))
		locked = !strncmp(line, "lock:", 5) && strstr(line, "FLOCK");
	if (f)
		fclose(f);
	return locked;
}

/* Does pid hold (dev, ino): an open file that is it, carrying its lock? */
static bool pid_holds(pid_t pid, dev_t dev, ino_t ino)
{
	char path[64];
	struct dirent *de;
	bool found = false;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	while (d && !found && (de = readdir(d))) {
		char fdpath[320];
		struct stat st;

		snprintf(fdpath, sizeof(fdpath), "%s/%s", path, de->d_name);
		if (de->d_name[0] == '.' || stat(fdpath, &st) || st.st_dev != dev ||
		    st.st_ino != ino)
			continue;
		snprintf(fdpath, sizeof(fdpath), "/proc/%d/fdinfo/%s", (int)pid, de->d_name);
		found = fd_locks(fdpath);
	}
	if (d)
		closedir(d);
	return found;
}

/*
 * Signals every other process holding (dev, ino): the lock owner that
 * /proc/locks names, and children that inherited its descriptor through
 * fork(), which /proc/locks does not name; not a process that only reads the
 * descriptor (resolve does).  Returns how many were signalled.
 */
static unsigned int signal_holders(struct agent *a, dev_t dev, ino_t ino, int sig)
{
	unsigned int hit = 0;
	struct dirent *de;
	DIR *proc = opendir("/proc");

	while (proc && (de = readdir(proc))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);

		int pidfd;

		if (*end || pid <= 0 || pid == getpid())
			continue;
		/* The pidfd names this process for good: a pid that exits and
		 * is reused after the check below is never signalled. */
		pidfd = pidfd_open((pid_t)pid, 0);
		if (pidfd < 0)
			continue;
		if (pid_holds((pid_t)pid, dev, ino) && pidfd_send_signal(pidfd, sig, NULL, 0) == 0) {
			if (sig)
				agent_log(a, "revoked access: %s to pid %ld",
					  sig == SIGBUS ? "SIGBUS" : "SIGKILL", pid);
			hit++;
		}
		close(pidfd);
	}
	if (proc)
		closedir(proc);
	return hit;
}

/* A process may ignore or catch SIGBUS and keep the memory: after a short
 * grace, whoever still holds the device is killed, as a real fault would
 * have ended it at its next access. */
static void revoke_holders(struct agent *a, dev_t dev, ino_t ino)
{
	if (!signal_holders(a, dev, ino, SIGBUS))
		return;
	for (int i = 0; i < 10; i++) {
		usleep(20 * 1000);
		if (!signal_holders(a, dev, ino, 0))
			return;
	}
	signal_holders(a, dev, ino, SIGKILL);
}

/*
 * The descriptor stays open here until its holders are gone: an inode number
 * is only given to a new file once nobody has the old one open, so while we
 * hold it, (st_dev, st_ino) names this descriptor and no file created since.
 * The files go last, so whoever waits for the device to vanish (`fabric
 * release --forced`) sees it gone only once no holder has it; a mapper that
 * slipped in meanwhile is caught by the next round.
 */
void dev_revoke(struct agent *a, struct agent_dev *dev)
{
	char *desc = join(a->descdir, dev->name);
	int fd = desc ? open(desc, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK) : -1;
	struct stat st;
	bool have = fd >= 0 && fstat(fd, &st) == 0;

	each_record(a, dev->name, record_revoke, dev);
	for (int round = 0; have && round < 3 && flock(fd, LOCK_EX | LOCK_NB); round++)
		revoke_holders(a, st.st_dev, st.st_ino);
	unlink_files(a, dev);
	if (fd >= 0)
		close(fd);
	agent_log(a, "revoked %s", dev->name);
	free(desc);
	dev_unlink_from_list(a, dev);
}

void devs_free(struct agent *a)
{
	while (a->devs) {
		struct agent_dev *d = a->devs;

		a->devs = d->next;
		dev_free(d);
	}
}
