"""A lean client for the common case: WinRM over HTTP with NTLM logon and message encryption.

pywinrm sends every WinRM message through requests and urllib3 and builds it with xmltodict. For a
diagnosis that is most of the client's own CPU time per host (about 1 ms of Python per HTTP request,
about 0.5 ms per message built), and with many hosts answering at once that CPU time, serialised by the
GIL, is what the last host waits for. This module does the same exchanges with ``http.client`` on one
kept-alive connection, builds the messages from templates, and keeps pywinrm's ``Protocol`` (and so its
answer parsing and SOAP fault handling) for everything else:

* ``LeanProtocol`` produces byte for byte the messages pywinrm's ``Protocol`` would (a test compares them);
* ``LeanNtlmTransport`` replaces pywinrm's ``Transport``: NTLM logon with the negotiate message in the first
  request (two round trips, see ``hvassist.remote.ntlm``), MS-WSMV message encryption as pywinrm does it,
  every reply checked to be encrypted, and the errors pywinrm/requests would raise (so
  ``hvassist.remote.session.translate_exception`` words them the same way). A connection the host closed
  between two requests is opened again and logged on again before the next message is encrypted.

Kerberos, CredSSP, Basic and HTTPS keep pywinrm's transport.
"""

from __future__ import annotations

import base64
import http.client
import select
import socket
import struct
import uuid
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import urlsplit
from xml.sax.saxutils import escape, quoteattr

import requests
import spnego
from winrm.exceptions import InvalidCredentialsError, WinRMError, WinRMTransportError
from winrm.protocol import Protocol

from hvassist.remote import errors as E
from hvassist.remote.ntlm import SCHEME, _credential

BOUNDARY = b"--Encrypted Boundary"
ENCRYPTED_PROTOCOL = b"application/HTTP-SPNEGO-session-encrypted"
ENCRYPTED_CONTENT_TYPE = 'multipart/encrypted;protocol="%s";boundary="Encrypted Boundary"' % (
    ENCRYPTED_PROTOCOL.decode())
USER_AGENT = "Python WinRM client"  # as pywinrm, so that the host's logs look the same

RESOURCE_CMD = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd"
SHELL_NS = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
ACTION_CREATE = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create"
ACTION_DELETE = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete"
ACTION_COMMAND = SHELL_NS + "/Command"
ACTION_SEND = SHELL_NS + "/Send"
ACTION_RECEIVE = SHELL_NS + "/Receive"
ACTION_SIGNAL = SHELL_NS + "/Signal"
SIGNAL_TERMINATE = SHELL_NS + "/signal/terminate"

# pywinrm's Protocol.build_wsman_header as xmltodict.unparse prints it
_ENVELOPE_OPEN = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<env:Envelope xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" '
    'xmlns:b="http://schemas.dmtf.org/wbem/wsman/1/cimbinding.xsd" '
    'xmlns:n="http://schemas.xmlsoap.org/ws/2004/09/enumeration" '
    'xmlns:x="http://schemas.xmlsoap.org/ws/2004/09/transfer" '
    'xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" '
    'xmlns:p="http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd" '
    'xmlns:rsp="http://schemas.microsoft.com/wbem/wsman/1/windows/shell" '
    'xmlns:cfg="http://schemas.microsoft.com/wbem/wsman/1/config">'
    "<env:Header><a:To>http://windows-host:5985/wsman</a:To><a:ReplyTo><a:Address mustUnderstand=\"true\">"
    "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:Address></a:ReplyTo>"
    '<w:MaxEnvelopeSize mustUnderstand="true">153600</w:MaxEnvelopeSize>'
)


class LeanProtocol(Protocol):
    """pywinrm's ``Protocol`` with the messages built from templates and a ``LeanNtlmTransport``."""

    def __init__(self, endpoint: str, username: str, password: str, read_timeout_sec: int,
                 operation_timeout_sec: int) -> None:
        super().__init__(endpoint, transport="ntlm", username=username, password=password,
                         read_timeout_sec=read_timeout_sec, operation_timeout_sec=operation_timeout_sec,
                         message_encryption="always", proxy=None)
        self.transport = LeanNtlmTransport(endpoint, username, password, read_timeout_sec)  # type: ignore[assignment]

    # -- messages ------------------------------------------------------------------------------------
    def _envelope(self, action: str, shell_id: str | None, message_id: uuid.UUID, options: str, body: str) -> str:
        header = [_ENVELOPE_OPEN, "<a:MessageID>uuid:%s</a:MessageID>" % message_id,
                  '<w:Locale mustUnderstand="false" xml:lang="en-US"></w:Locale>'
                  '<p:DataLocale mustUnderstand="false" xml:lang="en-US"></p:DataLocale>',
                  "<w:OperationTimeout>PT%dS</w:OperationTimeout>" % int(self.operation_timeout_sec),
                  '<w:ResourceURI mustUnderstand="true">%s</w:ResourceURI>' % RESOURCE_CMD,
                  '<a:Action mustUnderstand="true">%s</a:Action>' % action]
        if shell_id:
            header.append('<w:SelectorSet><w:Selector Name="ShellId">%s</w:Selector></w:SelectorSet>'
                          % escape(shell_id))
        header.append(options)
        header.append("</env:Header><env:Body>%s</env:Body></env:Envelope>" % body)
        return "".join(header)

    @staticmethod
    def _options(*options: tuple[str, str]) -> str:
        return "<w:OptionSet>%s</w:OptionSet>" % "".join('<w:Option Name=%s>%s</w:Option>' % (quoteattr(n), escape(v))
                                                         for n, v in options)

    def open_shell(self, i_stream: str = "stdin", o_stream: str = "stdout stderr",
                   working_directory: str | None = None, env_vars: dict[str, str] | None = None,
                   noprofile: bool = False, codepage: int = 437, lifetime: None = None,
                   idle_timeout: str | int | None = None) -> str:
        if working_directory or env_vars or idle_timeout:  # not used by hvassist: pywinrm builds these
            return super().open_shell(i_stream, o_stream, working_directory, env_vars, noprofile, codepage,
                                      lifetime, idle_timeout)
        options = self._options(("WINRS_NOPROFILE", str(noprofile).upper()), ("WINRS_CODEPAGE", str(codepage)))
        body = ("<rsp:Shell><rsp:InputStreams>%s</rsp:InputStreams><rsp:OutputStreams>%s</rsp:OutputStreams>"
                "</rsp:Shell>" % (escape(i_stream), escape(o_stream)))
        res = self.send_message(self._envelope(ACTION_CREATE, None, uuid.uuid4(), options, body))
        return _shell_id(res)

    def run_command(self, shell_id: str, command: str, arguments: Any = (), console_mode_stdin: bool = True,
                    skip_cmd_shell: bool = False) -> str:
        options = self._options(("WINRS_CONSOLEMODE_STDIN", str(console_mode_stdin).upper()),
                                ("WINRS_SKIP_CMD_SHELL", str(skip_cmd_shell).upper()))
        body = "<rsp:CommandLine><rsp:Command>%s</rsp:Command>" % escape(command)
        if arguments:
            args = " ".join(a if isinstance(a, str) else a.decode("utf-8") for a in arguments)
            body += "<rsp:Arguments>%s</rsp:Arguments>" % escape(args)
        body += "</rsp:CommandLine>"
        res = self.send_message(self._envelope(ACTION_COMMAND, shell_id, uuid.uuid4(), options, body))
        return _first_text(res, "CommandId")

    def send_command_input(self, shell_id: str, command_id: str, stdin_input: str | bytes, end: bool = False) -> None:
        if isinstance(stdin_input, str):
            stdin_input = stdin_input.encode("437")  # as pywinrm
        body = ('<rsp:Send><rsp:Stream CommandId=%s Name="stdin" End="%s" xmlns:rsp="%s">%s</rsp:Stream></rsp:Send>'
                % (quoteattr(command_id), "true" if end else "false", SHELL_NS,
                   base64.b64encode(stdin_input).decode("ascii")))
        self.send_message(self._envelope(ACTION_SEND, shell_id, uuid.uuid4(), "", body))

    def get_command_output_raw(self, shell_id: str, command_id: str) -> tuple[bytes, bytes, int, bool]:
        body = ('<rsp:Receive><rsp:DesiredStream CommandId=%s>stdout stderr</rsp:DesiredStream></rsp:Receive>'
                % quoteattr(command_id))
        res = self.send_message(self._envelope(ACTION_RECEIVE, shell_id, uuid.uuid4(), "", body))
        return _receive_output(res)

    def cleanup_command(self, shell_id: str, command_id: str) -> None:
        message_id = uuid.uuid4()
        body = "<rsp:Signal CommandId=%s><rsp:Code>%s</rsp:Code></rsp:Signal>" % (quoteattr(command_id),
                                                                               SIGNAL_TERMINATE)
        res = self.send_message(self._envelope(ACTION_SIGNAL, shell_id, message_id, "", body))
        _check_relates_to(res, message_id)

    def close_shell(self, shell_id: str, close_session: bool = True) -> None:
        message_id = uuid.uuid4()
        try:
            res = self.send_message(self._envelope(ACTION_DELETE, shell_id, message_id, "", ""))
        finally:
            if close_session:
                self.transport.close_session()
        _check_relates_to(res, message_id)


# -- answers (parsed as pywinrm parses them) -------------------------------------------------------------
def _tree(res: bytes) -> Any:
    return ET.fromstring(res)


def _shell_id(res: bytes) -> str:
    root = _tree(res)
    return str(next(node for node in root.findall(".//*") if node.get("Name") == "ShellId").text)


def _first_text(res: bytes, tag_suffix: str) -> str:
    root = _tree(res)
    return str(next(node for node in root.findall(".//*") if node.tag.endswith(tag_suffix)).text)


def _check_relates_to(res: bytes, message_id: uuid.UUID) -> None:
    relates_to = _first_text(res, "RelatesTo")
    if uuid.UUID(relates_to.replace("uuid:", "")) != message_id:
        raise WinRMError("The host's answer does not relate to the request (RelatesTo %s)." % relates_to)


def _receive_output(res: bytes) -> tuple[bytes, bytes, int, bool]:
    root = _tree(res)
    stdout: list[bytes] = []
    stderr: list[bytes] = []
    done = False
    return_code = -1
    for node in root.iter():
        tag = node.tag
        if tag.endswith("Stream"):
            if node.text:
                name = node.attrib.get("Name")
                if name == "stdout":
                    stdout.append(base64.b64decode(node.text.encode("ascii")))
                elif name == "stderr":
                    stderr.append(base64.b64decode(node.text.encode("ascii")))
        elif node.get("State", "").endswith("CommandState/Done"):
            done = True
    if done:
        return_code = int(next(n for n in root.iter() if n.tag.endswith("ExitCode")).text or -1)
    return b"".join(stdout), b"".join(stderr), return_code, done


# -- transport ---------------------------------------------------------------------------------------
class LeanNtlmTransport:
    """The parts of pywinrm's ``Transport`` that ``Protocol`` and ``HostSession`` use, over ``http.client``.
    Not thread-safe, except ``close_session`` (a cancel from another thread aborts a request under way)."""

    session = None  # no requests session (HostSession looks)

    def __init__(self, endpoint: str, username: str, password: str, read_timeout_sec: float) -> None:
        parts = urlsplit(endpoint)
        self.endpoint = endpoint
        self.host = parts.hostname or ""
        self.port = parts.port or 5985
        self.path = parts.path or "/wsman"
        self.username = username
        self.password = password
        self.timeout = read_timeout_sec
        self._conn: http.client.HTTPConnection | None = None
        self._context: Any = None  # the NTLM context of the current connection
        self.encryption = self  # message encryption is always on (pywinrm's attribute name)
        self.protocol_string = ENCRYPTED_PROTOCOL

    # -- connection and logon -------------------------------------------------------------------------
    def build_session(self) -> None:
        """Connect and log on (pywinrm's name for it)."""
        self._connected()

    def close_session(self) -> None:
        conn, self._conn, self._context = self._conn, None, None
        if conn is not None and conn.sock is not None:
            try:
                conn.sock.shutdown(socket.SHUT_RDWR)  # wakes a read under way in another thread
            except OSError:
                pass
        if conn is not None:
            conn.close()

    def _connected(self) -> http.client.HTTPConnection:
        conn = self._conn
        if conn is not None and conn.sock is not None and not _dropped(conn.sock):
            return conn
        self.close_session()
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            conn.connect()
        except TimeoutError as e:
            raise requests.exceptions.ConnectTimeout(e) from e
        except OSError as e:
            raise requests.exceptions.ConnectionError(e) from e
        try:
            conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        self._conn = conn
        self._logon(conn)
        return conn

    def _logon(self, conn: http.client.HTTPConnection) -> None:
        context, status, headers = self._negotiate(conn)
        challenge = _challenge(headers) if status == 401 else None
        if challenge is None and status == 401:  # a host that wants its own 401 first: negotiate once more
            context, status, headers = self._negotiate(conn)
            challenge = _challenge(headers) if status == 401 else None
        if challenge is None:
            if status == 401:
                raise InvalidCredentialsError("the specified credentials were rejected by the server")
            raise WinRMTransportError("http", status, "the host did not start an NTLM logon")
        status, _headers, _body = self._exchange(conn, b"", {"Authorization": "%s %s" % (
            SCHEME, base64.b64encode(context.step(challenge) or b"").decode())})
        if status == 401:
            raise InvalidCredentialsError("the specified credentials were rejected by the server")
        if status >= 300 or not context.complete:
            raise WinRMTransportError("http", status, "the NTLM logon did not complete")
        self._context = context

    def _negotiate(self, conn: http.client.HTTPConnection) -> tuple[Any, int, Any]:
        user, password = _credential(self.username, self.password)
        context = spnego.client(user, password, protocol="ntlm", service="http", hostname=self.host,
                                options=spnego.NegotiateOptions.use_ntlm)
        status, headers, _body = self._exchange(conn, b"", {"Authorization": "%s %s" % (
            SCHEME, base64.b64encode(context.step() or b"").decode())})
        return context, status, headers

    # -- messages ------------------------------------------------------------------------------------
    def send_message(self, message: str | bytes) -> bytes:
        if isinstance(message, str):
            message = message.encode("utf-8")
        conn = self._connected()
        status, headers, body = self._exchange(conn, self._encrypt(message),
                                               {"Content-Type": ENCRYPTED_CONTENT_TYPE})
        content_type = headers.get("content-type", "")
        if status in (200, 500) and body and not content_type.lower().startswith("multipart/encrypted"):
            raise E.InsecureTransportRefused(
                self.host, "The host answered in clear text although hvassist sent an encrypted message "
                "(reply type: %s), so hvassist stopped." % (content_type or "none"),
                "Use HTTPS (port 5986). If you must use HTTP, check that nothing between you and the host (a "
                "proxy or load balancer) answers instead of the host's WinRM service.")
        text = self._decrypt(body) if 'protocol="%s"' % ENCRYPTED_PROTOCOL.decode() in content_type else body
        if status == 401:
            raise InvalidCredentialsError("the specified credentials were rejected by the server")
        if status >= 400:
            raise WinRMTransportError("http", status, text.decode(errors="replace"))
        return text

    def _exchange(self, conn: http.client.HTTPConnection, body: bytes,
                  headers: dict[str, str]) -> tuple[int, Any, bytes]:
        all_headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "identity", "Accept": "*/*",
                       "Connection": "Keep-Alive", "Content-Length": str(len(body))}
        all_headers.update(headers)
        try:
            conn.request("POST", self.path, body=body, headers=all_headers)
            response = conn.getresponse()
            data = response.read()
        except TimeoutError as e:
            self.close_session()
            raise requests.exceptions.ReadTimeout(e) from e
        except (OSError, http.client.HTTPException) as e:
            self.close_session()
            raise requests.exceptions.ConnectionError(e) from e
        if response.will_close:
            self._conn = None  # the host closes it: the next message opens (and logs on) a new one
            conn.close()
        return response.status, response.headers, data

    def _encrypt(self, message: bytes) -> bytes:
        wrapped = self._context.wrap(message, encrypt=True).data
        signature, sealed = wrapped[:16], wrapped[16:]
        return b"".join((BOUNDARY, b"\r\n\tContent-Type: ", ENCRYPTED_PROTOCOL,
                         b"\r\n\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=",
                         str(len(message)).encode(), b"\r\n", BOUNDARY,
                         b"\r\n\tContent-Type: application/octet-stream\r\n",
                         struct.pack("<i", len(signature)), signature, sealed, BOUNDARY, b"--\r\n"))

    def _decrypt(self, body: bytes) -> bytes:
        parts = [p for p in body.split(BOUNDARY + b"\r\n") if p]
        message = b""
        for i in range(0, len(parts) - 1, 2):
            expected = int(parts[i].strip().split(b"Length=")[1])
            payload = parts[i + 1]
            if payload.endswith(BOUNDARY + b"--\r\n"):
                payload = payload[: -len(BOUNDARY + b"--\r\n")]
            payload = payload.replace(b"\tContent-Type: application/octet-stream\r\n", b"", 1)
            sig_len = struct.unpack("<i", payload[:4])[0]
            data = self._context.unwrap(payload[4: 4 + sig_len] + payload[4 + sig_len:]).data
            if len(data) != expected:
                raise WinRMError("Encrypted length from server does not match the expected size, message has "
                                 "been tampered with")
            message += data
        return message


def _challenge(headers: Any) -> bytes | None:
    for value in headers.get_all("WWW-Authenticate") or []:
        for item in value.split(","):
            scheme, _, token = item.strip().partition(" ")
            if scheme.lower() == SCHEME.lower() and token.strip():
                try:
                    return base64.b64decode(token.strip())
                except ValueError:
                    return None
    return None


def _dropped(sock: socket.socket) -> bool:
    """True when the host closed a kept-alive connection (it is readable with nothing sent to us)."""
    try:
        readable, _w, _x = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)
