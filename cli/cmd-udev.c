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
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tagdax.h"

#define MAX_TAGS 8

/* The kernel name udev's $devpath ends in ("/devices/.../dax0.0" -> "dax0.0");
 * NULL when there is none, so that "..", "/" or "" never reach a provider. */
static const char *devpath_name(const char *devpath)
{
	const char *name = strrchr(devpath, '/');

	name = name ? name + 1 : devpath;
	if (!*name || !strcmp(name, ".") || !strcmp(name, ".."))
		return NULL;
	return name;
}

/* Two providers may name one tag on one device (a famfs device uuid chosen
 * equal to its CXL tag): print it once. */
static int unique_tags(struct tagdax_dev **devs, int n, char tags[][TAGDAX_TAG_STRLEN])
{
	int count = 0;

	for (int i = 0; i < n; i++) {
		bool seen = false;

		tagdax_tag_unparse(tagdax_dev_get_tag(devs[i]), tags[count]);
		for (int j = 0; j < count && !seen; j++)
			seen = !strcmp(tags[j], tags[count]);
		if (!seen)
			count++;
	}
	return count;
}

static void print_list(const char *key, const char *prefix, char tags[][TAGDAX_TAG_STRLEN],
		       int n)
{
	printf("%s=", key);
	for (int i = 0; i < n; i++)
		printf("%s%s%s", i ? " " : "", prefix, tags[i]);
	putchar('\n');
}

int cmd_udev_id(struct cli *cli, int argc, char **argv)
{
	struct tagdax_dev *devs[MAX_TAGS];
	char tags[MAX_TAGS][TAGDAX_TAG_STRLEN];
	const char *name;
	int n;

	if (argc != 2)
		return usage_error(cli, "udev-id takes one device path");
	name = devpath_name(argv[1]);
	if (!name)
		return usage_error(cli, "'%s' is not a device path", argv[1]);
	n = tagdax_identify(cli->ctx, name, devs, MAX_TAGS);
	if (n == -EINVAL)
		return usage_error(cli, "'%s' is not a device path", argv[1]);
	if (n < 0) {
		fprintf(stderr, "tagdax: %s: %s\n", argv[1], strerror(-n));
		return EXIT_SYSTEM;
	}
	if (n == 0)
		return EXIT_OK;
	n = unique_tags(devs, n, tags);
	printf("TAGDAX_TAG=%s\n", tags[0]);
	print_list("TAGDAX_TAGS", "", tags, n);
	print_list("TAGDAX_LINKS", "dax/by-tag/", tags, n);
	printf("TAGDAX_PROVIDER=%s\n", tagdax_dev_get_provider(devs[0]));
	/* udev must not import half a list: a failed write is a failure. */
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "tagdax: writing the properties: %s\n", strerror(errno));
		return EXIT_SYSTEM;
	}
	return EXIT_OK;
}
