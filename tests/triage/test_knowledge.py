"""The knowledge files: consistent with the cause catalogue and the KB's verified event ids."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hvassist.resources import resource_path
from hvassist.triage import KnowledgeError, knowledge, load_knowledge, triage_text

# Event ids shared/kb/hyperv-backup-kb.md marks as confirmed in a source (section 0 and 1b).
VERIFIED_EVENTS = {
    ("vmms", 10103),
    ("vmms", 19100),
    ("vmms", 10150),
    ("vss", 8193),
    ("vss", 8194),
    ("vss", 8229),
    ("vss", 12289),
    ("vss", 12292),
    ("vss", 12293),
    ("vss", 12298),
    ("vss", 12310),
    ("vss", 12338),
    ("vss", 12340),
    ("vss", 12366),
    ("scm", 7023),
    ("vmicvss", 1),
    ("vmicvss", 2),
    ("vmicvss", 3),
    ("vmicvss", 13),
    ("vmicvss", 14),
    ("vmicvss", 15),
    ("icsvc", 22),
    ("icsvc", 23),
    ("icsvc", 24),
    ("sqlwriter", 24583),
    ("sqlvdi", 1),
}
UNVERIFIED_IDS = {4093, 10172, 16010, 18012, 18016}


def test_knowledge_loads() -> None:
    kb = knowledge()
    assert len(kb.next_steps) >= 40
    assert kb.patterns and kb.codes and kb.events and kb.writers


def test_cause_ids_match_catalogue(shared: Path) -> None:
    catalogue = (shared / "kb" / "causes.md").read_text(encoding="utf-8")
    ids = set(re.findall(r"^\| ([a-z0-9-]+) \|", catalogue, re.MULTILINE)) - {"id"}
    assert ids == set(knowledge().cause_ids)


def test_only_verified_event_ids() -> None:
    found = {(e.provider, e.id) for e in knowledge().events}
    assert found <= VERIFIED_EVENTS
    assert not {e.id for e in knowledge().events} & UNVERIFIED_IDS


def test_required_codes_present() -> None:
    codes = knowledge().codes
    for code, name in [
        (0x800423F3, "VSS_E_WRITERERROR_RETRYABLE"),
        (0x800423F4, "VSS_E_WRITERERROR_NONRETRYABLE"),
        (0x800423F2, "VSS_E_WRITERERROR_TIMEOUT"),
        (0x80042306, "VSS_E_PROVIDER_VETO"),
    ]:
        assert codes[code].name == name
    for code in (
        0x800423FB,
        0x80042313,
        0x80042409,
        0x80070018,
        0x80070005,
        0x80070020,
        0x80070032,
        0x80070050,
        0x80070070,
        0x800700EA,
        0x80070569,
        0x80070002,
    ):
        assert code in codes, hex(code)
    assert {32768, 32770, 32775} <= set(knowledge().wmi)


def test_titles_fall_back_to_cause_id() -> None:
    # Cause texts are written in parallel; triage must work whether or not a text exists.
    result = triage_text("0x80042313")
    cause = result.causes[0]
    texts = {p.stem for p in resource_path("kb", "causes").glob("*.toml")}
    assert cause.title == cause.id or cause.id in texts


def _copy_knowledge(tmp_path: Path) -> Path:
    for f in resource_path("triage").glob("*.toml"):
        (tmp_path / f.name).write_text(f.read_text(encoding="utf-8"), encoding="utf-8")
    return tmp_path


def test_unknown_cause_id_is_rejected(tmp_path: Path) -> None:
    d = _copy_knowledge(tmp_path)
    p = d / "patterns.toml"
    p.write_text(
        p.read_text(encoding="utf-8").replace("no-scsi-controller = 0.95", "no-such-cause = 0.95"),
        encoding="utf-8",
    )
    with pytest.raises(KnowledgeError, match="unknown cause id"):
        load_knowledge(d)


def test_bad_weight_and_regex_are_rejected(tmp_path: Path) -> None:
    d = _copy_knowledge(tmp_path)
    p = d / "patterns.toml"
    original = p.read_text(encoding="utf-8")
    p.write_text(original.replace("no-scsi-controller = 0.95", "no-scsi-controller = 1.5"), encoding="utf-8")
    with pytest.raises(KnowledgeError, match="0..1"):
        load_knowledge(d)
    p.write_text(
        original.replace("regex = 'cannot be hot backed up", "regex = '(cannot be hot backed up"),
        encoding="utf-8",
    )
    with pytest.raises(KnowledgeError, match="bad regex"):
        load_knowledge(d)


def test_readme_documents_every_file() -> None:
    readme = resource_path("triage", "README.md").read_text(encoding="utf-8")
    for f in resource_path("triage").glob("*.toml"):
        assert f.name in readme
