"""A full scripted session leaves the password nowhere: add a connection with a password, diagnose (healthy and
failing hosts: refused, TLS not trusted, 401, a cut connection, broken XML and JSON, a restart during a fix),
run the connection doctor, look inside guests with a guest password, fix, finish an interrupted fix, export the
connections, write the report as HTML, PDF and ticket text, all with logging at DEBUG (third-party loggers too).
Then every file under the app's config, data, log and cache folders, the reports, the captured log records, the
console output and every exception text are searched for the passwords (as text, UTF-16 and base64): zero hits.

tests/test_secrets.py is the short version of this; tests/test_keyring.py covers the real Secret Service."""

from __future__ import annotations

import base64
import dataclasses
import logging
import shutil
import subprocess

import pytest
from support.reliability import TALLY, TIMEOUTS, count

from hvassist.appcontext import AppContext
from hvassist.cancel import CancelToken
from hvassist.connections import Connection
from hvassist.connections_io import export_file
from hvassist.flows.diagnose_flow import DiagnoseFlow
from hvassist.lab.model import load_scenario
from hvassist.lab.runtime import start_lab
from hvassist.logsetup import setup_logging
from hvassist.report import build_report, render_html, render_print_html, render_ticket_text
from hvassist.report.render import write_file
from hvassist.services.diagnosis import GuestCredentials, HostTarget, diagnose_hosts
from hvassist.services.doctor import run_doctor

pytestmark = pytest.mark.timeout(600)

PASSWORD = "Quokka-Lantern-5821-secret"
WRONG = "Quokka-Lantern-5821-wrong"
GUEST_PASSWORD = "Heron-Marble-3307-guest"  # passed to PowerShell Direct as a script parameter, never registered
SECRETS = [PASSWORD, WRONG, GUEST_PASSWORD]


def _forms(secret: str) -> list[bytes]:
    """The ways a secret could end up in a file: as text, UTF-16 (Windows APIs), base64 (an HTTP Basic header)."""
    raw = secret.encode()
    forms = [raw, secret.encode("utf-16-le"), base64.b64encode(raw)]
    forms += [base64.b64encode(b"%s:%s" % (u, raw)) for u in (b"hvadmin", b"vmadmin", b"CONTOSO\\hvadmin")]
    return forms


@pytest.fixture
def logging_at_debug():
    import hvassist.logsetup as ls

    root = logging.getLogger()
    before = list(root.handlers)
    levels = {n: logging.getLogger(n).level for n in ("urllib3", "requests_ntlm", "spnego", "winrm", "hvassist")}
    ls._configured = False
    setup_logging(verbosity=2)
    for name in levels:  # louder than the app would ever be
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield
    finally:
        for h in list(root.handlers):
            if h not in before:
                root.removeHandler(h)
                h.close()
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
        ls._configured = False


def test_a_whole_session_leaves_no_password_anywhere(hvassist_home, tmp_path, caplog, capsys, qapp,
                                                     logging_at_debug):
    caplog.set_level(logging.DEBUG)
    errors: list[str] = []  # every exception text the user could see

    def keep(err) -> None:
        if err is not None:
            errors.extend([err.plain(), str(err), repr(err), repr(err.to_dict())])

    estate = load_scenario("unreliable")
    estate.credentials.password = PASSWORD
    lab = start_lab(estate)
    guest_estate = load_scenario("all-faults")
    guest_estate.credentials.password = PASSWORD
    guest_estate.guest_credentials.password = GUEST_PASSWORD
    guest_lab = start_lab(guest_estate, transport="http")
    reports = tmp_path / "reports"
    reports.mkdir()
    try:
        ctx = AppContext.create()
        group = ctx.connections.add_group("Customer A", username=lab.username, password=PASSWORD)
        names = ["HV-OK1", "HV-OK2", "HV-REBOOT", "HV-REFUSED", "HV-TLS-CA", "HV-CUT", "HV-XML-BAD", "HV-JSON-BAD",
                 "HV-PS-ERROR", "HV-NOT-UTF8"]
        for name in names:
            ep = lab.endpoint(name)
            ctx.connections.add_connection(Connection(id="", name=name, group=group.id, address=ep.address,
                                                      port=ep.port, transport=ep.transport, auth=ep.auth))
        ep = lab.endpoint("HV-OK2")  # a host with its own, wrong password: 401
        ctx.connections.add_connection(Connection(id="", name="hv-ok2-again", address=ep.address, port=ep.port,
                                                  transport=ep.transport, username=lab.username), password=WRONG)
        export_file(ctx.connections, ctx.paths.data / "connections-export.csv")
        export_file(ctx.connections, ctx.paths.data / "connections-export.json")

        # the connection doctor, on a healthy host and on the certificate nobody trusts
        for name in ("HV-OK1", "HV-TLS-CA", "HV-401"):
            report = run_doctor(lab.endpoint(name), lab.username, PASSWORD, timeouts=TIMEOUTS)
            errors.append(report.as_text())
            errors.append(repr(report.to_json()))

        # diagnose everything saved
        flow = DiagnoseFlow(ctx.host_targets(), ctx.audit, timeouts=TIMEOUTS)
        flow.select_hosts([t.name for t in flow.available])
        diagnosis = flow.collect(CancelToken())
        for h in diagnosis.hosts:
            keep(h.error)
        kinds = {h.host: h.error.kind for h in diagnosis.hosts if h.error}
        assert kinds["hv-ok2-again"] == "authentication-failed" and kinds["HV-CUT"] == "connection-lost"
        assert len(kinds) == 8, kinds

        # a fix that works, and one the host's restart interrupts, finished afterwards
        for vm in ("APP01", "SQL01"):
            flow.select_finding(next(f for f in diagnosis.findings if f.vm == vm and f.cause == "no-scsi-controller"))
            flow.prepare_fix()
            flow.confirmed = True
            outcome = flow.apply(CancelToken())
            keep(flow.fix_error)
            if vm == "SQL01":
                info = flow.interruption()
                assert info is not None
                errors += [info.message(), info.what_to_do()]
                keep(info.error)
                assert lab.hosts["HV-REBOOT"].server.wait_answering(30)
                flow.step = flow.step.__class__.VERIFY
                flow.reopen_apply()
                outcome = flow.finish_fix(CancelToken())
            assert outcome is not None and outcome.verified, (vm, flow.fix_error)

        # inside guests: PowerShell Direct carries the guest password as a script parameter
        target = HostTarget(guest_lab.endpoint("hv19-n1"), guest_lab.username, PASSWORD,
                            guest=GuestCredentials(guest_lab.guest_username, GUEST_PASSWORD),
                            resolve=guest_lab.endpoint)
        wrong_guest = dataclasses.replace(target, endpoint=guest_lab.endpoint("hv12-n1"),
                                          guest=GuestCredentials(guest_lab.guest_username, GUEST_PASSWORD + "x"))
        guest_diagnosis = diagnose_hosts([target, wrong_guest], timeouts=TIMEOUTS)
        assert guest_diagnosis.hosts[0].ok and guest_diagnosis.hosts[0].snapshot.guests
        for h in guest_diagnosis.hosts:
            keep(h.error)
            for g in (h.snapshot.guests.values() if h.snapshot else ()):
                errors.append(repr(g))

        # the report, as HTML, PDF and ticket text
        from hvassist.gui.pdf import html_to_pdf

        report = build_report(flow.diagnosis, ctx.audit.entries())
        write_file(reports / "report.html", render_html(report))
        pdf = html_to_pdf(render_print_html(report))
        write_file(reports / "report.pdf", pdf)
        write_file(reports / "ticket.txt", render_ticket_text(report))
        if shutil.which("pdftotext"):
            text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(reports / "report.pdf"), "-"],
                                  capture_output=True, check=True).stdout
            write_file(reports / "report-pdf.txt", text)
        logging.getLogger("hvassist.test").debug("careless: password is %s", PASSWORD)
    finally:
        lab.stop()
        guest_lab.stop()

    out, err = capsys.readouterr()
    places = {}
    for folder in [*ctx.paths.all_dirs(), reports]:
        for p in folder.rglob("*"):
            if p.is_file():
                places[str(p)] = p.read_bytes()
    assert any(p.endswith("audit.jsonl") for p in places) and any(p.endswith("hvassist.log") for p in places)
    assert any(p.endswith("report.pdf") for p in places) and any("connections-export" in p for p in places)
    places["captured log records"] = "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records).encode()
    places["console"] = (out + err).encode()
    places["exception texts"] = "\n".join(errors).encode()
    hits = [(where, form) for where, data in places.items() for s in SECRETS for form in _forms(s) if form in data]
    count("places searched for the passwords", len(places))
    TALLY["secret hits"] += len(hits)
    assert hits == [], hits
    log_text = (ctx.paths.app_log).read_text(encoding="utf-8")
    assert "careless: password is ***" in log_text, "the careless line was logged, blanked"
    assert "DEBUG" in log_text, "logging really was at DEBUG"
