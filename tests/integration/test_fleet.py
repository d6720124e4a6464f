# SPDX-License-Identifier: GPL-2.0-or-later
"""`vtdctl --all` over a fleet: 8 domains of the freestanding test guest on a
private libvirtd of this module's own (tests/lib/fleet.py; the 64-domain run
is tests/bench/bench_fleet.py). Each domain's scenario differs (mode, domain
id, PASIDs, devices, a fault at an IOVA of its own; the last one has a
reserved field set in a context entry), and each domain's result is checked
against what its scenario programmed, so that a result reported under the
wrong name, or mixed from two domains, fails. The last test destroys a domain
while `check --all` runs and stops the daemon.
"""

import json
import os
import signal
import subprocess

import vtdctl
from fleet import EDU, Fleet
from libvirtd import Libvirtd

COUNT = 8
_state = {}


def fleet_env():
    """(daemon, fleet), started once for this module."""
    if "fleet" not in _state:
        d = Libvirtd().start()
        _state["d"] = d
        _state["fleet"] = Fleet(d, COUNT, broken_last=True).start()
    return _state["d"], _state["fleet"]


def stop_fleet():
    if "d" in _state:
        _state["d"].stop()
    _state.clear()


def run(d, *args, env_extra=None):
    r = subprocess.run([vtdctl.binary(), "-c", d.uri] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=300,
                       env=dict(os.environ, **(env_extra or {})))
    assert r.returncode in (0, 2), (args, r.returncode, r.stderr)
    return r


def want_status(e):
    return "findings" if e["fault_iova"] is not None or e["broken"] else "ok"


def check_result_matches_scenario(name, e, res):
    """One domain's `check -j` result against its scenario (tests/lib/fleet.py)."""
    f = res["findings"]
    s = res["summary"]
    assert s["devices"] == len(e["devices"]), (name, s, e)
    assert s["pasids"] == len(e["pasids"]), (name, s, e)
    faults = [x for x in f if x["code"] == "fault_pending"]
    if e["fault_iova"] is None:
        assert not faults, (name, faults)
    else:
        assert len(faults) == 1, (name, f)
        assert faults[0]["bdf"] == EDU and faults[0]["severity"] == "warning", faults
        assert "read at 0x%x:" % e["fault_iova"] in faults[0]["message"], (name, faults)
    lazy = sorted(x["pasid"] for x in f if x["code"] == "host_pasid_lazy")
    assert lazy == e["lazy_pasids"], (name, lazy, e)
    errors = [x for x in f if x["severity"] == "error"]
    if e["broken"]:
        assert errors and all(x["bdf"] == EDU for x in errors), (name, f)
        assert "0x%x" % e["broken_entry"] in [x["address"] for x in errors], (name, errors)
    else:
        assert not errors, (name, errors)
    assert s["errors"] == len(errors), (name, s)
    assert s["warnings"] == len(faults), (name, s, f)


def test_fleet_check_all_json_each_domain_its_own():
    """check --all -j: every domain once, in name order, with its uuid; its
    status, exit, devices, PASIDs, fault address and broken entry are those
    of its own scenario; exit 2 (some have findings)."""
    d, fl = fleet_env()
    r = run(d, "--all", "-j", "check")
    assert r.returncode == 2, r.stderr
    j = json.loads(r.stdout)
    assert j["uri"] == d.uri, j["uri"]
    assert [x["name"] for x in j["domains"]] == fl.names, j["domains"]
    for x in j["domains"]:
        name, e = x["name"], fl.expect[x["name"]]
        assert x["uuid"] == d.virsh("domuuid", name).stdout.strip(), x
        assert x["status"] == want_status(e), (name, x["status"], e)
        assert x["exit"] == (2 if want_status(e) == "findings" else 0), x
        assert "error" not in x, x
        check_result_matches_scenario(name, e, x["result"])
        assert x["result"]["host"]["pid"] == d.pid_of(name), (name, x["result"]["host"]["pid"])


def test_fleet_dump_all_devices_and_domain_ids():
    """dump --all -j: each domain's devices, domain ids and PASID entries are
    the ones its scenario wrote."""
    d, fl = fleet_env()
    j = json.loads(run(d, "--all", "-j", "dump").stdout)
    assert [x["name"] for x in j["domains"]] == fl.names
    for x in j["domains"]:
        name, e = x["name"], fl.expect[x["name"]]
        devs = {v["bdf"]: v for v in x["result"]["devices"]}
        assert sorted(devs) == sorted(e["devices"]), (name, sorted(devs))
        edu = devs[EDU]
        if e["scalable"]:
            got = sorted(p["pasid"] for p in edu["pasids"])
            assert got == e["pasids"], (name, got)
            dids = {p["pasid"]: p["did"] for p in edu["pasids"]}
            assert dids[0] == e["did"], (name, dids)
            assert all(dids[p] == e["did"] + 0x1000 for p in e["pasids"][1:]), (name, dids)
        else:
            assert edu["context"]["did"] == e["did"], (name, edu["context"])


def test_fleet_check_all_text_in_name_order():
    """check --all in text: one summary line per domain in name order, the
    fault address of each under its own name only."""
    d, fl = fleet_env()
    r = run(d, "--all", "check")
    assert r.returncode == 2
    blocks = text_blocks(r.stdout)
    assert [(n, st) for n, (st, _) in blocks.items()] == \
        [(n, want_status(fl.expect[n])) for n in fl.names], r.stdout
    for n in fl.names:
        for m in fl.names:
            iova = fl.expect[m]["fault_iova"]
            if iova is not None:
                body = blocks[n][1]
                assert (("read at 0x%x:" % iova) in body) == (n == m), (n, m, body)


def test_fleet_domain_destroyed_during_check_all():
    """One job at a time; when the first domain is reported, vtdctl is
    stopped, fleet-04 destroyed, vtdctl continued: fleet-04 is "skipped" with
    its reason, every other domain still gets its own result, and the exit
    status is that of the others (2). The last test: it stops the daemon."""
    try:
        _destroyed_during_run(*fleet_env())
    finally:
        stop_fleet()


def _destroyed_during_run(d, fl):
    gone = fl.names[4]
    argv = [vtdctl.binary(), "-c", d.uri, "--all", "check"]
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env=dict(os.environ, VTDCTL_ALL_JOBS="1"))
    lines = []
    try:
        # the first summary line comes when the first job has ended; with
        # one job at a time the second may have begun, the fifth has not
        for line in p.stdout:
            lines.append(line)
            if line.startswith(fl.names[0] + ": "):
                os.kill(p.pid, signal.SIGSTOP)
                d.destroy(gone)
                os.kill(p.pid, signal.SIGCONT)
                break
        lines += p.stdout.readlines()
        err = p.stderr.read()
        rc = p.wait(timeout=300)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    blocks = text_blocks("".join(lines))
    assert list(blocks) == fl.names, lines
    for name, (status, body) in blocks.items():
        if name == gone:
            assert status.startswith("skipped: ") and "not running" in status, (status, err)
            assert body == "", body
            continue
        e = fl.expect[name]
        assert status == want_status(e), (name, status)
        for m in fl.names:
            iova = fl.expect[m]["fault_iova"]
            if iova is not None:
                assert (("read at 0x%x:" % iova) in body) == (name == m), (name, m, body)
    assert rc == 2, (rc, err)


def text_blocks(out):
    """{name: (status, indented body)} of --all's text output, in its order."""
    blocks = {}
    name = None
    for line in out.splitlines():
        if line and not line.startswith(" "):
            name, status = line.split(": ", 1)
            blocks[name] = (status, "")
        elif name is not None:
            blocks[name] = (blocks[name][0], blocks[name][1] + line + "\n")
    return blocks
