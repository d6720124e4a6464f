# SPDX-License-Identifier: GPL-2.0-or-later
"""--pause and --consistent against a real QEMU running a real Linux guest.
A relaying proxy between vtdctl and QEMU logs every command (and can slow
the replies down, to hit vtdctl with a signal while the VM is stopped)."""

import atexit
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

from guest import shared_guest
from vtdctl import binary, run

TMP = tempfile.mkdtemp(prefix="vtdctl-pause-")
atexit.register(shutil.rmtree, TMP, ignore_errors=True)


class Proxy:
    """Relays one client to QEMU's QMP socket line by line, logging each
    command name; after "stop" each reply is held back `delay` seconds."""

    def __init__(self, upstream, delay=0.0):
        Proxy.n = getattr(Proxy, "n", 0) + 1
        self.path = os.path.join(TMP, "proxy%d.sock" % Proxy.n)
        self.log = []
        self.delay = delay
        self.srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.srv.bind(self.path)
        self.srv.listen(1)
        self.upstream = upstream
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        import json
        c, _ = self.srv.accept()
        up = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        up.connect(self.upstream)
        uf, cf = up.makefile("rb"), c.makefile("rb")
        try:
            c.sendall(uf.readline())
            stopped = False
            while True:
                line = cf.readline()
                if not line:
                    break
                cmd = json.loads(line).get("execute")
                self.log.append(cmd)
                stopped = stopped or cmd == "stop"
                up.sendall(line)
                while True:
                    rep = uf.readline()
                    if b'"return"' in rep or b'"error"' in rep:
                        break
                    c.sendall(rep)          # events
                if stopped and cmd != "cont":
                    time.sleep(self.delay)
                c.sendall(rep)
        except OSError:
            pass
        finally:
            c.close()
            up.close()
            self.srv.close()


def running(g):
    return g.execute("query-status")["running"]


def test_pause_stops_and_resumes():
    g = shared_guest("scalable")
    assert running(g)
    p = Proxy(g.qmp_path)
    r = run("--qmp=" + p.path, "--pause", "-j", "dump")
    p.thread.join(5)
    assert "stop" in p.log and "cont" in p.log, p.log
    assert p.log.index("stop") < p.log.index("cont")
    assert p.log.index("cont") > max(i for i, c in enumerate(p.log)
                                     if c == "human-monitor-command" and i < p.log.index("cont"))
    assert running(g)
    assert '"devices"' in r.stdout


def wait_for(pred, secs=10):
    deadline = time.time() + secs
    while not pred() and time.time() < deadline:
        time.sleep(0.02)
    return pred()


def test_pause_resumes_on_sigint():
    """SIGINT while the VM is stopped: the VM still runs again afterwards."""
    g = shared_guest("scalable")
    p = Proxy(g.qmp_path, delay=0.1)
    # SIGINT as a terminal gives it: a runner started in the background
    # (no job control) hands its children SIGINT ignored
    proc = subprocess.Popen([binary(), "--qmp=" + p.path, "--pause",
                             "--no-proc-mem", "dump"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        # The proxy logs "stop" before QEMU has it: wait for QEMU to say so.
        assert wait_for(lambda: "stop" in p.log), p.log
        assert wait_for(lambda: not running(g)), "VM not stopped through vtdctl"
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:         # never leave it to "cont" a later test's VM
            proc.kill()
            proc.wait()
            g.execute("cont")
        p.thread.join(5)
    assert proc.returncode == -signal.SIGINT, proc.returncode
    assert "cont" in p.log, p.log
    assert running(g)


def test_pause_leaves_a_stopped_vm_stopped():
    g = shared_guest("scalable")
    g.execute("stop")
    try:
        p = Proxy(g.qmp_path)
        run("--qmp=" + p.path, "--pause", "dump")
        p.thread.join(5)
        assert "stop" not in p.log and "cont" not in p.log, p.log
        assert not running(g)
    finally:
        g.execute("cont")


def test_no_run_control_without_pause():
    g = shared_guest("scalable")
    p = Proxy(g.qmp_path)
    run("--qmp=" + p.path, "--consistent", "dump")
    p.thread.join(5)
    assert "stop" not in p.log and "cont" not in p.log, p.log


def test_consistent_matches_plain_walk_on_a_quiet_guest():
    g = shared_guest("scalable")
    a = run("--qmp=" + g.qmp_path, "-j", "dump").stdout
    b = run("--qmp=" + g.qmp_path, "-j", "--consistent", "dump").stdout
    assert a == b
    assert "torn_read" not in b
