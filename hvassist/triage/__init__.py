"""Paste an error: rank the likely causes of a Hyper-V backup failure from any pasted text.

Public API::

    triage_text(text, *, host_os=None) -> TriageResult   # ranked causes, or unrecognised
    triage_event(event, *, host_os=None) -> TriageResult  # one event in the collect-host shape
    event_as_text(event) -> str                           # that event as Event Viewer copies it
    parse_vssadmin_writers(text) -> list[WriterStatus]

The knowledge (events, error codes, writer states, message patterns, next steps) is data in
``resources/triage/``; see its README.
"""

from hvassist.triage.engine import RankedCause, TriageResult, event_as_text, triage_event, triage_text
from hvassist.triage.knowledge import Knowledge, KnowledgeError, knowledge, load_knowledge
from hvassist.triage.vssadmin import WriterStatus, parse_vssadmin_writers

__all__ = [
    "Knowledge",
    "KnowledgeError",
    "RankedCause",
    "TriageResult",
    "WriterStatus",
    "knowledge",
    "load_knowledge",
    "event_as_text",
    "parse_vssadmin_writers",
    "triage_event",
    "triage_text",
]
