# SPDX-License-Identifier: GPL-2.0-or-later
"""`make install` / `make uninstall` into a DESTDIR, and the Debian package:
`dpkg-buildpackage -us -uc -b` in a copy of the tree, the files `dpkg -c`
lists, the packaged binary runs, and lintian (when installed) reports no
error or warning."""

import glob
import gzip
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from vtdctl import binary

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
VERSION = re.search(r"^VERSION\s*:=\s*(\S+)", open(os.path.join(REPO, "Makefile")).read(),
                    re.M).group(1)


def expected(prefix):
    return {prefix + "/sbin/vtdctl": 0o755,
            prefix + "/share/man/man8/vtdctl.8": 0o644,
            prefix + "/share/bash-completion/completions/vtdctl": 0o644,
            prefix + "/share/zsh/vendor-completions/_vtdctl": 0o644}


def files_under(root):
    out = {}
    for d, _, names in os.walk(root):
        for n in names:
            p = os.path.join(d, n)
            out["/" + os.path.relpath(p, root)] = os.stat(p).st_mode & 0o7777
    return out


def make(*args):
    # -o vtdctl: install the binary under test as it is; never rebuild it
    # (under check-asan a rebuild with other flags would replace it)
    r = subprocess.run(["make", "-s", "-o", "vtdctl"] + list(args), cwd=REPO, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=600)
    assert r.returncode == 0, "make %s:\n%s" % (" ".join(args), r.stdout)


def test_make_install_and_uninstall():
    binary()                                    # skip while not built
    tmp = tempfile.mkdtemp(prefix="vtdctl-install-")
    try:
        make("install", "DESTDIR=" + tmp, "PREFIX=/usr")
        assert files_under(tmp) == expected("/usr"), files_under(tmp)
        r = subprocess.run([tmp + "/usr/sbin/vtdctl", "--version"], stdout=subprocess.PIPE,
                           text=True)
        assert r.returncode == 0 and r.stdout == "vtdctl %s\n" % VERSION, r.stdout
        man = open(tmp + "/usr/share/man/man8/vtdctl.8").read()
        assert "@" not in man.split(".TH", 1)[1].splitlines()[0], "placeholders left"
        assert ('"vtdctl %s"' % VERSION) in man
        make("uninstall", "DESTDIR=" + tmp, "PREFIX=/usr")
        assert files_under(tmp) == {}
        # the default prefix, and an empty one
        make("install", "DESTDIR=" + tmp + "/a")
        assert files_under(tmp + "/a") == expected("/usr/local")
        make("install", "DESTDIR=" + tmp + "/b", "PREFIX=")
        assert files_under(tmp + "/b") == expected("")
    finally:
        shutil.rmtree(tmp)


def source_files():
    """What a release tarball would hold: tracked and new files, no build output."""
    r = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=REPO,
                       stdout=subprocess.PIPE, check=True)
    return [f for f in r.stdout.decode().split("\0")
            if f and not f.startswith("build/") and os.path.isfile(os.path.join(REPO, f))]


def build_deb(tmp):
    src = os.path.join(tmp, "vtdctl-%s" % VERSION)
    for f in source_files():
        os.makedirs(os.path.dirname(os.path.join(src, f)), exist_ok=True)
        shutil.copy2(os.path.join(REPO, f), os.path.join(src, f))
    env = dict(os.environ, DEB_BUILD_OPTIONS="nocheck noautodbgsym parallel=%d"
               % (os.cpu_count() or 2))
    r = subprocess.run(["dpkg-buildpackage", "-us", "-uc", "-b"], cwd=src, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=900)
    assert r.returncode == 0, "dpkg-buildpackage:\n" + r.stdout[-4000:]
    debs = glob.glob(os.path.join(tmp, "vtdctl_%s_*.deb" % VERSION))
    assert len(debs) == 1, os.listdir(tmp)
    return debs[0]


def test_debian_package():
    for tool in ("dpkg-buildpackage", "dh"):
        if not shutil.which(tool):
            raise unittest.SkipTest("no %s (packages dpkg-dev, debhelper)" % tool)
    tmp = tempfile.mkdtemp(prefix="vtdctl-deb-")
    try:
        deb = build_deb(tmp)
        r = subprocess.run(["dpkg", "-c", deb], stdout=subprocess.PIPE, text=True, check=True)
        listed = {l.split()[-1].lstrip(".") for l in r.stdout.splitlines()
                  if not l.startswith("d")}
        want = {"/usr/sbin/vtdctl", "/usr/share/man/man8/vtdctl.8.gz",
                "/usr/share/bash-completion/completions/vtdctl",
                "/usr/share/zsh/vendor-completions/_vtdctl",
                "/usr/share/doc/vtdctl/copyright", "/usr/share/doc/vtdctl/changelog.gz"}
        assert listed == want, sorted(listed ^ want)
        root = os.path.join(tmp, "root")
        subprocess.run(["dpkg-deb", "-x", deb, root], check=True)
        r = subprocess.run([root + "/usr/sbin/vtdctl", "--version"], stdout=subprocess.PIPE,
                           text=True)
        assert r.returncode == 0 and r.stdout == "vtdctl %s\n" % VERSION, r.stdout
        with gzip.open(root + "/usr/share/man/man8/vtdctl.8.gz", "rt") as f:
            assert '"vtdctl %s"' % VERSION in f.read()
        r = subprocess.run(["dpkg-deb", "-f", deb, "Depends"], stdout=subprocess.PIPE,
                           text=True, check=True)
        # ${shlibs:Depends} filled in (which libraries depends on what the
        # linker kept; json-c and readline are always used)
        for lib in ("libc6", "libjson-c", "libreadline8"):
            assert lib in r.stdout, r.stdout
        # libvirt and cairo are dlopen()ed: recommended, not a dependency of every run
        assert "libvirt" not in r.stdout and "libcairo" not in r.stdout, r.stdout
        r = subprocess.run(["dpkg-deb", "-f", deb, "Recommends"], stdout=subprocess.PIPE,
                           text=True, check=True)
        assert "libvirt0" in r.stdout and "libcairo2" in r.stdout, r.stdout
        if shutil.which("lintian"):
            changes = glob.glob(os.path.join(tmp, "*.changes"))[0]
            r = subprocess.run(["lintian", changes], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, timeout=300)
            bad = [l for l in r.stdout.splitlines() if re.match(r"[EW]: ", l)]
            assert not bad, "\n".join(bad)
    finally:
        shutil.rmtree(tmp)
