# SPDX-License-Identifier: GPL-2.0-or-later
"""A logging QMP proxy between vtdctl and a real QEMU (tests only).

    with QMPProxy(upstream_sock, path) as p:      # listens on path
        run vtdctl --qmp=path ...
    p.commands   # every JSON object a client sent, in order
    p.replies    # raw bytes QEMU sent back, per connection

Relays byte streams in both directions, connection by connection (any
number, one at a time or concurrently), and parses what the client sends
as newline-delimited JSON. on_command(proxy, obj) may be given: it runs
before a command is forwarded (fault injection: kill QEMU at the Nth xp).
"""

import json
import os
import select
import socket
import threading


class QMPProxy:
    def __init__(self, upstream, path, on_command=None):
        self.upstream = upstream
        self.path = path
        self.on_command = on_command
        self.commands = []
        self.replies = []
        self.bad_lines = []
        self._lock = threading.Lock()
        self._srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        if os.path.exists(path):
            os.unlink(path)
        self._srv.bind(path)
        self._srv.listen(8)
        self._stop = False
        self._threads = []
        self._acceptor = threading.Thread(target=self._accept_loop, daemon=True)
        self._acceptor.start()

    def _accept_loop(self):
        while not self._stop:
            try:
                conn, _ = self._srv.accept()
            except OSError:
                return
            t = threading.Thread(target=self._relay, args=(conn,), daemon=True)
            self._threads.append(t)
            t.start()

    def _client_bytes(self, buf, data):
        buf += data
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except ValueError:
                obj = None
            with self._lock:
                if obj is None:
                    self.bad_lines.append(line)
                else:
                    self.commands.append(obj)
            if obj is not None and self.on_command:
                self.on_command(self, obj)
        return buf

    def _relay(self, c):
        up = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        rec = bytearray()
        with self._lock:
            self.replies.append(rec)
        try:
            up.connect(self.upstream)
        except OSError:
            c.close()
            return
        pending = b""
        socks = [c, up]
        try:
            while socks:
                r, _, _ = select.select(socks, [], [], 1.0)
                if self._stop:
                    break
                for s in r:
                    data = s.recv(1 << 16)
                    if not data:
                        socks = []
                        break
                    if s is c:
                        pending = self._client_bytes(pending, data)
                        up.sendall(data)
                    else:
                        rec += data
                        c.sendall(data)
        except OSError:
            pass
        finally:
            up.close()
            c.close()

    def executed(self):
        """(command, arguments) of every command, in order."""
        with self._lock:
            return [(o.get("execute"), o.get("arguments")) for o in self.commands]

    def close(self):
        self._stop = True
        try:
            self._srv.close()
        except OSError:
            pass
        for t in self._threads:
            t.join(timeout=3)
        try:
            os.unlink(self.path)
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
