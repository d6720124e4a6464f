#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Hostile QMP peers for tests (python stdlib only).

    with RewriteProxy(qemu_qmp_sock, path, rewrite=f, on_command=g) as p:
        run vtdctl --qmp=path ...
    p.log            # command names the client sent, in order

RewriteProxy relays clients to a real QEMU line by line. rewrite(cmd, reply)
may replace the reply to one command (cmd and reply are the parsed JSON
objects; return the new reply object, or bytes to send as they are);
on_command(proxy, cmd) runs before a command goes to QEMU and may return
"close" to drop the client's connection there (a peer that breaks
mid-walk) or "swallow" to send nothing back (a peer that stops answering).

serve_bytes(path, data) is a fake server (no QEMU): it sends data to one
client, then reads until the client goes.
"""

import json
import os
import socket
import threading


class _UnixServer:
    """A listening UNIX socket at path; each client goes to self._serve(c)
    on a thread of its own. Closing stops accepting."""

    def _listen(self, path):
        if os.path.exists(path):
            os.unlink(path)
        self.path = path
        self.srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.srv.bind(path)
        self.srv.listen(4)
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        try:
            self.srv.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.srv.close()

    def _accept(self):
        while True:
            try:
                c, _ = self.srv.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(c,), daemon=True).start()


class RewriteProxy(_UnixServer):
    def __init__(self, upstream, path, rewrite=None, on_command=None):
        self.upstream = upstream
        self.rewrite, self.on_command = rewrite, on_command
        self.log = []
        self._listen(path)

    def _serve(self, c):
        up = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            up.connect(self.upstream)
            uf, cf = up.makefile("rb"), c.makefile("rb")
            c.sendall(uf.readline())
            while True:
                line = cf.readline()
                if not line:
                    return
                cmd = json.loads(line)
                self.log.append(cmd.get("execute"))
                what = self.on_command(self, cmd) if self.on_command else None
                if what == "close":
                    return
                up.sendall(line)
                while True:
                    rep = uf.readline()
                    if not rep:
                        return
                    if b'"return"' in rep or b'"error"' in rep:
                        break
                    c.sendall(rep)          # events
                if what == "swallow":
                    continue
                if self.rewrite:
                    new = self.rewrite(cmd, json.loads(rep))
                    if isinstance(new, bytes):
                        rep = new
                    elif new is not None:
                        rep = json.dumps(new).encode() + b"\r\n"
                c.sendall(rep)
        except (OSError, ValueError):
            pass
        finally:
            c.close()
            up.close()


def serve_bytes(path, data):
    """A fake server for one client: sends data, then reads until EOF.
    Returns the thread."""
    if os.path.exists(path):
        os.unlink(path)
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)

    def loop():
        c, _ = srv.accept()
        try:
            c.sendall(data)
            while c.recv(65536):
                pass
        except OSError:
            pass
        finally:
            c.close()
            srv.close()

    t = threading.Thread(target=loop, daemon=True)
    t.start()
    return t


class FakeQemu(_UnixServer):
    """A fake QEMU monitor (no QEMU): enough QMP for a walk over xp and
    gpa2hva. regs: {offset: qword} of the IOMMU registers at 0xfed90000;
    ram(gpa) -> the qword xp reads there (RAM is [0, ram_size)); hva(gpa) ->
    the host address gpa2hva names. Every other monitor command gets an
    empty answer. One client at a time, any number of them."""

    MMIO = 0xfed90000

    def __init__(self, path, regs, ram, ram_size, hva):
        self.regs, self.ram, self.ram_size, self.hva = regs, ram, ram_size, hva
        self.log = []
        self._listen(path)

    def _qword(self, a):
        if self.MMIO <= a < self.MMIO + 0x1000:
            return self.regs.get(a - self.MMIO, 0)
        if a + 8 <= self.ram_size:
            return self.ram(a)
        return None

    def _xp(self, line):
        fmt, addr = line.split()[1:3]
        n, width = int(fmt[1:-2]), 64 if fmt[-2] == "g" else 32
        addr = int(addr, 16)
        step, out = width // 8, []
        for i in range(n):
            a = addr + i * step
            q = self._qword(a & ~7)
            if q is None:
                return "%016x: Cannot access memory\r\n" % a
            v = q if width == 64 else (q >> (8 * (a & 4))) & 0xffffffff
            if i % (16 // step) == 0:
                out.append("%016x:" % a)
            out[-1] += " 0x%0*x" % (width // 4, v)
        return "\r\n".join(out) + "\r\n"

    def _hmp(self, line):
        if line.startswith("xp "):
            return self._xp(line)
        if line.startswith("gpa2hva "):
            gpa = int(line.split()[1], 16)
            return "Host virtual address for 0x%x (pc.ram) is 0x%x\r\n" % (gpa, self.hva(gpa))
        if line == "info mtree -f -o":
            return ('FlatView #0\r\n AS "memory", root: system\r\n Root memory region: system\r\n'
                    '  0000000000000000-%016x (prio 0, ram): pc.ram owner:{obj path=/objects/pc.ram}\r\n'
                    '  00000000fed90000-00000000fed90fff (prio 0, i/o): intel_iommu\r\n'
                    % (self.ram_size - 1))
        return ""

    def _serve(self, c):
        f = c.makefile("rb")
        try:
            c.sendall(b'{"QMP": {"version": {"qemu": {"major": 7, "minor": 2, "micro": 0},'
                      b' "package": "fake"}, "capabilities": []}}\r\n')
            for line in f:
                cmd = json.loads(line)
                name = cmd.get("execute")
                self.log.append(name)
                if name == "human-monitor-command":
                    ret = self._hmp(cmd["arguments"]["command-line"])
                elif name in ("qmp_capabilities", "query-status"):
                    ret = {"running": True, "status": "running"} if name == "query-status" else {}
                else:
                    c.sendall(json.dumps({"error": {"class": "CommandNotFound", "desc": "fake"},
                                          "id": cmd.get("id")}).encode() + b"\r\n")
                    continue
                c.sendall(json.dumps({"return": ret, "id": cmd.get("id")}).encode() + b"\r\n")
        except (OSError, ValueError):
            pass
        finally:
            c.close()
