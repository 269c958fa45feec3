"""The lean WinRM client (``hvassist.remote.lean``): its messages are byte for byte pywinrm's, its answers
are read as pywinrm reads them, and sessions over it behave as before (logon, encryption, errors, cancel)."""

from __future__ import annotations

import base64
import threading
import time
import uuid

import pytest
from winrm.protocol import Protocol

from hvassist.remote import errors as E
from hvassist.remote.lean import LeanNtlmTransport, LeanProtocol, _receive_output
from hvassist.remote.session import HostSession

FIXED = uuid.UUID("0f0e0d0c-0b0a-0908-0706-050403020100")
RELATES = ('<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/'
           '2004/08/addressing" xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell" '
           'xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"><s:Header><a:RelatesTo>uuid:%s</a:RelatesTo>'
           '</s:Header><s:Body><rsp:Shell><w:Selector Name="ShellId">SHELL-1</w:Selector></rsp:Shell>'
           '<rsp:CommandResponse><rsp:CommandId>CMD-1</rsp:CommandId></rsp:CommandResponse></s:Body></s:Envelope>'
           % FIXED).encode()


def _capture(proto):
    sent = []

    def send_message(message):
        sent.append(message)
        return RELATES

    proto.send_message = send_message
    return sent


@pytest.fixture
def both(monkeypatch):
    import winrm.protocol

    import hvassist.remote.lean

    monkeypatch.setattr(winrm.protocol.uuid, "uuid4", lambda: FIXED)
    monkeypatch.setattr(hvassist.remote.lean.uuid, "uuid4", lambda: FIXED)
    theirs = Protocol("http://hv01:5985/wsman", transport="ntlm", username="u", password="p", read_timeout_sec=30,
                      operation_timeout_sec=2, message_encryption="never", proxy=None)
    ours = LeanProtocol("http://hv01:5985/wsman", "u", "p", 30, 2)
    return _capture(theirs), theirs, _capture(ours), ours


@pytest.mark.parametrize("call", [
    lambda p: p.open_shell(codepage=65001, noprofile=True),
    lambda p: p.open_shell(),
    lambda p: p.run_command("SHELL-1", "powershell.exe", ["-NoLogo", "-EncodedCommand", "JABQAHIAbwBn+/="]),
    lambda p: p.run_command("SHELL-1", "cmd <&> \"x\"", ["a&b", "'c'"], console_mode_stdin=False),
    lambda p: p.run_command("SHELL-1", "hostname"),
    lambda p: p.send_command_input("SHELL-1", "CMD-1", "script text\0\0\0\0eyJhIjogMX0=", end=True),
    lambda p: p.send_command_input("SHELL-1", "CMD-1", b"\x00\xffbytes", end=False),
    lambda p: p.get_command_output_raw("SHELL-1", "CMD-1"),
    lambda p: p.cleanup_command("SHELL-1", "CMD-1"),
    lambda p: p.close_shell("SHELL-1", close_session=False),
])
def test_messages_are_byte_for_byte_pywinrms(both, call):
    theirs_sent, theirs, ours_sent, ours = both
    try:
        expected = call(theirs)
    except StopIteration:  # pywinrm looks for answer parts the canned answer lacks; the message was sent
        expected = None
    try:
        got = call(ours)
    except (StopIteration, Exception):  # noqa: BLE001 - as above
        got = None
    assert len(theirs_sent) == len(ours_sent) == 1
    assert ours_sent[0] == theirs_sent[0]
    if expected is not None:
        assert got == expected


def _receive_answer(streams, state):
    parts = "".join('<rsp:Stream Name="%s" CommandId="C">%s</rsp:Stream>' % (n, base64.b64encode(d).decode())
                    for n, d in streams)
    parts += '<rsp:Stream Name="stdout" CommandId="C" End="true"></rsp:Stream>'
    return ('<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:rsp="http://schemas.microsoft.com/'
            'wbem/wsman/1/windows/shell"><s:Body><rsp:ReceiveResponse>%s%s</rsp:ReceiveResponse></s:Body>'
            '</s:Envelope>' % (parts, state)).encode()


@pytest.mark.parametrize("answer", [
    _receive_answer([("stdout", b"one "), ("stderr", b"err"), ("stdout", b"two")],
                    '<rsp:CommandState CommandId="C" State="http://schemas.microsoft.com/wbem/wsman/1/windows/shell/'
                    'CommandState/Done"><rsp:ExitCode>3</rsp:ExitCode></rsp:CommandState>'),
    _receive_answer([("stdout", "é".encode())],
                    '<rsp:CommandState CommandId="C" State="http://schemas.microsoft.com/wbem/wsman/1/windows/shell/'
                    'CommandState/Running"/>'),
    _receive_answer([], '<rsp:CommandState CommandId="C" State="http://schemas.microsoft.com/wbem/wsman/1/windows/'
                        'shell/CommandState/Done"><rsp:ExitCode>0</rsp:ExitCode></rsp:CommandState>'),
])
def test_output_is_read_as_pywinrm_reads_it(answer):
    p = Protocol("http://hv01:5985/wsman", transport="ntlm", username="u", password="p", message_encryption="never")
    p.send_message = lambda message: answer
    assert _receive_output(answer) == p.get_command_output_raw("S", "C")


def test_sessions_over_http_with_ntlm_use_the_lean_client(seed_lab):
    server = seed_lab.hosts["HV01"].server
    server.request_count = 0
    with HostSession(seed_lab.endpoint("HV01"), seed_lab.username, seed_lab.password) as s:
        assert s.run_json("probe-host")["name"] == "HV01"
        assert isinstance(s._protocol.transport, LeanNtlmTransport)
        assert s.run_json("probe-host")["name"] == "HV01"
    assert server.request_count == 2 + 4 + 5, "logon, Create Command Send Receive, Signal Command Send Receive Delete"
    assert server.shells == {}


def test_a_connection_the_host_closed_is_opened_and_logged_on_again(seed_lab):
    server = seed_lab.hosts["HV01"].server
    with HostSession(seed_lab.endpoint("HV01"), seed_lab.username, seed_lab.password) as s:
        assert s.run_json("probe-host")["name"] == "HV01"
        conn = s._protocol.transport._conn
        conn.sock.shutdown(2)  # as if the host had dropped the idle connection
        conn.sock.close()
        conn.sock = None
        assert s.run_json("probe-host")["name"] == "HV01"
    assert server.shells == {}


def test_plain_text_replies_are_refused(seed_lab):
    seed_lab.hosts["HV01"].server.hooks.message_encryption = "plaintext_replies"
    with pytest.raises(E.InsecureTransportRefused), \
            HostSession(seed_lab.endpoint("HV01"), seed_lab.username, seed_lab.password) as s:
        s.run_json("probe-host")


def test_a_host_refusing_encrypted_messages_is_a_plain_error(seed_lab):
    seed_lab.hosts["HV01"].server.hooks.message_encryption = "refused"
    with pytest.raises(E.RemoteError) as info, \
            HostSession(seed_lab.endpoint("HV01"), seed_lab.username, seed_lab.password) as s:
        s.run_json("probe-host")
    assert "415" in info.value.message


def test_cancel_interrupts_a_long_wait_at_once(seed_lab):
    """A cancel closes the connection under the Receive that is waiting for the host, rather than waiting for
    the WS-Man operation timeout (two minutes here)."""
    from hvassist.cancel import CancelToken
    from hvassist.remote.endpoint import Timeouts

    gate = threading.Event()
    seed_lab.hosts["HV01"].server.hooks.on_command_start = lambda io: gate.wait(300)
    cancel = CancelToken()
    errors = []

    def work():
        try:
            with HostSession(seed_lab.endpoint("HV01"), seed_lab.username, seed_lab.password, cancel=cancel,
                             timeouts=Timeouts(operation=120)) as s:
                s.run_json("probe-host")
        except E.RemoteError as e:
            errors.append(e)

    t = threading.Thread(target=work)
    t.start()
    try:
        time.sleep(0.5)
        cancel.cancel()
        t.join(60)
        assert not t.is_alive(), "still waiting for the host after the cancel"
        assert [e.kind for e in errors] == ["cancelled"]
    finally:
        gate.set()
        t.join(30)
