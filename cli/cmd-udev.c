// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * udev-id: the helper behind udev/80-tagdax.rules (IMPORT{program}).  Given a
 * device path it prints the tags the device carries as udev properties:
 *
 *   TAGDAX_TAG=<first tag>
 *   TAGDAX_TAGS=<all tags, space separated>
 *   TAGDAX_LINKS=dax/by-tag/<tag> ...     (what the rule adds to SYMLINK)
 *   TAGDAX_PROVIDER=<provider of the first tag>
 *
 * and records them in the runtime index.  A device without a tag prints
 * nothing and exits 0, as udev expects of an import program.
 */
#include <stdio.h>
#include <string.h>

#include "tagdax.h"

#define MAX_TAGS 8

int cmd_udev_id(struct cli *cli, int argc, char **argv)
{
	struct tagdax_dev *devs[MAX_TAGS];
	char tags[MAX_TAGS][TAGDAX_TAG_STRLEN];
	const char *name;
	int n;

	if (argc != 2)
		return usage_error(cli, "udev-id takes one device path");
	name = strrchr(argv[1], '/');
	name = name ? name + 1 : argv[1];
	n = tagdax_identify(cli->ctx, name, devs, MAX_TAGS);
	if (n < 0)
		return usage_error(cli, "'%s' is not a device path", argv[1]);
	if (n == 0)
		return EXIT_OK;
	for (int i = 0; i < n; i++)
		tagdax_tag_unparse(tagdax_dev_get_tag(devs[i]), tags[i]);
	printf("TAGDAX_TAG=%s\nTAGDAX_TAGS=", tags[0]);
	for (int i = 0; i < n; i++)
		printf("%s%s", i ? " " : "", tags[i]);
	printf("\nTAGDAX_LINKS=");
	for (int i = 0; i < n; i++)
		printf("%sdax/by-tag/%s", i ? " " : "", tags[i]);
	printf("\nTAGDAX_PROVIDER=%s\n", tagdax_dev_get_provider(devs[0]));
	return EXIT_OK;
}
