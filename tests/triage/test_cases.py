"""Realistic pasted texts (tests/triage/cases.py): varied formats and languages, and texts with no
backup meaning that must come back unrecognised."""

from __future__ import annotations

from typing import Any

import pytest

from hvassist.triage import triage_text
from tests.triage.cases import CASES


def test_case_collection_is_broad() -> None:
    backup = [c for c in CASES if c["expected"]]
    assert len(backup) >= 25
    assert len([c for c in CASES if c["expected"] is None]) >= 5
    assert {"de", "fr", "es"} <= {c["lang"] for c in backup}
    assert {"event", "vssadmin", "vendor-job", "code", "xml", "powershell", "mix"} <= {
        c["kind"] for c in backup
    }


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case(case: dict[str, Any]) -> None:
    result = triage_text(case["text"])
    ranked = [(c.id, c.score) for c in result.causes]
    print(case["id"], ranked)
    if case["expected"] is None:
        assert result.unrecognised, ranked
        assert result.causes == []
        return
    assert not result.unrecognised
    assert ranked and ranked[0][0] == case["expected"], ranked
    for cause_id in case.get("not_first", []):
        assert ranked[0][0] != cause_id
    best = result.causes[0]
    assert 0 < best.score <= 1
    assert best.evidence and all(isinstance(e, str) and e for e in best.evidence)
    assert best.next_step
    scores = [c.score for c in result.causes]
    assert scores == sorted(scores, reverse=True)


def _flat(text: str) -> str:
    import unicodedata

    return " ".join(unicodedata.normalize("NFKC", text).split())


@pytest.mark.parametrize(
    "case", [c for c in CASES if c["expected"]], ids=[c["id"] for c in CASES if c["expected"]]
)
def test_evidence_is_taken_from_the_text(case: dict[str, Any]) -> None:
    flat = _flat(case["text"])
    for cause in triage_text(case["text"]).causes:
        for piece in cause.evidence:
            assert piece.rstrip("…") in flat, (cause.id, piece)
