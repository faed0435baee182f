/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The fabric daemon: the emulated DCD and fabric manager of docs/fabric.md.
 * This is the header the tagdax CLI includes.
 */
#ifndef TAGDAX_FABRIC_FABRICD_H
#define TAGDAX_FABRIC_FABRICD_H

#include "fabric-config.h"

/*
 * Serve the fabric in DIR until SIGTERM or SIGINT: FM API on DIR/fm.sock,
 * one mailbox (DIR/hosts/NAME/mbox.sock) and one notification socket
 * (DIR/hosts/NAME/irq.sock) per host, state in DIR/state, DIR/layout.
 * config_path NULL serves the embedded sample configuration.  Blocks (the
 * tagdax-fabricd program, fabric/fmd/main.c, runs it in the foreground).
 * Writes DIR/fabricd.pid (and holds a lock on it while serving), logs to
 * standard error (util/log.h) and tells a service manager READY=1 once
 * every socket listens, STOPPING=1 when it stops (util/notify.h).
 *
 * Returns 0 after a clean stop, or a negative errno when the fabric could
 * not start (bad configuration, or backing memory that is missing or too
 * small for it (-EINVAL), another daemon serving DIR (-EBUSY), state from
 * another configuration (-ESTALE), sockets); the reason is logged.
 */
int fabricd_run(const char *dir, const char *config_path);

/* Largest request payload the daemon accepts; a message announcing more is
 * answered with Invalid Payload Length and its payload is skipped. */
#define FABRICD_MAX_REQUEST (256u * 1024)
/* Largest response payload (lists are cut to fit; callers page on). */
#define FABRICD_MAX_RESPONSE (1024u * 1024)

#endif /* TAGDAX_FABRIC_FABRICD_H */
