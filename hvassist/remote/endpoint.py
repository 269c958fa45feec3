"""Where and how to reach a host: transport, port, authentication, trust. No secrets here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Transport = Literal["https", "http"]
Auth = Literal["ntlm", "kerberos", "credssp", "basic"]

DEFAULT_PORTS = {"https": 5986, "http": 5985}
AUTH_LABELS = {"ntlm": "NTLM", "kerberos": "Kerberos", "credssp": "CredSSP", "basic": "Basic"}


def host_name_problem(name: str, what: str = "host name") -> str:
    """'' for a DNS/NetBIOS name or an IP address, else what is wrong. The name becomes part of the WinRM URL,
    so anything else could send the connection (and the logon) elsewhere: 'admin@hv01' would reach hv01."""
    if any(c.isspace() for c in name):
        return "A %s cannot contain spaces." % what
    literal = name[1:-1] if name.startswith("[") and name.endswith("]") else name
    if "%" in literal:  # an IPv6 zone (fe80::1%eth0): only meaningful on this computer's own link
        return "'%s' is not a host name hvassist can use: give the host's name or an address without '%%'." % name
    if ":" in literal:  # only an IPv6 address has colons (a port goes in the port field)
        import ipaddress

        try:
            ipaddress.IPv6Address(literal)
        except ValueError:
            return ("'%s' is not a %s: a port goes in the Port field, and only an IPv6 address contains ':'."
                    % (name, what))
        return ""
    if len(name) > 253 or not all(c.isalnum() or c in "-._" for c in name) or name.startswith((".", "-")):
        return ("'%s' is not a %s: use letters, digits, hyphens and dots (for example hv01.contoso.local), "
                "or an IP address." % (name, what))
    return ""


@dataclass(frozen=True)
class Endpoint:
    host: str  # the name the user knows (and the TLS certificate should carry)
    address: str = ""  # where to connect if not ``host`` (the lab: 127.0.0.1)
    port: int = 0
    transport: Transport = "https"
    auth: Auth = "ntlm"
    ca_file: str = ""  # extra CA certificates to trust (PEM), in addition to the system store
    pinned_sha256: str = ""  # certificate explicitly trusted by the user (hex SHA-256)
    tls_server_name: str = ""  # name to check in the certificate if not ``host``
    allow_credssp: bool = False  # CredSSP hands the password to the host: only on the user's explicit opt-in

    @property
    def effective_port(self) -> int:
        return self.port or DEFAULT_PORTS[self.transport]

    @property
    def connect_address(self) -> str:
        return self.address or self.host

    @property
    def url(self) -> str:
        addr = self.connect_address
        if ":" in addr and not addr.startswith("["):
            addr = "[%s]" % addr
        return "%s://%s:%d/wsman" % (self.transport, addr, self.effective_port)


@dataclass(frozen=True)
class Timeouts:
    connect_read: float = 30.0  # one HTTP request (connect + read)
    operation: int = 2  # WS-Man OperationTimeout for Receive: how long the host may hold a Receive open
    script: float = 600.0  # one script, start to finish

    @property
    def request(self) -> float:
        """How long one HTTP request may take: a Receive is held open up to ``operation`` by the host, so
        never less than that plus a margin."""
        return float(max(self.connect_read, self.operation + 5))


def normalise_fingerprint(text: str) -> str:
    return "".join(c for c in text.lower() if c in "0123456789abcdef")


def format_fingerprint(hex_digest: str) -> str:
    h = normalise_fingerprint(hex_digest).upper()
    return ":".join(h[i: i + 2] for i in range(0, len(h), 2))
