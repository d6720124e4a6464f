#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Benchmark: vtdctl at scale, figures and ratios measured in this run
(never pass/fail; the issue's targets are printed next to them).

  1. the test guest (tests/guest/vtdguest) on a real QEMU with one device at
     PDTS=7 and 2^16 present PASIDs: walk time over /proc/PID/mem and over
     xp, peak RSS;
  2. a synthetic core (tests/hostile/mkcore.py) with 2^20 present PASIDs:
     walk + check time (text and JSON), peak RSS;
  3. root-table discovery over a sparse multi-GiB synthetic core: GB/s.

    tests/bench/bench_scale.py [--reps N] [--gib G] [--guest-pasids N] [--core-pasids N]
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path[:0] = [os.path.join(REPO, "tests", "hostile"),
                os.path.join(REPO, "tests", "guest", "vtdguest"), os.path.join(REPO, "tests", "lib")]
import mkcore  # noqa: E402

VTDCTL = os.environ.get("VTDCTL") or os.path.join(REPO, "vtdctl")


def run_child(argv):
    """(seconds, peak RSS MiB, exit status) of one run, output discarded.
    RSS from /usr/bin/time: a child forked by this (large) python process
    would report the parent's pages as its own peak."""
    t0 = time.perf_counter()
    r = subprocess.run(["/usr/bin/time", "-f", "@RSS %M"] + argv, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, text=True)
    secs = time.perf_counter() - t0
    rss = [l for l in r.stderr.splitlines() if l.startswith("@RSS ")]
    rc = r.returncode
    for l in r.stderr.splitlines():
        if l.startswith("Command exited with non-zero status"):
            rc = int(l.split()[-1])
    return secs, int(rss[-1].split()[1]) / 1024 if rss else float("nan"), rc


def best_of(argv, reps):
    runs = [run_child(argv) for _ in range(reps)]
    return statistics.median(r[0] for r in runs), max(r[1] for r in runs), runs[-1][2]


def row(name, secs, rss, rc, note=""):
    print("%-48s %9.3f %9.1f %5d  %s" % (name, secs, rss, rc, note), flush=True)


def header(title):
    print("\n" + title)
    print("%-48s %9s %9s %5s  %s" % ("run", "seconds", "RSS MiB", "exit", "note"))


def guest_scenario(n):
    lines = ["#! device edu,addr=3.0", "mode scalable", "root 0x800000", "heap 0x1000000",
             "ctx 00:03.0 pdts=7 rid_pasid=0 dir=0x900000",
             # one line programs PASIDs 0 .. n-1 (vtdguest's count=)
             "pasid 00:03.0 0 pgtt=pt did=1 count=%d" % n,
             "enable"]
    return "\n".join(lines) + "\n"


def bench_guest(n, reps):
    import boot
    t0 = time.monotonic()
    try:
        g = boot.VtdGuest(guest_scenario(n), timeout=600).start()
    except Exception as e:
        print("  could not program it: %s" % str(e).splitlines()[0])
        return
    try:
        assert not g.boot_errors, g.boot_errors[:3]
        header("test guest: one device at PDTS=7, %d present PASIDs (real QEMU)" % n)
        print("  programming %d PASIDs took %.1f s (guest boot included)"
              % (n, time.monotonic() - t0))
        for access in ([], ["--no-proc-mem"]):
            s, rss, rc = best_of([VTDCTL, "--qmp=" + g.qmp_path] + access + ["dump"], reps)
            row("vtdctl dump (%s)" % ("xp" if access else "proc-mem"), s, rss, rc)
        s, rss, rc = best_of([VTDCTL, "--qmp=" + g.qmp_path, "-j", "dump"], reps)
        row("vtdctl -j dump (proc-mem)", s, rss, rc)
        s, rss, rc = best_of([VTDCTL, "--qmp=" + g.qmp_path, "check"], reps)
        row("vtdctl check (proc-mem)", s, rss, rc)
        # the walk and checks alone, against the least a reader of the same
        # pages must do (the pages this walk reads, from a snapshot of it)
        import json
        import bench_walk
        snap = os.path.join(tempfile.gettempdir(), "vtdctl-bench-%d.snap" % os.getpid())
        subprocess.run([VTDCTL, "--qmp=" + g.qmp_path, "--no-host", "snapshot", "-o", snap],
                       check=True, stdout=subprocess.DEVNULL)
        with open(snap) as f:
            pages = [(int(p["gpa"], 16), 512) for p in json.load(f)["pages"]]
        os.unlink(snap)
        t_min = statistics.median(bench_walk.minimal_proc_mem_reader(g.qmp_path, g.proc.pid, pages)
                                  for _ in range(reps))
        s, rss, rc = best_of([VTDCTL, "--qmp=" + g.qmp_path, "--no-host", "check"], reps)
        row("vtdctl --no-host check (proc-mem)", s, rss, rc,
            "/ minimal reader of its %d pages (%.1f ms): %.1fx (target <= 3x)"
            % (len(pages), t_min * 1e3, s / t_min))
    finally:
        g.stop()


def pasid_record_bytes(tmp):
    """sizeof(struct vtd_pasid_rec), the model's cost of one PASID, from the
    project's own header through the C compiler (0 if none is at hand)."""
    c = os.path.join(tmp, "sz.c")
    with open(c, "w") as f:
        f.write('#include <stdio.h>\n#include "model/model.h"\n'
                'int main(void) { printf("%zu", sizeof(struct vtd_pasid_rec)); return 0; }\n')
    cflags = subprocess.run(["pkg-config", "--cflags", "json-c"], stdout=subprocess.PIPE,
                            text=True).stdout.split()
    r = subprocess.run(["cc", "-I" + os.path.join(REPO, "src")] + cflags +
                       ["-o", c[:-2], c], stderr=subprocess.DEVNULL)
    if r.returncode:
        return 0
    return int(subprocess.run([c[:-2]], stdout=subprocess.PIPE, text=True).stdout)


def bench_core(n, reps, tmp):
    header("synthetic core: one device at PDTS=7, %d present PASIDs" % n)
    mem, rt = mkcore.many_pasids(n)
    path = mkcore.write_core(os.path.join(tmp, "pasids.core"), mem)
    size = os.path.getsize(path)
    base = [VTDCTL, "--core=" + path, "--rtaddr=0x%x" % rt]
    s0, rss0, _ = best_of([VTDCTL, "version"], reps)
    row("vtdctl version (process start)", s0, rss0, 0)
    s, rss, rc = best_of(base + ["dump"], reps)
    row("vtdctl dump (walk + checks, text)", s, rss, rc,
        "target < 0.5 s: %.2fx of it" % (s / 0.5))
    s, rss, rc = best_of(base + ["check"], reps)
    row("vtdctl check", s, rss, rc)
    s, rssj, rc = best_of(base + ["-j", "dump"], 1)
    row("vtdctl -j dump (JSON)", s, rssj, rc)
    model = pasid_record_bytes(tmp) * n / 2 ** 20
    print("  core file %.0f MiB (mapped; pages given back as they are read); model: %d PASID "
          "records, %.0f MiB; RSS beyond the model: %.1f MiB (target < 64)"
          % (size / 2 ** 20, n, model, rss - model))


def bench_scan(gib, reps, tmp):
    header("root-table discovery over a sparse %d GiB core" % gib)
    mem, rt = mkcore.big_sparse(gib)
    path = mkcore.write_core(os.path.join(tmp, "big.core"), mem)
    ram = sum(size for _, size in mem.ram)
    with open(path, "rb") as f:          # page cache warm: reading is not the disk
        while f.read(64 << 20):
            pass
    s, rss, rc = best_of([VTDCTL, "--core=" + path, "dump"], reps)
    row("vtdctl dump (scan + walk)", s, rss, rc,
        "%.2f GB/s of RAM scanned (target >= 1)" % (ram / s / 1e9))
    s2, rss2, rc2 = best_of([VTDCTL, "--core=" + path, "--rtaddr=0x%x" % rt, "dump"], reps)
    row("vtdctl dump --rtaddr (no scan)", s2, rss2, rc2)
    t0 = time.perf_counter()
    with open(path, "rb") as f:
        while f.read(16 << 20):
            pass
    raw = time.perf_counter() - t0
    row("raw read of the core file (python, 16 MiB reads)", raw, 0, 0,
        "%.2f GB/s; vtdctl scan / raw read %.1fx" % (ram / raw / 1e9, s / raw))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--gib", type=int, default=4)
    ap.add_argument("--guest-pasids", type=int, default=1 << 16)
    ap.add_argument("--core-pasids", type=int, default=1 << 20)
    ap.add_argument("--skip-guest", action="store_true")
    ap.add_argument("--only-guest", action="store_true")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="vtdctl-bench-", dir="/var/tmp") as tmp:
        if not a.only_guest:
            bench_core(a.core_pasids, a.reps, tmp)
            bench_scan(a.gib, a.reps, tmp)
    if not a.skip_guest:
        bench_guest(a.guest_pasids, a.reps)



if __name__ == "__main__":
    main()
