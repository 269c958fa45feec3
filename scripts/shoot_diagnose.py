"""Drive the diagnose wizard against the demo lab with the keyboard and save a screenshot of each page.

Run: QT_QPA_PLATFORM=offscreen uv run python scripts/shoot_diagnose.py [OUTDIR]
(or under Xvfb with a real window: xvfb-run uv run python scripts/shoot_diagnose.py)
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from hvassist.appcontext import AppContext
from hvassist.flows.diagnose_flow import Step
from hvassist.gui.app import make_application
from hvassist.gui.main_window import MainWindow


def wait_until(cond, timeout_ms: int = 30000) -> None:
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
    try:
        win = MainWindow(ctx)
        win.resize(1280, 800)
        win.show()
        QTest.qWait(200)
        win.grab().save(str(out / "01-home.png"))
        win.home.buttons[0].setFocus()
        QTest.keyClick(win.home.buttons[0], Qt.Key.Key_Space)
        wizard = win.stack.currentWidget()
        QTest.qWait(100)
        win.grab().save(str(out / "02-choose.png"))
        QTest.keyClick(wizard.next_button, Qt.Key.Key_Return)  # Check hosts
        QTest.qWait(30)
        win.grab().save(str(out / "03-collect.png"))
        wait_until(lambda: wizard.flow.step is Step.FINDINGS and not wizard.busy)
        QTest.qWait(100)
        win.grab().save(str(out / "04-findings.png"))
        QTest.keyClick(wizard.next_button, Qt.Key.Key_Return)  # Fix this
        QTest.qWait(100)
        win.grab().save(str(out / "05-fix-preview.png"))
        QTest.keyClick(wizard.confirm_box, Qt.Key.Key_Space)
        QTest.keyClick(wizard.next_button, Qt.Key.Key_Return)  # Apply
        QTest.qWait(30)
        win.grab().save(str(out / "06-fix-apply.png"))
        wait_until(lambda: wizard.flow.step is Step.VERIFY and not wizard.busy)
        QTest.qWait(100)
        win.grab().save(str(out / "07-verify.png"))
        QTest.keyClick(wizard.next_button, Qt.Key.Key_Return)  # Back to findings
        QTest.qWait(100)
        win.grab().save(str(out / "08-findings-after-fix.png"))
        print("verified:", wizard.flow.outcome.verified if wizard.flow.outcome else None)
        win.close()
    finally:
        ctx.close()
    QApplication.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots/diagnose")))
