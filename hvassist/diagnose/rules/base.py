"""What a rule is: a cause id, and a check that turns a host snapshot into findings."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from hvassist.diagnose.findings import Evidence, Finding
from hvassist.snapshot import EventFact, HostSnapshot, VMFact

Check = Callable[[HostSnapshot], Iterable[Finding]]


@dataclass(frozen=True)
class Rule:
    cause: str
    check: Check


def vm_finding(snapshot: HostSnapshot, cause: str, vm: VMFact, severity: str, evidence: list[Evidence],
               **detail: object) -> Finding:
    return Finding(cause, snapshot.host.name, vm.name, severity, tuple(evidence), vm_id=vm.id,
                   detail=dict(detail))


def host_finding(snapshot: HostSnapshot, cause: str, severity: str, evidence: list[Evidence]) -> Finding:
    return Finding(cause, snapshot.host.name, None, severity, tuple(evidence))


def event_evidence(event: EventFact) -> Evidence:
    return Evidence("%s event %d: %s" % (event.log, event.id, " ".join(event.message.split())),
                    source="event log", time=event.time)
