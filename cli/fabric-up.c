// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tagdax fabric up / down.  The daemon and the host agents are the programs
 * tagdax-fabricd and tagdax-agent, found beside this tagdax (the build tree
 * and an install both keep the three together), else in the install's
 * bindir; TAGDAX_FABRIC_BINDIR overrides both (tests).  Each is exec'd in
 * its own session, its log file as stdout and stderr, every other inherited
 * descriptor closed (a caller's pipe held open by a daemon would hang the
 * caller).  Their process names, tagdax-fabricd and tagdax-agent (the
 * programs' file names), are how `down` and `up` tell a live fabric
 * process from a recycled pid.  `up` starts only what is missing: under a
 * live daemon, the agents that are not running.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "coverage.h"
#include "dirsafe.h"
#include "emu-desc.h"
#include "fabric.h"
#include "file.h"

#define DAEMON_NAME "tagdax-fabricd"
#define AGENT_NAME "tagdax-agent"

struct up_opts {
	const char *dir;
	const char *config;
	int timeout_ms;
	bool purge;
};

static int parse_opts(struct cli *cli, int argc, char **argv, struct up_opts *o, bool up)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 't' },
		{ "purge", no_argument, NULL, 'p' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	*o = (struct up_opts){ .timeout_ms = 30000, .dir = fab_env_dir() };
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'd')
			o->dir = optarg;
		else if (opt == 'c' && up)
			o->config = optarg;
		else if (opt == 'p' && !up)
			o->purge = true;
		else if (opt == 't' && parse_timeout(optarg, &o->timeout_ms))
			continue;
		else
			return usage_error(cli, "fabric %s: bad option or value", argv[0]);
	}
	if (optind < argc)
		return usage_error(cli, "fabric %s: unexpected '%s'", argv[0], argv[optind]);
	if (!o->dir)
		return usage_error(cli, "fabric %s needs --dir DIR", argv[0]);
	return EXIT_OK;
}

/* ---- processes ---- */

/* pid runs and is ours: /proc/PID/stat names it `name` and it is no zombie
 * (a container's init may never reap orphans). */
static bool proc_alive(pid_t pid, const char *name)
{
	char path[64], buf[256], *open, *close;
	FILE *f;
	size_t n;

	if (pid <= 0)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
	if (f)
		fclose(f);
	buf[n] = '\0';
	open = strchr(buf, '(');
	close = strrchr(buf, ')');
	if (!open || !close || close < open || close[1] != ' ')
		return false;
	*close = '\0';
	return !strcmp(open + 1, name) && close[2] != 'Z' && close[2] != 'X';
}

static pid_t read_pid(const char *fmt, const char *dir, const char *host)
{
	char path[PATH_MAX + 128];
	long pid = 0;
	FILE *f;

	snprintf(path, sizeof(path), fmt, dir, host);
	f = fopen(path, "re");
	if (f && fscanf(f, "%ld", &pid) != 1)
		pid = 0;
	if (f)
		fclose(f);
	return (pid_t)pid;
}

static pid_t daemon_pid(const char *dir)
{
	return read_pid("%s/fabricd.pid%s", dir, "");
}

static pid_t agent_pid(const char *dir, const char *host)
{
	return read_pid("%s/hosts/%s/agent.pid", dir, host);
}

struct job {
	const char *dir;
	const char *host; /* NULL: the daemon */
	char config[PATH_MAX + 16];
	int status; /* wait status once it exited, else -1 */
};

/* Where the program name is: TAGDAX_FABRIC_BINDIR, the directory of the
 * running tagdax, or the install's bindir; false if none has it. */
static bool program_path(const char *name, char *path, size_t len)
{
	const char *env = getenv("TAGDAX_FABRIC_BINDIR");
	char self[PATH_MAX];
	ssize_t n;

	if (env && *env) {
		snprintf(path, len, "%s/%s", env, name);
		return access(path, X_OK) == 0;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		snprintf(path, len, "%s/%s", dirname(self), name);
		if (access(path, X_OK) == 0)
			return true;
	}
	snprintf(path, len, "%s/%s", TAGDAX_BINDIR, name);
	return access(path, X_OK) == 0;
}

/* Starts a detached fabric program logging to log. */
static pid_t spawn(struct job *j, const char *log, const char *name)
{
	char path[PATH_MAX + 64];
	pid_t pid;

	if (!program_path(name, path, sizeof(path))) {
		fprintf(stderr, "tagdax: cannot find the program %s (looked in %s, beside "
			"tagdax and in %s)\n", name, getenv("TAGDAX_FABRIC_BINDIR") ?
			"$TAGDAX_FABRIC_BINDIR" : "-", TAGDAX_BINDIR);
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid != 0)
		return pid;
	int out = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0644);
	int in = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (out < 0 || in < 0 || setsid() < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 ||
	    dup2(out, 2) < 0)
		util_exit(1);
	close_range(3, ~0u, 0);
	signal(SIGPIPE, SIG_IGN); /* kept across exec: a log on a closed pipe */
	if (j->host)
		execl(path, name, "--dir", j->dir, "--host", j->host, (char *)NULL);
	else
		execl(path, name, "--dir", j->dir, "--config", j->config, (char *)NULL);
	fprintf(stderr, "tagdax: cannot run %s: %s\n", path, strerror(errno));
	util_exit(127);
}

/* Prints the last lines of a log after a failed start. */
static void show_log(const char *log)
{
	char lines[6][512];
	unsigned int n = 0;
	FILE *f = fopen(log, "re");

	while (f && fgets(lines[n % 6], sizeof(lines[0]), f))
		n++;
	if (f)
		fclose(f);
	fprintf(stderr, "tagdax: last lines of %s:\n", log);
	for (unsigned int i = n > 6 ? n - 6 : 0; i < n; i++)
		fprintf(stderr, "  %s", lines[i % 6]);
}

static bool fm_answers(const char *dir)
{
	struct tagdax_fm_dcd_info info;
	struct tagdax_fm *fm;
	int rc = tagdax_fm_open(dir, &fm);

	if (rc == 0 && (rc = tagdax_fm_set_timeout(fm, 1000)) == 0)
		rc = tagdax_fm_get_dcd_info(fm, &info);
	tagdax_fm_close(fm);
	return rc == 0;
}

/* Waits until the child is ready (ready() true) or has died. */
/* Waits until ready(j), or until pid exits (its status in j->status). */
static bool wait_ready(pid_t pid, int timeout_ms, bool (*ready)(struct job *), struct job *j)
{
	int64_t deadline = fab_deadline(timeout_ms);

	while (fab_now_ms() < deadline) {
		if (waitpid(pid, &j->status, WNOHANG) == pid)
			return false;
		if (ready(j))
			return true;
		usleep(20 * 1000);
	}
	return false;
}

static bool daemon_ready(struct job *j)
{
	return fm_answers(j->dir);
}

static bool agent_ready(struct job *j)
{
	return agent_pid(j->dir, j->host) > 0 && proc_alive(agent_pid(j->dir, j->host), AGENT_NAME);
}

/* ---- stopping ---- */

/* A stopped process (SIGSTOP, a debugger's) acts on SIGTERM only once
 * continued: SIGCONT follows, so `down` need not wait to SIGKILL it. */
static void signal_one(pid_t pid, int sig)
{
	kill(pid, sig);
	if (sig == SIGTERM)
		kill(pid, SIGCONT);
}

static void signal_all(struct fab *f, int sig, bool agents, bool daemon)
{
	for (unsigned int i = 0; agents && i < fab_nhosts(f); i++) {
		pid_t pid = agent_pid(f->dir, fab_host_at(f, i));

		if (proc_alive(pid, AGENT_NAME))
			signal_one(pid, sig);
	}
	if (daemon && proc_alive(daemon_pid(f->dir), DAEMON_NAME))
		signal_one(daemon_pid(f->dir), sig);
}

static bool any_alive(struct fab *f)
{
	for (unsigned int i = 0; i < fab_nhosts(f); i++)
		if (proc_alive(agent_pid(f->dir, fab_host_at(f, i)), AGENT_NAME))
			return true;
	return proc_alive(daemon_pid(f->dir), DAEMON_NAME);
}

static void unlink_fmt(const char *fmt, const char *dir, const char *host)
{
	char path[PATH_MAX + 128];

	snprintf(path, sizeof(path), fmt, dir, host);
	unlink(path);
}

/* Leaves state, devices and logs; takes away what says "running". */
static void remove_runtime(struct fab *f)
{
	unlink_fmt("%s/fm.sock%s", f->dir, "");
	unlink_fmt("%s/fabricd.pid%s", f->dir, "");
	for (unsigned int i = 0; i < fab_nhosts(f); i++) {
		unlink_fmt("%s/hosts/%s/mbox.sock", f->dir, fab_host_at(f, i));
		unlink_fmt("%s/hosts/%s/irq.sock", f->dir, fab_host_at(f, i));
		unlink_fmt("%s/hosts/%s/agent.pid", f->dir, fab_host_at(f, i));
	}
}

/* Someone holds the lock of fmt's file (the daemon's pid file, an agent's
 * lock): a process of the fabric has not exited yet, pid file or not. */
static bool lock_held(const char *fmt, const char *dir, const char *host)
{
	char path[PATH_MAX + 128];
	bool held;
	int fd;

	snprintf(path, sizeof(path), fmt, dir, host);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return false;
	held = flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
	close(fd);
	return held;
}

/* The host's agent runs and serves: its pid file names a live
 * tagdax-agent and its instance lock is held (a pid file left by an agent
 * killed with SIGKILL names a dead or recycled pid, and nobody holds the
 * lock). */
bool fab_agent_alive(const char *dir, const char *host)
{
	return proc_alive(agent_pid(dir, host), AGENT_NAME) &&
	       lock_held("%s/hosts/%s/agent.lock", dir, host);
}

static bool any_lock_held(struct fab *f)
{
	for (unsigned int i = 0; i < fab_nhosts(f); i++)
		if (lock_held("%s/hosts/%s/agent.lock", f->dir, fab_host_at(f, i)))
			return true;
	return lock_held("%s/fabricd.pid%s", f->dir, "");
}

/* Gone means no live pid and no lock held: a process killed a moment ago
 * may still hold its lock, which a new one would then fail to take. */
static bool all_gone(struct fab *f)
{
	return !any_alive(f) && !any_lock_held(f);
}

static bool wait_gone(struct fab *f, int64_t deadline)
{
	while (!all_gone(f) && fab_now_ms() < deadline)
		usleep(20 * 1000);
	return all_gone(f);
}

/* Stops every process of the fabric: agents first (so none of them
 * reconnects to a dying daemon), then the daemon; SIGKILL after timeout.
 * True if all went on SIGTERM; *gone says whether all are gone now. */
static bool stop_all(struct fab *f, int timeout_ms, bool *gone)
{
	int64_t deadline = fab_deadline(timeout_ms);
	bool clean = true;

	signal_all(f, SIGTERM, true, false);
	while (fab_now_ms() < deadline && !all_gone(f)) {
		signal_all(f, SIGTERM, false, true);
		usleep(20 * 1000);
	}
	if (any_alive(f)) {
		clean = false;
		signal_all(f, SIGKILL, true, true);
	}
	*gone = wait_gone(f, fab_deadline(2000));
	return clean;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

static void rm_rf(const char *path)
{
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* ---- the backing directory's owner mark ----
 * DIR/backing may be a link to a directory in /dev/shm (fabric/model/backing.c).
 * `up` marks that directory with the fabric it belongs to, so that `down
 * --purge` deletes it only for that fabric: a link planted to point at
 * another fabric's memory (or anything else) is removed, not followed. */
#define OWNER_MARK ".tagdax-fabric"

/* The /dev/shm directory DIR/backing links to, into target; false if none. */
static bool backing_target(const char *dir, char *target, size_t len)
{
	char path[PATH_MAX + 16];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/backing", dir);
	n = readlink(path, target, len - 1);
	if (n <= 0)
		return false;
	target[n] = '\0';
	return !strncmp(target, "/dev/shm/tagdax-backing-", 24) && !strchr(target + 24, '/');
}

static void mark_backing(const char *dir)
{
	char target[PATH_MAX], mark[PATH_MAX + 32];
	int fd;

	if (!backing_target(dir, target, sizeof(target)))
		return;
	snprintf(mark, sizeof(mark), "%s/" OWNER_MARK, target);
	fd = open(mark, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0) {
		if (write(fd, dir, strlen(dir)) != (ssize_t)strlen(dir))
			fprintf(stderr, "tagdax: %s: %s\n", mark, strerror(errno));
		close(fd);
	}
}

/* The directory is ours (0700, our uid) and its mark names dir. */
static bool backing_is_ours(const char *dir, const char *target)
{
	char mark[PATH_MAX + 32], buf[PATH_MAX + 1];
	struct stat st;
	ssize_t n = -1;
	int fd;

	if (lstat(target, &st) || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 077))
		return false;
	snprintf(mark, sizeof(mark), "%s/" OWNER_MARK, target);
	fd = open(mark, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid())
		n = read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	if (n < 0)
		return false;
	buf[n] = '\0';
	return !strcmp(buf, dir);
}

/* Deletes what the fabric made in DIR, the backing memory included (it
 * may live in /dev/shm behind DIR/backing). */
static void purge(struct fab *f)
{
	static const char *const names[] = {
		"state", "hosts", "layout", "config.json", "fabricd.log", "fabricd.pid", "fm.sock",
		"quarantine",
	};
	char path[PATH_MAX + 32], target[PATH_MAX];

	if (backing_target(f->dir, target, sizeof(target))) {
		if (backing_is_ours(f->dir, target))
			rm_rf(target);
		else
			fprintf(stderr, "tagdax: %s/backing points to %s, which is not this "
				"fabric's memory; the link is removed, not followed\n", f->dir, target);
	}
	snprintf(path, sizeof(path), "%s/backing", f->dir);
	rm_rf(path);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", f->dir, names[i]);
		rm_rf(path);
	}
	rmdir(f->dir); /* only if nothing else was in it */
}

int fabric_down(struct cli *cli, int argc, char **argv)
{
	struct up_opts o;
	struct fab f;
	bool running, clean, gone;
	int rc = parse_opts(cli, argc, argv, &o, false);

	if (rc)
		return rc;
	rc = fab_attach(&f, o.dir, false, -1);
	if (rc)
		return rc;
	running = any_alive(&f);
	clean = stop_all(&f, o.timeout_ms, &gone);
	remove_runtime(&f);
	if (o.purge)
		purge(&f);
	printf("%s %s%s\n", running ? "stopped the fabric in" : "no fabric was running in",
	       f.dir, o.purge ? "; its state and memory are deleted" : "");
	if (!clean)
		fprintf(stderr, "tagdax: some fabric processes ignored SIGTERM and were killed\n");
	if (!gone)
		fprintf(stderr, "tagdax: a fabric process in %s still holds its lock\n", f.dir);
	fab_detach(&f);
	if (!gone)
		return EXIT_SYSTEM;
	return running || o.purge ? EXIT_OK : EXIT_ALREADY;
}

/* ---- starting ---- */

/* The configuration text to start with: --config, else the one a previous
 * run left in DIR, else the embedded sample.  Validated before anything
 * starts. */
static char *config_text(const char *file, const char *dir, struct tagdax_fabric **fab)
{
	char path[PATH_MAX + 16], err[256];
	char *text;

	snprintf(path, sizeof(path), "%s/config.json", dir);
	if (!file && access(path, F_OK) == 0)
		file = path;
	text = file ? util_read_file(file) : strdup(tagdax_fabric_sample_config());
	if (!text) {
		fprintf(stderr, "tagdax: %s: %s\n", file ? file : "config", strerror(errno));
		return NULL;
	}
	if (tagdax_fabric_open_config(dir, text, fab, err, sizeof(err))) {
		fprintf(stderr, "tagdax: %s: %s\n", file ? file : "embedded sample config", err);
		free(text);
		return NULL;
	}
	return text;
}

/* Starts the daemon and waits until it serves; *usage is set when it
 * exited saying the configuration cannot be served (exit 2). */
static bool start_daemon(struct fab *f, int timeout_ms, pid_t *pid, bool *usage)
{
	struct job j = { .dir = f->dir, .status = -1 };
	char log[PATH_MAX + 16];

	snprintf(j.config, sizeof(j.config), "%s/config.json", f->dir);
	snprintf(log, sizeof(log), "%s/fabricd.log", f->dir);
	/* the daemon writes its own pid file; it logs to stderr, which is
	 * DIR/fabricd.log, so nothing it prints (a crash report) is lost */
	*pid = spawn(&j, log, DAEMON_NAME);
	if (*pid < 0)
		return false;
	if (wait_ready(*pid, timeout_ms, daemon_ready, &j))
		return true;
	*usage = j.status != -1 && WIFEXITED(j.status) && WEXITSTATUS(j.status) == 2;
	fprintf(stderr, "tagdax: the fabric daemon did not come up\n");
	show_log(log);
	return false;
}

/* Starts the agents of the hosts (all, or only_missing: those whose agent
 * lock nobody holds) and waits until they serve; pids[i] is the agent it
 * started for host i (0: none), *n how many. */
static bool start_agents(struct fab *f, int timeout_ms, bool only_missing,
			 pid_t *pids, unsigned int *n)
{
	struct job j = { .dir = f->dir };
	char log[PATH_MAX + 64];
	bool ok = true;

	*n = 0;
	for (unsigned int i = 0; i < fab_nhosts(f); i++) {
		j.host = fab_host_at(f, i);
		if (only_missing && lock_held("%s/hosts/%s/agent.lock", f->dir, j.host))
			continue;
		snprintf(log, sizeof(log), "%s/hosts/%s", f->dir, j.host);
		util_mkdir_p(log, 0755);
		strcat(log, "/agent.log");
		pids[i] = spawn(&j, log, AGENT_NAME);
		if (pids[i] < 0) {
			pids[i] = 0; /* never kill(-1, ...) below */
			ok = false;
			break;
		}
		(*n)++;
	}
	for (unsigned int i = 0; ok && i < fab_nhosts(f); i++) {
		j.host = fab_host_at(f, i);
		if (pids[i] && !wait_ready(pids[i], timeout_ms, agent_ready, &j)) {
			snprintf(log, sizeof(log), "%s/hosts/%s/agent.log", f->dir, j.host);
			fprintf(stderr, "tagdax: the agent of host %s did not come up\n", j.host);
			show_log(log);
			ok = false;
		}
	}
	/* an agent writes its pid file only once it serves: stop those we
	 * started, by the pids we know, and nothing that ran before */
	for (unsigned int i = 0; !ok && i < fab_nhosts(f); i++)
		if (pids[i] > 0)
			kill(pids[i], SIGTERM);
	return ok;
}

/* Under a live daemon: starts the agents that are missing, touches nothing
 * else.  The running fabric keeps its configuration. */
static int up_missing(struct fab *f, const char *text, int timeout_ms)
{
	char path[PATH_MAX + 16], *running;
	pid_t pids[TAGDAX_FM_MAX_HOSTS] = { 0 };
	unsigned int started;
	bool same;

	snprintf(path, sizeof(path), "%s/config.json", f->dir);
	running = util_read_file(path);
	same = running && !strcmp(running, text);
	free(running);
	if (!same) {
		fprintf(stderr, "tagdax: a fabric is already running in %s (daemon pid %d) with "
			"another configuration; 'tagdax fabric down --dir %s' stops it\n", f->dir,
			(int)daemon_pid(f->dir), f->dir);
		return EXIT_NOTFOUND;
	}
	if (!start_agents(f, timeout_ms, true, pids, &started))
		return EXIT_NOTFOUND;
	if (!started) {
		fprintf(stderr, "tagdax: the fabric in %s is already running (daemon pid %d, every "
			"host's agent alive); nothing to start\n", f->dir, (int)daemon_pid(f->dir));
		return EXIT_ALREADY;
	}
	printf("fabric in %s: daemon pid %d was running; started %u agent%s (", f->dir,
	       (int)daemon_pid(f->dir), started, started == 1 ? "" : "s");
	for (unsigned int i = 0, k = 0; i < fab_nhosts(f); i++)
		if (pids[i])
			printf("%s%s", k++ ? ", " : "", fab_host_at(f, i));
	printf(")\n");
	return EXIT_OK;
}

/* A fabric that ran keeps its configuration: its saved state (capacity,
 * references) belongs to it.  False after saying so when text differs from
 * the DIR/config.json of a DIR that has a state. */
static bool same_config(struct fab *f, const char *text)
{
	char path[PATH_MAX + 32], *kept;
	bool same;

	snprintf(path, sizeof(path), "%s/state", f->dir);
	if (access(path, F_OK))
		return true; /* never ran: the configuration is still to choose */
	snprintf(path, sizeof(path), "%s/config.json", f->dir);
	kept = util_read_file(path);
	same = !kept || !strcmp(kept, text);
	free(kept);
	if (!same)
		fprintf(stderr, "tagdax: %s holds a fabric made with another configuration (%s); "
			"its state and capacity belong to that one.  'tagdax fabric up --dir %s' "
			"starts it as it was; 'tagdax fabric down --dir %s --purge' deletes it, "
			"capacity and all, to start afresh\n", f->dir, path, f->dir, f->dir);
	return same;
}

/* fresh: this `up` made DIR, and a failed start removes it again. */
static int up_in(struct fab *f, const char *text, int timeout_ms, bool fresh)
{
	bool usage = false;
	char path[PATH_MAX + 16];
	pid_t pids[TAGDAX_FM_MAX_HOSTS] = { 0 };
	unsigned int started;
	pid_t daemon;
	bool gone, ok;
	int rc;

	if (fm_answers(f->dir) || proc_alive(daemon_pid(f->dir), DAEMON_NAME))
		return up_missing(f, text, timeout_ms);
	stop_all(f, 5000, &gone); /* agents a crashed run left behind */
	if (!gone) {
		fprintf(stderr, "tagdax: a process of an earlier fabric in %s still holds its lock "
			"and does not exit; not starting\n", f->dir);
		return EXIT_NOTFOUND;
	}
	remove_runtime(f);
	if (!same_config(f, text))
		return EXIT_USAGE;
	snprintf(path, sizeof(path), "%s/config.json", f->dir);
	rc = util_replace_file(path, text, 0644);
	if (rc) {
		fprintf(stderr, "tagdax: cannot write %s: %s\n", path, strerror(-rc));
		return EXIT_SYSTEM;
	}
	ok = start_daemon(f, timeout_ms, &daemon, &usage);
	mark_backing(f->dir); /* what the daemon made is this fabric's, up or not */
	if (!ok || !start_agents(f, timeout_ms, false, pids, &started)) {
		stop_all(f, 2000, &gone);
		remove_runtime(f);
		if (fresh && gone)
			purge(f); /* nothing ran in it: leave no trace */
		return usage ? EXIT_USAGE : EXIT_NOTFOUND;
	}
	printf("fabric up in %s: daemon pid %d, %u host%s (", f->dir, (int)daemon,
	       fab_nhosts(f), fab_nhosts(f) == 1 ? "" : "s");
	for (unsigned int i = 0; i < fab_nhosts(f); i++)
		printf("%s%s", i ? ", " : "", fab_host_at(f, i));
	printf("), %u region%s\n", tagdax_fabric_region_count(f->fab), tagdax_fabric_region_count(f->fab) == 1 ? "" : "s");
	return EXIT_OK;
}

/* ---- directory safety (util/dirsafe.h) ---- */
static bool safe_dir(const char *path, bool link_ok)
{
	char why[PATH_MAX + 256];

	if (dirsafe_dir(path, link_ok, why, sizeof(why)))
		return true;
	fprintf(stderr, "tagdax: %s\n", why);
	return false;
}

static bool safe_given(const char *given)
{
	char why[PATH_MAX + 256];

	if (dirsafe_given(given, why, sizeof(why)))
		return true;
	fprintf(stderr, "tagdax: %s\n", why);
	return false;
}

static bool safe_fabric_dir(const char *dir, struct fab *f)
{
	static const char *const host_dirs[] = { "", "/" EMU_DEV_DIR, "/" EMU_DESC_DIR, "/run" };
	char path[PATH_MAX + 128];
	bool ok = safe_dir(dir, false);

	snprintf(path, sizeof(path), "%s/state", dir);
	ok = ok && safe_dir(path, false);
	snprintf(path, sizeof(path), "%s/backing", dir);
	ok = ok && safe_dir(path, true);
	snprintf(path, sizeof(path), "%s/hosts", dir);
	ok = ok && safe_dir(path, false);
	for (unsigned int i = 0; ok && i < fab_nhosts(f); i++)
		for (size_t k = 0; ok && k < sizeof(host_dirs) / sizeof(host_dirs[0]); k++) {
			snprintf(path, sizeof(path), "%s/hosts/%s%s", dir, fab_host_at(f, i),
				 host_dirs[k]);
			ok = safe_dir(path, false);
		}
	if (!ok)
		fprintf(stderr, "tagdax: refusing to run a fabric in %s ('chmod go-w' and "
			"'chown' it, or choose another directory)\n", dir);
	return ok;
}

int fabric_up(struct cli *cli, int argc, char **argv)
{
	struct up_opts o;
	struct fab f = { .fm = NULL };
	char *text = NULL;
	bool fresh = false;
	int rc = parse_opts(cli, argc, argv, &o, true);

	if (rc)
		return rc;
	/* The configuration first: a bad one leaves no trace, not even DIR. */
	text = config_text(o.config, o.dir, &f.fab);
	if (!text) {
		rc = EXIT_USAGE;
	} else if (!safe_given(o.dir)) {
		fprintf(stderr, "tagdax: refusing to run a fabric in %s\n", o.dir);
		rc = EXIT_USAGE;
	} else if ((fresh = access(o.dir, F_OK) != 0, util_mkdir_p(o.dir, 0755)) ||
		   !realpath(o.dir, f.dir)) {
		fprintf(stderr, "tagdax: %s: %s\n", o.dir, strerror(errno));
		rc = EXIT_SYSTEM;
	} else if (strpbrk(f.dir, " \t\n#")) {
		fprintf(stderr, "tagdax: %s: the fabric directory's path may not contain "
			"blanks or '#' (device descriptors carry it)\n", f.dir);
		rc = EXIT_USAGE;
	} else if (!safe_fabric_dir(f.dir, &f)) {
		rc = EXIT_USAGE;
	} else {
		rc = up_in(&f, text, o.timeout_ms, fresh);
	}
	if (rc == EXIT_USAGE && fresh && *f.dir)
		rmdir(f.dir); /* refused: leave no trace */
	free(text);
	fab_detach(&f);
	return rc;
}
