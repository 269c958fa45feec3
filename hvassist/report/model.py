"""The report as data: what was checked, what is wrong, what was done, what is next.

``build_report`` turns a ``Diagnosis`` and the audit log's entries into a ``Report`` that the HTML,
print (PDF) and ticket-text renderers all read, so the three always say the same thing. Redaction
happens here, once, on the customer data (names in tables, evidence, paths, audit entries); the
catalogue's explanations are generic and stay as written. Secrets registered with the log filter
are blanked from every customer string as well, whether redaction is on or not.
"""

from __future__ import annotations

import datetime as dt
import getpass
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from hvassist import __version__
from hvassist.diagnose.findings import Finding
from hvassist.kb import all_causes
from hvassist.logsetup import redact as blank_secrets
from hvassist.report.redaction import Pseudonyms
from hvassist.services.diagnosis import Diagnosis, HostOutcome, host_json

SEVERITY_WORDS = {"error": "Backup fails", "warning": "Backup degraded", "info": "Good to know"}
SEVERITY_KINDS = ("error", "warning", "info")

# Backup readiness verdicts (per VM): plain words and the colour kind used for them.
READINESS_WORDS = {
    "application-consistent": ("Application-consistent", "ok"),
    "crash-consistent": ("Crash-consistent only", "warning"),
    "offline": ("Offline (saved state)", "warning"),
    "failing": ("Backup will fail", "error"),
}
NOT_ASSESSED = ("Not assessed", "none")

# Fix step ids are data ("add-scsi-controller"); these words read better in a ticket.
_ACRONYMS = {"vm": "VM", "scsi": "SCSI", "ic": "IC", "vss": "VSS", "csv": "CSV", "avhdx": "AVHDX", "vhdx": "VHDX"}
_STEP_RESULTS = {"ok": "Done", "no-change": "Nothing to change", "failed": "Failed", "cancelled": "Cancelled"}
_STEP_STOPPED = ("failed", "cancelled")


@dataclass(frozen=True)
class EvidenceItem:
    text: str
    source: str = ""
    time: str = ""  # formatted, UTC


@dataclass(frozen=True)
class FindingItem:
    cause: str
    severity: str
    severity_word: str
    title: str
    host: str
    vm: str | None
    summary: str
    why: str
    what_to_do: tuple[str, ...]
    technical: str
    guest_command: str
    evidence: tuple[EvidenceItem, ...]
    sources: tuple[str, ...]
    fix_available: bool

    @property
    def where(self) -> str:
        return "%s on %s" % (self.vm, self.host) if self.vm else self.host


@dataclass(frozen=True)
class HostRow:
    name: str
    os: str
    cluster: str
    checked_at: str
    vms: int
    problems: int
    ok: bool


@dataclass(frozen=True)
class UncheckedHost:
    name: str
    reason: str
    what_to_do: str
    kind: str


@dataclass(frozen=True)
class ReadinessRow:
    host: str
    vm: str
    state: str
    verdict: str  # plain words
    kind: str  # ok / warning / error / none
    reasons: tuple[str, ...]
    problems: tuple[str, ...]  # finding titles for this VM


@dataclass(frozen=True)
class Change:
    what: str
    before: str
    after: str


@dataclass(frozen=True)
class StepItem:
    time: str
    title: str
    script: str
    result: str  # plain words
    ok: bool
    changes: tuple[Change, ...]
    detail: str = ""


@dataclass(frozen=True)
class ActionItem:
    time: str
    host: str
    vm: str | None
    cause: str
    problem: str  # the finding's title: the "before"
    title: str  # what was done
    who: str
    remote_user: str
    steps: tuple[StepItem, ...]
    outcome: str  # the "after", in plain words
    kind: str  # ok / warning / error

    @property
    def where(self) -> str:
        return "%s on %s" % (self.vm, self.host) if self.vm else self.host


@dataclass(frozen=True)
class Report:
    title: str
    generated_at: str
    generated_by: str
    version: str
    checked_at: str
    hosts: tuple[HostRow, ...]
    unchecked: tuple[UncheckedHost, ...]
    findings: tuple[FindingItem, ...]
    readiness: tuple[ReadinessRow, ...]
    readiness_assessed: bool
    actions: tuple[ActionItem, ...]
    redacted: bool
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def host_names(self) -> list[str]:
        return [h.name for h in self.hosts] + [u.name for u in self.unchecked if u.name not in
                                               {h.name for h in self.hosts}]

    @property
    def vm_count(self) -> int:
        return len(self.readiness)

    @property
    def vms_with_problems(self) -> int:
        return sum(1 for r in self.readiness if r.problems)

    def readiness_counts(self) -> list[tuple[str, str, int]]:
        """(verdict words, kind, number of VMs), in a stable order."""
        order = [w for w, _k in READINESS_WORDS.values()] + [NOT_ASSESSED[0]]
        found: dict[tuple[str, str], int] = {}
        for r in self.readiness:
            found[(r.verdict, r.kind)] = found.get((r.verdict, r.kind), 0) + 1
        return sorted(((w, k, n) for (w, k), n in found.items()),
                      key=lambda x: order.index(x[0]) if x[0] in order else len(order))

    def headline(self) -> str:
        """One sentence: how bad is it."""
        parts = []
        errors, warnings, infos = (self.counts.get(k, 0) for k in SEVERITY_KINDS)
        if errors:
            parts.append("%d problem%s make%s backups fail" % (errors, _s(errors), "" if errors != 1 else "s"))
        if warnings:
            parts.append("%d degrade%s them" % (warnings, "" if warnings != 1 else "s"))
        if infos:
            parts.append("%d %s good to know" % (infos, "is" if infos == 1 else "are"))
        if not parts:
            text = "No backup problems found on the hosts that could be checked."
        else:
            text = "; ".join(parts) + "."
            text = text[0].upper() + text[1:]
        if self.unchecked:
            text += " %d host%s could not be checked." % (len(self.unchecked), _s(len(self.unchecked)))
        return text


def _s(n: int) -> str:
    return "" if n == 1 else "s"


# -- building ---------------------------------------------------------------------------------
def build_report(diagnosis: Diagnosis, audit_entries: Iterable[dict[str, Any]] = (), *, redact: bool = False,
                 since: dt.datetime | None = None, generated_by: str | None = None,
                 now: dt.datetime | None = None, title: str = "Hyper-V backup check") -> Report:
    """The report for ``diagnosis``.

    ``audit_entries`` are the audit log's entries; only those for the diagnosed hosts (and at or after
    ``since``, when given) become "actions taken". With ``redact``, host, cluster, VM, domain and user
    names are replaced by consistent pseudonyms everywhere.
    """
    now = now or dt.datetime.now(dt.UTC)
    user = generated_by if generated_by is not None else _local_user()
    hosts = {h.host.casefold() for h in diagnosis.hosts}
    entries = [e for e in audit_entries if isinstance(e, dict) and str(e.get("host", "")).casefold() in hosts
               and _after(e.get("time"), since)]
    names = Pseudonyms()
    if redact:
        _register_names(names, diagnosis, entries, user)

    def scrub(text: str | None) -> str:
        text = blank_secrets(text or "")
        return names.text(text) if redact else text

    findings = diagnosis.findings
    readiness = tuple(r for h in diagnosis.hosts for r in _readiness_rows(h, scrub))
    return Report(
        title=title,
        generated_at=format_time(now),
        generated_by=scrub(user),
        version=__version__,
        checked_at=_checked_at(diagnosis),
        hosts=tuple(_host_row(h, scrub) for h in diagnosis.hosts if h.snapshot is not None),
        unchecked=tuple(_unchecked(h, scrub) for h in diagnosis.hosts if not h.ok),
        findings=tuple(_finding_item(f, scrub) for f in findings),
        readiness=readiness,
        readiness_assessed=any(r.kind != NOT_ASSESSED[1] for r in readiness),
        actions=tuple(_actions(entries, scrub, names if redact else None)),
        redacted=redact,
        counts={k: sum(1 for f in findings if f.severity == k) for k in SEVERITY_KINDS},
    )


def _local_user() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return "unknown"


def _register_names(names: Pseudonyms, diagnosis: Diagnosis, entries: list[dict[str, Any]], user: str) -> None:
    """Every name the report can show, in the order the reader meets them (HOST-1 is the first host)."""
    for h in diagnosis.hosts:
        names.add_host(h.host)
    for h in diagnosis.hosts:
        s = h.snapshot
        if s is None:
            continue
        names.add_host(s.host.name, same_as=h.host)  # the name the host gives itself: the same host
        if s.host.cluster is not None:
            names.add("cluster", s.host.cluster.name)
            for node, _state in s.host.cluster.nodes:
                names.add_host(node)
        for c in s.csvs:
            names.add_host(c.owner)
        names.add_domain(s.host.domain)
    for h in diagnosis.hosts:
        for f in h.findings:
            names.add_host(f.host)
        if h.snapshot is not None:
            for v in h.snapshot.vms:
                names.add("vm", v.name)
                if v.guest is not None and v.guest.fqdn:
                    label, _, domain = v.guest.fqdn.partition(".")
                    names.add("vm", label)
                    names.add_domain(domain)
        for f in h.findings:
            names.add("vm", f.vm)
    for e in entries:
        names.add_host(str(e.get("host") or ""))
        names.add("vm", str(e.get("vm") or ""))
    names.add_user(user)
    for e in entries:
        names.add_user(str(e.get("who") or ""))
        names.add_user(str(e.get("remote_user") or ""))


def format_time(value: str | dt.datetime | None) -> str:
    """``2026-11-24 05:51 UTC``; text that is not a time is returned as it is."""
    if value is None or value == "":
        return ""
    t = value if isinstance(value, dt.datetime) else _parse_time(value)
    if t is None:
        return str(value)
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.UTC)
    return t.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _parse_time(text: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return None


def _after(time: Any, since: dt.datetime | None) -> bool:
    if since is None:
        return True
    t = _parse_time(str(time or ""))
    if t is None:
        return False
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.UTC)
    # audit times have whole seconds: compare at that precision
    return t >= since.replace(microsecond=0)


def _checked_at(diagnosis: Diagnosis) -> str:
    times = sorted(h.snapshot.collected_at for h in diagnosis.hosts if h.snapshot and h.snapshot.collected_at)
    if not times:
        return ""
    first, last = format_time(times[0]), format_time(times[-1])
    return first if first == last else "%s to %s" % (first, last)


def _host_row(h: HostOutcome, scrub: Callable[[str | None], str]) -> HostRow:
    s = h.snapshot
    assert s is not None
    return HostRow(name=scrub(h.host), os=s.host.os_caption.removeprefix("Microsoft ").strip(),
                   cluster=scrub(s.host.cluster.name) if s.host.cluster else "",
                   checked_at=format_time(s.collected_at), vms=len(s.vms), problems=len(h.findings), ok=h.ok)


def _unchecked(h: HostOutcome, scrub: Callable[[str | None], str]) -> UncheckedHost:
    if h.error is not None:
        return UncheckedHost(scrub(h.host), scrub(h.error.message), scrub(h.error.action), h.error.kind)
    return UncheckedHost(scrub(h.host), "The host did not answer with its facts.", "Run the check again.",
                         "unknown")


def _finding_item(f: Finding, scrub: Callable[[str | None], str]) -> FindingItem:
    from hvassist.fixes.catalogue import has_fix

    t = all_causes().get(f.cause)
    return FindingItem(
        cause=f.cause, severity=f.severity, severity_word=SEVERITY_WORDS.get(f.severity, f.severity),
        title=t.title if t else f.cause, host=scrub(f.host), vm=scrub(f.vm) if f.vm else None,
        summary=t.summary if t else "", why=t.why if t else "", what_to_do=t.what_to_do if t else (),
        technical=t.technical if t else "", guest_command=t.guest_command if t else "",
        evidence=tuple(EvidenceItem(scrub(e.text), scrub(e.source), format_time(e.time)) for e in f.evidence),
        sources=t.sources if t else (), fix_available=has_fix(f.cause))


# -- readiness ----------------------------------------------------------------------------------
def _readiness_rows(h: HostOutcome, scrub: Callable[[str | None], str]) -> list[ReadinessRow]:
    """One row per VM. The verdict comes from the diagnosis data ("readiness" per VM in the host's JSON)
    when the diagnosis assesses it; otherwise the row says "Not assessed"."""
    if h.snapshot is None:
        return []
    by_id: dict[str, Any] = {}
    try:
        for v in host_json(h).get("vms", []):
            if isinstance(v, dict) and v.get("readiness") is not None:
                by_id[str(v.get("id", "")).lower()] = v["readiness"]
    except Exception:  # readiness is an addition; a report without it is still a report
        by_id = {}
    rows = []
    for vm in h.snapshot.vms:
        verdict, kind, reasons = _readiness_verdict(by_id.get(vm.id))
        titles = tuple(f.title for f in h.findings if f.vm_id == vm.id)
        rows.append(ReadinessRow(scrub(h.host), scrub(vm.name), vm.state, verdict, kind,
                                 tuple(scrub(r) for r in reasons), titles))
    return rows


def _readiness_verdict(value: Any) -> tuple[str, str, list[str]]:
    """Accepts a verdict id, or an object/dict with ``verdict`` (or ``kind``/``status``) and ``reasons``."""
    if value is None:
        return NOT_ASSESSED[0], NOT_ASSESSED[1], []
    raw: Any = value
    reasons: Any = []
    if isinstance(value, dict):
        raw = next((value[k] for k in ("verdict", "kind", "status", "level", "result") if value.get(k)), "")
        reasons = value.get("reasons") or value.get("reason") or []
    elif not isinstance(value, str):
        raw = next((getattr(value, k) for k in ("verdict", "kind", "status") if getattr(value, k, None)), "")
        reasons = getattr(value, "reasons", [])
    raw = str(getattr(raw, "value", raw))  # an Enum
    if isinstance(reasons, str):
        reasons = [reasons]
    reason_texts = [_reason_text(r) for r in reasons if r]
    key = raw.strip().lower().replace("_", "-").replace(" ", "-")
    if key in READINESS_WORDS:
        words, kind = READINESS_WORDS[key]
    elif "application" in key or key in ("app-consistent", "consistent"):
        words, kind = READINESS_WORDS["application-consistent"]
    elif "crash" in key:
        words, kind = READINESS_WORDS["crash-consistent"]
    elif "offline" in key or "saved" in key:
        words, kind = READINESS_WORDS["offline"]
    elif "fail" in key:
        words, kind = READINESS_WORDS["failing"]
    elif not key:
        return NOT_ASSESSED[0], NOT_ASSESSED[1], reason_texts
    else:
        words, kind = raw.strip(), "warning"
    return words, kind, reason_texts


def _reason_text(r: Any) -> str:
    if isinstance(r, dict):
        return str(next((r[k] for k in ("text", "reason", "message", "summary") if r.get(k)), r))
    return str(r)


# -- actions (audit log) -------------------------------------------------------------------------
def _actions(entries: list[dict[str, Any]], scrub: Callable[[str | None], str],
             names: Pseudonyms | None) -> list[ActionItem]:
    """Audit entries grouped per fix (plan id); each group reads as before -> steps -> after."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for i, e in enumerate(entries):
        key = str(e.get("plan") or "") or "entry-%d" % i
        groups.setdefault(key, []).append(e)
    causes = all_causes()
    out = []
    for group in groups.values():
        first = group[0]
        cause = str(first.get("cause") or "")
        text = causes.get(cause)
        confirmed = next((e for e in group if e.get("action") == "fix-confirmed"), None)
        steps = tuple(_step_item(e, scrub) for e in group if e.get("action") == "fix-step")
        outcome, kind = _outcome(group, steps, scrub)
        title = str(confirmed.get("detail") or "") if confirmed else ""
        if not title:
            title = "; ".join(s.title for s in steps) or _humanize(str(first.get("action") or "action"))
        out.append(ActionItem(
            time=format_time(str(first.get("time") or "")), host=scrub(str(first.get("host") or "")),
            vm=scrub(str(first.get("vm"))) if first.get("vm") else None, cause=cause,
            problem=text.title if text else cause, title=scrub(title), who=scrub(str(first.get("who") or "")),
            remote_user=scrub(str(first.get("remote_user") or "")), steps=steps, outcome=outcome, kind=kind))
    return out


def _step_item(e: dict[str, Any], scrub: Callable[[str | None], str]) -> StepItem:
    result = str(e.get("result") or "")
    detail = str(e.get("detail") or "")
    changes, rest = _changes(detail)
    return StepItem(time=format_time(str(e.get("time") or "")), title=_humanize(str(e.get("step") or e.get("script")
                                                                                    or "step")),
                    script=str(e.get("script") or ""), result=_STEP_RESULTS.get(result, result or "Unknown"),
                    ok=result not in _STEP_STOPPED, changes=tuple(Change(c.what, scrub(c.before), scrub(c.after))
                                                          for c in changes),
                    detail=scrub(rest))


def _outcome(group: list[dict[str, Any]], steps: tuple[StepItem, ...],
             scrub: Callable[[str | None], str]) -> tuple[str, str]:
    actions = {str(e.get("action")): e for e in group}
    failed = next((s for s in reversed(steps) if not s.ok), None)
    if failed is not None:
        stopped = max(i for i, e in enumerate(group) if e.get("action") == "fix-step"
                      and e.get("result") in _STEP_STOPPED)
        how = "was cancelled" if failed.result == "Cancelled" else "failed"
        first = "The step '%s' %s: %s." % (failed.title, how, failed.detail or "no detail")
        later = group[stopped + 1:]
        verified_later = [e for e in later if e.get("action") == "fix-verified"]
        if verified_later and verified_later[-1].get("result") == "finding-gone":
            return "Fixed in a second attempt. %s The remaining steps were done later." % first, "ok"
        if any(e.get("action") == "fix-step" for e in later):
            return ("%s Some steps were done later; see the steps. The problem was not confirmed gone." % first,
                    "warning")
        return "%s Nothing after it was run." % first, "error"
    skipped = actions.get("fix-skipped")
    if skipped is not None:
        result = skipped.get("result")
        if result == "already-done":
            return ("Nothing more for hvassist to do: its steps were already done. The rest of the fix is for a "
                    "person (see the fix's instructions); the problem is still reported until then.", "warning")
        if result in ("blocked", "outdated"):
            detail = scrub(str(skipped.get("detail") or "the host changed since the preview"))
            return (detail if detail.lower().startswith("not applied") else "Not applied: %s" % detail), "warning"
        return "Nothing to do: the host was checked again and the problem was already gone. Nothing was changed.", "ok"
    verified = actions.get("fix-verified")
    if verified is not None:
        if verified.get("result") == "finding-gone":
            return "Fixed: the host was checked again and the problem is gone.", "ok"
        return "The steps ran, but the problem is still reported. See the findings above.", "warning"
    if steps:
        return "The steps ran; the host was not checked again afterwards.", "warning"
    if len(group) == 1 and "fix-confirmed" not in actions:
        e = group[0]
        text = ("%s: %s" % (e.get("result") or "", e.get("detail") or "")).strip(": ")
        return scrub(text), "error" if e.get("result") == "failed" else "ok"
    return "Confirmed, but no step was recorded.", "warning"


_PAIR = re.compile(r"([A-Za-z_]+)=([^,]*)")


def _changes(detail: str) -> tuple[list[Change], str]:
    """``changed=True, state_before=Running, state_after=Off`` -> [Change("State", "Running", "Off")]."""
    pairs = dict((k, v.strip()) for k, v in _PAIR.findall(detail))
    if not pairs or not any(k.endswith(("_before", "_after")) for k in pairs):
        return [], "" if pairs else detail
    changes = []
    for k, before in pairs.items():
        if k.endswith("_before"):
            what = k.removesuffix("_before")
            changes.append(Change(_humanize(what), before, pairs.get(what + "_after", "")))
    return changes, ""


def _humanize(ident: str) -> str:
    words = re.split(r"[-_\s]+", ident.strip())
    out = [_ACRONYMS.get(w.lower(), w.lower()) for w in words if w]
    if out and out[0].islower():
        out[0] = out[0].capitalize()
    return " ".join(out)
