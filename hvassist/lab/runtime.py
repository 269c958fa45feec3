"""Start a lab: one WinRM endpoint per host on 127.0.0.1 (HTTP+NTLM with encryption, or HTTPS)."""

from __future__ import annotations

import secrets
import shutil
import tempfile
from dataclasses import dataclass, field
from typing import Literal

from hvassist.lab.costs import Costs
from hvassist.lab.host import LabHost
from hvassist.lab.model import Estate, load_scenario
from hvassist.lab.tlsca import LabCA
from hvassist.lab.wsman import WinRMEndpoint, ntlm_password_for, register_ntlm_users
from hvassist.remote.endpoint import Endpoint


@dataclass
class LabHostEndpoint:
    name: str
    server: WinRMEndpoint
    handler: LabHost


@dataclass
class Lab:
    """A running lab. ``endpoint(host)`` gives the client-side settings to reach a host."""

    estate: Estate
    transport: Literal["http", "https"] = "http"
    auth: Literal["ntlm", "basic"] = "ntlm"
    keep_wire_log: bool = False
    # What the network and hosts charge; None: the scenario's [costs] table, or nothing (tests, demo).
    costs: Costs | None = None
    # Benchmark only: also answer the naive one-check-per-call scripts of benchmarks/estate.py
    # (hvassist.lab.naive_benchmark). Never set by the product.
    accept_naive_benchmark_scripts: bool = False
    hosts: dict[str, LabHostEndpoint] = field(default_factory=dict)
    ca: LabCA | None = None
    ca_file: str = ""
    _tmp: str = ""

    @property
    def username(self) -> str:
        return self.estate.credentials.user

    @property
    def password(self) -> str:
        return self.estate.credentials.password

    def start(self) -> Lab:
        self._tmp = tempfile.mkdtemp(prefix="hvassist-lab-")
        creds = self.estate.credentials
        if not creds.password:
            creds.password = ntlm_password_for(creds.user) or "Lab-" + secrets.token_urlsafe(12)
        users = {creds.user: creds.password}
        if self.auth == "ntlm":
            register_ntlm_users(users)
        if self.transport == "https":
            self.ca = LabCA()
            self.ca_file = self.ca.write_cert("%s/lab-ca.pem" % self._tmp)
        costs = self.effective_costs
        for host in self.estate.hosts:
            if host.down:
                continue
            handler = LabHost(self.estate, host, costs=costs,
                              accept_naive_benchmark_scripts=self.accept_naive_benchmark_scripts)
            tls = der = None
            if self.ca is not None:
                cert = self.ca.issue([host.name.lower(), "127.0.0.1", "localhost"])
                tls, der = cert.ssl_context(), cert.cert_der
            server = WinRMEndpoint(handler, users, auth=self.auth, tls=tls, tls_cert_der=der,
                                   hooks=costs.server_hooks(), keep_wire_log=self.keep_wire_log).start()
            self.hosts[host.name] = LabHostEndpoint(host.name, server, handler)
        return self

    @property
    def effective_costs(self) -> Costs:
        if self.costs is not None:
            return self.costs
        return self.estate.costs if self.estate.costs is not None else Costs.off()

    def stop(self) -> None:
        for h in self.hosts.values():
            h.server.stop()
        self.hosts.clear()
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self) -> Lab:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def endpoint(self, host: str) -> Endpoint:
        """How a client reaches ``host``. A host that is down gets a port nobody listens on."""
        h = self.hosts.get(host) or next((v for k, v in self.hosts.items() if k.lower() == host.lower()), None)
        if h is None:
            return Endpoint(host=host, address="127.0.0.1", port=_closed_port(), transport=self.transport,
                            auth=self.auth, ca_file=self.ca_file)
        return Endpoint(host=host, address="127.0.0.1", port=h.server.port, transport=self.transport,
                        auth=self.auth, ca_file=self.ca_file, tls_server_name="127.0.0.1")

    def host_names(self) -> list[str]:
        return [h.name for h in self.estate.hosts]


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_lab(scenario: str | Estate, **kwargs: object) -> Lab:
    estate = scenario if isinstance(scenario, Estate) else load_scenario(scenario)
    return Lab(estate, **kwargs).start()  # type: ignore[arg-type]
