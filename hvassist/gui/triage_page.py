"""The "Paste an error" page: paste (or drop a file with) an event, a backup job error or vssadmin output
and see the likely causes, best first, each with what it means and how to confirm it on a host."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from hvassist.gui.style import heading
from hvassist.kb import all_causes
from hvassist.triage import RankedCause, TriageResult, triage_text

MAX_FILE_BYTES = 20 * 1024 * 1024


class _PasteBox(QPlainTextEdit):
    file_dropped = Signal(str)
    submitted = Signal()

    def keyPressEvent(self, event: Any) -> None:  # noqa: N802 - Qt API
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and \
                event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.submitted.emit()
            return
        super().keyPressEvent(event)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt API
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
        else:
            super().dragEnterEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt API
        urls = event.mimeData().urls()
        if urls and urls[0].isLocalFile():
            self.file_dropped.emit(urls[0].toLocalFile())
            event.acceptProposedAction()
        else:
            super().dropEvent(event)


def read_pasted_file(path: str) -> str:
    """Text of a dropped file, whatever Windows wrote (UTF-16 with BOM, UTF-8, ANSI)."""
    data = Path(path).read_bytes()[:MAX_FILE_BYTES]
    for bom, codec in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"), (b"\xef\xbb\xbf", "utf-8")):
        if data.startswith(bom):
            return data[len(bom):].decode(codec, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


class TriagePage(QWidget):
    closed = Signal()
    check_on_host = Signal(str)  # cause id: run the diagnosis to confirm it on a host

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.result: TriageResult | None = None
        self.setAccessibleName("Paste an error")
        v = QVBoxLayout(self)
        v.setContentsMargins(16, 16, 16, 12)
        v.addWidget(heading("Paste an error"))
        intro = QLabel("Paste an event from Event Viewer, a backup job's error, 'vssadmin list writers' output or "
                       "an error code like 0x800423F3 — or drop a text file here. Nothing is sent anywhere.")
        intro.setWordWrap(True)
        v.addWidget(intro)
        split = QSplitter(Qt.Orientation.Vertical)
        self.input = _PasteBox()
        self.input.setAccessibleName("Error text")
        self.input.setPlaceholderText("Paste the error text here (Ctrl+V), then press Ctrl+Enter")
        self.input.file_dropped.connect(self._load_file)
        self.input.submitted.connect(self.analyse)
        split.addWidget(self.input)
        bottom = QSplitter()
        self.causes = QListWidget()
        self.causes.setAccessibleName("Likely causes, best first")
        self.causes.currentItemChanged.connect(self._show_cause)
        bottom.addWidget(self.causes)
        self.detail = QTextBrowser()
        self.detail.setOpenExternalLinks(True)
        self.detail.setAccessibleName("What the selected cause means")
        bottom.addWidget(self.detail)
        bottom.setSizes([360, 560])
        split.addWidget(bottom)
        split.setSizes([220, 420])
        v.addWidget(split, 1)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Triage summary")
        v.addWidget(self.summary)
        row = QHBoxLayout()
        close = QPushButton("&Close")
        close.clicked.connect(self.closed.emit)
        clear = QPushButton("C&lear")
        clear.clicked.connect(self._clear)
        self.analyse_button = QPushButton("&Find likely causes")
        self.analyse_button.setDefault(True)
        self.analyse_button.clicked.connect(self.analyse)
        row.addWidget(close)
        row.addStretch(1)
        self.check_button = QPushButton("Check this on a &host…")
        self.check_button.setAccessibleName("Check the selected cause on a host")
        self.check_button.setEnabled(False)
        self.check_button.clicked.connect(self._check)
        row.addWidget(self.check_button)
        row.addWidget(clear)
        row.addWidget(self.analyse_button)
        v.addLayout(row)

    def _load_file(self, path: str) -> None:
        try:
            self.input.setPlainText(read_pasted_file(path))
        except OSError as e:
            self.summary.setText("The file could not be read: %s" % e.strerror)
            return
        self.analyse()

    def _clear(self) -> None:
        self.input.clear()
        self.causes.clear()
        self.detail.clear()
        self.summary.clear()
        self.input.setFocus()

    def analyse(self) -> None:
        text = self.input.toPlainText()
        self.causes.clear()
        self.detail.clear()
        if not text.strip():
            self.summary.setText("Paste some text first.")
            return
        self.result = triage_text(text)
        if self.result.unrecognised:
            self.summary.setText("Nothing in this text points to a known Hyper-V backup problem. Check that you "
                                 "copied the whole error (event id, source and message), or run a diagnosis "
                                 "on the host.")
            return
        for c in self.result.causes:
            item = QListWidgetItem("%3d%%  %s" % (round(c.score * 100), c.title))
            item.setData(Qt.ItemDataRole.UserRole, c)
            item.setToolTip(c.id)
            self.causes.addItem(item)
        understood = "; ".join(self.result.recognised[:4])
        self.summary.setText("%d likely cause(s), best first.%s" % (
            len(self.result.causes), " Recognised: %s." % understood if understood else ""))
        self.causes.setCurrentRow(0)
        self.causes.setFocus()

    def _check(self) -> None:
        item = self.causes.currentItem()
        if item is not None:
            self.check_on_host.emit(item.data(Qt.ItemDataRole.UserRole).id)

    def _show_cause(self, item: QListWidgetItem | None, _prev: Any = None) -> None:
        self.check_button.setEnabled(item is not None)
        if item is None:
            return
        c: RankedCause = item.data(Qt.ItemDataRole.UserRole)
        t = all_causes().get(c.id)
        parts = ["<h2>%s</h2><p><code>%s</code> · match %d%%</p>" % (html.escape(c.title), html.escape(c.id),
                                                                   round(c.score * 100))]
        if t:
            parts.append("<p>%s</p>" % html.escape(t.summary))
        parts.append("<h3>Next step</h3><p>%s</p>" % html.escape(c.next_step))
        if c.command:
            parts.append("<pre>%s</pre>" % html.escape(c.command))
        parts.append("<h3>What matched in your text</h3><ul>%s</ul>" % "".join(
            "<li>%s</li>" % html.escape(e) for e in c.evidence))
        if t:
            parts.append("<h3>What to do</h3><ol>%s</ol>" % "".join("<li>%s</li>" % html.escape(s)
                                                                    for s in t.what_to_do))
        self.detail.setHtml("".join(parts))
