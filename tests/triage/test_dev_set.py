"""The shared dev set of real cases: the expected cause must rank first for at least 90%."""

from __future__ import annotations

import json
from pathlib import Path

from hvassist.triage import triage_text

THRESHOLD = 0.9


def test_dev_set_ranks_expected_cause_first(shared: Path) -> None:
    path = shared / "kb" / "triage-dev.jsonl"
    if not path.is_file():
        import pytest

        pytest.skip("triage-dev.jsonl not found")
    cases = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert cases
    hits = 0
    for case in cases:
        result = triage_text(case["text"])
        ranked = [c.id for c in result.causes]
        ok = bool(ranked) and ranked[0] == case["expected"]
        hits += ok
        got = ", ".join(f"{c.id} {c.score:.2f}" for c in result.causes[:3])
        print(f"{case['id']:<6} {'ok' if ok else 'MISS':<5} expected {case['expected']:<30} got {got}")
    accuracy = hits / len(cases)
    print(f"dev set: {hits}/{len(cases)} = {accuracy:.0%} ranked first")
    assert accuracy >= THRESHOLD
