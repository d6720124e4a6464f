# SPDX-License-Identifier: GPL-2.0-or-later
"""The host side against real QEMUs: the shared Linux guests of the matrix
(QEMU 7.2 + Linux 6.1, QEMU 10.0 + Linux 6.12) and a QEMU 10.0 with a real
iommufd backend object. Expected devices come from query-pci, read here on
the harness's own monitor and flattened by a reader in this file."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

from guest import CELLS, iommu_opts_for, qemu10_binary, qemu11_binary, qemu72_binary, shared_guest
from qmp import QMP
from vtdctl import run

CELLS_HERE = ["q72-l61-scalable", "q72-l61-legacy", "q10-l612-flts-pasid", "q11-l73-fsts",
              "q11-l73-legacy"]


def pci_devices(g):
    """{"bb:dd.f"} of every device in query-pci, behind bridges too."""
    out = set()

    def walk(devs):
        for d in devs:
            out.add("%02x:%02x.%x" % (d["bus"], d["slot"], d["function"]))
            walk(d.get("pci_bridge", {}).get("devices", []))
    for bus in g.execute("query-pci"):
        walk(bus["devices"])
    return out


def check_json(g, rc=0):
    """vtdctl check --json on g; rc None accepts 0 or 2."""
    r = run("--qmp=" + g.qmp_path, "check", "--json", check=False)
    ok = r.returncode in (0, 2) if rc is None else r.returncode == rc
    assert ok, "exit %d\n%s%s" % (r.returncode, r.stdout, r.stderr)
    return json.loads(r.stdout)


def _cell_test(name):
    g = shared_guest(name)
    want = pci_devices(g)
    # the topology of tests/lib/guest.py: several buses, devfn 0x80
    assert {"01:00.0", "02:00.0", "02:00.1", "00:10.0"} <= want, want
    c = check_json(g, 0)
    bad = [f for f in c["findings"] if f["severity"] != "info"]
    assert bad == [], bad
    h = c["host"]
    assert h["known"] and h["qemu_version"].startswith(CELLS[name].qemu.split(".")[0] + ".")
    spaces = [a for a in h["address_spaces"] if a["pasid"] is None]
    got = [a["bdf"] for a in spaces]
    assert None not in got, "unplaced address spaces: %s" % spaces
    assert sorted(got) == sorted(want), (sorted(got), sorted(want))
    assert h["vfio"] == [] and h["iommufd_objects"] == []
    # every device the guest gave a context entry has its address space
    d = json.loads(run("--qmp=" + g.qmp_path, "dump", "--json").stdout)
    assert d["devices"], "no devices"
    for dev in d["devices"]:
        assert dev["host"]["address_space"] is True, dev["bdf"]
        assert dev["host"]["translation"] == "dmar", dev["bdf"]    # Linux: DMA domains
        assert dev["host"]["vfio"] is None
        for p in dev.get("pasids", []):
            assert p["host"]["address_space"] is True and p["host"]["binding"] is None
    text = run("--qmp=" + g.qmp_path, "dump").stdout
    assert "host=dmar" in text


def test_host_q72_scalable():
    _cell_test("q72-l61-scalable")


def test_host_q72_legacy():
    _cell_test("q72-l61-legacy")


def test_host_q10_flts_pasid():
    _cell_test("q10-l612-flts-pasid")


def test_host_q11_fsts():
    _cell_test("q11-l73-fsts")


def test_host_q11_legacy():
    _cell_test("q11-l73-legacy")


def _paused_qemu(binary, extra, null_fd3=False):
    """A QEMU stopped before the guest runs (-S): no DMAR, buses unnumbered."""
    work = tempfile.mkdtemp(prefix="vtdctl-host-")
    sock = os.path.join(work, "qmp.sock")
    argv = [binary, "-machine", "q35", "-accel", "tcg", "-m", "128", "-nodefaults",
            "-display", "none", "-nic", "none", "-S",
            "-qmp", "unix:%s,server=on,wait=off" % sock,
            "-device", ",".join(["intel-iommu"] + ["%s=%s" % kv for kv in iommu_opts_for(
                binary, {"x-scalable-mode": "on"}).items()]),
            "-device", "edu,addr=3.0"] + extra
    if null_fd3:         # QEMU's fd 3 opened on /dev/null by the shell
        argv = ["sh", "-c", 'exec "$@" 3</dev/null', "sh"] + argv
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    for _ in range(200):
        if os.path.exists(sock) or p.poll() is not None:
            break
        time.sleep(0.05)
    return p, sock, work


def _stop(p, sock, work):
    try:
        QMP(sock).execute("quit", timeout=5)
    except Exception:
        pass
    try:
        p.wait(timeout=5)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    shutil.rmtree(work, ignore_errors=True)


def test_iommufd_object_on_qemu10():
    _iommufd_object(qemu10_binary(), "10.0", "scripts/fetch-qemu10.sh")


def test_iommufd_object_on_qemu11():
    """11.1 also lists its monitors under /objects (compat_monitor0): only
    child<iommufd> objects are taken; vtd-nodmar is a container there."""
    _iommufd_object(qemu11_binary(), "11.1", "scripts/fetch-qemu11.sh")


def _iommufd_object(q, gen, script):
    if shutil.which(q) is None:
        raise unittest.SkipTest("no QEMU %s (%s)" % (gen, script))
    # fd=3 on /dev/null: a real backend object without /dev/iommu
    p, sock, work = _paused_qemu(q, ["-object", "iommufd,id=iommufd0,fd=3"], null_fd3=True)
    try:
        assert p.poll() is None, p.stderr.read().decode()
        c = check_json(QMPTarget(sock), rc=None)
        h = c["host"]
        assert h["iommufd_objects"] == ["/objects/iommufd0"], h
        assert h["vfio"] == []
        # -S: translation is off, every address space is nodmar
        assert {a["translation"] for a in h["address_spaces"]} == {"nodmar"}
        assert "00:03.0" in [a["bdf"] for a in h["address_spaces"]]
    finally:
        _stop(p, sock, work)


def test_no_iommufd_on_qemu72_paused():
    q = qemu72_binary()
    if shutil.which(q) is None:
        raise unittest.SkipTest("no QEMU")
    p, sock, work = _paused_qemu(q, [])
    try:
        h = check_json(QMPTarget(sock), rc=None)["host"]
        assert h["iommufd_objects"] == [] and h["vfio"] == []
        assert {a["translation"] for a in h["address_spaces"]} == {"nodmar"}
    finally:
        _stop(p, sock, work)


class QMPTarget:
    """Anything with a qmp_path, for check_json()."""

    def __init__(self, sock):
        self.qmp_path = sock
