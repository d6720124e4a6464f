# SPDX-License-Identifier: GPL-2.0-or-later
"""Answers a triager can trust (issue 16): vtdctl never says "clean" or
"fault" when it does not know, and reads -s as lspci does. On real QEMUs:

- -s: every form is checked against lspci itself (pciutils, `lspci -F` on a
  dump of the test guest's devices as the independent reader walked them),
  what it selects and what it rejects, with its words;
- a filter that matches nothing: exit 1 and what the tables hold (devices and
  PASIDs from the independent xp reader, tests/lib/xpwalk.py);
- a snapshot taken without --pages: xlate is "unknown", not a fault; live, and
  from a --pages snapshot, the same address translates (the Linux guest's
  identity map);
- a QEMU started without intel-iommu, over --qmp: every command and watch say
  the VM has no Intel IOMMU, once, exit 1;
- check: findings worst first, every default line within 100 columns, the
  counts equal to the findings listed, each code's "Next:" in the man page,
  pgtt_not_supported naming the ECAP bit that an independent read of ECAP
  shows clear."""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest

from vtdctl import binary, run
import xpwalk

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "tests", "guest", "vtdguest"))
import boot as vtdguest  # noqa: E402

_g = {}
SEV = {"error": 2, "warning": 1, "info": 0}


def workdir():
    if "dir" not in _g:
        _g["dir"] = tempfile.mkdtemp(prefix="vtdctl-answers-")
        import atexit
        atexit.register(shutil.rmtree, _g["dir"], True)
    return _g["dir"]


def need_qemu():
    if shutil.which(os.environ.get("QEMU") or "qemu-system-x86_64") is None:
        raise unittest.SkipTest("no QEMU")


def vtd_guest():
    """The test guest's scalable-basic scenario: 00:03.0, 00:10.0, 02:00.1,
    PASIDs of every PGTT, on QEMU 7.2 (whose ECAP lacks FLTS and NEST)."""
    need_qemu()
    if "vg" not in _g:
        _g["vg"] = vtdguest.boot(vtdguest.scenario_path("scalable-basic"))
    return _g["vg"]


def reference(g):
    """The tables as the independent reader walks them over xp."""
    if "ref" not in _g:
        _g["ref"] = xpwalk.walk(g.xp, g.read_reg(xpwalk.RTADDR_REG))
    return _g["ref"]


def vtd(*args, rc=(0,)):
    r = run(*args, check=False)
    assert r.returncode in rc, "vtdctl %s: exit %d (want %s)\nstdout: %s\nstderr: %s" % (
        " ".join(args), r.returncode, rc, r.stdout, r.stderr)
    return r


# --- -s as lspci reads it -------------------------------------------------------

# Forms lspci -s takes; what each selects comes from lspci, not from here.
SLOT_FORMS = ["00:03.0", "0000:00:03.0", "0:0:3.0", "03", "3", "3.0", "3.", "00:",
              "02:", "2:0.1", ".1", ".0", "*:*.1", "*:*:*.*", "10", "0:10.0", "*", "",
              "0000:02:00.1", "0001:00:03.0", "1f", "02:00", "2:", "0:", "0:0:"]
# Forms lspci rejects: its message (after "lspci: -s: ") must be vtdctl's too.
SLOT_BAD = ["1g", "1:2:3:4", "0x3", "00:20", "00:03.8", "100:", "3.0.1", "-1", " 3",
            "80000000:0:0.0", "0" * 70 + "3", "g:0:0.0", "0:0:0.0:"]


def need_lspci():
    if shutil.which("lspci") is None:
        raise unittest.SkipTest("no lspci (apt-get install pciutils)")


def lspci_dump(bdfs):
    """A dump in `lspci -x` form with one device per BDF (any ids will do)."""
    path = os.path.join(workdir(), "devices.lspci")
    with open(path, "w") as f:
        for b in bdfs:
            f.write("%s Class 0000: Device 1234:11e8\n" % b)
            f.write("00: 34 12 e8 11 00 00 00 00 00 00 ff 00 00 00 00 00\n\n")
    return path


def lspci(dump, form):
    r = subprocess.run(["lspci", "-F", dump, "-s", form], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    return r.returncode, {l.split()[0] for l in r.stdout.splitlines() if l.strip()}, r.stderr


def test_slot_forms_select_what_lspci_selects():
    need_lspci()
    g = vtd_guest()
    bdfs = [d["bdf"] for d in reference(g)["devices"]]
    assert sorted(bdfs) == ["00:03.0", "00:10.0", "02:00.1"], bdfs
    dump = lspci_dump(bdfs)
    for form in SLOT_FORMS:
        rc, want, err = lspci(dump, form)
        assert rc == 0, (form, err)
        r = vtd("--qmp=" + g.qmp_path, "-j", "-s", form, "--no-host", "dump", rc=(0, 1, 2))
        if not want:
            assert r.returncode == 1 and "nothing matches -s %s" % form in r.stderr, \
                (form, r.stderr)
            continue
        got = {d["bdf"] for d in json.loads(r.stdout)["devices"]}
        assert got == want, "-s %r: lspci selects %s, vtdctl %s" % (form, want, got)


def test_slot_forms_rejected_as_lspci_rejects_them():
    need_lspci()
    dump = lspci_dump(["00:03.0"])
    for form in SLOT_BAD:
        rc, _, err = lspci(dump, form)
        m = re.match(r"lspci: -s: (.*)$", err.strip())
        assert rc != 0 and m, (form, err)
        # no target needed: the option is refused while parsing
        r = vtd("-s", form, "dump", rc=(1,))
        assert r.stdout == "", r.stdout
        assert r.stderr.startswith("vtdctl: -s %s: %s (" % (form, m.group(1).lower())), \
            (form, err, r.stderr)


# --- a filter that matches nothing ------------------------------------------------

def test_filter_that_matches_nothing_says_so():
    g = vtd_guest()
    ref = reference(g)
    bdfs = sorted(d["bdf"] for d in ref["devices"])
    pasids = sorted({p["pasid"] for d in ref["devices"] for p in d["pasids"]})
    p03 = sorted(p["pasid"] for d in ref["devices"] if d["bdf"] == "00:03.0"
                 for p in d["pasids"])
    q = "--qmp=" + g.qmp_path
    cases = [
        (["-s", "09:00.0", "check"], "-s 09:00.0", "3 devices: " + " ".join(bdfs)),
        (["-s", "0001:00:03.0", "dump"], "-s 0001:00:03.0", "segment 0000"),
        (["--pasid=5", "check"], "--pasid=5",
         "PASIDs: " + " ".join(str(p) for p in pasids[:8])),
        (["-s", "00:03.0", "--pasid=77", "check"], "-s 00:03.0 --pasid=77",
         "what -s names holds PASIDs: " + " ".join(str(p) for p in p03)),
        (["--did=999", "dump"], "--did=999", "DIDs: "),
        (["-s", "09:00.0", "xlate", "0x1000"], "-s 09:00.0", "3 devices: "),
    ]
    for args, what, holds in cases:
        r = vtd(q, *args, rc=(1,))
        assert r.stdout == "", (args, r.stdout)     # no "clean", no table
        line = r.stderr.strip()
        assert line.startswith("vtdctl: nothing matches %s (" % what), (args, line)
        assert holds in line, (args, holds, line)
        assert len(line) <= 100, line
        j = vtd(q, "-j", *args, rc=(1,))
        assert json.loads(j.stdout)["error"] == line[len("vtdctl: "):], j.stdout
    # what does match still answers: 00:03.0's five PASIDs but RID_PASID...
    r = vtd(q, "-j", "-s", "3", "--pasid=64", "dump", rc=(0, 2))
    got = [(d["bdf"], [p["pasid"] for p in d["pasids"]]) for d in json.loads(r.stdout)["devices"]]
    assert got == [("00:03.0", [64])], got
    # a slot with several functions: xlate names them (here, buses)
    r = vtd(q, "-s", "*:*.0", "xlate", "0x1000", rc=(1,))
    assert "matches 2 devices (00:03.0 00:10.0): name one" in r.stderr, r.stderr


def test_diff_and_watch_with_a_filter_that_matches_nothing():
    """Snapshots of the test guest (tests/golden/inputs, real QEMU 7.2): diff
    of two sides that both hold nothing the filter names is not "no change";
    watch says so before it takes the screen."""
    inputs = os.path.join(REPO, "tests", "golden", "inputs")
    a = os.path.join(inputs, "vtdguest-scalable-basic.snap")
    b = os.path.join(inputs, "vtdguest-hostile-selfref.snap")
    want = "vtdctl: nothing matches -s 09:00.0 (3 devices: 00:03.0 00:10.0 02:00.1)\n"
    r = vtd("-s", "09:00.0", "diff", a, b, rc=(1,))
    assert r.stdout == "" and r.stderr == want, (r.stdout, r.stderr)
    # a device on one side only is a change, not "nothing matches"
    r = vtd("-s", "01:", "diff", a, b, rc=(2,))
    assert "01:00.0" in r.stdout and r.stderr == "", r.stdout
    screen = tmux_run([binary(), "--snapshot=" + a, "-s", "09:00.0", "watch"], 2)
    assert want.strip() in screen and "WATCH-EXIT=1" in screen, screen


# --- a snapshot without --pages: "not recorded", never a fault -----------------------

def linux_guest():
    from guest import shared_guest
    return shared_guest("q72-l61-scalable")


def test_snapshot_without_pages_is_not_recorded_not_a_fault():
    g = linux_guest()
    q = "--qmp=" + g.qmp_path
    bare = os.path.join(workdir(), "bare.snap")
    full = os.path.join(workdir(), "full.snap")
    vtd(q, "snapshot", "-o", bare)
    vtd(q, "snapshot", "-o", full, "--pages")
    args = ("-s", "00:1f.2", "xlate", "0x1000")
    # live and from the --pages snapshot: the identity map translates
    for target in (q, "--snapshot=" + full):
        x = json.loads(vtd(target, "-j", *args).stdout)["xlate"]
        assert x["result"] == {"gpa": "0x1000", "page_size": "0x1000"} and \
            x["fault"] is None and x["unknown"] is None, (target, x)
    # the snapshot without page tables does not know: unknown, exit 1
    r = vtd("--snapshot=" + bare, *args, rc=(1,))
    out = r.stdout
    assert "(not recorded)" in out and "\nunknown: " in out, out
    assert "snapshot --pages" in out, out
    assert "fault" not in out and "not in guest RAM" not in out, out
    x = json.loads(vtd("--snapshot=" + bare, "-j", *args, rc=(1,)).stdout)["xlate"]
    assert x["result"] is None and x["fault"] is None and "not recorded" in x["unknown"], x
    # dump --pages: the mappings are unknown, not "0 ranges"
    r = vtd("--snapshot=" + bare, "-s", "00:1f.2", "--pages", "dump")
    assert "mapped: unknown (page tables not recorded" in r.stdout, r.stdout
    m = json.loads(vtd("--snapshot=" + bare, "-j", "-s", "00:1f.2", "--pages", "dump")
                   .stdout)["devices"][0]["pasids"][0]["mappings"]
    assert m["ranges"] == [] and m["not_recorded"] >= 1 and m["bad_pointers"] == 0, m
    # the tables the walk read were recorded: dump and check answer as live
    assert vtd("--snapshot=" + bare, "check").stdout == vtd(q, "check").stdout
    # ir: a filter that names no SID is not an empty answer either
    r = vtd("--snapshot=" + bare, "-s", "09:00.0", "ir", rc=(1,))
    assert r.stderr.startswith("vtdctl: nothing matches -s 09:00.0 ("), r.stderr


def test_table_missing_from_a_snapshot_is_a_not_recorded_finding():
    """A snapshot whose PASID table page was taken out (as a snapshot of an
    older walk would lack it): the walk says not_recorded, not
    pointer_outside_ram."""
    g = vtd_guest()
    path = os.path.join(workdir(), "vg.snap")
    vtd("--qmp=" + g.qmp_path, "snapshot", "-o", path)
    with open(path) as f:
        snap = json.load(f)
    # the scenario puts 00:03.0's PASID table for PASIDs 0..63 at 0x804000
    before = len(snap["pages"])
    snap["pages"] = [p for p in snap["pages"] if int(p["gpa"], 16) != 0x804000]
    assert len(snap["pages"]) == before - 1
    cut = os.path.join(workdir(), "vg-cut.snap")
    with open(cut, "w") as f:
        json.dump(snap, f)
    r = vtd("--snapshot=" + cut, "-j", "dump", rc=(2,))
    fs = [(f["severity"], f["code"], f["bdf"], f["address"]) for f in json.loads(r.stdout)["findings"]
          if f["code"] in ("not_recorded", "pointer_outside_ram")]
    assert fs == [("warning", "not_recorded", "00:03.0", "0x804000")], fs


# --- a VM without an Intel IOMMU, over --qmp -------------------------------------------

class BareQemu:
    """A real QEMU (q35, no guest, stopped with -S) with or without an
    intel-iommu, and a QMP socket for vtdctl."""

    def __init__(self, iommu):
        need_qemu()
        self.dir = tempfile.mkdtemp(prefix="vtdctl-noiommu-")
        self.qmp_path = os.path.join(self.dir, "qmp.sock")
        argv = [os.environ.get("QEMU") or "qemu-system-x86_64", "-machine", "q35",
                "-m", "64", "-display", "none", "-nic", "none", "-S",
                "-qmp", "unix:%s,server=on,wait=off" % self.qmp_path]
        if iommu:
            argv += ["-device", "intel-iommu"]
        self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        t0 = time.monotonic()
        while not os.path.exists(self.qmp_path):
            assert self.proc.poll() is None, self.proc.stderr.read()
            assert time.monotonic() - t0 < 30, "QEMU did not make its QMP socket"
            time.sleep(0.05)

    def stop(self):
        self.proc.kill()
        self.proc.wait()
        self.proc.stderr.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def tmux_run(argv, seconds):
    """Run argv in a fresh tmux pane (100x24) for `seconds`; the screen after."""
    if shutil.which("tmux") is None:
        raise unittest.SkipTest("no tmux")
    sock = "vtdctl-answers-%d" % os.getpid()
    cmd = " ".join("'%s'" % a.replace("'", "'\\''") for a in argv)
    subprocess.run(["tmux", "-L", sock, "-f", "/dev/null", "new-session", "-d", "-x", "100",
                    "-y", "24", "sh", "-c", cmd + "; echo WATCH-EXIT=$?; exec sleep 60"],
                   check=True)
    try:
        time.sleep(seconds)
        return subprocess.run(["tmux", "-L", sock, "capture-pane", "-p", "-J"],
                              stdout=subprocess.PIPE, text=True, check=True).stdout
    finally:
        subprocess.run(["tmux", "-L", sock, "kill-server"], check=False)


def test_vm_without_intel_iommu_says_so():
    vm = BareQemu(iommu=False)
    try:
        q = "--qmp=" + vm.qmp_path
        want = "vtdctl: %s: the VM has no Intel IOMMU (QEMU needs -device intel-iommu)\n" \
            % vm.qmp_path
        for args in (["dump"], ["check"], ["regs"], ["faults"], ["iq"], ["ir"],
                     ["snapshot", "-o", "-"], ["-s", "00:1f.2", "xlate", "0x1000"]):
            r = vtd(q, *args, rc=(1,))
            assert r.stderr == want and r.stdout == "", (args, r.stdout, r.stderr)
        j = vtd(q, "-j", "dump", rc=(1,))
        assert json.loads(j.stdout) == {"error": want[len("vtdctl: "):-1]}
        # watch says it once, before taking the screen, and ends: no loop of
        # DISCONNECTED / retry
        screen = tmux_run([binary(), q, "watch"], 3)
        assert want.strip() in screen and "WATCH-EXIT=1" in screen, screen
        assert "DISCONNECTED" not in screen and "retry" not in screen, screen
    finally:
        vm.stop()
    # the same QEMU with an intel-iommu: the unit answers (the message above
    # is about the IOMMU, not about QMP)
    vm = BareQemu(iommu=True)
    try:
        r = vtd("--qmp=" + vm.qmp_path, "-j", "regs")
        assert json.loads(r.stdout)["base"] == "0xfed90000", r.stdout
    finally:
        vm.stop()


# --- check: worst first, counted, within 100 columns, next steps -----------------

def man_finding_codes():
    """code -> its entry in man/vtdctl.8's Finding codes section."""
    with open(os.path.join(REPO, "man", "vtdctl.8")) as f:
        text = f.read()
    sec = text.split(".SS Finding codes", 1)[1].split(".SH ", 1)[0]
    entries = {}
    for item in sec.split(".TP\n")[1:]:
        head, _, body = item.partition("\n")
        for code in re.findall(r"[a-z][a-z0-9_]+", head.replace("\\-", "-")):
            if code not in ("B", "BR"):
                entries[code] = body
    return entries


def test_check_report_worst_first_counted_within_100_columns():
    g = vtd_guest()
    ref = reference(g)
    q = "--qmp=" + g.qmp_path
    text = vtd(q, "check", rc=(2,)).stdout.splitlines()
    findings = json.loads(vtd(q, "-j", "check", rc=(2,)).stdout)
    fl = findings["findings"]
    assert text[0] == "findings:" and len(text) == len(fl) + 3, text
    lines = text[1:1 + len(fl)]
    # worst first, in the text and in JSON alike
    sev = [l.split()[0] for l in lines]
    assert sev == [f["severity"] for f in fl], (sev, fl)
    assert [SEV[s] for s in sev] == sorted((SEV[s] for s in sev), reverse=True), sev
    for l in text:
        assert len(l) <= 100, "%d columns: %s" % (len(l), l)
    # the counts are those of the findings listed, over the devices and
    # PASIDs the independent reader found
    n = {s: sev.count(s) for s in SEV}
    devs = len(ref["devices"])
    npas = sum(len(d["pasids"]) for d in ref["devices"])
    assert text[-2].startswith("%d error%s, %d warning%s, %d info in %d devices (%d present PASID"
                               % (n["error"], "" if n["error"] == 1 else "s", n["warning"],
                                  "" if n["warning"] == 1 else "s", n["info"], devs, npas)), text[-2]
    assert findings["summary"] == {"errors": n["error"], "warnings": n["warning"],
                                   "info": n["info"], "devices": devs, "pasids": npas}
    assert text[-1].startswith("next: ") and "Finding codes" in text[-1], text[-1]
    # -v: whole messages, the same as JSON's
    full = vtd(q, "-v", "check", rc=(2,)).stdout.splitlines()[1:1 + len(fl)]
    for l, f in zip(full, fl):
        assert l.endswith(" " + f["message"]), (l, f)
    # every code printed has a "Next:" in the man page
    man = man_finding_codes()
    for f in fl:
        assert "Next:" in man.get(f["code"], ""), f["code"]
    # pgtt_not_supported names one ECAP bit, and ECAP read here has it clear
    ecap = g.read_reg(0x10)
    bits = {"FLTS": 47, "SLTS": 46, "NEST": 26, "PT": 6}
    named = [f for f in fl if f["code"] == "pgtt_not_supported"]
    assert named, fl
    for f in named:
        m = re.search(r"but ECAP\.([A-Z]+) \(bit (\d+)\) is clear$", f["message"])
        assert m and bits[m.group(1)] == int(m.group(2)), f["message"]
        assert not ecap >> int(m.group(2)) & 1, (hex(ecap), f["message"])
