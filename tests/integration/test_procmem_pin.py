# SPDX-License-Identifier: GPL-2.0-or-later
"""/proc/PID/mem only of the process at the other end of the QMP connection,
as it was when vtdctl connected (issue 13, item 10): SO_PEERCRED names the
process that called listen(), which may have handed the socket on, exited
(its pid free for reuse), or exec'd another program since.

The peers are fake QEMU monitors (tests/hostile/pinpeer.py, no QEMU can be
made to do this): consistent liars, whose heap holds what their xp answers,
so that only the checks of who the peer is keep vtdctl on xp. The control
(the listener serves itself) shows that such a peer is otherwise read
through /proc/PID/mem."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from vtdctl import binary

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
PEER = os.path.join(REPO, "tests", "hostile", "pinpeer.py")
TMP = tempfile.mkdtemp(prefix="vtdctl-pin-")


def teardown_module(_):
    shutil.rmtree(TMP, True)


def regs_file():
    path = os.path.join(TMP, "regs.json")
    with open(os.path.join(REPO, "tests", "golden", "inputs", "vtdguest-legacy-basic.snap")) as f:
        regs = json.load(f)["registers"]
    regs["0x20"] = "0x1000"                    # RTADDR: legacy root table at 4 KiB
    with open(path, "w") as f:
        json.dump(regs, f)
    return path


def dump_through(mode):
    """vtdctl -j --no-host dump against a pinpeer.py peer in mode:
    (the JSON, the pid the peer listened from)."""
    if os.geteuid() != 0:
        raise unittest.SkipTest("needs root to read another process's memory")
    sock = os.path.join(TMP, mode + ".sock")
    p = subprocess.Popen([sys.executable, PEER, mode, sock, regs_file()],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        ready = p.stdout.readline().split()
        assert ready[:1] == ["ready"], ready
        if mode == "fork-exit":
            assert p.wait(timeout=30) == 0     # the listener is gone
        r = subprocess.run([binary(), "--qmp=" + sock, "--no-host", "-j", "dump"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=60)
        assert r.returncode in (0, 2), r.stderr
        return json.loads(r.stdout), int(ready[1])
    finally:
        p.stdin.close()
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def bdfs(j):
    return [d["bdf"] for d in j["devices"]]


def test_proc_mem_of_a_peer_that_serves_itself_fake_server():
    """The control: the listener answers, its heap agrees with its xp
    everywhere: read through /proc/PID/mem of that pid."""
    j, pid = dump_through("self")
    assert j["source"]["access"] == "proc-mem", j["source"]
    assert "/proc/%d/mem of " % pid in j["source"]["access_why"], j["source"]
    assert bdfs(j) == ["00:03.0"]


def test_no_proc_mem_of_a_pid_that_does_not_hold_the_socket_fake_server():
    """The listener forks; its child answers; the pid SO_PEERCRED names is
    the parent, which holds no end of the connection (its memory is the
    child's of the fork: it would agree). Read with xp, and say why."""
    j, pid = dump_through("fork")
    why = j["source"].get("access_why", "")
    assert j["source"]["access"] == "xp", j["source"]
    assert "/proc/%d/mem not used" % pid in why, why
    assert "does not hold the other end of the connection" in why, why
    assert bdfs(j) == ["00:03.0"]              # the same tables, through xp


def test_no_proc_mem_of_a_pid_whose_process_exited_fake_server():
    """The listener forks and exits: its pid is free for any process to
    take. The kernel's pidfd of the connection says so (SO_PEERPIDFD)."""
    j, pid = dump_through("fork-exit")
    why = j["source"].get("access_why", "")
    assert j["source"]["access"] == "xp", j["source"]
    assert "/proc/%d/mem not used" % pid in why and "has exited" in why, why


def test_no_proc_mem_after_the_peer_execs_another_program_fake_server():
    """The peer sends the greeting, then exec()s another program (same pid,
    same start time) that answers the rest with its own consistent heap:
    pinned at connect time, the process is not the program vtdctl met."""
    j, pid = dump_through("exec")
    why = j["source"].get("access_why", "")
    assert j["source"]["access"] == "xp", j["source"]
    assert "/proc/%d/mem not used" % pid in why and "(exec)" in why, why
    assert bdfs(j) == ["00:03.0"]
