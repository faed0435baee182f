/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The host agent of the emulated fabric: it plays, for one host, the part
 * the kernel's CXL driver plays on real hardware (docs/fabric.md).  It waits
 * for its host's Dynamic Capacity events (the daemon pokes DIR/hosts/NAME/
 * irq.sock), accepts or rejects offered capacity by policy, answers with Add
 * Dynamic Capacity Response, turns accepted capacity into a device the emu
 * provider finds, and releases capacity once nothing maps it any more.
 */
#ifndef TAGDAX_FABRIC_AGENT_H
#define TAGDAX_FABRIC_AGENT_H

/* Runs the agent of host `host` in fabric directory `dir` (absolute) until
 * SIGTERM or SIGINT (returns 0) or until the daemon is gone for good
 * (returns 1).  Logs to stderr (util/log.h).  Once it has recovered its
 * devices and is serving events it writes DIR/hosts/NAME/agent.pid and
 * tells a service manager READY=1; STOPPING=1 when it stops.  The
 * tagdax-agent program (agent/main.c) runs it in the foreground. */
int agent_run(const char *dir, const char *host);

#endif /* TAGDAX_FABRIC_AGENT_H */
