"""The main window: connections on the left, the home page or a wizard on the right."""

from __future__ import annotations

from collections.abc import Callable

from PySide6 import QtCore
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from hvassist import __version__
from hvassist.appcontext import AppContext
from hvassist.gui.connections_panel import ConnectionsPanel
from hvassist.gui.style import heading


class CardButton(QPushButton):
    """A large button with a bold title and a plain description."""

    def __init__(self, title: str, text: str, enabled: bool, parent: QWidget | None = None, *,
                 deferred: bool = False) -> None:
        super().__init__(parent)
        self.setAccessibleName(title)
        self.setAccessibleDescription(text)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        title_label = QLabel(title)
        f = title_label.font()
        f.setPointSizeF(f.pointSizeF() * 1.2)
        f.setBold(True)
        title_label.setFont(f)
        body = QLabel(text if enabled else text + "  (coming soon)")
        body.setWordWrap(True)
        self.labels = (title_label, body)
        for label in self.labels:
            label.setEnabled(enabled)
            layout.addWidget(label)
        layout.addStretch(1)
        self.setMinimumHeight(self.fontMetrics().height() * 6)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setEnabled(enabled)
        if not deferred:
            self.complete_setup()

    def complete_setup(self) -> None:
        """Clicks on the texts reach the button (deferred past the app's first frame: see MainWindow)."""
        for label in self.labels:
            label.setAttribute(QtCore.Qt.WidgetAttribute.WA_TransparentForMouseEvents)


class HomePage(QWidget):
    """Entry points to the wizards."""

    def __init__(self, entries: list[tuple[str, str, Callable[[], None] | None]],
                 parent: QWidget | None = None, *, deferred: bool = False) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 24, 24, 24)
        outer.addWidget(heading("What would you like to do?"))
        sub = QLabel("hvassist helps you find out why a Hyper-V backup fails, fix it safely, and understand "
                     "what happens during a backup.")
        sub.setWordWrap(True)
        outer.addWidget(sub)
        outer.addSpacing(8)
        grid = QGridLayout()
        grid.setSpacing(12)
        self.buttons: list[CardButton] = []
        for i, (title, text, action) in enumerate(entries):
            button = CardButton(title, text, action is not None, deferred=deferred)
            if action is not None:
                button.clicked.connect(action)
            grid.addWidget(button, i // 2, i % 2)
            self.buttons.append(button)
        outer.addLayout(grid)
        outer.addStretch(1)

    def complete_setup(self) -> None:
        for button in self.buttons:
            button.complete_setup()


class MainWindow(QMainWindow):
    """The first frame comes as soon as possible: what it does not show (actions and shortcuts, the File
    menu's entries, the tree's icons, the connections' context menu) is set up right after it is painted
    (``complete_setup``), or at the latest 300 ms after the window was made (a window never shown)."""

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self._complete = False
        self.setWindowTitle("hvassist%s" % (" — demo lab" if ctx.demo else ""))
        self.resize(1180, 760)
        self.connections = ConnectionsPanel(ctx, deferred=True)
        # The File menu (complete_setup) changes the Test action's shortcut context, which renames the panel's
        # Test button after the action: the first frame shows it so already.
        self.connections.test_button.setText("Test connection")
        self.connections.add_requested.connect(self.add_connection)
        self.stack = QStackedWidget()
        self.home = HomePage([
            ("Diagnose a backup problem", "Check hosts or a cluster for the causes of failing or degraded "
             "backups, and fix them with a preview and your confirmation.", self.open_diagnose),
            ("How a backup works", "A step-by-step picture of a host-level backup: VSS, checkpoints, the SCSI "
             "controller, snapshots, merge.", self.open_explainer),
            ("Check a migration", "Move VMs from a 2008 R2 cluster to a 2012 R2+ cluster in another domain, "
             "registering them in place.", self.open_migrate),
            ("Paste an error", "Paste an event, a backup job error or vssadmin output and see the likely "
             "causes.", self.open_triage),
        ], deferred=True)
        self.stack.addWidget(self.home)
        splitter = QSplitter()
        splitter.addWidget(self.connections)
        splitter.addWidget(self.stack)
        splitter.setStretchFactor(1, 1)
        splitter.setCollapsible(0, False)
        self.connections.setMinimumWidth(self.fontMetrics().horizontalAdvance("M") * 24)
        splitter.setSizes([440, 740])
        self.setCentralWidget(splitter)
        self.file_menu = self.menuBar().addMenu("&File")  # its entries: complete_setup()
        self.statusBar().showMessage("hvassist %s%s" % (__version__, "  ·  demo lab running" if ctx.lab else ""))
        QTimer.singleShot(0, self.connections.start_cluster_refresh)  # keep the clusters' node lists fresh
        warm_up_timer = QTimer(self)  # a child: never fires for a window already gone
        warm_up_timer.setSingleShot(True)
        hosts = sum(1 for c in ctx.connections.connections if c.kind == "host")
        warm_up_timer.timeout.connect(lambda: _warm_up_in_background(hosts))
        warm_up_timer.start(500)
        fallback = QTimer(self)  # in case no frame is painted (a window never shown); a child: dies with it
        fallback.setSingleShot(True)
        fallback.timeout.connect(self.complete_setup)
        fallback.start(300)

    def paintEvent(self, event: object) -> None:  # noqa: N802 - Qt API
        super().paintEvent(event)  # type: ignore[arg-type]
        if not self._complete:
            QTimer.singleShot(0, self.complete_setup)  # right after the first frame

    def complete_setup(self) -> None:
        """What the first frame does not need (see the class's docstring). Once."""
        if self._complete:
            return
        self._complete = True
        self.connections.complete_setup()
        self.home.complete_setup()
        self._build_menu()

    def _build_menu(self) -> None:
        from PySide6.QtGui import QAction, QKeySequence

        file_menu = self.file_menu
        panel = self.connections
        for a in (panel.act_add_host, panel.act_add_cluster, panel.act_add_group, panel.act_test):
            a.setShortcutContext(QtCore.Qt.ShortcutContext.WindowShortcut)  # from anywhere in the window
            file_menu.addAction(a)
        file_menu.addSeparator()
        file_menu.addAction(panel.act_import)
        file_menu.addAction(panel.act_export)
        file_menu.addSeparator()
        open_files = QAction("&Open collected data…", self)
        open_files.setShortcut(QKeySequence.StandardKey.Open)
        open_files.triggered.connect(self.open_collected_data)
        file_menu.addAction(open_files)
        home = QAction("&Home", self)
        home.setShortcut(QKeySequence("Ctrl+H"))
        home.triggered.connect(self.show_home)
        file_menu.addAction(home)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

    def show_page(self, page: QWidget) -> None:
        if self.stack.indexOf(page) < 0:
            self.stack.addWidget(page)
        self.stack.setCurrentWidget(page)

    def show_home(self) -> None:
        current = self.stack.currentWidget()
        if current is not self.home and getattr(current, "busy", False):
            self.statusBar().showMessage("Work is still running: cancel it first.", 5000)
            return
        self.stack.setCurrentWidget(self.home)
        if current is not self.home:
            self.stack.removeWidget(current)
            current.deleteLater()
        self.home.buttons[0].setFocus()

    def open_diagnose(self) -> None:
        from hvassist.gui.diagnose_wizard import DiagnoseWizard

        wizard = DiagnoseWizard(self.ctx)
        wizard.closed.connect(self.show_home)
        self.show_page(wizard)
        wizard.setFocus()

    def open_migrate(self) -> None:
        from hvassist.gui.migrate_wizard import MigrateWizard

        wizard = MigrateWizard(self.ctx)
        wizard.closed.connect(self.show_home)
        self.show_page(wizard)
        wizard.setFocus()

    def open_explainer(self) -> None:
        from hvassist.gui.explainer.follow_bar import ExplainerWithFollow

        page = ExplainerWithFollow(self.ctx)
        page.page.causeActivated.connect(lambda _cause: self.open_diagnose())
        self.show_page(page)
        page.page.setFocus()

    def open_collected_data(self, files: list[str] | None = None) -> None:
        from PySide6.QtWidgets import QFileDialog

        from hvassist.gui.offline_page import OfflineResultsPage
        from hvassist.gui.worker import run_in_background
        from hvassist.services.offline import analyze_files

        if not files:
            files, _ = QFileDialog.getOpenFileNames(
                self, "Open collected data", "", "Collected data (*.json *.evtx *.xml);;All files (*)")
        if not files:
            return
        page = OfflineResultsPage(files)
        page.closed.connect(self.show_home)
        self.show_page(page)
        self._offline_task = run_in_background(lambda cancel, report: analyze_files(files), page.show_result,
                                               page.show_error)

    def open_triage(self) -> None:
        from hvassist.gui.triage_page import TriagePage

        page = TriagePage()
        page.closed.connect(self.show_home)
        page.check_on_host.connect(lambda _cause: self.open_diagnose())
        self.show_page(page)
        page.input.setFocus()

    def add_connection(self) -> None:
        self.connections.add_host()

    def closeEvent(self, event: object) -> None:  # noqa: N802 - Qt API
        self.connections.cancel_work()
        current = self.stack.currentWidget()
        cancel = getattr(current, "cancel_work", None)
        if callable(cancel):
            cancel()
        super().closeEvent(event)  # type: ignore[arg-type]


def _warm_up_in_background(saved_hosts: int) -> None:
    """Once the window is up, load the diagnosis stack and the wizard's module on a background thread
    (about a second of imports), so that the first click on "Diagnose" does not freeze the window; with
    many saved hosts, also start the helper process that diagnoses them (``diagnosis_process``)."""
    import threading

    def work() -> None:
        import gc

        # Loading a second's worth of modules would set off the garbage collector's full passes, each
        # walking every object (~0.1 s, the whole GUI waiting): collect nothing meanwhile, then take all
        # of it, which lives as long as the app, out of future passes (gc.freeze).
        collecting = gc.isenabled()
        gc.disable()
        try:
            _warm_up_modules(saved_hosts)
        finally:
            gc.freeze()
            if collecting:
                gc.enable()

    threading.Thread(target=work, name="hvassist-warm-up", daemon=True).start()


def _warm_up_modules(saved_hosts: int) -> None:
    from hvassist.services.warmup import warm_up

    warm_up()
    from hvassist.services import diagnosis_process

    if saved_hosts >= diagnosis_process.PROCESS_MIN_HOSTS:
        diagnosis_process.prepare()
    try:
        import hvassist.gui.diagnose_wizard  # noqa: F401 - defines classes only; no widget is made here
    except Exception:  # noqa: S110 - the real import on click reports any problem
        pass


def separator() -> QFrame:
    line = QFrame()
    line.setFrameShape(QFrame.Shape.HLine)
    return line


__all__ = ["MainWindow", "HomePage", "ConnectionsPanel", "separator", "QHBoxLayout"]
