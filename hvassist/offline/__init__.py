"""Offline analysis: read exported event logs into the event shape the live collection produces.

Public API (for ``hvassist analyze`` and the GUI's "Open a file")::

    read_evtx(path_or_bytes, *, max_events=None) -> ImportResult
    read_event_xml(path_or_bytes_or_text) -> ImportResult
    read_event_file(path) -> ImportResult          # picks the reader from the file's content

``ImportResult.events`` holds dicts ``{"log", "provider", "id", "level", "time", "message",
"properties"}`` exactly as ``resources/ps/collect-host.schema.json`` defines an event;
``ImportResult.problems`` says in plain words what could not be read. None of them raises.
"""

from __future__ import annotations

import os

from hvassist.offline.event_xml import parse_event_xml_text, read_event_xml
from hvassist.offline.events import ImportResult
from hvassist.offline.evtx_reader import FILE_MAGIC, read_evtx
from hvassist.offline.textfile import decode_text_bytes, read_text_file


def read_event_file(path: str | os.PathLike[str]) -> ImportResult:
    """An ``.evtx`` file or an XML export, recognised by its first bytes rather than its name."""
    name = os.fspath(path)
    try:
        with open(name, "rb") as f:
            head = f.read(len(FILE_MAGIC))
    except OSError as e:
        return ImportResult(source=name, problems=["The file could not be opened: %s." % (e.strerror or e)])
    if head == FILE_MAGIC or name.lower().endswith(".evtx"):
        return read_evtx(name)
    return read_event_xml(name)


__all__ = [
    "ImportResult",
    "decode_text_bytes",
    "parse_event_xml_text",
    "read_event_file",
    "read_event_xml",
    "read_evtx",
    "read_text_file",
]
