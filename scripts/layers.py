#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""vtdctl's include graph, checked against its layers (`make layers`).

Reads every `#include "..."` under src/, maps each file to its folder
(src/vtdctl.c is the node "main"), prints the folder-level graph, one line a
folder, lowest layer first, and fails (exit 1, naming the file and the
include) on an include cycle between folders or between files, and on an
include that goes up the layer order below.

    scripts/layers.py [SRCDIR]        (default: the src/ next to scripts/)
"""

import os
import re
import sys

# The layers, lowest first: a folder may include its own layer's files and
# those of the layers below it. Folders on one line are peers and may not
# include each other, unless ALLOWED says so.
LAYERS = """
base
source
vtd
model
qmp libvirt elfcore kdump snapshot
walker
vmm
check
pipeline
trace
output
replay
tui
cli
main
"""

# Includes between peers, (from, to): why.
ALLOWED = {
}

INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"')
SUFFIXES = (".c", ".h")


def layer_of():
    levels = {}
    for i, line in enumerate(filter(None, LAYERS.strip().splitlines())):
        for folder in line.split():
            levels[folder] = i
    return levels


def node(path, srcdir):
    """The folder a file belongs to; files at the top of src/ are main."""
    rel = os.path.relpath(path, srcdir)
    return rel.split(os.sep)[0] if os.sep in rel else "main"


def sources(srcdir):
    for root, dirs, files in os.walk(srcdir):
        dirs.sort()
        for f in sorted(files):
            if f.endswith(SUFFIXES):
                yield os.path.join(root, f)


def resolve(inc, path, srcdir):
    """Where the compiler finds it: beside the includer, then in src/."""
    for base in (os.path.dirname(path), srcdir):
        cand = os.path.normpath(os.path.join(base, inc))
        if os.path.isfile(cand):
            return cand
    return None


def read_includes(srcdir):
    """[(file, line number, include text, resolved file or None)]"""
    edges = []
    for path in sources(srcdir):
        with open(path, encoding="utf-8", errors="replace") as f:
            for n, line in enumerate(f, 1):
                m = INCLUDE.match(line)
                if m:
                    edges.append((path, n, m.group(1),
                                  resolve(m.group(1), path, srcdir)))
    return edges


def find_cycle(graph):
    """One cycle of a {node: set(nodes)} graph as a list of nodes, or None."""
    state = {}
    stack = []

    def visit(v):
        state[v] = 1
        stack.append(v)
        for w in sorted(graph.get(v, ())):
            if state.get(w) == 1:
                return stack[stack.index(w):] + [w]
            if w not in state:
                found = visit(w)
                if found:
                    return found
        stack.pop()
        state[v] = 2
        return None

    for v in sorted(graph):
        if v not in state:
            found = visit(v)
            if found:
                return found
    return None


def at(path, n, inc, srcdir):
    """An include as file:line: text, the file named from the top."""
    top = os.path.dirname(srcdir)
    return '%s:%d: #include "%s"' % (os.path.relpath(path, top), n, inc)


def where(edges, a, b, srcdir, key):
    """The first include that makes the edge a -> b."""
    for path, n, inc, target in edges:
        if target and key(path) == a and key(target) == b:
            return at(path, n, inc, srcdir)
    return "?"


def upward(src, dst, levels):
    """Why src may not include dst, or None when it may."""
    if src == dst or (src, dst) in ALLOWED:
        return None
    if levels[dst] > levels[src]:
        return "goes up: %s is above %s" % (dst, src)
    if levels[dst] == levels[src]:
        return "goes across: %s and %s are peers" % (src, dst)
    return None


def check(srcdir):
    levels = layer_of()
    edges = read_includes(srcdir)
    folder = lambda p: node(p, srcdir)
    errors = []
    files = {path: set() for path in sources(srcdir)}
    folders = {folder(path): set() for path in files}

    for path, n, inc, target in edges:
        if target is None:
            continue
        files[path].add(target)
        src, dst = folder(path), folder(target)
        for f in (src, dst):
            if f not in levels:
                errors.append("%s: folder %s is not in the layer order"
                              % (at(path, n, inc, srcdir), f))
        if src in levels and dst in levels:
            why = upward(src, dst, levels)
            if why:
                errors.append("%s: %s" % (at(path, n, inc, srcdir), why))
        if src != dst:
            folders[src].add(dst)

    for name, graph, key in (("folders", folders, folder),
                             ("files", files, lambda p: p)):
        cyc = find_cycle(graph)
        if cyc:
            rel = [c if name == "folders" else os.path.relpath(c, srcdir)
                   for c in cyc]
            errors.append("%s: include cycle between %s: %s" % (
                where(edges, cyc[0], cyc[1], srcdir, key), name,
                " -> ".join(rel)))
    return folders, levels, errors


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    srcdir = os.path.abspath(argv[1] if len(argv) > 1
                             else os.path.join(here, "..", "src"))
    folders, levels, errors = check(srcdir)
    order = lambda f: (levels.get(f, len(levels)), f)
    for f in sorted(folders, key=order):
        deps = " ".join(sorted(folders[f], key=order))
        print("%s -> %s" % (f, deps or "(nothing)"))
    for e in dict.fromkeys(errors):
        print("layers: " + e, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
