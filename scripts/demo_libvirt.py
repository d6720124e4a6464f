#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Demo on a libvirt domain: a private libvirtd (its own config, sockets and
state; the system's libvirt is not touched), one TCG domain with
<iommu model='intel'> in scalable mode running the test suite's Linux guest,
then vtdctl by domain name. Everything is stopped at the end."""

import os
import subprocess
import sys

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "lib"))

from libvirtd import Libvirtd  # noqa: E402


def show(*args):
    cmd = [os.path.join(REPO, "vtdctl")] + list(args)
    print("+ " + " ".join(cmd[:1] + [a if " " not in a else repr(a) for a in cmd[1:]]),
          flush=True)
    subprocess.run(cmd, check=False)


def main():
    with Libvirtd() as d:
        d.define(d.domain_xml("demo-vm", iommu=True, scalable=True))
        d.start_domain("demo-vm")
        d.wait_ready("demo-vm")
        show("-c", d.uri, "list")
        show("-c", d.uri, "--vm=demo-vm", "--no-monitor", "dump")
        show("-c", d.uri, "--vm=demo-vm", "check")


if __name__ == "__main__":
    main()
