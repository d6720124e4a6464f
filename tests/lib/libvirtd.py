# SPDX-License-Identifier: GPL-2.0-or-later
"""A private, real libvirtd for tests: started here, stopped here.

    from libvirtd import Libvirtd, shared_libvirtd
    with Libvirtd(tcp=True) as d:
        d.uri          # qemu:///system?socket=WORK/sock/libvirt-sock
        d.tcp_uri      # qemu+tcp://127.0.0.1:PORT/system (tcp=True)
        d.virsh("list", "--all")
        d.define(d.domain_xml("vm1", iommu=True)); d.start("vm1"); d.wait_ready("vm1")
        d.log_text("vm1")      # WORK/log/qemu/vm1.log: the domain log (taint lines)
        d.pid_of("vm1")        # from WORK/run/qemu/vm1.pid
    shared_libvirtd()          # one per test run (tcp=True), stopped at exit

The daemon is the system's libvirtd binary running as root, but in a mount
namespace of its own (unshare -m) where /etc/libvirt, /run/libvirt,
/var/lib/libvirt, /var/log/libvirt and /var/cache/libvirt are bind mounts of
directories under WORK: its config (qemu.conf: user/group root,
security_driver "none", no cgroups, no per-domain namespaces,
stdio_handler "file" so no virtlogd is needed), its domains, pid files and logs
are all private, and a system libvirtd (if any) is neither seen nor touched.
Its sockets live in WORK/sock, outside the bind mounts, so clients outside
the namespace reach it with ?socket=. With tcp=True it also listens on
127.0.0.1 (auth none, no TLS) for the remote-URI tests.

Skips (unittest.SkipTest) when not root, or libvirtd/virsh/unshare are
missing (scripts/install-deps.sh installs libvirt-daemon-system).

Domains (domain_xml): TCG (type='qemu'), q35, <iommu model='intel'> (or none),
scalable mode through <qemu:commandline> -global intel-iommu.x-scalable-mode=on,
the test suite's Linux guest (tests/guest/build.sh: kernel and initrd; the
cmdline of tests/lib/guest.py), serial to WORK/NAME.serial (the guest prints
VTDCTL_GUEST_READY there), and a second QMP socket WORK/NAME.qmp of the test's
own (-qmp through <qemu:commandline>: libvirt owns its monitor; this one is
for the independent reader and for `vtdctl --qmp`).
"""

import atexit
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
from xml.sax.saxutils import escape, quoteattr

import guest as guestlib
from procs import Child, pdeathsig

BIND_DIRS = [("etc", "/etc/libvirt"), ("run", "/run/libvirt"), ("lib", "/var/lib/libvirt"),
             ("log", "/var/log/libvirt"), ("cache", "/var/cache/libvirt")]

QEMU_CONF = """\
user = "root"
group = "root"
security_driver = "none"
dynamic_ownership = 0
remember_owner = 0
cgroup_controllers = [ ]
namespaces = [ ]
stdio_handler = "file"
"""

LIBVIRTD_CONF = """\
unix_sock_dir = "{sock}"
unix_sock_group = "root"
unix_sock_ro_perms = "0700"
unix_sock_rw_perms = "0700"
auth_unix_ro = "none"
auth_unix_rw = "none"
listen_tls = 0
listen_tcp = {tcp}
listen_addr = "127.0.0.1"
tcp_port = "{port}"
auth_tcp = "none"
log_outputs = "3:file:{work}/libvirtd.log"
"""


class LibvirtdError(Exception):
    pass


def _free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def trixie_root():
    """The Debian 13 chroot of scripts/fetch-qemu11.sh (QEMU 11.1), where
    scripts/fetch-libvirt11.sh installs Debian 13's libvirt."""
    return os.path.join(guestlib.CACHE, "trixie")


def missing(root=None):
    """Why no private libvirtd can run here (in the chroot root, if given), or None."""
    if os.geteuid() != 0:
        return "a private libvirtd needs root"
    if root is not None:
        if not os.path.exists(os.path.join(root, "usr", "sbin", "libvirtd")):
            return "no libvirtd in %s (scripts/fetch-libvirt11.sh installs it)" % root
        if shutil.which("chroot") is None or shutil.which("unshare") is None:
            return "no chroot or unshare (coreutils, util-linux)"
    for tool in ("libvirtd", "virsh", "unshare"):
        if root is not None and tool == "libvirtd":
            continue
        if shutil.which(tool) is None and not os.path.exists("/usr/sbin/" + tool):
            return "no %s (scripts/install-deps.sh installs libvirt-daemon-system)" % tool
    return None


class Libvirtd(Child):
    """root: a chroot directory (trixie_root()) whose libvirtd and QEMU run instead of the
    system's: same namespace set-up, plus /dev, /proc, /sys and /tmp (where WORK and its
    sockets are) bound into the chroot at the same paths, so the sockets, the serial files
    and the QEMU's pid are the host's. The host's virsh and vtdctl talk to it over WORK/sock."""

    def __init__(self, tcp=False, timeout=30, root=None):
        self.root = root
        self.tcp = tcp
        self.timeout = timeout
        self.proc = None
        self.work = None
        self.port = None

    # --- lifecycle ---------------------------------------------------------

    def start(self):
        why = missing(self.root)
        if why:
            raise unittest.SkipTest(why)
        self.work = tempfile.mkdtemp(prefix="vtdctl-libvirtd-")
        for sub, _ in BIND_DIRS:
            os.makedirs(os.path.join(self.work, sub))
        os.makedirs(os.path.join(self.work, "sock"))
        self.port = _free_port() if self.tcp else 16509
        with open(os.path.join(self.work, "etc", "qemu.conf"), "w") as f:
            f.write(QEMU_CONF)
        conf = os.path.join(self.work, "etc", "libvirtd.conf")
        with open(conf, "w") as f:
            f.write(LIBVIRTD_CONF.format(sock=self.sock_dir, tcp=int(self.tcp),
                                         port=self.port, work=self.work))
        r = self.root or ""
        binds = "".join("mkdir -p %s%s && mount --bind %s/%s %s%s && "
                        % (r, dst, self.work, src, r, dst) for src, dst in BIND_DIRS)
        listen = " --listen" if self.tcp else ""
        # its own pid file: the default, /run/libvirtd.pid, is outside the bind
        # mounts and locked by a system libvirtd (or another test run's)
        daemon = "libvirtd -f %s -p %s/libvirtd.pid%s" % (conf, self.work, listen)
        if self.root:
            tmp = os.path.dirname(self.work)
            binds = ("".join("mount --rbind /%s %s/%s && " % (d, r, d)
                             for d in ("dev", "proc", "sys"))
                     + "mkdir -p %s%s && mount --rbind %s %s%s && " % (r, tmp, tmp, r, tmp)
                     + binds)
            daemon = "chroot %s /usr/sbin/%s" % (r, daemon)
        script = "%sexec %s" % (binds, daemon)
        self._err = open(os.path.join(self.work, "libvirtd.stderr"), "wb")
        self.proc = subprocess.Popen(["unshare", "-m", "--propagation", "private",
                                      "sh", "-c", script],
                                     stdin=subprocess.DEVNULL, stdout=self._err,
                                     stderr=self._err, preexec_fn=pdeathsig)
        _live.add(self)
        try:
            self._wait_up()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_up(self):
        t0 = time.monotonic()
        while True:
            if self.proc.poll() is not None:
                raise LibvirtdError("libvirtd exited with %d:\n%s%s"
                                    % (self.proc.returncode, self._tail("libvirtd.stderr"),
                                       self._tail("libvirtd.log")))
            if os.path.exists(os.path.join(self.sock_dir, "libvirt-sock")):
                r = self.virsh("version", check=False)
                if r.returncode == 0:
                    return
            if time.monotonic() - t0 > self.timeout:
                raise LibvirtdError("libvirtd not up after %d s:\n%s"
                                    % (self.timeout, self._tail("libvirtd.log")))
            time.sleep(0.1)

    def _tail(self, name, n=30):
        try:
            with open(os.path.join(self.work, name), errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    def stop(self):
        """Destroy every running domain (libvirtd leaves its QEMUs running when
        it stops), stop the daemon, remove WORK."""
        if self.proc is not None and self.proc.poll() is None:
            for name in self.domains(state="--state-running"):
                self.virsh("destroy", name, check=False)
        self._kill_leftover_qemus()
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
            self.proc = None
            self._err.close()
        _live.discard(self)
        if self.work and not os.environ.get("VTDCTL_KEEP_GUEST"):
            shutil.rmtree(self.work, ignore_errors=True)
            self.work = None

    def _kill_leftover_qemus(self):
        qdir = os.path.join(self.work or "/nonexistent", "run", "qemu")
        if not os.path.isdir(qdir):
            return
        for f in os.listdir(qdir):
            if f.endswith(".pid"):
                pid = self.pid_of(f[:-4])
                if pid:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except OSError:
                        pass

    # --- access ------------------------------------------------------------

    @property
    def sock_dir(self):
        return os.path.join(self.work, "sock")

    @property
    def uri(self):
        return "qemu:///system?socket=%s/libvirt-sock" % self.sock_dir

    @property
    def tcp_uri(self):
        return "qemu+tcp://127.0.0.1:%d/system" % self.port

    def virsh(self, *args, check=True, timeout=60):
        r = subprocess.run(["virsh", "-q", "-c", self.uri] + list(args),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=timeout)
        if check and r.returncode != 0:
            raise LibvirtdError("virsh %s: exit %d: %s" % (" ".join(args), r.returncode,
                                                           r.stderr.strip()))
        return r

    def domains(self, state="--all"):
        r = self.virsh("list", "--name", state, check=False)
        return [l.strip() for l in r.stdout.splitlines() if l.strip()]

    def define(self, xml):
        path = os.path.join(self.work, "define.xml")
        with open(path, "w") as f:
            f.write(xml)
        self.virsh("define", path)

    def start_domain(self, name):
        self.virsh("start", name)

    def destroy(self, name):
        return self.virsh("destroy", name, check=False)

    def serial_path(self, name):
        return os.path.join(self.work, name + ".serial")

    def qmp_path(self, name):
        return os.path.join(self.work, name + ".qmp")

    def log_path(self, name):
        return os.path.join(self.work, "log", "qemu", name + ".log")

    def log_text(self, name):
        try:
            with open(self.log_path(name), errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def pid_of(self, name):
        try:
            with open(os.path.join(self.work, "run", "qemu", name + ".pid")) as f:
                return int(f.read().strip() or 0)
        except (OSError, ValueError):
            return 0

    def wait_ready(self, name, timeout=None, marker=guestlib.READY):
        """Wait for the guest's VTDCTL_GUEST_READY line (or marker) on its serial file."""
        timeout = timeout or float(os.environ.get("VTDCTL_GUEST_TIMEOUT", 120))
        t0 = time.monotonic()
        while True:
            try:
                with open(self.serial_path(name), "rb") as f:
                    if marker.encode() in f.read():
                        return time.monotonic() - t0
            except FileNotFoundError:
                pass
            if name not in self.domains(state="--state-running"):
                raise LibvirtdError("domain %s stopped before the guest was ready:\n%s"
                                    % (name, self.log_text(name)[-3000:]))
            if time.monotonic() - t0 > timeout:
                raise LibvirtdError("domain %s: guest not ready after %.0f s; its serial output "
                                    "ends:\n%s\nits log ends:\n%s"
                                    % (name, timeout, self._tail(name + ".serial", 10),
                                       self.log_text(name)[-1500:]))
            time.sleep(0.2)

    # --- domains -----------------------------------------------------------

    def emulator(self):
        """The QEMU the daemon's domains run: the chroot's own, or the first generation's."""
        if self.root:
            return "/usr/bin/qemu-system-x86_64"
        return shutil.which(guestlib.qemu72_binary())

    def _domain(self, name, memory_mib, boot, devices, args):
        """The domain XML both kinds of test domain share: TCG q35, one vCPU,
        a serial file, a QMP socket of the test's own, args passed through
        <qemu:commandline>. boot: <os> lines after <type>; devices: more
        <devices> lines."""
        args = ["-qmp", "unix:%s,server=on,wait=off" % self.qmp_path(name)] + list(args)
        qargs = "".join("    <qemu:arg value=%s/>\n" % quoteattr(a) for a in args)
        return """\
<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>{name}</name>
  <memory unit='MiB'>{mem}</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
{boot}  </os>
  <features><acpi/></features>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>{emulator}</emulator>
    <controller type='usb' model='none'/>
    <serial type='file'><source path={serial}/><target port='0'/></serial>
    <memballoon model='none'/>
{devices}  </devices>
  <qemu:commandline>
{qargs}  </qemu:commandline>
</domain>
""".format(name=escape(name), mem=memory_mib, boot=boot, devices=devices,
           emulator=escape(self.emulator()),
           serial=quoteattr(self.serial_path(name)), qargs=qargs)

    def domain_xml(self, name, iommu=True, scalable=True, memory_mib=512, extra_args=(),
                   kernel=None, iommu_globals=None, iommu_driver=None):
        """A TCG q35 domain running the test suite's Linux guest. kernel: another
        vmlinuz than tests/guest/build.sh's (a cell's); iommu_globals: intel-iommu
        options given as -global in <qemu:commandline> (default: x-scalable-mode=on
        when scalable), in the names of the QEMU the domain runs; iommu_driver: the
        attributes of <iommu><driver .../>, libvirt's own names for the options it
        knows. In a chroot daemon, the kernel and initrd are copied into WORK."""
        built, initrd = guestlib.build_artefacts()
        kernel = kernel or built
        if self.root:
            for src in (kernel, initrd):
                dst = os.path.join(self.work, os.path.basename(src))
                if not os.path.exists(dst):
                    shutil.copyfile(src, dst)
            kernel, initrd = (os.path.join(self.work, os.path.basename(p))
                              for p in (kernel, initrd))
        mode = "scalable" if scalable else "legacy"
        cmdline = " ".join([guestlib.COMMON_CMDLINE, guestlib.CMDLINES[mode]])
        args = []
        if iommu_globals is None:
            iommu_globals = {"x-scalable-mode": "on"} if scalable else {}
        if iommu:
            for k, v in iommu_globals.items():
                args += ["-global", "intel-iommu.%s=%s" % (k, v)]
        # edu on pcie.0 (after intel-iommu, which libvirt puts first)
        args += ["-device", "edu,bus=pcie.0,addr=0x4"] + list(extra_args)
        boot = ("    <kernel>%s</kernel>\n    <initrd>%s</initrd>\n    <cmdline>%s</cmdline>\n"
                % (escape(kernel), escape(initrd), escape(cmdline)))
        devices = """\
    <rng model='virtio'>
      <backend model='random'>/dev/urandom</backend>
      <address type='pci' domain='0' bus='0' slot='3' function='0'/>
    </rng>
"""
        if iommu and iommu_driver:
            devices += ("    <iommu model='intel'>\n      <driver %s/>\n    </iommu>\n"
                        % " ".join("%s=%s" % (k, quoteattr(v)) for k, v in iommu_driver.items()))
        elif iommu:
            devices += "    <iommu model='intel'/>\n"
        return self._domain(name, memory_mib, boot, devices, args)

    def vtdguest_domain_xml(self, name, scenario, memory_mib=256):
        """A TCG q35 domain running the freestanding test guest
        (tests/guest/vtdguest) on a scenario file: it prints READY on its
        serial port when the scenario is programmed. Scalable scenarios get
        x-scalable-mode=on; one edu at 00:03.0, as the scenarios expect.
        memory_mib: the scenarios' heap starts at 16 MiB, so 32 is enough
        for small ones (tests/lib/fleet.py runs 64 domains of that size)."""
        sys.path.insert(0, os.path.join(guestlib.REPO, "tests", "guest", "vtdguest"))
        import boot as vtdguest
        elf = vtdguest.build()
        with open(scenario) as f:
            text = f.read()
        args = ["-fw_cfg", "name=opt/vtd/scenario,file=%s" % scenario,
                "-device", "edu,bus=pcie.0,addr=0x3"]
        if vtdguest.scenario_mode(text) == "scalable":
            args += ["-global", "intel-iommu.x-scalable-mode=on"]
        return self._domain(name, memory_mib, "    <kernel>%s</kernel>\n" % escape(elf),
                            "    <iommu model='intel'/>\n", args)


_live = set()
_shared = []


@atexit.register
def _stop_all():
    for d in list(_live):
        d.stop()


def stop_shared():
    """Stop the shared daemon and its domains (atexit does it otherwise)."""
    for d in _shared:
        if isinstance(d, Libvirtd):
            d.stop()
    del _shared[:]


def shared_libvirtd():
    """One private libvirtd (listening on TCP too) per test run."""
    if not _shared:
        why = missing()
        if why:
            raise unittest.SkipTest(why)
        try:
            _shared.append(Libvirtd(tcp=True).start())
        except unittest.SkipTest:
            raise
        except Exception as e:
            _shared.append(e)
    d = _shared[0]
    if isinstance(d, Exception):
        raise LibvirtdError("private libvirtd did not start: %s" % d)
    return d
