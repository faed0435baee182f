// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * exec: run a program with the device behind a tag in its environment.  The
 * program holds the device: it inherits a descriptor carrying the device's
 * in-use lock (TAGDAX_LOCK_FD), as does every child it forks, so the device's
 * owner cannot release it until the last of them has exited (or closed it).
 */
#include <errno.h>
#include <fcntl.h>
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

/*
 * The environment describes one piece of memory; a device made of several
 * (non-contiguous extents) cannot be told that way, and half of it must not
 * pass for the whole.  Pieces that continue one another in a file are one.
 */
static int export_device(struct tagdax_dev *dev, const char *text)
{
	struct cli_piece *pc;
	int n = cli_pieces(dev, &pc), rc = EXIT_SYSTEM;

	if (n < 0)
		fprintf(stderr, "tagdax: %s\n", strerror(-n));
	else if (n == 0)
		fprintf(stderr, "tagdax: %s has no memory to show\n", text);
	else if (n > 1)
		fprintf(stderr, "tagdax: %s is made of %d pieces; map it with tagdax_map() or "
			"`tagdax fabric read/write`\n", text, n);
	else if (setenv("TAGDAX_TAG", text, 1) || setenv("TAGDAX_PATH", pc[0].path, 1) ||
		 set_u64("TAGDAX_OFFSET", pc[0].offset) || set_u64("TAGDAX_SIZE", pc[0].length) ||
		 setenv("TAGDAX_PROVIDER", tagdax_dev_get_provider(dev), 1) ||
		 setenv("TAGDAX_FLAGS", cli_flags_text(tagdax_dev_get_flags(dev)), 1))
		perror("tagdax: setenv");
	else
		rc = EXIT_OK;
	free(pc);
	return rc;
}

/* The lock's descriptor is the program's from now on, at a number a script
 * does not reuse by accident: `exec 3<>"$TAGDAX_PATH"` on a low one would
 * close it and let go of the device while the program still uses it. */
#define LOCK_FD_MIN 100

static int move_high(int fd)
{
	int high = fd >= LOCK_FD_MIN ? fd : fcntl(fd, F_DUPFD, LOCK_FD_MIN);

	if (high != fd)
		close(fd);
	return high;
}

/* Takes the in-use lock for the program; none is needed where the provider
 * has no owner that could take the device away. */
static int hold_device(struct tagdax_dev *dev, const char *text)
{
	char buf[16];
	int fd = tagdax_hold(dev, TAGDAX_HOLD_INHERIT);

	if (fd == -ENODATA)
		return unsetenv("TAGDAX_LOCK_FD") ? EXIT_SYSTEM : EXIT_OK;
	if (fd == -EBUSY || fd == -ENOENT) {
		fprintf(stderr, "tagdax: the device carrying %s is being released\n", text);
		return EXIT_NOTFOUND;
	}
	if (fd < 0) {
		fprintf(stderr, "tagdax: cannot hold the device carrying %s: %s\n", text,
			strerror(-fd));
		return EXIT_SYSTEM;
	}
	fd = move_high(fd);
	if (fd < 0) {
		perror("tagdax: fcntl");
		return EXIT_SYSTEM;
	}
	snprintf(buf, sizeof(buf), "%d", fd);
	if (setenv("TAGDAX_LOCK_FD", buf, 1)) {
		perror("tagdax: setenv");
		return EXIT_SYSTEM;
	}
	return EXIT_OK;
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
	rc = export_device(dev, text);
	if (rc == EXIT_OK)
		rc = hold_device(dev, text);
	if (rc)
		return rc;
	execvp(argv[optind], argv + optind);
	fprintf(stderr, "tagdax: cannot run %s: %s\n", argv[optind], strerror(errno));
	return errno == ENOENT ? 127 : 126;
}
