// SPDX-License-Identifier: GPL-2.0-or-later
/* tagdax: find tagged memory capacity by its tag. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "config.h"
#include "tagdax.h"

static const char usage_text[] =
	"usage: tagdax [OPTIONS] COMMAND [ARGS]\n"
	"\n"
	"Commands:\n"
	"  list [--json] [TAG]            every tagged device this host can see\n"
	"  resolve [--json] TAG           the device that carries TAG\n"
	"  wait [--json] TAG [--timeout SECONDS]\n"
	"                                 block until TAG can be resolved\n"
	"  exec --tag TAG [--timeout S] -- PROGRAM [ARGS]\n"
	"                                 run PROGRAM with TAGDAX_TAG, TAGDAX_PATH, TAGDAX_OFFSET,\n"
	"                                 TAGDAX_SIZE, TAGDAX_PROVIDER set (one-piece devices)\n"
	"  claim TAG                      claim unclaimed CXL extents carrying TAG into a dax device\n"
	"  udev-id DEVPATH                udev helper: print TAGDAX_* properties of a device\n"
	"  fabric ...                     the emulated tagged-capacity fabric (tagdax fabric --help)\n"
	"  vm ...                         tagged capacity for QEMU guests (tagdax vm --help)\n"
	"\n"
	"Options (anywhere on the line before a '--'):\n"
	"  --sysfs-root DIR   sysfs root (TAGDAX_SYSFS_ROOT, default /sys)\n"
	"  --dev-root DIR     device root (TAGDAX_DEV_ROOT, default /dev)\n"
	"  --config FILE      admin tag table (TAGDAX_CONFIG, default /etc/tagdax/tags.conf)\n"
	"  --run-dir DIR      runtime index (TAGDAX_RUN_DIR, default /run/tagdax)\n"
	"  -v, --verbose      debug logging (same as TAGDAX_LOG=debug)\n"
	"  -h, --help         this text;  --version  the version\n"
	"\n"
	"Exit codes: 0 ok, 1 not found or timed out, 2 invalid usage or input,\n"
	"3 ambiguous tag, 4 tag on unclaimed extents, 5 system error.\n";

int usage_error(struct cli *cli, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", cli->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'tagdax --help'.\n");
	return EXIT_USAGE;
}

bool cli_tag(const char *text, struct tagdax_tag *tag)
{
	if (tagdax_tag_parse(text, tag) == 0 && !tagdax_tag_is_null(tag))
		return true;
	fprintf(stderr, "tagdax: '%s' is not a tag (expected a UUID like "
		"5be13bce-1d7a-4c1e-9b2f-3f6c2a1d0e55, not the null UUID)\n", text);
	return false;
}

bool parse_timeout(const char *text, int *ms)
{
	char *end;
	double s = strtod(text, &end);

	if (end == text || *end || isnan(s) || s > 2e6)
		return false;
	if (s < 0) {
		if (s != -1)
			return false;
		*ms = -1;
		return true;
	}
	*ms = (int)(s * 1000);
	return true;
}

int cli_resolve_status(struct cli *cli, const struct tagdax_tag *tag, int rc,
		       struct tagdax_dev *dev)
{
	char text[TAGDAX_TAG_STRLEN];

	(void)cli;
	tagdax_tag_unparse(tag, text);
	switch (rc) {
	case 0:
		return EXIT_OK;
	case -ENOENT:
		fprintf(stderr, "tagdax: no device carries tag %s\n", text);
		return EXIT_NOTFOUND;
	case -ETIMEDOUT:
		fprintf(stderr, "tagdax: timed out waiting for tag %s\n", text);
		return EXIT_NOTFOUND;
	case -ENOTUNIQ:
		fprintf(stderr, "tagdax: tag %s is ambiguous; it is carried by:\n", text);
		for (; dev; dev = tagdax_dev_get_next_same_tag(dev))
			fprintf(stderr, "  %s (%s)\n", tagdax_dev_get_path(dev),
				tagdax_dev_get_provider(dev));
		return EXIT_AMBIGUOUS;
	case -ENODEV:
		fprintf(stderr, "tagdax: tag %s is on unclaimed extents in %s; "
			"'tagdax claim %s' makes a device of them\n", text,
			tagdax_dev_get_region(dev) ? tagdax_dev_get_region(dev) : "a region",
			text);
		return EXIT_UNCLAIMED;
	default:
		fprintf(stderr, "tagdax: tag %s: %s\n", text, strerror(-rc));
		return EXIT_SYSTEM;
	}
}

static const struct {
	const char *name;
	int (*fn)(struct cli *cli, int argc, char **argv);
} commands[] = {
	{ "list", cmd_list },     { "resolve", cmd_resolve }, { "wait", cmd_wait },
	{ "exec", cmd_exec },     { "claim", cmd_claim },     { "udev-id", cmd_udev_id },
	{ "fabric", cmd_fabric },
	{ "vm", cmd_vm },
};

enum { OPT_SYSFS = 256, OPT_DEV, OPT_CONFIG, OPT_RUN, OPT_VERSION };

static int set_root(struct cli *cli, int opt, const char *value)
{
	int rc;

	switch (opt) {
	case OPT_SYSFS:
		rc = tagdax_set_sysfs_root(cli->ctx, value);
		break;
	case OPT_DEV:
		rc = tagdax_set_dev_root(cli->ctx, value);
		break;
	case OPT_CONFIG:
		rc = tagdax_set_config(cli->ctx, value);
		break;
	default:
		rc = tagdax_set_run_dir(cli->ctx, value);
		break;
	}
	return rc ? usage_error(cli, "bad value '%s'", value) : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "sysfs-root", required_argument, NULL, OPT_SYSFS },
		{ "dev-root", required_argument, NULL, OPT_DEV },
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "run-dir", required_argument, NULL, OPT_RUN },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	struct cli cli = { .prog = "tagdax" };
	int opt, rc;

	if (tagdax_new(&cli.ctx)) {
		fprintf(stderr, "tagdax: out of memory\n");
		return EXIT_SYSTEM;
	}
	/* Root options may come before or after the command name: take them
	 * out of argv wherever they are, leaving the command's own options. */
	opterr = 0;
	int out = 1;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--"))  {
			while (i < argc)
				argv[out++] = argv[i++];
			break;
		}
		bool taken = false;
		for (const struct option *o = opts; o->name && !taken; o++) {
			size_t n = strlen(o->name);

			if (strncmp(argv[i], "--", 2) || strncmp(argv[i] + 2, o->name, n) ||
			    (argv[i][2 + n] != '\0' && argv[i][2 + n] != '='))
				continue;
			/* after the command name, --help is the command's own, and
			 * so is the fabric's --config (a fabric configuration) */
			if (out > 1 && (o->val == 'h' || o->val == OPT_VERSION ||
					(o->val == OPT_CONFIG && !strcmp(argv[1], "fabric"))))
				continue;
			taken = true;
			const char *value = argv[i][2 + n] == '=' ? argv[i] + 3 + n : NULL;

			if (o->has_arg && !value) {
				if (i + 1 >= argc) {
					rc = usage_error(&cli, "--%s needs a value", o->name);
					goto out;
				}
				value = argv[++i];
			}
			opt = o->val;
			if (opt == 'h') {
				fputs(usage_text, stdout);
				rc = EXIT_OK;
				goto out;
			} else if (opt == OPT_VERSION) {
				puts(TAGDAX_VERSION);
				rc = EXIT_OK;
				goto out;
			} else if (opt == 'v') {
				tagdax_set_log_priority(cli.ctx, LOG_DEBUG);
			} else if ((rc = set_root(&cli, opt, value))) {
				goto out;
			}
		}
		if (!taken && !strcmp(argv[i], "-v"))
			tagdax_set_log_priority(cli.ctx, LOG_DEBUG), taken = true;
		if (!taken && (!strcmp(argv[i], "-h") && out == 1)) {
			fputs(usage_text, stdout);
			rc = EXIT_OK;
			goto out;
		}
		if (!taken)
			argv[out++] = argv[i];
	}
	argc = out;
	argv[argc] = NULL;
	if (argc < 2) {
		rc = usage_error(&cli, "no command given");
		goto out;
	}
	rc = -1;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name)) {
			optind = 1;
			opterr = 1;
			rc = commands[i].fn(&cli, argc - 1, argv + 1);
		}
	if (rc < 0)
		rc = usage_error(&cli, "unknown command '%s'", argv[1]);
out:
	tagdax_unref(cli.ctx);
	return rc;
}
