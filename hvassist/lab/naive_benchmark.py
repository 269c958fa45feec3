"""BENCHMARK ONLY: the naive baseline of ``benchmarks/estate.py``, and the lab's answers to it.

The naive baseline is what a quick script would do: one ``winrm.Session.run_ps`` per check per VM
(a new shell and a new ``powershell.exe`` each time), the VM name spliced into the script text,
hosts one after another. hvassist never sends these scripts; the lab answers them only when a
benchmark starts it with ``Lab(..., accept_naive_benchmark_scripts=True)``. The product never does.

The answers are plausible, not exact: the baseline exists to be timed, not diagnosed. Each per-VM
check is charged ``per_vm_ms / len(VM_CHECKS)`` of host-side work (plus the PowerShell start the
endpoint charges for every command), so the naive baseline does the same host-side work in total
as hvassist's collection; the Hyper-V module's import in every new PowerShell, which would make
the naive way slower still, is not charged.
"""

from __future__ import annotations

import re
from typing import Any

from hvassist.lab.answers.base import ps_json
from hvassist.lab.answers.collect import integration_services, vssadmin_providers, vssadmin_writers
from hvassist.lab.costs import Costs
from hvassist.lab.model import Estate, Host
from hvassist.lab.wsman import CommandIO, clixml_error

HOST_CHECKS: dict[str, str] = {
    "vm-names": "Get-VM | Select-Object -ExpandProperty Name | ConvertTo-Json -Compress",
    "writers": "vssadmin list writers",
    "providers": "vssadmin list providers",
    "events": "Get-WinEvent -FilterHashtable @{LogName='Microsoft-Windows-Hyper-V-VMMS-Admin'; "
              "StartTime=(Get-Date).AddDays(-7)} -MaxEvents 500 -ErrorAction SilentlyContinue | "
              "Select-Object Id,LevelDisplayName,TimeCreated,Message | ConvertTo-Json -Compress",
}
VM_CHECKS: dict[str, str] = {
    "vm": "Get-VM -Name '{vm}' | Select-Object Name,Id,State,Generation,Version | ConvertTo-Json -Compress",
    "scsi": "(Get-VMScsiController -VMName '{vm}' | Measure-Object).Count",
    "integration": "Get-VMIntegrationService -VMName '{vm}' | Select-Object Name,Enabled,"
                   "PrimaryStatusDescription | ConvertTo-Json -Compress",
    "checkpoints": "Get-VMSnapshot -VMName '{vm}' | Select-Object Name,SnapshotType,CreationTime | "
                   "ConvertTo-Json -Compress",
    "disks": "Get-VMHardDiskDrive -VMName '{vm}' | Select-Object Path,ControllerType,ControllerNumber,"
             "ControllerLocation | ConvertTo-Json -Compress",
}


def naive_script(check: str, vm: str | None = None) -> str:
    """The text a quick script would send for one check (the VM name spliced in, quotes doubled)."""
    if check in HOST_CHECKS:
        return HOST_CHECKS[check]
    if vm is None:
        raise ValueError("the check %s needs a VM name" % check)
    return VM_CHECKS[check].replace("{vm}", vm.replace("'", "''"))


def _vm_pattern(template: str) -> re.Pattern[str]:
    before, _, after = template.partition("'{vm}'")
    return re.compile("^%s'((?:[^']|'')*)'%s$" % (re.escape(before), re.escape(after)), re.S)


_VM_PATTERNS = {name: _vm_pattern(text) for name, text in VM_CHECKS.items()}


def _vm_answer(check: str, estate: Estate, host: Host, name: str) -> str:
    vm = next((v for v in host.vms if v.name == name), None)
    if vm is None:
        raise LookupError("Get-VM : Hyper-V was unable to find a virtual machine with name '%s'." % name)
    doc: Any
    if check == "vm":
        doc = {"Name": vm.name, "Id": vm.id.lower(), "State": vm.state, "Generation": vm.generation,
               "Version": vm.version}
    elif check == "scsi":
        return str(vm.scsi_controllers)
    elif check == "integration":
        doc = [{"Name": s["name"], "Enabled": s["enabled"], "PrimaryStatusDescription": s["primary_status"]}
               for s in integration_services(host, vm)]
    elif check == "checkpoints":
        doc = [{"Name": c.name, "SnapshotType": c.type, "CreationTime": c.created} for c in vm.checkpoints]
    else:
        doc = [{"Path": d.path, "ControllerType": d.controller_type, "ControllerNumber": d.controller_number,
                "ControllerLocation": d.controller_location} for d in vm.disks]
    return ps_json(doc)


def _host_answer(check: str, estate: Estate, host: Host) -> str:
    if check == "vm-names":
        return ps_json([v.name for v in host.vms])
    if check == "writers":
        return vssadmin_writers(host)
    if check == "providers":
        return vssadmin_providers(host)
    events = [{"Id": e.id, "LevelDisplayName": e.level, "TimeCreated": e.time, "Message": e.message}
              for e in host.events if e.log == "Microsoft-Windows-Hyper-V-VMMS-Admin"]
    return ps_json(events)


def answer_naive_script(estate: Estate, host: Host, costs: Costs, script: str, io: CommandIO) -> int:
    """Answer one naive check (the decoded ``powershell -encodedcommand`` script); anything else is refused."""
    try:
        for check, text in HOST_CHECKS.items():
            if script == text:
                io.write(_host_answer(check, estate, host) + "\r\n")
                return 0
        for check, pattern in _VM_PATTERNS.items():
            m = pattern.match(script)
            if m:
                if costs.per_vm_ms and io.wait_cancelled(costs.per_vm_seconds / len(VM_CHECKS)):
                    return 1
                io.write(_vm_answer(check, estate, host, m.group(1).replace("''", "'")) + "\r\n")
                return 0
    except LookupError as e:
        io.write(clixml_error(str(e)), "stderr")
        return 1
    io.write(clixml_error("hvassist lab (naive benchmark): this script is not one of the benchmark's naive "
                          "checks."), "stderr")
    return 1

