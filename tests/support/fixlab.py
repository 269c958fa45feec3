"""Helpers for the guided-fix tests: diagnose one host of a lab the way the next diagnosis sees it."""

from __future__ import annotations

from dataclasses import dataclass

from hvassist.diagnose.engine import run_rules
from hvassist.diagnose.findings import Finding
from hvassist.fixes.catalogue import build_plan
from hvassist.fixes.plan import FixPlan
from hvassist.lab.runtime import Lab
from hvassist.remote.session import HostSession
from hvassist.services.diagnosis import collect_snapshot
from hvassist.snapshot import HostSnapshot


def session(lab: Lab, host: str) -> HostSession:
    return HostSession(lab.endpoint(host), lab.username, lab.password)


@dataclass
class Look:
    snapshot: HostSnapshot
    findings: list[Finding]

    def of(self, cause: str, vm: str | None) -> list[Finding]:
        """Findings with this cause on the VM (or, for vm None, on the host itself)."""
        return [f for f in self.findings if f.cause == cause and f.vm == vm]

    def on(self, vm: str | None) -> list[Finding]:
        return [f for f in self.findings if f.vm == vm]

    def plan(self, cause: str, vm: str | None) -> FixPlan:
        found = self.of(cause, vm)
        assert found, "no %s finding on %s" % (cause, vm or self.snapshot.host.name)
        return build_plan(found[0], self.snapshot)


def look(lab: Lab, host: str) -> Look:
    """One collection of the host, as the next diagnosis (and the fix's verification) sees it."""
    with session(lab, host) as s:
        snap = collect_snapshot(s)
    return Look(snap, run_rules(snap))
