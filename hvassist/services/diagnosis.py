"""Diagnose hosts in parallel: one collection round trip per host, then the rules."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from hvassist.cancel import CancelToken
from hvassist.diagnose.engine import run_rules
from hvassist.diagnose.findings import Finding, sort_findings
from hvassist.remote.endpoint import Endpoint, Timeouts
from hvassist.remote.errors import OutputNotUnderstood, RemoteError
from hvassist.remote.session import HostSession, parse_json_output
from hvassist.snapshot import HostSnapshot, SnapshotError, parse_snapshot

log = logging.getLogger(__name__)

COLLECT_PARAMS = {"EventDays": 7, "MaxEvents": 500}


@dataclass(frozen=True)
class HostTarget:
    """A host to diagnose and how to log on. The password lives only in memory."""

    endpoint: Endpoint
    username: str
    password: str = field(repr=False)

    @property
    def name(self) -> str:
        return self.endpoint.host


@dataclass
class HostOutcome:
    host: str
    snapshot: HostSnapshot | None = None
    findings: list[Finding] = field(default_factory=list)
    error: RemoteError | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None and self.snapshot is not None


@dataclass
class Diagnosis:
    hosts: list[HostOutcome]

    @property
    def findings(self) -> list[Finding]:
        return sort_findings([f for h in self.hosts for f in h.findings])

    @property
    def exit_code(self) -> int:
        if any(not h.ok for h in self.hosts):
            return 2
        return 1 if self.findings else 0

    def to_json(self) -> dict[str, Any]:
        return {
            "findings": [f.to_json() for f in self.findings],
            "hosts": [host_json(h) for h in self.hosts],
        }


def host_json(h: HostOutcome) -> dict[str, Any]:
    doc: dict[str, Any] = {"name": h.host, "status": "ok" if h.ok else "error"}
    if h.error is not None:
        doc["error"] = h.error.to_dict()
    if h.snapshot is not None:
        s = h.snapshot
        doc.update({
            "os": s.host.os_caption, "os_build": s.host.os_build,
            "cluster": s.host.cluster.name if s.host.cluster else None,
            "vms": [{"name": v.name, "id": v.id, "state": v.state, "generation": v.generation,
                     "findings": [f.cause for f in h.findings if f.vm_id == v.id]} for v in s.vms],
        })
    return doc


ProgressCallback = Callable[[str, str], None]  # (host, message)


# Reading a host's answer (JSON, snapshot, rules) is pure Python: with the GIL, threads cannot run it
# faster together than one at a time, but sixteen of them ready at once (hosts answer together) keep
# the GUI thread waiting for the GIL. One at a time leaves the others asleep on this lock instead.
_ANALYSIS_LOCK = threading.Lock()


def collect_snapshot(session: HostSession) -> HostSnapshot:
    result = session.run("collect-host", COLLECT_PARAMS)
    try:
        with _ANALYSIS_LOCK:
            return parse_snapshot(parse_json_output(session.endpoint.host, result))
    except SnapshotError as e:
        raise OutputNotUnderstood(session.endpoint.host, "The host's answer was not in the expected shape (%s)."
                                  % e, "Make sure the host runs Windows Server 2012 R2 or later with the Hyper-V "
                                  "PowerShell module; then try again.") from None


def diagnose_host(target: HostTarget, *, cancel: CancelToken | None = None, timeouts: Timeouts | None = None,
                  progress: ProgressCallback | None = None) -> HostOutcome:
    import time

    started = time.monotonic()
    outcome = HostOutcome(target.name)
    try:
        if progress:
            progress(target.name, "Connecting")
        with HostSession(target.endpoint, target.username, target.password, timeouts=timeouts,
                         cancel=cancel) as session:
            if progress:
                progress(target.name, "Collecting VMs, VSS writers and events")
            outcome.snapshot = collect_snapshot(session)
        with _ANALYSIS_LOCK:
            outcome.findings = run_rules(outcome.snapshot)
        if progress:
            progress(target.name, "Done: %d finding(s)" % len(outcome.findings))
    except RemoteError as e:
        outcome.error = e
        log.info("diagnosis of %s failed: %s", target.name, e.message)
        if progress:
            progress(target.name, "Failed: %s" % e.message)
    outcome.seconds = time.monotonic() - started
    return outcome


def diagnose_hosts(targets: list[HostTarget], *, cancel: CancelToken | None = None,
                   timeouts: Timeouts | None = None, progress: ProgressCallback | None = None,
                   max_parallel: int = 32,
                   on_host_done: Callable[[HostTarget, HostOutcome], None] | None = None) -> Diagnosis:
    """All hosts in parallel; a host that fails is reported and does not stop the others.
    ``on_host_done`` is called (on the host's worker thread) as soon as each host's outcome is ready."""
    cancel = cancel or CancelToken()
    if not targets:
        return Diagnosis([])
    def run(target: HostTarget) -> HostOutcome:
        outcome = diagnose_host(target, cancel=cancel, timeouts=timeouts, progress=progress)
        if on_host_done is not None:
            on_host_done(target, outcome)
        return outcome

    with ThreadPoolExecutor(max_workers=min(max_parallel, len(targets)), thread_name_prefix="diagnose") as pool:
        futures = [pool.submit(run, t) for t in targets]
        return Diagnosis([f.result() for f in futures])
