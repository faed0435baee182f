/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One log line format for the fabric's programs (tagdax-fabricd,
 * tagdax-agent), on standard error:
 *
 *   2025-06-01T10:11:12.345+0200 tagdax-agent[4242] host=A info: serving host A
 *
 * Under systemd (JOURNAL_STREAM names our standard error) the line is
 * "<6>host=A info: serving host A": journald adds the time and the program,
 * and reads the priority from the <N> prefix (sd-daemon(3)).
 */
#ifndef TAGDAX_UTIL_LOG_H
#define TAGDAX_UTIL_LOG_H

#include <stdarg.h>
#include <syslog.h> /* LOG_ERR ... LOG_DEBUG */

/* Names the program in every line (argv[0]'s base name is the default);
 * host is the emulated host a line is about, "-" when none. */
void util_log_init(const char *program, const char *host);

void util_log(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void util_vlog(int priority, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

#endif
