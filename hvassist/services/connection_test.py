"""Test a connection: a short form of the connection doctor (``hvassist.services.doctor``) for callers that
only need "does it work, and if not, why"."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hvassist.cancel import CancelToken
from hvassist.remote.endpoint import Endpoint
from hvassist.services.doctor import DoctorReport, run_doctor


@dataclass
class ConnectionTestResult:
    ok: bool
    summary: str
    report: DoctorReport
    warnings: list[str] = field(default_factory=list)

    @property
    def facts(self) -> dict[str, Any]:
        return {s.id: s.message for s in self.report.steps}


def test_connection(endpoint: Endpoint, username: str, password: str,
                    cancel: CancelToken | None = None) -> ConnectionTestResult:
    report = run_doctor(endpoint, username, password, cancel=cancel)
    failed = report.failed
    summary = report.summary if failed is None else "%s\nWhat to do: %s" % (report.summary, failed.action)
    return ConnectionTestResult(report.ok, summary, report, [w.message for w in report.warnings])


test_connection.__test__ = False  # type: ignore[attr-defined]  # not a pytest test, despite its name
