"""The ordered steps of a cross-domain move (KB §3), in plain words, with stable ids.

Each step says what has to be true and why; ``checklist.evaluate`` decides from the facts whether
it is. Steps with manual checks (SAN masking, Active Directory, backups) also need the user's
confirmation with a note, because no host can show them.
"""

from __future__ import annotations

from dataclasses import dataclass

NOT_STARTED = "not-started"
PASSED = "passed"
FAILED = "failed"
NEEDS_MANUAL = "needs-manual-confirmation"
STATUSES = (NOT_STARTED, PASSED, FAILED, NEEDS_MANUAL)
STATUS_WORDS = {NOT_STARTED: "Not started", PASSED: "Passed", FAILED: "Blocked",
                NEEDS_MANUAL: "Needs your confirmation"}


@dataclass(frozen=True)
class ManualCheckDef:
    id: str
    text: str  # what the user confirms


@dataclass(frozen=True)
class StepDef:
    id: str
    kb: int  # step number in KB §3
    title: str
    side: str  # "source", "destination" or "SAN and source" ...: where the checks run
    what: str
    why: str
    manual: tuple[ManualCheckDef, ...] = ()
    runbook: bool = False  # done by the destination runbook


STEPS: tuple[StepDef, ...] = (
    StepDef(
        "prepare-destination", 1, "Prepare the destination cluster", "destination",
        "The new cluster is built in its own domain, Hyper-V runs on every node, and every node has virtual "
        "switches with exactly the names the VMs use today.",
        "A VM registered in place looks for its switch by name. Where a node lacks it, the VM's network adapter "
        "stays disconnected (Compare-VM reports 33012), on every node the VM may fail over to.",
        (ManualCheckDef("destination-validated",
                        "The destination cluster passed validation (Test-Cluster) in its own domain, the account "
                        "hvassist uses is an administrator on every destination node, and you have noted the "
                        "settings tied to the old domain (cluster name object rights, Kerberos delegation, "
                        "Replica, backup jobs): they do not move and must be set up again."),)),
    StepDef(
        "inventory-source", 2, "Take stock of the source", "source",
        "hvassist lists every VM whose files are on the CSV(s) being moved: name, ID, configuration file, "
        "virtual disks, network adapters with their switch and MAC address.",
        "All VMs on a CSV move together with its LUN, and their configuration and disks must all be on it, or "
        "they will be missing on the destination. Windows Server 2008 R2 has no Hyper-V PowerShell module, so "
        "hvassist reads this through WMI (root\\virtualization) with PowerShell 2.0."),
    StepDef(
        "no-snapshots", 3, "No snapshots, and a backup", "source",
        "No VM on the CSV has snapshots, no .avhd differencing disks are left on it, and you have a backup.",
        "Registering in place takes each VM as its files are now. Snapshots are differencing disks chained to "
        "the original disk: delete them (Hyper-V merges them while the VM is off) so that each VM runs from one "
        "plain disk. The backup is your way back if anything goes wrong.",
        (ManualCheckDef("backup", "There is a current backup of every VM on the CSV(s) being moved (or a SAN "
                                  "snapshot of the LUN) that you can restore from."),)),
    StepDef(
        "copy-configs", 4, "Keep a copy of the configurations", "source",
        "Each VM's configuration file (Virtual Machines\\<ID>.xml) is copied to its node's own disk, with a "
        "SHA-256 hash that shows the copy is intact.",
        "If the move has to be undone, these copies let you register the VMs on the old cluster again. Never "
        "use 'Delete' on a VM in Hyper-V Manager on the source: that deletes its configuration."),
    StepDef(
        "shut-down-source", 5, "Shut down the VMs and remove their cluster roles", "source",
        "Every VM on the CSV is off, and none is still a role of the source cluster. The downtime starts here.",
        "A VM must not run while its storage moves, and the source cluster must let go of it. Removing the role "
        "leaves the VM registered in Hyper-V on its node, so its files stay exactly as they are."),
    StepDef(
        "release-source", 6, "Release the LUN from the source", "source and SAN",
        "The CSV is removed from the source cluster, and the SAN no longer presents its LUN to the source "
        "hosts (LUN masking).",
        "A VM must never run on both clusters at once: two clusters writing to one LUN corrupt it. Once the LUN "
        "is masked from the old hosts, that cannot happen.",
        (ManualCheckDef("san-unmasked", "In the SAN management console, the LUN of each CSV being moved is "
                                        "unmasked from every source host."),)),
    StepDef(
        "present-destination", 7, "Present the LUN to the destination and add it as CSV", "SAN and destination",
        "The SAN presents the LUN to every destination node; the disk becomes a CSV of the new cluster, and its "
        "folder under C:\\ClusterStorage gets the name it had on the source (VolumeX).",
        "The VMs' configuration files name their disks by full path (C:\\ClusterStorage\\VolumeX\\...). With the "
        "same folder name every path resolves as before, so nothing is copied or edited.",
        (ManualCheckDef("san-presented", "In the SAN management console, the LUN is presented to every "
                                         "destination node."),)),
    StepDef(
        "register-in-place", 8, "Register the VMs in place", "destination",
        "For each VM, Compare-VM -Register checks its configuration file where it lies, your switch mapping is "
        "applied to the compatibility report, and Import-VM registers the VM in place, keeping its ID.",
        "Registering in place uses the files where they are: no export, no copy, a short downtime. Keeping the "
        "ID keeps the folder permissions (NT VIRTUAL MACHINE\\<ID>) valid. Exports from 2008 R2 cannot be relied "
        "on with 2012 R2 (its WMI v1 namespace is gone), so Compare-VM proves each VM first.",
        runbook=True),
    StepDef(
        "cluster-roles", 9, "Make the VMs highly available again", "destination",
        "Each registered VM is added to the destination cluster as a role (Add-ClusterVirtualMachineRole).",
        "Only a cluster role fails over to another node. Until then the VM runs only on the node that "
        "registered it.", runbook=True),
    StepDef(
        "start-vms", 10, "Start the VMs; integration services", "destination",
        "The VMs are started; their integration services must answer and be up to date for the new host.",
        "Integration services are the guest's side of shut-down, time, heartbeat and backup (VSS). A guest "
        "with old integration services cannot be backed up consistently: update them from the setup disk "
        "(vmguest.iso) and restart the guest.", runbook=True),
    StepDef(
        "backup-ready", 11, "Backup readiness", "destination",
        "hvassist runs its backup diagnosis on the moved VMs (SCSI controller, backup integration service, "
        "checkpoints), then you run one test backup.",
        "Generation 1 VMs from 2008 R2 often have no SCSI controller, without which a backup on 2012 R2 fails "
        "(event 10103); the runbook adds one while the VM is still off. The first backup is where the rest "
        "shows up.",
        (ManualCheckDef("test-backup", "A test backup of the moved VMs completed (application-consistent), and "
                                       "backup jobs and Replica are set up again on the destination."),),
        runbook=True),
    StepDef(
        "vm-version", 12, "Configuration version", "destination",
        "On Windows Server 2016 and later you may upgrade the VMs' configuration version (Update-VMVersion) "
        "later. On 2012 R2 there is nothing to do.",
        "Upgrading is irreversible and stops the VM from moving back to an older host, so it is a decision for "
        "later, after the cluster functional level is raised. Windows Server 2022 does not run version 5.0: "
        "upgrade on 2016/2019 first.",
        (ManualCheckDef("version-decided", "You decided whether and when to upgrade the VMs' configuration "
                                           "version (it cannot be undone)."),)),
)

STEP_BY_ID = {s.id: s for s in STEPS}
MANUAL_BY_ID = {m.id: (s, m) for s in STEPS for m in s.manual}
