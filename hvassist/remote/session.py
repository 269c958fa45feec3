"""One WinRM shell on one host for the length of an operation.

The pattern (see docs/architecture.md): open the shell with codepage 65001; start
``powershell.exe -EncodedCommand <BOOTSTRAP>``; send the script and its base64 JSON parameters
through stdin; read output incrementally; terminate the command; reuse the shell for the next
script; delete it at the end.
"""

from __future__ import annotations

import http.client
import json
import logging
import math
import socket
import ssl
import threading
import time
import xml.etree.ElementTree as ET  # noqa: S405 - only for its ParseError
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any, Literal, TypeVar
from xml.parsers.expat import ExpatError

import requests
import urllib3
from winrm.exceptions import (
    InvalidCredentialsError,
    WinRMError,
    WinRMOperationTimeoutError,
    WinRMTransportError,
    WSManFaultError,
)
from winrm.protocol import Protocol

from hvassist.cancel import CancelToken
from hvassist.remote import errors as E
from hvassist.remote.clixml import decode_stderr
from hvassist.remote.endpoint import (
    Endpoint,
    Timeouts,
    format_fingerprint,
    host_name_problem,
    normalise_fingerprint,
)
from hvassist.remote.scripts import POWERSHELL_ARGS, Script, encoded_bootstrap, get_script
from hvassist.remote.tls import PinnedCertificateAdapter, fetch_certificate_sha256

log = logging.getLogger(__name__)
_T = TypeVar("_T")

# The largest collection a real host prints is a few MB (1,000 VMs and 500 events); far more means something
# on the host runs away, and reading on would only take time and memory.
MAX_OUTPUT_BYTES = 16 * 1024 * 1024
STDIN_CHUNK = 100_000  # characters per Send; well under MaxEnvelopeSize (150 KB) once base64-encoded


def _serialise_requests_set_environ() -> None:
    """One thread at a time in ``requests.utils.set_environ``.

    pywinrm's ``build_session`` (once per host connection) makes requests set ``os.environ["no_proxy"]``
    for a moment and delete it again. Hosts connecting in parallel race on that: another thread
    iterating the environment meanwhile fails with ``KeyError: 'no_proxy'``, and the whole diagnosis
    with it. requests calls it only from its proxy check, so a lock around it costs nothing.
    """
    import contextlib

    import requests.utils

    original = requests.utils.set_environ
    if getattr(original, "hvassist_serialised", False):
        return
    lock = threading.RLock()

    @contextlib.contextmanager
    def set_environ(env_name: str, value: str | None) -> Generator[None, None, None]:
        with lock, original(env_name, value):  # type: ignore[arg-type]
            yield

    set_environ.hvassist_serialised = True  # type: ignore[attr-defined]
    requests.utils.set_environ = set_environ


_serialise_requests_set_environ()


@dataclass
class RunResult:
    script: str
    stdout: str
    stderr: str
    exit_code: int
    seconds: float
    undecodable_at: int | None = None  # offset of the first byte of stdout that is not UTF-8 (shown as U+FFFD)


def check_transport_policy(endpoint: Endpoint) -> None:
    """Refuse what would send credentials or data in clear text, or to a place other than the name says."""
    problem = host_name_problem(endpoint.connect_address)
    if problem:
        raise E.InvalidHostName(endpoint.host, problem, "Correct the name (the user name goes in the User "
                                "field, the port in the Port field) and try again.")
    if endpoint.transport == "http" and endpoint.auth == "basic":
        raise E.InsecureTransportRefused(
            endpoint.host, "Basic authentication over HTTP would send the password in clear text, so "
            "hvassist refuses it.", "Use HTTPS (port 5986), or NTLM/Kerberos, which encrypt the messages over HTTP.")
    if endpoint.auth == "credssp" and not endpoint.allow_credssp:
        raise E.InsecureTransportRefused(
            endpoint.host, "CredSSP hands your password to the host, so hvassist uses it only when you allow it "
            "for this connection.", "Use NTLM or Kerberos, or allow CredSSP explicitly in the connection's "
            "settings (or with --allow-credssp).")


def make_protocol(endpoint: Endpoint, username: str, password: str, timeouts: Timeouts) -> Protocol:
    """pywinrm's Protocol for an endpoint, with hvassist's security settings. Does not touch the network."""
    check_transport_policy(endpoint)
    ep = endpoint
    pinned = normalise_fingerprint(ep.pinned_sha256)
    validation = "ignore" if pinned else "validate"
    transport = ep.auth if ep.auth != "basic" else ("ssl" if ep.transport == "https" else "basic")
    return Protocol(
        ep.url, transport=transport, username=username, password=password,
        server_cert_validation=validation,  # type: ignore[arg-type]
        ca_trust_path=ep.ca_file or None,  # type: ignore[arg-type]
        read_timeout_sec=math.ceil(timeouts.request),
        operation_timeout_sec=timeouts.operation,
        message_encryption="auto", proxy=None,
    )


def prepare_transport(proto: Protocol, endpoint: Endpoint) -> requests.Session:
    """Build the HTTP session: trust settings for HTTPS (pinned fingerprint or CA file); over HTTP this
    logs on (NTLM/Kerberos/CredSSP) to set up message encryption, and from then on every reply must be
    encrypted (pywinrm itself would silently accept a clear-text reply)."""
    ep = endpoint
    pinned = normalise_fingerprint(ep.pinned_sha256)
    if ep.transport == "http":
        _lean_logon(proto)
    session = proto.transport.build_session()
    if ep.transport == "https":
        if pinned:
            session.mount("https://", PinnedCertificateAdapter(pinned))
        elif ep.ca_file:
            session.verify = ep.ca_file
    elif proto.transport.encryption is not None:
        session.hooks["response"].append(_sealed_replies_only(ep.host))
    return session


def _lean_logon(proto: Protocol) -> None:
    """Over HTTP pywinrm logs on in ``setup_encryption`` (an empty POST) right after creating the HTTP
    session. Before that POST: NTLM starts with the first request (``hvassist.remote.ntlm``: one round trip
    less per connection), and requests stops re-reading proxies from the environment (and briefly rewriting
    os.environ) for every request; pywinrm (proxy=None) never uses them."""
    transport = proto.transport
    setup = transport.setup_encryption

    def setup_encryption(session: requests.Session) -> None:
        session.trust_env = False
        if transport.auth_method == "ntlm" and type(session.auth).__name__ == "HttpNtlmAuth":
            from hvassist.remote.ntlm import PreemptiveNtlmAuth

            auth = session.auth
            session.auth = PreemptiveNtlmAuth(auth.username or "", auth.password or "")  # type: ignore[union-attr]
        setup(session)

    transport.setup_encryption = setup_encryption  # type: ignore[method-assign]


def reply_is_sealed(response: requests.Response) -> bool:
    """True when an HTTP reply carries an MS-WSMV encrypted payload (or nothing at all)."""
    if response.status_code not in (200, 500) or not response.content:
        return True
    return response.headers.get("Content-Type", "").lower().startswith("multipart/encrypted")


def _sealed_replies_only(host: str) -> Callable[..., requests.Response]:
    def check(response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
        if not reply_is_sealed(response):
            raise E.InsecureTransportRefused(
                host, "The host answered in clear text although hvassist sent an encrypted message "
                "(reply type: %s), so hvassist stopped." % (response.headers.get("Content-Type") or "none"),
                "Use HTTPS (port 5986). If you must use HTTP, check that nothing between you and the host (a "
                "proxy or load balancer) answers instead of the host's WinRM service.")
        return response

    return check


class HostSession:
    """Run shipped scripts on one host over one WinRM shell. Not thread-safe: one per worker."""

    def __init__(self, endpoint: Endpoint, username: str, password: str, *,
                 timeouts: Timeouts | None = None, cancel: CancelToken | None = None) -> None:
        check_transport_policy(endpoint)
        self.endpoint = endpoint
        self.timeouts = timeouts or Timeouts()
        self.cancel = cancel or CancelToken()
        self._username = username
        self._password = password
        self._protocol: Protocol | None = None
        self._shell_id: str | None = None
        # A finished command is released lazily: before the next command, or not at all when the shell
        # is deleted (which releases its commands), saving a round trip per host for one-script sessions.
        self._finished_command: str | None = None
        self.scripts_run = 0

    @property
    def username(self) -> str:
        return self._username

    # -- lifecycle ---------------------------------------------------------------
    def __enter__(self) -> HostSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _open(self) -> tuple[Protocol, str]:
        if self._protocol is not None and self._shell_id is not None:
            return self._protocol, self._shell_id
        self._raise_if_cancelled()
        with self._errors():
            protocol = make_protocol(self.endpoint, self._username, self._password, self.timeouts)
            self._protocol = protocol
            self.cancel.on_cancel(self._abort_transport)
            self._call(prepare_transport, protocol, self.endpoint)  # over HTTP this logs on already
            shell_id = self._call(protocol.open_shell, codepage=65001, noprofile=True)
            self._shell_id = shell_id
            if protocol.transport.session is not None:
                # pywinrm (proxy=None) never uses proxies from the environment; without this, requests
                # would still re-read (and briefly rewrite) os.environ on every request to find that out.
                protocol.transport.session.trust_env = False
        return protocol, shell_id

    def _call(self, fn: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        """One blocking request to the host, made on a helper thread so that Cancel answers at once, whether the
        request is connecting, logging on or waiting for output. A cancelled request is abandoned: it ends by
        its own timeout, and its connection is closed by the cancel."""
        self._raise_if_cancelled()
        box: list[Any] = []
        failure: list[BaseException] = []
        done = threading.Event()

        def work() -> None:
            try:
                box.append(fn(*args, **kwargs))
            except BaseException as e:  # re-raised on the caller's thread
                failure.append(e)
            finally:
                done.set()

        threading.Thread(target=work, daemon=True, name="hvassist-winrm-%s" % self.endpoint.host).start()
        while not done.wait(0.05):
            self._raise_if_cancelled()
        if failure:
            raise failure[0]
        return box[0]  # type: ignore[no-any-return]

    def _forget_connection(self) -> None:
        """After the connection broke: the next script connects and logs on again, in a new shell (the old one
        may be gone, e.g. the host restarted, and message encryption cannot continue on a new connection)."""
        proto, self._protocol, self._shell_id = self._protocol, None, None
        self._finished_command = None
        if proto is not None:
            try:
                proto.transport.close_session()
            except Exception:  # noqa: S110 - best effort, the connection is gone anyway
                pass

    def _abort_transport(self) -> None:
        proto = self._protocol
        if proto is not None:
            try:
                proto.transport.close_session()
            except Exception:  # noqa: S110 - best effort while cancelling
                pass

    def close_in_background(self) -> threading.Thread:
        """``close()`` on a thread of its own (deleting the shell is a round trip), for a caller that has
        other work meanwhile; join the thread before relying on the shell being gone."""
        t = threading.Thread(target=self.close, daemon=True, name="hvassist-close")
        t.start()
        return t

    def close(self) -> None:
        proto, shell = self._protocol, self._shell_id
        self._protocol = self._shell_id = self._finished_command = None
        if proto is None:
            return
        try:
            if shell is not None and not self.cancel.cancelled:
                proto.close_shell(shell)
        except Exception as e:  # the host went away: nothing left to clean up there
            log.debug("closing shell on %s failed: %s", self.endpoint.host, type(e).__name__)
        finally:
            try:
                proto.transport.close_session()
            except Exception:  # noqa: S110
                pass

    # -- running scripts -------------------------------------------------------------
    def run(self, script: str | Script, params: dict[str, Any] | None = None,
            on_output: Callable[[str], None] | None = None, stop: threading.Event | None = None) -> RunResult:
        """Run a shipped script. ``on_output`` receives stdout text as it arrives. Setting ``stop``
        ends a long-running script early: the command is terminated on the host, the shell stays."""
        spec = script if isinstance(script, Script) else get_script(script)
        payload = spec.payload(params or {})
        proto, shell = self._open()
        started = time.monotonic()
        deadline = started + self.timeouts.script
        out = bytearray()
        err = bytearray()
        decoder = _IncrementalUtf8()
        done = False
        transport_broke = False
        with self._errors():
            self._release_finished_command(proto, shell)
            command_id = self._call(proto.run_command, shell, "powershell.exe",
                                    [*POWERSHELL_ARGS, encoded_bootstrap()])
            try:
                text = payload.decode("utf-8")
                for i in range(0, len(text), STDIN_CHUNK):
                    chunk = text[i: i + STDIN_CHUNK]
                    self._call(proto.send_command_input, shell, command_id, chunk, end=i + STDIN_CHUNK >= len(text))
                stopped = False
                while True:
                    self._raise_if_cancelled()
                    if stop is not None and stop.is_set():
                        stopped, code = True, 0
                        break
                    if time.monotonic() > deadline:
                        raise E.TimedOut(self.endpoint.host, "The check %s did not finish within %d seconds."
                                         % (spec.name, self.timeouts.script),
                                         "The host may be overloaded or stuck. Try again later; if it keeps "
                                         "happening, look at the host's load and restart its WinRM service.")
                    try:
                        o, e, code, done = self._call(proto.get_command_output_raw, shell, command_id)
                    except WinRMOperationTimeoutError:
                        continue  # no output yet: normal for a running command
                    if o:
                        out += o
                        if on_output:
                            on_output(decoder.feed(o))
                    err += e
                    if len(out) + len(err) > MAX_OUTPUT_BYTES:
                        raise E.OutputNotUnderstood(
                            self.endpoint.host, "The host sent more than %d MB of output for %s, far more than "
                            "expected, so hvassist stopped reading." % (MAX_OUTPUT_BYTES >> 20, spec.name),
                            "Check the host for an unusual number of objects, then try again.")
                    if done:
                        break
            except E.RemoteError:
                raise  # ours (too slow, too much output): the command is ended on the host below
            except Exception:
                transport_broke = True  # no use asking a host we just lost to end the command
                raise
            finally:
                if done:
                    self._finished_command = command_id
                elif not self.cancel.cancelled and not transport_broke:  # stop a command that is still running
                    self._cleanup_command(proto, shell, command_id)
        self.scripts_run += 1
        undecodable_at = None
        try:
            stdout = bytes(out).decode("utf-8")
        except UnicodeDecodeError as exc:
            undecodable_at = exc.start
            stdout = bytes(out).decode("utf-8", errors="replace")
        stderr = decode_stderr(bytes(err))
        result = RunResult(spec.name, stdout, stderr, code, time.monotonic() - started, undecodable_at)
        if code != 0 and not stopped:
            raise E.ScriptFailed(
                self.endpoint.host, "The check %s failed on the host: %s" % (spec.name, _first_line(stderr)),
                "PowerShell's message usually names what is missing or not allowed: put that right on the host, "
                "then try again.",
                detail=stderr, ps_error=stderr)
        return result

    def _release_finished_command(self, proto: Protocol, shell: str) -> None:
        command_id, self._finished_command = self._finished_command, None
        if command_id is not None:
            self._cleanup_command(proto, shell, command_id)

    def _cleanup_command(self, proto: Protocol, shell: str, command_id: str) -> None:
        try:
            self._call(proto.cleanup_command, shell, command_id)
        except Exception as exc:  # the command may already be gone (or the user cancelled meanwhile)
            log.debug("cleanup_command failed: %s", type(exc).__name__)

    def run_json(self, script: str | Script, params: dict[str, Any] | None = None) -> Any:
        result = self.run(script, params)
        return parse_json_output(self.endpoint.host, result)

    def stream_json_lines(self, script: str | Script, params: dict[str, Any] | None = None
                          ) -> Generator[Any, None, None]:
        """Yield one parsed object per output line of a long-running (``jsonl``) script. Closing the
        iterator early (``break``, ``close()``) stops the script on the host."""
        import queue

        q: queue.Queue[Any] = queue.Queue()
        stop = threading.Event()
        done = object()
        buffer = [""]

        def feed(text: str) -> None:
            buffer[0] += text
            *lines, buffer[0] = buffer[0].split("\n")
            for line in lines:
                if line.strip():
                    q.put(line)

        failure: list[BaseException] = []

        def worker() -> None:
            try:
                self.run(script, params, on_output=feed, stop=stop)
                if buffer[0].strip():
                    q.put(buffer[0])
            except BaseException as e:  # handed to the consumer
                failure.append(e)
            finally:
                q.put(done)

        t = threading.Thread(target=worker, daemon=True, name="hvassist-stream")
        t.start()
        try:
            while True:
                item = q.get()
                if item is done:
                    break
                try:
                    yield json.loads(item)
                except json.JSONDecodeError as e:
                    raise E.OutputNotUnderstood(self.endpoint.host, "A line of output was not valid JSON.",
                                                "This is unexpected; please report it with the log file.",
                                                detail=str(e)) from None
        finally:
            # Also when the consumer stops early: end the command, and let the worker finish before the
            # session (not thread-safe) is used again.
            stop.set()
            t.join(self.timeouts.operation + self.timeouts.connect_read)
        if failure:
            raise failure[0]

    # -- errors --------------------------------------------------------------------------
    def _raise_if_cancelled(self) -> None:
        if self.cancel.cancelled:
            raise E.Cancelled(self.endpoint.host, "Cancelled.", "Start again when you are ready.")

    def _errors(self) -> _ErrorTranslator:
        return _ErrorTranslator(self)


class _ErrorTranslator:
    """Context manager turning library exceptions into plain-language RemoteErrors (no secrets)."""

    def __init__(self, session: HostSession) -> None:
        self.session = session

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> Literal[False]:
        if exc is None or isinstance(exc, E.RemoteError):
            return False
        if self.session.cancel.cancelled:
            raise E.Cancelled(self.session.endpoint.host, "Cancelled.", "Start again when you are ready.") from None
        if not isinstance(exc, Exception):
            return False  # KeyboardInterrupt, SystemExit: not ours to translate
        translated = translate_exception(exc, self.session.endpoint, self.session.timeouts)
        if translated is None:
            # pywinrm met an answer it did not expect (its own asserts, missing elements): not a crash for us
            log.debug("unexpected answer from %s", self.session.endpoint.host, exc_info=exc)
            translated = E.OutputNotUnderstood(
                self.session.endpoint.host, "WinRM on the host answered in a form hvassist did not expect (%s)."
                % type(exc).__name__, "Try again. If it keeps happening, save the log file and report it.",
                detail=_one_line(exc))
        if isinstance(translated, E.ConnectionLost):
            self.session._forget_connection()
        raise translated from None  # noqa: B012 - replace the library's exception with a plain one


def translate_exception(exc: BaseException, ep: Endpoint, timeouts: Timeouts) -> E.RemoteError | None:
    host, port = ep.host, ep.effective_port
    text = "%s: %s" % (type(exc).__name__, exc)
    chain = _exception_chain(exc)
    if isinstance(exc, InvalidCredentialsError):
        return E.AuthenticationFailed(
            host, "The host refused the user name or password (%s authentication)." % ep.auth.upper(),
            "Check the user name (DOMAIN\\user or user@domain) and the password, and that the account is a "
            "local administrator on the host.")
    if isinstance(exc, WSManFaultError):
        code = exc.wsman_fault_code
        reason = (exc.reason or "").strip()
        if code == 5 or "access is denied" in reason.lower():
            return E.AccessDenied(host, "The host answered 'Access is denied' to WinRM.",
                                  "Use an account that is an administrator on the host (or a member of "
                                  "'Remote Management Users' and 'Hyper-V Administrators').", detail=reason)
        if code == 2150859173 or "concurrent shells" in reason.lower():
            return E.WinRMFault(host, "The host has too many open remote shells for this user.",
                                "Close other remote sessions to the host, or wait a few minutes and retry.",
                                detail=reason)
        return E.WinRMFault(host, "WinRM on the host reported an error: %s" % (reason or "no details"),
                            "Check the WinRM service on the host (winrm quickconfig) and try again.",
                            detail="wsman fault %s" % code)
    if isinstance(exc, WinRMTransportError):
        if exc.code in (404, 405):
            return E.WinRMNotAvailable(host, "Port %d answers, but not as WinRM (HTTP %d)." % (port, exc.code),
                                       "Check that the WinRM listener is on this port: on the host run "
                                       "'winrm enumerate winrm/config/listener'.")
        return E.WinRMFault(host, "WinRM answered with HTTP error %d." % exc.code,
                            "Check the WinRM service and listener on the host.", detail=text)
    if isinstance(exc, requests.exceptions.SSLError) or any(isinstance(c, ssl.SSLError) for c in chain):
        return _tls_error(exc, ep, chain)
    if isinstance(exc, ET.ParseError | ExpatError):
        return E.OutputNotUnderstood(
            host, "The host's WinRM answer could not be read: it was cut off or is not valid XML.",
            "Try again. If it keeps happening, something between you and the host (a proxy, a load balancer or "
            "security software) may be changing the answers: connect directly, or use HTTPS.", detail=_one_line(exc))
    if isinstance(exc, requests.exceptions.ReadTimeout):
        return E.TimedOut(host, "The host stopped answering (no reply within %d seconds)." % timeouts.request,
                          "The host may be busy or restarting. Try again in a few minutes.")
    if isinstance(exc, requests.exceptions.ConnectTimeout | socket.timeout) or (
            isinstance(exc, requests.exceptions.ConnectionError)
            and any(isinstance(c, TimeoutError | socket.timeout) for c in chain)):
        return E.TimedOut(host, "No answer from %s on port %d within %d seconds." % (host, port,
                          timeouts.request),
                          "Check that the host is on and that a firewall allows TCP port %d." % port)
    if isinstance(exc, requests.exceptions.ChunkedEncodingError) or any(
            isinstance(c, _CONNECTION_BROKE) for c in chain):
        return _connection_lost(host, text)
    if isinstance(exc, requests.exceptions.ConnectionError):
        if any(isinstance(c, socket.gaierror) for c in chain) or "NameResolutionError" in text \
                or "Name or service not known" in text or "getaddrinfo failed" in text:
            return E.NameNotResolved(host, "The name %s could not be found in DNS." % host,
                                     "Check the spelling, or use the host's full name (host.domain.local) "
                                     "or its IP address.")
        if any(isinstance(c, ConnectionRefusedError) for c in chain) or "Connection refused" in text:
            return E.ConnectionRefused(
                host, "%s refused the connection on port %d: WinRM is not listening there." % (host, port),
                "On the host, enable WinRM (%s) or check the port and the firewall." % (
                    "an HTTPS listener: see the README" if ep.transport == "https" else "winrm quickconfig"))
        return _connection_lost(host, text)
    if isinstance(exc, WinRMError):
        return E.WinRMFault(host, "WinRM error: %s" % _short(chain), "Try again; if it persists, check WinRM "
                            "on the host.", detail=text)
    if isinstance(exc, OSError):
        return E.WinRMFault(host, "Network error talking to %s: %s" % (host, _short(chain)),
                            "Check the network and try again.", detail=text)
    return None


_CONNECTION_BROKE = (ConnectionResetError, ConnectionAbortedError, BrokenPipeError, http.client.RemoteDisconnected,
                     http.client.IncompleteRead, urllib3.exceptions.ProtocolError)


def _connection_lost(host: str, text: str) -> E.ConnectionLost:
    return E.ConnectionLost(host, "The connection to %s broke off in the middle of a conversation: the host "
                            "closed it or stopped answering." % host,
                            "If the host is restarting, wait until it is back and try again. Otherwise check the "
                            "network (VPN, firewall, proxy) and try again.", detail=text)


def _one_line(exc: BaseException) -> str:
    return ("%s: %s" % (type(exc).__name__, exc)).splitlines()[0][:300]


def _tls_error(exc: BaseException, ep: Endpoint, chain: list[BaseException]) -> E.RemoteError:
    host = ep.host
    text = " ".join(str(c) for c in chain)
    fingerprint = ""
    try:
        fingerprint = fetch_certificate_sha256(ep.connect_address, ep.effective_port)
    except OSError:
        pass
    shown = format_fingerprint(fingerprint) if fingerprint else "(could not be read)"
    if ep.pinned_sha256 and "fingerprint" in text.lower():
        return E.CertificateChanged(
            host, "The host's certificate has CHANGED since you trusted it. Its new SHA-256 fingerprint is %s."
            % shown, "Do not continue unless the host's administrator confirms the certificate was renewed. "
            "Then trust the new fingerprint in the connection's settings.", detail=text, fingerprint=fingerprint)
    if "expired" in text.lower():
        return E.CertificateExpired(host, "The host's certificate has expired.",
                                    "Renew the certificate of the WinRM HTTPS listener on the host.",
                                    detail=text, fingerprint=fingerprint)
    if "hostname" in text.lower() or "match" in text.lower() or "IP address mismatch" in text:
        return E.CertificateNameMismatch(
            host, "The host's certificate is not issued for the name '%s'." % host,
            "Connect with the name the certificate carries, or issue a certificate for this name.",
            detail=text, fingerprint=fingerprint)
    return E.CertificateNotTrusted(
        host, "The host's certificate is not trusted by this computer. Its SHA-256 fingerprint is %s." % shown,
        "Ask the host's administrator to confirm this fingerprint; if it matches, choose 'Trust this "
        "certificate' for this host. Better still, give the host a certificate from your company's CA.",
        detail=text, fingerprint=fingerprint)


def parse_json_output(host: str, result: RunResult) -> Any:
    if result.undecodable_at is not None:
        raise E.OutputNotUnderstood(
            host, "The output of %s is not valid UTF-8 text (byte %d), so hvassist cannot read the names in it "
            "reliably." % (result.script, result.undecodable_at),
            "Something on the host changed the output's encoding (a logon script, a PowerShell profile, or a tool "
            "writing in the console's code page). Check the host, then try again.",
            detail=result.stdout[max(0, result.undecodable_at - 60): result.undecodable_at + 20])
    text = result.stdout.strip().lstrip("\ufeff")
    if not text:
        raise E.OutputNotUnderstood(host, "The check %s returned no output." % result.script,
                                    "Run it again; if it stays empty, see the log file for details.")
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        if e.msg.startswith("Unterminated string") or e.pos >= len(text) - 1:
            raise E.OutputNotUnderstood(
                host, "The output of %s stopped before the end of its data (incomplete JSON after %d characters)."
                % (result.script, len(text)), "Try again. If it keeps happening, the script is being stopped on "
                "the host: check its WinRM shell limits (MaxMemoryPerShellMB) and the event log "
                "Microsoft-Windows-WinRM/Operational.", detail=text[-200:]) from None
        if e.pos == 0 and text[:1] not in "{[":
            first = text.splitlines()[0][:120]
            raise E.OutputNotUnderstood(
                host, "The output of %s has other text in front of its data: '%s'." % (result.script, first),
                "Something on the host (a PowerShell module or a logon script) writes text into every session. "
                "Find it and make it quiet, then try again.", detail=text[:200]) from None
        raise E.OutputNotUnderstood(
            host, "The output of %s was not understood (invalid JSON at character %d)." % (result.script, e.pos),
            "Run it again; if it persists, save the log and report it.", detail=text[max(0, e.pos - 100): e.pos + 100]
        ) from None


def _exception_chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop()
        if e is None or any(e is s for s in seen) or len(seen) > 20:
            continue
        seen.append(e)
        todo += [e.__cause__, e.__context__]
        todo += [a for a in getattr(e, "args", ()) if isinstance(a, BaseException)]
        reason = getattr(e, "reason", None)
        if isinstance(reason, BaseException):
            todo.append(reason)
    return seen


def _short(chain: list[BaseException]) -> str:
    last = chain[-1] if chain else None
    return type(last).__name__ if last else "unknown error"


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return "no error text"


class _IncrementalUtf8:
    def __init__(self) -> None:
        import codecs

        self._dec = codecs.getincrementaldecoder("utf-8")(errors="replace")

    def feed(self, data: bytes) -> str:
        return str(self._dec.decode(data))
