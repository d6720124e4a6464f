#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Benchmark: the bounds (README "Bounds") on the hostile inputs that set
them, generated here (tests/hostile/mkcore.py): time, peak RSS and output
size of each run, next to the bound the README states and a baseline run in
the same process tree. Prints figures and ratios; asserts nothing.

    tests/bench/bench_bounds.py [--reps N] [--pasids N] [--only NAME,...]
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path[:0] = [os.path.join(REPO, "tests", "hostile"), os.path.join(REPO, "tests", "bench"),
                os.path.join(REPO, "tests", "guest", "vtdguest")]
import mkcore  # noqa: E402
import qmpfake  # noqa: E402
from bench_scale import pasid_record_bytes  # noqa: E402

VTDCTL = os.environ.get("VTDCTL") or os.path.join(REPO, "vtdctl")


def run_child(argv, out_path, env=None, err=None):
    """(seconds, peak RSS MiB, exit status, output bytes, CPU seconds):
    stdout to out_path; RSS and CPU from /usr/bin/time (the child's own, not
    this process's). CPU is what a loaded machine does not inflate. err: a
    list that gets the child's stderr."""
    t0 = time.perf_counter()
    with open(out_path, "wb") as out:
        r = subprocess.run(["/usr/bin/time", "-f", "@RSS %M %U %S"] + argv, stdout=out,
                           stderr=subprocess.PIPE, text=True, env=env)
    if err is not None:
        err.append(r.stderr)
    secs = time.perf_counter() - t0
    rss = [l for l in r.stderr.splitlines() if l.startswith("@RSS ")]
    cpu = sum(float(x) for x in rss[-1].split()[2:4]) if rss else float("nan")
    rc = r.returncode
    for l in r.stderr.splitlines():
        if l.startswith("Command exited with non-zero status"):
            rc = int(l.split()[-1])
    size = os.path.getsize(out_path)
    return secs, int(rss[-1].split()[1]) / 1024 if rss else float("nan"), rc, size, cpu


def measure(argv, reps, tmp, env=None, err=None):
    out = os.path.join(tmp, "out")
    runs = [run_child(argv, out, env, err) for _ in range(reps)]
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


# --- item 6: many RAM ranges ----------------------------------------------------

def bench_many_pt_loads(reps, tmp):
    n = 65533          # and the note: 65,534 program headers (65,535 is PN_XNUM)
    header("a core of %d PT_LOADs (16 MiB, then %d 4 KiB ranges with a hole after each)"
           % (n, n - 1))
    ram = [(0, 16 << 20)] + [((32 << 20) + 8192 * i, 4096) for i in range(n - 1)]
    mem, _ = mkcore.scalable_base(mkcore.Mem(ram))
    path = mkcore.write_core(os.path.join(tmp, "ranges.core"), mem)
    one = mkcore.write_core(os.path.join(tmp, "ranges1.core"), mkcore.scalable_base()[0])
    rt = "--rtaddr=0x%x" % (mkcore.RT | mkcore.TTM_SCALABLE)
    base = measure([VTDCTL, "--core=" + one, rt, "dump"], reps, tmp)
    row("baseline: the same tables in a core of 1 PT_LOAD", base)
    m = measure([VTDCTL, "--core=" + path, rt, "dump"], reps, tmp)
    row("dump --rtaddr", m, "bound 1 s: %.2fx of it; file %.1f MB (before: 107 s)"
        % (m[0], os.path.getsize(path) / 1e6))
    m = measure([VTDCTL, "--core=" + path, "dump"], reps, tmp)
    row("dump (the root table found by a scan)", m, "bound 1 s: %.2fx of it" % m[0])


def mtree_with_pieces(text, n):
    """`info mtree -f` with n more RAM pieces (4 KiB apart, above 1 TiB) in AS memory."""
    pieces = "".join("  %016x-%016x (prio 0, ram): pc.ram @%016x\r\n"
                     % (base, base + 0xfff, base) for base in
                     ((1 << 40) + 0x2000 * i for i in range(n)))
    head, sep, tail = text.partition(' AS "memory"')
    nl = tail.index("\n") + 1
    return head + sep + tail[:nl] + pieces + tail[nl:]


def bench_mtree_pieces(reps, tmp):
    """A real QEMU (the test guest) behind a proxy that adds 200k RAM pieces
    to its `info mtree -f` reply: no real QEMU has that many."""
    import boot
    n = 200000
    header("fake reply from a real QEMU: `info mtree -f` with %d RAM pieces (test guest, "
           "QEMU 7.2)" % n)
    big = []

    def rewrite(cmd, rep):
        line = (cmd.get("arguments") or {}).get("command-line", "") \
            if cmd.get("execute") == "human-monitor-command" else ""
        if line.startswith("info mtree") and "-f" in line.split() and "return" in rep:
            text = mtree_with_pieces(rep["return"], n)
            big.append(len(text))
            return {"return": text, "id": rep.get("id")}
        return None
    g = boot.VtdGuest(boot.scenario_path("scalable-basic"))
    g.start()
    try:
        plain = os.path.join(tmp, "plain.sock")
        with qmpfake.RewriteProxy(g.qmp_path, plain):
            base = measure([VTDCTL, "--qmp=" + plain, "--no-proc-mem", "dump"], reps, tmp)
        row("baseline: dump through the proxy, reply untouched", base)
        sock = os.path.join(tmp, "pieces.sock")
        with qmpfake.RewriteProxy(g.qmp_path, sock, rewrite=rewrite):
            m = measure([VTDCTL, "--qmp=" + sock, "--no-proc-mem", "dump"], reps, tmp)
        row("dump, 200k RAM pieces", m, "bound 2 s: %.2fx of it; reply %.1f MB; %.2fx the "
            "baseline's time (before: over 5 minutes)" % (m[0] / 2, big[-1] / 1e6, m[0] / base[0]))
    finally:
        g.stop()


# --- item 9: a QMP greeting of 60 MiB ------------------------------------------------

def bench_huge_greeting(tmp):
    header("fake QMP server: a 60 MiB greeting of [] elements")
    path = os.path.join(tmp, "wide.sock")
    body = b'{"QMP": {"version": {}, "capabilities": [' + b"[]," * (20 << 20) + b"[]]}}\r\n"
    qmpfake.serve_bytes(path, body)
    err = []
    m = measure([VTDCTL, "--qmp=" + path, "dump"], 1, tmp, err=err)
    msg = [l for l in err[-1].splitlines() if l.startswith("vtdctl:")]
    row("--qmp= dump (refused)", m, "bound: RSS < 64 MiB, < 1 s (before: 3.1 GB); %s"
        % (msg[-1].split(": ", 2)[-1][-70:] if msg else "no message"))


# --- item 14: a core truncated while vtdctl reads it ----------------------------------

SHRINK_SHIM = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

/* The first pread at or past SHRINK_AT of SHRINK_PATH truncates that file
 * to SHRINK_AT bytes first (as tests/integration/test_hostile_inputs.py). */
static void shrink(int fd, off_t off)
{
	static int done;
	const char *path = getenv("SHRINK_PATH"), *at = getenv("SHRINK_AT");
	char link[64], name[4096];
	ssize_t n;

	if (done || !path || !at || off < (off_t)strtoull(at, NULL, 0))
		return;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, name, sizeof(name) - 1);
	if (n <= 0)
		return;
	name[n] = 0;
	if (strcmp(name, path))
		return;
	done = 1;
	if (truncate(path, (off_t)strtoull(at, NULL, 0)))
		return;
}

ssize_t pread(int fd, void *buf, size_t len, off_t off)
{
	ssize_t (*real)(int, void *, size_t, off_t) = dlsym(RTLD_NEXT, "pread");

	shrink(fd, off);
	return real(fd, buf, len, off);
}

ssize_t pread64(int fd, void *buf, size_t len, off_t off)
{
	ssize_t (*real)(int, void *, size_t, off_t) = dlsym(RTLD_NEXT, "pread64");

	shrink(fd, off);
	return real(fd, buf, len, off);
}
"""


def bench_truncated_core(tmp):
    header("a 1 GiB core cut to its headers after vtdctl opened it (LD_PRELOAD shim)")
    src = os.path.join(tmp, "shrink.c")
    so = os.path.join(tmp, "shrink.so")
    with open(src, "w") as f:
        f.write(SHRINK_SHIM)
    subprocess.run(["cc", "-shared", "-fPIC", "-O1", "-o", so, src, "-ldl"], check=True)
    mem, rt = mkcore.big_sparse(1)
    path = os.path.join(tmp, "shrinking.core")
    env = dict(os.environ, LD_PRELOAD=so, SHRINK_PATH=path, SHRINK_AT="4096")
    for label, extra in (("dump --rtaddr", ["--rtaddr=0x%x" % rt]), ("dump (scan)", [])):
        mkcore.write_core(path, mem)
        base = measure([VTDCTL, "--core=" + path] + extra + ["dump"], 1, tmp)
        err = []
        m = measure([VTDCTL, "--core=" + path] + extra + ["dump"], 1, tmp, env=env, err=err)
        msg = [l for l in err[-1].splitlines() if l.startswith("vtdctl:")]
        row(label + ", cut", m, "file now %d B; untouched (cold cache): %.3f s (CPU %.3f) exit %d; %s"
            % (os.path.getsize(path), base[0], base[4], base[2],
               msg[-1].split(": ")[-1][-50:] if msg else "no message"))


# --- item 15: the root-table scan of a dump ---------------------------------------------

def decoy_sparse_core(gib, decoys):
    """big_sparse(gib) and `decoys` pages at 256 MiB that each validate as a
    scalable root table naming 512 distinct context tables (256 buses, lower
    and upper), rotated per page; each context table has 128 present entries
    whose PASID directory is an empty page: 65536 devices a decoy against
    the real table's one, and no sound table below any of them."""
    mem, rt = mkcore.big_sparse(gib)
    page0, ctx0, empty = 0x10000000, 0x12000000, 0x13000000
    ctx = [ctx0 + i * mkcore.PAGE for i in range(512)]
    for c in ctx:
        for devfn in range(128):
            mkcore.sm_ctx(mem, c, devfn, empty, pdts=0)
    for n in range(decoys):
        page = bytearray(mkcore.PAGE)
        for k in range(512):
            mkcore.struct.pack_into("<Q", page, 8 * k, ctx[(k + n) % 512] | mkcore.P)
        mem.put_page(page0 + n * mkcore.PAGE, bytes(page))
    return mem, rt


def bench_decoy_scan(reps, tmp):
    import json
    header("root-table scan of a 1 GiB dump: 512 decoy candidates of 512 pointers each")
    mem, rt = mkcore.big_sparse(1)
    clean = mkcore.write_core(os.path.join(tmp, "clean1g.core"), mem)
    base = measure([VTDCTL, "--core=" + clean, "-j", "dump"], reps, tmp)
    row("baseline: the clean 1 GiB dump, scanned", base)
    mem, rt = decoy_sparse_core(1, 512)
    path = mkcore.write_core(os.path.join(tmp, "decoy1g.core"), mem)
    os.unlink(clean)
    m = measure([VTDCTL, "--core=" + path, "-j", "dump"], reps, tmp)
    j = json.loads(subprocess.run([VTDCTL, "--core=" + path, "-j", "dump"],
                                  stdout=subprocess.PIPE).stdout)
    won = j["iommu"]["rtaddr"] == "0x%x" % rt
    decoy = [f for f in j["findings"] if f["code"] == "rtaddr_decoy"]
    row("the same with 512 decoys, scanned", m, "%.2fx the clean scan (before: 5x); the real "
        "table %s; rtaddr_decoy %s" % (m[0] / base[0], "wins" if won else "LOSES to " +
                                       j["iommu"]["rtaddr"], "reported" if decoy else "not reported"))
    os.unlink(path)


CASES = {
    "bad-pasids": lambda a, tmp: bench_bad_pasids(a.pasids, a.reps, tmp),
    "selfref": lambda a, tmp: bench_selfref(64, a.reps, tmp),
    "selfref-snapshot": lambda a, tmp: bench_selfref(a.pasids, 1, tmp, snapshot_only=True),
    "pt-pages": lambda a, tmp: bench_pt_pages(a.pt_tables, 1, tmp),
    "diff": lambda a, tmp: bench_diff(1 << 15, tmp),
    "braces": lambda a, tmp: bench_snapshot_of_braces(tmp),
    "pt-loads": lambda a, tmp: bench_many_pt_loads(a.reps, tmp),
    "mtree-pieces": lambda a, tmp: bench_mtree_pieces(a.reps, tmp),
    "greeting": lambda a, tmp: bench_huge_greeting(tmp),
    "truncated": lambda a, tmp: bench_truncated_core(tmp),
    "decoys": lambda a, tmp: bench_decoy_scan(a.reps, tmp),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--pasids", type=int, default=1 << 20)
    ap.add_argument("--pt-tables", type=int, default=41045)
    ap.add_argument("--only", default="",
                    help="comma-separated cases: " + ",".join(CASES))
    a = ap.parse_args()
    only = [c for c in a.only.split(",") if c] or list(CASES)
    with tempfile.TemporaryDirectory(prefix="vtdctl-bench-", dir="/var/tmp") as tmp:
        for name in only:
            CASES[name](a, tmp)
    print("\ncheck --all over 64 libvirt domains: tests/bench/bench_fleet.py")


if __name__ == "__main__":
    main()
