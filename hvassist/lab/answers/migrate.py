"""The migration scripts (mig-source-*, mig-dest-*) on lab hosts.

What the lab models, and why (KB §3):
- the SAN: a LUN is seen only by the hosts it is presented to (``Estate.luns``); a disk is
  "available" to a cluster when every node that is up sees it and no cluster uses it;
- the files of a VM live on its LUN (``VM.lun``), at the same path relative to the CSV's mount
  folder (``C:\\ClusterStorage\\VolumeN``): a destination finds them only once the LUN is a CSV
  there, mounted under the folder name the VM's configuration expects;
- Compare-VM reports 33012 "Could not find Ethernet switch 'X'." for each adapter whose switch the
  node lacks; the switch mapping connects the adapter to another switch, or disconnects it;
- Import-VM registers the VM in place, keeping its ID; a report with incompatibilities left is
  refused the way Import-VM refuses it;
- Add-ClusterVirtualMachineRole makes a registered VM a cluster role (``VM.is_clustered``).
"""

from __future__ import annotations

import copy
import hashlib
import re
from typing import Any

from hvassist.lab.answers.base import LabCall, LabPSError
from hvassist.lab.model import CSV, VM, Cluster, Estate, Host, Lun, iso

_MOUNT = re.compile(r"^([A-Za-z]:\\ClusterStorage\\[^\\]+)(\\.*)?$")
SWITCH_NOT_FOUND = 33012


# -- shared facts ---------------------------------------------------------------------------------
def config_path(vm: VM) -> str:
    return "%s\\Virtual Machines\\%s.xml" % (vm.config_location, vm.id.upper())


def config_sha256(vm: VM) -> str:
    """Stands in for the hash of the configuration file: changes when the configuration changes."""
    text = "|".join([vm.id.upper(), vm.name, str(vm.scsi_controllers), *[d.path for d in vm.disks],
                     *["%s=%s/%s" % (n.name, n.switch, n.mac) for n in vm.network_adapters]])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _sees(estate: Estate, host: Host, lun: Lun | None) -> bool:
    if lun is None or not estate.luns:
        return True  # masking not modelled: everything is visible
    return host.name.lower() in (h.lower() for h in lun.presented_to)


def _signature(estate: Estate, csv: CSV) -> str:
    lun = estate.lun(csv.lun)
    return lun.signature if lun is not None else ""


def _cluster(call: LabCall) -> Cluster | None:
    return call.estate.cluster_of(call.host)


def _cluster_doc(estate: Estate, cluster: Cluster | None) -> dict[str, Any] | None:
    if cluster is None:
        return None
    return {"name": cluster.name, "domain": cluster.domain,
            "nodes": [{"name": n, "state": "Down" if estate.host(n).down else "Up"} for n in cluster.nodes]}


def _csv_docs(estate: Estate, cluster: Cluster | None) -> list[dict[str, Any]]:
    if cluster is None:
        return []
    return [{"name": c.name, "path": c.path, "state": c.state, "owner": c.owner,
             "disk_signature": _signature(estate, c)} for c in cluster.csvs]


def _group_docs(estate: Estate, cluster: Cluster | None) -> list[dict[str, Any]]:
    if cluster is None:
        return []
    out = []
    for n in cluster.nodes:
        for vm in estate.host(n).vms:
            if vm.is_clustered:
                out.append({"name": vm.name, "state": "Online" if vm.state == "Running" else "Offline",
                            "owner": n, "vm_id": vm.id.upper()})
    return out


def _split_mount(path: str) -> tuple[str, str] | None:
    m = _MOUNT.match(path)
    return (m.group(1), m.group(2) or "") if m else None


def _vm_files(vm: VM) -> list[str]:
    return [config_path(vm), *[d.path for d in vm.disks]]


def _csv_at(cluster: Cluster | None, mount: str) -> CSV | None:
    if cluster is None:
        return None
    return next((c for c in cluster.csvs if c.path.lower() == mount.lower() and c.state == "Online"), None)


def _file_on_lun(estate: Estate, lun_id: str, relative: str) -> VM | None:
    """The VM whose file lies at ``relative`` (below the mount folder) on the LUN, if any."""
    for h in estate.hosts:
        for vm in h.vms:
            if vm.lun.lower() != lun_id.lower():
                continue
            for f in _vm_files(vm):
                parts = _split_mount(f)
                if parts and parts[1].lower() == relative.lower():
                    return vm
    return None


def _reachable_file(estate: Estate, host: Host, path: str) -> VM | None:
    """The VM a path on this host's CSVs belongs to, if the file is there (Test-Path)."""
    parts = _split_mount(path)
    if parts is None:
        return None
    csv = _csv_at(estate.cluster_of(host), parts[0])
    if csv is None or not _sees(estate, host, estate.lun(csv.lun)):
        return None
    return _file_on_lun(estate, csv.lun, parts[1])


# -- source: Windows Server 2008 R2, WMI v1 --------------------------------------------------------
def _require_2008r2(call: LabCall, cmdlet: str) -> None:
    if call.host.os != "2008r2":
        raise LabPSError(cmdlet, "Invalid namespace \"root\\virtualization\"", "InvalidArgument",
                         "ManagementException", "GetWMIManagementException,Microsoft.PowerShell.Commands."
                         "GetWmiObjectCommand")


def _source_vm_doc(estate: Estate, host: Host, vm: VM) -> dict[str, Any]:
    lun = estate.lun(vm.lun)
    readable = _sees(estate, host, lun) and _csv_at(estate.cluster_of(host), (_split_mount(
        vm.config_location) or ("", ""))[0]) is not None
    return {
        "name": vm.name, "id": vm.id.upper(), "state": vm.state, "config_path": config_path(vm),
        "config_sha256": config_sha256(vm) if readable else "", "snapshot_root": vm.snapshot_location,
        "vhds": [d.path for d in vm.disks], "scsi_controllers": vm.scsi_controllers,
        "snapshots": [{"name": c.name, "id": c.id.upper(), "created": iso(estate.resolve_time(c.created))}
                      for c in vm.checkpoints],
        "nics": [{"name": n.name, "switch_name": n.switch, "mac": n.mac, "static_mac": n.static_mac,
                  "legacy": n.legacy} for n in vm.network_adapters],
    }


def source_inventory(call: LabCall) -> dict[str, Any]:
    _require_2008r2(call, "Get-WmiObject")
    estate, host = call.estate, call.host
    cluster = _cluster(call)
    domain = host.domain or "WORKGROUP"
    snapshot_files: list[str] = []
    if cluster is not None:
        mounts = [c.path.lower() for c in cluster.csvs]
        for n in cluster.nodes:
            for vm in estate.host(n).vms:
                parts = _split_mount(vm.snapshot_location)
                if parts is None or parts[0].lower() not in mounts:
                    continue
                for cp in vm.checkpoints:
                    for d in vm.disks:
                        stem = d.path.rsplit("\\", 1)[-1].rsplit(".", 1)[0]
                        snapshot_files.append("%s\\Snapshots\\%s_%s.avhd" % (vm.snapshot_location, stem,
                                                                             cp.id.upper()))
    return {
        "schema": "mig-source-inventory/1",
        "node": {"name": host.name.upper(), "domain": domain, "os_caption": host.os_caption,
                 "os_build": host.os_build, "ps_version": host.powershell},
        "cluster": _cluster_doc(estate, cluster),
        "csvs": _csv_docs(estate, cluster),
        "groups": _group_docs(estate, cluster),
        "switches": [{"name": s.name} for s in host.switches],
        "vms": [_source_vm_doc(estate, host, vm) for vm in host.vms],
        "disks": [{"signature": u.signature, "size_bytes": u.size_gb << 30, "model": "SAN Multi-Path Disk Device"}
                  for u in estate.luns if _sees(estate, host, u)],
        "snapshot_files": snapshot_files,
    }


def _wmi_vm(call: LabCall) -> VM:
    wanted = str(call.params.get("VMId", "")).upper()
    for vm in call.host.vms:
        if vm.id.upper() == wanted:
            return vm
    raise LabPSError("throw", "Hyper-V was unable to find a virtual machine with ID %s on %s."
                     % (wanted, call.host.name.upper()))


def source_vm_shutdown(call: LabCall) -> dict[str, Any]:
    _require_2008r2(call, "Get-WmiObject")
    with call.estate.lock:
        vm = _wmi_vm(call)
        before = vm.state
        changed = before != "Off"
        if changed:
            if before != "Running":
                raise LabPSError("throw", "The virtual machine '%s' is %s. hvassist shuts down only running VMs; "
                                 "start it and shut it down from inside the guest, or turn it off in Hyper-V "
                                 "Manager." % (vm.name, before))
            if not vm.guest.reports_kvp or not vm.integration_services.get("Shutdown", True):
                raise LabPSError("throw", "The virtual machine '%s' cannot be shut down because the shutdown "
                                 "integration service is unavailable. Shut it down from inside the guest." % vm.name)
            vm.state = "Off"
    return {"vm": vm.name, "id": vm.id.upper(), "action": "shutdown", "changed": changed, "state_before": before,
            "state_after": vm.state}


def source_remove_role(call: LabCall) -> dict[str, Any]:
    _require_2008r2(call, "Get-WmiObject")
    with call.estate.lock:
        vm = _wmi_vm(call)
        changed = bool(vm.is_clustered)
        if changed:
            if vm.state != "Off":
                raise LabPSError("throw", "The virtual machine '%s' is %s. Shut it down before removing its role "
                                 "from the cluster." % (vm.name, vm.state))
            vm.is_clustered = False
    return {"vm": vm.name, "id": vm.id.upper(), "action": "remove-role", "changed": changed,
            "state_before": vm.state, "state_after": vm.state}


def source_remove_csv(call: LabCall) -> dict[str, Any]:
    _require_2008r2(call, "Get-WmiObject")
    name = str(call.params.get("CsvName", ""))
    with call.estate.lock:
        cluster = _cluster(call)
        csv = next((c for c in (cluster.csvs if cluster else []) if c.name == name), None)
        if csv is None or cluster is None:
            return {"csv": name, "path": "", "changed": False}
        prefix = csv.path.lower() + "\\"
        for vm in call.host.vms:
            if vm.state != "Off" and (vm.config_location.lower() + "\\").startswith(prefix):
                raise LabPSError("throw", "The virtual machine '%s' on %s is %s and its files are on %s. Shut it "
                                 "down before removing the CSV." % (vm.name, call.host.name.upper(), vm.state,
                                                                    csv.path))
        cluster.csvs.remove(csv)
    return {"csv": name, "path": csv.path, "changed": True}


def source_copy_configs(call: LabCall) -> dict[str, Any]:
    _require_2008r2(call, "Get-WmiObject")
    folder = str(call.params.get("Folder", ""))
    if not re.match(r"^[A-Za-z]:\\", folder) or "\\clusterstorage\\" in folder.lower():
        raise LabPSError("throw", "hvassist: Folder must be a folder on the node's own disk (for example "
                         "C:\\hvassist-migration), not on a CSV.")
    wanted = {str(i).upper() for i in call.params.get("VMIds") or []}
    copies = []
    for vm in call.host.vms:
        if vm.id.upper() not in wanted:
            continue
        copy_path = "%s\\%s\\%s.xml" % (folder.rstrip("\\"), vm.id.upper(), vm.id.upper())
        copies.append({"vm": vm.name, "id": vm.id.upper(), "source": config_path(vm), "copy": copy_path,
                       "sha256": config_sha256(vm)})
    return {"folder": folder, "copies": copies}


# -- destination: Windows Server 2012 R2 and later --------------------------------------------------
def dest_inventory(call: LabCall) -> dict[str, Any]:
    estate, host = call.estate, call.host
    cluster = _cluster(call)
    available: list[dict[str, Any]] = []
    if cluster is not None:
        used = {c.lun.lower() for cl in estate.clusters for c in cl.csvs if c.lun}
        up = [estate.host(n) for n in cluster.nodes if not estate.host(n).down]
        names = {c.name for c in cluster.csvs}
        for number, lun in enumerate(estate.luns, start=1):
            if lun.id.lower() in used or not all(_sees(estate, n, lun) for n in up):
                continue
            name = next("Cluster Disk %d" % k for k in range(1, 1000) if "Cluster Disk %d" % k not in names)
            names.add(name)
            available.append({"name": name, "number": number, "size_bytes": lun.size_gb << 30,
                              "signature": lun.signature})
    vms = []
    for vm in host.vms:
        vms.append({"name": vm.name, "id": vm.id.lower(), "state": vm.state, "is_clustered": bool(vm.is_clustered),
                     "config_location": vm.config_location, "version": vm.version,
                     "nics": [{"name": n.name, "switch_name": n.switch, "mac": n.mac, "static_mac": n.static_mac,
                               "legacy": n.legacy} for n in vm.network_adapters]})
    paths = [{"path": str(p), "exists": _reachable_file(estate, host, str(p)) is not None}
             for p in call.params.get("Paths") or []]
    return {
        "schema": "mig-dest-inventory/1",
        "node": {"name": host.name.upper(), "domain": host.domain or "WORKGROUP", "os_caption": host.os_caption,
                 "os_build": host.os_build, "ps_version": host.powershell, "hyperv_module": host.hyperv_module},
        "cluster": _cluster_doc(estate, cluster),
        "csvs": _csv_docs(estate, cluster),
        "groups": _group_docs(estate, cluster),
        "available_disks": available,
        "switches": [{"name": s.name, "type": s.type} for s in host.switches] if host.hyperv_module else [],
        "vms": vms if host.hyperv_module else [],
        "disks": [{"signature": u.signature, "size_bytes": u.size_gb << 30, "model": "SAN Multi-Path Disk Device"}
                  for u in estate.luns if _sees(estate, host, u)],
        "paths": paths,
    }


def _registered(host: Host, vm_id: str) -> VM | None:
    return next((v for v in host.vms if v.id.upper() == vm_id.upper()), None)


def _compare(call: LabCall) -> tuple[VM, list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]], VM]:
    """Compare-VM -Register, the mapping applied to the report, Compare-VM again.

    Returns the VM on the LUN, incompatibilities before, actions, incompatibilities after, and the
    VM as the report now describes it (what Import-VM would register)."""
    path = str(call.params.get("Path", ""))
    source = _reachable_file(call.estate, call.host, path)
    if source is None or not path.lower().endswith(".xml"):
        raise LabPSError("Compare-VM", "The operation failed because the file was not found.", "ObjectNotFound",
                         "VirtualizationOperationFailedException")
    mapping = {str(k).lower(): str(v) for k, v in (call.params.get("SwitchMap") or {}).items()}
    switches = {s.name.lower(): s.name for s in call.host.switches}
    report = copy.deepcopy(source)
    before, actions = [], []
    for nic in report.network_adapters:
        if not nic.switch or nic.switch.lower() in switches:
            continue
        before.append({"message_id": SWITCH_NOT_FOUND, "message": "Could not find Ethernet switch '%s'." % nic.switch,
                       "adapter": nic.name, "switch_name": nic.switch})
        if nic.switch.lower() not in mapping:
            continue
        target = mapping[nic.switch.lower()]
        if target and target.lower() not in switches:
            raise LabPSError("Connect-VMNetworkAdapter", "Unable to find a virtual switch with name \"%s\"." % target,
                             "ObjectNotFound", "VirtualizationInvalidArgumentException")
        actions.append({"adapter": nic.name, "switch_from": nic.switch, "switch_to": switches.get(target.lower(), ""),
                        "action": "connect" if target else "disconnect"})
        nic.switch = switches.get(target.lower(), "")
    after = [{"message_id": SWITCH_NOT_FOUND, "message": "Could not find Ethernet switch '%s'." % n.switch,
              "adapter": n.name, "switch_name": n.switch}
             for n in report.network_adapters if n.switch and n.switch.lower() not in switches]
    return source, before, actions, after, report


def dest_compare_vm(call: LabCall) -> dict[str, Any]:
    with call.estate.lock:
        existing = _registered(call.host, str(call.params.get("VMId", "")))
        if existing is not None:
            return {"path": str(call.params.get("Path", "")), "vm": existing.name, "vm_id": existing.id.lower(),
                    "already_registered": True, "incompatibilities_before": [], "actions": [],
                    "incompatibilities": []}
        source, before, actions, after, _report = _compare(call)
    return {"path": str(call.params.get("Path", "")), "vm": source.name, "vm_id": source.id.lower(),
            "already_registered": False, "incompatibilities_before": before, "actions": actions,
            "incompatibilities": after}


def dest_register_vm(call: LabCall) -> dict[str, Any]:
    with call.estate.lock:
        vm = _registered(call.host, str(call.params.get("VMId", "")))
        actions: list[dict[str, Any]] = []
        changed = vm is None
        if vm is None:
            _source, _before, actions, after, report = _compare(call)
            if after:
                raise LabPSError("Import-VM", "Unable to import virtual machine due to configuration errors.  "
                                 "Please use Compare-VM to repair the virtual machine.", "InvalidArgument",
                                 "VirtualizationInvalidArgumentException")
            report.state = "Off"
            report.is_clustered = False
            report.version = "5.0" if call.host.os == "2012r2" else report.version
            report.ic_version = ""
            report.ic_state = ""
            report.autorecovery_files = []
            call.host.vms.append(report)  # registered in place: the same files, the same ID
            vm = report
    return {"vm": vm.name, "id": vm.id.lower(), "changed": changed, "state": vm.state,
            "original_id_kept": vm.id.upper() == str(call.params.get("VMId", "")).upper(),
            "config_location": vm.config_location, "actions": actions}


def dest_add_role(call: LabCall) -> dict[str, Any]:
    with call.estate.lock:
        vm = call.vm_by_id()
        cluster = _cluster(call)
        changed = not vm.is_clustered
        if changed:
            parts = _split_mount(vm.config_location)
            if cluster is None or parts is None or _csv_at(cluster, parts[0]) is None:
                raise LabPSError("Add-ClusterVirtualMachineRole", "There was an error configuring the virtual "
                                 "machine '%s' for high availability: its files are not on a Cluster Shared Volume "
                                 "of this cluster." % vm.name, "NotSpecified", "ClusterCmdletException")
            vm.is_clustered = True
    return {"vm": vm.name, "id": vm.id.lower(), "group": vm.name,
            "state": "Online" if vm.state == "Running" else "Offline", "owner_node": call.host.name.upper(),
            "changed": changed}


def dest_add_csv(call: LabCall) -> dict[str, Any]:
    estate, host = call.estate, call.host
    wanted = str(call.params.get("DiskSignature", "")).lower().removeprefix("0x")
    mount_name = str(call.params.get("MountName", ""))
    if not re.match(r"^[A-Za-z0-9][A-Za-z0-9 ._-]*$", mount_name):
        raise LabPSError("throw", "hvassist: MountName must be a plain folder name such as Volume3.")
    with estate.lock:
        cluster = _cluster(call)
        if cluster is None:
            raise LabPSError("Get-ClusterSharedVolume", "The cluster service is not running on this node.",
                             "ConnectionError", "ClusterCmdletException")
        changed = False
        csv = next((c for c in cluster.csvs if _signature(estate, c) == wanted), None)
        if csv is None:
            doc = dest_inventory(LabCall(estate, host, call.script, {}, call.username, call.write, call.cancelled))
            if not any(d["signature"] == wanted for d in doc["available_disks"]):
                raise LabPSError("throw", "hvassist: no disk with signature %s is available to every node of the "
                                 "cluster. Present the LUN to all nodes in the SAN console and try again." % wanted)
            lun = next(u for u in estate.luns if u.signature == wanted)
            used = {c.path.lower() for c in cluster.csvs}
            n = next(i for i in range(1, 1000) if "c:\\clusterstorage\\volume%d" % i not in used)
            names = {c.name for c in cluster.csvs}
            k = next(i for i in range(1, 1000) if "Cluster Disk %d" % i not in names)
            csv = CSV("Cluster Disk %d" % k, "C:\\ClusterStorage\\Volume%d" % n, lun=lun.id, owner=host.name,
                      size_gb=lun.size_gb, free_gb=lun.size_gb // 2)
            cluster.csvs.append(csv)
            changed = True
        target = "C:\\ClusterStorage\\%s" % mount_name
        renamed_from = ""
        if csv.path.lower() != target.lower():
            if any(c.path.lower() == target.lower() for c in cluster.csvs):
                raise LabPSError("throw", "hvassist: %s already exists on this cluster, so the CSV mounted at %s "
                                 "cannot take that name. Free the name first." % (target, csv.path))
            renamed_from, csv.path = csv.path, target
            changed = True
    return {"csv": csv.name, "path": csv.path, "state": csv.state, "owner": csv.owner, "renamed_from": renamed_from,
            "changed": changed}


ANSWERS = {
    "mig-source-inventory": source_inventory,
    "mig-source-vm-shutdown": source_vm_shutdown,
    "mig-source-remove-role": source_remove_role,
    "mig-source-remove-csv": source_remove_csv,
    "mig-source-copy-configs": source_copy_configs,
    "mig-dest-inventory": dest_inventory,
    "mig-dest-compare-vm": dest_compare_vm,
    "mig-dest-register-vm": dest_register_vm,
    "mig-dest-add-role": dest_add_role,
    "mig-dest-add-csv": dest_add_csv,
}
