"""A WS-Management / WinRS endpoint on loopback that the real pywinrm client talks to.

Reshaped from the reference prototype (``shared/reference/winrm-lab-prototype``):

* commands run in their own thread once their stdin is complete, and write output as they go,
  so a long-running command (a backup watcher) streams;
* ``Receive`` waits up to the request's ``OperationTimeout`` for output and otherwise answers
  the ``TimedOut`` fault, exactly as a Windows listener does (pywinrm retries it);
* the server lock only guards the shell table, never a running command, so hosts and shells
  are served in parallel;
* hooks for the lab's cost model and fault injection (``ServerHooks``).

Authentication: NTLM (pyspnego's acceptor, users from ``NTLM_USER_FILE``) with MS-WSMV message
encryption over HTTP, or over HTTPS with channel binding; Basic only when asked for.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import hashlib
import http.server
import os
import re
import socket
import ssl
import struct
import threading
import time
import uuid
import xml.etree.ElementTree as ET  # noqa: S405 - parses requests from our own loopback clients
from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape as xml_escape

NS = {
    "s": "http://www.w3.org/2003/05/soap-envelope",
    "a": "http://schemas.xmlsoap.org/ws/2004/08/addressing",
    "x": "http://schemas.xmlsoap.org/ws/2004/09/transfer",
    "w": "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd",
    "p": "http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd",
    "rsp": "http://schemas.microsoft.com/wbem/wsman/1/windows/shell",
    "f": "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault",
    "wsmid": "http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd",
}
SHELL_NS = NS["rsp"]
RESOURCE_CMD = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd"
ACTION_CREATE = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Create"
ACTION_DELETE = "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete"
ACTION_COMMAND = SHELL_NS + "/Command"
ACTION_RECEIVE = SHELL_NS + "/Receive"
ACTION_SIGNAL = SHELL_NS + "/Signal"
ACTION_SEND = SHELL_NS + "/Send"
STATE_DONE = SHELL_NS + "/CommandState/Done"
STATE_RUNNING = SHELL_NS + "/CommandState/Running"
SIGNAL_TERMINATE = SHELL_NS + "/signal/terminate"
ANON = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"
ENC_PROTOCOL = "application/HTTP-SPNEGO-session-encrypted"
MIME_BOUNDARY = b"--Encrypted Boundary"

FAULT_TIMED_OUT = 2150858793  # 0x80338029 Receive OperationTimeout (clients retry)
FAULT_INVALID_SELECTORS = 2150858843  # 0x8033805B unknown ShellId / CommandId
FAULT_ACCESS_DENIED = 5
FAULT_SHELL_QUOTA = 2150859173  # 0x803381A5 "maximum number of concurrent shells"

_PS_EXE = re.compile(r"^(?:.*[\\/])?(powershell|pwsh)(\.exe)?$", re.I)
_DURATION = re.compile(r"^PT(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?$")


class WSManFault(Exception):
    """Raised by a handler or hook to answer with a SOAP fault (HTTP 500)."""

    def __init__(self, reason: str, code: int = 2147942402, subcode: str = "w:InternalError",
                 http_status: int = 500) -> None:
        super().__init__(reason)
        self.reason, self.code, self.subcode, self.http_status = reason, code, subcode, http_status


@dataclasses.dataclass
class CommandIO:
    """What a running command sees: its command line, decoded script, stdin, and its output sink."""

    command_line: str
    encoded_script: str | None
    username: str | None
    stdin: bytes
    shell_options: dict[str, str]
    _sink: _Command

    @property
    def codepage(self) -> str:
        return self.shell_options.get("WINRS_CODEPAGE", "437")

    def encode(self, text: str) -> bytes:
        """Text as the console writes it in the shell's codepage (unmappable characters become '?')."""
        cp = self.codepage
        return text.encode("utf-8" if cp == "65001" else "cp" + cp, errors="replace")

    def write(self, data: str | bytes, stream: str = "stdout") -> None:
        self._sink.append(stream, data if isinstance(data, bytes) else self.encode(data))

    @property
    def cancelled(self) -> bool:
        return self._sink.cancelled.is_set()

    @property
    def age(self) -> float:
        """Seconds since the client's Command request created this command (its process started then)."""
        return time.monotonic() - self._sink.created

    def wait_cancelled(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True if the client terminated the command meanwhile."""
        return self._sink.cancelled.wait(seconds)

    def restart_host_after(self, seconds: float) -> None:
        """The host restarts once this command's output has reached the client: from the client's next request
        on it answers nothing for ``seconds`` (connections are dropped), then comes back without its shells."""
        self._sink.restart_after = seconds


# A handler runs a command to completion (writing through io) and returns its exit code.
Handler = Callable[[CommandIO], int]


@dataclasses.dataclass
class ServerHooks:
    """Cost model and fault injection; the lab's estate configures these per host (``lab/faults.py``).
    Every hook is inert by default."""

    before_request: Callable[[str, bytes], None] | None = None  # (action or "auth", body); may raise WSManFault
    on_command_start: Callable[[CommandIO], None] | None = None  # e.g. PowerShell start cost
    bytes_per_second: float = 0.0  # 0 = unlimited
    round_trip_seconds: float = 0.0  # per HTTP request, per new TCP connection, per TLS handshake
    # (path) -> (status, headers, body) to answer an HTTP request before WinRM sees it, or None
    http_override: Callable[[str], tuple[int, list[tuple[str, str]], bytes] | None] | None = None
    login_allowed: Callable[[str], bool] | None = None  # after a successful handshake; False = 401
    # "required" (Windows default, AllowUnencrypted=false), "refused" (encrypted messages answered with
    # HTTP 415, clear text accepted) or "plaintext_replies" (encrypted requests answered in clear text)
    message_encryption: str = "required"
    reply_delay: float = 0.0  # seconds every request waits before it is answered (a host that answers late)
    # (action, the SOAP reply before encryption) -> what is sent instead (truncated or malformed XML)
    mangle_reply: Callable[[str, bytes], bytes] | None = None
    # (action) -> True: the reply is cut off halfway and the connection closed (lost in the middle of a reply)
    cut_reply: Callable[[str], bool] | None = None


class _Command:
    def __init__(self, command_id: str, line: str) -> None:
        self.command_id = command_id
        self.line = line
        self.stdin = b""
        self.created = time.monotonic()
        self.started = False
        self.done = False
        self.exit_code = 0
        self.cancelled = threading.Event()
        self.restart_after: float | None = None  # the host restarts after delivering this command's output
        self._out: dict[str, bytearray] = {"stdout": bytearray(), "stderr": bytearray()}
        self._cond = threading.Condition()

    def append(self, stream: str, data: bytes) -> None:
        with self._cond:
            self._out[stream] += data
            self._cond.notify_all()

    def finish(self, code: int) -> None:
        with self._cond:
            self.exit_code, self.done = code, True
            self._cond.notify_all()

    def take(self, timeout: float, limit: int) -> tuple[bytes, bytes, bool] | None:
        """Wait for output or completion; None on timeout (caller answers TimedOut)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not (self._out["stdout"] or self._out["stderr"] or self.done):
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(left)
            out = bytes(self._out["stdout"][:limit])
            del self._out["stdout"][:limit]
            err = bytes(self._out["stderr"][:limit])
            del self._out["stderr"][:limit]
            finished = self.done and not self._out["stdout"] and not self._out["stderr"]
            return out, err, finished


@dataclasses.dataclass
class _Shell:
    shell_id: str
    options: dict[str, str]
    commands: dict[str, _Command] = dataclasses.field(default_factory=dict)


def decode_encoded_command(command_line: str) -> str | None:
    """The script of ``powershell[.exe] ... -EncodedCommand <b64>``; any unambiguous prefix counts."""
    tokens = command_line.split()
    if not tokens or not _PS_EXE.match(tokens[0].strip('"')):
        return None
    for i, tok in enumerate(tokens[1:-1], start=1):
        name = tok.lstrip("-/").lower()
        if tok[:1] in "-/" and name and (name == "ec" or "encodedcommand".startswith(name)):
            return base64.b64decode(tokens[i + 1], validate=True).decode("utf-16-le")
    return None


def clixml_error(message: str) -> bytes:
    """What powershell.exe writes to stderr for an error record (``#< CLIXML`` + ``<S S="Error">`` lines)."""
    lines = message.replace("\r\n", "\n").split("\n")
    body = "".join('<S S="Error">%s_x000D__x000A_</S>' % xml_escape(line) for line in lines)
    doc = '<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">%s</Objs>' % body
    return b"#< CLIXML\r\n" + doc.encode("utf-8")


def _duration_seconds(text: str | None, default: float) -> float:
    m = _DURATION.match(text or "")
    if not m:
        return default
    h, mi, s = (float(g) if g else 0.0 for g in m.groups())
    return h * 3600 + mi * 60 + s


def _envelope(action: str, relates_to: str, body: str) -> bytes:
    return (
        '<s:Envelope xml:lang="en-US" xmlns:s="{s}" xmlns:a="{a}" xmlns:x="{x}" xmlns:w="{w}" '
        'xmlns:rsp="{rsp}" xmlns:p="{p}">'
        "<s:Header><a:Action>{action}</a:Action><a:MessageID>uuid:{mid}</a:MessageID>"
        "<a:To>{anon}</a:To><a:RelatesTo>{rel}</a:RelatesTo></s:Header>"
        "<s:Body>{body}</s:Body></s:Envelope>"
    ).format(action=action, mid=str(uuid.uuid4()).upper(), anon=ANON, rel=xml_escape(relates_to),
             body=body, **NS).encode("utf-8")


def _fault(relates_to: str, reason: str, code: int, subcode: str) -> bytes:
    body = (
        "<s:Fault><s:Code><s:Value>s:Receiver</s:Value><s:Subcode><s:Value>{sub}</s:Value></s:Subcode></s:Code>"
        '<s:Reason><s:Text xml:lang="en-US">{reason}</s:Text></s:Reason>'
        '<s:Detail><f:WSManFault xmlns:f="{f}" Code="{code}" Machine="127.0.0.1">'
        "<f:Message>{reason}</f:Message></f:WSManFault></s:Detail></s:Fault>"
    ).format(sub=xml_escape(subcode), reason=xml_escape(reason), code=code, f=NS["f"])
    return _envelope("http://schemas.dmtf.org/wbem/wsman/1/wsman/fault", relates_to, body)


_ACTION = re.compile(rb"Action[^>]*>\s*([^<\s]+)\s*<")


def _short_action(body: bytes) -> str:
    """The last part of a request's WS-Addressing Action ("Create", "Receive", ...), "" when there is none."""
    m = _ACTION.search(body)
    return m.group(1).decode("ascii", "replace").rsplit("/", 1)[-1] if m else ""


def _text(root: ET.Element, path: str) -> str | None:
    el = root.find(path, NS)
    return None if el is None else (el.text or "")


class _RequestHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: NTLM authenticates the TCP connection
    # Headers and body in one send (HTTP.sys answers so), not two small ones that Nagle's algorithm and
    # the client's delayed ACK would hold up ~40 ms; handle_one_request() flushes after each answer.
    wbufsize = 1 << 16
    server_version = "Microsoft-HTTPAPI/2.0"
    sys_version = ""
    timeout = 120
    server: WinRMEndpoint._HTTPServer

    def setup(self) -> None:
        super().setup()
        self._ntlm: Any = None
        self._user: str | None = None
        self._extra_headers: list[tuple[str, str]] = []
        with contextlib.suppress(OSError):  # and answers larger than the buffer go out without delay too
            self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        rtt = self.server.endpoint.hooks.round_trip_seconds
        if rtt > 0:
            time.sleep(rtt)  # TCP's SYN / SYN-ACK
        if isinstance(self.request, ssl.SSLSocket):
            if rtt > 0:
                time.sleep(rtt)  # TLS 1.3 handshake: one more round trip
            try:
                self.request.do_handshake()
            except (ssl.SSLError, OSError):
                self.close_connection = True
                raise

    def handle(self) -> None:
        with contextlib.suppress(ssl.SSLError, ConnectionError, TimeoutError, OSError):
            super().handle()

    def version_string(self) -> str:
        return getattr(self, "_server_name", "") or self.server_version

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature from the base class
        return

    def _send(self, status: int, body: bytes = b"", content_type: str | None = None,
              headers: list[tuple[str, str]] | None = None, cut: bool = False) -> None:
        hooks = self.server.endpoint.hooks
        if hooks.round_trip_seconds > 0:
            time.sleep(hooks.round_trip_seconds / 2)  # the answer's way back
        if body and hooks.bytes_per_second > 0:
            time.sleep(len(body) / hooks.bytes_per_second)
        self.send_response(status)
        all_headers, self._extra_headers = list(headers or []) + self._extra_headers, []
        for k, v in all_headers:
            self.send_header(k, v)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body and cut:  # the connection drops in the middle of the reply
            self.wfile.write(body[: len(body) // 2])
            with contextlib.suppress(OSError):
                self.wfile.flush()
            self._drop()
        elif body:
            self.wfile.write(body)  # buffered (wbufsize): leaves with the headers when the request is done

    def _drop(self) -> None:
        """Close the connection without (the rest of) an answer, as a host that goes away does."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def do_POST(self) -> None:
        endpoint = self.server.endpoint
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        endpoint.record_wire(body)
        if endpoint.hooks.round_trip_seconds > 0:
            time.sleep(endpoint.hooks.round_trip_seconds / 2)  # the request's way here
        if body and endpoint.hooks.bytes_per_second > 0:
            time.sleep(len(body) / endpoint.hooks.bytes_per_second)
        if endpoint.hooks.reply_delay > 0 and endpoint.stopping.wait(endpoint.hooks.reply_delay):
            self._drop()
            return
        if not endpoint.answering():
            self._drop()
            return
        if endpoint.hooks.http_override is not None:
            override = endpoint.hooks.http_override(self.path)
            if override is not None:
                status, headers, page = override
                self._server_name = next((v for k, v in headers if k.lower() == "server"), "")
                self._send(status, page, headers=[(k, v) for k, v in headers if k.lower() != "server"])
                return
        if self.path.rstrip("/").lower() != "/wsman":
            self._send(404)
            return
        if self.headers.get("WSMANIDENTIFY", "").lower() == "unauthenticated" and b"Identify" in body:
            # Windows answers an anonymous Identify (Test-WSMan without credentials), hiding its OS version
            self._send(200, endpoint.identify_response(authenticated=False), "application/soap+xml;charset=UTF-8")
            return
        if endpoint.auth == "basic":
            if not self._check_basic():
                self._send(401, headers=[("WWW-Authenticate", 'Basic realm="WSMAN"')])
                return
        elif not self._ntlm_step():
            return
        encrypted = self.headers.get("Content-Type", "").startswith("multipart/encrypted")
        mode = endpoint.hooks.message_encryption
        if encrypted and mode == "refused":
            self._send(415, b"Unsupported Media Type: only application/soap+xml is accepted here.", "text/plain")
            return
        if encrypted:
            body = self._unwrap(body)
        elif body and endpoint.auth == "ntlm" and not self.server.tls and mode != "refused":
            # A Windows listener with AllowUnencrypted=false refuses plaintext SOAP on HTTP.
            self._send(401)
            return
        if not body:
            self._send(200)  # pywinrm's setup_encryption() authenticates with an empty POST
            return
        status, reply = endpoint.dispatch(body, self._user)
        action = _short_action(body)
        if endpoint.hooks.mangle_reply is not None:
            reply = endpoint.hooks.mangle_reply(action, reply)
        cut = endpoint.hooks.cut_reply is not None and endpoint.hooks.cut_reply(action)
        if encrypted and mode != "plaintext_replies":
            ctype = 'multipart/encrypted;protocol="%s";boundary="Encrypted Boundary"' % ENC_PROTOCOL
            self._send(status, self._wrap(reply), ctype, cut=cut)
        else:
            self._send(status, reply, "application/soap+xml;charset=UTF-8", cut=cut)

    def _check_basic(self) -> bool:
        hdr = self.headers.get("Authorization", "")
        if not hdr.lower().startswith("basic "):
            return False
        try:
            user, _, pw = base64.b64decode(hdr[6:]).decode("utf-8").partition(":")
        except ValueError:
            return False
        endpoint = self.server.endpoint
        if endpoint.users.get(user) == pw and (endpoint.hooks.login_allowed is None
                                               or endpoint.hooks.login_allowed(user)):
            self._user = user
            return True
        return False

    def _ntlm_step(self) -> bool:
        import spnego

        hdr = self.headers.get("Authorization", "")
        scheme, _, b64 = hdr.partition(" ")
        if scheme.lower() not in ("negotiate", "ntlm") or not b64:
            if self._ntlm is not None and self._ntlm.complete:
                return True
            self._send(401, headers=[("WWW-Authenticate", "Negotiate")])
            return False
        endpoint = self.server.endpoint
        if endpoint.hooks.before_request:
            endpoint.hooks.before_request("auth", b"")
        token = base64.b64decode(b64)
        if self._ntlm is None or self._ntlm.complete:
            self._ntlm = spnego.server(protocol="negotiate", service="http", channel_bindings=endpoint.cbt(),
                                       options=spnego.NegotiateOptions.use_negotiate)
        try:
            out = self._ntlm.step(token)
        except Exception:  # bad password, bad channel binding: the client sees a plain 401
            self._ntlm = None
            self._send(401, headers=[("WWW-Authenticate", "Negotiate")])
            return False
        if out and not self._ntlm.complete:
            self._send(401, headers=[("WWW-Authenticate", "%s %s" % (scheme, base64.b64encode(out).decode()))])
            return False
        if out:
            self._extra_headers.append(("WWW-Authenticate", "%s %s" % (scheme, base64.b64encode(out).decode())))
        if not self._ntlm.complete:
            self._send(401)
            return False
        user = str(self._ntlm.client_principal or "")
        self._user = user.split("\\")[-1]
        if endpoint.hooks.login_allowed is not None and not endpoint.hooks.login_allowed(self._user):
            self._ntlm, self._user = None, None
            self._send(401, headers=[("WWW-Authenticate", "Negotiate")])
            return False
        return True

    def _unwrap(self, body: bytes) -> bytes:
        parts = [p for p in body.split(MIME_BOUNDARY + b"\r\n") if p]
        out = b""
        for i in range(0, len(parts), 2):
            length = int(parts[i].split(b"Length=")[1].strip())
            payload = parts[i + 1]
            if payload.endswith(MIME_BOUNDARY + b"--\r\n"):
                payload = payload[: -len(MIME_BOUNDARY + b"--\r\n")]
            payload = payload.replace(b"\tContent-Type: application/octet-stream\r\n", b"", 1)
            sig_len = struct.unpack("<i", payload[:4])[0]
            sig, sealed = payload[4: 4 + sig_len], payload[4 + sig_len:]
            plain = self._ntlm.unwrap(sig + sealed).data
            if len(plain) != length:
                raise ValueError("decrypted length mismatch")
            out += plain
        return out

    def _wrap(self, plain: bytes) -> bytes:
        data = bytes(self._ntlm.wrap(plain, encrypt=True).data)
        sig, sealed = data[:16], data[16:]
        return (
            MIME_BOUNDARY + b"\r\n"
            b"\tContent-Type: " + ENC_PROTOCOL.encode() + b"\r\n"
            b"\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=" + str(len(plain)).encode()
            + b"\r\n" + MIME_BOUNDARY + b"\r\n"
            b"\tContent-Type: application/octet-stream\r\n" + struct.pack("<i", len(sig)) + sig + sealed
            + MIME_BOUNDARY + b"--\r\n"
        )


class WinRMEndpoint:
    """One WinRM listener on 127.0.0.1 (one lab host)."""

    class _HTTPServer(http.server.ThreadingHTTPServer):
        daemon_threads = True
        endpoint: WinRMEndpoint
        tls: ssl.SSLContext | None

        def get_request(self) -> tuple[Any, Any]:
            sock, addr = super().get_request()
            if self.tls is not None:
                sock = self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
            return sock, addr

        def handle_error(self, request: Any, client_address: Any) -> None:
            return  # a client that hangs up mid-request is normal here

    def __init__(self, handler: Handler, users: dict[str, str], *, auth: str = "ntlm",
                 tls: ssl.SSLContext | None = None, tls_cert_der: bytes | None = None,
                 host: str = "127.0.0.1", port: int = 0, hooks: ServerHooks | None = None,
                 receive_chunk: int = 0, keep_wire_log: bool = False,
                 product_version: str = "OS: 10.0.17763 SP: 0.0 Stack: 3.0") -> None:
        if auth not in ("ntlm", "basic"):
            raise ValueError(auth)
        self.handler = handler
        self.users = dict(users)
        self.auth = auth
        self.tls_cert_der = tls_cert_der
        self.hooks = hooks or ServerHooks()
        self.receive_chunk = receive_chunk
        self.keep_wire_log = keep_wire_log
        self.product_version = product_version
        self.wire_log: list[bytes] = []
        self.calls: list[dict[str, Any]] = []
        self.request_count = 0
        self.command_count = 0
        self.shells: dict[str, _Shell] = {}
        self.max_shells = 30
        self.stopping = threading.Event()  # set by stop(): wakes requests held by ``reply_delay``
        self.restarts = 0
        self._restart_pending: float | None = None
        self._down_until = 0.0
        self._lock = threading.Lock()
        self._httpd = self._HTTPServer((host, port), _RequestHandler)
        self._httpd.endpoint = self
        self._httpd.tls = tls
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def scheme(self) -> str:
        return "https" if self._httpd.tls else "http"

    @property
    def url(self) -> str:
        return "%s://127.0.0.1:%d/wsman" % (self.scheme, self.port)

    def start(self) -> WinRMEndpoint:
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True, name="lab-wsman-%d" % self.port)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        with self._lock:
            for shell in self.shells.values():
                for cmd in shell.commands.values():
                    cmd.cancelled.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> WinRMEndpoint:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- a host that restarts ----------------------------------------------------------
    def restart(self, seconds: float) -> None:
        """The host goes away for ``seconds`` (every connection is dropped), then answers again; its shells and
        running commands are gone, as after a real restart."""
        with self._lock:
            self.restarts += 1
            self._down_until = time.monotonic() + seconds
            gone, self.shells = self.shells, {}
        for shell in gone.values():
            for cmd in shell.commands.values():
                cmd.cancelled.set()

    def answering(self) -> bool:
        """False while the host is restarting. A restart asked for by a finished command begins here, with the
        client's first request after it received that command's output."""
        with self._lock:
            pending, self._restart_pending = self._restart_pending, None
        if pending is not None:
            self.restart(pending)
        return time.monotonic() >= self._down_until

    def wait_answering(self, timeout: float) -> bool:
        """Wait until a restarting host answers again; False if it does not within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            if time.monotonic() >= self._down_until and self._restart_pending is None:
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)

    def record_wire(self, body: bytes) -> None:
        with self._lock:
            self.request_count += 1
            if self.keep_wire_log:
                self.wire_log.append(body)

    def cbt(self) -> Any:
        """Channel bindings for NTLM over HTTPS (RFC 5929 tls-server-end-point)."""
        if not (self._httpd.tls and self.tls_cert_der):
            return None
        from cryptography import x509
        from spnego.channel_bindings import GssChannelBindings

        cert = x509.load_der_x509_certificate(self.tls_cert_der)
        algo = cert.signature_hash_algorithm
        name = "sha256" if algo is None or algo.name in ("md5", "sha1") else algo.name
        digest = hashlib.new(name, self.tls_cert_der).digest()
        return GssChannelBindings(application_data=b"tls-server-end-point:" + digest)

    # -- WS-Management ------------------------------------------------------------
    def identify_response(self, authenticated: bool) -> bytes:
        """The WS-Management Identify answer; anonymous callers do not learn the OS version (as on Windows)."""
        version = self.product_version if authenticated else "OS: 0.0.0 SP: 0.0 Stack: %s" % (
            self.product_version.rsplit("Stack: ", 1)[-1])
        profiles = ("<wsmid:SecurityProfiles><wsmid:SecurityProfileName>http://schemas.dmtf.org/wbem/wsman/1/"
                    "wsman/secprofile/http/spnego-kerberos</wsmid:SecurityProfileName></wsmid:SecurityProfiles>"
                    if authenticated else "")
        return (
            '<s:Envelope xml:lang="en-US" xmlns:s="{s}"><s:Header/><s:Body><wsmid:IdentifyResponse '
            'xmlns:wsmid="{wsmid}"><wsmid:ProtocolVersion>http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd'
            "</wsmid:ProtocolVersion><wsmid:ProductVendor>Microsoft Corporation</wsmid:ProductVendor>"
            "<wsmid:ProductVersion>{version}</wsmid:ProductVersion>{profiles}</wsmid:IdentifyResponse>"
            "</s:Body></s:Envelope>"
        ).format(s=NS["s"], wsmid=NS["wsmid"], version=xml_escape(version), profiles=profiles).encode("utf-8")

    def dispatch(self, body: bytes, user: str | None) -> tuple[int, bytes]:
        try:
            root = ET.fromstring(body)  # noqa: S314 - loopback lab, our own client
        except ET.ParseError as e:
            return 400, _fault("", "The WS-Management service cannot process the request: %s" % e,
                               2150858817, "w:SchemaValidationError")
        action = _text(root, "s:Header/a:Action") or ""
        mid = _text(root, "s:Header/a:MessageID") or ""
        resource = _text(root, "s:Header/w:ResourceURI") or ""
        sel = root.find("s:Header/w:SelectorSet/w:Selector[@Name='ShellId']", NS)
        shell_id = sel.text if sel is not None else None
        opts = {str(o.get("Name")): (o.text or "") for o in root.findall("s:Header/w:OptionSet/w:Option", NS)}
        op_timeout = _duration_seconds(_text(root, "s:Header/w:OperationTimeout"), 60.0)
        short = action.rsplit("/", 1)[-1]
        if root.find("s:Body/wsmid:Identify", NS) is not None:
            return 200, self.identify_response(authenticated=True)
        try:
            if self.hooks.before_request:
                self.hooks.before_request(short, body)
            if resource != RESOURCE_CMD:
                raise WSManFault("The WS-Management service cannot process the request. The resource URI %s "
                                 "was not found." % resource, 2150858778, "w:DestinationUnreachable")
            if action == ACTION_CREATE:
                return 200, self._create(mid, opts)
            with self._lock:
                shell = self.shells.get(shell_id or "")
            if shell is None:
                raise WSManFault("The request for the Windows Remote Shell with ShellId %s failed because the "
                                 "shell was not found on the server. Possible causes are: the specified ShellId "
                                 "is incorrect or the shell no longer exists on the server." % shell_id,
                                 FAULT_INVALID_SELECTORS, "w:InvalidSelectors")
            if action == ACTION_COMMAND:
                return 200, self._command(root, mid, shell, user)
            if action == ACTION_SEND:
                return 200, self._send_input(root, mid, shell, user)
            if action == ACTION_RECEIVE:
                return 200, self._receive(root, mid, shell, user, op_timeout)
            if action == ACTION_SIGNAL:
                return 200, self._signal(root, mid, shell)
            if action == ACTION_DELETE:
                with self._lock:
                    gone = self.shells.pop(shell.shell_id, None)
                for cmd in (gone.commands.values() if gone else []):
                    cmd.cancelled.set()
                return 200, _envelope(ACTION_DELETE + "Response", mid, "")
            raise WSManFault("Unsupported action %s" % action, 2150858771, "a:ActionNotSupported")
        except WSManFault as f:
            return f.http_status, _fault(mid, f.reason, f.code, f.subcode)

    def _create(self, mid: str, opts: dict[str, str]) -> bytes:
        with self._lock:
            if len(self.shells) >= self.max_shells:
                raise WSManFault("The WS-Management service cannot process the request. This user is allowed a "
                                 "maximum number of 30 concurrent shells, which has been exceeded. Close existing "
                                 "shells or raise the quota for this user.", FAULT_SHELL_QUOTA, "w:QuotaLimit")
            shell_id = str(uuid.uuid4()).upper()
            self.shells[shell_id] = _Shell(shell_id, opts)
        body = (
            f"<x:ResourceCreated><a:Address>{xml_escape(self.url)}</a:Address><a:ReferenceParameters>"
            f"<w:ResourceURI>{RESOURCE_CMD}</w:ResourceURI><w:SelectorSet>"
            f"<w:Selector Name=\"ShellId\">{shell_id}</w:Selector>"
            "</w:SelectorSet></a:ReferenceParameters></x:ResourceCreated>"
            f"<rsp:Shell><rsp:ShellId>{shell_id}</rsp:ShellId><rsp:ResourceUri>{RESOURCE_CMD}</rsp:ResourceUri>"
            "<rsp:InputStreams>stdin</rsp:InputStreams><rsp:OutputStreams>stdout stderr</rsp:OutputStreams>"
            "</rsp:Shell>"
        )
        return _envelope(ACTION_CREATE + "Response", mid, body)

    def _command(self, root: ET.Element, mid: str, shell: _Shell, user: str | None) -> bytes:
        command = _text(root, "s:Body/rsp:CommandLine/rsp:Command") or ""
        args = [a.text or "" for a in root.findall("s:Body/rsp:CommandLine/rsp:Arguments", NS)]
        line = " ".join([command.strip(), *args]).strip()
        command_id = str(uuid.uuid4()).upper()
        cmd = _Command(command_id, line)
        with self._lock:
            shell.commands[command_id] = cmd
            self.command_count += 1
        self.calls.append({"action": "Command", "command_line": line, "user": user})
        body = "<rsp:CommandResponse><rsp:CommandId>%s</rsp:CommandId></rsp:CommandResponse>" % command_id
        return _envelope(ACTION_COMMAND + "Response", mid, body)

    def _send_input(self, root: ET.Element, mid: str, shell: _Shell, user: str | None) -> bytes:
        for st in root.findall("s:Body/rsp:Send/rsp:Stream", NS):
            cmd = shell.commands.get(st.get("CommandId", ""))
            if cmd is None:
                raise WSManFault("The command id is not valid.", FAULT_INVALID_SELECTORS, "w:InvalidSelectors")
            if st.text:
                cmd.stdin += base64.b64decode(st.text)
            if (st.get("End") or "").lower() == "true":
                self._start(cmd, shell, user)
        return _envelope(ACTION_SEND + "Response", mid, "<rsp:SendResponse/>")

    def _start(self, cmd: _Command, shell: _Shell, user: str | None) -> None:
        if cmd.started:
            return
        cmd.started = True
        try:
            script = decode_encoded_command(cmd.line)
        except ValueError:
            script = None
        io = CommandIO(cmd.line, script, user, cmd.stdin, dict(shell.options), cmd)

        def run() -> None:
            code = 1
            try:
                if self.hooks.on_command_start:
                    self.hooks.on_command_start(io)
                code = self.handler(io)
            except Exception as e:  # a lab bug surfaces like a PowerShell terminating error
                io.write(clixml_error("%s: %s" % (type(e).__name__, e)), "stderr")
            finally:
                cmd.finish(code)

        threading.Thread(target=run, daemon=True, name="lab-cmd-%s" % cmd.command_id[:8]).start()

    def _receive(self, root: ET.Element, mid: str, shell: _Shell, user: str | None, op_timeout: float) -> bytes:
        ds = root.find("s:Body/rsp:Receive/rsp:DesiredStream", NS)
        cid = ds.get("CommandId") if ds is not None else None
        cmd = shell.commands.get(cid or "")
        if cmd is None:
            raise WSManFault("The command id %s is not valid." % cid, FAULT_INVALID_SELECTORS, "w:InvalidSelectors")
        if not cmd.started:  # a command that reads no stdin starts when output is first asked for
            self._start(cmd, shell, user)
        got = cmd.take(op_timeout, self.receive_chunk or 1 << 30)
        if got is None:
            raise WSManFault("The WS-Management service cannot complete the operation within the time specified "
                             "in OperationTimeout.", FAULT_TIMED_OUT, "w:TimedOut")
        out, err, finished = got
        streams = ""
        for name, data in (("stdout", out), ("stderr", err)):
            if data:
                streams += '<rsp:Stream Name="%s" CommandId="%s">%s</rsp:Stream>' % (
                    name, cid, base64.b64encode(data).decode("ascii"))
        if finished and cmd.restart_after is not None:
            with self._lock:
                self._restart_pending = cmd.restart_after
        if finished:
            streams += ('<rsp:Stream Name="stdout" CommandId="%s" End="true"></rsp:Stream>'
                        '<rsp:Stream Name="stderr" CommandId="%s" End="true"></rsp:Stream>') % (cid, cid)
            state = ('<rsp:CommandState CommandId="%s" State="%s"><rsp:ExitCode>%d</rsp:ExitCode>'
                     "</rsp:CommandState>" % (cid, STATE_DONE, cmd.exit_code))
        else:
            state = '<rsp:CommandState CommandId="%s" State="%s"/>' % (cid, STATE_RUNNING)
        body = "<rsp:ReceiveResponse>%s%s</rsp:ReceiveResponse>" % (streams, state)
        return _envelope(ACTION_RECEIVE + "Response", mid, body)

    def _signal(self, root: ET.Element, mid: str, shell: _Shell) -> bytes:
        sig = root.find("s:Body/rsp:Signal", NS)
        cid = sig.get("CommandId") if sig is not None else None
        code = _text(root, "s:Body/rsp:Signal/rsp:Code")
        with self._lock:
            cmd = shell.commands.get(cid or "")
            if cmd is not None and code == SIGNAL_TERMINATE:
                del shell.commands[cid or ""]
        if cmd is None:
            raise WSManFault("The command id %s is not valid." % cid, FAULT_INVALID_SELECTORS, "w:InvalidSelectors")
        cmd.cancelled.set()
        return _envelope(ACTION_SIGNAL + "Response", mid, "<rsp:SignalResponse/>")


_NTLM_USERS: dict[str, str] = {}
_NTLM_LOCK = threading.Lock()


_NTLM_DIR: list[str] = []


def ntlm_password_for(user: str) -> str | None:
    """The password already registered for ``user`` by another lab in this process. The acceptor
    knows one password per account, so a second lab reuses it rather than locking the first one out."""
    with _NTLM_LOCK:
        return _NTLM_USERS.get(user)


def register_ntlm_users(users: dict[str, str]) -> None:
    """pyspnego's NTLM acceptor reads accounts from the file named by NTLM_USER_FILE (process-wide),
    so every lab in the process shares one file (in a private folder for the process) with all accounts."""
    import atexit
    import shutil
    import tempfile

    with _NTLM_LOCK:
        _NTLM_USERS.update(users)
        if not _NTLM_DIR:
            _NTLM_DIR.append(tempfile.mkdtemp(prefix="hvassist-lab-ntlm-"))
            atexit.register(shutil.rmtree, _NTLM_DIR[0], True)
        path = os.path.join(_NTLM_DIR[0], "ntlm-users.txt")
        from spnego._ntlm_raw.crypto import ntowfv1

        with open(path, "w", encoding="utf-8") as fd:
            for u, p in _NTLM_USERS.items():
                # smbpasswd format with the NT hash computed once (otherwise pyspnego derives the hashes,
                # with pure-Python DES for the unused LM hash, on every logon: CPU a real host does not spend
                # here); a DOMAIN\user account keeps its domain in the first field.
                fd.write("%s:1000:%s:%s:[U]:LCT-00000000\n" % (u, "0" * 32, ntowfv1(p).hex().upper()))
        os.chmod(path, 0o600)
        os.environ["NTLM_USER_FILE"] = path
