"""Follow a backup on a host, or replay the last one, over one ``HostSession``.

These are the service calls the CLI and the GUI share. Both block: the GUI runs them on a worker
and hands each stage change to the explainer on the GUI thread.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from hvassist.remote.session import HostSession
from hvassist.stages.model import flow_for_host
from hvassist.stages.replay import replay_last_backup
from hvassist.stages.timeline import BackupTimeline
from hvassist.stages.tracker import BackupTracker

DEFAULT_POLL_SECONDS = 2.0
DEFAULT_DURATION_SECONDS = 4 * 3600


def follow_backup(
    session: HostSession,
    vm: str,
    *,
    poll_seconds: float = DEFAULT_POLL_SECONDS,
    duration_seconds: int = DEFAULT_DURATION_SECONDS,
    on_change: Callable[[dict[str, Any]], None] | None = None,
    on_watch_started: Callable[[Mapping[str, Any]], None] | None = None,
) -> BackupTimeline:
    """Watch ``vm`` until its backup completes or fails, or ``duration_seconds`` pass.

    ``on_change`` gets each follow line (a stage reached, then the result); ``on_watch_started``
    gets the watcher's first line, once it has taken its baseline (the lab starts its job then).
    Cancel through the session's cancel token."""
    tracker = BackupTracker(vm=vm, host=session.endpoint.host)
    lines = session.stream_json_lines(
        "watch-backup", {"VMName": vm, "DurationSeconds": int(duration_seconds), "PollSeconds": poll_seconds}
    )
    with contextlib.closing(lines):  # leaving early stops the watcher on the host
        for line in lines:
            outputs = tracker.feed(line)
            if line.get("kind") == "observation" and line.get("seq") == 1 and on_watch_started is not None:
                on_watch_started(line)
            for out in outputs:
                if on_change is not None:
                    on_change(out)
            if tracker.finished:
                break
    for out in tracker.finish():
        if on_change is not None:
            on_change(out)
    return tracker.timeline


def replay_from_collection(collection: Mapping[str, Any], vm: str) -> BackupTimeline:
    """Replay from a ``collect-host`` document (live, or a saved file)."""
    host = collection.get("host") or {}
    vm_doc: Mapping[str, Any] = next((v for v in collection.get("vms") or [] if v.get("name") == vm), {})
    build = host.get("os_build") if isinstance(host.get("os_build"), int) else None
    flow = flow_for_host(build, vm_doc.get("version"))
    return replay_last_backup(
        collection.get("events") or [],
        vm,
        vm_id=str(vm_doc.get("id") or ""),
        host=str(host.get("name") or ""),
        flow=flow,
        os_build=build,
    )


def replay_from_host(session: HostSession, vm: str, event_days: int = 7) -> BackupTimeline:
    """Collect the host's recent events (one ``collect-host`` round trip) and replay the VM's last backup."""
    collection = session.run_json("collect-host", {"EventDays": event_days})
    return replay_from_collection(collection, vm)


def replay_from_events(
    events: Iterable[Mapping[str, Any]], vm: str, os_build: int | None = None
) -> BackupTimeline:
    """Replay from events imported offline (a list of collect-host-shaped event dicts)."""
    return replay_last_backup(list(events), vm, flow=flow_for_host(os_build), os_build=os_build)
