"""Start a lab: one WinRM endpoint per host on 127.0.0.1 (HTTP+NTLM with encryption, or HTTPS)."""

from __future__ import annotations

import secrets
import shutil
import tempfile
from dataclasses import dataclass, field
from typing import Literal

from hvassist.lab.host import LabHost
from hvassist.lab.model import Estate, Host, load_scenario
from hvassist.lab.tlsca import LabCA
from hvassist.lab.wsman import ServerHooks, WinRMEndpoint, ntlm_password_for, register_ntlm_users
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
    guests: dict[str, LabHostEndpoint] = field(default_factory=dict)  # by the guest's FQDN (lower case)
    ca: LabCA | None = None
    ca_file: str = ""
    _tmp: str = ""

    @property
    def username(self) -> str:
        return self.estate.credentials.user

    @property
    def password(self) -> str:
        return self.estate.credentials.password

    @property
    def guest_username(self) -> str | None:
        """The account valid inside the lab's guests, when the scenario has one."""
        return self.estate.guest_credentials.user if self.estate.guest_credentials else None

    @property
    def guest_password(self) -> str | None:
        return self.estate.guest_credentials.password if self.estate.guest_credentials else None

    def start(self) -> Lab:
        self._tmp = tempfile.mkdtemp(prefix="hvassist-lab-")
        creds = self.estate.credentials
        if not creds.password:
            creds.password = ntlm_password_for(creds.user) or "Lab-" + secrets.token_urlsafe(12)
        users = {creds.user: creds.password}
        guest_creds = self.estate.guest_credentials
        if guest_creds is not None:
            if not guest_creds.password:
                guest_creds.password = ntlm_password_for(guest_creds.user) or "Guest-" + secrets.token_urlsafe(12)
            users[guest_creds.user] = guest_creds.password
        if self.auth == "ntlm":
            register_ntlm_users(users)
        if self.transport == "https":
            self.ca = LabCA()
            self.ca_file = self.ca.write_cert("%s/lab-ca.pem" % self._tmp)
        for host in self.estate.hosts:
            if host.down:
                continue
            handler = LabHost(self.estate, host)
            tls = der = None
            if self.ca is not None:
                cert = self.ca.issue([host.name.lower(), "127.0.0.1", "localhost"])
                tls, der = cert.ssl_context(), cert.cert_der
            server = WinRMEndpoint(handler, users, auth=self.auth, tls=tls, tls_cert_der=der,
                                   hooks=ServerHooks(), keep_wire_log=self.keep_wire_log).start()
            self.hosts[host.name] = LabHostEndpoint(host.name, server, handler)
            if guest_creds is not None:
                self._start_guests(host, users)
        return self

    def _start_guests(self, host: Host, users: dict[str, str]) -> None:
        """A WinRM listener for each running Windows guest reachable at its FQDN."""
        for vm in host.vms:
            g = vm.guest
            if vm.state != "Running" or not g.winrm or not g.fqdn or "Windows" not in (g.os_name or ""):
                continue
            handler = LabHost(self.estate, host, guest_vm=vm)
            tls = der = None
            if self.ca is not None:
                cert = self.ca.issue([g.fqdn.lower(), "127.0.0.1", "localhost"])
                tls, der = cert.ssl_context(), cert.cert_der
            server = WinRMEndpoint(handler, users, auth=self.auth, tls=tls, tls_cert_der=der,
                                   hooks=ServerHooks(), keep_wire_log=self.keep_wire_log).start()
            self.guests[g.fqdn.lower()] = LabHostEndpoint(g.fqdn, server, handler)

    def stop(self) -> None:
        for h in [*self.hosts.values(), *self.guests.values()]:
            h.server.stop()
        self.hosts.clear()
        self.guests.clear()
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
            h = self.guests.get(host.lower())
        if h is None:
            cluster = next((c for c in self.estate.clusters if c.name.lower() == host.lower()), None)
            if cluster is not None:  # the cluster name answers on a node that is up (the core group's owner)
                h = next((self.hosts[n] for n in cluster.nodes if n in self.hosts), None)
        if h is None:
            return Endpoint(host=host, address="127.0.0.1", port=_closed_port(), transport=self.transport,
                            auth=self.auth, ca_file=self.ca_file)
        return Endpoint(host=host, address="127.0.0.1", port=h.server.port, transport=self.transport,
                        auth=self.auth, ca_file=self.ca_file, tls_server_name="127.0.0.1")

    def host_names(self) -> list[str]:
        return [h.name for h in self.estate.hosts]

    def hyperv_host_names(self) -> list[str]:
        """The Hyper-V hosts (not the file servers) of the scenario."""
        return [h.name for h in self.estate.hosts if h.role == "hyperv"]

    def cluster_names(self) -> list[str]:
        return [c.name for c in self.estate.clusters]


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_lab(scenario: str | Estate, **kwargs: object) -> Lab:
    estate = scenario if isinstance(scenario, Estate) else load_scenario(scenario)
    return Lab(estate, **kwargs).start()  # type: ignore[arg-type]
