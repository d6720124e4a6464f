#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Benchmark: CPU used by `vtdctl watch` on a real Linux guest.

Runs `vtdctl --qmp=SOCK watch -i MS` in a tmux window (a real terminal) for
SECONDS per interval, reads the process's utime + stime from /proc/PID/stat
before and after, and the number of refreshes (ticks) and table walks from
the view's own header. Prints figures; asserts nothing about time.

    tests/bench/bench_watch.py [--seconds 60] [--intervals 1000,200] [--mode scalable]
"""

import argparse
import os
import re
import statistics
import shutil
import subprocess
import sys
import tempfile
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "lib"))

from guest import Guest  # noqa: E402

VTDCTL = os.environ.get("VTDCTL") or os.path.join(REPO, "vtdctl")
TCK = os.sysconf("SC_CLK_TCK")


class Tmux:
    def __init__(self):
        self.sock = "vtdctl-bench-watch-%d" % os.getpid()
        self.conf = os.path.join(tempfile.gettempdir(), "vtdctl-bench-watch.conf")
        with open(self.conf, "w") as f:
            f.write("set -g status off\n")

    def __call__(self, *args):
        return subprocess.run(["tmux", "-L", self.sock, "-f", self.conf] + list(args),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              check=True, timeout=10).stdout

    def kill(self):
        subprocess.run(["tmux", "-L", self.sock, "kill-server"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TCK     # utime, stime


def vtdctl_pid(tmux):
    shell = int(tmux("display-message", "-p", "#{pane_pid}").strip())
    for _ in range(100):
        r = subprocess.run(["pgrep", "-P", str(shell), "-x", "vtdctl"],
                           stdout=subprocess.PIPE, text=True)
        if r.stdout.split():
            return int(r.stdout.split()[0])
        time.sleep(0.05)
    raise SystemExit("vtdctl watch did not start")


def counters(tmux):
    """(walks, ticks) from the header's second line"""
    m = re.search(r"(\d+) walks \d+ re-reads (\d+) ticks", tmux("capture-pane", "-p"))
    if not m:
        raise SystemExit("no counters on screen:\n" + tmux("capture-pane", "-p"))
    return int(m.group(1)), int(m.group(2))


def run_one(sock, interval, seconds):
    tmux = Tmux()
    try:
        tmux("new-session", "-d", "-x", "200", "-y", "50", "sh", "-c",
             "%s --qmp=%s watch -i %d; sleep 600" % (VTDCTL, sock, interval))
        pid = vtdctl_pid(tmux)
        time.sleep(2)                       # connected, first walk done
        w0, t0 = counters(tmux)
        c0, start = cpu_seconds(pid), time.monotonic()
        time.sleep(seconds)
        c1, wall = cpu_seconds(pid), time.monotonic() - start
        w1, t1 = counters(tmux)
        tmux("send-keys", "q")
        return c1 - c0, wall, t1 - t0, w1 - w0
    finally:
        tmux.kill()


def rerun_baseline(sock, interval, seconds):
    """What people do today instead: `watch -n INTERVAL vtdctl dump`, one
    whole vtdctl process per refresh. CPU of those children over the same
    window (getrusage), and the number of refreshes."""
    import resource
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    n = 0
    while time.monotonic() - start < seconds:
        subprocess.run([VTDCTL, "--qmp=" + sock, "dump"], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        n += 1
        time.sleep(max(0.0, start + n * interval / 1000 - time.monotonic()))
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    return cpu, time.monotonic() - start, n


def bench_reread(n_pasids, changes):
    """watch on the test guest with n_pasids present PASIDs (one device,
    PDTS=7): the cost of a full walk against that of re-reading the one
    PASID a PASID-selective invalidation names, from the view's own header
    ("walk N ms" after each walk or re-read)."""
    sys.path[:0] = [os.path.join(REPO, "tests", "guest", "vtdguest"),
                    os.path.join(REPO, "tests", "bench")]
    import boot
    import bench_scale
    g = boot.VtdGuest(bench_scale.guest_scenario(n_pasids) + "qi on\n", timeout=600).start()
    tmux = Tmux()
    walk_ms, reread_ms = [], []
    try:
        tmux("new-session", "-d", "-x", "200", "-y", "50", "sh", "-c",
             "%s --qmp=%s watch -i 300; sleep 600" % (VTDCTL, g.qmp_path))
        vtdctl_pid(tmux)
        rx = re.compile(r"walk (\d+) ms  (\d+) walks (\d+) re-reads")
        last = None
        deadline = time.monotonic() + 60
        sent, pending = 0, False
        while time.monotonic() < deadline and (sent < changes or pending or len(walk_ms) < 3):
            m = rx.search(tmux("capture-pane", "-p"))
            if m:
                ms, walks, rereads = map(int, m.groups())
                if last and walks > last[0]:
                    walk_ms.append(ms)
                    pending = False
                elif last and rereads > last[1]:
                    reread_ms.append(ms)
                    pending = False
                last = (walks, rereads)
                if sent < changes and not pending:
                    p = n_pasids + sent
                    g.send("pasid 00:03.0 %d pgtt=pt did=1" % p)
                    g.send("inv pc gran=pasid did=1 pasid=%d" % p)
                    g.send("inv wait")
                    sent, pending = sent + 1, True
            time.sleep(0.05)
        tmux("send-keys", "q")
    finally:
        tmux.kill()
        g.stop()
    print("\nwatch refresh on the test guest, one device, %d present PASIDs (real QEMU)" % n_pasids)
    if walk_ms and reread_ms:
        w, r = statistics.median(walk_ms), statistics.median(reread_ms)
        print("full walk (host side and check's rules too): median %d ms of %d" % (w, len(walk_ms)))
        print("re-read of the one PASID an invalidation names: median %d ms of %d; %.1fx less"
              % (r, len(reread_ms), w / max(r, 1)))
    else:
        print("  not measured: %d walks, %d re-reads seen" % (len(walk_ms), len(reread_ms)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--intervals", default="1000,200")
    ap.add_argument("--mode", default="scalable", choices=["scalable", "legacy"])
    ap.add_argument("--reread-pasids", type=int, default=1 << 18)
    a = ap.parse_args()
    if shutil.which("tmux") is None:
        raise SystemExit("bench_watch: needs tmux")
    with Guest(a.mode) as g:
        print("watch CPU use: Linux %s guest, %s mode, QEMU pid %d; %g s per interval"
              % (g.kernel_version, a.mode, g.pid, a.seconds))
        print("%-10s %8s %8s %7s %6s %16s" % ("interval", "cpu s", "cpu %", "ticks",
                                              "walks", "cpu ms/refresh"))
        base = {}
        for iv in [int(x) for x in a.intervals.split(",")]:
            cpu, wall, ticks, walks = run_one(g.qmp_path, iv, a.seconds)
            print("-i %-7d %8.2f %7.2f%% %7d %6d %16.2f"
                  % (iv, cpu, 100 * cpu / wall, ticks, walks, 1000 * cpu / max(ticks, 1)),
                  flush=True)
            bcpu, bwall, n = rerun_baseline(g.qmp_path, iv, a.seconds)
            base[iv] = (cpu / wall, bcpu / bwall)
            print("%-10s %8.2f %7.2f%% %7d %6d %16.2f   (vtdctl dump every %d ms)"
                  % ("  rerun", bcpu, 100 * bcpu / bwall, n, n, 1000 * bcpu / max(n, 1), iv),
                  flush=True)
        print("cpu s: utime + stime of vtdctl over the window (/proc/PID/stat); "
              "ms/refresh: CPU per tick, walks included;")
        print("rerun: the baseline, one `vtdctl dump` process per refresh (children's getrusage)")
        for iv, (w, b) in base.items():
            print("-i %d: watch uses %.2fx the CPU of rerunning dump" % (iv, w / b if b else 0))
    bench_reread(a.reread_pasids, 6)


if __name__ == "__main__":
    main()
