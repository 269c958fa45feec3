"""Looking inside guests: WinRM to the guest, PowerShell Direct on 2016+, what happens without credentials
or when they are wrong, and that the guest password is never written anywhere."""

from __future__ import annotations

import json
import logging
import re

import jsonschema
import pytest

from hvassist.lab.model import load_scenario
from hvassist.lab.runtime import start_lab
from hvassist.remote.scripts import get_script
from hvassist.remote.session import HostSession
from hvassist.services.diagnosis import GuestCredentials, HostTarget, diagnose, diagnose_host
from hvassist.snapshot import parse_guest_facts, parse_snapshot


@pytest.fixture(scope="module")
def lab():
    lab = start_lab("all-faults")
    try:
        yield lab
    finally:
        lab.stop()


def target(lab, name, guest=True, password=None):
    creds = GuestCredentials(lab.guest_username, password or lab.guest_password) if guest else None
    return HostTarget(lab.endpoint(name), lab.username, lab.password, guest=creds, resolve=lab.endpoint)


def function_body(script: str) -> str:
    m = re.search(r"^# BEGIN guest-facts.*?^# END guest-facts$", script, re.M | re.S)
    assert m, "the shared guest-facts block"
    return m.group(0)


def test_guest_facts_function_is_the_same_in_both_scripts():
    assert function_body(get_script("collect-guest").text) == function_body(get_script("guest-check-direct").text)
    direct = json.loads(json.dumps(get_script("guest-check-direct").schema))["$defs"]["guest_facts"]
    own = dict(get_script("collect-guest").schema)
    for key in ("$schema", "$id", "title", "description"):
        own.pop(key)
    assert direct == own, "guest-check-direct carries collect-guest's schema for its facts"


def test_lab_answers_match_the_schemas(lab):
    fqdn = "ok-12-gen2.contoso.local"
    with HostSession(lab.endpoint(fqdn), lab.guest_username, lab.guest_password) as s:
        doc = s.run_json("collect-guest", {"EventDays": 7})
    jsonschema.validate(doc, get_script("collect-guest").schema)
    assert parse_guest_facts(doc).vmicvss_state == "Running"
    n1 = next(v for v in lab.estate.host("hv19-n1").vms if v.name == "ok-19-gen2")
    with HostSession(lab.endpoint("hv19-n1"), lab.username, lab.password) as s:
        doc = s.run_json("guest-check-direct", {"VMIds": [n1.id], "GuestUser": lab.guest_username,
                                                "GuestPassword": lab.guest_password, "EventDays": 7})
        jsonschema.validate(doc, get_script("guest-check-direct").schema)
        assert doc["results"][0]["ok"] is True
        collected = s.run_json("collect-host", {"EventDays": 7, "Hotfixes": ["KB2996928"]})
    jsonschema.validate(collected, get_script("collect-host").schema)
    with HostSession(lab.endpoint("fs01"), lab.username, lab.password) as s:
        fs = s.run_json("probe-file-server")
    jsonschema.validate(fs, get_script("probe-file-server").schema)
    assert fs["agent"] is None


def test_every_lab_host_answers_collect_host_in_the_schema(lab):
    schema = get_script("collect-host").schema
    for name in lab.hyperv_host_names():
        with HostSession(lab.endpoint(name), lab.username, lab.password) as s:
            doc = s.run_json("collect-host", {"EventDays": 7, "MaxEvents": 500, "Hotfixes": ["KB2996928"]})
        jsonschema.validate(doc, schema)
        parse_snapshot(doc)


def test_powershell_direct_refusals_are_reported_per_vm(lab):
    vms = {v.name: v for v in lab.estate.host("hv19-n2").vms}
    ids = [vms["ok-19-w2012r2"].id, vms["guest-writer-failed"].id]
    with HostSession(lab.endpoint("hv19-n2"), lab.username, lab.password) as s:
        doc = s.run_json("guest-check-direct", {"VMIds": ids, "GuestUser": lab.guest_username,
                                                "GuestPassword": "wrong", "EventDays": 7})
    errors = [r["error"] for r in doc["results"]]
    assert "remote session might have ended" in errors[0]  # a 2012 R2 guest has no PowerShell Direct
    assert errors[1] == "The credential is invalid."
    with HostSession(lab.endpoint("hv12-n1"), lab.username, lab.password) as s:  # 2012 R2 host
        doc = s.run_json("guest-check-direct", {"VMIds": [lab.estate.host("hv12-n1").vms[0].id],
                                                "GuestUser": "x", "GuestPassword": "y"})
    assert "VMId" in doc["results"][0]["error"]


def test_without_guest_credentials_the_guest_causes_become_pending_checks(lab):
    outcome = diagnose_host(target(lab, "hv19-n2", guest=False))
    assert outcome.ok
    found = {(f.cause, f.vm) for f in outcome.findings}
    assert ("dynamic-disks-guest", "dynamic-disks-guest") not in found
    pending = {p.target: p for p in outcome.pending}
    p = pending["dynamic-disks-guest"]
    assert p.where == "guest" and "No guest credentials" in p.reason
    assert "dynamic-disks-guest" in p.causes
    assert any("Logical Disk Manager" in cmd for _c, cmd in p.commands)
    r = outcome.readiness[next(v.id for v in outcome.snapshot.vms if v.name == "dynamic-disks-guest")]
    assert any("Not checked inside the guest" in x for x in r.reasons)


def test_wrong_guest_password_is_reported_and_never_logged(lab, caplog):
    secret = "Wrong-Secret-%d" % id(lab)
    caplog.set_level(logging.DEBUG)
    outcome = diagnose_host(target(lab, "hv19-n2", password=secret))
    assert outcome.ok
    by_name = {v.name: v for v in outcome.snapshot.vms}
    gi = outcome.snapshot.guests[by_name["guest-writer-failed"].id]
    assert gi.status == "failed" and "credential is invalid" in gi.reason
    assert not any(f.cause == "guest-writer-failed" for f in outcome.findings)
    assert secret not in caplog.text
    result = diagnose([target(lab, "hv19-n2", password=secret)])
    assert secret not in json.dumps(result.to_json())
    assert secret not in repr(target(lab, "hv19-n2", password=secret))


def test_a_guest_that_cannot_be_reached_falls_back_to_the_commands(lab):
    outcome = diagnose_host(target(lab, "hv12-n2"))
    xp = next(p for p in outcome.pending if p.target == "unsupported-guest-os")
    assert "Could not check inside the guest at unsupported-guest-os.contoso.local" in xp.reason


def test_file_server_without_the_agent_and_unreachable_file_server():
    lab = start_lab("all-faults")
    try:
        outcome = diagnose_host(target(lab, "hv19-n2"))
        assert any(f.cause == "smb3-no-agent" for f in outcome.findings)
        lab.estate.host("fs01").features.append("FS-VSS-Agent")
        outcome = diagnose_host(target(lab, "hv19-n2"))
        assert not any(f.cause == "smb3-no-agent" for f in outcome.findings)
    finally:
        lab.stop()
    estate = load_scenario("all-faults")
    estate.host("fs01").down = True
    lab = start_lab(estate)
    try:
        outcome = diagnose_host(target(lab, "hv19-n2"))
    finally:
        lab.stop()
    assert not any(f.cause == "smb3-no-agent" for f in outcome.findings)
    p = next(p for p in outcome.pending if p.where == "file-server")
    assert p.target == "fs01" and "smb3-no-agent" in p.reason and p.causes == ("smb3-no-agent",)


def test_collect_host_1_output_still_parses():
    doc = {"schema": "collect-host/1", "collected_at": "", "host": {
        "name": "H", "domain": "", "os_caption": "", "os_version": "6.3.9600", "os_build": 9600, "product_type": 3,
        "ps_version": "4.0", "cluster": {"name": "C", "functional_level": 0, "nodes": [{"name": "H", "state": "Up"}]}},
        "vms": [{"name": "v", "id": "A", "generation": 1, "state": "Running", "version": "5.0",
                 "is_clustered": True, "config_location": "", "snapshot_location": "", "checkpoint_type": None,
                 "ic_version": "", "ic_state": "", "scsi_controllers": 1, "ide_controllers": 2,
                 "disks": [{"path": "C:\\x.vhdx", "controller_type": "IDE", "controller_number": 0,
                            "controller_location": 0, "disk_number": None, "shared": False}],
                 "integration_services": [], "checkpoints": [], "autorecovery_files": [], "guest": None}],
        "csvs": [{"name": "Cluster Disk 1", "state": "Online", "owner": "H", "path": "C:\\ClusterStorage\\Volume1",
                  "size_bytes": 1, "free_bytes": 1, "redirected": False}],
        "vss": {"writers_text": "", "providers_text": ""}, "events": []}
    s = parse_snapshot(doc)
    assert s.vms[0].disks[0].vm_access is None and s.host.service_logon_right is None
    assert s.csvs[0].node_states == () and s.host.cluster is not None and s.host.cluster.vm_groups == ()
