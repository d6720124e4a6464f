# SPDX-License-Identifier: GPL-2.0-or-later
"""`vtdctl check` against mismatches produced for real: the freestanding test
guest (tests/guest/vtdguest) on the real QEMU 7.2 programs a scalable-mode
scenario with two edu devices, then live serial lines change entries with and
without the invalidations the spec requires. QEMU's own state (dmar vs
nodmar) is read here from `info mtree` by a reader in this file, so each
expectation comes from the scenario and QEMU, not from vtdctl."""

import json
import os
import shutil
import sys
import unittest

from vtdctl import run

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "guest", "vtdguest"))
import boot as vtdguest  # noqa: E402

# Scalable mode, the context table of bus 0 at a known address (for `raw`).
SCENARIO = """mode scalable
#! iommu x-pasid-mode=on
#! device edu,addr=3.0
#! device edu,addr=4.0
root 0x800000
ctxtable 0 0x810000
ctx 00:03.0 pdts=2 rid_pasid=0
pasid 00:03.0 0 pgtt=second did=1
ctx 00:04.0 pdts=2
pasid 00:04.0 0 pgtt=second did=2
qi on
enable
"""
CTX_TABLE = 0x810000            # 32-byte scalable context entries, by devfn

_g = {}


def guest():
    if shutil.which(os.environ.get("QEMU") or "qemu-system-x86_64") is None:
        raise unittest.SkipTest("no QEMU")
    if "g" not in _g:
        _g["g"] = vtdguest.VtdGuest(SCENARIO).start()
    return _g["g"]


def qemu_translation(g, name):
    """'dmar' or 'nodmar': which region of address space `name` (vtd-SS.F)
    QEMU has enabled, from plain `info mtree` (disabled regions not shown)."""
    text = g.hmp("info mtree").replace("\r\n", "\n")
    for block in text.split("\n\n"):
        lines = block.splitlines()
        if not lines or lines[0] != "address-space: vtd-root":
            continue
        if len(lines) < 3 or not lines[1].endswith(": " + name):
            continue
        if lines[2].endswith(": " + name + "-dmar"):
            return "dmar"
        if "alias vtd-nodmar @vtd-nodmar" in lines[2]:
            return "nodmar"
    raise AssertionError("no address space %s in info mtree" % name)


def check(rc):
    g = guest()
    r = run("--qmp=" + g.qmp_path, "check", "--json", check=False)
    assert r.returncode == rc, "exit %d (want %d)\n%s%s" % (r.returncode, rc, r.stdout, r.stderr)
    return json.loads(r.stdout)["findings"]


def codes(findings, worse_than_info=False):
    return sorted((f["severity"], f["code"], f["bdf"], f["pasid"]) for f in findings
                  if not worse_than_info or f["severity"] != "info")


def test_scenario_is_clean():
    assert codes(check(0), True) == []
    g = guest()
    assert qemu_translation(g, "vtd-03.0") == "dmar"
    assert qemu_translation(g, "vtd-04.0") == "dmar"


def test_pass_through_without_invalidation_is_stale():
    g = guest()
    g.send("pasid 00:03.0 0 pgtt=pt did=1")          # no context-cache invalidation
    assert qemu_translation(g, "vtd-03.0") == "dmar"  # QEMU kept the old state
    assert codes(check(2)) == [("warning", "host_translation_stale", "00:03.0", None)]
    g.send("inv cc gran=global")
    assert qemu_translation(g, "vtd-03.0") == "nodmar"
    assert codes(check(0), True) == []
    g.send("pasid 00:03.0 0 pgtt=second did=1")      # back, again no invalidation
    assert qemu_translation(g, "vtd-03.0") == "nodmar"
    assert codes(check(2)) == [("error", "host_translation_stale", "00:03.0", None)]
    g.send("inv cc gran=global")
    assert qemu_translation(g, "vtd-03.0") == "dmar"
    assert codes(check(0), True) == []


def test_pasid_on_emulated_device_is_info():
    g = guest()
    g.send("pasid 00:03.0 1 pgtt=second did=3")     # QEMU 7.2 PSS: PASIDs 0-1
    try:
        assert "vtd-03.0-pasid-1" not in g.hmp("info mtree")   # QEMU makes it lazily
        f = check(0)
        assert ("info", "host_pasid_lazy", "00:03.0", 1) in codes(f)
        assert codes(f, True) == []
    finally:
        g.send("nopasid 00:03.0 1")
    assert "host_pasid_lazy" not in [x["code"] for x in check(0)]


def test_one_did_two_roots():
    g = guest()
    g.send("pasid 00:04.0 0 pgtt=second did=1")      # 00:03.0 uses DID 1 with another table
    try:
        f = codes(check(2), True)
        assert len(f) == 1 and f[0][:2] == ("error", "did_multiple_roots"), f
        assert f[0][2] in ("00:03.0", "00:04.0")
    finally:
        g.send("pasid 00:04.0 0 pgtt=second did=2")
    assert codes(check(0), True) == []


def test_context_entry_for_missing_device():
    g = guest()
    g.send("ctx 00:07.0 pdts=2")
    g.send("pasid 00:07.0 0 pgtt=second did=7")
    try:
        assert codes(check(2), True) == [("warning", "ctx_no_device", "00:07.0", None)]
    finally:
        g.send("noctx 00:07.0")
    assert codes(check(0), True) == []


def test_reserved_bits_and_text_output():
    g = guest()
    entry = CTX_TABLE + 0x38 * 32                      # 00:07.0
    g.send("ctx 00:07.0 pdts=2")
    g.send("raw 0x%x 0x1" % (entry + 16))              # qword 2 is all reserved
    f = codes(check(2), True)
    assert ("error", "ctx_reserved_bits", "00:07.0", None) in f, f
    assert ("warning", "ctx_no_device", "00:07.0", None) in f, f
    r = run("--qmp=" + g.qmp_path, "check", check=False)
    assert r.returncode == 2
    lines = [l for l in r.stdout.splitlines() if "00:07.0" in l]
    assert any(l.split()[:2] == ["error", "ctx_reserved_bits"] for l in lines), r.stdout
    assert any(l.split()[:2] == ["warning", "ctx_no_device"] for l in lines), r.stdout
    g.send("noctx 00:07.0")
    assert codes(check(0), True) == []
