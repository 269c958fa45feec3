"""A fix interrupted between its steps: HV-REBOOT restarts right after SQL01 was shut down for the fix, so the
SCSI controller is not added. The state stays consistent and hvassist says so: the audit log shows the step
reached, the wizard says the VM is off and offers to finish or to start it again, and applying again is safe (it
does only what is left, and starts the VM it shut down). Cancel during a fix step ends it at once, too."""

from __future__ import annotations

import threading
import time

import pytest
from support.reliability import MARGIN, TIMEOUTS, count, injected, targets

from hvassist.audit import AuditLog
from hvassist.cancel import CancelToken
from hvassist.fixes.apply import apply_plan
from hvassist.flows.diagnose_flow import DiagnoseFlow, Step
from hvassist.remote.session import HostSession
from hvassist.report import build_report, render_ticket_text

pytestmark = pytest.mark.timeout(600)


def _flow_at_preview(lab, host, vm, audit):
    flow = DiagnoseFlow(targets(lab, [host, "HV-OK2"]), audit, timeouts=TIMEOUTS)
    flow.select_hosts([host])
    flow.advance()
    flow.collect(CancelToken())
    flow.advance()
    flow.select_finding(next(f for f in flow.diagnosis.findings if f.cause == "no-scsi-controller" and f.vm == vm))
    flow.advance()
    assert [s.id for s in flow.plan.steps] == ["stop-vm", "add-scsi-controller", "start-vm"]
    flow.confirmed = True
    flow.advance()
    assert flow.step is Step.FIX_APPLY
    return flow


def _steps(audit, plan_id):
    return [(e["step"], e["result"]) for e in audit.entries() if e["plan"] == plan_id and e["action"] == "fix-step"]


def test_a_restart_between_the_steps_leaves_a_consistent_state_that_hvassist_reports(unreliable_fresh,
                                                                                      hvassist_home):
    lab = unreliable_fresh
    server = lab.hosts["HV-REBOOT"].server
    vm = lab.estate.find_vm("SQL01")[1]
    audit = AuditLog(hvassist_home / "audit.jsonl")
    flow = _flow_at_preview(lab, "HV-REBOOT", "SQL01", audit)
    plan = flow.plan

    started = time.monotonic()
    outcome = flow.apply(CancelToken())
    assert time.monotonic() - started < 3 * TIMEOUTS.request + MARGIN
    injected("reboot", "during_fix")
    assert server.restarts == 1, "the host restarted during the fix"
    # consistent: the VM is off, the controller was not added (nothing half done)
    assert vm.state == "Off" and vm.scsi_controllers == 0
    assert outcome is not None and not outcome.ok and outcome.verified is None
    assert [(s.step.id, s.ok) for s in outcome.steps] == [("stop-vm", True), ("add-scsi-controller", False)]
    assert outcome.failed_step.error.kind == "connection-lost"
    # the audit log shows the step reached
    assert _steps(audit, plan.plan_id) == [("stop-vm", "ok"), ("add-scsi-controller", "failed")]
    stop = next(e for e in audit.entries() if e["step"] == "stop-vm")
    assert "state_after=Off" in stop["detail"]
    assert not [e for e in audit.entries() if e["action"] == "fix-verified"]
    # what the wizard tells the user (the flow; the page itself: test_interrupted_fix_gui.py)
    flow.advance()
    assert flow.step is Step.VERIFY
    stop_info = flow.interruption()
    assert stop_info is not None and stop_info.vm_state == "Off" and stop_info.vm_taken_down
    assert stop_info.can_restart_vm
    text = stop_info.message()
    assert "step 2 of 3" in text and "SQL01 is off now" in text and "connection to HV-REBOOT broke off" in text
    assert "Already done: Shut down SQL01" in text
    todo = stop_info.what_to_do()
    assert "Finish the fix" in todo and "Start SQL01 again" in todo and "Add one virtual SCSI controller" in todo
    assert lab.password not in text + todo
    # the report (HTML/PDF/ticket share the model) says where it stopped
    report = build_report(flow.diagnosis, audit.entries())
    action = next(a for a in report.actions if a.vm == "SQL01")
    assert action.kind == "error" and "failed" in action.outcome and "Nothing after it was run" in action.outcome
    assert [s.result for s in action.steps] == ["Done", "Failed"]
    assert "SQL01" in render_ticket_text(report)

    # finishing while the host is still restarting changes nothing, says why, and can be tried again
    if not server.wait_answering(0):
        flow.reopen_apply()
        flow.finish_fix(CancelToken())
        assert flow.fix_error is not None and flow.fix_error.kind in ("connection-lost", "connection-refused")
        flow.advance()
        assert flow.interruption() is not None, "still interrupted: Finish is still offered"
        assert vm.state == "Off" and vm.scsi_controllers == 0
        count("finish attempts while the host restarts")

    # applying again when the host is back: only what is left, and the VM it shut down is started again
    assert server.wait_answering(30)
    flow.reopen_apply()
    outcome = flow.finish_fix(CancelToken())
    assert flow.fix_error is None, flow.fix_error and flow.fix_error.to_dict()
    assert outcome is not None and outcome.ok and outcome.verified is True
    assert [s.step.id for s in outcome.steps] == ["add-scsi-controller", "start-vm"], "no second shut-down"
    assert vm.state == "Running" and vm.scsi_controllers == 1
    assert _steps(audit, plan.plan_id)[-2:] == [("add-scsi-controller", "ok"), ("start-vm", "ok")]
    assert [s for s, r in _steps(audit, plan.plan_id) if s == "stop-vm"] == ["stop-vm"], "shut down once"
    flow.advance()
    assert flow.interruption() is None
    # and the same plan once more: nothing to do, nothing changed
    with HostSession(lab.endpoint("HV-REBOOT"), lab.username, lab.password, timeouts=TIMEOUTS) as session:
        again = apply_plan(plan, session, audit, confirmed=True)
    assert again.nothing_to_do and not again.steps and again.verified
    assert vm.state == "Running" and vm.scsi_controllers == 1 and server.restarts == 1
    report = build_report(flow.diagnosis, audit.entries())
    action = next(a for a in report.actions if a.vm == "SQL01")
    assert action.kind == "ok" and action.outcome.startswith("Fixed in a second attempt"), action.outcome
    count("interrupted fixes finished")


def test_start_the_vm_again_without_finishing(unreliable_fresh, hvassist_home):
    lab = unreliable_fresh
    server = lab.hosts["HV-REBOOT"].server
    vm = lab.estate.find_vm("SQL01")[1]
    audit = AuditLog(hvassist_home / "audit.jsonl")
    flow = _flow_at_preview(lab, "HV-REBOOT", "SQL01", audit)
    flow.apply(CancelToken())
    flow.advance()
    assert vm.state == "Off" and flow.interruption().can_restart_vm
    assert server.wait_answering(30)
    flow.reopen_apply()
    outcome = flow.restart_vm(CancelToken())
    assert flow.fix_error is None and outcome is not None and outcome.restored_only and outcome.ok
    assert [s.step.id for s in outcome.steps] == ["start-vm"]
    assert vm.state == "Running" and vm.scsi_controllers == 0, "started again, the change not made"
    assert outcome.remaining and outcome.remaining[0].cause == "no-scsi-controller", "the finding stays"
    flow.advance()
    assert flow.interruption() is None
    assert _steps(audit, flow.plan.plan_id)[-1] == ("start-vm", "ok")
    # later, the same fix from the start: shut down, add, start (the VM runs again, so all three are needed)
    with HostSession(lab.endpoint("HV-REBOOT"), lab.username, lab.password, timeouts=TIMEOUTS) as session:
        outcome = apply_plan(flow.plan, session, audit, confirmed=True)
    assert outcome is not None and outcome.verified is True
    assert [s.step.id for s in outcome.steps] == ["stop-vm", "add-scsi-controller", "start-vm"]
    assert vm.state == "Running" and vm.scsi_controllers == 1


def test_cancel_during_a_fix_step(unreliable_fresh, hvassist_home):
    """Cancel while the host runs 'shut down APP01': the fix ends at once, the audit says 'cancelled', and the
    wizard says the step may or may not have completed; finishing later is safe either way."""
    lab = unreliable_fresh
    server = lab.hosts["HV-OK1"].server
    vm = lab.estate.find_vm("APP01")[1]
    audit = AuditLog(hvassist_home / "audit.jsonl")
    flow = _flow_at_preview(lab, "HV-OK1", "APP01", audit)
    in_step, release = threading.Event(), threading.Event()

    def hold_the_shutdown(io):
        if b"hvassist-script: vm-stop/" in io.stdin:
            in_step.set()
            release.wait(60)

    server.hooks.on_command_start = hold_the_shutdown
    cancel = CancelToken()
    done = threading.Event()
    threading.Thread(target=lambda: (flow.apply(cancel), done.set()), daemon=True).start()
    try:
        assert in_step.wait(30), "the shut-down step started on the host"
        time.sleep(0.3)
        cancelled_at = time.monotonic()
        cancel.cancel()
        assert done.wait(MARGIN), "the fix did not end after Cancel"
        assert time.monotonic() - cancelled_at < MARGIN
    finally:
        release.set()
        server.hooks.on_command_start = None
    outcome = flow.outcome
    assert outcome is not None and outcome.failed_step.step.id == "stop-vm"
    assert outcome.failed_step.error.kind == "cancelled"
    assert _steps(audit, flow.plan.plan_id) == [("stop-vm", "cancelled")]
    flow.advance()
    info = flow.interruption()
    assert "you cancelled it during 'Shut down APP01" in info.message() and "may or may not" in info.message()
    assert info.can_restart_vm, "the shut-down may have completed: offer to start the VM again"
    # the host finishes the shut-down it had started; finishing the fix adds the controller and starts the VM
    deadline = time.monotonic() + 10
    while vm.state != "Off" and time.monotonic() < deadline:
        time.sleep(0.05)
    flow.reopen_apply()
    outcome = flow.finish_fix(CancelToken())
    assert outcome is not None and outcome.verified is True, flow.fix_error
    assert vm.state == "Running" and vm.scsi_controllers == 1
    count("cancel points tried")
