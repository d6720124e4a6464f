# SPDX-License-Identifier: GPL-2.0-or-later
"""The golden tests' TESTLIST, and running one line of it (tests/golden/)."""

import os
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
INPUTS = os.path.join(HERE, "inputs")
EXPECTED = os.path.join(HERE, "expected")


class Case:
    def __init__(self, name, input, exit, args):
        self.name, self.input, self.exit, self.args = name, input, int(exit), args

    @property
    def expected_path(self):
        return os.path.join(EXPECTED, self.name + ".out")

    @property
    def expected_err_path(self):
        """stderr expected besides stdout (-v says how memory was read);
        no such file: stderr must be empty."""
        return os.path.join(EXPECTED, self.name + ".err")

    def run(self, vtdctl):
        """(exit status, stdout, stderr) of vtdctl on this case."""
        env = dict(os.environ, LC_ALL="C", TZ="UTC")
        env.pop("NO_COLOR", None)
        r = subprocess.run([vtdctl, "--snapshot=" + self.input] + self.args, cwd=INPUTS,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                           timeout=60)
        return r.returncode, r.stdout, r.stderr


def cases():
    out = []
    with open(os.path.join(HERE, "TESTLIST")) as f:
        for line in f:
            words = line.split("#", 1)[0].split()
            if words:
                out.append(Case(words[0], words[1], words[2], words[3:]))
    return out
