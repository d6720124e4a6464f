# SPDX-License-Identifier: GPL-2.0-or-later
"""vtdctl --pages dump against real Linux guests (shared guests of the matrix).

Linux's floppy workaround gives the LPC bridge 00:1f.0 an identity map of
exactly [0, 16 MiB): the enumerated ranges of its (RID_PASID) table must
include one that starts at IOVA 0, maps to GPA 0 and covers 16 MiB, on the
second stage (QEMU 7.2, Linux 6.1) and the first stage (QEMU 10.0
x-flts=on, Linux 6.12). Every range is then cross-checked with the existing
single-IOVA walk (`vtdctl xlate`, a separate code path): its first, middle
and last page translate to the GPA the range says, and the page right past
a range that no other range continues faults.
"""

import json
import unittest

import vtdctl
from guest import CELLS, shared_guest

LPC = "00:1f.0"
MIB16 = 16 << 20
CELL_NAMES = ["q72-l61-scalable", "q10-l612-flts", "q11-l73-fsts"]
MAX_CHECKED = 8          # ranges cross-checked per cell (keeps the test fast)


def run_json(g, *args):
    r = vtdctl.run("--qmp=" + g.qmp_path, "-j", *args, check=False)
    try:
        return r.returncode, json.loads(r.stdout)
    except ValueError:
        raise AssertionError("vtdctl %s: no JSON, exit %d\n%s" % (args, r.returncode, r.stderr))


def lpc_mappings(g):
    rc, js = run_json(g, "-s", LPC, "--pages", "dump")
    assert rc in (0, 2), (rc, js)
    dev = [d for d in js["devices"] if d["bdf"] == LPC]
    assert dev, "no %s in the dump" % LPC
    dev = dev[0]
    rid = dev["context"]["rid_pasid"]
    p = [p for p in dev["pasids"] if p["pasid"] == rid]
    assert p and "mappings" in p[0], dev
    return p[0]["pgtt"], p[0]["mappings"]


def ranges_of(mp):
    return [(int(r["iova"], 16), int(r["gpa"], 16), int(r["size"], 16), r["read"], r["write"])
            for r in mp["ranges"]]


def xlate_gpa(g, iova, write=False):
    rc, js = run_json(g, "xlate", "-s", LPC, hex(iova), *(["write"] if write else []))
    x = js["xlate"]
    return rc, (int(x["result"]["gpa"], 16) if x["result"] else None)


def check_identity(cell):
    g = shared_guest(cell)
    pgtt, mp = lpc_mappings(g)
    assert pgtt == CELLS[cell].pgtt, (cell, pgtt)
    assert mp["not_walked"] is None and mp["truncated"] is False, mp
    rs = ranges_of(mp)
    assert rs, "%s: no ranges" % cell
    iova, gpa, size, r, w = rs[0]
    assert iova == 0 and gpa == 0 and size >= MIB16 and r and w, (cell, rs[:3])
    # ascending, non-overlapping
    for a, b in zip(rs, rs[1:]):
        assert a[0] + a[2] <= b[0], (cell, a, b)
    print("    | %s (%s): %d ranges, first %#x-%#x" % (cell, pgtt, len(rs), iova, iova + size - 1))


def check_against_xlate(cell):
    g = shared_guest(cell)
    _, mp = lpc_mappings(g)
    rs = ranges_of(mp)
    starts = {r[0] for r in rs}
    for iova, gpa, size, r, w in rs[:MAX_CHECKED]:
        for off in sorted({0, (size // 2) & ~0xfff, size - 0x1000}):
            rc, out = xlate_gpa(g, iova + off)
            assert rc == (0 if r else 2), (cell, hex(iova + off), rc)
            if r:
                assert out == gpa + off, "%s %#x: xlate %s, range says %#x" % (
                    cell, iova + off, out and hex(out), gpa + off)
        if r and not w:
            assert xlate_gpa(g, iova, write=True)[0] == 2, (cell, hex(iova))
        end = (iova + size) & ((1 << 64) - 1)
        if end not in starts and end != 0:
            rc, out = xlate_gpa(g, end)
            assert rc == 2 and out is None, "%s: %#x past a range translates to %s" % (
                cell, end, out and hex(out))


def check_text_and_default(cell):
    g = shared_guest(cell)
    r = vtdctl.run("--qmp=" + g.qmp_path, "-s", LPC, "--pages", "dump", check=False)
    assert r.returncode in (0, 2), r.stderr
    assert "    mapped: " in r.stdout and " ranges, " in r.stdout, r.stdout
    first = [l for l in r.stdout.splitlines() if l.startswith("      0x0000000000000000-")]
    assert first and " -> 0x0000000000000000  RW  " in first[0], r.stdout
    # without --pages the JSON dump has no "mappings" key
    _, js = run_json(g, "-s", LPC, "dump")
    assert "mappings" not in json.dumps(js), "mappings without --pages"


def _make(cell, fn):
    def test():
        if CELLS[cell].missing():
            raise unittest.SkipTest(CELLS[cell].missing())
        fn(cell)
    return test


for _cell in CELL_NAMES:
    for _name, _fn in (("identity", check_identity), ("xlate", check_against_xlate),
                       ("text", check_text_and_default)):
        _t = _make(_cell, _fn)
        _t.__name__ = "test_pages_%s__%s" % (_cell.replace("-", "_"), _name)
        globals()[_t.__name__] = _t
