"""Child process of ``benchmarks/startup.py``: start a GUI and print when its main window is shown.

``bare``: a bare PySide6 main window. ``app``: hvassist through its real entry point
(``hvassist.cli.main`` with no command, which starts the GUI). Either way the time printed is
``time.monotonic()`` (system-wide on Linux, so the parent can compare it with its own clock): "shown"
when the event loop first turns with the window shown, "frame" when the main window has painted its
first frame (what a user sees).
"""

from __future__ import annotations

import sys
import time


def _report_when_shown() -> None:
    """Print when the event loop first turns with the window shown ("shown") and when the main window
    paints its first frame ("frame"), then quit."""
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow

    app = QApplication.instance()
    assert app is not None

    class FirstFrame(QObject):
        done = False

        def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
            if not self.done and event.type() == QEvent.Type.Paint and isinstance(obj, QMainWindow):
                self.done = True
                print("frame %.6f" % time.monotonic(), flush=True)
                QTimer.singleShot(0, app.quit)
            return False

    first_frame = FirstFrame(app)
    # On the main window only: a filter on the whole application would run Python for every event of
    # every widget and slow the very start it measures.
    for window in QApplication.topLevelWidgets():
        if isinstance(window, QMainWindow) and window.isVisible():
            window.installEventFilter(first_frame)
    QTimer.singleShot(0, lambda: print("shown %.6f" % time.monotonic(), flush=True))


class _PatchExecWhenLoaded:
    """A meta path finder that only watches: once PySide6.QtWidgets is loaded, wrap QApplication.exec."""

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        if name != "PySide6.QtWidgets":
            return None
        sys.meta_path.remove(self)
        import importlib.util

        spec = importlib.util.find_spec(name)
        assert spec is not None and spec.loader is not None
        loader = spec.loader
        original_exec_module = loader.exec_module

        def exec_module(module: object) -> None:
            original_exec_module(module)  # type: ignore[arg-type]
            app_class = module.QApplication  # type: ignore[attr-defined]
            original_exec = app_class.exec

            def exec_(*_args: object) -> int:
                _report_when_shown()
                return int(original_exec())

            app_class.exec = exec_

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec  # type: ignore[return-value]


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
    # hvassist: patch QApplication.exec (reached once the main window is shown) as soon as the product
    # imports PySide6.QtWidgets, without importing Qt earlier than the product does.
    sys.meta_path.insert(0, _PatchExecWhenLoaded())
    from hvassist.cli import main as hvassist_main

    return hvassist_main([])


if __name__ == "__main__":
    sys.exit(main())
