# SPDX-License-Identifier: GPL-2.0-or-later
"""vtdguest's serial port seen from the host, for the test guest on a QEMU of
its own (tests/guest/vtdguest/boot.py) and for L2 in the nested cell
(tests/lib/nested.py): a reader thread keeps all the guest printed;
expect() waits for a pattern in the output not yet consumed; send() runs one
scenario line and waits for the guest's OK or ERR."""

import re
import threading
import time


class VtdSerial:
    def __init__(self, sock, error=RuntimeError, who="", alive=None, describe=None):
        """sock: the connected socket. error: the exception raised on a
        timeout or an ERR; who: a prefix for its messages; alive(): False
        when the guest is gone; describe(): the context a timeout prints
        (default: the last 3000 characters the guest printed)."""
        self.sock = sock
        self._error = error
        self._who = who
        self._alive = alive or (lambda: True)
        self._describe = describe or (lambda: self.text()[-3000:])
        self._buf = b""
        self._pos = 0            # expect()/send() consume output from here
        self._closed = False
        self._cv = threading.Condition()
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()

    def _read_loop(self):
        while True:
            try:
                data = self.sock.recv(65536)
            except OSError:
                data = b""
            with self._cv:
                if not data:
                    self._closed = True
                    self._cv.notify_all()
                    return
                self._buf += data
                self._cv.notify_all()

    def text(self):
        """Everything the guest printed so far."""
        with self._cv:
            return self._buf.decode("utf-8", "replace")

    def expect(self, pattern, timeout=30.0):
        """Wait for a regex (multiline) in the output not yet consumed; consume
        through the match and return the match object. Output may arrive in
        pieces: end a pattern with \\n rather than $ to match whole lines."""
        rx = re.compile(pattern, re.M)
        end = time.monotonic() + timeout
        with self._cv:
            while True:
                text = self._buf.decode("utf-8", "replace")
                m = rx.search(text, self._pos)
                if m:
                    self._pos = m.end()
                    return m
                left = end - time.monotonic()
                if left <= 0 or self._closed or not self._alive():
                    raise self._error("%sno %r on the serial port after %.0f s\n%s"
                                      % (self._who, pattern, timeout, self._describe()))
                self._cv.wait(min(left, 0.5))

    def send(self, line, check=True, timeout=30.0):
        """Send one scenario line; wait for OK or ERR. Returns the lines the
        guest printed before it (OK) or raises (ERR, when check); with
        check=False returns (ok, lines, err_message)."""
        if "\n" in line:
            raise ValueError("one line at a time")
        with self._cv:
            self._pos = len(self._buf.decode("utf-8", "replace"))
        self.sock.sendall(line.encode() + b"\n")
        start = self._pos
        m = self.expect(r"^(OK|ERR ([^\r\n]*))\r?\n", timeout=timeout)
        out = [l.rstrip("\r") for l in self.text()[start:m.start()].splitlines() if l.strip()]
        ok = m.group(1) == "OK"
        if check:
            if not ok:
                raise self._error("%s%r: ERR %s" % (self._who, line, m.group(2)))
            return out
        return ok, out, None if ok else m.group(2)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
