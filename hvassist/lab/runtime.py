"""Start a lab: one WinRM endpoint per host on 127.0.0.1 (HTTP+NTLM with encryption, or HTTPS)."""

from __future__ import annotations

import dataclasses
import secrets
import shutil
import socket
import tempfile
from dataclasses import dataclass, field
from typing import Literal

from hvassist.lab import faults
from hvassist.lab.costs import Costs
from hvassist.lab.host import LabHost
from hvassist.lab.model import Estate, Host, load_scenario
from hvassist.lab.tlsca import LabCA, ServerCert
from hvassist.lab.wsman import WinRMEndpoint, ntlm_password_for, register_ntlm_users
from hvassist.remote.endpoint import Endpoint

# Output per WS-Man Receive reply: Windows caps a reply at MaxEnvelopeSizekb (500 KB by default, base64 inside)
RECEIVE_CHUNK = 256 * 1024


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
    # What the network and hosts charge; None: the scenario's [costs] table, or nothing (tests, demo).
    costs: Costs | None = None
    # Benchmark only: also answer the naive one-check-per-call scripts of benchmarks/estate.py
    # (hvassist.lab.naive_benchmark). Never set by the product.
    accept_naive_benchmark_scripts: bool = False
    hosts: dict[str, LabHostEndpoint] = field(default_factory=dict)
    guests: dict[str, LabHostEndpoint] = field(default_factory=dict)  # by the guest's FQDN (lower case)
    ca: LabCA | None = None
    ca_file: str = ""
    plans: dict[str, faults.ListenerPlan] = field(default_factory=dict)
    silent: dict[str, SilentPort] = field(default_factory=dict)  # ports that take no connection (no answer)
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
        costs = self.effective_costs
        for host in self.estate.hosts:
            plan = self.plans[host.name]
            if plan.silent and not host.down:
                self.silent[host.name] = SilentPort()
            if host.down or not plan.serve:
                continue
            handler = LabHost(self.estate, host, costs=costs,
                              accept_naive_benchmark_scripts=self.accept_naive_benchmark_scripts)
            tls = der = None
            if plan.transport == "https" and self.ca is not None:
                cert = self._certificate(host, plan)
                tls, der = cert.ssl_context(), cert.cert_der
            server = WinRMEndpoint(handler, users, auth=self.auth, tls=tls, tls_cert_der=der,
                                   hooks=costs.apply_to(plan.hooks), keep_wire_log=self.keep_wire_log,
                                   receive_chunk=RECEIVE_CHUNK,
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

    @property
    def effective_costs(self) -> Costs:
        if self.costs is not None:
            return self.costs
        return self.estate.costs if self.estate.costs is not None else Costs.off()

    def _start_guests(self, host: Host, users: dict[str, str]) -> None:
        """A WinRM listener for each running Windows guest reachable at its FQDN."""
        costs = self.effective_costs
        for vm in host.vms:
            g = vm.guest
            if vm.state != "Running" or not g.winrm or not g.fqdn or "Windows" not in (g.os_name or ""):
                continue
            handler = LabHost(self.estate, host, guest_vm=vm, costs=costs)
            tls = der = None
            if self.ca is not None and self.transport == "https":
                cert = self.ca.issue([g.fqdn.lower(), "127.0.0.1", "localhost"])
                tls, der = cert.ssl_context(), cert.cert_der
            server = WinRMEndpoint(handler, users, auth=self.auth, tls=tls, tls_cert_der=der,
                                   hooks=costs.server_hooks(), keep_wire_log=self.keep_wire_log).start()
            self.guests[g.fqdn.lower()] = LabHostEndpoint(g.fqdn, server, handler,
                                                          "https" if tls is not None else "http")

    def stop(self) -> None:
        for h in [*self.hosts.values(), *self.guests.values()]:
            h.server.stop()
        self.hosts.clear()
        self.guests.clear()
        for sock in self.silent.values():
            sock.close()
        self.silent.clear()
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
            silent = next((s for n, s in self.silent.items() if n.lower() == host.lower()), None)
            port = (silent.port if silent is not None else _closed_port()
                    ) if address == "127.0.0.1" else 0
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


class SilentPort:
    """A port where connections get no answer at all, as behind a firewall that drops packets: it listens with
    a backlog of one that the lab fills itself, so the kernel drops every further SYN and clients time out."""

    def __init__(self) -> None:
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(0)
        self.filler = socket.create_connection(self.listener.getsockname(), timeout=2)

    @property
    def port(self) -> int:
        return int(self.listener.getsockname()[1])

    def close(self) -> None:
        self.filler.close()
        self.listener.close()


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_lab(scenario: str | Estate, **kwargs: object) -> Lab:
    estate = scenario if isinstance(scenario, Estate) else load_scenario(scenario)
    return Lab(estate, **kwargs).start()  # type: ignore[arg-type]
