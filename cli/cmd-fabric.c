// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * tagdax fabric: drive the emulated tagged-capacity fabric (docs/fabric.md)
 * the way an orchestrator drives a fabric manager: through the FM API on
 * DIR/fm.sock.  This file holds the dispatcher and what every sub-command
 * shares; fabric-up.c starts and stops the processes, fabric-ops.c asks for
 * capacity, fabric-list.c shows it, fabric-io.c reads and writes it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fabric.h"
#include "size.h"

const char *fab_env_dir(void)
{
	const char *dir = getenv("TAGDAX_FABRIC");

	return dir && *dir ? dir : NULL;
}

static const char fabric_usage[] =
	"usage: tagdax fabric COMMAND --dir DIR [OPTIONS]\n"
	"(--dir defaults to $TAGDAX_FABRIC)\n"
	"\n"
	"  up [--config FILE]           start the device + fabric manager and one agent per\n"
	"                               host (FILE: JSON, see docs/fabric.md; default: the\n"
	"                               embedded sample, or DIR/config.json on a restart);\n"
	"                               refuses (2) a DIR others can write to or with links\n"
	"  down [--purge]               stop them; --purge also deletes the state and memory;\n"
	"                               7 if none was running\n"
	"  add --host NAME --size SIZE [--tag UUID] [--region N]\n"
	"      [--policy free|contiguous|prescriptive] [--extent DPA:LEN ...]\n"
	"                               give NAME capacity; prints its tag first (made up when\n"
	"                               no --tag is given); returns once the host can resolve\n"
	"                               it (or has rejected it); 6 if NAME has not answered\n"
	"                               the offer at the timeout. --tag 00000000-0000-0000-0000-\n"
	"                               000000000000 adds untagged capacity: the host cannot\n"
	"                               resolve that, so add returns once it has accepted it\n"
	"  share --tag UUID --host NAME [--region N]\n"
	"                               give NAME access to the tag's sharable capacity\n"
	"  release --tag UUID --host NAME [--forced] [--sanitize] [--extent DPA:LEN ...]\n"
	"                               take the tag's capacity back from NAME; waits until\n"
	"                               the host has let go (it waits while held).\n"
	"                               --forced: at once, as a later access would fault on\n"
	"                               hardware: holders are revoked (processes get SIGBUS,\n"
	"                               then SIGKILL; VMs are unplugged through QMP, killed\n"
	"                               as the last resort); on an offer not yet accepted:\n"
	"                               withdraws it\n"
	"  ref TAG / unref TAG          the fabric manager takes / drops its own reference on\n"
	"                               the tag's sharable capacity: referenced, it stays\n"
	"                               (not freed, not zeroed) while no host holds it;\n"
	"                               unreferenced, it is freed once no host holds it\n"
	"  list [--json]                regions, allocations, which hosts hold them and\n"
	"                               which have them offered, not yet accepted (pending),\n"
	"                               [fm]: the fabric manager references it, and released\n"
	"                               capacity quarantined until zeroed\n"
	"  region --region N [--block-size SIZE] [--sanitize-on-release on|off]\n"
	"                               reconfigure a region that holds no capacity\n"
	"  write --host NAME --tag UUID [--offset N] [--hold S] TEXT|-\n"
	"  read --host NAME --tag UUID [--offset N] [--length N] [--hold S]\n"
	"                               write TEXT (- : stdin, binary) into / print the text\n"
	"                               (--length: N raw bytes) at OFFSET of the tag's memory\n"
	"                               as host NAME sees it (through tagdax_map); what does\n"
	"                               not fit is refused (2), never cut short\n"
	"\n"
	"  --timeout S                  how long up/down/add/share/release/ref/unref wait, also\n"
	"                               for each answer of the fabric (default 30; -1: forever)\n"
	"\n"
	"Resolve as an emulated host:  TAGDAX_FABRIC=DIR TAGDAX_HOST=NAME tagdax resolve UUID\n"
	"Exit codes: 0 done, 1 refused by the fabric or a host, timed out, or not running,\n"
	"2 invalid usage or input (also the device's Invalid Input family), 5 system error,\n"
	"6 (add, share) offered but not yet accepted at the timeout.\n";

int cmd_fabric(struct cli *cli, int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(struct cli *cli, int argc, char **argv);
	} cmds[] = {
		{ "up", fabric_up },         { "down", fabric_down },   { "add", fabric_add },
		{ "share", fabric_share },   { "release", fabric_release },
		{ "ref", fabric_ref },       { "unref", fabric_unref },
		{ "list", fabric_list },     { "read", fabric_read },   { "write", fabric_write },
		{ "region", fabric_region },
	};

	if (argc < 2)
		return usage_error(cli, "fabric needs a command (tagdax fabric --help)");
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h") ||
		    (i == 1 && !strcmp(argv[i], "help"))) {
			fputs(fabric_usage, stdout);
			return EXIT_OK;
		}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(cli, argc - 1, argv + 1);
	return usage_error(cli, "fabric: unknown command '%s' (tagdax fabric --help)", argv[1]);
}

int fab_attach(struct fab *f, const char *dir, bool fm, int timeout_ms)
{
	char err[256];
	int rc;

	memset(f, 0, sizeof(*f));
	rc = tagdax_fabric_open(dir, &f->fab, err, sizeof(err));
	if (rc == -ENOENT && !*err) {
		fprintf(stderr, "tagdax: %s: %s\n", dir, strerror(-rc));
		return EXIT_NOTFOUND;
	}
	if (rc) {
		fprintf(stderr, "tagdax: %s holds no fabric (%s); 'tagdax fabric up --dir %s' "
			"makes one\n", dir, *err ? err : strerror(-rc), dir);
		return rc == -ENOMEM ? EXIT_SYSTEM : EXIT_NOTFOUND;
	}
	snprintf(f->dir, sizeof(f->dir), "%s", tagdax_fabric_dir(f->fab));
	if (!fm)
		return EXIT_OK;
	rc = tagdax_fm_open(f->dir, &f->fm);
	if (rc == 0)
		rc = tagdax_fm_set_timeout(f->fm, timeout_ms);
	if (rc) {
		fprintf(stderr, "tagdax: the fabric in %s is not running (%s); "
			"'tagdax fabric up --dir %s' starts it\n", dir, strerror(-rc), dir);
		fab_detach(f);
		return EXIT_NOTFOUND;
	}
	return EXIT_OK;
}

void fab_detach(struct fab *f)
{
	tagdax_fm_close(f->fm);
	tagdax_fabric_close(f->fab);
	f->fm = NULL;
	f->fab = NULL;
}

unsigned int fab_nhosts(struct fab *f)
{
	return tagdax_fabric_host_count(f->fab);
}

uint16_t fab_host_id(struct fab *f, unsigned int i)
{
	return (uint16_t)tagdax_fabric_host_id(f->fab, i);
}

const char *fab_host_at(struct fab *f, unsigned int i)
{
	return tagdax_fabric_host_name(f->fab, i);
}

const struct fab_host *fab_host(struct fab *f, const char *name)
{
	int id = tagdax_fabric_host_lookup(f->fab, name);

	if (id >= 0) {
		f->host.id = (uint16_t)id;
		f->host.name = tagdax_fabric_host_by_id(f->fab, (uint16_t)id);
		return &f->host;
	}
	fprintf(stderr, "tagdax: no host '%s' in this fabric; its hosts are:", name);
	for (unsigned int i = 0; i < fab_nhosts(f); i++)
		fprintf(stderr, " %s", fab_host_at(f, i));
	fputc('\n', stderr);
	return NULL;
}

const char *fab_host_name(struct fab *f, uint16_t id)
{
	return tagdax_fabric_host_by_id(f->fab, id);
}

int fab_regions(struct fab *f, struct tagdax_fm_region r[8], unsigned int *n)
{
	struct tagdax_fm_host_regions hr;
	int rc = tagdax_fm_get_host_dc_region_config(f->fm, fab_host_id(f, 0), 0, 8, &hr);

	if (rc)
		return fab_cci_error(tagdax_fm_opcode_name(TAGDAX_FM_OP_GET_HOST_DC_REGION_CONFIG),
				     rc);
	memcpy(r, hr.region, sizeof(hr.region));
	*n = hr.count;
	return EXIT_OK;
}

struct tagdax_ctx *fab_host_ctx(struct fab *f, const char *name)
{
	struct tagdax_ctx *ctx = NULL;
	char run[PATH_MAX + 64];
	int rc;

	/* This context alone looks through the host's eyes: no process-wide
	 * environment is changed. */
	snprintf(run, sizeof(run), "%s/hosts/%s/run", f->dir, name);
	rc = tagdax_new(&ctx);
	if (rc == 0)
		rc = tagdax_set_fabric(ctx, f->dir, name);
	if (rc == 0)
		rc = tagdax_set_run_dir(ctx, run);
	if (rc) {
		fprintf(stderr, "tagdax: cannot look through host %s's eyes: %s\n", name,
			strerror(-rc));
		return tagdax_unref(ctx);
	}
	return ctx;
}

int fab_cci_error(const char *what, int rc)
{
	if (rc < 0) {
		fprintf(stderr, "tagdax: %s: %s\n", what, strerror(-rc));
		return EXIT_SYSTEM;
	}
	fprintf(stderr, "tagdax: %s: %s (%04Xh). %s\n", what, tagdax_fm_rc_name(rc), rc,
		tagdax_fm_rc_sentence(rc));
	switch (rc) {
	case TAGDAX_FM_RC_INVALID_INPUT:
	case TAGDAX_FM_RC_INVALID_EXTENT_LIST:
	case TAGDAX_FM_RC_INVALID_PADDR:
	case TAGDAX_FM_RC_INVALID_PAYLOAD_LENGTH:
	case TAGDAX_FM_RC_UNSUPPORTED:
		return EXIT_USAGE;
	default:
		return EXIT_NOTFOUND;
	}
}

bool fab_parse_size(const char *opt, const char *text, uint64_t *out)
{
	if (util_parse_size(text, out) == 0)
		return true;
	fprintf(stderr, "tagdax: %s '%s' is not a size (bytes, or with K/M/G/T)\n", opt, text);
	return false;
}

bool fab_parse_tag(const char *text, struct tagdax_tag *tag)
{
	if (tagdax_tag_parse(text, tag) == 0)
		return true;
	fprintf(stderr, "tagdax: '%s' is not a tag (expected a UUID like "
		"5be13bce-1d7a-4c1e-9b2f-3f6c2a1d0e55)\n", text);
	return false;
}

int64_t fab_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t fab_deadline(int timeout_ms)
{
	return timeout_ms < 0 ? INT64_MAX : fab_now_ms() + timeout_ms;
}

uint64_t fab_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
