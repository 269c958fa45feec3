"""Run every rule over a snapshot."""

from __future__ import annotations

import logging

from hvassist.diagnose.findings import Finding, sort_findings
from hvassist.diagnose.rules import ALL_RULES, Rule
from hvassist.snapshot import HostSnapshot

log = logging.getLogger(__name__)


def run_rules(snapshot: HostSnapshot, rules: tuple[Rule, ...] = ALL_RULES) -> list[Finding]:
    findings: list[Finding] = []
    for rule in rules:
        try:
            findings.extend(rule.check(snapshot))
        except Exception:  # one broken rule must not hide the others' findings
            log.exception("rule %s failed on %s", rule.cause, snapshot.host.name)
    return sort_findings(findings)
