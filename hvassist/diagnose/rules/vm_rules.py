"""Rules about a VM's own configuration, state and files, as the host sees them."""

from __future__ import annotations

import re
from collections.abc import Iterable

from hvassist.diagnose import events as ev
from hvassist.diagnose.findings import Evidence, Finding
from hvassist.diagnose.rules.base import Rule, event_evidence, gib, is_linux, is_windows, vm_finding
from hvassist.snapshot import HostSnapshot, VMFact, version_tuple

RUNNING_STATES = ("running",)
OFFLINE_STATES = ("off", "saved", "paused")
# guests whose integration components never had the backup (VSS) integration
NO_BACKUP_INTEGRATION_OS = re.compile(r"Windows (2000|XP|NT)\b", re.I)


def no_scsi_controller(s: HostSnapshot) -> Iterable[Finding]:
    if s.host.os_build < ev.BUILD_2012R2:  # before 2012 R2 the guest snapshot is reverted without hot-add
        return
    for vm in s.vms:
        if vm.generation != 1 or vm.scsi_controllers > 0:
            continue
        evidence = [Evidence("%s is a Generation 1 VM with no SCSI controller (Get-VMScsiController found none; "
                             "%d IDE controllers)." % (vm.name, vm.ide_controllers), source="Get-VMScsiController")]
        evidence += [event_evidence(e) for e in ev.events_for_vm(s, ev.NO_SCSI_10103, vm)]
        yield vm_finding(s, "no-scsi-controller", vm, "error", evidence, state=vm.state,
                         generation=vm.generation)


def backup_ic_disabled(s: HostSnapshot) -> Iterable[Finding]:
    for vm in s.vms:
        ic = vm.backup_ic
        if ic is None or ic.enabled:
            continue
        yield vm_finding(s, "backup-ic-disabled", vm, "warning", [Evidence(
            "The integration service '%s' (Backup) is disabled for %s." % (ic.name, vm.name),
            source="Get-VMIntegrationService")], integration_service=ic.name)


def guest_ic_service_stopped(s: HostSnapshot) -> Iterable[Finding]:
    """Seen inside the guest (vmicvss stopped or disabled), or from the host: the Backup integration service
    is enabled but has no contact while the guest's other integration services answer."""
    for vm in s.vms:
        ic = vm.backup_ic
        if ic is None or not ic.enabled or not vm.running or is_linux(vm):
            continue
        evidence: list[Evidence] = []
        facts = s.guest_facts(vm)
        start_mode = None
        if facts is not None and facts.vmicvss_state is not None:
            start_mode = facts.vmicvss_start_mode
            if facts.vmicvss_state.lower() != "running" or (start_mode or "").lower() == "disabled":
                evidence.append(Evidence("Inside the guest, the service vmicvss (Hyper-V Volume Shadow Copy "
                                         "Requestor) is %s, start type %s." % (facts.vmicvss_state,
                                                                               start_mode or "unknown"),
                                         source="guest: Win32_Service vmicvss"))
        heartbeat = vm.integration_service("Heartbeat")
        status = ic.primary_status.strip()
        if status and status.lower() != "ok" and heartbeat is not None \
                and heartbeat.primary_status.strip().lower() == "ok":
            evidence.append(Evidence("The Backup integration service is enabled, but its status is '%s'%s while "
                                     "the Heartbeat integration service reports OK." % (
                                         status, " (%s)" % ic.secondary_status if ic.secondary_status else ""),
                                     source="Get-VMIntegrationService"))
        if evidence:
            yield vm_finding(s, "guest-ic-service-stopped", vm, "warning", evidence,
                             guest_service="vmicvss", start_mode=start_mode)


def ic_outdated(s: HostSnapshot) -> Iterable[Finding]:
    """Integration components older than the host's. IntegrationServicesState is Hyper-V's own comparison;
    on 2012 R2 and older hosts the guest's KVP version is also compared with the host's version."""
    for vm in s.vms:
        if not vm.running or is_linux(vm):
            continue
        evidence: list[Evidence] = []
        if vm.ic_state.strip().lower() == "update required":
            evidence.append(Evidence("Hyper-V reports the integration services of %s as '%s' (version %s)."
                                     % (vm.name, vm.ic_state, vm.ic_version or "unknown"),
                                     source="Get-VM IntegrationServicesState"))
        guest_ic = version_tuple(vm.guest.ic_version if vm.guest else "")
        host_v = version_tuple(s.host.os_version)
        if not s.host.is_2016_or_later and guest_ic and len(host_v) >= 2 and guest_ic[:2] < host_v[:2] \
                and is_windows(vm):
            evidence.append(Evidence("The guest reports integration services version %s; the host runs %s."
                                     % (vm.guest.ic_version if vm.guest else "", s.host.os_version),
                                     source="KVP IntegrationServicesVersion"))
        if evidence:
            yield vm_finding(s, "ic-outdated", vm, "warning", evidence, ic_version=vm.ic_version or (
                vm.guest.ic_version if vm.guest else ""), update_method=(
                "windows-update" if s.host.is_2016_or_later else "vmguest.iso"), guest_reboot=True)


def lingering_recovery_checkpoint(s: HostSnapshot) -> Iterable[Finding]:
    if s.host.os_build < ev.BUILD_2012R2:
        return
    for vm in s.vms:
        recovery = [c for c in vm.checkpoints if c.type.lower() == "recovery"]
        if not recovery:
            continue
        evidence = [Evidence("%s has a recovery checkpoint '%s' created %s." % (vm.name, c.name, c.created or "?"),
                             source="Get-VMSnapshot -SnapshotType Recovery") for c in recovery]
        yield vm_finding(s, "lingering-recovery-checkpoint", vm, "error", evidence,
                         checkpoints=[c.id for c in recovery], checkpoint_names=[c.name for c in recovery],
                         created=[c.created for c in recovery])


def autorecovery_avhdx_left(s: HostSnapshot) -> Iterable[Finding]:
    for vm in s.vms:
        if not vm.autorecovery_files:
            continue
        live = {p.lower() for d in vm.disks for p in (d.path, *d.chain)}
        files = [{"path": f.path, "size_bytes": f.size_bytes, "modified": f.modified,
                  "in_live_chain": f.path.lower() in live} for f in vm.autorecovery_files]
        evidence = [Evidence("%s (%s, last written %s)%s." % (f.path, gib(f.size_bytes), f.modified or "?",
                                                              " is still part of a disk chain the VM uses"
                                                              if f.path.lower() in live else
                                                              " is not part of the VM's disk chains"),
                             source="Get-ChildItem *AutoRecovery*.avhd*; Get-VHD ParentPath")
                    for f in vm.autorecovery_files]
        yield vm_finding(s, "autorecovery-avhdx-left", vm, "error", evidence, files=files)


def vm_not_running(s: HostSnapshot) -> Iterable[Finding]:
    for vm in s.vms:
        if vm.state.lower() not in OFFLINE_STATES:
            continue
        if s.host.is_2016_or_later:
            how = ("a backup copies it as it is (%s): no application-consistent copy, and no saved-state method "
                   "on this host version" % vm.state.lower())
            severity = "info"
        else:
            how = "only an offline (saved-state) backup is possible"
            severity = "warning"
        yield vm_finding(s, "vm-not-running", vm, severity,
                         [Evidence("%s is %s, so %s." % (vm.name, vm.state, how), source="Get-VM")],
                         state=vm.state, clustered=vm.is_clustered)


def snapshot_location(s: HostSnapshot) -> Iterable[Finding]:
    """Host-VSS method (2012 R2 and older): the snapshot file location must be on the volume of the VHDs."""
    if not s.host.host_vss_flow:
        return
    for vm in s.vms:
        disk_paths = [d.path for d in vm.disks if d.path and not d.is_passthrough]
        if not vm.snapshot_location or not disk_paths:
            continue
        snap_vol = s.volume_of(vm.snapshot_location)
        disk_vols = sorted({s.volume_of(p) for p in disk_paths})
        if snap_vol in disk_vols:
            continue
        yield vm_finding(s, "snapshot-location", vm, "warning", [Evidence(
            "The snapshot file location %s is on volume %s; the VM's disks are on %s." % (
                vm.snapshot_location, snap_vol, ", ".join(disk_vols)), source="Get-VM SnapshotFileLocation; "
            "Get-VMHardDiskDrive")], snapshot_location=vm.snapshot_location, snapshot_volume=snap_vol,
            disk_volumes=disk_vols, has_checkpoints=bool(vm.checkpoints))


def unsupported_guest_os(s: HostSnapshot) -> Iterable[Finding]:
    for vm in s.vms:
        if not vm.running:
            continue
        evidence: list[Evidence] = []
        if NO_BACKUP_INTEGRATION_OS.search(vm.guest_os):
            evidence.append(Evidence("The guest reports '%s', which has no backup integration." % vm.guest_os,
                                     source="KVP OSName"))
        heartbeat = vm.integration_service("Heartbeat")
        if vm.guest is None and not vm.ic_version and heartbeat is not None and heartbeat.enabled \
                and heartbeat.primary_status.strip().lower() not in ("ok", ""):
            evidence.append(Evidence("%s runs, but reports no integration services at all (no version, no KVP "
                                     "data; Heartbeat status '%s')." % (vm.name, heartbeat.primary_status),
                                     source="Get-VM; Msvm_KvpExchangeComponent"))
        facts = s.guest_facts(vm)
        if facts is not None:
            build = ev.guest_build(facts.os_version)
            for sig in (ev.GUEST_UNSUPPORTED_1, ev.ICSVC_UNSUPPORTED_22):
                evidence += [event_evidence(e, "guest ") for e in ev.find(facts.events, sig, build)]
        if evidence:
            yield vm_finding(s, "unsupported-guest-os", vm, "warning", evidence, guest_os=vm.guest_os)


def linux_no_vss_daemon(s: HostSnapshot) -> Iterable[Finding]:
    """The host sees it only after the fact: VMMS event 10150 (a failed Linux guest freeze) for the VM. Without
    it, the check is "needs a look inside the guest" (hvassist does not log on to Linux guests)."""
    for vm in s.vms:
        if not is_linux(vm):
            continue
        found = ev.events_for_vm(s, ev.LINUX_FREEZE_10150, vm)
        if not found:
            continue
        evidence = [Evidence("%s runs Linux ('%s'); Hyper-V logged event 10150 for it, which Microsoft's Linux "
                             "integration tests expect when the guest cannot freeze its file systems for a backup."
                             % (vm.name, vm.guest_os), source="KVP OSName; VMMS-Admin")]
        evidence += [event_evidence(e) for e in found]
        yield vm_finding(s, "linux-no-vss-daemon", vm, "warning", evidence, guest_os=vm.guest_os)


def passthrough_iscsi_vfc(s: HostSnapshot) -> Iterable[Finding]:
    for vm in s.vms:
        evidence: list[Evidence] = []
        passthrough = [d for d in vm.disks if d.is_passthrough]
        for d in passthrough:
            evidence.append(Evidence("%s has a pass-through disk (host disk %d on %s %d:%d); it is not in a "
                                     "host-level backup." % (vm.name, d.disk_number or 0, d.controller_type,
                                                             d.controller_number, d.controller_location),
                                     source="Get-VMHardDiskDrive DiskNumber"))
        if vm.fibre_channel_adapters:
            evidence.append(Evidence("%s has %d virtual Fibre Channel adapter(s); disks reached through them are "
                                     "not in a host-level backup." % (vm.name, vm.fibre_channel_adapters),
                                     source="Get-VMFibreChannelHba"))
        facts = s.guest_facts(vm)
        if facts is not None:
            if facts.iscsi_sessions:
                evidence.append(Evidence("Inside the guest, %d iSCSI session(s) are connected; disks reached "
                                         "through them are not in a host-level backup." % facts.iscsi_sessions,
                                         source="guest: MSiSCSIInitiator_SessionClass"))
            evidence += [event_evidence(e, "guest ") for e in ev.find(
                facts.events, ev.GUEST_DIRECT_DISKS_15, ev.guest_build(facts.os_version))]
        if evidence:
            yield vm_finding(s, "passthrough-iscsi-vfc", vm, "warning", evidence,
                             passthrough_disks=[d.disk_number for d in passthrough],
                             fibre_channel_adapters=vm.fibre_channel_adapters,
                             iscsi_sessions=facts.iscsi_sessions if facts else None)


def shared_vhdx_2012r2(s: HostSnapshot) -> Iterable[Finding]:
    """Shared VHDX (not a VHD Set) cannot be backed up at host level: on 2012 R2 not at all, on 2016+ only
    after converting it to a VHD Set."""
    for vm in s.vms:
        shared = [d for d in vm.disks if d.shared and not d.is_vhd_set]
        if not shared:
            continue
        what = ("Windows Server 2012 R2 cannot back up shared VHDX at host level"
                if not s.host.is_2016_or_later else
                "host-level backup of a shared disk needs a VHD Set (.vhds) on this host version")
        yield vm_finding(s, "shared-vhdx-2012r2", vm, "error", [Evidence(
            "%s uses the shared virtual disk %s; %s." % (vm.name, d.path, what),
            source="Get-VMHardDiskDrive SupportPersistentReservations") for d in shared],
            shared_disks=[d.path for d in shared])


def vhds_guest_cluster(s: HostSnapshot) -> Iterable[Finding]:
    if not s.host.is_2016_or_later:
        return
    for vm in s.vms:
        sets = [d for d in vm.disks if d.is_vhd_set]
        if not sets:
            continue
        evidence: list[Evidence] = []
        evidence += [event_evidence(e) for e in ev.events_for_vm(s, ev.MERGE_ACCESS_DENIED_19100, vm)]
        facts = s.guest_facts(vm)
        if facts is not None:
            if facts.clussvc_state is not None and facts.clussvc_state.lower() != "running":
                evidence.append(Evidence("Inside the guest, the Cluster service is %s." % facts.clussvc_state,
                                         source="guest: Win32_Service ClusSvc"))
            evidence += [event_evidence(e, "guest ") for e in ev.find(
                facts.events, ev.ICSVC_CLUSTER_DISK_24, ev.guest_build(facts.os_version))]
        if evidence:
            evidence.insert(0, Evidence("%s uses the VHD Set(s) %s (a guest cluster's shared disks)." % (
                vm.name, ", ".join(d.path for d in sets)), source="Get-VMHardDiskDrive"))
            yield vm_finding(s, "vhds-guest-cluster", vm, "error", evidence, vhd_sets=[d.path for d in sets],
                             folders=sorted({d.path.rsplit("\\", 1)[0] for d in sets}))


def vm_config_version(s: HostSnapshot) -> Iterable[Finding]:
    if not s.host.is_2016_or_later:
        return
    level = s.host.cluster.functional_level if s.host.cluster else None
    for vm in s.vms:
        v = vm.config_version
        if not v or v >= (6, 2):
            continue
        yield vm_finding(s, "vm-config-version", vm, "warning", [Evidence(
            "%s has configuration version %s; production checkpoints and resilient change tracking need 6.2 or "
            "later." % (vm.name, vm.version), source="Get-VM Version")], version=vm.version,
            cluster=s.host.cluster.name if s.host.cluster else None, cluster_functional_level=level,
            upgrade_allowed=(level is None or level >= 9), irreversible=True)


def checkpoint_type(s: HostSnapshot) -> Iterable[Finding]:
    if not s.host.is_2016_or_later:
        return
    for vm in s.vms:
        kind = (vm.checkpoint_type or "").lower()
        if kind not in ("standard", "disabled"):
            continue
        effect = ("backups that need a checkpoint fail" if kind == "disabled"
                  else "backups are crash-consistent (the guest is not asked to prepare)")
        yield vm_finding(s, "checkpoint-type", vm, "error" if kind == "disabled" else "warning", [Evidence(
            "%s has checkpoint type %s, so %s." % (vm.name, vm.checkpoint_type, effect),
            source="Get-VM CheckpointType")], checkpoint_type=vm.checkpoint_type)


def permissions_av(s: HostSnapshot) -> Iterable[Finding]:
    sharing_violations = ev.with_token(s.events, ev.HR_SHARING_VIOLATION, provider=ev.VMMS)  # once, not per VM
    for vm in s.vms:
        evidence: list[Evidence] = []
        missing = [d.path for d in vm.disks if d.vm_access is False]
        for path in missing:
            evidence.append(Evidence("The file %s has no permission entry for NT VIRTUAL MACHINE\\%s (the VM's "
                                     "own account)." % (path, vm.id.upper()), source="Get-Acl"))
        if not any(d.is_vhd_set for d in vm.disks):  # VHD Sets: see vhds-guest-cluster
            evidence += [event_evidence(e) for e in ev.events_for_vm(s, ev.MERGE_ACCESS_DENIED_19100, vm)]
        locked = [e for e in sharing_violations if ev.names_vm(e, vm)]
        evidence += [event_evidence(e) for e in locked]
        if evidence:
            yield vm_finding(s, "permissions-av", vm, "error", evidence, files_missing_vm_access=missing,
                             vm_account="NT VIRTUAL MACHINE\\%s" % vm.id.upper())


def host_space(s: HostSnapshot) -> Iterable[Finding]:
    """A checkpoint grows, and a merge needs room for the changes written since the checkpoint: a volume
    holding VM files with less than max(10 GB, 5 %) free is reported."""
    for vm in s.vms:
        vols: dict[str, tuple[int, int]] = {}
        for p in [d.path for d in vm.disks if d.path and not d.is_passthrough] + [vm.snapshot_location]:
            if not p or p.startswith("\\\\"):
                continue
            key = s.volume_of(p)
            space = s.free_space(key)
            if space is not None:
                vols[key] = space
        low = {k: v for k, v in vols.items() if v[0] < max(10 << 30, v[1] // 20)}
        if not low:
            continue
        evidence = [Evidence("Volume %s has %s free of %s." % (k, gib(free), gib(size)),
                             source="Win32_Volume / Get-ClusterSharedVolume") for k, (free, size) in low.items()]
        yield vm_finding(s, "host-space", vm, "error", evidence,
                         volumes={k: {"free_bytes": f, "size_bytes": z} for k, (f, z) in low.items()})


def smb3_no_agent(s: HostSnapshot) -> Iterable[Finding]:
    for vm in s.vms:
        for server in vm.share_servers:
            check = s.file_servers.get(server)
            if check is None or not check.done:
                continue  # reported as "needs a look on the file server"
            if check.agent_state is not None and check.agent_state.lower() == "running":
                continue
            state = "is not installed" if check.agent_state is None else "is %s" % check.agent_state.lower()
            yield vm_finding(s, "smb3-no-agent", vm, "error", [Evidence(
                "%s keeps its files on \\\\%s; on that file server the File Server VSS Agent Service %s." % (
                    vm.name, server, state), source="file server: Win32_Service fssagent")],
                file_server=server, agent_state=check.agent_state)


def disk_signature_collision(s: HostSnapshot) -> Iterable[Finding]:
    """A VHD's MBR signature equal to one of the host's disks (seen with the guest's disk list). It breaks
    backups where the host mounts the VM's disks: before 2012 R2, and products that mount VHDs on the host."""
    host_sigs = {d.signature: d.number for d in s.host.disks if d.signature}
    if not host_sigs:
        return
    for vm in s.vms:
        facts = s.guest_facts(vm)
        if facts is None:
            continue
        same = sorted(sig for sig in facts.disk_signatures if sig in host_sigs)
        if not same:
            continue
        yield vm_finding(s, "disk-signature-collision", vm, "error" if s.host.host_vss_flow
                         and s.host.os_build < ev.BUILD_2012R2 else "warning", [Evidence(
                             "A disk inside %s has the MBR signature %s, the same as the host's disk %d." % (
                                 vm.name, sig, host_sigs[sig]), source="guest Win32_DiskDrive; host Get-Disk")
                             for sig in same], signatures=same, host_disks=[host_sigs[x] for x in same])


RULES = [
    Rule("no-scsi-controller", no_scsi_controller),
    Rule("backup-ic-disabled", backup_ic_disabled),
    Rule("guest-ic-service-stopped", guest_ic_service_stopped),
    Rule("ic-outdated", ic_outdated),
    Rule("lingering-recovery-checkpoint", lingering_recovery_checkpoint),
    Rule("autorecovery-avhdx-left", autorecovery_avhdx_left),
    Rule("vm-not-running", vm_not_running),
    Rule("snapshot-location", snapshot_location),
    Rule("unsupported-guest-os", unsupported_guest_os),
    Rule("linux-no-vss-daemon", linux_no_vss_daemon),
    Rule("passthrough-iscsi-vfc", passthrough_iscsi_vfc),
    Rule("shared-vhdx-2012r2", shared_vhdx_2012r2),
    Rule("vhds-guest-cluster", vhds_guest_cluster),
    Rule("vm-config-version", vm_config_version),
    Rule("checkpoint-type", checkpoint_type),
    Rule("permissions-av", permissions_av),
    Rule("host-space", host_space),
    Rule("smb3-no-agent", smb3_no_agent),
    Rule("disk-signature-collision", disk_signature_collision),
]

__all__ = ["RULES", "VMFact"]
