# SPDX-License-Identifier: GPL-2.0-or-later
"""What the test harnesses' long-running children (QEMU, libvirtd) share:
they die with the test process, and start/stop as context managers."""

import ctypes
import os
import shutil
import signal
import subprocess


def pdeathsig():
    """preexec_fn: the child gets SIGKILL when the test process dies, even on
    SIGKILL of the latter (PR_SET_PDEATHSIG)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)
    except OSError:
        pass


class Child:
    """A started-once child with a work directory. Subclasses set proc and
    workdir in start(), implement stop(), and name KEEP_ENV: the environment
    variable that keeps the work directory after a stop."""

    KEEP_ENV = None
    proc = None
    workdir = None

    def _quit_qemu(self):
        """QMP quit on the control connection self._ctl, then SIGKILL if QEMU
        has not gone within 5 s."""
        if getattr(self, "_ctl", None) is not None:
            try:
                self._ctl.execute("quit", timeout=5)
            except Exception:
                pass
            self._ctl.close()
            self._ctl = None
        if self.proc is not None:
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None

    def _cleanup_dir(self, force=False):
        if self.workdir and (force or not (self.KEEP_ENV and os.environ.get(self.KEEP_ENV))):
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

    def __enter__(self):
        if self.proc is None:
            self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None
