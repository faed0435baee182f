/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `tagdax fabric`: pieces shared by its sub-command files. */
#ifndef TAGDAX_CLI_FABRIC_H
#define TAGDAX_CLI_FABRIC_H

#include <limits.h>
#include <stdint.h>

#include "fabric-config.h"
#include "fmclient.h"
#include "tagdax.h"

#define FAB_CALL_TIMEOUT_MS 5000

/* An open fabric: its directory, configuration and FM API connection. */
struct fab {
	char dir[PATH_MAX];
	struct fabric_config *cfg;
	struct fmc fm;
};

/* Opens the fabric in dir: reads DIR/config.json and, when fm is true,
 * connects to DIR/fm.sock.  On failure prints the reason, leaves nothing
 * to close and returns an exit code. */
int fab_open(struct fab *f, const char *dir, bool fm);
void fab_close(struct fab *f);

/* The configured host called name, or NULL after printing the known ones. */
const struct fabric_host_cfg *fab_host(struct fab *f, const char *name);
const char *fab_host_name(struct fab *f, uint16_t id); /* NULL if unknown */

/* A library context that sees what host `name` sees (emu provider). */
struct tagdax_ctx *fab_host_ctx(struct fab *f, const char *name);

/* Reports a CCI return code to the user ("what: Invalid Input (0002h):
 * sentence") and maps it to an exit code. */
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

/* The host's agent runs and serves (fabric-up.c). */
bool fab_agent_alive(const char *dir, const char *host);

/* Sub-commands */
int fabric_up(struct cli *cli, int argc, char **argv);
int fabric_down(struct cli *cli, int argc, char **argv);
int fabric_add(struct cli *cli, int argc, char **argv);
int fabric_share(struct cli *cli, int argc, char **argv);
int fabric_release(struct cli *cli, int argc, char **argv);
int fabric_list(struct cli *cli, int argc, char **argv);
int fabric_region(struct cli *cli, int argc, char **argv);
int fabric_read(struct cli *cli, int argc, char **argv);
int fabric_write(struct cli *cli, int argc, char **argv);

#endif
