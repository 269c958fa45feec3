"""Rules about a VM's own configuration and state."""

from __future__ import annotations

from collections.abc import Iterable

from hvassist.diagnose.events import NO_SCSI_10103, events_for_vm
from hvassist.diagnose.findings import Evidence, Finding
from hvassist.diagnose.rules.base import Rule, event_evidence, vm_finding
from hvassist.snapshot import HostSnapshot

BACKUP_IC_NAMES = ("vss", "backup (volume shadow copy)", "backup (volume checkpoint)", "backup (volume snapshot)")


def no_scsi_controller(s: HostSnapshot) -> Iterable[Finding]:
    if s.host.os_build < 9600:  # before 2012 R2 the guest snapshot is reverted without hot-add
        return
    for vm in s.vms:
        if vm.generation != 1 or vm.scsi_controllers > 0:
            continue
        ev = [Evidence("%s is a Generation 1 VM with no SCSI controller (Get-VMScsiController found none; "
                       "%d IDE controllers)." % (vm.name, vm.ide_controllers), source="Get-VMScsiController")]
        ev += [event_evidence(e) for e in events_for_vm(s, NO_SCSI_10103, vm)]
        yield vm_finding(s, "no-scsi-controller", vm, "error", ev, state=vm.state)


def backup_ic_disabled(s: HostSnapshot) -> Iterable[Finding]:
    for vm in s.vms:
        ic = next((i for i in vm.integration_services if i.name.lower() in BACKUP_IC_NAMES), None)
        if ic is None or ic.enabled:
            continue
        yield vm_finding(s, "backup-ic-disabled", vm, "warning", [Evidence(
            "The integration service '%s' (Backup) is disabled for %s." % (ic.name, vm.name),
            source="Get-VMIntegrationService")])


def lingering_recovery_checkpoint(s: HostSnapshot) -> Iterable[Finding]:
    for vm in s.vms:
        recovery = [c for c in vm.checkpoints if c.type.lower() == "recovery"]
        if not recovery:
            continue
        ev = [Evidence("%s has a recovery checkpoint '%s' created %s." % (vm.name, c.name, c.created or "?"),
                       source="Get-VMSnapshot -SnapshotType Recovery") for c in recovery]
        yield vm_finding(s, "lingering-recovery-checkpoint", vm, "error", ev,
                         checkpoints=[c.id for c in recovery])


def vm_not_running(s: HostSnapshot) -> Iterable[Finding]:
    for vm in s.vms:
        if vm.state.lower() in ("off", "saved", "paused"):
            how = ("only an offline (saved-state) backup is possible" if not s.host.is_2016_or_later
                   else "the backup copies it while it is not running")
            yield vm_finding(s, "vm-not-running", vm, "warning" if not s.host.is_2016_or_later else "info",
                             [Evidence("%s is %s, so %s." % (vm.name, vm.state, how), source="Get-VM")],
                             state=vm.state)


RULES = [
    Rule("no-scsi-controller", no_scsi_controller),
    Rule("backup-ic-disabled", backup_ic_disabled),
    Rule("lingering-recovery-checkpoint", lingering_recovery_checkpoint),
    Rule("vm-not-running", vm_not_running),
]
