"""Must-show 3 (GUI): the wizard opened from the home page checks the clusters, takes a confirmation
with a note and a switch mapping; after closing the window and opening a new one (a new app context
on the same data folder) it resumes at the same page with the same evidence."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLineEdit, QPushButton

from hvassist.appcontext import AppContext
from hvassist.flows.migrate_flow import Page
from hvassist.gui.main_window import MainWindow
from hvassist.gui.migrate_wizard import MigrateWizard

pytestmark = pytest.mark.slow


def _open(qtbot, lab) -> tuple[MainWindow, MigrateWizard]:
    ctx = AppContext.create()
    ctx.migration_lab = lab  # what --demo starts on first use
    window = MainWindow(ctx)
    qtbot.addWidget(window)
    window.show()
    entry = next(b for b in window.home.buttons if b.accessibleName() == "Check a migration")
    assert entry.isEnabled()
    qtbot.mouseClick(entry, Qt.MouseButton.LeftButton)
    wizard = window.stack.currentWidget()
    assert isinstance(wizard, MigrateWizard)
    return window, wizard


def _wait(qtbot, wizard) -> None:
    qtbot.waitUntil(lambda: not wizard.busy, timeout=120_000)


def test_close_and_reopen_resumes_with_the_evidence(qtbot, migration_lab):
    window, wizard = _open(qtbot, migration_lab)
    assert wizard.flow.page is Page.CHOOSE
    assert wizard.source_combo.currentText().startswith("OLDCLU")
    assert wizard.dest_combo.currentText().startswith("NEWCLU")
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)  # Start and check
    _wait(qtbot, wizard)
    assert wizard.flow.page is Page.CHECKLIST
    items = [wizard.step_list.item(i).text() for i in range(wizard.step_list.count())]
    assert len(items) == 12 and "Blocked" in items[0] and "Passed" in items[1]
    assert "mig-switch" in wizard.step_view.toPlainText()

    # a manual confirmation with a note, through the widgets
    wizard.step_list.setCurrentRow(0)
    note = wizard.step_actions.widget().findChildren(QLineEdit)[0]
    confirm = next(b for b in wizard.step_actions.widget().findChildren(QPushButton) if b.text() == "C&onfirm")
    assert not confirm.isEnabled(), "no confirmation without a note"
    qtbot.keyClicks(note, "Test-Cluster report of 20 Nov")
    qtbot.mouseClick(confirm, Qt.MouseButton.LeftButton)
    assert wizard.flow.state.confirmations["destination-validated"].note == "Test-Cluster report of 20 Nov"

    # an operation needs the checkbox in its preview dialog; cancelling changes nothing
    wizard.step_list.setCurrentRow(4)
    dialog = wizard.ask_to_run("shutdown:C41B7F93-2A6D-4B08-8E5F-90A3D6C1E703")
    assert dialog is not None and not dialog.run_button.isEnabled()
    assert "mig-source-vm-shutdown" in dialog.preview.toPlainText()
    dialog.reject()
    assert migration_lab.estate.host("OLD01").vms[2].state == "Running"

    # the switch mapping on the VMs page
    qtbot.mouseClick(wizard.next_button, Qt.MouseButton.LeftButton)
    assert wizard.flow.page is Page.VMS
    combo = next(c for c in wizard.map_group.findChildren(QComboBox)
                 if c.accessibleName() == "Destination switch for LegacyNet")
    combo.setCurrentIndex(combo.findData("Production"))
    assert wizard.flow.state.switch_map == {"LegacyNet": "Production"}
    evidence = wizard.flow.checklist.to_json()
    window.close()

    window2, wizard2 = _open(qtbot, migration_lab)
    assert wizard2 is not wizard
    assert wizard2.flow.resumed and wizard2.flow.page is Page.VMS
    assert wizard2.pages.currentIndex() == list(Page).index(Page.VMS)
    assert wizard2.vm_table.rowCount() == 5
    combo = next(c for c in wizard2.map_group.findChildren(QComboBox)
                 if c.accessibleName() == "Destination switch for LegacyNet")
    assert combo.currentData() == "Production"
    assert wizard2.flow.checklist.to_json() == evidence, "the evidence is kept"
    assert "Resumed the migration OLDCLU → NEWCLU" in " ".join(
        w.text() for w in wizard2.findChildren(type(wizard2.page_label)))
    qtbot.mouseClick(wizard2.back_button, Qt.MouseButton.LeftButton)
    assert wizard2.flow.page is Page.CHECKLIST
    assert wizard2.step_list.currentRow() == 4, "the step last looked at"
    wizard2.step_list.setCurrentRow(0)
    labels = wizard2.step_actions.widget().findChildren(type(wizard2.page_label))
    assert any("Confirmed by" in w.text() and "Test-Cluster report of 20 Nov" in w.text() for w in labels)
    window2.close()
