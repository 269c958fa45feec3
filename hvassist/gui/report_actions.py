""""Save report…" and "Copy for ticket" for the diagnose wizard's findings and result pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QWidget,
)

from hvassist.audit import AuditLog
from hvassist.report import (
    Report,
    ReportSaveError,
    build_report,
    default_file_name,
    render_html,
    render_print_html,
    render_ticket_text,
    write_file,
)
from hvassist.services.diagnosis import Diagnosis

HTML_FILTER = "Web page (*.html)"
PDF_FILTER = "PDF document (*.pdf)"


class ReportBar(QWidget):
    """A row of report actions. ``diagnosis()`` gives the current diagnosis (after any fix); the audit
    entries written since ``since`` become the report's "actions taken"."""

    _last_folder: str = ""  # shared by every bar: the folder the user last saved a report in

    def __init__(self, diagnosis: Callable[[], Diagnosis | None], audit: AuditLog, since: dt.datetime,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._diagnosis = diagnosis
        self._audit = audit
        self._since = since
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 4, 0, 0)
        self.save_button = QPushButton("Save &report…")
        self.save_button.setAccessibleName("Save the report as a web page or PDF")
        self.save_button.setToolTip("Save the findings, evidence and changes made as a web page (HTML) or PDF "
                                    "for the ticket.")
        self.save_button.clicked.connect(self.save_report)
        self.copy_button = QPushButton("Cop&y for ticket")
        self.copy_button.setAccessibleName("Copy a short summary for the ticket to the clipboard")
        self.copy_button.setToolTip("Put a short plain-text summary on the clipboard: what was checked, what "
                                    "is wrong, what was done, what is next.")
        self.copy_button.clicked.connect(self.copy_for_ticket)
        self.redact_box = QCheckBox("&Hide names")
        self.redact_box.setAccessibleName("Hide host, VM and user names in the report")
        self.redact_box.setToolTip("Replace host, cluster, VM, domain and user names by placeholders such as "
                                   "HOST-1 and VM-1 (the same placeholder for the same name everywhere).")
        self.status = QLabel()
        self.status.setAccessibleName("Report status")
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row.addWidget(self.save_button)
        row.addWidget(self.copy_button)
        row.addWidget(self.redact_box)
        row.addWidget(self.status, 1)

    # -- building -------------------------------------------------------------------------------
    def build(self) -> Report | None:
        diagnosis = self._diagnosis()
        if diagnosis is None:
            self.status.setText("Nothing to report yet: check the hosts first.")
            return None
        return build_report(diagnosis, self._audit.entries(), redact=self.redact_box.isChecked(),
                            since=self._since)

    # -- copy -----------------------------------------------------------------------------------
    def copy_for_ticket(self) -> None:
        report = self.build()
        if report is None:
            return
        text = render_ticket_text(report)
        QGuiApplication.clipboard().setText(text)
        self.status.setText("Summary copied (%d lines). Paste it into the ticket." % text.count("\n"))

    # -- save -----------------------------------------------------------------------------------
    def save_report(self) -> None:
        report = self.build()
        if report is None:
            return
        # no extension in the suggestion: the chosen file type adds it (see _with_extension)
        suggestion = str(Path(self._folder()) / default_file_name(report, "html").removesuffix(".html"))
        selected = HTML_FILTER
        while True:
            path, selected = QFileDialog.getSaveFileName(self, "Save the report", suggestion,
                                                         ";;".join((HTML_FILTER, PDF_FILTER)), selected)
            if not path:
                return  # cancelled
            path = _with_extension(path, selected)
            try:
                saved = self.save_to(report, Path(path))
            except ReportSaveError as e:
                # keep the report: say why, then offer the dialog again with the same name
                QMessageBox.warning(self, "Report not saved", str(e))
                suggestion = path
                continue
            ReportBar._last_folder = str(saved.parent)
            self.status.setText("Saved: %s" % saved)
            return

    def save_to(self, report: Report, path: Path) -> Path:
        """Render ``report`` for ``path``'s type (.pdf or else HTML) and write it; raises ReportSaveError."""
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            if path.suffix.lower() == ".pdf":
                from hvassist.gui.pdf import html_to_pdf

                content: str | bytes = html_to_pdf(render_print_html(report), title="%s: %s" % (
                    report.title, ", ".join(report.host_names)))
            else:
                content = render_html(report)
            return write_file(path, content)
        finally:
            QApplication.restoreOverrideCursor()

    def _folder(self) -> str:
        if ReportBar._last_folder and Path(ReportBar._last_folder).is_dir():
            return ReportBar._last_folder
        docs = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        return docs if docs and Path(docs).is_dir() else str(Path.home())


def _with_extension(path: str, selected_filter: str) -> str:
    """The file dialog may return a name without an extension: add the one of the chosen type."""
    if Path(path).suffix.lower() in (".html", ".htm", ".pdf"):
        return path
    return path + (".pdf" if selected_filter == PDF_FILTER else ".html")
