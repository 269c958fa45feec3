"""Start a lab: one WinRM endpoint per host on 127.0.0.1 (HTTP+NTLM with encryption, or HTTPS)."""

from __future__ import annotations

import secrets
import shutil
import tempfile
from dataclasses import dataclass, field
from typing import Literal

from hvassist.lab.host import LabHost
from hvassist.lab.model import Estate, load_scenario
from hvassist.lab.tlsca import LabCA
from hvassist.lab.wsman import ServerHooks, WinRMEndpoint, register_ntlm_users
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
    hosts: dict[str, LabHostEndpoint] = field(default_factory=dict)
    clusters: dict[str, LabHostEndpoint] = field(default_factory=dict)  # cluster name -> a node's handler
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
            creds.password = "Lab-" + secrets.token_urlsafe(12)
        users = {creds.user: creds.password}
        if self.auth == "ntlm":
            register_ntlm_users(users)
        if self.transport == "https":
            self.ca = LabCA()
            self.ca_file = self.ca.write_cert("%s/lab-ca.pem" % self._tmp)
        for host in self.estate.hosts:
            if host.down:
                continue
            handler = LabHost(self.estate, host)
            self.hosts[host.name] = LabHostEndpoint(host.name, self._serve(handler, host.name, users), handler)
        # A cluster's name answers as one of its nodes that is up (as the cluster name resource does).
        for cluster in self.estate.clusters:
            node = next((self.hosts[n] for n in cluster.nodes if n in self.hosts), None)
            if node is not None and cluster.name not in self.hosts:
                self.clusters[cluster.name] = LabHostEndpoint(
                    cluster.name, self._serve(node.handler, cluster.name, users), node.handler)
        return self

    def _serve(self, handler: LabHost, name: str, users: dict[str, str]) -> WinRMEndpoint:
        tls = der = None
        if self.ca is not None:
            cert = self.ca.issue([name.lower(), "127.0.0.1", "localhost"])
            tls, der = cert.ssl_context(), cert.cert_der
        return WinRMEndpoint(handler, users, auth=self.auth, tls=tls, tls_cert_der=der,
                             hooks=ServerHooks(), keep_wire_log=self.keep_wire_log).start()

    def stop(self) -> None:
        for h in [*self.hosts.values(), *self.clusters.values()]:
            h.server.stop()
        self.hosts.clear()
        self.clusters.clear()
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self) -> Lab:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def endpoint(self, host: str) -> Endpoint:
        """How a client reaches ``host`` (or a cluster name). A host that is down gets a port nobody listens on."""
        served = {**self.clusters, **self.hosts}
        h = served.get(host) or next((v for k, v in served.items() if k.lower() == host.lower()), None)
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
