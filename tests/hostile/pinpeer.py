#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A fake QEMU monitor (no QEMU) for the /proc/PID/mem pinning tests: a
consistent liar, whose gpa2hva names a buffer of its own heap that holds
exactly what its xp answers (a legacy root table at 0x1000, 00:03.0 present),
so that only the checks of who the peer is can tell it from QEMU.

    pinpeer.py MODE SOCKET REGS_JSON

REGS_JSON: {"0x20": "0x1000", ...} the IOMMU registers. MODE:
  self       the process that listens serves the client
  fork       it forks after listen(); the child serves, the parent (the pid
             SO_PEERCRED names) keeps running without the socket
  fork-exit  the same, and the parent exits (the pid SO_PEERCRED names is
             free for reuse)
  exec       it serves the greeting, then on the first command runs this
             program anew (exec, same pid) to serve the rest
Prints "ready PID" (the listener's pid) once clients may connect; the
listener (self, fork) runs until stdin closes.
"""

import ctypes
import json
import os
import socket
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qmpfake  # noqa: E402

SIZE = 1 << 20
DEV3 = 0x18
GREETING = (b'{"QMP": {"version": {"qemu": {"major": 7, "minor": 2, "micro": 0},'
            b' "package": "fake"}, "capabilities": []}}\r\n')


def heap_ram():
    """(buffer, ram(gpa) -> qword, hva(gpa)): guest RAM in this heap."""
    heap = ctypes.create_string_buffer(SIZE)
    base = ctypes.addressof(heap)
    page = bytearray(8192)                      # root table, context table
    struct.pack_into("<QQ", page, 0, 0x2000 | 1, 0)
    struct.pack_into("<QQ", page, 4096 + 16 * DEV3, 0x3000 | 1, 1 << 8 | 1)
    ctypes.memmove(base + 0x1000, bytes(page), len(page))
    return (heap, lambda a: ctypes.c_uint64.from_address(base + a).value,
            lambda gpa: base + gpa)


class Peer(qmpfake.FakeQemu):
    """FakeQemu's answers over a socket made elsewhere."""

    def __init__(self, regs):
        self.heap, self.ram, self.hva = heap_ram()
        self.regs, self.ram_size, self.log = regs, SIZE, []

    def answer(self, c, line):
        cmd = json.loads(line)
        name = cmd.get("execute")
        if name == "human-monitor-command":
            ret = self._hmp(cmd["arguments"]["command-line"])
        elif name == "qmp_capabilities":
            ret = {}
        else:
            c.sendall(json.dumps({"error": {"class": "CommandNotFound", "desc": "fake"},
                                  "id": cmd.get("id")}).encode() + b"\r\n")
            return
        c.sendall(json.dumps({"return": ret, "id": cmd.get("id")}).encode() + b"\r\n")

    def serve(self, c, greet=True, first=None):
        try:
            if greet:
                c.sendall(GREETING)
            if first:
                self.answer(c, first)
            for line in c.makefile("rb"):
                self.answer(c, line)
        except (OSError, ValueError):
            pass
        finally:
            c.close()


def listen(path):
    if os.path.exists(path):
        os.unlink(path)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    return srv


def main():
    mode = sys.argv[1]
    if mode == "served-fd":             # exec'd by "exec": the rest of a session
        fd, first = int(sys.argv[2]), sys.argv[4].encode()
        regs = {int(k, 16): int(v, 16) for k, v in json.loads(sys.argv[3]).items()}
        Peer(regs).serve(socket.socket(fileno=fd), greet=False, first=first)
        return
    path, regs_text = sys.argv[2], open(sys.argv[3]).read()
    regs = {int(k, 16): int(v, 16) for k, v in json.loads(regs_text).items()}
    peer = Peer(regs)                   # the heap exists before any fork
    srv = listen(path)
    if mode in ("fork", "fork-exit"):
        child = os.fork()
        if child == 0:
            c, _ = srv.accept()
            srv.close()
            peer.serve(c)
            os._exit(0)
        srv.close()
        print("ready %d" % os.getpid(), flush=True)
        if mode == "fork":
            sys.stdin.read()
        return
    print("ready %d" % os.getpid(), flush=True)
    c, _ = srv.accept()
    if mode == "self":
        peer.serve(c)
        sys.stdin.read()
        return
    c.sendall(GREETING)                 # exec: the greeting, then another program
    line = c.makefile("rb").readline()
    os.set_inheritable(c.fileno(), True)
    os.execv(sys.executable, [sys.executable, os.path.abspath(__file__), "served-fd",
                              str(c.fileno()), regs_text, line.decode()])


if __name__ == "__main__":
    main()
