"""The tracker on hand-made watcher lines: gaps between polls, other VMs, failures without events."""

from __future__ import annotations

from hvassist.stages.events import classify_event, mentions_vm, vss_operation_stage
from hvassist.stages.replay import replay_last_backup
from hvassist.stages.tracker import BackupTracker

VM_ID = "dcfe14d3-7e08-845f-9cee-21e0605817dc"
MSG_10103 = (
    "The virtual machine '{vm}' cannot be hot backed up since it has no SCSI controllers attached. Please "
    "add one or more SCSI controllers to the virtual machine before performing a backup. (Virtual machine "
    "ID {vm_id})"
)


def start(build=9600, version="5.0"):
    return {
        "kind": "start",
        "time": "2026-01-01T00:00:00Z",
        "host": {"name": "HV01", "os_caption": "x", "os_version": "x", "os_build": build},
        "vm": {
            "name": "VM001",
            "id": VM_ID,
            "generation": 1,
            "version": version,
            "state": "Running",
            "folders": ["C:\\ClusterStorage\\Volume1\\VM001\\Virtual Hard Disks"],
        },
        "poll_seconds": 2,
    }


def obs(seq, writer=1, checkpoints=(), files=(), shadows=(), events=(), state="Running", error="No error"):
    return {
        "kind": "observation",
        "time": f"2026-01-01T00:00:{seq:02d}Z",
        "seq": seq,
        "vm": {"state": state, "status": "Operating normally"},
        "checkpoints": [{"id": c, "name": "VM001 - Backup", "type": "Recovery"} for c in checkpoints],
        "files": list(files),
        "writer": {"state": writer, "error": error},
        "failed_writers": [],
        "shadows": list(shadows),
        "events": list(events),
    }


def event_10103(vm="VM001", vm_id=VM_ID):
    return {
        "log": "Microsoft-Windows-Hyper-V-VMMS-Admin",
        "provider": "Microsoft-Windows-Hyper-V-VMMS",
        "id": 10103,
        "level": "Error",
        "time": "2026-01-01T00:00:05Z",
        "message": MSG_10103.format(vm=vm, vm_id=vm_id.upper()),
        "properties": [vm, vm_id.upper()],
    }


def run(lines, **kw):
    t = BackupTracker(**kw)
    out = t.feed_all(lines)
    return t, out


def test_missed_polls_are_inferred_in_order():
    # the poll saw the checkpoint, then only [4] and [1]: freeze and commit were too short to see
    t, out = run(
        [start(), obs(1), obs(2, checkpoints=["c1"], files=["A.avhdx"]), obs(3, writer=4), obs(4, writer=1)]
    )
    stages = [o["stage"] for o in out if "result" not in o]
    assert stages == [
        "gather-metadata",
        "prepare-backup",
        "prepare-snapshot",
        "freeze",
        "commit-snapshot",
        "thaw-merge",
        "read-snapshot",
        "backup-complete",
    ]
    inferred = [o["stage"] for o in out if o.get("inferred")]
    assert inferred == ["gather-metadata", "prepare-backup", "freeze", "commit-snapshot", "read-snapshot"]
    assert out[-1] == {"result": "completed", "stage": "backup-complete", "cause": None}


def test_baseline_checkpoints_are_not_this_backup():
    # a lingering recovery checkpoint from an earlier job is there before the watch starts
    t, out = run([start(), obs(1, checkpoints=["old"]), obs(2, checkpoints=["old"], files=["x.avhdx"])])
    assert [o["stage"] for o in out][-1] == "prepare-snapshot"
    t2, out2 = run([start(), obs(1, checkpoints=["old"]), obs(2, checkpoints=["old"])])
    assert out2 == [] and not t2.finished


def test_an_event_about_another_vm_is_ignored():
    other = event_10103("VM002", "11111111-2222-3333-4444-555555555555")
    t, out = run([start(), obs(1), obs(2, events=[other])])
    assert out == []
    t, out = run([start(), obs(1), obs(2, events=[event_10103()])])
    assert out[-1] == {"result": "failed", "stage": "prepare-snapshot", "cause": "no-scsi-controller"}


def test_a_writer_failure_without_an_event_fails_on_the_next_line():
    t, out = run(
        [
            start(),
            obs(1),
            obs(2, checkpoints=["c1"]),
            obs(3, writer=9, checkpoints=["c1"], error="Retryable error"),
        ]
    )
    assert out[-1]["stage"] == "freeze" and not t.finished
    out = t.feed(obs(4, writer=9, checkpoints=["c1"]))
    assert out == [{"result": "failed", "stage": "freeze", "cause": None}]


def test_a_late_event_names_the_cause_of_a_writer_failure():
    t, out = run([start(), obs(1), obs(2, writer=8, error="Non-retryable error")])
    assert not t.finished
    out = t.feed(obs(3, writer=8, events=[event_10103()]))
    assert out[-1] == {"result": "failed", "stage": "prepare-snapshot", "cause": "no-scsi-controller"}


def test_end_of_watch_settles_the_result():
    t, out = run([start(), obs(1), {"kind": "end", "time": "x", "reason": "duration"}])
    assert out == [{"result": "no-backup-found", "stage": None, "cause": None}]
    t, out = run([start(), obs(1), obs(2, writer=2), {"kind": "end", "time": "x", "reason": "duration"}])
    assert out[-1] == {"result": "unfinished", "stage": "freeze", "cause": None}


def test_saved_state_backup_is_reported_degraded():
    t, out = run(
        [
            start(),
            obs(1),
            obs(2, state="Saved"),
            obs(3, writer=2, state="Saved"),
            obs(4, writer=5),
            obs(5, writer=1),
        ]
    )
    assert out[-1] == {
        "result": "completed",
        "stage": "backup-complete",
        "cause": None,
        "degraded": "saved-state",
    }


def test_2016_flow_from_checkpoint_appearing_and_going():
    t, out = run(
        [start(build=14393, version="8.0"), obs(1), obs(2, checkpoints=["c"], files=["a.avhdx"]), obs(3)]
    )
    assert [o["stage"] for o in out if "result" not in o] == [
        "request-checkpoint",
        "guest-freeze",
        "create-checkpoint",
        "read-rct",
        "convert-reference-point",
    ]
    assert out[-1]["result"] == "completed"


def test_watch_started_mid_backup():
    t, out = run([start(), obs(1, writer=5)])
    assert [o["stage"] for o in out] == [
        "gather-metadata",
        "prepare-backup",
        "prepare-snapshot",
        "freeze",
        "commit-snapshot",
        "thaw-merge",
        "read-snapshot",
    ]


def test_event_meanings():
    assert classify_event(event_10103()).stage == "prepare-snapshot"
    # on 2008 the same id means "failed to revert to VSS snapshot": not this cause
    assert (
        classify_event(event_10103(), os_build=6001) is None
        or classify_event(event_10103(), os_build=6001).cause != "no-scsi-controller"
    )
    merge = {
        "provider": "Microsoft-Windows-Hyper-V-VMMS",
        "id": 19100,
        "level": "Error",
        "message": "'VM001' background disk merge failed to complete: "
        "General access denied error (0x80070005)",
    }
    assert (classify_event(merge).stage, classify_event(merge).cause) == ("thaw-merge", "permissions-av")
    vss = {
        "log": "Application",
        "provider": "VSS",
        "id": 12289,
        "level": "Error",
        "message": "Volume Shadow Copy Service error: Unexpected error. hr = 0x80070005.\n\nOperation:\n   "
        "PrepareForSnapshot Event",
    }
    assert classify_event(vss).stage == "prepare-snapshot" and classify_event(vss).failed
    assert vss_operation_stage("Operation:\n  Freeze Event") == "freeze"
    assert mentions_vm({"message": "x", "properties": [VM_ID]}, "other", VM_ID)
    assert not mentions_vm({"message": "The virtual machine 'VM0011' failed"}, "VM001")


def test_replay_picks_the_latest_backup_and_the_decisive_error():
    older = dict(event_10103(), time="2025-12-30T00:00:00Z")
    later_ok = {
        "log": "Application",
        "provider": "VSS",
        "id": 8224,
        "level": "Information",
        "time": "2026-01-02T00:00:00Z",
        "message": "The VSS service is shutting down due to idle timeout.",
    }
    t = replay_last_backup([later_ok, older], "VM001", vm_id=VM_ID)
    assert (t.result, t.stage, t.cause) == ("failed", "prepare-snapshot", "no-scsi-controller")
    assert t.marks[-1].time == "2025-12-30T00:00:00Z"
    t = replay_last_backup([later_ok], "VM001")
    assert t.result == "no-failure-recorded" and t.stage is None
    t = replay_last_backup([], "VM001")
    assert t.result == "no-backup-found"
    merge = {
        "log": "Microsoft-Windows-Hyper-V-VMMS-Admin",
        "provider": "Microsoft-Windows-Hyper-V-VMMS",
        "id": 19100,
        "level": "Error",
        "time": "2026-01-03T00:00:00Z",
        "message": "'VM001' background disk merge failed to complete: "
        "General access denied error (0x80070005)",
    }
    t = replay_last_backup([merge], "VM001", flow="2016")
    assert (t.stage, t.cause) == ("convert-reference-point", "permissions-av")
