# SPDX-License-Identifier: GPL-2.0-or-later
"""vtdctl against libvirt domains on a real, private libvirtd (tests/lib/libvirtd.py):
TCG q35 domains with <iommu model='intel'/>, scalable mode through
<qemu:commandline>, the test suite's Linux guest, and a second QMP socket of the
test's own (libvirt owns the domain's monitor) for `vtdctl --qmp` and for the
independent reader tests/lib/xpwalk.py.

    vtd-a, vtd-b, vtd-c   running, booted once per run (in parallel)
    vtd-off               Intel IOMMU, defined, never started
    vtd-plain             no IOMMU, defined, never started
    vtd-big               3 GiB, started paused (no guest): the above-4G split
    vtd-fault             the freestanding test guest with a pending fault, for
                          the one check --all test (started and removed there)

Test order matters: vtd-a must be untainted until the monitor test, and
vtd-c is destroyed by the last test. Skipped when not root or libvirtd is
not installed (scripts/install-deps.sh).
"""

import json
import os
import re
import signal
import subprocess
import time

import guest as guestlib
import vtdctl
import xpwalk
import libvirtd
from libvirtd import shared_libvirtd
from qmp import QMP

RUNNING = ["vtd-a", "vtd-b", "vtd-c"]
TAINT_MONITOR = re.compile(r"Domain id=\d+ is tainted: custom-monitor")

_state = {}


def env():
    """The daemon with its domains, set up once per run."""
    d = shared_libvirtd()
    if "ready" not in _state:
        for name in RUNNING:
            d.define(d.domain_xml(name))
        d.define(d.domain_xml("vtd-off"))
        d.define(d.domain_xml("vtd-plain", iommu=False))
        d.define(d.domain_xml("vtd-big", memory_mib=3072))
        for name in RUNNING:
            d.start_domain(name)
        for name in RUNNING:
            d.wait_ready(name)
        _state["ready"] = True
    return d


def run(d, *args, uri=None, check=True, env_extra=None):
    argv = ["-c", uri or d.uri] + list(args)
    e = dict(os.environ, **(env_extra or {}))
    r = subprocess.run([vtdctl.binary()] + argv, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=300, env=e)
    if check and r.returncode not in (0, 2):
        raise AssertionError("vtdctl %s exited %d\nstderr:\n%s\nstdout:\n%s"
                             % (" ".join(argv), r.returncode, r.stderr, r.stdout[:2000]))
    return r


def dump_json(d, *args, uri=None):
    r = run(d, *(list(args) + ["dump", "--json"]), uri=uri)
    return json.loads(r.stdout), r


class QmpReader:
    """xp reads over the domain's second QMP socket, for xpwalk."""
    _XP_LINE = guestlib.Guest._XP_LINE
    xp = guestlib.Guest.xp
    read_reg = guestlib.Guest.read_reg

    def __init__(self, path):
        self.q = QMP(path)

    def hmp(self, line, timeout=None):
        return self.q.hmp(line)


def reader_walk(d, name):
    r = QmpReader(d.qmp_path(name))
    try:
        return xpwalk.walk_guest(r), r.q.hmp("info mtree -f")
    finally:
        r.q.close()


def without_source(j):
    return {k: v for k, v in j.items() if k != "source"}


def strip_host(obj):
    """A copy with every "host" value replaced by None."""
    if isinstance(obj, dict):
        return {k: (None if k == "host" else strip_host(v)) for k, v in obj.items()}
    if isinstance(obj, list):
        return [strip_host(v) for v in obj]
    return obj


def host_values(obj, out=None):
    out = [] if out is None else out
    if isinstance(obj, dict):
        for k, v in obj.items():
            if k == "host":
                out.append(v)
            else:
                host_values(v, out)
    elif isinstance(obj, list):
        for v in obj:
            host_values(v, out)
    return out


def all_none(v):
    if isinstance(v, dict):
        return all(all_none(x) for x in v.values())
    if isinstance(v, list):
        return all(all_none(x) for x in v)
    return v is None


# --- tests ---------------------------------------------------------------------

def test_libvirt_list():
    """list: running domains with an Intel IOMMU; list --all adds shut-off
    ones; a domain without an IOMMU is never listed."""
    d = env()
    j = json.loads(run(d, "list", "-j").stdout)
    got = {x["name"]: x for x in j["domains"]}
    assert sorted(got) == RUNNING, j
    for name in RUNNING:
        x = got[name]
        assert x["state"] == "running" and isinstance(x["id"], int) and x["scalable"], x
        assert x["uuid"] == d.virsh("domuuid", name).stdout.strip(), x
    j = json.loads(run(d, "list", "--all", "-j").stdout)
    got = {x["name"]: x for x in j["domains"]}
    assert sorted(got) == sorted(RUNNING + ["vtd-big", "vtd-off"]), j
    assert got["vtd-off"]["state"] == "shut off" and got["vtd-off"]["id"] is None, got
    text = run(d, "list").stdout
    assert "vtd-a" in text and "vtd-plain" not in text and "vtd-off" not in text, text


def test_libvirt_no_monitor_untainted_and_matches_reader():
    """dump --no-monitor reads through virDomainMemoryPeek only: the domain log
    gets no custom-monitor taint, nothing is said on stderr, and the tables
    equal what the independent reader finds over the test's own QMP socket."""
    d = env()
    j, r = dump_json(d, "--vm=vtd-a", "--no-monitor")
    assert j["source"]["kind"] == "libvirt" and j["source"]["target"] == "vtd-a", j["source"]
    assert j["source"]["access"] == "peek", j["source"]
    assert "custom-monitor" not in r.stderr, r.stderr
    log = d.log_text("vtd-a")
    assert "tainted: custom-argv" in log, log[-2000:]     # the marker does get written
    assert not TAINT_MONITOR.search(log), log[-2000:]
    assert all(all_none(h) for h in host_values(j)), host_values(j)
    ref, _ = reader_walk(d, "vtd-a")
    assert ref["iommu"]["mode"] == "scalable" and ref["devices"], ref
    diffs = xpwalk.compare(ref, j)
    assert not diffs, "\n".join(diffs)
    assert not [f for f in j["findings"] if f["code"] == "pointer_outside_ram"], j["findings"]


def test_libvirt_commands_without_host_state_never_taint():
    """regs, faults, iq, ir and xlate need no host state: even without
    --no-monitor they read through peek only and leave no taint."""
    d = env()
    for args in (["regs"], ["faults"], ["iq"], ["ir"],
                 ["-s", "00:1f.0", "xlate", "0x1000"]):
        r = vtdctl.run("--connect=" + d.uri, "--vm=vtd-b", *args, check=False)
        assert r.returncode in (0, 2), (args, r.returncode, r.stderr)
        assert "custom-monitor" not in r.stderr, (args, r.stderr)
    assert not TAINT_MONITOR.search(d.log_text("vtd-b")), d.log_text("vtd-b")[-2000:]


def _mtree_ram(text):
    """[(start, end)] of RAM in the flat view of AS "memory" (info mtree -f)."""
    block = text[text.find('AS "memory"'):]
    block = block[:block.find("\n\n")]
    out = []
    for m in re.finditer(r"^\s+([0-9a-f]+)-([0-9a-f]+) \(prio -?\d+, (?:ram|rom)\): (\S+)",
                         block, re.M):
        if m.group(3).startswith("pc.ram") or m.group(3).startswith("ram-"):
            out.append((int(m.group(1), 16), int(m.group(2), 16) + 1))
    return out


def _merge(ranges):
    out = []
    for a, b in sorted(ranges):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(b, out[-1][1]))
        else:
            out.append((a, b))
    return out


def _without_legacy_hole(ranges):
    """Ranges less [640 KiB, 1 MiB), where PAM and SMRAM decide (and firmware
    has not run in a paused domain)."""
    out = []
    for a, b in ranges:
        for lo, hi in ((a, min(b, 0xA0000)), (max(a, 0x100000), b)):
            if lo < hi:
                out.append((lo, hi))
    return out


def _probe_ram(d, name, gpa, is_ram):
    """vtdctl's own --no-monitor RAM map, seen through a user root table
    address: outside RAM, vtdctl says so."""
    r = run(d, "--vm=" + name, "--no-monitor", "--rtaddr=0x%x" % gpa, "dump", check=False)
    outside = "not in guest RAM" in r.stderr
    assert outside != is_ram, (name, hex(gpa), is_ram, r.returncode, r.stderr)


def test_libvirt_q35_ram_split_matches_mtree():
    """The --no-monitor RAM map's assumption, checked against QEMU's own flat
    view: pc.ram is [0, below) and [4 GiB, 4 GiB + above) with below = all RAM
    under 0xb0000000 bytes and 2 GiB from there on (pc_q35_init), for the 512
    MiB guests and a 3 GiB domain (started paused, no guest). vtdctl leaves
    640 KiB-1 MiB out; everything else of pc.ram must be covered, and nothing
    more: vtdctl's own map is probed at each range's first page, last page and
    end with a root table pointer (--rtaddr)."""
    d = env()
    d.virsh("start", "--paused", "vtd-big")
    try:
        for name, mib in (("vtd-a", 512), ("vtd-big", 3072)):
            ram = mib << 20
            below = ram if ram < 0xB0000000 else 0x80000000
            want = [(0, below)] + ([(1 << 32, (1 << 32) + ram - below)] if ram > below else [])
            q = QMP(d.qmp_path(name))
            try:
                got = _without_legacy_hole(_merge(_mtree_ram(q.hmp("info mtree -f"))))
            finally:
                q.close()
            want = _without_legacy_hole(want)
            assert got == want, (name, [(hex(a), hex(b)) for a, b in got])
            for start, end in want:
                _probe_ram(d, name, start, True)
                _probe_ram(d, name, end - 0x1000, True)
                _probe_ram(d, name, end, False)
    finally:
        d.destroy("vtd-big")


def test_libvirt_monitor_equals_qmp_and_taints():
    """dump --vm (monitor allowed) equals dump --qmp of the same QEMU in every
    key but "source"; it says once on stderr that the domain gets tainted, and
    libvirt logs the custom-monitor taint. As root on a local URI it reads RAM
    through /proc/PID/mem (the pid found by the domain's -uuid)."""
    d = env()
    j, r = dump_json(d, "--vm=vtd-a")
    q = vtdctl.dump("--qmp=" + d.qmp_path("vtd-a"))
    assert without_source(j) == without_source(q.json), (
        json.dumps(without_source(j))[:1500], json.dumps(without_source(q.json))[:1500])
    assert j["source"]["access"] == "proc-mem", j["source"]
    lines = [l for l in r.stderr.splitlines() if "custom-monitor" in l]
    assert len(lines) == 1, r.stderr
    assert TAINT_MONITOR.search(d.log_text("vtd-a")), d.log_text("vtd-a")[-2000:]
    # and the peek path (--no-proc-mem) gives the same again
    p, _ = dump_json(d, "--vm=vtd-a", "--no-proc-mem")
    assert p["source"]["access"] == "peek" and without_source(p) == without_source(j)


def test_libvirt_no_monitor_differs_only_in_host():
    """With and without --no-monitor: the same iommu, findings and devices;
    the host values are unknown (null) without the monitor."""
    d = env()
    a, _ = dump_json(d, "--vm=vtd-b")
    b, _ = dump_json(d, "--vm=vtd-b", "--no-monitor")
    assert a["iommu"] == b["iommu"] and a["findings"] == b["findings"]
    assert strip_host(a["devices"]) == strip_host(b["devices"])
    assert any(not all_none(h) for h in host_values(a)), "monitor gave no host state"
    assert all(all_none(h) for h in host_values(b))


def test_libvirt_remote_tcp_equals_local():
    """qemu+tcp://127.0.0.1 (the same daemon, listening with auth none) gives
    what the local URI gives; memory goes through peek (no /proc path for a
    remote URI)."""
    d = env()
    for extra in (["--no-monitor"], []):
        loc, _ = dump_json(d, "--vm=vtd-b", *extra)
        rem, _ = dump_json(d, "--vm=vtd-b", *extra, uri=d.tcp_uri)
        assert rem["source"]["access"] == "peek", rem["source"]
        assert without_source(loc) == without_source(rem), extra
        assert rem["source"]["target"] == "vtd-b"


def test_libvirt_domain_by_uuid_and_id_and_errors():
    """--vm takes a name, a UUID or an id; a missing, shut-off or IOMMU-less
    domain is a clear error (exit 1)."""
    d = env()
    uuid = d.virsh("domuuid", "vtd-b").stdout.strip()
    dom_id = d.virsh("domid", "vtd-b").stdout.strip()
    for key in (uuid, dom_id):
        j, _ = dump_json(d, "--vm=" + key, "--no-monitor")
        assert j["source"]["target"] == "vtd-b", (key, j["source"])
    for name, msg in (("no-such-vm", "no domain 'no-such-vm'"),
                      ("vtd-off", "not running"), ("vtd-plain", "not running")):
        r = run(d, "--vm=" + name, "dump", check=False)
        assert r.returncode == 1 and msg in r.stderr, (name, r.returncode, r.stderr)


def _all(d, jobs, *args):
    t0 = time.monotonic()
    r = run(d, "--all", "dump", "--json", *args, env_extra={"VTDCTL_ALL_JOBS": str(jobs)})
    return json.loads(r.stdout), r, time.monotonic() - t0


def test_libvirt_all_sequential_and_parallel():
    """dump --all: the three running domains with an IOMMU, in name order, each
    with the result of its own dump --vm; the same with 1 and 4 jobs.
    Exit 2 if any domain had findings, else 0."""
    d = env()
    seq, r1, t1 = _all(d, 1)
    par, r4, t4 = _all(d, 4)
    print("dump --all over %d domains: sequential %.2f s, parallel %.2f s" % (
        len(RUNNING), t1, t4))
    for j, r in ((seq, r1), (par, r4)):
        assert [x["name"] for x in j["domains"]] == RUNNING, j
        for x in j["domains"]:
            assert x["status"] in ("ok", "findings"), x
            assert x["result"]["source"]["target"] == x["name"], x
        want = 2 if any(x["status"] == "findings" for x in j["domains"]) else 0
        assert r.returncode == want, (r.returncode, [x["status"] for x in j["domains"]])
    one, _ = dump_json(d, "--vm=vtd-a")
    assert without_source(seq["domains"][0]["result"]) == without_source(one)
    assert [strip_host(x["result"]) for x in seq["domains"]] == \
        [strip_host(x["result"]) for x in par["domains"]]


def test_libvirt_virsh_dump_memory_only_core():
    """A core written by `virsh dump --memory-only` (libvirt drives QEMU's
    dump-guest-memory): read without --rtaddr, the root table the scan finds
    is the one the live domain's RTADDR names, and every device and PASID
    entry equals what --vm reads live (host values aside: a dump has none)."""
    import tempfile
    d = env()
    live, _ = dump_json(d, "--vm=vtd-b", "--no-monitor")
    with tempfile.TemporaryDirectory(prefix="vtdctl-virsh-dump-") as tmp:
        path = os.path.join(tmp, "vtd-b.core")
        d.virsh("dump", "--memory-only", "--format", "elf", "vtd-b", path, timeout=120)
        r = vtdctl.run("--core=" + path, "dump", "--json", check=False)
        assert r.returncode in (0, 2), r.stderr
        core = json.loads(r.stdout)
    assert core["source"]["kind"] == "core", core["source"]
    assert core["iommu"]["rtaddr_origin"] == "scan", core["iommu"]
    assert int(core["iommu"]["rtaddr"], 16) & ~0xFFF == \
        int(live["iommu"]["rtaddr"], 16) & ~0xFFF, (core["iommu"], live["iommu"])
    assert live["devices"], live
    assert strip_host(core["devices"]) == strip_host(live["devices"])


def test_libvirt_watch_and_batch_by_name():
    """watch --vm=NAME in a real terminal (tmux) lists the domain's devices as
    dump --vm reads them; batch - runs shell lines over the same domain."""
    import re
    from test_watch import Pane, device_rows, quit_and_check
    d = env()
    want, _ = dump_json(d, "--vm=vtd-b")
    bdfs = [x["bdf"] for x in want["devices"]]
    assert bdfs, want
    argv = [vtdctl.binary(), "-c", d.uri, "--vm=vtd-b", "watch", "-i", "300"]
    with Pane(argv) as p:
        text = p.wait_text(r"^ %s " % re.escape(bdfs[-1]))
        assert sorted(device_rows(text)) == sorted(bdfs), text
        assert "vtd-b" in text.splitlines()[0] and "connected" in text.splitlines()[0], text
        quit_and_check(p)
    def batch(lines):
        return subprocess.run([vtdctl.binary(), "-c", d.uri, "--vm=vtd-b", "batch", "-"],
                              input=lines, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, timeout=120)
    r = batch("regs\ncheck\nfaults\n")
    assert r.returncode == 0, r.stderr
    assert "RTADDR" in r.stdout and "clean: %d devices" % len(bdfs) in r.stdout, r.stdout
    assert "fault recording register" in r.stdout, r.stdout
    # as bpftool's batch: the first bad line stops it, named with its number
    r = batch("check\nnosuchcommand\nregs\n")
    assert r.returncode == 1 and "stdin:2" in r.stderr, (r.returncode, r.stderr)
    assert "clean:" in r.stdout and "RTADDR" not in r.stdout, r.stdout


def test_libvirt_check_all_names_the_vm_with_a_fault():
    """check --all on a host where one VM has a pending fault: a fourth
    domain runs the freestanding test guest on scenario legacy-basic, whose
    last DMA (edu, 00:03.0, read of unmapped IOVA 0x300000) makes QEMU record
    a fault (legacy reason 0x6: the page-table entry has no read permission).
    One summary line per VM in name order, the findings under the faulty one,
    exit 2; the same with 1 and with 4 jobs, both timed."""
    d = env()
    name = "vtd-fault"
    scn = os.path.join(guestlib.REPO, "tests", "guest", "vtdguest", "scenarios",
                       "legacy-basic.scn")
    d.define(d.vtdguest_domain_xml(name, scn))
    try:
        d.start_domain(name)
        d.wait_ready(name, marker="READY")
        times = {}
        for jobs in (1, 4):
            t0 = time.monotonic()
            r = run(d, "--all", "check", env_extra={"VTDCTL_ALL_JOBS": str(jobs)})
            times[jobs] = time.monotonic() - t0
            assert r.returncode == 2, (r.returncode, r.stdout, r.stderr)
            heads = [l for l in r.stdout.splitlines() if not l.startswith(" ")]
            assert heads == ["%s: ok" % n for n in RUNNING] + [name + ": findings"], r.stdout
            mine = r.stdout.split(name + ": findings\n", 1)[1]
            pending = [l for l in mine.splitlines() if "fault_pending" in l]
            assert len(pending) == 1, mine
            assert "00:03.0" in pending[0] and "0x300000" in pending[0] and \
                "reason 0x06" in pending[0], pending
            assert pending[0].split()[0] == "warning", pending
        print("check --all over %d domains: sequential %.2f s, parallel %.2f s"
              % (len(RUNNING) + 1, times[1], times[4]))
        j = json.loads(run(d, "--all", "check", "--json").stdout)
        by = {x["name"]: x for x in j["domains"]}
        assert by[name]["status"] == "findings" and by[name]["exit"] == 2, by[name]
        f = [x for x in by[name]["result"]["findings"] if x["code"] == "fault_pending"]
        assert len(f) == 1 and f[0]["bdf"] == "00:03.0", f
        assert all(by[n]["status"] == "ok" for n in RUNNING), j
    finally:
        d.virsh("destroy", name, check=False)
        d.virsh("undefine", name, check=False)


def test_libvirt_all_domain_destroyed_halfway():
    """--all with one job at a time; when vtd-a is reported, vtdctl's parent is
    stopped (SIGSTOP, so vtd-c cannot start yet), vtd-c is destroyed, and the
    parent continues: vtd-a and vtd-b are reported, vtd-c is skipped with its
    reason, and the exit status is that of the two others. The last test: it
    stops the daemon and its guests, which would idle through the rest of
    the suite otherwise."""
    try:
        _destroyed_halfway(env())
    finally:
        libvirtd.stop_shared()
        _state.clear()


def _destroyed_halfway(d):
    argv = [vtdctl.binary(), "-c", d.uri, "--all", "dump"]
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env=dict(os.environ, VTDCTL_ALL_JOBS="1"))
    lines = []
    try:
        for line in p.stdout:
            lines.append(line)
            if line.startswith("vtd-a: "):
                os.kill(p.pid, signal.SIGSTOP)
                d.destroy("vtd-c")
                os.kill(p.pid, signal.SIGCONT)
                break
        lines += p.stdout.readlines()
        err = p.stderr.read()
        rc = p.wait(timeout=300)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    summary = {l.split(":", 1)[0]: l.split(":", 1)[1].strip()
               for l in lines if not l.startswith(" ") and ":" in l}
    assert sorted(summary) == RUNNING, lines
    assert summary["vtd-a"] in ("ok", "findings") and summary["vtd-b"] in ("ok", "findings"), \
        summary
    assert summary["vtd-c"].startswith("skipped: ") and "not running" in summary["vtd-c"], \
        (summary, err)
    want = 2 if "findings" in (summary["vtd-a"], summary["vtd-b"]) else 0
    assert rc == want, (rc, summary, err)
