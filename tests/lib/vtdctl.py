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


class Dump:
    """One `vtdctl [TARGET...] dump --json` run: argv, rc, stderr, json."""

    def __init__(self, argv, rc, stdout, stderr):
        self.argv, self.rc, self.stdout, self.stderr = argv, rc, stdout, stderr
        try:
            self.json = json.loads(stdout)
        except ValueError as e:
            raise AssertionError("%s printed no JSON (%s), exit %d\nstdout:\n%s\nstderr:\n%s"
                                 % (self.command(), e, rc, stdout[:2000], stderr[-2000:]))

    def command(self):
        return "vtdctl " + " ".join(self.argv)

    def findings(self):
        return self.json.get("findings") or []

    def findings_text(self):
        out = []
        for f in self.findings():
            out.append("  %s %s bdf=%s pasid=%s address=%s: %s"
                       % (f.get("severity"), f.get("code"), f.get("bdf"), f.get("pasid"),
                          f.get("address"), f.get("message")))
        return "\n".join(out) or "  (none)"


def dump(*target_args, timeout=300):
    """vtdctl TARGET... dump --json, whatever its exit status (a Dump)."""
    argv = list(target_args) + ["dump", "--json"]
    r = run(*argv, timeout=timeout, check=False)
    if r.returncode not in (0, 2):
        raise AssertionError("vtdctl %s exited %d\nstderr:\n%s\nstdout:\n%s"
                             % (" ".join(argv), r.returncode, r.stderr, r.stdout[:2000]))
    return Dump(argv, r.returncode, r.stdout, r.stderr)


def vtdctl_json(guest, *args):
    """./vtdctl --qmp=SOCK dump --json [args] on a tests/lib/guest.py Guest."""
    r = run("--qmp=" + guest.qmp_path, "dump", "--json", *args)
    try:
        return json.loads(r.stdout)
    except ValueError as e:
        raise AssertionError("vtdctl dump --json printed no JSON (%s):\n%s"
                             % (e, r.stdout[:2000]))
