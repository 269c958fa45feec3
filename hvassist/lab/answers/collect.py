"""collect-host/1: what the script prints on a real host, from the lab's model."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from hvassist.lab.answers.base import LabCall, LabPSError, PrintedDoc
from hvassist.lab.model import CSV, HOST_IC_VERSION, IC_NAMES, VM, Cluster, Disk, Estate, Host, Writer, iso

# what vssadmin prints after "State: [n]" (it does not name the phase a writer failed in)
WRITER_STATES = {
    0: "Unknown", 1: "Stable", 2: "Waiting for freeze", 3: "Waiting for thaw", 4: "Waiting for post-snapshot",
    5: "Waiting for completion", **{n: "Failed" for n in range(6, 16)},
}
VSSADMIN_BANNER = {
    "2008r2": "(C) Copyright 2001-2005 Microsoft Corp.",
    "2012": "(C) Copyright 2001-2012 Microsoft Corp.",
    "2012r2": "(C) Copyright 2001-2013 Microsoft Corp.",
}


def _banner(host: Host) -> str:
    copyright_line = VSSADMIN_BANNER.get(host.os, "(C) Copyright 2001-2013 Microsoft Corp.")
    return "vssadmin 1.1 - Volume Shadow Copy Service administrative command-line tool\r\n%s\r\n\r\n" \
        % copyright_line


def vssadmin_writers(host: Host, writers: list[Writer] | None = None) -> str:
    text = _banner(host)
    for w in host.writers if writers is None else writers:
        state = WRITER_STATES.get(w.state, "Unknown")
        text += ("Writer name: '%s'\r\n   Writer Id: %s\r\n   Writer Instance Id: %s\r\n"
                 "   State: [%d] %s\r\n   Last error: %s\r\n\r\n") % (w.name, w.id, w.instance_id, w.state, state,
                                                                    w.last_error)
    return text


def vssadmin_providers(host: Host) -> str:
    text = _banner(host)
    for p in host.providers:
        ptype = {"System": "System", "Software": "Software", "Hardware": "Hardware"}.get(p.type, p.type)
        text += "Provider name: '%s'\r\n   Provider type: %s\r\n   Provider Id: %s\r\n   Version: %s\r\n\r\n" % (
            p.name, ptype, p.id, p.version)
    return text


def ic_state(host: Host, vm: VM) -> str:
    if vm.ic_state:
        return vm.ic_state
    if host.os != "2012r2" and host.os != "2012":
        return ""  # 2016+: the property is empty; ICs come from Windows Update
    if vm.state != "Running" or not vm.guest.reports_kvp:
        return ""
    host_v = HOST_IC_VERSION.get(host.os, "")
    guest_v = vm.ic_version or vm.guest.ic_version or host_v
    return "Up to date" if _ver(guest_v) >= _ver(host_v) else "Update required"


def vssadmin_shadows(host: Host) -> str:
    return _banner(host) + "No items found that satisfy the query.\r\n"


def _ver(v: str) -> tuple[int, ...]:
    return tuple(int(p) for p in v.split(".") if p.isdigit())


def integration_services(host: Host, vm: VM) -> list[dict[str, Any]]:
    names = list(IC_NAMES)
    if host.os in ("2008r2",):
        names.remove("Guest Service Interface")
    out = []
    for name in names:
        enabled = vm.integration_services.get(name, name != "Guest Service Interface")
        if vm.state != "Running" or not enabled:
            primary, secondary = "", ""
        elif not vm.guest.reports_kvp:
            primary, secondary = "No Contact", ""
        elif name == "VSS" and vm.guest.vmicvss != "Running" and "Windows" in (vm.guest.os_name or ""):
            primary, secondary = "Lost Communication", "The service is not responding"
        else:
            primary, secondary = vm.ic_status.get(name, "OK"), ""
        out.append({"name": name, "enabled": enabled, "primary_status": primary, "secondary_status": secondary})
    return out


def vm_facts(estate: Estate, host: Host, vm: VM) -> dict[str, Any]:
    guest = None
    if vm.state == "Running" and vm.guest.reports_kvp:
        guest = {"os_name": vm.guest.os_name, "os_version": vm.guest.os_version,
                 "ic_version": vm.guest.ic_version, "fqdn": vm.guest.fqdn}
    return {
        "name": vm.name,
        "id": vm.id.lower(),
        "generation": vm.generation,
        "state": vm.state,
        "version": vm.version,
        "is_clustered": bool(vm.is_clustered),
        "config_location": vm.config_location,
        "snapshot_location": vm.snapshot_location,
        "checkpoint_type": (vm.checkpoint_type or "Production") if host.os not in ("2012", "2012r2") else None,
        "ic_version": vm.ic_version or (vm.guest.ic_version or "") if vm.guest.reports_kvp else vm.ic_version,
        "ic_state": ic_state(host, vm),
        "scsi_controllers": vm.scsi_controllers,
        "ide_controllers": vm.ide_controllers,
        "replication_mode": vm.replication_mode,
        "fibre_channel_adapters": vm.fibre_channel,
        "disks": [disk_facts(host, vm, i, d) for i, d in enumerate(vm.disks)],
        "integration_services": integration_services(host, vm),
        "checkpoints": [{"name": c.name, "id": c.id.lower(), "type": c.type,
                         "created": iso(estate.resolve_time(c.created)), "parent_id": c.parent_id.lower()}
                        for c in vm.checkpoints],
        "autorecovery_files": [{"path": f.path, "size_bytes": f.size_bytes,
                                "modified": iso(estate.resolve_time(f.modified))} for f in vm.autorecovery_files],
        "guest": guest,
    }


def disk_facts(host: Host, vm: VM, index: int, d: Disk) -> dict[str, Any]:
    passthrough = d.disk_number is not None
    on_share = d.path.startswith("\\\\")
    chain = list(d.chain)
    if index == 0:  # a leftover AutoRecovery file still referenced by the live chain
        chain += [f.path for f in vm.autorecovery_files if f.in_chain and f.path not in chain]
    # Get-VHD reads the file from the host; through a share it fails in a remote session (second hop)
    readable = not passthrough and not on_share
    return {"path": d.path, "controller_type": d.controller_type,
            "controller_number": d.controller_number, "controller_location": d.controller_location,
            "disk_number": d.disk_number, "shared": d.shared,
            "vhd_type": ("Differencing" if chain else d.vhd_type) if readable else None,
            "file_size_bytes": d.size_gb << 30 if readable else None,
            "chain": chain if readable else [],
            "vm_access": d.vm_access if readable else None}


def volumes(estate: Estate, host: Host) -> list[dict[str, Any]]:
    out = [{"device_id": "\\\\?\\Volume{%s}\\" % _guid(host.name, v.name).lower(), "name": v.name,
            "label": v.label, "file_system": v.file_system, "size_bytes": v.size_gb << 30,
            "free_bytes": v.free_gb << 30} for v in host.volumes]
    cluster = estate.cluster_of(host)
    if cluster is None:
        return out
    for c in cluster.csvs:
        out.append({"device_id": "\\\\?\\Volume{%s}\\" % _guid(cluster.name, c.name).lower(),
                    "name": c.path + "\\", "label": c.name, "file_system": "CSVFS", "size_bytes": c.size_gb << 30,
                    "free_bytes": c.free_gb << 30})
    return out


def _guid(*parts: str) -> str:
    import uuid

    return str(uuid.uuid5(uuid.NAMESPACE_URL, "hvassist-lab:" + "/".join(parts)))


def csv_node_states(cluster: Cluster, csv: CSV) -> list[dict[str, Any]]:
    out = []
    for node in cluster.nodes:
        reason = csv.redirected_on.get(node)
        out.append({"csv": csv.name, "node": node, "state": "FileSystemRedirected" if reason else "Direct",
                    "fs_redirected_reason": reason or "NotFileSystemRedirected",
                    "block_redirected_reason": "NotBlockRedirected"})
    return out


def collect_host(call: LabCall) -> dict[str, Any]:
    estate, host = call.estate, call.host
    if host.role != "hyperv" or not host.hyperv_module:
        raise LabPSError("Get-VM", "The term 'Get-VM' is not recognized as the name of a cmdlet, function, script "
                         "file, or operable program. Check the spelling of the name, or if a path was included, "
                         "verify that the path is correct and try again.", "ObjectNotFound",
                         "CommandNotFoundException", "CommandNotFoundException")
    started = time.monotonic()
    days = int(call.params.get("EventDays") or 7)
    max_events = int(call.params.get("MaxEvents") or 500)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    cluster = estate.cluster_of(host)
    cluster_doc = None
    csvs: list[dict[str, Any]] = []
    if cluster:
        level = cluster.functional_level or {"2012r2": 8, "2012": 7, "2016": 9, "2019": 10, "2022": 11}.get(
            host.os, 8)
        if host.os == "2012r2":
            level = 0  # Get-Cluster has no ClusterFunctionalLevel before 2016
        groups = [{"name": vm.name, "owner": n, "state": "Online" if vm.state == "Running" else "Offline"}
                  for n in cluster.nodes for vm in estate.host(n).vms if vm.is_clustered]
        cluster_doc = {"name": cluster.name, "functional_level": level,
                       "nodes": [{"name": n, "state": "Down" if estate.host(n).down else "Up"}
                                 for n in cluster.nodes],
                       "vm_groups": groups}
        csvs = [{"name": c.name, "state": c.state, "owner": c.owner, "path": c.path,
                 "size_bytes": c.size_gb << 30, "free_bytes": c.free_gb << 30,
                 "redirected": c.redirected or bool(c.redirected_on.get(host.name)),
                 "node_states": csv_node_states(cluster, c) if host.os != "2012" else []}
                for c in cluster.csvs]
    since = now - dt.timedelta(days=days)
    events: list[dict[str, Any]] = []
    swprv_name = "Microsoft Software Shadow Copy Provider"
    for log in ("Microsoft-Windows-Hyper-V-VMMS-Admin", "Microsoft-Windows-Hyper-V-Worker-Admin", "Application",
                "System"):
        chosen = [e for e in host.events if e.log == log and (log != "Application" or e.provider == "VSS")
                  and (log != "System" or (e.provider == "Service Control Manager" and e.id == 7023
                                           and e.properties[:1] == [swprv_name]))]
        dated = sorted(((estate.resolve_time(e.time), e) for e in chosen), key=lambda p: p[0], reverse=True)
        for when, e in [p for p in dated if p[0] >= since][:max_events]:
            events.append({"log": e.log, "provider": e.provider, "id": e.id, "level": e.level, "time": iso(when),
                           "message": e.message, "properties": list(e.properties)})
    domain = host.domain or (estate.domains[0].name if estate.domains else "WORKGROUP")
    checked = [str(x) for x in (call.params.get("Hotfixes") or [])]
    doc = {
        "schema": "collect-host/2",
        "collected_at": iso(now),
        "host": {"name": host.name.upper(), "domain": domain, "os_caption": host.os_caption,
                 "os_version": host.os_version, "os_build": host.os_build,
                 "product_type": 1 if host.os == "win10" else 3, "ps_version": host.powershell,
                 "cluster": cluster_doc, "volumes": volumes(estate, host),
                 "disks": [{"number": i, "partition_style": "MBR", "signature": sig}
                           for i, sig in enumerate(host.disk_signatures)],
                 "swprv": {"display_name": swprv_name, "state": "Stopped", "start_mode": "Manual",
                           "service_dll": host.swprv_service_dll or None},
                 "service_logon_right": list(host.service_logon_right or []),
                 "hotfixes_checked": checked,
                 "hotfixes_installed": [k for k in checked if k in host.hotfixes]},
        "vms": [vm_facts(estate, host, vm) for vm in host.vms],
        "csvs": csvs,
        "vss": {"writers_text": vssadmin_writers(host), "providers_text": vssadmin_providers(host),
                "shadows_text": vssadmin_shadows(host)},
        "events": events,
    }
    # The host's gathering time: the cost model's per-VM cost, of which building and formatting this answer
    # (ConvertTo-Json, on the host) is a part.
    printed = PrintedDoc.of(doc)
    budget = call.costs.per_vm_seconds * len(host.vms) - (time.monotonic() - started)
    if budget > 0 and call.cancelled(budget):
        return {}  # the client hung up while the host was still gathering
    return printed


ANSWERS = {"collect-host": collect_host}
