# SPDX-License-Identifier: GPL-2.0-or-later
"""One source of truth: `vtdctl help` against the man page and both
completions (tests/check-docs); the man page renders without a warning; the
bash completion completes in a real interactive bash on a pty, commands and
options from its lists, BDFs and PASIDs from the real Linux guest (the
expected ones come from the independent reader, tests/lib/xpwalk.py)."""

import os
import re
import shutil
import subprocess
import tempfile
import unittest

import xpwalk
from guest import shared_guest
from test_shell import Pty, quiet_inputrc
from vtdctl import binary

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MAN = os.path.join(REPO, "man", "vtdctl.8")
BASH_COMPLETION = "/usr/share/bash-completion/bash_completion"


def check_docs(root=REPO):
    return subprocess.run([os.path.join(root, "tests", "check-docs"), binary()],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_help_man_and_completions_agree():
    r = check_docs()
    assert r.returncode == 0, r.stdout
    assert "in sync" in r.stdout


def test_check_docs_sees_drift():
    """A man page without --pages and a bash completion without `iq` fail."""
    tmp = tempfile.mkdtemp(prefix="vtdctl-docs-")
    try:
        for d in ("tests", "man", "completions"):
            os.makedirs(os.path.join(tmp, d))
        shutil.copy(os.path.join(REPO, "tests", "check-docs"), os.path.join(tmp, "tests"))
        for f in ("completions/vtdctl.bash", "completions/_vtdctl"):
            shutil.copy(os.path.join(REPO, f), os.path.join(tmp, f))
        man = open(MAN).read()
        assert "\n.B \\-\\-pages\n" in man
        with open(os.path.join(tmp, "man", "vtdctl.8"), "w") as f:
            f.write(man.replace("\n.B \\-\\-pages\n", "\n.B \\-\\-pagez\n"))
        path = os.path.join(tmp, "completions", "vtdctl.bash")
        text = open(path).read()
        with open(path, "w") as f:
            f.write(text.replace("faults iq xlate", "faults xlate", 1))
        # a finding code the source adds but the README does not document,
        # and one the man page documents but nothing adds
        shutil.copytree(os.path.join(REPO, "src"), os.path.join(tmp, "src"),
                        ignore=shutil.ignore_patterns("*.o", "*.d"))
        with open(os.path.join(tmp, "src", "check", "extra.c"), "w") as f:
            f.write('void f(void) { vtd_add_finding(m, VTD_SEV_INFO, "made_up_code", 0, 0, -1, 0, "x"); }\n')
        shutil.copy(os.path.join(REPO, "README.md"), tmp)
        path = os.path.join(tmp, "man", "vtdctl.8")
        text = open(path).read()
        assert "\n.B walk_truncated\n" in text
        with open(path, "w") as f:
            f.write(text.replace("\n.B walk_truncated\n", "\n.B walk_truncated_typo\n"))
        r = check_docs(tmp)
        assert r.returncode == 1, r.stdout
        assert "README.md finding codes lacks made_up_code" in r.stdout, r.stdout
        assert "man/vtdctl.8 Finding codes lacks walk_truncated" in r.stdout, r.stdout
        assert "Finding codes has walk_truncated_typo" in r.stdout, r.stdout
        assert "man/vtdctl.8 OPTIONS lacks --pages" in r.stdout, r.stdout
        assert "OPTIONS has --pagez" in r.stdout, r.stdout
        assert "completions/vtdctl.bash commands lacks iq" in r.stdout, r.stdout
    finally:
        shutil.rmtree(tmp)


def filled_man(tmp):
    path = os.path.join(tmp, "vtdctl.8")
    with open(path, "w") as f:
        f.write(open(MAN).read().replace("@VERSION@", "9.9.9").replace("@DATE@", "2025-01-31"))
    return path


def test_man_page_renders():
    if not shutil.which("groff") or not shutil.which("man"):
        raise unittest.SkipTest("no groff/man (groff-base, man-db)")
    tmp = tempfile.mkdtemp(prefix="vtdctl-man-")
    try:
        path = filled_man(tmp)
        r = subprocess.run(["groff", "-man", "-Tutf8", "-ww", "-z", path],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           env=dict(os.environ, LC_ALL="C.UTF-8"))
        assert r.returncode == 0 and not r.stderr, r.stderr
        r = subprocess.run(["man", "--warnings", "-l", path], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True,
                           env=dict(os.environ, MANWIDTH="80", MAN_KEEP_FORMATTING="0",
                                    LC_ALL="C.UTF-8"))
        assert r.returncode == 0 and not r.stderr, r.stderr
        page = re.sub(".\b", "", r.stdout)
        heads = re.findall(r"^([A-Z][A-Z ]+)$", page, re.M)
        assert heads == ["NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "OPTIONS", "TARGETS",
                         "OUTPUT", "EXIT STATUS", "ENVIRONMENT", "FILES", "EXAMPLES", "SEE ALSO"], heads
        assert "vtdctl 9.9.9" in page and "2025-01-31" in page
        assert "custom-monitor" in page and "--no-monitor" in page
        assert "~/.vtdctl_history" in page
    finally:
        shutil.rmtree(tmp)


class Bash(Pty):
    """An interactive bash on a pty with vtdctl's completion loaded."""

    def __init__(self, home):
        bindir = os.path.join(home, "bin")
        os.makedirs(bindir)
        os.symlink(binary(), os.path.join(bindir, "vtdctl"))
        rc = os.path.join(home, "bashrc")
        with open(rc, "w") as f:
            f.write("PS1='bash$ '\nsource %s\nsource %s\n"
                    % (BASH_COMPLETION, os.path.join(REPO, "completions", "vtdctl.bash")))
        env = dict(os.environ, HOME=home, TERM="xterm", INPUTRC=quiet_inputrc(home),
                   PATH=bindir + ":" + os.environ["PATH"])
        super().__init__(["/bin/bash", "--noprofile", "--rcfile", rc, "-i"], env, "bash$ ")
        self.expect(re.escape("bash$ "))

    def complete(self, text, want, tabs="\t"):
        """Type text and Tab; the line must then show want (a regex)."""
        self.send(text + tabs)
        try:
            self.expect(want, timeout=60)
        finally:
            self.send("\x15\r")         # Ctrl-U, Enter: a fresh, empty line
            self.expect(re.escape(self.prompt))


def test_bash_completion_in_real_bash():
    if not os.path.exists(BASH_COMPLETION):
        raise unittest.SkipTest("no %s (package bash-completion)" % BASH_COMPLETION)
    g = shared_guest("scalable")
    ref = xpwalk.walk_guest(g)
    bdfs = sorted(d["bdf"] for d in ref["devices"])
    assert "01:00.0" in bdfs and not [b for b in bdfs if b.startswith("01:") and b != "01:00.0"]
    pasids = [p["pasid"] for d in ref["devices"] if d["bdf"] == "01:00.0" for p in d["pasids"]]
    assert pasids == [0], pasids
    home = tempfile.mkdtemp(prefix="vtdctl-bash-")
    sh = Bash(home)
    try:
        q = "vtdctl --qmp=%s " % g.qmp_path
        sh.complete("vtdctl dum", r"vtdctl dump $")
        sh.complete("vtdctl help wat", r"help watch $")
        sh.complete("vtdctl -j xlate -s 00:03.0 0x1000 wr", r"0x1000 write $")
        sh.complete(q + "dump --pre", r"dump --pretty $")
        sh.complete(q + "dump --no-p", r"--no-proc-mem $")
        sh.complete(q + "dump --sl", r"dump --slot=$")          # a value follows
        sh.complete(q + "dump -s 01:", r"-s 01:00\.0 $")
        sh.complete(q + "--slot=01:00.0 dump --pasid=", r"--pasid=0 $")
        # every device of bus 0 below 00:10 in the listing of a double Tab
        # (bash shows what follows the last ':', a word break)
        low = [b[3:] for b in bdfs if b.startswith("00:0")]
        assert len(low) >= 2, bdfs
        sh.complete(q + "dump -s 00:0", r"\n%s *\n" % " +".join(map(re.escape, low)),
                    tabs="\t\t")
        # no target on the line: nothing to list, and no error either
        sh.send("vtdctl dump -s \t\t\x15\r")
        _, seen = sh.expect(re.escape(sh.prompt))
        assert "vtdctl:" not in seen and "rror" not in seen, seen
    finally:
        sh.kill()
        shutil.rmtree(home, ignore_errors=True)


def test_zsh_completion_parses():
    if not shutil.which("zsh"):
        raise unittest.SkipTest("no zsh")
    r = subprocess.run(["zsh", "-n", os.path.join(REPO, "completions", "_vtdctl")],
                       stderr=subprocess.PIPE, text=True)
    assert r.returncode == 0, r.stderr
