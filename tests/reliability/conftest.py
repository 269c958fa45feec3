"""Fixtures of the reliability suite: the unreliable lab; at the end of the run, the counts for the closing note
(fault kinds injected, hostile inputs tried, secret hits)."""

from __future__ import annotations

import pytest
from support.reliability import FAULTS_INJECTED, TALLY

from hvassist.lab.runtime import start_lab


def pytest_terminal_summary(terminalreporter, exitstatus, config):  # noqa: ARG001 - pytest's signature
    if not TALLY and not FAULTS_INJECTED:
        return
    tr = terminalreporter
    tr.section("hvassist reliability counts")
    if FAULTS_INJECTED:
        tr.write_line("fault kinds injected by the lab: %d (%s)" % (
            len(FAULTS_INJECTED), ", ".join("%s=%s" % f for f in sorted(FAULTS_INJECTED, key=str))))
    hostile = sum(n for k, n in TALLY.items() if k.startswith(("hostile", "mutated", "damaged", "edited")))
    if hostile:
        tr.write_line("hostile inputs tried (all kinds): %d" % hostile)
    for key in sorted(TALLY):
        tr.write_line("%s: %d" % (key, TALLY[key]))


@pytest.fixture(scope="module")
def unreliable():
    """The lab with one host per fault (resources/scenarios/unreliable.toml), shared by a module's tests."""
    lab = start_lab("unreliable")
    try:
        yield lab
    finally:
        lab.stop()


@pytest.fixture
def unreliable_fresh():
    """Its own copy of the unreliable lab, for tests that change the estate (fixes, restarts)."""
    lab = start_lab("unreliable")
    try:
        yield lab
    finally:
        lab.stop()


