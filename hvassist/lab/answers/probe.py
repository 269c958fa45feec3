"""probe-host/1 on a lab host."""

from __future__ import annotations

from typing import Any

from hvassist.lab import faults
from hvassist.lab.answers.base import LabCall


def probe_host(call: LabCall) -> dict[str, Any]:
    host = call.host
    netbios = next((d.netbios for d in call.estate.domains if d.name == host.domain), "") or host.name.upper()
    _role, module = faults.hyperv_state(host)
    is_admin, is_hyperv_admin = faults.account_rights(host)
    module_version = {"2012r2": "1.1", "2012": "1.0"}.get(host.os, "2.0.0.0") if module else ""
    return {
        "name": host.name.upper(), "os_caption": host.os_caption, "os_build": host.os_build,
        "ps_version": host.powershell, "user": "%s\\%s" % (netbios, call.username or "?"),
        "is_admin": is_admin, "is_hyperv_admin": is_hyperv_admin,
        "hyperv_module": module, "hyperv_module_version": module_version,
    }


def probe_file_server(call: LabCall) -> dict[str, Any]:
    host = call.host
    agent = {"state": "Running", "start_mode": "Auto"} if "FS-VSS-Agent" in host.features else None
    return {"schema": "probe-file-server/1", "name": host.name.upper(), "os_caption": host.os_caption,
            "agent": agent}


ANSWERS = {"probe-host": probe_host, "probe-file-server": probe_file_server}
