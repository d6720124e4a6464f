# SPDX-License-Identifier: GPL-2.0-or-later
"""`vtdctl record` and `--trace=FILE --at=TIME` against real QEMUs.

The freestanding test guest (tests/guest/vtdguest) is driven over its serial
port through scripted changes (a PASID added, changed, removed, invalidations
queued, a DMA fault) while `record` samples it through one QMP socket. After
each step the test writes a marker into a harmless register (FEDATA, the fault
event's MSI data) and waits until the recording shows that marker: that sample
read the tables after the step was done. The state replayed at that sample's
time (`--trace=F --at=T dump -j`, `check -j`) must equal a live `dump -j` /
`check -j` taken through a second QMP socket after the step; the events must
name the step (the expectation is the scenario line sent, not vtdctl's output).
A restart of the guest in the middle (a new QEMU on the same socket path) is a
gap and a restart. A torn file (its last line cut at several offsets, a file
size limit, a full tmpfs) replays its prefix with a note; hostile traces give
one error line and exit 1. A real Linux guest recorded briefly replays equal to
its live dump."""

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

from vtdctl import binary, run

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "guest", "vtdguest"))
import boot as vtdguest  # noqa: E402

FEDATA = 0x3c
_state = {}


def workdir():
    if "dir" not in _state:
        _state["dir"] = tempfile.mkdtemp(prefix="vtdctl-rec-")
        import atexit
        atexit.register(shutil.rmtree, _state["dir"], True)
    return _state["dir"]


def vtd(*args, rc=(0,)):
    r = run(*args, check=False)
    assert r.returncode in rc, "vtdctl %s: exit %d (want %s)\nstderr: %s" % (
        " ".join(args), r.returncode, rc, r.stderr)
    return r


def vjson(*args, rc=(0, 2)):
    return json.loads(vtd("-j", *args, rc=rc).stdout)


def lines(path):
    """The whole lines of a trace, parsed (a torn last one left out)."""
    out = []
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return out
    for raw in data.split(b"\n")[:-1]:
        out.append(json.loads(raw))
    return out


def events(path):
    return [(l["t"], e) for l in lines(path)[1:] for e in l.get("events", [])]


def wait_for(cond, what, timeout=60.0):
    end = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > end:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.05)


def without_source(d):
    """A command's JSON but for its source and the QEMU pid, which comes
    from the socket's peer, not the monitor: a recording does not hold it."""
    d = dict(d)
    d.pop("source", None)
    if isinstance(d.get("host"), dict):
        d["host"] = dict(d["host"])
        d["host"].pop("pid", None)
    return d


class Recorder:
    """vtdctl record on a QMP socket path, in the background."""

    def __init__(self, qmp, path, *extra, preexec_fn=None):
        self.path = path
        self.proc = subprocess.Popen([binary(), "--qmp=" + qmp, "record", "-o", path,
                                      "-i", "100"] + list(extra),
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True, preexec_fn=preexec_fn)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        out, err = self.proc.communicate(timeout=60)
        return self.proc.returncode, out, err


def boot_vtdguest(live_sock):
    if shutil.which(os.environ.get("QEMU") or "qemu-system-x86_64") is None:
        raise unittest.SkipTest("no QEMU")
    return vtdguest.boot(vtdguest.scenario_path("scalable-basic"),
                         qemu_args=["-qmp", "unix:%s,server=on,wait=off" % live_sock])


class Steps:
    """Scripted changes, each followed by a marker the recording must show."""

    def __init__(self, guest, rec, live):
        self.g, self.rec, self.live = guest, rec, live
        self.marker = 0x100
        self.seen = []      # (name, sample time, live dump, live check)

    def marker_time(self, value):
        """The time of the first sample that read FEDATA == value (the
        upper half of the qword at 0x38), keyframe or delta."""
        for l in lines(self.rec.path)[1:]:
            regs = l.get("snapshot", l).get("registers") or {}
            if "0x38" in regs and int(regs["0x38"], 16) >> 32 == value:
                return l["t"]
        return None

    def step(self, name, *scenario_lines):
        out = []
        for line in scenario_lines:
            out += self.g.send(line)
        self.marker += 1
        self.g.send("reg32 0x%x 0x%x" % (FEDATA, self.marker))
        dump = vjson("--qmp=" + self.live, "dump")
        check = vjson("--qmp=" + self.live, "check")
        t = wait_for(lambda: self.marker_time(self.marker),
                     "the recording to show marker 0x%x" % self.marker)
        self.seen.append((name, t, dump, check))
        return out


def replay(trace, t, *cmd):
    return vjson("--trace=" + trace, "--at=%.3f" % (t / 1000.0), *cmd)


def run_scenario():
    """Boot, record through the steps and a restart; cached for the tests
    (a failure too: the tests after the first fail at once)."""
    if "scn" not in _state:
        try:
            _state["scn"] = record_scenario()
        except Exception as e:
            _state["scn"] = e
    if isinstance(_state["scn"], Exception):
        raise AssertionError("the recorded scenario failed: %s" % _state["scn"])
    return _state["scn"]


def record_scenario():
    d = tempfile.mkdtemp(dir=workdir())
    live1, live2 = os.path.join(d, "live1.sock"), os.path.join(d, "live2.sock")
    link = os.path.join(d, "vm.qmp")
    trace = os.path.join(d, "steps.trace")
    g = boot_vtdguest(live1)
    os.symlink(g.qmp_path, link)
    rec = Recorder(link, trace)
    g2 = None
    try:
        s = Steps(g, rec, live1)
        s.step("start")
        s.step("pasid-add", "pasid 00:03.0 77 pgtt=second did=9")
        s.step("pasid-change", "pasid 00:03.0 77 pgtt=second did=10")
        s.step("pasid-remove", "nopasid 00:03.0 77")
        s.step("invalidate", "inv iotlb gran=global", "inv pc gran=pasid did=1 pasid=3",
               "inv wait")
        s.step("fault", "dma 00:03.0 iova=0xfff000 len=64 read")
        # the restart: this QEMU goes, another one comes on the same path
        before = len(lines(trace))
        pid1 = g.pid if hasattr(g, "pid") else g.proc.pid
        g.stop()
        g2 = boot_vtdguest(live2)
        os.unlink(link)
        os.symlink(g2.qmp_path, link)
        s.g, s.live = g2, live2
        s.step("after-restart", "pasid 00:03.0 88 pgtt=pt did=4")
        rc, out, err = rec.stop()
        scn = dict(trace=trace, steps=s.seen, rc=rc, out=out, err=err,
                   before_restart=before, pid1=pid1)
    finally:
        if rec.proc.poll() is None:
            rec.proc.kill()
        g.stop()
        if g2:
            g2.stop()
    return scn


def test_record_ends_cleanly_with_a_summary():
    scn = run_scenario()
    assert scn["rc"] == 0, scn["err"]
    assert scn["err"] == "", scn["err"]
    assert scn["trace"] in scn["out"] and "samples" in scn["out"]
    ls = lines(scn["trace"])
    assert ls[0]["magic"] == "vtdctl-trace" and ls[0]["version"] == 1
    assert ls[1]["type"] == "keyframe" and ls[1]["reason"] == "start"
    assert ls[-1]["type"] == "end"
    assert [l["t"] for l in ls[1:]] == sorted(l["t"] for l in ls[1:])


def test_replay_at_each_step_equals_the_live_state():
    scn = run_scenario()
    assert len(scn["steps"]) == 7
    for name, t, dump, check in scn["steps"]:
        got = replay(scn["trace"], t, "dump")
        assert got["source"]["kind"] == "trace"
        assert got["source"]["target"].startswith(scn["trace"] + "@")
        assert without_source(got) == without_source(dump), name
        got = replay(scn["trace"], t, "check")
        assert without_source(got) == without_source(check), name


def test_replay_shows_each_step_and_not_the_next():
    scn = run_scenario()
    by = {name: (t, dump) for name, t, dump, _ in scn["steps"]}

    def pasid77(dump):
        dev = [d for d in dump["devices"] if d["bdf"] == "00:03.0"][0]
        return [p for p in dev["pasids"] if p["pasid"] == 77]

    assert pasid77(replay(scn["trace"], by["start"][0], "dump")) == []
    assert [p["did"] for p in pasid77(replay(scn["trace"], by["pasid-add"][0], "dump"))] == [9]
    assert [p["did"] for p in pasid77(replay(scn["trace"], by["pasid-change"][0], "dump"))] == [10]
    assert pasid77(replay(scn["trace"], by["pasid-remove"][0], "dump")) == []


def test_events_name_the_steps():
    scn = run_scenario()
    evs = events(scn["trace"])
    t = {name: t for name, t, _, _ in scn["steps"]}

    def between(a, b, kind):
        return [e for tt, e in evs if t[a] < tt <= t[b] and e["kind"] == kind]

    add = between("start", "pasid-add", "pasid-add")
    assert [(e["bdf"], e["pasid"], e["case"]) for e in add] == [("00:03.0", 77, "c")]
    assert int(add[0]["new"][1], 16) & 0xffff == 9          # DID: bits 79:64
    ch = between("pasid-add", "pasid-change", "pasid-change")
    assert [(e["pasid"], e["case"]) for e in ch] == [(77, "b")]
    assert int(ch[0]["old"][1], 16) & 0xffff == 9 and int(ch[0]["new"][1], 16) & 0xffff == 10
    rm = between("pasid-change", "pasid-remove", "pasid-remove")
    assert [(e["pasid"], e["case"]) for e in rm] == [(77, "a")]
    inv = [e["code"] for e in between("pasid-remove", "invalidate", "inv-desc")]
    assert inv == ["iotlb", "pc", "wait"], inv
    assert between("pasid-remove", "invalidate", "iq-lost") == []
    faults = between("invalidate", "fault", "fault")
    assert faults and faults[0]["bdf"] == "00:03.0", faults
    # the fault status register says so too (FSTS.PPF, bit 1)
    fsts = [e for e in between("invalidate", "fault", "register") if e["code"] == "FSTS"]
    assert fsts and int(fsts[0]["new"][0], 16) & 2, fsts


def test_restart_is_a_gap_then_a_restart():
    scn = run_scenario()
    ls = lines(scn["trace"])[1:]
    t = {name: t for name, t, _, _ in scn["steps"]}
    gaps = [l for l in ls if l["type"] == "gap"]
    assert len(gaps) == 1, gaps
    assert t["fault"] <= gaps[0]["t"] <= gaps[0]["t_end"] <= t["after-restart"]
    after = [l for l in ls if l["t"] >= gaps[0]["t_end"] and l["type"] == "keyframe"]
    assert after and after[0]["reason"] == "restart", after[:1]
    rs = [e for e in after[0]["events"] if e["kind"] == "restart"]
    assert len(rs) == 1 and "pid" in rs[0]["text"], after[0]["events"]
    assert str(scn["pid1"]) in rs[0]["text"]


def test_torn_last_line_replays_the_prefix_with_a_note():
    scn = run_scenario()
    d = tempfile.mkdtemp(dir=workdir())
    data = open(scn["trace"], "rb").read()
    whole = data.split(b"\n")[:-1]
    # drop the end line, then cut the last delta at several places
    body = b"\n".join(whole[:-1]) + b"\n"
    last = whole[-2]
    prev_t = json.loads(whole[-3])["t"]
    for cut in (1, 2, len(last) // 2, len(last) - 1):
        path = os.path.join(d, "torn%d.trace" % cut)
        with open(path, "wb") as f:
            f.write(body[:len(body) - len(last) - 1] + last[:cut])
        r = vtd("--trace=" + path, "-j", "dump", rc=(0, 2))
        assert "note:" in r.stderr and "cut short" in r.stderr, r.stderr
        got = json.loads(r.stdout)
        want = vjson("--trace=" + scn["trace"], "--at=%.3f" % (prev_t / 1000.0), "dump")
        assert without_source(got) == without_source(want), cut


def test_file_size_limit_keeps_whole_lines():
    vg_live = os.path.join(workdir(), "live3.sock")
    g = boot_vtdguest(vg_live)
    d = tempfile.mkdtemp(dir=workdir())
    path = os.path.join(d, "small.trace")

    def small_fsize():
        resource.setrlimit(resource.RLIMIT_FSIZE, (120000, 120000))

    try:
        rec = Recorder(g.qmp_path, path, preexec_fn=small_fsize)
        # changes until the file limit stops the recorder
        i = 0
        while rec.proc.poll() is None and i < 2000:
            g.send("pasid 00:03.0 %d pgtt=second did=%d" % (200 + i % 50, 1 + i))
            i += 1
        rc, out, err = rec.stop()
    finally:
        g.stop()
    assert rc == 1, (rc, err)
    assert "File too large" in err and len(err.strip().splitlines()) == 1, err
    data = open(path, "rb").read()
    assert data.endswith(b"\n") and len(data) <= 120000
    r = vtd("--trace=" + path, "-j", "dump", rc=(0, 2))
    assert r.stderr == "", r.stderr          # whole lines only: no note
    assert json.loads(r.stdout)["devices"]


def test_full_tmpfs_keeps_whole_lines():
    if os.geteuid() != 0 or shutil.which("mount") is None:
        raise unittest.SkipTest("mounting a tmpfs needs root")
    scn = run_scenario()
    d = tempfile.mkdtemp(dir=workdir())
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "vtdctl-rec", d],
                       stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        raise unittest.SkipTest("cannot mount a tmpfs here: " + r.stderr.strip())
    live = os.path.join(workdir(), "live4.sock")
    g = boot_vtdguest(live)
    try:
        path = os.path.join(d, "full.trace")
        rec = Recorder(g.qmp_path, path)
        i = 0
        while rec.proc.poll() is None and i < 2000:
            g.send("pasid 00:03.0 %d pgtt=second did=%d" % (300 + i % 50, 1 + i))
            i += 1
        rc, out, err = rec.stop()
        assert rc == 1 and "No space left" in err, (rc, err)
        data = open(path, "rb").read()
        assert data.endswith(b"\n")
        r = vtd("--trace=" + path, "-j", "dump", rc=(0, 2))
        assert r.stderr == "" and json.loads(r.stdout)["devices"]
    finally:
        g.stop()
        subprocess.run(["umount", d])
    assert scn


def hostile_cases(good):
    ls = open(good, "rb").read().split(b"\n")[:-1]
    header, key = ls[0], ls[1]
    k = json.loads(key)
    outside = json.dumps({"t": k["t"] + 1, "type": "delta", "pages": [
        {"gpa": "0x%x" % (1 << 40), "nz": "AQ==", "data": "AQAAAAAAAAA="}]}).encode()
    return {
        "bad-magic": (header.replace(b"vtdctl-trace", b"vtdctl-trick") + b"\n" + key + b"\n",
                      "not a vtdctl trace"),
        "version-9": (header.replace(b'"version":1', b'"version":9') + b"\n" + key + b"\n",
                      "version 9"),
        "delta-first": (header + b"\n" + json.dumps({"t": 1, "type": "delta"}).encode()
                        + b"\n", "a delta before any keyframe"),
        "page-outside-ram": (header + b"\n" + key + b"\n" + outside + b"\n",
                             "not in the snapshot's RAM"),
        "long-line": (header + b"\n" + key + b"\n" + b" " * (64 << 20) + b"x\n",
                      "longer than 64 MiB"),
        "time-goes-back": (header + b"\n" + key + b"\n" +
                           json.dumps({"t": k["t"] - 5, "type": "end"}).encode() + b"\n",
                           "before the line above"),
        "not-a-file": (None, "not a regular file"),
    }


def test_hostile_traces_one_error_line():
    scn = run_scenario()
    d = tempfile.mkdtemp(dir=workdir())
    for name, (data, words) in hostile_cases(scn["trace"]).items():
        path = os.path.join(d, name)
        if data is None:
            os.mkfifo(path)
        else:
            with open(path, "wb") as f:
                f.write(data)
        r = run("--trace=" + path, "dump", check=False, timeout=60)
        assert r.returncode == 1, (name, r.returncode, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1 and words in r.stderr, (name, r.stderr)
        assert r.stdout == "", name
    # a time outside the recording, a bad time, --at without --trace
    r = run("--trace=" + scn["trace"], "--at=2000-01-01T00:00:00Z", "dump", check=False)
    assert r.returncode == 1 and "before the first sample" in r.stderr, r.stderr
    r = run("--trace=" + scn["trace"], "--at=yesterday", "dump", check=False)
    assert r.returncode == 1 and "not a time" in r.stderr, r.stderr
    r = run("--at=+1", "--qmp=/nonexistent", "dump", check=False)
    assert r.returncode == 1 and "--trace" in r.stderr, r.stderr


def test_record_usage_errors():
    r = run("--qmp=/nonexistent", "record", check=False)
    assert r.returncode == 1 and "-o FILE" in r.stderr
    r = run("--qmp=/nonexistent", "-s", "00:03.0", "record", "-o", "/tmp/x", check=False)
    assert r.returncode == 1 and "every device" in r.stderr
    r = run("--snapshot=/nonexistent", "record", "-o", "/tmp/x", check=False)
    assert r.returncode == 1 and "live target" in r.stderr
    r = run("--qmp=/nonexistent", "record", "-o", "/tmp/x", "--max-size=1k", check=False)
    assert r.returncode == 1 and "max-size" in r.stderr
    r = run("--qmp=/nonexistent", "record", "-o", os.path.join(workdir(), "n.trace"),
            check=False)
    assert r.returncode == 1 and not os.path.exists(os.path.join(workdir(), "n.trace"))


def test_linux_guest_recorded_replays_equal_to_live():
    sys.path.insert(0, os.path.join(REPO, "tests", "lib"))
    import guest as guestlib
    cell = guestlib.CELLS["q72-l61-scalable"]
    why = cell.missing()
    if why:
        raise unittest.SkipTest(why)
    live = os.path.join(workdir(), "linux-live.sock")
    g = guestlib.Guest.for_cell(cell, timeout=900, extra_args=[
        "-qmp", "unix:%s,server=on,wait=off" % live]).start()
    try:
        path = os.path.join(workdir(), "linux.trace")
        r = vtd("--qmp=" + g.qmp_path, "record", "-o", path, "--duration=3")
        assert "samples" in r.stdout
        # the guest's tables settle after boot; compare the walked model
        for _ in range(20):
            want = vjson("--qmp=" + live, "dump")
            got = vjson("--trace=" + path, "dump")
            if without_source(got)["devices"] == want["devices"]:
                break
            r = vtd("--qmp=" + g.qmp_path, "record", "-o", path, "--duration=2")
        assert without_source(got)["devices"] == want["devices"]
        assert without_source(got)["iommu"] == want["iommu"]
        assert len(want["devices"]) >= 8 and any(d["pasids"] for d in want["devices"])
        assert vjson("--trace=" + path, "check")["findings"] == \
            vjson("--qmp=" + live, "check")["findings"]
    finally:
        g.stop()


def test_record_all_domains_one_file_each():
    sys.path.insert(0, os.path.join(REPO, "tests", "lib"))
    import libvirtd
    why = libvirtd.missing()
    if why:
        raise unittest.SkipTest(why)
    scn = {"rec-a": "scalable-basic", "rec-b": "legacy-basic"}
    with libvirtd.Libvirtd() as d:
        for name, s in scn.items():
            d.define(d.vtdguest_domain_xml(name, vtdguest.scenario_path(s)))
            d.start_domain(name)
        for name in scn:
            d.wait_ready(name, timeout=600, marker="READY")
        out = os.path.join(workdir(), "all")
        r = run("-c", d.uri, "--all", "record", "-o", out, "--duration=2", "-i", "200",
                check=False, timeout=600)
        assert r.returncode == 0, r.stderr
        assert sorted(os.listdir(out)) == ["rec-a.trace", "rec-b.trace"]
        for name in scn:
            path = os.path.join(out, name + ".trace")
            ls = lines(path)
            assert ls[0]["source"] == {"kind": "libvirt", "target": name}, ls[0]
            assert ls[1]["reason"] == "start" and ls[-1]["type"] == "end"
            got = vjson("--trace=" + path, "dump")
            live = vjson("--qmp=" + d.qmp_path(name), "dump")
            assert got["devices"] == live["devices"], name
            assert got["devices"], name


def test_a_lap_of_the_queue_between_two_samples_is_said():
    """130 descriptors into a 128-slot queue between two samples (-i 20000):
    the recording says at least 128 were not seen, and lists the slots the
    tail moved over (2), as docs/trace-format.md says."""
    live = os.path.join(workdir(), "live-lap.sock")
    g = boot_vtdguest(live)
    path = os.path.join(workdir(), "lap.trace")
    try:
        rec = Recorder(g.qmp_path, path, "-i", "20000")
        wait_for(lambda: len(lines(path)) >= 2, "the first keyframe")
        t0 = time.monotonic()
        for _ in range(130):
            g.send("inv iotlb gran=global")
        sent_in = time.monotonic() - t0
        wait_for(lambda: len(lines(path)) >= 3, "the second sample", timeout=120)
        rc, out, err = rec.stop()
    finally:
        g.stop()
    assert rc == 0, err
    if sent_in >= 20:
        raise unittest.SkipTest("the 130 lines took %.0f s: more than one interval" % sent_in)
    evs = [e for _, e in events(path)]
    lost = [e for e in evs if e["kind"] == "iq-lost"]
    assert len(lost) == 1 and lost[0]["count"] == 128, lost
    assert len([e for e in evs if e["kind"] == "inv-desc"]) == 130 - 128
