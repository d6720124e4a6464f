# SPDX-License-Identifier: GPL-2.0-or-later
"""An independent reader of a guest's VT-d translation tables, for tests.

Written from the VT-d structures as described in shared/reference/VTD-REFERENCE.md
(3.5 root entry, 3.6 legacy context, 3.7 scalable context, 3.8 PASID directory,
3.9 PASID table entry), not from vtdctl's code. It reads guest-physical memory
and the RTADDR register with the HMP command `xp` through tests/lib/guest.py,
and returns a dict shaped like the matching part of `vtdctl dump --json`:

    {"iommu": {"rtaddr": "0x...", "mode": "legacy" | "scalable" | "abort-dma"},
     "devices": [{"bdf": "00:03.0", "bus": 0, "devfn": 24, "context_entry": "0x...",
                  "context": legacy:   {"raw": [2], "present", "tt", "did", "aw", "slptptr"}
                             scalable: {"raw": [4], "pdts", "pasid_dir", "rid_pasid"},
                  "pasids": [{"pasid", "did", "pgtt", "aw", "slptptr", "flptptr",
                              "flpm", "raw": [8], "entry"}]}]}  # scalable mode only

64-bit values are "0x" + lowercase hex without leading zeros (Python's hex()).
Devices are listed for present context entries only, PASIDs for present PASID
table entries only. compare() lists every difference with vtdctl's JSON.
"""

VTD_BASE = 0xFED90000
RTADDR_REG = 0x20
ADDR_MASK = 0xFFFFFFFFFFFFF000      # bits 63:12
PGTT_NAMES = {1: "first-stage", 2: "second-stage", 3: "nested", 4: "pass-through"}
MODE_NAMES = {0: "legacy", 1: "scalable", 3: "abort-dma"}
MAX_PDTS = 7                           # 2^(7+7) directory entries = 2^20 PASIDs


def hx(v):
    return hex(v)


def pgtt_name(n):
    return PGTT_NAMES.get(n, "reserved(%d)" % n)


def mode_name(ttm):
    # TTM 2 is reserved in VT-d 3.x; named like a reserved PGTT.
    return MODE_NAMES.get(ttm, "reserved(%d)" % ttm)


def bdf_str(bus, devfn):
    return "%02x:%02x.%x" % (bus, devfn >> 3, devfn & 7)


class MemReader:
    """Reads qwords of guest-physical memory; caches 4 KiB pages."""

    def __init__(self, read_qwords):
        self._read = read_qwords
        self._pages = {}

    def page(self, addr):
        base = addr & ~0xFFF
        if base not in self._pages:
            self._pages[base] = self._read(base, 512)
        return self._pages[base]

    def qwords(self, addr, n):
        assert addr % 8 == 0
        out = []
        while n > 0:
            page = self.page(addr)
            i = (addr & 0xFFF) // 8
            k = min(n, 512 - i)
            out += page[i:i + k]
            addr += 8 * k
            n -= k
        return out


def decode_legacy_context(lo, hi):
    return {
        "raw": [hx(lo), hx(hi)],
        "present": bool(lo & 1),
        "tt": (lo >> 2) & 3,
        "did": (hi >> 8) & 0xFFFF,
        "aw": hi & 7,
        "slptptr": hx(lo & ADDR_MASK),
    }


def decode_scalable_context(q):
    return {
        "raw": [hx(v) for v in q],
        "pdts": (q[0] >> 9) & 7,
        "pasid_dir": hx(q[0] & ADDR_MASK),
        "rid_pasid": q[1] & 0xFFFFF,
    }


def decode_pasid_entry(pasid, v):
    # 3.9: qword0 P 0, AW 4:2, PGTT 8:6, SLPTPTR 63:12; qword1 DID 15:0;
    # qword2 SRE 0, FLPM 3:2 (0: 4-level, 1: 5-level), FLPTPTR 63:12. A
    # first-stage entry (PGTT 1) has FLPTPTR set and SLPTPTR 0; both are
    # reported as they are, whatever the PGTT.
    return {
        "pasid": pasid,
        "did": v[1] & 0xFFFF,
        "pgtt": pgtt_name((v[0] >> 6) & 7),
        "aw": (v[0] >> 2) & 7,
        "slptptr": hx(v[0] & ADDR_MASK),
        "flptptr": hx(v[2] & ADDR_MASK),
        "flpm": (v[2] >> 2) & 3,
        "raw": [hx(x) for x in v],
    }


def walk_pasids(mem, pasid_dir, pdts):
    """Present PASID entries under a directory of 2^(pdts+7) 8-byte entries."""
    out = []
    nde = 1 << (min(pdts, MAX_PDTS) + 7)
    dirents = mem.qwords(pasid_dir, nde)
    for di, de in enumerate(dirents):
        if not de & 1:
            continue
        table = mem.qwords(de & ADDR_MASK, 64 * 8)
        for ti in range(64):
            v = table[ti * 8:(ti + 1) * 8]
            if v[0] & 1:
                e = decode_pasid_entry((di << 6) | ti, v)
                e["entry"] = hx((de & ADDR_MASK) + 64 * ti)
                out.append(e)
    return out


def walk(read_qwords, rtaddr):
    """Walk the tables from an RTADDR value, reading memory with
    read_qwords(addr, n) -> [int]. Returns the JSON-shaped dict."""
    mem = MemReader(read_qwords)
    ttm = (rtaddr >> 10) & 3
    result = {"iommu": {"rtaddr": hx(rtaddr), "mode": mode_name(ttm)}, "devices": []}
    if ttm not in (0, 1):
        return result
    root = mem.qwords(rtaddr & ADDR_MASK, 512)
    for bus in range(256):
        lo, hi = root[2 * bus], root[2 * bus + 1]
        if ttm == 0:
            if not lo & 1:
                continue
            ctx = mem.qwords(lo & ADDR_MASK, 512)
            for devfn in range(256):
                clo, chi = ctx[2 * devfn], ctx[2 * devfn + 1]
                if clo & 1:
                    result["devices"].append({
                        "bdf": bdf_str(bus, devfn), "bus": bus, "devfn": devfn,
                        "context_entry": hx((lo & ADDR_MASK) + 16 * devfn),
                        "context": decode_legacy_context(clo, chi)})
            continue
        # Scalable: lower table (devfn 0x00-0x7f) from lo, upper (0x80-0xff)
        # from hi; 128 entries of 32 bytes each per 4 KiB table.
        for half, word in ((0, lo), (1, hi)):
            if not word & 1:
                continue
            ctx = mem.qwords(word & ADDR_MASK, 512)
            for i in range(128):
                q = ctx[4 * i:4 * i + 4]
                if not q[0] & 1:
                    continue
                devfn = half * 0x80 + i
                c = decode_scalable_context(q)
                result["devices"].append({
                    "bdf": bdf_str(bus, devfn), "bus": bus, "devfn": devfn,
                    "context_entry": hx((word & ADDR_MASK) + 32 * i),
                    "context": c,
                    "pasids": walk_pasids(mem, q[0] & ADDR_MASK, c["pdts"])})
    return result


def walk_guest(guest):
    """Walk the live tables of a tests/lib/guest.py Guest."""
    return walk(guest.xp, guest.read_reg(RTADDR_REG))


# --- comparison with vtdctl's JSON ----------------------------------------------

# The keys compare() checks: every key the reader produces, at least these.
CONTEXT_KEYS = {"legacy": ("raw", "present", "tt", "did", "aw", "slptptr"),
                "scalable": ("raw", "pdts", "pasid_dir", "rid_pasid")}
PASID_KEYS = ("pasid", "did", "pgtt", "aw", "slptptr", "flptptr", "flpm", "raw", "entry")


def compare(ref, got):
    """Every difference between the reader's dict `ref` and vtdctl's JSON `got`,
    on the keys the reader produces (iommu rtaddr and mode; per device bus,
    devfn, context_entry and CONTEXT_KEYS; per PASID entry PASID_KEYS), as a list of strings
    (empty: equal). Devices and PASIDs present on one side only are listed."""
    diffs = []

    def cmp_keys(where, a, b):
        if not isinstance(b, dict):
            diffs.append("%s: expected an object, vtdctl has %r" % (where, b))
            return
        for k, v in a.items():
            if k not in b:
                diffs.append("%s.%s: missing in vtdctl (expected %r)" % (where, k, v))
            elif b[k] != v:
                diffs.append("%s.%s: expected %r, vtdctl has %r" % (where, k, v, b[k]))

    cmp_keys("iommu", ref["iommu"], got.get("iommu"))
    gdevs = {}
    for d in got.get("devices") or []:
        if d.get("bdf") in gdevs:
            diffs.append("device %s: listed twice by vtdctl" % d.get("bdf"))
        gdevs[d.get("bdf")] = d
    rdevs = {d["bdf"]: d for d in ref["devices"]}
    for bdf in sorted(set(gdevs) - set(rdevs), key=str):
        diffs.append("device %s: listed by vtdctl, no present context entry" % bdf)
    for bdf, rd in rdevs.items():
        gd = gdevs.get(bdf)
        if gd is None:
            diffs.append("device %s: missing in vtdctl" % bdf)
            continue
        where = "device %s" % bdf
        cmp_keys(where, {k: rd[k] for k in ("bus", "devfn", "context_entry")}, gd)
        cmp_keys(where + ".context", rd["context"], gd.get("context"))
        if "pasids" not in rd:
            if gd.get("pasids"):
                diffs.append("%s: legacy mode, yet vtdctl lists PASID entries %r"
                             % (where, [p.get("pasid") for p in gd["pasids"]]))
            continue
        gp = {p.get("pasid"): p for p in gd.get("pasids") or []}
        rp = {p["pasid"]: p for p in rd["pasids"]}
        for pasid in sorted(set(gp) - set(rp), key=str):
            diffs.append("%s pasid %s: listed by vtdctl, not present" % (where, pasid))
        for pasid, p in rp.items():
            if pasid not in gp:
                diffs.append("%s pasid %d: missing in vtdctl" % (where, pasid))
            else:
                cmp_keys("%s pasid %d" % (where, pasid), p, gp[pasid])
    return diffs
