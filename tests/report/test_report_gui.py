""""Save report…" and "Copy for ticket" on the diagnose wizard: files of the chosen type, a clear error and a
second chance on a bad path, the summary on the clipboard."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from hvassist.audit import AuditLog
from hvassist.gui.report_actions import HTML_FILTER, PDF_FILTER, ReportBar


@pytest.fixture
def bar(qtbot, seed_data, tmp_path):
    audit = AuditLog(tmp_path / "audit.jsonl")
    audit.path.write_text("".join(json.dumps(e) + "\n" for e in seed_data.entries), encoding="utf-8")
    widget = ReportBar(lambda: seed_data.diagnosis, audit, seed_data.since)
    qtbot.addWidget(widget)
    return widget


def test_copy_for_ticket_puts_the_summary_on_the_clipboard(bar, seed_data):
    QApplication.clipboard().clear()
    qtbot_click(bar.copy_button)
    text = QApplication.clipboard().text()
    for f in seed_data.diagnosis.findings:
        assert f.cause in text
    assert "What was done:" in text and "Add a SCSI controller to VM001" in text
    assert "copied" in bar.status.text()


def test_copy_with_hidden_names(bar, seed_data):
    bar.redact_box.setChecked(True)
    bar.copy_for_ticket()
    text = QApplication.clipboard().text()
    assert "HOST-1" in text and not [n for n in seed_data.names if n.casefold() in text.casefold()]


def test_save_after_a_bad_path_keeps_the_report_and_asks_again(bar, tmp_path, monkeypatch):
    bad = str(tmp_path / "no-such-folder" / "report.pdf")
    good = str(tmp_path / "report")  # no extension: the chosen type adds it
    answers = [(bad, PDF_FILTER), (good, PDF_FILTER)]
    suggestions, warnings = [], []

    def fake_dialog(parent, caption, directory, filters, selected):
        suggestions.append(directory)
        assert HTML_FILTER in filters and PDF_FILTER in filters
        return answers.pop(0)

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(fake_dialog))
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda parent, title, text: warnings.append(text)))
    bar.save_report()
    assert len(warnings) == 1 and "could not be saved" in warnings[0] and "does not exist" in warnings[0]
    assert suggestions[0].endswith(".html") is False and "hvassist-report-HV01-and-2-more-" in suggestions[0]
    assert suggestions[1] == bad, "the dialog comes back with the name the user chose"
    saved = tmp_path / "report.pdf"
    assert saved.read_bytes().startswith(b"%PDF-")
    assert "Saved: %s" % saved in bar.status.text()


def test_save_html_with_hidden_names(bar, seed_data, tmp_path, monkeypatch):
    target = tmp_path / "r.html"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a: (str(target), HTML_FILTER)))
    bar.redact_box.setChecked(True)
    bar.save_report()
    html = target.read_text(encoding="utf-8")
    assert "Names hidden" in html and not [n for n in seed_data.names if n.casefold() in html.casefold()]


def test_cancelled_dialog_writes_nothing(bar, tmp_path, monkeypatch):
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a: ("", "")))
    bar.save_report()
    assert bar.status.text() == ""


def test_wizard_offers_the_report_on_findings_and_result_pages(qtbot):
    from hvassist.appcontext import AppContext
    from hvassist.flows.diagnose_flow import Step
    from hvassist.gui.diagnose_wizard import DiagnoseWizard

    ctx = AppContext.create_demo("seed")
    try:
        wizard = DiagnoseWizard(ctx)
        qtbot.addWidget(wizard)
        wizard.show()
        wizard._next()
        qtbot.waitUntil(lambda: wizard.flow.step is Step.FINDINGS, timeout=60_000)
        assert wizard.findings_report.isVisible() and wizard.findings_report.save_button.isEnabled()
        assert wizard.findings_report.copy_button.accessibleName()
        qtbot_click(wizard.findings_report.copy_button)
        assert "no-scsi-controller" in QApplication.clipboard().text()
        assert not wizard.verify_report.isVisible()
        # fix VM001, then the result page offers the report with the fix in it
        tree = wizard.findings_tree
        items = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
        while items:
            item = items.pop(0)
            data = item.data(0, Qt.ItemDataRole.UserRole)
            if data and data[0] == "finding" and data[1].cause == "no-scsi-controller":
                tree.setCurrentItem(item)
                break
            items += [item.child(i) for i in range(item.childCount())]
        wizard._next()
        wizard.confirm_box.setChecked(True)
        wizard._next()
        qtbot.waitUntil(lambda: wizard.flow.step is Step.VERIFY, timeout=60_000)
        assert wizard.verify_report.isVisible()
        wizard.verify_report.copy_for_ticket()
        text = QApplication.clipboard().text()
        assert "Add a SCSI controller to VM001" in text and "Fixed" in text
        assert "no-scsi-controller" not in text.split("What was done:")[0], "fixed: no longer a finding"
    finally:
        ctx.close()


def qtbot_click(button) -> None:
    from pytestqt.qtbot import QtBot

    QtBot.mouseClick(button, Qt.MouseButton.LeftButton)
