"""Test a connection: reach WinRM, log on, run PowerShell, see whether Hyper-V can be managed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hvassist.cancel import CancelToken
from hvassist.remote.endpoint import Endpoint, Timeouts
from hvassist.remote.errors import RemoteError
from hvassist.remote.session import HostSession


@dataclass
class ConnectionTestResult:
    ok: bool
    summary: str
    facts: dict[str, Any] = field(default_factory=dict)
    error: RemoteError | None = None
    warnings: list[str] = field(default_factory=list)


def test_connection(endpoint: Endpoint, username: str, password: str,
                    cancel: CancelToken | None = None) -> ConnectionTestResult:
    try:
        with HostSession(endpoint, username, password, cancel=cancel,
                         timeouts=Timeouts(connect_read=15, script=60)) as s:
            facts = s.run_json("probe-host")
    except RemoteError as e:
        return ConnectionTestResult(False, e.message, error=e)
    warnings = []
    if not facts.get("hyperv_module"):
        warnings.append("The Hyper-V PowerShell module is not installed on the host: install the Hyper-V "
                        "management tools (Install-WindowsFeature RSAT-Hyper-V-Tools).")
    if not facts.get("is_admin") and not facts.get("is_hyperv_admin"):
        warnings.append("The account %s is not an administrator on the host: hvassist can read little and fix "
                        "nothing. Use an administrator account." % facts.get("user", username))
    summary = "Connected to %s (%s, PowerShell %s) as %s." % (facts.get("name"), facts.get("os_caption"),
                                                              facts.get("ps_version"), facts.get("user"))
    return ConnectionTestResult(not warnings, summary, facts, warnings=warnings)
