"""Logging to the log folder, with secrets redacted before anything is written."""

from __future__ import annotations

import logging
import re
import sys
import threading

from hvassist.paths import app_paths

_SECRETS: set[str] = set()
_LOCK = threading.Lock()
_PATTERNS = [
    (re.compile(r"(?i)(password|passwd|pwd|secret|token)(\s*[=:]\s*)(\S+)"), r"\1\2***"),
    (re.compile(r"(?i)(Authorization:\s*)(\S+\s+)?\S+"), r"\1***"),
]


def register_secret(value: str) -> None:
    """Remember a secret so that the log filter blanks it wherever it shows up."""
    if value and len(value) >= 3:
        with _LOCK:
            _SECRETS.add(value)


def redact(text: str) -> str:
    with _LOCK:
        secrets = sorted(_SECRETS, key=len, reverse=True)
    for s in secrets:
        text = text.replace(s, "***")
    for pattern, repl in _PATTERNS:
        text = pattern.sub(repl, text)
    return text


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the record
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


_configured = False
_base_factory = logging.getLogRecordFactory()


def _redacting_record_factory(*args: object, **kwargs: object) -> logging.LogRecord:
    """Every record is redacted when it is created, so no handler (file, console, test capture) sees a secret."""
    record = _base_factory(*args, **kwargs)
    RedactingFilter().filter(record)
    return record


def install_redaction() -> None:
    logging.setLogRecordFactory(_redacting_record_factory)


class _LazyRotatingFileHandler(logging.Handler):
    """The app log (rotating at 2 MB, 3 old files kept), opened when the first record arrives.

    ``logging.handlers`` imports socket, pickle, queue and selectors, and the GUI's start-up usually
    logs nothing, so the import (and the file) wait until something is logged.
    """

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path
        self._target: logging.Handler | None = None

    def emit(self, record: logging.LogRecord) -> None:
        target = self._target or self._open()
        target.emit(record)  # our own handle() already filtered and locked

    def _open(self) -> logging.Handler:
        import logging.handlers

        target = logging.handlers.RotatingFileHandler(self.path, maxBytes=2_000_000, backupCount=3,
                                                      encoding="utf-8")
        target.setFormatter(self.formatter)
        self._target = target
        return target

    def close(self) -> None:
        if self._target is not None:
            self._target.close()
        super().close()


def setup_logging(verbosity: int = 0, to_file: bool = True) -> None:
    global _configured
    install_redaction()
    root = logging.getLogger()
    level = logging.WARNING if verbosity <= 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    if _configured:
        root.setLevel(min(level, logging.INFO))
        return
    _configured = True
    root.setLevel(min(level, logging.INFO))
    if sys.stderr is not None:  # None in the windowed Windows build: the log file is all there is
        console = logging.StreamHandler()
        console.setLevel(level)
        console.addFilter(RedactingFilter())
        console.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        root.addHandler(console)
    if to_file:
        paths = app_paths().ensure()
        fh = _LazyRotatingFileHandler(str(paths.app_log))
        fh.setLevel(logging.DEBUG if verbosity >= 2 else logging.INFO)
        fh.addFilter(RedactingFilter())
        fh.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(fh)
    for noisy in ("urllib3", "requests_ntlm", "spnego"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
