# SPDX-License-Identifier: GPL-2.0-or-later
"""Hostile files and peers that once made vtdctl hang, crawl, crash or grow
(issue 13). Each test builds its input here (a generated core, a FIFO, a fake
QMP peer where no real QEMU can send the reply) and checks a clear error or a
bounded run. Tests whose peer is fake say so in their name."""

import os
import shutil
import stat
import subprocess
import sys
import tempfile
import time

from vtdctl import binary

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path[:0] = [os.path.join(REPO, "tests", "hostile")]
import mkcore  # noqa: E402

TMP = tempfile.mkdtemp(prefix="vtdctl-hostile-inputs-")


def asan_build():
    with open(binary(), "rb") as f:
        return b"__asan_init" in f.read()


def slack(seconds):
    """ASan and UBSan make the same work take about three times as long."""
    return 3 * seconds if asan_build() else seconds


def vtdctl(*args, timeout=60, env=None):
    """(rc, stdout, stderr, wall seconds); a run past timeout fails the test
    as a hang."""
    t0 = time.monotonic()
    try:
        r = subprocess.run([binary()] + list(args), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=timeout,
                           env=env)
    except subprocess.TimeoutExpired:
        raise AssertionError("vtdctl %s: still running after %d s (a hang)"
                             % (" ".join(args), timeout))
    return r.returncode, r.stdout, r.stderr, time.monotonic() - t0


# --- item 6: many RAM ranges -------------------------------------------------

def many_ranges_core(n):
    """The sane scalable device of mkcore, in a core of n + 1 PT_LOADs: the
    first 16 MiB, then n separate 4 KiB ranges (a hole after each)."""
    ram = [(0, 16 << 20)] + [((32 << 20) + 8192 * i, 4096) for i in range(n)]
    mem, _ = mkcore.scalable_base(mkcore.Mem(ram))
    path = os.path.join(TMP, "ranges-%d.core" % n)
    mkcore.write_core(path, mem)
    return path


def test_core_with_65533_pt_loads_is_quick():
    """65,533 PT_LOADs and a note (a 3.6 MB core; the issue had 65,534): 107 s when every range was sorted
    in on every add and every read searched them one by one."""
    path = many_ranges_core(65532)
    for extra in (["--rtaddr=0x%x" % (mkcore.RT | mkcore.TTM_SCALABLE)], []):
        rc, out, err, secs = vtdctl("--core=" + path, *extra, "dump")
        print("  65533 PT_LOADs %-28s %.2f s, exit %d" % (" ".join(extra), secs, rc))
        assert rc == 0, err
        assert "00:03.0" in out, out
        assert secs < slack(10), "%.1f s" % secs


# --- item 7: FIFOs -----------------------------------------------------------

def test_fifo_as_core_or_snapshot_is_refused_at_once():
    """A FIFO with no writer: open() once waited for a writer forever."""
    fifo = os.path.join(TMP, "fifo")
    if not os.path.exists(fifo):
        os.mkfifo(fifo)
    for opt in ("--core=", "--snapshot="):
        rc, out, err, secs = vtdctl(opt + fifo, "dump", timeout=20)
        assert rc == 1, (opt, rc, err)
        assert "not a regular file (a FIFO)" in err, err
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_char_device_as_core_is_refused():
    rc, out, err, secs = vtdctl("--core=/dev/zero", "dump", timeout=20)
    assert rc == 1 and "not a regular file (a character device)" in err, err


# --- item 14: a core that shrinks while it is read -------------------------

SHRINK_SHIM = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

/* The first read at or past SHRINK_AT of the file SHRINK_PATH truncates that
 * file to SHRINK_AT bytes first: a dump cut short by someone else between
 * vtdctl's open and its walk, at a known point. */
static ssize_t shrink(int fd, off_t off)
{
	static int done;
	const char *path = getenv("SHRINK_PATH"), *at = getenv("SHRINK_AT");
	char link[64], name[4096];
	ssize_t n;

	if (done || !path || !at || off < (off_t)strtoull(at, NULL, 0))
		return 0;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, name, sizeof(name) - 1);
	if (n <= 0)
		return 0;
	name[n] = 0;
	if (strcmp(name, path))
		return 0;
	done = 1;
	return truncate(path, (off_t)strtoull(at, NULL, 0));
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


def shrink_shim():
    so = os.path.join(TMP, "shrink.so")
    if not os.path.exists(so):
        src = os.path.join(TMP, "shrink.c")
        with open(src, "w") as f:
            f.write(SHRINK_SHIM)
        subprocess.run(["cc", "-shared", "-fPIC", "-O1", "-o", so, src, "-ldl"],
                       check=True)
    return so


def test_core_truncated_while_read_is_an_error_not_sigbus():
    """The dump is cut to its headers after vtdctl opened it and read them,
    before the walk reads guest memory: a mapped core died of SIGBUS."""
    mem, _ = mkcore.scalable_base()
    rt = mkcore.RT | mkcore.TTM_SCALABLE
    path = os.path.join(TMP, "shrinking.core")
    mkcore.write_core(path, mem)
    data_off = 4096        # write_core puts RAM at the first page boundary
    env = dict(os.environ, LD_PRELOAD=shrink_shim(), SHRINK_PATH=path,
               SHRINK_AT=str(data_off))
    env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0"
    for extra in (["--rtaddr=0x%x" % rt], []):
        mkcore.write_core(path, mem)
        rc, out, err, secs = vtdctl("--core=" + path, *extra, "dump", env=env)
        assert rc == 1, "exit %d (want 1: a read error)\n%s" % (rc, err)
        assert "truncated while vtdctl read it" in err, err
        assert os.path.getsize(path) == data_off    # the shim did cut it


def teardown_module():
    shutil.rmtree(TMP, ignore_errors=True)
