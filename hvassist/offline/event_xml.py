"""Read event XML exports: ``Get-WinEvent ... | ForEach-Object { $_.ToXml() }``, ``wevtutil qe /f:xml``
(``/f:RenderedXml`` too), with or without a root element, one event or many, pasted or from a file.

Each ``<Event>`` is parsed on its own so that one damaged event does not cost the others. XML with a
DOCTYPE is refused: a document type can declare entities (billion laughs, external files), and event
exports never have one, so there is nothing to lose by saying no.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from hvassist.offline.events import ImportResult, RawEvent, add_event, parse_int
from hvassist.offline.textfile import decode_text_bytes, read_text_file

_DECLARATION = re.compile(r"<\?xml\b[^>]*\?>", re.IGNORECASE)
_DOCTYPE = re.compile(r"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_EVENT_START = re.compile(r"<(?:[\w.-]+:)?Event(?=[\s/>])")
_EVENT_END = re.compile(r"</(?:[\w.-]+:)?Event\s*>")


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _text(element: ET.Element | None) -> str:
    return (element.text or "").strip() if element is not None else ""


def _child(parent: ET.Element | None, name: str) -> ET.Element | None:
    if parent is None:
        return None
    for child in parent:
        if _local(child.tag) == name:
            return child
    return None


def _leaves(element: ET.Element) -> list[tuple[str | None, str]]:
    """UserData: every leaf element in document order, named by its tag."""
    out: list[tuple[str | None, str]] = []
    for child in element:
        if len(child):
            out.extend(_leaves(child))
        else:
            out.append((_local(child.tag), _text(child)))
    return out


def raw_event_from_element(event: ET.Element) -> RawEvent:
    system = _child(event, "System")
    provider = _child(system, "Provider")
    raw = RawEvent()
    if provider is not None:
        raw.provider = provider.get("Name") or provider.get("EventSourceName") or ""
    raw.event_id = parse_int(_text(_child(system, "EventID")))
    raw.level = parse_int(_text(_child(system, "Level")))
    created = _child(system, "TimeCreated")
    raw.time = created.get("SystemTime", "") if created is not None else ""
    raw.channel = _text(_child(system, "Channel"))
    raw.computer = _text(_child(system, "Computer"))
    event_data = _child(event, "EventData")
    if event_data is not None:
        for data in event_data:
            if _local(data.tag) == "Data":
                raw.data.append((data.get("Name"), (data.text or "").strip()))
    user_data = _child(event, "UserData")
    if user_data is not None:
        raw.data.extend(_leaves(user_data))
    rendering = _child(event, "RenderingInfo")
    if rendering is not None:
        message = _child(rendering, "Message")
        raw.message = "".join(message.itertext()) if message is not None else ""
        raw.level_text = _text(_child(rendering, "Level"))
    return raw


def parse_event_xml_text(text: str, source: str = "text") -> ImportResult:
    """Events from XML text; never raises."""
    result = ImportResult(source=source)
    try:
        _parse_into(result, text)
    except Exception as e:  # a reader of user files must not crash; say what happened instead
        result.problems.append(f"The XML could not be read completely ({type(e).__name__}).")
    return result


def _parse_into(result: ImportResult, text: str) -> None:
    text = text.lstrip("\ufeff")
    if _DOCTYPE.search(text):
        result.problems.append(
            "The file declares a document type (DOCTYPE). Event exports never do, so it was "
            "not read, to be safe."
        )
        return
    text = _DECLARATION.sub("", text)
    starts = [m.start() for m in _EVENT_START.finditer(text)]
    if not starts:
        result.problems.append(
            "No events found: this does not look like an event XML export "
            "(Get-WinEvent ... ToXml() or wevtutil qe /f:xml)."
        )
        return
    damaged = 0
    without_id = 0
    ends = [m.end() for m in _EVENT_END.finditer(text)]
    end_index = 0
    for i, start in enumerate(starts):
        # Pair each <Event> with the first </Event> after it; none before the next <Event> means
        # this one is cut off. A linear scan, so a huge damaged file cannot make it quadratic.
        while end_index < len(ends) and ends[end_index] <= start:
            end_index += 1
        next_start = starts[i + 1] if i + 1 < len(starts) else len(text) + 1
        if end_index >= len(ends) or ends[end_index] > next_start:
            damaged += 1
            continue
        try:
            element = ET.fromstring(text[start : ends[end_index]])
        except ET.ParseError:
            damaged += 1
            continue
        if _local(element.tag) != "Event" or not add_event(result, raw_event_from_element(element)):
            without_id += 1
    if damaged:
        plural = "" if damaged == 1 else "s"
        result.problems.append(f"{damaged} event{plural} could not be read (damaged or cut-off XML).")
    if without_id:
        plural, verb = ("", "was") if without_id == 1 else ("s", "were")
        result.problems.append(f"{without_id} event{plural} had no event id and {verb} skipped.")


def read_event_xml(source: str | os.PathLike[str] | bytes) -> ImportResult:
    """Events from an XML export: a file path, the file's bytes, or the XML text itself.

    A ``str`` containing ``<`` is taken as XML text, any other ``str`` as a path. Never raises:
    what could not be read is in ``problems``."""
    if isinstance(source, bytes):
        return parse_event_xml_text(decode_text_bytes(source), "bytes")
    if isinstance(source, str) and "<" in source:
        return parse_event_xml_text(source, "text")
    name = os.fspath(source)
    try:
        text = read_text_file(name)
    except OSError as e:
        return ImportResult(source=name, problems=["The file could not be opened: %s." % (e.strerror or e)])
    result = parse_event_xml_text(text, name)
    result.source = str(Path(name))
    return result
