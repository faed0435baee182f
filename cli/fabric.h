/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `tagdax fabric`: pieces shared by its sub-command files.  The fabric is
 * reached only through the public FM client library (tagdax/fm.h). */
#ifndef TAGDAX_CLI_FABRIC_H
#define TAGDAX_CLI_FABRIC_H

#include <limits.h>
#include <stdint.h>

#include <tagdax/fm.h>

#include "tagdax.h"

/* Each FM API call's own limit when the command has no --timeout. */
#define FAB_CALL_TIMEOUT_MS 30000

struct fab_host {
	uint16_t id;
	const char *name; /* owned by fab->fab */
};

/* An open fabric: its directory, what DIR/config.json says and the FM API
 * connection. */
struct fab {
	char dir[PATH_MAX];
	struct tagdax_fabric *fab;
	struct tagdax_fm *fm;      /* NULL unless asked for */
	struct fab_host host;      /* the last fab_host() found */
};

/* Opens the fabric in dir: reads DIR/config.json and, when fm is true,
 * connects to DIR/fm.sock with each call limited to timeout_ms (-1: none).
 * On failure prints the reason, leaves nothing to close and returns an
 * exit code. */
int fab_attach(struct fab *f, const char *dir, bool fm, int timeout_ms);
void fab_detach(struct fab *f);

/* The configured host called name, or NULL after printing the known ones. */
const struct fab_host *fab_host(struct fab *f, const char *name);
const char *fab_host_name(struct fab *f, uint16_t id); /* NULL if unknown */
unsigned int fab_nhosts(struct fab *f);
uint16_t fab_host_id(struct fab *f, unsigned int i);   /* 0 .. fab_nhosts-1 */
const char *fab_host_at(struct fab *f, unsigned int i);

/* The device's regions (5601h for the first host), or an exit code after
 * saying why not. */
int fab_regions(struct fab *f, struct tagdax_fm_region r[8], unsigned int *n);

/* A library context that sees what host `name` sees (emu provider). */
struct tagdax_ctx *fab_host_ctx(struct fab *f, const char *name);

/* Reports an FM call's failure to the user: a CCI return code ("what:
 * Invalid Input (0002h): sentence") or a transport errno; maps it to an
 * exit code. */
int fab_cci_error(const char *what, int rc);


/* The fabric directory when --dir is not given: TAGDAX_FABRIC, or NULL. */
const char *fab_env_dir(void);

/* Parsers that print what is wrong with their argument. */
bool fab_parse_size(const char *opt, const char *text, uint64_t *out);
bool fab_parse_tag(const char *text, struct tagdax_tag *tag); /* the null tag is allowed */

/* Realtime nanoseconds, the clock event record timestamps use. */
uint64_t fab_now_ns(void);
/* Monotonic milliseconds, and the deadline of a timeout (-1: never). */
int64_t fab_now_ms(void);
int64_t fab_deadline(int timeout_ms);


/* Sub-commands */
int fabric_up(struct cli *cli, int argc, char **argv);
int fabric_down(struct cli *cli, int argc, char **argv);
int fabric_add(struct cli *cli, int argc, char **argv);
int fabric_share(struct cli *cli, int argc, char **argv);
int fabric_release(struct cli *cli, int argc, char **argv);
int fabric_ref(struct cli *cli, int argc, char **argv);
int fabric_unref(struct cli *cli, int argc, char **argv);
int fabric_list(struct cli *cli, int argc, char **argv);
int fabric_region(struct cli *cli, int argc, char **argv);
int fabric_read(struct cli *cli, int argc, char **argv);
int fabric_write(struct cli *cli, int argc, char **argv);

#endif
