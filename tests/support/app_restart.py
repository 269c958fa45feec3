"""Run as a separate process by tests/test_keyring.py, to show that a real restart of the app keeps the
connections and needs no password again. Reads its instructions as JSON on stdin (passwords never on the
command line), prints one JSON line.

Modes:
  setup    create a customer with credentials and three hosts under it, one with its own credentials
  restart  open the app's saved state as a fresh start would, run the doctor on every host with the stored
           credentials, and render the main window's connection tree
  probe    report where passwords are kept, then try to save one (locked / absent keyring checks)
"""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def setup(args: dict) -> dict:
    from hvassist.appcontext import AppContext
    from hvassist.connections import Connection

    ctx = AppContext.create()
    store = ctx.connections
    group = store.add_group("Contoso", username=args["group_user"], password=args["group_password"])
    for h in args["hosts"]:
        own = h.get("user")
        store.add_connection(Connection(id="", name=h["name"], group=group.id, address=h["address"], port=h["port"],
                                        transport=h["transport"], ca_file=h["ca_file"], username=own or ""),
                             password=h.get("password") if own else None)
    return {"backend": ctx.credentials.backend_description, "persistent": ctx.credentials.persistent,
            "ids": [group.id] + [c.id for c in store.connections]}


def restart(args: dict) -> dict:
    from hvassist.appcontext import AppContext
    from hvassist.services.doctor import run_doctor

    ctx = AppContext.create()
    store = ctx.connections
    hosts = {}
    for c in store.connections:
        r = store.resolve(c)
        report = run_doctor(r.endpoint, r.username, r.password)
        hosts[c.name] = {"ok": report.ok, "user": r.username, "from": r.credential_from,
                         "has_password": r.password is not None, "summary": report.summary,
                         "ran_as": report.step("powershell").message}
    out = {"backend": ctx.credentials.backend_description, "backend_name": ctx.credentials.backend_name,
           "missing": [m.connection.name for m in store.missing_passwords()], "hosts": hosts}
    if args.get("gui"):
        from hvassist.gui.app import make_application
        from hvassist.gui.main_window import MainWindow

        app = make_application()
        win = MainWindow(ctx)
        win.resize(1180, 760)
        win.show()
        app.processEvents()
        panel = win.connections
        out["tree"] = panel.visible_texts()
        out["keyring_label"] = panel.keyring_label.text()
        if args.get("screenshot"):
            win.grab().save(args["screenshot"])
        win.close()
    ctx.close()
    return out


def probe(args: dict) -> dict:
    from hvassist.credentials import CredentialStore

    store = CredentialStore()
    before = {"persistent": store.persistent, "backend": store.backend_description}
    store.set_password("credential:probe-test", args["password"])
    return {"before": before, "persistent": store.persistent, "backend": store.backend_description,
            "backend_name": store.backend_name, "read_back": store.get_password("credential:probe-test") == args[
                "password"]}


if __name__ == "__main__":
    mode = sys.argv[1]
    request = json.loads(sys.stdin.read() or "{}")
    result = {"setup": setup, "restart": restart, "probe": probe}[mode](request)
    print(json.dumps(result))
