"""Simulated backup jobs on the lab's VMs.

A job moves a VM through the stages of a host-level backup (``hvassist.stages``) over a few
seconds and changes the lab's model the way a real host changes: the Hyper-V VSS writer's state
([1] Stable, [2] Waiting for freeze, [3] Waiting for thaw, [4] Waiting for post-snapshot,
[5] Waiting for backup complete, back to [1]), the recovery checkpoint with its ``<GUID>.avhdx``
and ``<GUID>-AutoRecovery.avhdx`` files appearing and merging away, the volume shadow copy, and
event log entries. It fails where a real one fails: a running Generation 1 VM without a SCSI
controller on Windows Server 2012 R2 stops in prepare-snapshot with Hyper-V-VMMS-Admin event 10103.

The events a job writes stay in the host's model, so a later ``collect-host`` (and a replay of
the last backup) sees them. The job knows nothing about watchers: ``watch-backup`` observes the
model like the real script observes a host.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from hvassist.lab.model import (
    HYPERV_WRITER_ID,
    VM,
    AutoRecoveryFile,
    Checkpoint,
    Estate,
    Event,
    Host,
    ShadowCopy,
    Writer,
    csv_root,
    iso,
)
from hvassist.stages.events import VMMS_ADMIN, VMMS_PROVIDER
from hvassist.stages.model import flow_for_host

DEFAULT_STEP_SECONDS = 0.25  # pause after each visible change; a 2012 R2 job has about 14 of them

SOFTWARE_PROVIDER_ID = "{b5946137-7b9f-4925-af80-51abd60b20d5}"

# Progress callback: (stage id, what happened in plain words)
Progress = Callable[[str, str], None]


@dataclass
class JobOutcome:
    """How the job ended (the lab's ground truth; a follower must find this from observations)."""

    result: str = "running"  # running, completed, failed, stopped
    stage: str = ""
    cause: str | None = None
    stages: list[str] = field(default_factory=list)
    offline: bool = False


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _guid(*parts: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "hvassist-lab-disk:" + "/".join(parts))).upper()


def _folder(path: str) -> str:
    return path.rsplit("\\", 1)[0] if "\\" in path else path


def checkpoint_files(vm: VM) -> list[str]:
    """The differencing disks a VM's checkpoints have next to its disks: ``<folder>\\<GUID>.avhdx``."""
    return [
        f"{_folder(d.path)}\\{_guid(cp.id, d.path)}.avhdx"
        for cp in vm.checkpoints
        for d in vm.disks
        if d.disk_number is None and not d.path.startswith("\\\\")
    ]


def disk_folders(vm: VM) -> list[str]:
    return sorted(
        {_folder(d.path) for d in vm.disks if d.disk_number is None and not d.path.startswith("\\\\")}
    )


def avhdx_names(vm: VM) -> list[str]:
    """What ``Get-ChildItem <disk folder> -Filter *.avhd*`` lists: checkpoint disks and AutoRecovery files."""
    folders = set(disk_folders(vm))
    paths = checkpoint_files(vm) + [f.path for f in vm.autorecovery_files if _folder(f.path) in folders]
    return sorted({p.rsplit("\\", 1)[-1] for p in paths})


def hyperv_writer(host: Host) -> Writer | None:
    return next((w for w in host.writers if w.id.lower() == HYPERV_WRITER_ID), None)


def backs_up_online(vm: VM) -> bool:
    """Whether the Hyper-V writer lists the VM "Online" (live, through the guest) rather than "Offline"
    (saved state): it must run, with the backup integration service on and a guest that answers."""
    if vm.state != "Running" or not vm.integration_services.get("VSS", True) or not vm.guest.reports_kvp:
        return False
    os_name = vm.guest.os_name or ""
    if "Windows" in os_name:
        return vm.guest.vmicvss == "Running" and not vm.guest.dynamic_disks and not vm.guest.fat_volumes
    return vm.guest.linux_vss_daemon


class LabBackupJob:
    """One backup of one lab VM. ``run()`` blocks; ``start()`` runs it on a thread."""

    def __init__(
        self,
        estate: Estate,
        vm_name: str,
        *,
        step_seconds: float = DEFAULT_STEP_SECONDS,
        on_progress: Progress | None = None,
    ) -> None:
        self.estate = estate
        self.host, self.vm = estate.find_vm(vm_name)
        self.step_seconds = max(0.0, step_seconds)
        self.on_progress = on_progress
        self.flow = flow_for_host(self.host.os_build, self.vm.version)
        self.outcome = JobOutcome()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- control -----------------------------------------------------------------------------------
    def start(self) -> LabBackupJob:
        self._thread = threading.Thread(target=self.run, daemon=True, name=f"lab-backup-{self.vm.name}")
        self._thread.start()
        return self

    def join(self, timeout: float | None = None) -> JobOutcome:
        if self._thread is not None:
            self._thread.join(timeout)
        return self.outcome

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> JobOutcome:
        try:
            if self.flow == "2016":
                self._run_2016()
            else:
                self._run_2012r2()
        except _Stopped:
            self.outcome.result = "stopped"
        return self.outcome

    # -- steps -------------------------------------------------------------------------------------------
    def _stage(self, stage_id: str, text: str) -> None:
        self.outcome.stage = stage_id
        self.outcome.stages.append(stage_id)
        self._say(text)

    def _say(self, text: str) -> None:
        if self.on_progress is not None:
            self.on_progress(self.outcome.stage, text)

    def _pause(self, steps: float = 1.0) -> None:
        if self._stop.wait(self.step_seconds * steps):
            raise _Stopped

    def _writer(self, state: int, error: str = "No error") -> None:
        w = hyperv_writer(self.host)
        if w is not None:
            w.state, w.last_error = state, error

    def _event(
        self, log: str, provider: str, event_id: int, level: str, message: str, properties: list[str]
    ) -> None:
        self.host.events.append(
            Event(
                log=log,
                provider=provider,
                id=event_id,
                level=level,
                message=message,
                time=iso(_now()),
                properties=properties,
            )
        )

    def _fail(self, cause: str | None, text: str) -> None:
        self.outcome.result, self.outcome.cause = "failed", cause
        self._say(text)

    def _run_2012r2(self) -> None:
        host, vm, lock = self.host, self.vm, self.estate.lock
        online = backs_up_online(vm)
        self.outcome.offline = not online
        self._stage(
            "gather-metadata",
            "The Hyper-V writer lists the VM as {}\\{}".format("Online" if online else "Offline", vm.name),
        )
        with lock:
            if hyperv_writer(host) is None:
                self._fail("client-hyperv-no-writer", "This host has no Hyper-V VSS writer")
                return
            self._writer(1)
        self._pause()
        self._stage("prepare-backup", "The VM's volume is added to the snapshot set")
        self._pause()
        self._stage("prepare-snapshot", "The VM prepares its snapshot")
        if online and vm.generation == 1 and vm.scsi_controllers == 0:
            with lock:
                self._event(
                    VMMS_ADMIN,
                    VMMS_PROVIDER,
                    10103,
                    "Error",
                    f"The virtual machine '{vm.name}' cannot be hot backed up since it has no SCSI "
                    "controllers attached. Please add one or more SCSI controllers to the virtual machine "
                    f"before performing a backup. (Virtual machine ID {vm.id.upper()})",
                    [vm.name, vm.id.upper()],
                )
                self._writer(8, "Non-retryable error")
            self._fail("no-scsi-controller", "Event 10103: the VM has no SCSI controller, the backup fails")
            self._pause()
            with lock:  # the backup application aborts; the writer's next session starts clean
                self._writer(1)
            return
        ar_files: list[AutoRecoveryFile] = []
        checkpoint: Checkpoint | None = None
        was_running = vm.state == "Running"
        if online:
            now = _now()
            with lock:
                checkpoint = Checkpoint(
                    name="{} - Backup - ({})".format(vm.name, now.strftime("%m/%d/%Y - %I:%M:%S %p")),
                    type="Recovery",
                    id=str(uuid.uuid4()).upper(),
                    created=iso(now),
                )
                vm.checkpoints.append(checkpoint)
            self._say("Recovery checkpoint created; the VM now writes into <GUID>.avhdx")
            self._pause()
            with lock:
                for d in vm.disks:
                    if d.disk_number is None and not d.path.startswith("\\\\"):
                        ar_files.append(
                            AutoRecoveryFile(
                                f"{_folder(d.path)}\\{_guid(checkpoint.id, d.path)}-AutoRecovery.avhdx",
                                4194304,
                                iso(_now()),
                                in_chain=True,
                            )
                        )
                vm.autorecovery_files.extend(ar_files)
            self._say("AutoRecovery disk plugged in through the SCSI controller and rolled back")
            self._pause()
        elif was_running:
            with lock:
                vm.state = "Saved"
            self._say("Offline backup: the VM is saved")
            self._pause()
        self._stage("freeze", "Writers freeze")
        with lock:
            self._writer(2)
        self._pause()
        self._stage("commit-snapshot", "The volume snapshot is taken")
        shadow = ShadowCopy(
            id=f"{{{uuid.uuid4()}}}",
            volume=csv_root(self.estate, host),
            provider_id=self._provider_id(),
            created=iso(_now()),
        )
        with lock:
            self._writer(3)
            host.shadow_copies.append(shadow)
        self._pause()
        self._stage("thaw-merge", "Writers thaw; the checkpoint is merged")
        with lock:
            self._writer(4)
        self._pause()
        with lock:
            if checkpoint is not None and checkpoint in vm.checkpoints:
                vm.checkpoints.remove(checkpoint)
            for f in ar_files:
                if f in vm.autorecovery_files:
                    vm.autorecovery_files.remove(f)
            if not online and was_running:
                vm.state = "Running"
        self._say("The recovery checkpoint was merged away" if online else "The VM is running again")
        self._pause()
        self._stage("read-snapshot", "The backup application copies the data from the snapshot")
        with lock:
            self._writer(5)
        self._pause(2)
        self._stage("backup-complete", "Backup complete; the snapshot is deleted")
        with lock:
            if shadow in host.shadow_copies:
                host.shadow_copies.remove(shadow)
            self._writer(1)
            self._event(
                "Application",
                "VSS",
                8224,
                "Information",
                "The VSS service is shutting down due to idle timeout. ",
                [],
            )
        self.outcome.result = "completed"

    def _provider_id(self) -> str:
        on_csv = self.estate.cluster_of(self.host) is not None
        hardware = next((p for p in self.host.providers if p.type == "Hardware"), None)
        return hardware.id if hardware is not None and on_csv else SOFTWARE_PROVIDER_ID

    def _run_2016(self) -> None:
        vm, lock = self.vm, self.estate.lock
        self._stage("request-checkpoint", "The backup application asks Hyper-V for a recovery checkpoint")
        self._pause()
        self._stage("guest-freeze", "The guest makes its data consistent")
        self._pause()
        self._stage("create-checkpoint", "Hyper-V creates the recovery checkpoint")
        now = _now()
        checkpoint = Checkpoint(
            name="{} - Backup - ({})".format(vm.name, now.strftime("%m/%d/%Y - %I:%M:%S %p")),
            type="Recovery",
            id=str(uuid.uuid4()).upper(),
            created=iso(now),
        )
        with lock:
            vm.checkpoints.append(checkpoint)
        self._pause()
        self._stage("read-rct", "The backup application copies the changed blocks")
        self._pause(2)
        self._stage("convert-reference-point", "The checkpoint becomes a reference point and is merged")
        with lock:
            if checkpoint in vm.checkpoints:
                vm.checkpoints.remove(checkpoint)
        self.outcome.result = "completed"


class _Stopped(Exception):
    pass
