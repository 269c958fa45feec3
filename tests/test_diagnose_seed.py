"""``hvassist diagnose --lab seed`` finds the seeded causes, and nothing on the healthy VMs."""

from __future__ import annotations

import json

from hvassist.cli import main


def run_json(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr().out
    return code, json.loads(out)


def test_diagnose_lab_seed_json(capsys):
    code, doc = run_json(capsys, "diagnose", "--lab", "seed", "--json")
    assert code == 1, "findings → exit code 1"
    found = {(f["cause"], f["vm"]) for f in doc["findings"]}
    assert ("no-scsi-controller", "VM001") in found
    assert ("backup-ic-disabled", "VM003") in found
    assert ("lingering-recovery-checkpoint", "VM004") in found
    assert ("vm-not-running", "VM005") in found
    assert not [f for f in doc["findings"] if f["vm"] in ("VM002", "VM006")]
    vm001 = next(f for f in doc["findings"] if f["cause"] == "no-scsi-controller")
    assert vm001["host"] == "HV01" and vm001["severity"] == "error"
    assert any("10103" in e for e in vm001["evidence"]), "the 10103 event is evidence"
    assert {h["name"] for h in doc["hosts"]} == {"HV01", "HV02"}
    assert all(h["status"] == "ok" for h in doc["hosts"])


def test_unreachable_host_gives_exit_code_2(capsys, monkeypatch):
    monkeypatch.setenv("HVASSIST_PASSWORD", "irrelevant")
    code = main(["diagnose", "no-such-host.invalid", "--user", "x", "--transport", "http", "--json"])
    # the password prompt reads from stdin; pytest's capture gives an empty answer
    doc = json.loads(capsys.readouterr().out)
    assert code == 2
    assert doc["hosts"][0]["status"] == "error"
    assert doc["hosts"][0]["error"]["kind"] == "name-not-resolved"


def test_10103_on_2008_is_not_read_as_no_scsi_controller():
    from hvassist.diagnose.events import NO_SCSI_10103, events_for_vm
    from hvassist.snapshot import EventFact, parse_snapshot

    doc = {"schema": "collect-host/1", "collected_at": "", "host": {
        "name": "OLD", "domain": "", "os_caption": "Windows Server 2008 R2", "os_version": "6.1.7601",
        "os_build": 7601, "product_type": 3, "ps_version": "2.0", "cluster": None}, "vms": [{
            "name": "VM9", "id": "a", "generation": 1, "state": "Running", "version": "", "is_clustered": False,
            "config_location": "", "snapshot_location": "", "checkpoint_type": None, "ic_version": "",
            "ic_state": "", "scsi_controllers": 0, "ide_controllers": 2, "disks": [],
            "integration_services": [], "checkpoints": [], "autorecovery_files": [], "guest": None}],
        "csvs": [], "vss": {"writers_text": "", "providers_text": ""}, "events": [{
            "log": "Microsoft-Windows-Hyper-V-VMMS-Admin", "provider": "Microsoft-Windows-Hyper-V-VMMS",
            "id": 10103, "level": "Error", "time": "", "properties": ["VM9"],
            "message": "Failed to revert to VSS snapshot on the virtual hard disk 'x' of the virtual machine 'VM9'"}]}
    snap = parse_snapshot(doc)
    assert events_for_vm(snap, NO_SCSI_10103, snap.vms[0]) == []
    from hvassist.diagnose.engine import run_rules

    assert not [f for f in run_rules(snap) if f.cause == "no-scsi-controller"]
    assert isinstance(snap.events[0], EventFact)


def test_failed_hyperv_writer_is_found(seed_lab):
    from hvassist.services.diagnosis import HostTarget, diagnose_hosts

    writer = next(w for w in seed_lab.estate.host("HV02").writers if w.name == "Microsoft Hyper-V VSS Writer")
    writer.state, writer.last_error = 9, "Timed out"
    result = diagnose_hosts([HostTarget(seed_lab.endpoint("HV02"), seed_lab.username, seed_lab.password)])
    found = [f for f in result.findings if f.cause == "host-hv-writer-failed"]
    assert found and found[0].vm is None and "[9]" in found[0].evidence[0].text
