"""MUST-SHOW 2: on the all-faults lab, each listed guided fix, applied through the lab, makes the finding on the
VM (or host) named after its cause disappear on the next collection, and applying it again reports "nothing to do".

Where each fault lives comes from the scenario's names, as in the diagnosis MUST-SHOW. Besides the finding, the
test checks what the lab's model (the "real host") now holds, that the preview shows the exact cmdlet, that every
step is audited, that the VM has no other finding afterwards, and that running each changing script once more
changes nothing (``changed`` false).
"""

from __future__ import annotations

import jsonschema
import pytest
from support.fixlab import look, session

from hvassist.fixes.apply import apply_plan
from hvassist.lab.guest_actions import run_integration_services_setup
from hvassist.lab.model import Estate
from hvassist.remote.scripts import get_script

# cause -> the cmdlet its preview must show, and what the lab's host must hold afterwards
FIXES = {
    "backup-ic-disabled": ("Enable-VMIntegrationService", lambda vm, host: vm.integration_services["VSS"] is True),
    "lingering-recovery-checkpoint": ("Remove-VMSnapshot",
                                      lambda vm, host: not [c for c in vm.checkpoints if c.type == "Recovery"]),
    "autorecovery-avhdx-left": ("Rename-Item", lambda vm, host: not vm.autorecovery_files and len(vm.other_files) == 1
                                and vm.other_files[0].endswith("-AutoRecovery_avhdx.old")),
    "host-hv-writer-failed": ("Restart-Service -Name vmms",
                              lambda vm, host: [(w.state, w.last_error) for w in host.writers
                                                if w.name == "Microsoft Hyper-V VSS Writer"] == [(1, "No error")]),
    "ic-outdated": ("Set-VMDvdDrive", lambda vm, host: vm.dvd_path.endswith("vmguest.iso")
                    and vm.guest.ic_version == "6.3.9600.16384"),
    "checkpoint-type": ("-CheckpointType", lambda vm, host: vm.checkpoint_type == "Production"),
    "snapshot-location": ("-SnapshotFileLocation",
                          lambda vm, host: vm.snapshot_location == "C:\\ClusterStorage\\Volume1\\snapshot-location"
                          and vm.state == "Running"),
    "vm-config-version": ("Update-VMVersion", lambda vm, host: vm.version == "9.0" and vm.state == "Running"),
    "vm-not-running": ("Start-VM", lambda vm, host: vm.state == "Running"),
}
# stop/start wrap a change that needs the VM off; they are not the fix itself
WRAPPERS = {"vm-stop", "vm-start"}


def where(estate: Estate, cause: str) -> tuple[str, str | None]:
    """(host, VM) carrying the fault: the VM named after the cause, else the host named after it."""
    try:
        host, vm = estate.find_vm(cause)
        return host.name, vm.name
    except KeyError:
        return estate.host(cause).name, None


def test_every_listed_fix_has_a_vm_or_host_in_the_scenario(lab):
    for cause in FIXES:
        host, vm = where(lab.estate, cause)
        assert host and (vm == cause or host == cause)


@pytest.mark.parametrize("cause", list(FIXES))
def test_fix_makes_the_finding_disappear_and_is_idempotent(lab, audit, cause):
    host, vm_name = where(lab.estate, cause)
    before = look(lab, host)
    assert [f.cause for f in before.on(vm_name) if f.cause == cause] == [cause]
    plan = before.plan(cause, vm_name)
    cmdlet, holds = FIXES[cause]
    assert plan.can_apply and not plan.blocked, plan.confirmation_text()
    assert cmdlet in plan.preview()
    assert plan.risk and plan.downtime and plan.reversibility and plan.verify
    fact_vm = lab.estate.find_vm(vm_name)[1] if vm_name else None

    with session(lab, host) as s:
        first = apply_plan(plan, s, audit, confirmed=True)
    assert first.ok and first.changed_anything, [(r.step.id, r.error) for r in first.steps]
    if cause == "ic-outdated":
        # hvassist's part (the disk in the drive) is done; the setup inside the guest is the user's part
        assert first.verified is False and any("setup" in m for m in first.left_to_you)
        run_integration_services_setup(lab.estate, vm_name)
    else:
        assert first.verified is True and first.remaining == []

    after = look(lab, host)  # the next collection
    assert after.of(cause, vm_name) == [], "the finding is still there after the fix"
    assert [f.cause for f in after.on(vm_name)] == [] if vm_name else True, "the fix left another problem"
    assert holds(fact_vm, lab.estate.host(host))

    with session(lab, host) as s:
        again = apply_plan(plan, s, audit, confirmed=True)
        assert again.ok and again.nothing_to_do and again.verified and not again.steps and not again.changed_anything
        # the changing scripts themselves: run once more, they change nothing
        for step in plan.steps:
            if step.script in WRAPPERS:
                continue
            out = s.run_json(step.script, step.params)
            jsonschema.validate(out, get_script(step.script).schema)
            assert out["changed"] is False, (step.script, out)
    assert look(lab, host).of(cause, vm_name) == []

    entries = audit.entries()
    actions = [(e["action"], e["result"]) for e in entries]
    steps = [e for e in entries if e["action"] == "fix-step"]
    assert [e["step"] for e in steps] == [s.step.id for s in first.steps]
    assert all(e["result"] == "ok" for e in steps if e["script"] not in WRAPPERS)
    assert ("fix-verified", "finding-gone" if cause != "ic-outdated" else "finding-still-present") in actions
    assert actions[-1] == ("fix-skipped", "nothing-to-do")
    assert all(e["cause"] == cause and e["host"] == plan.host for e in entries)
    assert lab.password not in str(entries)
