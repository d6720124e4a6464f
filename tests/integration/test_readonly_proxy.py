# SPDX-License-Identifier: GPL-2.0-or-later
"""The read-only guarantee, tested on the wire: a logging QMP proxy
(tests/hostile/qmpproxy.py) sits between vtdctl and a real QEMU running the
test guest, and records every command vtdctl sends while it runs every
command `vtdctl help` lists (watch and shell driven briefly on a pseudo
terminal, batch from stdin). Anything outside the read-only allowlist below,
written here from the brief and not taken from vtdctl, fails the test."""

import os
import pty
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

from vtdctl import binary

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path[:0] = [os.path.join(REPO, "tests", "hostile"),
                os.path.join(REPO, "tests", "guest", "vtdguest")]
from qmpproxy import QMPProxy  # noqa: E402

TMP = tempfile.mkdtemp(prefix="vtdctl-ro-")
HMP_ALLOWED = re.compile(r"^\s*(xp\s|gpa2hva\s|info\s+(mtree|pci|qtree|status|version)\b)")


def allowed(cmd, args):
    if cmd in ("qmp_capabilities", "qom-list", "qom-get") or (cmd or "").startswith("query-"):
        return True
    if cmd == "human-monitor-command":
        line = (args or {}).get("command-line", "")
        return bool(HMP_ALLOWED.match(line)) and not re.search(r"[;|\n]", line)
    return False


def commands_from_help():
    r = subprocess.run([binary(), "help"], stdout=subprocess.PIPE, text=True)
    m = re.search(r"COMMAND := \{([^}]*)\}", r.stdout)
    assert m, r.stdout
    return [c.strip() for c in m.group(1).split("|")]


def on_pty(argv, keys=b"", secs=1.5):
    """Run argv on a pseudo terminal for about secs, typing keys, then q and
    Ctrl-D; returns what it printed."""
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["TERM"] = "xterm"
        os.execv(argv[0], argv)
    out = b""
    t0 = time.monotonic()
    typed = quit_sent = False
    try:
        while time.monotonic() < t0 + secs + 3:      # then it is killed
            r, _, _ = select.select([fd], [], [], 0.1)
            if r:
                try:
                    out += os.read(fd, 65536)
                except OSError:
                    break
            now = time.monotonic() - t0
            if not typed and now > secs / 2:
                os.write(fd, keys)
                typed = True
            if not quit_sent and now > secs:
                os.write(fd, b"q\x04")
                quit_sent = True
            if os.waitpid(pid, os.WNOHANG)[0]:
                pid = 0
                break
    finally:
        if pid:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
        os.close(fd)
    return out.decode("utf-8", "replace")


def test_every_command_sends_only_read_only_qmp():
    if shutil.which(os.environ.get("QEMU") or "qemu-system-x86_64") is None:
        raise unittest.SkipTest("no QEMU")
    import boot
    vt = binary()
    with boot.VtdGuest(boot.scenario_path("hostile-iq")) as g:
        sock = os.path.join(TMP, "proxy.sock")
        snap1, snap2 = os.path.join(TMP, "a.snap"), os.path.join(TMP, "b.snap")
        trace, svg = os.path.join(TMP, "a.trace"), os.path.join(TMP, "a.svg")
        per_command = {}
        with QMPProxy(g.qmp_path, sock) as proxy:
            q = "--qmp=" + sock
            runs = {
                "dump": [[q, "dump"], [q, "-vvv", "--pages", "dump"], [q, "-j", "dump"],
                         [q, "--consistent", "dump"], [q, "--no-proc-mem", "dump"]],
                "regs": [[q, "-vv", "regs"]],
                "faults": [[q, "faults"]],
                "iq": [[q, "-n", "64", "iq"]],
                "xlate": [[q, "-s", "00:03.0", "xlate", "0x100000"]],
                "ir": [[q, "ir"]],
                "check": [[q, "check"]],
                "snapshot": [[q, "snapshot", "-o", snap1], [q, "snapshot", "-o", snap2]],
                "diff": [["diff", snap1, snap2]],
                "record": [[q, "-i", "200", "record", "-o", trace, "--duration=2"]],
                "log": [["--trace=" + trace, "log"]],
                "timeline": [["--trace=" + trace, "timeline", "-o", svg]],
                "list": [["list"]],
                "version": [[q, "version"]],
                "help": [["help"]],
            }
            for cmd in commands_from_help():
                before = len(proxy.commands)
                if cmd in runs:
                    for args in runs[cmd]:
                        subprocess.run([vt] + args, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL, timeout=120)
                elif cmd == "batch":
                    subprocess.run([vt, q, "batch", "-"], input="dump\nregs\niq\nir\nfaults\n",
                                   text=True, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, timeout=120)
                elif cmd == "watch":
                    on_pty([vt, q, "-i", "200", "watch"], keys=b"jjk\t")
                elif cmd == "shell":
                    on_pty([vt, q, "shell"], keys=b"dump\nregs\niq\n")
                else:
                    raise AssertionError("no way to run command %r here: add it" % cmd)
                per_command[cmd] = proxy.executed()[before:]
        sent = proxy.executed()
    bad = [(c, a) for c, a in sent if not allowed(c, a)]
    counts = {c: len(v) for c, v in per_command.items()}
    print("  QMP commands per vtdctl command: %s" % counts)
    print("  distinct: %s" % sorted({c if c != "human-monitor-command" else
                                    "hmp " + a["command-line"].split()[0]
                                    for c, a in sent}))
    assert not proxy.bad_lines, "vtdctl sent lines that are not JSON: %r" % proxy.bad_lines[:3]
    assert not bad, "commands outside the read-only allowlist: %r" % bad[:10]
    # the proxy really was in the path of the commands that talk to QEMU
    for cmd in ("dump", "regs", "faults", "iq", "ir", "xlate", "snapshot", "record"):
        assert counts.get(cmd), "%s sent nothing through the proxy" % cmd


def test_allowlist_of_this_test_refuses_writes():
    """The checker above can fail: commands that change the VM are refused."""
    for c, a in [("stop", None), ("cont", None), ("quit", None), ("system_reset", None),
                 ("human-monitor-command", {"command-line": "xp /1gx 0; quit"}),
                 ("human-monitor-command", {"command-line": "pmemsave 0 4096 /tmp/x"}),
                 ("human-monitor-command", {"command-line": "info registers"}),
                 ("migrate", {"uri": "exec:cat"}), ("dump-guest-memory", {})]:
        assert not allowed(c, a), (c, a)
    assert allowed("query-pci", None) and allowed(
        "human-monitor-command", {"command-line": "xp /512gx 0x1000"})
