"""Fix plans as data, and their preview."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from hvassist.remote.scripts import get_script


@dataclass(frozen=True)
class FixStep:
    id: str  # stable step id, e.g. "stop-vm"
    title: str  # plain words: what this step does
    script: str  # shipped script name
    params: dict[str, Any]
    downtime: bool = False  # this step takes the VM down

    def preview(self) -> str:
        s = get_script(self.script)
        return "# Step: %s\n# Script %s/%d, parameters (passed as data): %s\n%s" % (
            self.title, s.name, s.version, json.dumps(self.params, ensure_ascii=True), s.text)


@dataclass(frozen=True)
class Precondition:
    text: str  # what must be true
    satisfied: bool
    how: str = ""  # what hvassist does (or the user must do) when it is not


@dataclass(frozen=True)
class FixPlan:
    cause: str
    host: str
    vm: str | None
    vm_id: str | None
    title: str
    summary: str
    steps: tuple[FixStep, ...]
    preconditions: tuple[Precondition, ...] = ()
    risk: str = ""
    downtime: str = "none"
    reversible: bool = True
    reversibility: str = ""
    verify: str = ""
    nothing_to_do: bool = False
    plan_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])

    def preview(self) -> str:
        """The exact PowerShell each step sends, in order, with its parameters."""
        return "\n\n".join(step.preview() for step in self.steps)

    def confirmation_text(self) -> str:
        lines = [self.title, ""]
        if self.downtime != "none":
            lines.append("Downtime: %s" % self.downtime)
        if self.risk:
            lines.append("Risk: %s" % self.risk)
        if not self.reversible:
            lines.append("This change cannot be undone. %s" % self.reversibility)
        lines.append("")
        lines += ["%d. %s" % (i + 1, s.title) for i, s in enumerate(self.steps)]
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {
            "plan_id": self.plan_id, "cause": self.cause, "host": self.host, "vm": self.vm, "title": self.title,
            "summary": self.summary, "downtime": self.downtime, "risk": self.risk, "reversible": self.reversible,
            "verify": self.verify, "nothing_to_do": self.nothing_to_do,
            "preconditions": [{"text": p.text, "satisfied": p.satisfied, "how": p.how} for p in self.preconditions],
            "steps": [{"id": s.id, "title": s.title, "script": s.script, "params": s.params} for s in self.steps],
        }
