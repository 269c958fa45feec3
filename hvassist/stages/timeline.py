"""A backup's way through the stages: what a live follow or a replay found.

The same shape serves the CLI (``hvassist stages --follow/--replay --json``) and the explainer,
which shows the stages reached and, when the backup failed, the stage it stopped at and why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from hvassist.stages.model import get_flow, get_stage

# running: still being followed; unfinished: the watch ended before the backup did;
# no-failure-recorded: a replay found backup activity but no error (events cannot show success).
Result = Literal["running", "completed", "failed", "unfinished", "no-failure-recorded", "no-backup-found"]


@dataclass
class StageMark:
    """The backup reached a stage: when, and what showed it. ``inferred`` marks a stage that left no
    sign of its own but must have happened, because a later stage was seen."""

    stage: str
    time: str | None
    evidence: list[str] = field(default_factory=list)
    inferred: bool = False

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"stage": self.stage, "time": self.time, "evidence": list(self.evidence)}
        if self.inferred:
            out["inferred"] = True
        return out


@dataclass
class BackupTimeline:
    flow: str
    vm: str
    host: str = ""
    marks: list[StageMark] = field(default_factory=list)
    result: Result = "running"
    cause: str | None = None
    failure_evidence: list[str] = field(default_factory=list)
    degraded: str | None = None  # "saved-state" when the VM was saved for an offline backup
    source: Literal["live", "replay"] = "live"
    note: str = ""

    @property
    def stage(self) -> str | None:
        """The last stage reached (where a failed backup stopped)."""
        return self.marks[-1].stage if self.marks else None

    @property
    def failed(self) -> bool:
        return self.result == "failed"

    @property
    def finished(self) -> bool:
        return self.result != "running"

    def reached(self, stage_id: str) -> bool:
        return any(m.stage == stage_id for m in self.marks)

    def result_json(self) -> dict[str, Any]:
        """The final line of ``hvassist stages --follow --json``."""
        out: dict[str, Any] = {"result": self.result, "stage": self.stage, "cause": self.cause}
        if self.degraded:
            out["degraded"] = self.degraded
        return out

    def to_json(self) -> dict[str, Any]:
        out = {
            "flow": self.flow,
            "vm": self.vm,
            "host": self.host,
            "source": self.source,
            "stages": [m.to_json() for m in self.marks],
            **self.result_json(),
        }
        if self.failure_evidence:
            out["failure_evidence"] = list(self.failure_evidence)
        if self.note:
            out["note"] = self.note
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> BackupTimeline:
        """Rebuild from ``to_json`` output, or from the lines of a follow (stage lines + result line)."""
        marks = [
            StageMark(
                str(m["stage"]),
                m.get("time"),
                [str(e) for e in m.get("evidence", [])],
                bool(m.get("inferred")),
            )
            for m in data.get("stages", [])
        ]
        flow = str(data.get("flow") or (get_stage(marks[0].stage).flow if marks else "2012r2"))
        return cls(
            flow=flow,
            vm=str(data.get("vm") or ""),
            host=str(data.get("host") or ""),
            marks=marks,
            result=data.get("result", "running"),
            cause=data.get("cause"),
            failure_evidence=[str(e) for e in data.get("failure_evidence", [])],
            degraded=data.get("degraded"),
            source=data.get("source", "live"),
            note=str(data.get("note") or ""),
        )

    @classmethod
    def from_follow_lines(cls, lines: list[dict[str, Any]], vm: str = "", host: str = "") -> BackupTimeline:
        stages = [line for line in lines if "stage" in line and "result" not in line]
        final: dict[str, Any] = next((line for line in reversed(lines) if "result" in line), {})
        return cls.from_json({"vm": vm, "host": host, "stages": stages, **final})


# Where a 2012 R2 stage's failure shows in the 2016 flow (events carry 2012 R2 stage ids).
_EQUIVALENT_2016 = {
    "gather-metadata": "request-checkpoint",
    "prepare-backup": "request-checkpoint",
    "prepare-snapshot": "create-checkpoint",
    "freeze": "guest-freeze",
    "commit-snapshot": "read-rct",
    "thaw-merge": "convert-reference-point",
    "read-snapshot": "read-rct",
    "backup-complete": "convert-reference-point",
}


def stage_in_flow(stage_id: str, flow_id: str) -> str:
    """The stage of ``flow_id`` that corresponds to ``stage_id`` (itself when it is in that flow)."""
    if stage_id in get_flow(flow_id).stage_ids:
        return stage_id
    if flow_id == "2016":
        return _EQUIVALENT_2016.get(stage_id, get_flow(flow_id).stage_ids[0])
    reverse = {v: k for k, v in reversed(list(_EQUIVALENT_2016.items()))}
    return reverse.get(stage_id, get_flow(flow_id).stage_ids[0])


def stages_up_to(flow_id: str, stage_id: str) -> list[str]:
    """The flow's stage ids from the first up to and including ``stage_id``."""
    ids = list(get_flow(flow_id).stage_ids)
    return ids[: ids.index(stage_id) + 1]
