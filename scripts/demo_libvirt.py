#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Demo on a libvirt domain: a private libvirtd (its own config, sockets,
pid file and state, in a mount namespace of its own: a system libvirtd, if
one runs, is neither seen nor touched), one TCG domain with
<iommu model='intel'> in scalable mode running the test suite's Linux guest,
then vtdctl by domain name. Everything is stopped at the end. When a step
fails, the cause (libvirtd's log, the domain's log, the guest's serial
output) is printed before the private directories are removed."""

import os
import subprocess
import sys
import unittest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "lib"))

from libvirtd import Libvirtd, LibvirtdError, missing  # noqa: E402


def show(*args):
    cmd = [os.path.join(REPO, "vtdctl")] + list(args)
    print("+ " + " ".join(cmd[:1] + [a if " " not in a else repr(a) for a in cmd[1:]]),
          flush=True)
    subprocess.run(cmd, check=False)


def system_libvirtd():
    """The pid of a libvirtd already running on this host (its pid file), or None."""
    try:
        with open("/run/libvirtd.pid") as f:
            pid = int(f.read().strip() or 0)
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError):
        return None


def run():
    with Libvirtd() as d:
        d.define(d.domain_xml("demo-vm", iommu=True, scalable=True))
        d.start_domain("demo-vm")
        d.wait_ready("demo-vm")
        show("-c", d.uri, "list")
        show("-c", d.uri, "--vm=demo-vm", "--no-monitor", "dump")
        show("-c", d.uri, "--vm=demo-vm", "check")


def main():
    why = missing()
    if why:
        print("demo: cannot run a private libvirtd: %s" % why, file=sys.stderr)
        return 1
    pid = system_libvirtd()
    if pid:
        print("demo: a system libvirtd runs (pid %d); the demo's own runs beside it, "
              "with its own sockets and pid file" % pid, file=sys.stderr)
    try:
        run()
    except (LibvirtdError, unittest.SkipTest, subprocess.SubprocessError, OSError) as e:
        print("demo: the libvirt demo failed: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
