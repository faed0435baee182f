// SPDX-License-Identifier: LGPL-2.1-or-later
/* util_notify (notify.h).  A separate static library from util proper: only
 * the daemon and the agent link it, so libsystemd stays out of libtagdax
 * and out of the static guest binary. */
#include "config.h"
#include "log.h"
#include "notify.h"

#ifdef HAVE_LIBSYSTEMD
#include <string.h>
#include <systemd/sd-daemon.h>

void util_notify(const char *state)
{
	int rc = sd_notify(0, state);

	if (rc < 0)
		util_log(LOG_WARNING, "cannot tell the service manager %s: %s", state,
			 strerror(-rc));
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
