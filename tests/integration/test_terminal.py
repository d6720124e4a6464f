# SPDX-License-Identifier: GPL-2.0-or-later
"""vtdctl in the terminal a triager already uses (issue 16, items 4, 6, 9,
10, 11): one client per QMP socket, the shell's watch, widths, the shell's
habits, the errors of the usual mistakes. Against the freestanding test
guest (tests/guest/vtdguest) on a real QEMU; screens are read through tmux
(a real terminal emulator), as in test_watch.py."""

import os
import re
import shutil
import socket
import subprocess
import tempfile
import time

from test_watch import Pane, quit_and_check, vtd_guest, watch_argv
from vtdctl import binary, run

PROMPT = "vtdctl> "
AT_PROMPT = r"vtdctl>\s*\Z"          # the screen ends with an empty prompt


def shell_pane(g, width=100, height=30, env=None):
    home = tempfile.mkdtemp(prefix="vtdctl-term-")
    with open(os.path.join(home, "inputrc"), "w") as f:
        f.write("set enable-bracketed-paste off\nset bell-style none\n")
    e = {"HOME": home, "INPUTRC": os.path.join(home, "inputrc"), "TERM": "screen"}
    e.update(env or {})
    p = Pane([binary(), "--qmp=" + g.qmp_path, "shell"], width=width, height=height, env=e)
    p.home = home
    p.wait_text(AT_PROMPT)
    return p


def type_line(p, line, until=AT_PROMPT, timeout=10):
    p.keys(line, "Enter")
    return p.wait_text(until, timeout=timeout)


# --- item 4: one client per QMP socket --------------------------------------

def test_second_client_fails_at_once_while_watch_holds_the_socket():
    g = vtd_guest()
    with Pane(watch_argv(g)) as p:
        p.wait_text(r"^ 00:03\.0 ")
        t0 = time.monotonic()
        r = run("--qmp=" + g.qmp_path, "regs", check=False, timeout=30)
        took = time.monotonic() - t0
        # QEMU would keep the second connection in its accept queue without a
        # greeting: vtdctl's 10 s QMP timeout is what "at once" is measured against
        assert took < 2.0, (took, r.stderr)
        assert r.returncode == 1 and r.stdout == "", (r.returncode, r.stdout)
        assert "another client is connected" in r.stderr, r.stderr
        assert "-qmp unix:" in r.stderr and "--vm" in r.stderr, r.stderr
        quit_and_check(p)
    # and once watch has quit the socket is free again, at once
    r = run("--qmp=" + g.qmp_path, "regs", check=False, timeout=30)
    assert r.returncode == 0, r.stderr


def test_watch_in_shell_uses_the_shells_connection_and_leaks_no_keys():
    g = vtd_guest()
    p = shell_pane(g)
    try:
        type_line(p, "regs")                     # the shell now holds the socket
        p.keys("watch -i 200", "Enter")
        text = p.wait_text(r"^ 00:03\.0 ", timeout=10)
        assert "DISCONNECTED" not in text and "another client" not in text, text
        # q and keys for the view typed in the same burst: the view quits on q,
        # and the rest was typed while it was up, so it must not reach the prompt
        p.keys("q", "j", "j", "k")
        text = p.wait_text(AT_PROMPT)
        time.sleep(0.3)
        text = p.screen()
        assert not p.alternate_on()
        last = [ln for ln in text.splitlines() if ln.strip()][-1]
        assert last.rstrip() == PROMPT.rstrip(), text
        out = type_line(p, "iq")                  # the connection still works
        assert "invalidation queue: on" in out, out
        p.keys("exit", "Enter")
        p.wait_text(r"STTY-END")
        modes = p.screen().split("WATCH-EXIT=0", 1)[1]
        assert "icanon" in modes.split() and "echo" in modes.split(), modes
    finally:
        p.kill()
        shutil.rmtree(p.home, ignore_errors=True)


# --- item 11: the usual mistakes of a target ---------------------------------

def test_not_a_socket_nothing_listening_and_not_root_say_so():
    d = tempfile.mkdtemp(prefix="vtdctl-sock-")
    try:
        plain = os.path.join(d, "file")
        open(plain, "w").close()
        r = run("--qmp=" + plain, "regs", check=False)
        assert r.returncode == 1 and "not a socket" in r.stderr, r.stderr
        dead = os.path.join(d, "dead.sock")
        s = socket.socket(socket.AF_UNIX)
        s.bind(dead)                             # bound, never listening
        r = run("--qmp=" + dead, "regs", check=False)
        s.close()
        assert r.returncode == 1 and "nothing listens there" in r.stderr, r.stderr
    finally:
        shutil.rmtree(d, ignore_errors=True)
    if os.geteuid() == 0 and shutil.which("setpriv"):
        g = vtd_guest()
        r = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                            binary(), "--qmp=" + g.qmp_path, "regs"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=30)
        assert r.returncode == 1, r
        assert "Permission denied" in r.stderr and "as root" in r.stderr, r.stderr


def test_hmp_socket_is_named_hmp():
    import boot as vtdguest
    d = tempfile.mkdtemp(prefix="vtdctl-hmp-")
    hmp = os.path.join(d, "hmp.sock")
    g = vtdguest.boot(vtdguest.scenario_path("scalable-basic"),
                      qemu_args=["-monitor", "unix:%s,server=on,wait=off" % hmp])
    try:
        r = run("--qmp=" + hmp, "regs", check=False, timeout=30)
        assert r.returncode == 1, r
        assert "human monitor (HMP), not QMP" in r.stderr, r.stderr
        assert "malformed" not in r.stderr, r.stderr
    finally:
        g.stop()
        shutil.rmtree(d, ignore_errors=True)
