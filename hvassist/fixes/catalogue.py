"""Which causes have a guided fix, and how each plan is built from the current facts."""

from __future__ import annotations

from collections.abc import Callable

from hvassist.diagnose.findings import Finding
from hvassist.fixes import builders
from hvassist.fixes.plan import FixPlan, FixStep, Precondition
from hvassist.snapshot import HostSnapshot, VMFact

PlanBuilder = Callable[[Finding, HostSnapshot, VMFact | None], FixPlan]


def plan_no_scsi_controller(finding: Finding, snapshot: HostSnapshot, vm: VMFact | None) -> FixPlan:
    if vm is None:
        raise ValueError("the VM %s is no longer on %s" % (finding.vm, finding.host))
    params = {"VMId": vm.id}
    running = vm.state.lower() != "off"
    common = dict(cause=finding.cause, host=snapshot.host.name, vm=vm.name, vm_id=vm.id,
                  verify="hvassist collects the host's facts again; %s must then have a SCSI controller and the "
                         "finding must be gone." % vm.name)
    if vm.scsi_controllers > 0:
        return FixPlan(title="%s already has a SCSI controller: nothing to do" % vm.name,
                       summary="The VM already has %d SCSI controller(s)." % vm.scsi_controllers, steps=(),
                       nothing_to_do=True, **common)  # type: ignore[arg-type]
    steps = []
    if running:
        steps.append(FixStep("stop-vm", "Shut down %s through its guest operating system (a clean shut-down, "
                             "like Start > Shut down inside the VM)" % vm.name, "vm-stop", params, downtime=True))
    steps.append(FixStep("add-scsi-controller", "Add one virtual SCSI controller to %s" % vm.name,
                         "vm-add-scsi-controller", params))
    if running:
        steps.append(FixStep("start-vm", "Start %s again" % vm.name, "vm-start", params, restores=True))
    pre = (Precondition("%s must be turned off to add a controller." % vm.name, not running,
                        "hvassist shuts it down gracefully first and starts it again afterwards."),)
    return FixPlan(
        title="Add a SCSI controller to %s" % vm.name,
        summary="Gives %s the virtual SCSI controller that host-level backups of a running VM need on Windows "
                "Server 2012 R2 and later." % vm.name,
        steps=tuple(steps), preconditions=pre,
        downtime=("%s will be shut down and started again: usually a few minutes, depending on how long its "
                  "guest takes to shut down and boot." % vm.name) if running else "none (the VM is already off)",
        risk="Low. Users of %s are disconnected while it is down; unsaved work in the VM may be lost if "
             "applications do not close cleanly." % vm.name if running else "Low.",
        reversible=True, reversibility="The controller can be removed again with Remove-VMScsiController.",
        **common)  # type: ignore[arg-type]


PLAN_BUILDERS: dict[str, PlanBuilder] = {
    "no-scsi-controller": plan_no_scsi_controller,
    **builders.BUILDERS,
}


def has_fix(cause: str) -> bool:
    return cause in PLAN_BUILDERS


def build_plan(finding: Finding, snapshot: HostSnapshot) -> FixPlan:
    """The guided fix for the finding, or (for a cause without a safe automatic fix) the steps for a person."""
    builder = PLAN_BUILDERS.get(finding.cause)
    if builder is None:
        return builders.instructions_plan(finding, snapshot)
    vm = next((v for v in snapshot.vms if v.id == finding.vm_id), None) if finding.vm_id else None
    return builder(finding, snapshot, vm)


def after_text(plan: FixPlan, snapshot: HostSnapshot) -> str:
    """One plain sentence on the facts the fix changed, as the verification collected them."""
    if plan.vm is None:
        w = snapshot.hyperv_writer
        if plan.cause == "host-hv-writer-failed" and w is not None:
            return "the Hyper-V VSS writer on %s is [%d] %s (last error: %s)." % (
                snapshot.host.name, w.state, w.state_text, w.last_error or "none")
        return ""
    vm = next((v for v in snapshot.vms if v.id == plan.vm_id), None) or snapshot.vm(plan.vm)
    if vm is None:
        return "%s is no longer on %s." % (plan.vm, snapshot.host.name)
    facts = {
        "no-scsi-controller": "with %d SCSI controller(s)" % vm.scsi_controllers,
        "backup-ic-disabled": "its Backup integration service is %s" % (
            "on" if vm.backup_ic is not None and vm.backup_ic.enabled else "off"),
        "lingering-recovery-checkpoint": "with %d recovery checkpoint(s)" % sum(
            1 for c in vm.checkpoints if c.type.lower() == "recovery"),
        "autorecovery-avhdx-left": "with %d AutoRecovery file(s) next to its disks" % len(vm.autorecovery_files),
        "ic-outdated": "integration services version %s%s" % (
            vm.ic_version or (vm.guest.ic_version if vm.guest else "") or "unknown",
            " (%s)" % vm.ic_state if vm.ic_state else ""),
        "checkpoint-type": "checkpoint type %s" % (vm.checkpoint_type or "unknown"),
        "snapshot-location": "checkpoint files go to %s" % vm.snapshot_location,
        "vm-config-version": "configuration version %s" % vm.version,
    }
    extra = facts.get(plan.cause)
    return "%s is %s%s." % (vm.name, vm.state, ", " + extra if extra else "")
