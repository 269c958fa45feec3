"""All rules, one per cause id. Add a module's ``RULES`` here."""

from __future__ import annotations

from hvassist.diagnose.rules import guest_rules, host_rules, vm_rules
from hvassist.diagnose.rules.base import Rule

ALL_RULES: tuple[Rule, ...] = (*vm_rules.RULES, *guest_rules.RULES, *host_rules.RULES)

__all__ = ["ALL_RULES", "Rule"]
