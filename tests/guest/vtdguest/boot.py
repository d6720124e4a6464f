# SPDX-License-Identifier: GPL-2.0-or-later
"""Boot vtdguest (the freestanding VT-d test guest) on a real QEMU.

    import sys; sys.path.insert(0, "tests/guest/vtdguest")
    from boot import VtdGuest, build, scenario_path
    with VtdGuest(scenario_path("scalable-basic")) as g:   # or scenario text
        g.qmp_path                   # public QMP socket, free for vtdctl
        g.serial_text()              # everything the guest printed so far
        g.send("nopasid 00:03.0 5")  # -> list of lines up to OK; raises on ERR
        g.send("bogus", check=False) # -> (False, lines) style: see send()
        g.expect(r"FAULT 0 fr=0x(\\w+)")   # regex over new serial output
        g.hmp("info pci"); g.execute("query-status")
        g.xp(0x800000, 4)            # guest-physical qwords
        g.read_reg(0x34, 4)          # VT-d register at 0xfed90000 + off

The scenario travels as fw_cfg file opt/vtd/scenario. The serial port is a
unix socket QEMU connects to (and logs to serial.log in the work directory),
so the test can both read it and type into it. QEMU dies with the test
process (PR_SET_PDEATHSIG). Environment: QEMU (binary), VTDGUEST_KEEP=1 keeps
the work directory, VTDGUEST_TIMEOUT (seconds to READY, default 60).
"""

import atexit
import os
import re
import shlex
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "lib"))
from procs import Child, pdeathsig  # noqa: E402
from qmp import QMP, MonitorReads  # noqa: E402
from vtdserial import VtdSerial  # noqa: E402
import guest as guestlib  # noqa: E402

ELF = os.path.join(HERE, "build", "vtdguest.elf")
VTD_BASE = 0xFED90000
DEFAULT_DEVICES = ["edu,addr=3.0"]


class GuestError(Exception):
    pass


def build():
    """make -C tests/guest/vtdguest; returns the ELF path."""
    r = subprocess.run(["make", "-s", "-C", HERE], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0 or not os.path.exists(ELF):
        raise GuestError("building vtdguest failed:\n" + r.stdout)
    return ELF


def scenario_path(name):
    """Path of a committed scenario: 'scalable-basic' -> .../scenarios/scalable-basic.scn"""
    p = os.path.join(HERE, "scenarios", name)
    return p if os.path.exists(p) else p + ".scn"


def scenario_mode(text):
    """'scalable' or 'legacy': the last `mode` line of the scenario."""
    mode = "legacy"
    for line in text.splitlines():
        f = line.split("#", 1)[0].split()
        if len(f) == 2 and f[0] == "mode":
            mode = f[1]
    return mode


def directives(text):
    """The scenario's `#! device ARG` and `#! iommu KEY=VALUE` lines (the
    guest reads them as comments): {"device": [...], "iommu": {...}}."""
    out = {"device": [], "iommu": {}}
    for line in text.splitlines():
        f = line.split()
        if len(f) == 3 and f[0] == "#!" and f[1] == "device":
            out["device"].append(f[2])
        elif len(f) == 3 and f[0] == "#!" and f[1] == "iommu" and "=" in f[2]:
            k, v = f[2].split("=", 1)
            out["iommu"][k] = v
    return out


_live = set()


@atexit.register
def _stop_all():
    for g in list(_live):
        g.stop()


class VtdGuest(Child, MonitorReads):
    """One QEMU running vtdguest with one scenario.

    scenario: scenario text, or the path of a scenario file.
    iommu_opts: extra intel-iommu properties; x-scalable-mode=on is added when
    the scenario says `mode scalable`, then the scenario's `#! iommu K=V`
    lines, then these. devices: -device arguments after the intel-iommu
    (default: the scenario's `#! device ARG` lines, else one edu at 00:03.0).
    qemu_args: extra QEMU arguments.
    """
    Error = GuestError

    KEEP_ENV = "VTDGUEST_KEEP"

    def __init__(self, scenario, iommu_opts=None, devices=None, memory=256,
                 qemu_args=None, qemu=None, timeout=None):
        if "\n" not in scenario and os.path.exists(scenario):
            with open(scenario) as f:
                scenario = f.read()
        self.scenario = scenario
        self.mode = scenario_mode(scenario)
        wanted = directives(scenario)
        self.iommu_opts = {}
        if self.mode == "scalable":
            self.iommu_opts["x-scalable-mode"] = "on"
        self.iommu_opts.update(wanted["iommu"])
        self.iommu_opts.update(iommu_opts or {})
        if devices is None:
            devices = wanted["device"] or DEFAULT_DEVICES
        self.devices = list(devices)
        self.memory = memory
        self.qemu_args = list(qemu_args or [])
        # the QEMU 7.2 of the matrix (the system's when it is 7.2, else the cache's copy)
        self.qemu = qemu or guestlib.qemu72_binary()
        # in the names this binary has (QEMU 11.1 renamed x-scalable-mode, x-flts ...)
        self.iommu_opts = guestlib.iommu_opts_for(self.qemu, self.iommu_opts)
        self.timeout = float(timeout or os.environ.get("VTDGUEST_TIMEOUT", 60))
        self.proc = None
        self.workdir = None
        self._ctl = None
        self._sock = None
        self._serial = None      # VtdSerial once QEMU connected the port
        self.boot_errors = []    # "ERR line N: ..." lines printed while booting

    # --- lifecycle ---------------------------------------------------------

    def start(self):
        elf = build()
        self.workdir = tempfile.mkdtemp(prefix="vtdguest-")
        w = self.workdir
        self.scenario_file = os.path.join(w, "scenario.scn")
        with open(self.scenario_file, "w") as f:
            f.write(self.scenario)
        self.serial_sock = os.path.join(w, "serial.sock")
        self.serial_log = os.path.join(w, "serial.log")
        self.qmp_path = os.path.join(w, "qmp.sock")
        self.ctl_path = os.path.join(w, "ctl.sock")
        self.stderr_path = os.path.join(w, "qemu.stderr")
        lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        lsock.bind(self.serial_sock)
        lsock.listen(1)
        iommu = ",".join(["intel-iommu"] + ["%s=%s" % kv for kv in self.iommu_opts.items()])
        self.argv = [self.qemu, "-machine", "q35", "-accel", "tcg", "-m", str(self.memory),
                     "-nodefaults", "-display", "none", "-nic", "none", "-no-reboot",
                     "-chardev", "socket,id=ser0,path=%s,logfile=%s" % (self.serial_sock,
                                                                         self.serial_log),
                     "-serial", "chardev:ser0",
                     "-qmp", "unix:%s,server=on,wait=off" % self.qmp_path,
                     "-qmp", "unix:%s,server=on,wait=off" % self.ctl_path,
                     "-kernel", elf,
                     "-fw_cfg", "name=opt/vtd/scenario,file=%s" % self.scenario_file,
                     "-device", iommu]
        for d in self.devices:
            self.argv += ["-device", d]
        self.argv += self.qemu_args
        t0 = time.monotonic()
        try:
            with open(self.stderr_path, "wb") as err:
                self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=err,
                                             stderr=err, preexec_fn=pdeathsig)
        except FileNotFoundError:
            lsock.close()
            self._cleanup_dir(force=True)
            raise GuestError("no QEMU binary %r" % self.qemu)
        _live.add(self)
        try:
            lsock.settimeout(1.0)
            while self._sock is None:
                try:
                    self._sock, _ = lsock.accept()
                except socket.timeout:
                    if self.proc.poll() is not None or time.monotonic() - t0 > self.timeout:
                        raise GuestError("QEMU did not connect the serial port\n"
                                         + self._diagnostics())
            lsock.close()
            self._serial = VtdSerial(self._sock, GuestError, alive=lambda: self.running,
                                     describe=self._diagnostics)
            self.expect(r"^READY\r?\n", timeout=self.timeout)
            self.boot_errors = re.findall(r"^ERR line .*?(?=\r?$)", self.serial_text(), re.M)
            self._ctl = QMP(self.ctl_path)
        except BaseException:
            self.stop()
            raise
        self.boot_time = time.monotonic() - t0
        return self

    def _diagnostics(self):
        def tail(path, n=30):
            try:
                with open(path, errors="replace") as f:
                    return "".join(f.readlines()[-n:])
            except OSError:
                return ""
        return ("command: %s\n--- QEMU stderr ---\n%s--- serial ---\n%s"
                % (" ".join(shlex.quote(a) for a in self.argv), tail(self.stderr_path),
                   self.serial_text()[-3000:]))

    def stop(self):
        """Quit QEMU (QMP quit, then SIGKILL) and remove the work directory."""
        self._quit_qemu()
        if self._sock is not None:
            try:
                self._sock.close()
            except OSError:
                pass
            self._sock = None
        _live.discard(self)
        self._cleanup_dir()

    # --- serial ------------------------------------------------------------

    def serial_text(self):
        """Everything the guest printed so far."""
        return self._serial.text() if self._serial else ""

    def expect(self, pattern, timeout=30.0):
        """VtdSerial.expect(): a regex in the output not yet consumed."""
        return self._serial.expect(pattern, timeout)

    def send(self, line, check=True, timeout=30.0):
        """VtdSerial.send(): one scenario line, then OK (its lines) or ERR."""
        return self._serial.send(line, check, timeout)

    # --- QMP ---------------------------------------------------------------

    def execute(self, command, arguments=None, timeout=None):
        return self._ctl.execute(command, arguments, timeout=timeout)

    def hmp(self, command_line, timeout=None):
        return self._ctl.hmp(command_line, timeout=timeout)


def boot(scenario, qemu_args=None, **kwargs):
    """Start a VtdGuest (call .stop(), or use it in a with-statement)."""
    return VtdGuest(scenario, qemu_args=qemu_args, **kwargs).start()


if __name__ == "__main__":
    # python3 boot.py SCENARIO [QEMU ARGS...]: boot, print the serial output,
    # then forward stdin lines to the guest until EOF.
    g = boot(sys.argv[1], qemu_args=sys.argv[2:])
    try:
        print(g.serial_text(), end="", flush=True)
        print("# qmp %s" % g.qmp_path, file=sys.stderr, flush=True)
        for line in sys.stdin:
            line = line.rstrip("\n")
            if not line.strip():
                continue
            ok, out, err = g.send(line, check=False)
            print("\n".join(out + ["OK" if ok else "ERR " + err]), flush=True)
    finally:
        g.stop()
