"""Add (or edit) a connection, with "Test connection"."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from hvassist.appcontext import AppContext
from hvassist.connections import Connection
from hvassist.gui.worker import BackgroundTask, run_in_background
from hvassist.remote.endpoint import DEFAULT_PORTS, Endpoint
from hvassist.services.connection_test import ConnectionTestResult, test_connection


class ConnectionDialog(QDialog):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.task: BackgroundTask | None = None
        self.setWindowTitle("Add connection")
        self.setMinimumWidth(520)
        v = QVBoxLayout(self)
        form = QFormLayout()
        self.name = QLineEdit()
        self.name.setPlaceholderText("hv01.contoso.local")
        self.name.setAccessibleName("Host name")
        form.addRow("&Host name:", self.name)
        self.group = QComboBox()
        self.group.setAccessibleName("Customer or site")
        self.group.addItem("(none)", None)
        for g in ctx.connections.groups:
            self.group.addItem(g.name, g.id)
        form.addRow("Customer / &site:", self.group)
        self.transport = QComboBox()
        self.transport.addItem("HTTPS (port 5986, recommended)", "https")
        self.transport.addItem("HTTP with message encryption (port 5985)", "http")
        self.transport.setAccessibleName("Transport")
        self.transport.currentIndexChanged.connect(self._transport_changed)
        form.addRow("&Transport:", self.transport)
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(5986)
        self.port.setAccessibleName("Port")
        form.addRow("&Port:", self.port)
        self.auth = QComboBox()
        self.auth.addItem("NTLM", "ntlm")
        self.auth.addItem("Kerberos", "kerberos")
        self.auth.setAccessibleName("Authentication")
        form.addRow("&Authentication:", self.auth)
        self.user = QLineEdit()
        self.user.setPlaceholderText("CONTOSO\\admin — leave empty to use the customer's credentials")
        self.user.setAccessibleName("User name")
        form.addRow("&User name:", self.user)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Password")
        form.addRow("Pass&word:", self.password)
        v.addLayout(form)
        self.keyring_note = QLabel(ctx.credentials.backend_description)
        self.keyring_note.setWordWrap(True)
        v.addWidget(self.keyring_note)
        self.test_button = QPushButton("&Test connection")
        self.test_button.clicked.connect(self._test)
        v.addWidget(self.test_button)
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.result.setAccessibleName("Test result")
        v.addWidget(self.result)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        v.addWidget(buttons)

    def _transport_changed(self) -> None:
        self.port.setValue(DEFAULT_PORTS[self.transport.currentData()])

    def _connection(self) -> Connection:
        return Connection(id="", name=self.name.text().strip(), group=self.group.currentData(),
                          port=self.port.value(), transport=self.transport.currentData(),
                          auth=self.auth.currentData(), username=self.user.text().strip())

    def _validate(self) -> str:
        if not self.name.text().strip():
            return "Enter the host's name (or IP address)."
        if " " in self.name.text().strip():
            return "A host name cannot contain spaces."
        if self.user.text().strip() and not self.password.text():
            return "Enter the password for %s." % self.user.text().strip()
        return ""

    def _test(self) -> None:
        problem = self._validate()
        if problem:
            self.result.setText(problem)
            return
        conn = self._connection()
        if conn.username:
            username, password = conn.username, self.password.text()
        else:
            resolved = self.ctx.connections.resolve(conn)
            username, password = resolved.username, resolved.password or ""
            if not username:
                self.result.setText("Enter a user name and password, or choose a customer that has credentials.")
                return
        endpoint: Endpoint = conn.endpoint()
        self.result.setText("Testing %s…" % endpoint.url)
        self.test_button.setEnabled(False)

        def work(cancel: Any, _report: Any) -> ConnectionTestResult:
            return test_connection(endpoint, username, password, cancel)

        self.task = run_in_background(work, self._tested)

    def _tested(self, r: ConnectionTestResult) -> None:
        self.test_button.setEnabled(True)
        if r.error is not None:
            self.result.setText("✘ %s\nWhat to do: %s" % (r.error.message, r.error.action))
        else:
            self.result.setText(("✔ " if r.ok else "⚠ ") + r.summary + "".join("\n• " + w for w in r.warnings))

    def _save(self) -> None:
        problem = self._validate()
        if problem:
            self.result.setText(problem)
            return
        conn = self._connection()
        self.ctx.connections.add_connection(conn, self.password.text() if conn.username else None)
        self.accept()

    def reject(self) -> None:
        if self.task is not None and self.task.running:
            self.task.cancel()
        super().reject()
