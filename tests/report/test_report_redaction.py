"""Redaction: every host, cluster, VM, domain and user name is replaced by one consistent placeholder, in the
HTML, the print HTML, the ticket text and the PDF's text, including inside evidence and audit entries."""

from __future__ import annotations

import re

import pytest

from hvassist.report import build_report, render_html, render_print_html, render_ticket_text
from hvassist.report.redaction import Pseudonyms

from .conftest import LOCAL_USER, pdf_text


def _outputs(report):
    return {"html": render_html(report), "print": render_print_html(report), "text": render_ticket_text(report)}


def _leaks(text: str, names: list[str]) -> list[str]:
    return [n for n in names if n.casefold() in text.casefold()]


def test_unredacted_report_shows_the_names(seed_data):
    """The check below must be able to fail: without redaction the names are there."""
    report = build_report(seed_data.diagnosis, seed_data.entries, since=seed_data.since, generated_by=LOCAL_USER)
    for name, out in _outputs(report).items():
        assert set(_leaks(out, seed_data.names)) >= {"HV01", "HV02", "HVCLU01", "VM001", "VM004", LOCAL_USER}, name


def test_redaction_removes_every_name(seed_data):
    report = build_report(seed_data.diagnosis, seed_data.entries, since=seed_data.since, redact=True)
    assert report.redacted
    for name, out in _outputs(report).items():
        assert _leaks(out, seed_data.names) == [], name
        assert "HOST-1" in out and "VM-1" in out and "USER-1" in out, name


def test_redaction_is_consistent(seed_data):
    report = build_report(seed_data.diagnosis, seed_data.entries, since=seed_data.since, redact=True,
                          generated_by=LOCAL_USER)
    # VM001 was fixed: the action, its title and the readiness table use the same placeholder for it and its host
    action = report.actions[0]
    vm001 = action.vm
    assert re.fullmatch(r"VM-\d+", vm001) and re.fullmatch(r"HOST-\d+", action.host)
    assert action.title == "Add a SCSI controller to %s" % vm001
    row = next(r for r in report.readiness if r.vm == vm001)
    assert row.host == action.host
    # evidence text quotes the VM's name: the same placeholder there
    for f in report.findings:
        if f.vm:
            assert all(re.search(r"VM-\d+", e.text) is None or f.vm in e.text for e in f.evidence)
    checkpoint = next(f for f in report.findings if f.cause == "lingering-recovery-checkpoint")
    assert "'%s - Backup - (" % checkpoint.vm in checkpoint.evidence[0].text
    # the person and the remote account are users; different people, different placeholders
    assert re.fullmatch(r"USER-\d+", action.who) and re.fullmatch(r"USER-\d+", action.remote_user)
    assert action.who != action.remote_user
    assert report.generated_by == action.who


def test_redacted_pdf_has_no_names(seed_data, qapp, tmp_path):
    from hvassist.gui.pdf import html_to_pdf

    report = build_report(seed_data.diagnosis, seed_data.entries, since=seed_data.since, redact=True)
    text = pdf_text(html_to_pdf(render_print_html(report), title=report.title), tmp_path)
    assert "HOST-1" in text and "VM-1" in text
    assert _leaks(text, seed_data.names) == []


def test_hostile_names_are_redacted_too(hostile_data):
    report = build_report(hostile_data.diagnosis, hostile_data.entries, since=hostile_data.since, redact=True)
    for name, out in _outputs(report).items():
        for hostile in hostile_data.names:
            assert hostile not in out, (name, hostile)
        assert "alert(1)" not in out and "Remove-VM *" not in out, name


@pytest.mark.parametrize(("text", "expected"), [
    ("C:\\ClusterStorage\\Volume1\\VM001\\VM001.vhdx", "C:\\ClusterStorage\\Volume1\\VM-1\\VM-1.vhdx"),
    ("'vm001' on hv01.contoso.local", "'VM-1' on HOST-1.DOMAIN-1"),
    ("VM0012 and XVM001 are other machines", "VM0012 and XVM001 are other machines"),
    ("VM001_disk0 HV01-BACKUP HV01", "VM-1_disk0 HOST-2 HOST-1"),
    ("CONTOSO\\hvadmin", "DOMAIN-2\\USER-1"),
])
def test_pseudonyms_replace_whole_names_only(text, expected):
    names = Pseudonyms()
    names.add("host", "HV01")
    names.add("host", "HV01-BACKUP")
    names.add("vm", "VM001")
    names.add_domain("contoso.local")
    names.add_user("hvadmin")
    assert names.text(text) == expected
    assert names.add("vm", "vm001") == "VM-1", "the same name (any case) keeps its placeholder"


def test_a_host_by_fqdn_and_by_its_own_name_is_one_host():
    names = Pseudonyms()
    names.add_host("hv01.contoso.local")
    names.add_host("HV01", same_as="hv01.contoso.local")  # the name the host reports itself
    names.add_host("10.0.0.7")
    assert names.text("hv01.contoso.local is HV01 in CONTOSO; 10.0.0.7") == "HOST-1 is HOST-1 in DOMAIN-2; HOST-2"
