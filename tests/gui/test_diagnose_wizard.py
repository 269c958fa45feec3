"""Click through the diagnose wizard with the keyboard against the demo lab: find VM001's 10103 cause,
fix it with confirmation, and see the verification say it is gone."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from hvassist.appcontext import AppContext
from hvassist.flows.diagnose_flow import Step
from hvassist.gui.main_window import MainWindow


@pytest.fixture
def demo_window(qtbot):
    ctx = AppContext.create_demo()
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()
    ctx.close()


def test_diagnose_and_fix_vm001_with_the_keyboard(qtbot, demo_window):
    win = demo_window
    assert "throwaway" in win.connections.keyring_label.text() or "Demo" in win.connections.keyring_label.text()
    qtbot.keyClick(win.home.buttons[0], Qt.Key.Key_Space)
    wizard = win.stack.currentWidget()
    assert wizard.flow.step is Step.CHOOSE
    assert set(wizard.flow.selected) == {"HV01", "HV02"}
    qtbot.keyClick(wizard.next_button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: wizard.flow.step is Step.FINDINGS and not wizard.busy, timeout=30000)
    current = wizard.findings_tree.currentItem()
    finding = current.data(0, Qt.ItemDataRole.UserRole)[1]
    assert finding.cause == "no-scsi-controller" and finding.vm == "VM001", "the failing VM is selected first"
    assert "SCSI" in wizard.finding_view.toPlainText()
    assert wizard.next_button.isEnabled()
    qtbot.keyClick(wizard.next_button, Qt.Key.Key_Return)
    assert wizard.flow.step is Step.FIX_PREVIEW
    assert "Add-VMScsiController" in wizard.plan_preview.toPlainText()
    assert not wizard.next_button.isEnabled(), "Apply needs the confirmation box"
    qtbot.keyClick(wizard.confirm_box, Qt.Key.Key_Space)
    assert wizard.next_button.isEnabled()
    qtbot.keyClick(wizard.next_button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: wizard.flow.step is Step.VERIFY and not wizard.busy, timeout=30000)
    assert wizard.flow.outcome.verified is True
    assert "Fixed" in "".join(w.text() for w in wizard.findChildren(type(wizard.step_label)))
    vm = win.ctx.lab.estate.find_vm("VM001")[1]
    assert vm.scsi_controllers == 1 and vm.state == "Running"
    qtbot.keyClick(wizard.next_button, Qt.Key.Key_Return)  # back to findings, refreshed
    assert wizard.flow.step is Step.FINDINGS
    assert not [f for f in wizard.flow.diagnosis.findings if f.cause == "no-scsi-controller"]


def test_cancel_while_collecting_returns_to_choose(qtbot, demo_window):
    win = demo_window
    lab = win.ctx.lab
    import threading

    gate = threading.Event()
    for h in lab.hosts.values():  # hold every command until released, like a slow host
        h.server.hooks.on_command_start = lambda io: gate.wait(20)
    qtbot.keyClick(win.home.buttons[0], Qt.Key.Key_Space)
    wizard = win.stack.currentWidget()
    qtbot.keyClick(wizard.next_button, Qt.Key.Key_Return)
    assert wizard.busy and wizard.cancel_button.isVisible()
    qtbot.keyClick(wizard, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not wizard.busy, timeout=15000)
    gate.set()
    assert wizard.flow.step is Step.CHOOSE
    assert "Cancelled" in wizard.collect_label.text()
