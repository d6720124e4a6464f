# SPDX-License-Identifier: GPL-2.0-or-later
"""A fleet of small libvirt domains on one private libvirtd, each running the
freestanding test guest (tests/guest/vtdguest) on a scenario of its own, for
`vtdctl --all` at scale (tests/integration/test_fleet.py, tests/bench/bench_fleet.py).

    from fleet import Fleet
    with Fleet(d, 8) as f:            # d: a started libvirtd.Libvirtd
        f.names                       # ["fleet-00", ...], name order
        f.expect["fleet-03"]          # what its scenario programmed (below)

Domain i's scenario (fleet_scenario) is built so that no two domains give the
same check result, and what each must give is known from the scenario alone:

    mode        scalable for even i, legacy for odd i
    did         0x100 + i on 00:03.0 (edu)
    pasids      scalable: RID_PASID 0 plus 1 + i % 5 pass-through PASIDs from
                0x10 + i (each an info host_pasid_lazy: edu has no address
                space for them until it uses one); legacy: none
    devices     00:03.0, plus 00:1f.2 (SATA, translated, did 0x200 + i) for
                i % 4 == 1: a device QEMU has, so no finding
    fault       i % 3 == 0: edu reads unmapped IOVA 0x300000 + i * 0x1000 and
                QEMU records a fault (a warning fault_pending at that address)
    broken      the last domain when broken=True: its scalable context entry
                for 00:03.0 (at 0x801300) has reserved qword 2 set (an error)

Every scenario ends with `halt`: once programmed the guest stops the PIT and
its CPU, so 64 idle domains cost the host nothing but their memory (32 MiB of
guest RAM, ~47 MiB RSS each on QEMU 7.2 TCG). Domains are started a few at a time
(libvirtd serialises little of a start; the guests boot in under a second).
"""

import concurrent.futures
import os

ROOT = 0x800000
CTXTABLE = 0x801000
EDU = "00:03.0"
SATA = "00:1f.2"
MEMORY_MIB = 32
START_JOBS = 4


def fleet_scenario(i, broken=False):
    """(scenario text, expectation dict) of domain i."""
    scalable = i % 2 == 0 or broken
    did = 0x100 + i
    e = {"scalable": scalable, "did": did, "devices": [EDU], "pasids": [],
         "lazy_pasids": [], "fault_iova": None, "broken": broken}
    s = ["# fleet domain %d" % i, "mode %s" % ("scalable" if scalable else "legacy"),
         "root 0x%x" % ROOT, "ctxtable 0 0x%x" % CTXTABLE, "heap 0x1000000"]
    if scalable:
        s += ["ctx %s pdts=2 rid_pasid=0" % EDU,
              "pasid %s 0 pgtt=second did=%d" % (EDU, did),
              "map %s stage=second iova=0x100000 gpa=0x1800000 size=4k r w" % EDU]
        extra = 1 + i % 5
        first = 0x10 + i
        s.append("pasid %s %d count=%d pgtt=pt did=%d" % (EDU, first, extra, did + 0x1000))
        e["pasids"] = [0] + list(range(first, first + extra))
        e["lazy_pasids"] = list(range(first, first + extra))
    else:
        s += ["ctx %s tt=0 did=%d aw=1 slpt=auto" % (EDU, did),
              "map %s stage=second iova=0x100000 gpa=0x1800000 size=4k r w" % EDU]
        if i % 4 == 1:
            s += ["ctx %s tt=0 did=%d aw=1 slpt=auto" % (SATA, 0x200 + i)]
            e["devices"].append(SATA)
    s += ["qi on", "enable", "inv cc gran=global", "inv iotlb gran=global", "inv wait"]
    if i % 3 == 0:
        e["fault_iova"] = 0x300000 + i * 0x1000
        s.append("dma %s iova=0x%x len=64 read" % (EDU, e["fault_iova"]))
    if broken:
        # reserved qword 2 of the 256-bit scalable context entry of devfn 0x18
        e["broken_entry"] = CTXTABLE + 0x18 * 32
        s.append("raw 0x%x 0xdeadbeefdeadbeef" % (e["broken_entry"] + 16))
    s.append("halt")
    return "\n".join(s) + "\n", e


class Fleet:
    def __init__(self, d, count, prefix="fleet", broken_last=False):
        self.d = d
        self.count = count
        self.names = ["%s-%02d" % (prefix, i) for i in range(count)]
        self.expect = {}
        self.broken_last = broken_last

    def start(self):
        os.makedirs(os.path.join(self.d.work, "fleet"), exist_ok=True)
        for i, name in enumerate(self.names):
            text, e = fleet_scenario(i, self.broken_last and i == self.count - 1)
            path = os.path.join(self.d.work, "fleet", name + ".scn")
            with open(path, "w") as f:
                f.write(text)
            self.expect[name] = e
            self.d.define(self.d.vtdguest_domain_xml(name, path, memory_mib=MEMORY_MIB))
        with concurrent.futures.ThreadPoolExecutor(START_JOBS) as ex:
            list(ex.map(self._start_one, self.names))
        return self

    def _start_one(self, name):
        self.d.start_domain(name)
        self.d.wait_ready(name, marker="READY")

    def stop(self):
        for name in self.names:
            self.d.virsh("destroy", name, check=False)
            self.d.virsh("undefine", name, check=False)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
