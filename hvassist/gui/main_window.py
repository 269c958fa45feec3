"""The main window: connections on the left, the home page or a wizard on the right."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
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
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hvassist import __version__
from hvassist.appcontext import AppContext
from hvassist.gui.style import heading


class ConnectionsPanel(QWidget):
    """Customers/sites → hosts, and where the passwords are kept."""

    add_requested = Signal()
    keyring_checked = Signal(str)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 4, 8)
        title = QLabel("<b>Connections</b>")
        layout.addWidget(title)
        self.tree = QTreeWidget()
        self.tree.setHeaderHidden(True)
        self.tree.setAccessibleName("Saved connections")
        self.tree.setAccessibleDescription("Customers and sites, with their Hyper-V hosts")
        title.setBuddy(self.tree)
        layout.addWidget(self.tree, 1)
        add = QPushButton("&Add connection…")
        add.setAccessibleName("Add connection")
        add.clicked.connect(self.add_requested.emit)
        layout.addWidget(add)
        self.keyring_label = QLabel()
        self.keyring_label.setWordWrap(True)
        self.keyring_label.setAccessibleName("Where passwords are kept")
        small = self.keyring_label.font()
        small.setPointSizeF(small.pointSizeF() * 0.9)
        self.keyring_label.setFont(small)
        layout.addWidget(self.keyring_label)
        self.keyring_checked.connect(self.keyring_label.setText)
        self.refresh()

    def refresh(self) -> None:
        self.tree.clear()
        store = self.ctx.connections
        items: dict[str | None, QTreeWidgetItem] = {}
        pending = list(store.groups)
        for _ in range(len(pending) + 1):  # parents before children, whatever the file order
            for g in list(pending):
                if g.parent is None or g.parent in items:
                    parent = items.get(g.parent)
                    label = g.name + ("  (credentials: %s)" % g.username if g.username else "")
                    item = QTreeWidgetItem([label])
                    (parent.addChild(item) if parent else self.tree.addTopLevelItem(item))
                    items[g.id] = item
                    pending.remove(g)
        for c in store.connections:
            _user, source = store.credential_source(c)  # no keyring access here: it may not be open yet
            how = "own credentials" if source == "own" else (
                "inherits from %s" % source if source else "no credentials")
            item = QTreeWidgetItem(["%s  —  %s" % (c.name, how)])
            item.setData(0, Qt.ItemDataRole.UserRole, c.id)
            item.setToolTip(0, "%s://%s:%d, %s" % (c.transport, c.address or c.name,
                                                   c.endpoint().effective_port, c.auth.upper()))
            parent = items.get(c.group)
            (parent.addChild(item) if parent else self.tree.addTopLevelItem(item))
        self.tree.expandAll()
        if self.ctx.demo:
            self.keyring_label.setText("Demo: a throwaway profile against the built-in lab. Nothing is saved, and "
                                       "your own connections and keyring are not touched.")
        elif self.ctx.credentials.resolved:
            self.keyring_label.setText(self.ctx.credentials.backend_description)
        else:
            # Probing the keyring backends takes a moment: do it off the GUI thread, once the window is up.
            self.keyring_label.setText("Checking where passwords are kept…")
            timer = QTimer(self)  # a child: never fires for a panel already gone
            timer.setSingleShot(True)
            timer.timeout.connect(self._probe_keyring)
            timer.start(100)

    def _probe_keyring(self) -> None:
        import threading

        credentials = self.ctx.credentials

        def work() -> None:
            try:
                text = credentials.backend_description
            except Exception:  # noqa: BLE001
                text = "The keyring could not be checked; passwords are kept in memory for now."
            try:
                self.keyring_checked.emit(text)  # queued to the GUI thread
            except RuntimeError:  # the panel was closed meanwhile
                pass

        threading.Thread(target=work, name="hvassist-keyring-probe", daemon=True).start()


class CardButton(QPushButton):
    """A large button with a bold title and a plain description."""

    def __init__(self, title: str, text: str, enabled: bool, parent: QWidget | None = None) -> None:
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
        for label in (title_label, body):
            label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
            label.setEnabled(enabled)
            layout.addWidget(label)
        layout.addStretch(1)
        self.setMinimumHeight(self.fontMetrics().height() * 6)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setEnabled(enabled)


class HomePage(QWidget):
    """Entry points to the wizards."""

    def __init__(self, entries: list[tuple[str, str, Callable[[], None] | None]],
                 parent: QWidget | None = None) -> None:
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
        self.buttons: list[QPushButton] = []
        for i, (title, text, action) in enumerate(entries):
            button = CardButton(title, text, action is not None)
            if action is not None:
                button.clicked.connect(action)
            grid.addWidget(button, i // 2, i % 2)
            self.buttons.append(button)
        outer.addLayout(grid)
        outer.addStretch(1)


class MainWindow(QMainWindow):
    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.setWindowTitle("hvassist%s" % (" — demo lab" if ctx.demo else ""))
        self.resize(1180, 760)
        self.connections = ConnectionsPanel(ctx)
        self.connections.add_requested.connect(self.add_connection)
        self.stack = QStackedWidget()
        self.home = HomePage([
            ("Diagnose a backup problem", "Check hosts or a cluster for the causes of failing or degraded "
             "backups, and fix them with a preview and your confirmation.", self.open_diagnose),
            ("How a backup works", "A step-by-step picture of a host-level backup: VSS, checkpoints, the SCSI "
             "controller, snapshots, merge.", self.open_explainer),
            ("Check a migration", "Move VMs from a 2008 R2 cluster to a 2012 R2+ cluster in another domain, "
             "registering them in place.", None),
            ("Paste an error", "Paste an event, a backup job error or vssadmin output and see the likely "
             "causes.", self.open_triage),
        ])
        self.stack.addWidget(self.home)
        splitter = QSplitter()
        splitter.addWidget(self.connections)
        splitter.addWidget(self.stack)
        splitter.setStretchFactor(1, 1)
        splitter.setCollapsible(0, False)
        self.connections.setMinimumWidth(self.fontMetrics().horizontalAdvance("M") * 22)
        splitter.setSizes([320, 860])
        self.setCentralWidget(splitter)
        self._build_menu()
        warm_up_timer = QTimer(self)  # a child: never fires for a window already gone
        warm_up_timer.setSingleShot(True)
        hosts = sum(1 for c in ctx.connections.connections if c.kind == "host")
        warm_up_timer.timeout.connect(lambda: _warm_up_in_background(hosts))
        warm_up_timer.start(500)
        self.statusBar().showMessage("hvassist %s%s" % (__version__, "  ·  demo lab running" if ctx.lab else ""))

    def _build_menu(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        add = QAction("&Add connection…", self)
        add.setShortcut(QKeySequence("Ctrl+N"))
        add.triggered.connect(self.add_connection)
        file_menu.addAction(add)
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

    def open_explainer(self) -> None:
        from hvassist.gui.explainer.page import BackupExplainerPage

        page = BackupExplainerPage()
        self.show_page(page)
        page.setFocus()

    def open_triage(self) -> None:
        from hvassist.gui.triage_page import TriagePage

        page = TriagePage()
        page.closed.connect(self.show_home)
        self.show_page(page)
        page.input.setFocus()

    def add_connection(self) -> None:
        from hvassist.gui.connection_dialog import ConnectionDialog

        dialog = ConnectionDialog(self.ctx, self)
        if dialog.exec():
            self.connections.refresh()

    def closeEvent(self, event: object) -> None:  # noqa: N802 - Qt API
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
