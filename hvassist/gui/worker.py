"""Background work: run a blocking function on the thread pool and get its result back on the GUI thread.

One helper (``run_in_background``) for every slow call. Workers never touch widgets; they emit
signals, which Qt delivers to the GUI thread.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from hvassist.cancel import CancelToken

log = logging.getLogger(__name__)


class _Signals(QObject):
    done = Signal(object)
    failed = Signal(object)
    progress = Signal(object)


class _Task(QRunnable):
    def __init__(self, fn: Callable[..., Any], signals: _Signals, cancel: CancelToken) -> None:
        super().__init__()
        self.fn = fn
        self.signals = signals
        self.cancel = cancel
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            result = self.fn(self.cancel, self.signals.progress.emit)
        except BaseException as e:  # delivered to the GUI thread, which decides what to show
            log.debug("background task failed: %s", "".join(traceback.format_exception_only(type(e), e)))
            self.signals.failed.emit(e)
            return
        self.signals.done.emit(result)


class BackgroundTask:
    """Handle on a running task: ``cancel()`` it; its callbacks run on the GUI thread."""

    _alive: set[BackgroundTask] = set()  # keep signal objects alive until the task reports

    def __init__(self, fn: Callable[[CancelToken, Callable[[Any], None]], Any],
                 on_done: Callable[[Any], None], on_error: Callable[[BaseException], None] | None = None,
                 on_progress: Callable[[Any], None] | None = None) -> None:
        self.cancel_token = CancelToken()
        self.signals = _Signals()
        self.signals.done.connect(lambda r: self._finish(on_done, r))
        self.signals.failed.connect(lambda e: self._finish(on_error or _log_error, e))
        if on_progress:
            self.signals.progress.connect(on_progress)
        self.running = True
        BackgroundTask._alive.add(self)
        QThreadPool.globalInstance().start(_Task(fn, self.signals, self.cancel_token))

    def _finish(self, callback: Callable[[Any], None], value: Any) -> None:
        self.running = False
        BackgroundTask._alive.discard(self)
        callback(value)

    def cancel(self) -> None:
        self.cancel_token.cancel()


def run_in_background(fn: Callable[[CancelToken, Callable[[Any], None]], Any], on_done: Callable[[Any], None],
                      on_error: Callable[[BaseException], None] | None = None,
                      on_progress: Callable[[Any], None] | None = None) -> BackgroundTask:
    """``fn(cancel_token, report_progress)`` runs on a worker; callbacks run on the GUI thread."""
    return BackgroundTask(fn, on_done, on_error, on_progress)


def _log_error(e: BaseException) -> None:
    log.error("background task failed: %s", e)
