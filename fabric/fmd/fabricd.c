// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The fabric daemon (fabricd_run): configuration, directories, backing,
 * saved state, the sockets of docs/fabric.md, and one single-threaded poll
 * loop over non-blocking sockets until SIGTERM or SIGINT.  Connections are
 * served by fabricd-conn.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "fabricd-int.h"
#include "fabricd.h"
#include "file.h"
#include "log.h"
#include "notify.h"
#include "state.h"

/* How often the daemon checks that its directory is still there. */
#define DIR_CHECK_MS 2000

static bool dir_gone(struct server *s);

/* Startup failures are errors in the log (standard error: the CLI shows
 * the log's last lines, journald keeps them under systemd). */
static int startup_error(struct server *s, int rc, const char *fmt, ...)
{
	va_list ap;

	(void)s;
	va_start(ap, fmt);
	util_vlog(LOG_ERR, fmt, ap);
	va_end(ap);
	return rc;
}

/* snprintf for paths: -ENAMETOOLONG instead of a silently cut path. */
static int pathf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* ---- state ---- */

/*
 * No state image: a fresh fabric.  Unless a journal says otherwise (the
 * image was removed by hand: starting empty would hand out as free what the
 * journal holds allocated), it starts with all of its capacity free, and
 * free capacity holds no one's bytes: whatever an earlier fabric left in
 * the region files it made (DIR/backing) is zeroed first.  A "file"
 * backing is the administrator's device, taken as it is found.
 */
static int fresh_start(struct server *s)
{
	char path[PATH_MAX + 32];
	int rc;

	snprintf(path, sizeof(path), "%s/%s", s->statedir, JOURNAL_FILE);
	if (access(path, F_OK) == 0)
		return startup_error(s, -EUCLEAN, "%s exists but the state image it applies to "
				     "(%s/%s) does not: not starting with everything free; "
				     "'tagdax fabric down --dir %s --purge' deletes the fabric, "
				     "capacity and all, to start afresh", path, s->statedir,
				     STATE_FILE, s->dir);
	for (unsigned int r = 0; s->cfg.backing == FABRIC_BACKING_DIR && r < s->cfg.nregions; r++) {
		rc = backing_sanitize(&s->backing, r, 0, s->cfg.regions[r].length);
		if (rc)
			return startup_error(s, rc, "zeroing region %u of a fresh fabric: %s", r,
					     strerror(-rc));
	}
	return 0;
}

/* The checkpoint with the journal replayed over it; then a fresh
 * checkpoint, so the daemon starts with an empty journal. */
static int load_state(struct server *s)
{
	struct journal_stats st;
	char err[512];
	int rc;

	journal_init(&s->j, s->statedir);
	rc = state_load(s->statedir, s->d, -1, &st, err, sizeof(err));
	if (rc && rc != -ENOENT)
		return startup_error(s, rc, "%s: %s; not starting ('tagdax fabric down --dir %s "
				     "--purge' deletes the fabric, capacity and all, to start afresh)",
				     s->statedir, err, s->dir);
	if (rc == -ENOENT) { /* a fresh fabric, its empty state */
		rc = fresh_start(s);
		if (rc)
			return rc;
	}
	if (st.records || st.dropped)
		fabricd_log(s, "state: %u journal record%s replayed, %zu bytes of an unfinished "
			    "record dropped", st.records, st.records == 1 ? "" : "s", st.dropped);
	/* No mailbox is connected yet, so no More chain is going on: one saved
	 * by a daemon that died mid-chain would only clash with the restarted
	 * agent's whole answer. */
	for (unsigned int h = 0; h < s->d->nhosts; h++)
		dcd_host_drop_chains(&s->d->host[h]);
	rc = fabricd_checkpoint(s);
	if (rc || s->j.need_reset)
		return startup_error(s, rc ? rc : -EIO, "%s: saving the state: %s", s->statedir,
				     strerror(rc ? -rc : EIO));
	return 0;
}

/* ---- sockets ---- */

static int listen_at(struct listener *l, const char *path, enum conn_kind kind, int host)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	snprintf(l->path, sizeof(l->path), "%s", path);
	l->kind = kind;
	l->host = host;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(path); /* a stale socket of a daemon that died: we hold the lock */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 64) < 0) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	l->fd = fd;
	return 0;
}

/* Host sockets first, fm.sock last: once fm.sock answers, every socket of
 * the fabric exists (the CLI waits for fm.sock). */
static int open_sockets(struct server *s)
{
	static const struct {
		const char *name;
		enum conn_kind kind;
	} per_host[] = { { "mbox.sock", CONN_MBOX }, { "irq.sock", CONN_IRQ } };
	char path[PATH_MAX];
	int rc = 0;

	s->ls = calloc(1 + 2 * s->cfg.nhosts, sizeof(*s->ls));
	if (!s->ls)
		return -ENOMEM;
	for (unsigned int h = 0; !rc && h < s->cfg.nhosts; h++)
		for (unsigned int k = 0; !rc && k < 2; k++) {
			rc = pathf(path, sizeof(path), "%s/hosts/%s/%s", s->dir,
				   s->cfg.hosts[h].name, per_host[k].name);
			if (!rc)
				rc = listen_at(&s->ls[s->nls], path, per_host[k].kind, (int)h);
			if (!rc)
				s->nls++;
		}
	if (!rc)
		rc = pathf(path, sizeof(path), "%s/fm.sock", s->dir);
	if (!rc)
		rc = listen_at(&s->ls[s->nls], path, CONN_FM, -1);
	if (rc)
		return startup_error(s, rc, "%s: %s%s", path, strerror(-rc),
				     rc == -ENAMETOOLONG ? " (socket paths are limited to 107 bytes)"
							 : "");
	s->nls++;
	return 0;
}

/* ---- loop ---- */

/* How many connections fit under RLIMIT_NOFILE, keeping a reserve for the
 * descriptors open now and those a save or a log line needs.  The soft
 * limit is raised to the hard one first: a flood of clients should meet
 * the configured cap, not the shell's default of 1024 descriptors. */
static unsigned int conn_cap(const struct fabric_config *cfg)
{
	unsigned int want = cfg->max_connections ? cfg->max_connections : MAX_CONNS;
	unsigned int open = 0, reserve;
	struct rlimit rl;
	DIR *fds;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	fds = opendir("/proc/self/fd");
	while (fds && readdir(fds))
		open++;
	if (fds)
		closedir(fds);
	reserve = open + 16;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur >= (rlim_t)want + reserve)
		return want;
	return rl.rlim_cur > (rlim_t)reserve + 1 ? (unsigned int)(rl.rlim_cur - reserve) : 1;
}

static int serve(struct server *s)
{
	struct pollfd *pf;

	s->maxconns = conn_cap(&s->cfg);
	pf = calloc(1 + 2 * s->nls + s->maxconns, sizeof(*pf));
	s->conns = calloc(s->nls + s->maxconns, sizeof(*s->conns));
	if (!pf || !s->conns) {
		free(pf);
		return -ENOMEM;
	}
	fabricd_log(s, "serving at most %u connections; idle fm.sock connections close after "
		    "%u ms, unfinished messages after %u ms", s->maxconns, s->cfg.idle_timeout_ms,
		    s->cfg.message_timeout_ms);
	while (!s->fatal) {
		/* Listeners rest after EMFILE/ENFILE, until a connection closes
		 * (or, with none to close, half a second). */
		bool listen = !s->accept_paused;
		int next = fabricd_expire(s);
		unsigned int n = 0;
		int ready;

		if (fabricd_reap(s))
			s->accept_paused = false;
		if (s->accept_paused && (next < 0 || next > 500))
			next = 500;
		if (next < 0 || next > DIR_CHECK_MS)
			next = DIR_CHECK_MS;
		if (dir_gone(s))
			break;

		pf[n++] = (struct pollfd){ .fd = s->sigfd, .events = POLLIN };
		for (unsigned int i = 0; i < s->nls; i++)
			pf[n++] = (struct pollfd){ .fd = listen ? s->ls[i].fd : -1, .events = POLLIN };
		for (unsigned int i = 0; i < s->nconns; i++) {
			struct conn *c = s->conns[i];

			pf[n++] = (struct pollfd){
				.fd = c->fd, .events = c->outlen ? POLLOUT : POLLIN
			};
		}
		ready = poll(pf, n, next);
		if (ready < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (ready == 0) {
			s->accept_paused = false; /* try again */
			continue;
		}
		if (pf[0].revents) {
			struct signalfd_siginfo si;

			/* Consume it, or it fires when the mask is restored. */
			if (read(s->sigfd, &si, sizeof(si)) == sizeof(si))
				fabricd_log(s, "signal %u", si.ssi_signo);
			break;
		}
		for (unsigned int i = 0; i < s->nls; i++)
			if (pf[1 + i].revents & POLLIN)
				fabricd_conn_accept(s, &s->ls[i]);
		/* Connections accepted just now are not in pf: stop before them. */
		for (unsigned int i = 0, base = 1 + s->nls; base + i < n; i++) {
			struct conn *c = s->conns[i];
			short re = pf[base + i].revents;

			if (c->closed || !re)
				continue;
			if (re & POLLOUT) {
				fabricd_conn_flush(c);
				if (!c->closed && !c->outlen)
					fabricd_conn_process(s, c);
			} else if (re & (POLLIN | POLLHUP | POLLERR)) {
				fabricd_conn_readable(s, c);
			}
		}
		fabricd_commit_round(s);
		if (fabricd_reap(s))
			s->accept_paused = false;
	}
	free(pf);
	return s->fatal ? -EIO : 0;
}

/* ---- start and stop ---- */

/* DIR removed (or replaced) under a running daemon: DIR/fabricd.pid is no
 * longer the file it holds locked.  Nothing it serves can be reached any
 * more, so it stops (cleanly: a service manager need not restart it), and
 * its agents follow once they find it gone. */
static bool dir_gone(struct server *s)
{
	char path[PATH_MAX + 16];
	struct stat a, b;
	int64_t now = fabricd_now_ms();

	if (now < s->dir_check_at)
		return false;
	s->dir_check_at = now + DIR_CHECK_MS;
	snprintf(path, sizeof(path), "%s/fabricd.pid", s->dir);
	if (fstat(s->pidfd, &b) == 0 && stat(path, &a) == 0 && a.st_dev == b.st_dev &&
	    a.st_ino == b.st_ino)
		return false;
	fabricd_log(s, "%s is gone or not ours any more (the fabric directory was removed?): "
		    "stopping", path);
	return true;
}

static int lock_pidfile(struct server *s)
{
	char path[PATH_MAX], pid[32];
	int n;

	pathf(path, sizeof(path), "%s/fabricd.pid", s->dir);
	s->pidfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (s->pidfd < 0)
		return startup_error(s, -errno, "%s: %s", path, strerror(errno));
	if (flock(s->pidfd, LOCK_EX | LOCK_NB) < 0) {
		n = (int)pread(s->pidfd, pid, sizeof(pid) - 1, 0);
		pid[n > 0 ? n : 0] = 0;
		pid[strcspn(pid, "\n")] = 0;
		close(s->pidfd);
		s->pidfd = -1;
		return startup_error(s, -EBUSY, "another fabric daemon (pid %s) serves %s",
				     *pid ? pid : "?", s->dir);
	}
	n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(s->pidfd, 0) < 0 || pwrite(s->pidfd, pid, (size_t)n, 0) != n)
		return startup_error(s, -errno, "%s: %s", path, strerror(errno));
	return 0;
}

static int prepare_dirs(struct server *s)
{
	char path[PATH_MAX];
	int rc;

	rc = pathf(s->statedir, sizeof(s->statedir), "%s/state", s->dir);
	if (!rc)
		rc = util_mkdir_p(s->statedir, 0700);
	for (unsigned int h = 0; !rc && h < s->cfg.nhosts; h++) {
		rc = pathf(path, sizeof(path), "%s/hosts/%s", s->dir, s->cfg.hosts[h].name);
		if (!rc)
			rc = util_mkdir_p(path, 0755);
	}
	if (rc)
		return startup_error(s, rc, "creating directories under %s: %s", s->dir,
				     strerror(-rc));
	return 0;
}

static int start(struct server *s, const char *dir, const char *config_path)
{
	char err[512], real[PATH_MAX];
	sigset_t mask;
	int rc;

	rc = fabric_config_load(config_path, &s->cfg, err, sizeof(err));
	if (rc)
		return startup_error(s, rc, "%s", err);
	rc = util_mkdir_p(dir, 0755);
	if (rc || !realpath(dir, real))
		return startup_error(s, rc ? rc : -errno, "%s: %s", dir,
				     strerror(rc ? -rc : errno));
	snprintf(s->dir, sizeof(s->dir), "%s", real);
	rc = lock_pidfile(s);
	if (rc)
		return rc;
	rc = prepare_dirs(s);
	if (rc)
		return rc;
	rc = backing_open(&s->backing, s->dir, &s->cfg, err, sizeof(err));
	if (rc) /* -EINVAL: the configuration asks for what is not there */
		return startup_error(s, s->cfg.backing == FABRIC_BACKING_FILE ? -EINVAL : rc,
				     "backing memory: %s", err);
	rc = backing_write_layout(&s->backing, s->dir);
	if (rc)
		return startup_error(s, rc, "%s/layout: %s", s->dir, strerror(-rc));
	s->d = dcd_new(&s->cfg);
	s->rsp = malloc(sizeof(struct cci_msg) + FABRICD_MAX_RESPONSE);
	if (!s->d || !s->rsp)
		return startup_error(s, -ENOMEM, "out of memory");
	dcd_set_sanitizer(s->d, fabricd_sanitize, s);
	if (getenv("TAGDAX_FABRICD_SANITIZE_FAIL"))
		s->sanitize_fail = strtoul(getenv("TAGDAX_FABRICD_SANITIZE_FAIL"), NULL, 10);
	/* Test hooks: TAGDAX_FABRICD_COMMIT_FAIL=N fails the next N commits
	 * (after the start); TAGDAX_FABRICD_CHECKPOINT=BYTES checkpoints once
	 * the journal is that long (1: after every commit). */
	if (getenv("TAGDAX_FABRICD_CHECKPOINT"))
		s->checkpoint_at = strtoull(getenv("TAGDAX_FABRICD_CHECKPOINT"), NULL, 10);
	else
		s->checkpoint_at = 1u << 20;
	rc = load_state(s);
	if (rc)
		return rc;
	/* What a crash or a failed zeroing left quarantined: retry now. */
	s->quarantine_listed = true; /* a stale list goes or is rewritten */
	fabricd_settle(s);
	if (s->fatal)
		return startup_error(s, -EIO, "could not save the state after zeroing");
	if (getenv("TAGDAX_FABRICD_COMMIT_FAIL"))
		s->commit_fail = strtoul(getenv("TAGDAX_FABRICD_COMMIT_FAIL"), NULL, 10);
	rc = open_sockets(s);
	if (rc)
		return rc;
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	s->sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (s->sigfd < 0)
		return startup_error(s, -errno, "signalfd: %s", strerror(errno));
	fabricd_log(s, "serving %s: %u hosts, %u regions (pid %d)", s->dir, s->cfg.nhosts,
	     s->cfg.nregions, (int)getpid());
	return 0;
}

static void stop(struct server *s)
{
	char path[PATH_MAX];

	for (unsigned int i = 0; i < s->nconns; i++)
		fabricd_conn_close(s->conns[i]);
	fabricd_reap(s);
	free(s->conns);
	for (unsigned int i = 0; i < s->nls; i++) {
		close(s->ls[i].fd);
		unlink(s->ls[i].path);
	}
	free(s->ls);
	if (s->sigfd >= 0)
		close(s->sigfd);
	dcd_free(s->d);
	backing_close(&s->backing);
	journal_close(&s->j);
	free(s->rsp);
	if (s->pidfd >= 0) {
		pathf(path, sizeof(path), "%s/fabricd.pid", s->dir);
		unlink(path); /* still holding the lock: no one else wrote it */
		close(s->pidfd);
	}
}

int fabricd_run(const char *dir, const char *config_path)
{
	struct server *s = calloc(1, sizeof(*s));
	sigset_t mask, old;
	int rc;

	if (!s)
		return -ENOMEM;
	s->sigfd = s->pidfd = -1;
	for (unsigned int i = 0; i < FABRIC_MAX_REGIONS; i++)
		s->backing.fd[i] = -1;
	/* Signals arrive through a signalfd, so block them first. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, &old);
	fabric_crash_setup();
	rc = start(s, dir, config_path);
	if (!rc) {
		/* every socket listens: clients (and agents) may come */
		util_notify("READY=1\nSTATUS=serving the fabric");
		rc = serve(s);
		util_notify("STOPPING=1");
		if (rc)
			util_log(LOG_ERR, "stopped on an unrecoverable error");
		else
			fabricd_log(s, "stopped");
	}
	stop(s);
	sigprocmask(SIG_SETMASK, &old, NULL);
	free(s);
	return rc;
}
