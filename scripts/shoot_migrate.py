"""Drive the "Check a migration" wizard through a whole move on the demo's migration lab and save a
screenshot of each step. Where an administrator acts outside hvassist (Hyper-V Manager on the old
host, the SAN console), this script changes the lab's model, as the tests do.

Run: QT_QPA_PLATFORM=offscreen uv run python scripts/shoot_migrate.py [OUTDIR]
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from hvassist.appcontext import AppContext
from hvassist.flows.migrate_flow import Page
from hvassist.gui.app import make_application
from hvassist.gui.main_window import MainWindow


def wait_until(cond, timeout_ms: int = 60000) -> None:
    waited = 0
    while not cond():
        QTest.qWait(50)
        waited += 50
        if waited > timeout_ms:
            raise TimeoutError("the wizard did not get there in time")


def main(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    app = make_application()
    ctx = AppContext.create_demo()
    shots = iter(range(1, 100))

    def shoot(widget, name: str) -> None:
        QTest.qWait(150)
        widget.grab().save(str(out / ("%02d-%s.png" % (next(shots), name))))

    try:
        win = MainWindow(ctx)
        win.resize(1320, 860)
        win.show()
        QTest.qWait(200)
        button = win.home.buttons[2]
        button.setFocus()
        shoot(win, "home")
        QTest.keyClick(button, Qt.Key.Key_Space)
        wizard = win.stack.currentWidget()
        shoot(win, "choose")
        QTest.keyClick(wizard.next_button, Qt.Key.Key_Return)  # Start and check
        QTest.qWait(60)
        shoot(win, "checking")
        wait_until(lambda: not wizard.busy)
        shoot(win, "checklist-blockers")

        def select(step_id: str) -> None:
            ids = [s.step.id for s in wizard.flow.checklist.steps]
            wizard.step_list.setCurrentRow(ids.index(step_id))

        def run(op_id: str, shot: str | None = None) -> None:
            dialog = wizard.ask_to_run(op_id)
            assert dialog is not None, op_id
            if shot:
                QTest.qWait(150)
                dialog.grab().save(str(out / ("%02d-%s.png" % (next(shots), shot))))
            QTest.keyClick(dialog.confirm_box, Qt.Key.Key_Space)
            dialog.run_button.click()
            wait_until(lambda: not wizard.busy)

        select("shut-down-source")
        shoot(win, "checklist-fixes")
        run("shutdown:C41B7F93-2A6D-4B08-8E5F-90A3D6C1E703", "confirm-shutdown")
        select("shut-down-source")
        shoot(win, "after-shutdown-downtime-clock")
        run("remove-role:5E90D2A7-6C3B-4A1F-B7D8-2F4E61A0C804")
        for op in [o for o in wizard.flow.checklist.operations.values() if o.kind == "copy-configs"]:
            run(op.id)
        # by hand, in Hyper-V Manager on OLD01: the snapshot of mig-snapshot is deleted and merged
        lab = ctx.migration_lab
        next(v for h in lab.estate.hosts for v in h.vms if v.name == "mig-snapshot").checkpoints.clear()
        wizard.start_check()
        wait_until(lambda: not wizard.busy)
        select("no-snapshots")
        note = wizard.step_actions.widget().findChildren(type(wizard.csv_edit))[0]
        note.setFocus()
        QTest.keyClicks(note, "Backup job 'OLDCLU weekly' of 23 Nov restored a test VM fine")
        shoot(win, "manual-confirmation")
        QTest.keyClick(note, Qt.Key.Key_Return)
        select("prepare-destination")
        wizard.confirm_manual("destination-validated", "Test-Cluster report of 20 Nov: all green")

        QTest.keyClick(wizard.next_button, Qt.Key.Key_Return)  # VMs and switches
        shoot(win, "vms-switch-missing")
        combo = next(c for c in wizard.map_group.findChildren(type(wizard.source_combo))
                     if c.accessibleName() == "Destination switch for LegacyNet")
        combo.setCurrentIndex(combo.findData("Production"))
        wizard.start_check()
        wait_until(lambda: not wizard.busy)
        shoot(win, "vms-mapped")

        # close the wizard mid-migration and open it again: it resumes where it was
        wizard._close()
        QTest.qWait(100)
        win.open_migrate()
        wizard = win.stack.currentWidget()
        assert wizard.flow.page is Page.VMS
        shoot(win, "resumed-after-reopening")
        wizard._back()

        select("release-source")
        run("remove-csv:Cluster Disk 3")
        lun = lab.estate.lun("LUN-0042")
        lun.presented_to = ["NEW01", "NEW02"]  # by hand, in the SAN console
        wizard.confirm_manual("san-unmasked", "LUN 42 removed from masking view OLDCLU (change 4711)")
        wizard.confirm_manual("san-presented", "LUN 42 added to host group NEWCLU (change 4711)")
        wizard.start_check()
        wait_until(lambda: not wizard.busy)
        select("present-destination")
        shoot(win, "checklist-add-csv")
        run("add-csv:5a1c3e7f")
        QTest.keyClick(wizard.next_button, Qt.Key.Key_Return)
        shoot(win, "vms-compare-vm")
        QTest.keyClick(wizard.next_button, Qt.Key.Key_Return)  # runbook
        shoot(win, "runbook")
        nxt = wizard.flow.next_runbook_op()
        run(nxt.id, "confirm-register")
        shoot(win, "runbook-step-done")
        while (nxt := wizard.flow.next_runbook_op()) is not None:
            run(nxt.id)
        import tempfile

        wizard.export_to(Path(tempfile.mkdtemp(prefix="hvassist-shoot-")) / "runbook.ps1")
        shoot(win, "runbook-finished")
        wizard._back()
        wizard._back()
        select("backup-ready")
        wizard.confirm_manual("test-backup", "Test backup of the five VMs: application-consistent")
        select("backup-ready")
        shoot(win, "checklist-all-passed")
        # the same page in a dark palette: colours come from the palette
        from PySide6.QtGui import QColor, QPalette

        dark = QPalette()
        for role, colour in ((QPalette.ColorRole.Window, "#2b2b2b"), (QPalette.ColorRole.WindowText, "#e8e8e8"),
                             (QPalette.ColorRole.Base, "#1e1e1e"), (QPalette.ColorRole.Text, "#e8e8e8"),
                             (QPalette.ColorRole.Button, "#3a3a3a"), (QPalette.ColorRole.ButtonText, "#e8e8e8"),
                             (QPalette.ColorRole.Highlight, "#2f65ca"),
                             (QPalette.ColorRole.HighlightedText, "#ffffff")):
            dark.setColor(role, QColor(colour))
        app.setStyle("Fusion")
        app.setPalette(dark)
        wizard._show()
        select("shut-down-source")
        shoot(win, "checklist-dark")
        print("steps:", [(s.step.id, s.status) for s in wizard.flow.checklist.steps])
        win.close()
    finally:
        ctx.close()
    QApplication.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots/migrate")))
