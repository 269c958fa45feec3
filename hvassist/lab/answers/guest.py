"""Looking inside a guest: collect-guest/1 (WinRM to the guest) and guest-check-direct/1 (PowerShell Direct
from a 2016+ host), answered from the lab's model of the guest."""

from __future__ import annotations

import uuid
from typing import Any

from hvassist.lab.answers.base import LabCall, LabPSError
from hvassist.lab.answers.collect import vssadmin_writers
from hvassist.lab.model import VM, Estate, Host, Writer, iso

GUEST_WRITERS = [
    ("Task Scheduler Writer", "{d61d61c8-d73a-4eee-8cdd-f6f9786b7124}"),
    ("VSS Metadata Store Writer", "{75dfb225-e2e4-4d39-9ac9-ffaff65ddf06}"),
    ("Performance Counters Writer", "{0bada1de-01a9-4625-8278-69e735f39dd2}"),
    ("System Writer", "{e8132975-6f93-4464-a53e-1050253ae220}"),
    ("ASR Writer", "{be000cbe-11fe-4426-9c58-531aa6355fc4}"),
    ("Registry Writer", "{afbab4a2-367d-4d15-a586-71dbb18f8485}"),
    ("COM+ REGDB Writer", "{542da469-d3e1-473c-9f4f-7847f01fc64f}"),
    ("WMI Writer", "{a6ad56c2-b509-4e6c-bb19-49d8f43532f0}"),
]
# writers an application adds in the guest (ids as vssadmin shows them)
APP_WRITERS = {
    "SqlServerWriter": "{a65faa63-5ea8-4ebc-9dbd-a0c4db26912a}",
    "Microsoft Exchange Writer": "{76fe1ac4-15f7-4bcd-987e-8e1acb462fb7}",
    "NTDS": "{b2014c9e-8711-4c5c-a5a9-3cf384484757}",
}


def _guid(*parts: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "hvassist-lab:" + "/".join(parts)))


def _volume_id(vm: VM, name: str) -> str:
    return "\\\\?\\Volume{%s}\\" % _guid(vm.id, "volume", name)


def guest_volumes(vm: VM) -> list[dict[str, Any]]:
    g = vm.guest
    names = ["System Reserved", "C:\\"] + ["%s\\" % v.rstrip("\\") for v in g.fat_volumes]
    for v in list(g.shadow_storage) + list(g.shadow_storage.values()) + g.low_space_volumes:
        key = v if v == "System Reserved" else "%s\\" % v.rstrip("\\")
        if key not in names:
            names.append(key)
    out = []
    for name in names:
        reserved = name == "System Reserved"
        low = name.rstrip("\\") in [x.rstrip("\\") for x in g.low_space_volumes]
        fat = name.rstrip("\\") in [x.rstrip("\\") for x in g.fat_volumes]
        size = (500 << 20) if reserved else (32 << 30) if fat else (80 << 30)
        free = (12 << 20) if low else (170 << 20) if reserved else size // 2
        out.append({"device_id": _volume_id(vm, name), "name": _volume_id(vm, name) if reserved else name,
                    "label": "System Reserved" if reserved else "", "file_system": "FAT32" if fat else "NTFS",
                    "size_bytes": size, "free_bytes": free})
    return out


def guest_facts(estate: Estate, host: Host, vm: VM) -> dict[str, Any]:
    g = vm.guest
    vols = guest_volumes(vm)
    by_name = {v["name"].rstrip("\\"): v["device_id"] for v in vols}
    by_name["System Reserved"] = next(v["device_id"] for v in vols if v["label"] == "System Reserved")
    storage = [{"for_volume": by_name[f.rstrip("\\")], "on_volume": by_name[o.rstrip("\\")],
                "max_bytes": 8 << 30, "used_bytes": 1 << 30} for f, o in g.shadow_storage.items()]
    writers = [Writer(n, i, instance_id="{%s}" % _guid(vm.id, n)) for n, i in GUEST_WRITERS]
    for name in g.writers_failed:
        wid = APP_WRITERS.get(name, "{%s}" % _guid("writer", name))
        writers.append(Writer(name, wid, 9, "Non-retryable error", "{%s}" % _guid(vm.id, name)))
    since = estate.started.timestamp() - 7 * 86400
    events = []
    for e in g.events:
        when = estate.resolve_time(e.time)
        if when.timestamp() >= since:
            events.append({"log": e.log, "provider": e.provider, "id": e.id, "level": e.level, "time": iso(when),
                           "message": e.message, "properties": list(e.properties)})
    return {
        "schema": "guest-facts/1",
        "computer_name": vm.name.upper()[:15],
        "os_caption": "Microsoft " + (g.os_name or "Windows"),
        "os_version": g.os_version or "",
        "vmicvss": {"state": "Running" if g.vmicvss == "Running" else "Stopped",
                    "start_mode": "Disabled" if g.vmicvss == "Disabled" else "Manual"},
        "clussvc_state": g.clussvc or None,
        "dynamic_partitions": 2 if g.dynamic_disks else 0,
        "disk_signatures": list(g.disk_signatures),
        "volumes": vols,
        "shadow_storage": storage,
        "scope_snapshots": g.scope_snapshots,
        "iscsi_sessions": g.iscsi_sessions,
        "writers_text": vssadmin_writers(host, writers),
        "events": events,
    }


def collect_guest(call: LabCall) -> dict[str, Any]:
    vm = call.guest_vm
    if vm is None:
        raise LabPSError("Get-CimInstance", "hvassist lab: collect-guest is answered only by a lab guest.")
    return guest_facts(call.estate, call.host, vm)


def _is_windows_10_or_later(vm: VM) -> bool:
    version = vm.guest.os_version or ""
    return "Windows" in (vm.guest.os_name or "") and version.split(".")[0].isdigit() \
        and int(version.split(".")[0]) >= 10


def guest_check_direct(call: LabCall) -> dict[str, Any]:
    creds = call.estate.guest_credentials
    user = str(call.params.get("GuestUser") or "")
    password = str(call.params.get("GuestPassword") or "")
    results = []
    for raw in call.params.get("VMIds") or []:
        vm_id = str(raw)
        vm = next((v for v in call.host.vms if v.id.lower() == vm_id.strip("{}").lower()), None)
        error = None
        if call.host.os in ("2012", "2012r2"):
            error = "A parameter cannot be found that matches parameter name 'VMId'."
        elif vm is None:
            error = "The input VMId %s does not resolve to a single virtual machine." % vm_id
        elif vm.state != "Running":
            error = "The virtual machine %s is not in running state." % vm.name
        elif not _is_windows_10_or_later(vm):
            # PowerShell Direct needs a Windows 10 / Windows Server 2016 or later guest
            error = ("An error has occurred which Windows PowerShell cannot handle. A remote session might have "
                     "ended.")
        elif creds is None or not vm.guest.accepts_credentials or user.split("\\")[-1] != creds.user \
                or password != creds.password:
            error = "The credential is invalid."
        if error is not None or vm is None:
            results.append({"vm_id": vm_id, "ok": False, "error": error, "facts": None})
        else:
            results.append({"vm_id": vm_id, "ok": True, "error": None,
                            "facts": guest_facts(call.estate, call.host, vm)})
    return {"schema": "guest-check-direct/1", "results": results}


ANSWERS = {"collect-guest": collect_guest, "guest-check-direct": guest_check_direct}
