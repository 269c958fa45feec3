"""The wizard's result page after a fix was interrupted by a host restart: it says the VM is off and where the fix
stopped, and offers 'Finish the fix' and 'Start SQL01 again' (keyboard operable); Finish completes it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel
from support.reliability import TIMEOUTS, count

from hvassist.appcontext import AppContext
from hvassist.audit import AuditLog
from hvassist.connections import Connection, ConnectionStore
from hvassist.credentials import CredentialStore
from hvassist.flows.diagnose_flow import Step
from hvassist.gui.diagnose_wizard import STEP_ORDER, DiagnoseWizard
from hvassist.paths import app_paths

pytestmark = pytest.mark.timeout(300)
SHOTS = os.environ.get("HVASSIST_SHOTS")  # a folder: save what the pages look like


def _context(lab) -> AppContext:
    paths = app_paths().ensure()
    creds = CredentialStore(memory_only=True)
    store = ConnectionStore(paths.config / "connections.json", creds)
    group = store.add_group("Contoso", username=lab.username, password=lab.password)
    for name in ["HV-REBOOT", "HV-OK2"]:
        ep = lab.endpoint(name)
        store.add_connection(Connection(id="", name=name, group=group.id, address=ep.address, port=ep.port,
                                        transport=ep.transport, auth=ep.auth, ca_file=ep.ca_file))
    return AppContext(paths, creds, store, AuditLog(paths.audit_log))


def _texts(wizard) -> str:
    page = wizard.pages.widget(STEP_ORDER.index(Step.VERIFY))
    return "\n".join(label.text() for label in page.findChildren(QLabel) if label.isVisible())


def _wait_for_text(qtbot, wizard, wanted: str) -> None:
    """Until ``wanted`` is shown on the verify page; on timeout the assertion after it says what is shown."""
    try:
        qtbot.waitUntil(lambda: wanted in _texts(wizard), timeout=10000)
    except AssertionError:
        pass


def _shot(wizard, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        wizard.grab().save(str(Path(SHOTS) / name))


def test_verify_page_after_a_restart_offers_finish_and_restart(qtbot, unreliable_fresh):
    lab = unreliable_fresh
    server = lab.hosts["HV-REBOOT"].server
    ctx = _context(lab)
    wizard = DiagnoseWizard(ctx)
    wizard.flow.timeouts = TIMEOUTS
    qtbot.addWidget(wizard)
    wizard.resize(1000, 720)
    wizard.show()
    qtbot.waitExposed(wizard)
    qtbot.keyClick(wizard.next_button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: wizard.flow.step is Step.FINDINGS and not wizard.busy, timeout=30000)
    item = next(it for it in _items(wizard.findings_tree)
                if (d := it.data(0, Qt.ItemDataRole.UserRole)) and d[0] == "finding" and d[1].vm == "SQL01")
    wizard.findings_tree.setCurrentItem(item)
    qtbot.keyClick(wizard.next_button, Qt.Key.Key_Return)
    assert wizard.flow.step is Step.FIX_PREVIEW
    qtbot.keyClick(wizard.confirm_box, Qt.Key.Key_Space)
    qtbot.keyClick(wizard.next_button, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: wizard.flow.step is Step.VERIFY and not wizard.busy, timeout=60000)
    # The page's new texts become visible when Qt next lays it out (a queued show), not at once.
    _wait_for_text(qtbot, wizard, "The fix was interrupted")

    text = _texts(wizard)
    assert "The fix was interrupted at step 2 of 3" in text
    assert "SQL01 is off now (hvassist shut it down for the fix)" in text
    assert "connection to HV-REBOOT broke off" in text and "Already done: Shut down SQL01" in text
    assert "choose 'Finish the fix'" in text and "'Start SQL01 again'" in text
    assert "Traceback" not in text and lab.password not in text
    assert wizard.finish_fix_button.isVisible() and wizard.restart_vm_button.isVisible()
    assert wizard.restart_vm_button.text().replace("&", "") == "Start SQL01 again"
    assert wizard.finish_fix_button.accessibleName() and wizard.restart_vm_button.accessibleName()
    assert str(ctx.audit.path) in wizard.verify_detail.toPlainText(), "where the audit log is"
    entries = ctx.audit.entries()
    assert [(e["step"], e["result"]) for e in entries if e["action"] == "fix-step"] == [
        ("stop-vm", "ok"), ("add-scsi-controller", "failed")]
    _shot(wizard, "01-interrupted-fix.png")

    assert server.wait_answering(30)
    wizard.finish_fix_button.setFocus()
    qtbot.keyClick(wizard.finish_fix_button, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: wizard.flow.step is Step.VERIFY and not wizard.busy, timeout=60000)
    _wait_for_text(qtbot, wizard, "Fixed.")
    text = _texts(wizard)
    assert "Fixed. hvassist checked HV-REBOOT again" in text, text
    assert not wizard.finish_fix_button.isVisible() and not wizard.restart_vm_button.isVisible()
    vm = lab.estate.find_vm("SQL01")[1]
    assert vm.state == "Running" and vm.scsi_controllers == 1
    _shot(wizard, "02-finished.png")
    count("interrupted fixes finished")
    wizard.close()


def _items(tree):
    stack = [tree.topLevelItem(i) for i in range(tree.topLevelItemCount())]
    while stack:
        it = stack.pop()
        yield it
        stack += [it.child(i) for i in range(it.childCount())]
