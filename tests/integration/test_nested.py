# SPDX-License-Identifier: GPL-2.0-or-later
"""The nested cell (tests/nested, tests/lib/nested.py): a real vfio-pci device.

The outer QEMU 10.0 runs L1 (Linux 6.12 built by tests/nested/build-kernel.sh)
behind an intel-iommu; L1 binds edu to vfio-pci and runs an inner QEMU 10.0
that passes it through to vtdguest (L2) behind a second intel-iommu, with an
iommufd backend or a VFIO container. One cell boots per run (shared_cell);
L2 is restarted in it for each backend and vIOMMU mode.

Every fact vtdctl prints is compared with one the test reads itself: the
inner QEMU's fds in L1's /proc, L1's sysfs, L1's kernel's own debugfs dump
of the tables it built, and the bytes edu's DMA moved.
"""

import json
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import nested  # noqa: E402
import vtdctl  # noqa: E402

L2_QMP = nested.L2_QMP
EDU = nested.EDU_L2


def _cell():
    vtdctl.binary()            # skip while vtdctl is not built
    return nested.shared_cell()


def _l2(backend, mode, scenario=None, iommu_opts=None):
    """The shared cell with L2 running on `backend` with a `mode` vIOMMU (and the
    default scenario unless given): restarted only when something differs."""
    c = _cell()
    cur = c.state.get("l2") or {}
    if (scenario is not None or cur.get("backend") != backend or cur.get("mode") != mode
            or "pid" not in cur or cur.get("scenario_custom")
            or cur.get("iommu_opts", {}) != (iommu_opts or {})):
        c.start_l2(backend=backend, l2_mode=mode, scenario=scenario, iommu_opts=iommu_opts)
        c.state["l2"]["scenario_custom"] = scenario is not None
    assert not c.state["l2"]["boot_errors"], c.state["l2"]["boot_errors"]
    return c


def _vtdctl_l1(c, *args, rcs=(0, 2)):
    """vtdctl ARGS inside L1 (on L2's QMP socket unless ARGS name a target); JSON."""
    argv = ["vtdctl"] + (["--qmp=" + L2_QMP] if not any(a.startswith("--qmp") for a in args)
                         else []) + ["-j"] + list(args)
    rc, out, err = c.exec(argv, timeout=300)
    assert rc in rcs, "L1: %s exited %d\nstderr:\n%s\nstdout:\n%s" % (
        " ".join(argv), rc, err[-3000:], out[:3000])
    try:
        return json.loads(out)
    except ValueError as e:
        raise AssertionError("L1: %s printed no JSON (%s)\n%s\n%s" % (" ".join(argv), e,
                                                                   out[:2000], err[-2000:]))


def _device(js, bdf):
    for d in js.get("devices") or []:
        if d.get("bdf") == bdf:
            return d
    raise AssertionError("no device %s in vtdctl's output: %s" % (
        bdf, [d.get("bdf") for d in js.get("devices") or []]))


def _fds(c, pid):
    """{fd: target} of a process in L1, read with ls -l /proc/PID/fd."""
    rc, out, err = c.exec("ls -l /proc/%d/fd" % pid, check=True)
    fds = {}
    for line in out.splitlines():
        m = re.search(r"\s(\d+) -> (.*)$", line)
        if m:
            fds[int(m.group(1))] = m.group(2)
    assert fds, out
    return fds


def _sysfs(c):
    """edu's vfio cdev name and IOMMU group in L1, from sysfs."""
    bdf = c.edu_bdf
    rc, out, _ = c.exec("ls /sys/bus/pci/devices/%s/vfio-dev; readlink "
                        "/sys/bus/pci/devices/%s/iommu_group; readlink "
                        "/sys/bus/pci/devices/%s/driver" % (bdf, bdf, bdf), check=True)
    cdev, group, driver = out.split()
    return cdev, group.rsplit("/", 1)[1], driver.rsplit("/", 1)[1]


# --- the cell itself ----------------------------------------------------------

def test_nested_cell_boots():
    c = _cell()
    assert re.match(r"0000:00:04\.0$", c.edu_bdf or ""), c.info
    cdev, group, driver = _sysfs(c)
    assert driver == "vfio-pci"
    assert re.match(r"vfio\d+$", cdev), cdev
    rc, out, _ = c.exec("ls /dev/iommu /dev/vfio/vfio /dev/vfio/%s /dev/vfio/devices/%s "
                        "/sys/kernel/debug/iommu/intel/dmar_translation_struct" % (group, cdev))
    assert rc == 0, out
    # exec: stdout, stderr and the exit status come back apart and exact.
    rc, out, err = c.exec("printf 'a\\nb'; echo oops >&2; exit 7")
    assert (rc, out, err) == (7, "a\nb", "oops\n"), (rc, out, err)
    print("    | L1 boot %.1f s, L2 start %.1f s, kernel %s"
          % (c.state.get("l1_boot_time", 0), c.state.get("l2", {}).get("boot_time", 0),
             c.info.get("KERNEL")))


# --- a. the vfio-pci device, as vtdctl sees it in L1 ------------------------------

def check_vfio(backend, mode):
    c = _l2(backend, mode)
    pid = c.l2_pid
    cdev, group, _ = _sysfs(c)
    fds = set(_fds(c, pid).values())
    if backend == "iommufd":
        assert "/dev/iommu" in fds and "/dev/vfio/devices/" + cdev in fds, fds
        assert "/dev/vfio/vfio" not in fds and "/dev/vfio/" + group not in fds, fds
    else:
        assert "/dev/vfio/vfio" in fds and "/dev/vfio/" + group in fds, fds
        assert "/dev/iommu" not in fds and "/dev/vfio/devices/" + cdev not in fds, fds

    js = _vtdctl_l1(c, "dump")
    assert js["iommu"]["mode"] == mode, js["iommu"]
    d = _device(js, EDU)
    v = d["host"]["vfio"]
    assert v is not None, d["host"]
    assert v["host_bdf"] == c.edu_bdf, v
    assert v["binding"] is True, v
    if backend == "iommufd":
        assert v["iommufd"] == "/objects/iommufd0", v
        assert cdev in v["binding_detail"], v
    else:
        assert v["iommufd"] is False, v
        assert "/dev/vfio/" + group in v["binding_detail"], v
    assert d["host"]["address_space"] is True, d["host"]
    assert d["host"]["translation"] == "dmar", d["host"]

    ck = _vtdctl_l1(c, "check")
    codes = [(f["code"], f.get("bdf")) for f in ck.get("findings") or []]
    assert ("host_not_bound", EDU) not in codes, codes
    h = ck["host"]
    assert h["pid"] == pid, h
    assert [x["host_bdf"] for x in h["vfio"]] == [c.edu_bdf], h["vfio"]
    assert h["vfio"][0]["binding"] is True and h["vfio"][0]["bdf" if "bdf" in h["vfio"][0]
                                                          else "devfn"] is not None
    assert h["iommufd_objects"] == (["/objects/iommufd0"] if backend == "iommufd" else []), h
    print("    | %s/%s: %s" % (backend, mode, v["binding_detail"]))


def test_nested_vfio_iommufd_legacy():
    check_vfio("iommufd", "legacy")


def test_nested_vfio_container_legacy():
    check_vfio("container", "legacy")


def test_nested_vfio_iommufd_scalable():
    check_vfio("iommufd", "scalable")


def test_nested_vfio_container_scalable():
    check_vfio("container", "scalable")


# --- b. from the host: the tables L1's kernel built, against L1's debugfs ---------

_DBG_LINE = re.compile(r"^([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])\t0x([0-9a-f]{16}):0x([0-9a-f]{16})"
                       r"\t0x([0-9a-f]{16}):0x([0-9a-f]{16})\t(-?\d+)\s*\t"
                       r"0x([0-9a-f]{16}):0x([0-9a-f]{16}):0x([0-9a-f]{16})$")


def parse_dmar_translation_struct(text):
    """L1's /sys/kernel/debug/iommu/intel/dmar_translation_struct (Linux 6.12,
    drivers/iommu/intel/debugfs.c): {"rtaddr": int, "devices": {(bus, devfn):
    {"root": (hi, lo), "context": (hi, lo), "pasids": {pasid: (qw0, qw1, qw2)}}}}.
    One line per present PASID entry (scalable) or context entry (legacy, PASID -1)."""
    out = {"rtaddr": None, "devices": {}}
    for line in text.splitlines():
        m = re.match(r"IOMMU \S+: Root Table Address: 0x([0-9a-f]+)", line)
        if m:
            out["rtaddr"] = int(m.group(1), 16)
            continue
        m = _DBG_LINE.match(line)
        if not m:
            continue
        g = m.groups()
        key = (int(g[0], 16), int(g[1], 16) << 3 | int(g[2]))
        d = out["devices"].setdefault(key, {"root": (int(g[3], 16), int(g[4], 16)),
                                            "context": (int(g[5], 16), int(g[6], 16)),
                                            "pasids": {}})
        if int(g[7]) >= 0:
            # printed as val[2]:val[1]:val[0]
            d["pasids"][int(g[7])] = (int(g[10], 16), int(g[9], 16), int(g[8], 16))
    return out


def _host_dump(c):
    d = vtdctl.dump("--qmp=" + c.qmp_path)
    return d.json


def test_nested_host_tables_match_l1_debugfs():
    c = _l2("iommufd", "legacy")
    rc, text, err = c.exec("cat /sys/kernel/debug/iommu/intel/dmar_translation_struct",
                           check=True)
    dbg = parse_dmar_translation_struct(text)
    assert dbg["devices"], text
    js = _host_dump(c)
    assert js["iommu"]["mode"] == "scalable", js["iommu"]
    assert int(js["iommu"]["rtaddr"], 16) & ~0xFFF == dbg["rtaddr"], (js["iommu"], dbg["rtaddr"])
    vt = {(d["bus"], d["devfn"]): d for d in js["devices"]}
    # Every device L1's kernel printed, vtdctl decoded, entry by entry; and no more.
    assert sorted(vt) == sorted(dbg["devices"]), (sorted(vt), sorted(dbg["devices"]))
    for key, k in dbg["devices"].items():
        d = vt[key]
        raw = [int(x, 16) for x in d["context"]["raw"]]
        assert (raw[1], raw[0]) == k["context"], (d["bdf"], d["context"]["raw"], k)
        # The context entry's address follows from the root entry the kernel printed.
        root_hi, root_lo = k["root"]
        table = (root_lo if key[1] < 0x80 else root_hi) & ~0xFFF
        assert int(d["context_entry"], 16) == table + (key[1] & 0x7F) * 32, (d["bdf"], k)
        got = {p["pasid"]: tuple(int(x, 16) for x in p["raw"][:3]) for p in d["pasids"]}
        assert got == k["pasids"], (d["bdf"], got, k["pasids"])
    # edu (vfio): its RID_PASID entry is the vfio domain's, second-stage.
    edu_key = (0, 0x20)
    edu = vt[edu_key]
    pe = [p for p in edu["pasids"] if p["pasid"] == edu["context"]["rid_pasid"]]
    assert pe and pe[0]["pgtt"] in ("second-stage", "first-stage"), edu
    # Its mappings: L1's domain_translation_struct for the device, against
    # vtdctl xlate on the outer QEMU, page by page.
    rc, dts, _ = c.exec("cat /sys/kernel/debug/iommu/intel/%s/domain_translation_struct"
                        % c.edu_bdf, check=True)
    pages = []
    for line in dts.splitlines():
        m = re.match(r"^0x([0-9a-f]+) \|\s+(.*)$", line)
        if m:
            ptes = [int(x, 16) for x in m.group(2).split()]
            pages.append((int(m.group(1), 16) << 12, ptes[-1]))
    # The L2 scenario maps IOVAs 0x100000-0x101fff and 0x200000: caching-mode
    # makes the inner QEMU map exactly those into L1's vfio domain.
    iovas = sorted(p[0] for p in pages)
    assert {0x100000, 0x101000, 0x200000} <= set(iovas), dts
    for iova, leaf in pages:
        r = vtdctl.run("--qmp=" + c.qmp_path, "-s", "00:04.0", "-j", "xlate", hex(iova),
                       check=False)
        x = json.loads(r.stdout)["xlate"]
        assert r.returncode == 0 and x.get("result"), r.stdout
        size = int(x["result"]["page_size"], 16)
        expect = (leaf & 0x000FFFFFFFFFF000 & ~(size - 1)) | (iova & (size - 1))
        assert int(x["result"]["gpa"], 16) == expect, (hex(iova), hex(leaf), x["result"])
    print("    | %d devices, %d PASID entries, %d edu pages compared with L1's debugfs"
          % (len(dbg["devices"]), sum(len(k["pasids"]) for k in dbg["devices"].values()),
             len(pages)))


# --- c. edu DMA from L2 through both IOMMUs lands where xlate says ----------------

PATTERN = 0x1122334455667788


def _peek(c, addr):
    out = c.l2("peek 0x%x" % addr)
    for line in out:
        m = re.match(r"VAL (0x[0-9a-f]+) (0x[0-9a-f]+)", line)
        if m and int(m.group(1), 16) == addr:
            return int(m.group(2), 16)
    raise AssertionError("no VAL for 0x%x in %r" % (addr, out))


def check_dma(backend, mode):
    c = _l2(backend, mode)
    for iova in (0x100000, 0x101040, 0x200000):
        xl = _vtdctl_l1(c, "-s", EDU, "xlate", hex(iova))["xlate"]
        assert xl.get("result"), xl
        gpa = int(xl["result"]["gpa"], 16)
        c.l2("fill 0x%x 64 0x%x" % (gpa, PATTERN + iova))
        c.l2("dma %s iova=0x%x len=64 read" % (EDU, iova))          # memory -> edu
        c.l2("fill 0x%x 64 0" % gpa)
        if iova == 0x200000:                                        # mapped read-only
            continue
        c.l2("dma %s iova=0x%x len=64 write" % (EDU, iova))         # edu -> memory
        got = _peek(c, gpa)
        assert got == PATTERN + iova, "DMA to IOVA %#x did not reach GPA %#x (%#x)" % (
            iova, gpa, got)
    # An IOVA L2 never mapped: vtdctl on L2's vIOMMU predicts a fault; the DMA
    # faults in L1's unit (the inner QEMU mapped nothing there for VFIO), so L1's
    # kernel logs a DMAR fault for edu at that address and L2's unit records none.
    iova = 0x300000
    r = _vtdctl_l1(c, "-s", EDU, "xlate", hex(iova), rcs=(2,))["xlate"]
    assert r.get("fault"), r
    rc, before, _ = c.exec("dmesg | grep -c 'DMAR:.*fault addr 0x%x' || true" % iova)
    c.l2("clearfaults")
    c.l2("dma %s iova=0x%x len=64 read" % (EDU, iova), check=False)
    deadline = time.monotonic() + 30
    while True:
        rc, n, _ = c.exec("dmesg | grep -c 'DMAR:.*fault addr 0x%x' || true" % iova)
        if int(n) > int(before):
            break
        assert time.monotonic() < deadline, "no DMAR fault for 0x%x in L1's log" % iova
        time.sleep(0.2)
    rc, log, _ = c.exec("dmesg | grep 'DMAR:.*fault addr 0x%x' | tail -n1" % iova)
    assert "[%s] fault addr 0x%x" % (c.edu_bdf[5:], iova) in log, log
    fsts = [l for l in c.l2("faults") if l.startswith("FSTS")]
    assert fsts and int(fsts[0].split()[1], 16) & 0x2 == 0, fsts      # no PPF in L2's unit
    print("    | %s/%s: DMA landed where xlate said; unmapped IOVA faulted in L1: %s"
          % (backend, mode, log.strip()))


def test_nested_dma_iommufd_legacy():
    check_dma("iommufd", "legacy")


def test_nested_dma_container_scalable():
    check_dma("container", "scalable")


# --- d. the seed's cases: PASID entries of a vfio device in a scalable L2 ----------
#
# reference/qemu-patch-pasid-entry-adding.txt: on a PASID-selective PASID-cache
# invalidation, QEMU walks the guest's PASID table and makes (and binds, for a
# device with a host IOMMU) an address space per present PASID. QEMU 10.0 has
# no such code: its intel-iommu builds per-PASID address spaces only for DMA
# of emulated devices (x-pasid-mode), and binds no PASID of a vfio-pci device.
# So in this cell a present PASID of the vfio device is never bound, with or
# without the invalidation, and vtdctl must say exactly that.

def _mtree_pasid_spaces(c):
    """`info mtree` of the inner QEMU, read in L1 by a QMP client of the test's
    own (tests/lib/qmp.py) on the inner QEMU's second monitor: the names
    vtd-SS.F-pasid-P it lists."""
    rc, out, err = c.exec(
        "python3 -c \"import sys; sys.path.insert(0, '%s/tests/lib'); from qmp import QMP; "
        "print(QMP('/run/vtd-l2-ctl.qmp').hmp('info mtree'))\"" % nested.REPO, check=True)
    assert "vtd-root" in out, out[:2000]
    return sorted(set(re.findall(r"vtd-[0-9a-f]{2}\.[0-7]-pasid-[0-9a-f]+", out)))


def _pasid_state(c, pasid):
    """(entry of `pasid` in vtdctl dump or None, codes of check's findings for it)."""
    d = _device(_vtdctl_l1(c, "dump"), EDU)
    pe = [p for p in d["pasids"] if p["pasid"] == pasid]
    ck = _vtdctl_l1(c, "check")
    codes = sorted(f["code"] for f in ck["findings"] or []
                   if f.get("bdf") == EDU and f.get("pasid") == pasid)
    return (pe[0] if pe else None), codes


def check_seed(invalidate, pasid_mode=False):
    # x-pasid-mode=on: QEMU 10.0 then sets ECAP.PASID with PSS=0 (1-bit PASIDs),
    # so PASID 1; without it, any PASID of the table (5).
    opts = {"x-pasid-mode": "on"} if pasid_mode else None
    c = _l2("iommufd", "scalable", iommu_opts=opts)
    pasid = 1 if pasid_mode else 5
    inv = ["inv pc gran=pasid did=%d pasid=%d", "inv wait"] if invalidate else []

    def step(line, did):
        c.l2(line)
        for l in inv:
            c.l2(l % (did, pasid) if "%" in l else l)
        fsts = [l for l in c.l2("faults") if l.startswith("FSTS")]
        assert fsts and int(fsts[0].split()[1], 16) & 0x70 == 0, fsts   # no IQE/ICE/ITE

    # c) non-present -> present
    step("pasid %s %d pgtt=second did=5 aw=1" % (EDU, pasid), 5)
    if pasid_mode:      # DMA now goes on (edu issues no PASID-tagged DMA: RID_PASID)
        c.l2("dma %s iova=0x100000 len=64 read" % EDU)
    pe, codes = _pasid_state(c, pasid)
    assert pe is not None and pe["did"] == 5, pe
    assert pe["host"]["address_space"] is False, pe["host"]
    assert pe["host"]["binding"] is None, pe["host"]      # per-PASID binding: not visible
    assert codes == ["host_pasid_missing"], codes
    assert _mtree_pasid_spaces(c) == [], "QEMU 10.0 made a per-PASID address space"
    # b) present -> present, changed
    step("pasid %s %d pgtt=second did=6 aw=1" % (EDU, pasid), 6)
    pe, codes = _pasid_state(c, pasid)
    assert pe is not None and pe["did"] == 6, pe
    assert pe["host"]["address_space"] is False and codes == ["host_pasid_missing"], (pe, codes)
    assert _mtree_pasid_spaces(c) == []
    # a) present -> non-present: nothing left over, on either side
    step("nopasid %s %d" % (EDU, pasid), 6)
    pe, codes = _pasid_state(c, pasid)
    assert pe is None and codes == [], (pe, codes)
    assert _mtree_pasid_spaces(c) == []
    # RID_PASID (the vfio device's own binding) stays bound throughout.
    d = _device(_vtdctl_l1(c, "dump"), EDU)
    assert d["host"]["vfio"]["binding"] is True, d["host"]
    print("    | QEMU 10.0%s, %s PASID-cache invalidation: PASID %d present/changed -> "
          "host_pasid_missing, no vtd-03.0-pasid-%x in info mtree; removed -> no finding"
          % (" x-pasid-mode=on" if pasid_mode else "", "with" if invalidate else "without",
             pasid, pasid))


def test_nested_seed_pasid_with_invalidation():
    check_seed(True)


def test_nested_seed_pasid_without_invalidation():
    check_seed(False)


def test_nested_seed_pasid_mode_with_invalidation():
    check_seed(True, pasid_mode=True)


# --- what QEMU 10.0 refuses --------------------------------------------------------

def refused_message(backend, l2_mode, iommu_opts, what):
    """Start L2 with a combination QEMU 10.0 must refuse: its message."""
    c = _cell()
    try:
        c.start_l2(backend=backend, l2_mode=l2_mode, iommu_opts=iommu_opts)
    except nested.NestedError as e:
        return str(e)
    raise AssertionError("QEMU 10.0 accepted " + what)


def show_line(msg, needle):
    print("    | " + [l for l in msg.splitlines() if needle in l][0])


def test_nested_refused_first_stage():
    """x-flts=on (first-stage translation in L2's vIOMMU) with a vfio-pci device:
    QEMU 10.0 has no nesting, so it refuses the host device (vtd_check_hiod)."""
    msg = refused_message("iommufd", "scalable", {"x-flts": "on"}, "x-flts=on with vfio-pci")
    assert "host device is uncompatible with stage-1 translation" in msg, msg
    show_line(msg, "uncompatible")


def test_nested_refused_no_caching_mode():
    msg = refused_message("container", "legacy", {"caching-mode": "off"},
                          "vfio-pci without caching-mode")
    assert "caching-mode=on" in msg, msg
    show_line(msg, "caching-mode")


def teardown_module():
    """The cell's two QEMUs (TCG, L2 polling its serial port) keep a host CPU
    busy: stop them once this module's tests are done, not at the end of the
    whole run."""
    nested._down_shared()
