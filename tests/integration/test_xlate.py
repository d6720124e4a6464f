# SPDX-License-Identifier: GPL-2.0-or-later
"""vtdctl xlate against real guests (the shared guests of the matrix).

Linux's floppy workaround gives the LPC/ISA bridge 00:1f.0 (and its group,
00:1f.2 and 00:1f.3) an identity map of the first 16 MiB. So on every cell,
`vtdctl xlate -s 00:1f.0 X` must give X for X below 16 MiB, and an address
past the mapped range must stop with the not-present fault reason of the
stage the cell uses: legacy 0x6 (0x5 for a write), scalable second stage
0x79, first stage (QEMU 10.0 x-flts=on) 0x71.

Each walk is also done here, independently, from the specification over
g.xp (guest-physical qwords): table, index, raw entry, leaf, output.
"""

import json
import unittest

import vtdctl
import xpwalk
from guest import CELLS, shared_guest

LPC = "00:1f.0"
GROUP = ("00:1f.0", "00:1f.2", "00:1f.3")
IDENTITY_END = 16 << 20
PROBES = [0x0, 0x1000, 0x5678, 0x9f000, 0x100000, 0x123456, 0x800000, 0xabcdef,
          0xfff000, IDENTITY_END - 1]
NOT_PRESENT = {"legacy": (0x6, 0x5), "second-stage": (0x79, 0x79), "first-stage": (0x71, 0x71)}
CELL_NAMES = ["q72-l61-legacy", "q72-l61-scalable", "q10-l612-scalable", "q10-l612-flts",
              "q11-l73-legacy", "q11-l73-scalable", "q11-l73-fsts"]

_ctx = {}


def context(cell):
    """(guest, stage, levels, root) of 00:1f.0, from the independent reader."""
    if cell not in _ctx:
        g = shared_guest(cell)
        w = xpwalk.walk_guest(g)
        d = [d for d in w["devices"] if d["bdf"] == LPC]
        assert d, "%s: no present context entry for %s" % (cell, LPC)
        d = d[0]
        if w["iommu"]["mode"] == "legacy":
            c = d["context"]
            assert c["tt"] in (0, 1), c
            info = ("legacy", c["aw"] + 2, int(c["slptptr"], 16))
        else:
            rid = d["context"]["rid_pasid"]
            p = [p for p in d["pasids"] if p["pasid"] == rid][0]
            if p["pgtt"] == "first-stage":
                info = ("first-stage", 4 + p["flpm"], int(p["flptptr"], 16))
            else:
                assert p["pgtt"] == "second-stage", p
                info = ("second-stage", p["aw"] + 2, int(p["slptptr"], 16))
        _ctx[cell] = (g,) + info
    return _ctx[cell]


def py_walk(g, stage, levels, root, iova, write=False):
    """The walk from the spec: ([(level, table, index, raw, leaf)], gpa, size)
    or the steps and (None, level) where it stops for not-present/permission."""
    steps, table = [], root
    for level in range(levels, 0, -1):
        shift = 12 + 9 * (level - 1)
        index = (iova >> shift) & 511
        raw = g.xp(table + 8 * index, 1)[0]
        if stage == "first-stage":
            present, big, ok = raw & 1, raw & 0x80, (raw & 4) and (not write or raw & 2)
        else:
            present, big = raw & 3, raw & 0x80
            ok = raw & (2 if write else 1)
        leaf = level == 1 or (level in (2, 3) and big)
        steps.append((level, table, index, raw, bool(present and leaf)))
        if not present or not ok:
            return steps, None, level
        addr = raw & 0x000FFFFFFFFFF000
        if leaf:
            size = 1 << shift
            return steps, (addr & ~(size - 1)) | (iova & (size - 1)), size
        table = addr
    raise AssertionError("no leaf")


def xlate(g, *args):
    r = vtdctl.run("--qmp=" + g.qmp_path, "-j", "xlate", *args, check=False)
    try:
        js = json.loads(r.stdout)
    except ValueError:
        raise AssertionError("vtdctl xlate %s: no JSON, exit %d\n%s" % (args, r.returncode, r.stderr))
    return r.returncode, js


def check_steps(cell, x, steps):
    got = [(s["level"], int(s["table"], 16), s["index"], int(s["raw"], 16), s["leaf"])
           for s in x["steps"]]
    assert got == steps, "%s %s: vtdctl steps %s\nspec walk %s" % (
        cell, x["iova"], [(l, hex(t), i, hex(r), f) for l, t, i, r, f in got],
        [(l, hex(t), i, hex(r), f) for l, t, i, r, f in steps])


def check_identity(cell):
    g, stage, levels, root = context(cell)
    sizes = set()
    for bdf in GROUP:
        for iova in PROBES:
            rc, js = xlate(g, "-s", bdf, hex(iova))
            x = js["xlate"]
            steps, gpa, size = py_walk(g, stage, levels, root, iova)
            check_steps(cell, x, steps)
            assert rc == 0 and x["fault"] is None, "%s %s %#x: exit %d, %s" % (
                cell, bdf, iova, rc, x["fault"])
            assert x["result"]["gpa"] == hex(iova) == hex(gpa), "%s %s %#x -> %s (spec %#x)" % (
                cell, bdf, iova, x["result"]["gpa"], gpa)
            assert int(x["result"]["page_size"], 16) == size
            assert x["levels"] == levels and x["stage"] == ("second-stage" if stage == "legacy"
                                                             else stage), x
            sizes.add(size)
    # a write too
    rc, js = xlate(g, "-s", LPC, "0x5000", "write")
    assert rc == 0 and js["xlate"]["result"]["gpa"] == "0x5000", js
    print("    | %s: identity map of 16 MiB, page sizes %s" % (cell, sorted(sizes)))


def check_past_identity(cell):
    g, stage, levels, root = context(cell)
    for iova, write in ((IDENTITY_END, False), (IDENTITY_END + 0x3000, True), (1 << 30, False)):
        args = ["-s", LPC, hex(iova)] + (["write"] if write else [])
        rc, js = xlate(g, *args)
        x = js["xlate"]
        steps, gpa, level = py_walk(g, stage, levels, root, iova, write)
        assert gpa is None, "%s %#x: the spec walk translates it to %#x" % (cell, iova, gpa)
        check_steps(cell, x, steps)
        f = x["fault"]
        want = NOT_PRESENT[stage][1 if write else 0]
        assert rc == 2 and x["result"] is None and f, "%s %#x: exit %d %s" % (cell, iova, rc, x)
        assert f["reason"] == want and f["level"] == level, "%s %#x: fault %s, want 0x%x at L%d" % (
            cell, iova, f, want, level)
        assert f["name"], f
    print("    | %s: past 16 MiB: fault 0x%x at L%d (%s)" % (cell, f["reason"], f["level"], f["name"]))


def check_usage(cell):
    g = shared_guest(cell)
    for args in (["xlate", "0x1000"], ["xlate", "-s", LPC], ["xlate", "-s", LPC, "zz"],
                 ["xlate", "-s", LPC, "0x1000", "exec"], ["xlate", "-s", "00:1e.0", "0x1000"]):
        r = vtdctl.run("--qmp=" + g.qmp_path, *args, check=False)
        assert r.returncode == 1 and r.stderr.startswith("vtdctl: "), (args, r.returncode, r.stderr)
    r = vtdctl.run("--qmp=" + g.qmp_path, "-v", "xlate", "-s", LPC, "0x1000", check=False)
    # Linux 7.x maps the LPC bridge's identity range with 2 MiB pages, older ones with 4 KiB
    page = "2 MiB" if int(CELLS[cell].linux.split(".")[0]) >= 7 else "4 KiB"
    assert r.returncode == 0 and "result: 0x1000 (%s page)" % page in r.stdout, r.stdout


def _make(cell, fn):
    def test():
        if CELLS[cell].missing():
            raise unittest.SkipTest(CELLS[cell].missing())
        fn(cell)
    return test


for _cell in CELL_NAMES:
    for _name, _fn in (("identity", check_identity), ("past_identity", check_past_identity),
                       ("usage", check_usage)):
        _t = _make(_cell, _fn)
        _t.__name__ = "test_xlate_%s__%s" % (_cell.replace("-", "_"), _name)
        globals()[_t.__name__] = _t


# --- edu DMA on the freestanding test guest (tests/guest/vtdguest) -------------
#
# vtdguest programs the tables itself and makes the edu device DMA on request.
# A DMA to a mapped IOVA must reach the GPA vtdctl predicts; one to an unmapped
# IOVA (or a write to a read-only page) must make QEMU record, in its fault
# recording register, the reason vtdctl predicts for QEMU (fault.qemu_reason:
# the specification's reason, except that QEMU keeps legacy numbers for
# second-stage faults in scalable mode).

EDU = "00:03.0"
PATTERN = 0x1122334455667788
SETUP = {
    "legacy": """mode legacy
root 0x800000
ctxtable 0 0x801000
ctx 00:03.0 tt=0 did=3 aw=1 slpt=0x802000
""",
    "second": """mode scalable
root 0x800000
ctxtable 0 0x801000
ctx 00:03.0 pdts=2 rid_pasid=0
pasid 00:03.0 0 pgtt=second did=3 aw=1
""",
    "first": """#! iommu x-flts=on
mode scalable
root 0x800000
ctxtable 0 0x801000
ctx 00:03.0 pdts=2 rid_pasid=0
pasid 00:03.0 0 pgtt=first did=3 aw=2
""",
}
MAPS = """#! device edu,addr=3.0
map 00:03.0 stage={stage} iova=0x100000 gpa=0x2000000 size=8k r w
map 00:03.0 stage={stage} iova=0x200000 gpa=0x2100000 size=4k r
map 00:03.0 stage={stage} iova=0x400000 gpa=0x3000000 size=2m page=2m r w
qi on
enable
inv cc gran=global
inv iotlb gran=global
inv wait
"""
# case: (QEMU generation, stage of the maps, SETUP key)
EDU_CASES = {"legacy": ("7.2", "second", "legacy"), "second": ("7.2", "second", "second"),
             "legacy_q10": ("10.0", "second", "legacy"),
             "second_q10": ("10.0", "second", "second"),
             "first": ("10.0", "first", "first"),
             # 11.1: the scenarios' x-scalable-mode / x-flts are given as scalable-mode / fsts
             "legacy_q11": ("11.1", "second", "legacy"),
             "second_q11": ("11.1", "second", "second"),
             "first_q11": ("11.1", "first", "first")}


def _vtdguest(case):
    import os
    import sys
    here = os.path.join(os.path.dirname(os.path.abspath(vtdctl.__file__)), "..", "guest",
                        "vtdguest")
    if not os.path.exists(os.path.join(here, "boot.py")):
        raise unittest.SkipTest("tests/guest/vtdguest is not here")
    sys.path.insert(0, here)
    import boot
    import guest as guestlib
    qemu_gen, stage, setup = EDU_CASES[case]
    qemu = guestlib.qemu_binary(qemu_gen)
    import shutil
    if shutil.which(qemu) is None:
        raise unittest.SkipTest("no QEMU %s binary %r" % (qemu_gen, qemu))
    return boot.VtdGuest(SETUP[setup] + MAPS.format(stage=stage), qemu=qemu)


def _fault_record(g):
    cap = g.read_reg(0x08)
    fro = ((cap >> 24) & 0x3FF) * 16
    lo, hi = g.xp(0xFED90000 + fro, 2)
    return bool(hi >> 63), (hi >> 32) & 0xFF, lo & ~0xFFF


def check_edu(case):
    with _vtdguest(case) as g:
        assert not g.boot_errors, g.boot_errors
        for iova in (0x100000, 0x101008, 0x200010, 0x523440):   # edu DMA addresses are 28 bits
            rc, js = xlate(g, "-s", EDU, hex(iova))
            assert rc == 0, js
            gpa = int(js["xlate"]["result"]["gpa"], 16)
            size = int(js["xlate"]["result"]["page_size"], 16)
            assert size == (0x200000 if iova >= 0x400000 else 0x1000), js
            g.send("fill 0x%x 64 0x%x" % (gpa & ~0x3F, PATTERN + iova))
            g.send("dma %s iova=0x%x len=64 read" % (EDU, iova & ~0x3F))   # memory -> edu
            g.send("fill 0x%x 64 0" % (gpa & ~0x3F))
            if iova != 0x200010:                                            # read-only
                g.send("dma %s iova=0x%x len=64 write" % (EDU, iova & ~0x3F))  # edu -> memory
                got = g.xp(gpa & ~0x3F, 1)[0]
                assert got == PATTERN + iova, "%s: DMA to %#x did not reach GPA %#x (%#x)" % (
                    case, iova, gpa, got)
        for iova, access in ((0x300000, "read"), (0x200000, "write"), (0x600000, "read")):
            # QEMU checks a cached translation's permissions without recording
            # a fault: start each faulting DMA from an empty IOTLB.
            g.send("inv iotlb gran=global")
            g.send("inv wait")
            g.send("clearfaults")
            rc, js = xlate(g, "-s", EDU, hex(iova), access)
            f = js["xlate"]["fault"]
            assert rc == 2 and f, js
            g.send("dma %s iova=0x%x len=64 %s" % (EDU, iova, access))
            present, fr, addr = _fault_record(g)
            assert present and addr == iova, "%s: no fault record for %#x" % (case, iova)
            assert fr == f["qemu_reason"], "%s %s %#x: QEMU recorded 0x%x, vtdctl predicts %s (spec 0x%x)" % (
                case, access, iova, fr, f["qemu_reason"], f["reason"])
            print("    | %s: %s %#x: QEMU 0x%x = vtdctl qemu_reason; spec reason 0x%x"
                  % (case, access, iova, fr, f["reason"]))


for _case in EDU_CASES:
    _t = (lambda c: lambda: check_edu(c))(_case)
    _t.__name__ = "test_xlate_edu_dma__%s" % _case
    globals()[_t.__name__] = _t
