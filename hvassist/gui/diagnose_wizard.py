"""The "Diagnose a backup problem" wizard, bound to ``hvassist.flows.diagnose_flow.DiagnoseFlow``."""

from __future__ import annotations

import datetime as dt
import gc
import html
import time
from collections.abc import Generator, Iterator
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QFont, QFontDatabase, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hvassist.appcontext import AppContext
from hvassist.diagnose.findings import Finding
from hvassist.fixes.catalogue import after_text, has_fix
from hvassist.fixes.plan import FixStep
from hvassist.flows.diagnose_flow import TITLES, DiagnoseFlow, Step, VMSummary
from hvassist.gui.report_actions import ReportBar
from hvassist.gui.style import SEVERITY_WORDS, banner, heading, severity_colour
from hvassist.gui.worker import BackgroundTask, run_in_background
from hvassist.kb import all_causes

STEP_ORDER = list(Step)
# what the next backup of a VM will be, in the words the findings page uses (and the colour of its severity)
READINESS_WORDS = {"application-consistent": ("Consistent", "ok"),
                   "crash-consistent": ("Crash-consistent", "warning"),
                   "offline": ("Offline copy", "info"), "failing": ("Will fail", "error")}


def readiness_html(vm: VMSummary) -> str:
    """The VM's next backup: the verdict, why, and what hvassist could not look at itself."""
    parts = ["<h2>%s</h2>" % html.escape(vm.name)]
    r = vm.readiness
    if r is not None:
        word, severity = READINESS_WORDS.get(r.verdict, (r.verdict, "info"))
        parts.append("<p>Next host-level backup: <span style='color:%s'><b>%s</b></span> (%s)</p>" % (
            severity_colour(severity).name(), html.escape(word), html.escape(r.verdict)))
        parts.append("<h3>Why</h3><ul>%s</ul>" % "".join("<li>%s</li>" % html.escape(x) for x in r.reasons))
    for p in vm.pending:
        parts.append("<h3>Check inside the VM</h3><p>%s</p><pre style='white-space:pre-wrap'>%s</pre>" % (
            html.escape(p.reason), html.escape("\n".join(cmd for _c, cmd in p.commands))))
    if vm.findings:
        parts.append("<p>Select a problem below the VM to read what it means and what to do.</p>")
    return "".join(parts)


# Filling the findings tree: each slice runs about this long (half a frame at 60 Hz) ...
FILL_SLICE_SECONDS = 0.008
# ... but adds at least this many rows, so an ordinary diagnosis (a few hosts) appears in one go.
FILL_SLICE_MIN_ROWS = 60


def finding_html(f: Finding) -> str:
    """Plain explanation first, evidence next, the technical detail and sources last."""
    t = all_causes().get(f.cause)
    where = "%s on host %s" % (html.escape(f.vm), html.escape(f.host)) if f.vm else "host %s" % html.escape(
        f.host)
    colour = severity_colour(f.severity).name()
    parts = ["<h2>%s</h2>" % html.escape(f.title),
             "<p><span style='color:%s'><b>%s</b></span> &nbsp;·&nbsp; %s &nbsp;·&nbsp; <code>%s</code></p>"
             % (colour, SEVERITY_WORDS.get(f.severity, f.severity), where, html.escape(f.cause))]
    if t:
        parts.append("<p>%s</p>" % html.escape(t.summary))
        parts.append("<h3>Why the backup is affected</h3><p>%s</p>" % html.escape(t.why))
        if has_fix(f.cause):
            parts.append("<p><b>hvassist has a guided fix for this:</b> press 'Fix this…' to review it before "
                         "anything is changed.</p>")
        else:
            parts.append("<p><b>No automatic fix: here is what to do.</b> hvassist does not change this for you; "
                         "follow these steps (also under 'What to do…').</p>")
        parts.append("<h3>What to do</h3><ol>%s</ol>" % "".join("<li>%s</li>" % html.escape(s)
                                                                for s in t.what_to_do))
    parts.append("<h3>What hvassist saw</h3><ul>%s</ul>" % "".join(
        "<li>%s</li>" % html.escape(e.as_text()) for e in f.evidence))
    if t:
        parts.append("<details><h3>Technical details</h3><pre style='white-space:pre-wrap'>%s</pre></details>"
                     % html.escape(t.technical))
        if t.sources:
            parts.append("<h3>Sources</h3><ul>%s</ul>" % "".join(
                "<li><a href='%s'>%s</a></li>" % (html.escape(s, quote=True), html.escape(s)) for s in t.sources))
    return "".join(parts)


class DiagnoseWizard(QWidget):
    closed = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.flow = DiagnoseFlow(ctx.host_targets(), ctx.audit)
        self.task: BackgroundTask | None = None
        self.findings_filling = False  # the findings tree is being filled, slice by slice
        self._fill_generation = 0
        self.report_since = dt.datetime.now(dt.UTC)  # the report lists changes made from here on
        self.setAccessibleName("Diagnose a backup problem")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 12)
        self.title = heading("")
        self.step_label = QLabel()
        self.step_label.setAccessibleName("Wizard step")
        layout.addWidget(self.title)
        layout.addWidget(self.step_label)
        self.pages = QStackedWidget()
        layout.addWidget(self.pages, 1)
        self._build_choose()
        self._build_collect()
        self._build_findings()
        self._build_preview()
        self._build_apply()
        self._build_verify()

        buttons = QHBoxLayout()
        self.close_button = QPushButton("&Close")
        self.close_button.setAccessibleName("Close the wizard")
        self.close_button.clicked.connect(self._close)
        self.back_button = QPushButton("< &Back")
        self.back_button.setAccessibleName("Back")
        self.back_button.clicked.connect(self._back)
        self.cancel_button = QPushButton("Ca&ncel")
        self.cancel_button.setAccessibleName("Cancel the running work")
        self.cancel_button.clicked.connect(self.cancel_work)
        self.next_button = QPushButton("&Next >")
        self.next_button.setAccessibleName("Next")
        self.next_button.setDefault(True)
        self.next_button.clicked.connect(self._next)
        buttons.addWidget(self.close_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.next_button)
        layout.addLayout(buttons)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, activated=self._escape)
        self._show_step()

    # -- pages -----------------------------------------------------------------------------
    def _build_choose(self) -> None:
        page = QWidget()
        v = QVBoxLayout(page)
        intro = QLabel("Choose the Hyper-V hosts to check. hvassist reads each host's VMs, backup settings, VSS "
                       "writers and recent events in one pass. Nothing is changed on the hosts.")
        intro.setWordWrap(True)
        v.addWidget(intro)
        self.host_list = QListWidget()
        self.host_list.setAccessibleName("Hosts to check")
        for t in self.flow.available:
            item = QListWidgetItem("%s   (%s)" % (t.name, t.endpoint.url))
            item.setData(Qt.ItemDataRole.UserRole, t.name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked)
            self.host_list.addItem(item)
        self.host_list.itemChanged.connect(lambda _item: self._sync_selection())
        v.addWidget(self.host_list, 1)
        row = QHBoxLayout()
        select_all = QPushButton("Select &all")
        select_all.clicked.connect(lambda: self._check_all(True))
        select_none = QPushButton("Select n&one")
        select_none.clicked.connect(lambda: self._check_all(False))
        row.addWidget(select_all)
        row.addWidget(select_none)
        row.addStretch(1)
        v.addLayout(row)
        if not self.flow.available:
            v.addWidget(banner("There are no saved hosts yet. Close this wizard and use 'Add connection…' "
                               "first.", "warning"))
        self.pages.addWidget(page)
        self._sync_selection()

    def _check_all(self, checked: bool) -> None:
        for i in range(self.host_list.count()):
            self.host_list.item(i).setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def _sync_selection(self) -> None:
        names = [self.host_list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.host_list.count())
                 if self.host_list.item(i).checkState() == Qt.CheckState.Checked]
        self.flow.select_hosts(names)
        if hasattr(self, "next_button"):
            self._update_buttons()

    def _build_collect(self) -> None:
        page = QWidget()
        v = QVBoxLayout(page)
        self.collect_label = QLabel("Connecting to the hosts…")
        self.collect_label.setWordWrap(True)
        v.addWidget(self.collect_label)
        self.collect_bar = QProgressBar()
        self.collect_bar.setAccessibleName("Collection progress")
        v.addWidget(self.collect_bar)
        self.collect_log = QListWidget()
        self.collect_log.setAccessibleName("Progress per host")
        v.addWidget(self.collect_log, 1)
        self.pages.addWidget(page)

    def _build_findings(self) -> None:
        page = QWidget()
        v = QVBoxLayout(page)
        self.findings_summary = QLabel()
        self.findings_summary.setWordWrap(True)
        v.addWidget(self.findings_summary)
        split = QSplitter()
        self.findings_tree = QTreeWidget()
        self.findings_tree.setHeaderLabels(["Host / VM / problem", "Status", "Next backup"])
        self.findings_tree.setAccessibleName("Findings per host and VM")
        self.findings_tree.currentItemChanged.connect(self._finding_selected)
        split.addWidget(self.findings_tree)
        self.finding_view = QTextBrowser()
        self.finding_view.setOpenExternalLinks(True)
        self.finding_view.setAccessibleName("Explanation of the selected problem")
        split.addWidget(self.finding_view)
        split.setSizes([380, 520])
        v.addWidget(split, 1)
        self.findings_report = ReportBar(lambda: self.flow.diagnosis, self.ctx.audit, self.report_since)
        v.addWidget(self.findings_report)
        self.pages.addWidget(page)

    def _build_preview(self) -> None:
        page = QWidget()
        v = QVBoxLayout(page)
        self.plan_title = heading("", 2)
        v.addWidget(self.plan_title)
        self.plan_summary = QLabel()
        self.plan_summary.setWordWrap(True)
        v.addWidget(self.plan_summary)
        self.plan_banner_box = QVBoxLayout()
        v.addLayout(self.plan_banner_box)
        self.plan_steps = QLabel()
        self.plan_steps.setWordWrap(True)
        self.plan_steps.setTextFormat(Qt.TextFormat.RichText)
        v.addWidget(self.plan_steps)
        self.preview_label = QLabel("The exact PowerShell hvassist will run (&parameters are passed as data):")
        v.addWidget(self.preview_label)
        self.plan_preview = QPlainTextEdit()
        self.plan_preview.setReadOnly(True)
        self.plan_preview.setAccessibleName("PowerShell preview")
        self.plan_preview.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.preview_label.setBuddy(self.plan_preview)
        v.addWidget(self.plan_preview, 1)
        self.preview_spacer = QWidget()
        v.addWidget(self.preview_spacer, 1)
        self.confirm_note = QLabel()
        self.confirm_note.setWordWrap(True)
        v.addWidget(self.confirm_note)
        self.confirm_box = QCheckBox()
        self.confirm_box.setAccessibleName("Confirm the fix")
        self.confirm_box.toggled.connect(self._confirm_toggled)
        v.addWidget(self.confirm_box)
        self.pages.addWidget(page)

    def _build_apply(self) -> None:
        page = QWidget()
        v = QVBoxLayout(page)
        self.apply_label = QLabel("Applying the fix. Please keep hvassist open until it finishes.")
        self.apply_label.setWordWrap(True)
        v.addWidget(self.apply_label)
        self.apply_steps = QListWidget()
        self.apply_steps.setAccessibleName("Fix steps")
        v.addWidget(self.apply_steps, 1)
        self.pages.addWidget(page)

    def _build_verify(self) -> None:
        page = QWidget()
        v = QVBoxLayout(page)
        self.verify_box = QVBoxLayout()
        v.addLayout(self.verify_box)
        # after an interrupted fix: finish it, or only bring the VM back
        resume = QHBoxLayout()
        self.finish_fix_button = QPushButton("F&inish the fix")
        self.finish_fix_button.setAccessibleName("Finish the fix: do the steps that are left")
        self.finish_fix_button.clicked.connect(self._finish_fix)
        self.restart_vm_button = QPushButton("&Start the VM again")
        self.restart_vm_button.setAccessibleName("Start the VM again without finishing the fix")
        self.restart_vm_button.clicked.connect(self._restart_vm)
        resume.addWidget(self.finish_fix_button)
        resume.addWidget(self.restart_vm_button)
        resume.addStretch(1)
        v.addLayout(resume)
        self.finish_fix_button.hide()
        self.restart_vm_button.hide()
        self.verify_detail = QTextBrowser()
        self.verify_detail.setAccessibleName("Fix result details")
        v.addWidget(self.verify_detail, 1)
        self.verify_report = ReportBar(lambda: self.flow.diagnosis, self.ctx.audit, self.report_since)
        v.addWidget(self.verify_report)
        self.pages.addWidget(page)

    # -- navigation ------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return (self.task is not None and self.task.running) or self.findings_filling

    def _show_step(self) -> None:
        step = self.flow.step
        self.pages.setCurrentIndex(STEP_ORDER.index(step))
        self.title.setText(TITLES[step])
        self.step_label.setText("Step %d of %d" % (STEP_ORDER.index(step) + 1, len(STEP_ORDER)))
        self._update_buttons()

    def _update_buttons(self) -> None:
        step = self.flow.step
        self.cancel_button.setVisible(self.task is not None and self.task.running)
        self.back_button.setEnabled(not self.busy and step not in (Step.CHOOSE, Step.COLLECT, Step.FIX_APPLY))
        self.back_button.setVisible(step is not Step.VERIFY)
        labels = {Step.CHOOSE: "&Check hosts >", Step.COLLECT: "&Next >",
                  Step.FINDINGS: "&Fix this… >" if self.flow.finding is None or self.flow.has_automatic_fix()
                  else "&What to do… >",
                  Step.FIX_PREVIEW: "&Apply fix", Step.FIX_APPLY: "&Next >", Step.VERIFY: "&Finish"}
        self.next_button.setText(labels[step])
        self.next_button.setAccessibleName(labels[step].replace("&", "").strip(" <>…"))
        self.next_button.setEnabled(not self.busy and (self.flow.can_advance() or step is Step.VERIFY))
        plan = self.flow.plan
        # instructions only (or a blocked fix): there is nothing to apply, so no Apply button to wonder about
        self.next_button.setVisible(not (step is Step.FIX_PREVIEW and plan is not None and not plan.nothing_to_do
                                         and not plan.can_apply))
        self.close_button.setEnabled(not self.busy)

    def _next(self) -> None:
        step = self.flow.step
        if step is Step.VERIFY:
            self._back()
            return
        if not self.flow.can_advance():
            return
        self.flow.advance()
        self._enter(self.flow.step)

    def _back(self) -> None:
        if self.busy:
            return
        self.flow.back()
        self._enter(self.flow.step, going_back=True)

    def _enter(self, step: Step, going_back: bool = False) -> None:
        self._show_step()
        if step is Step.COLLECT:
            self._start_collect()
        elif step is Step.FINDINGS:
            self._fill_findings()
        elif step is Step.FIX_PREVIEW:
            self._fill_preview()
        elif step is Step.FIX_APPLY:
            self._start_apply()

    def _escape(self) -> None:
        if self.busy:
            self.cancel_work()

    def _close(self) -> None:
        if not self.busy:
            self.closed.emit()

    def cancel_work(self) -> None:
        if self.task is not None and self.task.running:
            self.task.cancel()
            self.collect_label.setText("Cancelling… (waiting for the hosts to answer)")

    # -- collect -----------------------------------------------------------------------------
    def _start_collect(self) -> None:
        targets = self.flow.targets()
        self.collect_log.clear()
        self.collect_bar.setRange(0, len(targets))
        self.collect_bar.setValue(0)
        self.collect_label.setText("Checking %d host(s). This usually takes a few seconds per host." % len(targets))
        self.host_rows: dict[str, QListWidgetItem] = {}
        for t in targets:
            item = QListWidgetItem("%s: waiting" % t.name)
            self.collect_log.addItem(item)
            self.host_rows[t.name] = item

        def work(cancel: Any, report: Any) -> Any:
            return self.flow.collect(cancel, progress=lambda host, msg: report((host, msg)))

        self.task = run_in_background(work, self._collect_done, self._collect_failed, self._collect_progress)
        self._update_buttons()

    def _collect_progress(self, value: Any) -> None:
        host, message = value
        row = self.host_rows.get(host)
        if row is not None:
            row.setText("%s: %s" % (host, message))
        if message.startswith(("Done", "Failed")):
            self.collect_bar.setValue(self.collect_bar.value() + 1)

    def _collect_done(self, _result: Any) -> None:
        self._update_buttons()
        diagnosis = self.flow.diagnosis
        cancelled = diagnosis is not None and any(h.error is not None and h.error.kind == "cancelled"
                                                  for h in diagnosis.hosts)
        if cancelled:
            self.collect_label.setText("Cancelled. Nothing was changed. Press Back to choose hosts again.")
            self.flow.step = Step.CHOOSE
            self._show_step()
            return
        # The results live until the next diagnosis: take them out of the garbage collector's full passes,
        # which would otherwise walk all of them (tens of ms with a thousand VMs) while the tree fills.
        gc.collect(0)
        gc.freeze()
        self.flow.advance()
        self._enter(self.flow.step)

    def _collect_failed(self, error: BaseException) -> None:
        self.collect_label.setText("The check stopped unexpectedly: %s" % error)
        self.flow.step = Step.CHOOSE
        self._update_buttons()
        self._show_step()

    # -- findings -----------------------------------------------------------------------------
    def _fill_findings(self) -> None:
        """Show the findings tree. A thousand VMs make well over a thousand rows, so the rows are added in
        slices of about a frame's time, letting the window repaint and answer in between (``busy`` meanwhile)."""
        self._fill_generation += 1
        self.findings_tree.clear()
        self.finding_view.clear()
        flow = self.flow
        findings = flow.diagnosis.findings if flow.diagnosis else []
        failed = flow.failed_hosts()
        errors = sum(1 for f in findings if f.severity == "error")
        text = "Found %d problem(s) on %d VM(s)." % (len(findings), len({f.vm_id for f in findings if f.vm_id}))
        if errors:
            text += " %d of them make backups fail." % errors
        if not findings:
            text = "No backup problems found. Every VM below should back up normally."
        if failed:
            text += " %d host(s) could not be checked (see below)." % len(failed)
        self.findings_summary.setText(text + " Select a problem to read what it means and what to do.")
        self.findings_filling = True
        self._continue_fill(self._fill_generation, self._add_finding_rows())

    def _continue_fill(self, generation: int, rows: Iterator[int]) -> None:
        if generation != self._fill_generation:
            return  # a newer fill replaced this one
        deadline = time.perf_counter() + FILL_SLICE_SECONDS
        added = 0
        try:
            # At least FILL_SLICE_MIN_ROWS per slice, so that a small diagnosis is shown in one go.
            while added < FILL_SLICE_MIN_ROWS or time.perf_counter() < deadline:
                added += next(rows)
        except StopIteration as done:
            self._finish_fill(done.value)
            return
        QTimer.singleShot(0, self, lambda: self._continue_fill(generation, rows))  # dropped if the wizard is gone

    def _add_finding_rows(self) -> Generator[int, None, QTreeWidgetItem | None]:
        """Add the tree's rows; yields how many it added since the last yield; returns the first error."""
        flow, tree = self.flow, self.findings_tree
        brushes = {s: QBrush(severity_colour(s)) for s in ("error", "warning", "info", "ok")}
        role = Qt.ItemDataRole.UserRole
        first: QTreeWidgetItem | None = None
        for h in flow.failed_hosts():
            item = QTreeWidgetItem(["%s — could not be checked" % h.host, "Error"])
            item.setData(0, role, ("error", h))
            item.setForeground(1, brushes["error"])
            tree.addTopLevelItem(item)
            yield 1
        host_findings: dict[str, list[Finding]] = {}
        for f in flow.host_findings():
            host_findings.setdefault(f.host.lower(), []).append(f)
        hosts: dict[str, QTreeWidgetItem] = {}
        for vm in flow.vm_summaries():
            added = 0
            host_item = hosts.get(vm.host)
            if host_item is None:
                host_item = QTreeWidgetItem([vm.host, ""])
                hosts[vm.host] = host_item
                tree.addTopLevelItem(host_item)
                host_item.setExpanded(True)
                for f in host_findings.get(vm.host.lower(), []):
                    child = QTreeWidgetItem([f.title, SEVERITY_WORDS.get(f.severity, f.severity)])
                    child.setData(0, role, ("finding", f))
                    child.setForeground(1, brushes.get(f.severity, brushes["info"]))
                    host_item.addChild(child)
                    added += 1
            status = "OK" if not vm.findings else SEVERITY_WORDS[min(
                (f.severity for f in vm.findings), key=lambda s: ("error", "warning", "info").index(s))]
            word, colour = READINESS_WORDS.get(vm.readiness.verdict, ("", "info")) if vm.readiness else ("", "info")
            vm_item = QTreeWidgetItem(["%s (%s)" % (vm.name, vm.state), status, word])
            vm_item.setData(0, role, ("vm", vm))
            vm_item.setForeground(1, brushes["ok" if not vm.findings else vm.findings[0].severity])
            vm_item.setForeground(2, brushes.get(colour, brushes["info"]))
            vm_item.setToolTip(2, "; ".join(vm.readiness.reasons) if vm.readiness else "")
            host_item.addChild(vm_item)
            for f in vm.findings:
                child = QTreeWidgetItem([f.title, SEVERITY_WORDS.get(f.severity, f.severity)
                                         + ("  ·  fix available" if has_fix(f.cause) else "")])
                child.setData(0, role, ("finding", f))
                child.setForeground(1, brushes.get(f.severity, brushes["info"]))
                vm_item.addChild(child)
                if first is None and f.severity == "error":
                    first = child
            if vm.findings:
                vm_item.setExpanded(True)
            yield added + 1 + len(vm.findings)
        return first

    def _finish_fill(self, first: QTreeWidgetItem | None) -> None:
        self.findings_filling = False
        tree = self.findings_tree
        tree.expandAll()
        # The short columns' few distinct texts, measured once (resizeColumnToContents visits every row).
        metrics = tree.fontMetrics()
        statuses = {"OK", "Error", *SEVERITY_WORDS.values()}
        statuses |= {w + "  ·  fix available" for w in SEVERITY_WORDS.values()}
        tree.setColumnWidth(1, max(metrics.horizontalAdvance(t) for t in statuses) + 24)
        tree.setColumnWidth(2, max(metrics.horizontalAdvance(w) for w, _c in READINESS_WORDS.values()) + 24)
        tree.setColumnWidth(0, max(260, tree.width() - 290))
        if first is not None:
            tree.setCurrentItem(first)
        tree.setFocus()
        self._update_buttons()

    def _finding_selected(self, item: QTreeWidgetItem | None, _prev: Any = None) -> None:
        data = item.data(0, Qt.ItemDataRole.UserRole) if item else None
        if not data:
            self.flow.select_finding(None)
            self._update_buttons()
            return
        kind, value = data
        if kind == "vm":
            self.finding_view.setHtml(readiness_html(value))
            self.flow.select_finding(None)
        elif kind == "error":
            e = value.error
            self.finding_view.setHtml("<h2>%s could not be checked</h2><p>%s</p><h3>What to do</h3><p>%s</p>%s"
                                      % (html.escape(value.host), html.escape(e.message), html.escape(e.action),
                                         "<pre>%s</pre>" % html.escape(e.detail) if e.detail else ""))
            self.flow.select_finding(None)
        else:
            self.finding_view.setHtml(finding_html(value))
            self.flow.select_finding(value)
        self._update_buttons()

    # -- fix preview -----------------------------------------------------------------------------
    def _fill_preview(self) -> None:
        plan = self.flow.plan
        assert plan is not None
        self.plan_title.setText(plan.title)
        self.plan_summary.setText(plan.summary)
        while self.plan_banner_box.count():
            w = self.plan_banner_box.takeAt(0).widget()
            if w is not None:
                w.deleteLater()
        if plan.warning and not plan.nothing_to_do:
            warning = banner("⚠  Cannot be undone. %s" % plan.warning.removeprefix("This cannot be undone. "),
                             "error")
            warning.setObjectName("irreversible-warning")
            f = warning.font()
            f.setBold(True)
            warning.setFont(f)
            self.plan_banner_box.addWidget(warning)
        for p in plan.blockers:
            self.plan_banner_box.addWidget(banner("This fix cannot be applied yet: %s %s" % (p.text, p.how),
                                                  "error"))
        if plan.downtime != "none" and not plan.nothing_to_do and plan.automatic:
            self.plan_banner_box.addWidget(banner("Downtime: %s" % plan.downtime,
                                                  "info" if plan.downtime.startswith("none") else "warning"))
        if plan.risk:
            undo = ("  %s: %s" % ("Undo" if plan.reversible else "Cannot be undone", plan.reversibility)
                    if plan.reversibility else "")
            self.plan_banner_box.addWidget(banner("Risk: %s%s" % (plan.risk, undo), "info"))
        parts = []
        if plan.steps:
            parts.append("<b>Steps hvassist runs</b><ol>%s</ol>" % "".join(
                "<li>%s</li>" % html.escape(s.title) for s in plan.steps))
        pre = "".join("<li>%s — %s</li>" % (html.escape(p.text), html.escape(p.how))
                      for p in plan.preconditions if not p.satisfied and not p.blocking)
        if pre:
            parts.append("<b>Before that</b><ul>%s</ul>" % pre)
        if plan.manual_steps:
            parts.append("<b>%s</b><ol>%s</ol>" % ("Then, by you" if plan.steps else "What to do", "".join(
                "<li>%s</li>" % html.escape(m) for m in plan.manual_steps)))
        if plan.verify:
            parts.append("<p>Afterwards: %s</p>" % html.escape(plan.verify))
        self.plan_steps.setText("".join(parts))
        self.plan_preview.setPlainText(plan.preview())
        self.preview_label.setVisible(plan.automatic)
        self.plan_preview.setVisible(plan.automatic)
        self.preview_spacer.setVisible(not plan.automatic)
        if not plan.can_apply:
            self.confirm_box.hide()
            self.confirm_note.hide()
            self.confirm_box.setChecked(False)
        else:
            downtime = any(s.downtime for s in plan.steps)
            what = []
            if not plan.reversible and plan.warning:
                what.append("<b>this cannot be undone</b>")
            what.append("%s will be shut down and started again" % html.escape(plan.vm or "") if downtime
                        else "this changes %s" % html.escape(plan.vm or plan.host))
            self.confirm_note.setText("Before you apply: %s." % "; ".join(what))
            self.confirm_note.show()
            # the checkbox keeps a short label (it does not wrap); the note above says what is being agreed to
            self.confirm_box.setText("I &understand, and want to apply this fix now")
            self.confirm_box.setAccessibleName("I understand that %s, and want to apply this fix now" % ", and "
                                               "that ".join(w.replace("<b>", "").replace("</b>", "") for w in what))
            self.confirm_box.show()
            self.confirm_box.setChecked(False)
            self.confirm_box.setFocus()

    def _confirm_toggled(self, checked: bool) -> None:
        self.flow.confirmed = checked
        self._update_buttons()

    # -- apply -----------------------------------------------------------------------------------
    def _start_apply(self, work_fn: Any = None, steps: Any = None) -> None:
        plan = self.flow.plan
        assert plan is not None
        work_fn = work_fn or self.flow.apply
        self.apply_steps.clear()
        self.step_rows: dict[str, QListWidgetItem] = {}
        for s in steps if steps is not None else plan.steps:
            item = QListWidgetItem("○  %s" % s.title)
            self.apply_steps.addItem(item)
            self.step_rows[s.id] = item
        verify_item = QListWidgetItem("○  Check the host again to confirm the fix")
        self.apply_steps.addItem(verify_item)
        self.step_rows["_verify"] = verify_item

        def work(cancel: Any, report: Any) -> Any:
            return work_fn(cancel, on_step=lambda step, state: report((step, state)))

        self.task = run_in_background(work, self._apply_done, self._apply_failed, self._apply_progress)
        self._update_buttons()

    def _apply_progress(self, value: tuple[FixStep, str]) -> None:
        step, state = value
        marks = {"running": "…", "done": "✔", "failed": "✘"}
        row = self.step_rows.get(step.id)
        if row is not None:
            row.setText("%s  %s%s" % (marks[state], step.title, "  (running)" if state == "running" else ""))
        if state == "done" and step.id == self.flow.plan.steps[-1].id if self.flow.plan else False:
            self.step_rows["_verify"].setText("…  Check the host again to confirm the fix  (running)")

    def _apply_done(self, _result: Any) -> None:
        self.flow.advance()
        self._show_step()
        self._fill_verify()

    def _finish_fix(self) -> None:
        interruption = self.flow.interruption()
        if self.busy or interruption is None:
            return
        self.flow.reopen_apply()
        self._show_step()
        self.apply_label.setText("Finishing the fix: hvassist looks at %s again and does only what is left."
                                 % interruption.plan.host)
        self._start_apply(self.flow.finish_fix, interruption.remaining)

    def _restart_vm(self) -> None:
        interruption = self.flow.interruption()
        if self.busy or interruption is None or not interruption.can_restart_vm:
            return
        self.flow.reopen_apply()
        self._show_step()
        self.apply_label.setText("Starting %s again. The fix itself is not finished." % interruption.plan.vm)
        self._start_apply(self.flow.restart_vm, [s for s in interruption.plan.steps if s.restores])

    def _apply_failed(self, error: BaseException) -> None:
        self.apply_label.setText("The fix stopped unexpectedly: %s" % error)
        self._update_buttons()

    def _fill_verify(self) -> None:
        while self.verify_box.count():
            w = self.verify_box.takeAt(0).widget()
            if w is not None:
                w.deleteLater()
        flow, plan = self.flow, self.flow.plan
        assert plan is not None
        outcome = flow.outcome
        interruption = flow.interruption()
        self.finish_fix_button.setVisible(interruption is not None)
        self.restart_vm_button.setVisible(interruption is not None and interruption.can_restart_vm)
        if plan.vm:
            self.restart_vm_button.setText("&Start %s again" % plan.vm.replace("&", "&&"))
            self.restart_vm_button.setAccessibleName("Start %s again without finishing the fix" % plan.vm)
        lines = []
        now = ""
        technical = ""
        if flow.fix_error is not None:
            e = flow.fix_error
            self.verify_box.addWidget(banner("The fix could not be applied: %s What to do: %s"
                                             % (e.message, e.action), "error"))
        if outcome is not None:
            failed = outcome.failed_step
            if interruption is not None and failed is not None and failed.error is not None:
                self.verify_box.addWidget(banner(interruption.message(), "error"))
                self.verify_box.addWidget(banner("What to do: %s" % interruption.what_to_do(), "warning"))
                if failed.error.detail:
                    technical = failed.error.detail
            elif outcome.restored_only:
                self.verify_box.addWidget(banner(
                    "%s was started again. The fix itself was not finished, so the problem '%s' is still there: "
                    "open the fix again from the findings when you are ready." % (
                        plan.vm, flow.finding.title if flow.finding else plan.cause), "warning"))
            elif outcome.nothing_to_do and outcome.verified:
                self.verify_box.addWidget(banner("Nothing to do: hvassist looked at %s again and the problem is "
                                                 "already gone. Nothing was changed." % plan.host, "ok"))
            elif outcome.nothing_to_do:
                self.verify_box.addWidget(banner("Nothing more for hvassist to do: its steps are already done on %s. "
                                                 "The problem stays until you do the steps below." % plan.host,
                                                 "warning"))
            elif outcome.verified:
                self.verify_box.addWidget(banner("Fixed. hvassist checked %s again: the problem '%s' is gone."
                                                 % (plan.host, flow.finding.title if flow.finding else plan.cause),
                                                 "ok"))
            elif outcome.verified is False and outcome.left_to_you:
                self.verify_box.addWidget(banner("hvassist's part is done. The problem is still reported until you "
                                                 "do the steps below; then diagnose again.", "warning"))
            elif outcome.verified is False:
                self.verify_box.addWidget(banner("The steps ran, but the problem is still reported. Read the "
                                                 "details below.", "warning"))
            else:
                self.verify_box.addWidget(banner("The steps ran, but hvassist could not check the host again. "
                                                 "Run the diagnosis again in a few minutes.", "warning"))
            for s in outcome.steps:
                lines.append("<li>%s — %s</li>" % (html.escape(s.step.title), "done" if s.ok and s.changed else
                                                   "nothing to do" if s.ok else "cancelled" if s.error is not None
                                                   and s.error.kind == "cancelled" else "failed"))
            if outcome.after is not None:
                now = after_text(plan, outcome.after)
        todo = ""
        if outcome is not None and outcome.left_to_you:
            todo = "<h3>Still to do, by you</h3><ol>%s</ol>" % "".join(
                "<li>%s</li>" % html.escape(m) for m in outcome.left_to_you)
        elif outcome is not None and outcome.verified and plan.manual_steps:
            todo = "<h3>Afterwards</h3><ul>%s</ul>" % "".join(
                "<li>%s</li>" % html.escape(m) for m in plan.manual_steps)
        now_html = "<p>Now: %s</p>" % html.escape(now) if now else ""
        technical_html = ("<h3>Technical details</h3><pre style='white-space:pre-wrap'>%s</pre>"
                          % html.escape(technical)) if technical else ""
        self.verify_detail.setHtml("%s<h3>What was done</h3><ul>%s</ul>%s<p>Every step is recorded in the audit "
                                   "log: %s</p>%s" % (todo, "".join(lines), now_html,
                                                      html.escape(str(self.ctx.audit.path)), technical_html))
        self.next_button.setText("&Back to findings")
        self.next_button.setAccessibleName("Back to findings")
        self.next_button.setEnabled(True)
        self.next_button.setFocus()


__all__ = ["DiagnoseWizard", "finding_html", "QFont"]
