"""TLS and transport policy, end to end through saved connections and the diagnosis (the session-level checks
are in tests/test_wire.py, the connection doctor's in tests/test_doctor.py):

- certificate validation is on by default (HTTPS, validated; a name mismatch or an expired certificate is refused:
  test_faults.py);
- a certificate nobody trusts is trusted only when the user accepts its SHA-256 fingerprint explicitly; hvassist
  never pins it by itself; once pinned it is checked on every connection, and a changed certificate is refused
  with a clear warning (the pin is not silently replaced);
- Basic over HTTP is refused before anything is sent, and cannot be saved.
"""

from __future__ import annotations

import dataclasses

import pytest
from support.reliability import TIMEOUTS, assert_clear, count, targets

from hvassist.audit import AuditLog
from hvassist.cancel import CancelToken
from hvassist.connections import Connection, ConnectionStore, validate_connection
from hvassist.credentials import CredentialStore
from hvassist.flows.diagnose_flow import DiagnoseFlow
from hvassist.lab.runtime import start_lab
from hvassist.paths import app_paths
from hvassist.remote.endpoint import Endpoint, format_fingerprint
from hvassist.remote.session import make_protocol
from hvassist.remote.tls import fetch_certificate_sha256
from hvassist.services.diagnosis import HostTarget, diagnose_hosts

pytestmark = pytest.mark.timeout(300)


def test_validation_is_on_by_default():
    assert Endpoint(host="hv01").transport == "https"
    assert Connection(id="", name="hv01").transport == "https"
    proto = make_protocol(Endpoint(host="hv01"), "u", "p", TIMEOUTS)
    assert proto.transport.server_cert_validation == "validate"
    pinned = make_protocol(Endpoint(host="hv01", pinned_sha256="ab" * 32), "u", "p", TIMEOUTS)
    assert pinned.transport.server_cert_validation == "ignore", "with a pin, the fingerprint is the check (not a CA)"


def _store(lab, name: str) -> tuple[ConnectionStore, Connection]:
    paths = app_paths().ensure()
    store = ConnectionStore(paths.config / "connections.json", CredentialStore(memory_only=True))
    ep = lab.endpoint(name)
    conn = store.add_connection(Connection(id="", name=name, address=ep.address, port=ep.port,
                                           transport=ep.transport, auth=ep.auth, username=lab.username),
                                password=lab.password)
    return store, conn


def _diagnose(store: ConnectionStore, lab):
    targets = []
    for c in store.connections:
        r = store.resolve(c)
        targets.append(HostTarget(r.endpoint, r.username, r.password or ""))
    flow = DiagnoseFlow(targets, AuditLog(app_paths().audit_log), timeouts=TIMEOUTS)
    flow.select_hosts([t.name for t in targets])
    return flow.collect(CancelToken()).hosts[0]


def test_an_untrusted_certificate_is_trusted_only_by_accepting_its_fingerprint_then_checked_every_time(
        hvassist_home):
    lab = start_lab("unreliable")
    try:
        store, conn = _store(lab, "HV-TLS-CA")
        first = _diagnose(store, lab)
        err = first.error
        assert err is not None and err.kind == "certificate-not-trusted"
        ep = lab.endpoint("HV-TLS-CA")
        presented = fetch_certificate_sha256(ep.connect_address, ep.effective_port)
        assert err.fingerprint == presented and format_fingerprint(presented) in err.message
        assert_clear(err, secrets=[lab.password], action_words=["confirm this fingerprint", "Trust this certificate"])
        assert store.connection(conn.id).pinned_sha256 == "", "nothing is trusted silently"
        assert _diagnose(store, lab).error.kind == "certificate-not-trusted", "and not on the second try either"

        store.pin_certificate(conn.id, err.fingerprint)  # the user compared it and chose 'Trust this certificate'
        for _ in range(2):  # trusted now, every time
            outcome = _diagnose(store, lab)
            assert outcome.ok, outcome.error and outcome.error.to_dict()
    finally:
        lab.stop()

    # the host gets another certificate (a new lab: a new key from another unknown CA)
    lab = start_lab("unreliable")
    try:
        ep = lab.endpoint("HV-TLS-CA")
        store.update_connection(dataclasses.replace(store.connection(conn.id), port=ep.port))
        changed = _diagnose(store, lab)
        err = changed.error
        assert err is not None and err.kind == "certificate-changed"
        assert "CHANGED" in err.message and "Do not continue" in err.action
        new = fetch_certificate_sha256(ep.connect_address, ep.effective_port)
        assert err.fingerprint == new and new != store.connection(conn.id).pinned_sha256
        assert store.connection(conn.id).pinned_sha256 == presented, "the old pin stays until the user decides"
        assert_clear(err, secrets=[lab.password])
    finally:
        lab.stop()
    count("TLS trust decisions checked", 5)


@pytest.mark.parametrize("host", ["HV-TLS-NAME", "HV-TLS-EXPIRED"])
def test_a_pin_is_for_that_certificate_only(unreliable, host):
    """Pinning the fingerprint of another certificate does not make a bad one acceptable."""
    ep = dataclasses.replace(unreliable.endpoint(host), ca_file="",
                             pinned_sha256=fetch_certificate_sha256(*_addr(unreliable, "HV-TLS-CA")))
    outcome = diagnose_hosts([HostTarget(ep, unreliable.username, unreliable.password)], timeouts=TIMEOUTS).hosts[0]
    assert outcome.error is not None and outcome.error.kind == "certificate-changed"


def _addr(lab, name):
    ep = lab.endpoint(name)
    return ep.connect_address, ep.effective_port


def test_basic_over_http_is_refused_before_anything_is_sent_and_cannot_be_saved(unreliable):
    lab = unreliable
    server = lab.hosts["HV-OK1"].server
    before = server.request_count
    basic = dataclasses.replace(lab.endpoint("HV-OK1"), auth="basic")
    assert basic.transport == "http"
    diagnosis = diagnose_hosts([HostTarget(basic, lab.username, lab.password), *targets(lab, ["HV-OK2"])],
                               timeouts=TIMEOUTS)
    refused, ok2 = diagnosis.hosts
    assert refused.error is not None and refused.error.kind == "insecure-transport-refused"
    assert_clear(refused.error, secrets=[lab.password], message_words=["clear text"], action_words=["HTTPS"])
    assert server.request_count == before, "not one request reached the host"
    assert ok2.ok
    problem = validate_connection(Connection(id="", name="hv01", transport="http", auth="basic"))
    assert problem, "a saved connection cannot use Basic"
