#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Write the golden tests' inputs: `vtdctl snapshot` files of real guests on
real QEMUs (the Linux guests of the test matrix, and the freestanding test
guest on some of its scenarios), into tests/golden/inputs/. Run it only to
change the inputs; then `make update-golden` rewrites the expected outputs
and shows the diff for review.

    tests/golden/mkinputs.py [NAME...]      (default: every input)
"""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path[:0] = [os.path.join(REPO, "tests", "lib"), os.path.join(REPO, "tests", "guest", "vtdguest")]

import boot  # noqa: E402
import guest  # noqa: E402

VTDCTL = os.environ.get("VTDCTL") or os.path.join(REPO, "vtdctl")

# name: ("linux", matrix cell) or ("vtdguest", scenario, QEMU generation)
INPUTS = {
    "linux-q72-scalable": ("linux", "q72-l61-scalable"),
    "linux-q72-legacy": ("linux", "q72-l61-legacy"),
    "linux-q10-flts": ("linux", "q10-l612-flts"),
    "vtdguest-hostile-beyond-ram": ("vtdguest", "hostile-beyond-ram", "7.2"),
    "vtdguest-hostile-selfref": ("vtdguest", "hostile-selfref", "7.2"),
    "vtdguest-hostile-iq": ("vtdguest", "hostile-iq", "7.2"),
    "vtdguest-scalable-basic": ("vtdguest", "scalable-basic", "7.2"),
    "vtdguest-legacy-basic": ("vtdguest", "legacy-basic", "7.2"),
    "vtdguest-hostile-reserved": ("vtdguest", "hostile-reserved", "7.2"),
}


# inputs whose page tables are kept too (snapshot --pages), for xlate cases
WITH_PAGES = {"linux-q10-flts", "linux-q72-legacy"}


def snapshot(qmp_path, name):
    out = os.path.join(HERE, "inputs", name + ".snap")
    extra = ["--pages"] if name in WITH_PAGES else []
    subprocess.run([VTDCTL, "--qmp=" + qmp_path, "snapshot", "-o", out] + extra, check=True)
    os.chmod(out, 0o644)
    print("wrote %s (%d bytes)" % (os.path.relpath(out, REPO), os.path.getsize(out)))


def make(name):
    kind = INPUTS[name]
    if kind[0] == "linux":
        with guest.Guest.for_cell(guest.CELLS[kind[1]]) as g:
            snapshot(g.qmp_path, name)
        return
    qemu = guest.qemu72_binary() if kind[2] == "7.2" else guest.qemu10_binary()
    g = boot.boot(boot.scenario_path(kind[1]), qemu=qemu)
    try:
        snapshot(g.qmp_path, name)
    finally:
        g.stop()


def main():
    for name in sys.argv[1:] or sorted(INPUTS):
        make(name)


if __name__ == "__main__":
    main()
