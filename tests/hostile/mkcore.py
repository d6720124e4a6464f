#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Synthetic guest memory dumps with crafted VT-d tables (python stdlib only).

Writes ELF64 cores the way QEMU's dump-guest-memory does (ET_CORE, EM_X86_64,
one PT_NOTE, one PT_LOAD per RAM range with p_paddr = guest-physical address)
with tables laid out here from the VT-d specification (root/context entries
128 bits legacy, 256 bits scalable; PASID directory entries 64 bits; PASID
entries 512 bits). RAM pages nobody wrote are file holes, so a multi-GiB core
costs only the pages written.

    mkcore.py CASE OUT.core            # one hostile case (see CASES)
    mkcore.py --list                   # the cases, one a line
    mkcore.py --pasids N OUT.core      # one device, PDTS=7, N present PASIDs
    mkcore.py --big GIB OUT.core       # a sparse GIB-GiB core, tables at the top
    mkcore.py --bad-pasids N OUT.core  # N present PASIDs, every entry wrong
    mkcore.py --selfref-pt N OUT.core  # N PASIDs sharing a self-referencing page table
    mkcore.py --pt-pages N OUT.core    # one PASID whose page table has N full leaf tables

From Python: Mem, write_core(), CASES, the builders below. Each case returns
(mem, rtaddr): rtaddr is the RTADDR value (with TTM) the tables hang from.
"""

import os
import struct
import sys

PAGE = 4096
P = 1
TTM_SCALABLE = 1 << 10
PT_LOAD, PT_NOTE = 1, 4
ET_CORE, EM_X86_64 = 4, 62
PGTT_FIRST, PGTT_SECOND, PGTT_NESTED, PGTT_PT = 1, 2, 3, 4
DEV3, DEV4, DEV5, DEV6 = 0x18, 0x20, 0x28, 0x30    # devfn of 00:03.0 .. 00:06.0
ONES = (1 << 64) - 1


class Mem:
    """Sparse guest RAM: written pages only; the rest reads as zeros."""

    def __init__(self, ram=((0, 256 << 20),)):
        self.ram = [tuple(r) for r in ram]      # (start, size) RAM ranges
        self.pages = {}

    def page(self, addr):
        pfn = addr // PAGE
        if pfn not in self.pages:
            self.pages[pfn] = bytearray(PAGE)
        return self.pages[pfn]

    def q(self, addr, value):
        """One little-endian qword (8-byte aligned)."""
        struct.pack_into("<Q", self.page(addr), addr % PAGE, value & ONES)

    def qs(self, addr, values):
        for i, v in enumerate(values):
            self.q(addr + 8 * i, v)

    def fill(self, addr, length, value):
        for a in range(addr, addr + length, 8):
            self.q(a, value)

    def put_page(self, addr, data):
        """A whole page (bytes of length PAGE) at a page-aligned address."""
        self.pages[addr // PAGE] = bytearray(data)


# --- entries (VT-d spec chapter 9; the bit positions vtd.c decodes) ---------

def root_entry(mem, rt, bus, lctp=0, uctp=0, lo=None, hi=None):
    mem.q(rt + 16 * bus, lo if lo is not None else (lctp | P if lctp else 0))
    mem.q(rt + 16 * bus + 8, hi if hi is not None else (uctp | P if uctp else 0))


def legacy_ctx(mem, ctp, devfn, slpt, did, aw=1, tt=0):
    mem.qs(ctp + 16 * devfn, [slpt | tt << 2 | P, did << 8 | aw])


def sm_ctx(mem, ctp, devfn, pasid_dir, pdts=7, rid_pasid=0):
    """devfn within its half (0..127)."""
    mem.qs(ctp + 32 * devfn, [pasid_dir | pdts << 9 | P, rid_pasid, 0, 0])


def pasid_entry(pgtt=PGTT_PT, did=1, aw=1, slpt=0, flpt=0):
    return [slpt | pgtt << 6 | aw << 2 | P, did, flpt, 0, 0, 0, 0, 0]


def pasid_table_page(entries):
    """entries: 64 lists of 8 qwords (or None for not present)."""
    out = bytearray(PAGE)
    for i, e in enumerate(entries):
        if e:
            struct.pack_into("<8Q", out, 64 * i, *[v & ONES for v in e])
    return bytes(out)


# --- the core file -------------------------------------------------------------

def write_core(path, mem):
    """ELF64 core: ELF header, program headers (PT_NOTE + one PT_LOAD per RAM
    range), an empty note, then each range's bytes (holes where unwritten)."""
    phnum = 1 + len(mem.ram)
    data_off = (64 + 56 * phnum + PAGE - 1) // PAGE * PAGE
    ehdr = struct.pack("<4sBBBBB7sHHIQQQIHHHHHH", b"\x7fELF", 2, 1, 1, 0, 0, b"\0" * 7,
                       ET_CORE, EM_X86_64, 1, 0, 64, 0, 0, 64, 56, phnum, 64, 0, 0)
    phdrs = [struct.pack("<IIQQQQQQ", PT_NOTE, 0, data_off, 0, 0, 0, 0, 0)]
    offsets, off = [], data_off
    for start, size in mem.ram:
        offsets.append(off)
        phdrs.append(struct.pack("<IIQQQQQQ", PT_LOAD, 0, off, 0, start, size, size, 0))
        off += size
    with open(path, "wb") as f:
        f.write(ehdr + b"".join(phdrs))
        for pfn in sorted(mem.pages):
            addr = pfn * PAGE
            for (start, size), base in zip(mem.ram, offsets):
                if start <= addr < start + size:
                    f.seek(base + addr - start)
                    f.write(mem.pages[pfn])
                    break
        f.truncate(off)
    return path


# --- hostile cases -------------------------------------------------------------
# Each is (mem, rtaddr). Tables live at 8 MiB and up in 256 MiB of RAM.

RT = 0x800000


def scalable_base(mem=None):
    """A sane scalable-mode device 00:03.0 (PDTS=2, RID_PASID 0 present),
    so every case has something correct next to the crafted parts."""
    mem = mem or Mem()
    ctx, pdir, ptab = RT + 0x1000, RT + 0x2000, RT + 0x3000
    root_entry(mem, RT, 0, lctp=ctx)
    sm_ctx(mem, ctx, DEV3, pdir, pdts=2)
    mem.q(pdir, ptab | P)
    mem.put_page(ptab, pasid_table_page([pasid_entry(PGTT_PT, did=1)]))
    return mem, ctx


def good_buses(mem, ctx, first=0x10, n=8):
    """More well-formed root entries than crafted ones, so that the table
    still passes as a root table (vtdctl refuses an --rtaddr that mostly
    is not one): buses first.. share the sane context table."""
    for bus in range(first, first + n):
        root_entry(mem, RT, bus, lctp=ctx)


def case_selfref():
    """Context and PASID pointers pointing back at the root table and at
    each other: bus 1's root entry names the root table as its context
    table (both halves); 00:04.0's PASID directory is the context table;
    directory entry 1 of 00:03.0 names the directory itself."""
    mem, ctx = scalable_base()
    root_entry(mem, RT, 1, lctp=RT, uctp=RT)
    sm_ctx(mem, ctx, DEV4, ctx, pdts=0)            # directory = context table
    mem.q(RT + 0x2000 + 8, (RT + 0x2000) | P)   # dir entry 1 -> the directory
    mem.q(RT + 0x2000 + 16, RT | P)             # dir entry 2 -> the root table
    return mem, RT | TTM_SCALABLE


def case_pdts7_one_table():
    """A PDTS=7 directory (16384 entries) whose every entry names one PASID
    table with 64 present entries: 2^20 PASIDs that alias 64 entries."""
    mem, ctx = scalable_base()
    pdir, ptab = 0x1000000, 0x1100000
    sm_ctx(mem, ctx, DEV5, pdir, pdts=7)
    for i in range(1 << 14):
        mem.q(pdir + 8 * i, ptab | P)
    mem.put_page(ptab, pasid_table_page([pasid_entry(PGTT_PT, did=2)] * 64))
    return mem, RT | TTM_SCALABLE


def case_everything_one_table():
    """Every root entry (both halves) names one context table whose every
    entry names one PDTS=7 directory whose every entry names one full PASID
    table: 256 x 256 devices x 2^20 PASIDs if walked naively."""
    mem = Mem()
    ctx, pdir, ptab = RT + 0x1000, 0x1000000, 0x1100000
    for bus in range(256):
        root_entry(mem, RT, bus, lctp=ctx, uctp=ctx)
    for devfn in range(128):
        sm_ctx(mem, ctx, devfn, pdir, pdts=7)
    for i in range(1 << 14):
        mem.q(pdir + 8 * i, ptab | P)
    mem.put_page(ptab, pasid_table_page([pasid_entry(PGTT_PT, did=2)] * 64))
    return mem, RT | TTM_SCALABLE


def case_beyond_ram():
    """Pointers beyond RAM, into the hole below 4 GiB (MMIO), beyond 4 GiB,
    at the last RAM page (a 32-byte table would fit, a directory not), and
    the all-ones address."""
    mem, ctx = scalable_base(Mem(ram=[(0, 256 << 20), (1 << 32, 64 << 20)]))
    good_buses(mem, ctx)
    root_entry(mem, RT, 1, lctp=0xfe000000)                  # MMIO hole
    root_entry(mem, RT, 2, lctp=(1 << 32) + (64 << 20))      # past high RAM
    root_entry(mem, RT, 3, lctp=0x7ffffffff000)
    root_entry(mem, RT, 4, lctp=ONES & ~0xfff)
    sm_ctx(mem, ctx, DEV4, (256 << 20) - PAGE, pdts=7)          # 128 KiB dir at last page
    sm_ctx(mem, ctx, DEV5, 0xfed90000, pdts=0)                  # directory = IOMMU MMIO
    mem.q(RT + 0x2000 + 8, 0xc0000000 | P)                   # PASID table in the hole
    mem.q(RT + 0x2000 + 16, ONES & ~0xffe)
    tab = [pasid_entry(PGTT_SECOND, did=3, slpt=0x10000000000),
           pasid_entry(PGTT_FIRST, did=4, flpt=ONES & ~0xfff),
           pasid_entry(PGTT_NESTED, did=5, slpt=0xfee00000, flpt=0xfec00000)]
    mem.put_page(RT + 0x3000, pasid_table_page([pasid_entry(PGTT_PT, did=1)] + tab))
    return mem, RT | TTM_SCALABLE


def case_reserved():
    """Reserved bits set in every entry a walker reads, and in RTADDR."""
    mem, ctx = scalable_base()
    good_buses(mem, ctx)
    root_entry(mem, RT, 0, lo=ctx | 0xffe | P, hi=0xffe)
    mem.qs(ctx + 32 * DEV3, [(RT + 0x2000) | 2 << 9 | 0x1e0 | P,
                          0xffffffffffe00000, ONES, ONES])
    mem.q(RT + 0x2000, (RT + 0x3000) | 0xffc | P)
    e = pasid_entry(PGTT_SECOND, did=1, slpt=RT + 0x4000)
    e[0] |= 0xc00
    e[4:] = [ONES] * 4
    bad = [e, [0x1c0 | P, 1, 0, 0, 0, 0, 0, 0],              # PGTT 7
           [5 << 6 | 7 << 2 | P, 0xffff, 0, 0, 0, 0, 0, 0]]  # PGTT 5, AW 7
    mem.put_page(RT + 0x3000, pasid_table_page(bad))
    return mem, RT | TTM_SCALABLE | 0x3ff


def case_allones():
    """All-ones pages as context table, PASID directory and PASID table."""
    mem, ctx = scalable_base()
    ones = b"\xff" * PAGE
    root_entry(mem, RT, 1, lctp=0x900000, uctp=0x900000)
    mem.put_page(0x900000, ones)
    sm_ctx(mem, ctx, DEV6, 0x901000, pdts=0)
    mem.put_page(0x901000, ones)
    mem.q(RT + 0x2000 + 8, 0x902000 | P)
    mem.put_page(0x902000, ones)
    return mem, RT | TTM_SCALABLE


def case_allones_root():
    """The root table itself is all ones (legacy format: every bus points
    at 0xfffffffffffff000)."""
    mem = Mem()
    mem.put_page(RT, b"\xff" * PAGE)
    return mem, RT


def case_legacy_loops():
    """Legacy mode: every bus's context table is the root table, so root
    entries are read as context entries (SLPTPTR = the root table)."""
    mem = Mem()
    for bus in range(256):
        root_entry(mem, RT, bus, lo=RT | P, hi=0)
    return mem, RT


CASES = {
    "selfref": case_selfref,
    "pdts7-one-table": case_pdts7_one_table,
    "everything-one-table": case_everything_one_table,
    "beyond-ram": case_beyond_ram,
    "reserved": case_reserved,
    "allones": case_allones,
    "allones-root": case_allones_root,
    "legacy-loops": case_legacy_loops,
}


# --- scale ---------------------------------------------------------------------

def many_pasids(n, pdir=0x1000000, tables=0x2000000, entry=None):
    """One device 00:03.0 at PDTS=7 with PASIDs 0..n-1 present (pass-through,
    DID 1, or the 8 qwords `entry`), each PASID table in its own page:
    (mem, rtaddr). RAM grows to fit."""
    ntab = (n + 63) // 64
    ram = max(256 << 20, tables + ntab * PAGE + (16 << 20))
    mem = Mem(ram=[(0, ram)])
    ctx = RT + 0x1000
    root_entry(mem, RT, 0, lctp=ctx)
    sm_ctx(mem, ctx, DEV3, pdir, pdts=7)
    entry = entry or pasid_entry(PGTT_PT, did=1)
    full = pasid_table_page([entry] * 64)
    for t in range(ntab):
        mem.q(pdir + 8 * t, (tables + t * PAGE) | P)
        left = n - 64 * t
        page = full if left >= 64 else pasid_table_page(
            [entry] * left + [None] * (64 - left))
        mem.put_page(tables + t * PAGE, page)
    return mem, RT | TTM_SCALABLE


def bad_pasids(n):
    """n present PASIDs, every entry wrong: second stage with its table
    pointer beyond RAM and reserved bits set (two findings each)."""
    e = pasid_entry(PGTT_SECOND, did=1, aw=2, slpt=1 << 40)
    e[0] |= 1 << 10                       # bits 11:10 are reserved
    e[5] = 1                              # so are bits 511:256
    return many_pasids(n, entry=e)


SELFREF_TABLE = 0x4000000


def selfref_pagetable(n):
    """n PASIDs (second stage, 4-level) sharing one page-table page whose 512
    entries all point at itself: a walk that follows every reference lists
    512^4 leaves per PASID."""
    mem, rt = many_pasids(n, entry=pasid_entry(PGTT_SECOND, did=1, aw=2,
                                              slpt=SELFREF_TABLE))
    mem.fill(SELFREF_TABLE, PAGE, SELFREF_TABLE | 3)     # R, W
    return mem, rt


PT_BASE = 0x8000000


def many_pt_pages(n):
    """One PASID (second stage, 4-level) whose page table has n full level-1
    tables (512 present 4 KiB leaves each, none contiguous): n + n/512 + 2
    distinct table pages, 512 n ranges."""
    n2 = (n + 511) // 512
    l4, l3, l2 = PT_BASE, PT_BASE + PAGE, PT_BASE + 2 * PAGE
    l1 = l2 + n2 * PAGE
    ram = max(256 << 20, l1 + n * PAGE + (16 << 20))
    mem, rt = many_pasids(1, entry=pasid_entry(PGTT_SECOND, did=1, aw=2, slpt=l4))
    mem.ram = [(0, ram)]
    mem.q(l4, l3 | 3)
    for i in range(n2):
        mem.q(l3 + 8 * i, (l2 + i * PAGE) | 3)
    leaves = struct.pack("<512Q", *[(0x100000 + 2 * i * PAGE) | 3 for i in range(512)])
    for i in range(n):
        mem.q(l2 + 8 * i, (l1 + i * PAGE) | 3)       # table i // 512, entry i % 512
        mem.put_page(l1 + i * PAGE, leaves)
    return mem, rt


def big_sparse(gib):
    """gib GiB of RAM (below 3 GiB, then from 4 GiB as on q35), with the
    scalable_base tables near the top of RAM so a scan reads almost all of
    it: (mem, rtaddr)."""
    total = gib << 30
    low = min(total, 3 << 30)
    ram = [(0, low)] + ([(1 << 32, total - low)] if total > low else [])
    mem = Mem(ram=ram)
    top = ram[-1][0] + ram[-1][1] - (16 << 20)
    rt, ctx, pdir, ptab = top, top + 0x1000, top + 0x2000, top + 0x3000
    root_entry(mem, rt, 0, lctp=ctx)
    sm_ctx(mem, ctx, DEV3, pdir, pdts=2)
    mem.q(pdir, ptab | P)
    mem.put_page(ptab, pasid_table_page([pasid_entry(PGTT_PT, did=1)] * 4))
    return mem, rt | TTM_SCALABLE


def main(argv):
    if argv[:1] == ["--list"]:
        for name, fn in CASES.items():
            print("%-22s %s" % (name, " ".join(fn.__doc__.split())))
        return 0
    builders = {"--pasids": many_pasids, "--big": big_sparse,
                "--bad-pasids": bad_pasids, "--selfref-pt": selfref_pagetable,
                "--pt-pages": many_pt_pages}
    if len(argv) == 3 and argv[0] in builders:
        mem, rt = builders[argv[0]](int(argv[1], 0))
        write_core(argv[2], mem)
    elif len(argv) == 2 and argv[0] in CASES:
        mem, rt = CASES[argv[0]]()
        write_core(argv[1], mem)
    else:
        print(__doc__, file=sys.stderr)
        return 1
    print("rtaddr=0x%x" % rt)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
