// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tagdax-fabricd: the emulated device + fabric manager of one fabric
 * directory, in the foreground (a service manager or `tagdax fabric up`
 * detaches it), logging to standard error, telling systemd when its
 * sockets listen (READY=1) and when it stops (STOPPING=1).
 *
 * The daemon serves DIR/config.json, which the agents read too: --config
 * FILE only fills it in for a directory that has none yet, so the daemon
 * and its agents can never disagree about the configuration.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "dirsafe.h"
#include "fabric-config.h"
#include "fabricd.h"
#include "file.h"
#include "log.h"
#include "notify.h"

#define PROGRAM "tagdax-fabricd"

enum { RUN_OK = 0, RUN_FAILED = 1, RUN_USAGE = 2 };

static const char usage_text[] =
	"usage: " PROGRAM " --dir DIR [--config FILE]\n"
	"Serve the emulated CXL fabric in DIR in the foreground until SIGTERM:\n"
	"the FM API on DIR/fm.sock, one mailbox and notification socket per host.\n"
	"  -d, --dir DIR      the fabric directory (default: $TAGDAX_FABRIC)\n"
	"  -c, --config FILE  the configuration for a DIR that has none yet\n"
	"                     (default: the embedded sample); DIR/config.json is served\n"
	"  -h, --help         this text;  --version  the version\n"
	"Logs go to standard error.  Exit: 0 stopped cleanly, 1 could not start or\n"
	"failed, 2 invalid usage.  See tagdax-fabricd(8).\n";

/* Makes DIR/config.json the configuration to serve: kept if there, else
 * FILE's text (or the sample's), validated first.  A FILE that says
 * something else than DIR/config.json is refused: the state and the
 * running agents belong to the configuration already there. */
static int settle_config(const char *dir, const char *file, char *path, size_t len)
{
	struct fabric_config *cfg = malloc(sizeof(*cfg));
	char err[256], *want = NULL, *have;
	int rc = RUN_OK;

	snprintf(path, len, "%s/config.json", dir);
	have = util_read_file(path);
	if (file && !(want = util_read_file(file))) {
		util_log(LOG_ERR, "%s: %s", file, strerror(errno));
		rc = RUN_USAGE;
	} else if (!want && !have) {
		want = strdup(fabric_sample_config);
	}
	if (rc == RUN_OK && (!cfg || (want && fabric_config_parse(want, cfg, err, sizeof(err))))) {
		util_log(LOG_ERR, "%s: %s", file ? file : "embedded sample", cfg ? err : "no memory");
		rc = RUN_USAGE;
	} else if (rc == RUN_OK && have && want && strcmp(have, want)) {
		util_log(LOG_ERR, "%s already has a configuration (%s) that differs from %s; "
			 "the fabric keeps it ('tagdax fabric down --purge' starts afresh)", dir,
			 path, file);
		rc = RUN_USAGE;
	} else if (rc == RUN_OK && !have) {
		int e = util_mkdir_p(dir, 0755);

		if (!e)
			e = util_replace_file(path, want, 0644);
		if (e) {
			util_log(LOG_ERR, "cannot write %s: %s", path, strerror(-e));
			rc = RUN_FAILED;
		}
	}
	free(cfg);
	free(want);
	free(have);
	return rc;
}

/* Run as a service, the daemon is held to `tagdax fabric up`'s rules: a DIR
 * someone else could plant files in is refused before anything is made. */
static bool safe_fabric_dir(const char *dir)
{
	static const char *const subdirs[] = { "", "/state", "/hosts" };
	char path[PATH_MAX + 16], why[PATH_MAX + 256];
	bool ok = dirsafe_given(dir, why, sizeof(why));

	for (size_t i = 0; ok && i < sizeof(subdirs) / sizeof(subdirs[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", dir, subdirs[i]);
		ok = dirsafe_dir(path, false, why, sizeof(why));
	}
	snprintf(path, sizeof(path), "%s/backing", dir); /* a link into /dev/shm */
	ok = ok && dirsafe_dir(path, true, why, sizeof(why));
	if (!ok)
		util_log(LOG_ERR, "refusing to serve a fabric in %s: %s", dir, why);
	return ok;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *dir = getenv("TAGDAX_FABRIC"), *config = NULL;
	char path[PATH_MAX + 16];
	int opt, rc;

	util_log_init(PROGRAM, NULL);
	while ((opt = getopt_long(argc, argv, "d:c:h", opts, NULL)) != -1) {
		if (opt == 'd') {
			dir = optarg;
		} else if (opt == 'c') {
			config = optarg;
		} else {
			int rc = util_program_opt(PROGRAM, opt, usage_text);

			return rc < 0 ? RUN_USAGE : rc;
		}
	}
	if (optind < argc || !dir || !*dir) {
		fprintf(stderr, PROGRAM ": %s\nTry '" PROGRAM " --help'\n",
			optind < argc ? "unexpected arguments" : "needs --dir DIR");
		return RUN_USAGE;
	}
	if (dir[0] != '/') {
		fprintf(stderr, PROGRAM ": %s: the fabric directory must be an absolute path\n", dir);
		return RUN_USAGE;
	}
	if (!safe_fabric_dir(dir))
		return RUN_USAGE;
	rc = settle_config(dir, config, path, sizeof(path));
	if (rc)
		return rc;
	rc = fabricd_run(dir, path);
	return rc == -EINVAL ? RUN_USAGE : rc ? RUN_FAILED : RUN_OK;
}
