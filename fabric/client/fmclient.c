// SPDX-License-Identifier: LGPL-2.1-or-later
/* The CCI client: transport, response checks, what return codes mean. */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cci-codec.h"
#include "fmclient.h"
#include "unix.h"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int fmc_open(struct fmc *c, const char *path, int timeout_ms)
{
	c->path = strdup(path);
	c->fd = -1;
	c->next_tag = 1;
	c->timeout_ms = timeout_ms;
	if (!c->path)
		return -ENOMEM;
	c->fd = util_connect_unix(path);
	return c->fd < 0 ? c->fd : 0;
}

static void drop(struct fmc *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

void fmc_close(struct fmc *c)
{
	drop(c);
	free(c->path);
	c->path = NULL;
}

/* Waits for fd to be ready for events before deadline. */
static int wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	int64_t left = deadline - now_ms();
	int n;

	if (left <= 0)
		return -ETIMEDOUT;
	n = poll(&p, 1, left > INT_MAX ? -1 : (int)left);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	return n == 0 ? -ETIMEDOUT : 0;
}

static int io_full(int fd, void *buf, size_t len, bool out, int64_t deadline)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = out ? send(fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT)
				: recv(fd, p, len, MSG_DONTWAIT);
		int rc;

		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n == 0)
			return -ECONNRESET;
		/* a peer that closed before reading is a reset connection,
		 * one of the errors the callers are promised (fm.h) */
		if (errno == EPIPE)
			return -ECONNRESET;
		if (errno != EAGAIN && errno != EINTR)
			return -errno;
		rc = wait_fd(fd, out ? POLLOUT : POLLIN, deadline);
		if (rc)
			return rc;
	}
	return 0;
}

static int send_request(struct fmc *c, uint8_t tag, uint16_t opcode, const void *req,
			size_t len, int64_t deadline)
{
	struct cci_msg h;
	int rc;

	if (len > CCI_MAX_PAYLOAD)
		return -E2BIG;
	cci_msg_init(&h, CCI_REQUEST, tag, opcode, len, 0);
	rc = io_full(c->fd, &h, sizeof(h), true, deadline);
	if (rc == 0 && len)
		rc = io_full(c->fd, (void *)req, len, true, deadline);
	return rc;
}

/* Reads and checks one response header; returns the payload length. */
static int read_header(struct fmc *c, uint8_t tag, uint16_t opcode, struct cci_msg *h,
		       int64_t deadline)
{
	int rc = io_full(c->fd, h, sizeof(*h), false, deadline);

	if (rc)
		return rc;
	if (cci_msg_category(h) != CCI_RESPONSE || h->tag != tag || cci_msg_opcode(h) != opcode)
		return -EPROTO;
	return (int)cci_msg_payload_len(h);
}

int fmc_call(struct fmc *c, uint16_t opcode, const void *req, size_t req_len,
	     void **rsp, size_t *rsp_len)
{
	int64_t deadline = c->timeout_ms < 0 ? INT64_MAX : now_ms() + c->timeout_ms;
	uint8_t tag = c->next_tag++;
	struct cci_msg h;
	uint8_t *buf = NULL;
	int len, rc;

	if (rsp)
		*rsp = NULL;
	if (rsp_len)
		*rsp_len = 0;
	if (c->fd < 0 && (c->fd = util_connect_unix(c->path)) < 0) {
		rc = c->fd;
		c->fd = -1;
		return rc;
	}
	rc = send_request(c, tag, opcode, req, req_len, deadline);
	len = rc ? rc : read_header(c, tag, opcode, &h, deadline);
	if (len > 0 && !(buf = malloc((size_t)len)))
		len = -ENOMEM;
	if (len > 0 && (rc = io_full(c->fd, buf, (size_t)len, false, deadline)))
		len = rc;
	if (len < 0) {
		free(buf);
		drop(c); /* never read a late answer as the next one */
		return len;
	}
	if (rsp) {
		*rsp = buf;
		if (rsp_len)
			*rsp_len = (size_t)len;
	} else {
		free(buf);
	}
	return cci_msg_retcode(&h);
}

/* What each return code means for someone who asked for capacity. */
static const char *const sentences[] = {
	[CCI_RC_SUCCESS] = "The command completed.",
	[CCI_RC_BACKGROUND] = "The command continues in the background.",
	[CCI_RC_INVALID_INPUT] = "The device rejected a field of the request "
				 "(host, region, policy, length or tag).",
	[CCI_RC_UNSUPPORTED] = "The device does not support this command or setting.",
	[CCI_RC_INTERNAL] = "The device failed internally; its log says more.",
	[CCI_RC_RETRY] = "The device cannot take this now (its event log is full); retry.",
	[CCI_RC_BUSY] = "The device is busy with another command; retry.",
	[CCI_RC_INVALID_HANDLE] = "An event record handle is invalid or out of order.",
	[CCI_RC_INVALID_PADDR] = "An address range does not exist, is not assigned to "
				 "that host, or is still pending.",
	[CCI_RC_ABORTED] = "The command was aborted.",
	[CCI_RC_INVALID_PAYLOAD_LENGTH] = "The request's payload length is wrong.",
	[CCI_RC_INVALID_LOG] = "There is no such event log.",
	[CCI_RC_RESOURCES_EXHAUSTED] = "Not enough free capacity, contiguous space, extents "
				       "or tags for the request.",
	[CCI_RC_INVALID_EXTENT_LIST] = "The extent list is bad: overlapping, misaligned, out "
				       "of range, or covering capacity already assigned.",
};

const char *cci_rc_sentence(int rc)
{
	if (rc < 0 || (size_t)rc >= sizeof(sentences) / sizeof(sentences[0]) || !sentences[rc])
		return "The device answered with a return code this client does not know.";
	return sentences[rc];
}
