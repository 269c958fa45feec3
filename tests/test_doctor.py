"""The connection doctor against the lab: one host per failing step (resources/scenarios/doctor.toml) names
that step and the fix; healthy hosts pass every step; pinning, policy refusals and cancel."""

from __future__ import annotations

import dataclasses
import json

import pytest

from hvassist.cancel import CancelToken
from hvassist.cli import main
from hvassist.lab.model import ScenarioError, load_scenario
from hvassist.lab.runtime import start_lab
from hvassist.remote import errors as E
from hvassist.remote.auth_support import auth_support
from hvassist.remote.session import HostSession
from hvassist.services.doctor import FAIL, NOT_RUN, PASS, SKIPPED, STEPS, WARN, run_doctor

STEP_IDS = [s for s, _ in STEPS]


@pytest.fixture(scope="module")
def lab():
    lab = start_lab("doctor")
    try:
        yield lab
    finally:
        lab.stop()


def doctor(lab, host, **changes):
    ep = dataclasses.replace(lab.endpoint(host), **changes)
    return run_doctor(ep, lab.username, lab.password)


# host, the step it fails at, the kind of failure, words the fix must contain
FAILING = [
    ("HV-DNS", "resolve", "name-not-resolved", ["spelling", "nslookup"]),
    ("HV-PORT", "port", "connection-refused", ["winrm quickconfig", "Firewall"]),
    ("HV-TLS-CA", "tls", "certificate-not-trusted", ["fingerprint", "Trust this certificate"]),
    ("HV-TLS-NAME", "tls", "certificate-name-mismatch", ["name the certificate carries"]),
    ("HV-TLS-EXPIRED", "tls", "certificate-expired", ["Renew", "CertificateThumbprint"]),
    ("HV-NOT-WINRM", "wsman", "winrm-not-available", ["winrm enumerate winrm/config/listener"]),
    ("HV-AUTH", "auth", "authentication-failed", ["DOMAIN\\user", "password"]),
    ("HV-UNENCRYPTED", "encryption", "encryption-refused", ["HTTPS", "AllowUnencrypted"]),
    ("HV-CLEARTEXT", "encryption", "insecure-transport-refused", ["HTTPS", "proxy"]),
    ("HV-NO-SHELL", "powershell", "access-denied", ["Administrators", "LocalAccountTokenFilterPolicy"]),
    ("HV-NO-PS", "powershell", "powershell-missing", ["PATH", "WindowsPowerShell"]),
    ("HV-NO-MODULE", "hyperv", "hyperv-module-missing", ["Install-WindowsFeature Hyper-V-PowerShell"]),
    ("HV-NO-ROLE", "hyperv", "hyperv-role-missing", ["Install-WindowsFeature Hyper-V"]),
    ("HV-NOT-ADMIN", "permission", "not-admin", ["net localgroup Administrators"]),
]


@pytest.mark.parametrize("host,step,kind,fix_words", FAILING, ids=[f[0] for f in FAILING])
def test_each_fault_stops_at_its_step_with_the_fix(lab, host, step, kind, fix_words):
    report = doctor(lab, host)
    failed = report.failed
    assert failed is not None and failed.id == step, report.as_text()
    assert failed.kind == kind
    assert not report.ok
    for word in fix_words:
        assert word.lower() in failed.action.lower(), (word, failed.action)
    assert failed.evidence, "a failure cites what it saw"
    index = STEP_IDS.index(step)
    for before in report.steps[:index]:
        assert before.status in (PASS, SKIPPED), before
    for after in report.steps[index + 1:]:
        assert after.status == NOT_RUN and "earlier step failed" in after.message
    assert lab.password not in json.dumps(report.to_json())
    assert failed.title in report.summary and "step %d" % (index + 1) in report.summary


def test_every_step_has_a_failing_lab_host():
    assert {step for _, step, _, _ in FAILING} == set(STEP_IDS)


@pytest.mark.parametrize("host", ["HV-OK", "HV-OK-HTTP", "HV-LEGACY"])
def test_healthy_hosts_pass_every_step(lab, host):
    report = doctor(lab, host)
    assert report.ok, report.as_text()
    https = lab.endpoint(host).transport == "https"
    for s in report.steps:
        expected = SKIPPED if s.id == "tls" and not https else PASS
        assert s.status == expected, s
        if s.status == PASS:
            assert s.evidence, s
    assert "All checks passed" in report.summary


def test_http_host_proves_its_messages_were_encrypted(lab):
    step = doctor(lab, "HV-OK-HTTP").step("encryption")
    assert any("reply: HTTP 200, multipart/encrypted" in e for e in step.evidence), step.evidence


def test_2008r2_host_is_managed_through_wmi_v1(lab):
    report = doctor(lab, "HV-LEGACY")
    assert "PowerShell 2.0" in report.step("powershell").message
    assert "root\\virtualization" in report.step("hyperv").message


def test_hyperv_administrators_only_is_a_warning(lab):
    report = doctor(lab, "HV-HVADMIN")
    assert report.ok and report.step("permission").status == WARN
    assert "local Administrators" in report.step("permission").action


def test_trusting_the_fingerprint_explicitly_lets_the_untrusted_host_pass(lab):
    first = doctor(lab, "HV-TLS-CA")
    fp = first.failed.fingerprint
    assert len(fp) == 64 and any(fp[:8].upper() in e.replace(":", "") for e in first.failed.evidence)
    pinned = doctor(lab, "HV-TLS-CA", pinned_sha256=fp)
    assert pinned.ok, pinned.as_text()
    assert "trusted this certificate explicitly" in pinned.step("tls").message


def test_a_changed_certificate_is_refused_with_a_clear_warning(lab):
    report = doctor(lab, "HV-OK", pinned_sha256="ab" * 32)
    tls = report.failed
    assert tls.id == "tls" and tls.kind == "certificate-changed"
    assert "CHANGED" in tls.message and "Do not continue" in tls.action
    assert any(e.startswith("presented now:") for e in tls.evidence)


def test_basic_over_http_is_refused_without_sending_the_password(lab):
    server = lab.hosts["HV-OK-HTTP"].server
    before = server.request_count
    report = doctor(lab, "HV-OK-HTTP", auth="basic")
    assert report.step("auth").status == SKIPPED
    assert report.failed.id == "encryption" and report.failed.kind == "insecure-transport-refused"
    assert server.request_count - before == 2, "only the two anonymous WS-Management probes reached the host"


def test_credssp_needs_explicit_opt_in(lab):
    report = doctor(lab, "HV-OK", auth="credssp")
    assert report.failed.id == "auth"
    if auth_support("credssp").available:
        assert report.failed.kind == "credssp-not-allowed"
    else:
        assert report.failed.kind == "method-not-available" and "requests-credssp" in report.failed.message


def test_kerberos_says_when_it_is_not_installed(lab):
    report = doctor(lab, "HV-OK", auth="kerberos")
    assert report.failed.id == "auth"
    support = auth_support("kerberos")
    if support.available:
        assert report.failed.kind == "kerberos-needs-name"  # the lab is reached by IP address
    else:
        assert report.failed.kind == "method-not-available"
        assert "pykerberos" in report.failed.message and "NTLM" in report.failed.action


def test_missing_credentials_are_named(lab):
    report = run_doctor(lab.endpoint("HV-OK"), "", None)
    assert report.failed.id == "auth" and report.failed.kind == "no-credentials"


def test_cancel_stops_between_steps(lab):
    cancel = CancelToken()
    seen = []

    def on_step(step):
        seen.append((step.id, step.status))
        if step.id == "port" and step.status == PASS:
            cancel.cancel()

    report = run_doctor(lab.endpoint("HV-OK"), lab.username, lab.password, cancel=cancel, on_step=on_step)
    assert report.cancelled and not report.ok and report.failed is None
    assert report.step("port").status == PASS
    assert all(s.status == NOT_RUN for s in report.steps[2:])
    assert ("resolve", "running") in seen


def test_session_refuses_clear_text_replies_over_http(lab):
    with pytest.raises(E.InsecureTransportRefused, match="clear text"):
        with HostSession(lab.endpoint("HV-CLEARTEXT"), lab.username, lab.password) as s:
            s.run_json("probe-host")


def test_session_refuses_credssp_without_opt_in(lab):
    ep = dataclasses.replace(lab.endpoint("HV-OK"), auth="credssp")
    with pytest.raises(E.InsecureTransportRefused, match="CredSSP"):
        HostSession(ep, "u", "p")


def test_anonymous_identify_hides_the_os_version(lab):
    import requests

    ep = lab.endpoint("HV-OK-HTTP")
    r = requests.post(ep.url, data=b"<s:Envelope><s:Body><wsmid:Identify/></s:Body></s:Envelope>",
                      headers={"WSMANIDENTIFY": "unauthenticated"}, timeout=10)
    assert r.status_code == 200 and b"OS: 0.0.0" in r.content and b"6.3.9600" not in r.content


def test_unknown_or_misplaced_faults_are_scenario_errors():
    for faults, words in [({"tls": "wrong"}, "takes"), ({"no_such_fault": True}, "unknown fault")]:
        estate = load_scenario("seed")
        estate.host("HV01").faults = faults
        with pytest.raises(ScenarioError, match=words):
            start_lab(estate).stop()
    estate = load_scenario("seed")
    estate.host("HV01").transport = "http"
    estate.host("HV01").faults = {"tls": "expired"}
    with pytest.raises(ScenarioError, match="HTTPS listener"):
        start_lab(estate).stop()


# -- the command line ---------------------------------------------------------------------------------------
def test_cli_json_names_the_failed_step(capsys):
    assert main(["doctor", "HV-TLS-EXPIRED", "--lab", "doctor", "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["failed_step"] == "tls" and doc["ok"] is False
    tls = next(s for s in doc["steps"] if s["id"] == "tls")
    assert tls["status"] == FAIL and "expired" in tls["message"] and tls["action"]


def test_cli_text_for_a_healthy_host(capsys):
    assert main(["doctor", "HV-OK", "--lab", "doctor"]) == 0
    out = capsys.readouterr().out
    assert out.count("[ OK ]") == 9 and "All checks passed" in out


def test_cli_trust_fingerprint(capsys):
    assert main(["doctor", "HV-TLS-CA", "--lab", "doctor", "--json"]) == 1
    fp = json.loads(capsys.readouterr().out)["steps"][2]["fingerprint"]
    # the lab restarts with a new certificate, so a fingerprint from an earlier run is a changed one
    assert main(["doctor", "HV-TLS-CA", "--lab", "doctor", "--json", "--trust-fingerprint", fp]) == 1
    assert json.loads(capsys.readouterr().out)["steps"][2]["kind"] == "certificate-changed"


def test_cli_unknown_lab_host(capsys):
    assert main(["doctor", "NOPE", "--lab", "doctor"]) == 2
    assert "no host NOPE" in capsys.readouterr().err


def test_cli_uses_a_saved_connection_and_remembers_a_trusted_certificate(lab, capsys, monkeypatch):
    from hvassist.connections import Connection, ConnectionStore
    from hvassist.credentials import CredentialStore

    store = ConnectionStore.default(CredentialStore(memory_only=True))
    group = store.add_group("Contoso", username=lab.username)
    ep = lab.endpoint("HV-TLS-CA")
    saved = store.add_connection(Connection(id="", name="HV-TLS-CA", group=group.id, address=ep.address,
                                            port=ep.port, transport="https", ca_file=ep.ca_file))
    # no keyring in this process: the password comes from the environment instead of a prompt
    monkeypatch.setenv("HVASSIST_PASSWORD", lab.password)
    monkeypatch.setattr("getpass.getpass", lambda *a: pytest.fail("asked for a password"))
    assert main(["doctor", "hv-tls-ca", "--json"]) == 1
    first = json.loads(capsys.readouterr().out)
    assert first["failed_step"] == "tls" and first["username"] == lab.username
    fp = first["steps"][2]["fingerprint"]
    assert main(["doctor", "HV-TLS-CA", "--json", "--trust-fingerprint", fp.upper()]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True
    again = ConnectionStore.default(CredentialStore(memory_only=True))
    assert again.connection(saved.id).pinned_sha256 == fp, "the explicitly trusted certificate is remembered"
    assert main(["doctor", "HV-TLS-CA", "--json"]) == 0
