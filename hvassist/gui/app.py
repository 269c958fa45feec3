"""Start the GUI."""

from __future__ import annotations

import logging
import os
import sys
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from hvassist.appcontext import AppContext
from hvassist.resources import resource_path

if TYPE_CHECKING:
    from hvassist.gui.main_window import MainWindow

log = logging.getLogger(__name__)


def make_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if app is None:
        # Fractional display scaling as the system sets it (Qt.HighDpiScaleFactorRoundingPolicy.PassThrough),
        # said through Qt's environment variable: naming the Qt namespace costs ~25 ms of start-up.
        os.environ["QT_SCALE_FACTOR_ROUNDING_POLICY"] = "PassThrough"
        app = QApplication(argv or sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("hvassist")
    app.setApplicationDisplayName("hvassist")
    app.setOrganizationName("hvassist")
    icon = resource_path("icons", "hvassist.svg")
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    return app


def run_gui(demo: bool = False, smoke_test: bool = False) -> int:
    """Show the main window. ``smoke_test``: quit soon after the window is shown (checks a built bundle)."""
    from hvassist.gui.main_window import MainWindow

    app = make_application()
    try:
        ctx = AppContext.create_demo() if demo else AppContext.create()
    except Exception as e:  # a damaged settings file, a lab that cannot start
        log.exception("start-up failed")
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.critical(None, "hvassist cannot start", "hvassist could not start:\n\n%s" % e)
        return 2
    window = MainWindow(ctx)
    window.show()
    if smoke_test:
        QTimer.singleShot(500, lambda: _end_smoke_test(app, window))
    try:
        return int(app.exec())
    finally:
        ctx.close()


def _end_smoke_test(app: QApplication, window: MainWindow) -> None:
    icon_ok = not app.windowIcon().pixmap(32, 32).isNull()
    line = "smoke-test: main window shown=%s size=%dx%d icon=%s" % (
        window.isVisible(), window.width(), window.height(), "ok" if icon_ok else "missing")
    log.info(line)  # the log file: the windowed Windows build has no stdout
    if sys.stdout is not None:
        print(line, flush=True)
    window.close()
    app.quit()


def main() -> int:
    if sys.argv[1:] == ["--diagnosis-helper"]:  # the frozen app started as its own helper: no window
        from hvassist.services.diagnosis_process import serve

        return serve()
    from hvassist.logsetup import setup_logging

    try:
        setup_logging()
    except OSError as e:  # e.g. a portable copy on a read-only share: run_gui says so in a message box
        log.warning("cannot write the log file: %s", e)
    # --smoke-test (not in --help): used by tests/test_bundle.py on the built app
    return run_gui(demo="--demo" in sys.argv, smoke_test="--smoke-test" in sys.argv)
