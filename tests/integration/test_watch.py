# SPDX-License-Identifier: GPL-2.0-or-later
"""`vtdctl watch` driven through tmux (a real terminal emulator): against the
freestanding test guest (tests/guest/vtdguest, scalable-basic, PASIDs added
and removed live over its serial port) and against a real Linux guest.

Expected devices and PASIDs come from the independent xp reader
(tests/lib/xpwalk.py) and from the scenario lines sent here, never from
vtdctl. The screen is read with `tmux capture-pane`; -e keeps the SGR
attributes, which is how a highlight is seen."""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

from vtdctl import binary
import xpwalk

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "guest", "vtdguest"))
import boot as vtdguest  # noqa: E402

INTERVAL_MS = 200
_g = {}
TMUX_CONF = os.path.join(tempfile.gettempdir(), "vtdctl-test-watch-tmux.conf")


def need_tmux():
    if shutil.which("tmux") is None:
        raise unittest.SkipTest("no tmux (apt-get install tmux)")


def vtd_guest():
    if shutil.which(os.environ.get("QEMU") or "qemu-system-x86_64") is None:
        raise unittest.SkipTest("no QEMU")
    if "g" not in _g:
        _g["g"] = vtdguest.boot(vtdguest.scenario_path("scalable-basic"))
    return _g["g"]


class Pane:
    """One tmux server (private socket) with one window running a command
    under sh; after the command ends the shell prints its exit status and the
    terminal modes, then waits."""

    def __init__(self, argv, width=120, height=40, env=None):
        need_tmux()
        # A fresh name each time: id(self) is reused once a Pane is freed, and
        # a new session on the socket of a server still exiting fails.
        Pane.n = getattr(Pane, "n", 0) + 1
        self.sock = "vtdctl-watch-%d-%d" % (os.getpid(), Pane.n)
        cmd = " ".join(shlex_quote(a) for a in argv)
        script = ("printf 'BEFORE-WATCH\\n'; %s; echo WATCH-EXIT=$?; "
                  "stty -a | tr ' ;' '\\n\\n' | grep -x -e icanon -e -icanon -e echo -e -echo "
                  "| tr '\\n' ' '; echo STTY-END; exec sleep 600" % cmd)
        envs = []
        for k, v in (env or {}).items():
            envs += ["-e", "%s=%s" % (k, v)]
        self.tmux("new-session", "-d", "-x", str(width), "-y", str(height), *envs,
                  "sh", "-c", script)

    def tmux(self, *args):
        r = subprocess.run(["tmux", "-L", self.sock, "-f", tmux_conf()] + list(args),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=10)
        if r.returncode != 0:
            raise AssertionError("tmux %s: %s" % (" ".join(args), r.stderr))
        return r.stdout

    def screen(self, escapes=False):
        return self.tmux("capture-pane", "-p", *(["-e"] if escapes else []))

    def keys(self, *keys):
        self.tmux("send-keys", *keys)

    def alternate_on(self):
        return self.tmux("display-message", "-p", "#{alternate_on}").strip() == "1"

    def wait(self, pred, what, timeout=5.0, escapes=False):
        """Poll the screen until pred(text) is true; return (text, seconds)."""
        t0 = time.monotonic()
        while True:
            text = self.screen(escapes)
            if pred(text):
                return text, time.monotonic() - t0
            if time.monotonic() - t0 > timeout:
                raise AssertionError("screen never showed %s in %.1f s:\n%s"
                                     % (what, timeout, self.screen()))
            time.sleep(0.05)

    def wait_text(self, regex, timeout=5.0):
        rx = re.compile(regex, re.M)
        return self.wait(lambda t: rx.search(t), repr(regex), timeout)[0]

    def kill(self):
        subprocess.run(["tmux", "-L", self.sock, "kill-server"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill()


def tmux_conf():
    """No status line: the window is exactly the size asked for."""
    path = TMUX_CONF
    if not os.path.exists(path):
        with open(path, "w") as f:
            f.write("set -g status off\nset -g default-terminal screen\n")
    return path


def shlex_quote(s):
    import shlex
    return shlex.quote(s)


def watch_argv(g, *extra):
    return [binary(), "--qmp=" + g.qmp_path, "watch", "-i", str(INTERVAL_MS)] + list(extra)


def device_rows(text):
    """{bdf: columns} of the device list on screen"""
    rows = {}
    for line in text.splitlines():
        m = re.match(r"^(.)([0-9a-f]{2}:[0-9a-f]{2}\.[0-7])\s+(scalable|legacy)\s+(.*)$", line)
        if m:
            rows[m.group(2)] = [m.group(1), m.group(3)] + m.group(4).split()
    return rows


def pasid_line(text, pasid):
    for line in text.splitlines():
        if re.match(r"^.%-8d\s" % pasid, line):
            return line
    return None


def assert_devices_match(text, ref):
    rows = device_rows(text)
    want = {d["bdf"]: d for d in ref["devices"]}
    assert set(rows) == set(want), "on screen %s, xp reader %s\n%s" % (
        sorted(rows), sorted(want), text)
    for bdf, d in want.items():
        cols = rows[bdf]
        if ref["iommu"]["mode"] == "scalable":
            # MODE DID PDTS PASIDS HOST FINDINGS FAULTS
            # DID: the RID_PASID entry's (else the first), then "(N)" when
            # the PASIDs use N different DIDs (N > 1; "(>9)" past 9)
            ps = d["pasids"]
            shown = [x for x in ps if x["pasid"] == d["context"]["rid_pasid"]] or ps[:1]
            n = len({x["did"] for x in ps})
            did = "-" if not shown else "%d%s" % (
                shown[0]["did"], "" if n < 2 else "(%d)" % n if n <= 9 else "(>9)")
            assert cols[1] == "scalable" and cols[2] == did, (bdf, cols, did)
            assert int(cols[3]) == d["context"]["pdts"], (bdf, cols, d["context"])
            assert int(cols[4]) == len(d["pasids"]), (bdf, cols, len(d["pasids"]))
        else:
            assert cols[1] == "legacy" and int(cols[2]) == d["context"]["did"], cols


def quit_and_check(p):
    p.keys("q")
    text = p.wait_text(r"STTY-END", timeout=5)
    assert "WATCH-EXIT=0" in text, text
    assert "BEFORE-WATCH" in text, text          # the shell's screen is back
    assert "vtdctl watch" not in text, text      # the alternate screen was left
    assert not p.alternate_on()
    modes = text.split("WATCH-EXIT=0", 1)[1]
    assert "icanon" in modes.split() and "echo" in modes.split(), modes


# --- the test guest --------------------------------------------------------

def test_watch_lists_devices_like_xp_reader():
    g = vtd_guest()
    ref = xpwalk.walk_guest(g)
    with Pane(watch_argv(g)) as p:
        text = p.wait_text(r"^ 02:00\.1 ")
        assert_devices_match(text, ref)
        head = text.splitlines()[0]
        assert "scalable" in head and "TE+ QI+" in head and "every 200 ms" in head, head
        assert "connected" in head, head
        quit_and_check(p)


def test_watch_findings_pane_has_checks_host_rules():
    """The findings pane is `check`'s: the host rules too. scalable-basic runs
    with edu at 00:03.0 and 00:10.0 only (its `#! device` lines), yet programs
    a context entry for 02:00.1: QEMU has no such device (ctx_no_device); and
    its PASIDs 1-3 on 00:03.0 have no address space until a DMA uses them
    (host_pasid_lazy, info)."""
    g = vtd_guest()
    with Pane(watch_argv(g)) as p:
        p.wait_text(r"^ 00:03\.0 ")
        p.keys("c")
        text = p.wait_text(r"ctx_no_device")
        assert re.search(r"warning\s+ctx_no_device\s+02:00\.1", text), text
        assert re.search(r"info\s+host_pasid_lazy\s+00:03\.0\s+1\s", text), text
        head = text.splitlines()[1]
        assert re.search(r"\b3 errors 1 warnings \d+ info\b", head), head
        quit_and_check(p)


def test_watch_pasid_added_and_removed_live():
    g = vtd_guest()
    with Pane(watch_argv(g)) as p:
        p.wait_text(r"^ 00:03\.0 ")
        p.keys("Enter")                        # 00:03.0 is the first device
        p.wait_text(r"^ context  PDTS 2")
        assert pasid_line(p.screen(), 9) is None
        g.send("pasid 00:03.0 9 pgtt=second did=77")
        g.send("inv pc gran=pasid did=77 pasid=9")
        g.send("inv wait")
        text, secs = p.wait(lambda t: pasid_line(t, 9), "PASID 9", timeout=5)
        # a few refreshes (two, plus a walk and the screen's polling, on an
        # idle machine), well before wait()'s 5 s: wall time, so generous
        assert secs < 3.0, "PASID 9 took %.2f s" % secs
        line = pasid_line(text, 9)
        assert line.startswith("+") and " 77 " in line and "second-stage" in line, line
        esc = p.screen(escapes=True)
        eline = [l for l in esc.splitlines() if re.search(r"\+(\x1b\[[0-9;]*m)*9 ", l)]
        # bold green (the NEW colour of src/tui/ui.h)
        assert eline and "\x1b[1m" in eline[0] and re.search(r"\x1b\[(\d+;)*32m", eline[0]), eline
        assert re.search(r"^ \S+  00:03\.0 PASID 9 added: DID 77, second-stage", text,
                         re.M), text
        g.send("nopasid 00:03.0 9")
        g.send("inv pc gran=pasid did=77 pasid=9")
        g.send("inv wait")
        text, _ = p.wait(lambda t: pasid_line(t, 9) is None, "PASID 9 gone", timeout=5)
        assert re.search(r"00:03\.0 PASID 9 removed \(was DID 77, second-stage\)", text), text
        # the full log has both, newest first, with timestamps
        p.keys("l")
        text = p.wait_text(r"^Event log")
        lines = [l for l in text.splitlines() if "PASID 9" in l]
        assert len(lines) == 2 and "removed" in lines[0] and "added" in lines[1], lines
        assert all(re.match(r"^ \d\d:\d\d:\d\d\.\d{3}  ", l) for l in lines), lines
        quit_and_check(p)


def counters(text):
    """(walks, re-reads) from the header's second line"""
    m = re.search(r"(\d+) walks (\d+) re-reads \d+ ticks", text)
    assert m, text
    return int(m.group(1)), int(m.group(2))


def test_watch_rereads_the_pasid_an_invalidation_names():
    """A PASID-selective PASID-cache invalidation makes watch re-read that one
    PASID (a re-read, not a walk) and merge it: the entry, the walker's and
    check's findings about it (PGTT first-stage, which QEMU 7.2's ECAP does
    not offer: pgtt_not_supported; no address space yet: host_pasid_lazy),
    and, when the guest clears it again, its removal with its findings."""
    g = vtd_guest()
    with Pane(watch_argv(g)) as p:
        text = p.wait_text(r"^ 00:03\.0 ")
        walks0, rereads0 = counters(text)
        g.send("pasid 00:03.0 11 pgtt=first did=78")
        g.send("inv pc gran=pasid did=78 pasid=11")
        g.send("inv wait")
        text = p.wait_text(r"00:03\.0 PASID 11 added: DID 78, first-stage")
        p.keys("l")
        text = p.wait_text(r"^Event log")
        walks1, rereads1 = counters(text)
        assert rereads1 > rereads0, text
        events = text.splitlines()[3:]
        # the safety walk that follows finds the merged picture exact: no event
        text = p.wait(lambda t: counters(t)[0] > walks1, "the next full walk")[0]
        assert text.splitlines()[3:] == events, text
        p.keys("c")
        text = p.wait_text(r"pgtt_not_supported\s+00:03\.0\s+11\s")
        assert re.search(r"info\s+host_pasid_lazy\s+00:03\.0\s+11\s", text), text
        g.send("nopasid 00:03.0 11")
        g.send("inv pc gran=pasid did=78 pasid=11")
        g.send("inv wait")
        text = p.wait(lambda t: not re.search(r"\s00:03\.0\s+11\s", t),
                      "PASID 11's findings gone")[0]
        assert re.search(r"PASID 11 removed \(was DID 78, first-stage\)", text), text
        assert counters(text)[1] >= rereads0 + 2, text
        quit_and_check(p)


def test_watch_keys_navigate():
    g = vtd_guest()
    entry = 0x804000 + 2 * 64        # scalable-basic: PASID 2 of 00:03.0 in ptable 0x804000
    raw = g.xp(entry, 8)
    with Pane(watch_argv(g)) as p:
        p.wait_text(r"^ 00:03\.0 ")
        p.keys("Enter")
        p.wait_text(r"^ context  PDTS 2")
        p.keys("/", "nested", "Enter")      # filter the PASID rows
        # the nested row was on screen before the filter: wait for the others to go
        text = p.wait(lambda t: re.search(r"^.2 .*nested", t, re.M) and
                      pasid_line(t, 0) is None, "the filtered PASID rows")[0]
        assert pasid_line(text, 0) is None and pasid_line(text, 1) is None, text
        p.keys("Enter")
        text = p.wait_text(r"^.  FLPTPTR")
        assert "00:03.0 PASID 2: PASID table entry at 0x%x" % entry in text, text
        assert re.search(r"PGTT\s+8:6\s+3  nested", text), text
        assert re.search(r"DID\s+79:64\s+7$", text, re.M), text
        assert re.search(r"SLPTPTR\s+63:12\s+0x807000", text), text
        assert re.search(r"FLPTPTR\s+191:140\s+0x808000", text), text
        for i, q in enumerate(raw):
            assert "qw%d  0x%016x" % (i, q) in text, (i, hex(q), text)
        p.keys("BSpace")
        p.wait_text(r"^00:03\.0  scalable  context entry")
        p.keys("BSpace")
        p.wait_text(r"^Devices")
        p.keys("r")
        text = p.wait_text(r"^ RTADDR ")
        assert re.search(r"^ RTADDR\s+0x020\s+0x0000000000800400", text, re.M), text
        p.keys("i")
        text = p.wait_text(r"^Invalidation queue")
        assert re.search(r"^.\s*\d+ \* pc ", text, re.M), text   # PASID-cache marked
        p.keys("f")
        p.wait_text(r"no pending fault")
        p.keys("c")
        p.wait_text(r"^Findings")
        p.keys("?")
        p.wait_text(r"^Help")
        p.keys("BSpace")
        p.wait_text(r"^Findings")
        p.keys("p")
        assert "PAUSED" in p.wait_text(r"PAUSED").splitlines()[0]
        p.keys("p", "+")
        p.wait_text(r"every 500 ms")
        p.keys("-")
        p.wait_text(r"every 200 ms")
        p.keys("d", "s")                       # by PASID count, most first
        text = p.wait_text(r"sorted by pasids")
        assert list(device_rows(text)) == ["00:03.0", "02:00.1", "00:10.0"], text
        quit_and_check(p)


def test_watch_resize():
    g = vtd_guest()
    with Pane(watch_argv(g)) as p:
        p.wait_text(r"^ 02:00\.1 ")
        p.tmux("resize-window", "-x", "80", "-y", "24")
        text, _ = p.wait(lambda t: len(t.splitlines()) <= 24 and
                         t.splitlines()[0].startswith(" vtdctl watch") and
                         "q quit" in t.splitlines()[-1], "a 24-line screen")
        lines = text.splitlines()
        assert all(len(l) <= 80 for l in lines), lines
        assert set(device_rows(text)) == {"00:03.0", "00:10.0", "02:00.1"}, text
        p.tmux("resize-window", "-x", "120", "-y", "40")
        text, _ = p.wait(lambda t: "every 200 ms" in t.splitlines()[0] and
                         "q quit" in t.splitlines()[-1], "a 40-line screen")
        assert len(device_rows(text)) == 3, text
        quit_and_check(p)


def test_watch_no_color_and_sigterm():
    g = vtd_guest()
    with Pane(watch_argv(g), env={"NO_COLOR": "1"}) as p:
        p.wait_text(r"^ 02:00\.1 ")
        esc = p.screen(escapes=True)
        assert not re.search(r"\x1b\[[0-9;]*3[0-7]m", esc), esc[:500]   # no colour
        assert "\x1b[7m" in esc, esc[:300]                              # reverse header
        pid = p.tmux("display-message", "-p", "#{pane_pid}").strip()
        child = subprocess.run(["pgrep", "-P", pid, "-x", "vtdctl"], stdout=subprocess.PIPE,
                               text=True).stdout.split()
        assert len(child) == 1, child
        os.kill(int(child[0]), 15)
        text = p.wait_text(r"STTY-END")
        assert "WATCH-EXIT=0" in text and "vtdctl watch" not in text, text
        modes = text.split("WATCH-EXIT=0", 1)[1].split()
        assert "icanon" in modes and "echo" in modes, modes


def test_watch_core_is_a_still_picture():
    g = vtd_guest()
    ref = xpwalk.walk_guest(g)
    work = tempfile.mkdtemp(prefix="vtdctl-test-watch-")
    core = os.path.join(work, "guest.core")
    try:
        g.execute("dump-guest-memory", {"paging": False, "protocol": "file:" + core})
        with Pane([binary(), "--core=" + core, "watch"]) as p:
            text = p.wait_text(r"^ 02:00\.1 ")
            assert_devices_match(text, ref)
            head = text.splitlines()[0]
            assert "still picture" in head and "GSTS unknown" in head, head
            p.keys("Enter")
            text = p.wait_text(r"^ context  PDTS 2")
            assert pasid_line(text, 64) and " 8 " in pasid_line(text, 64), text
            p.keys("r")
            p.wait_text(r"no registers: this target is a memory dump")
            quit_and_check(p)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def test_watch_refuses_without_tty():
    g = vtd_guest()
    r = subprocess.run(watch_argv(g), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=10)
    assert r.returncode == 1, r
    assert r.stdout == "" and len(r.stderr.splitlines()) == 1, r.stderr
    assert "terminal" in r.stderr, r.stderr


def test_watch_reconnects_after_vm_restart():
    """The VM goes away and comes back (on the same socket path, as libvirt
    does) with one more PASID: the view says so, reconnects and logs it."""
    need_tmux()
    vtd_guest()                                  # skips without QEMU
    with open(vtdguest.scenario_path("scalable-basic")) as f:
        scenario = f.read()
    work = tempfile.mkdtemp(prefix="vtdctl-test-watch-")
    link = os.path.join(work, "qmp.sock")
    g1 = vtdguest.boot(scenario)
    g2 = None
    try:
        os.symlink(g1.qmp_path, link)
        with Pane([binary(), "--qmp=" + link, "watch", "-i", str(INTERVAL_MS)]) as p:
            p.wait_text(r"^ 02:00\.1 ")
            g1.stop()
            text = p.wait_text(r"DISCONNECTED")
            assert "connection lost" in text and "reconnecting" in text, text
            assert len(device_rows(text)) == 3, text     # the last picture stays
            g2 = vtdguest.boot(scenario + "pasid 00:03.0 20 pgtt=pt did=1\n")
            os.unlink(link)
            os.symlink(g2.qmp_path, link)
            text = p.wait_text(r"PASID 20 added", timeout=15)
            assert re.search(r"reconnected to qmp:", text), text
            assert "connected" in text.splitlines()[0], text.splitlines()[0]
            assert device_rows(text)["00:03.0"][4] == "7", text
            quit_and_check(p)
    finally:
        g1.stop()
        if g2 is not None:
            g2.stop()
        shutil.rmtree(work, ignore_errors=True)


# --- a real Linux guest ----------------------------------------------------

def test_watch_real_linux_guest():
    from guest import shared_guest
    need_tmux()
    g = shared_guest("scalable")
    ref = xpwalk.walk_guest(g)
    with Pane([binary(), "--qmp=" + g.qmp_path, "watch", "-i", str(INTERVAL_MS)]) as p:
        last = ref["devices"][-1]["bdf"]
        text = p.wait_text(r"^.%s " % re.escape(last), timeout=10)
        assert_devices_match(text, ref)
        assert "TE+ QI+" in text.splitlines()[0], text.splitlines()[0]
        # RID_PASID's entry of the first device, decoded
        d = ref["devices"][0]
        rid = d["context"]["rid_pasid"]
        p.keys("Enter")
        text = p.wait_text(r"^ context  PDTS")
        line = pasid_line(text, rid)
        want = [x for x in d["pasids"] if x["pasid"] == rid][0]
        assert line and " %d " % want["did"] in line and want["pgtt"] in line, (line, want)
        quit_and_check(p)
