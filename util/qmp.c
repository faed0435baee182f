// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * QMP over a Unix socket.  QEMU sends one JSON object per line: a greeting,
 * then replies to our commands (matched by "id") with asynchronous events
 * interleaved anywhere; an unplug completes only with an event, so events
 * are kept, not dropped, while we wait for a reply.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "qmp.h"
#include "unix.h"
#include "vmrom.h"

#define QMP_MAX_LINE (16u << 20) /* query-pci of a large machine stays far below */
#define QMP_MAX_EVENTS 64

struct qmp {
	int fd;
	int timeout_ms;
	int version;
	int64_t next_id;
	char *buf;
	size_t len, cap;
	struct json_object *events[QMP_MAX_EVENTS];
	unsigned int nevents;
	char error[512];
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int fill(struct qmp *q, int64_t deadline)
{
	struct pollfd p = { .fd = q->fd, .events = POLLIN };
	int64_t left = deadline - now_ms();
	ssize_t n;

	if (left <= 0 || poll(&p, 1, (int)left) == 0)
		return -ETIMEDOUT;
	if (q->cap - q->len < 4096) {
		char *bigger;

		if (q->cap >= QMP_MAX_LINE)
			return -EMSGSIZE;
		bigger = realloc(q->buf, q->cap ? 2 * q->cap : 65536);
		if (!bigger)
			return -ENOMEM;
		q->buf = bigger;
		q->cap = q->cap ? 2 * q->cap : 65536;
	}
	n = read(q->fd, q->buf + q->len, q->cap - q->len);
	if (n == 0)
		return -ECONNRESET;
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	q->len += (size_t)n;
	return 0;
}

/* The next message, as a JSON object the caller puts. */
static int next_message(struct qmp *q, int64_t deadline, struct json_object **out)
{
	char *nl;
	int rc;

	while (!(nl = q->len ? memchr(q->buf, '\n', q->len) : NULL))
		if ((rc = fill(q, deadline)) < 0)
			return rc;
	*nl = '\0';
	*out = json_tokener_parse(q->buf);
	q->len -= (size_t)(nl + 1 - q->buf);
	memmove(q->buf, nl + 1, q->len);
	if (!*out || !json_object_is_type(*out, json_type_object)) {
		json_object_put(*out);
		return -EPROTO;
	}
	return 0;
}

static void keep_event(struct qmp *q, struct json_object *ev)
{
	if (q->nevents == QMP_MAX_EVENTS) {
		/* Oldest first out: what we wait for is recent. */
		json_object_put(q->events[0]);
		memmove(q->events, q->events + 1, (QMP_MAX_EVENTS - 1) * sizeof(q->events[0]));
		q->nevents--;
	}
	q->events[q->nevents++] = ev;
}

static int send_all(struct qmp *q, const char *text)
{
	size_t len = strlen(text), done = 0;

	while (done < len) {
		ssize_t n = send(q->fd, text + done, len - done, MSG_NOSIGNAL);

		if (n < 0 && errno != EINTR)
			return -errno;
		if (n > 0)
			done += (size_t)n;
	}
	return 0;
}

static int reply_of(struct qmp *q, struct json_object *msg, struct json_object **ret)
{
	struct json_object *err, *val;

	if (json_object_object_get_ex(msg, "error", &err)) {
		struct json_object *cls = json_object_object_get(err, "class");
		struct json_object *desc = json_object_object_get(err, "desc");

		snprintf(q->error, sizeof(q->error), "%s: %s",
			 cls ? json_object_get_string(cls) : "Error",
			 desc ? json_object_get_string(desc) : "(no description)");
		return -EREMOTEIO;
	}
	if (!json_object_object_get_ex(msg, "return", &val))
		return -EPROTO;
	if (ret)
		*ret = json_object_get(val);
	return 0;
}

int qmp_call(struct qmp *q, const char *cmd, struct json_object *args, struct json_object **ret)
{
	struct json_object *req = json_object_new_object(), *msg, *id;
	int64_t my_id = q->next_id++, deadline = now_ms() + q->timeout_ms;
	int rc;

	json_object_object_add(req, "execute", json_object_new_string(cmd));
	if (args)
		json_object_object_add(req, "arguments", args);
	json_object_object_add(req, "id", json_object_new_int64(my_id));
	rc = send_all(q, json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN));
	json_object_put(req);
	while (rc == 0 && (rc = next_message(q, deadline, &msg)) == 0) {
		if (json_object_object_get_ex(msg, "event", NULL)) {
			keep_event(q, msg);
			continue;
		}
		if (json_object_object_get_ex(msg, "id", &id) && json_object_get_int64(id) == my_id) {
			rc = reply_of(q, msg, ret);
			json_object_put(msg);
			return rc;
		}
		json_object_put(msg); /* a stray reply: not ours */
	}
	return rc;
}

static bool is_deleted(struct json_object *ev, const char *id)
{
	struct json_object *name = json_object_object_get(ev, "event");
	struct json_object *data = json_object_object_get(ev, "data");
	struct json_object *dev = data ? json_object_object_get(data, "device") : NULL;

	return name && !strcmp(json_object_get_string(name), "DEVICE_DELETED") && dev &&
	       !strcmp(json_object_get_string(dev), id);
}

int qmp_wait_device_deleted(struct qmp *q, const char *id, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;
	struct json_object *msg;
	int rc;

	for (unsigned int i = 0; i < q->nevents; i++)
		if (is_deleted(q->events[i], id))
			return 0;
	while ((rc = next_message(q, deadline, &msg)) == 0) {
		bool done = is_deleted(msg, id);

		if (json_object_object_get_ex(msg, "event", NULL))
			keep_event(q, msg);
		else
			json_object_put(msg);
		if (done)
			return 0;
	}
	return rc;
}

static int parse_greeting(struct qmp *q, struct json_object *msg)
{
	struct json_object *v;

	if (!json_object_object_get_ex(msg, "QMP", &v) ||
	    !json_object_object_get_ex(v, "version", &v) ||
	    !json_object_object_get_ex(v, "qemu", &v))
		return -EPROTO;
	q->version = json_object_get_int(json_object_object_get(v, "major")) * 100 +
		     json_object_get_int(json_object_object_get(v, "minor"));
	return 0;
}

int qmp_open(const char *path, int timeout_ms, struct qmp **out)
{
	struct qmp *q = calloc(1, sizeof(*q));
	struct json_object *greeting = NULL;
	int rc;

	*out = NULL;
	if (!q)
		return -ENOMEM;
	q->timeout_ms = timeout_ms;
	q->next_id = 1;
	q->fd = util_connect_unix(path);
	if (q->fd < 0) {
		rc = q->fd;
		free(q);
		return rc;
	}
	rc = next_message(q, now_ms() + timeout_ms, &greeting);
	if (rc == 0)
		rc = parse_greeting(q, greeting);
	json_object_put(greeting);
	if (rc == 0)
		rc = qmp_call(q, "qmp_capabilities", NULL, NULL);
	if (rc) {
		qmp_close(q);
		return rc;
	}
	*out = q;
	return 0;
}

void qmp_close(struct qmp *q)
{
	if (!q)
		return;
	for (unsigned int i = 0; i < q->nevents; i++)
		json_object_put(q->events[i]);
	if (q->fd >= 0)
		close(q->fd);
	free(q->buf);
	free(q);
}

int qmp_version(struct qmp *q)
{
	return q->version;
}

const char *qmp_error(struct qmp *q)
{
	return q->error[0] ? q->error : "no error";
}

int qmp_qom_list(struct qmp *q, const char *path, struct json_object **list)
{
	struct json_object *args = json_object_new_object();

	json_object_object_add(args, "path", json_object_new_string(path));
	return qmp_call(q, "qom-list", args, list);
}

int qmp_qom_names(struct qmp *q, const char *path, const char *prefix,
		  char names[][QMP_ID_LEN], unsigned int max)
{
	struct json_object *list;
	unsigned int n = 0;
	int rc = qmp_qom_list(q, path, &list);

	if (rc)
		return rc;
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		struct json_object *name = json_object_object_get(
			json_object_array_get_idx(list, i), "name");
		const char *s = name ? json_object_get_string(name) : "";

		if (!strncmp(s, prefix, strlen(prefix)) && strlen(s) < QMP_ID_LEN && n < max)
			snprintf(names[n++], QMP_ID_LEN, "%s", s);
	}
	json_object_put(list);
	return (int)n;
}

static int call_with_id(struct qmp *q, const char *cmd, const char *id)
{
	struct json_object *args = json_object_new_object();

	json_object_object_add(args, "id", json_object_new_string(id));
	return qmp_call(q, cmd, args, NULL);
}

/* Asks the guest to let go of a device.  An unplug asked for before (a detach
 * that timed out) is still pending, not an error: QEMU has no error class for
 * that, only its sentence. */
static int unplug(struct qmp *q, const char *id)
{
	int rc = call_with_id(q, "device_del", id);

	if (rc == -EREMOTEIO && strstr(qmp_error(q), "in the process of unplug"))
		return 0;
	return rc;
}

static int names_of(struct qmp *q, const char *path, const char *kind, const char *tag,
		    char names[][QMP_ID_LEN], char stuck[QMP_ID_LEN])
{
	char prefix[QMP_ID_LEN];
	int n;

	snprintf(prefix, sizeof(prefix), "tagdax-%s-%s.", kind, tag);
	n = qmp_qom_names(q, path, prefix, names, VMROM_MAX_WINDOWS);
	if (n < 0)
		snprintf(stuck, QMP_ID_LEN, "qom-list");
	return n;
}

/* Devices first (the guest must let go), then their memory backends, which
 * QEMU refuses to drop while in use; dropping them is what unmaps. */
int qmp_remove_tag(struct qmp *q, const char *tag, int timeout_ms, unsigned int *found,
		   char stuck[QMP_ID_LEN])
{
	char names[VMROM_MAX_WINDOWS][QMP_ID_LEN];
	int n, rc = 0;

	*found = 0;
	if ((n = names_of(q, "/machine/peripheral", "dev", tag, names, stuck)) < 0)
		return n;
	*found = (unsigned int)n;
	for (int i = 0; i < n && rc == 0; i++)
		if ((rc = unplug(q, names[i])))
			snprintf(stuck, QMP_ID_LEN, "%.*s", QMP_ID_LEN - 1, names[i]);
	for (int i = 0; i < n && rc == 0; i++)
		if ((rc = qmp_wait_device_deleted(q, names[i], timeout_ms)))
			snprintf(stuck, QMP_ID_LEN, "%.*s", QMP_ID_LEN - 1, names[i]);
	if (rc)
		return rc;
	if ((n = names_of(q, "/objects", "mem", tag, names, stuck)) < 0)
		return n;
	*found += (unsigned int)n;
	for (int i = 0; i < n && rc == 0; i++)
		if ((rc = call_with_id(q, "object-del", names[i])))
			snprintf(stuck, QMP_ID_LEN, "%.*s", QMP_ID_LEN - 1, names[i]);
	return rc;
}

pid_t qmp_peer_pid(struct qmp *q)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(q->fd, SOL_SOCKET, SO_PEERCRED, &cred, &len))
		return -errno;
	return cred.pid;
}
