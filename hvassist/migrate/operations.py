"""Operations hvassist can run for a migration: the fixes offered on the checklist (shut down a VM,
remove its role, copy configurations aside, release the CSV, add it on the destination) and the
destination runbook (add the CSV, register in place keeping the ID, cluster role, SCSI controller,
start, check). Operations are data: host, shipped script, parameters. The wizard and the CLI
preview, confirm, run and audit the same objects; ``export_runbook`` writes them as one ``.ps1``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from hvassist import __version__
from hvassist.migrate.facts import MigrationFacts, norm_id
from hvassist.migrate.state import ManifestVM, MigrationState, now_iso
from hvassist.remote.scripts import get_script

CONFIG_COPY_ROOT = "C:\\hvassist-migration"


@dataclass(frozen=True)
class Operation:
    id: str  # stable: kind:target, e.g. "register:3F2A8C10-..."
    kind: str
    step: str  # checklist step it belongs to
    side: str  # "source" or "destination"
    host: str  # node it runs on
    title: str  # plain words
    script: str
    params: dict[str, Any] = field(default_factory=dict)
    vm: str | None = None
    vm_id: str | None = None
    changes: bool = True  # False: reads only
    downtime: str = ""  # what downtime it causes, in words ("" = none)
    risk: str = ""
    equivalent: str = ""  # the same as plain cmdlets, for people who read PowerShell

    def preview(self) -> str:
        s = get_script(self.script)
        return ("# %s\n# Runs on %s: script %s/%d; parameters (passed as data, never as code): %s\n"
                "# In plain cmdlets: %s\n%s") % (self.title, self.host, s.name, s.version,
                                                 json.dumps(self.params, ensure_ascii=False),
                                                 self.equivalent or "-", s.text)

    def confirmation_text(self) -> str:
        lines = [self.title, "", "Runs on: %s (%s)" % (self.host, self.side)]
        if self.downtime:
            lines.append("Downtime: %s" % self.downtime)
        if self.risk:
            lines.append("Risk: %s" % self.risk)
        if self.equivalent:
            lines.append("What it does: %s" % self.equivalent)
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "step": self.step, "side": self.side, "host": self.host,
                "title": self.title, "script": self.script, "params": self.params, "vm": self.vm,
                "vm_id": self.vm_id, "changes": self.changes, "downtime": self.downtime}


def _ps_quote(text: str) -> str:
    """A PowerShell single-quoted literal, for the human-readable 'equivalent' line only."""
    for q in ("'", "\u2018", "\u2019", "\u201a", "\u201b"):
        text = text.replace(q, q + q)
    return "'%s'" % text


# -- fixes offered on the checklist ------------------------------------------------------------------
def op_shutdown(vm: ManifestVM) -> Operation:
    return Operation(
        "shutdown:%s" % vm.id, "shutdown", "shut-down-source", "source", vm.node,
        "Shut down %s cleanly (through its guest operating system)" % vm.name, "mig-source-vm-shutdown",
        {"VMId": vm.id, "TimeoutSeconds": 600}, vm.name, vm.id,
        downtime="%s goes down now and stays down until it is started on the destination." % vm.name,
        risk="Users of %s are disconnected; unsaved work inside the VM may be lost if programs do not close "
             "cleanly." % vm.name,
        equivalent="(Get-WmiObject -Namespace root\\virtualization Msvm_ShutdownComponent | where SystemName -eq "
                   "VM ID).InitiateShutdown($true, ...)")


def op_remove_role(vm: ManifestVM, cluster: str) -> Operation:
    return Operation(
        "remove-role:%s" % vm.id, "remove-role", "shut-down-source", "source", vm.node,
        "Remove %s's role from the source cluster %s (the VM stays registered on %s; its files are not "
        "touched)" % (vm.name, cluster, vm.node), "mig-source-remove-role", {"VMId": vm.id}, vm.name, vm.id,
        risk="Low. The VM is no longer highly available on the old cluster, which is the point of this step.",
        equivalent="Remove-ClusterGroup -Name <the VM's group> -RemoveResources -Force")


def op_copy_configs(node: str, vms: list[ManifestVM], migration_id: str) -> Operation:
    folder = "%s\\%s" % (CONFIG_COPY_ROOT, migration_id)
    return Operation(
        "copy-configs:%s" % node.upper(), "copy-configs", "copy-configs", "source", node,
        "Copy the configuration files of %s to %s on %s" % (", ".join(v.name for v in vms), folder, node),
        "mig-source-copy-configs", {"VMIds": [v.id for v in vms], "Folder": folder},
        risk="None: files are only copied to the node's own disk.",
        equivalent="Copy-Item '<ExternalDataRoot>\\Virtual Machines\\<ID>.xml' %s" % _ps_quote(folder))


def op_remove_csv(node: str, csv: str, cluster: str) -> Operation:
    return Operation(
        "remove-csv:%s" % csv, "remove-csv", "release-source", "source", node,
        "Take the CSV '%s' out of the source cluster %s (the data on the LUN stays as it is)" % (csv, cluster),
        "mig-source-remove-csv", {"CsvName": csv},
        risk="The VMs on it can no longer run on the old cluster. To undo: add the disk back as a CSV.",
        equivalent="Remove-ClusterSharedVolume -Name %s; Stop-ClusterResource %s; Remove-ClusterResource %s "
                   "-Force" % ((_ps_quote(csv),) * 3))


def op_add_csv(node: str, signature: str, mount_name: str, csv: str) -> Operation:
    return Operation(
        "add-csv:%s" % signature, "add-csv", "present-destination", "destination", node,
        "Add the moved LUN (disk signature %s, '%s' on the source) as a CSV and name its folder "
        "C:\\ClusterStorage\\%s" % (signature, csv, mount_name), "mig-dest-add-csv",
        {"DiskSignature": signature, "MountName": mount_name},
        risk="Low. Only a disk no cluster uses yet is added.",
        equivalent="Get-ClusterAvailableDisk | where signature | Add-ClusterDisk; Add-ClusterSharedVolume; "
                   "Rename-Item C:\\ClusterStorage\\VolumeN %s" % _ps_quote(mount_name))


# -- the destination runbook -------------------------------------------------------------------------
def runbook_host(state: MigrationState, facts: MigrationFacts) -> str:
    """The destination node the runbook runs on: the owner of the moved CSV once it is there, else the
    node that answers for the cluster (it will own the CSV it adds)."""
    signatures = {c.signature for c in state.csvs if c.signature}
    owner = next((c.owner for c in facts.dest_csvs if c.disk_signature in signatures and c.owner), "")
    if owner:
        return owner.upper()
    if facts.dest_nodes:
        return facts.dest_nodes[0].name.upper()
    return state.dest.name


def relevant_mapping(state: MigrationState, vm: ManifestVM) -> dict[str, str]:
    used = {str(n.get("switch", "")).lower() for n in vm.nics}
    return {k: v for k, v in state.switch_map.items() if k.lower() in used}


def build_runbook(state: MigrationState, facts: MigrationFacts) -> list[Operation]:
    host = runbook_host(state, facts)
    vms = sorted(state.manifest.values(), key=lambda v: v.name.lower())
    ops: list[Operation] = []
    for c in state.csvs:
        if c.signature and c.mount_name:
            ops.append(op_add_csv(host, c.signature, c.mount_name, c.name))
    for vm in vms:
        mapping = relevant_mapping(state, vm)
        ops.append(Operation(
            "register:%s" % vm.id, "register", "register-in-place", "destination", host,
            "Register %s in place, keeping its ID %s%s" % (
                vm.name, vm.id.lower(), "; switch mapping: %s" % ", ".join(
                    "%s → %s" % (k, v or "(not connected)") for k, v in mapping.items()) if mapping else ""),
            "mig-dest-register-vm", {"Path": vm.config_path, "VMId": vm.id, "SwitchMap": mapping}, vm.name, vm.id,
            risk="Low. The files are used where they are; nothing is copied. To undo: Remove-VM (that unregisters "
                 "it; its files stay).",
            equivalent="$r = Compare-VM -Path %s -Register; <fix $r.Incompatibilities with the mapping>; "
                       "Import-VM -CompatibilityReport $r" % _ps_quote(vm.config_path)))
    for vm in vms:
        ops.append(Operation(
            "add-role:%s" % vm.id, "add-role", "cluster-roles", "destination", host,
            "Make %s a role of the cluster %s" % (vm.name, state.dest.name), "mig-dest-add-role",
            {"VMId": vm.id}, vm.name, vm.id, risk="Low.",
            equivalent="Add-ClusterVirtualMachineRole -VMId %s" % vm.id.lower()))
    for vm in vms:
        if vm.scsi_controllers == 0:
            ops.append(Operation(
                "add-scsi:%s" % vm.id, "add-scsi", "backup-ready", "destination", host,
                "Add a virtual SCSI controller to %s while it is off (host-level backups on 2012 R2 need one)"
                % vm.name, "vm-add-scsi-controller", {"VMId": vm.id}, vm.name, vm.id, risk="Low.",
                equivalent="Add-VMScsiController -VMName %s" % _ps_quote(vm.name)))
    for vm in vms:
        ops.append(Operation(
            "start:%s" % vm.id, "start", "start-vms", "destination", host, "Start %s" % vm.name, "vm-start",
            {"VMId": vm.id}, vm.name, vm.id, risk="Low. This ends the VM's downtime.",
            equivalent="Start-VM -VMName %s" % _ps_quote(vm.name)))
    ops.append(Operation(
        "check", "check", "backup-ready", "destination", host,
        "Check integration services and backup readiness of the moved VMs (reads only)", "collect-host",
        {"EventDays": 1, "MaxEvents": 200}, changes=False,
        equivalent="Get-VM | select Name, State, IntegrationServicesState; Get-VMIntegrationService; "
                   "Get-VMScsiController"))
    return ops


def runbook_preview(ops: list[Operation]) -> str:
    return "\n\n".join("# ---- Step %d of %d ----\n%s" % (i, len(ops), op.preview()) for i, op in enumerate(ops, 1))


def export_runbook(state: MigrationState, ops: list[Operation]) -> str:
    """The runbook as one PowerShell script for the destination node, runnable step by step.

    The shipped scripts go in unchanged, as functions; every value (paths, IDs, switch mapping) sits
    in one JSON block the scripts read as data, so nothing from a host or a user becomes code."""
    data = {"migration": state.id, "source": state.source.name, "destination": state.dest.name,
            "steps": [{"number": i, "id": op.id, "title": op.title, "script": op.script, "params": op.params,
                       "vm_ids": [v.id for v in state.manifest.values()] if op.kind == "check" else []}
                      for i, op in enumerate(ops, 1)]}
    blob = json.dumps(data, ensure_ascii=True, separators=(",", ":"))
    host = ops[0].host if ops else state.dest.name
    scripts = sorted({op.script for op in ops})
    lines = [
        "# hvassist migration runbook: %s -> %s (migration %s)" % (_comment_safe(state.source.name),
                                                                  _comment_safe(state.dest.name), state.id),
        "# Generated %s by hvassist %s." % (now_iso(), __version__),
        "# Run it on %s in an elevated Windows PowerShell (4.0 or later) as an administrator of %s." % (
            _comment_safe(host), _comment_safe(state.dest.name)),
        "# Before you start: every step of the checklist up to 'Present the LUN to the destination' has passed.",
        "# Each step asks before it runs (y = run, s = skip, q = stop). Values are data in $Runbook below.",
        "#",
    ]
    lines += ["#   %2d. %s" % (i, _comment_safe(op.title)) for i, op in enumerate(ops, 1)]
    lines += [
        "#Requires -Version 4.0",
        "$ErrorActionPreference = 'Stop'",
        "$Runbook = @'",
        blob,
        "'@ | ConvertFrom-Json",
        "",
        "# The scripts hvassist runs, unchanged; each reads its parameters from one base64 JSON string.",
    ]
    for name in scripts:
        text = get_script(name).text.rstrip("\n")
        lines += ["function %s {" % _function_name(name), text, "}", ""]
    lines += ["$Scripts = @{"]
    lines += ["    '%s' = ${function:%s}" % (n, _function_name(n)) for n in scripts]
    lines += [
        "}",
        "",
        "foreach ($step in $Runbook.steps) {",
        "    Write-Host ''",
        "    Write-Host ('Step {0} of {1}: {2}' -f $step.number, $Runbook.steps.Count, $step.title)",
        "    $answer = Read-Host 'Run this step now? (y = run, s = skip, q = stop)'",
        "    if ($answer -eq 'q') { break }",
        "    if ($answer -ne 'y') { continue }",
        "    $json = ConvertTo-Json -InputObject $step.params -Depth 5 -Compress",
        "    $b64 = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($json))",
        "    $output = & $Scripts[$step.script] -ParamsB64 $b64",
        "    if ($step.script -eq 'collect-host') {",
        "        $doc = $output | ConvertFrom-Json",
        "        $doc.vms | Where-Object { $step.vm_ids -contains $_.id } |",
        "            Select-Object name, state, ic_state, scsi_controllers | Format-Table -AutoSize",
        "    } else {",
        "        Write-Host $output",
        "    }",
        "}",
    ]
    return "\n".join(lines) + "\n"


def _function_name(script: str) -> str:
    return "Invoke-Hv" + "".join(p.capitalize() for p in script.split("-"))


def _comment_safe(text: str) -> str:
    """Text for a comment line: no line breaks (a name must never end the comment and become code)."""
    return "".join(" " if ord(c) < 32 or c in "\u0085\u2028\u2029" else c for c in text)


def op_is_done(state: MigrationState, op_id: str) -> bool:
    rec = state.operations.get(op_id)
    return rec is not None and rec.status == "done"


def next_runbook_op(state: MigrationState, ops: list[Operation]) -> Operation | None:
    return next((op for op in ops if not op_is_done(state, op.id)), None)


def find_vm(state: MigrationState, vm_id: str) -> ManifestVM | None:
    return state.manifest.get(norm_id(vm_id))
