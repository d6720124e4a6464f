# SPDX-License-Identifier: GPL-2.0-or-later
"""`vtdctl snapshot`, `--snapshot=FILE` and `vtdctl diff` against real QEMUs.

Round trip: a snapshot of the real Linux guest (tests/lib/guest.py, QEMU 7.2 +
Linux 6.1, scalable mode) read back offline gives the same `dump`, `regs`,
`faults`, `iq` and `ir` JSON as the live guest (source kind/target/access
aside). Diff: the freestanding test guest (tests/guest/vtdguest) changes its
PASID tables over the serial port between two snapshots; the expected change
list is the list of scenario lines this test sends, not vtdctl's output.
Bad input: snapshots corrupted here (truncated, wrong magic or version, huge
sizes, garbage pages) give one error line and exit 1. Atomic write: a write
that fails (RLIMIT_FSIZE, a full tmpfs) leaves no file behind."""

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import unittest

import snapfile
from vtdctl import binary, run

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "guest", "vtdguest"))
import boot as vtdguest  # noqa: E402

_state = {}


def workdir():
    if "dir" not in _state:
        _state["dir"] = tempfile.mkdtemp(prefix="vtdctl-snap-")
        import atexit
        atexit.register(shutil.rmtree, _state["dir"], True)
    return _state["dir"]


def linux_guest():
    from guest import shared_guest
    return shared_guest("q72-l61-scalable")


def vtdguest_booted():
    if shutil.which(os.environ.get("QEMU") or "qemu-system-x86_64") is None:
        raise unittest.SkipTest("no QEMU")
    if "vg" not in _state:
        _state["vg"] = vtdguest.boot(vtdguest.scenario_path("scalable-basic"))
    return _state["vg"]


def vtd(*args, rc=(0,)):
    r = run(*args, check=False)
    assert r.returncode in rc, "vtdctl %s: exit %d (want %s)\nstderr: %s" % (
        " ".join(args), r.returncode, rc, r.stderr)
    return r


def vjson(*args, rc=(0, 2)):
    return json.loads(vtd("-j", *args, rc=rc).stdout)


def snapshot(target, name, *extra):
    path = os.path.join(workdir(), name)
    r = vtd(target, "snapshot", "-o", path, *extra)
    assert r.stderr == "", r.stderr
    assert os.path.isfile(path)
    return path


def strip_source(d):
    d = dict(d)
    src = dict(d.pop("source"))
    for k in ("kind", "target", "access"):
        src.pop(k)
    src.pop("format", None)     # a dump's file format (a snapshot of a dump keeps it)
    src.pop("access_why", None)     # live only: why RAM was read that way
    return d, src


# --- round trip on the real Linux guest --------------------------------------

def linux_snapshot():
    if "linux" not in _state:
        g = linux_guest()
        _state["linux"] = snapshot("--qmp=" + g.qmp_path, "linux.snap")
    return _state["linux"]


def test_dump_of_snapshot_equals_live_dump():
    g = linux_guest()
    snap = linux_snapshot()
    live = vjson("--qmp=" + g.qmp_path, "dump")
    off = vjson("--snapshot=" + snap, "dump")
    assert off["source"]["kind"] == "snapshot" and off["source"]["target"] == snap
    assert strip_source(live) == strip_source(off)
    assert len(live["devices"]) >= 8 and any(d["pasids"] for d in live["devices"])
    # the text rendering too, below its header lines naming the source
    t_live = vtd("--qmp=" + g.qmp_path, "-vv", "dump", rc=(0, 2)).stdout
    t_off = vtd("--snapshot=" + snap, "-vv", "dump", rc=(0, 2)).stdout
    assert [l for l in t_live.splitlines() if "00:" in l] == \
        [l for l in t_off.splitlines() if "00:" in l]


def test_other_commands_of_snapshot_equal_live():
    g = linux_guest()
    snap = linux_snapshot()
    for cmd in ("regs", "faults", "iq", "ir", "check"):
        live = vtd("--qmp=" + g.qmp_path, "-j", cmd, rc=(0, 1, 2))
        off = vtd("--snapshot=" + snap, "-j", cmd, rc=(0, 1, 2))
        assert live.returncode == off.returncode, (cmd, live.stderr, off.stderr)
        if live.returncode == 1:
            continue        # a command not built yet fails the same way on both
        a, b = json.loads(live.stdout), json.loads(off.stdout)
        for x in (a, b):
            x.pop("source", None)
            # the QEMU pid comes from the socket's peer, not the monitor:
            # a snapshot does not know it
            if isinstance(x.get("host"), dict):
                x["host"].pop("pid", None)
        assert a == b, cmd


def test_snapshot_with_page_tables_answers_xlate_offline():
    """snapshot --pages keeps every page table: xlate and dump --pages of the
    snapshot equal the live ones (the Linux guest's 16 MiB identity maps);
    without --pages the snapshot has no page tables for xlate to walk."""
    g = linux_guest()
    snap = snapshot("--qmp=" + g.qmp_path, "linux-pages.snap", "--pages")
    live = vjson("--qmp=" + g.qmp_path, "--pages", "dump")
    off = vjson("--snapshot=" + snap, "--pages", "dump")
    assert strip_source(live) == strip_source(off)
    mapped = [(d["bdf"], p["pasid"]) for d in live["devices"] for p in d["pasids"]
              if p.get("mappings", {}).get("ranges")]
    assert mapped, live
    bdf, pasid = mapped[0]
    for iova in ("0x1000", "0xabc123", "0x1000000"):        # in, in, just past 16 MiB
        args = ("-s", bdf, "--pasid=%d" % pasid, "xlate", iova)
        a = vtd("--qmp=" + g.qmp_path, "-j", *args, rc=(0, 2))
        b = vtd("--snapshot=" + snap, "-j", *args, rc=(0, 2))
        assert a.returncode == b.returncode, (iova, a.stdout, b.stdout)
        ja, jb = json.loads(a.stdout), json.loads(b.stdout)
        ja.pop("source", None)
        jb.pop("source", None)
        assert ja == jb, iova
    bare = vtd("--snapshot=" + linux_snapshot(), "-j", "-s", bdf, "--pasid=%d" % pasid,
               "xlate", "0x1000", rc=(0, 1, 2))
    assert bare.returncode != 0, bare.stdout
    assert os.path.getsize(snap) > os.path.getsize(linux_snapshot())


def test_snapshot_is_small_and_self_describing():
    snap = linux_snapshot()
    size = os.path.getsize(snap)
    with open(snap) as f:
        s = json.load(f)
    assert s["magic"] == "vtdctl-snapshot" and s["version"] == 2
    assert s["qemu"]["version"].startswith("7.2"), s["qemu"]
    assert s["source"]["kind"] == "qmp" and s["mmio_base"] == "0xfed90000"
    assert s["created"].endswith("Z") and s["registers"]["0x20"]
    pages = [int(p["gpa"], 16) for p in s["pages"]]
    assert pages == sorted(set(pages)) and all(p % 4096 == 0 for p in pages)
    # the root table is among the pages, with its non-zero qwords only
    rt = int(s["registers"]["0x20"], 16) & ~0xfff
    assert rt in pages
    words = snapfile.pages(s)[rt]
    assert words and all(v for v in words.values()), words
    assert size < 256 * 1024, size


def test_snapshot_over_xp_equals_proc_mem():
    g = linux_guest()
    a = linux_snapshot()
    b = snapshot("--qmp=" + g.qmp_path, "linux-xp.snap", "--no-proc-mem")
    with open(a) as fa, open(b) as fb:
        sa, sb = json.load(fa), json.load(fb)
    assert sb["source"]["access"] == "xp"
    assert sa["pages"] == sb["pages"] and sa["registers"] == sb["registers"]
    assert vtd("diff", a, b).stdout == ""     # exit 0: no difference


# --- diff around a scenario change on the freestanding guest -----------------

# Sent over the serial port between the two snapshots.
CHANGE = [
    "pasid 00:03.0 5 pgtt=second did=12 aw=1",     # added
    "inv pc gran=pasid did=12 pasid=5",
    "nopasid 00:03.0 64",                           # removed
    "inv pc gran=pasid did=8 pasid=64",
    "pasid 00:03.0 3 pgtt=pt did=2 aw=1",           # DID 1 -> 2
    "inv pc gran=pasid did=1 pasid=3",
]
EXPECTED = {("pasid_added", "00:03.0", 5, None),
            ("pasid_removed", "00:03.0", 64, None),
            ("pasid_changed", "00:03.0", 3, "did")}


def vtdguest_snapshots():
    if "before" not in _state:
        vg = vtdguest_booted()
        target = "--qmp=" + vg.qmp_path
        _state["before"] = snapshot(target, "before.snap")
        _state["same"] = snapshot(target, "same.snap")
        for line in CHANGE:
            vg.send(line)
        _state["after"] = snapshot(target, "after.snap")
    return _state["before"], _state["same"], _state["after"]


def test_vtdguest_snapshot_round_trip():
    vg = vtdguest_booted()
    before, _, _ = vtdguest_snapshots()
    vg_after = vjson("--qmp=" + vg.qmp_path, "dump")
    # the live state is now "after": compare it with the after snapshot
    off = vjson("--snapshot=" + _state["after"], "dump")
    assert strip_source(vg_after) == strip_source(off)
    assert vjson("--snapshot=" + before, "dump")["devices"][0]["bdf"] == "00:03.0"


def test_diff_lists_exactly_the_change():
    before, same, after = vtdguest_snapshots()
    assert vtd("diff", before, same, rc=(0,)).stdout == ""
    d = vjson("diff", before, after, rc=(2,))
    assert d["a"]["file"] == before and d["b"]["file"] == after
    got = {(c["kind"], c.get("bdf"), c.get("pasid"), c.get("field"))
           for c in d["changes"] if c["kind"] != "register_changed"}
    assert got == EXPECTED, d["changes"]
    # the invalidations moved the queue, and nothing else among the registers
    regs = {c["name"] for c in d["changes"] if c["kind"] == "register_changed"}
    assert "IQT" in regs and regs <= {"IQH", "IQT"}, regs
    c = {(c["kind"], c.get("pasid")): c for c in d["changes"]}
    assert c[("pasid_changed", 3)]["old"] == 1 and c[("pasid_changed", 3)]["new"] == 2
    assert c[("pasid_added", 5)]["did"] == 12
    assert c[("pasid_added", 5)]["pgtt"] == "second-stage"
    assert c[("pasid_removed", 64)]["did"] == 8
    text = vtd("diff", before, after, rc=(2,)).stdout.splitlines()
    assert text[0].startswith("--- " + before) and text[1].startswith("+++ " + after)
    assert "+ pasid 00:03.0 5 did=12 pgtt=second-stage" in "\n".join(text)
    assert "- pasid 00:03.0 64 did=8" in "\n".join(text)
    assert "~ pasid 00:03.0 3 did: 1 -> 2" in text
    # the reverse diff swaps added and removed
    r = vjson("diff", after, before, rc=(2,))
    kinds = {(c["kind"], c.get("pasid")) for c in r["changes"]}
    assert ("pasid_removed", 5) in kinds and ("pasid_added", 64) in kinds


def test_diff_filters_and_usage():
    before, _, after = vtdguest_snapshots()
    # --pasid filters both walks: only PASID 3's change is left
    d = vjson("--pasid=3", "diff", before, after, rc=(2,))
    assert {(c["kind"], c.get("pasid")) for c in d["changes"]
            if c["kind"] != "register_changed"} == {("pasid_changed", 3)}
    r = vtd("diff", before, rc=(1,))
    assert r.stderr.count("\n") == 1 and "two snapshot" in r.stderr


# --- bad snapshots -----------------------------------------------------------

def corrupt_cases(good):
    with open(good) as f:
        text = f.read()
    s = json.loads(text)
    # the first page after the first RAM range: a hole (VGA memory on a PC)
    hole = int(s["ram"][0]["start"], 16) + int(s["ram"][0]["size"], 16)
    assert hole % 4096 == 0 and hole < int(s["ram"][1]["start"], 16), s["ram"]

    def mutated(fn, v1=False):
        x = json.loads(text)
        if v1:
            x = snapfile.to_v1(x)
        fn(x)
        return json.dumps(x)

    def set_(path, value):
        def fn(x):
            o = x
            for k in path[:-1]:
                o = o[k]
            o[path[-1]] = value
        return fn

    return {
        "truncated": (text[:len(text) // 2], "truncated"),
        "empty": ("", "empty"),
        "binary": ("\x7fELF\x02\x01\x01" + "\0" * 50, "not a vtdctl snapshot"),
        "bad-magic": (mutated(set_(["magic"], "vtdctl-snapshat")), "not a vtdctl snapshot"),
        "no-magic": (mutated(lambda x: x.pop("magic")), "not a vtdctl snapshot"),
        "version-3": (mutated(set_(["version"], 3)), "version 3 is not supported"),
        "version-str": (mutated(set_(["version"], "1")), "version"),
        "huge-ram": (mutated(set_(["ram", -1, "size"], "0xffffffffffffffff")), "wraps"),
        "ram-overlap": (mutated(lambda x: x["ram"].append(dict(x["ram"][0]))), "overlaps"),
        "too-many-values": (mutated(set_(["pages"], [{}] * (1 << 21))), "more than"),
        "page-unaligned": (mutated(set_(["pages", 0, "gpa"], "0x801008")), "aligned"),
        "page-outside-ram": (mutated(set_(["pages", -1, "gpa"], hex(1 << 50))), "not in the snapshot's RAM"),
        "page-duplicate": (mutated(lambda x: x["pages"].insert(1, x["pages"][0])), "ascending"),
        "page-index": (mutated(set_(["pages", 0, "q", "512"], "0x1"), v1=True), "qword index"),
        "page-index-blank": (mutated(set_(["pages", 0, "q", " 5"], "0x1"), v1=True), "qword index"),
        "page-value": (mutated(set_(["pages", 0, "q", "0"], "0x11223344556677889"), v1=True), "hex"),
        "page-not-hex": (mutated(set_(["pages", 0, "q", "0"], 12), v1=True), "hex"),
        "page-top": (mutated(set_(["pages", -1, "gpa"], "0xfffffffffffff000")), "RAM"),
        "page-nz": (mutated(set_(["pages", 0, "nz"], "!!!!")), "base64"),
        "page-data": (mutated(set_(["pages", 0, "data"], "")), "fewer words"),
        "page-v1-in-v2": (mutated(set_(["pages", 0], {"gpa": "0x1000", "q": {}})), "nz: missing"),
        "reg-unaligned": (mutated(set_(["registers", "0x1c"], "0x0")), "aligned qword"),
        "reg-beyond": (mutated(set_(["registers", "0x10000"], "0x0")), "aligned qword"),
        "monitor-errno": (mutated(set_(["monitor"], [{"command": "query-pci", "arguments": None,
                                                      "error": {"errno": "EWHAT", "message": ""}}])),
                          "unknown"),
        "monitor-both": (mutated(set_(["monitor"], [{"command": "query-pci", "arguments": None,
                                                     "return": [], "error": {}}])), "exactly one"),
        "deep": ('{"magic": "vtdctl-snapshot", "version": 1, "x": ' + "[" * 100000, "too deep"),
        "trailing": (text + "{}", "trailing"),
        "not-object": ("[1, 2, 3]", "not a vtdctl snapshot"),
        "page-in-ram-hole": (mutated(set_(["pages", 0, "gpa"], hex(hole))), "RAM"),
    }


def test_corrupt_snapshots_one_error_line():
    before, _, _ = vtdguest_snapshots()
    d = workdir()
    for name, (content, why) in sorted(corrupt_cases(before).items()):
        path = os.path.join(d, "bad-" + name)
        with open(path, "w") as f:
            f.write(content)
        # every case in JSON mode; text mode and other commands on a few
        few = name in ("truncated", "bad-magic", "page-outside-ram")
        for args in (["-j", "dump"],) + ((["dump"], ["regs"]) if few else ()):
            r = run("--snapshot=" + path, *args, check=False, timeout=60)
            assert r.returncode == 1, (name, args, r.returncode, r.stderr)
            lines = r.stderr.splitlines()
            assert len(lines) == 1 and lines[0].startswith("vtdctl: " + path), (name, r.stderr)
            assert why in lines[0], (name, why, lines[0])
            if "-j" in args:
                assert "error" in json.loads(r.stdout)
            else:
                assert r.stdout == ""
        if few:
            r = run("diff", before, path, check=False)
            assert r.returncode == 1 and len(r.stderr.splitlines()) == 1, (name, r.stderr)


def test_version_1_still_read():
    """A snapshot converted to format version 1 (by tests/lib/snapfile.py,
    from the format document) reads back to the same dump."""
    before, _, _ = vtdguest_snapshots()
    with open(before) as f:
        s = json.load(f)
    v1 = os.path.join(workdir(), "v1.snap")
    with open(v1, "w") as f:
        json.dump(snapfile.to_v1(s), f)
    a = json.loads(run("--snapshot=" + before, "-j", "dump", check=False).stdout)
    b = json.loads(run("--snapshot=" + v1, "-j", "dump", check=False).stdout)
    for j in (a, b):
        j.pop("source")
    assert a == b


def test_huge_file_and_odd_paths():
    d = workdir()
    huge = os.path.join(d, "huge.snap")
    with open(huge, "wb") as f:
        f.truncate(300 << 20)            # sparse: no disk used
    for path, why in [(huge, "larger than"), (d, "directory"),
                      (os.path.join(d, "missing.snap"), "No such file")]:
        r = run("--snapshot=" + path, "dump", check=False, timeout=30)
        assert r.returncode == 1 and len(r.stderr.splitlines()) == 1, r.stderr
        assert why in r.stderr, r.stderr
    os.unlink(huge)


# --- atomic write --------------------------------------------------------------

def leftovers(d, name):
    return [f for f in os.listdir(d) if name in f]


def test_write_failure_leaves_no_file_rlimit():
    vg = vtdguest_booted()
    d = tempfile.mkdtemp(dir=workdir())
    out = os.path.join(d, "s.snap")

    def small_fsize():
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    r = subprocess.run([binary(), "--qmp=" + vg.qmp_path, "snapshot", "-o", out],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       preexec_fn=small_fsize, timeout=120)
    assert r.returncode == 1, (r.returncode, r.stderr)
    assert r.stderr.splitlines() == [r.stderr.strip()] and "File too large" in r.stderr
    assert os.listdir(d) == [], os.listdir(d)
    # an existing snapshot is left as it was
    with open(out, "w") as f:
        f.write("old")
    r = subprocess.run([binary(), "--qmp=" + vg.qmp_path, "snapshot", "-o", out],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       preexec_fn=small_fsize, timeout=120)
    assert r.returncode == 1 and open(out).read() == "old"
    assert leftovers(d, "s.snap") == ["s.snap"]


def test_write_failure_leaves_no_file_full_tmpfs():
    if os.geteuid() != 0 or shutil.which("mount") is None:
        raise unittest.SkipTest("mounting a tmpfs needs root")
    vg = vtdguest_booted()
    d = tempfile.mkdtemp(dir=workdir())
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8k", "vtdctl-test", d],
                       stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        raise unittest.SkipTest("cannot mount a tmpfs here: " + r.stderr.strip())
    try:
        r = run("--qmp=" + vg.qmp_path, "snapshot", "-o", os.path.join(d, "s.snap"),
                check=False)
        assert r.returncode == 1, r.stderr
        assert len(r.stderr.splitlines()) == 1 and "No space left" in r.stderr, r.stderr
        assert os.listdir(d) == [], os.listdir(d)
    finally:
        subprocess.run(["umount", d])


def test_snapshot_usage_errors():
    vg = vtdguest_booted()
    t = "--qmp=" + vg.qmp_path
    for args, why in [(["snapshot"], "-o FILE"),
                      (["-o", "/dev/null", "snapshot"], "not a regular file"),
                      (["-o", os.path.join(workdir(), "no", "such", "dir"), "snapshot"],
                       "No such file"),
                      (["-s", "00:03.0", "-o", os.path.join(workdir(), "x"), "snapshot"],
                       "every device")]:
        r = run(t, *args, check=False)
        assert r.returncode == 1 and len(r.stderr.splitlines()) == 1, (args, r.stderr)
        assert why in r.stderr, (args, r.stderr)
    assert os.path.exists("/dev/null") and not os.path.isfile("/dev/null")
    # -o - writes the snapshot to stdout
    r = run(t, "snapshot", "-o", "-")
    assert json.loads(r.stdout)["magic"] == "vtdctl-snapshot"


def test_snapshot_of_a_memory_dump():
    """A dump has no registers: the snapshot records the walk from the root
    table the scan found (the scan itself unrecorded) and names it."""
    vg = vtdguest_booted()
    vtdguest_snapshots()                 # the guest is in its "after" state
    d = tempfile.mkdtemp(dir=workdir())
    core = os.path.join(d, "guest.core")
    vg.execute("dump-guest-memory", {"paging": False, "protocol": "file:" + core},
               timeout=120)
    try:
        r = vtd("--core=" + core, "snapshot", "-o", os.path.join(d, "core.snap"))
        assert "--rtaddr=0x800" in r.stdout, r.stdout     # "root 0x800000", SMT bit
        with open(os.path.join(d, "core.snap")) as f:
            s = json.load(f)
        assert s["registers"] is None and s["qemu"] is None and s["monitor"] == []
        assert s["rtaddr"]["origin"] == "scan"
        rt = s["rtaddr"]["value"]
        assert int(rt, 16) & ~0xfff == 0x800000
        assert os.path.getsize(os.path.join(d, "core.snap")) < 64 * 1024
        live = vjson("--core=" + core, "--rtaddr=" + rt, "dump")
        off = vjson("--snapshot=" + os.path.join(d, "core.snap"), "--rtaddr=" + rt, "dump")
        assert strip_source(live) == strip_source(off)
        # the dump's format is recorded, and shown back as the live run showed it
        assert s["source"]["format"] == "elf" and "pages_left_out" not in s["source"]
        assert off["source"]["format"] == live["source"]["format"] == "elf"
        assert any(p["pasid"] == 5 for p in off["devices"][0]["pasids"])
        # without --rtaddr, the snapshot's recorded value is used, and said so
        rec = vjson("--snapshot=" + os.path.join(d, "core.snap"), "dump")
        assert rec["iommu"]["rtaddr_origin"] == "recorded"
        assert rec["iommu"]["rtaddr"] == rt
        assert rec["devices"] == off["devices"]
    finally:
        os.unlink(core)
