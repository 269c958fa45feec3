"""The diagnose wizard's logic end to end against the lab: find 10103, fix it with confirmation,
verify it is gone, audit every step; applying again changes nothing."""

from __future__ import annotations

import pytest
from support.labs import lab_targets

from hvassist.audit import AuditLog
from hvassist.cancel import CancelToken
from hvassist.fixes.apply import NotConfirmed, apply_plan
from hvassist.flows.diagnose_flow import DiagnoseFlow, Step
from hvassist.remote.session import HostSession


def test_wizard_flow_fixes_vm001(seed_lab, hvassist_home):
    audit = AuditLog(hvassist_home / "audit.jsonl")
    flow = DiagnoseFlow(lab_targets(seed_lab), audit)
    assert not flow.can_advance()
    flow.select_hosts(["HV01", "HV02"])
    flow.advance()
    assert flow.step is Step.COLLECT
    flow.collect(CancelToken())
    flow.advance()
    assert flow.step is Step.FINDINGS
    finding = next(f for f in flow.diagnosis.findings if f.cause == "no-scsi-controller")
    flow.select_finding(finding)
    flow.advance()
    assert flow.step is Step.FIX_PREVIEW
    plan = flow.plan
    assert [s.script for s in plan.steps] == ["vm-stop", "vm-add-scsi-controller", "vm-start"]
    assert "Add-VMScsiController" in plan.preview() and plan.vm in plan.preview()
    assert plan.downtime != "none"
    assert not flow.can_advance(), "no apply without explicit confirmation"
    flow.confirmed = True
    flow.advance()
    outcome = flow.apply(CancelToken())
    assert outcome is not None and outcome.ok and outcome.verified
    vm = seed_lab.estate.find_vm("VM001")[1]
    assert vm.scsi_controllers == 1 and vm.state == "Running"
    flow.advance()
    assert flow.step is Step.VERIFY
    flow.back()
    assert not [f for f in flow.diagnosis.findings if f.cause == "no-scsi-controller"]
    entries = audit.entries()
    steps = [(e["step"], e["result"]) for e in entries if e["action"] == "fix-step"]
    assert steps == [("stop-vm", "ok"), ("add-scsi-controller", "ok"), ("start-vm", "ok")]
    assert entries[-1]["action"] == "fix-verified" and entries[-1]["result"] == "finding-gone"
    for e in entries:
        assert e["host"] == "HV01" and e["vm"] == "VM001" and e["time"] and e["who"]
        assert seed_lab.password not in str(e)


def test_apply_requires_confirmation_and_is_idempotent(seed_lab, hvassist_home):
    audit = AuditLog(hvassist_home / "audit.jsonl")
    flow = DiagnoseFlow(lab_targets(seed_lab), audit)
    flow.select_hosts(["HV01"])
    flow.collect(CancelToken())
    finding = next(f for f in flow.diagnosis.findings if f.cause == "no-scsi-controller")
    flow.select_finding(finding)
    plan = flow.prepare_fix()
    ep = seed_lab.endpoint("HV01")
    with HostSession(ep, seed_lab.username, seed_lab.password) as s:
        with pytest.raises(NotConfirmed):
            apply_plan(plan, s, audit, confirmed=False)
        assert audit.entries() == []
        first = apply_plan(plan, s, audit, confirmed=True)
        assert first.ok and first.changed_anything and first.verified
        again = apply_plan(plan, s, audit, confirmed=True)  # the same plan again: nothing to do
        assert again.ok and again.nothing_to_do and not again.steps and again.verified
    assert audit.entries()[-1]["action"] == "fix-skipped"
    assert [e["result"] for e in audit.entries() if e["action"] == "fix-step"] == ["ok"] * 3


def test_plan_outdated_when_the_vm_was_started_after_the_preview(seed_lab, hvassist_home):
    from hvassist.fixes.apply import PlanOutdated

    vm = seed_lab.estate.find_vm("VM001")[1]
    vm.state = "Off"
    flow = DiagnoseFlow(lab_targets(seed_lab), AuditLog(hvassist_home / "a.jsonl"))
    flow.select_hosts(["HV01"])
    flow.collect(CancelToken())
    flow.select_finding(next(f for f in flow.diagnosis.findings if f.cause == "no-scsi-controller"))
    plan = flow.prepare_fix()
    vm.state = "Running"  # someone started it meanwhile: a shut-down the user never confirmed would be needed
    with HostSession(seed_lab.endpoint("HV01"), seed_lab.username, seed_lab.password) as s:
        with pytest.raises(PlanOutdated, match="Review the fix again"):
            apply_plan(plan, s, AuditLog(hvassist_home / "a.jsonl"), confirmed=True)
    assert vm.scsi_controllers == 0 and vm.state == "Running"


def test_fix_on_a_vm_that_is_off_skips_shutdown(seed_lab, hvassist_home):
    seed_lab.estate.find_vm("VM001")[1].state = "Off"
    flow = DiagnoseFlow(lab_targets(seed_lab), AuditLog(hvassist_home / "a.jsonl"))
    flow.select_hosts(["HV01"])
    flow.collect(CancelToken())
    flow.select_finding(next(f for f in flow.diagnosis.findings if f.cause == "no-scsi-controller"))
    plan = flow.prepare_fix()
    assert [s.script for s in plan.steps] == ["vm-add-scsi-controller"]
    assert plan.downtime.startswith("none")


def test_failed_step_stops_the_fix_and_is_audited(seed_lab, hvassist_home):
    from hvassist.fixes.plan import FixPlan, FixStep

    audit = AuditLog(hvassist_home / "audit.jsonl")
    vm = seed_lab.estate.find_vm("VM001")[1]
    # a plan whose shut-down step was lost (e.g. built before someone started the VM again)
    plan = FixPlan("no-scsi-controller", "HV01", "VM001", vm.id.lower(), "t", "s",
                   (FixStep("stop-vm", "stop", "vm-start", {"VMId": vm.id}),
                    FixStep("add-scsi-controller", "add", "vm-add-scsi-controller", {"VMId": vm.id}),
                    FixStep("start-vm", "start", "vm-start", {"VMId": vm.id})))
    with HostSession(seed_lab.endpoint("HV01"), seed_lab.username, seed_lab.password) as s:
        outcome = apply_plan(plan, s, audit, confirmed=True)
    assert not outcome.ok and outcome.failed_step.step.id == "add-scsi-controller"
    assert len(outcome.steps) == 2, "nothing runs after a failed step"
    assert "current state" in outcome.failed_step.error.ps_error
    assert [e["result"] for e in audit.entries() if e["action"] == "fix-step"] == ["no-change", "failed"]
