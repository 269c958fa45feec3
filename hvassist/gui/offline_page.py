"""Results of "Open collected data…": findings from collector JSON, .evtx or event XML files."""

from __future__ import annotations

import html

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTextBrowser, QVBoxLayout, QWidget

from hvassist.gui.diagnose_wizard import finding_html
from hvassist.gui.style import heading
from hvassist.services.offline import OfflineAnalysis


class OfflineResultsPage(QWidget):
    closed = Signal()

    def __init__(self, files: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Analysis of collected data")
        v = QVBoxLayout(self)
        v.setContentsMargins(16, 16, 16, 12)
        v.addWidget(heading("Collected data"))
        self.summary = QLabel("Reading %d file(s)…" % len(files))
        self.summary.setWordWrap(True)
        v.addWidget(self.summary)
        self.view = QTextBrowser()
        self.view.setOpenExternalLinks(True)
        self.view.setAccessibleName("Findings from the files")
        v.addWidget(self.view, 1)
        row = QHBoxLayout()
        close = QPushButton("&Close")
        close.clicked.connect(self.closed.emit)
        row.addWidget(close)
        row.addStretch(1)
        v.addLayout(row)

    def show_result(self, result: OfflineAnalysis) -> None:
        d = result.diagnosis
        hosts = ", ".join(h.host for h in d.hosts) or "none"
        self.summary.setText("%d problem(s) found for: %s." % (len(d.findings), hosts) if d.findings
                             else "No backup problems found for: %s." % hosts)
        parts = []
        if result.problems:
            parts.append("<h3>Could not be read completely</h3><ul>%s</ul>" % "".join(
                "<li>%s</li>" % html.escape(p) for p in result.problems))
        parts += ["<hr>" + finding_html(f) for f in d.findings]
        self.view.setHtml("".join(parts) or "<p>Nothing to show.</p>")

    def show_error(self, error: BaseException) -> None:
        self.summary.setText("The files could not be analysed: %s" % error)
