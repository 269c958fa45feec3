"""Findings: what a rule concluded, with the evidence it saw."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hvassist.kb import CauseText, all_causes

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class Evidence:
    text: str  # a plain statement of what was observed
    source: str = ""  # where it was seen: a cmdlet, an event, vssadmin
    time: str | None = None  # when, for events

    def as_text(self) -> str:
        parts = [self.text]
        if self.time:
            parts.insert(0, "[%s]" % self.time)
        return " ".join(parts)


@dataclass(frozen=True)
class Finding:
    cause: str
    host: str
    vm: str | None
    severity: str
    evidence: tuple[Evidence, ...]
    vm_id: str | None = None
    detail: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def text(self) -> CauseText | None:
        return all_causes().get(self.cause)

    @property
    def title(self) -> str:
        t = self.text
        return t.title if t else self.cause

    def key(self) -> tuple[str, str, str]:
        return (self.cause, self.host.lower(), (self.vm_id or self.vm or "").lower())

    def to_json(self) -> dict[str, Any]:
        t = self.text
        return {
            "cause": self.cause,
            "host": self.host,
            "vm": self.vm,
            "vm_id": self.vm_id,
            "severity": self.severity,
            "title": self.title,
            "evidence": [e.as_text() for e in self.evidence],
            "sources": list(t.sources) if t else [],
        }


def sort_findings(findings: list[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (SEVERITY_ORDER.get(f.severity, 9), f.host.lower(),
                                           (f.vm or "").lower(), f.cause))
