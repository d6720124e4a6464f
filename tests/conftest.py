# SPDX-License-Identifier: GPL-2.0-or-later
"""pytest setup of vtdctl's test suite (`make check`; pytest.ini at the top).

What it collects, in this order:
  - every tests/unit/test_* binary, one item each ("unit"): it passes when the
    binary exits 0; a failure shows its output and its "N passed, N failed"
    line; 300 s each;
  - every test_* function of tests/integration/test_*.py, module by module,
    in definition order (line of the function, as tests/run did), functions
    made in a loop included. Imported test functions and classes are not tests.
    unittest.SkipTest skips. Each test (setup, call, teardown) gets
    VTDCTL_TEST_TIMEOUT seconds (default 900), by SIGALRM.

Shared children: a guest booted with guest.shared_guest() or the daemon of
libvirtd.shared_libvirtd() lives until the end of the session; a session
fixture stops them then (stop_shared() of every tests/lib module that has
one), and SIGTERM/SIGHUP end the session the same way, exit status 128 + the
signal (the atexit handlers of tests/lib stay as the last resort). Fixtures for new
tests: shared_guest (the function: shared_guest("legacy")), scalable_guest,
legacy_guest, libvirtd.

Markers, set from what a test uses (its code, the module's helpers it calls,
transitively): unit; realguest (boots a Linux guest: shared_guest, Guest,
the nested cell); vtdguest (boots the freestanding test guest tests/guest/vtdguest);
libvirt (the private libvirtd); guest (any of these three, or a QEMU of its
own); slow (realguest or libvirt: a Linux boot under TCG). So
`-m "not guest"` runs what needs no QEMU, `-m "not slow"` adds the test guest.

--contains SUBSTRING (repeatable) selects by the names tests/run printed,
"unit/test_core" and "integration/test_xlate.py::test_x" (tests/run -k).
"""

import contextlib
import inspect
import os
import signal
import subprocess
import sys
import time
import traceback
import types
import unittest

import pytest

sys.dont_write_bytecode = True      # no __pycache__ in tests/lib or tests/integration

TESTS = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(TESTS)
LIB = os.path.join(TESTS, "lib")
INTEGRATION = os.path.join(TESTS, "integration")
UNIT = os.path.join(TESTS, "unit")
UNIT_TIMEOUT = 300
TEST_TIMEOUT = int(os.environ.get("VTDCTL_TEST_TIMEOUT", "900"))

os.environ["LC_ALL"] = "C"
os.environ["TZ"] = "UTC"
time.tzset()
for _p in (INTEGRATION, LIB):
    if _p not in sys.path:
        sys.path.insert(0, _p)

MARKERS = {
    "unit": "a tests/unit/test_* binary",
    "realguest": "boots the Linux test guest (tests/lib/guest.py) under QEMU",
    "vtdguest": "boots the freestanding test guest (tests/guest/vtdguest)",
    "libvirt": "starts the private libvirtd (tests/lib/libvirtd.py)",
    "guest": "runs QEMU: realguest, vtdguest, libvirt, or a QEMU of its own",
    "slow": "boots Linux under TCG (realguest or libvirt)",
}

# Names whose use in a test's code (or in the test module's functions it
# calls) says what it boots. Attribute names count: guestlib.Guest, boot.VtdGuest;
# "qemu-system" stands for a string constant naming a QEMU binary.
USES = {
    "realguest": {"shared_guest", "Guest", "for_cell", "scalable_guest", "legacy_guest",
                  "shared_cell"},
    "vtdguest": {"VtdGuest", "boot", "vtdguest_domain_xml", "Fleet", "fleet"},
    "libvirt": {"shared_libvirtd", "Libvirtd", "libvirtd", "Fleet", "fleet"},
    "qemu": {"qemu72_binary", "qemu10_binary", "qemu-system"},
}


# --- options, markers, signals -------------------------------------------------

def pytest_addoption(parser):
    parser.addoption("--contains", action="append", default=[], metavar="SUBSTRING",
                     help="run only tests whose tests/run name (unit/test_core, "
                          "integration/test_x.py::test_y) contains SUBSTRING (repeatable)")


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP: ends the session like ^C, so the session fixtures
    stop the shared guests; the exit status is then 128 + the signal."""


_terminated = []


def _terminate(signum, frame):
    _terminated.append(signum)
    raise Terminated("%s: stopping the shared guests" % signal.Signals(signum).name)


def pytest_configure(config):
    for name, text in MARKERS.items():
        config.addinivalue_line("markers", "%s: %s" % (name, text))
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGHUP, _terminate)


def pytest_sessionfinish(session, exitstatus):
    if _terminated:
        session.exitstatus = 128 + _terminated[0]


def pytest_unconfigure(config):
    _stop_shared()          # again, in case the session did not get that far


# --- collection ----------------------------------------------------------------

def pytest_ignore_collect(collection_path, config):
    """Under tests/, only unit/ and integration/ hold tests."""
    p = str(collection_path)
    if os.path.dirname(p) == TESTS and os.path.isdir(p):
        return os.path.basename(p) not in ("unit", "integration")
    return None


def pytest_collect_file(file_path, parent):
    p = str(file_path)
    if (os.path.dirname(p) == UNIT and file_path.name.startswith("test_")
            and not file_path.suffix and os.path.isfile(p) and os.access(p, os.X_OK)):
        return UnitBinary.from_parent(parent, path=file_path)
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_pycollect_makeitem(collector, name, obj):
    """As tests/run: test_* functions defined in the module itself; no classes
    (unittest.TestCase ones included), nothing imported from elsewhere."""
    if inspect.isclass(obj):
        return []
    if name.startswith("test_") and callable(obj):
        mod = getattr(collector, "module", None)
        if mod is not None and getattr(obj, "__module__", None) != mod.__name__:
            return []
    return None


def _lineno(item):
    code = getattr(getattr(item, "function", None), "__code__", None)
    if code is not None:
        return code.co_firstlineno
    return item.reportinfo()[1] or 0


def legacy_name(item):
    """The name tests/run gave the test."""
    if isinstance(item, UnitTest):
        return "unit/" + item.path.name
    return "integration/%s::%s" % (item.path.name, item.name)


@pytest.hookimpl(tryfirst=True)          # the markers before -m looks at them
def pytest_collection_modifyitems(session, config, items):
    # Unit binaries first, then module by module, each in definition order.
    first = {}
    for i, item in enumerate(items):
        first.setdefault(str(item.path), i)
    items.sort(key=lambda it: (not isinstance(it, UnitTest), first[str(it.path)],
                               0 if isinstance(it, UnitTest) else _lineno(it)))
    for item in items:
        if isinstance(item, UnitTest):
            item.add_marker("unit")
            continue
        uses = _uses(item)
        for m in ("realguest", "vtdguest", "libvirt"):
            if m in uses:
                item.add_marker(m)
        if uses:
            item.add_marker("guest")
        if uses & {"realguest", "libvirt"}:
            item.add_marker("slow")
    wanted = config.getoption("contains")
    if wanted:
        keep, drop = [], []
        for item in items:
            (keep if any(w in legacy_name(item) for w in wanted) else drop).append(item)
        if drop:
            config.hook.pytest_deselected(items=drop)
            items[:] = keep


def _in_tests(obj):
    mod = sys.modules.get(getattr(obj, "__module__", None) or "")
    f = getattr(mod, "__file__", None) or ""
    return os.path.dirname(os.path.abspath(f)) == INTEGRATION


def _names(obj, seen):
    """Every global and attribute name obj's code uses, following the test
    modules' own functions and classes it reaches (globals, closures, defaults)."""
    if id(obj) in seen:
        return set()
    seen.add(id(obj))
    out = set()
    if inspect.isclass(obj):
        for v in vars(obj).values():
            v = getattr(v, "__func__", v)
            if isinstance(v, property):
                v = v.fget
            if inspect.isfunction(v):
                out |= _names(v, seen)
        return out
    code = getattr(obj, "__code__", None)
    if not isinstance(code, types.CodeType):
        return out
    stack = [code]
    while stack:
        c = stack.pop()
        out.update(c.co_names)
        for k in c.co_consts:
            if isinstance(k, types.CodeType):
                stack.append(k)
            elif isinstance(k, str) and "qemu-system" in k:
                out.add("qemu-system")          # runs a QEMU binary of its own
    reach = []
    for cell in obj.__closure__ or ():
        try:
            reach.append(cell.cell_contents)
        except ValueError:
            pass
    reach += list(obj.__defaults__ or ())
    g = getattr(obj, "__globals__", {})
    reach += [g[n] for n in list(out) if n in g]
    for v in reach:
        if (inspect.isfunction(v) or inspect.isclass(v)) and _in_tests(v):
            out |= _names(v, seen)
    return out


def _uses(item):
    """{"realguest", "vtdguest", "libvirt", "qemu"} & what the test uses."""
    names = set(getattr(item, "fixturenames", ()))
    fn = getattr(item, "function", None)
    if fn is not None:
        names |= _names(fn, set())
    return {kind for kind, words in USES.items() if names & words}


# --- the unit binaries -------------------------------------------------------------

class UnitFailure(Exception):
    pass


class UnitBinary(pytest.File):
    def collect(self):
        yield UnitTest.from_parent(self, name=self.path.name)


class UnitTest(pytest.Item):
    def runtest(self):
        try:
            r = subprocess.run([str(self.path)], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                               timeout=UNIT_TIMEOUT, cwd=REPO)
        except subprocess.TimeoutExpired as e:
            out = (e.stdout or b"").decode("utf-8", "replace")
            raise UnitFailure("timed out after %d s" % UNIT_TIMEOUT, out)
        out = r.stdout.decode("utf-8", "replace")
        counts = [l.strip() for l in out.splitlines() if " passed, " in l]
        if r.returncode != 0:
            detail = (counts[-1] + ", " if counts else "") + "exit %d" % r.returncode
            raise UnitFailure(detail, out)
        sys.stdout.write(out)           # captured: shown with -rP (tests/run -v)

    def repr_failure(self, excinfo):
        if isinstance(excinfo.value, UnitFailure):
            detail, out = excinfo.value.args
            return "%s: %s\n%s" % (self.path.name, detail, out.rstrip("\n"))
        return super().repr_failure(excinfo)

    def reportinfo(self):
        return self.path, None, "unit/%s" % self.path.name


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_makereport(item, call):
    """unittest.SkipTest (what the tests raise) is a skip, reported at the
    test, not where pytest's unittest support turns it into one."""
    exc = call.excinfo
    if (exc is None or not isinstance(exc.value, unittest.SkipTest)
            or isinstance(exc.value, pytest.skip.Exception)):
        return
    try:
        raise pytest.skip.Exception(str(exc.value), _use_item_location=True)
    except pytest.skip.Exception:
        call.excinfo = pytest.ExceptionInfo.from_current()


# --- per-test timeout ----------------------------------------------------------------

def _alarm(signum, frame):
    pytest.fail("test took longer than %d s (VTDCTL_TEST_TIMEOUT)" % TEST_TIMEOUT)


@contextlib.contextmanager
def _time_limit(item):
    """SIGALRM after TEST_TIMEOUT seconds around one phase of a test (the
    unit binaries have their own limit)."""
    if isinstance(item, UnitTest) or TEST_TIMEOUT <= 0:
        yield
        return
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(TEST_TIMEOUT)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item):
    with _time_limit(item):
        yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    with _time_limit(item):
        yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    with _time_limit(item):
        yield


# --- shared guests and libvirtd: one per session ---------------------------------------

def _stop_shared():
    """Call stop_shared() of every tests/lib module loaded: libvirtd's first
    (its domains), then guest's and any other's."""
    mods = [m for m in list(sys.modules.values())
            if os.path.dirname(os.path.abspath(getattr(m, "__file__", None) or "/")) == LIB
            and callable(getattr(m, "stop_shared", None))]
    mods.sort(key=lambda m: m.__name__ != "libvirtd")
    for mod in mods:
        try:
            mod.stop_shared()
        except Exception:
            traceback.print_exc()


@pytest.fixture(scope="session", autouse=True)
def _shared_children():
    """Tests run from the top of the tree; what they share stops at the end."""
    os.chdir(REPO)
    yield
    _stop_shared()


@pytest.fixture(scope="session")
def shared_guest():
    """guest.shared_guest: shared_guest("q72-l61-legacy") boots once per session."""
    import guest
    return guest.shared_guest


@pytest.fixture(scope="session")
def scalable_guest(shared_guest):
    return shared_guest("scalable")


@pytest.fixture(scope="session")
def legacy_guest(shared_guest):
    return shared_guest("legacy")


@pytest.fixture(scope="session")
def libvirtd():
    """The private libvirtd of libvirtd.shared_libvirtd() (TCP too)."""
    import libvirtd as lib
    return lib.shared_libvirtd()
