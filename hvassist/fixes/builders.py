"""Plan builders for the guided fixes, one per cause, from the finding's detail and the host's current facts.

Every builder returns a plan: the steps hvassist runs (exact scripts and parameters), the preconditions
(``blocking`` ones stop the fix: hvassist has no step that makes them true), risk, downtime,
reversibility, how it is verified, and what only a person can do (``manual_steps``). A plan without
steps is instructions. The scripts check the risky conditions again on the host right before they
change anything (a backup that started after the preview, a file that became part of the disk chain).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from typing import Any

from hvassist.diagnose.findings import Finding
from hvassist.diagnose.rules.base import gib, is_linux, is_windows
from hvassist.fixes.plan import FixPlan, FixStep, Precondition
from hvassist.kb import all_causes
from hvassist.snapshot import HostSnapshot, VMFact, version_tuple, volume_key

# A recovery checkpoint or AutoRecovery file younger than this may belong to a backup that is still running.
RECENT_HOURS = 2
MERGE_MIN_FREE = 10 << 30  # at least this much room for a merge when the checkpoint's file size is unknown
# the newest VM configuration version a host version (or a cluster functional level) runs
HOST_VERSION = {"2016": "8.0", "2019": "9.0", "2022": "10.0"}
LEVEL_VERSION = {9: "8.0", 10: "9.0", 11: "10.0", 12: "12.0"}
# the oldest host that runs a configuration version
OLDEST_HOST_FOR = {"8.0": "Windows Server 2016", "9.0": "Windows Server 2019", "10.0": "Windows Server 2022",
                   "12.0": "Windows Server 2025"}


# -- shared pieces -------------------------------------------------------------------------------
def _plan(finding: Finding, snapshot: HostSnapshot, vm: VMFact | None, **kw: Any) -> FixPlan:
    return FixPlan(cause=finding.cause, host=snapshot.host.name, vm=vm.name if vm else None,
                   vm_id=vm.id if vm else None, **kw)


def _need_vm(finding: Finding, vm: VMFact | None) -> VMFact:
    if vm is None:
        raise ValueError("the VM %s is no longer on %s" % (finding.vm, finding.host))
    return vm


def _time(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    try:
        t = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


def _age_hours(snapshot: HostSnapshot, when: str | None) -> float | None:
    """Hours between ``when`` and the collection (both on the host's clock)."""
    t, now = _time(when), _time(snapshot.collected_at)
    if t is None or now is None:
        return None
    return (now - t).total_seconds() / 3600


def _ago(hours: float) -> str:
    return "%d minutes ago" % max(1, round(hours * 60)) if hours < 2 else "%.0f hours ago" % hours


def backup_activity(snapshot: HostSnapshot) -> list[str]:
    """What the collection shows of a backup in progress on the host: VSS writers waiting for a backup
    ([2]..[5]: freeze, thaw, post-snapshot, backup complete)."""
    return ["the VSS writer '%s' is in state [%d] %s" % (w.name, w.state, w.state_text)
            for w in snapshot.writers if 2 <= w.state <= 5]


def _no_backup_running(snapshot: HostSnapshot) -> Precondition:
    busy = backup_activity(snapshot)
    return Precondition(
        "No backup may be running on %s." % snapshot.host.name, not busy,
        ("Right now %s, so a backup is in progress. Wait until it has finished, then check the host again."
         % "; ".join(busy)) if busy else "hvassist also checks this on the host right before the change.",
        blocking=True)


def _stop_start(vm: VMFact, core: Sequence[FixStep], why: str) -> tuple[tuple[FixStep, ...], tuple[Precondition, ...],
                                                                           str]:
    """Wrap steps that need the VM turned off: shut down gracefully first, start again after (when it runs)."""
    params = {"VMId": vm.id}
    state = vm.state.lower()
    running = state == "running"
    steps: list[FixStep] = []
    if running:
        steps.append(FixStep("stop-vm", "Shut down %s through its guest operating system (a clean shut-down, like "
                             "Start > Shut down inside the VM)" % vm.name, "vm-stop", params, downtime=True))
    steps += core
    if running:
        steps.append(FixStep("start-vm", "Start %s again" % vm.name, "vm-start", params, restores=True))
    pre = [Precondition("%s must be turned off %s." % (vm.name, why), state == "off",
                        "hvassist shuts it down gracefully first and starts it again afterwards.")]
    if state in ("saved", "paused"):
        pre = [Precondition("%s must be turned off %s; it is %s." % (vm.name, why, state), False,
                            "Start (or resume) it, shut it down from inside the guest, then check the host again. "
                            "hvassist does not throw away a saved or paused VM's memory.", blocking=True)]
    downtime = ("%s will be shut down and started again: usually a few minutes, depending on how long its guest "
                "takes to shut down and boot." % vm.name) if running else "none (the VM is already off)"
    return tuple(steps), tuple(pre), downtime


def _kb_steps(cause: str) -> tuple[str, ...]:
    text = all_causes().get(cause)
    return text.what_to_do if text else ()


def _step_id(prefix: str, value: str) -> str:
    return "%s-%s" % (prefix, hashlib.sha1(value.lower().encode("utf-8"), usedforsecurity=False).hexdigest()[:8])


def instructions_plan(finding: Finding, snapshot: HostSnapshot | None = None) -> FixPlan:
    """For a cause without a safe automatic fix: the knowledge base's steps, for a person to follow."""
    text = all_causes().get(finding.cause)
    where = finding.vm or finding.host
    return FixPlan(cause=finding.cause, host=snapshot.host.name if snapshot else finding.host, vm=finding.vm,
                   vm_id=finding.vm_id, title="No automatic fix for this: here is what to do",
                   summary="hvassist does not change this on %s for you: it needs a decision or work only a person "
                           "can do safely. Follow these steps, then diagnose again to check." % where,
                   steps=(), manual_steps=text.what_to_do if text else (),
                   verify="diagnose %s again after the steps: the finding must be gone." % finding.host,
                   risk="", downtime="none")


# -- backup-ic-disabled ----------------------------------------------------------------------------
def plan_backup_ic_disabled(finding: Finding, snapshot: HostSnapshot, vm: VMFact | None) -> FixPlan:
    vm = _need_vm(finding, vm)
    ic = vm.backup_ic
    name = str(finding.detail.get("integration_service") or (ic.name if ic else "VSS"))
    manual: tuple[str, ...] = ()
    if is_windows(vm) or not vm.guest_os:
        manual = ("Inside %s, check that the service 'Hyper-V Volume Shadow Copy Requestor' (vmicvss) is running "
                  "and not disabled: the host's switch alone is not enough when that service is off." % vm.name,)
    return _plan(
        finding, snapshot, vm,
        title="Turn on the Backup integration service of %s" % vm.name,
        summary="Switches the integration service '%s' (Backup) of %s back on, so Hyper-V can ask the programs "
                "inside the VM to prepare for the backup. This works while the VM runs; no restart is needed."
                % (name, vm.name),
        steps=(FixStep("enable-backup-ic", "Turn on the integration service '%s' of %s" % (name, vm.name),
                       "vm-enable-integration-service", {"VMId": vm.id, "Name": name}),),
        downtime="none", risk="Very low: this only switches on the link Hyper-V uses to talk to the VM's backup "
                              "helper.",
        reversible=True, reversibility="It can be switched off again (VM Settings > Integration Services, or "
                                       "Disable-VMIntegrationService).",
        verify="hvassist collects the host's facts again; the Backup integration service of %s must then be on "
               "and the finding gone." % vm.name,
        manual_steps=manual)


# -- lingering-recovery-checkpoint ---------------------------------------------------------------------
def _volume_label(snapshot: HostSnapshot, key: str) -> str:
    """A volume key as the host spells it (C:\\ClusterStorage\\Volume1 rather than c:\\clusterstorage\\volume1)."""
    names = [c.path for c in snapshot.csvs] + [v.name for v in snapshot.host.volumes]
    return next((n.rstrip("\\") for n in names if volume_key(n, [n]) == key), key)


def _merge_room(snapshot: HostSnapshot, vm: VMFact) -> Precondition:
    """Room for the merge on the volume of the VM's disks: the size of the disk files being merged (the
    differencing disks the VM writes into), or at least 10 GB when their size is not known."""
    disks = [d for d in vm.disks if d.path and not d.is_passthrough and not d.on_share]
    needed = sum(d.file_size_bytes or 0 for d in disks if (d.vhd_type or "").lower() == "differencing")
    required = max(needed, MERGE_MIN_FREE)
    short = []
    for vol in sorted({snapshot.volume_of(d.path) for d in disks}):
        space = snapshot.free_space(vol)
        if space is not None and space[0] < required:
            short.append("%s has %s free" % (_volume_label(snapshot, vol), gib(space[0])))
    what = ("the checkpoint's disk files take %s" % gib(needed)) if needed else "their size is not known"
    return Precondition("The volume of %s's disks needs room for the merge (%s; hvassist asks for at least %s "
                        "free)." % (vm.name, what, gib(required)), not short,
                        ("Not enough room: %s. Free space on it first (see the host-space finding)."
                         % "; ".join(short)) if short else "There is enough free space.", blocking=True)


def plan_lingering_recovery_checkpoint(finding: Finding, snapshot: HostSnapshot, vm: VMFact | None) -> FixPlan:
    vm = _need_vm(finding, vm)
    ids = [str(i).lower() for i in finding.detail.get("checkpoints", [])]
    checkpoints = [c for c in vm.checkpoints if c.id.lower() in ids and c.type.lower() == "recovery"]
    names = [c.name for c in checkpoints]
    pre = [_no_backup_running(snapshot)]
    young = [(c, h) for c in checkpoints for h in [_age_hours(snapshot, c.created)] if h is not None
             and h < RECENT_HOURS]
    pre.append(Precondition(
        "The checkpoint must be older than %d hours, so that it cannot belong to a backup that is still running."
        % RECENT_HOURS, not young,
        ("'%s' was created %s: a backup may still be using it. Check the backup product; try again later."
         % (young[0][0].name, _ago(young[0][1]))) if young else "It is older.", blocking=True))
    pre.append(_merge_room(snapshot, vm))
    count = "the checkpoint" if len(names) == 1 else "the %d checkpoints" % len(names)
    return _plan(
        finding, snapshot, vm,
        title="Remove the leftover backup checkpoint%s of %s" % ("" if len(names) == 1 else "s", vm.name),
        summary="Removes %s an interrupted backup left on %s (%s). What happens then: since that backup, the VM "
                "has been writing every change into an extra disk file next to its disks (a .avhdx file). "
                "Removing the checkpoint makes Hyper-V merge that file back into the VM's virtual disk. The VM keeps "
                "running; the merge runs in the background and takes from a minute to a few hours, depending on how "
                "much was written, with more disk activity meanwhile (Hyper-V Manager shows the VM as 'Merging'). "
                "No data of the VM is lost: only the point in time the checkpoint marked goes away, and the backup "
                "product does not use it again." % (count, vm.name, "; ".join(names)),
        steps=(FixStep("remove-recovery-checkpoint", "Remove %s from %s (Hyper-V then merges its disk file)"
                       % (count, vm.name), "vm-remove-recovery-checkpoint",
                       {"VMId": vm.id, "CheckpointIds": [c.id for c in checkpoints]}),),
        preconditions=tuple(pre),
        downtime="none (the VM keeps running during the merge)",
        risk="Low. While the merge runs the VM's storage is busier. Do not restart or shut down the host until the "
             "VM no longer shows 'Merging'.",
        reversible=False,
        reversibility="A removed checkpoint cannot be brought back; the VM's current data stays as it is.",
        verify="hvassist collects the host's facts again; %s must then have no recovery checkpoint and the finding "
               "must be gone." % vm.name,
        manual_steps=("Run the next backup of %s (or let hvassist check again) to confirm the backup can make its "
                      "own checkpoint now." % vm.name,))


# -- autorecovery-avhdx-left ---------------------------------------------------------------------------
def set_aside_name(path: str) -> str:
    folder, _, name = path.rpartition("\\")
    low = name.lower()
    for ext in (".avhdx", ".avhd"):
        if low.endswith(ext):
            name = name[: -len(ext)] + "_" + ext[1:] + ".old"
            break
    return "%s\\%s" % (folder, name) if folder else name


def plan_autorecovery_avhdx_left(finding: Finding, snapshot: HostSnapshot, vm: VMFact | None) -> FixPlan:
    vm = _need_vm(finding, vm)
    files: list[dict[str, Any]] = [f for f in finding.detail.get("files", []) if isinstance(f, dict)]
    free = [f for f in files if not f.get("in_live_chain")]
    live = [f for f in files if f.get("in_live_chain")]
    pre = [_no_backup_running(snapshot)]
    pre.append(Precondition("None of the files may be part of the disk chain %s uses." % vm.name, not live,
                            ("%s is part of the VM's live disk chain: renaming or deleting it would break the VM. "
                             "hvassist leaves it alone; ask a Hyper-V specialist." % ", ".join(str(f["path"])
                                                                                            for f in live))
                            if live else "Checked from the VM's disk chains, and again on the host right before the "
                                         "rename.", blocking=not free))
    young = [(f, h) for f in free for h in [_age_hours(snapshot, f.get("modified"))] if h is not None
             and h < RECENT_HOURS]
    pre.append(Precondition("The file must not have been written in the last %d hours (a backup may be using it)."
                            % RECENT_HOURS, not young,
                            ("%s was written %s. Check the backup product; try again later."
                             % (young[0][0]["path"], _ago(young[0][1]))) if young else "It was not.",
                            blocking=True))
    steps = tuple(FixStep(_step_id("set-aside", str(f["path"])), "Rename %s to %s" % (
        str(f["path"]).rpartition("\\")[2], set_aside_name(str(f["path"])).rpartition("\\")[2]),
        "vm-set-aside-autorecovery-file", {"VMId": vm.id, "Path": str(f["path"])}) for f in free)
    manual = ["Run the backup of %s again. Once backups succeed, the renamed file can be deleted." % vm.name]
    if live:
        manual.insert(0, "Ask a Hyper-V specialist about %s: it is still part of the VM's disk chain, so hvassist "
                         "does not touch it." % ", ".join(str(f["path"]) for f in live))
    return _plan(
        finding, snapshot, vm,
        title="Set aside the leftover AutoRecovery file%s of %s" % ("" if len(free) == 1 else "s", vm.name),
        summary="A failed backup left %s next to the disks of %s; the next backup tries to create the same file "
                "and fails. hvassist renames it (adding '_avhdx.old') instead of deleting it: the file is not used "
                "by the VM, and a rename can be undone if anyone ever needs it, a deletion cannot. Only files that "
                "are not part of the VM's live disk chain are touched; the script checks that again on the host."
                % (", ".join(str(f["path"]).rpartition("\\")[2] for f in files), vm.name),
        steps=steps, preconditions=tuple(pre), downtime="none",
        risk="Low. The file is not part of any disk the VM uses; it is renamed, not deleted.",
        reversible=True,
        reversibility="Rename the file back (remove '_avhdx.old', restore '.avhdx').",
        verify="hvassist collects the host's facts again; no AutoRecovery file may be left next to the disks of %s."
               % vm.name,
        manual_steps=tuple(manual))


# -- host-hv-writer-failed -------------------------------------------------------------------------------
def plan_host_hv_writer_failed(finding: Finding, snapshot: HostSnapshot, vm: VMFact | None) -> FixPlan:
    host = snapshot.host.name
    w = snapshot.hyperv_writer
    state = "[%d] %s (last error: %s)" % (w.state, w.state_text, w.last_error or "none") if w else "failed"
    pre = [_no_backup_running(snapshot)]
    young = [(v, c, h) for v in snapshot.vms for c in v.checkpoints if c.type.lower() == "recovery"
             for h in [_age_hours(snapshot, c.created)] if h is not None and h < RECENT_HOURS]
    pre.append(Precondition("No VM may be in the middle of a backup.", not young,
                            ("%s got a backup checkpoint %s: a backup may still be running. Check the backup product; "
                             "try again when it has finished." % (young[0][0].name, _ago(young[0][2])))
                            if young else "hvassist also checks on the host, right before the restart, that Hyper-V "
                                          "is not busy with any VM (backup, migration, merge, export).", blocking=True))
    running = [v.name for v in snapshot.vms if v.running]
    return _plan(
        finding, snapshot, None,
        title="Reset the Hyper-V VSS writer on %s (restart the Hyper-V management service)" % host,
        summary="The Microsoft Hyper-V VSS Writer on %s is in state %s. The writer lives inside the 'Hyper-V "
                "Virtual Machine Management' service (vmms); restarting that service starts the writer again in a "
                "clean, stable state. Running VMs are not restarted: they keep running in their own worker "
                "processes%s. For a few seconds the VMs on this host cannot be managed (Hyper-V Manager, Failover "
                "Cluster Manager and backup products lose their connection to Hyper-V)." % (
                    host, state, " (%d on this host)" % len(running) if running else ""),
        steps=(FixStep("restart-vmms", "Restart the service 'Hyper-V Virtual Machine Management' (vmms) on %s"
                       % host, "host-restart-vmms", {}),),
        preconditions=tuple(pre),
        downtime="none for the VMs; managing them pauses for a few seconds",
        risk="Low. A backup, live migration, storage migration, export or checkpoint in progress on this host would "
             "be interrupted: hvassist refuses to restart while it sees one.",
        reversible=True, reversibility="Nothing to undo: a service restart changes no setting.",
        verify="hvassist collects the host's facts again; vssadmin must then list the Hyper-V VSS writer as [1] "
               "Stable with no error.",
        manual_steps=("Run the backup again. If the writer fails again, look for backup or replication jobs that "
                      "overlap, and restart the 'Volume Shadow Copy' service too; if that does not help, restart the "
                      "host in a maintenance window.",))


# -- ic-outdated --------------------------------------------------------------------------------------
def plan_ic_outdated(finding: Finding, snapshot: HostSnapshot, vm: VMFact | None) -> FixPlan:
    vm = _need_vm(finding, vm)
    version = finding.detail.get("ic_version") or vm.ic_version or "an older version"
    reboot = "Warning: %s restarts at the end of the setup; plan it with the VM's users." % vm.name
    if snapshot.host.is_2016_or_later or finding.detail.get("update_method") == "windows-update":
        return _plan(
            finding, snapshot, vm,
            title="No automatic fix: update the integration services of %s through Windows Update" % vm.name,
            summary="On %s (Windows Server 2016 or later) the integration services inside a VM come from Windows "
                    "Update in the guest; the host has no setup disk for them. hvassist does not install updates "
                    "inside guests." % snapshot.host.name,
            steps=(), downtime="the guest restarts when the updates ask for it",
            manual_steps=("Log on to %s and install the pending Windows updates (Settings > Update & Security, or "
                          "sconfig on Server Core)." % vm.name, reboot,
                          "Diagnose again: the finding must be gone."),
            verify="diagnose again after the update and the restart: the finding must be gone.")
    gen2 = vm.generation == 2
    return _plan(
        finding, snapshot, vm,
        title="Insert the integration services disk into %s, then run its setup inside the VM" % vm.name,
        summary="The integration services inside %s (%s) are older than those of %s. hvassist inserts the host's "
                "integration services disk (vmguest.iso) into the VM's DVD drive, while it runs; you then run the "
                "setup inside the VM, which restarts the guest. Whatever disk is in the DVD drive now is replaced."
                % (vm.name, version, snapshot.host.name)
                + (" hvassist cannot see from its collection whether this Generation 2 VM has a DVD drive; if it has "
                   "none, the step stops and nothing is changed." if gen2 else ""),
        steps=(FixStep("mount-guest-iso", "Insert vmguest.iso (the integration services disk) into the DVD drive of "
                       "%s" % vm.name, "vm-mount-guest-iso", {"VMId": vm.id}),),
        downtime="none for this step; the guest restarts when you run the setup (a few minutes)",
        risk="Low. Only the DVD drive's disk changes. The setup inside the guest restarts it.",
        reversible=True, reversibility="Eject the disk again (VM console: Media > DVD Drive > Eject).",
        verify="once you have run the setup and the guest has restarted, diagnose again: the integration services "
               "of %s must no longer be older than the host's." % vm.name,
        manual_steps=("Connect to %s (Hyper-V Manager > Connect, or Remote Desktop) and log on." % vm.name,
                      "Open the DVD drive and run setup.exe (on older guests it starts by itself: 'Upgrade Hyper-V "
                      "Integration Services'); accept the upgrade.",
                      reboot + " Setup asks for the restart; allow it.",
                      "After the restart, eject the disk (Media > DVD Drive > Eject) and diagnose again: the finding "
                      "must be gone."))


# -- checkpoint-type -------------------------------------------------------------------------------------
def plan_checkpoint_type(finding: Finding, snapshot: HostSnapshot, vm: VMFact | None) -> FixPlan:
    vm = _need_vm(finding, vm)
    current = str(finding.detail.get("checkpoint_type") or vm.checkpoint_type or "Standard")
    notes = ""
    if current.lower() == "disabled":
        notes += (" Checkpoints were switched off for %s; that may have been on purpose (some applications must not "
                  "be checkpointed). Ask the VM's owner before you continue." % vm.name)
    if vm.config_version and vm.config_version < (6, 2):
        notes += (" %s has configuration version %s: until it is upgraded (see that finding), Hyper-V cannot make "
                  "production checkpoints of it." % (vm.name, vm.version))
    manual = ["Run the next backup of %s and check in the backup product that it is application-consistent."
              % vm.name]
    if is_linux(vm):
        manual.insert(0, "Inside %s (Linux), make sure the Hyper-V VSS daemon runs; without it a production "
                         "checkpoint falls back to a standard one." % vm.name)
    return _plan(
        finding, snapshot, vm,
        title="Set the checkpoint type of %s to Production" % vm.name,
        summary="Changes the checkpoint type of %s from %s to Production: backups then ask the programs inside the "
                "VM to prepare (application-consistent), and fall back to a standard checkpoint only if the guest "
                "cannot. This works while the VM runs.%s" % (vm.name, current, notes),
        steps=(FixStep("set-checkpoint-type", "Set the checkpoint type of %s to Production" % vm.name,
                       "vm-set-checkpoint-type", {"VMId": vm.id, "CheckpointType": "Production"}),),
        downtime="none",
        risk="Low. Checkpoints of %s are made through the guest from now on." % vm.name
             + (" Checkpoints become possible again." if current.lower() == "disabled" else ""),
        reversible=True,
        reversibility="Set it back: VM Settings > Checkpoints, or Set-VM -CheckpointType %s." % current,
        verify="hvassist collects the host's facts again; the checkpoint type of %s must then be Production."
               % vm.name,
        manual_steps=tuple(manual))


# -- snapshot-location -------------------------------------------------------------------------------------
def snapshot_target(snapshot: HostSnapshot, vm: VMFact) -> str:
    """Where the checkpoint files should go: the VM's own folder when it is on its disks' volume (Hyper-V's
    default layout), else the folder of its first virtual disk."""
    disks = [d.path for d in vm.disks if d.path and not d.is_passthrough]
    disk_vols = {snapshot.volume_of(p) for p in disks}
    if vm.config_location and snapshot.volume_of(vm.config_location) in disk_vols:
        return vm.config_location.rstrip("\\")
    return disks[0].rpartition("\\")[0] if disks else vm.config_location.rstrip("\\")


def plan_snapshot_location(finding: Finding, snapshot: HostSnapshot, vm: VMFact | None) -> FixPlan:
    vm = _need_vm(finding, vm)
    target = snapshot_target(snapshot, vm)
    set_step = FixStep("set-snapshot-location", "Set the checkpoint file location of %s to %s" % (vm.name, target),
                       "vm-set-snapshot-location", {"VMId": vm.id, "Path": target})
    steps, stop_pre, downtime = _stop_start(vm, [set_step], "to change its checkpoint file location")
    checkpoints = len(vm.checkpoints)
    pre = (Precondition("%s must have no checkpoints." % vm.name, checkpoints == 0,
                        ("It has %d. Hyper-V moves the location only without checkpoints, and hvassist does not "
                         "delete checkpoints: ask the VM's owner whether they can be removed, then check again."
                         % checkpoints) if checkpoints else "It has none.", blocking=True),) + stop_pre
    return _plan(
        finding, snapshot, vm,
        title="Move the checkpoint file location of %s to the volume of its disks" % vm.name,
        summary="The checkpoint (snapshot) files of %s are set to go to %s, on another volume than its virtual "
                "disks, so the host backs it up offline. hvassist sets the location to %s, on the disks' volume "
                "(Hyper-V creates a 'Snapshots' folder there when needed). Hyper-V changes this setting only while "
                "the VM is off." % (vm.name, vm.snapshot_location, target),
        steps=steps, preconditions=pre, downtime=downtime,
        risk="Low. Only where future checkpoint files go changes; no file is moved."
             + (" Users of %s are disconnected while it is down." % vm.name if vm.running else ""),
        reversible=True, reversibility="Set the old location again (%s) with the VM off." % vm.snapshot_location,
        verify="hvassist collects the host's facts again; the checkpoint location of %s must then be on the volume "
               "of its disks." % vm.name,
        manual_steps=("Run the next backup of %s and check it is backed up online." % vm.name,))


# -- vm-config-version ---------------------------------------------------------------------------------
def target_version(snapshot: HostSnapshot, level: int | None) -> str:
    v = HOST_VERSION.get(snapshot.host.os_key, "")
    cap = LEVEL_VERSION.get(level or 0)
    if cap and v and version_tuple(cap) < version_tuple(v):
        return cap
    return v or cap or "the newest version this host supports"


def plan_vm_config_version(finding: Finding, snapshot: HostSnapshot, vm: VMFact | None) -> FixPlan:
    vm = _need_vm(finding, vm)
    level = finding.detail.get("cluster_functional_level")
    level = level if isinstance(level, int) and level > 0 else None
    cluster = finding.detail.get("cluster")
    allowed = bool(finding.detail.get("upgrade_allowed", True))
    target = target_version(snapshot, level)
    oldest = OLDEST_HOST_FOR.get(target, "this host's Windows Server version")
    core = [FixStep("update-vm-version", "Upgrade the configuration version of %s from %s to %s (cannot be undone)"
                    % (vm.name, vm.version, target), "vm-update-version", {"VMId": vm.id})]
    steps, stop_pre, downtime = _stop_start(vm, core, "for the upgrade")
    pre = (Precondition(
        "The cluster %s must allow the newer version (all nodes updated and its functional level raised)." % cluster
        if cluster else "The host must support a newer configuration version.", allowed,
        ("Its functional level is %s. Update every node and raise the cluster functional level first "
         "(Update-ClusterFunctionalLevel): that, too, cannot be undone." % level) if not allowed else
        ("Its functional level is %d." % level if level else "%s is not in a cluster." % snapshot.host.name),
        blocking=True),) + stop_pre
    return _plan(
        finding, snapshot, vm,
        title="Upgrade the configuration version of %s (cannot be undone)" % vm.name,
        summary="%s still has configuration version %s. hvassist upgrades it to %s, so that backups can use "
                "production checkpoints and resilient change tracking. The VM must be turned off for that."
                % (vm.name, vm.version, target),
        warning="This cannot be undone. After the upgrade, %s runs only on %s or later: it can no longer be moved, "
                "restored or replicated to older hosts, and there is no way back to version %s. Continue only if no "
                "move back to older hosts is planned." % (vm.name, oldest, vm.version),
        steps=steps, preconditions=pre, downtime=downtime,
        risk="Medium: the change is permanent. Users of %s are disconnected while it is down." % vm.name
             if vm.running else "Medium: the change is permanent.",
        reversible=False,
        reversibility="There is no downgrade: only restoring a backup of the VM made before the upgrade, onto a "
                      "host that runs it, brings back the old version.",
        verify="hvassist collects the host's facts again; %s must then have version %s and the finding must be gone."
               % (vm.name, target),
        manual_steps=("Run the next backup of %s and check it uses the checkpoint-based method." % vm.name,))


# -- vm-not-running ------------------------------------------------------------------------------------
def plan_vm_not_running(finding: Finding, snapshot: HostSnapshot, vm: VMFact | None) -> FixPlan:
    vm = _need_vm(finding, vm)
    state = vm.state.lower()
    if snapshot.host.is_2016_or_later:
        backup = ("While %s is %s, a backup copies its files as they are: a complete copy, but not an application-"
                  "consistent one of a running system." % (vm.name, state))
    else:
        backup = ("While %s is %s, Hyper-V can only back it up offline: it copies the VM's files as they are, "
                  "without asking the programs inside to prepare." % (vm.name, state))
    backup += (" If the VM is meant to be off, that is fine and nothing needs fixing." if state == "off" else
               " Restoring it brings it back %s too." % state if state == "saved" else "")
    if state == "paused":
        return _plan(
            finding, snapshot, vm, title="No automatic fix: find out why %s is paused" % vm.name,
            summary=backup + " Hyper-V pauses a VM by itself when the storage under its disks runs out of space or "
                    "goes away ('Paused-Critical'); resuming it before that is solved pauses it again.",
            steps=(), downtime="none",
            manual_steps=("Check the free space and the state of the volume holding the disks of %s (see the "
                          "host-space and csv-issues findings)." % vm.name,
                          "When the storage is fine, resume the VM (Hyper-V Manager > Resume; in a cluster, through "
                          "Failover Cluster Manager).", "Diagnose again: the finding must be gone."),
            verify="diagnose again after resuming the VM: the finding must be gone.")
    manual = ["Check that %s works as expected (its services, its users)." % vm.name]
    if vm.is_clustered:
        manual.append("%s is a clustered VM: check in Failover Cluster Manager that its role shows as Running."
                      % vm.name)
    return _plan(
        finding, snapshot, vm,
        title="Start %s so it can be backed up online" % vm.name,
        summary=backup + " hvassist can start it: %s" % (
            "a saved VM continues where it stopped, like waking from hibernation." if state == "saved" else
            "it boots like after a normal shut-down."),
        steps=(FixStep("start-vm", "Start %s" % vm.name, "vm-start", {"VMId": vm.id}),),
        preconditions=(Precondition("%s must be meant to run." % vm.name, True,
                                    "Only you can tell: start it only if it should be running."),),
        downtime="none (the VM is not running now)",
        risk="Start it only if it should be running. A VM that was turned off on purpose (retired, replaced, a "
             "copy) can clash on the network with the machine that took its place (same name or IP address).",
        reversible=True, reversibility="Shut it down (or save it) again.",
        verify="hvassist collects the host's facts again; %s must then be running and the finding gone." % vm.name,
        manual_steps=tuple(manual))


BUILDERS = {
    "backup-ic-disabled": plan_backup_ic_disabled,
    "lingering-recovery-checkpoint": plan_lingering_recovery_checkpoint,
    "autorecovery-avhdx-left": plan_autorecovery_avhdx_left,
    "host-hv-writer-failed": plan_host_hv_writer_failed,
    "ic-outdated": plan_ic_outdated,
    "checkpoint-type": plan_checkpoint_type,
    "snapshot-location": plan_snapshot_location,
    "vm-config-version": plan_vm_config_version,
    "vm-not-running": plan_vm_not_running,
}

__all__ = ["BUILDERS", "instructions_plan", "backup_activity"]
