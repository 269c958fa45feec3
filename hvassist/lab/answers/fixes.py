"""The guided fixes' scripts (besides stop/start/add-SCSI in ``vm_changes``): what each prints on a real host,
how it changes the model, and how it refuses.

Two kinds of refusal, both as on a real host:
- the script's own checks (``throw``): a backup running, a file in the live disk chain, checkpoints present;
- Hyper-V's (the cmdlet fails): a setting changed while the VM runs, a 2016 cmdlet on 2012 R2, an upgrade
  the cluster's functional level does not allow.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from hvassist.lab.answers.base import LabCall, LabPSError
from hvassist.lab.answers.collect import integration_services
from hvassist.lab.backup import hyperv_writer
from hvassist.lab.model import DEFAULT_VM_VERSION, IC_NAMES, VM, Estate, Host

BACKING_UP = "BackingUpVirtualMachine"
OLD_HOSTS = ("2008r2", "2012", "2012r2")  # no Production checkpoints, no Update-VMVersion; vmguest.iso ships
GUEST_ISO = "C:\\Windows\\System32\\vmguest.iso"
# cluster functional level -> the newest VM configuration version it allows
LEVEL_VERSION = {9: "8.0", 10: "9.0", 11: "10.0", 12: "12.0"}
OS_LEVEL = {"2012": 7, "2012r2": 8, "2016": 9, "2019": 10, "2022": 11}


def script_throw(message: str, marker: str = "") -> LabPSError:
    """The script's own ``throw``; ``marker`` is a word of the throw line (to point at it)."""
    return LabPSError("throw", message, "OperationStopped", "RuntimeException", error_id=marker)


def _ver(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in text.split(".") if p.isdigit())


def _folder(path: str) -> str:
    return path.rsplit("\\", 1)[0] if "\\" in path else path


def _not_recognized(cmdlet: str) -> LabPSError:
    return LabPSError(cmdlet, "The term '%s' is not recognized as the name of a cmdlet, function, script file, or "
                      "operable program. Check the spelling of the name, or if a path was included, verify that the "
                      "path is correct and try again." % cmdlet, "ObjectNotFound", "CommandNotFoundException",
                      "CommandNotFoundException")


def _no_such_parameter(cmdlet: str, parameter: str) -> LabPSError:
    return LabPSError(cmdlet, "A parameter cannot be found that matches parameter name '%s'." % parameter,
                      "InvalidArgument", "ParameterBindingException",
                      "NamedParameterNotFound,Microsoft.HyperV.PowerShell.Commands.%s" % cmdlet.replace("-", ""))


def _state_refusal(cmdlet: str, vm: VM, what: str) -> LabPSError:
    return LabPSError(cmdlet, "%s\r\nThe operation cannot be performed while the virtual machine is in its current "
                      "state.\r\n'%s' failed to %s. (Virtual machine ID %s)" % (what[0].upper() + what[1:], vm.name,
                                                                               what, vm.id))


def _writer_waiting(host: Host) -> int | None:
    w = hyperv_writer(host)
    return w.state if w is not None and 2 <= w.state <= 5 else None


def vm_enable_integration_service(call: LabCall) -> dict[str, Any]:
    host = call.host
    with call.estate.lock:
        vm = call.vm_by_id()
        wanted = str(call.params.get("Name", ""))
        names = [n for n in IC_NAMES if host.os != "2008r2" or n != "Guest Service Interface"]
        name = next((n for n in names if n.lower() == wanted.lower()), None)
        if name is None:
            raise LabPSError("Enable-VMIntegrationService", "Hyper-V was unable to find an integration service "
                             "named '%s' for virtual machine '%s'." % (wanted, vm.name), "ObjectNotFound",
                             "VirtualizationInvalidArgumentException")
        before = vm.integration_services.get(name, name != "Guest Service Interface")
        if not before:
            vm.integration_services[name] = True
        status = next(s["primary_status"] for s in integration_services(host, vm) if s["name"] == name)
    return {"vm": vm.name, "id": vm.id.lower(), "name": name, "changed": not before, "enabled_before": before,
            "enabled_after": True, "status": status}


def vm_remove_recovery_checkpoint(call: LabCall) -> dict[str, Any]:
    with call.estate.lock:
        vm = call.vm_by_id()
        ids = call.params.get("CheckpointIds") or []
        wanted = {str(i).strip("{}").lower() for i in (ids if isinstance(ids, list) else [ids])}
        recovery = [c for c in vm.checkpoints if c.type == "Recovery"]
        targets = [c for c in recovery if c.id.lower() in wanted]
        if targets:
            if vm.operation == BACKING_UP:
                raise script_throw("A backup of %s is running right now. Wait until the backup job has finished, "
                                   "then run this fix again." % vm.name, "SecondaryOperationalStatus")
            waiting = _writer_waiting(call.host)
            if waiting is not None:
                raise script_throw("A backup is running on this host (the Hyper-V VSS writer is in state %d). Wait "
                                   "until it has finished, then run this fix again." % waiting, "writerState")
            for c in targets:  # the merge of its disk file runs in the background; the checkpoint is gone at once
                vm.checkpoints.remove(c)
        left = [c for c in vm.checkpoints if c.type == "Recovery"]
    return {"vm": vm.name, "id": vm.id.lower(), "changed": bool(targets), "removed": [c.name for c in targets],
            "recovery_checkpoints_before": len(recovery), "recovery_checkpoints_after": len(left), "state": vm.state}


def set_aside_name(name: str) -> str:
    """``x-AutoRecovery.avhdx`` -> ``x-AutoRecovery_avhdx.old`` (as the script's -replace does)."""
    return re.sub(r"\.(avhdx?)$", r"_\1.old", name, flags=re.I)


def live_chain(vm: VM) -> list[str]:
    """Every file the VM's disks use: the disks, their parents, AutoRecovery files still referenced."""
    out: list[str] = []
    for i, d in enumerate(vm.disks):
        if d.disk_number is not None or not d.path:
            continue
        out += [d.path, *d.chain]
        if i == 0:
            out += [f.path for f in vm.autorecovery_files if f.in_chain]
    return out


def vm_set_aside_autorecovery_file(call: LabCall) -> dict[str, Any]:
    with call.estate.lock:
        vm = call.vm_by_id()
        path = str(call.params.get("Path", ""))
        name = path.rsplit("\\", 1)[-1]
        folder = _folder(path)
        if not re.search(r"-AutoRecovery\.avhdx?$", name, re.I):
            raise script_throw("%s is not an AutoRecovery disk file; hvassist only sets aside files ending in "
                               "-AutoRecovery.avhdx." % path, "notmatch")
        new_name = set_aside_name(name)
        new_path = "%s\\%s" % (folder, new_name)
        folders = {_folder(d.path).lower() for d in vm.disks if d.path and d.disk_number is None}
        if folder.lower() not in folders:
            raise script_throw("%s is not in a folder that holds one of the disks of %s; hvassist does not touch "
                               "it." % (path, vm.name), "notcontains")
        if path.lower() in {p.lower() for p in live_chain(vm)}:
            raise script_throw("%s is part of the disk chain %s uses right now. It must not be renamed or deleted."
                               % (path, vm.name), "chain")
        if vm.operation == BACKING_UP:
            raise script_throw("A backup of %s is running right now. Wait until it has finished, then run this fix "
                               "again." % vm.name, "running")
        existing = next((f for f in vm.autorecovery_files if f.path.lower() == path.lower()), None)
        if existing is not None:
            if new_path.lower() in {p.lower() for p in vm.other_files}:
                raise script_throw("%s already exists; rename or remove it first." % new_path, "already exists")
            vm.autorecovery_files.remove(existing)
            vm.other_files.append(new_path)
        after = next((p for p in vm.other_files if p.lower() == new_path.lower()), "")
    return {"vm": vm.name, "id": vm.id.lower(), "changed": existing is not None,
            "path_before": existing.path if existing is not None else "", "path_after": after, "in_live_chain": False}


def host_restart_vmms(call: LabCall) -> dict[str, Any]:
    host = call.host
    with call.estate.lock:
        w = hyperv_writer(host)
        before = (w.state, w.last_error) if w is not None else (-1, "")
        changed = 6 <= before[0] <= 15
        if changed:
            busy = ["%s (%s)" % (vm.name, vm.operation) for vm in host.vms if vm.operation]
            if busy:
                raise script_throw("Hyper-V is busy with: %s. Restarting its management service now would interrupt "
                                   "that. Wait until it has finished, then run this fix again." % ", ".join(busy),
                                   "busy")
            if any(2 <= x.state <= 5 for x in host.writers):
                raise script_throw("A backup is running on this host (a VSS writer is waiting for it). Wait until it "
                                   "has finished, then run this fix again.", "waiting")
            assert w is not None
            # vmms starts again with a fresh writer: stable, no error, a new instance id
            w.state, w.last_error = 1, "No error"
            w.instance_id = "{%s}" % uuid.uuid4()
        after = (w.state, w.last_error) if w is not None else (-1, "")
    return {"service": "vmms", "changed": changed, "service_state": "Running", "writer_state_before": before[0],
            "writer_state_after": after[0], "writer_last_error_before": before[1],
            "writer_last_error_after": after[1]}


def vm_mount_guest_iso(call: LabCall) -> dict[str, Any]:
    host = call.host
    with call.estate.lock:
        vm = call.vm_by_id()
        if host.os not in OLD_HOSTS:
            raise script_throw("This host has no integration services disk (%s). Hosts from Windows Server 2016 on "
                               "do not ship one: the guest gets its integration services through Windows Update."
                               % GUEST_ISO, "Test-Path")
        if vm.dvd_drives < 1:
            raise script_throw("%s has no DVD drive. Add one in its settings (a Generation 1 VM must be turned off "
                               "for that), then run this fix again." % vm.name, "DVD")
        before = vm.dvd_path
        changed = before.lower() != GUEST_ISO.lower()
        if changed:
            vm.dvd_path = GUEST_ISO
        controller = "IDE 1:0" if vm.generation == 1 else "SCSI 0:%d" % len(vm.disks)
    return {"vm": vm.name, "id": vm.id.lower(), "changed": changed, "iso": GUEST_ISO, "dvd_path_before": before,
            "dvd_path_after": vm.dvd_path, "controller": controller, "state": vm.state}


def vm_set_checkpoint_type(call: LabCall) -> dict[str, Any]:
    host = call.host
    if host.os in OLD_HOSTS:
        raise _no_such_parameter("Set-VM", "CheckpointType")
    wanted = str(call.params.get("CheckpointType", ""))
    if wanted not in ("Production", "ProductionOnly"):
        raise script_throw('hvassist only sets the checkpoint type Production or ProductionOnly, not "%s".' % wanted,
                           "notcontains")
    with call.estate.lock:
        vm = call.vm_by_id()
        before = vm.checkpoint_type or "Production"
        changed = before != wanted
        if changed:
            vm.checkpoint_type = wanted
    return {"vm": vm.name, "id": vm.id.lower(), "changed": changed, "checkpoint_type_before": before,
            "checkpoint_type_after": vm.checkpoint_type or "Production", "state": vm.state}


def _folder_exists(estate: Estate, host: Host, path: str) -> bool:
    """A folder the lab knows: a volume root, a CSV, or a folder holding (or above) a VM's files."""
    p = path.rstrip("\\").lower()
    roots = [v.name.rstrip("\\").lower() for v in host.volumes]
    cluster = estate.cluster_of(host)
    roots += [c.path.rstrip("\\").lower() for c in cluster.csvs] if cluster else []
    if p in roots:
        return True
    files = [f for vm in host.vms for f in (vm.config_location + "\\x", vm.snapshot_location + "\\x",
                                            *[d.path for d in vm.disks if d.disk_number is None])]
    return any(f.lower().startswith(p + "\\") for f in files)


def vm_set_snapshot_location(call: LabCall) -> dict[str, Any]:
    with call.estate.lock:
        vm = call.vm_by_id()
        path = str(call.params.get("Path", "")).rstrip("\\")
        before = vm.snapshot_location.rstrip("\\")
        changed = before != path
        if changed:
            if vm.checkpoints:
                raise script_throw("%s has %d checkpoint(s); its checkpoint file location can only be changed when "
                                   "it has none." % (vm.name, len(vm.checkpoints)), "checkpoint(s)")
            if not _folder_exists(call.estate, call.host, path):
                raise script_throw("The folder %s does not exist on this host." % path, "does not exist")
            if vm.state != "Off":
                raise _state_refusal("Set-VM", vm, "modify the checkpoint file location")
            vm.snapshot_location = path
    return {"vm": vm.name, "id": vm.id.lower(), "changed": changed, "snapshot_location_before": before,
            "snapshot_location_after": vm.snapshot_location.rstrip("\\"), "state": vm.state}


def functional_level(estate: Estate, host: Host) -> int | None:
    cluster = estate.cluster_of(host)
    if cluster is None:
        return None
    return cluster.functional_level or OS_LEVEL.get(host.os, 8)


def vm_update_version(call: LabCall) -> dict[str, Any]:
    host = call.host
    if host.os in OLD_HOSTS:
        raise _not_recognized("Get-VMHostSupportedVersion")
    with call.estate.lock:
        vm = call.vm_by_id()
        before = vm.version
        default = DEFAULT_VM_VERSION[host.os]
        if _ver(before) < _ver(default):
            if vm.state != "Off":
                raise _state_refusal("Update-VMVersion", vm, "upgrade the configuration version")
            level = functional_level(call.estate, host)
            if level is not None and level < 9:
                raise LabPSError("Update-VMVersion", "The configuration version of virtual machine '%s' cannot be "
                                 "upgraded: the cluster functional level (%d) does not allow a newer version. Update "
                                 "all nodes and raise the cluster functional level first." % (vm.name, level))
            target = default
            if level is not None and _ver(LEVEL_VERSION.get(level, default)) < _ver(default):
                target = LEVEL_VERSION[level]
            if _ver(target) > _ver(before):
                vm.version = target
    return {"vm": vm.name, "id": vm.id.lower(), "changed": vm.version != before, "version_before": before,
            "version_after": vm.version, "host_default_version": default, "state": vm.state}


ANSWERS = {
    "vm-enable-integration-service": vm_enable_integration_service,
    "vm-remove-recovery-checkpoint": vm_remove_recovery_checkpoint,
    "vm-set-aside-autorecovery-file": vm_set_aside_autorecovery_file,
    "host-restart-vmms": host_restart_vmms,
    "vm-mount-guest-iso": vm_mount_guest_iso,
    "vm-set-checkpoint-type": vm_set_checkpoint_type,
    "vm-set-snapshot-location": vm_set_snapshot_location,
    "vm-update-version": vm_update_version,
}
