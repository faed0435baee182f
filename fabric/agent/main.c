// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tagdax-agent: the agent of one emulated host, in the foreground (a
 * service manager or `tagdax fabric up` detaches it), logging to standard
 * error, telling systemd READY=1 once it has attached to the daemon and
 * recovered its devices.
 *
 * The host is named either by --dir DIR --host NAME or by --host-dir
 * DIR/hosts/NAME, the host's own directory: a single path is what a
 * systemd template instance can carry (tagdax-agent@.service, %f).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "config.h"
#include "dirsafe.h"
#include "emu-desc.h"
#include "fabric-config.h"
#include "log.h"
#include "notify.h"

#define PROGRAM "tagdax-agent"

enum { RUN_OK = 0, RUN_FAILED = 1, RUN_USAGE = 2 };

static const char usage_text[] =
	"usage: " PROGRAM " --dir DIR --host NAME\n"
	"       " PROGRAM " --host-dir DIR/hosts/NAME\n"
	"Run the agent of emulated host NAME of the fabric in DIR in the foreground\n"
	"until SIGTERM: accept offered capacity, publish it as devices, release it.\n"
	"  -d, --dir DIR        the fabric directory (default: $TAGDAX_FABRIC)\n"
	"  -H, --host NAME      the host (default: $TAGDAX_HOST)\n"
	"      --host-dir PATH  DIR/hosts/NAME, both in one path (for systemd units)\n"
	"  -h, --help           this text;  --version  the version\n"
	"Logs go to standard error.  Exit: 0 stopped cleanly, 1 could not start or\n"
	"lost the daemon for good, 2 invalid usage.  See tagdax-agent(8).\n";

/* DIR/hosts/NAME -> dir, host; false if the path is not of that shape. */
static bool split_host_dir(const char *path, char *dir, size_t len, const char **host)
{
	const char *slash = strrchr(path, '/');
	size_t n;

	if (!slash || !slash[1] || slash - path < 7 || strncmp(slash - 6, "/hosts", 6))
		return false;
	n = (size_t)(slash - 6 - path);
	if (n == 0 || n >= len)
		return false;
	memcpy(dir, path, n);
	dir[n] = '\0';
	*host = slash + 1;
	return true;
}

/* The agent maps what its host directory's links and descriptors name: held
 * to `tagdax fabric up`'s rules when run as a service. */
static bool safe_host_dir(const char *dir, const char *host)
{
	static const char *const subdirs[] = { "", "/" EMU_DEV_DIR, "/" EMU_DESC_DIR, "/run" };
	char path[PATH_MAX + 64], why[PATH_MAX + 256];
	bool ok = dirsafe_given(dir, why, sizeof(why));

	snprintf(path, sizeof(path), "%s/hosts", dir);
	ok = ok && dirsafe_dir(dir, false, why, sizeof(why)) &&
	     dirsafe_dir(path, false, why, sizeof(why));
	for (size_t i = 0; ok && i < sizeof(subdirs) / sizeof(subdirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/hosts/%s%s", dir, host, subdirs[i]);
		ok = dirsafe_dir(path, false, why, sizeof(why));
	}
	if (!ok)
		util_log(LOG_ERR, "refusing to serve host %s in %s: %s", host, dir, why);
	return ok;
}

/* A host DIR/config.json does not have never gets its sockets: say so at
 * once (a typo in a unit's instance name) rather than wait for them, and
 * before anything is made under DIR/hosts.  With no config.json yet the
 * daemon has not started (a unit without After= may start first): the agent
 * waits for it as it always did. */
static bool known_host(const char *dir, const char *host)
{
	struct fabric_config *c = malloc(sizeof(*c));
	char path[PATH_MAX + 16], err[PATH_MAX + 512];
	int rc = c ? 0 : -ENOMEM;

	snprintf(path, sizeof(path), "%s/config.json", dir);
	if (rc == 0)
		rc = fabric_config_load(path, c, err, sizeof(err));
	if (rc == 0 && !fabric_config_host(c, host)) {
		util_log(LOG_ERR, "no host '%s' in %s", host, path);
		rc = -ENXIO;
	} else if (rc < 0 && rc != -ENOENT) {
		util_log(LOG_ERR, "%s", rc == -ENOMEM ? strerror(ENOMEM) : err);
	}
	free(c);
	return rc == 0 || rc == -ENOENT;
}

static int usage(const char *why)
{
	fprintf(stderr, PROGRAM ": %s\nTry '" PROGRAM " --help'\n", why);
	return RUN_USAGE;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "host", required_argument, NULL, 'H' },
		{ "host-dir", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = getenv("TAGDAX_FABRIC"), *host = getenv("TAGDAX_HOST");
	char split[PATH_MAX];
	int opt;

	util_log_init(PROGRAM, NULL);
	while ((opt = getopt_long(argc, argv, "d:H:h", opts, NULL)) != -1) {
		if (opt == 'd') {
			dir = optarg;
		} else if (opt == 'H') {
			host = optarg;
		} else if (opt == 'p') {
			if (!split_host_dir(optarg, split, sizeof(split), &host))
				return usage("--host-dir takes DIR/hosts/NAME");
			dir = split;
		} else {
			int rc = util_program_opt(PROGRAM, opt, usage_text);

			return rc < 0 ? RUN_USAGE : rc;
		}
	}
	if (optind < argc)
		return usage("unexpected arguments");
	if (!dir || !*dir || !host || !*host)
		return usage("needs --dir DIR and --host NAME (or --host-dir)");
	if (dir[0] != '/')
		return usage("the fabric directory must be an absolute path");
	util_log_init(PROGRAM, host);
	if (!safe_host_dir(dir, host) || !known_host(dir, host))
		return RUN_USAGE;
	return agent_run(dir, host) ? RUN_FAILED : RUN_OK;
}
