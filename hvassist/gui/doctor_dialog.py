"""The connection doctor's window: nine checks with progress and Cancel, results with evidence and the fix,
and — for a certificate problem — an explicit, confirmed "Trust this certificate"."""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from hvassist.gui.style import heading, severity_colour
from hvassist.gui.worker import BackgroundTask, run_in_background
from hvassist.remote.auth_support import AUTH_LABELS
from hvassist.remote.endpoint import Endpoint, format_fingerprint
from hvassist.services.doctor import (
    FAIL,
    NOT_RUN,
    PASS,
    RUNNING,
    SKIPPED,
    STEPS,
    WARN,
    DoctorReport,
    StepResult,
    run_doctor,
)

MARKS = {PASS: ("✔", "ok"), WARN: ("!", "warning"), FAIL: ("✘", "error"), SKIPPED: ("–", "muted"),
         NOT_RUN: ("○", "muted"), RUNNING: ("…", "info")}
WORDS = {PASS: "passed", WARN: "warning", FAIL: "failed", SKIPPED: "not used", NOT_RUN: "not checked",
         RUNNING: "checking…"}


def steps_html(steps: list[StepResult], all_evidence: bool = False) -> str:
    """The checks as rich text: each with its result; the failure (or warning) with what to do and what was
    seen; what passing checks saw only when ``all_evidence``."""
    palette = QGuiApplication.palette()
    muted = palette.color(palette.ColorRole.PlaceholderText).name()
    rows = []
    for i, s in enumerate(steps, start=1):
        mark, kind = MARKS.get(s.status, ("?", "muted"))
        colour = muted if kind == "muted" else severity_colour(kind).name()
        head = ("<b>%d. %s</b> — <span style='color:%s'>%s</span>" % (
            i, html.escape(s.title), colour, WORDS.get(s.status, s.status)))
        if s.status in (NOT_RUN, RUNNING):
            head = "<span style='color:%s'>%s</span>" % (muted, head) if s.status == NOT_RUN else head
            body = ""
        else:
            body = "<br/>%s" % html.escape(s.message)
        if s.status in (FAIL, WARN) and s.action:
            tint = severity_colour("error" if s.status == FAIL else "warning")
            body += ("<table width='100%%' cellpadding='6' style='margin-top:4px; background-color:rgba(%d,%d,%d,40)'>"
                     "<tr><td><b>What to do:</b> %s</td></tr></table>" % (
                         tint.red(), tint.green(), tint.blue(), html.escape(s.action)))
        if s.evidence and (s.status in (FAIL, WARN) or (all_evidence and s.status == PASS)):
            body += "<div style='color:%s; margin-top:2px'>What was seen:<br/>%s</div>" % (
                muted, "<br/>".join("• " + html.escape(e) for e in s.evidence))
        rows.append("<tr><td width='22' style='padding:5px 8px 1px 0; color:%s; font-size:large' valign='top'>"
                    "<b>%s</b></td>"
                    "<td style='padding:5px 0 1px 0' valign='top'>%s%s</td></tr>" % (colour, mark, head, body))
    return "<table cellspacing='0' width='100%%'>%s</table>" % "".join(rows)


class DoctorDialog(QDialog):
    """Runs the doctor once on open; ``on_trust(sha256)`` is called when the user confirms trusting a
    certificate (the caller saves it), after which the doctor runs again with the pinned fingerprint."""

    def __init__(self, endpoint: Endpoint, username: str, password: str | None, parent: QWidget | None = None,
                 on_trust: Callable[[str], None] | None = None, autostart: bool = True) -> None:
        super().__init__(parent)
        self.endpoint = endpoint
        self.username = username
        self.password = password
        self.on_trust = on_trust
        self.task: BackgroundTask | None = None
        self.report: DoctorReport | None = None
        self.steps = [StepResult(sid, title) for sid, title in STEPS]
        self.setWindowTitle("Connection doctor — %s" % endpoint.host)
        self.setAccessibleName("Connection doctor for %s" % endpoint.host)
        self.resize(760, 640)
        v = QVBoxLayout(self)
        v.addWidget(heading("Connection doctor: %s" % endpoint.host, level=2))
        self.target = QLabel()
        self.target.setWordWrap(True)
        self.target.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.target.setAccessibleName("What is checked")
        v.addWidget(self.target)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Result")
        self.summary.setTextFormat(Qt.TextFormat.PlainText)
        v.addWidget(self.summary)
        self.progress = QProgressBar()
        self.progress.setRange(0, len(STEPS))
        self.progress.setAccessibleName("Progress of the checks")
        self.progress.setFormat("%v of %m checks done")
        v.addWidget(self.progress)
        self.view = QTextBrowser()
        self.view.setOpenExternalLinks(False)
        self.view.setAccessibleName("Connection doctor results")
        self.view.setAccessibleDescription("Each check with its result, what was seen, and what to do")
        v.addWidget(self.view, 1)
        self.show_all = QCheckBox("&Show what was seen for every check")
        self.show_all.setAccessibleName("Show what was seen for every check")
        self.show_all.toggled.connect(lambda _on: self._render())
        v.addWidget(self.show_all)
        buttons = QHBoxLayout()
        self.trust_button = QPushButton("&Trust this certificate…")
        self.trust_button.setAccessibleName("Trust this certificate")
        self.trust_button.clicked.connect(self.trust_certificate)
        self.trust_button.hide()
        self.copy_button = QPushButton("C&opy for ticket")
        self.copy_button.setAccessibleName("Copy the results for a ticket")
        self.copy_button.clicked.connect(self.copy_results)
        self.again_button = QPushButton("&Run again")
        self.again_button.clicked.connect(self.start)
        self.close_button = QPushButton("&Cancel")
        self.close_button.clicked.connect(self.cancel_or_close)
        buttons.addWidget(self.trust_button)
        buttons.addStretch(1)
        for b in (self.copy_button, self.again_button, self.close_button):
            buttons.addWidget(b)
        v.addLayout(buttons)
        QShortcut(QKeySequence("F5"), self, activated=self.start)
        self._update_target()
        self._render()
        if autostart:
            self.start()

    @property
    def busy(self) -> bool:
        return self.task is not None and self.task.running

    def _update_target(self) -> None:
        ep = self.endpoint
        trust = ""
        if ep.transport == "https":
            trust = " · certificate: %s" % ("trusted by fingerprint %s…" % format_fingerprint(ep.pinned_sha256)[:23]
                                            if ep.pinned_sha256 else "checked against trusted CAs")
        self.target.setText("%s · %s logon as %s%s" % (ep.url, AUTH_LABELS.get(ep.auth, ep.auth),
                                                        self.username or "(no user set)", trust))

    def start(self) -> None:
        if self.busy:
            return
        self.report = None
        self.steps = [StepResult(sid, title) for sid, title in STEPS]
        self.progress.setValue(0)
        self.progress.show()
        self.summary.setText("Checking %s step by step…" % self.endpoint.host)
        self.summary.setStyleSheet("")
        self.trust_button.hide()
        self.again_button.setEnabled(False)
        self.close_button.setText("&Cancel")
        self._render()
        endpoint, user, password = self.endpoint, self.username, self.password

        def work(cancel: Any, report: Callable[[Any], None]) -> DoctorReport:
            return run_doctor(endpoint, user, password, cancel=cancel, on_step=report)

        self.task = run_in_background(work, self._done, self._failed, self._step)
        self.view.setFocus()

    def _step(self, step: StepResult) -> None:
        index = [s.id for s in self.steps].index(step.id)
        self.steps[index] = step
        if step.status != RUNNING:
            self.progress.setValue(index + 1)
        else:
            self.summary.setText("Step %d of %d: %s…" % (index + 1, len(STEPS), step.title))
        self._render()

    def _done(self, report: DoctorReport) -> None:
        self.report = report
        self.steps = list(report.steps)
        self._render()
        self.progress.setValue(len(STEPS) if report.ok else self.progress.value())
        self.progress.hide()
        failed = report.failed
        kind = "ok" if report.ok and not report.warnings else ("warning" if report.ok or report.cancelled else "error")
        colour = severity_colour(kind)
        self.summary.setText(report.summary)
        self.summary.setStyleSheet("QLabel { border-left: 4px solid %s; background: rgba(%d,%d,%d,40); padding: 8px;"
                                   " font-weight: bold; }" % (colour.name(), colour.red(), colour.green(),
                                                              colour.blue()))
        can_trust = failed is not None and failed.id == "tls" and bool(failed.fingerprint) and self.on_trust
        self.trust_button.setText("&Trust the new certificate…" if failed is not None
                                  and failed.kind == "certificate-changed" else "&Trust this certificate…")
        self.trust_button.setVisible(bool(can_trust))
        self.again_button.setEnabled(True)
        self.close_button.setText("&Close")
        self.close_button.setDefault(True)
        (self.trust_button if can_trust else self.close_button).setFocus()

    def _failed(self, error: BaseException) -> None:
        self.progress.hide()
        self.summary.setText("The doctor stopped unexpectedly: %s" % error)
        self.again_button.setEnabled(True)
        self.close_button.setText("&Close")

    def _render(self) -> None:
        bar = self.view.verticalScrollBar().value()
        self.view.setHtml(steps_html(self.steps, self.show_all.isChecked()))
        self.view.verticalScrollBar().setValue(bar)

    def trust_certificate(self) -> None:
        failed = self.report.failed if self.report else None
        if failed is None or not failed.fingerprint or self.on_trust is None:
            return
        changed = failed.kind == "certificate-changed"
        sha1 = next((e.split(": ", 1)[1] for e in failed.evidence if e.startswith("SHA-1")), "")
        text = ("<p>%s</p><p>Only continue if the host's administrator confirms this certificate. Compare:</p>"
                "<p><b>SHA-256:</b> <code>%s</code><br/><b>SHA-1 thumbprint</b> (as Windows shows it in "
                "<code>Cert:\\LocalMachine\\My</code>): <code>%s</code></p><p>hvassist will then accept exactly "
                "this certificate for %s, and warn you if it ever changes.</p>") % (
            "<b>The certificate has CHANGED since you trusted it.</b> Someone may be intercepting the connection."
            if changed else "This host's certificate is not trusted by this computer.",
            format_fingerprint(failed.fingerprint), html.escape(sha1 or "(not read)"), html.escape(self.endpoint.host))
        box = QMessageBox(QMessageBox.Icon.Warning, "Trust this certificate?", text, parent=self)
        box.setTextFormat(Qt.TextFormat.RichText)
        trust = box.addButton("Trust the new certificate" if changed else "Trust this certificate",
                              QMessageBox.ButtonRole.AcceptRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)  # the safe choice is the default
        box.exec()
        if box.clickedButton() is not trust:
            return
        self.on_trust(failed.fingerprint)
        self.endpoint = dataclasses.replace(self.endpoint, pinned_sha256=failed.fingerprint)
        self._update_target()
        self.start()

    def copy_results(self) -> None:
        text = self.report.as_text() if self.report else "\n".join(
            "%s: %s" % (s.title, s.message or WORDS.get(s.status, "")) for s in self.steps)
        clipboard = QGuiApplication.clipboard()
        if clipboard is not None:
            clipboard.setText(text)
        self.summary.setText(self.summary.text() + "  (Copied.)" if self.report else "Copied.")

    def cancel_or_close(self) -> None:
        if self.busy and self.task is not None:
            self.task.cancel()
            self.summary.setText("Cancelling…")
            return
        self.accept()

    def reject(self) -> None:  # Esc or the window's close button
        if self.task is not None and self.task.running:
            self.task.cancel()
        super().reject()
