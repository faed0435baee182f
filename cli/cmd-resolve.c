// SPDX-License-Identifier: GPL-2.0-or-later
/* list, resolve, wait, claim: the lookup commands. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "size.h"
#include "tagdax.h"

static bool human, no_headings;

static const struct option json_opts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "human", no_argument, NULL, 'u' },
	{ "no-headings", no_argument, NULL, 'n' },
	{ "timeout", required_argument, NULL, 't' },
	{ NULL, 0, NULL, 0 },
};

/* Parses [--json] [--timeout S] and leaves the operands at argv[optind]. */
static int parse(struct cli *cli, int argc, char **argv, int *timeout_ms)
{
	int opt;

	while ((opt = getopt_long(argc, argv, "jun", json_opts, NULL)) != -1) {
		if (opt == 'j')
			cli->json = true;
		else if (opt == 'u')
			cli_json_set_human(human = true);
		else if (opt == 'n')
			no_headings = true;
		else if (opt == 't' && timeout_ms && parse_timeout(optarg, timeout_ms))
			continue;
		else if (opt == 't' && timeout_ms)
			return usage_error(cli, "bad timeout '%s' (seconds, or -1 for none)", optarg);
		else
			return usage_error(cli, "%s: unknown option", argv[0]);
	}
	return EXIT_OK;
}

static void print_line(struct tagdax_dev *dev)
{
	char tag[TAGDAX_TAG_STRLEN];
	const char *path = tagdax_dev_get_path(dev);

	const char *flags = cli_flags_text(tagdax_dev_get_flags(dev));
	char size[32];

	tagdax_tag_unparse(tagdax_dev_get_tag(dev), tag);
	if (human)
		util_size_text(tagdax_dev_get_size(dev), size, sizeof(size));
	else
		snprintf(size, sizeof(size), "%" PRIu64, tagdax_dev_get_size(dev));
	printf("%-36s  %-8s %-24s %12s  %s\n", tag, tagdax_dev_get_provider(dev),
	       path ? path : "(unclaimed)", size, *flags ? flags : "-");
}

int cmd_list(struct cli *cli, int argc, char **argv)
{
	struct json_object *arr = NULL;
	struct tagdax_tag only;
	struct tagdax_dev *dev;
	int rc = parse(cli, argc, argv, NULL);

	if (rc)
		return rc;
	if (argc - optind > 1)
		return usage_error(cli, "list takes at most one tag");
	if (argc - optind == 1 && !cli_tag(argv[optind], &only))
		return EXIT_USAGE;
	if (cli->json)
		arr = json_object_new_array();
	tagdax_dev_foreach(cli->ctx, dev) {
		if (argc - optind == 1 && !tagdax_tag_equal(&only, tagdax_dev_get_tag(dev)))
			continue;
		if (!arr && !no_headings) /* a header above the first line, as lsblk */
			printf("%-36s  %-8s %-24s %12s  %s\n", "TAG", "PROVIDER", "PATH", "SIZE",
			       "FLAGS"), no_headings = true;
		if (arr)
			json_object_array_add(arr, dev_to_json(dev));
		else
			print_line(dev);
	}
	if (arr) {
		print_json(arr);
		json_object_put(arr);
	}
	/* a listing without the table's entries must not pass for complete */
	return cli_table_unreadable(cli) ? EXIT_SYSTEM : EXIT_OK;
}

static int report(struct cli *cli, const struct tagdax_tag *tag, int rc, struct tagdax_dev *dev)
{
	if (rc)
		return cli_resolve_status(cli, tag, rc, dev);
	cli_warn_system_ram(dev);
	if (cli->json) {
		struct json_object *obj = dev_to_json(dev);

		print_json(obj);
		json_object_put(obj);
	} else {
		puts(tagdax_dev_get_path(dev));
	}
	return EXIT_OK;
}

int cmd_resolve(struct cli *cli, int argc, char **argv)
{
	struct tagdax_dev *dev;
	struct tagdax_tag tag;
	int rc = parse(cli, argc, argv, NULL);

	if (rc)
		return rc;
	if (argc - optind != 1)
		return usage_error(cli, "resolve takes exactly one tag");
	if (!cli_tag(argv[optind], &tag))
		return EXIT_USAGE;
	rc = tagdax_resolve(cli->ctx, &tag, &dev);
	return report(cli, &tag, rc, dev);
}

int cmd_wait(struct cli *cli, int argc, char **argv)
{
	struct tagdax_dev *dev;
	struct tagdax_tag tag;
	int timeout_ms = -1;
	int rc = parse(cli, argc, argv, &timeout_ms);

	if (rc)
		return rc;
	if (argc - optind != 1)
		return usage_error(cli, "wait takes exactly one tag");
	if (!cli_tag(argv[optind], &tag))
		return EXIT_USAGE;
	rc = tagdax_wait(cli->ctx, &tag, timeout_ms, &dev);
	return report(cli, &tag, rc, dev);
}

int cmd_claim(struct cli *cli, int argc, char **argv)
{
	struct tagdax_dev *dev;
	struct tagdax_tag tag;
	int rc = parse(cli, argc, argv, NULL);

	if (rc)
		return rc;
	if (argc - optind != 1)
		return usage_error(cli, "claim takes exactly one tag");
	if (!cli_tag(argv[optind], &tag))
		return EXIT_USAGE;
	rc = tagdax_claim(cli->ctx, &tag, &dev);
	if (rc == -EEXIST) {
		fprintf(stderr, "tagdax: tag %s is already claimed by %s\n", argv[optind],
			tagdax_dev_get_path(dev));
		return EXIT_ALREADY;
	}
	if (rc == -EOPNOTSUPP) {
		/* the provider said why (a region with no seed, no claim ABI...) */
		fprintf(stderr, "tagdax: tag %s cannot be claimed here (%s)\n", argv[optind],
			tagdax_dev_get_region(dev) ? tagdax_dev_get_region(dev) : "no region");
		return EXIT_SYSTEM;
	}
	return report(cli, &tag, rc, dev);
}
