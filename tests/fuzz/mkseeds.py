#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Seed corpora for the fuzzers, written at run time into OUTDIR/<harness>/.

    tests/fuzz/mkseeds.py OUTDIR [--live]

Synthetic seeds always (tables laid out with tests/hostile/mkcore.py in a
compact RAM image, in the fuzz_mem.h input layout; small cores; QMP/HMP
text). With --live, also seeds from a real QEMU running the test guest
(tests/guest/vtdguest, scenario scalable-basic and legacy-basic): the
whole QMP session vtdctl has with it (recorded through a proxy), its
`info mtree -f -o`, `xp` and `gpa2hva` text, the first pages of a real
dump-guest-memory core, and a snapshot when `vtdctl snapshot` works.
"""

import json
import os
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path[:0] = [os.path.join(REPO, "tests", "hostile"), os.path.join(REPO, "tests", "lib")]
import mkcore  # noqa: E402
from mkcore import P, PAGE, Mem  # noqa: E402

RAM_PAGES = 15           # the fuzz_mem RAM image: 60 KiB at guest-physical 0
REG_BYTES = 0x300

# Register values of a unit like QEMU's intel-iommu (fields per vtd.c)
CAP = (2 | 0x6 << 8 | 38 << 16 | (0x220 // 16) << 24 | 1 << 39 | 7 << 40
       | 1 << 54 | 1 << 55)
ECAP = (1 << 1 | 1 << 3 | 1 << 4 | 1 << 6 | 1 << 7 | (0x200 // 16) << 8 | 19 << 35
        | 1 << 40 | 1 << 43 | 1 << 46 | 1 << 47 | 1 << 26)
GSTS = 1 << 31 | 1 << 30 | 1 << 26 | 1 << 25 | 1 << 24


def regfile(rtaddr, iq=True, ir=True, fault=True):
    r = bytearray(REG_BYTES)

    def q(off, v):
        struct.pack_into("<Q", r, off, v & mkcore.ONES)
    q(0x00, 0x10)
    q(0x08, CAP)
    q(0x10, ECAP)
    q(0x18, GSTS << 32)
    q(0x20, rtaddr)
    if iq:
        q(0x80, 0x40)               # IQH: descriptor 2 (256-bit)
        q(0x88, 0x80)               # IQT
        q(0x90, 0x8000 | 1 << 11)   # IQA: DW=256, QS=0
    if ir:
        q(0xb8, 0x9000 | 1 << 11 | 7)   # IRTA: EIME, 256 entries
    if fault and REG_BYTES > 0x230:
        q(0x228, 1 << 63 | 0x06 << 32 | 0x18)
    q(0x34 & ~7, 1 << 33)           # FSTS.PPF (high half of 0x30)
    return bytes(r)


def compact_layout(scalable=True):
    """Root 0x1000, context 0x2000, dir 0x3000, PASID table 0x4000, SL
    tables 0x5000-0x7000, IQ 0x8000, IRT 0x9000; a small RAM image."""
    mem = Mem(ram=[(0, RAM_PAGES * PAGE)])
    if scalable:
        mkcore.root_entry(mem, 0x1000, 0, lctp=0x2000, uctp=0x2000)
        mkcore.sm_ctx(mem, 0x2000, 0x18, 0x3000, pdts=0)
        mkcore.sm_ctx(mem, 0x2000, 0x20, 0x3000, pdts=1, rid_pasid=5)
        mem.q(0x3000, 0x4000 | P)
        ents = [mkcore.pasid_entry(mkcore.PGTT_SECOND, did=5, slpt=0x5000),
                mkcore.pasid_entry(mkcore.PGTT_FIRST, did=6, flpt=0x5000),
                mkcore.pasid_entry(mkcore.PGTT_NESTED, did=7, slpt=0x5000, flpt=0x6000),
                mkcore.pasid_entry(mkcore.PGTT_PT, did=1)]
        mem.put_page(0x4000, mkcore.pasid_table_page(ents))
    else:
        mkcore.root_entry(mem, 0x1000, 0, lctp=0x2000)
        mkcore.legacy_ctx(mem, 0x2000, 0x18, 0x5000, did=3)
        mkcore.legacy_ctx(mem, 0x2000, 0xf8, 0, did=1, tt=2)
    # second-stage 3-level tables: 0x5000 -> 0x6000 -> 0x7000 -> page 0x0
    mem.q(0x5000, 0x6000 | 3)
    mem.q(0x6000, 0x7000 | 3)
    mem.q(0x6008, 0x200000 | 3 | 1 << 7)
    mem.q(0x7000, 0x0000 | 3)
    # IQ: a context-cache, an IOTLB and a wait descriptor (256-bit)
    mem.qs(0x8000, [0x01 | 1 << 4, 0, 0, 0, 0x02 | 2 << 4 | 5 << 16, 0, 0, 0,
                    0x05 | 1 << 5 | 0x1234 << 32, 0x9f00, 0, 0])
    # IRT: a remapped entry and a posted one
    mem.qs(0x9000, [P | 0x30 << 16 | 0x100 << 32, 0x18 | 1 << 18,
                    P | 1 << 15 | 0x31 << 16 | 0x12345640 & 0xffffffc0, 0])
    return mem


def ram_image(mem):
    out = bytearray(RAM_PAGES * PAGE)
    for pfn, data in mem.pages.items():
        if pfn < RAM_PAGES:
            out[pfn * PAGE:(pfn + 1) * PAGE] = data
    return bytes(out)


def fuzz_mem_input(flags, rtaddr, iova, regs, ram):
    return bytes([flags]) + struct.pack("<QQ", rtaddr, iova) + regs + ram


def write(outdir, harness, name, data):
    d = os.path.join(outdir, harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def trace_seeds(outdir):
    """Small traces in the format of docs/trace-format.md: a header, a
    keyframe with one table page, a delta (a page changed, one removed, a
    register, a monitor reply, events), a gap, a keyframe after it, the end."""
    import base64
    import json

    def page(gpa, words):
        bits = bytearray(64)
        data = b""
        for i, v in sorted(words.items()):
            bits[i // 8] |= 1 << (i % 8)
            data += struct.pack("<Q", v)
        return {"gpa": "0x%x" % gpa, "nz": base64.b64encode(bytes(bits).rstrip(b"\0")).decode(),
                "data": base64.b64encode(data).decode()}

    snap = {"magic": "vtdctl-snapshot", "version": 2, "created": "2026-12-03T04:31:48Z",
            "created_unix": 1796272308, "vtdctl_version": "seed",
            "source": {"kind": "qmp", "target": "seed", "access": "xp"}, "qemu": None,
            "mmio_base": "0xfed90000", "page_size": 4096,
            "ram": [{"start": "0x0", "size": "0x100000"}],
            "registers": {"0x0": "0x10", "0x8": "0xd2008c40660462", "0x10": "0xf0050a",
                          "0x18": "0xc0000000" + "00000000", "0x20": "0x1000"},
            "monitor": [], "pages": [page(0x1000, {0: 0x2001}), page(0x2000, {0: 0x3001, 2: 5})]}
    t = 1796272308250
    head = {"magic": "vtdctl-trace", "version": 1, "created": "2026-12-03T04:31:48.250Z",
            "created_ms": t, "vtdctl_version": "seed", "source": {"kind": "qmp", "target": "seed"},
            "interval_ms": 1000, "part": 0}
    ev = {"kind": "pasid-add", "bdf": "00:03.0", "bus": 0, "devfn": 24, "pasid": 77,
          "case": "c", "old": ["0x0"] * 4, "new": ["0x1012085", "0x9", "0x0", "0x0"],
          "text": "pasid 00:03.0 77 present (case c)"}
    ls = [head,
          {"t": t, "type": "keyframe", "reason": "start",
           "events": [{"kind": "start", "text": "seed"}], "snapshot": snap},
          {"t": t + 1000, "type": "delta", "events": [ev], "registers": {"0x88": "0x20"},
           "monitor": [{"command": "query-version", "arguments": None,
                        "return": {"qemu": {"major": 7}}}],
           "removed": ["0x2000"], "pages": [page(0x1000, {0: 0x2001, 1: 7})]},
          {"t": t + 2000, "type": "gap", "t_end": t + 5000, "error": "gone"},
          {"t": t + 5000, "type": "keyframe", "reason": "gap",
           "events": [{"kind": "restart", "text": "pid"}], "snapshot": snap},
          {"t": t + 6000, "type": "end"}]
    text = "".join(json.dumps(l, separators=(",", ":")) + "\n" for l in ls)
    write(outdir, "fuzz_trace", "synthetic.trace", text.encode())
    write(outdir, "fuzz_trace", "torn.trace", text[:-40].encode())
    write(outdir, "fuzz_trace", "time-iso", b"2026-12-03T04:31:48.250Z\n")
    write(outdir, "fuzz_trace", "time-rel", b"-12.5s\n")


def synthetic(outdir):
    for scalable in (True, False):
        mem = compact_layout(scalable)
        rt = 0x1000 | (mkcore.TTM_SCALABLE if scalable else 0)
        ram = ram_image(mem)
        tag = "sm" if scalable else "legacy"
        for flags, what in ((1, "regs"), (0, "dump"), (2, "rtaddr"), (5, "regs-high")):
            data = fuzz_mem_input(flags, rt, 0x200000, regfile(rt), ram)
            for h in ("fuzz_walker", "fuzz_xlate", "fuzz_queues", "fuzz_regs"):
                write(outdir, h, "%s-%s" % (tag, what), data)
        # the same tables as a small ELF core
        core = os.path.join(outdir, "fuzz_core", "%s.core" % tag)
        os.makedirs(os.path.dirname(core), exist_ok=True)
        mkcore.write_core(core, mem)
    hmp_seeds(outdir)
    write(outdir, "fuzz_qmp", "synthetic", synthetic_session())
    trace_seeds(outdir)


XP_TEXT = ("0000000000001000: 0x0000000000002001 0x0000000000002001\n"
           "0000000000001010: 0x0000000000000000 0x0000000000000000\n")
MTREE_TEXT = """FlatView #0
 AS "memory", root: system
 Root memory region: system
  0000000000000000-000000000009ffff (prio 0, ram): pc.ram owner:{obj path=/objects/pc.ram} KVM
  00000000000a0000-00000000000bffff (prio 1, i/o): vga-lowmem
  00000000000c0000-00000000000dffff (prio 1, rom): pc.ram @00000000000c0000
  0000000000100000-000000000fffffff (prio 0, ram): pc.ram @0000000000100000
  00000000fed90000-00000000fed90fff (prio 0, i/o): intel_iommu
  0000000100000000-000000013fffffff (prio 0, ram): pc.ram @0000000010000000
"""
GPA2HVA_TEXT = "Host virtual address for 0x1000 (pc.ram) is 0x7f1234561000\n"


def hmp_input(sel, addr, count, text):
    return bytes([sel]) + struct.pack("<Q", addr) + bytes([count]) + text.encode()


def hmp_seeds(outdir):
    write(outdir, "fuzz_hmp", "xp", hmp_input(0, 0x1000, 3, XP_TEXT))
    write(outdir, "fuzz_hmp", "mtree", hmp_input(1, 0, 0, MTREE_TEXT))
    write(outdir, "fuzz_hmp", "gpa2hva", hmp_input(2, 0x1000, 0, GPA2HVA_TEXT))
    for cmd, args in (("human-monitor-command", {"command-line": "xp /512gx 0x1000"}),
                      ("human-monitor-command", {"command-line": "info mtree -f -o"}),
                      ("query-status", None), ("qom-get", {"path": "/", "property": "type"}),
                      ("quit", None), ("human-monitor-command", {"command-line": "xp/1gx 1; quit"})):
        text = cmd + "\0" + (json.dumps(args) if args else "")
        write(outdir, "fuzz_hmp", "allow-%s-%d" % (cmd, len(text)), hmp_input(3, 0, 0, text))


def synthetic_session():
    """A fake QEMU's side of a session, in the order vtdctl asks: greeting,
    qmp_capabilities, info mtree, then xp replies (ids vtdctl-1...)."""
    out = [{"QMP": {"version": {"qemu": {"major": 7, "minor": 2, "micro": 0},
                                "package": "fake"}, "capabilities": []}},
           {"return": {}, "id": "vtdctl-1"},
           {"return": MTREE_TEXT, "id": "vtdctl-2"}]
    for i in range(3, 12):
        out.append({"return": XP_TEXT, "id": "vtdctl-%d" % i})
    return b"".join(json.dumps(o).encode() + b"\r\n" for o in out)


def live(outdir):
    """Seeds from a real QEMU running vtdguest; skipped quietly if it fails."""
    sys.path.insert(0, os.path.join(REPO, "tests", "guest", "vtdguest"))
    from boot import VtdGuest, scenario_path
    from qmpproxy import QMPProxy
    vtdctl = os.path.join(REPO, "vtdctl")
    for scn in ("scalable-basic", "legacy-basic", "hostile-iq"):
        with VtdGuest(scenario_path(scn)) as g:
            proxy_path = os.path.join(g.workdir, "proxy.sock")
            for cmd in (["dump"], ["regs"], ["iq"], ["ir"], ["faults"]):
                with QMPProxy(g.qmp_path, proxy_path) as p:
                    subprocess.run([vtdctl, "--qmp=" + proxy_path, "--no-proc-mem"] + cmd,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   timeout=60)
                if p.replies:
                    write(outdir, "fuzz_qmp", "%s-%s" % (scn, cmd[0]), bytes(p.replies[0]))
            write(outdir, "fuzz_hmp", scn + "-mtree", hmp_input(1, 0, 0, g.hmp("info mtree -f -o")))
            write(outdir, "fuzz_hmp", scn + "-xp",
                  hmp_input(0, 0x800000, 64, g.hmp("xp /64gx 0x800000")))
            write(outdir, "fuzz_hmp", scn + "-xpw",
                  hmp_input(0x80, 0xfed90000, 16, g.hmp("xp /16wx 0xfed90000")))
            write(outdir, "fuzz_hmp", scn + "-gpa2hva",
                  hmp_input(2, 0x800000, 0, g.hmp("gpa2hva 0x800000")))
            core = os.path.join(g.workdir, "g.core")
            g.execute("dump-guest-memory", {"paging": False, "protocol": "file:" + core})
            with open(core, "rb") as f:
                head = f.read(64 << 10)
            write(outdir, "fuzz_core", scn + "-head.core", head)
            kd = os.path.join(g.workdir, "g.kdump")
            g.execute("dump-guest-memory", {"paging": False, "protocol": "file:" + kd,
                                            "format": "kdump-zlib"})
            with open(kd, "rb") as f:
                write(outdir, "fuzz_kdump", scn + ".kdump-zlib", f.read())
            snap = os.path.join(g.workdir, "g.snap")
            r = subprocess.run([vtdctl, "--qmp=" + g.qmp_path, "-o", snap, "snapshot"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
            if r.returncode == 0 and os.path.exists(snap):
                with open(snap, "rb") as f:
                    write(outdir, "fuzz_snapshot", scn + ".snap", f.read())
            trace = os.path.join(g.workdir, "g.trace")
            rec = subprocess.Popen([vtdctl, "--qmp=" + g.qmp_path, "record", "-o", trace,
                                    "-i", "100", "--duration=3"],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for line in ("pasid 00:03.0 77 pgtt=second did=9", "nopasid 00:03.0 77"):
                g.send(line, check=False)
            if rec.wait(timeout=60) == 0:
                with open(trace, "rb") as f:
                    write(outdir, "fuzz_trace", scn + ".trace", f.read())


def text_seeds(outdir):
    """fuzz_text: real `info mtree -o -D` and `info qtree` of both QEMUs
    (tests/fixtures), and shell lines."""
    fixtures = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures")
    for name in sorted(os.listdir(fixtures)):
        sel = b"\x00" if name.startswith("mtree") else b"\x01" if name.startswith("qtree") else None
        if sel is not None:
            with open(os.path.join(fixtures, name), "rb") as f:
                write(outdir, "fuzz_text", name, sel + f.read())
    for i, line in enumerate([b'dump -s 00:03.0 --pasid=5', b"xlate 'a b' \"c\\\"d\" # x",
                              b'batch -', b"regs\\\n -v"]):
        write(outdir, "fuzz_text", "shell%d" % i, b"\x02" + line)


def reproduction_seeds(outdir):
    """The size-driven cases of issue 13, cut to the fuzzers' input caps
    (tests/fuzz/run's max_len): many PT_LOADs, a core shorter than its
    headers, replies of many values, too deep, a flat view of many RAM
    pieces, long mtree and qtree replies of lines the parsers skip."""
    ram = [(0, 64 << 10)] + [((1 << 20) + 8192 * i, 256) for i in range(4000)]
    mem = mkcore.Mem(ram)
    mem.q(0x1000, 0x2001)
    core = os.path.join(outdir, "fuzz_core", "many-loads.core")
    os.makedirs(os.path.dirname(core), exist_ok=True)
    mkcore.write_core(core, mem)
    with open(core, "rb") as f:
        head = f.read(64 + 56 * (len(ram) + 1))
    write(outdir, "fuzz_core", "headers-only.core", head)
    greeting = b'{"QMP": {"version": {"qemu": {"major": 7, "minor": 2, "micro": 0}}, "capabilities": '
    write(outdir, "fuzz_qmp", "wide-arrays", greeting + b"[" + b"[]," * 70000 + b"[]]}}\r\n")
    write(outdir, "fuzz_qmp", "wide-numbers", greeting + b"[" + b"1," * 270000 + b"1]}}\r\n")
    write(outdir, "fuzz_qmp", "deep", greeting + b"[" * 200 + b"]" * 200 + b"}}\r\n")
    pieces = "".join("  %016x-%016x (prio 0, ram): pc.ram @%016x\n" % (b, b + 0xfff, b)
                     for b in ((1 << 40) + 0x2000 * i for i in range(40000)))
    write(outdir, "fuzz_hmp", "mtree-many-pieces",
          hmp_input(1, 0, 0, MTREE_TEXT + pieces))
    junk = "".join("  junk line %d\n" % i for i in range(100000))
    write(outdir, "fuzz_text", "mtree-long", b"\x00" + (junk + "address-space: x\n" + junk).encode())
    write(outdir, "fuzz_text", "qtree-long",
          b"\x01  dev: intel-iommu, id \"\"\n" + ("      junk %d\n" % 1 * 100000).encode())


def main(argv):
    outdir = argv[0]
    synthetic(outdir)
    text_seeds(outdir)
    reproduction_seeds(outdir)
    if "--live" in argv:
        try:
            live(outdir)
        except Exception as e:       # no QEMU here: synthetic seeds only
            print("mkseeds: no live seeds (%s)" % str(e).splitlines()[0], file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
