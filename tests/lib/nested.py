# SPDX-License-Identifier: GPL-2.0-or-later
"""The nested test cell: a real vfio-pci device behind a vIOMMU.

    host ── outer QEMU 10.0 (TCG, intel-iommu x-scalable-mode, edu) ── L1 Linux 6.12
            (tests/nested/build-kernel.sh) ── edu bound to vfio-pci ── inner QEMU 10.0
            (intel-iommu caching-mode, vfio-pci, iommufd or VFIO container) ── L2: vtdguest

    from nested import Cell, shared_cell
    c = Cell("/tmp/cell").up(backend="iommufd", l2_mode="legacy")
    c.exec("vtdctl --qmp=/run/vtd-l2.qmp -j dump")     # -> (rc, stdout, stderr) in L1
    c.l2("dma 00:03.0 iova=0x100000 len=64 read")      # a vtdguest line; -> its output
    c.restart_l2(backend="container")                  # new inner QEMU, same L1
    c.down()

The cell directory DIR holds everything: l1.qmp (the outer QEMU's public QMP
socket, free for vtdctl), l1-ctl.qmp (the harness's), l1-console.log (L1's
console), l1-cmd.sock (the command channel, L1's ttyS1), l2-serial.sock and
l2-serial.log (L2's COM1, chained through L1's ttyS2), l2-qemu.stderr (the
inner QEMU's stderr), l1.info (what L1's init found), cell.json (state).

L1 mounts the host's / read-only over virtio-9p at /host and DIR read-write
over /host$DIR; commands run in `chroot /host` with L1's own /proc, /sys, /dev
and /run, so the host's vtdctl and QEMU run with their own libraries and DIR
has the same path in L1 as on the host.

The command channel: the host writes DIR/x/ID.cmd, sends "RUN ID TIMEOUT\\n"
on L1's ttyS1; L1 runs it (/bin/sh, in the chroot), stdout and stderr to
DIR/x/ID.out and ID.err, and only once both are closed answers
"@@NESTED-END ID RC\\n". The host then reads the files: no output travels over
the serial line, and a frame of another ID (an exec that timed out earlier) is
skipped. One exec at a time per cell (a lock file).

Environment: VTDCTL_NESTED_CACHE (the kernel cache, see build-kernel.sh),
VTDCTL_NESTED_QEMU (outer and inner QEMU, default build/cache/bin/qemu10-system-x86_64),
VTDCTL_NESTED_TIMEOUT (seconds for L1 to boot, default 180).
"""

import atexit
import fcntl
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

from vtdserial import VtdSerial

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
NESTED = os.path.join(REPO, "tests", "nested")
BUILD_KERNEL = os.path.join(NESTED, "build-kernel.sh")
BUILD_INITRAMFS = os.path.join(NESTED, "build-initramfs.sh")
VTDGUEST_DIR = os.path.join(REPO, "tests", "guest", "vtdguest")
VTDGUEST_ELF = os.path.join(VTDGUEST_DIR, "build", "vtdguest.elf")

# L1's view of the chain.
L2_QMP = "/run/vtd-l2.qmp"
L2_PID = "/run/vtd-l2.pid"
EDU_L1_ADDR = "4.0"        # edu in the outer machine: L1 sees 0000:00:04.0
EDU_L2 = "00:03.0"         # the vfio-pci device in L2
L1_CMDLINE = ("console=ttyS0 intel_iommu=on,sm_on iommu.strict=1 iommu.passthrough=0 "
              "panic=-1 no_timer_check")
# The outer unit: x-scalable-mode for L1's sm_on; intremap, because VFIO (type1
# and iommufd) refuses MSI without interrupt remapping (isolation).
OUTER_IOMMU = "intel-iommu,intremap=on,x-scalable-mode=on"

BACKENDS = ("iommufd", "container")
# Passed from the host's environment to every command run in L1.
PASS_ENV = ("VTDCTL", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS")
L2_MODES = ("legacy", "scalable")

# The default L2 scenario: edu (00:03.0 in L2) translated through L2's vIOMMU
# with a few mappings; caching-mode makes QEMU map them into VFIO on the IOTLB
# invalidation.
_SETUP = {
    "legacy": """mode legacy
root 0x800000
ctxtable 0 0x801000
ctx 00:03.0 tt=0 did=3 aw=1 slpt=0x802000
""",
    "scalable": """mode scalable
root 0x800000
ctxtable 0 0x801000
ctx 00:03.0 pdts=2 rid_pasid=0
pasid 00:03.0 0 pgtt=second did=3 aw=1
""",
}
_MAPS = """map 00:03.0 stage=second iova=0x100000 gpa=0x2000000 size=8k r w
map 00:03.0 stage=second iova=0x200000 gpa=0x2100000 size=4k r
qi on
enable
inv cc gran=global
inv iotlb gran=global
inv wait
"""


def default_scenario(l2_mode):
    return _SETUP[l2_mode] + _MAPS


class NestedError(Exception):
    pass


def qemu_binary():
    return os.environ.get("VTDCTL_NESTED_QEMU") or os.path.join(
        REPO, "build", "cache", "bin", "qemu10-system-x86_64")


def kernel_path(build=False):
    """The cached L1 bzImage; with build=True build it when missing. None when
    there is none (and, with build, when it cannot be built: no source)."""
    r = subprocess.run([BUILD_KERNEL] + ([] if build else ["--path"]),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if r.returncode == 0 and r.stdout.strip():
        return r.stdout.strip().splitlines()[-1]
    if build:
        raise NestedError("tests/nested/build-kernel.sh failed:\n" + r.stderr[-3000:])
    return None


def missing():
    """Why the cell cannot boot here without building anything beyond the kernel
    (None when it can): no QEMU 10.0, no busybox-static, no kernel and no source."""
    q = qemu_binary()
    if shutil.which(q) is None:
        return "no QEMU 10.0 binary %r (scripts/fetch-qemu10.sh)" % q
    if shutil.which("busybox") is None:
        return "no busybox (busybox-static)"
    if kernel_path() is None:
        r = subprocess.run(["dpkg-query", "-W", "-f", "${Status}", "linux-source-6.12"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        if "installed" not in r.stdout:
            return ("no L1 kernel in the cache and no linux-source-6.12 to build one "
                    "(scripts/install-deps.sh)")
    return None


def _tail(path, n=30):
    try:
        with open(path, "rb") as f:
            lines = f.read().decode("utf-8", "replace").splitlines()
        return "\n".join(lines[-n:])
    except OSError:
        return ""


def _pdeathsig():
    import ctypes
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)
    except OSError:
        pass


def _pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:       # a zombie child of ours counts as gone
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def l2_serial(path):
    """L2's COM1 from the host (DIR/l2-serial.sock): vtdguest's live lines."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(path)
    return VtdSerial(sock, NestedError, who="L2 ")


class Cell:
    """One nested cell in directory `path` (created if missing)."""

    def __init__(self, path):
        self.dir = os.path.realpath(path)
        if re.search(r"\s", self.dir) or self.dir.split("/")[1:2] in (["run"], ["proc"],
                                                                       ["sys"], ["dev"]):
            raise NestedError("unusable cell directory %r (no blanks; not under /run, "
                              "/proc, /sys or /dev)" % self.dir)
        self.qmp_path = self.p("l1.qmp")
        self._serial = None
        self._seq = 0
        self.state = {}
        if os.path.exists(self.p("cell.json")):
            with open(self.p("cell.json")) as f:
                self.state = json.load(f)

    def p(self, *names):
        return os.path.join(self.dir, *names)

    def _save(self):
        with open(self.p("cell.json.tmp"), "w") as f:
            json.dump(self.state, f, indent=1, sort_keys=True)
        os.replace(self.p("cell.json.tmp"), self.p("cell.json"))

    # --- the outer QEMU and L1 -------------------------------------------------

    @property
    def outer_pid(self):
        return self.state.get("outer_pid")

    def l1_running(self):
        return bool(self.outer_pid) and _pid_alive(self.outer_pid)

    def outer_argv(self, kernel, initrd):
        d = self.dir
        return [qemu_binary(),
                "-machine", "q35", "-accel", "tcg", "-m", "2048",
                "-nodefaults", "-display", "none", "-nic", "none", "-no-reboot",
                "-serial", "file:" + self.p("l1-console.log"),                 # ttyS0
                "-chardev", "socket,id=cmd,path=%s,server=on,wait=off" % self.p("l1-cmd.sock"),
                "-serial", "chardev:cmd",                                      # ttyS1
                "-chardev", "socket,id=l2s,path=%s,server=on,wait=off,logfile=%s"
                % (self.p("l2-serial.sock"), self.p("l2-serial.log")),
                "-serial", "chardev:l2s",                                      # ttyS2
                "-qmp", "unix:%s,server=on,wait=off" % self.qmp_path,
                "-qmp", "unix:%s,server=on,wait=off" % self.p("l1-ctl.qmp"),
                "-pidfile", self.p("l1.pid"),
                "-kernel", kernel, "-initrd", initrd,
                "-append", "%s nested.dir=%s nested.repo=%s" % (L1_CMDLINE, d, REPO),
                "-device", OUTER_IOMMU,
                "-device", "edu,addr=%s" % EDU_L1_ADDR,
                "-fsdev", "local,id=hostroot,path=/,security_model=none,readonly=on,"
                          "multidevs=remap",
                "-device", "virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot,addr=5.0",
                "-fsdev", "local,id=cell,path=%s,security_model=none,multidevs=remap" % d,
                "-device", "virtio-9p-pci,fsdev=cell,mount_tag=cell,addr=6.0",
                "-fsdev", "local,id=repo,path=%s,security_model=none,readonly=on,"
                          "multidevs=remap" % REPO,
                "-device", "virtio-9p-pci,fsdev=repo,mount_tag=repo,addr=7.0"]

    def boot_l1(self, timeout=None, die_with_parent=False, kernel=None):
        if self.l1_running():
            raise NestedError("cell %s is already up (outer QEMU pid %d); "
                              "`nested down %s` first" % (self.dir, self.outer_pid, self.dir))
        timeout = float(timeout or os.environ.get("VTDCTL_NESTED_TIMEOUT", 180))
        why = missing()
        if why and not (why.startswith("no L1 kernel") and kernel):
            raise NestedError(why)
        kernel = kernel or kernel_path(build=True)
        os.makedirs(self.p("x"), exist_ok=True)
        for n in ("l1-console.log", "l2-serial.log", "l2-qemu.stderr", "l2-qemu.exit",
                  "l1.info", "l1.pid", "l1-outer.stderr", "cell.json"):
            try:
                os.unlink(self.p(n))
            except FileNotFoundError:
                pass
        for n in os.listdir(self.p("x")):
            os.unlink(self.p("x", n))
        initrd = self.p("l1-initramfs.cpio.gz")
        r = subprocess.run([BUILD_INITRAMFS, initrd], stderr=subprocess.PIPE, text=True)
        if r.returncode != 0:
            raise NestedError("build-initramfs.sh failed:\n" + r.stderr)
        argv = self.outer_argv(kernel, initrd)
        with open(self.p("outer-argv"), "w") as f:
            f.write(" ".join(shlex.quote(a) for a in argv) + "\n")
        t0 = time.monotonic()
        with open(self.p("l1-outer.stderr"), "wb") as err:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                                    start_new_session=not die_with_parent,
                                    preexec_fn=_pdeathsig if die_with_parent else None)
        self._proc = proc
        self.state = {"outer_pid": proc.pid, "kernel": kernel, "started": time.time()}
        self._save()
        deadline = t0 + timeout
        while True:
            con = _tail(self.p("l1-console.log"), 400)
            if "NESTED-L1-READY" in con and os.path.exists(self.p("l1.info")):
                break
            m = re.search(r"NESTED-L1-FAILED (.*)", con)
            if m or proc.poll() is not None or time.monotonic() > deadline:
                reason = (m.group(1) if m else
                          "outer QEMU exited with %s" % proc.returncode
                          if proc.poll() is not None else
                          "L1 not ready after %.0f s" % timeout)
                self._kill_outer()
                raise NestedError("L1 did not come up: %s\n--- outer QEMU stderr ---\n%s\n"
                                  "--- L1 console (tail) ---\n%s"
                                  % (reason, _tail(self.p("l1-outer.stderr")),
                                     _tail(self.p("l1-console.log"))))
            time.sleep(0.1)
        self.l1_boot_time = time.monotonic() - t0
        info = {}
        with open(self.p("l1.info")) as f:
            for line in f:
                k, _, v = line.rstrip("\n").partition("=")
                info[k] = v
        self.state.update({"l1_boot_time": round(self.l1_boot_time, 2), "l1": info})
        self._save()
        return self

    @property
    def info(self):
        return self.state.get("l1", {})

    @property
    def edu_bdf(self):
        """edu's BDF in L1, e.g. "0000:00:04.0"."""
        return self.info.get("EDU_BDF")

    def _kill_outer(self):
        pid = self.outer_pid
        proc = getattr(self, "_proc", None)
        if pid and _pid_alive(pid):
            try:
                from qmp import QMP
                with QMP(self.p("l1-ctl.qmp"), timeout=5) as q:
                    q.execute("quit", timeout=5)
            except Exception:
                pass
            end = time.monotonic() + 10
            while _pid_alive(pid) and time.monotonic() < end:
                if proc is not None:
                    proc.poll()
                time.sleep(0.05)
            if _pid_alive(pid):
                os.kill(pid, signal.SIGKILL)
        if proc is not None:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            self._proc = None

    # --- the command channel ---------------------------------------------------

    def exec(self, command, timeout=120.0, check=False):
        """Run `command` (a shell string, or an argv list) in L1 (chroot /host,
        sh). Returns (rc, stdout, stderr); with check, raise on rc != 0."""
        if not isinstance(command, str):
            command = " ".join(shlex.quote(a) for a in command)
        # The host's choice of vtdctl binary and sanitizer options hold in L1 too
        # (make check-asan): L1 runs commands with a clean environment.
        command = "".join("export %s=%s\n" % (k, shlex.quote(
            os.path.abspath(os.environ[k]) if k == "VTDCTL" else os.environ[k]))
            for k in PASS_ENV if os.environ.get(k)) + command
        if not self.l1_running():
            raise NestedError("cell %s is not up" % self.dir)
        secs = max(1, int(timeout))
        with open(self.p("exec.lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            self._seq += 1
            cid = "%d-%d-%d" % (os.getpid(), self._seq, int(time.time() * 1000) % 100000000)
            cmdf = self.p("x", cid + ".cmd")
            with open(cmdf, "w") as f:
                f.write(command + "\n")
            try:
                rc = self._run(cid, secs, command, timeout)
                out = self._read_x(cid + ".out")
                err = self._read_x(cid + ".err")
            finally:
                for suffix in (".cmd", ".out", ".err", ".rc"):
                    try:
                        os.unlink(self.p("x", cid + suffix))
                    except FileNotFoundError:
                        pass
        if check and rc != 0:
            raise NestedError("L1: %r exited %d\n--- stdout ---\n%s--- stderr ---\n%s"
                              % (command, rc, out[-3000:], err[-3000:]))
        return rc, out, err

    def _run(self, cid, secs, command, timeout):
        """Send RUN for x/CID.cmd and wait for its end: the END frame on the
        channel or x/CID.rc, whichever comes first. A RUN that L1 has not
        started after 10 s is sent again (L1 skips one it already started)."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(0.2)
        s.connect(self.p("l1-cmd.sock"))
        try:
            run = ("RUN %s %d\n" % (cid, secs)).encode()
            s.sendall(run)
            sent = time.monotonic()
            buf = b""
            want = re.compile(rb"@@NESTED-END (\S+) (\d+)\r?\n")
            end = time.monotonic() + timeout + 30
            while True:
                for m in want.finditer(buf):
                    if m.group(1).decode() == cid:
                        return int(m.group(2))
                rcf = self._read_x(cid + ".rc").strip()
                if rcf.isdigit():
                    return int(rcf)
                started = os.path.exists(self.p("x", cid + ".out"))
                if time.monotonic() > end or not self.l1_running():
                    raise NestedError(
                        "no answer from L1 for %r after %.0f s (L1 %s the command; "
                        "outer QEMU %s)\n--- L1 console (tail) ---\n%s\n"
                        "--- received ---\n%r" % (
                            command, timeout + 30, "started" if started else "never started",
                            "running" if self.l1_running() else "gone",
                            _tail(self.p("l1-console.log")), buf[-2000:]))
                if not started and time.monotonic() - sent > 10:
                    s.sendall(run)
                    sent = time.monotonic()
                try:
                    chunk = s.recv(4096)
                except socket.timeout:
                    continue
                if chunk == b"":
                    raise NestedError("L1's command channel closed (%r)" % command)
                buf += chunk
        finally:
            s.close()

    def _read_x(self, name):
        try:
            with open(self.p("x", name), "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    # --- L2: the inner QEMU ----------------------------------------------------

    def l2_argv(self, backend, l2_mode, memory=128, iommu_opts=None):
        if backend not in BACKENDS:
            raise NestedError("backend must be one of %s" % ", ".join(BACKENDS))
        if l2_mode not in L2_MODES:
            raise NestedError("l2 mode must be one of %s" % ", ".join(L2_MODES))
        opts = {"caching-mode": "on"}
        if l2_mode == "scalable":
            opts["x-scalable-mode"] = "on"
        opts.update(iommu_opts or {})
        iommu = ",".join(["intel-iommu"] + ["%s=%s" % kv for kv in opts.items()])
        argv = [qemu_binary(), "-machine", "q35", "-accel", "tcg", "-m", str(memory),
                "-nodefaults", "-display", "none", "-nic", "none", "-no-reboot",
                "-serial", "/dev/ttyS2",
                "-qmp", "unix:%s,server=on,wait=off" % L2_QMP,
                "-qmp", "unix:/run/vtd-l2-ctl.qmp,server=on,wait=off",
                "-pidfile", L2_PID,
                "-kernel", VTDGUEST_ELF,
                "-fw_cfg", "name=opt/vtd/scenario,file=%s" % self.p("l2.scn"),
                "-device", iommu]
        vfio = "vfio-pci,host=%s,id=vfio0,addr=3.0" % self.edu_bdf
        if backend == "iommufd":
            argv += ["-object", "iommufd,id=iommufd0"]
            vfio += ",iommufd=iommufd0"
        return argv + ["-device", vfio]

    def start_l2(self, backend="iommufd", l2_mode="legacy", scenario=None, timeout=120.0,
                 extra_args=None, iommu_opts=None):
        """Start the inner QEMU in L1 with vtdguest as L2; return when vtdguest
        printed READY. Raises NestedError with QEMU's own message when it exits."""
        r = subprocess.run(["make", "-s", "-C", VTDGUEST_DIR], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0 or not os.path.exists(VTDGUEST_ELF):
            raise NestedError("building vtdguest failed:\n" + r.stdout)
        self.stop_l2()
        with open(self.p("l2.scn"), "w") as f:
            f.write(scenario if scenario is not None else default_scenario(l2_mode))
        argv = self.l2_argv(backend, l2_mode, iommu_opts=iommu_opts) + list(extra_args or [])
        for n in ("l2-qemu.stderr", "l2-qemu.exit"):
            try:
                os.unlink(self.p(n))
            except FileNotFoundError:
                pass
        try:
            log_off = os.path.getsize(self.p("l2-serial.log"))
        except OSError:
            log_off = 0
        qemu = " ".join(shlex.quote(a) for a in argv)
        with open(self.p("inner-argv"), "w") as f:
            f.write(qemu + "\n")
        # A subshell in its own session keeps QEMU's exit status for the host
        # (l2-qemu.exit) and outlives the command. vtdguest polls its serial
        # port, so the inner QEMU would take all of L1's one CPU: at nice 19 it
        # leaves it to the commands run in L1.
        script = ("rm -f %(qmp)s %(pid)s /run/vtd-l2-ctl.qmp\n"
                  "setsid nice -n 19 sh -c '%(qemu)s 2>>%(err)s >>%(err)s </dev/null; "
                  "echo $? >%(exit)s.tmp; mv %(exit)s.tmp %(exit)s' </dev/null >/dev/null 2>&1 &\n"
                  % {"qmp": L2_QMP, "pid": L2_PID, "qemu": qemu.replace("'", "'\\''"),
                     "err": self.p("l2-qemu.stderr"), "exit": self.p("l2-qemu.exit")})
        t0 = time.monotonic()
        self.exec(script, check=True, timeout=30)
        deadline = t0 + timeout
        while True:
            try:
                with open(self.p("l2-serial.log"), "rb") as f:
                    f.seek(log_off)
                    text = f.read().decode("utf-8", "replace")
            except OSError:
                text = ""
            if re.search(r"^READY\r?$", text, re.M):
                break
            if os.path.exists(self.p("l2-qemu.exit")) or time.monotonic() > deadline:
                time.sleep(0.2)        # the rest of stderr
                msg = _tail(self.p("l2-qemu.stderr"), 20)
                why = ("inner QEMU exited with %s" % open(self.p("l2-qemu.exit")).read().strip()
                       if os.path.exists(self.p("l2-qemu.exit"))
                       else "L2 not READY after %.0f s" % timeout)
                self.state["l2"] = {"backend": backend, "mode": l2_mode, "error": msg,
                                    "iommu_opts": dict(iommu_opts or {})}
                self._save()
                raise NestedError("L2 did not start: %s\n--- inner QEMU stderr ---\n%s\n"
                                  "--- L2 serial ---\n%s\n--- inner QEMU command ---\n%s"
                                  % (why, msg, text[-2000:], qemu), )
            time.sleep(0.1)
        self.l2_boot_time = time.monotonic() - t0
        rc, out, _ = self.exec("cat %s" % L2_PID, check=True)
        self.state["l2"] = {"backend": backend, "mode": l2_mode, "pid": int(out.split()[0]),
                            "iommu_opts": dict(iommu_opts or {}),
                            "boot_time": round(self.l2_boot_time, 2),
                            "boot_errors": re.findall(r"^ERR line .*?(?=\r?$)", text, re.M)}
        self._save()
        return self

    @property
    def l2_pid(self):
        return self.state.get("l2", {}).get("pid")

    def l2_serial(self):
        if self._serial is None:
            self._serial = l2_serial(self.p("l2-serial.sock"))
        return self._serial

    def l2(self, line, **kw):
        """Send one vtdguest line to L2 (see tests/guest/vtdguest/README.md);
        L2 runs under TCG inside TCG, so it gets 60 s by default."""
        kw.setdefault("timeout", 60.0)
        return self.l2_serial().send(line, **kw)

    def stop_l2(self):
        """Quit the inner QEMU (SIGTERM, then SIGKILL) and wait until it is gone."""
        if self._serial is not None:
            self._serial.close()
            self._serial = None
        if not self.l1_running():
            return
        self.exec("p=$(cat %s 2>/dev/null) || exit 0\n"
                  "kill $p 2>/dev/null || exit 0\n"
                  "i=0; while kill -0 $p 2>/dev/null; do i=$((i+1));"
                  " [ $i -gt 100 ] && kill -9 $p; sleep 0.1; done\n"
                  "rm -f %s" % (L2_PID, L2_PID), check=True, timeout=60)
        end = time.monotonic() + 30
        while (os.path.exists(self.p("l2.scn")) and not os.path.exists(self.p("l2-qemu.exit"))
               and "l2" in self.state and "pid" in self.state["l2"]
               and time.monotonic() < end):
            time.sleep(0.05)
        self.state.pop("l2", None)
        self._save()

    def restart_l2(self, **kw):
        return self.start_l2(**kw)

    # --- all of it -------------------------------------------------------------

    def up(self, backend="iommufd", l2_mode="legacy", scenario=None, die_with_parent=False,
           timeout=None, iommu_opts=None):
        os.makedirs(self.dir, exist_ok=True)
        t0 = time.monotonic()
        self.boot_l1(timeout=timeout, die_with_parent=die_with_parent)
        try:
            self.start_l2(backend=backend, l2_mode=l2_mode, scenario=scenario,
                          iommu_opts=iommu_opts)
        except BaseException:
            self.down()
            raise
        self.boot_time = time.monotonic() - t0
        self.state["boot_time"] = round(self.boot_time, 2)
        self._save()
        return self

    def down(self):
        """Stop the inner QEMU, then the outer QEMU; remove the sockets."""
        if self.l1_running():
            try:
                self.stop_l2()
            except Exception:
                pass
        if self._serial is not None:
            self._serial.close()
            self._serial = None
        self._kill_outer()
        for n in ("l1.qmp", "l1-ctl.qmp", "l1-cmd.sock", "l2-serial.sock", "l1.pid"):
            try:
                os.unlink(self.p(n))
            except FileNotFoundError:
                pass
        if self.state:
            self.state.pop("outer_pid", None)
            self.state.pop("l2", None)
            if os.path.isdir(self.dir):
                self._save()


# --- one cell for a whole test run --------------------------------------------

_shared = {}


def shared_cell():
    """Boot one cell (L1 + the default L2: iommufd, legacy) per process and reuse
    it; atexit takes it down. Skips when the cell cannot be had here; a cell that
    failed to boot fails again at once."""
    if "cell" not in _shared:
        why = missing()
        if why:
            raise unittest.SkipTest("nested cell: " + why)
        d = tempfile.mkdtemp(prefix="vtdctl-nested-")
        c = Cell(d)
        try:
            c.up(die_with_parent=True)
            _shared["cell"] = c
        except Exception as e:
            _shared["cell"] = e
            c.down()
            if not os.environ.get("VTDCTL_KEEP_NESTED"):
                shutil.rmtree(d, ignore_errors=True)
            else:
                print("nested: kept %s" % d, file=sys.stderr)
        atexit.register(_down_shared)
    c = _shared["cell"]
    if isinstance(c, Exception):
        raise NestedError("the nested cell did not boot: %s" % c)
    if not c.l1_running():
        raise NestedError("the nested cell's outer QEMU is gone")
    return c


def _down_shared():
    c = _shared.get("cell")
    if isinstance(c, Cell):
        c.down()
        if not os.environ.get("VTDCTL_KEEP_NESTED"):
            shutil.rmtree(c.dir, ignore_errors=True)
        else:
            print("nested: kept %s" % c.dir, file=sys.stderr)
    _shared.clear()


# the test session stops every tests/lib module's shared state at its end
stop_shared = _down_shared
