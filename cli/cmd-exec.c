// SPDX-License-Identifier: GPL-2.0-or-later
/* exec: run a program with the device behind a tag in its environment. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tagdax.h"

static int set_u64(const char *name, uint64_t value)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRIu64, value);
	return setenv(name, buf, 1);
}

int cmd_exec(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tag", required_argument, NULL, 't' },
		{ "timeout", required_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 },
	};
	const char *tag_text = NULL;
	char text[TAGDAX_TAG_STRLEN];
	struct tagdax_dev *dev;
	struct tagdax_tag tag;
	int timeout_ms = 0;
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "+t:", opts, NULL)) != -1) {
		if (opt == 't')
			tag_text = optarg;
		else if (opt == 'T' && parse_timeout(optarg, &timeout_ms))
			continue;
		else
			return usage_error(cli, "exec: bad option");
	}
	if (!tag_text)
		return usage_error(cli, "exec needs --tag TAG");
	if (optind >= argc)
		return usage_error(cli, "exec needs a program to run");
	if (!cli_tag(tag_text, &tag))
		return EXIT_USAGE;
	rc = timeout_ms ? tagdax_wait(cli->ctx, &tag, timeout_ms, &dev)
			: tagdax_resolve(cli->ctx, &tag, &dev);
	if (rc)
		return cli_resolve_status(cli, &tag, rc, dev);
	tagdax_tag_unparse(&tag, text);
	if (setenv("TAGDAX_TAG", text, 1) ||
	    setenv("TAGDAX_PATH", tagdax_dev_get_path(dev), 1) ||
	    set_u64("TAGDAX_OFFSET", tagdax_dev_get_offset(dev)) ||
	    set_u64("TAGDAX_SIZE", tagdax_dev_get_size(dev)) ||
	    setenv("TAGDAX_PROVIDER", tagdax_dev_get_provider(dev), 1)) {
		perror("tagdax: setenv");
		return EXIT_SYSTEM;
	}
	execvp(argv[optind], argv + optind);
	fprintf(stderr, "tagdax: cannot run %s: %s\n", argv[optind], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}
