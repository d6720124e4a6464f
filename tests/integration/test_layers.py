# SPDX-License-Identifier: GPL-2.0-or-later
"""The include graph of src/ (scripts/layers.py, `make layers`): no cycle
and no include against the layer order, and the check fails on a tree that
has one."""

import os
import shutil
import subprocess
import sys
import tempfile

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCRIPT = os.path.join(REPO, "scripts", "layers.py")


def layers(srcdir=None):
    argv = [sys.executable, SCRIPT] + ([srcdir] if srcdir else [])
    return subprocess.run(argv, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True)


def tree(files):
    """A src/ of {path: text} in a new temporary folder."""
    top = tempfile.mkdtemp(prefix="vtdctl-layers-")
    for path, text in files.items():
        full = os.path.join(top, "src", path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "w") as f:
            f.write(text)
    return top


def check_tree(files):
    top = tree(files)
    try:
        return layers(os.path.join(top, "src"))
    finally:
        shutil.rmtree(top)


def test_src_has_no_cycle_and_no_upward_include():
    r = layers()
    assert r.returncode == 0, r.stderr
    assert "main -> cli" in r.stdout.splitlines()


def test_an_upward_include_fails():
    r = check_tree({
        "cli/cli.h": "",
        "vtd/vtd.c": '#include <stdio.h>\n#include "cli/cli.h"\n',
        "vtdctl.c": '#include "cli/cli.h"\n',
    })
    assert r.returncode == 1
    assert 'src/vtd/vtd.c:2: #include "cli/cli.h": goes up' in r.stderr
    assert "vtd -> cli" in r.stdout


def test_an_include_between_peers_fails():
    r = check_tree({"qmp/qmp.h": "", "libvirt/lv.c": '#include "qmp/qmp.h"\n'})
    assert r.returncode == 1
    assert 'src/libvirt/lv.c:1: #include "qmp/qmp.h": goes across' in r.stderr


def test_a_cycle_between_files_fails():
    r = check_tree({"vtd/a.h": '#include "vtd/b.h"\n',
                    "vtd/b.h": '#include "a.h"\n'})
    assert r.returncode == 1
    assert "include cycle between files: vtd/a.h -> vtd/b.h -> vtd/a.h" \
        in r.stderr


def test_a_folder_outside_the_layers_fails():
    r = check_tree({"misc/x.h": "", "vtd/vtd.c": '#include "misc/x.h"\n'})
    assert r.returncode == 1
    assert "folder misc is not in the layer order" in r.stderr


def test_a_tree_that_keeps_its_layers_passes():
    r = check_tree({"source/source.h": "",
                    "vtd/vtd.h": '#include "source/source.h"\n',
                    "vtd/vtd.c": '#include "vtd.h"\n'})
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["source -> (nothing)", "vtd -> source"]
