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


class RewriteProxy:
    def __init__(self, upstream, path, rewrite=None, on_command=None):
        self.upstream, self.path = upstream, path
        self.rewrite, self.on_command = rewrite, on_command
        self.log = []
        if os.path.exists(path):
            os.unlink(path)
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
            threading.Thread(target=self._relay, args=(c,), daemon=True).start()

    def _relay(self, c):
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
