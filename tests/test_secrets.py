"""A full diagnose-and-fix session must leave the password in no file the app wrote, no log line and no
exception text."""

from __future__ import annotations

import logging

from hvassist.appcontext import AppContext
from hvassist.cancel import CancelToken
from hvassist.connections import Connection
from hvassist.flows.diagnose_flow import DiagnoseFlow
from hvassist.lab.model import load_scenario
from hvassist.lab.runtime import start_lab
from hvassist.logsetup import setup_logging

PASSWORD = "Zebra-Quartz-7391-secret"


def test_password_never_written(hvassist_home, caplog):
    estate = load_scenario("seed")
    estate.credentials.password = PASSWORD
    lab = start_lab(estate)
    root = logging.getLogger()
    handlers_before = list(root.handlers)
    caplog.set_level(logging.DEBUG)
    errors: list[str] = []
    try:
        import hvassist.logsetup as ls

        ls._configured = False
        setup_logging(verbosity=2)
        ctx = AppContext.create()
        group = ctx.connections.add_group("Customer A", username=lab.username, password=PASSWORD)
        for name in lab.host_names():
            ep = lab.endpoint(name)
            ctx.connections.add_connection(Connection(id="", name=name, group=group.id, address=ep.address,
                                                      port=ep.port, transport=ep.transport, auth=ep.auth))
        # a wrong password once, to exercise the error path
        bad = ctx.connections.add_connection(Connection(id="", name="HV01-bad", address="127.0.0.1",
                                                        port=lab.endpoint("HV01").port, transport="http",
                                                        username="hvadmin"), password=PASSWORD + "-wrong")
        flow = DiagnoseFlow(ctx.host_targets(), ctx.audit)
        flow.select_hosts([t.name for t in flow.available])
        diagnosis = flow.collect(CancelToken())
        errors += [h.error.plain() + repr(h.error.to_dict()) for h in diagnosis.hosts if h.error]
        assert any(h.error and h.error.kind == "authentication-failed" for h in diagnosis.hosts)
        flow.select_finding(next(f for f in diagnosis.findings if f.cause == "no-scsi-controller"))
        flow.prepare_fix()
        flow.confirmed = True
        outcome = flow.apply(CancelToken())
        assert outcome is not None and outcome.verified
        ctx.connections.remove_connection(bad.id)
        logging.getLogger("hvassist.test").debug("password is %s", PASSWORD)  # a careless log line
    finally:
        for h in list(root.handlers):
            if h not in handlers_before:
                root.removeHandler(h)
                h.close()
        lab.stop()
    written = [p for p in hvassist_home.rglob("*") if p.is_file()]
    assert any(p.name == "audit.jsonl" for p in written) and any(p.name == "hvassist.log" for p in written)
    hits = [str(p) for p in written if PASSWORD.encode() in p.read_bytes()]
    hits += ["log: " + r.getMessage() for r in caplog.records if PASSWORD in r.getMessage()]
    hits += ["error: " + e for e in errors if PASSWORD in e]
    assert hits == []
    log_text = (hvassist_home / "logs" / "hvassist.log").read_text()
    assert "password is ***" in log_text, "the careless line was logged, redacted"
