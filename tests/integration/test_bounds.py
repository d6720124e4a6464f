# SPDX-License-Identifier: GPL-2.0-or-later
"""Budgets (README "Bounds"): whatever the tables hold, vtdctl's time, memory
and output stay bounded, and what a budget cuts short is a finding with exit
status 2, never silence.

Generated cores (tests/hostile/mkcore.py), with the expected figures worked
out from the layout written there:
  - one page-table page whose 512 entries point at itself, shared by many
    PASIDs (--pages walked each reference: 512^4 leaves per PASID);
  - PASID entries that are all wrong (two findings each: aggregated);
  - one PASID whose page table has many full leaf tables (snapshot --pages).
CPU time is bounded the way test_hostile.py bounds it (a loaded machine
inflates wall time, not CPU time)."""

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile

from vtdctl import binary

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path[:0] = [os.path.join(REPO, "tests", "hostile"), os.path.join(REPO, "tests", "lib")]
import mkcore  # noqa: E402
import snapfile  # noqa: E402

TMP = tempfile.mkdtemp(prefix="vtdctl-bounds-")
_cores = {}
PER_CODE = 1024             # VTD_DEFAULT_PER_CODE (src/model/model.h)


def teardown_module(_):
    shutil.rmtree(TMP, True)


def core(name, build, n):
    key = (name, n)
    if key not in _cores:
        mem, rt = build(n)
        _cores[key] = (mkcore.write_core(os.path.join(TMP, "%s-%d.core" % key), mem), rt)
    path, rt = _cores[key]
    return ["--core=" + path, "--rtaddr=0x%x" % rt]


def asan_build():
    with open(binary(), "rb") as f:
        return b"__asan_init" in f.read()


def vtd(*args, cpu=5.0, want_rc=(0, 2), raw=False):
    """(rc, stdout, stderr) of one run, its CPU time under cpu seconds (3x
    under ASan); stdout as bytes with raw."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    p = subprocess.run([binary()] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=300)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    used = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    bound = cpu * (3 if asan_build() else 1)
    assert used < bound, "%s: %.2f s of CPU (bound %.1f)" % (" ".join(args), used, bound)
    assert p.returncode in want_rc, (args, p.returncode, p.stderr[-2000:])
    return p.returncode, p.stdout if raw else p.stdout.decode(), p.stderr.decode()


def codes(j):
    return [f["code"] for f in j["findings"]]


# --- --pages: a self-referencing page table ------------------------------------

def test_pages_selfref_table_shared_by_64_pasids():
    """Each PASID maps IOVA i * 4 KiB to the table page itself for the 512
    entries of the level-1 walk; the other 3 * 511 references are the same
    page at a level already walked (shared_tables). Before: 55 s and 5.2 GB."""
    target = core("selfref", mkcore.selfref_pagetable, 64)
    rc, out, _ = vtd(*target, "-j", "dump", "--pages")
    assert rc == 0 and len(out) < 8 << 20, (rc, len(out))
    j = json.loads(out)
    pasids = j["devices"][0]["pasids"]
    assert len(pasids) == 64
    want = [{"iova": hex(i << 12), "gpa": hex(mkcore.SELFREF_TABLE), "size": "0x1000",
             "read": True, "write": True} for i in range(512)]
    for p in pasids:
        m = p["mappings"]
        assert m["ranges"] == want and m["shared_tables"] == 3 * 511 and not m["truncated"]
    rc, text, _ = vtd(*target, "dump", "--pages")
    assert rc == 0 and text.count("0x0000000004000000  RW  4 KiB") == 64 * 512
    assert "1533 shared tables walked once" in text


def test_pages_budget_is_a_finding():
    """--max-ranges 1000 over 64 PASIDs of 512 ranges: the first PASID whole,
    488 of the second, nothing after; one pages_truncated finding, exit 2."""
    target = core("selfref", mkcore.selfref_pagetable, 64)
    rc, out, _ = vtd(*target, "-j", "--max-ranges=1000", "dump", "--pages")
    j = json.loads(out)
    listed = [len(p["mappings"]["ranges"]) for p in j["devices"][0]["pasids"]]
    assert listed[:2] == [512, 488] and sum(listed) == 1000, listed[:4]
    assert [p["mappings"]["truncated"] for p in j["devices"][0]["pasids"]].count(True) == 63
    f = [f for f in j["findings"] if f["code"] == "pages_truncated"]
    assert rc == 2 and len(f) == 1 and "63 page-table walk" in f[0]["message"], f
    rc, text, _ = vtd(*target, "--max-ranges=1000", "dump", "--pages")
    assert rc == 2 and "pages_truncated" in text


def test_snapshot_pages_many_pasids_sharing_a_table():
    """2^14 PASIDs share one self-referencing table: snapshot --pages walks it
    once (before: ~50 ms per PASID); the snapshot reads back to the same
    dump --pages as the core."""
    target = core("selfref", mkcore.selfref_pagetable, 1 << 14)
    snap = os.path.join(TMP, "selfref.snap")
    vtd(*target, "-o", snap, "snapshot", "--pages", cpu=5.0, want_rc=(0,))
    with open(snap) as f:
        s = json.load(f)
    assert s["version"] == 2
    assert snapfile.pages(s)[mkcore.SELFREF_TABLE] == {
        i: mkcore.SELFREF_TABLE | 3 for i in range(512)}
    rt = target[1]
    _, a, _ = vtd(*target, "-j", "--max-ranges=4096", "dump", "--pages")
    _, b, _ = vtd("--snapshot=" + snap, rt, "-j", "--max-ranges=4096", "dump", "--pages")
    a, b = json.loads(a), json.loads(b)
    for x in (a, b):
        x.pop("source")
    assert a == b


# --- findings: aggregated per device and code -----------------------------------

def test_findings_aggregated_per_device_and_code():
    """4096 PASID entries, each with reserved bits and a table pointer beyond
    RAM: 1024 of each code kept, one summary counting the other 3072."""
    n = 4096
    target = core("bad", mkcore.bad_pasids, n)
    rc, out, _ = vtd(*target, "-j", "check")
    j = json.loads(out)
    assert rc == 2
    for code in ("pasid_reserved_bits", "pointer_outside_ram"):
        kept = [f for f in j["findings"] if f["code"] == code and "more" not in f]
        more = [f for f in j["findings"] if f["code"] == code and "more" in f]
        assert len(kept) == PER_CODE, (code, len(kept))
        assert [f["more"] for f in more] == [n - PER_CODE], more
        assert more[0]["bdf"] == "00:03.0" and more[0]["pasid"] is None
        assert sorted(f["pasid"] for f in kept) == list(range(PER_CODE))
    rc, text, _ = vtd(*target, "check")
    assert "%d more of this code here" % (n - PER_CODE) in text
    # --all-findings: every one
    rc, out, _ = vtd(*target, "-j", "--all-findings", "check")
    c = codes(json.loads(out))
    assert c.count("pasid_reserved_bits") == n and c.count("pointer_outside_ram") == n
    # --max-findings: the rest counted in findings_truncated
    rc, out, _ = vtd(*target, "-j", "--max-findings=100", "dump")
    f = json.loads(out)["findings"]
    assert rc == 2 and len(f) == 101 and f[-1]["code"] == "findings_truncated"
    assert f[-1]["more"] == 2 * n - 100, f[-1]


# --- --all-findings: streamed, none held --------------------------------------------

def expected_bad_findings(n):
    """What the walk finds in mkcore.bad_pasids(n), in walk order: for each
    PASID (table at 0x2000000, 64 bytes an entry) its reserved bits, then its
    second-stage pointer 1 << 40 beyond the 256 MiB of RAM."""
    out = []
    for p in range(n):
        at = "0x%x" % (0x2000000 + 64 * p)
        out.append(("pasid_reserved_bits", p, at))
        out.append(("pointer_outside_ram", p, at))
    return out


def test_all_findings_streamed_in_walk_order():
    """dump and check --all-findings print every finding of 4096 wrong
    entries, in the order the walk meets them; --max-findings does not cut
    them; the rest of dump's object is the held dump's."""
    n = 4096
    target = core("bad", mkcore.bad_pasids, n)
    want = expected_bad_findings(n)
    for cmd in ("dump", "check"):
        for fmt in ("-j", "-p"):
            rc, out, _ = vtd(*target, fmt, "--all-findings", "--max-findings=100", cmd)
            j = json.loads(out)
            assert rc == 2 and list(j)[0] == "findings", list(j)
            got = [(f["code"], f["pasid"], f["address"]) for f in j["findings"]]
            assert got[:2 * n] == want, got[:4]
            assert [f["code"] for f in j["findings"][2 * n:]] == (
                ["host_unknown"] if cmd == "check" else [])
            assert "late_findings" not in j
            if cmd == "check":
                assert j["summary"]["errors"] == 2 * n and j["summary"]["info"] == 1
    rc, held, _ = vtd(*target, "-j", "dump")
    held = json.loads(held)
    rc, out, _ = vtd(*target, "-j", "--all-findings", "dump")
    j = json.loads(out)
    assert j["devices"][0]["finding_count"] == 2 * n
    held["devices"][0]["finding_count"] = 2 * n
    for k in ("source", "iommu", "devices"):
        assert j[k] == held[k], k


def test_all_findings_text():
    """Text: "findings:" and one line each as found, before the dump's header
    (dump) or the counts (check)."""
    n = 4096
    target = core("bad", mkcore.bad_pasids, n)
    rc, out, _ = vtd(*target, "--all-findings", "check")
    lines = out.splitlines()
    assert rc == 2 and lines[0] == "findings:"
    found = [l.split()[1] for l in lines[1:1 + 2 * n]]
    assert found == [c for c, _, _ in expected_bad_findings(n)]
    assert lines[2 * n + 2].startswith("%d errors, 0 warnings, 1 info in 1 device" % (2 * n))
    rc, out, _ = vtd(*target, "--all-findings", "dump")
    lines = out.splitlines()
    assert rc == 2 and lines[0] == "findings:"
    head = [i for i, l in enumerate(lines) if l.startswith("source: ")]
    assert len(head) == 1 and lines[head[0] - 1] == ""
    codes_before = [l.split()[1] for l in lines[1:head[0]] if l.startswith("  error")]
    assert codes_before == [c for c, _, _ in expected_bad_findings(n)]
    assert "pasid 4095 " in out[out.index("source: "):]


def test_all_findings_late_ones_and_consistent():
    """What the output budget cuts short comes after the devices, in
    late_findings; --consistent streams one walk more, agreeing."""
    target = core("bad", mkcore.bad_pasids, 4096)
    rc, out, _ = vtd(*target, "-j", "--all-findings", "--max-output=64K", "dump")
    j = json.loads(out)
    assert rc == 2 and [f["code"] for f in j["late_findings"]] == ["output_truncated"]
    assert len(j["findings"]) == 2 * 4096
    rc, a, _ = vtd(*target, "-j", "--all-findings", "--consistent", "dump")
    rc, b, _ = vtd(*target, "-j", "--all-findings", "dump")
    assert json.loads(a) == json.loads(b)


def peak_rss_mib(args):
    """(exit status, peak RSS in MiB) of one vtdctl run, stdout discarded."""
    p = subprocess.Popen([binary()] + list(args), stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    return p.returncode, ru.ru_maxrss / 1024


def test_all_findings_memory_does_not_grow_with_findings():
    """2^20 wrong PASID entries, 2^21 findings: --all-findings streams them,
    so its peak RSS is the run's without them (the model and the held,
    bounded findings) plus a small constant; held, they took 1.3 GB (check)
    and 780 MB (-j dump)."""
    if asan_build():
        return      # ASan's shadow memory is not the program's
    target = core("bad", mkcore.bad_pasids, 1 << 20)
    for fmt in ([], ["-j"]):
        for cmd in ("check", "dump"):
            rc0, base = peak_rss_mib(target + fmt + [cmd])
            # --max-findings lets a program that held them hold all 2^21
            rc, rss = peak_rss_mib(target + fmt + ["--all-findings",
                                                   "--max-findings=4194304", cmd])
            assert rc0 == rc == 2
            assert rss < base + 16, (fmt, cmd, rss, base)


def test_pasids_held_within_the_entries_budget():
    """The model holds at most --max-entries / 32 present PASID entries (its
    memory: 2^21 of 80 bytes by default); past it, walk_truncated."""
    target = core("bad", mkcore.bad_pasids, 4096)
    rc, out, _ = vtd(*target, "-j", "--max-entries=32000", "dump")
    j = json.loads(out)
    assert rc == 2 and len(j["devices"][0]["pasids"]) == 1000
    assert "walk_truncated" in codes(j)


def test_million_bad_pasids_bounded():
    """2^20 wrong PASID entries: before, 1,047,945 findings, 2.1 GB and
    8.5-24 s for -j dump. Now 2 x 1025 findings; the model and the output
    are what bound it (the bench prints the figures)."""
    target = core("bad", mkcore.bad_pasids, 1 << 20)
    rc, out, _ = vtd(*target, "-j", "check", cpu=5.0)
    assert rc == 2 and len(json.loads(out)["findings"]) <= 2 * (PER_CODE + 1) + 4
    rc, out, _ = vtd(*target, "-j", "dump", cpu=10.0, raw=True)
    assert out.count(b'{"pasid":') == 1 << 20
    tail = json.loads(b"{" + out[out.rindex(b'"findings":'):])
    assert len(tail["findings"]) <= 2 * (PER_CODE + 1) + 4


# --- output budget ------------------------------------------------------------------

def test_max_output_stops_listing_with_a_finding():
    """The listing stops past --max-output (counted as written: up to 80 KiB
    late); the findings, bounded by --max-findings, are all printed."""
    target = core("bad", mkcore.bad_pasids, 4096)
    for args in (["-j"], ["-p"], []):
        rc, out, _ = vtd(*target, *args, "--max-output=64K", "dump")
        head = out[:out.index("findings")]
        assert rc == 2 and len(head) < (64 + 80) << 10, len(head)
        if args:
            j = json.loads(out)
            f = [f for f in j["findings"] if f["code"] == "output_truncated"]
            listed = len(j["devices"][0]["pasids"])
            assert 0 < listed < 4096 and len(f) == 1, (listed, f)
            assert "%d device(s), PASID(s) and range(s) not listed" % (4096 - listed) in f[0]["message"]
        else:
            assert "output_truncated" in out


def test_budget_options_refuse_bad_values():
    for opt in ("--max-findings=0", "--max-entries=-1", "--max-output=12Q",
                "--max-ranges=x", "--max-output=2000G"):
        p = subprocess.run([binary(), "--core=/nonexistent", opt, "dump"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert p.returncode == 1 and "invalid value" in p.stderr, (opt, p.stderr)


# --- snapshot --pages of many page-table pages -------------------------------------

def test_snapshot_pages_many_table_pages():
    """One PASID with 2048 full leaf tables: 2048 + 4 + 2 table pages, each
    stored as its 512 words, read back to the same mappings as the core
    (the issue's 41,045 pages took 4.4 GB and gave a file vtdctl refused;
    the bench runs that size)."""
    n = 2048
    target = core("pt", mkcore.many_pt_pages, n)
    snap = os.path.join(TMP, "pt.snap")
    rc, out, err = vtd(*target, "-o", snap, "snapshot", "--pages", want_rc=(0,))
    with open(snap) as f:
        s = json.load(f)
    pages = snapfile.pages(s)
    l1 = mkcore.PT_BASE + (2 + (n + 511) // 512) * 4096
    assert all(len(pages[l1 + 4096 * i]) == 512 for i in range(n))
    assert pages[l1][5] == (0x100000 + 10 * 4096) | 3
    assert os.path.getsize(snap) < 256 << 20
    rt = target[1]
    _, a, _ = vtd(*target, "-j", "dump", "--pages", cpu=10.0)
    _, b, _ = vtd("--snapshot=" + snap, rt, "-j", "dump", "--pages", cpu=10.0)
    a, b = json.loads(a), json.loads(b)
    for x in (a, b):
        x.pop("source")
    assert a == b and len(a["devices"][0]["pasids"][0]["mappings"]["ranges"]) == 512 * n


# --- snapshot past its limits: written cut short, marked, reported -------------------

def test_snapshot_past_its_limits_is_written_cut_short_and_marked():
    """70,000 full leaf tables under one PASID, snapshot --pages with the
    entry budget raised: at most 2^25 non-zero words are recorded (65,536 full
    pages; what is read past them goes on unrecorded), and the ~350 MiB file
    they would make is more than the 256 MiB a reader takes, so the pages
    recorded last are left out until it fits. Before, the command failed and
    wrote nothing; now the file is written and says "truncated" (both
    reasons), stderr says so, exit 2, and a reader reports it."""
    n = 70000
    target = core("pt", mkcore.many_pt_pages, n)
    snap = os.path.join(TMP, "cut.snap")
    rc, out, err = vtd(*target, "--max-entries=%d" % (1 << 27), "-j", "-o", snap,
                       "snapshot", "--pages", cpu=120)
    summary = json.loads(out)
    assert rc == 2 and "cut short to its limits" in err, err
    assert "not recorded past" in summary["truncated"], summary
    assert "left out (the last recorded) to fit the 256 MiB file limit" in summary["truncated"]
    size = os.path.getsize(snap)
    assert (250 << 20) < size <= (256 << 20), size
    # the file itself, read as bytes: its "truncated" key, and which pages
    with open(snap, "rb") as f:
        data = f.read()
    head = json.loads(data[:data.index(b',"pages":[')] + b"}")
    assert head["truncated"] == summary["truncated"]
    assert data.count(b'{"gpa":') == summary["pages"] < n
    l4 = mkcore.PT_BASE
    l1 = l4 + 2 * 4096 + ((n + 511) // 512) * 4096
    for kept in (0x800000, l4, l4 + 4096, l4 + 2 * 4096, l1):   # root .. first leaf table
        assert b'"gpa":"0x%x"' % kept in data, hex(kept)
    assert b'"gpa":"0x%x"' % (l1 + (n - 1) * 4096) not in data    # the last read
    del data
    # read back: a warning that names what was left out
    rc, out, _ = vtd("--snapshot=" + snap, target[1], "-j", "check", cpu=120)
    f = [x for x in json.loads(out)["findings"] if x["code"] == "snapshot_truncated"]
    assert rc == 2 and len(f) == 1 and f[0]["severity"] == "warning", f
    assert "pages left out" in f[0]["message"], f


def test_snapshot_truncated_key_is_read_and_checked():
    """The key on a small snapshot: a string is reported as a finding, null
    is a complete snapshot, "" or a number is refused."""
    target = core("bad", mkcore.bad_pasids, 4)
    snap = os.path.join(TMP, "small.snap")
    vtd(*target, "-o", snap, "snapshot")
    with open(snap) as f:
        s = json.load(f)
    assert "truncated" not in s
    for value, want in (("12 page reads not recorded", "ok"), (None, "complete"),
                        ("", "empty"), (5, "not a string")):
        with open(snap, "w") as f:
            json.dump(dict(s, truncated=value), f)
        p = subprocess.run([binary(), "--snapshot=" + snap, target[1], "-j", "check"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if want in ("empty", "not a string"):
            assert p.returncode == 1 and "truncated" in p.stderr and want in p.stderr, p.stderr
            continue
        codes_seen = [x["code"] for x in json.loads(p.stdout)["findings"]]
        assert ("snapshot_truncated" in codes_seen) == (want == "ok"), codes_seen
