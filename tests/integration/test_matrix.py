# SPDX-License-Identifier: GPL-2.0-or-later
"""Real Linux guests on real QEMUs, over a matrix of three generations
(tests/lib/guest.py CELLS: QEMU 7.2 + Linux 6.1 legacy and scalable; QEMU
10.0 + Linux 6.12 scalable second-stage, x-flts=on, x-flts=on + x-pasid-mode=on;
QEMU 11.1 + Linux 7.3 legacy, scalable second-stage, fsts=on + pasid-bits=20).
The checks go by what a cell asks for (mode, PGTT, PASID width), never by the
option names, which 11.1 renamed.

For every cell: what the guest kernel reports (IOMMU groups) against what its
VT-d tables hold, read by tests/lib/xpwalk.py (an independent reader written
from the spec); then vtdctl over four access paths against that reader and
against each other:

    qmp          --qmp=SOCK                    source.access "proc-mem" (root)
    qmp-xp       --qmp=SOCK --no-proc-mem      source.access "xp"
    core-rtaddr  --core=FILE --rtaddr=RTADDR   RTADDR read by the harness
    core-scan    --core=FILE                   root table found by a scan

Every cell boots once per run (shared_guest) and is dumped once. Test names
are test_<cell>__<check>; run one cell with `tests/run -k q10_l612_flts__`.
A cell whose QEMU or kernel is missing is skipped (scripts/fetch-qemu10.sh,
scripts/fetch-qemu11.sh).
"""

import atexit
import os
import re
import shutil
import tempfile
import unittest

import guest as guestlib
import vtdctl
import xpwalk
from elfcore import Core
from guest import CELLS, shared_guest

GSTS_TES = 1 << 31
GSTS_RTPS = 1 << 30
ECAP_PASID = 1 << 40
ECAP_PSS_SHIFT = 35
ECAP_SMTS = 1 << 43
ECAP_SSTS = 1 << 46
ECAP_FSTS = 1 << 47
REG_VER, REG_CAP, REG_ECAP, REG_GSTS, REG_RTADDR = 0x00, 0x08, 0x10, 0x1C, 0x20

# The cells of the matrix, in boot order (not the "legacy"/"scalable" aliases).
MATRIX = [c for k, c in CELLS.items() if k == c.name]

# AW Linux programs (levels = AW + 2): QEMU 7.2's aw-bits default is 39
# (SAGAW 3-level only), 10.0's and 11.1's is 48 (3- and 4-level; Linux takes 4).
AW_OF_QEMU = {"7.2": 1, "10.0": 2, "11.1": 2}

PATHS = ["qmp", "qmp-xp", "core-rtaddr", "core-scan"]
ACCESS = {"qmp": "proc-mem", "qmp-xp": "xp", "core-rtaddr": "elf", "core-scan": "elf"}
ORIGIN = {"qmp": "register", "qmp-xp": "register", "core-rtaddr": "user", "core-scan": "scan"}
REGISTER_KEYS = ("base", "ver", "cap", "ecap", "gsts", "translation_enabled")


# --- per-cell state, computed once per run -------------------------------------

_walks = {}      # cell name -> the reader's live walk
_dumps = {}      # cell name -> path of the ELF core (one cell's core kept at a time)
_vtd = {}        # (cell name, path) -> vtdctl.Dump
_tmp = tempfile.mkdtemp(prefix="vtdctl-matrix-")
atexit.register(shutil.rmtree, _tmp, True)


class Ctx:
    """Prefix for failure messages: which cell, which path."""

    def __init__(self, cell, path=None):
        self.cell, self.path = cell, path

    def __str__(self):
        s = "[%s" % self.cell.describe()
        if self.path:
            s += "; path %s" % self.path
        return s + "]"


def check(cond, ctx, msg, *args):
    if not cond:
        raise AssertionError("%s %s" % (ctx, msg % args if args else msg))


def walked(cell):
    """(guest, reader's live walk) for a cell, walked once per run."""
    g = shared_guest(cell.name)
    if cell.name not in _walks:
        _walks[cell.name] = xpwalk.walk_guest(g)
    return g, _walks[cell.name]


def core_of(cell):
    """The cell's ELF core (dump-guest-memory, paging=false), written once.
    Only one cell's core is kept on disk at a time (about 550 MB each)."""
    g = shared_guest(cell.name)
    if cell.name not in _dumps:
        for name, path in list(_dumps.items()):
            if os.path.exists(path):
                os.unlink(path)
        _dumps.clear()
        _dumps[cell.name] = g.dump_memory(os.path.join(_tmp, cell.name + ".core"))
    path = _dumps[cell.name]
    if not os.path.exists(path):
        raise AssertionError("%s the core %s was removed (cells run out of order?)"
                             % (Ctx(cell), path))
    return path


def run_path(cell, path):
    """vtdctl dump --json of a cell over one access path, run once per run."""
    key = (cell.name, path)
    if key not in _vtd:
        g = shared_guest(cell.name)
        if path == "qmp":
            args = ["--qmp=" + g.qmp_path]
        elif path == "qmp-xp":
            args = ["--qmp=" + g.qmp_path, "--no-proc-mem"]
        elif path == "core-rtaddr":
            args = ["--core=" + core_of(cell), "--rtaddr=0x%x" % g.read_reg(REG_RTADDR)]
        else:
            args = ["--core=" + core_of(cell)]
        _vtd[key] = vtdctl.dump(*args)
    return _vtd[key]


def short(bdf):
    """'0000:01:00.0' -> '01:00.0' (the form of the JSON contract)."""
    assert bdf.startswith("0000:"), bdf
    return bdf[5:]


def by_bdf(walk):
    return {d["bdf"]: d for d in walk["devices"]}


def rid_pasid_entry(ctx, d):
    rid = d["context"]["rid_pasid"]
    p = [p for p in d["pasids"] if p["pasid"] == rid]
    check(p, ctx, "%s: no present PASID entry at RID_PASID %d (context raw %s)",
          d["bdf"], rid, d["context"]["raw"])
    return p[0]


def ram_ranges(cell):
    """Guest RAM as [(start, end)], from the core's PT_LOADs."""
    with Core(core_of(cell)) as core:
        return [(a, a + n) for a, n, _ in core.loads]


def in_ram(ranges, addr, size=4096):
    return any(a <= addr and addr + size <= b for a, b in ranges)


# --- the reader itself, offline -------------------------------------------------

def _fake_memory(words):
    """read_qwords over {address: qword}, zero elsewhere."""
    return lambda addr, n: [words.get(addr + 8 * i, 0) for i in range(n)]


def test_xpwalk_first_stage_and_compare_coverage():
    """xpwalk decodes a first-stage PASID entry (the raw words QEMU 10.0 +
    Linux 6.12 x-flts=on wrote, NOTES-qemu10.md) and compare() reports a
    change of every field it is meant to cover, in both modes."""
    import copy
    root, ctxt, pdir, ptab = 0x10000, 0x11000, 0x12000, 0x13000
    mem = {root: ctxt | 1,                                   # bus 0, lower table
           ctxt + 0x20 * 0x18: pdir | (2 << 9) | 1,          # 00:03.0, PDTS 2
           pdir: ptab | 1,
           ptab: 0x49, ptab + 8: 0x2, ptab + 16: 0x1b24000}  # PASID 0: FL, AW 2, DID 2
    w = xpwalk.walk(_fake_memory(mem), root | (1 << 10))
    p = w["devices"][0]["pasids"][0]
    assert (w["devices"][0]["bdf"], p["pasid"], p["pgtt"], p["did"], p["aw"], p["slptptr"],
            p["flptptr"], p["flpm"]) == ("00:03.0", 0, "first-stage", 2, 2, "0x0",
                                         "0x1b24000", 0), w
    assert w["devices"][0]["context"]["pdts"] == 2 and \
        w["devices"][0]["context"]["pasid_dir"] == hex(pdir), w
    assert not xpwalk.compare(w, w)
    for key in xpwalk.CONTEXT_KEYS["scalable"]:
        got = copy.deepcopy(w)
        got["devices"][0]["context"][key] = "changed"
        d = xpwalk.compare(w, got)
        assert any(".context." + key in x for x in d), (key, d)
    for key in xpwalk.PASID_KEYS:
        got = copy.deepcopy(w)
        got["devices"][0]["pasids"][0][key] = "changed"
        d = xpwalk.compare(w, got)
        assert d and (key == "pasid" or any("." + key in x for x in d)), (key, d)
    for key in ("rtaddr", "mode"):
        got = copy.deepcopy(w)
        got["iommu"][key] = "changed"
        assert any("iommu." + key in x for x in xpwalk.compare(w, got)), key
    # Legacy: root -> context 00:03.0 (TT 0, AW 1, DID 5).
    mem = {root: ctxt | 1, ctxt + 16 * 0x18: 0x20000 | 1, ctxt + 16 * 0x18 + 8: (5 << 8) | 1}
    w = xpwalk.walk(_fake_memory(mem), root)
    c = w["devices"][0]["context"]
    assert (c["did"], c["aw"], c["tt"], c["slptptr"]) == (5, 1, 0, "0x20000"), c
    for key in xpwalk.CONTEXT_KEYS["legacy"]:
        got = copy.deepcopy(w)
        got["devices"][0]["context"][key] = "changed"
        assert any(".context." + key in x for x in xpwalk.compare(w, got)), key
    got = copy.deepcopy(w)
    got["devices"][0]["pasids"] = [{"pasid": 0}]
    assert any("legacy mode" in x for x in xpwalk.compare(w, got))


# --- the checks, each run for every cell ---------------------------------------

def check_boot(cell):
    ctx = Ctx(cell)
    g = shared_guest(cell.name)
    check(g.kernel_version, ctx, "no KERNEL line on the serial console")
    check(g.kernel_version.startswith(cell.linux + "."), ctx,
          "booted Linux %s, expected %s", g.kernel_version, cell.linux)
    qv = g.qemu_version()
    check(qv.startswith(cell.qemu + "."), ctx, "QEMU is %s, expected %s", qv, cell.qemu)
    check(g.groups, ctx, "the guest reports no IOMMU group")
    gsts = g.read_reg(REG_GSTS, 4)
    check(gsts & GSTS_TES, ctx, "translation not enabled: GSTS 0x%x", gsts)
    check(gsts & GSTS_RTPS, ctx, "root table pointer not set: GSTS 0x%x", gsts)
    ttm = (g.read_reg(REG_RTADDR) >> 10) & 3
    check(ttm == {"legacy": 0, "scalable": 1}[cell.mode], ctx, "RTADDR.TTM %d", ttm)
    # The topology the tests rely on: a bus other than 0, a function other
    # than 0, and a devfn >= 0x80 (upper scalable-mode context table).
    bdfs = set(g.group_of)
    for want in ("0000:00:10.0", "0000:01:00.0", "0000:02:00.0", "0000:02:00.1"):
        check(want in bdfs, ctx, "%s not in an IOMMU group: %s", want, sorted(bdfs))
    for grp, t in g.group_type.items():
        check(t.startswith("DMA"), ctx, "group %d has default domain type %s", grp, t)


def check_registers(cell):
    """The capabilities each generation and flag must show."""
    ctx = Ctx(cell)
    g = shared_guest(cell.name)
    cap, ecap = g.read_reg(REG_CAP), g.read_reg(REG_ECAP)
    regs = "CAP 0x%x ECAP 0x%x" % (cap, ecap)
    sagaw = (cap >> 8) & 0x1F
    want_aw = AW_OF_QEMU[cell.qemu]
    check(sagaw & (1 << want_aw), ctx, "CAP.SAGAW 0x%x lacks AW %d (%s)", sagaw, want_aw, regs)
    check(sagaw < (1 << (want_aw + 1)), ctx, "CAP.SAGAW 0x%x offers more than AW %d (%s)",
          sagaw, want_aw, regs)
    if cell.mode == "scalable":
        check(ecap & ECAP_SMTS, ctx, "ECAP.SMTS clear (%s)", regs)
    else:
        check(not ecap & ECAP_SMTS, ctx, "ECAP.SMTS set in a legacy cell (%s)", regs)
    if cell.first_stage:
        check(ecap & ECAP_FSTS and not ecap & ECAP_SSTS, ctx,
              "first stage (%s): want ECAP.FSTS set, SSTS clear (%s)", cell.iommu_opts, regs)
    elif cell.mode == "scalable":
        check(ecap & ECAP_SSTS and not ecap & ECAP_FSTS, ctx,
              "want ECAP.SSTS set, FSTS clear (%s)", regs)
    check(bool(ecap & ECAP_PASID) == bool(cell.pasid_bits), ctx,
          "ECAP.PASID %s with %d-bit PASIDs asked for (%s; %s)", bool(ecap & ECAP_PASID),
          cell.pasid_bits, cell.iommu_opts, regs)
    if cell.pasid_bits:
        # ECAP.PSS: the PASID width minus one (x-pasid-mode and pasid-bits=1: 0)
        pss = (ecap >> ECAP_PSS_SHIFT) & 0x1F
        check(pss == cell.pasid_bits - 1, ctx, "ECAP.PSS %d with %d-bit PASIDs (%s)", pss,
              cell.pasid_bits, regs)


def check_context_per_device(cell):
    ctx = Ctx(cell)
    g, w = walked(cell)
    check(w["iommu"]["mode"] == cell.mode, ctx, "mode %s", w["iommu"]["mode"])
    devs = by_bdf(w)
    missing = [b for b in sorted(g.group_of) if short(b) not in devs]
    check(not missing, ctx, "no present context entry for %s", missing)
    extra = sorted(set(devs) - {short(b) for b in g.group_of})
    check(not extra, ctx, "present context entries for devices in no group: %s", extra)
    for d in w["devices"]:
        bus, dev, fn = int(d["bdf"][0:2], 16), int(d["bdf"][3:5], 16), int(d["bdf"][6])
        check((d["bus"], d["devfn"]) == (bus, dev << 3 | fn), ctx, "%r", d)
        if cell.mode == "legacy":
            # Translated DMA domains, not pass-through: TT 0, a page table.
            c = d["context"]
            check(c["tt"] == 0, ctx, "%s: context TT %d (raw %s)", d["bdf"], c["tt"], c["raw"])
            check(int(c["slptptr"], 16) != 0, ctx, "%s: SLPTPTR 0 (raw %s)", d["bdf"], c["raw"])
            check(c["aw"] == AW_OF_QEMU[cell.qemu], ctx, "%s: AW %d (raw %s)",
                  d["bdf"], c["aw"], c["raw"])


def check_rid_pasid_pgtt(cell):
    """Each RID_PASID entry has the PGTT of the cell and the matching pointers."""
    ctx = Ctx(cell)
    if cell.mode != "scalable":
        raise unittest.SkipTest("legacy mode has no PASID entries")
    _, w = walked(cell)
    for d in w["devices"]:
        c = d["context"]
        # Linux's minimum PASID directory is one page: PDTS 2, 512 entries.
        check(c["pdts"] == 2, ctx, "%s: PDTS %d (raw %s)", d["bdf"], c["pdts"], c["raw"])
        p = rid_pasid_entry(ctx, d)
        where = "%s pasid %d (raw %s)" % (d["bdf"], p["pasid"], p["raw"])
        check(p["pgtt"] == cell.pgtt, ctx, "%s: PGTT %s, expected %s", where, p["pgtt"],
              cell.pgtt)
        check(p["aw"] == AW_OF_QEMU[cell.qemu], ctx, "%s: AW %d", where, p["aw"])
        if cell.pgtt == "second-stage":
            check(int(p["slptptr"], 16) != 0, ctx, "%s: SLPTPTR 0", where)
            check(int(p["flptptr"], 16) == 0, ctx, "%s: FLPTPTR set", where)
        else:
            check(int(p["flptptr"], 16) != 0, ctx, "%s: FLPTPTR 0", where)
            check(int(p["slptptr"], 16) == 0, ctx, "%s: SLPTPTR set", where)


def table_root(cell, d):
    if cell.mode == "legacy":
        return d["context"]["slptptr"]
    p = rid_pasid_entry(Ctx(cell), d)
    return p["flptptr"] if p["pgtt"] == "first-stage" else p["slptptr"]


def device_did(cell, d):
    if cell.mode == "legacy":
        return d["context"]["did"]
    return rid_pasid_entry(Ctx(cell), d)["did"]


def check_did_per_group(cell):
    """One DID and one page table per IOMMU group; distinct across groups."""
    ctx = Ctx(cell)
    g, w = walked(cell)
    devs = by_bdf(w)
    did_of_group, root_of_group = {}, {}
    for grp, members in sorted(g.groups.items()):
        dids = {short(b): device_did(cell, devs[short(b)]) for b in members}
        check(len(set(dids.values())) == 1, ctx,
              "group %d: devices have different DIDs %s", grp, dids)
        roots = {short(b): table_root(cell, devs[short(b)]) for b in members}
        check(len(set(roots.values())) == 1, ctx,
              "group %d: devices have different page tables %s", grp, roots)
        did_of_group[grp] = dids.popitem()[1]
        root_of_group[grp] = roots.popitem()[1]
    seen = {}
    for grp, did in did_of_group.items():
        check(did not in seen, ctx, "groups %d and %d share DID %d", seen.get(did, -1), grp, did)
        check(did >= 2, ctx, "group %d has reserved DID %d", grp, did)
        seen[did] = grp
    roots = list(root_of_group.values())
    check(len(set(roots)) == len(roots), ctx, "groups share a page table: %s", root_of_group)


def check_first_stage(cell):
    """First-stage cells (10.0 x-flts=on + Linux 6.12, 11.1 fsts=on + Linux 7.3):
    first-stage RID_PASID entries, tables in RAM."""
    ctx = Ctx(cell)
    if not cell.first_stage:
        raise unittest.SkipTest("not a first-stage cell")
    _, w = walked(cell)
    ram = ram_ranges(cell)
    for d in w["devices"]:
        p = rid_pasid_entry(ctx, d)
        where = "%s pasid %d (raw %s)" % (d["bdf"], p["pasid"], p["raw"])
        check(p["pgtt"] == "first-stage", ctx, "%s: PGTT %s", where, p["pgtt"])
        fl = int(p["flptptr"], 16)
        check(fl != 0, ctx, "%s: FLPTR 0", where)
        check(in_ram(ram, fl), ctx, "%s: FLPTR 0x%x not in guest RAM %s", where, fl,
              ["0x%x-0x%x" % r for r in ram])
        check(int(p["raw"][0], 16) & xpwalk.ADDR_MASK == 0, ctx, "%s: SLPTR not 0", where)
        check(p["flpm"] == 0, ctx, "%s: FLPM %d, expected 0 (4-level)", where, p["flpm"])


def check_core_dump_matches_live(cell):
    ctx = Ctx(cell)
    g, w = walked(cell)
    rtaddr = g.read_reg(REG_RTADDR)
    with Core(core_of(cell)) as core:
        from_core = xpwalk.walk(core.qwords, rtaddr)
    diffs = xpwalk.compare(w, from_core)
    check(not diffs, ctx, "core and live walks differ:\n%s", "\n".join(diffs))


def check_vtdctl_path(cell, path):
    """One access path: exit 0, its source and origin, the reader's tables."""
    ctx = Ctx(cell, path)
    g, w = walked(cell)
    r = run_path(cell, path)
    js = r.json
    bad = [f for f in r.findings() if f.get("severity") != "info"]
    check(r.rc == 0 and not bad, ctx, "%s exited %d on a clean guest; findings:\n%s",
          r.command(), r.rc, r.findings_text())
    src, io = js.get("source") or {}, js.get("iommu") or {}
    check(src.get("access") == ACCESS[path], ctx, "source.access %r, expected %r (source %s)",
          src.get("access"), ACCESS[path], src)
    check(src.get("kind") == ("qmp" if path.startswith("qmp") else "core"), ctx,
          "source.kind %r", src.get("kind"))
    check(io.get("rtaddr_origin") == ORIGIN[path], ctx, "iommu.rtaddr_origin %r, expected %r",
          io.get("rtaddr_origin"), ORIGIN[path])
    rtaddr = g.read_reg(REG_RTADDR)
    check(io.get("rtaddr") == hex(rtaddr), ctx, "iommu.rtaddr %r, the register is 0x%x",
          io.get("rtaddr"), rtaddr)
    if path.startswith("qmp"):
        want = {"base": hex(guestlib.VTD_BASE), "ver": hex(g.read_reg(REG_VER, 4)),
                "cap": hex(g.read_reg(REG_CAP)), "ecap": hex(g.read_reg(REG_ECAP)),
                "gsts": hex(g.read_reg(REG_GSTS, 4)), "translation_enabled": True}
    else:
        # A dump has no registers.
        want = {k: None for k in REGISTER_KEYS}
    for k, v in want.items():
        check(io.get(k, "(absent)") == v, ctx, "iommu.%s %r, expected %r", k, io.get(k, "(absent)"), v)
    if path == "core-scan":
        scan = io.get("scan") or {}
        check(scan.get("confidence") == "high" and scan.get("candidates") == 1, ctx,
              "iommu.scan %s: expected one candidate, confidence high", scan)
        guessed = [f for f in r.findings() if f.get("code") == "rtaddr_guessed"]
        check(len(guessed) == 1 and guessed[0]["severity"] == "info", ctx,
              "expected one rtaddr_guessed info finding:\n%s", r.findings_text())
    else:
        check("scan" not in io or io["scan"] is None, ctx, "iommu.scan %r without a scan",
              io.get("scan"))
    if path.startswith("qmp"):
        # vtdctl -v says on stderr which path it took (text mode).
        args = ["--qmp=" + g.qmp_path] + (["--no-proc-mem"] if path == "qmp-xp" else [])
        t = vtdctl.run(*(args + ["-v", "dump"]))
        check("through %s" % ACCESS[path] in t.stderr, ctx,
              "vtdctl -v dump does not say 'through %s' on stderr: %r", ACCESS[path], t.stderr)
    diffs = xpwalk.compare(w, js)
    check(not diffs, ctx, "vtdctl dump --json differs from the reader (%s):\n%s",
          r.command(), "\n".join(diffs))


def check_vmm(cell):
    """The options the guest gave intel-iommu, under this QEMU's names (11.1 renamed
    them), are in source.vmm (JSON) and on the short text `vmm:` line, with the
    value QEMU reports (a bool as true, a number as itself)."""
    ctx = Ctx(cell, "qmp")
    g = shared_guest(cell.name)
    js = run_path(cell, "qmp").json
    vmm = (js.get("source") or {}).get("vmm") or {}
    check(vmm.get("version") == g.qemu_version(), ctx, "source.vmm.version %r", vmm.get("version"))
    props = vmm.get("iommu") or {}
    text = vtdctl.run("--qmp=" + g.qmp_path, "dump").stdout
    text = re.sub(r"\n {5}(?=\S)", " ", text)     # the vmm: line wraps at 100 columns
    line = next((l for l in text.splitlines() if l.startswith("vmm: ")), "")
    # g.iommu_opts: the cell's options and the scalable-mode option by the name
    # this binary has (x-scalable-mode before 11.1)
    for k, v in g.iommu_opts.items():
        want = True if v == "on" else int(v)
        check(props.get(k) == want, ctx, "source.vmm.iommu[%r] %r, want %r (%s)", k,
              props.get(k), want, props)
        shown = "true" if v == "on" else v
        check((" %s=%s" % (k, shown)) in line, ctx, "vmm line lacks %s=%s: %r", k, shown, line)


def json_diff(a, b, where, out, skip=(), names=("first", "second")):
    """Differences between two JSON values; devices keyed by bdf, PASIDs by pasid."""
    na, nb = names
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k in skip:
                continue
            if k not in a or k not in b:
                out.append("%s.%s: only in %s" % (where, k, na if k in a else nb))
            else:
                json_diff(a[k], b[k], "%s.%s" % (where, k), out, skip, names)
    elif isinstance(a, list) and isinstance(b, list):
        key = None
        if all(isinstance(x, dict) and "bdf" in x for x in a + b):
            key = "bdf"
        elif all(isinstance(x, dict) and "pasid" in x for x in a + b):
            key = "pasid"
        if key:
            ka, kb = [x[key] for x in a], [x[key] for x in b]
            if ka != kb:
                out.append("%s: %ss %s %s, %s %s" % (where, key, na, ka, nb, kb))
                return
        elif len(a) != len(b):
            out.append("%s: %s %r, %s %r" % (where, na, a, nb, b))
            return
        for i, (x, y) in enumerate(zip(a, b)):
            json_diff(x, y, "%s[%s]" % (where, x[key] if key else i), out, skip, names)
    elif a != b or type(a) != type(b):
        out.append("%s: %s %r, %s %r" % (where, na, a, nb, b))


def finding_keys(r):
    return sorted((f.get("severity"), f.get("code"), f.get("bdf"), f.get("pasid"),
                   f.get("address")) for f in r.findings())


def check_paths_agree(cell):
    """All four paths give the same devices (host aside) and findings, but for
    the documented differences: the scan's rtaddr_guessed info finding."""
    ctx = Ctx(cell)
    g = shared_guest(cell.name)
    ref = run_path(cell, "qmp")
    rtaddr = g.read_reg(REG_RTADDR)
    for path in PATHS[1:]:
        r = run_path(cell, path)
        out = []
        json_diff(ref.json.get("devices"), r.json.get("devices"), "devices", out,
                  skip=("host",), names=("qmp", path))
        check(not out, Ctx(cell, path), "devices differ from path qmp:\n%s", "\n".join(out))
        want = finding_keys(ref)
        if path == "core-scan":
            want = sorted(want + [("info", "rtaddr_guessed", None, None,
                                   hex(rtaddr & xpwalk.ADDR_MASK))])
        check(finding_keys(r) == want, Ctx(cell, path),
              "findings differ from path qmp (+ documented):\nqmp:\n%s\n%s:\n%s",
              ref.findings_text(), path, r.findings_text())
    for path in PATHS:
        live = path.startswith("qmp")
        for d in run_path(cell, path).json.get("devices") or []:
            h = d.get("host") or {}
            if live:
                # QEMU built an address space with translation on for every
                # device the guest gave a DMA domain (emulated: no vfio)
                check(h.get("address_space") is True and h.get("translation") == "dmar"
                      and h.get("vfio") is None, Ctx(cell, path),
                      "%s: host %r (want an address space, dmar)", d.get("bdf"), h)
            else:
                check(all(v is None for v in h.values()), Ctx(cell, path),
                      "%s: host %r (a dump cannot know: want nulls)", d.get("bdf"), h)


# --- the tests: one function per (cell, check), cell by cell --------------------

def _checks(cell):
    out = [("boot", check_boot), ("registers", check_registers),
           ("context_per_device", check_context_per_device)]
    if cell.mode == "scalable":
        out.append(("rid_pasid_pgtt", check_rid_pasid_pgtt))
    out.append(("did_per_group", check_did_per_group))
    if cell.first_stage:
        out.append(("first_stage", check_first_stage))
    out.append(("core_dump_matches_live", check_core_dump_matches_live))
    for path in PATHS:
        out.append(("vtdctl_" + path.replace("-", "_"),
                    lambda c, p=path: check_vtdctl_path(c, p)))
    out.append(("vtdctl_paths_agree", check_paths_agree))
    out.append(("vtdctl_vmm_options", check_vmm))
    return out


def _make(cell, fn):
    def test():
        fn(cell)
    return test


for _cell in MATRIX:
    for _name, _fn in _checks(_cell):
        _t = _make(_cell, _fn)
        _t.__name__ = "test_%s__%s" % (_cell.name.replace("-", "_"), _name)
        _t.__qualname__ = _t.__name__
        globals()[_t.__name__] = _t


def test_zz_boot_times():
    """Not a check: prints how long each cell took to boot."""
    times = guestlib.boot_times()
    for name, t in times.items():
        print("    | boot %-20s %.1f s" % (name, t))
    if not times:
        raise unittest.SkipTest("no guest booted")
