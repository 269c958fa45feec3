"""Replay the last backup of a VM from a host's event log entries.

Input: events in the ``collect-host`` shape (live, or imported from files). Output: a
``BackupTimeline`` that says how far the last backup got and where it stopped.

What events can and cannot tell: a failed backup leaves an error that names the VM (Hyper-V-VMMS)
or the VSS operation it failed in; that places the failure at a stage, and the stages before it
must have happened. A successful 2012 R2 backup leaves no entry that names the VM, so a replay
without errors can only say that none was recorded; following a live backup shows every stage.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from hvassist.stages.events import EventMeaning, classify_event, event_summary, is_vm_specific, mentions_vm
from hvassist.stages.model import get_flow, get_stage
from hvassist.stages.timeline import BackupTimeline, StageMark, stage_in_flow

SESSION_WINDOW = dt.timedelta(minutes=30)  # host-wide VSS entries this close belong to the same backup


def _when(event: Mapping[str, Any]) -> dt.datetime:
    text = str(event.get("time") or "")
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return dt.datetime.min.replace(tzinfo=dt.UTC)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def replay_last_backup(
    events: Iterable[Mapping[str, Any]],
    vm: str,
    *,
    vm_id: str = "",
    host: str = "",
    flow: str = "2012r2",
    os_build: int | None = None,
) -> BackupTimeline:
    """Rebuild the last backup of ``vm`` from ``events`` (any order)."""
    timeline = BackupTimeline(flow=flow, vm=vm, host=host, source="replay")
    ordered = sorted(events, key=_when)
    relevant: list[tuple[Mapping[str, Any], EventMeaning]] = []
    for event in ordered:
        if is_vm_specific(event) and not mentions_vm(event, vm, vm_id):
            continue
        meaning = classify_event(event, os_build)
        if meaning is not None:
            relevant.append((event, meaning))
    about_vm = [(e, m) for e, m in relevant if is_vm_specific(e)]
    vss = [(e, m) for e, m in relevant if not is_vm_specific(e)]
    if about_vm:
        anchor_time = _when(about_vm[-1][0])
    elif vss:
        anchor_time = _when(vss[-1][0])
    else:
        timeline.result = "no-backup-found"
        timeline.note = "The events hold no backup activity for this VM."
        return timeline
    # The last backup: the latest entry about the VM, with the host-wide VSS entries around it.
    session = [(e, m) for e, m in relevant if abs(_when(e) - anchor_time) <= SESSION_WINDOW]
    failures = [(e, m) for e, m in session if m.failed]
    if failures:
        event, meaning = _decisive(failures)
        stage_id = stage_in_flow(meaning.stage, flow) if meaning.stage else get_flow(flow).stage_ids[0]
        stage = get_stage(stage_id)
        for s in get_flow(flow).stages[: stage.index]:
            timeline.marks.append(
                StageMark(
                    s.id,
                    None,
                    [f"Passed: the backup failed later, at \u201c{stage.title}\u201d."],
                    inferred=True,
                )
            )
        evidence = [meaning.summary, event_summary(event)]
        timeline.marks.append(StageMark(stage_id, str(event.get("time") or ""), evidence))
        timeline.result = "failed"
        timeline.cause = meaning.cause
        timeline.failure_evidence = evidence
        notes = []
        if not about_vm:
            notes.append("No entry names this VM: the error concerns the host's whole backup at that time.")
        others = [event_summary(e) for e, m in failures if e is not event]
        if others:
            notes.append("Other errors from the same backup: " + "; ".join(others[:3]))
        timeline.note = " ".join(notes)
        return timeline
    timeline.result = "no-failure-recorded"
    last = session[-1][0]
    timeline.note = (
        "No error was recorded for {} around {}. A successful backup leaves no entry naming the "
        "VM, so the events cannot show each stage; follow a live backup to see them.".format(
            vm, last.get("time")
        )
    )
    return timeline


def _decisive(
    failures: list[tuple[Mapping[str, Any], EventMeaning]],
) -> tuple[Mapping[str, Any], EventMeaning]:
    """The failure that explains the backup: one with a known cause, else one with a stage, earliest first
    (later errors are often consequences of the first)."""
    with_cause = [f for f in failures if f[1].cause is not None]
    with_stage = [f for f in failures if f[1].stage is not None]
    return (with_cause or with_stage or failures)[0]
