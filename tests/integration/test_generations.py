# SPDX-License-Identifier: GPL-2.0-or-later
"""What QEMU 11.1 changed, on the freestanding test guest (tests/guest/vtdguest),
against 10.0 where 10.0 has the same thing under another name.

A `check` rule that depends on a vIOMMU option must take it from the registers,
not from the option's name: the PASID width is x-pasid-mode=on in 10.0 (ECAP.PASID,
PSS 0: 1-bit PASIDs) and pasid-bits=N in 11.1 (PSS N-1). The scenario asks for
1-bit PASIDs by 10.0's name; tests/lib/guest.py gives it to 11.1 as pasid-bits=1.
With PASID 5 present, a 1-bit width makes `check` warn pasid_beyond_pss on both
generations; 11.1 with pasid-bits=20 takes it. Either way, QEMU (7.2 to 11.1, PASID-
cache invalidation handled or not) builds no address space for PASID 5 of an emulated
device before a DMA with that PASID: the info finding host_pasid_lazy.
"""

import json
import os
import re
import shutil
import sys
import unittest

import guest as guestlib
from vtdctl import run

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "guest", "vtdguest"))
import boot as vtdguest  # noqa: E402

SCENARIO = """mode scalable
#! iommu {width}
#! device edu,addr=3.0
root 0x800000
ctxtable 0 0x801000
ctx 00:03.0 pdts=2 rid_pasid=0
pasid 00:03.0 0 pgtt=second did=3 aw=1
pasid 00:03.0 5 pgtt=second did=4 aw=1
map 00:03.0 stage=second iova=0x100000 gpa=0x2000000 size=8k r w
map 00:03.0 pasid=5 stage=second iova=0x100000 gpa=0x2100000 size=8k r w
qi on
enable
inv cc gran=global
inv pc gran=global
inv iotlb gran=global
inv wait
"""
ECAP_PASID = 1 << 40


def _check(gen, width, want_rc, want_codes, want_pss):
    q = guestlib.qemu_binary(gen)
    if shutil.which(q) is None:
        raise unittest.SkipTest("no QEMU %s (%s)" % (gen, guestlib.QEMU_GENERATIONS[gen][2]))
    with vtdguest.VtdGuest(SCENARIO.format(width=width), qemu=q) as g:
        assert not g.boot_errors, g.boot_errors
        ecap = g.read_reg(0x10)
        assert ecap & ECAP_PASID and (ecap >> 35) & 0x1F == want_pss, hex(ecap)
        r = run("--qmp=" + g.qmp_path, "check", "--json", check=False)
        c = json.loads(r.stdout)
        got = sorted((f["severity"], f["code"], f.get("pasid")) for f in c["findings"])
        assert r.returncode == want_rc and got == want_codes, (r.returncode, got, r.stdout)
        spaces = {(a["bdf"], a["pasid"]) for a in c["host"]["address_spaces"]}
        assert ("00:03.0", None) in spaces and ("00:03.0", 5) not in spaces, spaces
        text = run("--qmp=" + g.qmp_path, "dump", check=False).stdout    # 2: findings
        text = re.sub(r"\n {5}(?=\S)", " ", text)     # the vmm: line wraps at 100 columns
        vmm = next(l for l in text.splitlines() if l.startswith("vmm: "))
        for k, v in g.iommu_opts.items():        # in this QEMU's names
            assert " %s=%s" % (k, {"on": "true"}.get(v, v)) in vmm, (k, v, vmm)


ONE_BIT = [("info", "host_pasid_lazy", 5), ("warning", "pasid_beyond_pss", 5)]


def test_pasid_width_one_bit_q10():
    _check("10.0", "x-pasid-mode=on", 2, ONE_BIT, 0)


def test_pasid_width_one_bit_q11():
    _check("11.1", "x-pasid-mode=on", 2, ONE_BIT, 0)


def test_pasid_width_20_bits_q11():
    _check("11.1", "pasid-bits=20", 0, [("info", "host_pasid_lazy", 5)], 19)
