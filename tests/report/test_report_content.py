"""The report says everything the diagnosis and the audit log know: every finding, its evidence and sources,
the hosts that could not be checked, every change with its before and after; and no secret."""

from __future__ import annotations

import datetime as dt
import re

from hvassist.report import build_report, default_file_name, render_html, render_print_html, render_ticket_text
from hvassist.report.model import NOT_ASSESSED, format_time

from .conftest import DOWN_HOST, LOCAL_USER


def _all_outputs(report):
    return {"html": render_html(report), "print": render_print_html(report), "text": render_ticket_text(report)}


def test_report_contains_every_finding_host_and_action(seed_data):
    report = build_report(seed_data.diagnosis, seed_data.entries, since=seed_data.since)
    causes = {f.cause for f in seed_data.diagnosis.findings}
    assert causes >= {"lingering-recovery-checkpoint", "backup-ic-disabled", "vm-not-running"}
    assert "no-scsi-controller" not in causes, "the fixed problem is gone from the findings"
    outputs = _all_outputs(report)
    for name, out in outputs.items():
        for cause in causes:
            assert cause in out, (name, cause)
        for host in ("HV01", "HV02", DOWN_HOST):
            assert host in out, (name, host)
        assert "Add a SCSI controller to VM001" in out, name
    html = outputs["html"]
    # evidence with its source, sources as links, the action's steps with before -> after
    assert "Get-VMSnapshot -SnapshotType Recovery" in html
    assert 'href="https://learn.microsoft.com/troubleshoot/windows-server/virtualization/' in html
    assert "SCSI controllers: 0 &#8594; 1" in html or "SCSI controllers: 0 → 1" in html
    for script in ("vm-stop", "vm-add-scsi-controller", "vm-start"):
        assert script in html
    assert "Fixed: the host was checked again and the problem is gone." in html
    # who did it, and as whom on the host
    assert LOCAL_USER in html and "connected as %s" % seed_data.username in html


def test_summary_counts_and_unchecked_host(seed_data):
    report = build_report(seed_data.diagnosis, seed_data.entries, since=seed_data.since)
    findings = seed_data.diagnosis.findings
    for kind in ("error", "warning", "info"):
        assert report.counts[kind] == sum(1 for f in findings if f.severity == kind)
    assert [u.name for u in report.unchecked] == [DOWN_HOST]
    assert "refused the connection" in report.unchecked[0].reason
    assert report.unchecked[0].what_to_do
    assert "1 host could not be checked" in report.headline()
    assert len(report.hosts) == 2 and report.vm_count == 6
    text = render_ticket_text(report)
    assert "Could not be checked:" in text and DOWN_HOST in text


def test_evidence_keeps_event_times(seed_data):
    """Before the fix, VM001's finding has Hyper-V-VMMS 10103 events as evidence: each shows its time (UTC)."""
    report = build_report(seed_data.before, [])
    timed = [e.time for f in seed_data.before.findings for e in f.evidence if e.time]
    shown = [e.time for f in report.findings for e in f.evidence if e.time]
    assert len(timed) == 2
    assert [format_time(t) for t in timed] == shown
    html = render_html(report)
    assert all(t in html for t in shown) and "event 10103" in html
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", t) for t in shown)


def test_actions_only_for_these_hosts_and_since(seed_data):
    other = dict(seed_data.entries[0], host="SOMEWHERE-ELSE", plan="other")
    old = dict(seed_data.entries[0], time="2001-01-01T00:00:00+00:00", plan="old")
    report = build_report(seed_data.diagnosis, [*seed_data.entries, other, old], since=seed_data.since)
    assert [a.host for a in report.actions] == ["HV01"]
    steps = report.actions[0].steps
    assert [s.script for s in steps] == ["vm-stop", "vm-add-scsi-controller", "vm-start"]
    assert [(c.what, c.before, c.after) for c in steps[1].changes] == [("SCSI controllers", "0", "1")]
    assert report.actions[0].kind == "ok"
    everything = build_report(seed_data.diagnosis, [*seed_data.entries, other, old])
    assert len(everything.actions) == 2, "without 'since', older actions on these hosts count too"


def test_failed_and_skipped_actions_read_plainly(seed_data):
    base = {k: v for k, v in seed_data.entries[0].items()}
    failed = [dict(base, action="fix-confirmed", plan="p1", detail="Add a SCSI controller to VM001"),
              dict(base, action="fix-step", plan="p1", step="add-scsi-controller", script="vm-add-scsi-controller",
                   result="failed", detail="The VM must be turned off.")]
    skipped = [dict(base, action="fix-confirmed", plan="p2"), dict(base, action="fix-skipped", plan="p2",
                                                                    result="nothing-to-do")]
    report = build_report(seed_data.diagnosis, failed + skipped)
    a_failed, a_skipped = report.actions
    assert a_failed.kind == "error" and "failed: The VM must be turned off." in a_failed.outcome
    assert a_skipped.kind == "ok" and a_skipped.outcome.startswith("Nothing to do")


def test_no_password_anywhere(seed_data):
    from hvassist.logsetup import register_secret

    for redact in (False, True):
        report = build_report(seed_data.diagnosis, seed_data.entries, redact=redact)
        for name, out in _all_outputs(report).items():
            assert seed_data.password not in out, name
    # a secret that made it into an error text (it never should) is still blanked in the report
    register_secret(seed_data.password)
    entry = dict(seed_data.entries[0], plan="leak", action="connect", detail="logon with %s" % seed_data.password)
    report = build_report(seed_data.diagnosis, [entry])
    assert seed_data.password not in render_html(report)


def test_readiness_not_assessed_without_readiness_data(seed_data):
    report = build_report(seed_data.diagnosis, [])
    assert len(report.readiness) == 6
    if not report.readiness_assessed:  # until the diagnosis assesses readiness
        assert all(r.verdict == NOT_ASSESSED[0] for r in report.readiness)
        assert "not assessed" in render_ticket_text(report)
        assert render_html(report).count(NOT_ASSESSED[0]) == 6


def test_readiness_shown_when_the_diagnosis_carries_it(seed_data, monkeypatch):
    """The diagnosis adds "readiness" per VM to its JSON; the report shows it in whatever shape it comes."""
    import hvassist.report.model as model

    real = model.host_json
    shapes = {"VM001": "application-consistent", "VM002": {"verdict": "crash-consistent", "reasons": [
        "The Backup integration service is off."]}, "VM004": {"verdict": "failing", "reasons": [
            {"text": "A recovery checkpoint is left."}]}, "VM005": {"verdict": "offline"}}

    def with_readiness(h):
        doc = real(h)
        for vm in doc.get("vms", []):
            if vm["name"] in shapes:
                vm["readiness"] = shapes[vm["name"]]
            else:  # a VM the diagnosis gave no verdict for
                vm.pop("readiness", None)
        return doc

    monkeypatch.setattr(model, "host_json", with_readiness)
    report = build_report(seed_data.diagnosis, [])
    rows = {r.vm: r for r in report.readiness}
    assert report.readiness_assessed
    assert (rows["VM001"].verdict, rows["VM001"].kind) == ("Application-consistent", "ok")
    assert rows["VM002"].kind == "warning" and rows["VM002"].reasons == ("The Backup integration service is off.",)
    assert rows["VM004"].kind == "error" and rows["VM004"].reasons == ("A recovery checkpoint is left.",)
    assert rows["VM005"].verdict == "Offline (saved state)"
    assert rows["VM006"].verdict == NOT_ASSESSED[0]
    html = render_html(report)
    assert "A recovery checkpoint is left." in html and "Backup will fail" in html
    assert "Next backup per VM: 1 application-consistent" in render_ticket_text(report)


def test_default_file_name_is_safe():
    from hvassist.report.model import Report

    report = Report(title="t", generated_at="", generated_by="", version="", checked_at="", hosts=(),
                    unchecked=(), findings=(), readiness=(), readiness_assessed=False, actions=(), redacted=False)
    assert default_file_name(report, "pdf", dt.date(2026, 1, 2)) == "hvassist-report-no-hosts-2026-01-02.pdf"


def test_default_file_name_has_host_and_date(seed_data):
    report = build_report(seed_data.diagnosis, [])
    name = default_file_name(report, "html", dt.date(2026, 1, 2))
    assert name == "hvassist-report-HV01-and-2-more-2026-01-02.html"


def test_html_is_self_contained(seed_data):
    report = build_report(seed_data.diagnosis, seed_data.entries, since=seed_data.since)
    for html in (render_html(report), render_print_html(report)):
        head = html.split("<body>")[0]
        for external in ("<link", "<script", "<img", "src=", "url(", "@import", "http"):
            assert external not in head.lower(), external
        assert "<img" not in html and "<script" not in html and "<style>" in head
        assert '<meta charset="utf-8">' in head
