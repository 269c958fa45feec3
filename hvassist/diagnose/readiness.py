"""Backup readiness: what the next host-level backup of each VM will be, and why.

Verdicts, worst first:
- ``failing``: the backup of this VM (or of every VM on the host) fails;
- ``offline``: the VM is copied while it is not running, or is saved for the copy (saved-state method,
  2012 R2 and older), so it is consistent but the guest's applications are not asked to prepare;
- ``crash-consistent``: copied while running without the guest's help, like after a power cut;
- ``application-consistent``: the guest's VSS writers prepare (Windows) or file systems are frozen (Linux).

Derived from the same facts and findings as the rules, and from the host version: on Windows Server 2012 R2
and older the host's VSS decides per VM between the online method (Child VM Snapshot) and the saved-state
method; on 2016 and later the backup takes a production checkpoint, which falls back to a standard
(crash-consistent) one when the guest cannot help, or fails when the checkpoint type is ProductionOnly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hvassist.diagnose.findings import Finding
from hvassist.diagnose.guestlook import PendingCheck
from hvassist.diagnose.rules.base import is_linux, is_windows
from hvassist.snapshot import HostSnapshot, VMFact

VERDICTS = ("failing", "offline", "crash-consistent", "application-consistent")

# host-level causes that make every backup on the host fail (csv-issues: only VMs on the affected CSVs)
HOST_FAILING = {
    "host-hv-writer-failed": "The host's Hyper-V VSS writer is in a failed state.",
    "client-hyperv-no-writer": "This Windows client edition has no Hyper-V VSS writer for host-level backups.",
    "vss-provider-registration": "The host's Microsoft Software Shadow Copy Provider is not registered correctly.",
    "logon-as-service-right": "The Virtual Machines group lacks the 'Log on as a service' right on the host.",
    "writer-metadata-too-large": "The Hyper-V writer's metadata is too large for VSS on this host.",
    "hw-provider": "The host's hardware VSS provider fails or times out.",
    "overlapping-vss-jobs": "Another VSS job on the host overlaps with backups and makes them fail.",
    "os-vss-update-bug": "A known Windows VSS defect on the host (missing update) breaks backups.",
}
# VM-level causes that make this VM's backup fail
VM_FAILING = {
    "no-scsi-controller": "It has no SCSI controller, which a running Generation 1 VM needs for a host-level "
                          "backup on Windows Server 2012 R2 and later.",
    "lingering-recovery-checkpoint": "A recovery checkpoint left by an earlier backup blocks the next one.",
    "autorecovery-avhdx-left": "A leftover AutoRecovery disk file blocks the next backup.",
    "shared-vhdx-2012r2": "It uses a shared VHDX, which cannot be backed up at host level.",
    "vhds-guest-cluster": "Checkpoints of its VHD Set (guest cluster) fail.",
    "permissions-av": "Hyper-V cannot use its disk files (permissions or antivirus).",
    "host-space": "Its volume is too full for the backup checkpoint and the merge.",
    "smb3-no-agent": "Its file server lacks the File Server VSS Agent Service.",
    "disk-signature-collision": "One of its disks has the same signature as a host disk.",
}
# causes that keep the guest from taking part in the backup
GUEST_CANNOT_HELP = {
    "backup-ic-disabled": "The Backup integration service is turned off for it.",
    "guest-ic-service-stopped": "The backup helper service inside it (vmicvss) is not running.",
    "ic-outdated": "Its integration services are older than the host's.",
    "unsupported-guest-os": "Its operating system has no backup integration.",
    "dynamic-disks-guest": "It uses dynamic disks inside.",
    "non-ntfs-volume": "A volume inside it is FAT/FAT32, which cannot be shadow-copied.",
    "shadowstorage-other-volume": "Shadow copy storage inside it is on another volume.",
    "guest-diff-area": "A volume inside it has no room for the shadow copy difference area.",
    "scoped-snapshots": "System Restore scoped snapshots inside it block the backup.",
    "linux-no-vss-daemon": "The Linux backup daemon (hv_vss_daemon) does not run inside it.",
}
# the guest takes part, but an application writer vetoes: the copy is crash-consistent
WRITER_VETO = {"guest-writer-failed": "An application VSS writer inside it fails, so its applications are not "
                                      "prepared."}
# host VSS method only: these force the saved-state method even when the guest could help
SAVED_STATE_ONLY = {"snapshot-location": "Its snapshot file location is not on the volume of its disks."}


@dataclass(frozen=True)
class Readiness:
    verdict: str
    reasons: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "reasons": list(self.reasons)}


def _worst(a: str, b: str) -> str:
    return a if VERDICTS.index(a) <= VERDICTS.index(b) else b


def vm_readiness(snapshot: HostSnapshot, vm: VMFact, findings: list[Finding],
                 pending: list[PendingCheck] | None = None) -> Readiness:
    host = snapshot.host
    mine = {f.cause: f for f in findings if f.vm_id == vm.id}
    host_wide = {f.cause: f for f in findings if f.vm is None and f.host == host.name}
    verdict = "application-consistent"
    reasons: list[str] = []

    def degrade(to: str, why: str) -> None:
        nonlocal verdict
        verdict = _worst(verdict, to)
        if why not in reasons:
            reasons.append(why)

    for cause, why in HOST_FAILING.items():
        if cause in host_wide:
            degrade("failing", why)
    csv = host_wide.get("csv-issues")
    if csv is not None and host.host_vss_flow:
        affected = [c.path.lower() for c in snapshot.csvs if c.name in csv.detail.get("csvs", [])]
        if any(d.path.lower().startswith(p) for d in vm.disks for p in affected if p):
            degrade("failing", "Its Cluster Shared Volume is in redirected or failed access on this node.")

    running = vm.running
    for cause, why in VM_FAILING.items():
        f = mine.get(cause)
        if f is None or (cause == "no-scsi-controller" and not running):
            continue
        if cause == "disk-signature-collision" and f.severity != "error":
            continue
        degrade("failing", why)

    if not running:
        state = vm.state.lower()
        if state == "off":
            degrade("offline", "It is turned off: its files are copied as they are (consistent, as nothing "
                               "runs).")
        else:
            degrade("offline", "It is %s: the copy holds its %s state, not a running system prepared for the "
                               "backup." % (state, state))
        return Readiness(verdict, tuple(reasons))

    cannot_help = [why for cause, why in GUEST_CANNOT_HELP.items() if cause in mine]
    no_integration = vm.guest is None and not vm.ic_version and "unsupported-guest-os" not in mine
    if no_integration:
        cannot_help.append("It reports no integration services, so the guest cannot take part.")
    veto = [why for cause, why in WRITER_VETO.items() if cause in mine]

    if host.host_vss_flow:
        for why in cannot_help:
            degrade("offline", why + " On this host version it is saved briefly for the backup (offline).")
        for cause, why in SAVED_STATE_ONLY.items():
            if cause in mine:
                degrade("offline", why + " The host backs it up with the saved-state method (offline).")
        for why in veto:
            degrade("crash-consistent", why)
    else:
        kind = (vm.checkpoint_type or "Production").lower()
        if kind == "disabled":
            degrade("failing", "Checkpoints are disabled for it, so the backup cannot take its checkpoint.")
        elif kind == "standard":
            degrade("crash-consistent", "Its checkpoint type is Standard: the guest is not asked to prepare.")
        for why in cannot_help + veto:
            if kind == "productiononly":
                degrade("failing", why + " Its checkpoint type is ProductionOnly, so the checkpoint fails "
                                         "instead of falling back.")
            else:
                degrade("crash-consistent", why + " The production checkpoint falls back to a standard "
                                                  "(crash-consistent) one.")
        if "vm-config-version" in mine:
            reasons.append("Its configuration version %s is older than 6.2: no production checkpoints or "
                           "change tracking; backups use the older method." % vm.version)

    if "passthrough-iscsi-vfc" in mine:
        reasons.append("Some of its disks (pass-through, iSCSI or virtual Fibre Channel) are not in the backup.")

    for p in pending or []:
        if p.vm_id == vm.id and p.where == "guest":
            if is_linux(vm):
                reasons.append("Not checked inside the guest: application-consistent only if the Linux backup "
                               "daemon (hv_vss_daemon) runs there.")
            else:
                reasons.append("Not checked inside the guest yet (see the commands to run there).")
        elif p.where == "file-server" and p.target in vm.share_servers:
            reasons.append("Its file server %s was not checked for the File Server VSS Agent Service." % p.target)

    if verdict == "application-consistent":
        how = ("Hyper-V's VSS writer asks the guest to prepare (online backup)" if host.host_vss_flow else
               "a production checkpoint asks the guest to prepare")
        who = "file systems are frozen" if is_linux(vm) else "applications are prepared" if is_windows(vm) else \
            "the guest prepares"
        reasons.insert(0, "It is running and its backup integration works: %s, so its %s." % (how, who))
    return Readiness(verdict, tuple(reasons))


def host_readiness(snapshot: HostSnapshot, findings: list[Finding],
                   pending: list[PendingCheck] | None = None) -> dict[str, Readiness]:
    """Readiness per VM id."""
    # Each VM needs only its own findings and the host-wide ones: grouped once, not searched per VM.
    host_wide = [f for f in findings if f.vm is None]
    by_vm: dict[str | None, list[Finding]] = {}
    for f in findings:
        by_vm.setdefault(f.vm_id, []).append(f)
    # Likewise the pending checks: a VM's own look inside its guest, and the file servers (in their order).
    pending_by_vm: dict[str | None, list[PendingCheck]] = {}
    servers: list[PendingCheck] = []
    for p in pending or []:
        if p.where == "guest":
            pending_by_vm.setdefault(p.vm_id, []).append(p)
        elif p.where == "file-server":
            servers.append(p)
    position = {id(p): i for i, p in enumerate(pending or [])}

    def pending_of(vm: VMFact) -> list[PendingCheck]:
        mine = pending_by_vm.get(vm.id, [])
        if not servers:
            return mine
        return sorted(mine + servers, key=lambda p: position[id(p)])

    return {vm.id: vm_readiness(snapshot, vm, by_vm.get(vm.id, []) + host_wide, pending_of(vm))
            for vm in snapshot.vms}
