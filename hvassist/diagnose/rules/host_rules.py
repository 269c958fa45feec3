"""Rules about the host as a whole (VSS writers, providers, storage)."""

from __future__ import annotations

from collections.abc import Iterable

from hvassist.diagnose.findings import Evidence, Finding
from hvassist.diagnose.rules.base import Rule, event_evidence, host_finding
from hvassist.snapshot import HostSnapshot

VSS_WRITER_EVENT_IDS = (8229, 12289)


def host_hv_writer_failed(s: HostSnapshot) -> Iterable[Finding]:
    w = s.hyperv_writer
    if w is None or not w.failed:
        return
    ev = [Evidence("vssadmin list writers: '%s' is in state [%d] %s, last error: %s."
                   % (w.name, w.state, w.state_text, w.last_error or "none"), source="vssadmin list writers")]
    for e in s.events:
        if e.provider == "VSS" and e.id in VSS_WRITER_EVENT_IDS and "hyper-v" in e.message.lower():
            ev.append(event_evidence(e))
    yield host_finding(s, "host-hv-writer-failed", "error", ev)


RULES = [Rule("host-hv-writer-failed", host_hv_writer_failed)]
