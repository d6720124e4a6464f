# SPDX-License-Identifier: GPL-2.0-or-later
"""Golden tests (tests/golden/TESTLIST): committed snapshots of real guests in,
expected text and JSON out, byte for byte, with the exit status and stderr
they must give; one test per line. The expected JSON of every dump was
checked when written, and is checked again here on each run, against the
independent reader tests/lib/xpwalk.py walking the snapshot's own pages; the
hostile inputs' findings are those the hostile suite checks on a live QEMU.
`make update-golden` rewrites the expected files after a deliberate change."""

import difflib
import json
import os
import sys

import snapfile
import xpwalk
from vtdctl import binary

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden"))
import golden  # noqa: E402


def _read(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        return b""


def check_case(c):
    rc, out, err = c.run(binary())
    want = _read(c.expected_path)
    if out != want:
        diff = difflib.unified_diff(want.decode(errors="replace").splitlines(),
                                    out.decode(errors="replace").splitlines(),
                                    "expected/" + c.name + ".out", "vtdctl", lineterm="", n=2)
        raise AssertionError("stdout differs (make update-golden after a deliberate change):\n"
                             + "\n".join(list(diff)[:80]))
    assert rc == c.exit, "exit %d, TESTLIST says %d" % (rc, c.exit)
    assert err == _read(c.expected_err_path), "stderr: %r" % err


for _c in golden.cases():
    _t = (lambda c: lambda: check_case(c))(_c)
    _t.__name__ = "test_golden__" + _c.name.replace("-", "_")
    globals()[_t.__name__] = _t


def snapshot_reader(path):
    """xpwalk's read(addr, qwords) over a snapshot's pages; pages not in the
    file read as zero (the reader then finds no entry where vtdctl found one,
    and compare() says so)."""
    with open(path) as f:
        snap = json.load(f)
    pages = snapfile.pages(snap)

    def read(addr, n):
        out = []
        for k in range(n):
            a = addr + 8 * k
            out.append(pages.get(a & ~0xFFF, {}).get((a & 0xFFF) // 8, 0))
        return out
    return read, int(snap["registers"]["0x20"], 16)


def test_golden_json_dumps_match_the_independent_reader():
    seen = 0
    for c in golden.cases():
        if c.args != ["-p", "dump"] or "hostile" in c.input:
            continue
        read, rtaddr = snapshot_reader(os.path.join(golden.INPUTS, c.input))
        ref = xpwalk.walk(read, rtaddr)
        with open(c.expected_path) as f:
            got = json.load(f)
        diffs = xpwalk.compare(ref, got)
        assert not diffs, "%s:\n%s" % (c.name, "\n".join(diffs[:20]))
        assert ref["devices"], c.name
        seen += 1
    assert seen >= 4, seen
