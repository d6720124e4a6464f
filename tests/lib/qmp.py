# SPDX-License-Identifier: GPL-2.0-or-later
"""A minimal QMP client: greeting, qmp_capabilities, execute; events are skipped.

    with QMP("/path/to/qmp.sock") as q:
        q.execute("query-status")            # -> the "return" value
        q.hmp("info mtree")                  # -> human-monitor-command output
"""

import json
import re
import socket

VTD_BASE = 0xFED90000


class QMPError(Exception):
    """QEMU answered a command with {"error": ...}."""

    def __init__(self, command, error):
        self.command = command
        self.error = error
        super().__init__("%s: %s: %s" % (command, error.get("class"), error.get("desc")))


class QMP:
    def __init__(self, path, timeout=60.0):
        self.path = path
        self.events = []
        self._buf = b""
        self._id = 0
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._sock.settimeout(timeout)
        try:
            self._sock.connect(path)
            self.greeting = self._recv()
            if "QMP" not in self.greeting:
                raise ConnectionError("no QMP greeting on %s: %r" % (path, self.greeting))
            self.version = self.greeting["QMP"].get("version", {}).get("qemu", {})
            self.execute("qmp_capabilities")
        except BaseException:
            self._sock.close()
            raise

    def _recv(self):
        while b"\n" not in self._buf:
            chunk = self._sock.recv(1 << 16)
            if not chunk:
                raise ConnectionError("QMP connection closed by QEMU")
            self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        line = line.strip()
        if not line:
            return self._recv()
        return json.loads(line)

    def execute(self, command, arguments=None, timeout=None):
        """Run one command and return its "return" value; raise QMPError on error."""
        self._id += 1
        msg = {"execute": command, "id": self._id}
        if arguments:
            msg["arguments"] = arguments
        old = self._sock.gettimeout()
        if timeout is not None:
            self._sock.settimeout(timeout)
        try:
            self._sock.sendall(json.dumps(msg).encode() + b"\n")
            while True:
                reply = self._recv()
                if "event" in reply:
                    self.events.append(reply)
                    continue
                if reply.get("id") != self._id:
                    continue
                if "error" in reply:
                    raise QMPError(command, reply["error"])
                return reply.get("return")
        finally:
            if timeout is not None:
                self._sock.settimeout(old)

    def hmp(self, command_line, timeout=None):
        """Run an HMP command through human-monitor-command; return its text."""
        return self.execute("human-monitor-command",
                            {"command-line": command_line}, timeout=timeout)

    def close(self):
        if self._sock is not None:
            self._sock.close()
            self._sock = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class MonitorReads:
    """Guest-physical memory and VT-d registers through HMP's xp, for a class
    with hmp(cmdline); bad output raises self.Error."""

    Error = RuntimeError
    _XP_LINE = re.compile(r"^([0-9a-fA-F]+):((?:\s+0x[0-9a-fA-F]+)+)\s*$")

    def xp(self, addr, count=1, chunk=512):
        """Read count qwords of guest-physical memory at addr (xp /Ngx)."""
        out = []
        while count > 0:
            n = min(count, chunk)
            words = []
            for line in self.hmp("xp /%dgx 0x%x" % (n, addr)).splitlines():
                m = self._XP_LINE.match(line.strip())
                if not m:
                    raise self.Error("unexpected xp output: %r" % line)
                words += [int(w, 16) for w in m.group(2).split()]
            if len(words) != n:
                raise self.Error("xp /%dgx 0x%x gave %d words" % (n, addr, len(words)))
            out += words
            addr += 8 * n
            count -= n
        return out

    def read_reg(self, offset, size=8):
        """Read a VT-d register (size 4 or 8) at VTD_BASE + offset."""
        unit = {4: "w", 8: "g"}[size]
        text = self.hmp("xp /1%sx 0x%x" % (unit, VTD_BASE + offset))
        return int(text.split(":", 1)[1].split()[0], 16)
