#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# fm-proxy.py LISTEN REAL OPCODE [SECONDS]: relays CCI messages between
# clients on the Unix socket LISTEN and the fabric's FM API at REAL, but for
# OPCODE (hex) it delivers the request and then closes the client's
# connection without the answer: a command whose answer was lost on the
# way.  With SECONDS it holds that answer back so long instead: a fabric
# slow to answer.  Serves until killed; one client at a time, as tagdax
# fabric is.
import os, socket, sys, time

listen, real, op = sys.argv[1], sys.argv[2], int(sys.argv[3], 16)
delay = float(sys.argv[4]) if len(sys.argv) > 4 else None


def read_msg(s):
    head = b""
    while len(head) < 12:
        chunk = s.recv(12 - len(head))
        if not chunk:
            return None
        head += chunk
    length = head[5] | head[6] << 8 | (head[7] & 0x1F) << 16
    body = b""
    while len(body) < length:
        chunk = s.recv(length - len(body))
        if not chunk:
            return None
        body += chunk
    return head + body


srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
if os.path.exists(listen):
    os.unlink(listen)
srv.bind(listen)
srv.listen(8)
while True:
    client, _ = srv.accept()
    upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    upstream.connect(real)
    while True:
        req = read_msg(client)
        if req is None:
            break
        upstream.sendall(req)
        rsp = read_msg(upstream)
        if rsp is None:
            break
        if req[3] | req[4] << 8 == op:
            if delay is None:
                break  # the answer is lost
            time.sleep(delay)
        try:
            client.sendall(rsp)
        except OSError:
            break
    client.close()
    upstream.close()
