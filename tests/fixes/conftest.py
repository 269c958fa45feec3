"""The all-faults lab for the guided-fix tests (each test gets a fresh one: fixes change it)."""

from __future__ import annotations

import pytest

from hvassist.audit import AuditLog
from hvassist.lab.runtime import start_lab


@pytest.fixture
def lab():
    lab = start_lab("all-faults")
    try:
        yield lab
    finally:
        lab.stop()


@pytest.fixture
def audit(hvassist_home):
    return AuditLog(hvassist_home / "audit.jsonl")
