"""Faults injected by the lab, one host each (resources/scenarios/unreliable.toml, hvassist/lab/faults.py).

For every fault: a clear message (what happened, what to do; no traceback, no secret), no crash, no hang past the
configured timeout (an upper bound with a generous margin), and the other hosts of the same diagnosis complete.
Cancel works at any point: while connecting, while collecting, and (test_interrupted_fix.py) during a fix step.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import pytest
from support.reliability import MARGIN, TIMEOUTS, assert_clear, count, injected, targets

from hvassist.cancel import CancelToken
from hvassist.cli import main
from hvassist.lab import faults
from hvassist.remote.endpoint import Timeouts
from hvassist.report import build_report, render_html
from hvassist.services.diagnosis import diagnose_hosts
from hvassist.services.doctor import FAIL, run_doctor

pytestmark = pytest.mark.timeout(900)


@dataclass(frozen=True)
class Case:
    host: str
    fault: str
    value: object
    kind: str  # the RemoteError kind the user sees
    says: tuple[str, ...]  # words of the message (what happened)
    do: tuple[str, ...]  # words of the action (what to do)


CASES = [
    Case("HV-REFUSED", "port", "closed", "connection-refused", ("refused the connection",), ("winrm quickconfig",)),
    Case("HV-NO-DNS", "dns", "unresolvable", "name-not-resolved", ("could not be found in DNS",), ("spelling",)),
    Case("HV-NO-ANSWER", "network", "no_answer", "timed-out", ("No answer from",), ("firewall",)),
    Case("HV-SLOW", "slow", 30, "timed-out", ("stopped answering",), ("try again",)),
    Case("HV-TLS-CA", "tls", "untrusted", "certificate-not-trusted", ("not trusted", "SHA-256 fingerprint"),
         ("Trust this certificate",)),
    Case("HV-TLS-NAME", "tls", "wrong_name", "certificate-name-mismatch", ("not issued for the name",),
         ("name the certificate carries",)),
    Case("HV-TLS-EXPIRED", "tls", "expired", "certificate-expired", ("expired",), ("Renew",)),
    Case("HV-401", "auth", "always_fails", "authentication-failed", ("user name or password",), ("password",)),
    Case("HV-DENIED", "shell", "access_denied", "access-denied", ("Access is denied",), ("administrator",)),
    Case("HV-QUOTA", "shell", "quota_exceeded", "winrm-fault", ("too many open remote shells",),
         ("Close other remote sessions",)),
    Case("HV-OPTIMEOUT", "receive", "operation_timeout", "timed-out", ("did not finish within 10 seconds",),
         ("overloaded",)),
    Case("HV-CUT", "receive", "closed_mid_response", "connection-lost", ("broke off",), ("network",)),
    Case("HV-XML-CUT", "receive", "truncated_xml", "output-not-understood", ("not valid XML",), ("proxy",)),
    Case("HV-XML-BAD", "receive", "malformed_xml", "output-not-understood", ("not valid XML",), ("proxy",)),
    Case("HV-JSON-CUT", "output", "truncated_json", "output-not-understood", ("stopped before the end",),
         ("MaxMemoryPerShellMB",)),
    Case("HV-JSON-BAD", "output", "invalid_json", "output-not-understood",
         ("other text in front of its data", "Loaded HPE 3PAR"), ("PowerShell module",)),
    Case("HV-PS-ERROR", "output", "exception", "script-failed", ("collect-host failed", "0x80041033"),
         ("PowerShell's message",)),
    Case("HV-50MB", "output", "50mb", "output-not-understood", ("more than 16 MB",), ("unusual number",)),
    Case("HV-NOT-UTF8", "output", "invalid_utf8", "output-not-understood", ("not valid UTF-8",), ("encoding",)),
]
IDS = [c.host for c in CASES]
HEALTHY = ["HV-OK1", "HV-OK2"]


def test_the_scenario_injects_exactly_these_faults(unreliable):
    for case in CASES:
        assert unreliable.estate.host(case.host).faults == {case.fault: case.value}, case.host
        assert case.value in faults.FAULTS[case.fault].values
    assert unreliable.estate.host("HV-REBOOT").faults == {"reboot": "during_fix"}


def test_every_fault_value_of_the_lab_is_exercised_somewhere():
    """Every (fault, value) the lab knows is injected by this suite or by the connection doctor's scenario."""
    from hvassist.lab.model import load_scenario

    used = {(n, v) for c in ("unreliable", "doctor") for h in load_scenario(c).hosts for n, v in h.faults.items()}
    known = {(f.name, v) for f in faults.FAULTS.values() for v in f.values}
    assert known <= used, known - used


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_fault_is_explained_and_the_other_hosts_complete(unreliable, case):
    lab = unreliable
    started = time.monotonic()
    diagnosis = diagnose_hosts(targets(lab, [case.host, *HEALTHY]), timeouts=TIMEOUTS)
    elapsed = time.monotonic() - started
    print("%s: %.1f s" % (case.host, elapsed))
    assert elapsed < TIMEOUTS.script + TIMEOUTS.request + MARGIN, "no hang past the configured timeout"
    bad, ok1, ok2 = diagnosis.hosts
    assert not bad.ok and bad.snapshot is None and bad.error is not None
    assert bad.error.kind == case.kind, bad.error.to_dict()
    assert_clear(bad.error, secrets=[lab.password], message_words=list(case.says), action_words=list(case.do))
    assert ok1.ok and [f.vm for f in ok1.findings if f.cause == "no-scsi-controller"] == ["APP01"]
    assert ok2.ok and ok2.snapshot is not None and [v.name for v in ok2.snapshot.vms] == ["WEB01"]
    assert diagnosis.exit_code == 2
    # the report names the host that could not be checked, why and what to do, next to the others' findings
    report = build_report(diagnosis, [])
    unchecked = {u.name: u for u in report.unchecked}
    assert unchecked[case.host].reason == bad.error.message and unchecked[case.host].what_to_do == bad.error.action
    html = render_html(report)
    assert "APP01" in html and lab.password not in html
    injected(case.fault, case.value)
    count("fault cases diagnosed (one faulty host + two healthy)")


@pytest.mark.parametrize("case", [c for c in CASES if c.fault in ("network", "slow", "receive", "shell")],
                         ids=lambda c: c.host)
def test_the_connection_doctor_names_the_failing_step(unreliable, case):
    """The doctor (Test connection) on the same hosts: no crash, no hang, a failed step with a message."""
    lab = unreliable
    started = time.monotonic()
    report = run_doctor(lab.endpoint(case.host), lab.username, lab.password, timeouts=TIMEOUTS)
    assert time.monotonic() - started < TIMEOUTS.script + 2 * TIMEOUTS.request + MARGIN
    failed = report.failed
    assert failed is not None and failed.status == FAIL, report.as_text()
    assert failed.message and failed.action and "Traceback" not in report.as_text()
    assert lab.password not in report.as_text()


def test_cli_reports_every_fault_in_plain_words(unreliable, capsys):
    """``hvassist diagnose`` over the whole scenario: exit code 2, one paragraph per host that could not be
    checked, the healthy hosts' findings, and not one traceback."""
    code = main(["diagnose", "--lab", "unreliable", "--timeout", "4", "--script-timeout", "10"])
    out, err = capsys.readouterr()
    assert code == 2
    for case in CASES:
        assert "%s: could not be diagnosed." % case.host in out
    assert "APP01" in out and "Traceback" not in out + err


# -- cancel --------------------------------------------------------------------------------------------------------
LONG = Timeouts(connect_read=60, operation=1, script=120)  # longer than any wait below: only Cancel can end them


def _diagnose_in_background(lab, names, timeouts, progress=None):
    cancel = CancelToken()
    box: dict[str, object] = {}

    def work():
        try:
            box["result"] = diagnose_hosts(targets(lab, names), cancel=cancel, timeouts=timeouts, progress=progress)
        except BaseException as e:  # the test fails on it below
            box["error"] = e

    t = threading.Thread(target=work, daemon=True)
    t.start()
    return cancel, t, box


def _cancel_and_wait(cancel, thread, box):
    cancelled_at = time.monotonic()
    cancel.cancel()
    thread.join(MARGIN + 10)
    waited = time.monotonic() - cancelled_at
    assert not thread.is_alive(), "the diagnosis did not end after Cancel"
    assert "error" not in box, box.get("error")
    assert waited < MARGIN, "Cancel took %.1f s" % waited
    return box["result"], waited


def test_cancel_while_connecting_to_a_host_that_does_not_answer(unreliable):
    connecting = threading.Event()

    def progress(host, message):
        if host == "HV-NO-ANSWER" and message == "Connecting":
            connecting.set()

    cancel, t, box = _diagnose_in_background(unreliable, ["HV-NO-ANSWER", "HV-SLOW"], LONG, progress)
    assert connecting.wait(10)
    time.sleep(0.5)  # well inside the TCP connect, which only a 60 s timeout would end
    diagnosis, waited = _cancel_and_wait(cancel, t, box)
    for h in diagnosis.hosts:
        assert h.error is not None and h.error.kind == "cancelled", h.error
        assert_clear(h.error, secrets=[unreliable.password])
    count("cancel points tried")


def test_cancel_while_collecting(unreliable):
    """The collection runs on the host (its command started) but its output never comes."""
    server = unreliable.hosts["HV-OPTIMEOUT"].server
    before = server.command_count
    cancel, t, box = _diagnose_in_background(unreliable, ["HV-OPTIMEOUT", "HV-OK1"], LONG)
    deadline = time.monotonic() + 15
    while server.command_count == before and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.command_count > before, "the collection started on the host"
    time.sleep(1.5)  # a Receive or two have timed out on the host meanwhile
    diagnosis, _ = _cancel_and_wait(cancel, t, box)
    stuck, ok1 = diagnosis.hosts
    assert stuck.error is not None and stuck.error.kind == "cancelled"
    assert ok1.ok or (ok1.error is not None and ok1.error.kind == "cancelled")
    count("cancel points tried")


POINTS = ["connecting", "collecting", "late"]


@pytest.mark.parametrize("point", POINTS)
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_cancel_at_any_point(unreliable, case, point):
    """Whatever the fault and wherever the diagnosis is, Cancel ends it promptly and every host is reported
    as done, failed with its own fault, or cancelled."""
    lab = unreliable
    said: dict[str, threading.Event] = {"Connecting": threading.Event(), "Collecting": threading.Event()}

    def progress(host, message):
        if host == case.host:
            for key, ev in said.items():
                if message.startswith(key):
                    ev.set()

    cancel, t, box = _diagnose_in_background(lab, [case.host, "HV-OK1"], LONG, progress)
    if point == "connecting":
        said["Connecting"].wait(10)
    elif point == "collecting":
        said["Collecting"].wait(10)
        time.sleep(0.2)
    else:
        time.sleep(1.5)
    diagnosis, _ = _cancel_and_wait(cancel, t, box)
    bad, ok1 = diagnosis.hosts
    assert bad.error is not None and bad.error.kind in (case.kind, "cancelled"), bad.error.to_dict()
    assert_clear(bad.error, secrets=[lab.password])
    assert ok1.ok or (ok1.error is not None and ok1.error.kind == "cancelled")
    count("cancel points tried")
