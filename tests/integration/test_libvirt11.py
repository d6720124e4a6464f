# SPDX-License-Identifier: GPL-2.0-or-later
"""vtdctl against a libvirt domain of the third generation: Debian 13's libvirtd
(trixie-backports, scripts/fetch-libvirt11.sh) and QEMU 11.1, both in the Debian 13
chroot of scripts/fetch-qemu11.sh, running the Linux 7.3 guest; vtdctl and virsh on
the host, with the host's libvirt client library (Debian 12: 9.0), over the private
daemon's UNIX socket (qemu+unix:///system?socket=PATH).

The daemon (tests/lib/libvirtd.py, root=the chroot) has its own config and sockets,
no systemd, and a mount namespace of its own; the domain's QEMU is a host process, so
vtdctl reaches its memory by virDomainMemoryPeek (--no-monitor, and with
--no-proc-mem) and by /proc/PID/mem, and QEMU's state by the monitor passthrough
(qemu-monitor-command). The intel-iommu options are libvirt's own XML attributes where
libvirt has them (<driver caching_mode aw_bits>), the rest by -global in
<qemu:commandline>, in QEMU 11.1's names (scalable-mode=on: libvirt 12.9 has no
attribute for it), taken from what the QEMU reports (-device intel-iommu,help).

Everything is compared with the independent reader (tests/lib/xpwalk.py) over the
test's own QMP socket of the same QEMU, and with `vtdctl --qmp` on that socket.
Skipped when not root, or the chroot or its libvirt are missing.
"""

import json
import os
import re
import subprocess
import tempfile
import unittest

import guest as guestlib
import libvirtd
import vtdctl
import xpwalk
from qmp import QMP

NAME = "vtd11"
CELL = guestlib.CELLS["q11-l73-scalable"]
# libvirt's own names (formatdomain: <iommu><driver>) -> the QEMU properties they set
DRIVER = {"caching_mode": "on", "aw_bits": "48"}
DRIVER_PROPS = {"caching-mode": "true", "aw-bits": "48"}
CAP_CM = 1 << 7

_state = {}


def _skip_reason():
    why = libvirtd.missing(libvirtd.trixie_root()) or CELL.missing()
    if why:
        return why
    return None


def env():
    """The chroot's daemon with the running domain, set up once per run."""
    if "err" in _state:
        raise _state["err"]
    if "d" not in _state:
        why = _skip_reason()
        if why:
            raise unittest.SkipTest(why)
        d = libvirtd.Libvirtd(root=libvirtd.trixie_root())
        _state["d"] = d
        try:
            d.start()
            glob = guestlib.iommu_opts_for(CELL.qemu_binary(), {"x-scalable-mode": "on"})
            _state["globals"] = glob
            d.define(d.domain_xml(NAME, kernel=CELL.kernel(), iommu_globals=glob,
                                  iommu_driver=DRIVER))
            d.start_domain(NAME)
            d.wait_ready(NAME)
        except Exception as e:
            _state["err"] = e
            raise
    return _state["d"]


def teardown_module(module):
    d = _state.pop("d", None)
    if d is not None:
        d.stop()


def uri(d):
    return "qemu+unix:///system?socket=%s/libvirt-sock" % d.sock_dir


def run(d, *args, check=True):
    argv = ["-c", uri(d), "--vm=" + NAME] + list(args)
    r = subprocess.run([vtdctl.binary()] + argv, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=300)
    if check and r.returncode not in (0, 2):
        raise AssertionError("vtdctl %s exited %d\nstderr:\n%s\nstdout:\n%s"
                             % (" ".join(argv), r.returncode, r.stderr, r.stdout[:2000]))
    return r


def dump_json(d, *args):
    r = run(d, *(list(args) + ["dump", "--json"]))
    return json.loads(r.stdout), r


class QmpReader:
    """xp reads over the domain's second QMP socket, for xpwalk."""
    _XP_LINE = guestlib.Guest._XP_LINE
    xp = guestlib.Guest.xp
    read_reg = guestlib.Guest.read_reg

    def __init__(self, path):
        self.q = QMP(path)

    def hmp(self, line, timeout=None):
        return self.q.hmp(line)


def reader(d):
    """(the independent reader's walk, CAP) over the test's own QMP socket."""
    r = QmpReader(d.qmp_path(NAME))
    try:
        return xpwalk.walk_guest(r), r.read_reg(0x08)
    finally:
        r.q.close()


def without_source(j):
    return {k: v for k, v in j.items() if k != "source"}


def test_libvirt11_versions():
    """The daemon is Debian 13's libvirt and runs QEMU 11.1; the host's client library
    (another, older libvirt) talks to it over the socket."""
    d = env()
    v = d.virsh("version", "--daemon").stdout
    lib = re.search(r"Using library: libvirt (\d+)\.(\d+)", v)
    daemon = re.search(r"Running against daemon: (\d+)\.(\d+)", v)
    hyp = re.search(r"Running hypervisor: QEMU (\d+)\.(\d+)", v)
    assert lib and daemon and hyp, v
    assert int(daemon.group(1)) >= 11 and (hyp.group(1), hyp.group(2)) == ("11", "1"), v
    # the domain's QEMU is the chroot's binary (the file itself: the path /proc/PID/exe
    # shows depends on the mount namespaces between the reader and the daemon)
    exe = os.stat("/proc/%d/exe" % d.pid_of(NAME))
    own = os.stat(os.path.join(libvirtd.trixie_root(), "usr/bin/qemu-system-x86_64"))
    assert (exe.st_dev, exe.st_ino) == (own.st_dev, own.st_ino), (exe, own)


def test_libvirt11_list():
    """list finds the domain and says it is in scalable mode (QEMU 11.1's scalable-mode=on
    in <qemu:commandline>)."""
    d = env()
    j = json.loads(subprocess.run([vtdctl.binary(), "-c", uri(d), "list", "-j"],
                                  stdout=subprocess.PIPE, text=True, check=True).stdout)
    got = {x["name"]: x for x in j["domains"]}
    assert list(got) == [NAME], j
    x = got[NAME]
    assert x["state"] == "running" and x["scalable"], x
    assert "scalable-mode" in _state["globals"], _state["globals"]


def test_libvirt11_peek_matches_reader():
    """dump --no-monitor reads through virDomainMemoryPeek only (the 12.x daemon's, asked
    by the 9.0 client): the tables equal the independent reader's; CAP has what libvirt's
    own <driver> attributes asked for (caching_mode: CAP.CM; aw_bits=48: SAGAW 4-level)."""
    d = env()
    j, r = dump_json(d, "--no-monitor")
    assert j["source"]["kind"] == "libvirt" and j["source"]["access"] == "peek", j["source"]
    ref, cap = reader(d)
    assert ref["iommu"]["mode"] == "scalable" and ref["devices"], ref
    diffs = xpwalk.compare(ref, j)
    assert not diffs, "\n".join(diffs)
    assert cap & CAP_CM and (cap >> 8) & 0x1F & 0b100, hex(cap)


def test_libvirt11_monitor_equals_qmp():
    """dump --vm with the monitor passthrough equals dump --qmp of the same QEMU in every
    key but "source" (host state included: QEMU 11.1's address spaces), through
    /proc/PID/mem, and through peek with --no-proc-mem; the vmm: line shows the options
    in 11.1's names, those libvirt set from its own attributes among them."""
    d = env()
    j, r = dump_json(d)
    q = vtdctl.dump("--qmp=" + d.qmp_path(NAME))
    assert without_source(j) == without_source(q.json), (
        json.dumps(without_source(j))[:1500], json.dumps(without_source(q.json))[:1500])
    assert j["source"]["access"] == "proc-mem", j["source"]
    p, _ = dump_json(d, "--no-proc-mem")
    assert p["source"]["access"] == "peek" and without_source(p) == without_source(j)
    ref, _ = reader(d)
    diffs = xpwalk.compare(ref, j)
    assert not diffs, "\n".join(diffs)
    text = run(d, "dump").stdout
    text = re.sub(r"\n {5}(?=\S)", " ", text)      # the vmm: line wraps at 100 columns
    vmm = next(l for l in text.splitlines() if l.startswith("vmm: "))
    want = dict(DRIVER_PROPS, **{k: {"on": "true"}.get(v, v)
                                 for k, v in _state["globals"].items()})
    for k, v in want.items():
        assert " %s=%s" % (k, v) in vmm, (k, v, vmm)
    assert "x-scalable-mode" not in vmm, vmm


def test_libvirt11_check_equals_qmp():
    """check --vm gives the findings and exit status check --qmp gives on the same QEMU."""
    d = env()
    a = run(d, "check", "--json")
    b = vtdctl.run("--qmp=" + d.qmp_path(NAME), "check", "--json", check=False)
    ja, jb = json.loads(a.stdout), json.loads(b.stdout)
    assert a.returncode == b.returncode, (a.returncode, b.returncode, a.stdout, b.stdout)
    assert ja["findings"] == jb["findings"], (ja["findings"], jb["findings"])


def test_libvirt11_snapshot_reads_back():
    """snapshot --vm writes a file that dump --snapshot reads back as the live domain's
    dump (everything but "source"), and that the reader's tables match."""
    d = env()
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "vtd11.snap")
        run(d, "snapshot", "-o", path)
        s = vtdctl.dump("--snapshot=" + path)
        j, _ = dump_json(d)
        assert without_source(s.json) == without_source(j), (
            json.dumps(without_source(s.json))[:1500], json.dumps(without_source(j))[:1500])
        ref, _ = reader(d)
        diffs = xpwalk.compare(ref, s.json)
        assert not diffs, "\n".join(diffs)
