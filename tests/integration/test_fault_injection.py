# SPDX-License-Identifier: GPL-2.0-or-later
"""Fault injection: the peer or the disk fails in the middle of a run. Each
case gives one clear error line on stderr and exit 1, promptly (never a
hang, a crash or a partial file). Peers that are not a real QEMU say so in
their name (fake_server); tests/integration/test_bad_input.py covers the
failures at connect time and a proxy that hangs up."""

import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

from vtdctl import binary, run

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path[:0] = [os.path.join(REPO, "tests", "hostile"),
                os.path.join(REPO, "tests", "guest", "vtdguest")]
import mkcore  # noqa: E402
from qmpproxy import QMPProxy  # noqa: E402

TMP = tempfile.mkdtemp(prefix="vtdctl-fault-")
BOUND = 8.0     # wall seconds: below the 10 s default timeout a hang would wait out


def one_line_error(r, secs, *words, bound=BOUND):
    assert r.returncode == 1, "exit %d, stderr: %r" % (r.returncode, r.stderr[-2000:])
    lines = r.stderr.splitlines()
    assert len(lines) == 1, "want one error line, got %r" % r.stderr[-2000:]
    assert lines[0].startswith("vtdctl: "), lines[0]
    for w in words:
        assert w in lines[0], "%r not in %r" % (w, lines[0])
    assert secs < bound, "took %.1f s (bound %.1f s)" % (secs, bound)
    print("  %.3f s: %s" % (secs, lines[0]))
    return lines[0]


def vtd(*args, timeout=60, **kw):
    t0 = time.monotonic()
    r = subprocess.run([binary()] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=timeout, **kw)
    return r, time.monotonic() - t0


def need_qemu():
    if shutil.which(os.environ.get("QEMU") or "qemu-system-x86_64") is None:
        raise unittest.SkipTest("no QEMU")


# --- QEMU killed mid-walk --------------------------------------------------------

KILL_AT = 4     # registers, root table, context table, then mid-directory


def test_qemu_killed_mid_walk_real_qemu():
    """kill -9 of a real QEMU just before vtdctl's 4th xp of a PDTS=7 walk
    reaches it (a proxy counts the commands, so the moment is the same on
    every run)."""
    need_qemu()
    import boot
    scn = os.path.join(REPO, "tests", "hostile", "hostile-pdts7-one-table.scn")
    g = boot.VtdGuest(scn).start()
    try:
        seen = {"xp": 0}

        def on_command(proxy, obj):
            line = (obj.get("arguments") or {}).get("command-line", "")
            if line.startswith("xp "):
                seen["xp"] += 1
                if seen["xp"] == KILL_AT:
                    g.proc.send_signal(signal.SIGKILL)
                    g.proc.wait()

        path = os.path.join(TMP, "kill.sock")
        with QMPProxy(g.qmp_path, path, on_command=on_command):
            r, secs = vtd("--qmp=" + path, "--no-proc-mem", "dump")
        assert seen["xp"] >= KILL_AT, "the walk ended after %d xp" % seen["xp"]
        one_line_error(r, secs, "QMP")
    finally:
        g.stop()


# --- fake QMP servers ------------------------------------------------------------

GREETING = b'{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": ""}, "capabilities": []}}\r\n'


def fake_server(path, script):
    """A fake QEMU: sends the greeting, then for each line vtdctl sends calls
    script(n, request_obj) -> bytes to send (None: stall, stop reading)."""
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    done = threading.Event()

    def loop():
        conn, _ = srv.accept()
        f = conn.makefile("rb")
        try:
            conn.sendall(GREETING)
            n = 0
            while True:
                line = f.readline()
                if not line:
                    break
                n += 1
                out = script(n, json.loads(line))
                if out is None:
                    done.wait(30)
                    break
                conn.sendall(out)
        except OSError:
            pass
        finally:
            conn.close()
            srv.close()

    threading.Thread(target=loop, daemon=True).start()
    return done


def reply(req, value):
    return json.dumps({"return": value, "id": req.get("id")}).encode() + b"\r\n"


def test_stalls_mid_session_fake_server():
    path = os.path.join(TMP, "stall.sock")
    done = fake_server(path, lambda n, req: reply(req, {}) if n == 1 else None)
    try:
        r, secs = vtd("--qmp=" + path, "--timeout=500", "dump")
    finally:
        done.set()
    one_line_error(r, secs, "500 ms")


def test_garbage_reply_fake_server():
    path = os.path.join(TMP, "garbage.sock")
    fake_server(path, lambda n, req: reply(req, {}) if n == 1
                else b'{"return": "\x00\xff\xfe garbage' + os.urandom(4096) + b"\r\n")
    r, secs = vtd("--qmp=" + path, "--timeout=2000", "dump")
    one_line_error(r, secs)


def test_wrong_id_fake_server():
    path = os.path.join(TMP, "wrongid.sock")
    fake_server(path, lambda n, req: reply({"id": "someone-else"}, {}))
    r, secs = vtd("--qmp=" + path, "--timeout=2000", "dump")
    one_line_error(r, secs, "id")


def test_100mb_reply_fake_server():
    """A 100 MB reply to `info mtree`: refused past the reply cap, without
    reading (or keeping) all of it."""
    big = b'{"return": "' + b"x" * (100 << 20) + b'", "id": "%s"}\r\n'

    def script(n, req):
        if n == 1:
            return reply(req, {})
        return big.replace(b"%s", req["id"].encode())

    path = os.path.join(TMP, "big.sock")
    fake_server(path, script)
    t0 = time.monotonic()
    p = subprocess.Popen([binary(), "--qmp=" + path, "--timeout=20000", "dump"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = p.communicate(timeout=60)
    secs = time.monotonic() - t0
    r = subprocess.CompletedProcess(p.args, p.returncode, out, err)
    # wall time, with the Python server's 100 MB under ASan on a loaded
    # machine: what matters is that it ends before its 20 s --timeout
    one_line_error(r, secs, "larger than", bound=15.0)


# --- cores -------------------------------------------------------------------------

def synthetic_core():
    mem, rt = mkcore.case_pdts7_one_table()
    path = os.path.join(TMP, "whole.core")
    mkcore.write_core(path, mem)
    return path, rt


def test_core_truncated_mid_segment_synthetic():
    path, rt = synthetic_core()
    size = os.path.getsize(path)
    for cut in (size - 1, size - 4096 - 17, 0x1000 + (9 << 20), 4096 + 1, 100, 64):
        short = os.path.join(TMP, "cut%d.core" % cut)
        with open(path, "rb") as src, open(short, "wb") as dst:
            dst.write(src.read(cut))
        r, secs = vtd("--core=" + short, "--rtaddr=0x%x" % rt, "dump")
        one_line_error(r, secs, "truncated")
        os.unlink(short)


# --- a full disk -----------------------------------------------------------------------

def _no_big_files():
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)    # write() then fails with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))


def test_snapshot_disk_full_leaves_no_file():
    need_qemu()
    r = run("help", "snapshot", check=False)
    if "snapshot" not in r.stdout:
        raise unittest.SkipTest("no snapshot command")
    import boot
    with boot.VtdGuest(boot.scenario_path("scalable-basic")) as g:
        d = tempfile.mkdtemp(dir=TMP)
        out = os.path.join(d, "full.snap")
        r, secs = vtd("--qmp=" + g.qmp_path, "snapshot", "-o", out, preexec_fn=_no_big_files)
        one_line_error(r, secs, "full.snap")
        assert os.listdir(d) == [], "left behind: %s" % os.listdir(d)
        # the same without the limit works (the test can tell)
        r, _ = vtd("--qmp=" + g.qmp_path, "snapshot", "-o", out)
        assert r.returncode == 0 and os.listdir(d) == ["full.snap"], (r.stderr, os.listdir(d))
