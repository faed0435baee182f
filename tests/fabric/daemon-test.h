/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Helpers for tests that run the real daemon: fabricd_run() in a child
 * process on a temporary fabric directory, and a small CCI client over its
 * Unix sockets.
 */
#ifndef TAGDAX_TESTS_FABRIC_DAEMON_TEST_H
#define TAGDAX_TESTS_FABRIC_DAEMON_TEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct t_daemon {
	char dir[256];
	char config[300];
	pid_t pid;
};

/* A fresh directory with config.json holding json. */
void td_init(struct t_daemon *t, const char *json);
/* Start fabricd_run() in a child; crash ("POINT:N") is passed as
 * TAGDAX_FABRICD_CRASH.  Returns once fm.sock answers, or false when the
 * child died first. */
bool td_start(struct t_daemon *t, const char *crash);
/* SIGTERM and wait: the child's exit status (as from waitpid). */
int td_stop(struct t_daemon *t);
/* Wait for a child that is expected to die; its status. */
int td_wait(struct t_daemon *t);
void td_cleanup(struct t_daemon *t);

/* Connect to DIR/fm.sock (host NULL) or DIR/hosts/HOST/mbox.sock; -1. */
int td_connect(const struct t_daemon *t, const char *host);
int td_connect_path(const struct t_daemon *t, const char *rel);

/* Send one request and read its response: the return code, or -1 when the
 * connection broke.  The response payload goes to out (*outlen bytes). */
int td_cmd(int fd, uint16_t op, const void *in, size_t len, void *out, size_t outcap,
	   size_t *outlen);
/* Read one response (header checked against tag/op when op != 0). */
int td_read_rsp(int fd, uint8_t tag, uint16_t op, void *out, size_t outcap, size_t *outlen);
int td_write_all(int fd, const void *buf, size_t len);

/* The saved state (checkpoint + journal) as one image (malloc'd), for
 * before/after comparisons. */
uint8_t *td_state(const struct t_daemon *t, size_t *len);

#endif /* TAGDAX_TESTS_FABRIC_DAEMON_TEST_H */
