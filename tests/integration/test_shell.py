# SPDX-License-Identifier: GPL-2.0-or-later
"""`vtdctl shell` through a real pseudo-terminal and `vtdctl batch`, against
the real Linux guest (QEMU 7.2, scalable mode). The devices and PASIDs a
completion must offer come from the independent reader (tests/lib/xpwalk.py),
not from vtdctl; a shell's HOME is a temporary directory, so history starts
empty and is read back from the file."""

import json
import os
import fcntl
import pty
import re
import select
import shutil
import signal
import struct
import subprocess
import tempfile
import termios
import time

import xpwalk
from guest import shared_guest
from vtdctl import binary, run

PROMPT = "vtdctl> "
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[=>]|\r|\x07")
_ref = {}


def guest():
    return shared_guest("scalable")


def reference():
    """The guest's devices and PASIDs as the independent reader sees them."""
    if "ref" not in _ref:
        _ref["ref"] = xpwalk.walk_guest(guest())
    return _ref["ref"]


class Pty:
    """A program on a pseudo-terminal; expect() reads until a regex matches.
    (test_docs.py drives bash with it too.)"""

    def __init__(self, argv, env, prompt):
        self.prompt = prompt
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            try:
                # wide enough that no line wraps (a wrap redraws it)
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 400, 0, 0))
                os.execve(argv[0], argv, env)
            finally:
                os._exit(127)
        self.out = ""

    def read(self, timeout):
        r, _, _ = select.select([self.fd], [], [], timeout)
        if not r:
            return False
        try:
            data = os.read(self.fd, 65536)
        except OSError:             # EIO: the child closed the terminal
            return None
        if not data:
            return None
        self.out += ANSI.sub("", data.decode("utf-8", "replace"))
        return True

    def expect(self, pattern, timeout=60):
        """Wait for pattern in the output since the last expect(); return the match."""
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern)
        while True:
            m = rx.search(self.out)
            if m:
                seen, self.out = self.out[:m.end()], self.out[m.end():]
                return m, seen
            left = deadline - time.monotonic()
            if left <= 0 or self.read(left) is None:
                raise AssertionError("no %r in the shell's output:\n%s" % (pattern, self.out))

    def send(self, s):
        os.write(self.fd, s.encode())

    def line(self, s, timeout=120):
        """Type a line, return what it printed up to the next prompt."""
        self.send(s + "\r")
        if s:
            self.expect(re.escape(s) + "\n", timeout)     # the echo, after any redraw
        return self.expect(re.escape(self.prompt), timeout)[1]

    def wait(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                os.close(self.fd)
                return os.waitstatus_to_exitcode(status)
            self.read(0.1)
        self.kill()
        raise AssertionError("the shell did not exit:\n" + self.out)

    def kill(self):
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except OSError:
            pass


def quiet_inputrc(home):
    """An inputrc with no bracketed paste (no escapes around typed text)."""
    path = os.path.join(home, "inputrc")
    with open(path, "w") as f:
        f.write("set enable-bracketed-paste off\nset bell-style none\n")
    return path


class Shell(Pty):
    """vtdctl ARGS shell, with HOME (and so the history) in home."""

    def __init__(self, home, *args):
        # no pager: these tests read the output as it comes (test_terminal.py
        # has the pager's)
        env = dict(os.environ, HOME=home, TERM="xterm", INPUTRC=quiet_inputrc(home),
                   VTDCTL_PAGER="cat")
        super().__init__([binary()] + list(args) + ["shell"], env, PROMPT)


def with_shell(fn):
    """Run fn(shell, home) with a shell on the guest; always reap it."""
    g = guest()
    home = tempfile.mkdtemp(prefix="vtdctl-shell-")
    sh = Shell(home, "--qmp=" + g.qmp_path)
    try:
        sh.expect(re.escape(PROMPT))
        fn(sh, home)
    finally:
        sh.kill()
        shutil.rmtree(home, ignore_errors=True)


def test_shell_completes_bdf_and_pasid():
    devs = reference()["devices"]
    on_bus1 = [d["bdf"] for d in devs if d["bdf"].startswith("01:")]
    assert on_bus1 == ["01:00.0"], on_bus1
    low = sorted(d["bdf"] for d in devs if d["bdf"].startswith("00:0"))
    assert len(low) >= 2, low
    pasids = [p["pasid"] for d in devs if d["bdf"] == "01:00.0" for p in d["pasids"]]
    assert pasids == [0], pasids        # Linux 6.1 programs RID_PASID only

    def check(sh, home):
        # a unique BDF completes in place; the line then runs on that device
        sh.send("dump -s 01:\t")
        sh.expect(r"dump -s 01:00\.0 ")
        out = sh.line("")
        assert "01:00.0" in out and "00:03.0" not in out, out
        # several: the second Tab lists them all, from the target
        sh.send("dump -s 00:0\t\t")
        _, listing = sh.expect(re.escape(PROMPT) + r"dump -s 00:0")
        shown = sorted(set(re.findall(r"\b00:0[0-9a-f]\.[0-7]\b", listing)))
        assert shown == low, "listed %s, the tables hold %s" % (shown, low)
        sh.send("\x15")                 # Ctrl-U: clear the line
        # PASIDs of the device named on the line; options; commands
        sh.send("dump -s 01:00.0 --pasid=\t")
        sh.expect(r"--pasid=0 ")
        sh.send("\x15xl\t")
        sh.expect(r"xlate ")
        sh.send("\x15dump --pre\t")
        sh.expect(r"dump --pretty ")
        sh.send("\x15")
        assert "vtdctl 0." in sh.line("version")

    with_shell(check)


def test_shell_error_does_not_leave():
    def check(sh, home):
        out = sh.line("bogus")
        assert "unknown command 'bogus'" in out, out
        out = sh.line('dump -s "00:03.0')
        assert "unterminated quote" in out, out
        out = sh.line("dump -s 99:99.9")
        assert "invalid slot number" in out, out
        out = sh.line("shell")
        assert "already in a shell" in out, out
        out = sh.line("dump -s 00:03.0")
        assert "00:03.0" in out, out
        sh.send("\x04")                 # Ctrl-D on an empty line
        assert sh.wait() == 0

    with_shell(check)


def test_shell_options_do_not_leak_between_lines():
    def check(sh, home):
        out = sh.line("dump -j -s 01:00.0")
        doc = json.loads(out[out.index("{"):out.rindex("}") + 1])
        assert [d["bdf"] for d in doc["devices"]] == ["01:00.0"]
        out = sh.line("dump")
        assert "{" not in out and "01:00.0" in out and "00:03.0" in out, out
        sh.send("quit\r")
        assert sh.wait() == 0

    with_shell(check)


def test_shell_history_across_restarts():
    g = guest()
    home = tempfile.mkdtemp(prefix="vtdctl-shell-")
    try:
        sh = Shell(home, "--qmp=" + g.qmp_path)
        sh.expect(re.escape(PROMPT))
        for line in ("version", "help dump", "version"):
            sh.line(line)
        sh.send("\x04")
        assert sh.wait() == 0
        with open(os.path.join(home, ".vtdctl_history")) as f:
            saved = [l for l in f.read().splitlines() if not l.startswith("#")]
        assert saved == ["help dump", "version"], saved     # duplicates dropped
        # a new shell starts with that history: Up Up is "help dump"
        sh = Shell(home, "--qmp=" + g.qmp_path)
        sh.expect(re.escape(PROMPT))
        sh.send("\x1b[A\x1b[A\r")
        _, out = sh.expect(re.escape(PROMPT))
        assert "Usage: vtdctl [TARGET] [OPTIONS] dump" in out, out
        sh.send("\x04")
        assert sh.wait() == 0
    finally:
        shutil.rmtree(home, ignore_errors=True)


def batch(args, stdin=None):
    g = guest()
    r = subprocess.run([binary(), "--qmp=" + g.qmp_path, "batch"] + args, input=stdin,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=300)
    return r


def test_batch_file_and_stdin():
    want = [d["bdf"] for d in reference()["devices"] if d["bdf"] == "00:03.0"]
    assert want, "the guest has no 00:03.0"
    lines = ("# a comment, then a blank line\n\n"
             "dump -j -s 00:03.0   # one device, JSON\n"
             "dump --json \\\n  --slot=01:00.0\n"
             "version\n")
    with tempfile.NamedTemporaryFile("w", suffix=".vtd") as f:
        f.write(lines)
        f.flush()
        by_file = batch([f.name])
    by_stdin = batch(["-"], stdin=lines)
    for r in (by_file, by_stdin):
        assert r.returncode == 0, r.stderr
        out = r.stdout.splitlines()
        assert [d["bdf"] for d in json.loads(out[0])["devices"]] == ["00:03.0"]
        assert [d["bdf"] for d in json.loads(out[1])["devices"]] == ["01:00.0"]
        assert out[2].startswith("vtdctl "), out      # -j did not leak
    # the shell reads piped lines the same way
    g = guest()
    r = subprocess.run([binary(), "--qmp=" + g.qmp_path, "shell"], input=lines,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=300)
    assert r.returncode == 0 and r.stdout == by_file.stdout, r.stderr


def test_batch_mixes_commands_on_one_connection():
    """A host-state command then others on the same QMP socket (which takes
    one client at a time): one connection serves them all, no wait."""
    t0 = time.monotonic()
    r = batch(["-"], stdin="dump\nregs\nfaults\ndump -j\niq\n")
    took = time.monotonic() - t0
    assert r.returncode in (0, 2), r.stderr
    assert "no QMP greeting" not in r.stderr, r.stderr
    # a second connection would wait out the 10 s QMP timeout
    assert took < 8, "batch took %.1f s (a second connection waited?)" % took
    assert r.stdout.count("registers at 0x") == 1 and '"devices"' in r.stdout


def test_batch_stops_at_the_first_failing_line():
    r = batch(["-"], stdin="version\nxlate\nversion\n")
    assert r.returncode == 1
    assert r.stdout.count("vtdctl ") == 1, r.stdout     # the third line did not run
    assert "stdin:2: stopped at this line" in r.stderr, r.stderr
    r = batch(["-"], stdin='dump -s "00:03.0\n')
    assert r.returncode == 1 and "stdin:1: unterminated quote" in r.stderr, r.stderr
    r = run("batch", "/nonexistent/lines", check=False)
    assert r.returncode == 1 and "No such file" in r.stderr


def test_batch_nested_in_itself_stops():
    with tempfile.NamedTemporaryFile("w", suffix=".vtd") as f:
        f.write("batch %s\n" % f.name)
        f.flush()
        r = run("batch", f.name, check=False, timeout=60)
    assert r.returncode == 1 and "nested more than" in r.stderr, r.stderr
