"""Stage model, live follow, replay and the explainer. Qt runs offscreen here."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parents[2]


def _shared_kb() -> Path | None:
    """The shared knowledge base (causes.md), wherever this checkout sits next to it."""
    candidates = [os.environ.get("HVASSIST_SHARED_KB", "")]
    candidates += [str(p / "shared" / "kb") for p in REPO.parents]
    for c in candidates:
        if c and (Path(c) / "causes.md").is_file():
            return Path(c)
    return None


@pytest.fixture(scope="session")
def catalogue_cause_ids() -> set[str]:
    kb = _shared_kb()
    if kb is None:
        pytest.skip("shared/kb/causes.md not found (set HVASSIST_SHARED_KB)")
    ids = set()
    for line in (kb / "causes.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if (
            line.startswith("|")
            and len(cells) >= 2
            and cells[0] not in ("id", "")
            and not cells[0].startswith("-")
        ):
            ids.add(cells[0])
    assert ids, "no cause ids parsed from causes.md"
    return ids


@pytest.fixture()
def seed_lab():
    from hvassist.lab.runtime import start_lab

    lab = start_lab("seed")
    try:
        yield lab
    finally:
        lab.stop()
