// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * CCI framing (fabric/proto/cci.c): a byte stream from a peer, cut into messages
 * by cci_stream as fabricd and the agent do.  Input: u16 payload limit, u8
 * chunk size - 1, u8 mode (bit 0: bytes arrive through a pipe and
 * cci_stream_fill, else cci_stream_push), then the stream.  Oracle: a
 * reference walk of the whole stream says which messages and oversized
 * headers appear at which offsets; the stream fed in chunks must hand out
 * exactly those, and keep exactly the tail that forms no message.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cci-codec.h"
#include "fuzz.h"

struct event {
	enum cci_frame kind;
	size_t off, len;
};

/* The reference: where each message starts, from the whole stream. */
static size_t expect(const uint8_t *p, size_t n, size_t limit, struct event *ev, size_t *tail)
{
	size_t off = 0, k = 0;

	while (n - off >= CCI_HDR_SIZE) {
		size_t plen = cci_msg_payload_len((const struct cci_msg *)(p + off));

		if (plen > limit) {
			ev[k++] = (struct event){ CCI_FRAME_OVERSIZE, off, CCI_HDR_SIZE };
		} else if (n - off >= CCI_HDR_SIZE + plen) {
			ev[k++] = (struct event){ CCI_FRAME_MSG, off, CCI_HDR_SIZE + plen };
		} else {
			break;
		}
		if (plen > n - off - CCI_HDR_SIZE) {
			off = n; /* the skipped payload runs past the end */
			*tail = 0;
			return k;
		}
		off += CCI_HDR_SIZE + plen;
	}
	*tail = n - off;
	return k;
}

static void feed(struct cci_stream *s, const uint8_t *p, size_t n, int pipefd[2])
{
	if (!pipefd) {
		if (cci_stream_push(s, p, n))
			fuzz_fail("cci_stream_push");
		return;
	}
	if (write(pipefd[1], p, n) != (ssize_t)n || cci_stream_fill(s, pipefd[0]) != (ssize_t)n)
		fuzz_fail("cci_stream_fill did not take the %zu bytes written", n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size, 0 };
	size_t limit = (size_t)fuzz_take(&in, 2), chunk = (size_t)fuzz_take(&in, 1) + 1;
	int pipefd[2], use_pipe = (int)fuzz_take(&in, 1) & 1;
	const uint8_t *p = data + in.off;
	size_t n = size - in.off, nev, got = 0, tail;
	struct event *ev = malloc((n / CCI_HDR_SIZE + 1) * sizeof(*ev));
	struct cci_stream s;

	if (!ev || (use_pipe && pipe2(pipefd, O_CLOEXEC | O_NONBLOCK)))
		abort();
	nev = expect(p, n, limit, ev, &tail);
	cci_stream_init(&s, limit);
	for (size_t off = 0; off < n; off += chunk) {
		const struct cci_msg *m;
		size_t len;
		enum cci_frame f;

		feed(&s, p + off, n - off < chunk ? n - off : chunk, use_pipe ? pipefd : NULL);
		while ((f = cci_stream_next(&s, &m, &len)) != CCI_FRAME_NONE) {
			if (got == nev || f != ev[got].kind || len != ev[got].len ||
			    memcmp(m, p + ev[got].off, len))
				fuzz_fail("frame %zu: kind %d, %zu bytes, not as the reference", got,
					  f, len);
			got++;
			cci_stream_consume(&s);
		}
	}
	if (got != nev || cci_stream_buffered(&s) != tail)
		fuzz_fail("%zu of %zu frames, %zu bytes left over instead of %zu", got, nev,
			  cci_stream_buffered(&s), tail);
	cci_stream_release(&s);
	if (use_pipe) {
		close(pipefd[0]);
		close(pipefd[1]);
	}
	free(ev);
	return 0;
}
