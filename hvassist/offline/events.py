"""The event record shape shared with ``collect-host`` and the import result.

``resources/ps/collect-host.schema.json`` defines one event as
``{"log", "provider", "id", "level", "time", "message", "properties"}``; the importers build exactly
that, so the rules run unchanged on live and offline data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

# Windows event levels (winmeta.xml). 0 is "LogAlways", which Event Viewer shows as Information.
LEVEL_NAMES = {0: "Information", 1: "Critical", 2: "Error", 3: "Warning", 4: "Information", 5: "Verbose"}

_TIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?\s*(Z|UTC|[+-]\d{2}:?\d{2})?",
    re.IGNORECASE,
)


@dataclass
class ImportResult:
    """Events read from an offline file, and what could not be read (plain language, for the user)."""

    source: str
    events: list[dict[str, object]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    computers: list[str] = field(default_factory=list)  # host names the events came from

    @property
    def complete(self) -> bool:
        return not self.problems


@dataclass
class RawEvent:
    """One event as a reader found it, before it is put in the collect-host shape."""

    provider: str = ""
    event_id: int | None = None
    level: int | None = None
    level_text: str = ""  # rendered (possibly localised) level, used only when the number is missing
    time: str = ""
    channel: str = ""
    computer: str = ""
    data: list[tuple[str | None, str]] = field(default_factory=list)  # (name or None, value), in order
    message: str = ""  # RenderingInfo/Message when the export carried one


def iso_utc(value: str) -> str:
    """``2017-07-12T17:16:28.2141616Z`` -> ``2017-07-12T17:16:28Z`` (UTC, as collect-host writes it);
    text that is not a timestamp is returned unchanged."""
    m = _TIME.search(value or "")
    if not m:
        return value or ""
    try:
        moment = datetime(
            int(m.group(1)),
            int(m.group(2)),
            int(m.group(3)),
            int(m.group(4)),
            int(m.group(5)),
            int(m.group(6)),
        )
    except ValueError:
        return value
    zone = (m.group(8) or "Z").upper()
    if zone not in ("Z", "UTC"):
        sign = 1 if zone[0] == "+" else -1
        digits = zone[1:].replace(":", "")
        moment -= sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return moment.replace(tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def message_from_data(data: list[tuple[str | None, str]]) -> str:
    """A readable message when the export has no rendered one: ``Name: value`` lines (or the bare
    values of unnamed data), so that codes and names in the data are still searchable."""
    lines = []
    for name, value in data:
        if not value:
            continue
        lines.append(f"{name}: {value}" if name else value)
    return "\n".join(lines)


def to_event_dict(raw: RawEvent) -> dict[str, object] | None:
    """The collect-host event shape, or None when the record has no usable event id."""
    if raw.event_id is None or not 0 <= raw.event_id <= 65535:
        return None
    level = LEVEL_NAMES.get(raw.level, "") if raw.level is not None else ""
    return {
        "log": raw.channel,
        "provider": raw.provider,
        "id": raw.event_id,
        "level": level or raw.level_text,
        "time": iso_utc(raw.time),
        "message": raw.message.strip() or message_from_data(raw.data),
        "properties": [value for _name, value in raw.data],
    }


def add_event(result: ImportResult, raw: RawEvent) -> bool:
    event = to_event_dict(raw)
    if event is None:
        return False
    result.events.append(event)
    if raw.computer and raw.computer not in result.computers:
        result.computers.append(raw.computer)
    return True


def parse_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text, 16) if text.lower().startswith("0x") else int(text)
        except ValueError:
            return None
    return None
