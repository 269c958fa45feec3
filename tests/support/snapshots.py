"""Small hand-built collect-host/2 documents (and guest facts) for rule unit tests."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from hvassist.diagnose.engine import run_rules
from hvassist.diagnose.findings import Finding
from hvassist.snapshot import GuestInspection, HostSnapshot, parse_guest_facts, parse_snapshot

BUILDS = {"2008r2": 7601, "2012r2": 9600, "2016": 14393, "2019": 17763, "2022": 20348, "win10": 19045}
HV_WRITER = "{66841cd4-6ded-4f4b-8f17-fd23f8ddc3de}"


def vm_id(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "test-vm:" + name))


def vm(name: str, **kw: Any) -> dict[str, Any]:
    gen = kw.pop("generation", 2)
    doc: dict[str, Any] = {
        "name": name, "id": vm_id(name), "generation": gen, "state": "Running", "version": None,
        "is_clustered": False, "config_location": "D:\\Hyper-V\\%s" % name,
        "snapshot_location": "D:\\Hyper-V\\%s" % name, "checkpoint_type": None, "ic_version": "6.3.9600.16384",
        "ic_state": "", "replication_mode": "None", "scsi_controllers": 1 if gen == 2 else 0,
        "ide_controllers": 0 if gen == 2 else 2, "fibre_channel_adapters": 0,
        "disks": [{"path": "D:\\Hyper-V\\%s\\Virtual Hard Disks\\%s.vhdx" % (name, name),
                   "controller_type": "SCSI" if gen == 2 else "IDE", "controller_number": 0,
                   "controller_location": 0, "disk_number": None, "shared": False, "vhd_type": "Dynamic",
                   "file_size_bytes": 40 << 30, "chain": [], "vm_access": True}],
        "integration_services": [
            {"name": n, "enabled": True, "primary_status": "OK", "secondary_status": ""}
            for n in ("Time Synchronization", "Heartbeat", "Key-Value Pair Exchange", "Shutdown", "VSS")],
        "checkpoints": [], "autorecovery_files": [],
        "guest": {"os_name": "Windows Server 2012 R2 Standard", "os_version": "6.3.9600",
                  "ic_version": "6.3.9600.16384", "fqdn": "%s.contoso.local" % name},
    }
    doc.update(kw)
    return doc


def host(os: str = "2012r2", *, vms: list[dict[str, Any]] | None = None, **kw: Any) -> dict[str, Any]:
    build = BUILDS[os]
    version = {"2008r2": "6.1.7601", "2012r2": "6.3.9600", "win10": "10.0.19045"}.get(os, "10.0.%d" % build)
    h: dict[str, Any] = {
        "name": kw.pop("name", "HV1"), "domain": "contoso.local", "os_caption": "Microsoft Windows Server",
        "os_version": version, "os_build": build, "product_type": 1 if os == "win10" else 3, "ps_version": "5.1",
        "cluster": kw.pop("cluster", None),
        "volumes": kw.pop("volumes", [
            {"device_id": "\\\\?\\Volume{0000c000-0000-0000-0000-000000000000}\\", "name": "C:\\", "label": "",
             "file_system": "NTFS", "size_bytes": 200 << 30, "free_bytes": 100 << 30},
            {"device_id": "\\\\?\\Volume{0000d000-0000-0000-0000-000000000000}\\", "name": "D:\\", "label": "",
             "file_system": "NTFS", "size_bytes": 2000 << 30, "free_bytes": 1000 << 30}]),
        "disks": kw.pop("disks", [{"number": 0, "partition_style": "MBR", "signature": "1a2b3c4d"}]),
        "swprv": kw.pop("swprv", {"display_name": "Microsoft Software Shadow Copy Provider", "state": "Stopped",
                                  "start_mode": "Manual", "service_dll": "C:\\Windows\\System32\\swprv.dll"}),
        "service_logon_right": kw.pop("service_logon_right", ["S-1-5-80-0", "S-1-5-83-0"]),
        "hotfixes_checked": kw.pop("hotfixes_checked", ["KB2996928"]),
        "hotfixes_installed": kw.pop("hotfixes_installed", []),
    }
    writers = kw.pop("writers", [("Microsoft Hyper-V VSS Writer", HV_WRITER, 1, "No error")])
    providers = kw.pop("providers", [("Microsoft Software Shadow Copy provider 1.0",
                                      "{b5946137-7b9f-4925-af80-51abd60b20d5}", "System")])
    for v in vms or []:  # what a VM made on this host version has, unless the test says otherwise
        if v["version"] is None:
            v["version"] = {"2008r2": "3.0", "2012r2": "5.0", "2016": "8.0", "2019": "9.0", "2022": "10.0",
                            "win10": "9.0"}[os]
        if v["checkpoint_type"] is None and build >= 14393:
            v["checkpoint_type"] = "Production"
    doc = {
        "schema": "collect-host/2", "collected_at": "2026-11-24T10:00:00Z", "host": h,
        "vms": vms or [], "csvs": kw.pop("csvs", []),
        "vss": {"writers_text": writers_text(writers), "providers_text": providers_text(providers),
                "shadows_text": ""},
        "events": kw.pop("events", []),
    }
    assert not kw, "unknown keys %s" % sorted(kw)
    return doc


def writers_text(writers: list[tuple[str, str, int, str]]) -> str:
    text = "vssadmin 1.1 - Volume Shadow Copy Service administrative command-line tool\r\n\r\n"
    for name, wid, state, err in writers:
        text += ("Writer name: '%s'\r\n   Writer Id: %s\r\n   Writer Instance Id: {%s}\r\n   State: [%d] %s\r\n"
                 "   Last error: %s\r\n\r\n") % (name, wid, uuid.uuid5(uuid.NAMESPACE_URL, name), state,
                                                "Stable" if state == 1 else "Failed", err)
    return text


def providers_text(providers: list[tuple[str, str, str]]) -> str:
    text = "vssadmin 1.1 - Volume Shadow Copy Service administrative command-line tool\r\n\r\n"
    for name, pid, ptype in providers:
        text += "Provider name: '%s'\r\n   Provider type: %s\r\n   Provider Id: %s\r\n   Version: 1.0\r\n\r\n" % (
            name, ptype, pid)
    return text


def event(provider: str, event_id: int, message: str = "", properties: list[str] | None = None,
          log: str = "Application", time: str = "2026-11-24T08:00:00Z") -> dict[str, Any]:
    return {"log": log, "provider": provider, "id": event_id, "level": "Error", "time": time, "message": message,
            "properties": list(properties or [])}


def guest(**kw: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "schema": "guest-facts/1", "computer_name": "G1", "os_caption": "Microsoft Windows Server 2012 R2",
        "os_version": "6.3.9600", "vmicvss": {"state": "Running", "start_mode": "Manual"},
        "clussvc_state": None, "dynamic_partitions": 0, "disk_signatures": ["99887766"],
        "volumes": [
            {"device_id": "\\\\?\\Volume{aaaa0000-0000-0000-0000-000000000001}\\", "name": "C:\\", "label": "",
             "file_system": "NTFS", "size_bytes": 80 << 30, "free_bytes": 40 << 30},
            {"device_id": "\\\\?\\Volume{aaaa0000-0000-0000-0000-000000000002}\\",
             "name": "\\\\?\\Volume{aaaa0000-0000-0000-0000-000000000002}\\", "label": "System Reserved",
             "file_system": "NTFS", "size_bytes": 500 << 20, "free_bytes": 170 << 20}],
        "shadow_storage": [], "scope_snapshots": None, "iscsi_sessions": 0,
        "writers_text": writers_text([("System Writer", "{e8132975-6f93-4464-a53e-1050253ae220}", 1,
                                       "No error")]),
        "events": [],
    }
    doc.update(kw)
    return doc


def snapshot(doc: dict[str, Any], guests: dict[str, dict[str, Any]] | None = None) -> HostSnapshot:
    s = parse_snapshot(copy.deepcopy(doc))
    if guests:
        s = s.with_guests({vm_id(name): GuestInspection(vm_id(name), "done", "winrm", facts=parse_guest_facts(g))
                           for name, g in guests.items()})
    return s


def findings(doc: dict[str, Any], guests: dict[str, dict[str, Any]] | None = None) -> list[Finding]:
    return run_rules(snapshot(doc, guests))


def causes(doc: dict[str, Any], guests: dict[str, dict[str, Any]] | None = None) -> set[tuple[str, str | None]]:
    return {(f.cause, f.vm) for f in findings(doc, guests)}
