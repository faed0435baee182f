/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Readiness for the service manager: sd_notify(3) when tagdax is built
 * with libsystemd, nothing otherwise (and nothing when NOTIFY_SOCKET is
 * unset or empty, as outside systemd).  state is "READY=1", "STOPPING=1",
 * ...; a failure is one warning line naming the states ("READY, STATUS").
 */
#ifndef TAGDAX_UTIL_NOTIFY_H
#define TAGDAX_UTIL_NOTIFY_H

#include <stdbool.h>

void util_notify(const char *state);
/* Whether this build can notify at all (for --version). */
bool util_notify_supported(void);

/* The options every fabric program shares, from its getopt loop: -h/--help
 * prints usage (0), -V/--version the version and whether it can notify (0),
 * an unknown option points at --help (2).  -1 for an option of its own. */
int util_program_opt(const char *program, int opt, const char *usage);

#endif
