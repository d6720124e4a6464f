# SPDX-License-Identifier: GPL-2.0-or-later
"""vtdctl in the terminal a triager already uses (issue 16, items 4, 6, 9,
10, 11): one client per QMP socket, the shell's watch, widths, the shell's
habits, the errors of the usual mistakes. Against the freestanding test
guest (tests/guest/vtdguest) on a real QEMU; screens are read through tmux
(a real terminal emulator), as in test_watch.py."""

import json
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time

import pytest

from test_watch import Pane, quit_and_check, vtd_guest, watch_argv
from vtdctl import binary, run

PROMPT = "vtdctl> "
AT_PROMPT = r"vtdctl>\s*\Z"          # the screen ends with an empty prompt


def shell_pane(g, width=100, height=30, env=None, unset=()):
    home = tempfile.mkdtemp(prefix="vtdctl-term-")
    with open(os.path.join(home, "inputrc"), "w") as f:
        f.write("set enable-bracketed-paste off\nset bell-style none\n")
    e = {"HOME": home, "INPUTRC": os.path.join(home, "inputrc"), "TERM": "screen"}
    e.update(env or {})
    pre = ["env"] + [a for k in unset for a in ("-u", k)] if unset else []
    p = Pane(pre + [binary(), "--qmp=" + g.qmp_path, "shell"], width=width, height=height, env=e)
    p.home = home
    try:
        p.wait_text(AT_PROMPT)
    except BaseException:
        p.kill()                                 # no tmux server left behind
        shutil.rmtree(home, ignore_errors=True)
        raise
    return p


def type_line(p, line, until=None, timeout=10):
    """Type line; wait for its echo, then an empty prompt after it."""
    p.tmux("send-keys", "--", line, "Enter")     # "--": a line may start with a dash
    if until is None:
        until = r"^" + re.escape(PROMPT + line) + r"\s*\n(.*\n)*vtdctl>\s*\Z"
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


def test_second_client_on_a_tcp_socket_fails_at_once():
    import boot as vtdguest
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    g = vtdguest.boot(vtdguest.scenario_path("scalable-basic"),
                      qemu_args=["-qmp", "tcp:127.0.0.1:%d,server=on,wait=off" % port])
    try:
        addr = "--qmp=127.0.0.1:%d" % port
        assert run(addr, "regs", check=False, timeout=30).returncode == 0
        first = socket.create_connection(("127.0.0.1", port), timeout=10)
        assert b'"QMP"' in first.recv(4096)          # QEMU greeted the first client
        t0 = time.monotonic()
        r = run(addr, "regs", check=False, timeout=30)
        took = time.monotonic() - t0
        assert took < 2.0 and r.returncode == 1, (took, r.stderr)
        assert "another client is connected" in r.stderr, r.stderr
        first.close()
        deadline = time.monotonic() + 10         # QEMU notices the close on its next poll
        while True:
            r = run(addr, "regs", check=False, timeout=30)
            if r.returncode == 0 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        assert r.returncode == 0, r.stderr
    finally:
        g.stop()


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
        assert "not a QMP server: this is QEMU's human monitor (HMP)" in r.stderr, r.stderr
        assert "malformed" not in r.stderr, r.stderr
    finally:
        g.stop()
        shutil.rmtree(d, ignore_errors=True)


# --- item 9: the commands say the same thing ---------------------------------

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def test_iq_regs_and_watch_agree_on_the_queue():
    g = vtd_guest()
    q = "--qmp=" + g.qmp_path
    iqh, iqa = g.read_reg(0x80), g.read_reg(0x90)       # from QEMU, not vtdctl
    iq = run(q, "iq").stdout
    m = re.search(r"(\d+) x (\d+)-bit descriptors", iq)
    assert m, iq
    bits = int(m.group(2))
    # scalable mode: 256-bit descriptors (QEMU 7.2 does not keep IQA.DW)
    assert bits == 256, iq
    m = re.search(r"head index (\d+) \(IQH offset (0x[0-9a-f]+)\)", iq)
    assert m and int(m.group(2), 16) == iqh & 0x7fff0, (iq, hex(iqh))
    assert int(m.group(1)) == (iqh & 0x7fff0) // (bits // 8), (iq, hex(iqh))
    assert "oldest first" in iq, iq
    regs = run(q, "regs").stdout
    assert re.search(r"^IQH .* QH=0x%x$" % (iqh & 0x7fff0), regs, re.M), regs
    for name in ("FEUADDR", "IEUADDR"):
        line = [ln for ln in regs.splitlines() if ln.startswith(name + " ")][0]
        assert "UADDR=" in line and "DATA=" not in line, line
    idx = [int(x) for x in re.findall(r"^ [ *]\s+(\d+)  ", iq, re.M)]
    assert idx and idx == sorted(idx), iq
    with Pane(watch_argv(g)) as p:
        p.wait_text(r"^ 00:03\.0 ")
        p.keys("i")
        text = p.wait_text(r"^Invalidation queue")
        title = [ln for ln in text.splitlines() if ln.startswith("Invalidation queue")][0]
        assert "%d-bit descriptors" % bits in title and "oldest first" in title, title
        rows = [int(x) for x in re.findall(r"^.\s*(\d+) [ *] ", text, re.M)]
        assert rows == idx, (rows, idx, text)
        quit_and_check(p)


def test_watch_did_column_has_no_plus():
    """DID "5+" read as the new-row mark: now "5(6)" (six different DIDs)."""
    g = vtd_guest()
    with Pane(watch_argv(g)) as p:
        text = p.wait_text(r"^ 00:03\.0 ")
        row = [ln for ln in text.splitlines() if ln.startswith(" 00:03.0")][0]
        # scalable-basic: 00:03.0's PASIDs use DIDs 5, 6, 7, 1, 8 and 9
        assert row.split()[2] == "5(6)", row
        quit_and_check(p)


def test_xlate_iova_is_hex():
    g = vtd_guest()
    q = "--qmp=" + g.qmp_path
    bare = run(q, "-s", "00:03.0", "xlate", "1000", check=False)
    pref = run(q, "-s", "00:03.0", "xlate", "0x1000", check=False)
    assert bare.stdout == pref.stdout and bare.returncode == pref.returncode, (bare, pref)
    assert " read 0x1000:" in bare.stdout, bare.stdout
    r = run(q, "-s", "00:03.0", "xlate", "12g", check=False)
    assert r.returncode == 1 and "not a hex address" in r.stderr, r.stderr
    man = open(os.path.join(REPO, "man", "vtdctl.8")).read()
    assert "is hex, as every address vtdctl prints" in man


def test_one_snapshot_extension_everywhere():
    texts = {p: open(os.path.join(REPO, p)).read()
             for p in ("README.md", "man/vtdctl.8", "docs/snapshot-format.md")}
    texts["vtdctl help"] = run("help").stdout + run("help", "snapshot").stdout \
        + run("help", "diff").stdout
    for where, t in texts.items():
        names = re.findall(r"[\w-]+\.(snap|vtdsnap|vtd)\b", t)
        assert names and set(names) == {"snap"}, (where, names)


def test_man_page_footer_is_filled():
    r = subprocess.run(["make", "-s", "vtdctl.8"], cwd=REPO, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=60)
    assert r.returncode == 0, r.stdout
    th = [ln for ln in open(os.path.join(REPO, "vtdctl.8")) if ln.startswith(".TH")][0]
    assert "@" not in th, th
    assert re.search(r'"\d{4}-\d\d-\d\d" "vtdctl \d+\.\d+\.\d+"', th), th


# --- item 6: widths -----------------------------------------------------------

def test_watch_at_80x24_keeps_its_status_and_scrolls_sideways():
    g = vtd_guest()
    with Pane(watch_argv(g), width=200, height=40) as wide:
        wide.wait_text(r"^ 00:03\.0 ")
        wide.keys("i")
        full = wide.wait_text(r"^Invalidation queue")
        quit_and_check(wide)
    with Pane(watch_argv(g), width=80, height=24) as p:
        text = p.wait_text(r"^ 00:03\.0 ")
        lines = text.splitlines()
        head, status = lines[0], lines[23]
        # what the header says is whole: the state first, parts left out whole
        assert head.startswith(" vtdctl watch  connected  scalable  TE+ QI+ IR-  every 200 ms"), head
        assert head.rstrip().endswith(("qmp.sock", "every 200 ms")), head
        assert re.match(r" \d+ devices  \d+ PASIDs  \d+ errors \d+ warnings \d+ info  faults \d+  at ",
                        lines[1]), lines[1]
        assert status.startswith(" q quit  ? help") and "<-/-> scroll" in status, status
        for ln in lines:
            assert len(ln) <= 80, ln
        # Right: the pane half a screen (40 columns) further right, as in less
        p.keys("i")
        p.wait_text(r"^Invalidation queue")
        p.keys("Right")
        text = p.wait_text(r"<- col 41 ->")
        want = [ln for ln in full.splitlines() if ln.startswith("Invalidation queue")][0]
        got = text.splitlines()[2]
        assert got.rstrip() == want[40:120].rstrip(), (got, want)
        rows_full = [ln for ln in full.splitlines() if re.match(r"^.\s+\d+ [ *] ", ln)]
        rows = text.splitlines()[4:4 + len(rows_full)]
        for a, b in zip(rows, rows_full):
            # the mark column stays; the text moves
            assert a[1:].rstrip() == b[41:120].rstrip(), (a, b)
        p.keys("Left")
        text = p.wait_text(r"^Invalidation queue")
        assert "<- col" not in text.splitlines()[23], text
        quit_and_check(p)


WIDTH = 100
# A finding line ("  error   code   BDF message"): check's messages and their
# width are another piece of work of issue 16 (item 8); the test below
# holds them to the same 100 columns on their own.
FINDING = re.compile(r"^  (error|warning|info)\s+[a-z_]+\s")


def default_outputs(g, tmp):
    """(command line, text) of every command's default output on the test
    guest g: what a triager types, as the README shows it."""
    target = "--qmp=" + g.qmp_path
    # file names as a user types them, in the current directory: a path's
    # own length is the user's
    snap_a, snap_b = "a.snap", "b.snap"

    def run(*args, check=False, timeout=120):
        return subprocess.run([binary()] + list(args), cwd=tmp, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, timeout=timeout)

    runs = [["dump"], ["check"], ["regs"], ["faults"], ["iq"], ["ir"],
            ["dump", "--pages"], ["-v", "dump"], ["-vv", "dump"], ["-v", "regs"],
            ["-vv", "regs"], ["-v", "iq"], ["-v", "faults"], ["-v", "ir"],
            ["-s", "00:03.0", "xlate", "0x1000"], ["-s", "00:03.0", "xlate", "0x10000000", "write"],
            ["snapshot", "-o", snap_a], "change", ["snapshot", "--pages", "-o", snap_b]]
    out = []
    for args in runs:
        if args == "change":        # something for diff to say
            g.send("pasid 00:03.0 9 pgtt=second did=77")
            g.send("inv pc gran=pasid did=77 pasid=9")
            g.send("inv wait")
            continue
        r = run(target, *args, check=False, timeout=120)
        assert r.returncode in (0, 2), (args, r.returncode, r.stderr)
        out.append((" ".join(args), r.stdout + r.stderr))
    g.send("nopasid 00:03.0 9")
    g.send("inv pc gran=pasid did=77 pasid=9")
    g.send("inv wait")
    for args in (["--snapshot=" + snap_b, "dump"], ["--snapshot=" + snap_b, "check"],
                 ["diff", snap_a, snap_b], ["version"], ["help"]):
        r = run(*args, check=False, timeout=120)
        assert r.returncode in (0, 2), (args, r.returncode, r.stderr)
        out.append((" ".join(args), r.stdout + r.stderr))
    cmds = re.findall(r"^\s{2,}(\w+)\s", run("help").stdout, re.M)
    for c in cmds:
        r = run("help", c, check=False)
        out.append(("help " + c, r.stdout + r.stderr))
    batch = "lines"
    with open(os.path.join(tmp, batch), "w") as f:
        f.write("regs\niq\n-s 00:03.0 xlate 0x1000\n")
    r = run(target, "batch", batch, check=False)
    out.append(("batch", r.stdout + r.stderr))
    return out


def too_wide(outputs, findings):
    bad = []
    for cmd, text in outputs:
        for ln in text.splitlines():
            if len(ln) > WIDTH and bool(FINDING.match(ln)) == findings:
                bad.append("%s: %d: %s" % (cmd, len(ln), ln))
    return bad


def vtdguest_outputs():
    if "out" not in _outputs:
        g = vtd_guest()
        tmp = tempfile.mkdtemp(prefix="vtdctl-width-")
        try:
            _outputs["out"] = default_outputs(g, tmp)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return _outputs["out"]


_outputs = {}


def test_every_default_output_fits_100_columns():
    out = vtdguest_outputs()
    empty = [c for c, t in out if not t.strip()]
    # snapshot -o FILE writes the file and says nothing
    assert len(out) > 20 and all(c.startswith("snapshot") for c in empty), empty
    bad = too_wide(out, findings=False)
    assert not bad, "\n".join(bad)


def test_every_finding_line_fits_100_columns():
    bad = too_wide(vtdguest_outputs(), findings=True)
    assert not bad, "\n".join(bad)


# --- item 10: the shell's habits ----------------------------------------------

def shell_lines(text, after):
    """The screen's lines after the last line that is the prompt with `after`."""
    lines = text.rstrip("\n").splitlines()
    idx = max(i for i, ln in enumerate(lines) if ln.rstrip() == PROMPT + after)
    return lines[idx + 1:]


def test_shell_takes_options_first_prefixes_and_suggests():
    g = vtd_guest()
    p = shell_pane(g, env={"VTDCTL_PAGER": "cat"})
    try:
        out = shell_lines(type_line(p, "-j version"), "-j version")
        assert out[0].startswith('{"version":'), out
        # Tab completes the command after options, as at the start of a line
        p.tmux("send-keys", "--", "-j reg", "Tab")
        p.wait_text(r"^vtdctl> -j regs\s*\Z")
        p.keys("C-u")
        out = shell_lines(type_line(p, "-s 00:10.0 d"), "-s 00:10.0 d")
        # d is dump (the first command in the list that d begins, as bpftool)
        assert any(re.match(r"^  pasid 7 +10  second-stage", ln) for ln in out), out
        out = shell_lines(type_line(p, "dupm"), "dupm")
        assert out[0] == "vtdctl: unknown command 'dupm': did you mean 'dump'? (see 'help')", out
        out = shell_lines(type_line(p, "chek"), "chek")
        assert "did you mean 'check'?" in out[0], out
        out = shell_lines(type_line(p, "xyzzy"), "xyzzy")
        assert "did you mean" not in out[0] and "unknown command 'xyzzy'" in out[0], out
        out = shell_lines(type_line(p, "help"), "help")
        text = "\n".join(out)
        # the shell's own help: commands and the shell's keys, not the CLI grammar
        assert out[0].startswith("Commands"), text
        assert "Usage: vtdctl" not in text and "TARGET :=" not in text, text
        assert re.search(r"^  dump +decode", text, re.M) and "CMD | PROGRAM" in text, text
        out = shell_lines(type_line(p, "regs | head -3"), "regs | head -3")
        assert len(out) == 4 and out[0].startswith("registers at 0xfed90000"), out
        assert out[3].rstrip() == PROMPT.rstrip(), out
        # a quoted '|' is an argument, an unquoted one the pipe
        line = "-s 00:03.0 xlate 'a|b'"
        out = shell_lines(type_line(p, line), line)
        assert "'a|b' is not a hex address" in out[0], out
        line = "iq | grep -E -c 'tail index [0-9]+|---- tail'"
        out = shell_lines(type_line(p, line), line)
        assert out[0] == "2", out
        p.keys("exit", "Enter")
        text = p.wait_text(r"STTY-END")
        # no prompt drawn again on the way out
        lines = text.splitlines()
        i = [k for k, ln in enumerate(lines) if ln.rstrip() == PROMPT + "exit"][-1]
        assert lines[i + 1].startswith("WATCH-EXIT=0"), lines[i:]
    finally:
        p.kill()
        shutil.rmtree(p.home, ignore_errors=True)


def test_shell_pages_long_output_through_less():
    g = vtd_guest()
    # PAGER, VTDCTL_PAGER and LESS unset: less with LESS=FRX, as git
    p = shell_pane(g, height=15, unset=("PAGER", "VTDCTL_PAGER", "LESS"))
    try:
        p.keys("regs", "Enter")
        text = p.wait_text(r"^:\s*\Z")           # less waits at its prompt: 27 lines > 15
        assert re.search(r"^(VER|CAP|ECAP) ", text, re.M), text
        p.keys("q")
        text = p.wait_text(AT_PROMPT)
        # -X: what less showed stays on the screen
        assert re.search(r"^(VER|CAP|ECAP) ", text, re.M), text
        # short output: -F, less leaves at once
        out = shell_lines(type_line(p, "version"), "version")
        assert re.match(r"^vtdctl \d+\.\d+\.\d+$", out[0]), out
        # watch is never paged: it owns the terminal
        p.keys("watch", "Enter")
        p.wait_text(r"^ 00:03\.0 ")
        p.keys("q")
        p.wait_text(AT_PROMPT)
    finally:
        p.kill()
        shutil.rmtree(p.home, ignore_errors=True)


# --- item 11: the smaller things ----------------------------------------------

def test_paused_vm_is_marked_paused():
    g = vtd_guest()
    q = "--qmp=" + g.qmp_path
    r = run(q, "dump", check=False)
    assert "VM paused" not in r.stdout and r.returncode in (0, 2), r.stdout
    assert json.loads(run(q, "-j", "dump", check=False).stdout)["source"]["vmm"]["status"] == "running"
    g.execute("stop")                            # on the test's own monitor
    try:
        r = run(q, "dump", check=False)
        vmm = r.stdout.split("\nvmm: ", 1)[1].split("\niommu:", 1)[0]
        assert vmm.startswith("QEMU ") and ", VM paused, intel-iommu" in vmm, vmm
        js = json.loads(run(q, "-j", "dump", check=False).stdout)
        assert js["source"]["vmm"]["status"] == "paused", js["source"]["vmm"]
    finally:
        g.execute("cont")
    assert "VM paused" not in run(q, "dump", check=False).stdout


def test_verbose_line_and_errors_come_after_stdout_in_one_pipe():
    g = vtd_guest()
    # stdout and stderr into one pipe: stdout is block-buffered there
    r = subprocess.run([binary(), "--qmp=" + g.qmp_path, "-v", "dump"], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=60)
    lines = r.stdout.splitlines()
    assert lines[0].startswith("source: qmp "), lines[:3]
    assert re.match(r"^vtdctl: memory read through \S+, \d+ QMP/source calls$", lines[-1]), lines[-3:]
    assert sum(ln.startswith("vtdctl: memory read") for ln in lines) == 1


def test_options_that_do_not_apply_are_said():
    g = vtd_guest()
    q = "--qmp=" + g.qmp_path
    r = run(q, "-n", "5", "--pages", "regs", check=False)
    assert r.returncode == 0, r.stderr
    assert r.stderr.splitlines() == [
        "vtdctl: warning: -n does not apply to regs (ignored; see 'vtdctl help regs')",
        "vtdctl: warning: --pages does not apply to regs (ignored; see 'vtdctl help regs')"], r.stderr
    r = run(q, "-s", "00:03.0", "iq", check=False)
    assert "warning: -s does not apply to iq" in r.stderr, r.stderr
    # what does apply is not warned about
    for args in (["-s", "00:03.0", "--pasid=1", "dump"], ["-n", "4", "iq"],
                 ["-s", "00:03.0", "xlate", "0x1000"], ["-s", "00:03.0", "check"]):
        r = run(q, *args, check=False)
        assert "warning" not in r.stderr, (args, r.stderr)
    # in the shell, the shell's own options are not the line's
    r = subprocess.run([binary(), q, "-n", "3", "shell"], input="regs\n-s 00:03.0 faults\n",
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
    assert r.stderr.splitlines() == [
        "vtdctl: warning: -s does not apply to faults (ignored; see 'vtdctl help faults')"], r.stderr


def test_watch_saves_a_snapshot_and_the_event_log_and_runs_xlate():
    g = vtd_guest()
    q = "--qmp=" + g.qmp_path
    want_xlate = run(q, "-s", "00:03.0", "--pasid=1", "xlate", "0x1000", check=False).stdout
    want_dump = run(q, "dump", check=False).stdout
    d = tempfile.mkdtemp(prefix="vtdctl-watchkeys-")
    try:
        cmd = "cd %s && exec %s" % (d, " ".join(watch_argv(g)))
        with Pane(["sh", "-c", cmd]) as p:
            p.wait_text(r"^ 00:03\.0 ")
            p.keys("S")
            text = p.wait_text(r"snapshot saved: vtdctl-\d{8}-\d{6}\.snap")
            p.keys("E")
            text = p.wait_text(r"event log saved: vtdctl-events-\d{8}-\d{6}\.log")
            # x on 00:03.0's PASID 1 (the second row after the context entry)
            p.keys("Enter")
            p.wait_text(r"^ context ")
            p.keys("Down", "Down", "x")
            p.wait_text(r"xlate IOVA \(hex\):\s*$")
            p.keys("1000", "Enter")
            text = p.wait_text(r"^xlate 00:03\.0 pasid 1 0x1000")
            body = [ln[1:].rstrip() for ln in text.splitlines()[3:]]
            for ln in want_xlate.rstrip("\n").splitlines():
                assert ln.rstrip() in body, (ln, text)
            p.keys("BSpace")
            p.wait_text(r"^00:03\.0  scalable  context entry")
            quit_and_check(p)
        files = sorted(os.listdir(d))
        snaps = [f for f in files if f.endswith(".snap")]
        logs = [f for f in files if f.endswith(".log")]
        assert len(snaps) == 1 and len(logs) == 1, files
        # the snapshot reads back as the live target did
        got = run("--snapshot=" + os.path.join(d, snaps[0]), "dump", check=False).stdout
        body = lambda t: t.split("\nBDF ", 1)[1]        # noqa: E731 (the header names the source)
        assert body(got) == body(want_dump), (got, want_dump)
        log = open(os.path.join(d, logs[0])).read().splitlines()
        assert log and all(re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}  \S", ln) for ln in log), log
        assert any("walked: 3 devices" in ln for ln in log), log
    finally:
        shutil.rmtree(d, ignore_errors=True)


SGR = re.compile(r"\x1b\[[0-9;]*m")


def test_color_auto_always_never_and_no_color():
    g = vtd_guest()
    q = "--qmp=" + g.qmp_path
    plain = run(q, "check", check=False)
    assert not SGR.search(plain.stdout), plain.stdout          # a pipe: auto is off
    always = run(q, "--color=always", "check", check=False).stdout
    assert SGR.sub("", always) == plain.stdout                   # colour adds nothing else
    # the severity word in its colour: error bold red, info cyan
    assert re.search(r"^  \x1b\[1;31merror\x1b\[m   pgtt_not_supported ", always, re.M), always
    assert re.search(r"^  \x1b\[36minfo\x1b\[m    ", always, re.M), always
    env = dict(os.environ, NO_COLOR="1")
    r = subprocess.run([binary(), q, "--color", "check"], stdout=subprocess.PIPE, text=True, env=env)
    assert SGR.search(r.stdout), "--color alone is always, NO_COLOR or not"
    assert not SGR.search(run(q, "--color=never", "check", check=False).stdout)
    assert not SGR.search(run(q, "--color=always", "-j", "check", check=False).stdout)
    r = run(q, "--color=sometimes", "check", check=False)
    assert r.returncode == 1 and "invalid value 'sometimes' for option --color" in r.stderr
    x = run(q, "--color=always", "-s", "00:03.0", "xlate", "0x1000", check=False).stdout
    assert re.search(r"^\x1b\[1;31mfault: reason 0x79 ", x, re.M), x
    # a terminal: auto colours, NO_COLOR turns it off
    for env, coloured in (({}, True), ({"NO_COLOR": "1"}, False)):
        with Pane(["sh", "-c", "%s %s check; sleep 600" % (binary(), q)], env=env) as p:
            p.wait_text(r"pgtt_not_supported")
            text = p.screen(escapes=True)
            # tmux re-encodes SGR: red (31) alone or after other attributes
            red = re.search(r"\x1b\[(?:[0-9;]*;)?31m\s*error", text) is not None
            assert red == coloured, (env, text)


def test_linux_guest_default_outputs_fit_100_columns():
    """The same on the real Linux guest (scalable, 13 devices, a driver's
    tables), through the pipeline a triager runs first."""
    from guest import shared_guest
    g = shared_guest("scalable")
    q = "--qmp=" + g.qmp_path
    out = []
    for args in (["dump"], ["-v", "dump"], ["-vv", "dump"], ["check"], ["regs"], ["-v", "regs"],
                 ["faults"], ["iq"], ["ir"], ["-s", "00:1f.0", "xlate", "0x1000"],
                 ["-s", "00:1f.0", "xlate", "0x7f000000"], ["dump", "--pages"]):
        r = run(q, *args, check=False, timeout=300)
        assert r.returncode in (0, 2), (args, r.returncode, r.stderr)
        assert r.stdout.strip(), args
        out.append((" ".join(args), r.stdout + r.stderr))
    bad = too_wide(out, findings=False)
    assert not bad, "\n".join(bad)
