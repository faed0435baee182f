// SPDX-License-Identifier: LGPL-2.1-or-later
/* util_notify (notify.h).  A separate static library from util proper: only
 * the daemon and the agent link it, so libsystemd stays out of libtagdax
 * and out of the static guest binary. */
#include <stdio.h>

#include "config.h"
#include "log.h"
#include "notify.h"

#ifdef HAVE_LIBSYSTEMD
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

/* "READY=1\nSTATUS=..." -> "READY, STATUS": a log line stays one line. */
static void state_names(const char *state, char *out, size_t len)
{
	size_t n = 0;

	out[0] = '\0';
	for (const char *line = state; *line && n + 1 < len;) {
		size_t key = strcspn(line, "=\n"), rest = strcspn(line, "\n");

		n += (size_t)snprintf(out + n, len - n, "%s%.*s", n ? ", " : "", (int)key, line);
		line += rest + (line[rest] == '\n');
	}
}

void util_notify(const char *state)
{
	const char *sock = getenv("NOTIFY_SOCKET");
	char names[128];
	int rc;

	if (!sock || !*sock)
		return; /* empty is unset, as for systemd's own services */
	rc = sd_notify(0, state);
	if (rc < 0) {
		state_names(state, names, sizeof(names));
		util_log(LOG_WARNING, "cannot tell the service manager %s: %s", names,
			 strerror(-rc));
	}
}

bool util_notify_supported(void)
{
	return true;
}
#else
void util_notify(const char *state)
{
	(void)state;
}

bool util_notify_supported(void)
{
	return false;
}
#endif

int util_program_opt(const char *program, int opt, const char *usage)
{
	switch (opt) {
	case 'h':
		fputs(usage, stdout);
		return 0;
	case 'V':
		printf("%s " TAGDAX_VERSION "%s\n", program,
		       util_notify_supported() ? "" : " (without systemd notification)");
		return 0;
	case '?':
		fprintf(stderr, "Try '%s --help'\n", program);
		return 2;
	default:
		return -1;
	}
}
