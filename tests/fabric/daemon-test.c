// SPDX-License-Identifier: GPL-2.0-or-later
/* Running the real daemon in tests (see daemon-test.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "cci-codec.h"
#include "coverage.h"
#include "daemon-test.h"
#include "fabricd.h"
#include "fabric-config.h"
#include "journal.h"

void td_init(struct t_daemon *t, const char *json)
{
	const char *tmp = getenv("TMPDIR");
	FILE *f;

	memset(t, 0, sizeof(*t));
	snprintf(t->dir, sizeof(t->dir), "%s/fabricd.XXXXXX", tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->config, sizeof(t->config), "%s/config.json", t->dir);
	f = fopen(t->config, "w");
	assert_non_null(f);
	fputs(json, f);
	fclose(f);
}

static void msleep(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

bool td_start(struct t_daemon *t, const char *crash)
{
	int status;

	t->pid = fork();
	assert_true(t->pid >= 0);
	if (t->pid == 0) {
		char log[PATH_MAX];
		int logfd;

		/* A failed assertion skips td_cleanup: the daemon must not
		 * outlive the test (it would hold the runner's pipe open). */
		prctl(PR_SET_PDEATHSIG, SIGKILL);

		if (crash)
			setenv("TAGDAX_FABRICD_CRASH", crash, 1);
		else
			unsetenv("TAGDAX_FABRICD_CRASH");
		/* The daemon logs to stderr: into DIR/fabricd.log, as `tagdax
		 * fabric up` does, to keep the test output readable. */
		snprintf(log, sizeof(log), "%s/fabricd.log", t->dir);
		logfd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
		if (logfd >= 0 && !getenv("TAGDAX_TEST_VERBOSE"))
			dup2(logfd, 2);
		util_exit(fabricd_run(t->dir, t->config) == 0 ? 0 : 1);
	}
	for (int i = 0; i < 1000; i++) {
		int fd = td_connect(t, NULL);

		if (fd >= 0) {
			close(fd);
			return true;
		}
		if (waitpid(t->pid, &status, WNOHANG) == t->pid) {
			t->pid = 0;
			return false;
		}
		msleep(5);
	}
	fail_msg("the daemon did not come up in %s", t->dir);
	return false;
}

int td_stop(struct t_daemon *t)
{
	int status = -1;

	if (t->pid <= 0)
		return -1;
	kill(t->pid, SIGTERM);
	waitpid(t->pid, &status, 0);
	t->pid = 0;
	return status;
}

int td_wait(struct t_daemon *t)
{
	int status = -1;

	if (t->pid <= 0)
		return -1;
	waitpid(t->pid, &status, 0);
	t->pid = 0;
	return status;
}

void td_cleanup(struct t_daemon *t)
{
	char cmd[600];

	if (t->pid > 0)
		td_stop(t);
	/* Backing files live under /dev/shm behind a symlink: remove both. */
	snprintf(cmd, sizeof(cmd), "rm -rf \"$(readlink -f '%s/backing')\" '%s'", t->dir, t->dir);
	if (getenv("TAGDAX_TEST_KEEP")) return;
	if (system(cmd) != 0)
		print_message("cleanup of %s failed\n", t->dir);
}

int td_connect_path(const struct t_daemon *t, const char *rel)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", t->dir, rel) >=
	    (int)sizeof(sa.sun_path))
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int td_connect(const struct t_daemon *t, const char *host)
{
	char rel[128];

	if (!host)
		return td_connect_path(t, "fm.sock");
	snprintf(rel, sizeof(rel), "hosts/%s/mbox.sock", host);
	return td_connect_path(t, rel);
}

int td_write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int read_full(int fd, void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&pf, 1, 10000) <= 0)
			return -1;
		n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int td_read_rsp(int fd, uint8_t tag, uint16_t op, void *out, size_t outcap, size_t *outlen)
{
	struct cci_msg h;
	size_t plen;
	uint8_t *tmp;

	if (read_full(fd, &h, sizeof(h)) < 0)
		return -1;
	assert_int_equal(cci_msg_category(&h), CCI_RESPONSE);
	if (op) {
		assert_int_equal(h.tag, tag);
		assert_int_equal(cci_msg_opcode(&h), op);
	}
	plen = cci_msg_payload_len(&h);
	tmp = malloc(plen + 1);
	assert_non_null(tmp);
	if (read_full(fd, tmp, plen) < 0) {
		free(tmp);
		return -1;
	}
	if (out)
		memcpy(out, tmp, plen < outcap ? plen : outcap);
	if (outlen)
		*outlen = plen;
	free(tmp);
	return cci_msg_retcode(&h);
}

int td_cmd(int fd, uint16_t op, const void *in, size_t len, void *out, size_t outcap,
	   size_t *outlen)
{
	static uint8_t tag;
	uint8_t *msg = malloc(sizeof(struct cci_msg) + len + 1);
	int rc;

	assert_non_null(msg);
	tag++;
	cci_msg_init((struct cci_msg *)msg, CCI_REQUEST, tag, op, len, 0);
	if (len)
		memcpy(msg + sizeof(struct cci_msg), in, len);
	rc = td_write_all(fd, msg, sizeof(struct cci_msg) + len);
	free(msg);
	if (rc < 0)
		return -1;
	return td_read_rsp(fd, tag, op, out, outcap, outlen);
}

uint8_t *td_state(const struct t_daemon *t, size_t *len)
{
	struct fabric_config cfg;
	struct journal_stats st;
	char path[300], err[512];
	struct dcd *d;
	uint8_t *buf;

	/* The checkpoint with the journal replayed over it: the state a
	 * restarted daemon serves. */
	assert_int_equal(fabric_config_load(t->config, &cfg, err, sizeof(err)), 0);
	d = dcd_new(&cfg);
	assert_non_null(d);
	snprintf(path, sizeof(path), "%s/state", t->dir);
	if (state_load(path, d, -1, &st, err, sizeof(err)))
		fail_msg("the saved state does not load: %s", err);
	assert_int_equal(dcd_serialize(d, &buf, len), 0);
	dcd_free(d);
	return buf;
}
