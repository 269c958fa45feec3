"""What a rule is: a cause id, and a check that turns a host snapshot into findings.

Findings carry in ``detail`` what a guided fix needs (VM id, checkpoint ids, file paths, volumes, the
host version), so fix builders never have to re-derive it from evidence text.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from hvassist.diagnose.findings import Evidence, Finding
from hvassist.snapshot import EventFact, HostSnapshot, VMFact

Check = Callable[[HostSnapshot], Iterable[Finding]]

LINUX_NAMES = re.compile(r"linux|ubuntu|debian|cent ?os|red ?hat|rhel|suse|oracle|alma|rocky|fedora", re.I)


@dataclass(frozen=True)
class Rule:
    cause: str
    check: Check


def vm_finding(snapshot: HostSnapshot, cause: str, vm: VMFact, severity: str, evidence: list[Evidence],
               **detail: object) -> Finding:
    base: dict[str, object] = {"vm_id": vm.id, "vm_name": vm.name, "host_os": snapshot.host.os_key,
                               "host_build": snapshot.host.os_build}
    base.update(detail)
    return Finding(cause, snapshot.host.name, vm.name, severity, tuple(evidence), vm_id=vm.id, detail=base)


def host_finding(snapshot: HostSnapshot, cause: str, severity: str, evidence: list[Evidence],
                 **detail: object) -> Finding:
    base: dict[str, object] = {"host_os": snapshot.host.os_key, "host_build": snapshot.host.os_build}
    base.update(detail)
    return Finding(cause, snapshot.host.name, None, severity, tuple(evidence), detail=base)


def event_evidence(event: EventFact, where: str = "") -> Evidence:
    text = " ".join(event.message.split()) or "properties: %s" % "; ".join(
        " ".join(p.split()) for p in event.properties if p.strip())
    return Evidence("%s%s event %d (%s): %s" % (where, event.log, event.id, event.provider, text),
                    source="event log", time=event.time or None)


def is_linux(vm: VMFact) -> bool:
    return _linux_os(vm.guest_os)


@lru_cache(maxsize=256)  # asked for every VM by several rules; an estate has a few dozen OS names
def _linux_os(os_name: str) -> bool:
    return bool(LINUX_NAMES.search(os_name))


def is_windows(vm: VMFact) -> bool:
    return "windows" in vm.guest_os.lower()


def gib(n: int) -> str:
    """A size in plain units: MB below 1 GB, else GB with one decimal."""
    if n < 1 << 30:
        return "%d MB" % round(n / (1 << 20))
    return "%.1f GB" % (n / (1 << 30))
