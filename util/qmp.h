/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A small QMP client: enough of QEMU's machine protocol to hot-plug devices. */
#ifndef TAGDAX_UTIL_QMP_H
#define TAGDAX_UTIL_QMP_H

#include <json-c/json.h>
#include <sys/types.h>

struct qmp;

/* Connects to a QMP Unix socket, reads the greeting and leaves capabilities
 * negotiation mode.  Each later exchange waits at most timeout_ms. */
int qmp_open(const char *path, int timeout_ms, struct qmp **out);
void qmp_close(struct qmp *q);

/* QEMU's version from the greeting, as major * 100 + minor (801 for 8.1). */
int qmp_version(struct qmp *q);

/* Runs a command; args (may be NULL) is consumed.  On success *ret (if given)
 * holds the "return" value, which the caller puts.  A QMP error returns
 * -EREMOTEIO and qmp_error() tells it; events that arrive meanwhile are kept
 * for qmp_wait_device_deleted(). */
int qmp_call(struct qmp *q, const char *cmd, struct json_object *args, struct json_object **ret);

/* Waits for the DEVICE_DELETED event of device id (the guest's consent to an
 * unplug).  -ETIMEDOUT if it does not come within timeout_ms. */
int qmp_wait_device_deleted(struct qmp *q, const char *id, int timeout_ms);

/* The last error QEMU returned, "Class: description". */
const char *qmp_error(struct qmp *q);

#define QMP_ID_LEN 80

/* The process serving the socket (QEMU), or a negative errno. */
pid_t qmp_peer_pid(struct qmp *q);

int qmp_qom_list(struct qmp *q, const char *path, struct json_object **list);
/* Names under a QOM path (/objects, /machine/peripheral) starting with
 * prefix: how many (at most max), or a negative errno. */
int qmp_qom_names(struct qmp *q, const char *path, const char *prefix,
		  char names[][QMP_ID_LEN], unsigned int max);

/*
 * Unplugs every window `tagdax vm` gave for tag (devices tagdax-dev-TAG.N,
 * then backends tagdax-mem-TAG.N).  0 when done (*found: how many devices and
 * backends there were); -ETIMEDOUT when the guest has not let go of a device
 * within timeout_ms (the unplug stays pending); -EREMOTEIO (qmp_error()) or
 * another negative errno.  stuck names what failed.
 */
int qmp_remove_tag(struct qmp *q, const char *tag, int timeout_ms, unsigned int *found,
		   char stuck[QMP_ID_LEN]);

#endif
