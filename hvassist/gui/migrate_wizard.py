"""The "Check a migration" wizard, bound to ``hvassist.flows.migrate_flow.MigrationFlow``.

Pages: choose the clusters (or resume a saved migration) → checklist (status, evidence, blockers,
manual confirmations, fixes hvassist can run) → VMs and switches (readiness, switch mapping) →
runbook (preview, export, run step by step). Every change asks for confirmation in a dialog that
shows the exact script; slow work runs in the background with progress and cancel. The state is
saved as the user goes, so reopening the wizard resumes where it was left.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QFontDatabase, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from hvassist.appcontext import AppContext
from hvassist.flows.migrate_flow import PAGE_TITLES, MigrationFlow, NotAllowedYet, Page
from hvassist.gui.style import banner, heading, severity_colour
from hvassist.gui.worker import BackgroundTask, run_in_background
from hvassist.migrate.access import AccessError, ClusterAccess, access_for
from hvassist.migrate.checklist import StepResult, source_switches
from hvassist.migrate.operations import Operation
from hvassist.migrate.state import ClusterRef, MigrationState, MigrationStore
from hvassist.migrate.steps import FAILED, NEEDS_MANUAL, NOT_STARTED, PASSED, STATUS_WORDS

PAGES = list(Page)
STATUS_MARK = {PASSED: "✔", FAILED: "✘", NOT_STARTED: "○", NEEDS_MANUAL: "?"}
STATUS_KIND = {PASSED: "ok", FAILED: "error", NOT_STARTED: "info", NEEDS_MANUAL: "warning"}
KEEP_NAME = "(same name on the destination)"
UNCONNECTED = "(leave unconnected)"


def step_html(r: StepResult) -> str:
    """What and why first, then what is wrong and what to do, then the evidence."""
    s = r.step
    colour = severity_colour(STATUS_KIND[r.status]).name()
    parts = ["<h2>%d. %s</h2>" % (s.kb, html.escape(s.title)),
             "<p><span style='color:%s'><b>%s %s</b></span> &nbsp;·&nbsp; checked on: %s</p>" % (
                 colour, STATUS_MARK[r.status], STATUS_WORDS[r.status], html.escape(s.side)),
             "<p>%s</p>" % html.escape(s.what), "<p><i>Why:</i> %s</p>" % html.escape(s.why)]
    if r.blockers:
        parts.append("<h3>Blocking the move</h3><ul>%s</ul>" % "".join(
            "<li><b>%s</b>: %s<br><i>What to do:</i> %s</li>" % (
                html.escape(b.vm or "Cluster / SAN"), html.escape(b.problem), html.escape(b.fix)) for b in r.blockers))
    if r.todo:
        parts.append("<h3>Still to do</h3><ul>%s</ul>" % "".join("<li>%s</li>" % html.escape(t.text) for t in r.todo))
    if r.warnings:
        parts.append("<h3>Good to know</h3><ul>%s</ul>" % "".join("<li>%s</li>" % html.escape(w)
                                                                  for w in r.warnings))
    if r.evidence:
        parts.append("<h3>What hvassist saw</h3><ul>%s</ul>" % "".join("<li>%s</li>" % html.escape(e)
                                                                       for e in r.evidence))
    return "".join(parts)


class OperationDialog(QDialog):
    """Preview of one operation and an explicit confirmation before it runs."""

    def __init__(self, op: Operation, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.op = op
        self.setWindowTitle("Confirm: %s" % op.title)
        self.setAccessibleName("Confirm the operation")
        self.resize(760, 560)
        v = QVBoxLayout(self)
        v.addWidget(heading(op.title, 2))
        v.addWidget(QLabel("Runs on %s (%s)." % (op.host, op.side)))
        if op.downtime:
            v.addWidget(banner("Downtime: %s" % op.downtime, "warning"))
        if op.risk:
            v.addWidget(banner("Risk: %s" % op.risk, "info"))
        label = QLabel("The exact PowerShell hvassist sends (&parameters are passed as data):")
        v.addWidget(label)
        self.preview = QPlainTextEdit(op.preview())
        self.preview.setReadOnly(True)
        self.preview.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.preview.setAccessibleName("PowerShell preview")
        label.setBuddy(self.preview)
        v.addWidget(self.preview, 1)
        self.confirm_box = QCheckBox("I have read this and want hvassist to run it on %s now." % op.host)
        self.confirm_box.setAccessibleName("Confirm the operation")
        v.addWidget(self.confirm_box)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.run_button = self.buttons.addButton("&Run it", QDialogButtonBox.ButtonRole.AcceptRole)
        self.run_button.setEnabled(False)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setDefault(True)
        self.confirm_box.toggled.connect(self.run_button.setEnabled)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        v.addWidget(self.buttons)
        self.confirm_box.setFocus()


class MigrateWizard(QWidget):
    closed = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.flow = MigrationFlow(MigrationStore(), ctx.audit, self._access)
        self.task: BackgroundTask | None = None
        self.dialog: OperationDialog | None = None
        self.setAccessibleName("Check a migration")
        self._choices: list[tuple[str, ClusterRef]] = []

        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 16, 16, 12)
        top = QHBoxLayout()
        self.title = heading("")
        top.addWidget(self.title, 1)
        self.clock = QLabel()
        self.clock.setAccessibleName("Downtime clock")
        self.clock.setWordWrap(True)
        self.clock.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        top.addWidget(self.clock, 1)
        layout.addLayout(top)
        self.page_label = QLabel()
        self.page_label.setAccessibleName("Wizard page")
        layout.addWidget(self.page_label)
        self.notice_box = QVBoxLayout()
        layout.addLayout(self.notice_box)
        self.pages = QStackedWidget()
        layout.addWidget(self.pages, 1)
        self._build_choose()
        self._build_checklist()
        self._build_vms()
        self._build_runbook()

        self.progress_row = QWidget()
        pr = QHBoxLayout(self.progress_row)
        pr.setContentsMargins(0, 0, 0, 0)
        self.progress_label = QLabel()
        self.progress_label.setWordWrap(True)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 0)
        self.progress_bar.setAccessibleName("Work in progress")
        self.progress_bar.setMaximumWidth(200)
        pr.addWidget(self.progress_label, 1)
        pr.addWidget(self.progress_bar)
        layout.addWidget(self.progress_row)
        self.progress_row.hide()

        buttons = QHBoxLayout()
        self.close_button = QPushButton("&Close")
        self.close_button.setAccessibleName("Close the wizard")
        self.close_button.clicked.connect(self._close)
        self.recheck_button = QPushButton("Check &again")
        self.recheck_button.setAccessibleName("Check both clusters again")
        self.recheck_button.clicked.connect(self.start_check)
        self.cancel_button = QPushButton("Ca&ncel")
        self.cancel_button.setAccessibleName("Cancel the running work")
        self.cancel_button.clicked.connect(self.cancel_work)
        self.back_button = QPushButton("< &Back")
        self.back_button.setAccessibleName("Back")
        self.back_button.clicked.connect(self._back)
        self.next_button = QPushButton("&Next >")
        self.next_button.setDefault(True)
        self.next_button.clicked.connect(self._next)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.recheck_button)
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.next_button)
        layout.addLayout(buttons)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self, activated=self._escape)
        QShortcut(QKeySequence("F5"), self, activated=self.start_check)

        self.timer = QTimer(self)
        self.timer.setInterval(1000)
        self.timer.timeout.connect(self._tick)
        self.timer.start()
        self._open_initial()

    # -- reaching the clusters -----------------------------------------------------------------------
    def _access(self, ref: ClusterRef) -> ClusterAccess:
        lab = self.ctx.ensure_migration_lab() if ref.lab else None
        return access_for(ref, lab=lab, connections=self.ctx.connections)

    def _fill_choices(self) -> None:
        self._choices = []
        lab = self.ctx.ensure_migration_lab()
        if lab is not None:
            for c in lab.estate.clusters:
                nodes = [lab.estate.host(n) for n in c.nodes]
                os_name = nodes[0].os_caption.replace("Microsoft ", "") if nodes else ""
                self._choices.append(("%s — %s, %s (practice lab)" % (c.name, c.domain, os_name),
                                      ClusterRef(c.name, lab=lab.estate.name)))
        for conn in self.ctx.connections.connections:
            if getattr(conn, "cluster", None):
                continue  # a node of a saved cluster: the cluster is listed
            kind = "cluster" if conn.kind == "cluster" else "host or cluster name"
            self._choices.append(("%s — saved connection (%s)" % (conn.name, kind),
                                  ClusterRef(conn.name, connection=conn.id)))
        for combo in (self.source_combo, self.dest_combo):
            combo.clear()
            for label, _ref in self._choices:
                combo.addItem(label)
        names = [ref.name for _l, ref in self._choices]
        if "OLDCLU" in names and "NEWCLU" in names:
            self.source_combo.setCurrentIndex(names.index("OLDCLU"))
            self.dest_combo.setCurrentIndex(names.index("NEWCLU"))
        elif len(names) > 1:
            self.dest_combo.setCurrentIndex(1)

    # -- pages ------------------------------------------------------------------------------------
    def _build_choose(self) -> None:
        page = QWidget()
        v = QVBoxLayout(page)
        intro = QLabel("Move the VMs of a Windows Server 2008 R2 cluster to a Windows Server 2012 R2 (or later) "
                       "cluster in another domain, over a SAN both can reach: no export, the VMs are registered in "
                       "place and keep their IDs. hvassist checks every step on both clusters, tells you what blocks "
                       "the move and what to do, and writes the runbook for the destination. Checking changes "
                       "nothing.")
        intro.setWordWrap(True)
        v.addWidget(intro)
        form = QFormLayout()
        self.source_combo = QComboBox()
        self.source_combo.setAccessibleName("Source cluster")
        self.dest_combo = QComboBox()
        self.dest_combo.setAccessibleName("Destination cluster")
        self.csv_edit = QLineEdit()
        self.csv_edit.setAccessibleName("CSVs to move")
        self.csv_edit.setPlaceholderText("all CSVs of the source cluster")
        source_label = QLabel("&Source cluster (2008 R2):")
        source_label.setBuddy(self.source_combo)
        dest_label = QLabel("&Destination cluster (2012 R2+):")
        dest_label.setBuddy(self.dest_combo)
        csv_label = QLabel("CS&Vs to move (names, comma-separated):")
        csv_label.setBuddy(self.csv_edit)
        form.addRow(source_label, self.source_combo)
        form.addRow(dest_label, self.dest_combo)
        form.addRow(csv_label, self.csv_edit)
        v.addLayout(form)
        self.choose_hint = QLabel()
        self.choose_hint.setWordWrap(True)
        v.addWidget(self.choose_hint)
        self.saved_box = QGroupBox("Saved migrations")
        v.addWidget(self.saved_box, 1)
        sv = QVBoxLayout(self.saved_box)
        saved_label = QLabel("Pick one to continue where you left it (&resume):")
        sv.addWidget(saved_label)
        self.saved_list = QListWidget()
        self.saved_list.setAccessibleName("Saved migrations")
        saved_label.setBuddy(self.saved_list)
        self.saved_list.itemActivated.connect(lambda _i: self._resume_selected())
        sv.addWidget(self.saved_list, 1)
        row = QHBoxLayout()
        self.resume_button = QPushButton("Res&ume selected")
        self.resume_button.clicked.connect(self._resume_selected)
        row.addWidget(self.resume_button)
        row.addStretch(1)
        sv.addLayout(row)
        v.addStretch(0)
        self.pages.addWidget(page)

    def _build_checklist(self) -> None:
        page = QWidget()
        v = QVBoxLayout(page)
        v.setContentsMargins(0, 0, 0, 0)
        self.checklist_summary = QLabel()
        self.checklist_summary.setWordWrap(True)
        v.addWidget(self.checklist_summary)
        split = QSplitter()
        self.step_list = QListWidget()
        self.step_list.setAccessibleName("Migration steps and their status")
        self.step_list.setWordWrap(True)
        self.step_list.setSpacing(2)
        self.step_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.step_list.currentRowChanged.connect(self._step_selected)
        split.addWidget(self.step_list)
        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        self.step_view = QTextBrowser()
        self.step_view.setAccessibleName("The selected step: what, why, blockers and evidence")
        rv.addWidget(self.step_view, 3)
        self.step_actions = QScrollArea()
        self.step_actions.setWidgetResizable(True)
        self.step_actions.setAccessibleName("What you can do for this step")
        rv.addWidget(self.step_actions, 2)
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        split.setSizes([380, 620])
        v.addWidget(split, 1)
        self.pages.addWidget(page)

    def _build_vms(self) -> None:
        page = QWidget()
        v = QVBoxLayout(page)
        v.setContentsMargins(0, 0, 0, 0)
        intro = QLabel("Every VM on the CSV(s) being moved. A VM is ready when it is off, has no snapshots, is no "
                       "longer a role of the source cluster, all its files are on the CSV, and Compare-VM finds no "
                       "incompatibility on the destination.")
        intro.setWordWrap(True)
        v.addWidget(intro)
        self.vm_table = QTableWidget(0, 8)
        self.vm_table.setHorizontalHeaderLabels(["VM", "Ready", "On the source", "Snapshots", "Files",
                                                 "Network adapters", "Compare-VM", "On the destination"])
        self.vm_table.setAccessibleName("Readiness of each VM")
        self.vm_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.vm_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.vm_table.setWordWrap(True)
        header = self.vm_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        for col in (4, 5, 7):  # the long texts share the width and wrap, so nothing hides off to the right
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.Stretch)
        self.vm_table.verticalHeader().setVisible(False)
        v.addWidget(self.vm_table, 3)
        self.map_group = QGroupBox("Switch mapping: where adapters go on the destination")
        self.map_group.setAccessibleName("Switch mapping")
        self.map_form = QFormLayout(self.map_group)
        v.addWidget(self.map_group, 1)
        self.pages.addWidget(page)

    def _build_runbook(self) -> None:
        page = QWidget()
        v = QVBoxLayout(page)
        v.setContentsMargins(0, 0, 0, 0)
        self.runbook_notice = QVBoxLayout()
        v.addLayout(self.runbook_notice)
        split = QSplitter()
        self.op_list = QListWidget()
        self.op_list.setAccessibleName("Runbook steps")
        self.op_list.setWordWrap(True)
        self.op_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.op_list.currentRowChanged.connect(self._op_selected)
        split.addWidget(self.op_list)
        preview_box = QWidget()
        pv = QVBoxLayout(preview_box)
        pv.setContentsMargins(0, 0, 0, 0)
        preview_label = QLabel("What this step runs (&preview):")
        pv.addWidget(preview_label)
        self.op_preview = QPlainTextEdit()
        self.op_preview.setReadOnly(True)
        self.op_preview.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.op_preview.setAccessibleName("Preview of the selected runbook step")
        preview_label.setBuddy(self.op_preview)
        pv.addWidget(self.op_preview, 1)
        split.addWidget(preview_box)
        split.setSizes([420, 520])
        v.addWidget(split, 1)
        row = QHBoxLayout()
        self.export_button = QPushButton("&Export as .ps1…")
        self.export_button.setAccessibleName("Export the runbook as a PowerShell script")
        self.export_button.clicked.connect(self._export_clicked)
        self.run_next_button = QPushButton("&Run the next step…")
        self.run_next_button.setAccessibleName("Run the next runbook step")
        self.run_next_button.clicked.connect(self._run_next_clicked)
        row.addWidget(self.export_button)
        row.addStretch(1)
        row.addWidget(self.run_next_button)
        v.addLayout(row)
        self.pages.addWidget(page)

    # -- opening, resuming ----------------------------------------------------------------------------
    def _open_initial(self) -> None:
        self._fill_choices()
        latest = self.flow.store.latest_unfinished()
        if latest is not None and self._reachable(latest):
            self.flow.resume(latest)
            self._show()
            return
        self.flow.page = Page.CHOOSE
        self._show()

    def _reachable(self, state: MigrationState) -> bool:
        try:
            self._access(state.source)
            self._access(state.dest)
            return True
        except AccessError:
            return False

    def _resume_selected(self) -> None:
        item = self.saved_list.currentItem()
        if item is None or self.busy:
            return
        state = self.flow.store.load(item.data(Qt.ItemDataRole.UserRole))
        try:
            self._access(state.source)
            self._access(state.dest)
        except AccessError as e:
            self._notice(str(e), "error")
            return
        self.flow.resume(state)
        self._show()

    # -- navigation ---------------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.task is not None and self.task.running

    def _show(self) -> None:
        page = self.flow.page
        self.pages.setCurrentIndex(PAGES.index(page))
        state = self.flow.state
        title = PAGE_TITLES[page]
        self.title.setText(title if state is None or page is Page.CHOOSE else "%s: %s" % (title, state.title))
        self.page_label.setText("Page %d of %d" % (PAGES.index(page) + 1, len(PAGES)))
        self._clear(self.notice_box)
        if self.flow.resumed and state is not None and page is not Page.CHOOSE:
            self._notice("Resumed the migration %s where you left it (saved %s). What is shown is from the check "
                         "at %s; press 'Check again' (F5) to refresh it." % (
                             state.title, _local(state.updated_at),
                             _local(str(state.facts.get("collected_at", ""))) or "never"), "info")
        if page is Page.CHOOSE:
            self._fill_choose()
        elif page is Page.CHECKLIST:
            self._fill_checklist()
        elif page is Page.VMS:
            self._fill_vms()
        elif page is Page.RUNBOOK:
            self._fill_runbook()
        self._tick()
        self._update_buttons()

    def _update_buttons(self) -> None:
        page = self.flow.page
        busy = self.busy
        self.progress_row.setVisible(busy)
        self.cancel_button.setVisible(busy)
        self.recheck_button.setVisible(page is not Page.CHOOSE)
        self.recheck_button.setEnabled(not busy)
        self.back_button.setEnabled(not busy and page is not Page.CHOOSE)
        labels = {Page.CHOOSE: "&Start and check >", Page.CHECKLIST: "&Next: VMs and switches >",
                  Page.VMS: "&Next: runbook >", Page.RUNBOOK: "&Finish"}
        self.next_button.setText(labels[page])
        self.next_button.setAccessibleName(labels[page].replace("&", "").strip(" <>"))
        enabled = not busy
        if page is Page.CHOOSE:
            enabled = enabled and len(self._choices) >= 2
        if page is Page.RUNBOOK:
            enabled = enabled and self.flow.state is not None and self.flow.checked and all(
                s.status == PASSED for s in self.flow.checklist.steps)
        self.next_button.setEnabled(enabled)
        self.close_button.setEnabled(not busy)
        self.export_button.setEnabled(not busy and self.flow.state is not None and bool(
            self.flow.state.manifest))
        nxt = self.flow.next_runbook_op() if self.flow.state is not None and self.flow.checked else None
        self.run_next_button.setEnabled(not busy and nxt is not None and not self.flow.why_not(nxt))

    def _next(self) -> None:
        if self.busy:
            return
        page = self.flow.page
        if page is Page.CHOOSE:
            self._start_new()
        elif page is Page.CHECKLIST:
            self.flow.go(Page.VMS)
            self._show()
        elif page is Page.VMS:
            self.flow.go(Page.RUNBOOK)
            self._show()
        elif page is Page.RUNBOOK:
            self.flow.finish()
            self.closed.emit()

    def _back(self) -> None:
        if self.busy or self.flow.page is Page.CHOOSE:
            return
        target = PAGES[PAGES.index(self.flow.page) - 1]
        if target is Page.CHOOSE:
            self.flow.page = Page.CHOOSE  # the migration stays saved at its page; the choose page lists it
        else:
            self.flow.go(target)
        self.flow.resumed = False
        self._show()

    def _escape(self) -> None:
        if self.busy:
            self.cancel_work()

    def _close(self) -> None:
        if not self.busy:
            self.timer.stop()
            self.closed.emit()

    def cancel_work(self) -> None:
        if self.task is not None and self.task.running:
            self.task.cancel()
            self.progress_label.setText("Cancelling… (waiting for the hosts to answer)")

    # -- choose ---------------------------------------------------------------------------------------
    def _fill_choose(self) -> None:
        self._fill_choices()
        demo = self.ctx.migration_lab is not None
        if demo:
            self.choose_hint.setText("Practice lab: OLDCLU (2008 R2, contoso.local) and NEWCLU (2012 R2, "
                                     "fabrikam.local) share a simulated SAN. Nothing real is touched.")
        elif len(self._choices) < 2:
            self.choose_hint.setText("Add a connection for each cluster first (File → Add connection): one for the "
                                     "source and one for the destination, each with its own domain account.")
        else:
            self.choose_hint.setText("Each cluster is reached with its saved connection's account (the two "
                                     "clusters are in different domains).")
        self.saved_list.clear()
        for s in self.flow.store.all():
            if s.finished:
                continue
            item = QListWidgetItem("%s — started %s, last saved %s (page: %s)" % (
                s.title, _local(s.created_at), _local(s.updated_at), PAGE_TITLES.get(Page(s.page), s.page)
                if s.page in [p.value for p in Page] else s.page))
            item.setData(Qt.ItemDataRole.UserRole, s.id)
            self.saved_list.addItem(item)
        self.saved_box.setVisible(self.saved_list.count() > 0)
        self.resume_button.setEnabled(self.saved_list.count() > 0)
        if self.saved_list.count():
            self.saved_list.setCurrentRow(0)
        self.source_combo.setFocus()

    def _start_new(self) -> None:
        if len(self._choices) < 2:
            return
        source = self._choices[self.source_combo.currentIndex()][1]
        dest = self._choices[self.dest_combo.currentIndex()][1]
        csvs = [c.strip() for c in self.csv_edit.text().split(",") if c.strip()]
        try:
            self.flow.start(source, dest, csvs)
        except ValueError as e:
            self._notice(str(e), "error")
            return
        self._show()
        self.start_check()

    # -- checking ---------------------------------------------------------------------------------------
    def start_check(self) -> None:
        if self.busy or self.flow.state is None or self.flow.page is Page.CHOOSE:
            return
        self.progress_label.setText("Checking %s and %s… (nothing is changed)" % (
            self.flow.state.source.name, self.flow.state.dest.name))

        def work(cancel: Any, report: Any) -> Any:
            return self.flow.check(cancel, progress=lambda host, msg: report("%s: %s" % (host, msg)))

        self.task = run_in_background(work, self._check_done, self._work_failed, self._progress)
        if not self.flow.checked:
            self.step_view.setHtml("<p>Reading both clusters… The checklist appears here when they have "
                                   "answered (usually a few seconds per node).</p>")
        self._update_buttons()

    def _progress(self, text: Any) -> None:
        self.progress_label.setText(str(text))

    def _check_done(self, _result: Any) -> None:
        self.flow.resumed = False
        self._show()

    def _work_failed(self, error: BaseException) -> None:
        message = getattr(error, "message", None) or str(error)
        action = getattr(error, "action", "")
        if getattr(error, "kind", "") == "cancelled":
            self._show()
            self._notice("Cancelled. Nothing was changed by the check; the evidence shown is from the last "
                         "complete check.", "info")
            return
        self._show()
        self._notice("%s%s" % (message, " What to do: %s" % action if action else ""), "error")

    # -- checklist --------------------------------------------------------------------------------------
    def _fill_checklist(self) -> None:
        flow = self.flow
        if not flow.checked:
            self.checklist_summary.setText("Not checked yet.")
            self.step_list.clear()
            self.step_view.setHtml("<p>Press <b>Check again</b> (F5) to read both clusters.</p>")
            self._clear_actions()
            return
        checklist = flow.checklist
        counts = {k: sum(1 for s in checklist.steps if s.status == k) for k in STATUS_MARK}
        blocked = checklist.blockers_by_vm()
        self.checklist_summary.setText(
            "Checked %s: %d of %d steps passed, %d blocked, %d need your confirmation. %s" % (
                _local(checklist.checked_at), counts[PASSED], len(checklist.steps), counts[FAILED],
                counts[NEEDS_MANUAL], "VMs with blockers: %s." % ", ".join(sorted(blocked)) if blocked
                else "No VM is blocked."))
        selected = flow.state.selected_step if flow.state else ""
        self.step_list.blockSignals(True)
        self.step_list.clear()
        for s in checklist.steps:
            item = QListWidgetItem("%s  %d. %s\n      %s" % (STATUS_MARK[s.status], s.step.kb, s.step.title,
                                                           STATUS_WORDS[s.status]))
            item.setForeground(QBrush(severity_colour(STATUS_KIND[s.status]) if s.status != NOT_STARTED
                                      else self.palette().color(self.foregroundRole())))
            item.setData(Qt.ItemDataRole.UserRole, s.step.id)
            item.setToolTip(s.step.what)
            self.step_list.addItem(item)
        self.step_list.blockSignals(False)
        ids = [s.step.id for s in checklist.steps]
        first_open = next((i for i, s in enumerate(checklist.steps) if s.status != PASSED), 0)
        self.step_list.setCurrentRow(ids.index(selected) if selected in ids else first_open)
        self._step_selected(self.step_list.currentRow())

    def _step_selected(self, row: int) -> None:
        if row < 0 or not self.flow.checked:
            return
        result = self.flow.checklist.steps[row]
        self.step_view.setHtml(step_html(result))
        self.flow.select_step(result.step.id)
        self._fill_actions(result)

    def _clear_actions(self) -> None:
        old = self.step_actions.takeWidget()
        if old is not None:
            old.deleteLater()

    def _fill_actions(self, result: StepResult) -> None:
        self._clear_actions()
        box = QWidget()
        v = QVBoxLayout(box)
        ops = []
        for b in result.blockers:
            if b.action and b.action in self.flow.checklist.operations:
                ops.append(self.flow.checklist.operations[b.action])
        for t in result.todo:
            if t.action and t.action in self.flow.checklist.operations:
                ops.append(self.flow.checklist.operations[t.action])
        ops = [op for op in ops if op.kind not in ("register", "add-role", "start", "add-scsi", "check")]
        if ops:
            v.addWidget(QLabel("<b>hvassist can do this for you</b> (you will see the exact script first):"))
            for op in ops:
                button = QPushButton(_button_text(op))
                button.setAccessibleName(op.title)
                button.setToolTip(op.title)
                button.clicked.connect(lambda _c=False, op_id=op.id: self.ask_to_run(op_id))
                v.addWidget(button)
        if result.step.runbook and any(t.action for t in result.todo):
            v.addWidget(QLabel("This step is done by the runbook: see the 'Runbook' page."))
        for m in result.manual:
            group = QGroupBox("Your confirmation")
            g = QVBoxLayout(group)
            text = QLabel(m.text)
            text.setWordWrap(True)
            g.addWidget(text)
            if m.confirmed:
                done = QLabel("Confirmed by %s at %s: “%s”" % (m.by, _local(m.at), m.note))
                done.setWordWrap(True)
                done.setStyleSheet("color: %s" % severity_colour("ok").name())
                g.addWidget(done)
                withdraw = QPushButton("&Withdraw this confirmation")
                withdraw.clicked.connect(lambda _c=False, cid=m.id: self.confirm_manual(cid, "", False))
                g.addWidget(withdraw)
            else:
                note = QLineEdit()
                note.setPlaceholderText("Note: what you checked, where, change number…")
                note.setAccessibleName("Note for: %s" % m.text)
                g.addWidget(note)
                button = QPushButton("C&onfirm")
                button.setAccessibleName("Confirm: %s" % m.text)
                button.setEnabled(False)
                note.textChanged.connect(lambda t, b=button: b.setEnabled(bool(t.strip())))
                button.clicked.connect(lambda _c=False, cid=m.id, edit=note: self.confirm_manual(cid, edit.text()))
                note.returnPressed.connect(lambda cid=m.id, edit=note: self.confirm_manual(cid, edit.text())
                                           if edit.text().strip() else None)
                g.addWidget(button)
            v.addWidget(group)
        if not ops and not result.manual:
            v.addWidget(QLabel("Nothing to do here right now." if result.status == PASSED else
                               "Follow 'What to do' above, then press 'Check again'."))
        v.addStretch(1)
        self.step_actions.setWidget(box)

    def confirm_manual(self, check_id: str, note: str, confirmed: bool = True) -> None:
        try:
            self.flow.confirm(check_id, note, confirmed)
        except ValueError as e:
            self._notice(str(e), "warning")
            return
        self._fill_checklist()
        self._update_buttons()

    # -- operations -------------------------------------------------------------------------------------
    def ask_to_run(self, op_id: str) -> OperationDialog | None:
        """Show the preview and ask; the operation runs only if the user confirms."""
        if self.busy:
            return None
        try:
            op = self.flow.operation(op_id)
        except KeyError as e:
            self._notice(str(e.args[0]), "warning")
            return None
        reasons = self.flow.why_not(op)
        if reasons:
            self._notice("Not yet: %s" % " ".join(reasons), "warning")
            return None
        self.dialog = OperationDialog(op, self)
        self.dialog.accepted.connect(lambda: self._run(op))
        self.dialog.open()
        return self.dialog

    def _run(self, op: Operation) -> None:
        self.progress_label.setText("Running: %s…" % op.title)

        def work(cancel: Any, report: Any) -> Any:
            return self.flow.run(op.id, confirmed=True, cancel=cancel)

        self.task = run_in_background(work, self._run_done, self._run_failed)
        self._update_buttons()

    def _run_done(self, outcome: Any) -> None:
        self._show()
        if outcome.ok:
            self._notice("%s. (Recorded in the audit log.)" % outcome.message, "ok")
        else:
            assert outcome.error is not None
            self._notice("%s What to do: %s" % (outcome.message, outcome.error.action), "error")

    def _run_failed(self, error: BaseException) -> None:
        if isinstance(error, NotAllowedYet):
            self._show()
            self._notice(str(error), "warning")
            return
        self._work_failed(error)

    # -- VMs and switches ----------------------------------------------------------------------------------
    def _fill_vms(self) -> None:
        flow = self.flow
        self.vm_table.setRowCount(0)
        if not flow.checked:
            return
        checklist = flow.checklist
        self.vm_table.setRowCount(len(checklist.vms))
        for row, vm in enumerate(checklist.vms):
            off_csv = [p for p, on, _e in vm.files if not on]
            found = [e for _p, _on, e in vm.files]
            files = "config + %d disk(s): %s%s" % (
                len(vm.files) - 1, "on the CSV" if not off_csv else "%d NOT on the CSV" % len(off_csv),
                "" if all(e is None for e in found) else "; ✔ found on the destination" if all(found)
                else "; ✘ %d missing on the destination" % sum(1 for e in found if e is False))
            nics = "\n".join("%s: %s%s, MAC %s %s" % (
                n.name, n.switch or "not connected",
                "" if n.mapped_to is None else " → %s" % (n.mapped_to or "(unconnected)"), n.mac,
                "static" if n.static_mac else "dynamic") + (
                    "" if n.on_every_destination_node is not False else " — missing on the destination")
                for n in vm.nics)
            cells = [vm.name, "Ready" if vm.ready else "Blocked", "%s on %s%s" % (
                vm.state, vm.node, ", cluster role" if vm.source_role else ""),
                str(vm.snapshots), files, nics,
                "; ".join(vm.incompatibilities) or ("no incompatibilities" if vm.id in flow.facts.compare else "—"),
                vm.destination or "—"]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col == 4:
                    item.setToolTip("\n".join(p for p, _on, _e in vm.files))
                elif vm.problems:
                    item.setToolTip("\n".join(vm.problems))
                if col == 1:
                    item.setForeground(QBrush(severity_colour("ok" if vm.ready else "error")))
                self.vm_table.setItem(row, col, item)
        # once the columns have their final widths (after layout), so wrapped cells get the right height
        QTimer.singleShot(0, self.vm_table, self.vm_table.resizeRowsToContents)  # dropped if the table is gone
        while self.map_form.rowCount():
            self.map_form.removeRow(0)
        dest = flow.destination_switches()
        state = flow.state
        assert state is not None
        switches = source_switches(state)
        if not switches:
            self.map_form.addRow(QLabel("The VMs' adapters use no virtual switch."))
        for sw in switches:
            combo = QComboBox()
            combo.setAccessibleName("Destination switch for %s" % sw)
            combo.addItem(KEEP_NAME, None)
            for d in dest:
                combo.addItem(d, d)
            combo.addItem(UNCONNECTED, "")
            current = next((v for k, v in state.switch_map.items() if k.lower() == sw.lower()), None)
            index = combo.findData(current) if current is not None else 0
            combo.setCurrentIndex(max(index, 0))
            combo.currentIndexChanged.connect(lambda _i, c=combo, name=sw: self.map_switch(name, c.currentData()))
            label = QLabel("Source switch '%s'%s:" % (sw, "" if sw.lower() in {d.lower() for d in dest}
                                                       else " (not on the destination)"))
            label.setBuddy(combo)
            self.map_form.addRow(label, combo)
        hint = QLabel("After changing the mapping, press 'Check again' so that Compare-VM runs with it.")
        hint.setWordWrap(True)
        self.map_form.addRow(hint)

    def map_switch(self, source: str, dest: str | None) -> None:
        try:
            self.flow.set_switch_mapping(source, dest)
        except ValueError as e:
            self._notice(str(e), "warning")
            return
        self._clear(self.notice_box)
        self._notice("Mapping saved: '%s' → %s. Press 'Check again' so Compare-VM uses it." % (
            source, "'%s'" % dest if dest else "same name" if dest is None else "not connected"), "info")

    # -- runbook ---------------------------------------------------------------------------------------------
    def _fill_runbook(self) -> None:
        self._clear(self.runbook_notice)
        self.op_list.clear()
        flow = self.flow
        if not flow.checked or flow.state is None:
            self.op_preview.setPlainText("")
            return
        reasons = flow.checklist.runbook_blockers()
        nxt = flow.next_runbook_op()
        if nxt is None:
            self.runbook_notice.addWidget(banner("The runbook has run to the end. Check the checklist: every step "
                                                 "should have passed.", "ok"))
        elif reasons:
            self.runbook_notice.addWidget(banner("You can preview and export the runbook now; hvassist runs it only "
                                                 "when the checklist allows: %s" % " ".join(reasons), "warning"))
        else:
            self.runbook_notice.addWidget(banner("Ready. Run it step by step; each step shows its script and asks "
                                                 "first. Do it in one go to keep the downtime short.", "info"))
        marks = {"done": "✔", "failed": "✘", "pending": "○"}
        for i, op in enumerate(flow.runbook(), 1):
            status = flow.runbook_status(op.id)
            item = QListWidgetItem("%s  %d. %s%s" % (marks.get(status, "○"), i, op.title,
                                                     "  (next)" if nxt is not None and op.id == nxt.id else ""))
            item.setData(Qt.ItemDataRole.UserRole, op.id)
            if status == "failed":
                item.setForeground(QBrush(severity_colour("error")))
                rec = flow.state.operations.get(op.id)
                item.setToolTip(rec.error if rec else "")
            elif status == "done":
                item.setForeground(QBrush(severity_colour("ok")))
            self.op_list.addItem(item)
        ids = [op.id for op in flow.runbook()]
        self.op_list.setCurrentRow(ids.index(nxt.id) if nxt is not None else 0)

    def _op_selected(self, row: int) -> None:
        if row < 0:
            return
        ops = self.flow.runbook()
        if row < len(ops):
            self.op_preview.setPlainText(ops[row].preview())

    def _run_next_clicked(self) -> None:
        nxt = self.flow.next_runbook_op()
        if nxt is not None:
            self.ask_to_run(nxt.id)

    def _export_clicked(self) -> None:
        state = self.flow.state
        if state is None:
            return
        default = str(Path.home() / ("hvassist-runbook-%s-to-%s.ps1" % (state.source.name, state.dest.name)))
        path, _filter = QFileDialog.getSaveFileName(self, "Export the runbook", default,
                                                    "PowerShell script (*.ps1)")
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> None:
        try:
            self.flow.export_runbook(path)
        except OSError as e:
            self._notice("The runbook could not be written to %s: %s" % (path, e.strerror or e), "error")
            return
        self._notice("Runbook written to %s. Run it on the destination node named in its first lines." % path, "ok")

    # -- small helpers ----------------------------------------------------------------------------------------
    def _tick(self) -> None:
        state = self.flow.state
        if state is None or self.flow.page is Page.CHOOSE:
            self.clock.setText("")
            return
        text = self.flow.downtime_text()
        self.clock.setText(text)
        kind = "warning" if state.downtime_started_at and not state.downtime_ended_at else "info"
        self.clock.setStyleSheet("QLabel { color: %s; font-weight: %s; }" % (
            severity_colour(kind).name(), "bold" if kind == "warning" else "normal"))

    def _notice(self, text: str, kind: str) -> None:
        self.notice_box.addWidget(banner(text, kind))

    @staticmethod
    def _clear(layout: QVBoxLayout) -> None:
        while layout.count():
            w = layout.takeAt(0).widget()
            if w is not None:
                w.deleteLater()


def _button_text(op: Operation) -> str:
    words = {"shutdown": "Shut down %s…", "remove-role": "Remove %s from the source cluster…"}
    if op.kind in words and op.vm:
        return words[op.kind] % op.vm
    if op.kind == "copy-configs":
        return "Copy the configurations on %s aside…" % op.host
    if op.kind == "remove-csv":
        return "Take the CSV out of the source cluster…"
    if op.kind == "add-csv":
        return "Add the LUN as CSV %s on the destination…" % op.params.get("MountName", "")
    return op.title + "…"


def _local(iso: str) -> str:
    if not iso:
        return ""
    from hvassist.migrate.state import parse_iso

    try:
        return parse_iso(iso).astimezone().strftime("%d %b %H:%M")
    except ValueError:
        return iso


__all__ = ["MigrateWizard", "OperationDialog", "step_html"]
