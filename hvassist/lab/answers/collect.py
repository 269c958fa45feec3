"""collect-host/1: what the script prints on a real host, from the lab's model."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from hvassist.lab.answers.base import LabCall
from hvassist.lab.model import HOST_IC_VERSION, IC_NAMES, VM, Estate, Host, iso

WRITER_STATES = {
    0: "Unknown", 1: "Stable", 2: "Waiting for freeze", 3: "Waiting for thaw", 4: "Waiting for post-snapshot",
    5: "Waiting for backup complete", 6: "Failed at identify", 7: "Failed at prepare backup",
    8: "Failed at prepare snapshot", 9: "Failed at freeze", 10: "Failed at thaw", 11: "Failed at post-snapshot",
    12: "Failed at backup complete", 13: "Failed at pre-restore", 14: "Failed at post-restore",
    15: "Failed at backup shutdown",
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


def vssadmin_writers(host: Host) -> str:
    text = _banner(host)
    for w in host.writers:
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
        "disks": [{"path": d.path, "controller_type": d.controller_type, "controller_number": d.controller_number,
                   "controller_location": d.controller_location, "disk_number": d.disk_number,
                   "shared": d.shared} for d in vm.disks],
        "integration_services": integration_services(host, vm),
        "checkpoints": [{"name": c.name, "id": c.id.lower(), "type": c.type,
                         "created": iso(estate.resolve_time(c.created)), "parent_id": c.parent_id.lower()}
                        for c in vm.checkpoints],
        "autorecovery_files": [{"path": f.path, "size_bytes": f.size_bytes,
                                "modified": iso(estate.resolve_time(f.modified))} for f in vm.autorecovery_files],
        "guest": guest,
    }


def collect_host(call: LabCall) -> dict[str, Any]:
    estate, host = call.estate, call.host
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
        cluster_doc = {"name": cluster.name, "functional_level": level,
                       "nodes": [{"name": n, "state": "Down" if estate.host(n).down else "Up"}
                                 for n in cluster.nodes]}
        csvs = [{"name": c.name, "state": c.state, "owner": c.owner, "path": c.path,
                 "size_bytes": c.size_gb << 30, "free_bytes": c.free_gb << 30, "redirected": c.redirected}
                for c in cluster.csvs]
    since = now - dt.timedelta(days=days)
    events: list[dict[str, Any]] = []
    for log in ("Microsoft-Windows-Hyper-V-VMMS-Admin", "Microsoft-Windows-Hyper-V-Worker-Admin", "Application"):
        chosen = [e for e in host.events if e.log == log and (log != "Application" or e.provider == "VSS")]
        dated = sorted(((estate.resolve_time(e.time), e) for e in chosen), key=lambda p: p[0], reverse=True)
        for when, e in [p for p in dated if p[0] >= since][:max_events]:
            events.append({"log": e.log, "provider": e.provider, "id": e.id, "level": e.level, "time": iso(when),
                           "message": e.message, "properties": list(e.properties)})
    domain = host.domain or (estate.domains[0].name if estate.domains else "WORKGROUP")
    doc = {
        "schema": "collect-host/1",
        "collected_at": iso(now),
        "host": {"name": host.name.upper(), "domain": domain, "os_caption": host.os_caption,
                 "os_version": host.os_version, "os_build": host.os_build,
                 "product_type": 1 if host.os == "win10" else 3, "ps_version": host.powershell,
                 "cluster": cluster_doc},
        "vms": [vm_facts(estate, host, vm) for vm in host.vms],
        "csvs": csvs,
        "vss": {"writers_text": vssadmin_writers(host), "providers_text": vssadmin_providers(host)},
        "events": events,
    }
    # The host's gathering time: the cost model's per-VM cost, of which building this answer is a part.
    budget = call.costs.per_vm_seconds * len(host.vms) - (time.monotonic() - started)
    if budget > 0 and call.cancelled(budget):
        return {}  # the client hung up while the host was still gathering
    return doc


ANSWERS = {"collect-host": collect_host}
