"""Start a lab: one WinRM endpoint per host on 127.0.0.1 (HTTP+NTLM with encryption, or HTTPS)."""

from __future__ import annotations

import dataclasses
import secrets
import shutil
import tempfile
from dataclasses import dataclass, field
from typing import Literal

from hvassist.lab import faults
from hvassist.lab.host import LabHost
from hvassist.lab.model import Estate, Host, load_scenario
from hvassist.lab.tlsca import LabCA, ServerCert
from hvassist.lab.wsman import ServerHooks, WinRMEndpoint, ntlm_password_for, register_ntlm_users
from hvassist.remote.endpoint import Endpoint


@dataclass
class LabHostEndpoint:
    name: str
    server: WinRMEndpoint
    handler: LabHost
    transport: Literal["http", "https"] = "http"


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
    plans: dict[str, faults.ListenerPlan] = field(default_factory=dict)
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
        # the same account, typed as a consultant would: CONTOSO\hvadmin
        bare = creds.user.rpartition("\\")[2]
        users.update({"%s\\%s" % (d.netbios or d.name.split(".")[0].upper(), bare): creds.password
                      for d in self.estate.domains})
        guest_creds = self.estate.guest_credentials
        if guest_creds is not None:
            if not guest_creds.password:
                guest_creds.password = ntlm_password_for(guest_creds.user) or "Guest-" + secrets.token_urlsafe(12)
            users[guest_creds.user] = guest_creds.password
        if self.auth == "ntlm":
            register_ntlm_users(users)
        self.plans = {h.name: faults.listener_plan(h, self.transport) for h in self.estate.hosts}
        if any(p.transport == "https" for p in self.plans.values()):
            self.ca = LabCA()
            self.ca_file = self.ca.write_cert("%s/lab-ca.pem" % self._tmp)
        for host in self.estate.hosts:
            plan = self.plans[host.name]
            if host.down or not plan.serve:
                continue
            handler = LabHost(self.estate, host)
            tls = der = None
            if plan.transport == "https" and self.ca is not None:
                cert = self._certificate(host, plan)
                tls, der = cert.ssl_context(), cert.cert_der
            server = WinRMEndpoint(handler, users, auth=self.auth, tls=tls, tls_cert_der=der,
                                   hooks=plan.hooks, keep_wire_log=self.keep_wire_log,
                                   product_version="OS: %s SP: %s Stack: %s" % (
                                       host.os_version, "1.0" if host.os == "2008r2" else "0.0",
                                       "2.0" if host.os == "2008r2" else "3.0")).start()
            self.hosts[host.name] = LabHostEndpoint(host.name, server, handler,
                                                    "https" if plan.transport == "https" else "http")
            if guest_creds is not None:
                self._start_guests(host, users)
        return self

    def _certificate(self, host: Host, plan: faults.ListenerPlan) -> ServerCert:
        assert self.ca is not None
        names = [host.name.lower(), "127.0.0.1", "localhost"]
        if plan.certificate == "untrusted":
            return LabCA("Untrusted lab CA (not in the trust store)").issue(names)
        if plan.certificate == "wrong_name":
            return self.ca.issue(["other-host.contoso.local", "other-host"])
        return self.ca.issue(names, expired=plan.certificate == "expired")

    def _start_guests(self, host: Host, users: dict[str, str]) -> None:
        """A WinRM listener for each running Windows guest reachable at its FQDN."""
        for vm in host.vms:
            g = vm.guest
            if vm.state != "Running" or not g.winrm or not g.fqdn or "Windows" not in (g.os_name or ""):
                continue
            handler = LabHost(self.estate, host, guest_vm=vm)
            tls = der = None
            if self.ca is not None and self.transport == "https":
                cert = self.ca.issue([g.fqdn.lower(), "127.0.0.1", "localhost"])
                tls, der = cert.ssl_context(), cert.cert_der
            server = WinRMEndpoint(handler, users, auth=self.auth, tls=tls, tls_cert_der=der,
                                   hooks=ServerHooks(), keep_wire_log=self.keep_wire_log).start()
            self.guests[g.fqdn.lower()] = LabHostEndpoint(g.fqdn, server, handler,
                                                          "https" if tls is not None else "http")

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
        """How a client reaches ``host`` (or a guest by its FQDN). A host that is down gets a port nobody listens
        on. A cluster's name reaches the first node that is up (the core group's owner), as on a real network."""
        served = self._served(host) or self.guests.get(host.lower())
        if served is None:
            cluster = next((c for c in self.estate.clusters if c.name.lower() == host.lower()), None)
            owner = next((self._served(n) for n in (cluster.nodes if cluster else []) if self._served(n)), None)
            if owner is not None:
                return dataclasses.replace(self.endpoint(owner.name), host=host)
        plan = next((p for n, p in self.plans.items() if n.lower() == host.lower()), None)
        transport = plan.transport if plan else self.transport
        if served is None:
            address = plan.address if plan else "127.0.0.1"
            port = _closed_port() if address == "127.0.0.1" else 0
            return Endpoint(host=host, address=address, port=port, transport=transport,  # type: ignore[arg-type]
                            auth=self.auth, ca_file=self.ca_file if transport == "https" else "")
        return Endpoint(host=host, address="127.0.0.1", port=served.server.port, transport=served.transport,
                        auth=self.auth, ca_file=self.ca_file if served.transport == "https" else "",
                        tls_server_name="127.0.0.1")

    def _served(self, host: str) -> LabHostEndpoint | None:
        return self.hosts.get(host) or next((v for k, v in self.hosts.items() if k.lower() == host.lower()), None)

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
