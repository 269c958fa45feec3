"""MUST-SHOW 1: ``hvassist diagnose --lab all-faults --json``.

Expectations come from the names in the scenario: a VM (or host) named after a cause id must have a finding
with exactly that id (and no other), no ``ok-...`` VM may have any finding, and every VM has a readiness
verdict. Every cause that has a rule must be present in the scenario, so a new rule without a lab fault
fails here too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from hvassist.diagnose.readiness import VERDICTS
from hvassist.diagnose.rules import ALL_RULES
from hvassist.kb import all_causes
from hvassist.lab.model import load_scenario

PRODUCT_LOG_ONLY = {c.id for c in all_causes().values() if tuple(c.seen_on) == ("product-log",)}


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    env = dict(os.environ, HVASSIST_HOME=str(home))
    proc = subprocess.run([sys.executable, "-m", "hvassist", "diagnose", "--lab", "all-faults", "--json"],
                          capture_output=True, text=True, env=env, timeout=240)
    assert proc.returncode == 1, "findings and every host reachable -> exit code 1\n" + proc.stderr[-2000:]
    return json.loads(proc.stdout)


def vms_of(doc):
    return [(h["name"], v) for h in doc["hosts"] for v in h.get("vms", [])]


def test_every_host_was_diagnosed(result):
    estate = load_scenario("all-faults")
    hyperv = {h.name.lower() for h in estate.hosts if h.role == "hyperv"}
    assert {h["name"].lower() for h in result["hosts"]} == hyperv
    assert all(h["status"] == "ok" for h in result["hosts"]), [h for h in result["hosts"] if h["status"] != "ok"]


def test_every_cause_with_a_rule_is_in_the_scenario():
    estate = load_scenario("all-faults")
    names = {vm.name for h in estate.hosts for vm in h.vms} | {h.name for h in estate.hosts}
    ruled = {r.cause for r in ALL_RULES}
    assert ruled - names == set(), "causes with a rule but no VM or host carrying the fault"


def test_rules_cover_every_cause_a_host_or_guest_can_show():
    ruled = [r.cause for r in ALL_RULES]
    assert len(ruled) == len(set(ruled)), "one rule per cause id"
    assert set(ruled) <= set(all_causes()), "rules are named by cause ids from the catalogue"
    assert set(all_causes()) - set(ruled) == PRODUCT_LOG_ONLY
    assert {"guest-credentials", "benign-vss-noise", "backup-target-full", "io-flush-timeout"} == PRODUCT_LOG_ONLY


def test_each_vm_named_after_a_cause_has_exactly_that_finding(result):
    causes = set(all_causes())
    checked = 0
    for host, vm in vms_of(result):
        if vm["name"] in causes:
            checked += 1
            assert vm["findings"] == [vm["name"]], "%s on %s" % (vm["name"], host)
            f = [x for x in result["findings"] if x["vm"] == vm["name"]]
            assert [x["cause"] for x in f] == [vm["name"]] and f[0]["evidence"], f
    assert checked >= 20


def test_each_host_named_after_a_cause_has_exactly_that_finding(result):
    causes = set(all_causes())
    host_findings = [f for f in result["findings"] if f["vm"] is None]
    named = [h["name"] for h in result["hosts"] if h["name"].lower() in causes]
    assert len(named) >= 10
    for name in named:
        mine = [f["cause"] for f in host_findings if f["host"].lower() == name.lower()]
        assert mine == [name.lower()], "%s: %s" % (name, mine)
    strays = [f for f in host_findings if f["host"].lower() not in causes]
    assert strays == [], "host-wide findings on hosts not named after a cause"


def test_no_ok_vm_has_a_finding(result):
    ok = [(h, v) for h, v in vms_of(result) if v["name"].startswith("ok-")]
    assert len(ok) >= 8
    assert [(h, v["name"], v["findings"]) for h, v in ok if v["findings"]] == []
    assert not [f for f in result["findings"] if (f["vm"] or "").startswith("ok-")]
    assert {v["readiness"]["verdict"] for _h, v in ok} == {"application-consistent"}


def test_every_vm_has_a_readiness_verdict_with_reasons(result):
    for host, vm in vms_of(result):
        r = vm.get("readiness")
        assert r is not None and r["verdict"] in VERDICTS, (host, vm["name"])
        assert r["reasons"] and all(isinstance(x, str) and x for x in r["reasons"]), (host, vm["name"])


@pytest.mark.parametrize(("vm", "verdict"), [
    ("no-scsi-controller", "failing"),           # 2012 R2: AutoRecovery hot-add needs SCSI
    ("backup-ic-disabled", "offline"),           # 2012 R2 host VSS: saved-state method
    ("vm-not-running", "offline"),
    ("lingering-recovery-checkpoint", "failing"),
    ("checkpoint-type", "crash-consistent"),     # 2019: Standard checkpoints
    ("dynamic-disks-guest", "crash-consistent"),  # 2019: production checkpoint falls back
    ("linux-no-vss-daemon", "crash-consistent"),
    ("smb3-no-agent", "failing"),
    ("dev-box", "failing"),                       # Windows 10 host: no Hyper-V VSS writer
    ("replicated-app", "failing"),                # its host has overlapping VSS jobs
])
def test_readiness_follows_the_host_version_and_the_findings(result, vm, verdict):
    found = [v for _h, v in vms_of(result) if v["name"] == vm]
    assert found and found[0]["readiness"]["verdict"] == verdict, found


def test_guest_side_causes_were_checked_inside_the_guests(result):
    by_name = {v["name"]: v for _h, v in vms_of(result)}
    assert by_name["dynamic-disks-guest"]["guest_check"]["method"] == "powershell-direct"  # 2019 host
    assert by_name["scoped-snapshots"]["guest_check"]["method"] == "winrm"  # 2012 R2 host
    assert by_name["ok-19-w2012r2"]["guest_check"] == {"status": "done", "method": "winrm", "reason": ""}
    pending = {(p["target"], tuple(p["causes"])) for p in result["pending_checks"]}
    assert ("ok-12-linux", ("linux-no-vss-daemon",)) in pending  # Linux: the command to run there
    assert not [p for p in result["pending_checks"] if p["target"].startswith("ok-") and p["where"] == "guest"
                and "linux" not in p["target"]]
