// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tagdax fabric write / read: put a string into a tag's memory and read it
 * back, as one emulated host sees that memory, through tagdax_map() - the
 * path an application takes.  The demo writes through one host's device and
 * reads through another's; the tests use --hold to keep a device mapped
 * (which is what makes a release wait, and what a forced release revokes).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fabric.h"

#define READ_MAX 4096

struct io {
	const char *dir, *host, *tag, *text;
	uint64_t offset;
	int hold_ms;
};

static int parse_io(struct cli *cli, int argc, char **argv, struct io *o, bool write)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },    { "host", required_argument, NULL, 'H' },
		{ "tag", required_argument, NULL, 't' },    { "offset", required_argument, NULL, 'o' },
		{ "hold", required_argument, NULL, 'h' },   { NULL, 0, NULL, 0 },
	};
	int opt;

	memset(o, 0, sizeof(*o));
	o->dir = fab_env_dir();
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'd')
			o->dir = optarg;
		else if (opt == 'H')
			o->host = optarg;
		else if (opt == 't')
			o->tag = optarg;
		else if (opt == 'o' && fab_parse_size("--offset", optarg, &o->offset))
			continue;
		else if (opt == 'h' && parse_timeout(optarg, &o->hold_ms) && o->hold_ms >= 0)
			continue;
		else
			return usage_error(cli, "fabric %s: bad option or value", argv[0]);
	}
	if (write && optind + 1 == argc)
		o->text = argv[optind++];
	if (!o->dir || !o->host || !o->tag || optind != argc || (write && !o->text))
		return usage_error(cli, "fabric %s needs --dir DIR --host NAME --tag UUID%s",
				   argv[0], write ? " TEXT" : "");
	return EXIT_OK;
}

static void hold(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	/* Signals end the wait: SIGBUS from a forced release kills us here. */
	nanosleep(&ts, NULL);
}

static int access_tag(struct cli *cli, int argc, char **argv, bool write)
{
	struct tagdax_ctx *ctx = NULL;
	struct tagdax_map *map = NULL;
	struct tagdax_dev *dev;
	struct tagdax_tag tag;
	struct io o;
	struct fab f;
	size_t len;
	char *p;
	int rc = parse_io(cli, argc, argv, &o, write);

	if (rc || !cli_tag(o.tag, &tag) || (rc = fab_open(&f, o.dir, false)))
		return rc ? rc : EXIT_USAGE;
	if (!fab_host(&f, o.host))
		rc = EXIT_USAGE;
	else if (!(ctx = fab_host_ctx(&f, o.host)))
		rc = EXIT_SYSTEM;
	if (rc == 0 && (rc = tagdax_resolve(ctx, &tag, &dev)))
		rc = cli_resolve_status(cli, &tag, rc, dev);
	if (rc == 0 && (rc = tagdax_map(dev, write ? 0 : TAGDAX_MAP_READONLY, &map))) {
		fprintf(stderr, "tagdax: cannot map %s: %s\n", tagdax_dev_get_path(dev),
			strerror(-rc));
		rc = EXIT_SYSTEM;
	}
	len = write ? strlen(o.text) + 1 : 1;
	if (rc == 0 && (o.offset >= tagdax_map_get_size(map) ||
			len > tagdax_map_get_size(map) - o.offset)) {
		fprintf(stderr, "tagdax: offset %llu is past the end of the %zu-byte device\n",
			(unsigned long long)o.offset, tagdax_map_get_size(map));
		rc = EXIT_USAGE;
	}
	if (rc == 0) {
		p = (char *)tagdax_map_get_addr(map) + o.offset;
		if (write) {
			memcpy(p, o.text, len);
			printf("%s wrote %zu bytes through %s\n", o.host, len,
			       tagdax_dev_get_path(dev));
		} else {
			len = tagdax_map_get_size(map) - o.offset;
			printf("%.*s\n", (int)(len < READ_MAX ? len : READ_MAX), p);
		}
		fflush(stdout);
		hold(o.hold_ms);
	}
	tagdax_unmap(map);
	tagdax_unref(ctx);
	fab_close(&f);
	return rc;
}

int fabric_write(struct cli *cli, int argc, char **argv)
{
	return access_tag(cli, argc, argv, true);
}

int fabric_read(struct cli *cli, int argc, char **argv)
{
	return access_tag(cli, argc, argv, false);
}
