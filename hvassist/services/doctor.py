"""The connection doctor: why can't hvassist talk to this host?

It runs nine checks in order and stops at the first failure, with a plain explanation, what to do on
the host or the network, and the evidence it saw:

1. the name resolves            4. WinRM answers WS-Management     7. PowerShell runs
2. the port answers              5. the logon works                 8. Hyper-V can be managed
3. the TLS certificate is good   6. messages are encrypted          9. the account may manage Hyper-V

Used by ``hvassist doctor`` and the app's "Test connection". No Qt here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import socket
import ssl
import threading
import time
import xml.etree.ElementTree as ET  # noqa: S405 - parses the host's Identify answer; no entities expanded
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import certifi
import requests
from winrm.exceptions import InvalidCredentialsError, WinRMTransportError
from winrm.protocol import Protocol

from hvassist.cancel import CancelToken
from hvassist.remote import errors as E
from hvassist.remote.auth_support import AUTH_LABELS, auth_support
from hvassist.remote.endpoint import Endpoint, Timeouts, format_fingerprint, normalise_fingerprint
from hvassist.remote.session import HostSession, make_protocol, prepare_transport, translate_exception
from hvassist.remote.tls import PinnedCertificateAdapter

STEPS: list[tuple[str, str]] = [
    ("resolve", "Name resolves"),
    ("port", "Port answers"),
    ("tls", "Certificate (TLS)"),
    ("wsman", "WinRM answers"),
    ("auth", "Logon works"),
    ("encryption", "Messages are encrypted"),
    ("powershell", "PowerShell runs"),
    ("hyperv", "Hyper-V can be managed"),
    ("permission", "Account may manage Hyper-V"),
]
STEP_TITLES = dict(STEPS)

PASS, WARN, FAIL, SKIPPED, NOT_RUN, RUNNING = "pass", "warn", "fail", "skipped", "not-run", "running"

IDENTIFY = (b'<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
            b'xmlns:wsmid="http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd">'
            b"<s:Header/><s:Body><wsmid:Identify/></s:Body></s:Envelope>")
_WSMID = "{http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd}"
SOAP_HEADERS = {"Content-Type": "application/soap+xml;charset=UTF-8"}
# WWW-Authenticate schemes that carry each method
ACCEPTS = {"ntlm": {"negotiate", "ntlm"}, "kerberos": {"negotiate", "kerberos"}, "credssp": {"credssp"},
           "basic": {"basic"}}


@dataclass
class StepResult:
    id: str
    title: str
    status: str = NOT_RUN
    message: str = ""  # what was found, in plain words
    action: str = ""  # what to do (failures and warnings)
    evidence: list[str] = field(default_factory=list)
    seconds: float = 0.0
    fingerprint: str = ""  # TLS: the certificate's SHA-256, so the user can choose to trust it explicitly
    kind: str = ""  # a machine-readable reason, e.g. certificate-expired

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class DoctorReport:
    host: str
    target: str  # URL
    auth: str
    username: str
    steps: list[StepResult]
    cancelled: bool = False

    @property
    def failed(self) -> StepResult | None:
        return next((s for s in self.steps if s.status == FAIL), None)

    @property
    def ok(self) -> bool:
        return not self.cancelled and self.failed is None and all(
            s.status in (PASS, WARN, SKIPPED) for s in self.steps)

    @property
    def warnings(self) -> list[StepResult]:
        return [s for s in self.steps if s.status == WARN]

    def step(self, step_id: str) -> StepResult:
        return next(s for s in self.steps if s.id == step_id)

    @property
    def summary(self) -> str:
        if self.cancelled:
            return "Cancelled."
        failed = self.failed
        if failed is not None:
            number = [s.id for s in self.steps].index(failed.id) + 1
            return "Failed at step %d, %s: %s" % (number, failed.title, failed.message)
        if self.warnings:
            return "hvassist can connect to %s. Warning: %s" % (self.host, " ".join(w.message for w in self.warnings))
        return "All checks passed: hvassist can connect to %s and manage Hyper-V." % self.host

    def to_json(self) -> dict[str, Any]:
        failed = self.failed
        return {"host": self.host, "target": self.target, "auth": self.auth, "username": self.username,
                "ok": self.ok, "cancelled": self.cancelled, "failed_step": failed.id if failed else None,
                "summary": self.summary, "steps": [s.to_dict() for s in self.steps]}

    def as_text(self) -> str:
        marks = {PASS: "[ OK ]", WARN: "[WARN]", FAIL: "[FAIL]", SKIPPED: "[ -- ]", NOT_RUN: "[    ]",
                 RUNNING: "[ .. ]"}
        lines = ["Connection doctor: %s (%s, %s logon as %s)" % (self.host, self.target,
                                                               AUTH_LABELS.get(self.auth, self.auth),
                                                               self.username or "no user")]
        for i, s in enumerate(self.steps, start=1):
            lines.append("%s %d. %-27s %s" % (marks.get(s.status, "[ ?? ]"), i, s.title,
                                               s.message or ("not checked" if s.status == NOT_RUN else "")))
            if s.status in (FAIL, WARN, PASS):
                for e in s.evidence:
                    lines.append("         seen: %s" % e)
            if s.action and s.status in (FAIL, WARN):
                lines.append("         What to do: %s" % s.action)
        lines.append("")
        lines.append(self.summary)
        return "\n".join(lines)


class _StepFailed(Exception):
    def __init__(self, message: str, action: str, evidence: list[str] | None = None, kind: str = "",
                 fingerprint: str = "") -> None:
        super().__init__(message)
        self.message, self.action, self.evidence = message, action, evidence or []
        self.kind, self.fingerprint = kind, fingerprint


@dataclass
class _Outcome:
    status: str
    message: str
    evidence: list[str] = field(default_factory=list)
    action: str = ""
    fingerprint: str = ""


@dataclass
class _TlsFacts:
    fingerprint: str
    sha1: str
    version: str
    cipher: str
    evidence: list[str]


def run_doctor(endpoint: Endpoint, username: str, password: str | None, *, cancel: CancelToken | None = None,
               on_step: Callable[[StepResult], None] | None = None,
               timeouts: Timeouts | None = None) -> DoctorReport:
    """Run the checks in order; stop at the first failure. ``on_step`` sees each step start and finish."""
    return _Doctor(endpoint, username, password, cancel or CancelToken(), on_step,
                   timeouts or Timeouts(connect_read=15, script=120)).run()


class _Doctor:
    def __init__(self, ep: Endpoint, username: str, password: str | None, cancel: CancelToken,
                 on_step: Callable[[StepResult], None] | None, timeouts: Timeouts) -> None:
        self.ep = ep
        self.username = username
        self.password = password
        self.cancel = cancel
        self.on_step = on_step
        self.timeouts = timeouts
        self.address = ep.connect_address.strip("[]")
        self.port = ep.effective_port
        self.method = AUTH_LABELS.get(ep.auth, ep.auth)
        self.tls: _TlsFacts | None = None
        self.offered: list[str] = []
        self.protocol: Protocol | None = None
        self.facts: dict[str, Any] = {}

    # -- driver ----------------------------------------------------------------------------------
    def run(self) -> DoctorReport:
        steps = [StepResult(sid, title) for sid, title in STEPS]
        report = DoctorReport(self.ep.host, self.ep.url, self.ep.auth, self.username, steps)
        checks: dict[str, Callable[[], _Outcome]] = {
            "resolve": self.check_resolve, "port": self.check_port, "tls": self.check_tls,
            "wsman": self.check_wsman, "auth": self.check_auth, "encryption": self.check_encryption,
            "powershell": self.check_powershell, "hyperv": self.check_hyperv, "permission": self.check_permission,
        }
        try:
            for step in steps:
                if self.cancel.cancelled:
                    report.cancelled = True
                    break
                step.status = RUNNING
                self._notify(step)
                started = time.monotonic()
                try:
                    outcome = self._interruptible(checks[step.id])
                    step.status, step.message, step.evidence = outcome.status, outcome.message, outcome.evidence
                    step.action, step.fingerprint = outcome.action, outcome.fingerprint
                except _Cancelled:
                    step.status, step.message = NOT_RUN, "Cancelled."
                    report.cancelled = True
                except _StepFailed as f:
                    step.status, step.message, step.action, step.evidence = FAIL, f.message, f.action, f.evidence
                    step.kind, step.fingerprint = f.kind, f.fingerprint
                step.seconds = round(time.monotonic() - started, 3)
                self._notify(step)
                if step.status == FAIL or report.cancelled:
                    break
        finally:
            self._close()
        for step in steps:
            if step.status == NOT_RUN and not step.message:
                step.message = "Not checked: cancelled." if report.cancelled else "Not checked: an earlier step failed."
        return report

    def _notify(self, step: StepResult) -> None:
        if self.on_step is not None:
            self.on_step(StepResult(**asdict(step)))

    def _interruptible(self, fn: Callable[[], _Outcome]) -> _Outcome:
        """Run a check on a helper thread so Cancel answers at once (the check ends by its own timeout)."""
        box: list[Any] = []
        done = threading.Event()

        def work() -> None:
            try:
                box.append(fn())
            except BaseException as e:  # handed back to the driver
                box.append(e)
            finally:
                done.set()

        threading.Thread(target=work, daemon=True, name="hvassist-doctor").start()
        while not done.wait(0.1):
            if self.cancel.cancelled:
                raise _Cancelled()
        result = box[0]
        if isinstance(result, BaseException):
            if isinstance(result, E.Cancelled):
                raise _Cancelled()
            raise result
        if not isinstance(result, _Outcome):
            raise TypeError(result)
        return result

    def _close(self) -> None:
        if self.protocol is not None:
            try:
                self.protocol.transport.close_session()
            except Exception:  # noqa: S110 - best effort
                pass

    # -- 1. name -----------------------------------------------------------------------------------
    def check_resolve(self) -> _Outcome:
        name = self.address
        via = "" if name.lower() == self.ep.host.lower() else " (the address saved for %s)" % self.ep.host
        if _is_ip(name):
            return _Outcome(PASS, "%s is an IP address: there is no name to look up." % name,
                            ["address: %s%s" % (name, via)])
        try:
            infos = socket.getaddrinfo(name, self.port, type=socket.SOCK_STREAM)
        except socket.gaierror as e:
            raise _StepFailed(
                "The name %s could not be found%s." % (name, via),
                "Check the spelling. Use the host's full name (for example hv01.contoso.local) or its IP address. "
                "If the name is right, this computer may not use the customer's DNS servers: connect the VPN, "
                "then try 'nslookup %s'." % name,
                ["DNS lookup of %s: %s" % (name, e.strerror or e)], kind="name-not-resolved") from None
        addresses = list(dict.fromkeys(str(i[4][0]) for i in infos))
        return _Outcome(PASS, "%s resolves to %s." % (name, ", ".join(addresses[:3])),
                        ["DNS lookup of %s%s: %s" % (name, via, ", ".join(addresses))])

    # -- 2. port -----------------------------------------------------------------------------------
    def check_port(self) -> _Outcome:
        port, transport = self.port, self.ep.transport.upper()
        started = time.monotonic()
        try:
            with socket.create_connection((self.address, port), timeout=10) as sock:
                peer = sock.getpeername()
        except ConnectionRefusedError:
            listener = ("an HTTPS listener (it needs a certificate for the host's name): "
                        "winrm quickconfig -transport:https" if self.ep.transport == "https"
                        else "the HTTP listener: winrm quickconfig (or Enable-PSRemoting -Force)")
            raise _StepFailed(
                "Nothing answers on port %d of %s: the connection was refused." % (port, self.ep.host),
                "WinRM is not listening on this port. On the host, as administrator, create %s, and allow TCP "
                "port %d in Windows Firewall. If the host uses another port, change the port in the "
                "connection." % (listener, port),
                ["TCP connect to %s:%d: refused" % (self.address, port)], kind="connection-refused") from None
        except TimeoutError:
            raise _StepFailed(
                "No answer from port %d of %s within 10 seconds." % (port, self.ep.host),
                "A firewall is probably dropping the connection, or the host is off. Check that the host is on, "
                "that Windows Firewall allows 'Windows Remote Management (%s-In)' on TCP port %d, and any network "
                "firewall between this computer and the host." % (transport, port),
                ["TCP connect to %s:%d: no answer in 10 s" % (self.address, port)], kind="timed-out") from None
        except OSError as e:
            raise _StepFailed(
                "Port %d of %s cannot be reached: %s." % (port, self.ep.host, e.strerror or e),
                "Check this computer's network connection (and the VPN), then try again.",
                ["TCP connect to %s:%d: %s" % (self.address, port, e)], kind="network-error") from None
        ms = (time.monotonic() - started) * 1000
        return _Outcome(PASS, "TCP port %d answers." % port,
                        ["TCP connect to %s:%d: connected in %.0f ms" % (peer[0], peer[1], ms)])

    # -- 3. TLS ------------------------------------------------------------------------------------
    def check_tls(self) -> _Outcome:
        if self.ep.transport != "https":
            return _Outcome(SKIPPED, "Not used: HTTP. Messages are encrypted by the logon method instead "
                            "(see step 6).")
        der, version, cipher = _peer_certificate(self.address, self.port)
        from cryptography import x509
        from cryptography.x509.oid import NameOID

        cert = x509.load_der_x509_certificate(der)
        fingerprint = hashlib.sha256(der).hexdigest()
        sha1 = hashlib.sha1(der, usedforsecurity=False).hexdigest()
        cn = [a.value for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
        issuer = [a.value for a in cert.issuer.get_attributes_for_oid(NameOID.COMMON_NAME)]
        dns_names: list[str] = []
        ip_names: list[str] = []
        try:
            san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
            dns_names = [str(n) for n in san.get_values_for_type(x509.DNSName)]
            ip_names = [str(n) for n in san.get_values_for_type(x509.IPAddress)]
        except x509.ExtensionNotFound:
            pass
        now = dt.datetime.now(dt.UTC)
        not_after, not_before = cert.not_valid_after_utc, cert.not_valid_before_utc
        names = dns_names + ip_names or [str(c) for c in cn]
        evidence = [
            "certificate issued for: %s" % ", ".join(names),
            "issued by: %s" % (", ".join(str(i) for i in issuer) or cert.issuer.rfc4514_string()),
            "valid from %s until %s" % (not_before.date().isoformat(), not_after.date().isoformat()),
            "SHA-256 fingerprint: %s" % format_fingerprint(fingerprint),
            "SHA-1 thumbprint (as Windows shows it): %s" % sha1.upper(),
            "%s, cipher %s" % (version, cipher),
        ]
        self.tls = _TlsFacts(fingerprint, sha1, version, cipher, evidence)
        pinned = normalise_fingerprint(self.ep.pinned_sha256)
        if pinned:
            if pinned == fingerprint:
                return _Outcome(PASS, "You trusted this certificate explicitly, and the host still presents it.",
                                ["trusted (pinned) fingerprint: %s" % format_fingerprint(pinned), *evidence])
            raise _StepFailed(
                "The host's certificate has CHANGED since you trusted it. This can mean the certificate was "
                "renewed, or that someone is intercepting the connection.",
                "Do not continue until the host's administrator confirms the new certificate: on the host, "
                "'Get-ChildItem Cert:\\LocalMachine\\My' lists the SHA-1 thumbprints to compare. Only then "
                "choose 'Trust the new certificate'.",
                ["trusted (pinned) fingerprint: %s" % format_fingerprint(pinned),
                 "presented now: %s" % format_fingerprint(fingerprint), *evidence[:3], *evidence[4:]],
                kind="certificate-changed", fingerprint=fingerprint)
        cafile = self.ep.ca_file or certifi.where()
        trust_error = _verify_chain(self.address, self.port, cafile)
        trust_source = "the CA file %s" % self.ep.ca_file if self.ep.ca_file else "this computer's trusted CAs"
        expired = now > not_after
        if trust_error and "expired" not in trust_error:
            raise _StepFailed(
                "The host's certificate is not trusted: it was not issued by a certificate authority this "
                "computer trusts%s." % (" (and it has expired)" if expired else ""),
                "Ask the host's administrator whether the SHA-256 fingerprint below is the host's certificate. "
                "If it is, choose 'Trust this certificate' (or run hvassist doctor with --trust-fingerprint). "
                "Better: give the WinRM listener a certificate from your company's CA.",
                ["checked against %s: %s" % (trust_source, trust_error), *evidence],
                kind="certificate-not-trusted", fingerprint=fingerprint)
        if expired or now < not_before:
            when = not_after if expired else not_before
            raise _StepFailed(
                "The host's certificate %s on %s." % ("expired" if expired else "is not valid until",
                                                     when.date().isoformat()),
                "Renew the certificate of the host's WinRM HTTPS listener, then point the listener at it: "
                "winrm set winrm/config/Listener?Address=*+Transport=HTTPS @{CertificateThumbprint=\"<new "
                "thumbprint>\"}. Until then you can trust this certificate explicitly.",
                ["today: %s" % now.date().isoformat(), *evidence], kind="certificate-expired",
                fingerprint=fingerprint)
        if not _name_matches(self.address, dns_names, ip_names, [str(c) for c in cn]):
            raise _StepFailed(
                "The host's certificate is issued for %s, not for %s." % (", ".join(names), self.address),
                "Connect using a name the certificate carries (change the host name or address in the "
                "connection), or give the WinRM listener a certificate for %s." % self.address,
                ["name checked: %s" % self.address, *evidence], kind="certificate-name-mismatch",
                fingerprint=fingerprint)
        return _Outcome(PASS, "The certificate is trusted, issued for %s and valid until %s." % (
            self.address, not_after.date().isoformat()), ["checked against %s: trusted" % trust_source, *evidence])

    # -- 4. WS-Management ----------------------------------------------------------------------------
    def check_wsman(self) -> _Outcome:
        with self._plain_session() as http:
            try:
                identify = http.post(self.ep.url, data=IDENTIFY, timeout=self.timeouts.connect_read,
                                     headers={**SOAP_HEADERS, "WSMANIDENTIFY": "unauthenticated"})
                probe = http.post(self.ep.url, data=b"", headers=SOAP_HEADERS, timeout=self.timeouts.connect_read)
            except requests.RequestException as e:
                err = translate_exception(e, self.ep, self.timeouts)
                raise _StepFailed(err.message if err else str(e), err.action if err else "Try again.",
                                  ["POST %s: %s" % (self.ep.url, type(e).__name__)]) from None
        server = (identify.headers.get("Server", "") or probe.headers.get("Server", "")).strip()
        self.offered = _auth_schemes(probe.headers.get("WWW-Authenticate", ""))
        evidence = ["anonymous Identify: HTTP %d%s" % (identify.status_code, " from %s" % server if server else "")]
        if self.offered:
            evidence.append("logon methods offered: %s" % ", ".join(self.offered))
        info = _parse_identify(identify.content) if identify.status_code == 200 else None
        if info is not None:
            evidence.insert(1, "WS-Management: %s, %s" % (info.get("ProductVendor", "?"),
                                                          info.get("ProductVersion", "?")))
            stack = info.get("ProductVersion", "").rsplit("Stack: ", 1)[-1]
            return _Outcome(PASS, "WinRM answers (WS-Management stack %s)." % stack, evidence)
        if identify.status_code == 401 and probe.status_code == 401 and self.offered:
            return _Outcome(PASS, "WinRM answers and asks for a logon (anonymous Identify is switched off).",
                            evidence)
        raise _StepFailed(
            "Port %d answers, but not as WinRM (HTTP %d%s)." % (self.port, identify.status_code,
                                                                 " from %s" % server if server else ""),
            "Another program (for example IIS or a proxy) answers on this port, or WinRM listens on another port. "
            "On the host, 'winrm enumerate winrm/config/listener' shows WinRM's listeners and ports; fix the port "
            "in the connection, or move the other program.", evidence, kind="winrm-not-available")

    # -- 5. logon ------------------------------------------------------------------------------------
    def check_auth(self) -> _Outcome:
        ep, method = self.ep, self.method
        support = auth_support(ep.auth)
        if not support.available:
            raise _StepFailed(support.reason, "Choose NTLM for this connection%s." % (
                ", or install pywinrm's Kerberos extra (pip install \"pywinrm[kerberos]\")"
                if ep.auth == "kerberos" else ""), ["method chosen: %s" % method], kind="method-not-available")
        if ep.transport == "http" and ep.auth == "basic":
            return _Outcome(SKIPPED, "Not tried: Basic logon over HTTP would send your password in clear text "
                            "(see step 6).")
        if ep.auth == "credssp" and not ep.allow_credssp:
            raise _StepFailed("CredSSP hands your password to the host, and you have not allowed it for this "
                              "connection.", "Choose NTLM or Kerberos, or allow CredSSP explicitly in the "
                              "connection's settings.", ["method chosen: CredSSP, not allowed"],
                              kind="credssp-not-allowed")
        if ep.auth == "kerberos" and _is_ip(self.address):
            raise _StepFailed("Kerberos needs the host's name, not an IP address.",
                              "Enter the host's full name (hv01.contoso.local), or choose NTLM.",
                              ["address: %s" % self.address], kind="kerberos-needs-name")
        if not self.username or self.password is None:
            raise _StepFailed("No user name or password is set for %s." % ep.host,
                              "Set the credentials on the host, or on its customer or site.",
                              ["user: %s" % (self.username or "(none)")], kind="no-credentials")
        accepted = ACCEPTS.get(ep.auth, set())
        if self.offered and not accepted & {o.lower() for o in self.offered}:
            enable = {"credssp": "Enable-WSManCredSSP -Role Server", "kerberos": "join the host to the domain",
                      "basic": "winrm set winrm/config/service/auth @{Basic=\"true\"}"}.get(
                ep.auth, "winrm set winrm/config/service/auth @{Negotiate=\"true\"}")
            raise _StepFailed(
                "The host does not offer %s logon (it offers %s)." % (method, ", ".join(self.offered)),
                "Choose a method the host offers, or enable %s on the host: %s." % (method, enable),
                ["logon methods offered: %s" % ", ".join(self.offered), "method chosen: %s" % method],
                kind="method-not-offered")
        evidence = ["method: %s as %s" % (method, self.username)]
        try:
            protocol = make_protocol(ep, self.username, self.password, self.timeouts)
            self.protocol = protocol
            prepare_transport(protocol, ep)  # over HTTP this logs on, to set up message encryption
            if ep.transport == "https":
                info = _parse_identify(protocol.transport.send_message(IDENTIFY))
                if info:
                    evidence.append("authenticated Identify: %s" % info.get("ProductVersion", "?"))
            else:
                evidence.append("logon request answered: HTTP 200, session key for message encryption agreed")
        except InvalidCredentialsError:
            raise _StepFailed(
                "The host refused the logon for %s (%s)." % (self.username, method),
                "Check the user name (DOMAIN\\user or user@domain.local; for a local account HOSTNAME\\user) and "
                "the password, and that the account is not locked out or expired.",
                [*evidence, "answer: HTTP 401 (credentials rejected)"], kind="authentication-failed") from None
        except E.RemoteError as e:
            raise _StepFailed(e.message, e.action, [*evidence, e.detail][:3], kind=e.kind) from None
        except Exception as e:
            err = translate_exception(e, ep, self.timeouts)
            if err is None:
                raise
            raise _StepFailed(err.message, err.action, [*evidence, "error: %s" % type(e).__name__],
                              kind=err.kind) from None
        return _Outcome(PASS, "%s logon accepted for %s." % (method, self.username), evidence)

    # -- 6. encryption -------------------------------------------------------------------------------
    def check_encryption(self) -> _Outcome:
        ep = self.ep
        if ep.transport == "https":
            tls = self.tls
            return _Outcome(PASS, "HTTPS: TLS encrypts every message%s." % (" (%s)" % tls.version if tls else ""),
                            ["transport: HTTPS%s" % (", %s, cipher %s" % (tls.version, tls.cipher) if tls else "")])
        if ep.auth == "basic":
            raise _StepFailed(
                "Basic logon over HTTP would send your password and all data in clear text, so hvassist refuses it.",
                "Use HTTPS (port 5986), or choose NTLM or Kerberos, which encrypt every message over HTTP.",
                ["transport: HTTP", "method chosen: Basic"], kind="insecure-transport-refused")
        protocol = self.protocol
        if protocol is None or protocol.transport.encryption is None:
            raise _StepFailed("Message encryption could not be set up with %s over HTTP." % self.method,
                              "Use HTTPS (port 5986), or NTLM/Kerberos logon.", ["transport: HTTP"],
                              kind="insecure-transport-refused")
        seen: list[str] = []
        session = protocol.transport.session
        assert session is not None

        def record(response: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
            seen.append("reply: HTTP %d, %s" % (response.status_code,
                                                  response.headers.get("Content-Type", "no content type")))
            return response

        session.hooks["response"].insert(0, record)
        evidence = ["transport: HTTP with %s message encryption" % self.method,
                    "request sent as multipart/encrypted (%s)" % protocol.transport.encryption.protocol_string.decode()]
        try:
            info = _parse_identify(protocol.transport.send_message(IDENTIFY))
        except E.InsecureTransportRefused as e:
            raise _StepFailed(e.message, e.action, [*evidence, *seen], kind=e.kind) from None
        except WinRMTransportError as e:
            raise _StepFailed(
                "The host accepted the logon but refused the encrypted message (HTTP %d)." % e.code,
                "This listener takes only unencrypted messages (or a device in between cannot pass encrypted "
                "WinRM messages). hvassist does not send data unencrypted: use HTTPS (port 5986), or on the host "
                "run winrm set winrm/config/service @{AllowUnencrypted=\"false\"} and check that Negotiate "
                "logon is on (winrm get winrm/config/service/auth).", [*evidence, *seen],
                kind="encryption-refused") from None
        except Exception as e:
            err = translate_exception(e, ep, self.timeouts)
            if err is None:
                raise
            raise _StepFailed(err.message, err.action, [*evidence, *seen], kind=err.kind) from None
        if info:
            seen.append("Identify answered: %s" % info.get("ProductVersion", "?"))
        return _Outcome(PASS, "Every message is encrypted (%s over HTTP)." % self.method, [*evidence, *seen])

    # -- 7-9. PowerShell, Hyper-V, rights -------------------------------------------------------------
    def check_powershell(self) -> _Outcome:
        assert self.password is not None
        try:
            with HostSession(self.ep, self.username, self.password, cancel=self.cancel,
                             timeouts=self.timeouts) as s:
                facts = s.run_json("doctor-probe")
        except E.AccessDenied as e:
            raise _StepFailed(
                "The host refused to open a remote shell for %s: Access is denied." % self.username,
                "Make the account a member of the local Administrators group on the host (or of 'Remote "
                "Management Users'). A local account that is an administrator is filtered by remote UAC: use a "
                "domain account, or set LocalAccountTokenFilterPolicy=1 on the host.",
                ["open remote shell: %s" % (e.detail or "Access is denied")], kind="access-denied") from None
        except E.ScriptFailed as e:
            first = next((line.strip() for line in e.ps_error.splitlines() if line.strip()), "no error text")
            if "is not recognized" in e.ps_error:
                first = " ".join(line.strip() for line in e.ps_error.splitlines() if line.strip())
                raise _StepFailed(
                    "PowerShell could not be started on the host: %s" % first,
                    "On the host, check that Windows PowerShell is installed and that "
                    "C:\\Windows\\System32\\WindowsPowerShell\\v1.0 is in the system PATH (System Properties > "
                    "Environment Variables). On a 2008 R2 Server Core host, install it with "
                    "DISM /Online /Enable-Feature /FeatureName:MicrosoftWindowsPowerShell.",
                    ["remote shell: opened", "start powershell.exe: %s" % first], kind="powershell-missing") from None
            raise _StepFailed("PowerShell started but the check failed: %s" % first,
                              "Read PowerShell's message; it usually names what is missing or not allowed.",
                              ["remote shell: opened", "PowerShell error: %s" % first], kind=e.kind) from None
        except E.RemoteError as e:
            raise _StepFailed(e.message, e.action, ["error: %s" % (e.detail or e.kind)], kind=e.kind) from None
        if not isinstance(facts, dict):
            raise _StepFailed("The check's output was not understood.", "Run the doctor again; if it persists, "
                              "save the log and report it.", ["output: %s" % type(facts).__name__])
        self.facts = facts
        return _Outcome(PASS, "PowerShell %s runs on %s as %s." % (facts.get("ps_version"), facts.get("name"),
                                                                  facts.get("user")),
                        ["remote shell: opened (UTF-8)", "PowerShell version: %s" % facts.get("ps_version"),
                         "host: %s, %s (build %s)" % (facts.get("name"), facts.get("os_caption"),
                                                      facts.get("os_build"))])

    def check_hyperv(self) -> _Outcome:
        f = self.facts
        name = f.get("name") or self.ep.host
        build = int(f.get("os_build") or 0)
        vmms = str(f.get("vmms_service") or "")
        evidence = ["Hyper-V service (vmms): %s" % (vmms or "not installed"),
                    "Hyper-V PowerShell module: %s" % (f.get("hyperv_module_version") or "not installed"),
                    "WMI root\\virtualization: %s" % ("present" if f.get("wmi_v1") else "absent"),
                    "WMI root\\virtualization\\v2: %s" % ("present" if f.get("wmi_v2") else "absent")]
        if not vmms:
            raise _StepFailed(
                "Hyper-V is not installed on %s: there is no Hyper-V Virtual Machine Management service." % name,
                "Check that this is the right host. On a Hyper-V host, install the role as administrator: "
                "Install-WindowsFeature Hyper-V -IncludeManagementTools -Restart.", evidence,
                kind="hyperv-role-missing")
        legacy = build and build < 9200
        if legacy:
            if not f.get("wmi_v1"):
                raise _StepFailed("Hyper-V's WMI interface (root\\virtualization) is missing on %s." % name,
                                  "Check the Hyper-V role and the 'Windows Management Instrumentation' service on "
                                  "the host.", evidence, kind="hyperv-wmi-missing")
            outcome = _Outcome(PASS, "Windows Server 2008 R2: Hyper-V is managed through WMI (root\\virtualization).",
                               evidence)
        elif not f.get("hyperv_module"):
            raise _StepFailed(
                "The Hyper-V PowerShell module is not installed on %s." % name,
                "On the host, as administrator: Install-WindowsFeature Hyper-V-PowerShell (no restart needed).",
                evidence, kind="hyperv-module-missing")
        else:
            outcome = _Outcome(PASS, "The Hyper-V module %s is installed." % f.get("hyperv_module_version"), evidence)
        if vmms.lower() != "running":
            outcome.status = WARN
            outcome.message += " But the Hyper-V service (vmms) is %s." % vmms
            outcome.action = "On the host: Start-Service vmms."
        return outcome

    def check_permission(self) -> _Outcome:
        f = self.facts
        user, name = f.get("user") or self.username, f.get("name") or self.ep.host
        evidence = ["account: %s" % user, "local administrator: %s" % ("yes" if f.get("is_admin") else "no"),
                    "Hyper-V Administrators: %s" % ("yes" if f.get("is_hyperv_admin") else "no")]
        if f.get("is_admin"):
            return _Outcome(PASS, "%s is a local administrator on %s." % (user, name), evidence)
        if f.get("is_hyperv_admin"):
            return _Outcome(WARN, "%s may manage VMs (Hyper-V Administrators) but is not a local administrator, "
                            "so VSS checks will be incomplete." % user, evidence,
                            "For a full diagnosis, use an account in the local Administrators group of %s." % name)
        raise _StepFailed(
            "%s may not manage Hyper-V on %s: it is neither a local administrator nor in 'Hyper-V "
            "Administrators'." % (user, name),
            "On the host, add the account to the local Administrators group (net localgroup Administrators %s "
            "/add), or use an account that already is one." % user, evidence, kind="not-admin")

    # -- helpers -----------------------------------------------------------------------------------
    def _plain_session(self) -> requests.Session:
        http = requests.Session()
        http.trust_env = False  # no proxies from the environment, as for the WinRM session itself
        if self.ep.transport == "https":
            pinned = normalise_fingerprint(self.ep.pinned_sha256)
            if pinned:
                http.mount("https://", PinnedCertificateAdapter(pinned))
            else:
                http.verify = self.ep.ca_file or True
        return http


class _Cancelled(Exception):
    pass


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
        return True
    except ValueError:
        return False


def _peer_certificate(address: str, port: int) -> tuple[bytes, str, str]:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # only to read the certificate and show it; nothing is sent
    try:
        with socket.create_connection((address, port), timeout=10) as raw, \
                ctx.wrap_socket(raw, server_hostname=None if _is_ip(address) else address) as tls:
            der = tls.getpeercert(binary_form=True) or b""
            cipher = tls.cipher()
            version = tls.version() or "TLS"
    except (ssl.SSLError, OSError) as e:
        raise _StepFailed("The TLS handshake with port %d failed: %s." % (port, getattr(e, "reason", None) or e),
                          "The port may not be an HTTPS listener: check the transport (HTTPS on 5986, HTTP on "
                          "5985) and the port in the connection.", ["TLS handshake: %s" % type(e).__name__],
                          kind="tls-handshake-failed") from None
    if not der:
        raise _StepFailed("The host presented no certificate.", "Check the HTTPS listener's certificate on the host.",
                          ["TLS handshake: no certificate"])
    return der, version.replace("TLSv", "TLS "), cipher[0] if cipher else "?"


def _verify_chain(address: str, port: int, cafile: str) -> str:
    """'' when the chain verifies against ``cafile``; else OpenSSL's reason (the name is checked separately)."""
    ctx = ssl.create_default_context(cafile=cafile)
    ctx.check_hostname = False
    try:
        with socket.create_connection((address, port), timeout=10) as raw, \
                ctx.wrap_socket(raw, server_hostname=None if _is_ip(address) else address):
            return ""
    except ssl.SSLCertVerificationError as e:
        return str(e.verify_message or e.reason or e)
    except (ssl.SSLError, OSError) as e:
        return "handshake failed (%s)" % type(e).__name__


def _name_matches(name: str, dns_names: list[str], ip_names: list[str], common_names: list[str]) -> bool:
    if _is_ip(name):
        return any(ipaddress.ip_address(name) == ipaddress.ip_address(i) for i in ip_names)
    wanted = name.lower().rstrip(".")
    for pattern in dns_names or common_names:  # the subject's CN counts only without DNS names (RFC 6125)
        p = pattern.lower().rstrip(".")
        if p == wanted:
            return True
        if p.startswith("*.") and "." in wanted and wanted.split(".", 1)[1] == p[2:]:
            return True
    return False


def _auth_schemes(header: str) -> list[str]:
    known = {"negotiate": "Negotiate", "kerberos": "Kerberos", "ntlm": "NTLM", "basic": "Basic",
             "credssp": "CredSSP"}
    found: list[str] = []
    for part in header.split(","):
        token = part.strip().split(" ", 1)[0].lower()
        if token in known and known[token] not in found:
            found.append(known[token])
    return found


def _parse_identify(body: bytes) -> dict[str, str] | None:
    try:
        root = ET.fromstring(body)  # noqa: S314 - a short reply; ElementTree expands no external entities
    except ET.ParseError:
        return None
    node = root.find(".//%sIdentifyResponse" % _WSMID)
    if node is None:
        return None
    return {child.tag.replace(_WSMID, ""): (child.text or "").strip() for child in node}
