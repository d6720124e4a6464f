# SPDX-License-Identifier: GPL-2.0-or-later
"""Boot a real QEMU (TCG) with an intel-iommu and a real Debian Linux guest.

    from guest import Guest, shared_guest
    with Guest("scalable") as g:          # or "legacy"; boots, waits for the report
        g.qmp_path                        # public QMP socket, left free for vtdctl
        g.pid, g.boot_time, g.kernel_version
        g.groups                          # {group number: ["0000:00:03.0", ...]}
        g.hmp("info pci"); g.execute("query-status")
        g.xp(0x1000, 512)                 # guest-physical qwords (xp /Ngx)
        g.read_reg(0x20)                  # VT-d register at 0xfed90000 + off
        g.dump_memory("/tmp/guest.core")  # dump-guest-memory, paging=false
    shared_guest("scalable")              # one guest per config for a whole run

Environment: QEMU (binary), QEMU_EXTRA_ARGS (shell words appended to the
command line), VTDCTL_GUEST_TIMEOUT (seconds, default 120), VTDCTL_CACHE and
VTDCTL_KERNEL_PKG (see tests/guest/build.sh), VTDCTL_KEEP_GUEST=1 keeps the
work directory (serial log, QEMU's stderr) after the guest stops.
"""

import atexit
import ctypes
import os
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from qmp import QMP

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD_SH = os.path.join(REPO, "tests", "guest", "build.sh")
VTD_BASE = 0xFED90000
READY = "VTDCTL_GUEST_READY"

# Kernel command lines per mode. The Debian kernel is built with
# CONFIG_INTEL_IOMMU_SCALABLE_MODE_DEFAULT_ON=y, so legacy needs sm_off spelled
# out. iommu.strict=1 makes unmaps reach the tables at once (the default is
# lazy); iommu.passthrough=0 keeps translated DMA domains for every device.
CMDLINES = {
    "scalable": "intel_iommu=on,sm_on",
    "legacy": "intel_iommu=on,sm_off",
}
COMMON_CMDLINE = "console=ttyS0 iommu.strict=1 iommu.passthrough=0 panic=-1 quiet"

IOMMU_OPTS = {
    "scalable": {"x-scalable-mode": "on"},
    "legacy": {},
}

# The PCI topology of the test guest (q35 adds 00:00.0 host bridge, 00:01.0
# VGA and 00:1f.0/2/3 LPC, SATA, SMBus):
#   00:03.0 virtio-rng-pci       bus 0
#   00:04.0 edu                  bus 0
#   00:10.0 virtio-rng-pci       bus 0, devfn 0x80: first entry of the upper
#                                scalable-mode context table
#   00:05.0 pcie-root-port rp1 -> 01:00.0 virtio-rng-pci
#   00:06.0 pcie-root-port rp2 -> 02:00.0 and 02:00.1, one multifunction
#                                 device (two virtio-rng-pci functions)
DEFAULT_DEVICES = [
    "virtio-rng-pci,bus=pcie.0,addr=0x3",
    "edu,bus=pcie.0,addr=0x4",
    "virtio-rng-pci,bus=pcie.0,addr=0x10",
    "pcie-root-port,id=rp1,bus=pcie.0,chassis=1,slot=1,addr=0x5",
    "virtio-rng-pci,bus=rp1,addr=0x0",
    "pcie-root-port,id=rp2,bus=pcie.0,chassis=2,slot=2,addr=0x6",
    "virtio-rng-pci,bus=rp2,addr=0x0.0,multifunction=on",
    "virtio-rng-pci,bus=rp2,addr=0x0.1",
]


class GuestError(Exception):
    pass


def build_artefacts():
    """Run tests/guest/build.sh (cached) and return (kernel, initrd) paths."""
    r = subprocess.run([BUILD_SH], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    if r.returncode != 0:
        raise GuestError("tests/guest/build.sh failed:\n" + r.stderr)
    out = dict(l.split("=", 1) for l in r.stdout.splitlines() if "=" in l)
    return out["KERNEL"], out["INITRD"]


def _pdeathsig():
    # The QEMU child dies with the test process, even on SIGKILL of the latter.
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def _iommu_arg(opts):
    return ",".join(["intel-iommu"] + ["%s=%s" % kv for kv in opts.items()])


_live = set()


@atexit.register
def _stop_all():
    for g in list(_live):
        g.stop()


class Guest:
    def __init__(self, mode="scalable", memory=512, iommu_opts=None, cmdline=None,
                 devices=None, qemu=None, extra_args=None, timeout=None):
        if mode not in CMDLINES:
            raise ValueError("mode must be one of %s" % sorted(CMDLINES))
        self.mode = mode
        self.memory = memory
        self.iommu_opts = dict(IOMMU_OPTS[mode])
        self.iommu_opts.update(iommu_opts or {})
        self.cmdline = " ".join([COMMON_CMDLINE, CMDLINES[mode], cmdline or ""]).strip()
        self.devices = list(DEFAULT_DEVICES if devices is None else devices)
        self.qemu = qemu or os.environ.get("QEMU") or "qemu-system-x86_64"
        self.extra_args = list(extra_args or []) + shlex.split(
            os.environ.get("QEMU_EXTRA_ARGS", ""))
        self.timeout = float(timeout or os.environ.get("VTDCTL_GUEST_TIMEOUT", 120))
        self.proc = None
        self.pid = None
        self.boot_time = None
        self.workdir = None
        self._ctl = None
        self._reset_report()

    def _reset_report(self):
        self.kernel_version = None
        self.guest_cmdline = None
        self.groups = {}          # group -> [bdf "0000:bb:dd.f"]
        self.group_of = {}        # bdf -> group
        self.group_type = {}      # group -> "DMA", "DMA-FQ", "identity", ...
        self.pci_devices = {}     # bdf -> (vendor, device, class)
        self.dmar_lines = []

    # --- lifecycle ---------------------------------------------------------

    def command_line(self, kernel, initrd):
        w = self.workdir
        cmd = [self.qemu,
               "-machine", "q35", "-accel", "tcg", "-m", str(self.memory),
               "-nodefaults", "-vga", "std",
               "-nic", "none", "-display", "none", "-no-reboot",
               "-serial", "file:" + self.serial_path,
               # Public socket, for vtdctl; the harness keeps its own.
               "-qmp", "unix:%s,server=on,wait=off" % self.qmp_path,
               "-qmp", "unix:%s,server=on,wait=off" % self.ctl_path,
               "-kernel", kernel, "-initrd", initrd, "-append", self.cmdline,
               # intel-iommu must come before the PCI devices it translates.
               "-device", _iommu_arg(self.iommu_opts)]
        for d in self.devices:
            cmd += ["-device", d]
        return cmd + self.extra_args

    def start(self):
        kernel, initrd = build_artefacts()
        self.workdir = tempfile.mkdtemp(prefix="vtdctl-guest-%s-" % self.mode)
        self.serial_path = os.path.join(self.workdir, "serial.log")
        self.stderr_path = os.path.join(self.workdir, "qemu.stderr")
        self.qmp_path = os.path.join(self.workdir, "qmp.sock")
        self.ctl_path = os.path.join(self.workdir, "ctl.sock")
        self.argv = self.command_line(kernel, initrd)
        t0 = time.monotonic()
        with open(self.stderr_path, "wb") as err:
            try:
                self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL,
                                             stdout=err, stderr=err,
                                             preexec_fn=_pdeathsig)
            except FileNotFoundError:
                self._cleanup_dir(force=True)
                raise GuestError("no QEMU binary %r" % self.qemu)
        self.pid = self.proc.pid
        _live.add(self)
        try:
            self._wait_ready(t0)
            self._ctl = QMP(self.ctl_path)
        except BaseException:
            self.stop()
            raise
        self.boot_time = time.monotonic() - t0
        return self

    def _wait_ready(self, t0):
        while True:
            text = self.serial_text()
            if READY in text:
                self._parse_report(text)
                return
            if self.proc.poll() is not None:
                raise GuestError("QEMU exited with %d before the guest was ready\n%s"
                                 % (self.proc.returncode, self._diagnostics()))
            if time.monotonic() - t0 > self.timeout:
                raise GuestError("guest not ready after %.0f s\n%s"
                                 % (self.timeout, self._diagnostics()))
            time.sleep(0.1)

    def _diagnostics(self):
        def tail(path, n=25):
            try:
                with open(path, errors="replace") as f:
                    return "".join(f.readlines()[-n:])
            except OSError:
                return ""
        return ("command: %s\n--- QEMU stderr ---\n%s--- serial (tail) ---\n%s"
                % (" ".join(shlex.quote(a) for a in self.argv),
                   tail(self.stderr_path), tail(self.serial_path)))

    def _parse_report(self, text):
        self._reset_report()
        begin = text.rfind("VTDCTL_GUEST_BEGIN")
        for line in text[begin:].splitlines():
            line = line.rstrip("\r")
            key, _, rest = line.partition(" ")
            if key == "KERNEL":
                self.kernel_version = rest
            elif key == "CMDLINE":
                self.guest_cmdline = rest
            elif key == "PCI_DEVICE":
                bdf, *ids = rest.split()
                self.pci_devices[bdf] = tuple(ids)
            elif key == "IOMMU_GROUP":
                f = rest.split()
                g = int(f[0])
                self.groups.setdefault(g, []).append(f[1])
                self.group_of[f[1]] = g
                if len(f) > 2:
                    self.group_type[g] = f[2]
            elif key == "DMAR":
                self.dmar_lines.append(rest)
        for devs in self.groups.values():
            devs.sort()

    def stop(self):
        """Stop QEMU (quit, then SIGKILL) and remove the work directory."""
        if self._ctl is not None:
            try:
                self._ctl.execute("quit", timeout=5)
            except Exception:
                pass
            self._ctl.close()
            self._ctl = None
        if self.proc is not None:
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None
        _live.discard(self)
        self._cleanup_dir()

    def _cleanup_dir(self, force=False):
        if self.workdir and (force or not os.environ.get("VTDCTL_KEEP_GUEST")):
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    def __enter__(self):
        if self.proc is None:
            self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    # --- access ------------------------------------------------------------

    def serial_text(self):
        try:
            with open(self.serial_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def execute(self, command, arguments=None, timeout=None):
        """Run a QMP command on the harness's own monitor; return its result."""
        return self._ctl.execute(command, arguments, timeout=timeout)

    def hmp(self, command_line, timeout=None):
        return self._ctl.hmp(command_line, timeout=timeout)

    _XP_LINE = re.compile(r"^([0-9a-fA-F]+):((?:\s+0x[0-9a-fA-F]+)+)\s*$")

    def xp(self, addr, count, chunk=512):
        """Read count qwords of guest-physical memory at addr (xp /Ngx)."""
        out = []
        while count > 0:
            n = min(count, chunk)
            text = self.hmp("xp /%dgx 0x%x" % (n, addr))
            words = []
            for line in text.splitlines():
                m = self._XP_LINE.match(line.strip())
                if not m:
                    raise GuestError("unexpected xp output: %r" % line)
                words += [int(w, 16) for w in m.group(2).split()]
            if len(words) != n:
                raise GuestError("xp /%dgx 0x%x gave %d words" % (n, addr, len(words)))
            out += words
            addr += 8 * n
            count -= n
        return out

    def read_reg(self, offset, size=8):
        """Read a VT-d register (size 4 or 8) at VTD_BASE + offset."""
        unit = {4: "w", 8: "g"}[size]
        text = self.hmp("xp /1%sx 0x%x" % (unit, VTD_BASE + offset))
        return int(text.split(":", 1)[1].split()[0], 16)

    def dump_memory(self, path):
        """Write an ELF core of guest RAM (dump-guest-memory, paging=false)."""
        path = os.path.abspath(path)
        self.execute("dump-guest-memory",
                     {"paging": False, "protocol": "file:" + path}, timeout=300)
        return path

    def qemu_version(self):
        v = self.execute("query-version")["qemu"]
        return "%d.%d.%d" % (v["major"], v["minor"], v["micro"])


# --- one guest per configuration for a whole test run ------------------------

_shared = {}


def shared_guest(name="scalable", **kwargs):
    """Boot the guest of configuration `name` once per process and reuse it.

    A configuration that failed to boot fails again at once, without a retry.
    """
    if name not in _shared:
        qemu = kwargs.get("qemu") or os.environ.get("QEMU") or "qemu-system-x86_64"
        if shutil.which(qemu) is None:
            raise unittest.SkipTest("no QEMU binary %r" % qemu)
        try:
            _shared[name] = Guest(name, **kwargs).start()
        except Exception as e:
            _shared[name] = e
    g = _shared[name]
    if isinstance(g, Exception):
        raise GuestError("guest %r did not boot: %s" % (name, g))
    if not g.running:
        raise GuestError("guest %r is no longer running" % name)
    return g


def stop_shared():
    for g in _shared.values():
        if isinstance(g, Guest):
            g.stop()
    _shared.clear()


# --- command line: a guest for demos and manual work ------------------------

def _describe(g):
    lines = ["mode      %s (QEMU %s, Linux %s)" % (g.mode, g.qemu_version(), g.kernel_version),
             "qmp       %s" % g.qmp_path,
             "pid       %d" % g.pid,
             "serial    %s" % g.serial_path,
             "boot      %.1f s" % g.boot_time,
             "rtaddr    0x%x" % g.read_reg(0x20)]
    for grp, devs in sorted(g.groups.items()):
        lines.append("group %-3d %s" % (grp, " ".join(devs)))
    return "\n".join(lines)


def main(argv=None):
    import argparse
    import sys
    ap = argparse.ArgumentParser(
        prog="guest.py",
        description="Boot vtdctl's test guest. 'up' keeps it running until "
                    "interrupted; 'run CMD...' runs CMD with VTDCTL_QMP set to the "
                    "guest's QMP socket, then stops the guest and exits with CMD's status.")
    ap.add_argument("-m", "--mode", default="scalable", choices=sorted(CMDLINES))
    ap.add_argument("--memory", type=int, default=512, help="MiB (default 512)")
    ap.add_argument("--iommu-opt", action="append", default=[], metavar="KEY=VALUE",
                    help="extra intel-iommu property, e.g. caching-mode=on")
    ap.add_argument("--append", default="", help="extra kernel command line")
    ap.add_argument("action", choices=["up", "run"])
    ap.add_argument("command", nargs=argparse.REMAINDER)
    a = ap.parse_args(argv)
    if a.action == "run" and not a.command:
        ap.error("run needs a command")
    signal.signal(signal.SIGTERM, lambda s, f: sys.exit(128 + s))
    opts = dict(o.split("=", 1) for o in a.iommu_opt)
    with Guest(a.mode, memory=a.memory, iommu_opts=opts, cmdline=a.append) as g:
        print(_describe(g), file=sys.stderr, flush=True)
        if a.action == "up":
            try:
                while g.running:
                    time.sleep(1)
            except KeyboardInterrupt:
                pass
            return 0
        cmd = a.command[1:] if a.command[0] == "--" else a.command
        env = dict(os.environ, VTDCTL_QMP=g.qmp_path, VTDCTL_GUEST_PID=str(g.pid),
                   VTDCTL_GUEST_SERIAL=g.serial_path)
        return subprocess.run(cmd, env=env).returncode


if __name__ == "__main__":
    import sys
    sys.exit(main())
