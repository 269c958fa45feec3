"""watch-backup/1: what the watcher script prints on a real host, from the lab's model.

Like the script, the answer polls: every ``PollSeconds`` it looks at the VM's checkpoints, the
.avhdx files in its disk folders, the Hyper-V VSS writer's state, shadow copies and new events, and
prints a line when something changed. A lab backup job (``hvassist.lab.backup``) changes the model
meanwhile; the answer does not know about jobs.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from typing import Any

from hvassist.lab.answers.base import LabCall, LabPSError
from hvassist.lab.backup import avhdx_names, disk_folders, hyperv_writer
from hvassist.lab.model import VM, Event, Host, iso

WATCHED_LOGS = ("Microsoft-Windows-Hyper-V-VMMS-Admin", "Microsoft-Windows-Hyper-V-Worker-Admin")
MAX_DURATION = 86400
MIN_POLL = 0.05


def _find_vm(call: LabCall) -> VM:
    vm_id = str(call.params.get("VMId") or "").strip("{}").upper()
    name = str(call.params.get("VMName") or "")
    for vm in call.host.vms:
        if (vm_id and vm.id.upper() == vm_id) or (not vm_id and vm.name == name):
            return vm
    if vm_id:
        raise LabPSError(
            "Get-VM",
            f"Hyper-V was unable to find a virtual machine with ID {vm_id.lower()}.",
            "ObjectNotFound",
            "VirtualizationInvalidArgumentException",
        )
    raise LabPSError(
        "Get-VM", f"No virtual machine named '{name}' on this host.", "ObjectNotFound", "RuntimeException"
    )


def _event_doc(call: LabCall, e: Event) -> dict[str, Any]:
    return {
        "log": e.log,
        "provider": e.provider,
        "id": e.id,
        "level": e.level,
        "time": iso(call.estate.resolve_time(e.time)),
        "message": e.message,
        "properties": list(e.properties),
    }


def _watched(e: Event) -> bool:
    return e.log in WATCHED_LOGS or (e.log == "Application" and e.provider == "VSS")


def _observe(host: Host, vm: VM) -> dict[str, Any]:
    writer = hyperv_writer(host)
    return {
        "vm": {"state": vm.state, "status": "Operating normally"},
        "checkpoints": [{"id": c.id.lower(), "name": c.name, "type": c.type} for c in vm.checkpoints],
        "files": avhdx_names(vm),
        "writer": None if writer is None else {"state": writer.state, "error": writer.last_error},
        "failed_writers": [
            {"name": w.name, "state": w.state, "error": w.last_error}
            for w in host.writers
            if w.state >= 6 and w is not writer
        ],
        "shadows": [s.id for s in host.shadow_copies],
    }


def watch_backup(call: LabCall) -> Iterator[dict[str, Any]]:
    estate, host = call.estate, call.host
    with estate.lock:
        vm = _find_vm(call)
        seen_events = len(host.events)
        start: dict[str, Any] = {
            "kind": "start",
            "time": iso(dt.datetime.now(dt.UTC)),
            "host": {
                "name": host.name.upper(),
                "os_caption": host.os_caption,
                "os_version": host.os_version,
                "os_build": host.os_build,
            },
            "vm": {
                "name": vm.name,
                "id": vm.id.lower(),
                "generation": vm.generation,
                "version": vm.version,
                "state": vm.state,
                "folders": disk_folders(vm),
            },
        }
    duration = min(int(call.params.get("DurationSeconds") or 3600), MAX_DURATION)
    poll = max(float(call.params.get("PollSeconds") or 2), MIN_POLL)
    start["poll_seconds"] = poll
    yield start
    deadline = time.monotonic() + duration
    last = ""
    seq = 0
    while time.monotonic() < deadline:
        with estate.lock:
            if vm not in host.vms:
                yield {"kind": "end", "time": iso(dt.datetime.now(dt.UTC)), "reason": "vm-gone"}
                return
            observation = _observe(host, vm)
            new_events = [_event_doc(call, e) for e in host.events[seen_events:] if _watched(e)]
            seen_events = len(host.events)
        key = json.dumps(observation, sort_keys=True)
        if key != last or new_events:
            seq += 1
            last = key
            yield {
                "kind": "observation",
                "time": iso(dt.datetime.now(dt.UTC)),
                "seq": seq,
                **observation,
                "events": new_events,
            }
        if call.cancelled(poll):
            return
    yield {"kind": "end", "time": iso(dt.datetime.now(dt.UTC)), "reason": "duration"}


ANSWERS = {"watch-backup": watch_backup}
