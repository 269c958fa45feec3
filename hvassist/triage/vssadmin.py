"""Parse VSS writer listings: ``vssadmin list writers`` in any language, and the one-line writer
reports Backup Exec prints ("Writer Name: ..., Writer ID: {...}, Last error: ..., State: ... (8).").

vssadmin's labels are translated ("Writer name" / "Verfassername" / "Nom de l'enregistreur") but
the layout is not: a quoted writer name, then the writer id, the instance id, ``[n]`` state and the
last error, one per line. So the parser goes by layout, not by label text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from hvassist.triage.knowledge import Knowledge, knowledge

# "Writer name: 'X'", "Nom de l'enregistreur : 'X'", "Verfassername: „X“": label, colon, quoted name.
_NAME_LINE = re.compile(
    r"^[ \t]*[^:\n]{2,60}?[ \t]*:[ \t]*['\"«„“‘](?P<name>[^'\"«»„“”‘’\n]{1,120})['\"»“”’][ \t]*$",
    re.MULTILINE,
)
_GUID = re.compile(r"\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\}")
_STATE = re.compile(r"\[\s*(\d{1,2})\s*\]\s*(.*)")
_LABEL_VALUE = re.compile(r"^[^:\n]{1,60}:\s*(.*?)\s*$")
# Backup Exec: "Writer Name: X, Writer ID: {..}, Last error: ... (0x800423F4), State: Failed during ... (8)."
_ONE_LINE = re.compile(
    r"Writer Name:\s*(?P<name>[^,\n]{1,120}),\s*Writer ID:\s*(?P<id>\{[^}\n]{36}\})(?P<rest>[^\n]{0,600})",
    re.IGNORECASE,
)
_ONE_LINE_ERROR = re.compile(r"Last error:\s*(?P<err>.*?)(?:,\s*State:|$)", re.IGNORECASE)
_ONE_LINE_STATE = re.compile(r"State:\s*(?P<text>[^\n(]*?)\s*\(\s*(?P<n>\d{1,2})\s*\)", re.IGNORECASE)


@dataclass(frozen=True)
class WriterStatus:
    name: str
    writer_id: str  # "{...}" or ""
    state: int | None  # VSS_WRITER_STATE number, None when the text did not give it
    state_name: str  # English name of the state ("Failed at freeze"), or the text's own words
    last_error: str  # as printed ("Retryable error", "Kein Fehler", ...), "" if not given
    failed: bool  # state 6..15
    evidence: str  # the lines this was read from

    @property
    def has_error(self) -> bool:
        """The writer reports a problem: failed state, or a waiting state with an error."""
        return self.failed or bool(self.last_error_code) or self._error_words()

    @property
    def last_error_code(self) -> str:
        """The HRESULT the English last-error text stands for ("" if none or unknown)."""
        return knowledge().last_errors.get(self.last_error.strip().lower(), "")

    def _error_words(self) -> bool:
        text = self.last_error.strip().lower()
        return (
            bool(text)
            and text not in knowledge().last_errors
            and bool(re.search(r"error|fail|fehler|erreur|échec|time|délai|tiempo", text))
            and not re.search(
                r"\bno error|kein fehler|aucune erreur|sin errores|ningún error|nessun errore|geen fout", text
            )
        )


def _state(number: int, kb: Knowledge) -> tuple[str, bool]:
    info = kb.writer_states.get(number)
    return (info.name, info.failed) if info else (f"state {number}", 6 <= number <= 15)


def parse_vssadmin_writers(text: str) -> list[WriterStatus]:
    """Every writer the text lists, in order. Texts that are not writer listings give ``[]``."""
    kb = knowledge()
    writers: list[WriterStatus] = []
    names = list(_NAME_LINE.finditer(text))
    for i, m in enumerate(names):
        end = names[i + 1].start() if i + 1 < len(names) else min(len(text), m.end() + 600)
        block_lines = text[m.end() : end].splitlines()[:8]
        writer_id = ""
        state: int | None = None
        state_words = ""
        last_error = ""
        used = [m.group(0).strip()]
        for j, line in enumerate(block_lines):
            if not writer_id and (g := _GUID.search(line)):
                writer_id = g.group(0)
                used.append(line.strip())
            s = _STATE.search(line)
            if state is None and s and ":" in line[: s.start()]:
                state = int(s.group(1))
                state_words = s.group(2).strip()
                used.append(line.strip())
                for follow in block_lines[j + 1 : j + 2]:
                    lv = _LABEL_VALUE.match(follow.strip())
                    if lv:
                        last_error = lv.group(1)
                        used.append(follow.strip())
                break
        if state is None:
            continue  # not a writer: e.g. "Provider name: '...'" of vssadmin list providers
        state_name, failed = _state(state, kb)
        writers.append(
            WriterStatus(
                name=m.group("name").strip(),
                writer_id=writer_id.lower(),
                state=state,
                state_name=state_name or state_words,
                last_error=last_error,
                failed=failed,
                evidence="\n".join(used),
            )
        )
    for m in _ONE_LINE.finditer(text):
        rest = m.group("rest")
        err = _ONE_LINE_ERROR.search(rest)
        st = _ONE_LINE_STATE.search(rest)
        state = int(st.group("n")) if st else None
        state_name, failed = _state(state, kb) if state is not None else ("", False)
        writers.append(
            WriterStatus(
                name=m.group("name").strip(),
                writer_id=m.group("id").lower(),
                state=state,
                state_name=state_name or (st.group("text").strip() if st else ""),
                last_error=err.group("err").strip() if err else "",
                failed=failed,
                evidence=m.group(0).strip()[:300],
            )
        )
    return writers
