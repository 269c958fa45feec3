"""Start the GUI."""

from __future__ import annotations

import logging
import sys

from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from hvassist.appcontext import AppContext
from hvassist.resources import resource_path

log = logging.getLogger(__name__)


def make_application(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if app is None:
        QApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
        app = QApplication(argv or sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("hvassist")
    app.setApplicationDisplayName("hvassist")
    app.setOrganizationName("hvassist")
    icon = resource_path("icons", "hvassist.svg")
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    return app


def run_gui(demo: bool = False) -> int:
    from hvassist.gui.main_window import MainWindow

    app = make_application()
    try:
        ctx = AppContext.create_demo() if demo else AppContext.create()
    except Exception as e:  # a damaged settings file, a lab that cannot start
        log.exception("start-up failed")
        QMessageBox.critical(None, "hvassist cannot start", "hvassist could not start:\n\n%s" % e)
        return 2
    window = MainWindow(ctx)
    window.show()
    try:
        return int(app.exec())
    finally:
        ctx.close()


def main() -> int:
    return run_gui(demo="--demo" in sys.argv)
