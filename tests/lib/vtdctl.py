# SPDX-License-Identifier: GPL-2.0-or-later
"""Run the vtdctl binary from tests. The binary is ./vtdctl in the repository,
or $VTDCTL. A test that needs it is skipped while it is not built."""

import json
import os
import subprocess
import unittest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def binary():
    path = os.environ.get("VTDCTL") or os.path.join(REPO, "vtdctl")
    if not os.access(path, os.X_OK):
        raise unittest.SkipTest("vtdctl is not built (%s)" % path)
    return path


def run(*args, timeout=300, check=True):
    """Run vtdctl with args; return the CompletedProcess (text mode)."""
    r = subprocess.run([binary()] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise AssertionError("vtdctl %s exited %d\nstderr:\n%s"
                             % (" ".join(args), r.returncode, r.stderr))
    return r


# PLACEHOLDER for the lead's comparisons: vtdctl's JSON of a booted guest, to
# be checked against xpwalk.walk_guest(guest) with xpwalk.compare().
def vtdctl_json(guest, *args):
    """./vtdctl --qmp=SOCK dump --json [args] on a tests/lib/guest.py Guest."""
    r = run("--qmp=" + guest.qmp_path, "dump", "--json", *args)
    try:
        return json.loads(r.stdout)
    except ValueError as e:
        raise AssertionError("vtdctl dump --json printed no JSON (%s):\n%s"
                             % (e, r.stdout[:2000]))
