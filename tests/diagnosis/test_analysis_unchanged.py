"""The analysis (parsing, rules, pending checks, readiness) concludes exactly what it concluded before it was
made faster: every finding with its evidence and details, every pending check, every readiness verdict, on
the 1,024-VM benchmark estate and on the all-faults and seed scenarios (with guests and file servers looked
at). The stored copy was made before the speed-ups (``tests/support/analysis_golden.py`` says how to
regenerate it when a change of findings is intended)."""

from __future__ import annotations

from tests.support.analysis_golden import canonical, stored


def _first_difference(a, b, path="$"):
    if type(a) is not type(b):
        return "%s: %r != %r" % (path, a, b)
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return "%s.%s: only in %s" % (path, k, "now" if k in a else "the stored copy")
            d = _first_difference(a[k], b[k], "%s.%s" % (path, k))
            if d:
                return d
        return None
    if isinstance(a, list):
        for i, (x, y) in enumerate(zip(a, b)):
            d = _first_difference(x, y, "%s[%d]" % (path, i))
            if d:
                return d
        return None if len(a) == len(b) else "%s: %d items now, %d stored" % (path, len(a), len(b))
    return None if a == b else "%s: %r now, %r stored" % (path, a, b)


def test_findings_pending_checks_and_readiness_are_unchanged():
    now, before = canonical(), stored()
    assert sum(len(h["findings"]) for h in now["generated-16x64"]) == 489
    difference = _first_difference(now, before)
    assert difference is None, difference
