"""NTLM over HTTP: the negotiate message goes with the first request (one round trip less per host than
requests-ntlm's probe-first handshake), a host that does not take it still gets the usual handshake, the
LM hash is not derived for NTLMv2, and a diagnosis deletes every host's shell before it reports."""

from __future__ import annotations

import pytest

from hvassist.remote import errors as E
from hvassist.remote.ntlm import _credential
from hvassist.remote.session import HostSession
from hvassist.services.diagnosis import HostTarget, diagnose_hosts


def _count(lab, host):
    server = lab.hosts[host].server
    server.request_count = 0
    seen = []
    server.hooks.before_request = lambda action, body: seen.append(action)
    return server, seen


def test_logon_takes_two_requests_then_the_script_five(seed_lab):
    server, seen = _count(seed_lab, "HV01")
    with HostSession(seed_lab.endpoint("HV01"), seed_lab.username, seed_lab.password) as s:
        assert s.run_json("probe-host")
    assert seen == ["auth", "auth", "Create", "Command", "Send", "Receive", "Delete"]
    assert server.request_count == 7, "negotiate, authenticate, then the WinRM requests: no unauthenticated probe"


def test_a_host_that_ignores_the_first_negotiate_still_gets_the_usual_handshake(seed_lab, monkeypatch):
    from hvassist.lab import wsman

    original = wsman._RequestHandler._ntlm_step
    refused = []

    def step(self):
        if not getattr(self, "_refused_once", False) and self.headers.get("Authorization"):
            self._refused_once = True  # once per connection, as a server that wants its own 401 first
            refused.append(self.headers["Authorization"][:21])
            self._send(401, headers=[("WWW-Authenticate", "Negotiate")])
            return False
        return original(self)

    monkeypatch.setattr(wsman._RequestHandler, "_ntlm_step", step)
    server, seen = _count(seed_lab, "HV01")
    with HostSession(seed_lab.endpoint("HV01"), seed_lab.username, seed_lab.password) as s:
        assert s.run_json("probe-host")
    assert refused == ["Negotiate TlRMTVNTUAA"], "the first request carried NTLM's negotiate message (NTLMSSP)"
    assert [a for a in seen if a != "auth"] == ["Create", "Command", "Send", "Receive", "Delete"]
    assert server.request_count == 8


def test_a_wrong_password_is_still_a_plain_authentication_error(seed_lab):
    with pytest.raises(E.AuthenticationFailed), \
            HostSession(seed_lab.endpoint("HV01"), seed_lab.username, "not the password") as s:
        s.run_json("probe-host")


def test_ntlmv2_logs_on_with_the_nt_hash_alone_and_ntlmv1_keeps_the_password(monkeypatch):
    import spnego

    monkeypatch.delenv("LM_COMPAT_LEVEL", raising=False)
    cred, password = _credential("CONTOSO\\admin", "Passw0rd")
    assert isinstance(cred, spnego.NTLMHash) and password is None
    assert cred.nt_hash == "a87f3a337d73085c45f9416be5787d86" and cred.lm_hash is None  # MD4(UTF-16LE)
    monkeypatch.setenv("LM_COMPAT_LEVEL", "1")
    assert _credential("CONTOSO\\admin", "Passw0rd") == ("CONTOSO\\admin", "Passw0rd")


def test_a_diagnosis_deletes_every_shell_before_it_reports(seed_lab):
    actions = {h: _count(seed_lab, h)[1] for h in seed_lab.host_names()}
    targets = [HostTarget(seed_lab.endpoint(h), seed_lab.username, seed_lab.password) for h in seed_lab.host_names()]
    result = diagnose_hosts(targets)
    assert all(h.ok for h in result.hosts)
    for h in seed_lab.host_names():
        assert actions[h][-1] == "Delete", (h, actions[h])
        assert seed_lab.hosts[h].server.shells == {}
