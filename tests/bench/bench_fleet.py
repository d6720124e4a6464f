#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Benchmark: `vtdctl check --all` over a fleet of domains on one private
libvirtd (tests/lib/libvirtd.py, tests/lib/fleet.py: the test guest halted
after its scenario, 32 MiB each), against one `check --vm=NAME` in the same
run. Prints the fleet's cost to the host (start time, RSS, idle CPU), then
wall time of `check --all` (median of --reps) for several VTDCTL_ALL_JOBS
widths, per VM, and the ratio to one check. Asserts nothing (README "Bounds":
64 VMs `check --all` < 2 s).

    tests/bench/bench_fleet.py [--vms 64] [--reps 3] [--jobs 1,4,8,16]
"""

import argparse
import os
import statistics
import subprocess
import sys
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path[:0] = [os.path.join(REPO, "tests", "lib")]
from fleet import Fleet  # noqa: E402
from libvirtd import Libvirtd  # noqa: E402

VTDCTL = os.environ.get("VTDCTL") or os.path.join(REPO, "vtdctl")


def timed(argv, env=None):
    t0 = time.perf_counter()
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=dict(os.environ, **(env or {})))
    return time.perf_counter() - t0, r


def cpu_seconds(pids):
    """utime + stime of these processes (all threads), in seconds."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            with open("/proc/%d/stat" % pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except OSError:
            pass
    return total / tick


def rss_mib(pids):
    total = 0
    for pid in pids:
        try:
            with open("/proc/%d/status" % pid) as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def median_run(argv, reps, env=None):
    runs = [timed(argv, env) for _ in range(reps)]
    return statistics.median(t for t, _ in runs), runs[-1][1]


def main():
    import unittest
    try:
        run_bench()
    except unittest.SkipTest as e:       # not root, or no libvirtd installed
        print("fleet: skipped: %s" % e)


def run_bench():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vms", type=int, default=64)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--jobs", default="1,4,8,16")
    ap.add_argument("--idle-seconds", type=float, default=10)
    a = ap.parse_args()
    print("\nfleet: check --all over %d domains of the test guest on one libvirtd" % a.vms,
          flush=True)
    with Libvirtd() as d:
        t0 = time.perf_counter()
        f = Fleet(d, a.vms).start()
        started = time.perf_counter() - t0
        pids = [d.pid_of(n) for n in f.names]
        cpu0 = cpu_seconds(pids)
        time.sleep(a.idle_seconds)
        idle = (cpu_seconds(pids) - cpu0) / a.idle_seconds
        print("  %d domains started and programmed in %.1f s; QEMU RSS %.0f MiB in all "
              "(%.1f MiB each); idle CPU of all QEMUs %.1f %% of one core; load %s"
              % (a.vms, started, rss_mib(pids), rss_mib(pids) / a.vms, 100 * idle,
                 open("/proc/loadavg").read().split()[0]), flush=True)
        base = [VTDCTL, "-c", d.uri]
        one, r = median_run(base + ["--vm=" + f.names[1], "check"], max(a.reps, 5))
        print("  %-44s %8.3f s  (exit %d)" % ("one check --vm=" + f.names[1], one, r.returncode))
        one_nm, r = median_run(base + ["--vm=" + f.names[1], "--no-monitor", "check"],
                               max(a.reps, 5))
        print("  %-44s %8.3f s  (exit %d)" % ("one check --vm --no-monitor", one_nm,
                                              r.returncode), flush=True)
        lv = [d.proc.pid]
        for jobs in [int(x) for x in a.jobs.split(",")] + [None]:
            env = {"VTDCTL_ALL_JOBS": str(jobs)} if jobs else {}
            label = "check --all, %s" % ("VTDCTL_ALL_JOBS=%d" % jobs if jobs else "default jobs")
            cpu_before = os.times()
            lv0, q0 = cpu_seconds(lv), cpu_seconds(pids)
            t, r = median_run(base + ["--all", "check"], a.reps, env)
            cpu_after = os.times()
            child_cpu = ((cpu_after.children_user - cpu_before.children_user)
                         + (cpu_after.children_system - cpu_before.children_system)) / a.reps
            lv_cpu = (cpu_seconds(lv) - lv0) / a.reps
            q_cpu = (cpu_seconds(pids) - q0) / a.reps
            heads = [l for l in r.stdout.decode(errors="replace").splitlines()
                     if l and not l.startswith(" ")]
            print("  %-44s %8.3f s  %6.1f ms a VM  %5.1fx one check  (exit %d, %d domains "
                  "reported)%s" % (label, t, 1000 * t / a.vms, t / one, r.returncode, len(heads),
                                   "  bound 2 s: %.2fx" % (t / 2) if a.vms == 64 else ""))
            print("  %-44s CPU %.2f s in all: vtdctl %.2f, libvirtd %.2f, the QEMUs %.2f "
                  "(%.1f ms a VM; on %d idle cores at least %.2f s); load %s"
                  % ("", child_cpu + lv_cpu + q_cpu, child_cpu, lv_cpu, q_cpu,
                     1000 * (child_cpu + lv_cpu + q_cpu) / a.vms, os.cpu_count(),
                     (child_cpu + lv_cpu + q_cpu) / os.cpu_count(),
                     open("/proc/loadavg").read().split()[0]), flush=True)
        f.stop()


if __name__ == "__main__":
    main()
