// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tagdax fabric write / read: put a string (or any bytes, from stdin) into a
 * tag's memory and read it back, as one emulated host sees that memory,
 * through tagdax_map() - the path an application takes.  Nothing is cut
 * short silently: data that does not fit is refused, and a string read
 * longer than READ_MAX says so.  The demo writes through one host's device and
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
	uint64_t offset, length; /* length: read exactly this many raw bytes */
	bool has_length;
	int hold_ms;
};

static int parse_io(struct cli *cli, int argc, char **argv, struct io *o, bool write)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },    { "host", required_argument, NULL, 'H' },
		{ "tag", required_argument, NULL, 't' },    { "offset", required_argument, NULL, 'o' },
		{ "hold", required_argument, NULL, 'h' },   { "length", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
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
		else if (opt == 'l' && !write && fab_parse_size("--length", optarg, &o->length))
			o->has_length = true;
		else
			return usage_error(cli, "fabric %s: bad option or value", argv[0]);
	}
	if (write && optind + 1 == argc)
		o->text = argv[optind++];
	if (!o->dir || !o->host || !o->tag || optind != argc || (write && !o->text))
		return usage_error(cli, "fabric %s needs --dir DIR --host NAME --tag UUID%s",
				   argv[0], write ? " TEXT|-" : "");
	return EXIT_OK;
}

/* What write puts there: TEXT and its NUL, or every byte of stdin ("-"). */
static int write_data(const struct io *o, char **data, size_t *len)
{
	FILE *m;
	char buf[65536];
	size_t n;

	if (strcmp(o->text, "-")) {
		*len = strlen(o->text) + 1;
		*data = malloc(*len);
		if (*data)
			memcpy(*data, o->text, *len);
		return *data ? 0 : -ENOMEM;
	}
	*data = NULL;
	m = open_memstream(data, len);
	if (!m)
		return -errno;
	while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0)
		if (fwrite(buf, 1, n, m) != n)
			break;
	if (ferror(stdin) || fclose(m)) {
		free(*data);
		*data = NULL;
		return -EIO;
	}
	return 0;
}

/* read: exactly --length raw bytes, or the string there (up to its NUL). */
static int read_out(const struct io *o, const char *p, size_t avail)
{
	size_t len;

	if (o->has_length)
		return fwrite(p, 1, o->length, stdout) == o->length ? 0 : -EIO;
	len = strnlen(p, avail < READ_MAX ? avail : READ_MAX);
	printf("%.*s\n", (int)len, p);
	if (len == READ_MAX)
		fprintf(stderr, "tagdax: the string goes on past %d bytes; --length N reads "
			"N raw bytes\n", READ_MAX);
	return 0;
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
	char *p, *data = NULL;
	size_t len = 0;
	int rc = parse_io(cli, argc, argv, &o, write);

	if (rc || !cli_tag(o.tag, &tag) || (rc = fab_attach(&f, o.dir, false, 0)))
		return rc ? rc : EXIT_USAGE;
	if (!fab_host(&f, o.host))
		rc = EXIT_USAGE;
	else if (!(ctx = fab_host_ctx(&f, o.host)))
		rc = EXIT_SYSTEM;
	if (rc == 0 && (rc = tagdax_resolve(ctx, &tag, &dev)))
		rc = cli_resolve_status(cli, &tag, rc, dev);
	if (rc == 0 && (rc = tagdax_map(dev, write ? 0 : TAGDAX_MAP_READONLY, &map))) {
		bool going = rc == -EBUSY || rc == -ENOENT;

		if (going)
			fprintf(stderr, "tagdax: the device carrying %s on %s is being released\n",
				o.tag, o.host);
		else
			fprintf(stderr, "tagdax: cannot map %s: %s\n", tagdax_dev_get_path(dev),
				strerror(-rc));
		rc = going ? EXIT_NOTFOUND : EXIT_SYSTEM;
	}
	if (rc == 0 && write && write_data(&o, &data, &len)) {
		fprintf(stderr, "tagdax: cannot read the data to write\n");
		rc = EXIT_SYSTEM;
	}
	if (!write)
		len = o.has_length ? o.length : 1;
	if (rc == 0 && (o.offset >= tagdax_map_get_size(map) ||
			len > tagdax_map_get_size(map) - o.offset)) {
		fprintf(stderr, "tagdax: %zu bytes at offset %llu do not fit in the %zu-byte "
			"device; nothing was %s\n", len, (unsigned long long)o.offset,
			tagdax_map_get_size(map), write ? "written" : "read");
		rc = EXIT_USAGE;
	}
	if (rc == 0) {
		p = (char *)tagdax_map_get_addr(map) + o.offset;
		if (write) {
			memcpy(p, data, len);
			printf("%s wrote %zu bytes through %s\n", o.host, len,
			       tagdax_dev_get_path(dev));
		} else if (read_out(&o, p, tagdax_map_get_size(map) - o.offset)) {
			perror("tagdax: writing standard output");
			rc = EXIT_SYSTEM;
		}
		fflush(stdout);
		if (rc == 0)
			hold(o.hold_ms);
	}
	free(data);
	tagdax_unmap(map);
	tagdax_unref(ctx);
	fab_detach(&f);
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
