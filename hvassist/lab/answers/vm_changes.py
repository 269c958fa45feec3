"""Scripts that change a VM: stop, start, add a SCSI controller. They change the model as a real
host would, and refuse as a real host refuses."""

from __future__ import annotations

from typing import Any

from hvassist.lab.answers.base import LabCall, LabPSError


def vm_stop(call: LabCall) -> dict[str, Any]:
    with call.estate.lock:
        vm = call.vm_by_id()
        before = vm.state
        changed = before != "Off"
        if changed:
            if before == "Running" and not vm.guest.reports_kvp and "Windows" in (vm.guest.os_name or "Windows"):
                # Stop-VM shuts down through the Shutdown integration service; without it, it refuses.
                raise LabPSError("Stop-VM", "The virtual machine '%s' cannot be shut down because the shutdown "
                                 "integration service is unavailable." % vm.name)
            vm.state = "Off"
    return {"vm": vm.name, "id": vm.id.lower(), "action": "stop", "changed": changed, "state_before": before,
            "state_after": vm.state}


def vm_start(call: LabCall) -> dict[str, Any]:
    with call.estate.lock:
        vm = call.vm_by_id("Start-VM")
        before = vm.state
        changed = before != "Running"
        if changed:
            vm.state = "Running"
    return {"vm": vm.name, "id": vm.id.lower(), "action": "start", "changed": changed, "state_before": before,
            "state_after": vm.state}


def vm_add_scsi_controller(call: LabCall) -> dict[str, Any]:
    with call.estate.lock:
        vm = call.vm_by_id()
        before = vm.scsi_controllers
        changed = before == 0
        if changed:
            if vm.state != "Off":
                raise LabPSError(
                    "Add-VMScsiController",
                    "Failed to add device 'Synthetic SCSI Controller'.\r\n"
                    "The operation cannot be performed while the virtual machine is in its current state.\r\n"
                    "'%s' failed to add device 'Synthetic SCSI Controller'. (Virtual machine ID %s)\r\n"
                    "The operation cannot be performed while the object is in its current state. (0x800710DD)"
                    % (vm.name, vm.id))
            vm.scsi_controllers += 1
    return {"vm": vm.name, "id": vm.id.lower(), "changed": changed, "scsi_controllers_before": before,
            "scsi_controllers_after": vm.scsi_controllers, "state": vm.state}


ANSWERS = {"vm-stop": vm_stop, "vm-start": vm_start, "vm-add-scsi-controller": vm_add_scsi_controller}
