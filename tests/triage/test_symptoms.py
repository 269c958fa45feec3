# ruff: noqa: E501
# (symptom texts are kept on one line each, as they are pasted)
"""Short descriptions of symptoms, the way admins and KB articles write them (one or two per cause):
each must rank its cause first. They guard the wording patterns in resources/triage/patterns.toml."""

from __future__ import annotations

import pytest

from hvassist.triage import triage_text

SYMPTOMS: list[tuple[str, str]] = [
    (
        "backup-ic-disabled",
        "The Backup (volume shadow copy) integration service is disabled for virtual machine 'APP02'.",
    ),
    (
        "backup-ic-disabled",
        "Get-VMIntegrationService -VMName APP02\nVMName Name Enabled PrimaryStatusDescription\nAPP02 Backup (volume checkpoint) False OK",
    ),
    (
        "guest-ic-service-stopped",
        "Hyper-V Volume Shadow Copy Requestor service (vmicvss) is disabled in the guest",
    ),
    (
        "ic-outdated",
        "Integration services state: Update required for VM 'OLD2008'. Backup falls back to saved state.",
    ),
    (
        "host-hv-writer-failed",
        "Writer name: 'Microsoft Hyper-V VSS Writer'\n State: [9] Failed\n Last error: Timed out",
    ),
    (
        "guest-writer-failed",
        "VSS writer SqlServerWriter failed with status 8 and writer specific failure code 0x800423F4.",
    ),
    (
        "guest-writer-failed",
        "Log Name: Application\nSource: vmicvss\nEvent ID: 2\nDescription:\nVSS writer Microsoft Exchange Writer failed with status 11 and writer specific failure code 0x800423F3.",
    ),
    ("lingering-recovery-checkpoint", "Failed to create VM recovery checkpoint … error code: 32768"),
    (
        "lingering-recovery-checkpoint",
        "Get-VMSnapshot shows a Recovery checkpoint 'Veeam Replica Working Snapshot' on the VM from last week",
    ),
    (
        "autorecovery-avhdx-left",
        "D:\\VMs\\SQL01\\Virtual Hard Disks\\SQL01_C-AutoRecovery.avhdx still exists after the job",
    ),
    (
        "vm-not-running",
        "Backup of VM 'TEST01' was done offline because the virtual machine is in the saved state.",
    ),
    ("vm-not-running", "Component: Offline\\TEST01 (Backup Using Saved State)"),
    (
        "dynamic-disks-guest",
        "Hyper-V failed to generate VSS snapshot set for virtual machine 'X': More data is available. (0x800700EA)",
    ),
    ("non-ntfs-volume", "The VM has a FAT32 data volume (E:) so Hyper-V can only do an offline backup."),
    (
        "shadowstorage-other-volume",
        "vssadmin list shadowstorage\nShadow Copy Storage association\n   For volume: (D:)\\\\?\\Volume{...}\\\n   Shadow Copy Storage volume: (E:)\\\\?\\Volume{...}\\",
    ),
    (
        "guest-diff-area",
        "vmicvss Event ID 3: Failed to set up the diff area for volume \\\\?\\Volume{abc}\\ with status 0x8004231F.",
    ),
    (
        "scoped-snapshots",
        "Windows cannot perform an online backup of this system because scoped snapshots are enabled.",
    ),
    (
        "snapshot-location",
        "The snapshot file location of VM 'FS01' is on C:, its VHDX files on D: — host backup goes offline",
    ),
    (
        "unsupported-guest-os",
        "Hyper-V does not support hot backup for this guest operating system (Windows 2000 Server).",
    ),
    ("linux-no-vss-daemon", "Event 10150 Hyper-V-VMMS for the CentOS VM during Windows Server Backup"),
    (
        "passthrough-iscsi-vfc",
        "The VM uses a pass-through disk (physical hard disk 3), which is not included in the backup.",
    ),
    ("shared-vhdx-2012r2", "Windows Server 2012 R2 guest cluster using shared VHDX: host level backup fails"),
    (
        "vhds-guest-cluster",
        "Error code: '32775'. More than one VM claimed to be the owner of shared VHDX in VM group 'Hyper-V Collection'",
    ),
    (
        "csv-issues",
        "Cluster Shared Volume 'Volume1' is in redirected access during the backup; snapshots accumulate on the CSV",
    ),
    (
        "hw-provider",
        "Log Name: Application\nSource: VSS\nEvent ID: 12293\nVolume Shadow Copy Service error: Error calling a routine on a Shadow Copy Provider {0a0b}. Routine details Cannot ask provider {0a0b} if volume is supported. [0x8004230f] [hr = 0x8004230f, The shadow copy provider had an unexpected error while trying to process the specified operation.]",
    ),
    (
        "smb3-no-agent",
        "VMs stored on \\\\fs01\\vmstore\\ fail to back up; the File Server VSS Agent Service is not installed on the file server",
    ),
    ("writer-metadata-too-large", "8193 XML document is too long. hr = 0x80070018"),
    ("stale-writer-sessions", "12289 hr = 0x80042409"),
    (
        "overlapping-vss-jobs",
        "The backup started at the same time as the Hyper-V Replica application-consistent snapshot; VSS_E_SNAPSHOT_SET_IN_PROGRESS",
    ),
    (
        "vm-config-version",
        "Veeam: VM configuration version 5.0 does not support Resilient Change Tracking; upgrade the configuration version to 8.0",
    ),
    ("checkpoint-type", "CheckpointType is Standard for VM 'WEB01', backups are crash consistent"),
    (
        "permissions-av",
        "'VM01' background disk merge failed to complete: The process cannot access the file because it is being used by another process. (0x80070020) - antivirus scanning the AVHDX",
    ),
    (
        "host-space",
        "Checkpoint merge failed: not enough disk space on the CSV C:\\ClusterStorage\\Volume1 (0x80070070)",
    ),
    (
        "vss-com-security",
        "Volume Shadow Copy Service error: Unexpected error querying for the IVssWriterCallback interface. hr = 0x80070005, Access is denied.",
    ),
    (
        "os-vss-update-bug",
        "Event 12366 VSS: An unhandled exception was encountered while processing a VSS writer event callback method.",
    ),
    (
        "guest-credentials",
        "Guest processing credentials are wrong: Veeam cannot connect to the guest over RPC (RPC server is unavailable 0x800706BA)",
    ),
    (
        "disk-signature-collision",
        "0x800423F4 and the System log says: The number of volumes reverted does not match the number of volumes in the snapshot set",
    ),
    (
        "client-hyperv-no-writer",
        "Windows 11 Pro with Hyper-V: vssadmin list writers has no Hyper-V VSS Writer, host backup tool fails",
    ),
    (
        "benign-vss-noise",
        "SQLVDI: Loc=SignalAbort. Desc=Client initiates abort. ErrorCode=(0). Process=1234. Thread=5678. Client. Instance=. VD=Global\\{...}_SQLVDIMemoryName_0.",
    ),
    (
        "vss-provider-registration",
        "The Microsoft Software Shadow Copy Provider service terminated with the following error: The system cannot find the file specified.",
    ),
    ("logon-as-service-right", "0x80070569"),
    (
        "backup-target-full",
        "Export failed: There is not enough space on the disk. (0x80070070) on \\\\backupnas\\exports",
    ),
    (
        "io-flush-timeout",
        "The shadow copy provider timed out while flushing data to the volume being shadow copied. This is probably due to excessive activity on the volume.",
    ),
    ("no-scsi-controller", "VM has no SCSI controller — backup fails with event 10103"),
    ("client-hyperv-no-writer", "host-level VSS backup tool fails on Windows 10/11 Pro"),
    (
        "client-hyperv-no-writer",
        "Backing up Hyper-V VMs on Windows 10 Pro with the VSS-based tool fails: the Microsoft Hyper-V VSS Writer is not listed",
    ),
    (
        "vss-com-security",
        "Volume Shadow Copy Service error: Unexpected error querying for the IVssWriterCallback interface.  hr = 0x80070005, Access is denied. . This is often caused by incorrect security settings in either the writer or requestor process. Binary data: NT AUTHORITY\\NETWORK SERVICE",
    ),
    (
        "os-vss-update-bug",
        "Volume Shadow Copy Service error: An internal inconsistency was detected in trying to contact shadow copy service writers. Event 12366: An unhandled exception was encountered while processing a VSS writer event callback method.",
    ),
    (
        "vm-config-version",
        "Veeam falls back to the legacy backup method because the VM configuration version is 5.0; RCT needs 6.2 or later",
    ),
    (
        "checkpoint-type",
        "Checkpoints are disabled for this VM (CheckpointType Disabled), so the backup cannot create a recovery checkpoint",
    ),
    (
        "backup-ic-disabled",
        "VM is backed up in saved state; Hyper-V Manager shows Integration Services > Backup (volume checkpoint) unchecked",
    ),
    (
        "host-space",
        "The checkpoint could not be created: there is not enough space on the volume C:\\ClusterStorage\\Volume2 where the virtual machine is stored",
    ),
    (
        "smb3-no-agent",
        "Backup of VMs whose VHDX files are on \\\\sofs\\vms fails; Shadow copies for SMB shares need the File Server VSS Agent Service",
    ),
    (
        "snapshot-location",
        "Saved state backup because the Snapshot File Location is set to E:\\Snapshots while the VHDX is on D:",
    ),
    (
        "shadowstorage-other-volume",
        "In the guest, the shadow storage for D: is configured on volume E:, so Hyper-V can only back the VM up offline.",
    ),
    (
        "guest-diff-area",
        "The System Reserved partition in the guest has only 30 MB free, not enough space for the shadow copy",
    ),
    (
        "unsupported-guest-os",
        "The guest runs Windows 2000 without integration services; the VM is always backed up in saved state",
    ),
    (
        "passthrough-iscsi-vfc",
        "vmicvss event 15: Failed to detect the presence or absence of directly mapped disks like iSCSI and Fibre Channel disks",
    ),
    (
        "linux-no-vss-daemon",
        "CentOS 7 VM: application-consistent backup fails, Hyper-V falls back to a standard checkpoint. hypervvssd is not running.",
    ),
    (
        "csv-issues",
        "Windows Server Backup of VMs on a Cluster Shared Volume is crash-consistent only; CSV went into redirected mode during the snapshot",
    ),
    (
        "hw-provider",
        "vssadmin list providers\nProvider name: 'Dell EqualLogic VSS HW Provider'\n   Provider type: Hardware\n   Provider Id: {...}\n   Version: 4.7.1\nBackups fail with 0x80042306",
    ),
    (
        "overlapping-vss-jobs",
        "Hyper-V Replica and the nightly Veeam job both take VSS snapshots at 01:00, overlapping jobs cause random timeouts",
    ),
    (
        "benign-vss-noise",
        "SQLVDI: Loc=SignalAbort. Desc=Client initiates abort. ErrorCode=(0). During Hyper-V Replica app-consistent recovery points; BACKUP failed to complete the command BACKUP DATABASE msdb. The recovery point is application consistent.",
    ),
    (
        "io-flush-timeout",
        "Volsnap: The flush and hold writes operation on volume D: timed out while waiting for a release writes command.",
    ),
    (
        "disk-signature-collision",
        "Backup of the VM fails with 0x800423F4; the VHD has the same disk signature as a physical disk on the host",
    ),
    (
        "writer-metadata-too-large",
        "Event ID 8193: Volume Shadow Copy Service error: Unexpected error calling routine XML document is too long.",
    ),
    (
        "lingering-recovery-checkpoint",
        "The VM shows a checkpoint without Apply/Delete options in Hyper-V Manager and the next backup fails",
    ),
    (
        "autorecovery-avhdx-left",
        "Backups fail at the start with VSS_E_AUTORECOVERY_FAILED on Windows Server 2012 R2",
    ),
    (
        "guest-credentials",
        "Veeam: Guest processing: Access is denied over RPC, transaction logs were not truncated",
    ),
    (
        "permissions-av",
        "Merge of the AVHDX fails: 0x80070005 General access denied. The NT VIRTUAL MACHINE\\{VMId} permission is missing on the folder",
    ),
    (
        "logon-as-service-right",
        "After a GPO change checkpoints fail: NT VIRTUAL MACHINE\\Virtual Machines lost the Log on as a service right",
    ),
    ("vhds-guest-cluster", "Host-level backup of guest cluster VMs with VHD Set disks fails with 32768"),
    (
        "ic-outdated",
        "2012 R2 host, 2008 R2 VM: Integration Services version is older than the host's (IntegrationServicesState: Update required)",
    ),
    (
        "guest-ic-service-stopped",
        "Get-VMIntegrationService shows VSS Enabled=True but SecondaryStatusDescription 'No Contact'",
    ),
    ("vm-not-running", "The VM is Off so Windows Server Backup used the offline (saved state) method"),
]


def test_every_cause_has_a_symptom() -> None:
    from hvassist.triage import knowledge

    assert set(knowledge().cause_ids) == {cause for cause, _ in SYMPTOMS}


@pytest.mark.parametrize(
    ("expected", "text"), SYMPTOMS, ids=[f"{c}-{i}" for i, (c, _) in enumerate(SYMPTOMS)]
)
def test_symptom(expected: str, text: str) -> None:
    ranked = [(c.id, c.score) for c in triage_text(text).causes]
    assert ranked and ranked[0][0] == expected, ranked
