"""Following a lab backup through the CLI, and replaying it from the host's events."""

from __future__ import annotations

import json

from hvassist.cli import main
from hvassist.stages.model import get_flow

IDS_2012R2 = list(get_flow("2012r2").stage_ids)


def _follow(capsys, vm: str) -> tuple[int, list[dict]]:
    code = main(["stages", "--follow", "--lab", "seed", "--vm", vm, "--json", "--lab-step", "0.05"])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]
    return code, lines


def test_follow_vm001_fails_in_prepare_snapshot_with_10103(capsys):
    code, lines = _follow(capsys, "VM001")
    assert lines[-1] == {"result": "failed", "stage": "prepare-snapshot", "cause": "no-scsi-controller"}
    stages = [line["stage"] for line in lines[:-1]]
    assert stages == IDS_2012R2[:3]
    failed = lines[-2]
    assert not failed.get("inferred") and any("10103" in e for e in failed["evidence"])
    assert all(set(line) >= {"stage", "time", "evidence"} for line in lines[:-1])
    assert code == 1


def test_follow_vm002_passes_every_stage_in_order(capsys):
    code, lines = _follow(capsys, "VM002")
    assert [line["stage"] for line in lines[:-1]] == IDS_2012R2
    assert lines[-1] == {"result": "completed", "stage": "backup-complete", "cause": None}
    seen = {line["stage"]: line for line in lines[:-1]}
    assert any("Recovery checkpoint appeared" in e for e in seen["prepare-snapshot"]["evidence"])
    assert code == 0


def test_follow_needs_a_vm_and_a_host(capsys):
    assert main(["stages", "--follow", "--lab", "seed"]) == 2
    assert main(["stages", "--follow", "--vm", "VM001"]) == 2
    assert main(["stages", "--follow", "HV02", "--lab", "seed", "--vm", "VM001"]) == 2
    assert main(["stages", "--follow", "--lab", "seed", "--vm", "NOPE"]) == 2


def test_list_stages(capsys):
    assert main(["stages", "--flow", "2016", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [s["id"] for s in doc["stages"]] == list(get_flow("2016").stage_ids)
    assert main(["stages"]) == 0
    out = capsys.readouterr().out
    assert "prepare-snapshot" in out and "convert-reference-point" in out


def test_replay_of_a_failed_lab_backup_stops_where_the_follow_did(seed_lab):
    from hvassist.lab.backup import LabBackupJob
    from hvassist.remote.session import HostSession
    from hvassist.stages.follow import replay_from_host

    outcome = LabBackupJob(seed_lab.estate, "VM001", step_seconds=0).run()
    assert (outcome.result, outcome.stage) == ("failed", "prepare-snapshot")
    host, _ = seed_lab.estate.find_vm("VM001")
    with HostSession(seed_lab.endpoint(host.name), seed_lab.username, seed_lab.password) as session:
        timeline = replay_from_host(session, "VM001")
    assert timeline.result == "failed"
    assert timeline.stage == "prepare-snapshot" == outcome.stage
    assert timeline.cause == "no-scsi-controller"
    assert [m.stage for m in timeline.marks] == IDS_2012R2[:3]
    assert [m.inferred for m in timeline.marks] == [True, True, False]
    # the job's own event, not the scenario's older ones
    job_event = seed_lab.estate.host("HV01").events[-1]
    assert job_event.id == 10103 and timeline.marks[-1].time == job_event.time


def test_replay_cli_from_the_lab_and_from_a_file(capsys, tmp_path, seed_lab):
    from hvassist.remote.session import HostSession

    assert main(["stages", "--replay", "--lab", "seed", "--vm", "VM001", "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert (doc["result"], doc["stage"], doc["cause"]) == ("failed", "prepare-snapshot", "no-scsi-controller")
    # offline: a saved collect-host document
    with HostSession(seed_lab.endpoint("HV01"), seed_lab.username, seed_lab.password) as session:
        collection = session.run_json("collect-host")
    saved = tmp_path / "hv01.json"
    saved.write_text(json.dumps(collection), encoding="utf-8")
    assert main(["stages", "--replay", "--vm", "VM001", "--events", str(saved), "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["stage"] == "prepare-snapshot"
    events_only = tmp_path / "events.json"
    events_only.write_text(json.dumps(collection["events"]), encoding="utf-8")
    assert main(["stages", "--replay", "--vm", "VM002", "--events", str(events_only)]) == 0
    assert "no backup" in capsys.readouterr().out.lower()


def test_lab_backup_command(capsys):
    assert main(["lab", "backup", "--scenario", "seed", "VM001", "--step", "0"]) == 1
    out = capsys.readouterr().out
    assert "prepare-snapshot" in out and "no-scsi-controller" in out
    assert main(["lab", "backup", "VM002", "--step", "0", "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines[-1]["result"] == "completed" and lines[-1]["stages"] == IDS_2012R2


def test_job_events_reach_collect_host(seed_lab):
    from hvassist.lab.backup import LabBackupJob
    from hvassist.remote.session import HostSession

    LabBackupJob(seed_lab.estate, "VM002", step_seconds=0).run()
    with HostSession(seed_lab.endpoint("HV01"), seed_lab.username, seed_lab.password) as session:
        doc = session.run_json("collect-host")
    assert any(e["provider"] == "VSS" and e["id"] == 8224 for e in doc["events"])
    vm002 = next(v for v in doc["vms"] if v["name"] == "VM002")
    assert vm002["checkpoints"] == [] and vm002["autorecovery_files"] == []
    assert "[1] Stable" in doc["vss"]["writers_text"]
