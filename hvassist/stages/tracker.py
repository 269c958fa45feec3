"""Follow a live backup: turn the watcher's observations into stages.

``resources/ps/watch-backup.ps1`` prints one JSON line whenever what it sees on the host changes:
the VM's checkpoints and their types, the .avhdx files next to its disks, the Hyper-V VSS writer's
state, shadow copies and new Hyper-V/VSS events. ``BackupTracker.feed`` takes those lines and says
which stage the backup of the VM has reached, and when and why it failed.

What a host shows (Windows Server 2012 R2; the Hyper-V writer's state in ``vssadmin list writers``):
gather-metadata and prepare-backup leave no sign of their own (the writer stays [1] Stable);
prepare-snapshot makes the recovery checkpoint and its .avhdx / -AutoRecovery.avhdx files (or saves
an offline VM); [2] Waiting for freeze marks the freeze, [3] Waiting for thaw the volume snapshot,
[4] Waiting for post-snapshot the thaw and merge, [5] Waiting for backup complete the copy, and the
return to [1] the end. A poll can miss short stages (freeze and commit last about a second); a
later sign means they happened, so they are reported as ``inferred``.

On 2016 and later the backup runs through a WMI checkpoint: its recovery checkpoint appearing marks
create-checkpoint, its disappearing the conversion to a reference point.

The Hyper-V writer is one for the whole host: if two VMs on the host are backed up at once, its
state shows their common progress.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from hvassist.stages.events import (
    WRITER_FAILED_STAGE,
    WRITER_STATE_NAMES,
    classify_event,
    event_summary,
    is_vm_specific,
    mentions_vm,
)
from hvassist.stages.model import flow_for_host, get_flow, get_stage
from hvassist.stages.timeline import BackupTimeline, StageMark, stage_in_flow

_WRITER_STAGE = {2: "freeze", 3: "commit-snapshot", 4: "thaw-merge", 5: "read-snapshot"}


@dataclass
class _Seen:
    """One observation, reduced to what the tracker compares."""

    time: str | None
    vm_state: str
    recovery: dict[str, str]  # checkpoint id -> name (type Recovery)
    files: set[str]
    writer: int | None
    writer_error: str
    shadows: set[str]
    events: list[Mapping[str, Any]] = field(default_factory=list)

    @classmethod
    def from_line(cls, line: Mapping[str, Any]) -> _Seen:
        vm = line.get("vm") or {}
        writer = line.get("writer") or {}
        state = writer.get("state") if isinstance(writer, Mapping) else None
        return cls(
            time=line.get("time"),
            vm_state=str(vm.get("state") or ""),
            recovery={
                str(c.get("id")): str(c.get("name") or "")
                for c in line.get("checkpoints") or []
                if str(c.get("type") or "").lower() == "recovery"
            },
            files={str(f) for f in line.get("files") or []},
            writer=int(state) if isinstance(state, int) else None,
            writer_error=str(writer.get("error") or "") if isinstance(writer, Mapping) else "",
            shadows={str(s) for s in line.get("shadows") or []},
            events=[e for e in line.get("events") or [] if isinstance(e, Mapping)],
        )


class BackupTracker:
    """Maps watcher lines to stage changes. ``feed`` returns the lines ``hvassist stages --follow``
    prints: one per stage reached, then the result once the backup has completed or failed."""

    def __init__(
        self,
        vm: str = "",
        vm_id: str = "",
        host: str = "",
        flow: str | None = None,
        os_build: int | None = None,
    ) -> None:
        self.vm = vm
        self.vm_id = vm_id
        self.os_build = os_build
        self._fixed_flow = flow
        self.timeline = BackupTimeline(flow=flow or "2012r2", vm=vm, host=host)
        self._base: _Seen | None = None
        self._last: _Seen | None = None
        self._pending_failure = False
        self._saw_checkpoint = False
        self._saw_writer_busy = False

    # -- public --------------------------------------------------------------------------------
    @property
    def flow(self) -> str:
        return self.timeline.flow

    @property
    def finished(self) -> bool:
        return self.timeline.finished

    def feed(self, line: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Take one watcher line; return the follow lines it produces (stage changes, result)."""
        if self.finished:
            return []
        kind = line.get("kind")
        if kind == "start":
            self._start(line)
            return []
        if kind == "end":
            return self.finish()
        if kind != "observation":
            return []
        seen = _Seen.from_line(line)
        out: list[dict[str, Any]] = []
        if self._base is None:
            self._base = seen
            self._last = seen
            if seen.writer in _WRITER_STAGE and self.flow == "2012r2":
                # The watch started in the middle of a backup.
                self._saw_writer_busy = True
                out += self._advance(
                    _WRITER_STAGE[seen.writer],
                    seen.time,
                    [f"Hyper-V VSS writer: {_writer_text(seen.writer)}"],
                )
            out += self._events(seen)
            return out + self._maybe_final()
        out += self._events(seen)
        if not self.finished:
            out += self._observe_2012r2(seen) if self.flow == "2012r2" else self._observe_2016(seen)
        self._last = seen
        return out + self._maybe_final()

    def feed_all(self, lines: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for line in lines:
            out += self.feed(line)
        return out

    def finish(self) -> list[dict[str, Any]]:
        """The watch ended (or the caller stops following): settle the result."""
        if self.finished:
            return []
        t = self.timeline
        if self._pending_failure:
            t.result = "failed"
        elif not t.marks:
            t.result = "no-backup-found"
            t.note = "No backup of this VM was seen while watching."
        else:
            t.result = "unfinished"
            t.note = "The watch ended before the backup did."
        return [t.result_json()]

    # -- internals ---------------------------------------------------------------------------------
    def _start(self, line: Mapping[str, Any]) -> None:
        host = line.get("host") or {}
        vm = line.get("vm") or {}
        build = host.get("os_build")
        self.os_build = int(build) if isinstance(build, int) else self.os_build
        self.vm = self.vm or str(vm.get("name") or "")
        self.vm_id = self.vm_id or str(vm.get("id") or "")
        self.timeline.vm = self.vm
        self.timeline.host = self.timeline.host or str(host.get("name") or "")
        if self._fixed_flow is None:
            self.timeline.flow = flow_for_host(self.os_build, str(vm.get("version") or "") or None)

    def _index(self, stage_id: str | None) -> int:
        return get_stage(stage_id).index if stage_id else -1

    def _advance(self, stage_id: str, time: str | None, evidence: list[str]) -> list[dict[str, Any]]:
        """Move forward to ``stage_id``; stages skipped on the way are marked inferred. A stage at or
        before the current one only adds evidence (a backup never goes back)."""
        stage_id = stage_in_flow(stage_id, self.flow)
        t = self.timeline
        current = self._index(t.stage)
        target = get_stage(stage_id)
        if target.index <= current:
            t.marks[-1].evidence += [e for e in evidence if e not in t.marks[-1].evidence]
            return []
        out = []
        stages = get_flow(self.flow).stages
        for s in stages[current + 1 : target.index]:
            mark = StageMark(
                s.id,
                time,
                [f"Left no sign of its own; it comes before \u201c{target.title}\u201d."],
                inferred=True,
            )
            t.marks.append(mark)
            out.append(mark.to_json())
        mark = StageMark(stage_id, time, list(evidence))
        t.marks.append(mark)
        out.append(mark.to_json())
        return out

    def _fail(
        self, stage_id: str | None, cause: str | None, time: str | None, evidence: list[str], final: bool
    ) -> list[dict[str, Any]]:
        t = self.timeline
        if stage_id is None:
            stage_id = t.stage or get_flow(self.flow).stage_ids[0]
        out = self._advance(stage_id, time, evidence)
        t.failure_evidence += [e for e in evidence if e not in t.failure_evidence]
        if cause and not t.cause:
            t.cause = cause
        if final or t.cause:
            t.result = "failed"
            self._pending_failure = False
        else:
            self._pending_failure = True
        return out

    def _maybe_final(self) -> list[dict[str, Any]]:
        return [self.timeline.result_json()] if self.finished else []

    def _events(self, seen: _Seen) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for event in seen.events:
            if is_vm_specific(event) and not mentions_vm(event, self.vm, self.vm_id):
                continue  # about another VM on this host
            meaning = classify_event(event, self.os_build)
            if meaning is None:
                continue
            evidence = [meaning.summary, event_summary(event)]
            if meaning.failed:
                out += self._fail(
                    meaning.stage,
                    meaning.cause,
                    str(event.get("time") or seen.time),
                    evidence,
                    final=meaning.cause is not None,
                )
            elif self.timeline.marks:
                self.timeline.marks[-1].evidence.append(meaning.summary)
            if self.finished:
                break
        if self._pending_failure and not self.finished and seen is not self._base:
            # The writer failed on the previous observation and no event named a cause since.
            self.timeline.result = "failed"
            self._pending_failure = False
        return out

    def _writer_failure(self, seen: _Seen) -> list[dict[str, Any]]:
        prev = self._last.writer if self._last else None
        if seen.writer in WRITER_FAILED_STAGE and seen.writer != prev:
            evidence = [
                "Hyper-V VSS writer: {} (last error: {})".format(
                    _writer_text(seen.writer), seen.writer_error or "?"
                )
            ]
            return self._fail(WRITER_FAILED_STAGE[seen.writer], None, seen.time, evidence, final=False)
        return []

    def _observe_2012r2(self, seen: _Seen) -> list[dict[str, Any]]:
        base = self._base
        assert base is not None
        out = self._writer_failure(seen)
        if self._pending_failure or self.finished:
            return out
        new_cps = {k: v for k, v in seen.recovery.items() if k not in base.recovery}
        new_files = sorted(seen.files - base.files)
        new_shadows = sorted(seen.shadows - base.shadows)
        saved = seen.vm_state.lower() in ("saved", "saving") and base.vm_state.lower() == "running"
        if new_cps or new_files:
            self._saw_checkpoint = True
        if seen.writer in _WRITER_STAGE:
            self._saw_writer_busy = True
            evidence = [f"Hyper-V VSS writer: {_writer_text(seen.writer)}"]
            if seen.writer == 3 and new_shadows:
                evidence += [f"New shadow copy {s}" for s in new_shadows]
            if seen.writer in (4, 5) and self._saw_checkpoint and not new_cps:
                evidence.append("The recovery checkpoint was merged away")
            if seen.writer in (4, 5) and self.timeline.degraded == "saved-state" and not saved:
                evidence.append("The VM was resumed (state: %s)" % (seen.vm_state or "?"))
            out += self._advance(_WRITER_STAGE[seen.writer], seen.time, evidence)
        elif self._saw_writer_busy and seen.writer in (None, 1):
            evidence = [f"Hyper-V VSS writer: back to {_writer_text(seen.writer or 1)}"]
            gone = sorted((self._last.shadows if self._last else set()) - seen.shadows)
            evidence += [f"Shadow copy {s} deleted" for s in gone]
            out += self._advance("backup-complete", seen.time, evidence)
            self.timeline.result = "completed"
        elif new_cps or new_files or saved:
            evidence = [f"Recovery checkpoint appeared: \u2018{n}\u2019" for n in new_cps.values()]
            evidence += [f"New file: {f}" for f in new_files]
            if saved:
                self.timeline.degraded = "saved-state"
                evidence.append(
                    f"The VM was saved for an offline (saved-state) backup: state {seen.vm_state}"
                )
            out += self._advance("prepare-snapshot", seen.time, evidence)
        return out

    def _observe_2016(self, seen: _Seen) -> list[dict[str, Any]]:
        base = self._base
        assert base is not None
        last = self._last or base
        new_cps = {k: v for k, v in seen.recovery.items() if k not in base.recovery}
        new_files = sorted(seen.files - base.files)
        out: list[dict[str, Any]] = []
        if new_cps:
            first_sight = not self._saw_checkpoint
            self._saw_checkpoint = True
            if first_sight:
                evidence = [f"Recovery checkpoint appeared: \u2018{n}\u2019" for n in new_cps.values()]
                evidence += [f"New file: {f}" for f in new_files]
                out += self._advance("create-checkpoint", seen.time, evidence)
            else:
                out += self._advance(
                    "read-rct",
                    seen.time,
                    ["The recovery checkpoint is still there while the backup application reads"],
                )
        elif self._saw_checkpoint:
            gone = [n for k, n in last.recovery.items() if k not in seen.recovery and k not in base.recovery]
            evidence = [f"Recovery checkpoint removed: \u2018{n}\u2019" for n in gone]
            out += self._advance("convert-reference-point", seen.time, evidence)
            if not new_files:
                self.timeline.marks[-1].evidence.append("The .avhdx files were merged away")
                self.timeline.result = "completed"
        return out


def _writer_text(state: int) -> str:
    return f"[{state}] {WRITER_STATE_NAMES.get(state, 'Unknown')}"
