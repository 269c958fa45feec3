"""Shared helpers for the triage and offline-import tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


def shared_dir() -> Path | None:
    """The project's shared folder (``../shared`` next to the repository; for a git worktree under
    ``wt/`` one level further up), or HVASSIST_SHARED_DIR."""
    candidates = [
        os.environ.get("HVASSIST_SHARED_DIR", ""),
        REPO_ROOT.parent / "shared",
        REPO_ROOT.parent.parent / "shared",
    ]
    for candidate in candidates:
        if candidate and (Path(candidate) / "kb").is_dir():
            return Path(candidate)
    return None


@pytest.fixture
def shared() -> Path:
    path = shared_dir()
    if path is None:
        pytest.skip("shared folder (../shared) not found")
    return path
