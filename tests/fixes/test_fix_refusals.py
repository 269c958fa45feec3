"""Fixes refuse where they must: the plan is blocked by what the collection shows (a backup running, too little
room, a cluster level that does not allow the upgrade, checkpoints present, a file in the live chain), the script
refuses on the host when things changed after the preview, and the lab refuses as a real host refuses."""

from __future__ import annotations

import threading

import pytest
from support.fixlab import look, session

from hvassist.fixes.apply import NothingToApply, PlanBlocked, apply_plan
from hvassist.fixes.catalogue import build_plan
from hvassist.lab.backup import LabBackupJob, hyperv_writer
from hvassist.lab.guest_actions import GuestActionError, run_integration_services_setup
from hvassist.lab.model import Checkpoint
from hvassist.remote import errors as E


def vm_of(lab, name):
    return lab.estate.find_vm(name)[1]


# -- lingering-recovery-checkpoint ------------------------------------------------------------------
def test_checkpoint_removal_is_blocked_while_a_writer_waits_for_a_backup(lab, audit):
    hyperv_writer(lab.estate.host("hv12-n1")).state = 3  # [3] Waiting for thaw: a backup is in progress
    plan = look(lab, "hv12-n1").plan("lingering-recovery-checkpoint", "lingering-recovery-checkpoint")
    assert plan.blocked and not plan.can_apply
    assert "backup is in progress" in plan.blockers[0].how
    with session(lab, "hv12-n1") as s, pytest.raises(PlanBlocked):
        apply_plan(plan, s, audit, confirmed=True)
    assert [c.type for c in vm_of(lab, "lingering-recovery-checkpoint").checkpoints] == ["Recovery"]
    assert audit.entries() == [], "a blocked plan is not even confirmed"


def test_a_backup_that_starts_after_the_preview_stops_the_fix_before_any_change(lab, audit):
    plan = look(lab, "hv12-n1").plan("lingering-recovery-checkpoint", "lingering-recovery-checkpoint")
    assert plan.can_apply
    hyperv_writer(lab.estate.host("hv12-n1")).state = 2  # a backup starts while the user reads the preview
    with session(lab, "hv12-n1") as s, pytest.raises(PlanBlocked, match="backup is in progress"):
        apply_plan(plan, s, audit, confirmed=True)
    assert [c.type for c in vm_of(lab, "lingering-recovery-checkpoint").checkpoints] == ["Recovery"]
    assert [(e["action"], e["result"]) for e in audit.entries()] == [("fix-confirmed", "ok"),
                                                                     ("fix-skipped", "blocked")]


def test_remove_checkpoint_script_refuses_while_a_backup_job_runs_on_the_vm(lab):
    vm = vm_of(lab, "lingering-recovery-checkpoint")
    plan = look(lab, "hv12-n1").plan("lingering-recovery-checkpoint", vm.name)
    step = plan.steps[0]
    started = threading.Event()
    job = LabBackupJob(lab.estate, vm.name, step_seconds=30, on_progress=lambda _s, _t: started.set())
    job.start()
    try:
        assert started.wait(20)
        assert vm.operation == "BackingUpVirtualMachine"
        with session(lab, "hv12-n1") as s, pytest.raises(E.ScriptFailed) as info:
            s.run_json(step.script, step.params)
    finally:
        job.stop()
        job.join(20)
    assert "A backup of lingering-recovery-checkpoint is running right now" in info.value.ps_error
    assert "RuntimeException" in info.value.ps_error  # the script's own throw, as PowerShell prints it
    assert any(c.name.startswith("lingering-recovery-checkpoint - Backup - (11/18") for c in vm.checkpoints)
    assert vm.operation == ""


def test_a_young_recovery_checkpoint_may_belong_to_a_running_backup(lab):
    vm = vm_of(lab, "lingering-recovery-checkpoint")
    vm.checkpoints[0].created = "-PT20M"
    plan = look(lab, "hv12-n1").plan("lingering-recovery-checkpoint", vm.name)
    assert plan.blocked and "minutes ago" in " ".join(p.how for p in plan.blockers)


def test_no_merge_without_room(lab):
    csv = lab.estate.clusters[0].csvs[0]  # Volume1 holds the VM's disks
    csv.free_gb = 3
    plan = look(lab, "hv12-n1").plan("lingering-recovery-checkpoint", "lingering-recovery-checkpoint")
    blockers = " ".join(p.how for p in plan.blockers)
    assert plan.blocked and "Not enough room" in blockers and "C:\\ClusterStorage\\Volume1 has 3.0 GB free" in blockers
    assert "merge" in plan.summary and "background" in plan.summary  # the plan explains the merge


# -- autorecovery-avhdx-left ------------------------------------------------------------------------------
def test_a_file_in_the_live_chain_is_never_touched(lab, audit):
    vm = vm_of(lab, "autorecovery-avhdx-left")
    vm.autorecovery_files[0].in_chain = True
    before = look(lab, "hv12-n1")
    finding = before.of("autorecovery-avhdx-left", vm.name)[0]
    assert finding.detail["files"][0]["in_live_chain"] is True
    plan = build_plan(finding, before.snapshot)
    assert plan.blocked and not plan.steps and "specialist" in " ".join(plan.manual_steps)
    # and the script refuses it on the host, whatever a caller passes
    with session(lab, "hv12-n1") as s, pytest.raises(E.ScriptFailed, match="part of the disk chain"):
        s.run_json("vm-set-aside-autorecovery-file", {"VMId": vm.id, "Path": vm.autorecovery_files[0].path})
    assert vm.autorecovery_files and not vm.other_files


def test_set_aside_refuses_files_outside_the_vms_disk_folders(lab):
    vm = vm_of(lab, "autorecovery-avhdx-left")
    with session(lab, "hv12-n1") as s:
        with pytest.raises(E.ScriptFailed, match="not in a folder that holds one of the disks"):
            s.run_json("vm-set-aside-autorecovery-file",
                       {"VMId": vm.id, "Path": "C:\\Windows\\System32\\x-AutoRecovery.avhdx"})
        with pytest.raises(E.ScriptFailed, match="not an AutoRecovery disk file"):
            s.run_json("vm-set-aside-autorecovery-file", {"VMId": vm.id, "Path": vm.disks[0].path})


# -- host-hv-writer-failed --------------------------------------------------------------------------------------
def test_vmms_is_not_restarted_while_hyperv_is_busy_with_a_vm(lab):
    host = lab.estate.host("hv12-n1")
    hyperv_writer(host).state, hyperv_writer(host).last_error = 11, "Timed out"
    vm_of(lab, "ok-12-gen2").operation = "MigratingVirtualMachine"
    with session(lab, "hv12-n1") as s, pytest.raises(E.ScriptFailed) as info:
        s.run_json("host-restart-vmms", {})
    assert "ok-12-gen2 (MigratingVirtualMachine)" in info.value.ps_error
    assert hyperv_writer(host).state == 11


def test_vmms_restart_plan_is_blocked_by_a_waiting_writer(lab):
    host = lab.estate.host("host-hv-writer-failed")
    next(w for w in host.writers if w.name == "System Writer").state = 2
    plan = look(lab, "host-hv-writer-failed").plan("host-hv-writer-failed", None)
    assert plan.blocked and "System Writer" in plan.blockers[0].how
    assert "keep running" in plan.summary


# -- vm-config-version ---------------------------------------------------------------------------------------
def test_update_vm_version_on_a_running_vm_is_refused_like_a_real_host(lab):
    vm = vm_of(lab, "vm-config-version")
    with session(lab, "hv19-n1") as s, pytest.raises(E.ScriptFailed) as info:
        s.run_json("vm-update-version", {"VMId": vm.id})
    assert "Update-VMVersion" in info.value.ps_error and "current state" in info.value.ps_error
    assert vm.version == "5.0"


def test_config_version_upgrade_waits_for_the_cluster_functional_level(lab, audit):
    lab.estate.cluster_of(lab.estate.host("hv19-n1")).functional_level = 8  # nodes upgraded, level not raised
    vm = vm_of(lab, "vm-config-version")
    before = look(lab, "hv19-n1")
    plan = before.plan("vm-config-version", vm.name)
    assert before.of("vm-config-version", vm.name)[0].detail["upgrade_allowed"] is False
    assert plan.blocked and "Update-ClusterFunctionalLevel" in plan.blockers[0].how
    assert not plan.reversible and "cannot be undone" in plan.warning.lower()
    vm.state = "Off"
    with session(lab, "hv19-n1") as s, pytest.raises(E.ScriptFailed, match="functional level"):
        s.run_json("vm-update-version", {"VMId": vm.id})
    assert vm.version == "5.0"


def test_a_saved_vm_is_not_upgraded(lab):
    vm = vm_of(lab, "vm-config-version")
    vm.state = "Saved"
    plan = look(lab, "hv19-n1").plan("vm-config-version", vm.name)
    assert plan.blocked and "saved" in plan.blockers[0].text


# -- snapshot-location ----------------------------------------------------------------------------------------
def test_snapshot_location_needs_a_vm_without_checkpoints(lab):
    vm = vm_of(lab, "snapshot-location")
    vm.checkpoints.append(Checkpoint("before patching", "Standard", "5B1D7C0E-2A34-4F5B-9C6D-7E8F90A1B2C3"))
    plan = look(lab, "hv12-n2").plan("snapshot-location", vm.name)
    assert plan.blocked and "has 1" in plan.blockers[0].how
    vm.state = "Off"
    with session(lab, "hv12-n2") as s, pytest.raises(E.ScriptFailed, match="only be changed when it has none"):
        s.run_json("vm-set-snapshot-location", {"VMId": vm.id, "Path": vm.config_location})
    assert vm.snapshot_location == "D:\\Hyper-V\\Snapshots"


def test_snapshot_location_is_not_changed_while_the_vm_runs(lab):
    vm = vm_of(lab, "snapshot-location")
    with session(lab, "hv12-n2") as s, pytest.raises(E.ScriptFailed) as info:
        s.run_json("vm-set-snapshot-location", {"VMId": vm.id, "Path": vm.config_location})
    assert "Set-VM" in info.value.ps_error and "current state" in info.value.ps_error
    assert vm.snapshot_location == "D:\\Hyper-V\\Snapshots"


# -- version-specific scripts -------------------------------------------------------------------------------
def test_2016_scripts_fail_on_2012r2_as_the_real_cmdlets_do(lab):
    vm = vm_of(lab, "ok-12-gen2")
    with session(lab, "hv12-n1") as s:
        with pytest.raises(E.ScriptFailed, match="parameter name 'CheckpointType'"):
            s.run_json("vm-set-checkpoint-type", {"VMId": vm.id, "CheckpointType": "Production"})
        with pytest.raises(E.ScriptFailed, match="Get-VMHostSupportedVersion' is not recognized"):
            s.run_json("vm-update-version", {"VMId": vm.id})


def test_guest_iso_exists_only_on_2012r2_and_needs_a_dvd_drive(lab):
    with session(lab, "hv19-n1") as s, pytest.raises(E.ScriptFailed, match="no integration services disk"):
        s.run_json("vm-mount-guest-iso", {"VMId": vm_of(lab, "ok-19-gen2").id})
    gen2 = vm_of(lab, "ok-12-gen2")
    with session(lab, "hv12-n1") as s, pytest.raises(E.ScriptFailed, match="has no DVD drive"):
        s.run_json("vm-mount-guest-iso", {"VMId": gen2.id})
    assert gen2.dvd_path == ""
    with pytest.raises(GuestActionError, match="no integration services disk"):
        run_integration_services_setup(lab.estate, "ic-outdated")


def test_ic_outdated_on_2016_and_later_is_instructions_only(lab):
    vm = vm_of(lab, "ok-19-w2012r2")
    vm.ic_state = "Update required"
    plan = look(lab, "hv19-n2").plan("ic-outdated", vm.name)
    assert not plan.steps and not plan.can_apply
    assert any("Windows update" in m for m in plan.manual_steps)
    assert any("restarts" in m for m in plan.manual_steps)
    with session(lab, "hv19-n2") as s, pytest.raises(NothingToApply):
        apply_plan(plan, s, None, confirmed=True)  # type: ignore[arg-type]


# -- vm-not-running ---------------------------------------------------------------------------------------------
def test_a_paused_vm_gets_instructions_not_a_start(lab):
    vm = vm_of(lab, "vm-not-running")
    vm.state = "Paused"
    plan = look(lab, "hv12-n1").plan("vm-not-running", vm.name)
    assert not plan.steps and "storage" in plan.summary and any("resume" in m.lower() for m in plan.manual_steps)


def test_vm_not_running_explains_the_offline_backup(lab):
    plan = look(lab, "hv12-n1").plan("vm-not-running", "vm-not-running")
    assert "offline" in plan.summary and "saved VM continues where it stopped" in plan.summary
    assert "on purpose" in plan.risk and [s.script for s in plan.steps] == ["vm-start"]


# -- causes without an automatic fix --------------------------------------------------------------------------
def test_causes_without_an_automatic_fix_get_the_kb_steps(lab):
    from hvassist.kb import cause

    plan = look(lab, "hw-provider").plan("hw-provider", None)
    assert plan.title.startswith("No automatic fix") and not plan.steps and not plan.can_apply
    assert plan.manual_steps == cause("hw-provider").what_to_do


def test_wizard_flow_opens_instructions_but_never_applies_them(lab, audit):
    from support.labs import lab_targets

    from hvassist.cancel import CancelToken
    from hvassist.flows.diagnose_flow import DiagnoseFlow, Step

    flow = DiagnoseFlow(lab_targets(lab), audit)
    flow.select_hosts(["hv19-n1"])
    flow.advance()
    flow.collect(CancelToken())
    flow.advance()
    flow.select_finding(next(f for f in flow.diagnosis.findings if f.cause == "linux-no-vss-daemon"))
    assert not flow.has_automatic_fix() and flow.can_advance()
    flow.advance()
    assert flow.step is Step.FIX_PREVIEW and not flow.plan.steps and flow.plan.manual_steps
    flow.confirmed = True
    assert not flow.can_advance(), "instructions are never 'applied'"
    assert audit.entries() == []


def test_wizard_flow_reports_a_backup_that_started_after_the_preview(lab, audit):
    from support.labs import lab_targets

    from hvassist.cancel import CancelToken
    from hvassist.flows.diagnose_flow import DiagnoseFlow

    flow = DiagnoseFlow(lab_targets(lab), audit)
    flow.select_hosts(["host-hv-writer-failed"])
    flow.collect(CancelToken())
    flow.select_finding(next(f for f in flow.diagnosis.findings if f.cause == "host-hv-writer-failed"))
    plan = flow.prepare_fix()
    assert plan.can_apply and plan.host == "HOST-HV-WRITER-FAILED"  # the computer name, not the saved name
    next(w for w in lab.estate.host("host-hv-writer-failed").writers if w.name == "Registry Writer").state = 4
    flow.confirmed = True
    assert flow.apply(CancelToken()) is None
    assert flow.fix_error is not None and "Nothing was changed" in flow.fix_error.message
    assert "backup is in progress" in flow.fix_error.message
    w = hyperv_writer(lab.estate.host("host-hv-writer-failed"))
    assert w.state == 9, "the writer was not touched"
