"""Screenshots of the connection manager and the connection doctor against the 'doctor' lab scenario.

Run: QT_QPA_PLATFORM=offscreen uv run python scripts/shoot_connections.py [OUTDIR]
Under .ci/keyring-session.sh the passwords go to a real Secret Service (the label says so); otherwise they
are held in memory and the label says that instead. A throwaway HVASSIST_HOME is used either way.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["HVASSIST_HOME"] = tempfile.mkdtemp(prefix="hvassist-shots-")

from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from hvassist.appcontext import AppContext, lab_node_overrides  # noqa: E402
from hvassist.connections import Connection  # noqa: E402
from hvassist.gui.app import make_application  # noqa: E402
from hvassist.gui.connection_dialog import ConnectionDialog  # noqa: E402
from hvassist.gui.doctor_dialog import DoctorDialog  # noqa: E402
from hvassist.gui.group_dialog import GroupDialog  # noqa: E402
from hvassist.gui.main_window import MainWindow  # noqa: E402
from hvassist.lab.model import load_scenario  # noqa: E402
from hvassist.lab.runtime import start_lab  # noqa: E402
from hvassist.lab.wsman import register_ntlm_users  # noqa: E402
from hvassist.services.cluster_discovery import refresh_clusters  # noqa: E402


def dark_palette():
    from PySide6.QtGui import QColor, QPalette

    p = QPalette()
    for role, colour in [(QPalette.ColorRole.Window, "#2b2b2b"), (QPalette.ColorRole.WindowText, "#e8e8e8"),
                         (QPalette.ColorRole.Base, "#1e1e1e"), (QPalette.ColorRole.AlternateBase, "#2b2b2b"),
                         (QPalette.ColorRole.Text, "#e8e8e8"), (QPalette.ColorRole.Button, "#353535"),
                         (QPalette.ColorRole.ButtonText, "#e8e8e8"), (QPalette.ColorRole.Highlight, "#2f65ca"),
                         (QPalette.ColorRole.HighlightedText, "#ffffff"),
                         (QPalette.ColorRole.PlaceholderText, "#9a9a9a")]:
        p.setColor(role, QColor(colour))
    return p


def wait_until(cond, timeout_ms: int = 60000) -> None:
    waited = 0
    while not cond():
        QTest.qWait(50)
        waited += 50
        if waited > timeout_ms:
            raise TimeoutError("timed out")


def build(ctx: AppContext, lab) -> dict[str, str]:
    store = ctx.connections
    ids: dict[str, str] = {}

    def host(name: str, group: str, **kw) -> None:
        ep = lab.endpoint(name)
        c = store.add_connection(Connection(id="", name=name, group=group, address=ep.address, port=ep.port,
                                            transport=ep.transport, ca_file=ep.ca_file, **kw),
                                 password=kw.get("username") and "Legacy-Admin-Pass1")
        ids[name] = c.id

    contoso = store.add_group("Contoso", username="CONTOSO\\hvadmin", password=lab.password)
    berlin = store.add_group("Berlin", parent=contoso.id)
    hamburg = store.add_group("Hamburg", parent=contoso.id)
    ep = lab.endpoint("HVCLU-DOC")
    cluster = store.add_connection(Connection(id="", name="HVCLU-DOC", kind="cluster", group=berlin.id,
                                              address=ep.address, port=ep.port, transport=ep.transport,
                                              ca_file=ep.ca_file))
    ids["HVCLU-DOC"] = cluster.id
    refresh_clusters(store, overrides=lambda n: lab_node_overrides(lab, n))
    host("HV-LEGACY", berlin.id, username="legacyadmin")
    host("HV-TLS-CA", hamburg.id)
    host("HV-NOT-ADMIN", hamburg.id)
    host("HV-HVADMIN", hamburg.id)
    fabrikam = store.add_group("Fabrikam")
    host("HV-DNS", fabrikam.id)
    host("HV-TLS-EXPIRED", fabrikam.id)
    ids.update(contoso=contoso.id, berlin=berlin.id, fabrikam=fabrikam.id)
    return ids


def main(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    app = make_application()  # noqa: F841 - keeps the application alive
    lab = start_lab(load_scenario("doctor"))
    register_ntlm_users({"legacyadmin": "Legacy-Admin-Pass1"})  # HV-LEGACY's own account
    ctx = AppContext.create()
    try:
        ids = build(ctx, lab)
        win = MainWindow(ctx)
        win.resize(1280, 800)
        win.show()
        panel = win.connections
        wait_until(lambda: panel.status.text().startswith("Cluster nodes read"))
        QTest.qWait(200)
        panel.select("host", ids["HV-LEGACY"])
        panel.tree.setFocus()
        QTest.qWait(100)
        win.grab().save(str(out / "01-connection-tree.png"))

        panel.search.setText("hamburg")
        QTest.qWait(100)
        win.grab().save(str(out / "02-search.png"))
        panel.search.clear()

        g = GroupDialog(ctx, win, group=ctx.connections.group(ids["contoso"]), focus_credentials=True)
        g.show()
        QTest.qWait(150)
        g.grab().save(str(out / "03-customer-credentials.png"))
        g.reject()

        d = ConnectionDialog(ctx, win, conn=ctx.connections.connection(ids["HV-LEGACY"]))
        d.show()
        QTest.qWait(150)
        d.grab().save(str(out / "04-host-own-credentials.png"))
        d.reject()

        ep = lab.endpoint("HVCLU-DOC")
        c = ConnectionDialog(ctx, win, kind="cluster", group_id=ids["fabrikam"])
        c.name.setText("HVCLU-DOC")
        c.address.setText(ep.address)
        c.port.setValue(ep.port)
        c.own.setChecked(True)
        c.user.setText("hvadmin")
        c.password.setText(lab.password)
        c._lab_ca = ep.ca_file
        c.show()
        c._find_nodes()
        wait_until(lambda: c.task is not None and not c.task.running)
        QTest.qWait(150)
        c.grab().save(str(out / "05-add-cluster-nodes.png"))
        c.reject()

        def doctor(name: str, filename: str, slow: bool = False) -> DoctorDialog:
            r = ctx.connections.resolve(ctx.connections.connection(ids.get(name)) or ctx.connections.find_host(name))
            if slow:
                lab.hosts[name].server.hooks.before_request = lambda action, body: time.sleep(0.4)
            dlg = DoctorDialog(r.endpoint, r.username, r.password, win, on_trust=lambda fp: None)
            dlg.show()
            if slow:
                wait_until(lambda: dlg.progress.value() >= 4)
                QTest.qWait(50)
                dlg.grab().save(str(out / "06-doctor-running.png"))
                lab.hosts[name].server.hooks.before_request = None
            wait_until(lambda: not dlg.busy)
            QTest.qWait(150)
            dlg.grab().save(str(out / filename))
            return dlg

        doctor("HV-OK", "07-doctor-all-passed.png", slow=True).accept()
        tls = doctor("HV-TLS-CA", "08-doctor-certificate-not-trusted.png")

        def grab_confirm() -> None:
            box = QApplication.activeModalWidget()
            if box is not None:
                box.grab().save(str(out / "09-trust-certificate-confirm.png"))
                box.reject()

        QTimer.singleShot(400, grab_confirm)
        tls.trust_certificate()
        tls.accept()
        doctor("HV-NOT-ADMIN", "10-doctor-not-admin.png").accept()
        doctor("HV-DNS", "11-doctor-name-not-found.png").accept()
        doctor("HV-HVADMIN", "12-doctor-warning.png").accept()

        # the same in a dark theme
        app.setStyle("Fusion")
        app.setPalette(dark_palette())
        win.connections.refresh()
        QTest.qWait(100)
        win.grab().save(str(out / "13-connection-tree-dark.png"))
        doctor("HV-TLS-EXPIRED", "14-doctor-expired-dark.png").accept()
        win.close()
    finally:
        ctx.close()
        lab.stop()
    QApplication.processEvents()
    print("screenshots in", out)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots/connections")))
