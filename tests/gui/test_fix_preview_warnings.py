"""The wizard's fix preview on the all-faults lab: the strong "cannot be undone" warning for vm-config-version
(and the confirmation that says so), and a finding without an automatic fix showing "here is what to do"
instead of a PowerShell preview."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QTreeWidgetItemIterator

from hvassist.appcontext import AppContext
from hvassist.flows.diagnose_flow import Step
from hvassist.gui.main_window import MainWindow


@pytest.fixture
def window(qtbot):
    ctx = AppContext.create_demo("all-faults")
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.resize(1100, 800)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()
    ctx.close()


def open_findings(qtbot, win, host):
    qtbot.keyClick(win.home.buttons[0], Qt.Key.Key_Space)
    wizard = win.stack.currentWidget()
    wizard._check_all(False)
    for i in range(wizard.host_list.count()):
        item = wizard.host_list.item(i)
        if item.data(Qt.ItemDataRole.UserRole) == host:
            item.setCheckState(Qt.CheckState.Checked)
    assert wizard.flow.selected == [host]
    qtbot.keyClick(wizard.next_button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: wizard.flow.step is Step.FINDINGS and not wizard.busy, timeout=60000)
    return wizard


def select_finding(wizard, cause, vm):
    it = QTreeWidgetItemIterator(wizard.findings_tree)
    while it.value():
        data = it.value().data(0, Qt.ItemDataRole.UserRole)
        if data and data[0] == "finding" and data[1].cause == cause and data[1].vm == vm:
            wizard.findings_tree.setCurrentItem(it.value())
            return data[1]
        it += 1
    raise AssertionError("no %s finding on %s in the tree" % (cause, vm))


def test_config_version_preview_warns_strongly_that_it_cannot_be_undone(qtbot, window, tmp_path):
    wizard = open_findings(qtbot, window, "hv19-n1")
    select_finding(wizard, "vm-config-version", "vm-config-version")
    assert wizard.next_button.text() == "&Fix this… >"
    qtbot.keyClick(wizard.next_button, Qt.Key.Key_Return)
    assert wizard.flow.step is Step.FIX_PREVIEW
    qtbot.waitUntil(lambda: any(w.isVisible() for w in wizard.findChildren(QLabel, "irreversible-warning")))
    warnings = [w for w in wizard.findChildren(QLabel, "irreversible-warning") if w.isVisible()]
    assert len(warnings) == 1
    text = warnings[0].text()
    assert text.startswith("⚠  Cannot be undone.")
    assert "no way back to version 5.0" in text and "Windows Server 2019 or later" in text
    assert warnings[0].font().bold()
    # it stands above the steps and the PowerShell, where it is read first
    assert warnings[0].mapTo(wizard, warnings[0].rect().topLeft()).y() < wizard.plan_steps.mapTo(
        wizard, wizard.plan_steps.rect().topLeft()).y()
    assert "Update-VMVersion" in wizard.plan_preview.toPlainText()
    assert "cannot be undone" in wizard.confirm_note.text() and "shut down and started again" in \
        wizard.confirm_note.text()
    assert "cannot be undone" in wizard.confirm_box.accessibleName()
    assert not wizard.next_button.isEnabled(), "Apply needs the confirmation"
    wizard.grab().save(str(tmp_path / "config-version-preview.png"))
    qtbot.keyClick(wizard.confirm_box, Qt.Key.Key_Space)
    assert wizard.next_button.isEnabled()
    qtbot.keyClick(wizard.next_button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: wizard.flow.step is Step.VERIFY and not wizard.busy, timeout=60000)
    assert wizard.flow.outcome.verified is True
    assert window.ctx.lab.estate.find_vm("vm-config-version")[1].version == "9.0"
    assert "configuration version 9.0" in wizard.verify_detail.toPlainText()


def test_a_finding_without_automatic_fix_shows_what_to_do(qtbot, window):
    wizard = open_findings(qtbot, window, "hv19-n1")
    select_finding(wizard, "linux-no-vss-daemon", "linux-no-vss-daemon")
    assert "No automatic fix: here is what to do." in wizard.finding_view.toPlainText()
    assert wizard.next_button.text() == "&What to do… >" and wizard.next_button.isEnabled()
    qtbot.keyClick(wizard.next_button, Qt.Key.Key_Return)
    assert wizard.flow.step is Step.FIX_PREVIEW
    assert wizard.plan_title.text().startswith("No automatic fix")
    assert "What to do" in wizard.plan_steps.text()
    assert not wizard.plan_preview.isVisible() and not wizard.confirm_box.isVisible()
    assert not wizard.next_button.isVisible(), "nothing to apply"
    qtbot.keyClick(wizard.back_button, Qt.Key.Key_Space)
    assert wizard.flow.step is Step.FINDINGS
    assert wizard.next_button.isVisible()
