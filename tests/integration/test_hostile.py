# SPDX-License-Identifier: GPL-2.0-or-later
"""Hostile guests: tables crafted to crash, hang or fool a walker. Every case
must end in well under a second with findings and exit 2 (never a crash, a
hang, exit 0 or exit 1). The CPU time of each run is printed; the bound
asserted (BOUND seconds of CPU, which a loaded machine does not inflate as
it does wall time) is generous, to catch hangs and runaway work, not to
benchmark; a run still going after HANG_SECONDS of wall time is killed.

Two kinds of guest:
  - synthetic cores (tests/hostile/mkcore.py: ELF cores with crafted tables,
    the expected findings follow from the layout written there), walked with
    --rtaddr and by root-table discovery, and under valgrind when it is
    installed and vtdctl is not an ASan build;
  - the test guest on a real QEMU (tests/guest/vtdguest/scenarios/hostile-*
    and tests/hostile/*.scn), over /proc/PID/mem and over xp.
`make check-asan` runs all of it under ASan/UBSan."""

import json
import os
import resource
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
import mkcore  # noqa: E402

BOUND = 5.0                 # CPU seconds: a hang or runaway work, not a slow run
HANG_SECONDS = 120          # wall seconds: killed as a hang
TMP = tempfile.mkdtemp(prefix="vtdctl-hostile-")
_cores = {}


def core(name):
    """(path, rtaddr) of the synthetic core of one mkcore case."""
    if name not in _cores:
        mem, rt = mkcore.CASES[name]()
        path = os.path.join(TMP, name + ".core")
        mkcore.write_core(path, mem)
        _cores[name] = (path, rt)
    return _cores[name]


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def asan_build(path):
    with open(path, "rb") as f:
        return b"__asan_init" in f.read()


def cpu_bound(bound):
    """ASan and UBSan make the same work take about three times the CPU."""
    return 3 * bound if asan_build(binary()) else bound


def timed_vtdctl(*args, bound=BOUND, prefix=()):
    """Run vtdctl; returns (rc, stdout, stderr, CPU seconds it used). A run
    still going after HANG_SECONDS (or 3 x bound, if longer) of wall time is
    killed and the test fails (a hang)."""
    argv = list(prefix) + [binary()] + list(args)
    limit = max(HANG_SECONDS, 3 * bound)
    cpu0 = children_cpu()
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = p.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
        raise AssertionError("%s: still running after %.0f s (killed)"
                             % (" ".join(argv), limit))
    return p.returncode, out, err, children_cpu() - cpu0


def check_hostile(label, args, want_codes=(), bound=BOUND):
    """vtdctl ARGS -j: exit 2, valid JSON with findings, want_codes among
    them, within bound. Returns the JSON."""
    rc, out, err, secs = timed_vtdctl("-j", *args, bound=bound)
    print("  %-40s %6.3f s CPU  exit %d" % (label, secs, rc))
    assert rc == 2, "%s: exit %d (want 2 with findings)\nstderr: %s\nstdout: %s" \
        % (label, rc, err[-2000:], out[:2000])
    assert secs < cpu_bound(bound), "%s took %.2f s of CPU (bound %.1f s)" \
        % (label, secs, cpu_bound(bound))
    j = json.loads(out)
    codes = {f["code"] for f in j.get("findings") or []}
    missing = set(want_codes) - codes
    assert not missing, "%s: no %s finding among %s" % (label, sorted(missing), sorted(codes))
    return j


# --- synthetic cores ---------------------------------------------------------
# Expected codes follow from the layout each mkcore case writes.

EXPECT = {
    "selfref": ["pgtt_reserved"],               # the root table read as PASID tables
    "pdts7-one-table": ["pasid_table_aliased"],
    "beyond-ram": ["pointer_outside_ram"],
    "reserved": ["root_reserved_bits", "ctx_reserved_bits", "pasid_dir_reserved_bits",
                 "pasid_reserved_bits", "pgtt_reserved"],
    "allones": ["ctx_reserved_bits"],
    "legacy-loops": [],
    "everything-one-table": ["pasid_table_aliased"],
}


def core_case(name):
    path, rt = core(name)
    j = check_hostile(name + " --rtaddr", ["--core=" + path, "--rtaddr=0x%x" % rt, "dump"],
                      EXPECT[name])
    # discovery must not hang on it either (it may find nothing: a warning)
    check_hostile(name + " (scan)", ["--core=" + path, "dump"])
    return j


def test_core_selfref():
    j = core_case("selfref")
    # bus 1's context table is the root table: its devices are found there
    assert any(d["bus"] == 1 for d in j["devices"]), [d["bdf"] for d in j["devices"]]


def test_core_pdts7_one_table():
    j = core_case("pdts7-one-table")
    dev = [d for d in j["devices"] if d["bdf"] == "00:05.0"]
    assert dev and dev[0]["context"]["pdts"] == 7, dev[:1]


def test_core_beyond_ram():
    core_case("beyond-ram")


def test_core_reserved_bits():
    core_case("reserved")


def test_core_allones():
    core_case("allones")


def test_core_allones_root():
    path, _ = core("allones-root")
    check_hostile("allones-root (scan)", ["--core=" + path, "dump"], ["no_root_table"])


def test_core_legacy_context_table_is_root_table():
    """Every root entry names the root table as its context table: 65536
    devices whose context entries are root entries. Must be a finding."""
    core_case("legacy-loops")


def test_core_everything_one_table():
    """256 buses x 256 devfns x 2^20 PASIDs through one context table, one
    directory and one PASID table: bounded work and memory, findings."""
    path, rt = core("everything-one-table")
    rc, out, err, secs = timed_vtdctl("--core=" + path, "--rtaddr=0x%x" % rt,
                                           "dump", bound=BOUND)
    print("  everything-one-table %.2f s, exit %d" % (secs, rc))
    assert rc == 2 and secs < cpu_bound(BOUND), \
        "exit %d after %.1f s of CPU: %s" % (rc, secs, err[-500:])


def test_cores_under_valgrind():
    vg = shutil.which("valgrind")
    if not vg:
        raise unittest.SkipTest("valgrind is not installed")
    if asan_build(binary()):
        raise unittest.SkipTest("vtdctl is an ASan build (valgrind cannot run it)")
    prefix = [vg, "-q", "--error-exitcode=99", "--leak-check=full",
              "--errors-for-leak-kinds=definite"]
    for name in ("selfref", "beyond-ram", "reserved", "allones", "allones-root"):
        path, rt = core(name)
        args = ["--core=" + path, "dump", "-j"]
        if name != "allones-root":
            args.insert(1, "--rtaddr=0x%x" % rt)
        rc, out, err, secs = timed_vtdctl(*args, bound=60, prefix=prefix)
        print("  valgrind %-28s %6.2f s  exit %d" % (name, secs, rc))
        assert rc == 2, "%s under valgrind: exit %d\n%s" % (name, rc, err[-3000:])


# --- the test guest on a real QEMU ---------------------------------------------

def scenarios():
    out = []
    for d in (os.path.join(REPO, "tests", "guest", "vtdguest", "scenarios"),
              os.path.join(REPO, "tests", "hostile")):
        if os.path.isdir(d):
            out += sorted(os.path.join(d, f) for f in os.listdir(d)
                          if f.startswith("hostile-") and f.endswith(".scn"))
    return out


# What each scenario programs, and so what a walker must report.
SCN_EXPECT = {
    "hostile-selfref": (["dump"], []),
    "hostile-beyond-ram": (["dump"], ["pointer_outside_ram"]),
    "hostile-reserved": (["dump"], ["abort_dma_mode"]),     # it ends with TTM=3
    "hostile-allones": (["dump"], ["ctx_reserved_bits"]),
    "hostile-iq": (["iq"], []),
    "hostile-pdts7-one-table": (["dump"], ["pasid_table_aliased"]),
    "hostile-faultstorm": (["faults"], []),
}


def run_scenario(path):
    import boot
    if shutil.which(os.environ.get("QEMU") or "qemu-system-x86_64") is None:
        raise unittest.SkipTest("no QEMU")
    name = os.path.basename(path)[:-4]
    cmd, codes = SCN_EXPECT.get(name, (["dump"], []))
    with boot.VtdGuest(path) as g:
        for access in ([], ["--no-proc-mem"]):
            label = "%s %s %s" % (name, cmd[0], access[0] if access else "proc-mem")
            check_hostile(label, ["--qmp=" + g.qmp_path] + access + cmd, codes)


def test_real_qemu_hostile_scenarios():
    paths = scenarios()
    assert len(paths) >= 5, paths
    for p in paths:
        run_scenario(p)
