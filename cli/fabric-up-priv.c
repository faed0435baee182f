// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What fabric-up.c (`fabric up`/`down`) still needs from the fabric's
 * private side while it runs the daemons in-process: the configuration as
 * the daemon reads it.  Compiled with fabric-up.c alone (cli/meson.build);
 * goes away when `up`/`down` launch tagdax-fabricd and tagdax-agent and
 * use the public API (tagdax/fm.h) like the other sub-commands.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fabric.h"

int fab_open(struct fab *f, const char *dir, bool fm)
{
	char path[PATH_MAX + 32], err[256];
	int rc;

	memset(f, 0, sizeof(*f));
	f->fm.fd = -1;
	if (!realpath(dir, f->dir) || snprintf(path, sizeof(path), "%s/config.json", f->dir) >=
					      (int)sizeof(path)) {
		fprintf(stderr, "tagdax: %s: %s\n", dir, strerror(errno));
		return EXIT_NOTFOUND;
	}
	f->cfg = malloc(sizeof(*f->cfg));
	if (!f->cfg)
		return EXIT_SYSTEM;
	rc = fabric_config_load(path, f->cfg, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "tagdax: %s holds no fabric (%s); 'tagdax fabric up --dir %s' "
			"makes one\n", dir, rc == -ENOENT ? "no config.json" : err, dir);
		fab_close(f);
		return EXIT_NOTFOUND;
	}
	(void)fm; /* fabric-up.c opens its own connections */
	return EXIT_OK;
}

void fab_close(struct fab *f)
{
	fmc_close(&f->fm);
	free(f->cfg);
	f->cfg = NULL;
}
