# SPDX-License-Identifier: GPL-2.0-or-later
"""A recording of the real test guest (tests/guest/vtdguest) read back:
`log`, `diff T1 T2`, `timeline` and `watch --trace`.

The guest runs a scripted scenario over its serial port while `vtdctl record`
records it: a PASID made present (the seed patch's case c), changed in place
(case b), made non-present (case a), then a DMA to an IOVA nobody mapped (a
fault). After each step the test waits until the recording shows it, then
takes a live snapshot over a second QMP socket (the recorder holds the
first). What the replay must say comes from the script and from those live
snapshots, never from the replay's own output: the events in the script's
order with its cases, `diff` between two recorded times equal to `diff` of
the two live snapshots, one SVG lane per device the scenario programmed
(counted with an XML parser), and watch stepping to the recorded times."""

import datetime
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import xml.etree.ElementTree as ET

import pytest

from vtdctl import binary, run

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "guest", "vtdguest"))
import boot as vtdguest  # noqa: E402

pytestmark = pytest.mark.vtdguest

INTERVAL_MS = 200

SCENARIO = """\
# test_replay: two edu devices, scalable mode, a few PASIDs
#! device edu,addr=3.0
#! device edu,addr=10.0
mode scalable
ctx 00:03.0 pdts=2 rid_pasid=0
pasid 00:03.0 0 pgtt=second did=5 aw=1
map 00:03.0 stage=second iova=0x100000 gpa=0x2000000 size=8k r w
pasid 00:03.0 1 pgtt=pt did=1 aw=1
ctx 00:10.0 pdts=0 rid_pasid=0
pasid 00:10.0 0 pgtt=pt did=2 aw=1
qi on
enable
inv pc gran=global
inv iotlb gran=global
inv wait
"""
# what the scenario programs: devices and their PASIDs before the steps
DEVICES = {"00:03.0": [0, 1], "00:10.0": [0]}

# The script: (name, guest lines, the event it must give: kind, bdf, pasid, case)
STEPS = [
    ("add", ["pasid 00:03.0 9 pgtt=second did=77 aw=1",
             "inv pc gran=pasid did=77 pasid=9", "inv wait"],
     ("pasid-add", "00:03.0", 9, "c")),
    ("change", ["pasid 00:03.0 9 pgtt=pt did=78 aw=1",
                "inv pc gran=pasid did=78 pasid=9", "inv wait"],
     ("pasid-change", "00:03.0", 9, "b")),
    ("remove", ["nopasid 00:03.0 9", "inv pc gran=pasid did=78 pasid=9", "inv wait"],
     ("pasid-remove", "00:03.0", 9, "a")),
    ("fault", ["dma 00:03.0 iova=0x900000 len=64 read"],
     ("fault", "00:03.0", None, None)),
]

_rec = {}


def log_json(trace, *args, check=True):
    r = run("--trace=" + trace, "-j", "log", *args, check=False)
    if check and r.returncode != 0:
        raise AssertionError("log %s: exit %d\n%s%s" % (args, r.returncode, r.stdout[-2000:],
                                                        r.stderr))
    return r, (json.loads(r.stdout) if r.stdout.strip() else None)


def wait_for_event(trace, pred, what, timeout=30.0):
    """Poll the growing recording until an event satisfies pred; return it."""
    t0 = time.monotonic()
    while True:
        if os.path.exists(trace):
            r, o = log_json(trace, check=False)
            if r.returncode == 0 and o:
                for ev in o["events"]:
                    if pred(ev):
                        return ev
        if time.monotonic() - t0 > timeout:
            raise AssertionError("the recording never showed %s in %.0f s" % (what, timeout))
        time.sleep(0.1)


def matches(want):
    kind, bdf, pasid, case = want
    return lambda ev: (ev["kind"] == kind and ev["bdf"] == bdf and
                       (pasid is None or ev["pasid"] == pasid) and
                       (case is None or ev["case"] == case))


def recording():
    """Boot the guest, record it through the script (once per run)."""
    if "r" in _rec:
        return _rec["r"]
    if shutil.which(os.environ.get("QEMU") or "qemu-system-x86_64") is None:
        raise unittest.SkipTest("no QEMU")
    d = tempfile.mkdtemp(prefix="vtdctl-replay-")
    snap_qmp = os.path.join(d, "snap.qmp")
    g = vtdguest.boot(SCENARIO, qemu_args=["-qmp", "unix:%s,server=on,wait=off" % snap_qmp])
    g2 = None
    # the recorder reaches the VM through a link, so that a new QEMU can take
    # its place: the restart at the end
    link = os.path.join(d, "vm.qmp")
    os.symlink(g.qmp_path, link)
    trace = os.path.join(d, "guest.trace")
    rec = subprocess.Popen([binary(), "--qmp=" + link, "record", "-o", trace,
                            "-i", str(INTERVAL_MS)],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    r = {"dir": d, "guest": g, "trace": trace, "steps": {}, "snaps": {}, "tsnap": {}}
    try:
        wait_for_event(trace, lambda ev: ev["kind"] == "start", "its start")
        r["snaps"]["start"] = snapshot(snap_qmp, d, "start", trace, r["tsnap"])
        for name, lines, want in STEPS:
            for line in lines:
                g.send(line)
            ev = wait_for_event(trace, matches(want), "step %s %s" % (name, want))
            r["steps"][name] = ev
            r["snaps"][name] = snapshot(snap_qmp, d, name, trace, r["tsnap"])
        # the VM restarts: this QEMU goes, another comes on the same path
        g.stop()
        g2 = vtdguest.boot(SCENARIO)
        os.unlink(link)
        os.symlink(g2.qmp_path, link)
        r["steps"]["restart"] = wait_for_event(trace, lambda ev: ev["kind"] == "restart",
                                               "the restart")
    finally:
        rec.send_signal(signal.SIGINT)
        out, err = rec.communicate(timeout=30)
        r["record_rc"], r["record_err"] = rec.returncode, err
        g.stop()
        if g2:
            g2.stop()
    _rec["r"] = r
    return r


def iso_ms(s):
    dt = datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ")
    return int(dt.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000 + 0.5)


def picture(*args):
    """What dump and regs show of a state: devices, findings, the unit and
    every register (not the source it came from)"""
    rr = run(*args, "-j", "dump", check=False)
    rg = run(*args, "-j", "regs", check=False)
    if rr.returncode not in (0, 2) or rg.returncode not in (0, 2):
        return None
    o = json.loads(rr.stdout)
    pic = {k: o.get(k) for k in ("devices", "findings", "iommu")}
    pic["registers"] = json.loads(rg.stdout).get("registers")
    return pic


def snapshot(qmp, d, name, trace, tsnap):
    """A live snapshot; then wait until the recording has caught up with it
    (the recorder writes a sample only when something changed, so the state
    at a time after the step is the snapshot's once its dump says so) and
    keep that time for diff."""
    path = os.path.join(d, name + ".snap")
    run("--qmp=" + qmp, "snapshot", "-o", path)
    live = picture("--snapshot=" + path)
    t0 = time.monotonic()
    while True:
        t = int(time.time() * 1000)
        if picture("--trace=" + trace, "--at=%.3f" % (t / 1000.0)) == live:
            tsnap[name] = t
            return path
        if time.monotonic() - t0 > 30:
            raise AssertionError("the recording never caught up with the live snapshot %s"
                                 % name)
        time.sleep(0.1)


# --- log ------------------------------------------------------------------------

def test_record_ends_cleanly_on_sigint():
    r = recording()
    assert r["record_rc"] == 0, r["record_err"]


def test_log_events_follow_the_script_in_order():
    r = recording()
    _, o = log_json(r["trace"])
    evs = o["events"]
    assert evs[0]["kind"] == "start", evs[:3]
    times = [e["t_ms"] for e in evs]
    assert times == sorted(times), "events out of time order"
    # the scripted events, in the script's order, with their cases
    want = [w for _, _, w in STEPS]
    got = [e for e in evs if any(matches(w)(e) for w in want)]
    firsts = []
    for w in want:
        i = next(i for i, e in enumerate(got) if matches(w)(e))
        firsts.append(i)
    assert firsts == sorted(firsts), [(e["kind"], e["pasid"], e["case"]) for e in got]
    # nothing about PASID 9 but the three steps
    nine = [(e["kind"], e["case"]) for e in evs if e["bdf"] == "00:03.0" and e["pasid"] == 9
            and e["kind"].startswith("pasid-")]
    assert nine == [("pasid-add", "c"), ("pasid-change", "b"), ("pasid-remove", "a")], nine
    # every key the man page documents, and only those
    keys = {"time", "t_ms", "end", "end_ms", "kind", "bdf", "bus", "devfn", "pasid",
            "case", "code", "count", "old", "new", "text"}
    assert all(set(e) == keys for e in evs), [set(e) ^ keys for e in evs if set(e) != keys]
    assert set(o) == {"trace", "events", "listed", "not_listed"}, o.keys()
    assert o["listed"] == len(evs) and o["not_listed"] == 0


def test_log_marks_the_gap_and_the_restart():
    """The restart at the end: a gap while no QEMU answered, then a restart,
    after the fault, both kept by -s (they concern every device)."""
    r = recording()
    for args in ([], ["-s", "00:10.0"]):
        _, o = log_json(r["trace"], *args)
        evs = o["events"]
        gaps = [e for e in evs if e["kind"] == "gap"]
        rst = [e for e in evs if e["kind"] == "restart"]
        assert len(gaps) == 1 and len(rst) == 1, [e["kind"] for e in evs]
        g = gaps[0]
        assert r["steps"]["fault"]["t_ms"] <= g["t_ms"] <= g["end_ms"] <= rst[0]["t_ms"], (g, rst)
    text = run("--trace=" + r["trace"], "log").stdout
    assert re.search(r"  gap +unreachable until\s+\S+Z\s+\(\+\d+\.\d{3}s\)", text), text


def test_log_text_names_the_cases_and_aligns():
    r = recording()
    out = run("--trace=" + r["trace"], "log").stdout
    lines = out.splitlines()
    assert lines[0].startswith("trace %s: " % r["trace"]), lines[0]
    assert all(len(l) <= 100 for l in lines), [l for l in lines if len(l) > 100]
    head = next(i for i, l in enumerate(lines) if l.startswith("TIME "))
    what = lines[head].index("WHAT")
    _, o = log_json(r["trace"])
    day = o["events"][0]["time"][:10]
    assert lines[head + 1] == day + " (UTC)", lines[head + 1]
    # each event: one line, and its WHAT wrapped onto lines under that column
    rx = re.compile(r"^(\d\d:\d\d:\d\d\.\d{3})  +(\+\d+\.\d{3}s)  "
                    r"(\S+) +(\S+) +(\S+) +(.*)$")
    events, cur = [], None
    for l in lines[head + 2:]:
        m = rx.match(l)
        if m:
            assert m.start(6) == what, l
            cur = list(m.groups())
            events.append(cur)
        else:
            assert cur and l[:what].strip() == "" and l[what] != " ", l
            cur[5] += " " + l[what:]
    assert [e[0] for e in events] == [e["time"][11:23] for e in o["events"]]
    assert [(e[2], e[4]) for e in events] == [(e["bdf"] or "-", e["kind"]) for e in o["events"]]
    add = [e for e in events if e[4] == "pasid-add" and e[3] == "9"]
    assert add and add[0][2] == "00:03.0", out
    assert add[0][5].startswith("case c (not present -> present)"), add[0][5]
    rem = [e for e in events if e[4] == "pasid-remove" and e[3] == "9"]
    assert rem and rem[0][5].startswith("case a (present -> not present)"), out


def test_log_colours_only_under_color():
    r = recording()
    plain = run("--trace=" + r["trace"], "log").stdout
    assert "\x1b[" not in plain
    col = run("--trace=" + r["trace"], "--color=always", "log").stdout
    assert re.search(r"\x1b\[[0-9;]*mpasid-add", col), col[:2000]


def test_log_filters():
    r = recording()
    marks = {"start", "gap", "restart", "iq-lost", "keyframe"}
    # -s: that device's events and the marks only
    _, o = log_json(r["trace"], "-s", "00:10.0")
    assert all(e["bdf"] == "00:10.0" or e["kind"] in marks for e in o["events"]), o["events"]
    assert not any(e["pasid"] == 9 for e in o["events"])
    _, o = log_json(r["trace"], "-s", "3")          # lspci-style: slot 3 on any bus
    assert any(matches(STEPS[0][2])(e) for e in o["events"])
    assert all(e["bdf"] == "00:03.0" or e["kind"] in marks for e in o["events"])
    # --pasid
    _, o = log_json(r["trace"], "--pasid=9")
    kinds = [e["kind"] for e in o["events"] if e["kind"] not in marks]
    assert kinds and all(e["pasid"] == 9 for e in o["events"] if e["kind"] not in marks)
    assert [k for k in kinds if k.startswith("pasid-")] == ["pasid-add", "pasid-change",
                                                            "pasid-remove"], kinds
    # --since / --until: by the recorded times of the steps
    t_add, t_rem = r["steps"]["add"]["t_ms"], r["steps"]["remove"]["t_ms"]
    _, o = log_json(r["trace"], "--since=%.3f" % ((t_add + 1) / 1000.0),
                    "--until=%.3f" % (t_rem / 1000.0))
    evs = [e for e in o["events"] if e["kind"] != "gap"]
    assert evs and all(t_add < e["t_ms"] <= t_rem for e in evs), evs
    assert not any(matches(STEPS[0][2])(e) for e in evs)          # before --since
    assert any(matches(STEPS[2][2])(e) for e in evs)
    assert not any(matches(STEPS[3][2])(e) for e in evs)          # after --until
    # a filter that matches nothing is an error naming what there is
    rr = run("--trace=" + r["trace"], "-s", "05:00.0", "log", check=False)
    assert rr.returncode == 1 and "00:03.0" in rr.stderr, (rr.returncode, rr.stderr)
    rr = run("--trace=" + r["trace"], "--since=nonsense", "log", check=False)
    assert rr.returncode == 1 and "not a time" in rr.stderr, rr.stderr


def test_log_output_budget():
    r = recording()
    rr = run("--trace=" + r["trace"], "--max-output=1", "log", check=False)
    assert rr.returncode == 2, rr.returncode
    assert re.search(r"\.\.\. \d+ more events not listed", rr.stdout), rr.stdout[-500:]
    rr = run("--trace=" + r["trace"], "--max-output=1", "-j", "log", check=False)
    o = json.loads(rr.stdout)
    assert rr.returncode == 2 and o["not_listed"] > 0 and o["listed"] + o["not_listed"] > 3


# --- diff T1 T2 ----------------------------------------------------------------

def changes_of(*args, target=()):
    rr = run(*target, "-j", "diff", *args, check=False)
    assert rr.returncode in (0, 2), (args, rr.returncode, rr.stderr)
    return rr.returncode, json.loads(rr.stdout)["changes"]


@pytest.mark.parametrize("a,b", [("start", "add"), ("add", "change"), ("change", "remove"),
                                 ("remove", "fault"), ("start", "fault")])
def test_diff_between_two_times_equals_diff_of_live_snapshots(a, b):
    r = recording()
    ta, tb = ("%.3f" % (r["tsnap"][x] / 1000.0) for x in (a, b))
    rc_live, live = changes_of(r["snaps"][a], r["snaps"][b])
    rc_rec, rec = changes_of(ta, tb, target=["--trace=" + r["trace"]])
    assert rc_rec == rc_live and rc_live == 2
    key = lambda c: json.dumps(c, sort_keys=True)
    assert sorted(map(key, rec)) == sorted(map(key, live)), (
        "recorded:\n%s\nlive:\n%s" % ("\n".join(map(key, rec)), "\n".join(map(key, live))))


def test_diff_of_a_time_with_itself_is_empty():
    r = recording()
    t = "%.3f" % (r["steps"]["change"]["t_ms"] / 1000.0)
    rc, ch = changes_of(t, t, target=["--trace=" + r["trace"]])
    assert rc == 0 and ch == []


# --- timeline --------------------------------------------------------------------

LANE_COLOURS = {(0xf1, 0xf4, 0xf9), (0xe8, 0xed, 0xf4)}      # man vtdctl: timeline


def fill_rgb(style):
    m = re.search(r"fill:\s*rgb\(([\d.]+)%,\s*([\d.]+)%,\s*([\d.]+)%\)", style or "")
    if m:
        return tuple(round(float(x) * 255 / 100) for x in m.groups())
    m = re.search(r"fill:\s*#([0-9a-fA-F]{6})", style or "")
    if m:
        return tuple(int(m.group(1)[i:i + 2], 16) for i in (0, 2, 4))
    return None


def lane_bands(svg_path):
    root = ET.parse(svg_path).getroot()
    assert root.tag.endswith("svg"), root.tag
    bands = []
    for el in root.iter():
        if not el.tag.endswith("path"):
            continue
        rgb = fill_rgb(el.get("style")) or fill_rgb("fill:" + (el.get("fill") or ""))
        if rgb and any(all(abs(a - b) <= 1 for a, b in zip(rgb, c)) for c in LANE_COLOURS):
            bands.append(el)
    return bands


def stroked(el, rgb):
    m = re.search(r"stroke:\s*rgb\(([\d.]+)%,\s*([\d.]+)%,\s*([\d.]+)%\)", el.get("style") or "")
    return m and all(abs(round(float(x) * 255 / 100) - c) <= 1 for x, c in zip(m.groups(), rgb))


def test_timeline_svg_draws_the_gap_and_the_restart():
    """man vtdctl: gaps shade every lane (#9aa3ad, translucent), restarts are
    dashed red lines (#b00020); the recording has one of each."""
    r = recording()
    out = os.path.join(r["dir"], "marks.svg")
    run("--trace=" + r["trace"], "timeline", "-o", out)
    root = ET.parse(out).getroot()
    paths = [el for el in root.iter() if el.tag.endswith("path")]
    opacity = lambda el: float((re.search(r"fill-opacity:\s*([\d.]+)", el.get("style") or "")
                                or re.match("()", "1")).group(1) or 1)
    # the legend's swatch is opaque
    gap = [el for el in paths if fill_rgb(el.get("style")) == (0x9a, 0xa3, 0xad) and
           opacity(el) < 1]
    dashed = [el for el in paths if "stroke-dasharray" in (el.get("style") or "") and
              stroked(el, (0xb0, 0x00, 0x20))]
    # the legend draws one dashed line too
    assert len(gap) == 1 and len(dashed) == 2, (len(gap), len(dashed))


def test_timeline_svg_has_one_lane_per_device():
    r = recording()
    out = os.path.join(r["dir"], "t.svg")
    rr = run("--trace=" + r["trace"], "timeline", "-o", out)
    assert os.path.getsize(out) < 4 << 20
    assert len(lane_bands(out)) == len(DEVICES), rr.stdout
    # -s: one lane
    out1 = os.path.join(r["dir"], "t1.svg")
    run("--trace=" + r["trace"], "-s", "00:10.0", "timeline", "-o", out1)
    assert len(lane_bands(out1)) == 1
    # a PNG too, and nothing left behind when the directory is wrong
    png = os.path.join(r["dir"], "t.png")
    run("--trace=" + r["trace"], "timeline", "-o", png)
    with open(png, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    bad = os.path.join(r["dir"], "nodir", "t.svg")
    rr = run("--trace=" + r["trace"], "timeline", "-o", bad, check=False)
    assert rr.returncode == 1 and not os.path.exists(os.path.dirname(bad))


# --- watch --trace -------------------------------------------------------------------

def utc(ms):
    t = time.gmtime(ms // 1000)
    return time.strftime("%Y-%m-%d %H:%M:%S", t) + ".%03d" % (ms % 1000)


def pasids_of(text, bdf):
    """The PASIDS column of a device row on watch's device list"""
    for line in text.splitlines():
        m = re.match(r"^.%s\s+scalable\s+\S+\s+\d+\s+(\d+)\b" % re.escape(bdf), line)
        if m:
            return int(m.group(1))
    return None


def test_watch_trace_steps_to_the_recorded_times():
    from test_watch import Pane
    r = recording()
    _, o = log_json(r["trace"])
    first = o["events"][0]["t_ms"]
    t_add, t_rem, t_fault = (r["steps"][k]["t_ms"] for k in ("add", "remove", "fault"))
    base = len(DEVICES["00:03.0"])
    status = lambda t: t.rstrip("\n").splitlines()[-1]
    with Pane([binary(), "--trace=" + r["trace"], "watch"]) as p:
        text = p.wait_text(r"^ 00:03\.0 ")
        assert "REPLAY" in text.splitlines()[0], text.splitlines()[0]
        assert utc(first) in status(text) and " sample 1/" in status(text), status(text)
        assert pasids_of(text, "00:03.0") == base, text
        # '.': sample by sample, to the one that recorded the added PASID
        shown = lambda s: re.search(r"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}) UTC",
                                    status(s)).group(1)
        for _ in range(300):
            if shown(text) >= utc(t_add):
                break
            before = status(text)
            p.keys(".")
            text = p.wait(lambda s: status(s) != before, "a step")[0]
        else:
            raise AssertionError("'.' never reached %s" % utc(t_add))
        text = p.wait(lambda s: pasids_of(s, "00:03.0") == base + 1, "PASID 9 present")[0]
        # ']': from mark to mark (a fault or a finding appeared: the log's
        # times), to the fault's sample; PASID 9 is gone there
        marks = [utc(e["t_ms"]) for e in o["events"] if e["kind"] in ("fault", "finding-add")]
        for _ in range(50):
            if shown(text) >= utc(t_fault):
                break
            before = shown(text)
            p.keys("]")
            text = p.wait(lambda s: shown(s) != before, "a jump")[0]
            # the first sample at or after a mark past the one shown before
            assert any(before < m <= shown(text) for m in marks), (before, shown(text), marks)
        assert shown(text) >= utc(t_fault), status(text)
        assert pasids_of(text, "00:03.0") == base, text
        at_fault = shown(text)
        p.keys(",")
        text = p.wait(lambda s: shown(s) != at_fault, "a step back")[0]
        assert utc(t_rem) <= shown(text) < at_fault, status(text)
        # p: plays (here at 30x) to the last sample, then stops by itself
        p.keys(">", ">", ">", ">")
        p.wait(lambda s: "speed 30x" in status(s), "speed 30x")
        p.keys("p")
        text = p.wait(lambda s: re.search(r"sample (\d+)/\1\b", status(s)) and
                      "stopped 30x" in s.splitlines()[0], "the end of the recording",
                      timeout=30)[0]
        assert shown(text) >= utc(r["steps"]["restart"]["t_ms"]), status(text)
        p.keys("q")
        text = p.wait_text(r"STTY-END")
        assert "WATCH-EXIT=0" in text, text
