#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Benchmark: walking a real Linux guest's VT-d tables, vtdctl against the
naive walker (one `xp` per 4 KiB table over QMP, the way a support engineer
scripts it today: tests/lib/xpwalk.py), measured in the same run on the same
guest. Prints figures and ratios; asserts nothing about time.

    tests/bench/bench_walk.py [--reps N] [--mode scalable|legacy]
"""

import argparse
import os
import re
import statistics
import subprocess
import sys
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "lib"))

import xpwalk  # noqa: E402
from guest import Guest  # noqa: E402
from qmp import QMP  # noqa: E402

VTDCTL = os.environ.get("VTDCTL") or os.path.join(REPO, "vtdctl")


READS = []      # (addr, qwords) of the naive walker's last run


def naive_walk(sock):
    """Connect, read RTADDR, walk one xp per table; returns (calls, devices)."""
    calls = 0
    del READS[:]
    with QMP(sock) as q:
        def read(addr, n):
            nonlocal calls
            calls += 1
            READS.append((addr, n))
            out = q.hmp("xp /%dgx 0x%x" % (n, addr))
            vals = [int(v, 16) for v in re.findall(r"0x[0-9a-f]{16}", out)]
            assert len(vals) == n, out
            return vals

        rtaddr = read(0xFED90020, 1)[0]
        walk = xpwalk.walk(read, rtaddr)
    return calls, len(walk["devices"])


def naive_command(sock):
    """The naive walker as the command a support engineer runs: a python3
    process of its own (this file with --naive), like each vtdctl run."""
    r = subprocess.run([sys.executable, os.path.abspath(__file__), "--naive", sock],
                       stdout=subprocess.PIPE, text=True, check=True)
    calls, ndev = r.stdout.split()
    return int(calls), int(ndev)


def vtdctl_walk(sock, *opts):
    r = subprocess.run([VTDCTL, "--qmp=" + sock, "-v", "dump", *opts],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       text=True, check=False)
    m = re.search(r"memory read through (\S+), (\d+) QMP", r.stderr)
    if r.returncode not in (0, 2) or not m:
        raise SystemExit("vtdctl failed (%d): %s" % (r.returncode, r.stderr))
    return int(m.group(2)), m.group(1)


def raw_xp(sock):
    """Only the reads: the same xp commands over one open connection, the
    text not even parsed."""
    with QMP(sock) as q:
        t0 = time.perf_counter()
        for addr, n in READS:
            q.hmp("xp /%dgx 0x%x" % (n, addr))
        return time.perf_counter() - t0


def raw_proc_mem(sock, pid):
    """Only the reads: the same guest RAM bytes with pread on /proc/PID/mem
    (host addresses looked up with gpa2hva first, not timed)."""
    with QMP(sock) as q:
        hvas = []
        for addr, n in READS:
            if addr >= 0xFED90000 and addr < 0xFEDA0000:
                continue                    # registers: not RAM
            m = re.search(r"is (0x[0-9a-f]+)", q.hmp("gpa2hva 0x%x" % addr))
            hvas.append((int(m.group(1), 16), 8 * n))
    fd = os.open("/proc/%d/mem" % pid, os.O_RDONLY)
    try:
        t0 = time.perf_counter()
        for hva, size in hvas:
            os.pread(fd, size, hva)
        return time.perf_counter() - t0
    finally:
        os.close(fd)


def minimal_proc_mem_reader(sock, pid, reads=None):
    """The least any reader of the same bytes through /proc/PID/mem must do,
    timed whole: connect and negotiate QMP, one gpa2hva for the RAM piece
    above 1 MiB (every table of these guests is there), one pread per table.
    No registers, no RAM map, no checks, no walk. reads: (gpa, qwords)
    pairs, default the naive walker's last run."""
    t0 = time.perf_counter()
    with QMP(sock) as q:
        m = re.search(r"is (0x[0-9a-f]+)", q.hmp("gpa2hva 0x100000"))
        base = int(m.group(1), 16)
        fd = os.open("/proc/%d/mem" % pid, os.O_RDONLY)
        try:
            for addr, n in READS if reads is None else reads:
                if addr >= 0x100000 and not 0xFED90000 <= addr < 0xFEDA0000:
                    os.pread(fd, 8 * n, base + addr - 0x100000)
        finally:
            os.close(fd)
    return time.perf_counter() - t0


def timed(fn, reps):
    times, res = [], None
    for _ in range(reps):
        t0 = time.perf_counter()
        res = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--mode", default="scalable")
    ap.add_argument("--naive", metavar="SOCK", help="run the naive walker once, print calls and devices")
    a = ap.parse_args()
    if a.naive:
        print("%d %d" % naive_walk(a.naive))
        return
    with Guest(a.mode) as g:
        t_naive, (c_naive, ndev) = timed(lambda: naive_walk(g.qmp_path), a.reps)
        t_ncmd, (c_ncmd, _) = timed(lambda: naive_command(g.qmp_path), a.reps)
        # like for like with the naive walker: the guest's tables only
        t_xp, (c_xp, p_xp) = timed(lambda: vtdctl_walk(g.qmp_path, "--no-host",
                                                       "--no-proc-mem"), a.reps)
        t_mem, (c_mem, p_mem) = timed(lambda: vtdctl_walk(g.qmp_path, "--no-host"), a.reps)
        # and the whole dump: host side (QEMU's address spaces) and VMM facts
        t_full, (c_full, p_full) = timed(lambda: vtdctl_walk(g.qmp_path), a.reps)
        # these time themselves: only the reads, not the connection or the gpa2hva lookups
        t_rxp = statistics.median(raw_xp(g.qmp_path) for _ in range(a.reps))
        t_rmem = statistics.median(raw_proc_mem(g.qmp_path, g.pid) for _ in range(a.reps))
        t_rmin = statistics.median(minimal_proc_mem_reader(g.qmp_path, g.pid)
                                   for _ in range(a.reps))
        t_start, _ = timed(lambda: subprocess.run([VTDCTL, "version"], stdout=subprocess.DEVNULL),
                           a.reps)
    print("guest: Linux %s, %s mode, %d devices with a context entry; median of %d runs"
          % (g.kernel_version, a.mode, ndev, a.reps))
    print("%-38s %10s %10s %12s %12s" % ("walker", "wall ms", "QMP calls", "time ratio", "call ratio"))
    rows = [("naive (one xp per table, python)", t_naive, c_naive),
            ("naive, as a command (python3 process)", t_ncmd, c_ncmd),
            ("vtdctl --no-host (%s)" % p_xp, t_xp, c_xp),
            ("vtdctl --no-host (%s)" % p_mem, t_mem, c_mem),
            ("vtdctl, host side too (%s)" % p_full, t_full, c_full)]
    for name, t, c in rows:
        print("%-38s %10.1f %10d %11.1fx %11.1fx" % (name, t * 1e3, c, t_naive / t, c_naive / c))
    print("(ratios: naive / row; higher is better; every vtdctl row is a process of its own,")
    print(" so the like-for-like time ratio is against the naive walker run as a command:")
    for name, t, c in rows[2:]:
        print("   %-36s %.1fx" % (name, t_ncmd / t))
    nbytes = sum(8 * n for _, n in READS)
    print("\ncost of just reading the same %d tables (%d KiB), no walk, no parsing:"
          % (len(READS), nbytes // 1024))
    print("%-34s %10.1f   vtdctl (xp) / this: %.1fx" % ("raw xp over one QMP connection",
                                                          t_rxp * 1e3, t_xp / t_rxp))
    print("%-34s %10.3f   vtdctl (proc-mem) / this: %.1fx (target <= 3x)"
          % ("raw pread of /proc/PID/mem", t_rmem * 1e3, t_mem / t_rmem))
    print("%-34s %10.3f   vtdctl (proc-mem) / this: %.1fx (target <= 3x)"
          % ("minimal reader: QMP + gpa2hva + pread", t_rmin * 1e3, t_mem / t_rmin))
    print("%-34s %10.1f   (exec + dynamic linking of vtdctl: in every vtdctl row)"
          % ("vtdctl version", t_start * 1e3))
    print("vtdctl (proc-mem) less its start / raw pread: %.1fx"
          % (max(t_mem - t_start, 0) / t_rmem))


if __name__ == "__main__":
    main()
