"""A throwaway certificate authority for the lab's HTTPS listeners (generated at start, never saved)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import ssl
import tempfile
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass
class ServerCert:
    cert_pem: bytes
    key_pem: bytes
    cert_der: bytes

    def ssl_context(self) -> ssl.SSLContext:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        with tempfile.TemporaryDirectory() as d:
            cp, kp = os.path.join(d, "c.pem"), os.path.join(d, "k.pem")
            with open(cp, "wb") as f:
                f.write(self.cert_pem)
            with open(kp, "wb") as f:
                f.write(self.key_pem)
            ctx.load_cert_chain(cp, kp)
        return ctx


@dataclass
class LabCA:
    """CA whose certificate the client trusts through ``ca_trust_path`` (or not, in TLS tests)."""

    name: str = "hvassist lab CA"
    _key: ec.EllipticCurvePrivateKey = field(init=False, repr=False)
    cert: x509.Certificate = field(init=False)

    def __post_init__(self) -> None:
        self._key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, self.name)])
        now = dt.datetime.now(dt.UTC)
        self.cert = (
            x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(self._key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                         content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False,
                                         encipher_only=False, decipher_only=False), critical=True)
            .sign(self._key, hashes.SHA256())
        )

    @property
    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def write_cert(self, path: str) -> str:
        with open(path, "wb") as f:
            f.write(self.cert_pem)
        return path

    def issue(self, names: list[str], *, expired: bool = False) -> ServerCert:
        """A server certificate for the DNS names / IP addresses given (SAN)."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        if expired:
            start, end = now - dt.timedelta(days=60), now - dt.timedelta(days=1)
        else:
            start, end = now - dt.timedelta(days=1), now + dt.timedelta(days=30)
        sans: list[x509.GeneralName] = []
        for n in names:
            try:
                sans.append(x509.IPAddress(ipaddress.ip_address(n)))
            except ValueError:
                sans.append(x509.DNSName(n))
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])]))
            .issuer_name(self.cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(start).not_valid_after(end)
            .add_extension(x509.SubjectAlternativeName(sans), critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(self._key, hashes.SHA256())
        )
        return ServerCert(
            cert_pem=cert.public_bytes(serialization.Encoding.PEM) + self.cert_pem,
            key_pem=key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()),
            cert_der=cert.public_bytes(serialization.Encoding.DER),
        )
