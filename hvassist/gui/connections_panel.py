"""The connection manager: customers/sites → clusters → hosts, with search and filter, details of the
selected item, where the passwords are kept, and every action by context menu and keyboard."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6 import QtCore, QtWidgets
from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTextBrowser,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QTreeWidgetItemIterator,
    QVBoxLayout,
    QWidget,
)

from hvassist.appcontext import AppContext
from hvassist.connections import Connection, Group, matches
from hvassist.gui.style import severity_colour
from hvassist.remote.endpoint import AUTH_LABELS, format_fingerprint

if TYPE_CHECKING:
    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QAction, QIcon, QKeySequence
    from PySide6.QtWidgets import QMenu, QMessageBox

    from hvassist.gui.worker import BackgroundTask
    from hvassist.services.cluster_discovery import ClusterReadings

# The start of the app shows this panel in its first frame. PySide6 builds a Qt type the first time it is
# named, and some are costly: the Qt namespace (~100 enums, ~25 ms), QStyle (~8 ms). So this module names
# them only where they are used (QtCore.Qt..., QtWidgets.QStyle...), and a panel made with deferred=True
# leaves its actions and shortcuts, context menu, search keys and icons to complete_setup(), which the main
# window calls right after its first frame (until then the tree shows blank icons of the same size, and
# the buttons look as they will with their actions).

# hvassist.services.cluster_discovery.REMOVED. That module loads the remote stack (pywinrm, ...), which the
# app's start does not need: it is imported when clusters are refreshed.
REMOVED = "Removed"

ROLE_KIND = 256  # Qt.ItemDataRole.UserRole
ROLE_ID = 257  # Qt.ItemDataRole.UserRole + 1
FILTERS = [("All", "all"), ("Hosts", "hosts"), ("Clusters", "clusters"), ("Password needed", "no-credentials"),
           ("Trusted by fingerprint", "pinned")]


def ask_password(parent: QWidget, user: str, where: str) -> str | None:
    """Ask for a password that is not saved (memory-only keyring, or a new machine)."""
    text, ok = QtWidgets.QInputDialog.getText(parent, "Password needed", "Password for %s (%s):" % (user, where),
                                              QLineEdit.EchoMode.Password)
    return text if ok and text else None


class ConnectionsPanel(QWidget):
    """Signals let the main window react; the panel opens its own dialogs."""

    add_requested = Signal()  # kept for the main window's File menu
    changed = Signal()
    keyring_opened = Signal()  # the keyring answered (opened on a thread after start-up)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, *, deferred: bool = False) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.refresh_task: BackgroundTask | None = None
        self._complete = False
        self._icons: dict[str, QIcon] = {}
        self.setAccessibleName("Connections")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 4, 8)
        title = QLabel("<b>Connections</b>")
        layout.addWidget(title)

        row = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search name, customer, user…")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search connections")
        self.search.textChanged.connect(self.apply_filter)
        self.filter = QComboBox()
        self.filter.setAccessibleName("Show")
        for label, key in FILTERS:
            self.filter.addItem(label, key)
        self.filter.currentIndexChanged.connect(self.apply_filter)
        row.addWidget(self.search, 1)
        row.addWidget(self.filter)
        layout.addLayout(row)

        self.tree = QTreeWidget()
        self.tree.setColumnCount(2)
        self.tree.setHeaderLabels(["Name", "Logon"])
        self.tree.header().setStretchLastSection(True)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.setAccessibleName("Saved connections")
        self.tree.setAccessibleDescription("Customers and sites, their clusters and Hyper-V hosts. Menu key or "
                                           "Shift+F10 for actions.")
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.currentItemChanged.connect(lambda *_: self._show_details())
        self.tree.itemActivated.connect(lambda *_: self.edit_selected())
        title.setBuddy(self.tree)
        layout.addWidget(self.tree, 1)

        buttons = QHBoxLayout()
        self.add_button = QToolButton()
        self.add_button.setText("&Add")
        self.add_button.setAccessibleName("Add a customer, host or cluster")
        self.add_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.test_button = QToolButton()
        self.test_button.setText("&Test")
        self.test_button.setAccessibleName("Test connection")
        self.edit_button = QToolButton()
        self.edit_button.setText("&Edit")
        self.edit_button.setAccessibleName("Edit")
        for b in (self.add_button, self.test_button, self.edit_button):
            buttons.addWidget(b)
        self.add_button.setMenu(QtWidgets.QMenu(self))  # filled with its actions by _build_actions
        buttons.addStretch(1)
        layout.addLayout(buttons)

        self.details = QTextBrowser()
        self.details.setAccessibleName("Details of the selected connection")
        self.details.setMinimumHeight(self.fontMetrics().height() * 7)
        self.details.setMaximumHeight(self.fontMetrics().height() * 11)
        layout.addWidget(self.details)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Cluster refresh status")
        layout.addWidget(self.status)
        self.keyring_label = QLabel()
        self.keyring_label.setWordWrap(True)
        self.keyring_label.setAccessibleName("Where passwords are kept")
        small = self.keyring_label.font()
        small.setPointSizeF(small.pointSizeF() * 0.9)
        self.keyring_label.setFont(small)
        layout.addWidget(self.keyring_label)

        if deferred:  # a blank icon until complete_setup: the rows and texts do not move when the real ones come
            from PySide6.QtGui import QColor, QIcon, QPixmap

            blank = QPixmap(16, 16)
            blank.fill(QColor(0, 0, 0, 0))
            self._blank_icon: QIcon | None = QIcon(blank)
        else:
            self._blank_icon = None
        self.refresh()
        if not deferred:
            self.complete_setup()

    def complete_setup(self) -> None:
        """Actions and shortcuts, the context menu, the search box's keys and the icons (see the note at the
        top of the module). Once."""
        if self._complete:
            return
        self._complete = True
        Qt = QtCore.Qt
        self._build_actions()
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.tree.customContextMenuRequested.connect(self._context_menu)
        self.add_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.search.installEventFilter(self)
        self._blank_icon = None
        style, pixmap = self.style(), QtWidgets.QStyle.StandardPixmap
        self._icons = {"group": style.standardIcon(pixmap.SP_DirIcon),
                       "cluster": style.standardIcon(pixmap.SP_DriveNetIcon),
                       "host": style.standardIcon(pixmap.SP_ComputerIcon)}
        it = QTreeWidgetItemIterator(self.tree)
        while it.value() is not None:
            item = it.value()
            icon = self._icon_for(str(item.data(0, ROLE_KIND)))
            if icon is not None:
                item.setIcon(0, icon)
            it += 1
        self.tree.resizeColumnToContents(0)
        if self.selected_ref() is not None:  # as _show_details does
            self._update_actions()

    def _icon_for(self, kind: str) -> QIcon | None:
        if not self._icons:
            return self._blank_icon
        return self._icons["group" if kind == "group" else "cluster" if kind == "cluster" else "host"]

    # -- actions --------------------------------------------------------------------------------
    def _action(self, text: str, slot: Callable[[], Any], shortcut: str | QKeySequence.StandardKey | None = None,
                tip: str = "") -> QAction:
        from PySide6.QtGui import QAction, QKeySequence

        a = QAction(text, self)
        if shortcut is not None:
            a.setShortcut(QKeySequence(shortcut))
            a.setShortcutContext(QtCore.Qt.ShortcutContext.WidgetWithChildrenShortcut)
        if tip:
            a.setStatusTip(tip)
        a.triggered.connect(slot)
        self.addAction(a)
        return a

    def _build_actions(self) -> None:
        from PySide6.QtGui import QKeySequence
        from PySide6.QtWidgets import QMenu

        delete, find = QKeySequence.StandardKey.Delete, QKeySequence.StandardKey.Find

        self.act_add_group = self._action("Add &customer or site…", self.add_group, "Ctrl+Shift+N")
        self.act_add_host = self._action("Add &host…", self.add_host, "Ctrl+N")
        self.act_add_cluster = self._action("Add c&luster…", self.add_cluster, "Ctrl+Shift+L")
        self.act_test = self._action("&Test connection…", self.test_selected, "Ctrl+T",
                                     "Run the connection doctor on the selected host or cluster")
        self.act_edit = self._action("&Edit…", self.edit_selected, "F2")
        self.act_credentials = self._action("Set &credentials…", self.credentials_selected, "Ctrl+K")
        self.act_inherit = self._action("Use &inherited credentials", self.inherit_selected)
        self.act_forget_pin = self._action("&Forget trusted certificate", self.forget_pin_selected)
        self.act_refresh = self._action("&Refresh cluster nodes", self.refresh_selected_clusters, "F5")
        self.act_delete = self._action("&Delete…", self.delete_selected, delete)
        self.act_import = self._action("&Import connections…", self.import_connections)
        self.act_export = self._action("E&xport connections…", self.export_connections)
        self.act_search = self._action("&Search", self.focus_search, find)
        add_menu = self.add_button.menu() or QMenu(self)
        for a in (self.act_add_group, self.act_add_host, self.act_add_cluster):
            add_menu.addAction(a)
        add_menu.addSeparator()
        add_menu.addAction(self.act_import)
        self.add_button.setMenu(add_menu)
        self.test_button.setDefaultAction(self.act_test)
        self.test_button.setText("&Test")
        self.edit_button.setDefaultAction(self.act_edit)
        self.edit_button.setText("&Edit")

    def eventFilter(self, obj: Any, event: Any) -> bool:  # noqa: N802 - Qt API
        from PySide6.QtCore import QEvent

        if obj is self.search and event.type() == QEvent.Type.KeyPress:
            if event.key() == QtCore.Qt.Key.Key_Escape and self.search.text():
                self.search.clear()
                return True
            if event.key() == QtCore.Qt.Key.Key_Down:
                self.tree.setFocus()
                return True
        return super().eventFilter(obj, event)

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    # -- tree ----------------------------------------------------------------------------------
    def refresh(self, select: tuple[str, str] | None = None) -> None:
        current = select or self.selected_ref()
        self.tree.clear()
        store = self.ctx.connections
        items: dict[str | None, QTreeWidgetItem] = {}
        bold = QFont(self.tree.font())
        bold.setBold(True)
        pending = list(store.groups)
        for _ in range(len(pending) + 1):  # parents before children, whatever the file order
            for g in list(pending):
                if g.parent is None or g.parent in items or store.group(g.parent) is None:
                    item = QTreeWidgetItem([g.name, self._group_logon(g)])
                    icon = self._icon_for("group")
                    if icon is not None:
                        item.setIcon(0, icon)
                    item.setFont(0, bold)
                    item.setData(0, ROLE_KIND, "group")
                    item.setData(0, ROLE_ID, g.id)
                    parent = items.get(g.parent)
                    (parent.addChild(item) if parent else self.tree.addTopLevelItem(item))
                    items[g.id] = item
                    pending.remove(g)
        conn_items: dict[str, QTreeWidgetItem] = {}
        for c in sorted(store.connections, key=lambda c: (c.kind != "cluster", c.name.lower())):
            item = QTreeWidgetItem([self._conn_label(c), self._conn_logon(c)])
            icon = self._icon_for(c.kind)
            if icon is not None:
                item.setIcon(0, icon)
            item.setData(0, ROLE_KIND, c.kind)
            item.setData(0, ROLE_ID, c.id)
            item.setToolTip(0, self._conn_tooltip(c))
            if c.node_state and c.node_state not in ("Up",):
                item.setForeground(0, severity_colour("warning"))
            parent = conn_items.get(c.cluster or "") or items.get(c.group)
            (parent.addChild(item) if parent else self.tree.addTopLevelItem(item))
            if c.kind == "cluster":
                conn_items[c.id] = item
        self.tree.expandAll()
        self.tree.resizeColumnToContents(0)
        self._update_keyring_label()
        self.apply_filter()
        if current is not None:
            self.select(*current)
        if self.tree.currentItem() is None and self.tree.topLevelItemCount():
            self.tree.setCurrentItem(self.tree.topLevelItem(0))
        self._show_details()

    def _password_known(self, owner_id: str) -> bool:
        """Whether a password is saved; True (nothing to flag) until the keyring has been opened."""
        return not self.ctx.credentials.resolved or self.ctx.connections.has_password(owner_id)

    def _password_state(self, owner_id: str) -> str:
        if not self.ctx.credentials.resolved:
            return "checking the keyring…"
        return "password saved" if self.ctx.connections.has_password(owner_id) else "password needed"

    def _group_logon(self, g: Group) -> str:
        if not g.username:
            return ""
        return g.username + ("" if self._password_known(g.id) else "  (password needed)")

    def _conn_label(self, c: Connection) -> str:
        if c.kind == "cluster":
            return "%s  (cluster)" % c.name
        if c.node_state == REMOVED:
            return "%s  (no longer a node)" % c.name
        if c.node_state and c.node_state != "Up":
            return "%s  (%s)" % (c.name, c.node_state.lower())
        return c.name

    def _conn_logon(self, c: Connection) -> str:
        store = self.ctx.connections
        user, source, owner = store.credential_owner(c)
        if not user:
            return "no credentials"
        missing = "" if self._password_known(owner) else "  (password needed)"
        if source == "own":
            return "own: %s%s" % (user, missing)
        return "from %s%s" % (source.replace("cluster ", ""), missing)

    def _conn_tooltip(self, c: Connection) -> str:
        pin = ", certificate trusted by fingerprint" if c.pinned_sha256 else ""
        return "%s, %s%s" % (c.endpoint().url, AUTH_LABELS.get(c.auth, c.auth), pin)

    def apply_filter(self) -> None:
        text = self.search.text()
        show = self.filter.currentData() or "all"
        store = self.ctx.connections
        filtering = bool(text.strip()) or show != "all"

        def visit(item: QTreeWidgetItem) -> bool:
            any_child = False
            for i in range(item.childCount()):
                any_child = visit(item.child(i)) or any_child
            kind, ident = item.data(0, ROLE_KIND), item.data(0, ROLE_ID)
            if kind == "group":
                own = filtering and show == "all" and bool(text.strip()) and all(
                    w in store.group_path(ident).lower() for w in text.lower().split())
                visible = not filtering or any_child or own
                if own:  # a matching customer shows everything under it
                    _show_all(item)
                    any_child = True
            else:
                conn = store.connection(ident)
                visible = conn is not None and matches(store, conn, text, show) or any_child
            item.setHidden(not visible)
            return visible

        for i in range(self.tree.topLevelItemCount()):
            visit(self.tree.topLevelItem(i))
        current = self.tree.currentItem()
        if current is not None and current.isHidden():
            self.tree.setCurrentItem(self._first_visible_leaf())

    def _first_visible_leaf(self) -> QTreeWidgetItem | None:
        it = QTreeWidgetItemIterator(self.tree, QTreeWidgetItemIterator.IteratorFlag.NotHidden)
        first = None
        while it.value() is not None:
            item = it.value()
            first = first or item
            if item.data(0, ROLE_KIND) != "group":
                return item
            it += 1
        return first

    def visible_texts(self) -> list[str]:
        """What the tree shows, indented, for tests and the restart check."""
        out: list[str] = []
        it = QTreeWidgetItemIterator(self.tree, QTreeWidgetItemIterator.IteratorFlag.NotHidden)
        while it.value() is not None:
            item = it.value()
            depth, p = 0, item.parent()
            while p is not None:
                depth, p = depth + 1, p.parent()
            out.append("%s%s | %s" % ("  " * depth, item.text(0), item.text(1)))
            it += 1
        return out

    def selected_ref(self) -> tuple[str, str] | None:
        item = self.tree.currentItem()
        if item is None:
            return None
        return str(item.data(0, ROLE_KIND)), str(item.data(0, ROLE_ID))

    def select(self, kind: str, ident: str) -> None:
        it = QTreeWidgetItemIterator(self.tree)
        while it.value() is not None:
            item = it.value()
            if item.data(0, ROLE_ID) == ident and (item.data(0, ROLE_KIND) == "group") == (kind == "group"):
                self.tree.setCurrentItem(item)
                return
            it += 1

    def selected_group(self) -> Group | None:
        ref = self.selected_ref()
        return self.ctx.connections.group(ref[1]) if ref and ref[0] == "group" else None

    def selected_connection(self) -> Connection | None:
        ref = self.selected_ref()
        return self.ctx.connections.connection(ref[1]) if ref and ref[0] != "group" else None

    def _target_group_id(self) -> str | None:
        g = self.selected_group()
        if g is not None:
            return g.id
        c = self.selected_connection()
        return c.group if c else None

    # -- details ---------------------------------------------------------------------------------
    def _show_details(self) -> None:
        store = self.ctx.connections
        g, c = self.selected_group(), self.selected_connection()
        rows: list[tuple[str, str]] = []
        if g is not None:
            title = g.name
            rows.append(("Customer / site", store.group_path(g.id)))
            if g.username:
                rows.append(("Credentials", "%s — %s" % (g.username, self._password_state(g.id))))
                rows.append(("Used by", "everything under it without its own credentials"))
            else:
                user, source = store.inherited_credentials(g.parent)
                rows.append(("Credentials", "from %s (%s)" % (source, user) if user else "none set here"))
            count = sum(1 for x in store.connections if x.group in {g.id, *store.descendant_groups(g.id)})
            rows.append(("Connections", str(count)))
        elif c is not None:
            title = c.name
            r_user, source, owner = store.credential_owner(c)
            ep = c.endpoint()
            rows.append(("Kind", "cluster" if c.kind == "cluster" else ("cluster node" if c.cluster else "host")))
            rows.append(("Customer / site", store.group_path(c.group) or "(none)"))
            rows.append(("Connects to", ep.url))
            rows.append(("Logon", AUTH_LABELS.get(c.auth, c.auth) + (" (CredSSP allowed)" if c.allow_credssp else "")))
            if r_user:
                where = "own" if source == "own" else "inherited from %s" % source
                saved = self._password_state(owner)
                rows.append(("Credentials", "%s (%s) — %s" % (r_user, where, saved)))
            else:
                rows.append(("Credentials", "none: set them here or on the customer"))
            if c.transport == "https":
                rows.append(("Certificate", "trusted by fingerprint %s" % format_fingerprint(c.pinned_sha256)
                             if c.pinned_sha256 else "checked against trusted certificate authorities"))
            if c.kind == "cluster":
                rows.append(("Nodes", ", ".join(c.nodes) or "not read yet (F5)"))
                rows.append(("Nodes read", _when(c.discovered_at) or "never"))
            elif c.cluster:
                cluster = store.connection(c.cluster)
                rows.append(("Cluster", "%s — node is %s" % (cluster.name if cluster else "?",
                                                            "no longer in the cluster" if c.node_state == REMOVED
                                                            else (c.node_state or "not checked yet"))))
        else:
            self.details.setHtml("<p>No connections yet. Add a customer, then its hosts or clusters (Add, or "
                                 "Ctrl+N).</p>")
            return
        self.details.setHtml("<b>%s</b><table cellspacing='2'>%s</table>" % (_escape(title), "".join(
            "<tr><td valign='top' style='padding-right:8px'>%s:</td><td>%s</td></tr>" % (
                _escape(k), _escape(v)) for k, v in rows)))
        self._update_actions()

    def _update_actions(self) -> None:
        g, c = self.selected_group(), self.selected_connection()
        if not self._complete:
            # Until complete_setup gives them their actions, the buttons look as they will then: enabled
            # as their action, and renamed after the action (its text without '&' and '…') once the action's
            # state has changed, as a button with a default action is.
            for button, enabled, action_text in ((self.test_button, c is not None, "&Test connection…"),
                                                 (self.edit_button, g is not None or c is not None, "&Edit…")):
                if enabled != button.isEnabled():
                    button.setText(action_text.replace("&", "").rstrip("…"))
                    button.setEnabled(enabled)
            return
        self.act_test.setEnabled(c is not None)
        self.act_edit.setEnabled(g is not None or c is not None)
        self.act_delete.setEnabled(g is not None or c is not None)
        self.act_credentials.setEnabled(g is not None or c is not None)
        self.act_inherit.setEnabled(c is not None and bool(c.username))
        self.act_forget_pin.setEnabled(c is not None and bool(c.pinned_sha256))
        self.act_refresh.setEnabled(any(x.kind == "cluster" for x in self.ctx.connections.connections))

    def _update_keyring_label(self) -> None:
        creds = self.ctx.credentials
        if not creds.resolved:
            # Opening the keyring (probing its backends, maybe an unlock prompt) takes a moment: on a thread,
            # once the window is up; the panel is filled again when it has answered.
            self.keyring_label.setText("Checking where passwords are kept…")
            if not getattr(self, "_keyring_probe_started", False):
                self._keyring_probe_started = True
                self.keyring_opened.connect(lambda: self.refresh())
                timer = QTimer(self)  # a child: never fires for a panel already gone
                timer.setSingleShot(True)
                timer.timeout.connect(self._open_keyring)
                timer.start(100)
            return
        if self.ctx.demo:
            text = ("Demo: a throwaway profile against the built-in lab. Nothing is saved, and your own "
                    "connections and keyring are not touched.")
        else:
            text = creds.backend_description
        self.keyring_label.setText(text)
        colour = severity_colour("ok" if creds.persistent or self.ctx.demo else "warning")
        self.keyring_label.setStyleSheet("QLabel { border-left: 3px solid %s; background: rgba(%d,%d,%d,30); "
                                         "padding: 4px 6px; }" % (colour.name(), colour.red(), colour.green(),
                                                                  colour.blue()))

    def _open_keyring(self) -> None:
        import threading

        credentials = self.ctx.credentials

        def work() -> None:
            try:
                credentials.resolve_backend()
            finally:
                try:
                    self.keyring_opened.emit()  # queued to the GUI thread
                except RuntimeError:  # the panel was closed meanwhile
                    pass

        threading.Thread(target=work, name="hvassist-keyring", daemon=True).start()

    # -- context menu ------------------------------------------------------------------------------
    def _context_menu(self, pos: QPoint) -> None:
        from PySide6.QtCore import QPoint

        item = self.tree.itemAt(pos)
        if item is None and self.tree.currentItem() is not None and pos == QPoint(0, 0):
            item = self.tree.currentItem()  # the keyboard's menu key
        if item is not None:
            self.tree.setCurrentItem(item)
            pos = self.tree.visualItemRect(item).center() if pos == QPoint(0, 0) else pos
        menu = self.build_menu()
        menu.exec(self.tree.viewport().mapToGlobal(pos))

    def build_menu(self) -> QMenu:
        from PySide6.QtWidgets import QMenu

        self.complete_setup()
        menu = QMenu(self)
        g, c = self.selected_group(), self.selected_connection()
        if c is not None:
            menu.addAction(self.act_test)
            if c.kind == "cluster":
                menu.addAction(self.act_refresh)
            menu.addAction(self.act_edit)
            menu.addAction(self.act_credentials)
            if c.username:
                menu.addAction(self.act_inherit)
            if c.pinned_sha256:
                menu.addAction(self.act_forget_pin)
            menu.addSeparator()
            menu.addAction(self.act_delete)
        elif g is not None:
            for a in (self.act_add_host, self.act_add_cluster, self.act_add_group):
                menu.addAction(a)
            menu.addSeparator()
            menu.addAction(self.act_credentials)
            menu.addAction(self.act_edit)
            menu.addSeparator()
            menu.addAction(self.act_delete)
        else:
            for a in (self.act_add_group, self.act_add_host, self.act_add_cluster):
                menu.addAction(a)
        menu.addSeparator()
        menu.addAction(self.act_import)
        menu.addAction(self.act_export)
        return menu

    # -- editing -----------------------------------------------------------------------------------
    def add_group(self) -> None:
        from hvassist.gui.group_dialog import GroupDialog

        dialog = GroupDialog(self.ctx, self, parent_id=self.selected_group().id if self.selected_group() else None)
        if dialog.exec() and dialog.group is not None:
            self._changed(("group", dialog.group.id))

    def add_host(self) -> None:
        self._add_connection("host")

    def add_cluster(self) -> None:
        self._add_connection("cluster")

    def _add_connection(self, kind: str) -> None:
        from hvassist.gui.connection_dialog import ConnectionDialog

        dialog = ConnectionDialog(self.ctx, self, kind=kind, group_id=self._target_group_id())
        if dialog.exec() and dialog.saved is not None:
            self._changed((kind, dialog.saved.id))
            if kind == "cluster" and not dialog.saved.nodes and not self.ctx.connections.nodes_of(dialog.saved.id):
                self.start_cluster_refresh([dialog.saved.id])

    def edit_selected(self, focus_credentials: bool = False) -> None:
        g, c = self.selected_group(), self.selected_connection()
        if g is not None:
            from hvassist.gui.group_dialog import GroupDialog

            if GroupDialog(self.ctx, self, group=g, focus_credentials=focus_credentials).exec():
                self._changed(("group", g.id))
        elif c is not None:
            from hvassist.gui.connection_dialog import ConnectionDialog

            if ConnectionDialog(self.ctx, self, conn=c, focus_credentials=focus_credentials).exec():
                self._changed((c.kind, c.id))

    def credentials_selected(self) -> None:
        c = self.selected_connection()
        if c is not None and not c.username:
            from hvassist.gui.connection_dialog import ConnectionDialog

            dialog = ConnectionDialog(self.ctx, self, conn=c, focus_credentials=True)
            dialog.own.setChecked(True)
            if dialog.exec():
                self._changed((c.kind, c.id))
            return
        self.edit_selected(focus_credentials=True)

    def inherit_selected(self) -> None:
        c = self.selected_connection()
        if c is None or not c.username:
            return
        user, source = self.ctx.connections.inherited_credentials(c.group, c.cluster)
        QMessageBox = QtWidgets.QMessageBox  # noqa: N806 - the Qt class
        answer = QMessageBox.question(
            self, "Use inherited credentials",
            "%s will use %s instead of its own credentials (%s). Its own saved password is deleted." % (
                c.name, "the credentials of %s (%s)" % (source, user) if user else "its customer's credentials",
                c.username))
        if answer == QMessageBox.StandardButton.Yes:
            self.ctx.connections.set_connection_credentials(c.id, "", None)
            self._changed((c.kind, c.id))

    def forget_pin_selected(self) -> None:
        c = self.selected_connection()
        if c is not None and c.pinned_sha256:
            self.ctx.connections.pin_certificate(c.id, "")
            self._changed((c.kind, c.id))

    def delete_selected(self) -> None:
        store = self.ctx.connections
        g, c = self.selected_group(), self.selected_connection()
        if g is not None:
            sub = store.descendant_groups(g.id)
            conns = [x for x in store.connections if x.group in {g.id, *sub}]
            text = "Delete %s%s%s? Saved passwords for them are removed from the keyring too." % (
                g.name, " with its %d site(s)" % len(sub) if sub else "",
                " and %d connection(s)" % len(conns) if conns else "")
        elif c is not None:
            nodes = store.nodes_of(c.id)
            text = "Delete %s%s? Its saved password (if any) is removed from the keyring too." % (
                c.name, " and its %d node(s)" % len(nodes) if nodes else "")
        else:
            return
        QMessageBox = QtWidgets.QMessageBox  # noqa: N806 - the Qt class
        box = QMessageBox(QMessageBox.Icon.Question, "Delete", text, parent=self)
        delete = box.addButton("Delete", QMessageBox.ButtonRole.DestructiveRole)
        cancel = box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(cancel)
        box.exec()
        if box.clickedButton() is not delete:
            self.tree.setFocus()
            return
        if g is not None:
            store.remove_group(g.id)
        elif c is not None:
            store.remove_connection(c.id)
        self._changed(None)

    def _changed(self, select: tuple[str, str] | None) -> None:
        self.refresh(select)
        self.changed.emit()
        self.tree.setFocus()

    # -- testing ---------------------------------------------------------------------------------------
    def test_selected(self) -> None:
        c = self.selected_connection()
        if c is None:
            return
        self.test_connection(c)

    def test_connection(self, c: Connection) -> Any:
        from hvassist.gui.doctor_dialog import DoctorDialog

        store = self.ctx.connections
        r = store.resolve(c)
        password = r.password
        if r.username and password is None:
            # not saved (no keyring, or a new computer): ask; without one the doctor still checks the network
            password = ask_password(self, r.username, r.credential_from or c.name)
            if password is not None:
                store.set_password(r.credential_owner, password)  # keyring, or memory when there is none
                self.refresh((c.kind, c.id))

        def trust(fingerprint: str) -> None:
            store.pin_certificate(c.id, fingerprint)
            self.refresh((c.kind, c.id))

        dialog = DoctorDialog(r.endpoint, r.username, password, self, on_trust=trust)
        dialog.exec()
        return dialog

    # -- clusters ----------------------------------------------------------------------------------------
    def refresh_selected_clusters(self) -> None:
        c = self.selected_connection()
        only = [c.id] if c is not None and c.kind == "cluster" else (
            [c.cluster] if c is not None and c.cluster else None)
        self.start_cluster_refresh(only)

    def start_cluster_refresh(self, only: list[str] | None = None) -> None:
        """Read the clusters' nodes in the background (on open, on F5, after adding a cluster)."""
        if self.refresh_task is not None and self.refresh_task.running:
            return
        if not any(c.kind == "cluster" for c in self.ctx.connections.connections):
            return  # nothing to refresh (and no need to load the remote stack for it)
        from hvassist.services.cluster_discovery import apply_readings, cluster_targets, read_clusters

        targets, skipped = cluster_targets(self.ctx.connections, only)
        if not targets:
            if skipped:
                self.status.setText("Cluster nodes not refreshed: %s." % "; ".join(
                    "%s: %s" % kv for kv in skipped.items()))
            return
        self.status.setText("Refreshing the nodes of %s…" % ", ".join(t.name for t in targets))

        def work(cancel: Any, _report: Any) -> ClusterReadings:
            return read_clusters(targets, cancel)

        def done(readings: ClusterReadings) -> None:
            if task.cancel_token.cancelled:  # the window is closing: leave the store alone
                return
            readings.skipped.update(skipped)
            result = apply_readings(self.ctx.connections, readings, self.ctx.node_overrides)
            parts = [ch.summary for ch in result.changes]
            parts += ["%s: %s" % kv for kv in result.errors.items()]
            parts += ["%s not refreshed: %s" % kv for kv in result.skipped.items()]
            import datetime as dt

            self.status.setText("Cluster nodes read at %s. %s" % (dt.datetime.now().strftime("%H:%M"),
                                                                 " ".join(parts)))
            if any(ch.added or ch.removed or ch.changed for ch in result.changes) or result.changes:
                self.refresh()
                self.changed.emit()

        def failed(error: BaseException) -> None:
            self.status.setText("Refreshing the cluster nodes failed: %s" % error)

        from hvassist.gui.worker import run_in_background

        task = self.refresh_task = run_in_background(work, done, failed)

    def cancel_work(self) -> None:
        if self.refresh_task is not None and self.refresh_task.running:
            self.refresh_task.cancel()

    # -- import / export -----------------------------------------------------------------------------
    def import_connections(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, "Import connections", str(Path.home()),
                                                        "Connections (*.csv *.json);;All files (*)")
        if path:
            self.import_path(Path(path))

    def import_path(self, path: Path) -> QMessageBox:
        from hvassist.connections_io import import_file

        QMessageBox = QtWidgets.QMessageBox  # noqa: N806 - the Qt class
        try:
            report = import_file(self.ctx.connections, path)
        except OSError as e:
            report = None
            text = "The file could not be read: %s" % e
        if report is not None:
            text = report.summary
            details = report.problems + report.notes
            if details:
                text += "\n\n" + "\n".join("• " + d for d in details[:15])
                if len(details) > 15:
                    text += "\n… and %d more." % (len(details) - 15)
        self._changed(None)
        box = QMessageBox(QMessageBox.Icon.Information, "Import connections", text, parent=self)
        box.setAccessibleName("Import result")
        box.open()
        return box

    def export_connections(self) -> None:
        from hvassist.connections_io import export_file

        path, chosen = QtWidgets.QFileDialog.getSaveFileName(self, "Export connections (no passwords)",
                                                             str(Path.home() / "hvassist-connections.csv"),
                                                             "CSV (*.csv);;JSON (*.json)")
        if not path:
            return
        p = Path(path)
        if not p.suffix:
            p = p.with_suffix(".json" if "json" in chosen.lower() else ".csv")
        try:
            n = export_file(self.ctx.connections, p)
        except OSError as e:
            QtWidgets.QMessageBox.warning(self, "Export connections", "The file could not be written: %s" % e)
            return
        self.status.setText("%d connection(s) exported to %s (without passwords)." % (n, p.name))


def _show_all(item: QTreeWidgetItem) -> None:
    for i in range(item.childCount()):
        child = item.child(i)
        child.setHidden(False)
        _show_all(child)


def _escape(text: str) -> str:
    """html.escape (quote=True), without loading the html package at start-up."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
            .replace("'", "&#x27;"))


def _when(iso: str) -> str:
    import datetime as dt

    if not iso:
        return ""
    try:
        t = dt.datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone()
    except ValueError:
        return iso
    return t.strftime("%Y-%m-%d %H:%M")


__all__ = ["ConnectionsPanel", "ask_password"]
