"""Event correlation: match on provider + id + host OS build + message, never on the id alone."""

from __future__ import annotations

import re
from dataclasses import dataclass

from hvassist.snapshot import EventFact, HostSnapshot, VMFact


@dataclass(frozen=True)
class EventSignature:
    provider: str
    event_id: int
    min_build: int = 0  # the OS build from which the id carries this meaning
    max_build: int = 1 << 30
    text: re.Pattern[str] | None = None  # English wording; localised hosts match via properties instead

    def matches(self, event: EventFact, snapshot: HostSnapshot) -> bool:
        if event.id != self.event_id or event.provider.lower() != self.provider.lower():
            return False
        if not self.min_build <= snapshot.host.os_build <= self.max_build:
            return False
        return True


def events_for_vm(snapshot: HostSnapshot, signature: EventSignature, vm: VMFact) -> list[EventFact]:
    """Events of this signature that concern the VM (by its id or name in the properties or the text)."""
    out = []
    for e in snapshot.events:
        if not signature.matches(e, snapshot):
            continue
        props = [p.strip("{}").lower() for p in e.properties]
        by_props = vm.id.lower() in props or vm.name in e.properties
        by_text = (vm.id.lower() in e.message.lower() or "'%s'" % vm.name in e.message
                   or "\u2018%s\u2019" % vm.name in e.message)
        wording_ok = signature.text is None or bool(signature.text.search(e.message)) or by_props
        if (by_props or by_text) and wording_ok:
            out.append(e)
    return out


def events_matching(snapshot: HostSnapshot, signature: EventSignature) -> list[EventFact]:
    return [e for e in snapshot.events if signature.matches(e, snapshot)
            and (signature.text is None or signature.text.search(e.message) or e.properties)]


NO_SCSI_10103 = EventSignature(
    "Microsoft-Windows-Hyper-V-VMMS", 10103, min_build=9600,
    text=re.compile(r"cannot be hot backed up since it has no SCSI controllers", re.I))
