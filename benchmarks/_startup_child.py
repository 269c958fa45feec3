"""Child process of ``benchmarks/startup.py``: start a GUI and print when its main window is shown.

``bare``: a bare PySide6 main window. ``app``: hvassist through its real entry point
(``hvassist.cli.main`` with no command, which starts the GUI). Either way the time printed is
``time.monotonic()`` (system-wide on Linux, so the parent can compare it with its own clock) when
the event loop has started with the window shown and the events queued by show() processed.
"""

from __future__ import annotations

import sys
import time


def _report_when_shown() -> None:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    def report() -> None:
        windows = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
        print("shown %.6f %s" % (time.monotonic(), ",".join(type(w).__name__ for w in windows)), flush=True)
        QApplication.instance().quit()  # type: ignore[union-attr]

    QTimer.singleShot(0, report)


def main() -> int:
    mode = sys.argv[1]
    if mode == "bare":
        from PySide6.QtWidgets import QApplication, QMainWindow

        app = QApplication(sys.argv[:1])
        window = QMainWindow()
        window.setWindowTitle("bare")
        window.resize(1180, 760)
        window.show()
        _report_when_shown()
        return int(app.exec())
    # hvassist: hook QApplication.exec (reached once the main window is shown) without changing the product.
    from PySide6.QtWidgets import QApplication

    original_exec = QApplication.exec

    def exec_(self: QApplication) -> int:
        _report_when_shown()
        return int(original_exec())

    QApplication.exec = exec_  # type: ignore[method-assign]
    from hvassist.cli import main as hvassist_main

    return hvassist_main([])


if __name__ == "__main__":
    sys.exit(main())
