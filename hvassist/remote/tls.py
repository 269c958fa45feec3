"""TLS helpers: read a server's certificate without trusting it, and pin it by fingerprint."""

from __future__ import annotations

import hashlib
import socket
import ssl
from typing import Any

from requests.adapters import HTTPAdapter


def fetch_certificate_sha256(address: str, port: int, timeout: float = 10.0) -> str:
    """SHA-256 of the server's certificate (hex), read without validation so it can be shown to the user."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # only to read the fingerprint; nothing is sent on this connection
    with socket.create_connection((address, port), timeout=timeout) as raw, \
            ctx.wrap_socket(raw, server_hostname=address) as tls:
        der = tls.getpeercert(binary_form=True) or b""
    return hashlib.sha256(der).hexdigest()


class PinnedCertificateAdapter(HTTPAdapter):
    """Accept exactly one server certificate, by its SHA-256 fingerprint (urllib3 checks it on connect)."""

    def __init__(self, sha256_hex: str, **kwargs: Any) -> None:
        self._fingerprint = sha256_hex
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["assert_fingerprint"] = self._fingerprint
        kwargs["cert_reqs"] = "CERT_NONE"
        kwargs["assert_hostname"] = False
        super().init_poolmanager(*args, **kwargs)

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        conn.cert_reqs = "CERT_NONE"
        conn.ca_certs = None
        conn.assert_fingerprint = self._fingerprint
