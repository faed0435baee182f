// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tagdax fabric region: Set DC Region Configuration (5602h), the block size
 * and sanitize-on-release of one region.  The device takes it only while no
 * host holds or has been offered capacity in the region (Unsupported
 * otherwise), and tells every host with a Region Configuration Updated
 * event; the agents then re-read their regions.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fabric.h"

struct region_opts {
	const char *dir, *block, *sanitize;
	int region;
};

static int parse(struct cli *cli, int argc, char **argv, struct region_opts *o)
{
	static const struct option opts[] = {
		{ "dir", required_argument, NULL, 'd' },
		{ "region", required_argument, NULL, 'r' },
		{ "block-size", required_argument, NULL, 'b' },
		{ "sanitize-on-release", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	char *end;
	int opt;

	*o = (struct region_opts){ .region = -1, .dir = fab_env_dir() };
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (opt == 'd')
			o->dir = optarg;
		else if (opt == 'b')
			o->block = optarg;
		else if (opt == 's' && (!strcmp(optarg, "on") || !strcmp(optarg, "off")))
			o->sanitize = optarg;
		else if (opt == 'r' && *optarg >= '0' && *optarg <= '9' &&
			 (o->region = (int)strtol(optarg, &end, 10)) < 8 && !*end)
			continue;
		else
			return usage_error(cli, "fabric region: bad option or value");
	}
	if (!o->dir || o->region < 0 || optind < argc)
		return usage_error(cli, "fabric region takes --dir DIR --region N [--block-size "
				   "SIZE] [--sanitize-on-release on|off]");
	return EXIT_OK;
}

int fabric_region(struct cli *cli, int argc, char **argv)
{
	struct tagdax_fm_region r[8];
	struct region_opts o;
	unsigned int n;
	uint64_t block = 0;
	bool sanitize = false;
	struct fab f;
	int rc = parse(cli, argc, argv, &o);

	if (rc || (rc = fab_attach(&f, o.dir, true, FAB_CALL_TIMEOUT_MS)))
		return rc;
	rc = fab_regions(&f, r, &n);
	if (rc == 0 && (unsigned int)o.region >= n)
		rc = usage_error(cli, "region %d does not exist (the device has %u)", o.region, n);
	else if (rc == 0 && o.block && !fab_parse_size("--block-size", o.block, &block))
		rc = EXIT_USAGE;
	if (rc == 0) {
		block = o.block ? block : r[o.region].block_size;
		sanitize = o.sanitize ? !strcmp(o.sanitize, "on") : r[o.region].sanitize_on_release;
		rc = tagdax_fm_set_dc_region_config(f.fm, (uint8_t)o.region, block, sanitize);
		rc = rc ? fab_cci_error("the fabric refused the region configuration", rc) : 0;
	}
	if (rc == 0)
		printf("region %d: block size %llu, sanitize on release %s\n", o.region,
		       (unsigned long long)block, sanitize ? "on" : "off");
	fab_detach(&f);
	return rc;
}
