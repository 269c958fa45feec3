"""Shared fixtures. Every test runs with its own throwaway HVASSIST_HOME and Qt offscreen."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from hvassist.lab.runtime import start_lab  # noqa: E402


@pytest.fixture(autouse=True)
def hvassist_home(tmp_path, monkeypatch):
    home = tmp_path / "hvassist-home"
    monkeypatch.setenv("HVASSIST_HOME", str(home))
    return home


@pytest.fixture
def seed_lab():
    lab = start_lab("seed")
    try:
        yield lab
    finally:
        lab.stop()


@pytest.fixture
def seed_lab_https():
    lab = start_lab("seed", transport="https")
    try:
        yield lab
    finally:
        lab.stop()
