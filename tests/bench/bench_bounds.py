#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Benchmark: the bounds (README "Bounds") on the hostile inputs that set
them, generated here (tests/hostile/mkcore.py): time, peak RSS and output
size of each run, next to the bound the README states and a baseline run in
the same process tree. Prints figures and ratios; asserts nothing.

    tests/bench/bench_bounds.py [--reps N] [--pasids N]
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path[:0] = [os.path.join(REPO, "tests", "hostile"), os.path.join(REPO, "tests", "bench")]
import mkcore  # noqa: E402
from bench_scale import pasid_record_bytes  # noqa: E402

VTDCTL = os.environ.get("VTDCTL") or os.path.join(REPO, "vtdctl")


def run_child(argv, out_path):
    """(seconds, peak RSS MiB, exit status, output bytes, CPU seconds):
    stdout to out_path; RSS and CPU from /usr/bin/time (the child's own, not
    this process's). CPU is what a loaded machine does not inflate."""
    t0 = time.perf_counter()
    with open(out_path, "wb") as out:
        r = subprocess.run(["/usr/bin/time", "-f", "@RSS %M %U %S"] + argv, stdout=out,
                           stderr=subprocess.PIPE, text=True)
    secs = time.perf_counter() - t0
    rss = [l for l in r.stderr.splitlines() if l.startswith("@RSS ")]
    cpu = sum(float(x) for x in rss[-1].split()[2:4]) if rss else float("nan")
    rc = r.returncode
    for l in r.stderr.splitlines():
        if l.startswith("Command exited with non-zero status"):
            rc = int(l.split()[-1])
    size = os.path.getsize(out_path)
    return secs, int(rss[-1].split()[1]) / 1024 if rss else float("nan"), rc, size, cpu


def measure(argv, reps, tmp):
    out = os.path.join(tmp, "out")
    runs = [run_child(argv, out) for _ in range(reps)]
    os.unlink(out)
    return (statistics.median(r[0] for r in runs), max(r[1] for r in runs), runs[-1][2],
            runs[-1][3], statistics.median(r[4] for r in runs))


def header(title):
    print("\n" + title, flush=True)
    print("%-52s %8s %8s %8s %5s %12s  %s" % ("run", "seconds", "CPU s", "RSS MiB", "exit",
                                              "output B", "note"))


def row(name, m, note=""):
    secs, rss, rc, size, cpu = m
    print("%-52s %8.3f %8.3f %8.1f %5d %12d  %s" % (name, secs, cpu, rss, rc, size, note),
          flush=True)


def write(tmp, name, built):
    mem, rt = built
    return ["--core=" + mkcore.write_core(os.path.join(tmp, name), mem), "--rtaddr=0x%x" % rt]


def bench_bad_pasids(n, reps, tmp):
    header("%d present PASID entries, every one wrong (2 findings each)" % n)
    t = write(tmp, "bad.core", mkcore.bad_pasids(n))
    m = measure([VTDCTL] + t + ["check"], reps, tmp)
    row("check", m, "bound 0.5 s: %.2fx of it (CPU %.2fx)" % (m[0] / 0.5, m[4] / 0.5))
    for args in (["--all-findings", "check"], ["--all-findings", "-j", "check"]):
        s = measure([VTDCTL] + t + args, 1, tmp)
        row(" ".join(args) + " (streamed)", s, "%d findings; %.2fx the RSS of check (before,"
            " held: 1.3 GiB text, 4.0 GiB JSON)" % (2 * n + 1, s[1] / m[1]))
    m = measure([VTDCTL] + t + ["-j", "dump"], reps, tmp)
    row("-j dump", m, "bound 2 s: %.2fx of it (CPU %.2fx)" % (m[0] / 2, m[4] / 2))
    s = measure([VTDCTL] + t + ["--all-findings", "-j", "dump"], 1, tmp)
    row("--all-findings -j dump (streamed)", s, "%.2fx the RSS of -j dump (before, held: 758 MiB)"
        % (s[1] / m[1]))
    model = pasid_record_bytes(tmp) * n / 2 ** 20
    print("  model: %d PASID records, %.0f MiB; RSS beyond it: %.1f MiB (bound < 64)"
          % (n, model, m[1] - model))
    m = measure([VTDCTL] + t + ["dump"], reps, tmp)
    row("dump (text)", m)


def bench_selfref(n, reps, tmp, snapshot_only=False):
    header("one page-table page whose 512 entries point at itself, shared by %d PASIDs" % n)
    t = write(tmp, "selfref-%d.core" % n, mkcore.selfref_pagetable(n))
    if not snapshot_only:
        base = measure([VTDCTL] + t + ["dump"], reps, tmp)
        row("baseline: dump without --pages", base)
        for args in (["dump", "--pages"], ["-j", "dump", "--pages"]):
            m = measure([VTDCTL] + t + args, reps, tmp)
            row(" ".join(args), m, "bound 1 s: %.2fx of it (CPU %.2fx); %.1fx the baseline's time"
                % (m[0], m[4], m[0] / base[0]))
    snap = os.path.join(tmp, "selfref.snap")
    base = measure([VTDCTL] + t + ["-o", snap, "snapshot"], 1, tmp)
    row("baseline: snapshot without --pages", base)
    m = measure([VTDCTL] + t + ["-o", snap, "snapshot", "--pages"], reps, tmp)
    row("snapshot --pages", m, "file %d B; %.1fx the baseline's time (before: ~50 ms a PASID)"
        % (os.path.getsize(snap), m[0] / base[0]))


def bench_pt_pages(n, reps, tmp):
    header("one PASID whose page table has %d full leaf tables" % n)
    t = write(tmp, "pt.core", mkcore.many_pt_pages(n))
    snap = os.path.join(tmp, "pt.snap")
    base = measure([VTDCTL] + t + ["-j", "dump", "--pages"], 1, tmp)
    row("baseline: -j dump --pages of the core", base, "2^20 ranges listed (--max-ranges)")
    m = measure([VTDCTL] + t + ["-o", snap, "snapshot", "--pages"], reps, tmp)
    row("snapshot --pages (32768 table pages at most)", m, "file %.1f MiB"
        % (os.path.getsize(snap) / 2 ** 20 if os.path.exists(snap) else 0))
    m = measure([VTDCTL] + t + ["-o", snap, "--max-entries=%d" % (1 << 26), "snapshot",
                                "--pages"], reps, tmp)
    size = os.path.getsize(snap) if os.path.exists(snap) else 0
    words = n * 512 * 8 / 2 ** 20
    row("snapshot --pages --max-entries=2^26 (every table)", m,
        "file %.1f MiB (limit 256); RSS %.1fx the pages' %.0f MiB of words"
        " (before: 4.4 GB, a 291 MB file refused)" % (size / 2 ** 20, m[1] / words, words))
    if size:
        rt = t[1]
        m = measure([VTDCTL, "--snapshot=" + snap, rt, "-j", "dump", "--pages"], 1, tmp)
        row("the snapshot read back: -j dump --pages", m, "%.1fx the core's time"
            % (m[0] / base[0]))


def bench_diff(n, tmp):
    header("diff of two snapshots with %d findings each (--all-findings), one PASID apart" % (2 * n))
    a, b = os.path.join(tmp, "a.snap"), os.path.join(tmp, "b.snap")
    ta = write(tmp, "da.core", mkcore.bad_pasids(n))
    mem, rt = mkcore.bad_pasids(n)
    mem.fill(0x2000000, 8, 0)          # PASID 0 not present: one PASID removed
    tb = write(tmp, "db.core", (mem, rt))
    for t, s in ((ta, a), (tb, b)):
        subprocess.run([VTDCTL] + t + ["--all-findings", "-o", s, "snapshot"],
                       stdout=subprocess.DEVNULL, check=True)
    base = measure([VTDCTL, "--snapshot=" + a, ta[1], "--all-findings", "-j", "dump"], 1, tmp)
    row("baseline: -j dump --all-findings of one side", base)
    m = measure([VTDCTL, ta[1], "--all-findings", "diff", a, b], 1, tmp)
    row("diff --all-findings", m, "%.1fx the baseline (before: 16k findings 45 s)"
        % (m[0] / base[0]))


def bench_snapshot_of_braces(tmp):
    header("a 40 MB snapshot of empty objects")
    path = os.path.join(tmp, "braces.snap")
    with open(path, "w") as f:
        f.write("[" + "{}," * ((40 << 20) // 3) + "{}]")
    m = measure([VTDCTL, "--snapshot=" + path, "dump"], 1, tmp)
    row("--snapshot= dump (refused)", m, "before: over 6 GiB in json-c")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--pasids", type=int, default=1 << 20)
    ap.add_argument("--pt-tables", type=int, default=41045)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="vtdctl-bench-", dir="/var/tmp") as tmp:
        bench_bad_pasids(a.pasids, a.reps, tmp)
        bench_selfref(64, a.reps, tmp)
        bench_selfref(a.pasids, 1, tmp, snapshot_only=True)
        bench_pt_pages(a.pt_tables, 1, tmp)
        bench_diff(1 << 15, tmp)
        bench_snapshot_of_braces(tmp)
    print("\nnot measured here: check --all over 64 libvirt domains (fleet scale)")


if __name__ == "__main__":
    main()
