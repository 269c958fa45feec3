"""The real pywinrm client against the lab: NTLM with message encryption, and HTTPS with validation."""

from __future__ import annotations

import dataclasses

import pytest

from hvassist.lab.runtime import start_lab
from hvassist.remote import errors as E
from hvassist.remote.endpoint import Endpoint
from hvassist.remote.session import HostSession
from hvassist.remote.tls import fetch_certificate_sha256


def test_ntlm_http_encrypts_every_message():
    lab = start_lab("seed", keep_wire_log=True)
    try:
        ep = lab.endpoint("HV01")
        assert ep.transport == "http" and ep.auth == "ntlm"
        with HostSession(ep, lab.username, lab.password) as s:
            doc = s.run_json("collect-host", {"EventDays": 7})
        assert doc["host"]["name"] == "HV01"
        wire = lab.hosts["HV01"].server.wire_log
        bodies = [b for b in wire if b]
        assert bodies, "requests were captured"
        for body in bodies:
            assert body.startswith(b"--Encrypted Boundary"), body[:80]
            for plaintext in (b"Envelope", b"soap", b"hvassist-script", b"VM001", b"ParamsB64", b"wsman"):
                assert plaintext not in body.split(b"application/octet-stream", 1)[-1], plaintext
        # the server saw the decrypted script: it answered with real data
        assert any(v["name"] == "VM001" for v in doc["vms"])
    finally:
        lab.stop()


def test_https_with_certificate_validation(seed_lab_https):
    lab = seed_lab_https
    ep = lab.endpoint("HV01")
    assert ep.url.startswith("https://") and ep.ca_file
    with HostSession(ep, lab.username, lab.password) as s:
        assert s.run_json("probe-host")["name"] == "HV01"


def test_https_untrusted_certificate_is_refused_with_fingerprint(seed_lab_https):
    ep = dataclasses.replace(seed_lab_https.endpoint("HV01"), ca_file="")
    with pytest.raises(E.CertificateNotTrusted) as info:
        with HostSession(ep, seed_lab_https.username, seed_lab_https.password) as s:
            s.run_json("probe-host")
    err = info.value
    expected = fetch_certificate_sha256(ep.connect_address, ep.effective_port)
    assert err.fingerprint == expected
    assert "fingerprint" in err.message.lower()
    assert seed_lab_https.password not in str(err.to_dict())


def test_pinned_fingerprint_is_accepted_and_a_changed_one_refused(seed_lab_https):
    lab = seed_lab_https
    base = dataclasses.replace(lab.endpoint("HV01"), ca_file="")
    fp = fetch_certificate_sha256(base.connect_address, base.effective_port)
    with HostSession(dataclasses.replace(base, pinned_sha256=fp), lab.username, lab.password) as s:
        assert s.run_json("probe-host")["name"] == "HV01"
    wrong = "00" * 32
    with pytest.raises(E.CertificateChanged):
        with HostSession(dataclasses.replace(base, pinned_sha256=wrong), lab.username, lab.password) as s:
            s.run_json("probe-host")


def test_wrong_password_is_authentication_failed(seed_lab):
    with pytest.raises(E.AuthenticationFailed) as info:
        with HostSession(seed_lab.endpoint("HV01"), seed_lab.username, "not-the-password") as s:
            s.run_json("probe-host")
    assert "not-the-password" not in str(info.value.to_dict())


def test_basic_over_http_is_refused_before_connecting():
    ep = Endpoint(host="hv01", transport="http", auth="basic", port=1)
    with pytest.raises(E.InsecureTransportRefused):
        HostSession(ep, "u", "p")


def test_connection_refused_and_name_not_resolved():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(E.ConnectionRefused) as info:
        with HostSession(Endpoint(host="127.0.0.1", port=port, transport="http"), "u", "p") as s:
            s.run_json("probe-host")
    assert "5985" not in info.value.message and str(port) in info.value.message
    with pytest.raises(E.NameNotResolved):
        with HostSession(Endpoint(host="no-such-host.invalid", transport="http"), "u", "p") as s:
            s.run_json("probe-host")


def test_one_shell_and_one_connection_for_several_scripts(seed_lab):
    server = seed_lab.hosts["HV01"].server
    with HostSession(seed_lab.endpoint("HV01"), seed_lab.username, seed_lab.password) as s:
        s.run_json("probe-host")
        s.run_json("collect-host", {})
        assert len(server.shells) == 1
    assert server.command_count == 2
    assert server.shells == {}


def test_non_latin_names_survive_codepage_65001():
    from hvassist.lab.model import load_scenario

    estate = load_scenario("seed")
    estate.host("HV01").vms[1].name = "Сервер-データ-ü’"
    lab = start_lab(estate)
    try:
        with HostSession(lab.endpoint("HV01"), lab.username, lab.password) as s:
            names = [v["name"] for v in s.run_json("collect-host", {})["vms"]]
        assert "Сервер-データ-ü’" in names
    finally:
        lab.stop()


@pytest.mark.parametrize("name", ["admin@hv01", "hv01/wsman?x=", "hv01:5986", "hv01#x", "hv01\\x"])
def test_a_name_that_is_not_a_host_name_is_refused_before_connecting(name):
    """Typed on the command line or left in an old settings file: never a logon at whatever follows the '@'."""
    from hvassist.remote.session import check_transport_policy

    with pytest.raises(E.InvalidHostName) as info:
        check_transport_policy(Endpoint(host=name))
    assert "not a host name" in info.value.message and "User field" in info.value.action
