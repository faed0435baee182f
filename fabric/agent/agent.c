// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The host agent: connects to its host's mailbox and notification socket,
 * recovers its devices, then sleeps in poll() until the daemon pokes the
 * notification socket (one byte per batch of new records), a mapper lets go
 * of a device a release waits for (inotify), or SIGTERM.  What it does with
 * the events is in agent-events.c; its devices are in agent-dev.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include "agent-int.h"
#include "agent.h"
#include "cci-codec.h"
#include "emu-desc.h"
#include "fabric-config.h"
#include "log.h"
#include "notify.h"
#include "unix.h"

#define CALL_TIMEOUT_MS 5000
#define CONNECT_WAIT_MS 10000
#define RELEASE_RECHECK_MS 1000 /* backs up inotify while a release waits */

void agent_log(struct agent *a, const char *fmt, ...)
{
	va_list ap;

	(void)a; /* the host is in every line already (util_log_init) */
	va_start(ap, fmt);
	util_vlog(LOG_INFO, fmt, ap);
	va_end(ap);
}

const char *agent_rc_text(int rc)
{
	return rc < 0 ? strerror(-rc) : cci_retcode_name((uint16_t)rc);
}

/* ---- connecting ---- */

/* The notification socket is read without blocking: one read drains it. */
static int connect_irq(const char *path)
{
	int fd = util_connect_unix(path);

	if (fd >= 0 && fcntl(fd, F_SETFL, O_NONBLOCK) < 0) {
		close(fd);
		return -errno;
	}
	return fd;
}

static void disconnect(struct agent *a)
{
	fmc_close(&a->mbox);
	if (a->irq_fd >= 0)
		close(a->irq_fd);
	a->irq_fd = -1;
}

/* Waits up to ms for SIGTERM/SIGINT (left pending for serve() to see):
 * a stop request must not wait for the daemon to come back. */
static bool signalled(struct agent *a, int ms)
{
	struct pollfd p = { .fd = a->sig_fd, .events = POLLIN };

	return poll(&p, 1, ms) > 0;
}

/* Waits (at start-up only) for the daemon's sockets.  The notification
 * socket comes first so that no record appended afterwards goes unseen. */
static int connect_daemon(struct agent *a, int wait_ms)
{
	char *irq = NULL, *mbox = NULL;
	int rc = -ENOMEM;

	if (asprintf(&irq, "%s/irq.sock", a->hostdir) < 0 ||
	    asprintf(&mbox, "%s/mbox.sock", a->hostdir) < 0)
		irq = mbox = NULL;
	for (int waited = 0; irq && mbox; waited += 50) {
		a->irq_fd = connect_irq(irq);
		rc = a->irq_fd < 0 ? a->irq_fd : fmc_open(&a->mbox, mbox, CALL_TIMEOUT_MS);
		if (rc == 0 || waited >= wait_ms)
			break;
		disconnect(a);
		if (signalled(a, 50)) {
			rc = -EINTR;
			break;
		}
	}
	if (rc)
		disconnect(a);
	free(irq);
	free(mbox);
	return rc;
}

/* ---- regions: 4800h for the DPA ranges, DIR/layout for the backing,
 * the configuration for what CDAT would say (sharable) ---- */

/* "region N base B length L path P offset O": the keys this side needs. */
static void layout_line(struct agent *a, char *line)
{
	char *save = NULL, *key, *val;
	struct agent_region *r = NULL;
	long idx;

	while ((key = strtok_r(line, " \t\n", &save)) && (val = strtok_r(NULL, " \t\n", &save))) {
		line = NULL;
		if (!strcmp(key, "region") && (idx = strtol(val, NULL, 10)) >= 0 &&
		    idx < AGENT_REGIONS) {
			r = &a->regions[idx];
		} else if (r && !strcmp(key, "path") && val[0] == '/') {
			free(r->path);
			r->path = strdup(val);
		} else if (r && !strcmp(key, "offset")) {
			r->offset = strtoull(val, NULL, 10);
		}
	}
}

static int layout_load(struct agent *a)
{
	char *path = NULL, line[4096];
	FILE *f = asprintf(&path, "%s/layout", a->dir) < 0 ? NULL : fopen(path, "re");
	int rc = f ? 0 : -errno;

	while (f && fgets(line, sizeof(line), f))
		layout_line(a, line);
	if (f)
		fclose(f);
	free(path);
	return rc;
}

static int attrs_load(struct agent *a)
{
	struct fabric_config *c = malloc(sizeof(*c));
	char *path = NULL, err[256];
	int rc = c && asprintf(&path, "%s/config.json", a->dir) >= 0 ? 0 : -ENOMEM;

	if (rc == 0)
		rc = fabric_config_load(path, c, err, sizeof(err));
	if (rc == 0 && !fabric_config_host(c, a->host))
		rc = -ENOENT;
	for (unsigned int i = 0; rc == 0 && i < c->nregions && i < AGENT_REGIONS; i++)
		a->regions[i].sharable = c->regions[i].sharable;
	if (rc)
		agent_log(a, "cannot use %s: %s", path ? path : "config.json",
			  rc == -ENOENT ? "no such host in it" : err);
	free(path);
	free(c);
	return rc;
}

int regions_load(struct agent *a)
{
	struct fmc_region r[AGENT_REGIONS];
	unsigned int n = 0;
	int rc = fmc_dc_config(&a->mbox, r, &n);

	for (unsigned int i = 0; i < AGENT_REGIONS; i++) {
		free(a->regions[i].path);
		memset(&a->regions[i], 0, sizeof(a->regions[i]));
		if (rc == 0 && i < n && r[i].length)
			a->regions[i] = (struct agent_region){ .present = true, .base = r[i].base,
				.length = r[i].length, .block = r[i].block };
	}
	if (rc) {
		agent_log(a, "cannot read the DC configuration: %s", agent_rc_text(rc));
		return rc < 0 ? rc : -EIO;
	}
	rc = layout_load(a);
	if (rc == 0)
		rc = attrs_load(a);
	for (unsigned int i = 0; rc == 0 && i < n; i++)
		if (a->regions[i].present && !a->regions[i].path) {
			agent_log(a, "region %u has no backing in %s/layout", i, a->dir);
			rc = -ENOENT;
		}
	return rc;
}

/* ---- the loop ---- */

static int sync_with_device(struct agent *a)
{
	int rc = regions_load(a);

	a->ngroup = 0;
	if (rc == 0)
		rc = devs_reconcile(a);
	if (rc == 0)
		rc = events_drain(a);
	if (rc == 0)
		releases_try(a);
	return rc;
}

/* The irq socket: bytes mean "new records"; end of file means the daemon
 * went away. */
static bool irq_alive(struct agent *a)
{
	char buf[64];
	ssize_t n;

	while ((n = read(a->irq_fd, buf, sizeof(buf))) > 0)
		;
	return n < 0 && (errno == EAGAIN || errno == EINTR);
}

static void drain_fd(int fd)
{
	char buf[4096];

	while (read(fd, buf, sizeof(buf)) > 0)
		;
}

/*
 * The daemon went away: connect again and catch up, for CONNECT_WAIT_MS in
 * all.  A connection that fails right after it was made (a daemon that is
 * still dying: its listening socket takes a connection, then it closes)
 * is retried within the same wait, not taken for the end of the daemon.
 */
static int reconnect(struct agent *a)
{
	int waited = 0, rc;

	agent_log(a, "lost the daemon; reconnecting");
	for (;;) {
		disconnect(a);
		rc = connect_daemon(a, CONNECT_WAIT_MS - waited);
		if (rc == -EINTR)
			break;
		if (rc == 0 && sync_with_device(a) == 0)
			return 0;
		if (rc || waited >= CONNECT_WAIT_MS) {
			agent_log(a, "the daemon is gone; exiting");
			return -ENOTCONN;
		}
		waited += 100; /* connected, then lost again: a moment, and on */
		if (signalled(a, 100)) {
			rc = -EINTR;
			break;
		}
	}
	agent_log(a, "stopping while reconnecting");
	return rc;
}

static int serve(struct agent *a)
{
	for (;;) {
		struct pollfd p[3] = {
			{ .fd = a->sig_fd, .events = POLLIN },
			{ .fd = a->irq_fd, .events = POLLIN },
			{ .fd = a->ino_fd, .events = POLLIN },
		};
		int rc = 0;

		if (poll(p, 3, a->releases ? RELEASE_RECHECK_MS : -1) < 0 && errno != EINTR)
			return -errno;
		if (p[0].revents)
			return 0;
		if (p[1].revents)
			rc = irq_alive(a) ? events_drain(a) : -ENOTCONN;
		if (rc < 0) /* the mailbox or the notification socket failed */
			rc = reconnect(a);
		if (rc == -EINTR)
			return 0; /* asked to stop */
		if (rc)
			return rc;
		if (a->releases)
			releases_try(a);
		/* our own opens of descriptors are in there too: drop them */
		drain_fd(a->ino_fd);
	}
}

/* ---- setting up ---- */

static int paths_init(struct agent *a, const char *dir, const char *host)
{
	char *hosts;

	a->irq_fd = a->ino_fd = a->sig_fd = -1;
	a->mbox.fd = -1;
	if (!dir || dir[0] != '/' || !host || !*host || strchr(host, '/') || host[0] == '.' ||
	    strpbrk(dir, " \t\n#"))
		return -EINVAL; /* descriptors cannot carry such paths */
	a->dir = strdup(dir);
	a->host = strdup(host);
	if (!a->dir || !a->host || asprintf(&hosts, "%s/hosts", dir) < 0)
		return -ENOMEM;
	mkdir(hosts, 0755); /* the daemon may not have made it yet */
	free(hosts);
	if (asprintf(&a->hostdir, "%s/hosts/%s", dir, host) < 0 ||
	    asprintf(&a->devdir, "%s/" EMU_DEV_DIR, a->hostdir) < 0 ||
	    asprintf(&a->descdir, "%s/" EMU_DESC_DIR, a->hostdir) < 0)
		return -ENOMEM;
	mkdir(a->hostdir, 0755);
	mkdir(a->devdir, 0755);
	mkdir(a->descdir, 0755);
	return 0;
}

/* One agent per host: an exclusive lock held for the process's life. */
static int lock_instance(struct agent *a)
{
	char *path = NULL;
	int fd = asprintf(&path, "%s/agent.lock", a->hostdir) < 0 ? -1
			: open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

	free(path);
	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		close(fd);
		return -EBUSY;
	}
	return fd;
}

static int write_pid(struct agent *a)
{
	char *path = NULL, *tmp = NULL;
	FILE *f = NULL;
	int rc = -ENOMEM;

	if (asprintf(&path, "%s/agent.pid", a->hostdir) >= 0 &&
	    asprintf(&tmp, "%s.tmp", path) >= 0 && (f = fopen(tmp, "we"))) {
		fprintf(f, "%d\n", (int)getpid());
		rc = fclose(f) || rename(tmp, path) ? -errno : 0;
	}
	free(path);
	free(tmp);
	return rc;
}

static int events_init(struct agent *a)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -errno;
	a->sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	a->ino_fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (a->sig_fd < 0 || a->ino_fd < 0)
		return -errno;
	/* a mapper closing its lock (unmap, exit) wakes a waiting release */
	inotify_add_watch(a->ino_fd, a->descdir, IN_CLOSE_NOWRITE | IN_CLOSE_WRITE);
	return 0;
}

/* owner: this process was the host's agent (and wrote its pid file). */
static void agent_free(struct agent *a, bool owner)
{
	char *pid = NULL;

	if (owner && a->hostdir && asprintf(&pid, "%s/agent.pid", a->hostdir) >= 0)
		unlink(pid);
	free(pid);
	disconnect(a);
	if (a->sig_fd >= 0)
		close(a->sig_fd);
	if (a->ino_fd >= 0)
		close(a->ino_fd);
	devs_free(a);
	releases_free(a);
	for (int i = 0; i < AGENT_REGIONS; i++)
		free(a->regions[i].path);
	free(a->group);
	free(a->dir);
	free(a->host);
	free(a->hostdir);
	free(a->devdir);
	free(a->descdir);
}

int agent_run(const char *dir, const char *host)
{
	struct agent a = { 0 };
	int lock = -1, rc = paths_init(&a, dir, host);
	bool stop = false;

	if (rc == 0 && (lock = lock_instance(&a)) < 0) {
		/* nothing was started: one sentence, no "stopped" after it */
		if (lock == -EBUSY)
			util_log(LOG_ERR, "another agent serves host %s (it holds %s/agent.lock)",
				 host, a.hostdir);
		else
			util_log(LOG_ERR, "cannot lock %s/agent.lock: %s", a.hostdir,
				 strerror(-lock));
		agent_free(&a, false);
		return 1;
	}
	if (rc == 0)
		rc = events_init(&a);
	if (rc == 0)
		agent_log(&a, "starting (pid %d)", (int)getpid());
	if (rc == 0) {
		rc = connect_daemon(&a, CONNECT_WAIT_MS);
		if (rc == -EINTR)
			stop = true; /* asked to stop before the daemon answered */
		else if (rc)
			agent_log(&a, "cannot reach the daemon in %s: %s", a.hostdir,
				  strerror(-rc));
	}
	if (rc == 0) {
		devs_load(&a);
		releases_load(&a);
		rc = sync_with_device(&a);
	}
	if (rc == 0 && (rc = write_pid(&a)) == 0) {
		agent_log(&a, "serving host %s", host);
		/* attached: its devices are recovered and events flow */
		util_notify("READY=1\nSTATUS=serving host");
		rc = serve(&a);
		util_notify("STOPPING=1");
	}
	if (stop)
		rc = 0;
	if (rc == -EINVAL)
		util_log(LOG_ERR, "bad fabric directory or host name");
	else
		util_log(rc ? LOG_ERR : LOG_INFO, "stopped%s%s", rc ? ": " : "",
			 rc ? strerror(-rc) : "");
	agent_free(&a, lock >= 0);
	if (lock >= 0)
		close(lock);
	return rc ? 1 : 0;
}
