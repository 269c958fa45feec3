"""Load the triage knowledge (``resources/triage/*.toml``) into checked, compiled tables.

The files are data so that support staff can extend them without touching code; this module is the
only place that knows their layout (documented in ``resources/triage/README.md``). Every cause id
used anywhere must have an entry in ``next_steps.toml``, every weight must lie in 0..1 and every
regex must compile: a broken file fails loudly at load time, not in the middle of a triage.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from hvassist.resources import resource_path

FLAGS = re.IGNORECASE | re.MULTILINE


class KnowledgeError(ValueError):
    """A triage knowledge file is malformed."""


@dataclass(frozen=True)
class CodeInfo:
    code: int  # unsigned 32-bit value
    hex: str  # "0x800423F3"
    name: str
    meaning: str
    texts: tuple[re.Pattern[str], ...]
    needs_context: bool
    causes: Mapping[str, float]


@dataclass(frozen=True)
class WmiCode:
    code: int
    meaning: str
    causes: Mapping[str, float]
    generic: bool = False


@dataclass(frozen=True)
class Provider:
    key: str
    name: str
    match: re.Pattern[str]


@dataclass(frozen=True)
class EventTemplate:
    provider: str
    id: int
    os_min: float | None
    os_max: float | None
    default: bool
    text: re.Pattern[str] | None
    text_required: bool
    template: str
    causes: Mapping[str, float]

    def applies_to(self, version: float) -> bool:
        return (self.os_min is None or version >= self.os_min) and (
            self.os_max is None or version <= self.os_max
        )


@dataclass(frozen=True)
class OsHint:
    match: re.Pattern[str]
    version: float


@dataclass(frozen=True)
class WriterState:
    number: int
    name: str
    failed: bool
    stuck: bool


@dataclass(frozen=True)
class WriterInfo:
    name: str
    match: re.Pattern[str]
    writer_id: str
    service: str
    causes: Mapping[str, float]


@dataclass(frozen=True)
class MessagePattern:
    name: str
    source: str
    regex: re.Pattern[str]
    causes: Mapping[str, float]
    needs_context: bool
    generic: bool = False


@dataclass(frozen=True)
class NextStep:
    where: str  # host, guest, product
    step: str
    command: str


@dataclass(frozen=True)
class Knowledge:
    codes: Mapping[int, CodeInfo]
    codes_by_name: Mapping[str, CodeInfo]
    text_factor: float
    wmi: Mapping[int, WmiCode]
    providers: Mapping[str, Provider]
    events: tuple[EventTemplate, ...]
    confidence: Mapping[str, float]
    os_hints: tuple[OsHint, ...]
    event_id_label: re.Pattern[str]
    source_label: re.Pattern[str]
    writer_states: Mapping[int, WriterState]
    last_errors: Mapping[str, str]
    writer_failed_weight: float
    writer_stuck_weight: float
    default_writer_causes: Mapping[str, float]
    writers: tuple[WriterInfo, ...]
    writer_mentions: tuple[re.Pattern[str], ...]
    mention_weight: float
    mention_failed_weight: float
    mention_failed_nearby: re.Pattern[str]
    patterns: tuple[MessagePattern, ...]
    context: re.Pattern[str]
    short_text_words: int
    next_steps: Mapping[str, NextStep]

    @property
    def cause_ids(self) -> tuple[str, ...]:
        return tuple(self.next_steps)

    def event_ids(self) -> frozenset[int]:
        return frozenset(e.id for e in self.events)


def _compile(regex: object, where: str) -> re.Pattern[str]:
    if not isinstance(regex, str) or not regex:
        raise KnowledgeError(f"{where}: regex must be a non-empty string")
    try:
        return re.compile(regex, FLAGS)
    except re.error as e:
        raise KnowledgeError(f"{where}: bad regex {regex!r}: {e}") from None


def _causes(value: object, where: str, known: Mapping[str, NextStep]) -> dict[str, float]:
    if not isinstance(value, dict):
        raise KnowledgeError(f"{where}: causes must be a table of cause id -> weight")
    out: dict[str, float] = {}
    for cause_id, weight in value.items():
        if cause_id not in known:
            raise KnowledgeError(f"{where}: unknown cause id {cause_id!r} (add it to next_steps.toml)")
        if not isinstance(weight, int | float) or isinstance(weight, bool) or not 0 <= weight <= 1:
            raise KnowledgeError(f"{where}: weight of {cause_id} must be a number 0..1")
        out[cause_id] = float(weight)
    return out


def _str(data: Mapping[str, Any], key: str, where: str, default: str | None = None) -> str:
    value = data.get(key, default)
    if not isinstance(value, str):
        raise KnowledgeError(f"{where}: {key} must be a string")
    return value


def _num(value: object, where: str) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise KnowledgeError(f"{where}: expected a number, got {value!r}")
    return float(value)


def _read(directory: Path, name: str) -> dict[str, Any]:
    path = directory / name
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise KnowledgeError(f"{path}: {e}") from None


def _labels(values: object, where: str) -> re.Pattern[str]:
    if not isinstance(values, list) or not all(isinstance(v, str) and v for v in values):
        raise KnowledgeError(f"{where}: expected a list of regexes")
    return _compile("(?:{})".format("|".join(f"(?:{v})" for v in values)), where)


def _load_next_steps(directory: Path) -> dict[str, NextStep]:
    data = _read(directory, "next_steps.toml").get("causes", {})
    steps: dict[str, NextStep] = {}
    for cause_id, entry in data.items():
        where = f"next_steps.toml [causes.{cause_id}]"
        kind = _str(entry, "where", where)
        if kind not in ("host", "guest", "product"):
            raise KnowledgeError(f"{where}: where must be host, guest or product")
        steps[cause_id] = NextStep(
            kind, _str(entry, "step", where).strip(), _str(entry, "command", where, "").strip()
        )
    if not steps:
        raise KnowledgeError("next_steps.toml: no causes")
    return steps


def _load_codes(
    directory: Path, known: Mapping[str, NextStep]
) -> tuple[dict[int, CodeInfo], float, dict[int, WmiCode]]:
    data = _read(directory, "hresults.toml")
    text_factor = _num(data.get("text_factor", 0.8), "hresults.toml text_factor")
    codes: dict[int, CodeInfo] = {}
    for hex_text, entry in data.get("codes", {}).items():
        where = f"hresults.toml [codes.{hex_text}]"
        if not re.fullmatch(r"0x[0-9A-F]{8}", hex_text):
            raise KnowledgeError(f"{where}: code must be written 0x + 8 upper-case hex digits")
        texts = entry.get("texts", [])
        if not isinstance(texts, list) or not all(isinstance(t, str) and t for t in texts):
            raise KnowledgeError(f"{where}: texts must be a list of strings")
        value = int(hex_text, 16)
        codes[value] = CodeInfo(
            code=value,
            hex=hex_text,
            name=_str(entry, "name", where),
            meaning=_str(entry, "meaning", where),
            texts=tuple(re.compile(re.escape(t).replace(r"\ ", r"\s+"), re.IGNORECASE) for t in texts),
            needs_context=bool(entry.get("needs_context", False)),
            causes=_causes(entry.get("causes", {}), where, known),
        )
    wmi: dict[int, WmiCode] = {}
    for code_text, entry in data.get("wmi", {}).items():
        where = f"hresults.toml [wmi.{code_text}]"
        if not code_text.isdigit():
            raise KnowledgeError(f"{where}: WMI job codes are decimal numbers")
        wmi[int(code_text)] = WmiCode(
            int(code_text),
            _str(entry, "meaning", where),
            _causes(entry.get("causes", {}), where, known),
            bool(entry.get("generic", False)),
        )
    return codes, text_factor, wmi


def _load_events(directory: Path, known: Mapping[str, NextStep]) -> dict[str, Any]:
    data = _read(directory, "events.toml")
    providers: dict[str, Provider] = {}
    for key, entry in data.get("providers", {}).items():
        where = f"events.toml [providers.{key}]"
        providers[key] = Provider(key, _str(entry, "name", where), _compile(entry.get("match"), where))
    events: list[EventTemplate] = []
    for i, entry in enumerate(data.get("event", [])):
        where = "events.toml event #{} ({} {})".format(i + 1, entry.get("provider"), entry.get("id"))
        if entry.get("provider") not in providers:
            raise KnowledgeError(f"{where}: unknown provider")
        event_id = entry.get("id")
        if not isinstance(event_id, int) or not 0 <= event_id <= 65535:
            raise KnowledgeError(f"{where}: id must be an integer 0..65535")
        text = entry.get("text")
        events.append(
            EventTemplate(
                provider=entry["provider"],
                id=event_id,
                os_min=_num(entry["os_min"], where) if "os_min" in entry else None,
                os_max=_num(entry["os_max"], where) if "os_max" in entry else None,
                default=bool(entry.get("default", False)),
                text=_compile(text, where) if text is not None else None,
                text_required=bool(entry.get("text_required", False)),
                template=_str(entry, "template", where, ""),
                causes=_causes(entry.get("causes", {}), where, known),
            )
        )
        if events[-1].text_required and events[-1].text is None:
            raise KnowledgeError(f"{where}: text_required needs a text")
    confidence = {k: _num(v, "events.toml [confidence] " + k) for k, v in data.get("confidence", {}).items()}
    for needed in ("labelled", "adjacent", "loose", "no_text"):
        if needed not in confidence:
            raise KnowledgeError(f"events.toml [confidence]: {needed} missing")
    os_hints = tuple(
        OsHint(_compile(e.get("match"), "events.toml [[os]]"), _num(e.get("version"), "events.toml [[os]]"))
        for e in data.get("os", [])
    )
    labels = data.get("labels", {})
    return {
        "providers": providers,
        "events": tuple(events),
        "confidence": confidence,
        "os_hints": os_hints,
        "event_id_label": _labels(labels.get("event_id"), "events.toml [labels] event_id"),
        "source_label": _labels(labels.get("source"), "events.toml [labels] source"),
    }


def _load_writers(directory: Path, known: Mapping[str, NextStep]) -> dict[str, Any]:
    data = _read(directory, "writers.toml")
    states: dict[int, WriterState] = {}
    for number, entry in data.get("states", {}).items():
        where = f"writers.toml [states] {number}"
        states[int(number)] = WriterState(
            int(number),
            _str(entry, "name", where),
            bool(entry.get("failed", False)),
            bool(entry.get("stuck", False)),
        )
    last_errors = {k.lower(): v for k, v in data.get("last_errors", {}).items()}
    for text, code in last_errors.items():
        if not isinstance(code, str) or (code and not re.fullmatch(r"0x[0-9A-F]{8}", code)):
            raise KnowledgeError(
                f'writers.toml [last_errors] {text!r}: expected a code like 0x800423F3 or ""'
            )
    writers = tuple(
        WriterInfo(
            name=_str(e, "name", "writers.toml [[writer]]"),
            match=_compile(e.get("match"), "writers.toml " + e.get("name", "?")),
            writer_id=_str(e, "writer_id", "writers.toml", ""),
            service=_str(e, "service", "writers.toml", ""),
            causes=_causes(e.get("causes", {}), "writers.toml " + e.get("name", "?"), known),
        )
        for e in data.get("writer", [])
    )
    mentions = data.get("mentions", {})
    where = "writers.toml [mentions]"
    regexes = mentions.get("regexes", [])
    if not isinstance(regexes, list):
        raise KnowledgeError("writers.toml [mentions]: regexes must be a list")
    compiled = tuple(_compile(r, "writers.toml [mentions]") for r in regexes)
    if any(p.groups < 1 for p in compiled):
        raise KnowledgeError("writers.toml [mentions]: each regex needs a group for the writer name")
    return {
        "writer_mentions": compiled,
        "mention_weight": _num(mentions.get("weight", 0.5), where + " weight"),
        "mention_failed_weight": _num(mentions.get("failed_weight", 0.85), where + " failed_weight"),
        "mention_failed_nearby": _compile(mentions.get("failed_nearby"), where + " failed_nearby"),
        "writer_states": states,
        "last_errors": last_errors,
        "writers": writers,
        "writer_failed_weight": _num(data.get("failed_weight", 1.0), "writers.toml failed_weight"),
        "writer_stuck_weight": _num(data.get("stuck_weight", 0.5), "writers.toml stuck_weight"),
        "default_writer_causes": _causes(
            data.get("default_causes", {}), "writers.toml default_causes", known
        ),
    }


def _load_patterns(directory: Path, known: Mapping[str, NextStep]) -> dict[str, Any]:
    data = _read(directory, "patterns.toml")
    context = data.get("context", {})
    patterns = []
    names: set[str] = set()
    for i, entry in enumerate(data.get("pattern", [])):
        where = "patterns.toml pattern #{} ({})".format(i + 1, entry.get("name"))
        name = _str(entry, "name", where)
        if name in names:
            raise KnowledgeError(f"{where}: duplicate name")
        names.add(name)
        patterns.append(
            MessagePattern(
                name=name,
                source=_str(entry, "source", where, ""),
                regex=_compile(entry.get("regex"), where),
                causes=_causes(entry.get("causes", {}), where, known),
                needs_context=bool(entry.get("needs_context", True)),
                generic=bool(entry.get("generic", False)),
            )
        )
    return {
        "patterns": tuple(patterns),
        "context": _compile(context.get("regex"), "patterns.toml [context]"),
        "short_text_words": int(context.get("short_text_words", 6)),
    }


def load_knowledge(directory: Path | None = None) -> Knowledge:
    """Read and check every triage knowledge file in ``directory`` (default: the shipped resources)."""
    directory = directory or resource_path("triage")
    next_steps = _load_next_steps(directory)
    codes, text_factor, wmi = _load_codes(directory, next_steps)
    writers = _load_writers(directory, next_steps)
    for text, code in writers["last_errors"].items():
        if code and int(code, 16) not in codes:
            raise KnowledgeError(f"writers.toml [last_errors] {text!r}: {code} is not in hresults.toml")
    if not writers["default_writer_causes"]:
        raise KnowledgeError(
            "writers.toml: default_causes missing (top-level keys must come before any table)"
        )
    by_name = {info.name.upper(): info for info in codes.values() if re.fullmatch(r"[A-Z0-9_]+", info.name)}
    return Knowledge(
        codes=codes,
        codes_by_name=by_name,
        text_factor=text_factor,
        wmi=wmi,
        **_load_events(directory, next_steps),
        **writers,
        **_load_patterns(directory, next_steps),
        next_steps=next_steps,
    )


@cache
def knowledge() -> Knowledge:
    """The shipped knowledge, loaded once."""
    return load_knowledge()
