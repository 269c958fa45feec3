"""Turn any pasted text into ranked likely causes.

The text is searched for *signals*: Windows events (provider + id, in any language), error codes
(hex, decimal, negative, ``%%`` and symbolic forms, plus their English messages), Hyper-V WMI job
codes, VSS writer states and known message fragments of Windows and backup products. Each signal
points at causes with a weight 0..1 (``resources/triage``); a cause's score combines its signals as
independent evidence (noisy-OR: 1 - prod(1 - w)). Nothing recognised, or only weak hints, gives
``unrecognised`` and no causes: a helpdesk is better served by "I don't know" than by a guess.
"""

from __future__ import annotations

import bisect
import logging
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

from hvassist.triage.knowledge import CodeInfo, EventTemplate, Knowledge, knowledge
from hvassist.triage.vssadmin import parse_vssadmin_writers

log = logging.getLogger(__name__)

MAX_CHARS = 200_000  # longer pastes are cut (whole exported logs belong in `hvassist analyze`)
MIN_TOP_SCORE = 0.25  # below this the best cause is a guess: report unrecognised
MIN_SHOWN_SCORE = 0.1
MIN_SHOWN_RATIO = 0.2  # show causes scoring at least this share of the best one
STRONG_WEIGHT = 0.7  # a signal this strong names its cause; generic wrapper messages then count less
GENERIC_DAMPING = 0.5
MAX_CAUSES = 6
MAX_HITS_PER_ID = 50
MAX_EVIDENCE = 6
SNIPPET_CHARS = 160


@dataclass(frozen=True)
class RankedCause:
    id: str
    score: float  # 0..1
    title: str
    evidence: list[str]  # the pieces of the text that matched
    next_step: str  # plain words: connect to the host and check ..., or what to run in the guest
    where: str = "host"  # where the next step happens: host, guest, product
    command: str = ""  # what to run there, if one command shows it

    def to_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "score": self.score,
            "title": self.title,
            "evidence": list(self.evidence),
            "next_step": self.next_step,
            "where": self.where,
            "command": self.command,
        }


@dataclass(frozen=True)
class TriageResult:
    causes: list[RankedCause]  # best first
    unrecognised: bool
    recognised: list[str] = field(default_factory=list)  # what the text was understood to contain
    notes: list[str] = field(default_factory=list)  # remarks that are not causes (e.g. all writers stable)

    def to_json(self) -> dict[str, object]:
        return {
            "causes": [c.to_json() for c in self.causes],
            "unrecognised": self.unrecognised,
            "recognised": list(self.recognised),
            "notes": list(self.notes),
        }


@dataclass
class _Signal:
    label: str  # what was recognised, in plain words
    evidence: list[str]
    causes: dict[str, float]
    generic: bool = False  # a wrapper message around the real error


# --- text helpers -------------------------------------------------------------------------------

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)


# Control characters, bidi controls and lone surrogates (from undecodable bytes) only get in the way.
_CONTROL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    return _CONTROL.sub(" ", text)


def _snippet(text: str, start: int, end: int) -> str:
    piece = " ".join(text[start:end].split())
    return piece if len(piece) <= SNIPPET_CHARS else piece[: SNIPPET_CHARS - 1] + "…"


def _line_of(text: str, pos: int) -> str:
    start = max(text.rfind("\n", max(0, pos - SNIPPET_CHARS), pos) + 1, pos - SNIPPET_CHARS)
    end = text.find("\n", pos, pos + SNIPPET_CHARS)
    return _snippet(text, start, min(len(text), pos + SNIPPET_CHARS) if end < 0 else end)


def _nearest(sorted_positions: list[int], pos: int) -> int:
    """Distance from pos to the nearest of the sorted positions (a large number if there are none)."""
    i = bisect.bisect_left(sorted_positions, pos)
    around = sorted_positions[max(0, i - 1) : i + 1]
    return min((abs(p - pos) for p in around), default=1 << 30)


_CODE_WORDS = frozenset({"hr", "hresult", "error", "code", "err", "fehler", "erreur", "errorcode"})
_WORD = re.compile(r"[^\W\d_]{2,}")


def _is_short(text: str, kb: Knowledge) -> bool:
    """Little more than a code: "0x800423F3", "Error 32768", "hr = -2147212301"."""
    words = 0
    for token in text.split():
        if any(ch.isdigit() for ch in token) or token.upper().startswith("VSS_"):
            continue  # the code itself
        if token.strip(":=,.;()'\"[]").lower() in _CODE_WORDS:
            continue
        words += len(_WORD.findall(token))
        if words > kb.short_text_words:
            return False
    return True


# --- error codes --------------------------------------------------------------------------------

_HEX = re.compile(r"(?<![0-9A-Za-z_])-?0[xX]([0-9A-Fa-f]{1,8})L?(?![0-9A-Za-z_])")
_BARE_HEX = re.compile(r"(?<![0-9A-Za-z_{}\-])([0-9A-Fa-f]{8})(?![0-9A-Za-z_{}\-])")
_DECIMAL = re.compile(r"(?<![\w.,])(%%|-)?(\d{9,10})(?![\w.,])")
_SYMBOL = re.compile(r"\b(VSS_E_[A-Z_]+|E_ACCESSDENIED|ERROR_[A-Z_]+)\b")
_WIN32_CODE = re.compile(r"Win32 error[^\n]{0,160}?Code:\s*(\d{1,5})\b", re.IGNORECASE)


def _find_codes(text: str, kb: Knowledge) -> dict[int, tuple[float, list[str]]]:
    """code -> (strength, evidence) for every known code in the text."""
    found: dict[int, tuple[float, list[str]]] = {}

    def add(code: int, strength: float, evidence: str) -> None:
        if code not in kb.codes:
            return
        old_strength, old_evidence = found.get(code, (0.0, []))
        if evidence not in old_evidence:
            old_evidence.append(evidence)
        found[code] = (max(old_strength, strength), old_evidence)

    for m in _HEX.finditer(text):
        add(int(m.group(1), 16), 1.0, m.group(0).lstrip("-"))
    for m in _BARE_HEX.finditer(text):
        add(int(m.group(1), 16), 0.9, m.group(1))
    for m in _DECIMAL.finditer(text):
        value = int(m.group(2))
        if m.group(1) == "-":
            value = (-value) & 0xFFFFFFFF
        if value <= 0xFFFFFFFF:
            add(value, 1.0, m.group(0))
    for m in _SYMBOL.finditer(text):
        info = kb.codes_by_name.get(m.group(1))
        if info:
            add(info.code, 1.0, m.group(1))
    for m in _WIN32_CODE.finditer(text):
        add(0x80070000 | int(m.group(1)), 0.9, _snippet(text, m.start(), m.end()))
    for info in kb.codes.values():
        for pattern in info.texts:
            tm = pattern.search(text)
            if tm:
                add(info.code, kb.text_factor, _snippet(text, tm.start(), tm.end()))
    return found


def _code_signals(text: str, kb: Knowledge, context: bool) -> list[_Signal]:
    signals = []
    for code, (strength, evidence) in _find_codes(text, kb).items():
        info: CodeInfo = kb.codes[code]
        if info.needs_context and not context:
            continue
        label = f"{info.hex} {info.name}: {info.meaning}"
        signals.append(_Signal(label, evidence, {c: w * strength for c, w in info.causes.items()}))
    return signals


_WMI_TOKEN = re.compile(r"(?<![\w.,])(327[67]\d)(?![\w.,])")
_WMI_CONTEXT = re.compile(
    r"(?:error|code|wmi|return|job|fehler|erreur|c[oó]digo|status)[^\n]{0,30}$", re.IGNORECASE
)


def _wmi_signals(text: str, kb: Knowledge, short: bool) -> list[_Signal]:
    signals = []
    seen: set[int] = set()
    for m in _WMI_TOKEN.finditer(text):
        code = int(m.group(1))
        if code in seen or code not in kb.wmi:
            continue
        if not (short or _WMI_CONTEXT.search(text, max(0, m.start() - 40), m.start())):
            continue
        seen.add(code)
        info = kb.wmi[code]
        evidence = _snippet(text, max(text.rfind("\n", 0, m.start()) + 1, m.start() - 30), m.end() + 1)
        signals.append(
            _Signal(
                f"Hyper-V WMI job error {code}: {info.meaning}",
                [evidence],
                dict(info.causes),
                info.generic,
            )
        )
    return signals


# --- events -------------------------------------------------------------------------------------

_LABEL_LINE = re.compile(
    r"^[ \t]*(?P<label>[^:：\n]{1,40}?)[ \t]*[:：][ \t]*(?P<value>[^\n]{1,200}?)[ \t]*$", re.MULTILINE
)
_XML_EVENT_ID = re.compile(r"<EventID\b[^>]*>\s*(\d{1,5})\s*</EventID>", re.IGNORECASE)
_XML_PROVIDER = re.compile(r"<Provider\b[^>]*?\bName\s*=\s*['\"]([^'\"]{1,200})['\"]", re.IGNORECASE)
_EVENT_WORD = re.compile(
    r"(?:\bevent|ereignis|[ée]v[ée]nement|\bevento|gebeurtenis|zdarzeni[ae]|h[äa]ndelse|событи[ея])"
    r"(?:[\s-]*(?:id|nr\.?|no\.?|#|kennung))?[\s:#]*$",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"(?<![\w.,:/\\-])(\d{1,5})(?![\w.,/\\-]|:\d)")


@dataclass
class _EventHit:
    event_id: int
    pos: int
    how: str  # labelled, adjacent, loose
    evidence: str
    provider_hint: str | None = None  # provider key named with this occurrence (XML, Source: line)


def _provider_positions(text: str, kb: Knowledge) -> dict[str, list[int]]:
    return {key: [m.start() for m in p.match.finditer(text)] for key, p in kb.providers.items()}


def _event_hits(text: str, kb: Knowledge, known_ids: frozenset[int]) -> list[_EventHit]:
    hits: list[_EventHit] = []
    taken: set[int] = set()
    source_lines: list[tuple[int, str]] = []
    for m in _LABEL_LINE.finditer(text):
        label = " ".join(m.group("label").split()).rstrip(".").strip()
        value = m.group("value").strip()
        if kb.event_id_label.fullmatch(label) and value.isdigit() and int(value) in known_ids:
            hits.append(
                _EventHit(int(value), m.start("value"), "labelled", _snippet(text, m.start(), m.end()))
            )
            taken.add(m.start("value"))
        elif kb.source_label.fullmatch(label):
            source_lines.append((m.start(), value))
    for m in _XML_EVENT_ID.finditer(text):
        if int(m.group(1)) in known_ids:
            provider = _XML_PROVIDER.search(text, max(0, m.start() - 600), m.start())
            hint = _provider_key(provider.group(1), kb) if provider else None
            hits.append(
                _EventHit(int(m.group(1)), m.start(1), "labelled", _snippet(text, m.start(), m.end()), hint)
            )
            taken.add(m.start(1))
    source_positions = [pos for pos, _value in source_lines]
    for hit in hits:
        if hit.provider_hint is None and source_lines:
            i = bisect.bisect_left(source_positions, hit.pos)
            near = [source_lines[j] for j in (i - 1, i) if 0 <= j < len(source_lines)]
            pos, value = min(near, key=lambda pv: abs(pv[0] - hit.pos))
            if abs(pos - hit.pos) < 1500:
                hit.provider_hint = _provider_key(value, kb)
    per_id: dict[int, int] = {}
    for m in _NUMBER.finditer(text):
        event_id = int(m.group(1))
        if event_id not in known_ids or m.start(1) in taken:
            continue
        per_id[event_id] = per_id.get(event_id, 0) + 1
        if per_id[event_id] > MAX_HITS_PER_ID:
            continue  # a long paste repeating the same event says nothing new
        before = text[max(0, m.start() - 40) : m.start()]
        word = _EVENT_WORD.search(before)
        if word:
            start = m.start() - len(before) + word.start()
            hits.append(_EventHit(event_id, m.start(), "adjacent", _snippet(text, start, m.end())))
            continue
        adjacent = next(
            (
                key
                for key, p in kb.providers.items()
                if (pm := p.match.search(before)) and not before[pm.end() :].strip(" \t:#-")
            ),
            None,
        )
        if adjacent:
            hits.append(_EventHit(event_id, m.start(), "adjacent", _line_of(text, m.start()), adjacent))
        elif event_id >= 1000:  # small numbers are everywhere; only ids like 10103 stand on their own
            hits.append(_EventHit(event_id, m.start(), "loose", _line_of(text, m.start())))
    return hits


def _provider_key(name: str, kb: Knowledge) -> str | None:
    for key, provider in kb.providers.items():
        if provider.match.search(name):
            return key
    return None


def _choose_template(
    candidates: list[EventTemplate], text_matches: Mapping[int, re.Match[str] | None], versions: set[float]
) -> EventTemplate | None:
    matching_text = [t for t in candidates if text_matches[id(t)]]
    if len(matching_text) == 1:
        return matching_text[0]
    pool = matching_text or [t for t in candidates if not t.text_required]
    if not pool:
        return None
    if versions:
        by_os = [t for t in pool if any(t.applies_to(v) for v in versions)]
        if len(by_os) == 1:
            return by_os[0]
        pool = by_os or pool
    defaults = [t for t in pool if t.default]
    return defaults[0] if defaults else pool[0]


def _event_signals(text: str, kb: Knowledge, versions: set[float]) -> list[_Signal]:
    by_id: dict[int, list[EventTemplate]] = {}
    for template in kb.events:
        by_id.setdefault(template.id, []).append(template)
    positions = _provider_positions(text, kb)
    mentioned = {key for key, pos in positions.items() if pos}
    text_matches = {id(t): t.text.search(text) if t.text is not None else None for t in kb.events}
    best: dict[int, tuple[float, EventTemplate, _EventHit]] = {}
    for hit in _event_hits(text, kb, frozenset(by_id)):
        candidates = by_id[hit.event_id]
        providers = {t.provider for t in candidates}
        factor = kb.confidence[hit.how]
        if hit.provider_hint in providers:
            provider = hit.provider_hint
        elif providers & mentioned:
            # the provider mentioned nearest to the id
            provider = min(providers & mentioned, key=lambda k: _nearest(positions[k], hit.pos))
        elif hit.how != "loose" and hit.event_id >= 1000 and len(providers) == 1:
            provider = next(iter(providers))  # "Event ID: 10103" alone: only one provider logs that id
            factor *= 0.9
        else:
            continue
        chosen = _choose_template([t for t in candidates if t.provider == provider], text_matches, versions)
        if chosen is None:
            continue
        template = chosen
        if not text_matches[id(template)]:
            factor *= kb.confidence["no_text"]
        key = id(template)
        if key not in best or factor > best[key][0]:
            best[key] = (factor, template, hit)
    signals = []
    for factor, template, hit in best.values():
        provider_name = kb.providers[template.provider].name
        evidence = [hit.evidence]
        text_match = text_matches[id(template)]
        if text_match:
            line = _line_of(text, text_match.start())
            if line not in evidence:
                evidence.append(line)
        label = f"Event {template.id} from {provider_name}: {template.template}"
        signals.append(_Signal(label, evidence, {c: w * factor for c, w in template.causes.items()}))
    return signals


def _os_versions(text: str, kb: Knowledge) -> set[float]:
    versions: set[float] = set()
    for hint in kb.os_hints:
        if hint.match.search(text):
            versions.add(hint.version)
    return versions


# --- writers and patterns -----------------------------------------------------------------------


def _writer_signals(text: str, kb: Knowledge, notes: list[str], recognised: list[str]) -> list[_Signal]:
    writers = parse_vssadmin_writers(text)
    signals = []
    for w in writers:
        if not w.has_error:
            continue
        info = next((i for i in kb.writers if i.match.search(w.name)), None)
        causes = dict(info.causes) if info else dict(kb.default_writer_causes)
        factor = kb.writer_failed_weight if w.failed else kb.writer_stuck_weight
        state = f"[{w.state}] {w.state_name}" if w.state is not None else w.state_name or "an error"
        label = f"VSS writer '{w.name}' is in state {state}"
        if w.last_error:
            label += f" (last error: {w.last_error})"
        evidence = [_snippet(line, 0, len(line)) for line in w.evidence.splitlines() if line.strip()]
        signals.append(_Signal(label, evidence, {c: v * factor for c, v in causes.items()}))
        code = w.last_error_code
        if code:
            code_info = kb.codes.get(int(code, 16))
            if code_info:
                signals.append(
                    _Signal(
                        f"{code_info.hex} {code_info.name}: {code_info.meaning}",
                        [w.last_error],
                        {c: v * kb.text_factor for c, v in code_info.causes.items()},
                    )
                )
    if writers and not signals:
        notes.append(f"All {len(writers)} VSS writers in this list are stable, with no error.")
        recognised.append(f"A VSS writer list ({len(writers)} writers, none failed)")
    listed = {w.name.lower() for w in writers}
    return signals + _writer_mention_signals(text, kb, listed)


def _writer_mention_signals(text: str, kb: Knowledge, listed: set[str]) -> list[_Signal]:
    """Writers named in events and job logs, outside a vssadmin listing."""
    signals = []
    seen: set[str] = set()
    for regex in kb.writer_mentions:
        for m in regex.finditer(text):
            name = " ".join(m.group(1).split()).strip(" '\"[]")
            key = name.lower()
            if len(name) < 2 or key in seen or key in listed:
                continue
            seen.add(key)
            info = next((i for i in kb.writers if i.match.search(name)), None)
            causes = dict(info.causes) if info else dict(kb.default_writer_causes)
            failed = kb.mention_failed_nearby.search(text, m.start(), min(len(text), m.end() + 300))
            weight = kb.mention_failed_weight if failed else kb.mention_weight
            evidence = [_snippet(text, m.start(), m.end())]
            if failed:
                evidence.append(_snippet(text, failed.start(), failed.end()))
            label = f"VSS writer '{name}'" + (" in a failed state" if failed else " named in the text")
            signals.append(_Signal(label, evidence, {c: v * weight for c, v in causes.items()}))
    return signals


def _pattern_signals(text: str, kb: Knowledge, context: bool) -> list[_Signal]:
    signals = []
    for pattern in kb.patterns:
        if pattern.needs_context and not context:
            continue
        m = pattern.regex.search(text)
        if m and m.group(0).strip():
            evidence = _snippet(text, m.start(), m.end())
            source = {
                "veeam": "Veeam",
                "dpm": "DPM",
                "wsb": "Windows Server Backup",
                "backup-exec": "Backup Exec",
                "netbackup": "NetBackup",
                "altaro": "Altaro/Hornetsecurity",
                "asr": "Azure Site Recovery",
            }
            label = f"Message {evidence!r}"
            if pattern.source in source:
                label += f" (as {source[pattern.source]} reports it)"
            signals.append(_Signal(label, [evidence], dict(pattern.causes), pattern.generic))
    return signals


# --- ranking --------------------------------------------------------------------------------------


def _titles() -> Mapping[str, str]:
    # The cause texts are written in parallel with this engine; a missing or broken text must not
    # stop triage, so fall back to the cause id.
    try:
        from hvassist.kb import all_causes

        return {cid: text.title for cid, text in all_causes().items()}
    except Exception:
        return _titles_file_by_file()


def _titles_file_by_file() -> dict[str, str]:
    """Titles from the cause texts that do load, when one broken file stops the catalogue loader."""
    import tomllib

    from hvassist.resources import resource_path

    titles: dict[str, str] = {}
    try:
        paths = sorted(resource_path("kb", "causes").glob("*.toml"))
    except Exception:
        return titles
    for path in paths:
        try:
            title = tomllib.loads(path.read_text(encoding="utf-8")).get("title")
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            log.debug("cause text %s could not be read; its id stands in for the title", path.name)
            continue
        if isinstance(title, str) and title.strip():
            titles[path.stem] = title.strip()
    return titles


def _rank(signals: list[_Signal], kb: Knowledge) -> list[RankedCause]:
    remaining: dict[str, float] = {}
    evidence: dict[str, list[tuple[float, str]]] = {}
    specific = any(not s.generic and max(s.causes.values(), default=0.0) >= STRONG_WEIGHT for s in signals)
    for signal in signals:
        damping = GENERIC_DAMPING if specific and signal.generic else 1.0
        for cause_id, weight in signal.causes.items():
            weight = min(max(weight * damping, 0.0), 1.0)
            if weight <= 0:
                continue
            remaining[cause_id] = remaining.get(cause_id, 1.0) * (1.0 - weight)
            evidence.setdefault(cause_id, []).extend((weight, e) for e in signal.evidence)
    if not remaining:
        return []
    scores = {cause_id: 1.0 - rest for cause_id, rest in remaining.items()}
    top = max(scores.values())
    titles = _titles()
    ranked: list[RankedCause] = []
    for cause_id, score in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0])):
        if score < MIN_SHOWN_SCORE or score < top * MIN_SHOWN_RATIO or len(ranked) >= MAX_CAUSES:
            continue
        pieces: list[str] = []
        for _weight, piece in sorted(evidence[cause_id], key=lambda we: -we[0]):
            if piece and piece not in pieces:
                pieces.append(piece)
        step = kb.next_steps[cause_id]
        ranked.append(
            RankedCause(
                id=cause_id,
                score=round(score, 3),
                title=titles.get(cause_id, cause_id),
                evidence=pieces[:MAX_EVIDENCE],
                next_step=step.step,
                where=step.where,
                command=step.command,
            )
        )
    return ranked


def triage_text(text: str, *, host_os: str | None = None) -> TriageResult:
    """Rank the likely causes of a Hyper-V backup problem described by ``text``. Never raises on
    any string (events, job errors, vssadmin output, codes, a mix of them, or unrelated text).

    ``host_os``: the host's OS caption or version ("Windows Server 2012 R2 Datacenter", "6.3.9600")
    when the caller knows which host the text came from; it decides OS-dependent event meanings
    (Hyper-V-VMMS 10103) over any OS named in the text."""
    kb = knowledge()
    notes: list[str] = []
    recognised: list[str] = []
    if not isinstance(text, str):
        text = str(text)
    if len(text) > MAX_CHARS:
        notes.append(
            f"Only the first {MAX_CHARS} characters were read; open whole event logs with `hvassist analyze`."
        )
        text = text[:MAX_CHARS]
    text = _normalise(text)
    if not text.strip():
        return TriageResult([], True, [], ["The text is empty."])
    short = _is_short(text, kb)
    context = short or bool(kb.context.search(text))
    versions = (_os_versions(_normalise(host_os), kb) if host_os else set()) or _os_versions(text, kb)
    signals = (
        _event_signals(text, kb, versions)
        + _code_signals(text, kb, context)
        + _wmi_signals(text, kb, short)
        + _writer_signals(text, kb, notes, recognised)
        + _pattern_signals(text, kb, context)
    )
    for signal in signals:
        if signal.label not in recognised and not signal.label.startswith("Message "):
            recognised.append(signal.label)
    causes = _rank(signals, kb)
    if not causes or causes[0].score < MIN_TOP_SCORE:
        if recognised and not notes:
            notes.append("The text contains the items listed, but none of them points at a specific cause.")
        return TriageResult([], not recognised and not notes, recognised, notes)
    return TriageResult(causes, False, recognised, notes)


def event_as_text(event: Mapping[str, object]) -> str:
    """An event in the collect-host shape (``hvassist.offline`` readers, live collection) written
    the way Event Viewer copies it, so it can be triaged like a paste."""
    return "Log Name: {}\nSource: {}\nEvent ID: {}\nLevel: {}\nDescription:\n{}".format(
        event.get("log", ""),
        event.get("provider", ""),
        event.get("id", ""),
        event.get("level", ""),
        event.get("message", ""),
    )


def triage_event(event: Mapping[str, object], *, host_os: str | None = None) -> TriageResult:
    """Triage one event in the collect-host shape."""
    return triage_text(event_as_text(event), host_os=host_os)
