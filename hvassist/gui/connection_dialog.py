"""Add or edit a host or a cluster: transport, port, logon method, credentials (own or inherited), trusted
certificate; "Test connection" runs the connection doctor; a cluster finds its nodes."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from hvassist.appcontext import AppContext
from hvassist.connections import Connection, validate_connection
from hvassist.gui.doctor_dialog import DoctorDialog
from hvassist.gui.group_dialog import group_choices
from hvassist.gui.style import banner
from hvassist.gui.worker import BackgroundTask, run_in_background
from hvassist.remote.auth_support import CREDSSP_WARNING, auth_support
from hvassist.remote.endpoint import DEFAULT_PORTS, format_fingerprint
from hvassist.remote.errors import RemoteError
from hvassist.services.cluster_discovery import ClusterInfo, apply_discovery, discover_cluster


class ConnectionDialog(QDialog):
    """``kind`` is "host" or "cluster"; ``conn`` given = edit it."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, conn: Connection | None = None,
                 kind: str = "host", group_id: str | None = None, focus_credentials: bool = False) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.original = conn
        self.kind = conn.kind if conn else kind
        self.task: BackgroundTask | None = None
        self.discovered: ClusterInfo | None = None
        self.pinned = conn.pinned_sha256 if conn else ""
        self.saved: Connection | None = None
        store = ctx.connections
        noun = "cluster" if self.kind == "cluster" else "host"
        self.setWindowTitle(("Edit %s" if conn else "Add %s") % noun)
        self.setMinimumWidth(600)
        v = QVBoxLayout(self)

        form = QFormLayout()
        self.name = QLineEdit(conn.name if conn else "")
        self.name.setPlaceholderText("hvclu01.contoso.local" if self.kind == "cluster" else "hv01.contoso.local")
        self.name.setAccessibleName("Cluster name" if self.kind == "cluster" else "Host name")
        self.name.textChanged.connect(self._name_changed)
        form.addRow("Cluster &name:" if self.kind == "cluster" else "&Host name:", self.name)
        self.address = QLineEdit(conn.address if conn else "")
        self.address.setPlaceholderText("optional: an IP address or another name to connect to")
        self.address.setAccessibleName("Connect to address (optional)")
        form.addRow("Connect &to:", self.address)
        self.group = QComboBox()
        self.group.setAccessibleName("Customer or site")
        for label, gid in group_choices(ctx):
            self.group.addItem(label, gid)
        self.group.setCurrentIndex(max(0, self.group.findData(conn.group if conn else group_id)))
        self.group.currentIndexChanged.connect(self._update_inherited)
        self.group.setEnabled(not (conn and conn.cluster))  # a node lives where its cluster lives
        form.addRow("Customer / &site:", self.group)
        self.transport = QComboBox()
        self.transport.addItem("HTTPS (port 5986, recommended)", "https")
        self.transport.addItem("HTTP with message encryption (port 5985)", "http")
        self.transport.setAccessibleName("Transport")
        self.transport.setCurrentIndex(max(0, self.transport.findData(conn.transport if conn else "https")))
        self.transport.currentIndexChanged.connect(self._transport_changed)
        form.addRow("&Transport:", self.transport)
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(conn.effective_port if conn else 5986)
        self.port.setAccessibleName("Port")
        form.addRow("&Port:", self.port)
        self.auth = QComboBox()
        self.auth.setAccessibleName("Logon method")
        self.auth.addItem("NTLM", "ntlm")
        kerberos = auth_support("kerberos")
        self.auth.addItem("Kerberos" if kerberos.available else "Kerberos (not available)", "kerberos")
        if not kerberos.available:
            model = self.auth.model()
            if isinstance(model, QStandardItemModel):
                item = model.item(1)
                item.setEnabled(False)
                item.setToolTip(kerberos.reason)
        self.auth.currentIndexChanged.connect(self._auth_changed)
        form.addRow("&Logon method:", self.auth)
        self.credssp = QCheckBox("Allow Cred&SSP for this %s (hands your password to it)" % noun)
        self.credssp.setAccessibleName("Allow CredSSP")
        self.credssp.toggled.connect(self._credssp_toggled)
        form.addRow("", self.credssp)
        v.addLayout(form)
        self.auth_note = QLabel()
        self.auth_note.setWordWrap(True)
        self.auth_note.setAccessibleName("About the logon method")
        v.addWidget(self.auth_note)
        self.credssp_warning = banner(CREDSSP_WARNING, "warning")
        self.credssp_warning.hide()
        v.addWidget(self.credssp_warning)

        creds = QGroupBox("Credentials")
        cv = QVBoxLayout(creds)
        self.inherit = QRadioButton()
        self.inherit.setAccessibleName("Use inherited credentials")
        self.own = QRadioButton("Use its &own credentials")
        self.own.setAccessibleName("Use its own credentials")
        cv.addWidget(self.inherit)
        cv.addWidget(self.own)
        own_form = QFormLayout()
        self.user = QLineEdit(conn.username if conn else "")
        self.user.setPlaceholderText("CONTOSO\\admin, admin@contoso.local, or HV01\\Administrator")
        self.user.setAccessibleName("User name")
        own_form.addRow("&User name:", self.user)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Password")
        if conn and conn.username and store.has_password(conn.id):
            self.password.setPlaceholderText("saved — leave empty to keep it")
        own_form.addRow("Pass&word:", self.password)
        cv.addLayout(own_form)
        self.inherit.toggled.connect(self._creds_mode)
        (self.own if conn and conn.username else self.inherit).setChecked(True)
        v.addWidget(creds)

        cert_row = QHBoxLayout()
        self.cert_label = QLabel()
        self.cert_label.setWordWrap(True)
        self.cert_label.setAccessibleName("Certificate")
        self.forget_pin = QPushButton("&Forget trusted certificate")
        self.forget_pin.clicked.connect(self._forget_pin)
        cert_row.addWidget(self.cert_label, 1)
        cert_row.addWidget(self.forget_pin)
        v.addLayout(cert_row)

        if self.kind == "cluster":
            nodes_box = QGroupBox("Nodes")
            nv = QVBoxLayout(nodes_box)
            row = QHBoxLayout()
            self.find_nodes = QPushButton("Find &nodes")
            self.find_nodes.setAccessibleName("Find the cluster's nodes")
            self.find_nodes.clicked.connect(self._find_nodes)
            self.nodes_status = QLabel("hvassist asks the cluster for its nodes and adds each as a host. The list is "
                                       "refreshed whenever the app starts, and with F5.")
            self.nodes_status.setWordWrap(True)
            row.addWidget(self.find_nodes)
            row.addWidget(self.nodes_status, 1)
            nv.addLayout(row)
            self.nodes_list = QListWidget()
            self.nodes_list.setAccessibleName("Nodes found")
            self.nodes_list.setMaximumHeight(self.fontMetrics().height() * 6)
            for node in store.nodes_of(conn.id) if conn else []:
                self.nodes_list.addItem("%s — %s" % (node.name, node.node_state or "not checked yet"))
            nv.addWidget(self.nodes_list)
            v.addWidget(nodes_box)

        self.keyring_note = banner(ctx.credentials.backend_description,
                                   "info" if ctx.credentials.persistent else "warning")
        self.keyring_note.setAccessibleName("Where passwords are kept")
        v.addWidget(self.keyring_note)
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.result.setAccessibleName("Problem")
        v.addWidget(self.result)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.test_button = buttons.addButton("&Test connection…", QDialogButtonBox.ButtonRole.ActionRole)
        self.test_button.setAccessibleName("Test connection")
        self.test_button.clicked.connect(self._test)
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        v.addWidget(buttons)

        if conn:
            self.auth.setCurrentIndex(max(0, self.auth.findData(conn.auth)))
            self.credssp.setChecked(conn.allow_credssp or conn.auth == "credssp")
        self._credssp_toggled(self.credssp.isChecked())
        self._auth_changed()
        self._creds_mode()
        self._update_inherited()
        self._update_cert()
        (self.user if focus_credentials else self.name).setFocus()

    # -- field logic -------------------------------------------------------------------------
    def _name_changed(self, text: str) -> None:
        lab = self.ctx.lab_endpoint_for(text.strip()) if self.original is None else None
        if lab is not None:  # the demo lab: fill in where the lab serves this name
            self.address.setText(lab.address)
            self.transport.setCurrentIndex(self.transport.findData(lab.transport))
            self.port.setValue(lab.port)
            self._lab_ca = lab.ca_file

    def _transport_changed(self) -> None:
        self.port.setValue(DEFAULT_PORTS[self.transport.currentData()])
        self._update_cert()

    def _auth_changed(self) -> None:
        support = auth_support(self.auth.currentData() or "ntlm")
        kerberos = auth_support("kerberos")
        if not support.available:
            self.auth_note.setText(support.reason)
        elif not kerberos.available:
            self.auth_note.setText(kerberos.reason + " NTLM works for domain and local accounts.")
        else:
            self.auth_note.setText("")
        self.auth_note.setVisible(bool(self.auth_note.text()))

    def _credssp_toggled(self, on: bool) -> None:
        index = self.auth.findData("credssp")
        if on and index < 0:
            self.auth.addItem("CredSSP", "credssp")
        if not on and index >= 0:
            if self.auth.currentData() == "credssp":
                self.auth.setCurrentIndex(0)
            self.auth.removeItem(index)
        self.credssp_warning.setVisible(on)

    def _creds_mode(self) -> None:
        own = self.own.isChecked()
        self.user.setEnabled(own)
        self.password.setEnabled(own)

    def _update_inherited(self) -> None:
        cluster = self.original.cluster if self.original else None
        user, source = self.ctx.connections.inherited_credentials(self.group.currentData(), cluster)
        if user:
            self.inherit.setText("Use the credentials of %s (%s)" % (source, user))
        else:
            self.inherit.setText("Use the customer's credentials (none are set yet)")

    def _update_cert(self) -> None:
        https = self.transport.currentData() == "https"
        if not https:
            self.cert_label.setText("Certificate: not used over HTTP (messages are encrypted by the logon method).")
        elif self.pinned:
            self.cert_label.setText("Certificate: trusted explicitly by its fingerprint %s. A different certificate "
                                    "will be refused with a warning." % format_fingerprint(self.pinned))
        else:
            self.cert_label.setText("Certificate: must be issued by a certificate authority this computer trusts "
                                    "(if not, the test offers to trust it by its fingerprint).")
        self.forget_pin.setVisible(https and bool(self.pinned))

    def _forget_pin(self) -> None:
        self.pinned = ""
        self._update_cert()

    # -- building and checking -----------------------------------------------------------------
    def _connection(self) -> Connection:
        base = self.original or Connection(id="", name="", kind=self.kind)
        ca_file = getattr(self, "_lab_ca", base.ca_file)
        transport = self.transport.currentData()
        port = self.port.value()
        return replace(base, name=self.name.text().strip(), group=self.group.currentData(),
                       address=self.address.text().strip(),
                       port=0 if port == DEFAULT_PORTS[transport] else port, transport=transport,
                       auth=self.auth.currentData(), username=self.user.text().strip() if self.own.isChecked()
                       else "", pinned_sha256=self.pinned, ca_file=ca_file,
                       allow_credssp=self.credssp.isChecked())

    def _credentials(self, conn: Connection) -> tuple[str, str | None]:
        store = self.ctx.connections
        if conn.username:
            if self.password.text():
                return conn.username, self.password.text()
            if self.original is not None and self.original.username == conn.username:
                return conn.username, store.credentials.get_password("credential:%s" % conn.id)
            return conn.username, None
        r = store.resolve(conn)
        return r.username, r.password

    def _problem(self) -> str:
        conn = self._connection()
        problem = validate_connection(conn)
        if problem:
            return problem
        if conn.username:
            _user, password = self._credentials(conn)
            if password is None:
                return "Enter the password for %s." % conn.username
        return ""

    def _test(self) -> None:
        problem = self._problem()
        if problem:
            self.result.setText(problem)
            return
        self.result.setText("")
        conn = self._connection()
        user, password = self._credentials(conn)
        if not user or password is None:
            from hvassist.gui.connections_panel import ask_password

            if not user:
                self.result.setText("Choose 'Use its own credentials' and enter them, or set credentials on the "
                                    "customer or site.")
                return
            password = ask_password(self, user, conn.name)
            if password is None:
                return

        def trust(fingerprint: str) -> None:
            self.pinned = fingerprint
            self._update_cert()

        DoctorDialog(conn.endpoint(), user, password, self, on_trust=trust).exec()

    def _find_nodes(self) -> None:
        problem = self._problem()
        if problem:
            self.result.setText(problem)
            return
        conn = self._connection()
        user, password = self._credentials(conn)
        if not user or password is None:
            self.result.setText("Set the credentials first (own, or on the customer or site).")
            return
        self.find_nodes.setText("&Cancel")
        self.find_nodes.clicked.disconnect()
        self.find_nodes.clicked.connect(self._cancel_find)
        self.nodes_status.setText("Asking %s for its nodes…" % conn.name)
        endpoint = conn.endpoint()

        def work(cancel: Any, _report: Any) -> ClusterInfo:
            return discover_cluster(endpoint, user, password or "", cancel)

        self.task = run_in_background(work, self._nodes_found, self._nodes_failed)

    def _cancel_find(self) -> None:
        if self.task is not None:
            self.task.cancel()

    def _restore_find(self) -> None:
        self.find_nodes.setText("Find &nodes")
        self.find_nodes.clicked.disconnect()
        self.find_nodes.clicked.connect(self._find_nodes)

    def _nodes_found(self, info: ClusterInfo) -> None:
        self._restore_find()
        self.discovered = info
        self.nodes_list.clear()
        for n in info.nodes:
            self.nodes_list.addItem("%s — %s" % (n.name, n.state))
        self.nodes_status.setText("%s has %d node(s). Save to add them as hosts." % (info.cluster, len(info.nodes)))

    def _nodes_failed(self, error: BaseException) -> None:
        self._restore_find()
        if isinstance(error, RemoteError):
            self.nodes_status.setText("%s\nWhat to do: %s" % (error.message, error.action))
        else:
            self.nodes_status.setText("Finding the nodes failed: %s" % error)

    def _save(self) -> None:
        problem = self._problem()
        if problem:
            self.result.setText(problem)
            return
        store = self.ctx.connections
        conn = self._connection()
        password = self.password.text() if conn.username and self.password.text() else None
        try:
            if self.original is None:
                conn = store.add_connection(conn, password)
            else:
                store.update_connection(conn, password)
        except ValueError as e:
            self.result.setText(str(e))
            return
        if self.kind == "cluster" and self.discovered is not None:
            apply_discovery(store, conn.id, self.discovered, self.ctx.node_overrides)
        self.saved = conn
        self.accept()

    def reject(self) -> None:
        if self.task is not None and self.task.running:
            self.task.cancel()
        super().reject()


__all__ = ["ConnectionDialog"]
