#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Benchmark: what `vtdctl record` costs on a real Linux guest, beside watch.

Boots the Linux guest (tests/lib/guest.py), runs `vtdctl --qmp=SOCK record
-i 1000 --duration=SECONDS` and reads its CPU time (utime + stime, wait4's
rusage), then `vtdctl watch -i 1000` for the same SECONDS in tmux
(tests/bench/bench_watch.py's run_one, /proc/PID/stat), and prints both with
the trace's size: bytes of the first keyframe, of everything after it, and
bytes per hour (the deltas and events at this rate, plus the periodic
keyframes, one per --keyframe seconds, default 600). Prints figures; asserts
nothing.

    tests/bench/bench_record.py [--seconds 120] [--interval 1000] [--mode scalable]
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "lib"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from guest import Guest  # noqa: E402

VTDCTL = os.environ.get("VTDCTL") or os.path.join(REPO, "vtdctl")
KEYFRAME_S = 600


def record(sock, path, interval, seconds):
    """CPU seconds and wall seconds of one recording, and its summary"""
    start = time.monotonic()
    p = subprocess.Popen([VTDCTL, "--qmp=" + sock, "-j", "record", "-o", path,
                          "-i", str(interval), "--duration=%g" % seconds],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - start
    out, err = p.stdout.read(), p.stderr.read()
    if status:
        raise SystemExit("record failed (%d): %s" % (status, err))
    return ru.ru_utime + ru.ru_stime, wall, json.loads(out)


def line_sizes(path):
    with open(path, "rb") as f:
        return [(json.loads(l).get("type", "header"), len(l)) for l in f]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=120)
    ap.add_argument("--interval", type=int, default=1000)
    ap.add_argument("--mode", default="scalable", choices=["scalable", "legacy"])
    a = ap.parse_args()
    d = tempfile.mkdtemp(prefix="vtdctl-bench-record-")
    try:
        with Guest(a.mode, timeout=900) as g:
            print("record vs watch: Linux %s guest, %s mode, -i %d, %g s each"
                  % (g.kernel_version, a.mode, a.interval, a.seconds), flush=True)
            path = os.path.join(d, "g.trace")
            cpu, wall, summary = record(g.qmp_path, path, a.interval, a.seconds)
            sizes = line_sizes(path)
            first_key = next(n for t, n in sizes if t == "keyframe")
            rest = sum(n for _, n in sizes) - first_key - sizes[0][1]
            per_hour = rest / wall * 3600 + first_key * 3600 / KEYFRAME_S
            print("%-8s %8s %8s %8s %s" % ("", "cpu s", "cpu %", "samples", "ms cpu/sample"))
            print("%-8s %8.2f %7.3f%% %8d %13.2f" % ("record", cpu, 100 * cpu / wall,
                                                     summary["samples"],
                                                     1000 * cpu / max(summary["samples"], 1)),
                  flush=True)
            if shutil.which("tmux"):
                from bench_watch import run_one
                wcpu, wwall, ticks, walks = run_one(g.qmp_path, a.interval, a.seconds)
                print("%-8s %8.2f %7.3f%% %8d %13.2f   (%d walks)"
                      % ("watch", wcpu, 100 * wcpu / wwall, ticks,
                         1000 * wcpu / max(ticks, 1), walks))
                print("record uses %.1fx the CPU of watch"
                      % ((cpu / wall) / (wcpu / wwall) if wcpu else float("inf")))
            else:
                print("watch: not measured (needs tmux)")
            print("trace: %d bytes in %.0f s: header %d, first keyframe %d, then %d bytes "
                  "(%d deltas, %d events)" % (summary["bytes"], wall, sizes[0][1], first_key,
                                              rest, summary["deltas"], summary["events"]))
            print("bytes per hour: %.0f (%.2f MB: the deltas at this rate, %d B/h, and a "
                  "keyframe every %d s, %d B/h)"
                  % (per_hour, per_hour / 1e6, rest / wall * 3600, KEYFRAME_S,
                     first_key * 3600 / KEYFRAME_S))
    finally:
        shutil.rmtree(d, True)


if __name__ == "__main__":
    main()
