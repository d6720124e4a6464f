# SPDX-License-Identifier: GPL-2.0-or-later
"""`make lint` (cppcheck over src/) is clean, and it does fail on a defect."""

import os
import shutil
import subprocess
import tempfile
import unittest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def lint(srcdir):
    return subprocess.run(
        ["cppcheck", "--quiet", "--error-exitcode=1", "--std=c11", "-I" + srcdir,
         "--enable=warning,style,performance,portability",
         "--library=" + os.path.join(REPO, "scripts", "cppcheck-json-c.cfg"),
         "--suppressions-list=" + os.path.join(REPO, "scripts", "cppcheck-suppressions"),
         srcdir], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def require_cppcheck():
    if not shutil.which("cppcheck"):
        raise unittest.SkipTest("cppcheck is not installed (scripts/install-deps.sh installs it)")


def test_make_lint_is_clean():
    require_cppcheck()
    r = subprocess.run(["make", "-s", "lint"], cwd=REPO, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    assert r.returncode == 0, r.stdout


def test_lint_fails_on_a_defect():
    require_cppcheck()
    tmp = tempfile.mkdtemp(prefix="vtdctl-lint-")
    try:
        with open(os.path.join(tmp, "bad.c"), "w") as f:
            f.write("int f(void)\n{\n\tint a[4];\n\n\treturn a[4];\n}\n")
        r = lint(tmp)
        assert r.returncode == 1, r.stdout
        assert "arrayIndexOutOfBounds" in r.stdout or "out of bounds" in r.stdout, r.stdout
    finally:
        shutil.rmtree(tmp)
