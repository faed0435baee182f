#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# A stand-in for systemd's notification socket: binds the datagram socket
# PATH and appends every message it receives to OUT (one state per line),
# until killed.  Prints "listening" once bound.
import os
import socket
import sys

path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
print("listening", flush=True)
while True:
    msg = s.recv(4096).decode()
    with open(out, "a") as f:
        f.write(msg.rstrip("\n") + "\n")
        f.flush()
        os.fsync(f.fileno())
