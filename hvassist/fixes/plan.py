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
    restores: bool = False  # this step puts back what a downtime step did (starts the VM again)

    def preview(self) -> str:
        s = get_script(self.script)
        return "# Step: %s\n# Script %s/%d, parameters (passed as data): %s\n%s" % (
            self.title, s.name, s.version, json.dumps(self.params, ensure_ascii=True), s.text)


@dataclass(frozen=True)
class Precondition:
    text: str  # what must be true
    satisfied: bool
    how: str = ""  # what hvassist does (or the user must do) when it is not
    blocking: bool = False  # when not satisfied, the fix cannot be applied (hvassist has no step that makes it so)


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
    # what only a person can do (inside the guest, in the backup product), after the steps or instead of them
    manual_steps: tuple[str, ...] = ()
    warning: str = ""  # a strong warning the user must read before confirming (e.g. it cannot be undone)
    plan_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])

    @property
    def blockers(self) -> tuple[Precondition, ...]:
        """Preconditions that are not met and that no step of the plan takes care of."""
        return tuple(p for p in self.preconditions if p.blocking and not p.satisfied)

    @property
    def blocked(self) -> bool:
        return bool(self.blockers)

    @property
    def automatic(self) -> bool:
        """hvassist has steps to run (otherwise the plan is instructions for a person, or nothing to do)."""
        return bool(self.steps)

    @property
    def can_apply(self) -> bool:
        return self.automatic and not self.blocked and not self.nothing_to_do

    def preview(self) -> str:
        """The exact PowerShell each step sends, in order, with its parameters."""
        return "\n\n".join(step.preview() for step in self.steps)

    def confirmation_text(self) -> str:
        lines = [self.title, ""]
        if self.warning:
            lines += ["WARNING: %s" % self.warning, ""]
        if self.downtime != "none":
            lines.append("Downtime: %s" % self.downtime)
        if self.risk:
            lines.append("Risk: %s" % self.risk)
        if not self.reversible:
            lines.append("This change cannot be undone. %s" % self.reversibility)
        for p in self.blockers:
            lines.append("Cannot be applied yet: %s %s" % (p.text, p.how))
        lines.append("")
        lines += ["%d. %s" % (i + 1, s.title) for i, s in enumerate(self.steps)]
        if self.manual_steps:
            lines += ["", "Then, by you:" if self.steps else "What to do:"]
            lines += ["%d. %s" % (i + 1, s) for i, s in enumerate(self.manual_steps)]
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {
            "plan_id": self.plan_id, "cause": self.cause, "host": self.host, "vm": self.vm, "title": self.title,
            "summary": self.summary, "downtime": self.downtime, "risk": self.risk, "reversible": self.reversible,
            "verify": self.verify, "nothing_to_do": self.nothing_to_do, "reversibility": self.reversibility,
            "warning": self.warning, "automatic": self.automatic, "blocked": self.blocked,
            "preconditions": [{"text": p.text, "satisfied": p.satisfied, "how": p.how, "blocking": p.blocking}
                              for p in self.preconditions],
            "steps": [{"id": s.id, "title": s.title, "script": s.script, "params": s.params} for s in self.steps],
            "manual_steps": list(self.manual_steps),
        }
