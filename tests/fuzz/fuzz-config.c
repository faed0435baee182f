// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The fabric JSON configuration (fabric/config/config.c): the input is the file.
 * Oracles: a rejection carries a sentence; an accepted configuration keeps
 * the limits the daemon relies on and builds a model that passes its own
 * invariant check.
 */
#include <stdlib.h>
#include <string.h>

#include "dcd.h"
#include "fuzz.h"

static void check(const struct fabric_config *c)
{
	char err[256];
	struct dcd *d;

	if (c->nhosts == 0 || c->nhosts > FABRIC_MAX_HOSTS || c->nregions == 0 ||
	    c->nregions > FABRIC_MAX_REGIONS)
		fuzz_fail("accepted %u hosts, %u regions", c->nhosts, c->nregions);
	for (unsigned int i = 0; i < c->nregions; i++) {
		const struct fabric_region_cfg *r = &c->regions[i];

		if (!r->length || !r->block_size || r->block_size & (r->block_size - 1) ||
		    r->base % FABRIC_DECODE_UNIT || r->length % r->block_size ||
		    r->base > UINT64_MAX - r->length ||
		    (i && r->base < c->regions[i - 1].base + c->regions[i - 1].length))
			fuzz_fail("accepted region %u: base %llx length %llx block %llx", i,
				  (unsigned long long)r->base, (unsigned long long)r->length,
				  (unsigned long long)r->block_size);
	}
	for (unsigned int i = 0; i < c->nhosts; i++)
		if (!c->hosts[i].name[0] ||
		    !memchr(c->hosts[i].name, '\0', sizeof(c->hosts[i].name)))
			fuzz_fail("accepted host %u without a proper name", i);
	d = dcd_new(c);
	if (!d)
		return; /* out of memory for the logs it asked for */
	if (dcd_check(d, err, sizeof(err)))
		fuzz_fail("a fresh model of an accepted configuration: %s", err);
	dcd_free(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fabric_config cfg;
	char *json = malloc(size + 1), err[512] = "";
	int rc;

	if (!json)
		abort();
	memcpy(json, data, size);
	json[size] = '\0';
	rc = fabric_config_parse(json, &cfg, err, sizeof(err));

	fuzz_note("config: %s", rc ? err : "accepted");
	if (rc == 0)
		check(&cfg);
	else if (!err[0])
		fuzz_fail("rejected without a reason");
	free(json);
	return 0;
}
