# SPDX-License-Identifier: GPL-2.0-or-later
"""vtdctl iq and vtdctl ir against real Linux guests.

The invalidation queue and the interrupt remapping table Linux programmed
are read here independently (the registers with read_reg, the memory with
xp) and decoded from the spec's bit layouts; vtdctl's JSON must agree.

Guests: the shared "scalable" and "legacy" guests of the suite (QEMU 7.2 +
Linux 6.1), whose queues hold what Linux writes at boot (global context-cache,
IOTLB and PASID-cache flushes, IEC flushes of its interrupt remapping entries,
wait descriptors), plus one guest of their own: scalable mode with
caching-mode=on, for which Linux flushes per device on every attach
(device-selective context-cache, PASID-selective PASID-cache, PASID-IOTLB,
domain-selective IOTLB).

Interrupt remapping is on in these guests without any option: QEMU's
intremap defaults to on when the irqchip is not in the kernel (TCG), and
Linux enables it in xAPIC mode (EIME clear). The virtio drivers are modules
the test initramfs does not load, so the MSIs in the table are the PCIe root
ports' (pcieport); they are checked against the MSI address each root port
holds (read from its config space through ECAM with xp).
"""

import atexit
import json
import os
import struct
import tempfile

from guest import Guest, shared_guest
from vtdctl import run

REG_ECAP, REG_GSTS, REG_IQH, REG_IQT, REG_IQA, REG_IRTA = 0x10, 0x1C, 0x80, 0x88, 0x90, 0xB8
GSTS_QIES, GSTS_IRES, GSTS_IRTPS = 1 << 26, 1 << 25, 1 << 24
ECAP_SMTS = 1 << 43
ECAM = 0xB0000000          # q35's MMCONFIG base
TYPES = {1: "cc", 2: "iotlb", 3: "dev_tlb", 4: "iec", 5: "wait", 6: "p_iotlb",
         7: "pc", 8: "p_dev_tlb", 9: "pgrp_resp", 10: "pstrm_resp"}


def bits(v, hi, lo):
    return (v >> lo) & ((1 << (hi - lo + 1)) - 1)


def bdf(sid):
    return "%02x:%02x.%x" % (sid >> 8, (sid >> 3) & 0x1F, sid & 7)


def vtd_json(g, *args, rc=(0,)):
    r = run("--qmp=" + g.qmp_path, "-j", *args, check=False, timeout=120)
    assert r.returncode in rc, "vtdctl %s: exit %d\n%s" % (args, r.returncode, r.stderr)
    return json.loads(r.stdout)


# --- the independent reader ---------------------------------------------------

def read_queue(g):
    """(geometry dict, [(index, [qwords])]) of the whole queue, from the spec.
    The width follows Linux's rule (256-bit descriptors whenever ECAP.SMTS,
    __dmar_enable_qi), since QEMU 7.2 does not keep IQA.DW readable."""
    iqa, ecap = g.read_reg(REG_IQA), g.read_reg(REG_ECAP)
    dw = bool(iqa & (1 << 11)) or bool(ecap & ECAP_SMTS)
    size = 16 << dw
    nbytes = 4096 << (iqa & 7)
    words = g.xp(iqa & ~0xFFF, nbytes // 8, chunk=1024)
    n = size // 8
    descs = [words[i * n:(i + 1) * n] for i in range(nbytes // size)]
    geo = {"base": iqa & ~0xFFF, "dw": dw, "size": len(descs),
           "head": (g.read_reg(REG_IQH) & 0x7FFF0) // size,
           "tail": (g.read_reg(REG_IQT) & 0x7FFF0) // size}
    return geo, descs


def expect_fields(qw):
    """The decoded fields of one descriptor, by the spec (VTD-REFERENCE §3.12)."""
    t = bits(qw[0], 3, 0)
    f = {"type": TYPES.get(t, "unknown")}
    g4 = bits(qw[0], 5, 4)
    if t == 1:
        f.update(granularity={1: "global", 2: "domain", 3: "device"}.get(g4),
                 did=bits(qw[0], 31, 16), sid=bdf(bits(qw[0], 47, 32)), fm=bits(qw[0], 49, 48))
    elif t == 2:
        f.update(granularity={1: "global", 2: "domain", 3: "page"}.get(g4),
                 did=bits(qw[0], 31, 16), dw=bool(qw[0] >> 6 & 1), dr=bool(qw[0] >> 7 & 1),
                 addr=hex(qw[1] & ~0xFFF), am=bits(qw[1], 5, 0), ih=bool(qw[1] >> 6 & 1))
    elif t == 4:
        f.update(granularity="index" if qw[0] >> 4 & 1 else "global",
                 iidx=bits(qw[0], 47, 32), im=bits(qw[0], 31, 27))
    elif t == 5:
        f.update(sw=bool(qw[0] >> 5 & 1), fn=bool(qw[0] >> 6 & 1),
                 status_data=hex(bits(qw[0], 63, 32)), status_addr=hex(qw[1] & ~3))
    elif t == 6:
        f.update(granularity={2: "pasid", 3: "page"}.get(g4), did=bits(qw[0], 31, 16),
                 pasid=bits(qw[0], 51, 32), addr=hex(qw[1] & ~0xFFF))
    elif t == 7:
        f.update(granularity={0: "domain-selective", 1: "pasid-selective", 3: "global"}.get(g4),
                 did=bits(qw[0], 31, 16), pasid=bits(qw[0], 51, 32))
    return f


def check_queue(g, want_types, n=256):
    """vtdctl iq -n N against the reader; returns vtdctl's JSON."""
    geo, descs = read_queue(g)
    out = vtd_json(g, "iq", "-n", str(n))
    q = out["iq"]
    assert q["enabled"] and g.read_reg(REG_GSTS, 4) & GSTS_QIES
    assert q["base"] == hex(geo["base"]), (q["base"], geo)
    assert q["descriptor_size"] == (32 if geo["dw"] else 16), q
    assert (q["size"], q["head"], q["tail"]) == (geo["size"], geo["head"], geo["tail"]), (q, geo)
    # the window: the last n slots before the tail, never-written ones left out
    window = [(geo["tail"] - n + i) % geo["size"] for i in range(min(n, geo["size"]))]
    want = [(i, descs[i]) for i in window if any(descs[i])]
    got = q["entries"]
    assert [e["index"] for e in got] == [i for i, _ in want], \
        ([e["index"] for e in got][:20], [i for i, _ in want][:20])
    assert q["empty_slots"] == len(window) - len(want)
    for e, (i, qw) in zip(got, want):
        assert e["raw"] == [hex(w) for w in qw], (i, e["raw"], qw)
        for k, v in expect_fields(qw).items():
            assert e.get(k) == v, "descriptor %d: %s is %r, the spec says %r\n%s" % (
                i, k, e.get(k), v, e)
    seen = {(e["type"], e.get("granularity")) for e in got}
    for t in want_types:
        assert t in seen, "no %s descriptor in the queue: %s" % (t, sorted(seen, key=str))
    return out


# --- the guests ----------------------------------------------------------------

_cm = {}


def caching_mode_guest():
    """Scalable mode with caching-mode=on: Linux flushes per device."""
    if "g" not in _cm:
        try:
            _cm["g"] = Guest.for_cell("q72-l61-scalable",
                                      iommu_opts={"caching-mode": "on"}).start()
        except Exception as e:
            _cm["g"] = e
    g = _cm["g"]
    if isinstance(g, Exception):
        raise AssertionError("the caching-mode guest did not boot: %s" % g)
    return g


@atexit.register
def _stop_cm():
    g = _cm.pop("g", None)
    if isinstance(g, Guest):
        g.stop()


# --- iq ------------------------------------------------------------------------

def test_iq_ir_scalable_queue():
    g = shared_guest("scalable")
    out = check_queue(g, [("cc", "global"), ("iotlb", "global"), ("pc", "global"),
                          ("wait", None), ("iec", "index")])
    q = out["iq"]
    if not g.read_reg(REG_IQA) & (1 << 11):
        # QEMU 7.2 drops IQA.DW from the register: vtdctl says it inferred it
        assert q["dw"] is False and q["dw_origin"] == "inferred", q
        assert any(f["code"] == "iq_dw_inferred" and f["severity"] == "info"
                   for f in out["findings"]), out["findings"]


def test_iq_ir_legacy_queue():
    g = shared_guest("legacy")
    out = check_queue(g, [("cc", "global"), ("iotlb", "global"), ("wait", None)])
    assert out["iq"]["descriptor_size"] == 16
    assert out["iq"]["dw_origin"] == "register"
    assert not any(e["type"] in ("pc", "p_iotlb") for e in out["iq"]["entries"])


def test_iq_ir_q10_scalable_queue():
    """QEMU 10.0 keeps IQA.DW: the width comes from the register."""
    g = shared_guest("q10-l612-scalable")
    out = check_queue(g, [("cc", "global"), ("iotlb", "global"), ("pc", "global"),
                          ("wait", None)])
    assert out["iq"]["dw"] is True and out["iq"]["dw_origin"] == "register", out["iq"]
    assert out["iq"]["descriptor_size"] == 32
    check_ir(g)


def test_iq_ir_q11_scalable_queue():
    """QEMU 11.1 (which handles PASID-cache invalidations itself) keeps IQA.DW too.
    Linux 7.3's last 256 descriptors after boot are interrupt-entry-cache ones
    and waits (its context and PASID-cache flushes are older, overwritten): each
    is still compared with the reader, field by field."""
    g = shared_guest("q11-l73-scalable")
    out = check_queue(g, [("iec", "global"), ("iec", "index"), ("wait", None)])
    assert out["iq"]["dw"] is True and out["iq"]["dw_origin"] == "register", out["iq"]
    assert out["iq"]["descriptor_size"] == 32
    check_ir(g)


def test_iq_ir_caching_mode_queue_per_device():
    try:
        _caching_mode_checks(caching_mode_guest())
    finally:
        _stop_cm()          # only this test needs it: free its memory now


def _caching_mode_checks(g):
    out = check_queue(g, [("cc", "device"), ("iotlb", "domain"), ("pc", "pasid-selective"),
                          ("p_iotlb", "pasid"), ("wait", None)])
    entries = out["iq"]["entries"]
    # every PASID-selective PASID-cache flush names a (DID, PASID) that the
    # guest's PASID tables hold, and the device-selective context-cache
    # flushes name devices that have context entries
    dump = vtd_json(g, "dump", rc=(0, 2))
    pasids = {(p["did"], p["pasid"]) for d in dump["devices"] for p in d["pasids"]}
    pcs = {(e["did"], e["pasid"]) for e in entries
           if e["type"] == "pc" and e["granularity"] == "pasid-selective"}
    assert pcs and pcs <= pasids, (pcs, pasids)
    ccs = {e["sid"] for e in entries if e["type"] == "cc" and e["granularity"] == "device"}
    assert ccs and ccs <= {d["bdf"] for d in dump["devices"]}, (ccs, dump["devices"])
    # text: PASID-cache lines stand out
    r = run("--qmp=" + g.qmp_path, "iq", "-n", "256", timeout=120)
    pc_lines = [l for l in r.stdout.splitlines() if "PASID-CACHE" in l]
    assert len(pc_lines) == sum(e["type"] == "pc" for e in entries), r.stdout
    assert all(l[1] == "*" for l in pc_lines), pc_lines


def test_iq_ir_text_default_window():
    g = shared_guest("scalable")
    r = run("--qmp=" + g.qmp_path, "iq", timeout=120)
    lines = r.stdout.splitlines()
    start = lines.index("   INDEX  TYPE        DESCRIPTOR")
    end = [i for i, l in enumerate(lines) if l.startswith("   ---- tail ")][0]
    assert 0 < end - start - 1 <= 16, r.stdout
    rv = run("--qmp=" + g.qmp_path, "-v", "iq", "-n", "2", timeout=120)
    raws = [l for l in rv.stdout.splitlines() if l.strip().startswith("raw:")]
    assert len(raws) == 2 and all(len(l.split()) == 5 for l in raws), rv.stdout


def _tiny_core(path):
    """An ELF64 core of 64 KiB of zero RAM at 0: a dump, with no registers."""
    ram = 64 * 1024
    ehdr = struct.pack("<16sHHIQQQIHHHHHH", b"\x7fELF\x02\x01\x01" + b"\0" * 9,
                       4, 62, 1, 0, 64, 0, 0, 64, 56, 1, 0, 0, 0)
    phdr = struct.pack("<IIQQQQQQ", 1, 6, 4096, 0, 0, ram, ram, 4096)
    with open(path, "wb") as f:
        f.write(ehdr + phdr)
        f.write(b"\0" * (4096 - len(ehdr) - len(phdr)))
        f.write(b"\0" * ram)
    return path


def test_iq_ir_dump_needs_registers():
    core = _tiny_core(os.path.join(tempfile.mkdtemp(prefix="vtdctl-iqir-"), "tiny.core"))
    for cmd in ("iq", "ir"):
        r = run("--core=" + core, cmd, check=False, timeout=60)
        assert r.returncode == 1, (cmd, r.returncode, r.stderr)
        lines = r.stderr.splitlines()
        assert len(lines) == 1 and "registers" in lines[0], r.stderr
        rj = run("--core=" + core, "-j", cmd, check=False, timeout=60)
        assert rj.returncode == 1 and "registers" in json.loads(rj.stdout)["error"]
    os.unlink(core)


# --- ir ------------------------------------------------------------------------

def read_irt(g):
    irta = g.read_reg(REG_IRTA)
    n = 2 << (irta & 0xF)
    words = g.xp(irta & ~0xFFF, 2 * n, chunk=8192)
    return irta, {i: (words[2 * i], words[2 * i + 1]) for i in range(n) if words[2 * i] & 1}


def expect_irte(lo, hi, eime):
    e = {"fpd": bool(lo >> 1 & 1), "vector": bits(lo, 23, 16), "sid": bdf(bits(hi, 15, 0)),
         "sq": bits(hi, 17, 16), "raw": [hex(lo), hex(hi)]}
    if lo >> 15 & 1:
        e.update(format="posted", urg=bool(lo >> 14 & 1),
                 pda=hex(bits(hi, 63, 32) << 32 | bits(lo, 63, 38) << 6))
    else:
        e.update(format="remapped", dm="logical" if lo >> 2 & 1 else "physical",
                 rh=bool(lo >> 3 & 1), tm="level" if lo >> 4 & 1 else "edge",
                 dest=bits(lo, 63, 32) if eime else bits(lo, 47, 40))
    return e


def remappable_handle(addr, data):
    """The IRTE index an MSI in remappable format names, or None."""
    if not addr & 0x10:                         # compatibility format
        return None
    handle = bits(addr, 19, 5) | (addr >> 2 & 1) << 15
    return handle + (data & 0xFFFF if addr & 0x8 else 0)   # SHV: plus the subhandle


def msi_handles(g, bus, dev, fn):
    """The IRTE handles in a device's enabled MSI or MSI-X messages: its config
    space through ECAM, its MSI-X table through the BAR (both with xp)."""
    cfg = g.xp(ECAM | bus << 20 | dev << 15 | fn << 12, 32)
    b = b"".join(struct.pack("<Q", w) for w in cfg)
    ptr, seen, out = b[0x34] & 0xFC, 0, set()
    while ptr and seen < 48:
        ctl = struct.unpack_from("<H", b, ptr + 2)[0]
        if b[ptr] == 0x05 and ctl & 1:          # MSI, enabled
            addr = struct.unpack_from("<I", b, ptr + 4)[0]
            data = struct.unpack_from("<H", b, ptr + (12 if ctl & 0x80 else 8))[0]
            out.add(remappable_handle(addr, data))
        elif b[ptr] == 0x11 and ctl & 0x8000:   # MSI-X, enabled
            tbl = struct.unpack_from("<I", b, ptr + 4)[0]
            bar = struct.unpack_from("<I", b, 0x10 + 4 * (tbl & 7))[0] & ~0xF
            n = (ctl & 0x7FF) + 1
            words = g.xp(bar + (tbl & ~7), 2 * n)
            for i in range(n):
                addr, data, vctl = (words[2 * i] & 0xFFFFFFFF, words[2 * i + 1] & 0xFFFFFFFF,
                                    words[2 * i + 1] >> 32)
                if addr and not vctl & 1:       # programmed, not masked
                    out.add(remappable_handle(addr, data))
        ptr, seen = b[ptr + 1] & 0xFC, seen + 1
    return out


def check_ir(g):
    gsts = g.read_reg(REG_GSTS, 4)
    assert gsts & GSTS_IRES and gsts & GSTS_IRTPS, hex(gsts)
    assert any("Enabled IRQ remapping in xapic mode" in l for l in g.dmar_lines), g.dmar_lines
    irta, present = read_irt(g)
    out = vtd_json(g, "ir")
    t = out["ir"]
    assert t["enabled"] and t["table_set"] and t["irta"] == hex(irta)
    assert t["eime"] is False and t["mode"] == "xapic" and t["size"] == 2 << (irta & 0xF)
    assert [e["index"] for e in t["entries"]] == sorted(present), t["entries"]
    for e in t["entries"]:
        for k, v in expect_irte(*present[e["index"]], False).items():
            assert e[k] == v, "IRTE %d: %s is %r, the spec says %r" % (e["index"], k, e[k], v)
        assert e["format"] == "remapped" and 0x20 <= e["vector"] <= 0xFE, e
    assert not [f for f in out["findings"] if f["severity"] != "info"], out["findings"]
    return t


def test_iq_ir_ir_scalable():
    g = shared_guest("scalable")
    t = check_ir(g)
    by_index = {e["index"]: e for e in t["entries"]}
    # the IOAPIC's pins (QEMU's IOAPIC source id ff:00.0) and the root ports' MSIs
    assert any(e["sid"] == "ff:00.0" for e in t["entries"]), t["entries"]
    for dev in (5, 6):
        handles = msi_handles(g, 0, dev, 0)
        assert handles and None not in handles, \
            "00:%02x.0: no MSI(-X) message in remappable format: %s" % (dev, handles)
        for h in handles:
            assert h in by_index, "MSI handle %d of 00:%02x.0 is not present" % (h, dev)
            assert by_index[h]["sid"] == "00:%02x.0" % dev, by_index[h]


def test_iq_ir_ir_legacy_and_filter():
    g = shared_guest("legacy")
    t = check_ir(g)
    sids = {e["sid"] for e in t["entries"]}
    assert "00:05.0" in sids, sids
    f = vtd_json(g, "-s", "00:05.0", "ir")["ir"]
    assert f["entries"] and {e["sid"] for e in f["entries"]} == {"00:05.0"}, f
    assert f["present"] == t["present"]
    r = run("--qmp=" + g.qmp_path, "-v", "ir", timeout=120)
    assert r.stdout.count("raw: ") == len(t["entries"]), r.stdout
