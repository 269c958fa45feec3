"""The connection manager and the doctor window, driven by keyboard and clicks against the lab."""

from __future__ import annotations

import time

import pytest
from PySide6.QtCore import QPoint, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QCheckBox,
    QComboBox,
    QLineEdit,
    QMessageBox,
    QRadioButton,
    QSpinBox,
)

from hvassist.appcontext import AppContext
from hvassist.audit import AuditLog
from hvassist.connections import Connection, ConnectionStore
from hvassist.credentials import CredentialStore
from hvassist.gui.connection_dialog import ConnectionDialog
from hvassist.gui.connections_panel import ConnectionsPanel
from hvassist.gui.doctor_dialog import DoctorDialog
from hvassist.gui.group_dialog import GroupDialog
from hvassist.gui.main_window import MainWindow
from hvassist.lab.runtime import start_lab
from hvassist.paths import app_paths
from hvassist.remote.auth_support import auth_support


@pytest.fixture
def ctx():
    paths = app_paths().ensure()
    creds = CredentialStore(memory_only=True)  # never the developer's real keyring from GUI tests
    context = AppContext(paths, creds, ConnectionStore(paths.config / "connections.json", creds),
                         AuditLog(paths.audit_log))
    yield context
    context.close()


@pytest.fixture(scope="module")
def doctor_lab():
    lab = start_lab("doctor")
    yield lab
    lab.stop()


def add_lab_host(store, lab, name, group, **kw):
    ep = lab.endpoint(name)
    return store.add_connection(Connection(id="", name=name, group=group, address=ep.address, port=ep.port,
                                           transport=ep.transport, ca_file=ep.ca_file, **kw),
                                password=kw.pop("password", None) if "password" in kw else None)


def on_modal(action, *, wait=lambda w: False):
    """Run ``action`` on the next modal window once ``wait(window)`` is false."""
    def poll():
        w = QApplication.activeModalWidget()
        if w is None or wait(w):
            QTimer.singleShot(50, poll)
            return
        try:
            action(w)
        except BaseException:
            w.close()  # never leave a modal window open: the test would hang instead of failing
            raise

    QTimer.singleShot(0, poll)


def show_active(qtbot, widget):
    widget.show()
    widget.activateWindow()
    qtbot.waitActive(widget)
    qtbot.wait(20)


def click(box, text):
    for b in box.findChildren(QAbstractButton):
        if b.text().replace("&", "") == text:
            b.click()
            return
    raise AssertionError("no button %r in %s" % (text, [b.text() for b in box.findChildren(QAbstractButton)]))


def test_tree_shows_group_credentials_inherited_and_one_override(qtbot, ctx, doctor_lab):
    store = ctx.connections
    g = store.add_group("Contoso", username="CONTOSO\\hvadmin", password=doctor_lab.password)
    add_lab_host(store, doctor_lab, "HV-OK", g.id)
    add_lab_host(store, doctor_lab, "HV-OK-HTTP", g.id)
    store.add_connection(Connection(id="", name="HV-LEGACY", group=g.id, username="legacyadmin"), password="x")
    panel = ConnectionsPanel(ctx)
    qtbot.addWidget(panel)
    texts = panel.visible_texts()
    assert texts[0] == "Contoso | CONTOSO\\hvadmin"
    assert "  HV-OK | from Contoso" in texts and "  HV-OK-HTTP | from Contoso" in texts
    assert "  HV-LEGACY | own: legacyadmin" in texts
    assert panel.keyring_label.text() == ctx.credentials.backend_description
    assert "memory" in panel.keyring_label.text()


def test_keyboard_search_filter_and_escape(qtbot, ctx):
    store = ctx.connections
    a = store.add_group("Contoso")
    b = store.add_group("Fabrikam")
    store.add_connection(Connection(id="", name="hv01", group=a.id))
    store.add_connection(Connection(id="", name="hv02", group=b.id))
    cluster = store.add_connection(Connection(id="", name="CLU", kind="cluster", group=b.id))
    panel = ConnectionsPanel(ctx)
    qtbot.addWidget(panel)
    show_active(qtbot, panel)
    panel.tree.setFocus()
    qtbot.waitUntil(panel.tree.hasFocus)
    qtbot.keyClick(panel.tree, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert panel.search.hasFocus()
    qtbot.keyClicks(panel.search, "fabrikam")
    assert [t.strip() for t in panel.visible_texts()] == ["Fabrikam |", "CLU  (cluster) | no credentials",
                                                          "hv02 | no credentials"]
    qtbot.keyClick(panel.search, Qt.Key.Key_Escape)
    assert panel.search.text() == "" and len(panel.visible_texts()) == 5
    panel.filter.setCurrentIndex(panel.filter.findData("clusters"))
    assert [t.strip() for t in panel.visible_texts()] == ["Fabrikam |", "CLU  (cluster) | no credentials"]
    assert panel.selected_connection().id == cluster.id, "the selection moves to what is visible"


def test_delete_with_the_keyboard_asks_first(qtbot, ctx):
    store = ctx.connections
    g = store.add_group("Contoso")
    keep = store.add_connection(Connection(id="", name="hv01", group=g.id))
    gone = store.add_connection(Connection(id="", name="hv02", group=g.id))
    panel = ConnectionsPanel(ctx)
    qtbot.addWidget(panel)
    show_active(qtbot, panel)
    panel.select("host", gone.id)
    panel.tree.setFocus()
    qtbot.waitUntil(panel.tree.hasFocus)
    on_modal(lambda box: click(box, "Cancel"))
    qtbot.keyClick(panel.tree, Qt.Key.Key_Delete)
    assert store.connection(gone.id) is not None, "Cancel is the default and keeps it"
    show_active(qtbot, panel)  # offscreen has no window manager to give the focus back
    qtbot.waitUntil(panel.tree.hasFocus)
    on_modal(lambda box: click(box, "Delete"))
    qtbot.keyClick(panel.tree, Qt.Key.Key_Delete)
    assert store.connection(gone.id) is None and store.connection(keep.id) is not None
    assert all("hv02" not in t for t in panel.visible_texts())


def test_context_menus_offer_what_fits(qtbot, ctx):
    store = ctx.connections
    g = store.add_group("Contoso")
    c = store.add_connection(Connection(id="", name="CLU", kind="cluster", group=g.id))
    h = store.add_connection(Connection(id="", name="hv01", group=g.id, username="u", pinned_sha256="ab" * 32),
                             password="p")
    panel = ConnectionsPanel(ctx)
    qtbot.addWidget(panel)

    def entries(kind, ident):
        panel.select(kind, ident)
        return [a.text().replace("&", "") for a in panel.build_menu().actions() if a.text()]

    assert entries("group", g.id)[:3] == ["Add host…", "Add cluster…", "Add customer or site…"]
    assert "Set credentials…" in entries("group", g.id) and "Delete…" in entries("group", g.id)
    assert "Refresh cluster nodes" in entries("cluster", c.id)
    host = entries("host", h.id)
    assert host[0] == "Test connection…" and "Use inherited credentials" in host
    assert "Forget trusted certificate" in host and "Export connections…" in host
    shortcuts = {a.text().replace("&", ""): a.shortcut().toString() for a in panel.actions()}
    assert shortcuts["Test connection…"] == "Ctrl+T" and shortcuts["Edit…"] == "F2"
    assert shortcuts["Refresh cluster nodes"] == "F5" and shortcuts["Delete…"] == "Del"


def test_group_dialog_sets_credentials_the_hosts_inherit(qtbot, ctx):
    store = ctx.connections
    host = store.add_connection(Connection(id="", name="hv01"))
    dialog = GroupDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.name.setText("Contoso")
    dialog.user.setText("CONTOSO\\admin")
    dialog._save()
    assert "Enter the password" in dialog.problem.text(), "a user name without a password is not saved"
    dialog.password.setText("S3cret-Group")
    dialog._save()
    group = store.groups[0]
    store.update_connection(Connection(**{**host.__dict__, "group": group.id}))
    r = store.resolve(store.connection(host.id))
    assert (r.username, r.password, r.credential_from) == ("CONTOSO\\admin", "S3cret-Group", "Contoso")
    assert "memory" in dialog.keyring_note.text()


def test_override_per_host_and_back_to_inherited(qtbot, ctx):
    store = ctx.connections
    g = store.add_group("Contoso", username="CONTOSO\\admin", password="group-pw")
    h = store.add_connection(Connection(id="", name="hv01", group=g.id))
    panel = ConnectionsPanel(ctx)
    qtbot.addWidget(panel)
    panel.select("host", h.id)

    def fill(dialog):
        assert dialog.own.isChecked(), "Set credentials on an inheriting host starts with its own"
        assert "Contoso (CONTOSO\\admin)" in dialog.inherit.text()
        dialog.user.setText("HV01\\Administrator")
        dialog.password.setText("own-pw")
        dialog._save()

    on_modal(fill)
    panel.credentials_selected()
    r = store.resolve(store.connection(h.id))
    assert (r.username, r.password, r.credential_from) == ("HV01\\Administrator", "own-pw", "own")
    assert "own: HV01\\Administrator" in "\n".join(panel.visible_texts())
    on_modal(lambda box: box.button(QMessageBox.StandardButton.Yes).click())
    panel.inherit_selected()
    r = store.resolve(store.connection(h.id))
    assert (r.username, r.password, r.credential_from) == ("CONTOSO\\admin", "group-pw", "Contoso")


def test_connection_dialog_credssp_only_on_opt_in_and_kerberos_says_why(qtbot, ctx):
    dialog = ConnectionDialog(ctx)
    qtbot.addWidget(dialog)
    methods = [dialog.auth.itemData(i) for i in range(dialog.auth.count())]
    assert methods == ["ntlm", "kerberos"], "CredSSP is not offered until allowed"
    assert not dialog.credssp_warning.isVisibleTo(dialog)
    dialog.credssp.setChecked(True)
    assert "credssp" in [dialog.auth.itemData(i) for i in range(dialog.auth.count())]
    assert dialog.credssp_warning.isVisibleTo(dialog) and "password" in dialog.credssp_warning.text()
    dialog.auth.setCurrentIndex(dialog.auth.findData("credssp"))
    dialog.credssp.setChecked(False)
    assert dialog.auth.currentData() == "ntlm"
    if not auth_support("kerberos").available:
        assert "pykerberos" in dialog.auth_note.text()
        assert not dialog.auth.model().item(1).isEnabled()
    dialog.transport.setCurrentIndex(dialog.transport.findData("http"))
    assert dialog.port.value() == 5985


def test_every_control_in_the_dialogs_has_a_name(qtbot, ctx):
    group = ctx.connections.add_group("Contoso", username="u", password="p")
    for dialog in (ConnectionDialog(ctx), ConnectionDialog(ctx, kind="cluster"),
                   GroupDialog(ctx, group=group)):
        qtbot.addWidget(dialog)
        controls = [w for cls in (QLineEdit, QComboBox, QSpinBox, QCheckBox, QRadioButton, QAbstractButton)
                    for w in dialog.findChildren(cls)]
        assert len(controls) >= 5
        for w in controls:
            if isinstance(w, QLineEdit) and isinstance(w.parent(), (QComboBox, QSpinBox)):
                continue
            text = w.text() if isinstance(w, QAbstractButton) else ""
            assert w.accessibleName() or text, (type(dialog).__name__, type(w).__name__, w.objectName())


def test_doctor_dialog_passes_every_step(qtbot, doctor_lab):
    dialog = DoctorDialog(doctor_lab.endpoint("HV-OK"), doctor_lab.username, doctor_lab.password)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: not dialog.busy, timeout=60000)
    assert dialog.report.ok and "All checks passed" in dialog.summary.text()
    text = dialog.view.toPlainText()
    for title in ("Name resolves", "Port answers", "Certificate (TLS)", "WinRM answers", "Logon works",
                  "Messages are encrypted", "PowerShell runs", "Hyper-V can be managed", "Account may manage"):
        assert title in text
    assert text.count("passed") == 9
    assert "What was seen" not in text
    dialog.show_all.setChecked(True)
    assert "SHA-256 fingerprint" in dialog.view.toPlainText(), "the evidence is one click away"
    assert not dialog.trust_button.isVisibleTo(dialog)


def test_doctor_dialog_shows_progress_and_cancels(qtbot, doctor_lab):
    server = doctor_lab.hosts["HV-OK-HTTP"].server
    server.hooks.before_request = lambda action, body: time.sleep(0.3)
    try:
        dialog = DoctorDialog(doctor_lab.endpoint("HV-OK-HTTP"), doctor_lab.username, doctor_lab.password)
        qtbot.addWidget(dialog)
        qtbot.waitUntil(lambda: dialog.progress.value() >= 2, timeout=60000)
        assert dialog.busy and dialog.close_button.text() == "&Cancel"
        assert "Step" in dialog.summary.text()
        qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: not dialog.busy, timeout=30000)
        assert dialog.report.cancelled and dialog.summary.text() == "Cancelled."
        assert dialog.close_button.text() == "&Close" and dialog.again_button.isEnabled()
    finally:
        server.hooks.before_request = None


def test_trusting_a_certificate_from_the_doctor_pins_it_after_confirmation(qtbot, ctx, doctor_lab):
    store = ctx.connections
    g = store.add_group("Contoso", username=doctor_lab.username, password=doctor_lab.password)
    host = add_lab_host(store, doctor_lab, "HV-TLS-CA", g.id)
    panel = ConnectionsPanel(ctx)
    qtbot.addWidget(panel)
    seen = {}

    def doctor(dialog):
        seen["first"] = dialog.report.failed.kind
        assert dialog.trust_button.isVisible() and dialog.trust_button.hasFocus()

        def confirm(box):
            seen["confirm_text"] = box.text()
            click(box, "Trust this certificate")

        on_modal(confirm, wait=lambda w: w is dialog)
        dialog.trust_button.click()  # runs the confirmation, pins, runs the doctor again
        seen["dialog"] = dialog

        def finish():
            if dialog.busy:
                QTimer.singleShot(50, finish)
                return
            seen["second_ok"] = dialog.report.ok
            dialog.accept()

        finish()

    on_modal(doctor, wait=lambda w: not isinstance(w, DoctorDialog) or w.busy or w.report is None)
    panel.test_connection(store.connection(host.id))
    assert seen["first"] == "certificate-not-trusted"
    fp = store.connection(host.id).pinned_sha256
    assert len(fp) == 64 and fp[:8].upper() in seen["confirm_text"].replace(":", "")
    assert seen["second_ok"] is True
    assert "trusted by fingerprint" in panel.details.toPlainText() or panel.select("host", host.id) is None


def test_declining_the_trust_confirmation_pins_nothing(qtbot, ctx, doctor_lab):
    store = ctx.connections
    g = store.add_group("Contoso", username=doctor_lab.username, password=doctor_lab.password)
    host = add_lab_host(store, doctor_lab, "HV-TLS-NAME", g.id)
    panel = ConnectionsPanel(ctx)
    qtbot.addWidget(panel)

    def doctor(dialog):
        on_modal(lambda box: click(box, "Cancel"), wait=lambda w: w is dialog)
        dialog.trust_button.click()
        dialog.accept()

    on_modal(doctor, wait=lambda w: not isinstance(w, DoctorDialog) or w.busy or w.report is None)
    panel.test_connection(store.connection(host.id))
    assert store.connection(host.id).pinned_sha256 == ""


def test_add_cluster_finds_its_nodes(qtbot, ctx, seed_lab):
    store = ctx.connections
    g = store.add_group("Contoso", username=seed_lab.username, password=seed_lab.password)
    dialog = ConnectionDialog(ctx, kind="cluster", group_id=g.id)
    qtbot.addWidget(dialog)
    ep = seed_lab.endpoint("HVCLU01")
    dialog.name.setText("HVCLU01")
    dialog.address.setText(ep.address)
    dialog.transport.setCurrentIndex(dialog.transport.findData("http"))
    dialog.port.setValue(ep.port)
    qtbot.mouseClick(dialog.find_nodes, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.discovered is not None, timeout=60000)
    assert [dialog.nodes_list.item(i).text() for i in range(dialog.nodes_list.count())] == ["HV01 — Up", "HV02 — Up"]
    assert "2 node(s)" in dialog.nodes_status.text()
    dialog._save()
    cluster = store.find_host("HVCLU01")
    assert cluster.kind == "cluster" and [n.name for n in store.nodes_of(cluster.id)] == ["HV01", "HV02"]
    assert all(store.resolve(n).credential_from == "Contoso" for n in store.nodes_of(cluster.id))


def test_demo_refreshes_cluster_nodes_on_open(qtbot):
    ctx = AppContext.create_demo()
    try:
        win = MainWindow(ctx)
        qtbot.addWidget(win)
        win.show()
        panel = win.connections
        qtbot.waitUntil(lambda: panel.status.text().startswith("Cluster nodes read"), timeout=60000)
        assert "HVCLU01: no changes" in panel.status.text()
        texts = "\n".join(panel.visible_texts())
        assert "HVCLU01  (cluster)" in texts and "    HV01 | from Demo lab (seed)" in texts
        # F5 on the cluster refreshes it again
        panel.select("cluster", ctx.connections.find_host("HVCLU01").id)
        panel.tree.setFocus()
        qtbot.keyClick(panel.tree, Qt.Key.Key_F5)
        qtbot.waitUntil(lambda: not panel.refresh_task.running, timeout=60000)
        win.close()
    finally:
        ctx.close()


def test_import_from_the_panel_reports_and_shows_the_result(qtbot, ctx, tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("name,group,password\nhv10,Fabrikam / Munich,secret\nbad host,Fabrikam,\n")
    panel = ConnectionsPanel(ctx)
    qtbot.addWidget(panel)
    box = panel.import_path(path)
    assert "1 connection(s) imported" in box.text() and "never imports passwords" in box.text()
    assert "spaces" in box.text()
    box.close()
    assert "    hv10 | no credentials" in panel.visible_texts()


def test_menu_key_opens_the_menu_on_the_current_item(qtbot, ctx):
    store = ctx.connections
    h = store.add_connection(Connection(id="", name="hv01"))
    panel = ConnectionsPanel(ctx)
    qtbot.addWidget(panel)
    show_active(qtbot, panel)
    shown = {}

    def grab_popup():
        popup = QApplication.activePopupWidget()
        if popup is None:
            QTimer.singleShot(50, grab_popup)
            return
        shown["actions"] = [a.text() for a in popup.actions()]
        shown["pos"] = popup.pos()
        popup.close()

    panel.select("host", h.id)
    QTimer.singleShot(0, grab_popup)
    panel._context_menu(QPoint(0, 0))  # what Qt sends for the keyboard's menu key
    assert "&Test connection…" in shown["actions"]
    item_rect = panel.tree.visualItemRect(panel.tree.currentItem())
    assert panel.tree.viewport().mapFromGlobal(shown["pos"]) == item_rect.center(), "the menu opens at the item"
