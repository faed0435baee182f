// SPDX-License-Identifier: LGPL-2.1-or-later
/* The fabric programs' log lines (log.h).  One write(2) per line, so lines
 * of two processes sharing a log file never interleave. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static char log_program[32] = "tagdax";
static char log_host[64] = "-";

void util_log_init(const char *program, const char *host)
{
	if (program) {
		const char *slash = strrchr(program, '/');

		snprintf(log_program, sizeof(log_program), "%s", slash ? slash + 1 : program);
	}
	snprintf(log_host, sizeof(log_host), "%s", host && *host ? host : "-");
}

/* JOURNAL_STREAM is "DEV:INO" of the stream systemd connected: it speaks
 * for our standard error only if that is still the same file (a child
 * redirected elsewhere inherits the variable). */
static bool to_journal(void)
{
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	return env && sscanf(env, "%llu:%llu", &dev, &ino) == 2 && fstat(2, &st) == 0 &&
	       (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

static const char *level_name(int priority)
{
	static const char *const names[] = { "emerg", "alert", "crit", "err",
					     "warning", "notice", "info", "debug" };

	return names[priority & 7];
}

void util_vlog(int priority, const char *fmt, va_list ap)
{
	char line[2048], stamp[40] = "";
	struct timespec ts;
	struct tm tm;
	size_t n;
	int saved = errno;

	priority &= 7;
	if (to_journal()) {
		n = (size_t)snprintf(line, sizeof(line), "<%d>host=%s %s: ", priority, log_host,
				     level_name(priority));
	} else {
		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		n = strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(stamp + n, sizeof(stamp) - n, ".%03ld", ts.tv_nsec / 1000000);
		n = strlen(stamp);
		strftime(stamp + n, sizeof(stamp) - n, "%z", &tm);
		n = (size_t)snprintf(line, sizeof(line), "%s %s[%d] host=%s %s: ", stamp,
				     log_program, (int)getpid(), log_host, level_name(priority));
	}
	if (n < sizeof(line))
		vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	n = strlen(line);
	if (n == sizeof(line) - 1)
		n--; /* cut: keep room for the newline */
	line[n++] = '\n';
	if (write(2, line, n) < 0) {
		/* nowhere left to say it */
	}
	errno = saved;
}

void util_log(int priority, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	util_vlog(priority, fmt, ap);
	va_end(ap);
}
