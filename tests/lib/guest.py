# SPDX-License-Identifier: GPL-2.0-or-later
"""Boot a real QEMU (TCG) with an intel-iommu and a real Debian Linux guest.

    from guest import Guest, shared_guest, CELLS
    with Guest("scalable") as g:          # or "legacy"; boots, waits for the report
    with Guest.for_cell(CELLS["q10-l612-flts"]) as g:   # one cell of the matrix
        g.qmp_path                        # public QMP socket, left free for vtdctl
        g.pid, g.boot_time, g.kernel_version
        g.groups                          # {group number: ["0000:00:03.0", ...]}
        g.hmp("info pci"); g.execute("query-status")
        g.xp(0x1000, 512)                 # guest-physical qwords (xp /Ngx)
        g.read_reg(0x20)                  # VT-d register at 0xfed90000 + off
        g.dump_memory("/tmp/guest.core")  # dump-guest-memory, paging=false
    shared_guest("q72-l61-scalable")      # one guest per cell (or config) for a whole run

The matrix (CELLS), three generations: QEMU 7.2 + Linux 6.1 (tests/guest/build.sh's
default kernel), QEMU 10.0 + Linux 6.12 (scripts/fetch-qemu10.sh), QEMU 11.1 +
Linux 7.3 (scripts/fetch-qemu11.sh: QEMU in a Debian 13 chroot behind a wrapper);
legacy or scalable mode, second or first stage, with or without PASIDs, each
asked for with the generation's own option names (option_names()). Each cell's
QEMU is the one whose --version is its generation: the system's
qemu-system-x86_64 or the cache's copy (qemu_binary()), whatever /usr/bin holds.
A cell whose QEMU or kernel is missing is skipped.

Environment: QEMU, QEMU10, QEMU11 (a generation's binary, taken as given),
LINUX612, LINUX73 (the 6.12 and 7.3 vmlinuz), QEMU_EXTRA_ARGS (shell words appended to the command line),
VTDCTL_GUEST_TIMEOUT (seconds, default 120), VTDCTL_CACHE and
VTDCTL_KERNEL_PKG (see tests/guest/build.sh), VTDCTL_KEEP_GUEST=1 keeps the
work directory (serial log, QEMU's stderr) after the guest stops.
"""

import atexit
import glob
import os
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from procs import Child, pdeathsig
from qmp import QMP, MonitorReads

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD_SH = os.path.join(REPO, "tests", "guest", "build.sh")
CACHE = os.environ.get("VTDCTL_CACHE") or os.path.join(REPO, "build", "cache")
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
# no_timer_check: under TCG on a loaded host, Linux 6.1's IO-APIC timer test
# can fail through interrupt remapping and panic ("timer doesn't work through
# Interrupt-remapped IO-APIC"); the test only guards against broken chipsets.
COMMON_CMDLINE = ("console=ttyS0 iommu.strict=1 iommu.passthrough=0 panic=-1 quiet "
                  "no_timer_check")

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


# --- the matrix: which QEMU, which Linux, which intel-iommu ------------------

_versions = {}


def binary_version(path):
    """"7.2" for a QEMU 7.2.x binary (from --version), None if it does not run."""
    if path not in _versions:
        v = None
        exe = shutil.which(path)
        if exe is not None:
            try:
                r = subprocess.run([exe, "--version"], stdout=subprocess.PIPE,
                                   stderr=subprocess.DEVNULL, text=True, timeout=60)
                m = re.search(r"version (\d+)\.(\d+)\.", r.stdout)
                v = "%s.%s" % m.groups() if m else None
            except (OSError, subprocess.TimeoutExpired):
                v = None
        _versions[path] = v
    return _versions[path]


# Where each generation's QEMU may be: its environment variable, the system's binary, the
# cache's wrapper (scripts/fetch-qemu72.sh, fetch-qemu10.sh, fetch-qemu11.sh). The first
# candidate whose --version is the generation's is taken: the cell runs the QEMU it names,
# whatever /usr/bin holds. $QEMU / $QEMU10 / $QEMU11 are taken as given (no version check).
QEMU_GENERATIONS = {
    "7.2": ("QEMU", "qemu72-system-x86_64", "scripts/fetch-qemu72.sh"),
    "10.0": ("QEMU10", "qemu10-system-x86_64", "scripts/fetch-qemu10.sh"),
    "11.1": ("QEMU11", "qemu11-system-x86_64", "scripts/fetch-qemu11.sh"),
}


def qemu_binary(gen):
    """The QEMU binary of generation gen ("7.2", "10.0", "11.1"); a path that may not exist
    (then Cell.missing() says which script fetches it)."""
    env, cached, _ = QEMU_GENERATIONS[gen]
    if os.environ.get(env):
        return os.environ[env]
    for cand in ("qemu-system-x86_64", os.path.join(CACHE, "bin", cached)):
        if binary_version(cand) == gen:
            return cand
    return os.path.join(CACHE, "bin", cached)


def qemu72_binary():
    return qemu_binary("7.2")


def qemu10_binary():
    return qemu_binary("10.0")


def qemu11_binary():
    return qemu_binary("11.1")


def linux612_kernel():
    """The 6.12 vmlinuz unpacked by scripts/fetch-qemu10.sh (or $LINUX612)."""
    if os.environ.get("LINUX612"):
        return os.environ["LINUX612"]
    found = sorted(glob.glob(os.path.join(CACHE, "linux-6.12", "boot", "vmlinuz-*")))
    return found[-1] if found else os.path.join(CACHE, "bin", "linux612-vmlinuz")


def linux73_kernel():
    """The 7.3 vmlinuz unpacked by scripts/fetch-qemu11.sh (or $LINUX73). Linux 7.x ships
    it as usr/lib/modules/VER/vmlinuz in linux-binary-*, not /boot/vmlinuz-*."""
    if os.environ.get("LINUX73"):
        return os.environ["LINUX73"]
    found = sorted(glob.glob(os.path.join(CACHE, "linux-7.3", "usr", "lib", "modules", "*",
                                          "vmlinuz")))
    return found[-1] if found else os.path.join(CACHE, "bin", "linux73-vmlinuz")


class Cell:
    """One cell of the test matrix: a description a Guest can be booted from.

    qemu and linux are the generations ("7.2"/"10.0"/"11.1", "6.1"/"6.12"/"7.3");
    mode is "legacy" or "scalable"; pgtt is the PGTT Linux must program in each
    RID_PASID entry (None in legacy; "first-stage" asks for first-stage translation);
    pasid_bits is the PASID width the vIOMMU offers (0: none). The intel-iommu
    options that ask for these are the generation's own (option_names): the
    checks use the meanings, never the option names."""

    def __init__(self, name, qemu, linux, mode, pgtt=None, pasid_bits=0):
        self.name, self.qemu, self.linux, self.mode = name, qemu, linux, mode
        self.pgtt = pgtt
        self.first_stage = pgtt == "first-stage"
        self.pasid_bits = pasid_bits
        self.iommu_opts = option_names(qemu, self.first_stage, pasid_bits)

    def qemu_binary(self):
        return qemu_binary(self.qemu)

    def kernel(self):
        """None: tests/guest/build.sh's kernel (Linux 6.1)."""
        return {"6.12": linux612_kernel, "7.3": linux73_kernel}.get(self.linux,
                                                                    lambda: None)()

    def describe(self):
        opts = "".join(", %s=%s" % kv for kv in self.iommu_opts.items())
        return "%s: QEMU %s + Linux %s, %s%s" % (self.name, self.qemu, self.linux,
                                                self.mode, opts)

    def missing(self):
        """Why this cell cannot boot here (a missing binary or kernel), or None."""
        q = self.qemu_binary()
        script = QEMU_GENERATIONS[self.qemu][2]
        if shutil.which(q) is None:
            return "no QEMU %s binary %r (run %s)" % (self.qemu, q, script)
        k = self.kernel()
        if k is not None and not os.path.exists(k):
            return "no Linux %s kernel %r (run %s)" % (self.linux, k, script)
        return None

    def __repr__(self):
        return "Cell(%s)" % self.describe()


_props = {}


def intel_iommu_properties(qemu):
    """The names of the intel-iommu properties a QEMU binary has (-device intel-iommu,help);
    an empty set when it does not run."""
    if qemu not in _props:
        names = set()
        exe = shutil.which(qemu)
        if exe is not None:
            try:
                r = subprocess.run([exe, "-device", "intel-iommu,help"], stdout=subprocess.PIPE,
                                   stderr=subprocess.DEVNULL, text=True, timeout=60)
                names = set(re.findall(r"^\s+([\w-]+)=", r.stdout, re.M))
            except (OSError, subprocess.TimeoutExpired):
                pass
        _props[qemu] = names
    return _props[qemu]


# intel-iommu options QEMU renamed, old name -> (new name, {old value: new value}).
# 11.1: x-scalable-mode -> scalable-mode, x-flts -> fsts, x-pasid-mode=on ->
# pasid-bits=1 (the same ECAP: PASID, PSS 0).
RENAMED = {
    "x-scalable-mode": ("scalable-mode", {}),
    "x-flts": ("fsts", {}),
    "x-pasid-mode": ("pasid-bits", {"on": "1", "true": "1", "off": "0", "false": "0"}),
}


def iommu_opts_for(qemu, opts):
    """opts (intel-iommu property -> value) in the names the binary qemu has, either way
    across a rename; an option the binary has, or has no twin for, is left as it is (QEMU
    then says what it does not know)."""
    props = intel_iommu_properties(qemu)
    out = {}
    for k, v in opts.items():
        if props and k not in props:
            for old, (new, values) in RENAMED.items():
                if k == old and new in props:
                    k, v = new, values.get(v, v)
                    break
                if k == new and old in props:
                    back = {n: o for o, n in values.items()}
                    k, v = old, back.get(v, v)
                    break
        out[k] = v
    return out


def option_names(qemu, first_stage, pasid_bits):
    """The intel-iommu options of QEMU generation qemu that ask for first-stage
    translation and a PASID width (scalable mode itself: IOMMU_OPTS, renamed too).
    QEMU 11.1 renamed x-flts to fsts and replaced x-pasid-mode (a 1-bit PASID,
    ECAP.PSS 0) by pasid-bits=N."""
    opts = {}
    if first_stage:
        opts["fsts" if qemu == "11.1" else "x-flts"] = "on"
    if pasid_bits and qemu == "11.1":
        opts["pasid-bits"] = str(pasid_bits)
    elif pasid_bits:
        if pasid_bits != 1:
            raise ValueError("QEMU %s offers only 1-bit PASIDs (x-pasid-mode)" % qemu)
        opts["x-pasid-mode"] = "on"
    return opts


CELLS = {c.name: c for c in [
    Cell("q72-l61-legacy", "7.2", "6.1", "legacy"),
    Cell("q72-l61-scalable", "7.2", "6.1", "scalable", pgtt="second-stage"),
    Cell("q10-l612-scalable", "10.0", "6.12", "scalable", pgtt="second-stage"),
    Cell("q10-l612-flts", "10.0", "6.12", "scalable", pgtt="first-stage"),
    Cell("q10-l612-flts-pasid", "10.0", "6.12", "scalable", pgtt="first-stage",
         pasid_bits=1),
    Cell("q11-l73-legacy", "11.1", "7.3", "legacy"),
    Cell("q11-l73-scalable", "11.1", "7.3", "scalable", pgtt="second-stage"),
    Cell("q11-l73-fsts", "11.1", "7.3", "scalable", pgtt="first-stage", pasid_bits=20),
]}
# The names of the configurations before the matrix.
CELLS["legacy"] = CELLS["q72-l61-legacy"]
CELLS["scalable"] = CELLS["q72-l61-scalable"]


def build_artefacts():
    """Run tests/guest/build.sh (cached) and return (kernel, initrd) paths."""
    r = subprocess.run([BUILD_SH], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    if r.returncode != 0:
        raise GuestError("tests/guest/build.sh failed:\n" + r.stderr)
    out = dict(l.split("=", 1) for l in r.stdout.splitlines() if "=" in l)
    return out["KERNEL"], out["INITRD"]


def _iommu_arg(opts):
    return ",".join(["intel-iommu"] + ["%s=%s" % kv for kv in opts.items()])


_live = set()


@atexit.register
def _stop_all():
    for g in list(_live):
        g.stop()


class Guest(Child, MonitorReads):
    Error = GuestError
    KEEP_ENV = "VTDCTL_KEEP_GUEST"
    def __init__(self, mode="scalable", memory=512, iommu_opts=None, cmdline=None,
                 devices=None, qemu=None, extra_args=None, timeout=None, kernel=None,
                 cell=None):
        if mode not in CMDLINES:
            raise ValueError("mode must be one of %s" % sorted(CMDLINES))
        self.mode = mode
        self.memory = memory
        self.qemu = qemu or qemu72_binary()
        self.iommu_opts = dict(IOMMU_OPTS[mode])
        self.iommu_opts.update(iommu_opts or {})
        # in the names this binary has (QEMU 11.1 renamed x-scalable-mode and others)
        self.iommu_opts = iommu_opts_for(self.qemu, self.iommu_opts)
        self.cmdline = " ".join([COMMON_CMDLINE, CMDLINES[mode], cmdline or ""]).strip()
        self.devices = list(DEFAULT_DEVICES if devices is None else devices)
        self.kernel = kernel          # None: tests/guest/build.sh's kernel
        self.cell = cell
        self.extra_args = list(extra_args or []) + shlex.split(
            os.environ.get("QEMU_EXTRA_ARGS", ""))
        self.timeout = float(timeout or os.environ.get("VTDCTL_GUEST_TIMEOUT", 120))
        self.proc = None
        self.pid = None
        self.boot_time = None
        self.workdir = None
        self._ctl = None
        self._reset_report()

    @classmethod
    def for_cell(cls, cell, **kwargs):
        """A Guest (not started) for a Cell of the matrix."""
        if isinstance(cell, str):
            cell = CELLS[cell]
        opts = dict(cell.iommu_opts)
        opts.update(kwargs.pop("iommu_opts", None) or {})
        return cls(cell.mode, iommu_opts=opts, qemu=cell.qemu_binary(),
                   kernel=cell.kernel(), cell=cell, **kwargs)

    def describe(self):
        if self.cell is not None:
            return self.cell.describe()
        return "%s (%s)" % (self.mode, self.qemu)

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
        if self.kernel:
            if not os.path.exists(self.kernel):
                raise GuestError("no kernel %r" % self.kernel)
            kernel = self.kernel
        self.kernel_path = kernel
        tag = self.cell.name if self.cell is not None else self.mode
        self.workdir = tempfile.mkdtemp(prefix="vtdctl-guest-%s-" % tag)
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
                                             preexec_fn=pdeathsig)
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
        self._quit_qemu()
        _live.discard(self)
        self._cleanup_dir()

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
    """Boot the guest of cell `name` (a key of CELLS: a cell, or "legacy" /
    "scalable") once per process and reuse it. Skips (unittest.SkipTest) when
    the cell's QEMU or kernel is not here. A cell that failed to boot fails
    again at once, without a retry.
    """
    cell = CELLS[name]
    key = cell.name
    if key not in _shared:
        why = cell.missing() if "qemu" not in kwargs else None
        if why:
            raise unittest.SkipTest("%s: %s" % (cell.name, why))
        try:
            _shared[key] = Guest.for_cell(cell, **kwargs).start()
        except Exception as e:
            _shared[key] = e
    g = _shared[key]
    if isinstance(g, Exception):
        raise GuestError("guest %s did not boot: %s" % (cell.describe(), g))
    if not g.running:
        raise GuestError("guest %s is no longer running" % cell.describe())
    return g


def boot_times():
    """{cell name: boot seconds} of the shared guests booted so far."""
    return {k: g.boot_time for k, g in _shared.items() if isinstance(g, Guest)}


def stop_shared():
    for g in _shared.values():
        if isinstance(g, Guest):
            g.stop()
    _shared.clear()


# --- command line: a guest for demos and manual work ------------------------

def _describe(g):
    lines = ["mode      %s (QEMU %s, Linux %s)" % (g.describe(), g.qemu_version(),
                                                 g.kernel_version),
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
    ap.add_argument("-c", "--cell", choices=sorted(CELLS),
                    help="a cell of the test matrix (overrides --mode)")
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
    if a.cell:
        g = Guest.for_cell(CELLS[a.cell], memory=a.memory, iommu_opts=opts, cmdline=a.append)
    else:
        g = Guest(a.mode, memory=a.memory, iommu_opts=opts, cmdline=a.append)
    with g:
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
