# SPDX-License-Identifier: GPL-2.0-or-later
"""Bad targets and bad arguments: each gives one clear line on stderr and exit
status 1, never a crash, a hang or a page of nonsense. Tests whose peer is
not a real QEMU say so in their name (fake_server)."""

import atexit
import json
import os
import shutil
import socket
import tempfile
import threading

from guest import shared_guest
from vtdctl import run

TMP = tempfile.mkdtemp(prefix="vtdctl-bad-")
atexit.register(shutil.rmtree, TMP, ignore_errors=True)


def one_line_error(r, *words):
    assert r.returncode == 1, "exit %d, stderr: %r" % (r.returncode, r.stderr)
    lines = r.stderr.splitlines()
    assert len(lines) == 1, "want one error line, got %r" % r.stderr
    assert lines[0].startswith("vtdctl: "), lines[0]
    for w in words:
        assert w in lines[0], "%r not in %r" % (w, lines[0])
    return lines[0]


def vtd(*args):
    return run(*args, check=False, timeout=60)


# --- cores -----------------------------------------------------------------

def test_core_missing():
    one_line_error(vtd("--core=" + os.path.join(TMP, "nope.core"), "dump"),
                   "nope.core")


def test_core_not_elf():
    path = os.path.join(TMP, "random.core")
    with open(path, "wb") as f:
        f.write(os.urandom(64 * 1024))
    one_line_error(vtd("--core=" + path, "dump"), "not an ELF")


def test_core_empty():
    path = os.path.join(TMP, "empty.core")
    open(path, "wb").close()
    one_line_error(vtd("--core=" + path, "dump"))


_core = {}


def real_core():
    if "path" not in _core:
        g = shared_guest("scalable")
        _core["path"] = g.dump_memory(os.path.join(TMP, "guest.core"))
        _core["rtaddr"] = g.read_reg(0x20)
    return _core["path"], _core["rtaddr"]


def test_core_truncated_mid_segment():
    path, _ = real_core()
    cut = os.path.join(TMP, "cut.core")
    size = os.path.getsize(path)
    with open(path, "rb") as src, open(cut, "wb") as dst:
        dst.write(src.read(size // 2))
    one_line_error(vtd("--core=" + cut, "dump"), "truncated")


def test_rtaddr_outside_ram():
    path, _ = real_core()
    one_line_error(vtd("--core=" + path, "--rtaddr=0xdead00000000", "dump"),
                   "--rtaddr", "not in guest RAM")


def test_rtaddr_not_a_root_table():
    path, rtaddr = real_core()
    # 16 MiB: the guest kernel's text, never a root table
    one_line_error(vtd("--core=" + path, "--rtaddr=0x1000400", "dump"),
                   "--rtaddr", "no scalable-mode root table")
    # the right page read in the wrong format: legacy hi words must be 0
    # (Linux's scalable root entries have upper halves only for devfn
    # >= 0x80, which this guest's bus 0 has)
    r = vtd("--core=" + path, "--rtaddr=0x%x" % (rtaddr & ~0xfff), "dump")
    assert r.returncode in (1, 2), r


def test_rtaddr_garbage():
    path, _ = real_core()
    one_line_error(vtd("--core=" + path, "--rtaddr=12z", "dump"), "--rtaddr")


def test_json_error_object():
    r = vtd("-j", "--core=" + os.path.join(TMP, "nope.core"), "dump")
    assert r.returncode == 1
    obj = json.loads(r.stdout)
    assert list(obj) == ["error"] and "nope.core" in obj["error"], obj


# --- QMP peers that are not (or stop being) QEMU -------------------------------

def serve_once(path, handler):
    """A UNIX socket server for one connection, handled in a thread."""
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)

    def loop():
        conn, _ = srv.accept()
        try:
            handler(conn)
        except OSError:
            pass
        finally:
            conn.close()
            srv.close()

    t = threading.Thread(target=loop, daemon=True)
    t.start()
    return t


def test_not_qmp_fake_server():
    path = os.path.join(TMP, "ssh.sock")
    serve_once(path, lambda c: (c.sendall(b"SSH-2.0-OpenSSH_9.2\r\n"), c.recv(100)))
    one_line_error(vtd("--qmp=" + path, "dump"), "not a QMP server")


def test_silent_fake_server_times_out():
    path = os.path.join(TMP, "silent.sock")
    serve_once(path, lambda c: c.recv(100))
    one_line_error(vtd("--qmp=" + path, "--timeout=500", "dump"), path)


def test_no_such_socket():
    one_line_error(vtd("--qmp=" + os.path.join(TMP, "none.sock"), "dump"),
                   "none.sock")


def test_tcp_refused():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    one_line_error(vtd("--qmp=127.0.0.1:%d" % port, "dump"), str(port))


def proxy_to_real_qemu(path, upstream, close_after):
    """Relays a client to the real QEMU's QMP socket line by line, and hangs
    up after `close_after` replies, as a QEMU that dies mid-walk would."""

    def handler(c):
        up = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        up.connect(upstream)
        uf, cf = up.makefile("rb"), c.makefile("rb")
        c.sendall(uf.readline())            # greeting
        replies = 0
        while replies < close_after:
            line = cf.readline()
            if not line:
                break
            up.sendall(line)
            while True:
                rep = uf.readline()
                c.sendall(rep)
                if b'"return"' in rep or b'"error"' in rep:
                    break
            replies += 1
        up.close()

    return serve_once(path, handler)


def test_connection_closed_mid_walk_proxy_to_real_qemu():
    g = shared_guest("scalable")
    for n in (1, 3, 6):
        path = os.path.join(TMP, "proxy%d.sock" % n)
        proxy_to_real_qemu(path, g.qmp_path, n)
        one_line_error(vtd("--qmp=" + path, "--no-proc-mem", "dump"))
        os.unlink(path)


def test_proxy_passes_a_whole_walk_to_real_qemu():
    """The proxy itself is faithful: with no cut, the walk succeeds."""
    g = shared_guest("scalable")
    path = os.path.join(TMP, "proxyall.sock")
    proxy_to_real_qemu(path, g.qmp_path, 10 ** 6)
    r = vtd("--qmp=" + path, "--no-proc-mem", "-j", "dump")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["devices"], r.stdout[:500]


# --- arguments ---------------------------------------------------------------

def test_usage_errors():
    for args, word in [(["dump"], "no target"),
                       (["--qmp=a", "--core=b", "dump"], "one target"),
                       (["frobnicate"], "unknown command"),
                       (["--bogus", "dump"], "--bogus"),
                       (["-s", "1:2:3:4", "dump"], "-s 1:2:3:4: too many fields"),
                       (["-s", "00:20.0", "dump"], "invalid slot number"),
                       (["--pasid=0x100000", "dump"], "--pasid"),
                       (["--did=-1", "dump"], "--did"),
                       (["--qmp=x", "dump", "extra"], "unexpected argument")]:
        one_line_error(vtd(*args), word)


def test_help_and_version():
    r = vtd("help")
    assert r.returncode == 0 and "COMMAND := {" in r.stdout and "dump" in r.stdout
    r = vtd("dump", "--help")
    assert r.returncode == 0 and r.stdout.startswith("Usage: vtdctl"), r.stdout
    r = vtd("--version")
    assert r.returncode == 0 and r.stdout.startswith("vtdctl "), r.stdout
    r = vtd("-j", "help")
    assert r.returncode == 0 and json.loads(r.stdout) is None


# --- libvirt missing ---------------------------------------------------------

def _without_libvirt(*args):
    """vtdctl in a mount namespace where libvirt.so.0 is an empty file: the
    machine as it is without the libvirt0 package, the rest untouched."""
    import ctypes.util
    import subprocess
    import unittest
    from vtdctl import binary
    lib = ctypes.util.find_library("virt")
    if os.geteuid() != 0 or not shutil.which("unshare") or not lib:
        raise unittest.SkipTest("needs root, unshare and an installed libvirt.so.0")
    path = next((os.path.join(d, lib) for d in ("/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib")
                 if os.path.exists(os.path.join(d, lib))), None)
    if not path:
        raise unittest.SkipTest("libvirt.so.0 not found")
    script = 'mount --bind /dev/null "$1" && shift && exec "$@"'
    return subprocess.run(["unshare", "-m", "sh", "-c", script, "sh", os.path.realpath(path),
                           binary()] + list(args),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)


def test_not_linked_with_libvirt():
    """libvirt is dlopen()ed when needed, so a --qmp or --core run does not
    load it (nor gnutls, glib, libxml2): ldd lists none of them."""
    import subprocess
    from vtdctl import binary
    out = subprocess.run(["ldd", binary()], stdout=subprocess.PIPE, text=True).stdout
    assert "libvirt" not in out and "gnutls" not in out, out


def test_vm_without_libvirt_installed():
    r = _without_libvirt("--vm=nope", "dump")
    line = one_line_error(r, "libvirt", "libvirt0")
    assert "cannot be loaded" in line, line


def test_qmp_and_core_without_libvirt_installed():
    for target in ("--core=" + real_core()[0], "--qmp=" + shared_guest("scalable").qmp_path):
        r = _without_libvirt(target, "dump")
        assert r.returncode in (0, 2), (target, r.stderr)
        assert "\n00:03.0 " in r.stdout, (target, r.stdout)
