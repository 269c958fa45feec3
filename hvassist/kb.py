"""The cause catalogue's knowledge texts (``resources/kb/causes/<id>.toml``).

Each file holds, for one stable cause id (``shared/kb/causes.md``): a plain-language title,
summary, why it breaks the backup, what to do, the technical detail (one click away), where
it can be seen (host, guest, backup product log), the backup stage it fails at, and sources.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache

from hvassist.resources import resource_path

SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class CauseText:
    id: str
    title: str
    severity: str
    summary: str
    why: str
    what_to_do: tuple[str, ...]
    technical: str
    seen_on: tuple[str, ...]  # "host", "guest", "product-log"
    stages: tuple[str, ...] = field(default_factory=tuple)  # stage ids where it fails (hvassist.stages)
    versions: str = ""
    guest_command: str = ""  # what to run inside the guest when only the guest can tell
    sources: tuple[str, ...] = field(default_factory=tuple)


@cache
def all_causes() -> dict[str, CauseText]:
    causes: dict[str, CauseText] = {}
    for path in sorted(resource_path("kb", "causes").glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        if data.get("id") != path.stem:
            raise ValueError("%s: id %r does not match the file name" % (path.name, data.get("id")))
        if data.get("severity") not in SEVERITIES:
            raise ValueError("%s: severity must be one of %s" % (path.name, SEVERITIES))
        causes[path.stem] = CauseText(
            id=data["id"], title=data["title"], severity=data["severity"], summary=data["summary"].strip(),
            why=data["why"].strip(), what_to_do=tuple(data["what_to_do"]), technical=data["technical"].strip(),
            seen_on=tuple(data["seen_on"]), stages=tuple(data.get("stages", ())),
            versions=data.get("versions", ""), guest_command=data.get("guest_command", "").strip(),
            sources=tuple(data.get("sources", ())))
    return causes


def cause(cause_id: str) -> CauseText:
    try:
        return all_causes()[cause_id]
    except KeyError:
        raise KeyError("unknown cause id %r" % cause_id) from None
